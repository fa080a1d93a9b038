import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import cookie from '@fastify/cookie'
import { FixedClock } from '../../src/clock.js'
import security from '../../src/http/security.js'
import { defaultRateLimits } from '../../src/http/rate-limits.js'
import errorHandler from '../../src/plugins/error-handler.js'
import { testApp, testConfig, testSecrets } from '../helpers/app.js'
import { given } from '../helpers/given.js'
import { bearerFor } from '../helpers/session.js'

// Tuesday 21 October 2025, 13:25 in Montréal: the 13:30 case study opens for check-in.
const ctx = await (async () => {
  const built = await testApp(t, { clock: new FixedClock(new Date('2025-10-21T13:25:00-04:00')) })
  const [event] = await built.services.program.listEvents()
  if (event === undefined) throw new Error('no event')
  const session = await built.database.db.selectFrom('sessions').select('id').where('key', '=', '2025-10-21-etude-cas-experimentation-reglementaire').executeTakeFirstOrThrow()
  const code = new URL(built.services.attendance.roomCode(session.id).url).pathname.split('/').pop() ?? ''
  return { ...built, eventId: event.id, sessionId: session.id, code }
})()
const { app, database } = ctx

/** People registered for the event, each with their own bearer token. */
const people = async (n: number, prefix: string): Promise<Array<{ id: string, bearer: string }>> => {
  const rows = await given(ctx).many('participant', Array.from({ length: n }, (_, i) => ({ name: `${prefix} ${i}`, email: `${prefix}.${i}@example.ca` })), ctx.eventId)
  // One after the other: hundreds at once would wait on the pool longer than its connect timeout.
  const signedIn: Array<{ id: string, bearer: string }> = []
  for (const r of rows) signedIn.push({ id: r.id, bearer: await bearerFor(ctx, r.id) })
  return signedIn
}
const checkIn = async (who: { bearer: string }, remoteAddress = '203.0.113.7') => await app.inject({
  method: 'POST', url: `/api/v1/sessions/${ctx.sessionId}/check-ins`, remoteAddress, headers: { authorization: who.bearer }, payload: { code: ctx.code }
})

t.test('the 08:30 rush: 300 people checking in from one Wi-Fi address within two minutes are all recorded, none throttled', async t => {
  const room = await people(300, 'rush')
  const statuses = new Map<number, number>()
  for (let i = 0; i < room.length; i += 25) {
    for (const res of await Promise.all(room.slice(i, i + 25).map(async p => await checkIn(p)))) statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
  }
  t.same([...statuses], [[201, 300]], 'every check-in acknowledged')
  const rows = await database.db.selectFrom('attendance_records').select(eb => eb.fn.countAll().as('n')).where('session_id', '=', ctx.sessionId).executeTakeFirstOrThrow()
  t.equal(Number(rows.n), 300)
})

t.test('one person trying code after code is throttled (429, FR/EN, Retry-After); their neighbour on the same address is not', async t => {
  const [eager, neighbour] = await people(2, 'eager')
  for (let i = 0; i < defaultRateLimits.checkInPerPerson; i++) {
    const res = await checkIn(eager!)
    if (res.statusCode !== 201 && res.statusCode !== 200) t.fail(`attempt ${i + 1}: ${res.statusCode}`)
  }
  const refused = await checkIn(eager!)
  t.equal(refused.statusCode, 429)
  t.match(refused.json(), { code: 'too_many_requests', messageFr: /Trop de tentatives de présence en peu de temps : réessayez dans \d+ secondes?/, message: /Too many check-in attempts/ })
  t.ok(Number(refused.headers['retry-after']) > 0 && Number(refused.headers['retry-after']) <= 60, 'Retry-After in seconds')
  const typed = await app.inject({ method: 'POST', url: '/api/v1/check-ins/typed-code', remoteAddress: '203.0.113.7', headers: { authorization: eager!.bearer }, payload: { code: '000000' } })
  t.equal(typed.statusCode, 429, 'one counter for every way of checking in')
  t.equal((await checkIn(neighbour!)).statusCode, 201, 'the neighbour behind the same address checks in')
  const page = await app.inject({ method: 'POST', url: '/presence/code', remoteAddress: '203.0.113.7', headers: { authorization: eager!.bearer, accept: 'text/html' }, payload: { code: '000000' } })
  t.equal(page.statusCode, 429)
  t.match(page.body, /Trop de tentatives de présence/)
})

t.test('a personal link opened over and over is throttled per link, not per address', async t => {
  const hammered = 'a'.repeat(43)
  for (let i = 0; i < defaultRateLimits.perLink; i++) {
    const res = await app.inject({ url: `/p/${hammered}`, remoteAddress: '203.0.113.8', headers: { accept: 'text/html' } })
    if (res.statusCode === 429) t.fail(`request ${i + 1} throttled`)
  }
  const refused = await app.inject({ url: `/p/${hammered}`, remoteAddress: '203.0.113.8', headers: { accept: 'text/html' } })
  t.equal(refused.statusCode, 429)
  t.match(refused.body, /Ce lien a été ouvert trop souvent/)
  t.ok(refused.headers['retry-after'])
  const used = await app.inject({ method: 'POST', url: '/p', remoteAddress: '203.0.113.8', headers: { accept: 'application/json', 'sec-fetch-site': 'same-origin' }, payload: { token: hammered } })
  t.equal(used.statusCode, 429, 'its use too')
  t.not((await app.inject({ url: `/p/${'b'.repeat(43)}`, remoteAddress: '203.0.113.8', headers: { accept: 'text/html' } })).statusCode, 429, 'another link from the same address')
  t.not((await app.inject({ url: `/auth/link/${'c'.repeat(43)}`, remoteAddress: '203.0.113.8', headers: { accept: 'text/html' } })).statusCode, 429)
})

/** Just the security plugin (the real one) with a tiny per-address ceiling, behind a given proxy setting. */
const small = async (tt: { teardown: (fn: () => unknown) => void }, trustProxy: boolean | string[]): Promise<FastifyInstance> => {
  const small = Fastify({ trustProxy })
  await small.register(cookie, { secret: testSecrets.cookieSecret })
  await small.register(security, { config: testConfig({ trustProxy }), platforms: async () => [], limits: { perIp: 3 } })
  await small.register(errorHandler)
  small.get('/ip', async request => ({ ip: request.ip }))
  tt.teardown(async () => { await small.close() })
  return small
}
const hits = async (a: FastifyInstance, remoteAddress: string, forwardedFor: (i: number) => string | undefined, n = 4): Promise<number[]> => {
  const codes: number[] = []
  for (let i = 0; i < n; i++) {
    const forwarded = forwardedFor(i)
    codes.push((await a.inject({ url: '/ip', remoteAddress, headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded } })).statusCode)
  }
  return codes
}

t.test('per-address ceiling: X-Forwarded-For counts only from a trusted proxy; loopback is never counted', async t => {
  const direct = await small(t, false)
  t.same(await hits(direct, '198.51.100.1', i => `10.9.0.${i}`), [200, 200, 200, 429], 'without TRUST_PROXY, a forged X-Forwarded-For does not give fresh counters')
  const refused = await direct.inject({ url: '/ip', remoteAddress: '198.51.100.1' })
  t.match(refused.json(), { statusCode: 429, code: 'too_many_requests', messageFr: /Trop de demandes en peu de temps/ })
  t.ok(refused.headers['retry-after'])
  t.same(await hits(direct, '127.0.0.1', () => undefined, 10), Array(10).fill(200), 'loopback (benches, probes) is not counted')

  const proxied = await small(t, ['10.0.0.1', '192.168.0.0/16'])
  t.same(await hits(proxied, '10.0.0.1', i => `203.0.113.${i + 1}`), [200, 200, 200, 200], 'behind the trusted proxy, each client has its own counter')
  t.same((await proxied.inject({ url: '/ip', remoteAddress: '192.168.4.2', headers: { 'x-forwarded-for': '203.0.113.77' } })).json(), { ip: '203.0.113.77' }, 'CIDR ranges are trusted too')
  t.same(await hits(proxied, '10.0.0.1', () => '203.0.113.50'), [200, 200, 200, 429], 'one client behind the proxy is still limited')
  t.same(await hits(proxied, '10.0.0.2', i => `203.0.113.${100 + i}`), [200, 200, 200, 429], 'an untrusted peer\'s X-Forwarded-For is ignored')
})
