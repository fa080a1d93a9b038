import t from 'tap'
import { MessageOutbox } from '../../src/messages/outbox.js'
import { testApp } from '../helpers/app.js'
import { given } from '../helpers/given.js'

// Two apps for the whole file: one open to loopback (behind a trusted proxy), one with a token.
const metricsToken = 'metrics-token-0123456789abcdef'
const ctx = await testApp(t, { config: { trustProxy: true } })
const withToken = await testApp(t, { program: false, config: { metricsToken } })
const bearer = { authorization: `Bearer ${metricsToken}` }

/** The value of one sample line (`name{labels} value`), or undefined when absent. */
const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find(l => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

t.test('GET /metrics: request counts and latencies per route template, backlog of durable work, process metrics', async t => {
  const { app, services, database: { db } } = ctx
  const [event] = await ctx.services.program.listEvents()

  const token = 'personalLinkSecretToken0123456789'
  for (let i = 0; i < 3; i++) t.equal((await app.inject('/api/v1/events')).statusCode, 200)
  await app.inject(`/p/${token}?lang=en`)
  await app.inject('/nowhere/at/all?x=secret-query-value')

  // Work waiting: two emails for SMTP (one already failed once), a grade the LMS never took,
  // a failed bulk job, a course whose roster sync failed.
  const outbox = new MessageOutbox(ctx.clock, true)
  const message = { eventId: event!.id, personId: null, kind: 'personal_link' as const, to: 'a@example.org', subject: 's', bodyText: 'b' }
  await outbox.enqueue(db, message)
  const retried = await outbox.enqueue(db, message)
  await db.updateTable('outgoing_messages').set({ attempts: 1, last_error: 'connection refused' }).where('id', '=', retried).execute()
  await new MessageOutbox(ctx.clock, false).enqueue(db, message)
  const course = await given(ctx).course({ issuer: 'https://lms.example.org', clientId: 'c', contextId: 'ENP7009', event: null, lineItemsUrl: 'http://127.0.0.1:9/lineitems' })
  await services.gradeOutbox.enqueue({ contextId: course, lineItem: 'presence', userSub: 'u1', score: { scoreGiven: 1, scoreMaximum: 1, activityProgress: 'Completed', gradingProgress: 'FullyGraded' }, givenAt: ctx.clock.now() })
  await services.gradeOutbox.enqueue({ contextId: course, lineItem: 'synthese', userSub: 'u1', score: { scoreGiven: 80, scoreMaximum: 100, activityProgress: 'Completed', gradingProgress: 'FullyGraded' }, givenAt: ctx.clock.now() })
  const delivery = await services.gradeOutbox.deliverDue()
  t.same(delivery, { delivered: 0, retrying: 2 }, 'the LMS is unreachable: both grades wait')
  await services.gradeOutbox.enqueue({ contextId: course, lineItem: 'presence', userSub: 'u2', score: { scoreGiven: 1, scoreMaximum: 1, activityProgress: 'Completed', gradingProgress: 'FullyGraded' }, givenAt: ctx.clock.now() })
  await db.insertInto('attestation_jobs').values({ event_id: event!.id, status: 'failed', total: 10, done: 10, issued: 7, failed: 3, error: JSON.stringify({ fr: 'x', en: 'x' }) }).execute()
  await db.insertInto('attestation_jobs').values({ event_id: event!.id, status: 'done', total: 5, done: 5, issued: 5 }).execute()
  await db.updateTable('lti_contexts').set({ roster_sync_error: 'NRPS answered 500' }).where('id', '=', course).execute()

  const res = await app.inject('/metrics')
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  t.equal(res.headers['cache-control'], 'no-store')
  const text = res.body

  t.equal(sample(text, 'http_request_duration_seconds_count{method="GET",route="/api/v1/events",status_code="200"}'), 3, 'request count per route')
  t.match(text, /http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/api\/v1\/events",status_code="200"\} \d+/, 'latency histogram buckets')
  t.match(text, /route="\/p\/:token"/, 'the route template labels a personal link')
  t.notMatch(text, new RegExp(token), 'never the token itself')
  t.notMatch(text, /secret-query-value|nowhere/, 'nor unknown URLs or query strings')
  t.notMatch(text, /route="\/metrics"/, 'scrapes are not counted')
  t.notMatch(text, /http_request_summary_seconds/, 'no per-request quantile summary')

  t.equal(sample(text, 'compagnon_database_up'), 1)
  t.equal(sample(text, 'compagnon_grade_outbox_backlog{line_item="presence",state="retrying"}'), 1)
  t.equal(sample(text, 'compagnon_grade_outbox_backlog{line_item="presence",state="new"}'), 1)
  t.equal(sample(text, 'compagnon_grade_outbox_backlog{line_item="synthese",state="retrying"}'), 1)
  t.equal(sample(text, 'compagnon_grade_outbox_backlog{line_item="synthese",state="new"}'), 0)
  t.ok((sample(text, 'compagnon_grade_outbox_oldest_seconds') ?? -1) >= 0)
  t.equal(sample(text, 'compagnon_message_outbox_backlog{state="new"}'), 1, 'stored messages (no SMTP) are not a backlog')
  t.equal(sample(text, 'compagnon_message_outbox_backlog{state="retrying"}'), 1)
  t.equal(sample(text, 'compagnon_message_outbox_backlog{state="failed"}'), 0)
  t.equal(sample(text, 'compagnon_attestation_jobs{status="failed"}'), 1)
  t.equal(sample(text, 'compagnon_attestation_jobs{status="done"}'), 1)
  t.equal(sample(text, 'compagnon_attestation_jobs{status="queued"}'), 0)
  t.equal(sample(text, 'compagnon_attestation_job_items_failed'), 3)
  t.equal(sample(text, 'compagnon_roster_sync_failing_courses'), 1)
  t.match(text, /^process_cpu_user_seconds_total \d/m, 'process metrics')
  t.match(text, /^nodejs_eventloop_lag_seconds \d/m)

  app.countBackgroundFailure('grade outbox run')
  t.equal(sample((await app.inject('/metrics')).body, 'compagnon_background_run_failures_total{job="grade outbox run"}'), 1)

  const docs = (await app.inject('/docs/json')).json() as { paths: Record<string, unknown> }
  t.notOk('/metrics' in docs.paths, 'not in the API documentation')
})

t.test('without METRICS_TOKEN only callers on this machine read /metrics, never through a proxy', async t => {
  const { app } = ctx
  t.equal((await app.inject({ url: '/metrics', remoteAddress: '127.0.0.1' })).statusCode, 200)
  t.equal((await app.inject({ url: '/metrics', remoteAddress: '::1' })).statusCode, 200)
  t.equal((await app.inject({ url: '/metrics', remoteAddress: '::ffff:127.0.0.1' })).statusCode, 200)
  const remote = await app.inject({ url: '/metrics', remoteAddress: '10.0.0.7' })
  t.equal(remote.statusCode, 403)
  t.match(remote.json(), { code: 'forbidden', message: /only to callers on this machine.*METRICS_TOKEN/ })
  const spoofed = await app.inject({ url: '/metrics', remoteAddress: '10.0.0.7', headers: { 'x-forwarded-for': '127.0.0.1' } })
  t.equal(spoofed.statusCode, 403, 'X-Forwarded-For cannot claim loopback, even behind a trusted proxy')
  const proxied = await app.inject({ url: '/metrics', remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': '203.0.113.9' } })
  t.equal(proxied.statusCode, 403, 'a proxy on this machine relaying an outside caller is refused')
  t.equal((await app.inject({ url: '/metrics', remoteAddress: '127.0.0.1', headers: { forwarded: 'for=203.0.113.9' } })).statusCode, 403)
})

t.test('with METRICS_TOKEN, /metrics needs the bearer token, from anywhere', async t => {
  const { app } = withToken
  const none = await app.inject({ url: '/metrics' })
  t.equal(none.statusCode, 401, 'even on loopback')
  t.equal(none.headers['www-authenticate'], 'Bearer realm="metrics"')
  t.match(none.json(), { code: 'unauthorized', message: /METRICS_TOKEN/ })
  t.equal((await app.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong' } })).statusCode, 401)
  t.equal((await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${metricsToken}x` } })).statusCode, 401)
  t.equal((await app.inject({ url: '/metrics', headers: { authorization: metricsToken } })).statusCode, 401, 'the Bearer scheme is required')
  const ok = await app.inject({ url: '/metrics', remoteAddress: '198.51.100.4', headers: bearer })
  t.equal(ok.statusCode, 200)
  t.match(ok.body, /compagnon_database_up 1/)
})

t.test('two apps in one process each keep their own counts; over real HTTP; a database that does not answer', async t => {
  const [first, second] = [ctx, withToken]
  await first.app.inject('/health')
  await first.app.inject('/health')
  await second.app.inject('/health')
  const series = 'http_request_duration_seconds_count{method="GET",route="/health",status_code="200"}'
  t.equal(sample((await first.app.inject('/metrics')).body, series), 2)
  t.equal(sample((await second.app.inject({ url: '/metrics', headers: bearer })).body, series), 1)

  const address = await first.app.listen({ host: '127.0.0.1', port: 0 })
  const viaHttp = await fetch(`${address}/metrics`)
  t.equal(viaHttp.status, 200, 'a real loopback socket')
  t.match(await viaHttp.text(), /compagnon_grade_outbox_backlog/)

  await second.database.close()
  const down = await second.app.inject({ url: '/metrics', headers: bearer })
  t.equal(down.statusCode, 200, 'request metrics are still served')
  t.equal(sample(down.body, 'compagnon_database_up'), 0)
  t.notMatch(down.body, /compagnon_grade_outbox_backlog\{/, 'no stale backlog')
  t.match(down.body, /route="\/health"/)
})
