import t from 'tap'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { testApp } from '../helpers/app.js'
import { given } from '../helpers/given.js'
import { startPlatform, type PlatformOptions } from '../helpers/lti-platform.js'
import { serviceUrl } from '../../src/lti/ags.js'

// A course already launched from the platform: its context carries the AGS endpoint.
const setup = async (t: { teardown: (fn: () => unknown) => void }, options: PlatformOptions = {}) => {
  const ctx = await testApp(t, { program: false })
  const base = await ctx.app.listen({ host: '127.0.0.1', port: 0 })
  const platform = await startPlatform(t, options)
  platform.setTool({ jwksUrl: `${base}/lti/keys` })
  const { deploymentId, ...reg } = platform.registration()
  await ctx.services.lti.registerPlatform({ ...reg, deploymentIds: [deploymentId] })
  // No program loaded: a course tied to no event.
  const contextId = await given(ctx).course({ issuer: platform.issuer, clientId: platform.clientId, deploymentId, contextId: 'ENP7009-A2025', event: null, lineItemsUrl: platform.lineItemsUrl })
  return { ...ctx, base, platform, contextId }
}

const graded = (scoreGiven: number, comment = '') => ({ scoreGiven, scoreMaximum: 100, comment, activityProgress: 'Completed' as const, gradingProgress: 'FullyGraded' as const })

t.test('a queued score reaches the platform with the right user, line item and the time it was given', async t => {
  const { services, base, platform, contextId } = await setup(t)
  const givenAt = new Date('2025-10-24T17:30:00Z')
  await services.gradeOutbox.enqueue({ contextId, lineItem: 'synthese', userSub: 'moodle-user-7', score: graded(85, 'Très bonne synthèse'), givenAt })
  t.same(await services.gradeOutbox.deliverDue(), { delivered: 1, retrying: 0 })
  t.match(platform.received.lineItemsCreated, [{ label: 'Synthèse', tag: 'compagnon-synthese', scoreMaximum: 100 }])
  t.equal(platform.received.scores.length, 1)
  const [score] = platform.received.scores
  t.match(score?.body, { userId: 'moodle-user-7', scoreGiven: 85, scoreMaximum: 100, comment: 'Très bonne synthèse', gradingProgress: 'FullyGraded', timestamp: '2025-10-24T17:30:00.000Z' })
  t.match(score?.authorization, /^Bearer /)

  const [tokenRequest] = platform.received.tokenRequests
  t.equal(tokenRequest?.contentType, 'application/x-www-form-urlencoded')
  t.ok(tokenRequest?.ok)
  const assertion = String(tokenRequest?.form.client_assertion)
  const claims = decodeJwt(assertion)
  t.match(claims, { iss: platform.clientId, sub: platform.clientId, aud: platform.tokenUrl })
  t.ok(Number(claims.exp) - Number(claims.iat) <= 60, 'short-lived assertion')
  const keys = await (await fetch(`${base}/lti/keys`)).json() as { keys: Array<{ kid: string }> }
  t.ok(keys.keys.some(k => k.kid === decodeProtectedHeader(assertion).kid), 'signed with our published key')

  await services.gradeOutbox.enqueue({ contextId, lineItem: 'synthese', userSub: 'moodle-user-8', score: graded(70), givenAt })
  await services.gradeOutbox.deliverDue()
  t.equal(platform.received.lineItemsCreated.length, 1, 'the line item is created once per course')
  t.equal(platform.received.tokenRequests.length, 1, 'the access token is reused while valid')
})

t.test('with the platform down nothing is lost: retried with backoff, then delivered once, newest grade only', async t => {
  const { services, platform, contextId, clock } = await setup(t)
  platform.setServicesDown(true)
  await services.gradeOutbox.enqueue({ contextId, lineItem: 'synthese', userSub: 'u1', score: graded(60, 'première correction'), givenAt: new Date('2025-10-24T18:00:00Z') })
  t.same(await services.gradeOutbox.deliverDue(), { delivered: 0, retrying: 1 })
  t.same(await services.gradeOutbox.state(contextId), { pending: 1, delivered: 0, superseded: 0 })
  await services.gradeOutbox.enqueue({ contextId, lineItem: 'synthese', userSub: 'u1', score: graded(75, 'après révision'), givenAt: new Date('2025-10-24T19:00:00Z') })
  t.same(await services.gradeOutbox.state(contextId), { pending: 1, delivered: 0, superseded: 1 }, 'the regrade replaces the pending score')
  t.same(await services.gradeOutbox.deliverDue(), { delivered: 0, retrying: 1 }, 'still down')
  platform.setServicesDown(false)
  t.same(await services.gradeOutbox.deliverDue(), { delivered: 0, retrying: 0 }, 'not due before its backoff')
  clock.advance(31_000)
  t.same(await services.gradeOutbox.deliverDue(), { delivered: 1, retrying: 0 })
  t.same(platform.received.scores.map(s => [s.body.scoreGiven, s.body.comment, s.body.timestamp]), [[75, 'après révision', '2025-10-24T19:00:00.000Z']], 'exactly once, the newest')
  t.same(await services.gradeOutbox.deliverDue(), { delivered: 0, retrying: 0 }, 'nothing left')

  await services.gradeOutbox.enqueue({ contextId, lineItem: 'synthese', userSub: 'u1', score: graded(10, 'vieux'), givenAt: new Date('2025-10-24T18:30:00Z') })
  t.same(await services.gradeOutbox.deliverDue(), { delivered: 0, retrying: 0 }, 'a score older than the delivered one is never sent')
  t.equal(platform.received.scores.length, 1)
})

t.test('Moodle line items carry a query string: scores go to path + /scores + query', async t => {
  t.equal(serviceUrl('https://moodle.example/mod/lti/services.php/2/lineitems/7/lineitem?type_id=1', '/scores'), 'https://moodle.example/mod/lti/services.php/2/lineitems/7/lineitem/scores?type_id=1')
  const { services, platform, contextId } = await setup(t, { quirks: { queryStringLineItems: true, postLoginInitiation: true } })
  await services.gradeOutbox.enqueue({ contextId, lineItem: 'presence', userSub: 'm1', score: graded(100), givenAt: new Date('2025-10-23T21:00:00Z') })
  t.same(await services.gradeOutbox.deliverDue(), { delivered: 1, retrying: 0 })
  t.match(platform.received.scores[0]?.lineItemUrl, /lineitem\?type_id=1$|lineitem$/)
  t.match(platform.received.lineItemsCreated, [{ label: 'Présence', tag: 'compagnon-presence' }])
})

t.test('NRPS: the roster is stored across several pages, with people, roles and leavers', async t => {
  const { platform, contextId, database, services } = await setup(t)
  await services.program.importFromFile((await import('../../src/paths.js')).defaultProgramFile)
  const [event] = await services.program.listEvents()
  await database.db.updateTable('lti_contexts').set({ memberships_url: platform.membershipsUrl, event_id: event!.id }).where('id', '=', contextId).execute()
  const L = 'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'
  const I = 'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor'
  const students = Array.from({ length: 7 }, (_, i) => ({ user_id: `s${i}`, roles: [L], name: `Étudiant·e ${i}`, email: `s${i}@etu.enap.ca` }))
  platform.setMembers([...students, { user_id: 't1', roles: [I], name: 'Prof. Roy', email: 'roy@enap.ca' }], 3)
  t.same(await services.roster.sync(contextId), { members: 8, active: 8 })
  t.ok(platform.received.requests.filter(r => r.url.includes('memberships')).length >= 3, 'three pages fetched')
  const rows = await database.db.selectFrom('lti_roster_members').select(['user_sub', 'status']).where('context_id', '=', contextId).orderBy('user_sub').execute()
  t.equal(rows.length, 8)
  const credited = await database.db.selectFrom('registrations').select('person_id').where('event_id', '=', event!.id).where('role', '=', 'credited_student').execute()
  t.equal(credited.length, 7, 'students are known as credited students before they ever launch')
  t.equal((await database.db.selectFrom('registrations').select('person_id').where('role', '=', 'instructor').execute()).length, 1)

  platform.setMembers(students.slice(0, 6), 3)
  t.same(await services.roster.sync(contextId), { members: 6, active: 6 })
  const gone = await database.db.selectFrom('lti_roster_members').select(['user_sub', 'status']).where('status', '=', 'Deleted').orderBy('user_sub').execute()
  t.same(gone.map(r => r.user_sub), ['s6', 't1'], 'people the LMS no longer lists are marked as gone')
  t.equal(Number((await database.db.selectFrom('people').select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n), 8, 'a second sync creates nobody')
})

t.test('NRPS: a roster sync the LMS fails is retried by the worker with backoff, and lands once the LMS is back', async t => {
  const { services, platform, contextId, database, clock } = await setup(t)
  await database.db.updateTable('lti_contexts').set({ memberships_url: platform.membershipsUrl, roster_sync_due_at: clock.now() }).where('id', '=', contextId).execute()
  const state = async () => await database.db.selectFrom('lti_contexts').select(['roster_sync_due_at', 'roster_sync_attempts', 'roster_sync_error', 'roster_synced_at']).where('id', '=', contextId).executeTakeFirstOrThrow()
  platform.setMembers([{ user_id: 'r1', roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'], name: 'Rémi' }])

  platform.setServicesDown(true)
  t.same(await services.roster.runDue(), { synced: 0, failed: 1 })
  const failed = await state()
  t.equal(failed.roster_sync_attempts, 1)
  t.match(failed.roster_sync_error, /503/)
  t.equal(failed.roster_sync_due_at?.getTime(), clock.now().getTime() + 60_000, 'retried in a minute')
  t.same(await services.roster.runDue(), { synced: 0, failed: 0 }, 'not before')
  clock.advance(60_000)
  t.same(await services.roster.runDue(), { synced: 0, failed: 1 })
  t.equal((await state()).roster_sync_due_at?.getTime(), clock.now().getTime() + 120_000, 'then in two')

  platform.setServicesDown(false)
  clock.advance(120_000)
  t.same(await services.roster.runDue(), { synced: 1, failed: 0 })
  const synced = await state()
  t.match(synced, { roster_sync_attempts: 0, roster_sync_error: null })
  t.equal(synced.roster_synced_at?.getTime(), clock.now().getTime())
  t.equal(synced.roster_sync_due_at?.getTime(), clock.now().getTime() + 6 * 3600_000, 'refreshed again in six hours')
  t.equal((await database.db.selectFrom('lti_roster_members').select('user_sub').where('context_id', '=', contextId).execute()).length, 1)
})

t.test('NRPS: two workers never sync the same course at once', async t => {
  const { services, platform, contextId, database, clock } = await setup(t)
  await database.db.updateTable('lti_contexts').set({ memberships_url: platform.membershipsUrl, roster_sync_due_at: clock.now() }).where('id', '=', contextId).execute()
  platform.setMembers([])
  const [a, b] = await Promise.all([services.roster.runDue(), services.roster.runDue()])
  t.equal((a?.synced ?? 0) + (b?.synced ?? 0), 1, 'one of them took it')
  t.same(await services.roster.runNow(contextId), { status: 'synced', members: 0, active: 0 }, 'sync now runs at once')
})

t.test('AGS results: instructors see the LMS gradebook beside the grades Compagnon gave', async t => {
  const { services, platform, contextId, clock } = await setup(t)
  const given = clock.now()
  await services.gradeOutbox.enqueue({ contextId, lineItem: 'synthese', userSub: 'u1', score: graded(85), givenAt: given })
  await services.gradeOutbox.enqueue({ contextId, lineItem: 'synthese', userSub: 'u2', score: graded(70), givenAt: given })
  t.same(await services.gradeOutbox.deliverDue(), { delivered: 2, retrying: 0 })
  await services.gradeOutbox.enqueue({ contextId, lineItem: 'synthese', userSub: 'u2', score: graded(75), givenAt: new Date(given.getTime() + 60_000) })

  // A teacher edits one grade in the LMS and enters another Compagnon never gave.
  const lineItem = String(platform.lineItems()[0]?.id)
  const token = platform.issueToken(['https://purl.imsglobal.org/spec/lti-ags/scope/score'])
  for (const [userId, scoreGiven] of [['u1', 90], ['u3', 60]] as const) {
    const res = await fetch(serviceUrl(lineItem, '/scores'), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/vnd.ims.lis.v1.score+json' },
      body: JSON.stringify({ userId, ...graded(scoreGiven), timestamp: new Date(given.getTime() + 120_000).toISOString() })
    })
    t.equal(res.status, 204)
  }

  const [section, ...others] = await services.gradeOutbox.gradebook(contextId)
  t.equal(others.length, 0, 'only line items Compagnon uses')
  t.equal(section?.label, 'Synthèse')
  t.match(section?.rows, [
    { userSub: 'u1', lms: { score: 90, maximum: 100 }, compagnon: { score: 85, delivered: true }, state: 'differs' },
    { userSub: 'u2', lms: { score: 70 }, compagnon: { score: 75, delivered: false }, state: 'waiting' },
    { userSub: 'u3', lms: { score: 60 }, compagnon: null, state: 'lms_only' }
  ])
  t.ok(platform.received.tokenRequests.some(r => String(r.form.scope).includes('result.readonly')), 'read with the results scope')

  platform.setServicesDown(true)
  await t.rejects(services.gradeOutbox.gradebook(contextId), /answered 503/)
})

t.test('Brightspace: token requests name the platform\'s own audience when it is not the token URL', async t => {
  const audience = 'https://api.brightspace.example/auth/token'
  const { services, platform, contextId } = await setup(t, { tokenAudience: audience })
  await services.gradeOutbox.enqueue({ contextId, lineItem: 'presence', userSub: 'd2l-user', score: graded(100), givenAt: new Date('2025-10-24T20:00:00Z') })
  t.same(await services.gradeOutbox.deliverDue(), { delivered: 1, retrying: 0 })
  t.equal(decodeJwt(String(platform.received.tokenRequests[0]?.form.client_assertion)).aud, audience)
})
