import t from 'tap'
import { sql } from 'kysely'
import { realTime, testApp } from '../helpers/app.js'
import { signInWithLink } from '../helpers/session.js'
import { ROLES, startPlatform } from '../helpers/lti-platform.js'
import { countRows, rowDeltas } from '../helpers/rows.js'
import { given, type Role } from '../helpers/given.js'

// Issue 15, findings 2 and 8 (privacy part): an organizer of event A exports and erases only what
// belongs to A; a person who also belongs to event B is erased by a privacy officer, and stays
// erased (sealed tombstone) for roster syncs and launches; erasure leaves no launch copy nor hand-in text.

const OFFICER_EMAIL = 'responsable.vie.privee@enap.ca'
const TABLES = [
  'people', 'registrations', 'device_sessions', 'lti_identities', 'lti_roster_members', 'lti_store', 'synthesis_submissions',
  'synthesis_grades', 'lti_grade_outbox', 'outgoing_messages', 'erasure_requests', 'erasure_audit', 'erasure_tombstones'
] as const

const ctx = await (async () => {
  const built = await testApp(t, { clock: realTime(), config: { privacyOfficerEmails: [OFFICER_EMAIL] } })
  const base = await built.app.listen({ host: '127.0.0.1', port: 0 })
  const platform = await startPlatform(t, { deploymentId: 'dep-1' })
  platform.setTool({ jwksUrl: `${base}/lti/keys` })
  await built.services.lti.registerPlatform({ ...platform.registration(), deploymentIds: ['dep-1'] })
  return { ...built, base, platform }
})()
const { app, services, base, platform } = ctx
const db = ctx.database.db

const g = given(ctx)
const eventA = await g.event()
const eventB = await g.newEvent({ key: 'hiver-2026', titleFr: 'École d\'hiver 2026', titleEn: 'Winter school 2026', startsOn: '2026-02-09', endsOn: '2026-02-13' })

const someone = async (name: string, email: string, registrations: Array<[string, Role]>): Promise<{ id: string, authorization: string }> => {
  const person = await g.person({ name, email })
  for (const [event, role] of registrations) await g.registered(person.id, role, event)
  return { id: person.id, authorization: await g.bearer(person.id) }
}
const orgA = await someone('Olivia Organisatrice A', 'olivia@enap.ca', [[eventA, 'organizer']])
const orgB = await someone('Bruno Organisateur B', 'bruno@enap.ca', [[eventB, 'organizer'], [eventB, 'instructor']])
const officer = await someone('Rachel Responsable', OFFICER_EMAIL, [])
const impostor = await someone('Ivan Imposteur', 'ivan@enap.ca', [[eventA, 'organizer']])

// Course B, tied to event B by an organizer before any launch; Bruno teaches it.
const courseB = await g.course({
  issuer: platform.issuer, clientId: platform.clientId, deploymentId: 'dep-1', contextId: 'HIVER-B', title: 'Cours B', event: eventB, membershipsUrl: platform.membershipsUrl, lineItemsUrl: platform.lineItemsUrl
})
await g.lmsIdentity(orgB.id, { issuer: platform.issuer, clientId: platform.clientId, subject: 'moodle-bruno' })
await g.onRoster(courseB, orgB.id, { sub: 'moodle-bruno', roles: [ROLES.Instructor] })

// Camille: a credited student of course B (by a real launch: identity, ltijs' copies, roster, registration in B),
// also imported as a participant of event A.
const camilleUser = { sub: 'moodle-camille', name: 'Camille Gagnon', email: 'camille.gagnon@etu.enap.ca' }
const launched = await platform.launch(base, { user: camilleUser, roles: [ROLES.Learner], context: { id: 'HIVER-B', label: 'HIVER', title: 'Cours B' } })
// Thrown, not asserted: a top-level assertion let tap end the root test during the setup's awaits (seen on PostgreSQL).
if (launched.launchResponse.status !== 303) throw new Error(`Camille's launch into course B failed: ${launched.launchResponse.status}`)
const camille = (await db.selectFrom('lti_identities').select('person_id').where('subject', '=', camilleUser.sub).executeTakeFirstOrThrow()).person_id
await g.registered(camille, 'participant', eventA)
const assignment = await g.assignment(courseB, { event: eventB, title: 'Synthèse B', opensAt: new Date('2026-02-09T13:00:00Z'), dueAt: new Date('2026-02-13T21:00:00Z') })
const { submission } = await g.handIn(assignment, camille, { text: 'Texte confidentiel de Camille', at: new Date('2026-02-13T20:00:00Z'), grade: { score: 80, feedback: 'Commentaire privé de Bruno', state: 'published', at: new Date('2026-02-14T13:00:00Z') } })
// Queued for the gradebook, not delivered yet.
await g.gradeInOutbox(courseB, { person: camille, sub: camilleUser.sub, score: { scoreGiven: 80, scoreMaximum: 100, comment: 'Commentaire privé de Bruno' }, givenAt: new Date('2026-02-14T13:00:00Z'), status: 'pending' })
await g.message(camille, { event: eventA, kind: 'attestation_refused', to: camilleUser.email, subject: 'Bienvenue à l\'École d\'automne', body: 'Message de l\'événement A' })
await g.message(camille, { event: eventB, kind: 'attestation_refused', to: camilleUser.email, subject: 'Bienvenue à l\'École d\'hiver', body: 'Message secret de l\'événement B' })

const counts = async (): Promise<Record<string, number>> => await countRows(db, TABLES)
const erasures = (event: string): string => `/api/v1/events/${event}/privacy/erasures`

t.test('an organizer of A exports only what belongs to A: nothing of B, no synthesis text', async t => {
  const res = await app.inject({ url: `/api/v1/events/${eventA}/people/${camille}/export`, headers: { authorization: orgA.authorization } })
  t.equal(res.statusCode, 200)
  const data = res.json()
  t.same(data.registrations.map((r: { event_id: string }) => r.event_id), [eventA], 'the registration in A only')
  t.same(data.messages.map((m: { body_text: string }) => m.body_text), ['Message de l\'événement A'])
  t.same(data.synthesis, { drafts: [], submissions: [], extensions: [], grades: [], gradeHistory: [] }, 'course B\'s hand-in is not A\'s')
  t.same(data.lti, { identities: [], rosterMemberships: [], gradeDeliveries: [], contentSelections: [] }, 'her LMS account belongs to B too')
  t.same(data.deviceSessions, [], 'account-wide parts stay out: she belongs to another event')
  t.match(data.scope, { kind: 'organizer', eventIds: [eventA], account: false, note: { fr: /seulement ce qui appartient à ses événements/ } })
  for (const secret of [eventB, courseB, 'Texte confidentiel', 'Commentaire privé', 'secret de l\'événement B', camilleUser.sub]) {
    t.notMatch(res.body, secret, `nothing of B: ${secret}`)
  }
})

t.test('synthesis text goes to its author and the course\'s instructors only', async t => {
  const mine = (await app.inject({ url: '/api/v1/me/export', headers: { authorization: `Bearer ${app.jwt.sign({ sub: camille, sid: (await ctx.services.people.openDeviceSession(camille, 'x')).deviceSessionId })}` } })).json()
  t.match(mine, { scope: { kind: 'person', account: true }, synthesis: { submissions: [{ text: 'Texte confidentiel de Camille' }], grades: [{ feedback: 'Commentaire privé de Bruno' }] } })
  t.equal(mine.registrations.length, 2, 'her own export stays whole')

  // Bruno organizes B and teaches course B: he reads the text.
  const byTeacher = (await app.inject({ url: `/api/v1/events/${eventB}/people/${camille}/export`, headers: { authorization: orgB.authorization } })).json()
  t.match(byTeacher.synthesis.submissions, [{ id: submission, text: 'Texte confidentiel de Camille' }])
  t.notMatch(JSON.stringify(byTeacher), 'Message de l\'événement A', 'and nothing of A')

  // The same organizer once he no longer teaches the course: the hand-in is listed, its text is not.
  await db.updateTable('lti_roster_members').set({ status: 'Deleted' }).where('context_id', '=', courseB).where('person_id', '=', orgB.id).execute()
  const res = await app.inject({ url: `/api/v1/events/${eventB}/people/${camille}/export`, headers: { authorization: orgB.authorization } })
  await db.updateTable('lti_roster_members').set({ status: 'Active' }).where('context_id', '=', courseB).where('person_id', '=', orgB.id).execute()
  t.equal(res.statusCode, 200)
  t.match(res.json().synthesis, { submissions: [{ id: submission, text: null, text_withheld: true }], grades: [{ score: '80', feedback: null }] })
  t.notMatch(res.body, /Texte confidentiel|Commentaire privé/)
})

t.test('erasing her is refused to A\'s organizer, naming event B; only the refusal is written', async t => {
  const recorded = await app.inject({ method: 'POST', url: erasures(eventA), headers: { authorization: orgA.authorization }, payload: { personId: camille, requestedAt: new Date().toISOString(), channel: 'email' } })
  t.equal(recorded.statusCode, 201, 'the request itself is recorded (Loi 25: requests are kept and answered)')
  const request = recorded.json()
  t.match(request.preview.blocked, { events: [{ id: eventB, title: { fr: 'École d\'hiver 2026' } }], messageFr: /«\u00a0École d'hiver 2026\u00a0»/, messageEn: /“Winter school 2026”/ })

  const before = await counts()
  const refused = await app.inject({ method: 'POST', url: `${erasures(eventA)}/${request.id}/confirm`, headers: { authorization: orgA.authorization } })
  t.equal(refused.statusCode, 403)
  t.match(refused.json(), {
    messageFr: /que vous n’organisez pas.*«\u00a0École d'hiver 2026\u00a0».*responsable de la protection/,
    message: /Who must agree first: the organizers of the event “Winter school 2026”/
  })
  t.notMatch(refused.body, eventB.slice(0, 8) + '-', 'named by its title, not its id, in the message')
  t.same(rowDeltas(before, await counts()), { erasure_audit: 1 }, 'nothing but the refusal\'s audit record')
  t.match(await db.selectFrom('erasure_audit').select(['action', 'actor_id', 'details']).where('request_id', '=', request.id).orderBy('id', 'desc').executeTakeFirstOrThrow(),
    { action: 'refused', actor_id: orgA.id, details: { events: ['École d\'hiver 2026'] } })

  const page = await app.inject({ url: `/organisateurs/confidentialite/${eventA}/effacement/${request.id}`, headers: { authorization: orgA.authorization, accept: 'text/html' } })
  t.equal(page.statusCode, 200)
  t.match(page.body, /role="alert">Effacement impossible ici/)
  t.notMatch(page.body, /confirmer\?lang/, 'no confirm button for her')
  t.match(page.body, /Confirmation refusée/)

  const form = await app.inject({ method: 'POST', url: `/organisateurs/confidentialite/${eventA}/effacement/${request.id}/confirmer?lang=en`, headers: { authorization: orgA.authorization, accept: 'text/html', origin: 'http://localhost:80' } })
  t.equal(form.statusCode, 403, 'the form too')
  t.equal((await db.selectFrom('people').select('email').where('id', '=', camille).executeTakeFirstOrThrow()).email, camilleUser.email, 'she is untouched')

  // Another organizer of A, whose email is not configured as a privacy officer's, is refused alike.
  t.equal((await app.inject({ method: 'POST', url: `${erasures(eventA)}/${request.id}/confirm`, headers: { authorization: impostor.authorization } })).statusCode, 403)

  // An account with the officer's address that an organizer created (and saw the first link of) is not the officer.
  await db.updateTable('people').set({ staff_provisioned_at: new Date(), staff_provisioned_by: orgA.id }).where('id', '=', officer.id).execute()
  const squatted = await app.inject({ method: 'POST', url: `${erasures(eventA)}/${request.id}/confirm`, headers: { authorization: officer.authorization } })
  await db.updateTable('people').set({ staff_provisioned_at: null, staff_provisioned_by: null }).where('id', '=', officer.id).execute()
  t.equal(squatted.statusCode, 403, 'a staff-provisioned account with the officer\'s email is refused')
  t.equal((await db.selectFrom('people').select('email').where('id', '=', camille).executeTakeFirstOrThrow()).email, camilleUser.email, 'she is still untouched')
})

t.test('the privacy officer erases across events: sealed tombstone, no launch copy, no hand-in text even with a grade queued', async t => {
  const listed = (await app.inject({ url: erasures(eventA), headers: { authorization: officer.authorization } }))
  t.equal(listed.statusCode, 200, 'the officer sees the requests of any event')
  const request = listed.json().requests.find((r: { personId: string }) => r.personId === camille)
  const storeOf = async (): Promise<number> => Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM lti_store WHERE fields::text LIKE ${'%' + camilleUser.sub + '%'} OR fields::text LIKE ${'%' + camilleUser.email + '%'}`.execute(db)).rows[0]?.n)
  t.ok(await storeOf() >= 2, 'ltijs kept her id token and context token, name and email readable')

  // A code she made to link another account of hers, not used yet.
  await db.insertInto('account_link_codes').values({ person_id: camille, code_hash: 'a'.repeat(64), created_at: new Date(), expires_at: new Date(Date.now() + 600_000) }).execute()
  await db.insertInto('account_audit').values({ at: new Date(), actor_id: null, actor_label: 'operator', action: 'operator_link', subject_person_id: camille }).execute()
  const preview = (await app.inject({ url: `${erasures(eventA)}/preview?personId=${camille}`, headers: { authorization: officer.authorization } })).json()
  t.equal(preview.blocked, null, 'nothing blocks the officer')
  t.match(preview.erase, { synthesis_submissions: 1, synthesis_grades: 1, grade_comments: 1, lti_launch_data: 2, lti_identities: 1, account_link_codes: 1 })

  const done = await app.inject({ method: 'POST', url: `${erasures(eventA)}/${request.id}/confirm`, headers: { authorization: officer.authorization } })
  t.equal(done.statusCode, 200)
  t.match(done.json(), { status: 'done', counts: { identity: 1, lti_launch_data: 2, synthesis_submissions: 1, grade_comments: 1 } })

  t.equal(await storeOf(), 0, 'ltijs\' copies of her launches are gone')
  t.equal((await db.selectFrom('account_link_codes').select('id').where('person_id', '=', camille).execute()).length, 0, 'her account-linking code is gone')
  t.equal((await db.selectFrom('synthesis_submissions').select('id').where('person_id', '=', camille).execute()).length, 0, 'hand-in gone although its grade is queued')
  t.equal((await db.selectFrom('synthesis_grades').select('person_id').where('person_id', '=', camille).execute()).length, 0)
  const queued = await db.selectFrom('lti_grade_outbox').select(['score', 'status']).where('person_id', '=', camille).executeTakeFirstOrThrow()
  t.same(queued, { score: { scoreGiven: 80, scoreMaximum: 100 }, status: 'pending' }, 'the queued grade keeps only the score')
  t.equal((await db.selectFrom('lti_identities').select('subject').where('person_id', '=', camille).execute()).length, 0)
  const tombstones = await db.selectFrom('erasure_tombstones').selectAll().execute()
  t.equal(tombstones.length, 1, 'one tombstone for her one LMS identity')
  t.match(tombstones[0]!.identity_hash, /^[0-9a-f]{64}$/)
  t.notMatch(JSON.stringify(tombstones), new RegExp(`${camilleUser.sub}|${platform.issuer.replace(/[.:/]/g, '.')}`), 'sealed: neither issuer nor subject readable')
})

t.test('the next roster sync does not bring her back; others still arrive', async t => {
  platform.setMembers([
    { user_id: 'moodle-bruno', roles: [ROLES.Instructor], name: 'Bruno Organisateur B' },
    { user_id: camilleUser.sub, roles: [ROLES.Learner], name: camilleUser.name, email: camilleUser.email },
    { user_id: 'moodle-nouveau', roles: [ROLES.Learner], name: 'Noé Nouveau', email: 'noe@etu.enap.ca' }
  ])
  const before = await counts()
  t.match(await services.roster.runNow(courseB), { status: 'synced', members: 3 })
  const delta = rowDeltas(before, await counts())
  t.equal(delta.people, 1, 'only Noé is new')
  t.equal((await db.selectFrom('people').select('id').where('email', '=', camilleUser.email).execute()).length, 0, 'no account with her email')
  t.equal((await db.selectFrom('people').select('id').where('display_name', '=', camilleUser.name).execute()).length, 0, 'nor her name')
  t.equal((await db.selectFrom('lti_roster_members').select('user_sub').where('user_sub', '=', camilleUser.sub).execute()).length, 0, 'her LMS subject is not stored again')
  t.equal((await db.selectFrom('lti_identities').select('subject').where('subject', '=', camilleUser.sub).execute()).length, 0)
})

t.test('a launch by the erased account is refused with a page saying why, and creates nothing', async t => {
  const before = await counts()
  const again = await platform.launch(base, { user: camilleUser, roles: [ROLES.Learner], context: { id: 'HIVER-B', label: 'HIVER', title: 'Cours B' } })
  t.equal(again.launchResponse.status, 403)
  const body = await again.launchResponse.text()
  t.match(body, /effacées de Compagnon à la demande de la personne|erased from Compagnon at the person/)
  t.match(body, /équipe d’organisation|organizers/)
  const delta = rowDeltas(before, await counts())
  t.notOk(delta.people ?? delta.lti_identities ?? delta.registrations ?? delta.device_sessions, `no account, identity, registration or session (${JSON.stringify(delta)})`)
  t.equal(await db.selectFrom('lti_store').select('id').where(sql<boolean>`fields::text LIKE ${'%' + camilleUser.email + '%'}`).executeTakeFirst(), undefined, 'the refused launch left no readable copy either')
})

t.test('no export shows a working link from a message not sent yet: not the organizer\'s, not the person\'s own', async t => {
  // Its own app: "m'envoyer mon lien" needs email (nothing listens on port 9, so the message stays pending).
  const other = await testApp(t, { config: { smtp: { url: 'smtp://127.0.0.1:9', from: 'noreply@enap.ca' } } })
  const odb = other.database.db
  const og = given(other)
  const event = await og.event()
  const paule = await og.participant({ name: 'Paule Émond', email: 'paule.emond@montreal.ca' })
  const org = await og.organizer({ name: 'Olivia Organisatrice', email: 'olivia@enap.ca' })
  const bearer = async (id: string): Promise<string> => await og.bearer(id)

  t.equal((await other.app.inject({ method: 'POST', url: '/api/v1/sign-in-links', remoteAddress: '203.0.113.7', payload: { email: 'paule.emond@montreal.ca' } })).statusCode, 202)
  await other.services.selfServiceLinks.settled()
  const queued = await odb.selectFrom('outgoing_messages').select(['body_text', 'status', 'event_id']).where('person_id', '=', paule.id).where('kind', '=', 'sign_in_link').executeTakeFirstOrThrow()
  t.match(queued, { status: 'pending', event_id: null }, 'account-wide, not sent yet')
  const token = /\/auth\/link\/([A-Za-z0-9_-]{20,100})/.exec(queued.body_text)?.[1]
  if (token === undefined) throw new Error('the queued message holds no sign-in link')

  // She belongs to this event only, so the organizer's export includes her account-wide messages.
  const byOrganizer = await other.app.inject({ url: `/api/v1/events/${event}/people/${paule.id}/export`, headers: { authorization: await bearer(org.id) } })
  t.equal(byOrganizer.statusCode, 200)
  t.equal(byOrganizer.json().scope.account, true)
  t.match(byOrganizer.json().messages, [{ kind: 'sign_in_link', status: 'pending', body_text: /\/auth\/link\/\[…\]/ }], 'the message is listed, its link is not')
  t.notMatch(byOrganizer.body, token, 'the organizer never reads her working link')

  const own = await other.app.inject({ url: '/api/v1/me/export', headers: { authorization: await bearer(paule.id) } })
  t.equal(own.statusCode, 200)
  t.notMatch(own.body, token, 'nor does a downloaded file keep it (it would only go stale there)')

  // The exports neither used nor spent it: the link in her inbox still signs her in.
  const signedIn = await signInWithLink(other.app, `http://localhost/auth/link/${token}`)
  t.equal(signedIn.res.statusCode, 303, 'the link from her email still works')
})

t.test('a roster sync before the first launch, then the launch, then erasure: no roster row keeps the LMS subject, and the next sync does not bring it back', async t => {
  const dana = { sub: 'moodle-dana', name: 'Dana Dufour', email: 'dana.dufour@etu.enap.ca' }
  const members = [
    { user_id: 'moodle-bruno', roles: [ROLES.Instructor], name: 'Bruno Organisateur B' },
    { user_id: dana.sub, roles: [ROLES.Learner], name: dana.name, email: dana.email }
  ]
  platform.setMembers(members)
  t.match(await services.roster.runNow(courseB), { status: 'synced' })
  const danaId = (await db.selectFrom('lti_identities').select('person_id').where('subject', '=', dana.sub).executeTakeFirstOrThrow()).person_id

  const launch = await platform.launch(base, { user: dana, roles: [ROLES.Learner], context: { id: 'HIVER-B', label: 'HIVER', title: 'Cours B' } })
  t.equal(launch.launchResponse.status, 303)
  t.same(await db.selectFrom('lti_roster_members').select('person_id').where('context_id', '=', courseB).where('user_sub', '=', dana.sub).execute(), [{ person_id: danaId }],
    'the launch left the synced row tied to her account')

  // A row of another course of the same LMS that names no person (written without one, or its person row
  // deleted: ON DELETE SET NULL) still holds her subject; erasure finds it by (LMS, subject).
  const courseC = await g.course({ issuer: platform.issuer, clientId: platform.clientId, deploymentId: 'dep-1', contextId: 'HIVER-C', title: 'Cours C', event: eventB })
  await g.onRoster(courseC, null, { sub: dana.sub, roles: [ROLES.Learner] })

  const recorded = await app.inject({ method: 'POST', url: erasures(eventB), headers: { authorization: orgB.authorization }, payload: { personId: danaId, requestedAt: new Date().toISOString(), channel: 'email' } })
  t.equal(recorded.statusCode, 201)
  t.match(recorded.json().preview.erase, { lti_roster_members: 2 }, 'the preview counts both rows')
  const done = await app.inject({ method: 'POST', url: `${erasures(eventB)}/${recorded.json().id as string}/confirm`, headers: { authorization: officer.authorization } })
  t.equal(done.statusCode, 200)
  t.match(done.json(), { status: 'done', counts: { lti_roster_members: 2, lti_identities: 1 } })
  t.same(await db.selectFrom('lti_roster_members').select('context_id').where('user_sub', '=', dana.sub).execute(), [], 'no roster row keeps her subject')

  platform.setMembers(members)
  t.match(await services.roster.runNow(courseB), { status: 'synced' })
  t.same(await db.selectFrom('lti_roster_members').select('context_id').where('user_sub', '=', dana.sub).execute(), [], 'the next sync does not store it again')
  t.equal((await db.selectFrom('people').select('id').where('email', '=', dana.email).execute()).length, 0, 'nor her account')
})
