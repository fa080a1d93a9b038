// Canvas' way of doing LTI 1.3, over real HTTP: every Canvas tenant launches with the same issuer
// (https://canvas.instructure.com) and is told apart by its client id (each with its own keys
// here), and one client id can have several deployments, each its own course context.
import t, { type Test } from 'tap'
import { realTime, testApp } from '../helpers/app.js'
import { ROLES, startPlatform, type LaunchOptions, type LaunchResult, type SimulatedPlatform } from '../helpers/lti-platform.js'
import { LAUNCH_CONTINUATION, landAfterLaunch } from '../helpers/lti-landing.js'

const CANVAS = 'https://canvas.instructure.com'
const canvasProduct = { name: 'Canvas LMS', product_family_code: 'canvas' }

// One app for the file; two Canvas tenants (client ids as Canvas issues them), each its own simulator, keys and JWKS URL.
const ctx = await (async () => {
  const built = await testApp(t, { clock: realTime() })
  const base = await built.app.listen({ host: '127.0.0.1', port: 0 })
  // Canvas sends the login initiation as an auto-submitted form POST (with lti_message_hint).
  const canvas = { issuer: CANVAS, deploymentId: '1', toolPlatform: canvasProduct, quirks: { postLoginInitiation: true } }
  const tenantA = await startPlatform(t, { ...canvas, clientId: '10000000000001' })
  const tenantB = await startPlatform(t, { ...canvas, clientId: '20000000000002' })
  for (const [tenant, deploymentIds, name] of [[tenantA, ['1', '2'], 'Canvas — Université A'], [tenantB, ['1'], 'Canvas — Université B']] as const) {
    tenant.setTool({ jwksUrl: `${base}/lti/keys` })
    await built.services.lti.registerPlatform({ ...tenant.registration(), deploymentIds: [...deploymentIds], name })
  }
  return { ...built, base, tenantA, tenantB }
})()
const { base, tenantA, tenantB, database } = ctx
const db = database.db

const counts = async (): Promise<{ people: number, identities: number, contexts: number, sessions: number }> => {
  const count = async (table: 'people' | 'lti_identities' | 'lti_contexts' | 'device_sessions'): Promise<number> =>
    Number((await db.selectFrom(table).select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
  return { people: await count('people'), identities: await count('lti_identities'), contexts: await count('lti_contexts'), sessions: await count('device_sessions') }
}

const contextsOf = async (clientId: string, contextId: string): Promise<Array<{ id: string, deployment_id: string, lineitems_url: string | null }>> =>
  await db.selectFrom('lti_contexts').select(['id', 'deployment_id', 'lineitems_url'])
    .where('issuer', '=', CANVAS).where('client_id', '=', clientId).where('context_id', '=', contextId)
    .orderBy('deployment_id').execute()

/** Follows the launch's redirects with the browser's cookies, as the browser would. */
const land = async (result: LaunchResult): Promise<{ status: number, contentType: string, body: string }> => await landAfterLaunch(base, result)

const coursePage = async (t: Test, result: LaunchResult, what: string): Promise<string> => {
  t.equal(result.launchResponse.status, 303, `${what}: the launch is accepted`)
  t.match(result.launchResponse.headers.get('location'), LAUNCH_CONTINUATION, `${what}: sent on to the course page`)
  t.ok(result.cookies.get('compagnon_session'), `${what}: our session cookie`)
  const page = await land(result)
  t.equal(page.status, 200, `${what}: /cours answers 200`)
  t.match(page.contentType, /text\/html/, `${what}: an HTML page`)
  return page.body
}

/** A launch that must be refused: a 4xx HTML page saying why, no session, nothing created. */
const refused = async (t: Test, what: string, on: SimulatedPlatform, options: LaunchOptions, expected: { status: number, text: RegExp }): Promise<void> => {
  const before = await counts()
  const result = await on.launch(base, options)
  t.equal(result.launchResponse.status, expected.status, `${what}: ${expected.status}`)
  t.match(result.launchResponse.headers.get('content-type') ?? '', /text\/html/, `${what}: an error page`)
  t.match(await result.launchResponse.text(), expected.text, `${what}: says why`)
  t.notOk(result.cookies.get('compagnon_session'), `${what}: no session`)
  t.same(await counts(), before, `${what}: no person, identity, course or session created`)
}

const course = { id: '4dde05e8ca1973bcca9bffc13e1548820eee93a3', label: 'ENP7009', title: 'Mobilisation des acteurs locaux' }
const studentA = { sub: '535fa085-f58b-4b56-b2f6-1d2c7a3d1c11', name: 'Léa Bouchard', given_name: 'Léa', family_name: 'Bouchard', email: 'lea.bouchard@univ-a.example' }
const studentB = { sub: '8d2b7c9e-3f41-4a7e-9d0c-52e6a1b7f822', name: 'Noah Pelletier', given_name: 'Noah', family_name: 'Pelletier', email: 'noah.pelletier@univ-b.example' }

t.test('both Canvas tenants are registered under the one issuer, each with its own client id and deployments', async t => {
  const canvas = (await ctx.services.lti.platforms()).filter(p => p.issuer === CANVAS).sort((a, b) => a.clientId.localeCompare(b.clientId))
  t.same(canvas.map(p => [p.clientId, p.deploymentIds]), [[tenantA.clientId, ['1', '2']], [tenantB.clientId, ['1']]])
  t.not(tenantA.jwksUrl, tenantB.jwksUrl, 'each tenant publishes its own keys')
})

t.test('students of two Canvas tenants (same issuer, different client ids) both land on /cours, as two different people', async t => {
  const before = await counts()
  const fromA = await tenantA.launch(base, { user: studentA, roles: [ROLES.Learner], context: course })
  t.match(await coursePage(t, fromA, 'tenant A'), /Bonjour, Léa Bouchard/)
  const fromB = await tenantB.launch(base, { user: studentB, roles: [ROLES.Learner], context: course })
  t.match(await coursePage(t, fromB, 'tenant B'), /Bonjour, Noah Pelletier/)
  t.equal(tenantA.received.launches.at(-1)?.iss, CANVAS)
  t.equal(tenantB.received.launches.at(-1)?.iss, CANVAS)

  const identities = await db.selectFrom('lti_identities').select(['subject', 'person_id'])
    .where('issuer', '=', CANVAS).where('subject', 'in', [studentA.sub, studentB.sub]).orderBy('subject').execute()
  t.same(identities.map(i => i.subject), [studentA.sub, studentB.sub], 'one identity per student, both under the Canvas issuer')
  const [idA, idB] = [identities.find(i => i.subject === studentA.sub)?.person_id, identities.find(i => i.subject === studentB.sub)?.person_id]
  t.ok(idA !== undefined && idB !== undefined && idA !== idB, 'two different people')
  const persons = await db.selectFrom('people').select(['id', 'display_name', 'email']).where('id', 'in', [idA ?? '', idB ?? '']).execute()
  t.same(persons.find(p => p.id === idA), { id: idA, display_name: studentA.name, email: studentA.email }, 'tenant A\'s student, as Canvas named them')
  t.same(persons.find(p => p.id === idB), { id: idB, display_name: studentB.name, email: studentB.email }, 'tenant B\'s student, as Canvas named them')

  // Same course id and same deployment id '1' in both tenants: still two courses, told apart by client id.
  const [inA, inB] = [await contextsOf(tenantA.clientId, course.id), await contextsOf(tenantB.clientId, course.id)]
  t.same(inA.map(c => [c.deployment_id, c.lineitems_url]), [['1', tenantA.lineItemsUrl]], 'tenant A\'s course, with A\'s services')
  t.same(inB.map(c => [c.deployment_id, c.lineitems_url]), [['1', tenantB.lineItemsUrl]], 'tenant B\'s course, with B\'s services')
  t.not(inA[0]?.id, inB[0]?.id)
  t.same(await counts(), { people: before.people + 2, identities: before.identities + 2, contexts: before.contexts + 2, sessions: before.sessions + 2 })
})

t.test('a tenant cannot take over another tenant\'s user by sending the same user id (sub) under the shared issuer', async t => {
  // Tenant B signs, with its own key, a launch for its own client id and deployment, naming tenant A's student.
  // Each tenant holds its own keys, so B controls every sub it sends: the sub alone does not say who the person is.
  const first = await tenantA.launch(base, { user: studentA, roles: [ROLES.Learner], context: course })
  t.equal(first.launchResponse.status, 303, 'tenant A\'s student is known')
  const personA = (await db.selectFrom('lti_identities').select('person_id').where('issuer', '=', CANVAS).where('subject', '=', studentA.sub).executeTakeFirstOrThrow()).person_id
  const sessionsOf = async (personId: string): Promise<number> => (await db.selectFrom('device_sessions').select('id').where('person_id', '=', personId).execute()).length
  const sessionsBefore = await sessionsOf(personA)
  const impostor = { sub: studentA.sub, name: 'Compte de B', email: 'compte.b@univ-b.example' }
  const fromB = await tenantB.launch(base, { user: impostor, roles: [ROLES.Instructor], context: course })
  const landed = fromB.launchResponse.status === 303 ? await land(fromB) : { status: fromB.launchResponse.status, contentType: '', body: await fromB.launchResponse.text() }
  t.notMatch(landed.body, /Léa Bouchard/, 'tenant B\'s launch does not open Léa\'s page')
  t.equal(await sessionsOf(personA), sessionsBefore, 'tenant B\'s launch opens no session as tenant A\'s student')
  const roles = await db.selectFrom('registrations').select('role').where('person_id', '=', personA).execute()
  t.notOk(roles.some(r => r.role === 'instructor'), 'tenant B cannot make tenant A\'s student an instructor')
})

t.test('a token signed with tenant B\'s key but naming tenant A\'s client id is refused and creates nothing', async t => {
  const forA = (c: Record<string, unknown>): void => { c.aud = tenantA.clientId; c.azp = tenantA.clientId }
  await refused(t, 'from tenant B\'s login, audience A', tenantB,
    { user: { sub: 'b-impostor-1', email: 'impostor1@univ-b.example' }, roles: [ROLES.Instructor], context: course, claims: forA },
    { status: 401, text: /n’est pas destiné à Compagnon/ })
  await refused(t, 'from tenant B\'s login, audience [A, B] with azp A', tenantB,
    { user: { sub: 'b-impostor-2' }, roles: [ROLES.Instructor], context: course, claims: c => { c.aud = [tenantA.clientId, tenantB.clientId]; c.azp = tenantA.clientId } },
    { status: 401, text: /n’est pas destiné à Compagnon/ })
  // The same forgery slipped into a login that tenant A initiated: A's keys are the only ones that count.
  await refused(t, 'in tenant A\'s flow, B\'s key and kid', tenantA,
    { user: { sub: 'b-impostor-3' }, roles: [ROLES.Instructor], context: course, signWith: { privateKey: tenantB.privateKey, kid: tenantB.kid } },
    { status: 401, text: /clé inconnue/ })
  await refused(t, 'in tenant A\'s flow, B\'s key under A\'s kid', tenantA,
    { user: { sub: 'b-impostor-4' }, roles: [ROLES.Instructor], context: course, signWith: { privateKey: tenantB.privateKey, kid: tenantA.kid } },
    { status: 401, text: /signature du jeton est invalide/ })
  const identities = await db.selectFrom('lti_identities').select('subject').where('subject', 'like', 'b-impostor-%').execute()
  t.same(identities, [], 'no impostor identity')
})

t.test('one Canvas client id, deployments 1 and 2 of the same course: two course contexts, both launches land', async t => {
  const shared = { id: 'b1f0e2c3d4a5968778695a4b3c2d1e0f9a8b7c6d', label: 'ENP7009-B', title: 'Coproduction des services publics' }
  const teacher = { sub: 'f3a9c1d2-7b64-4e25-8a1f-0c9d8e7b6a54', name: 'Prof. Mireille Côté', email: 'mireille.cote@univ-a.example' }
  const before = await counts()
  const first = await tenantA.launch(base, { user: teacher, roles: [ROLES.Instructor], context: shared, deploymentId: '1' })
  t.match(await coursePage(t, first, 'deployment 1'), /Bonjour, Prof\. Mireille Côté/)
  const second = await tenantA.launch(base, { user: teacher, roles: [ROLES.Instructor], context: shared, deploymentId: '2' })
  const page = await coursePage(t, second, 'deployment 2')
  t.match(page, /Personne enseignante/)
  t.equal(tenantA.received.launches.at(-1)?.['https://purl.imsglobal.org/spec/lti/claim/deployment_id'], '2', 'the second launch came from deployment 2')

  const contexts = await contextsOf(tenantA.clientId, shared.id)
  t.same(contexts.map(c => c.deployment_id), ['1', '2'], 'one course context per deployment')
  t.not(contexts[0]?.id, contexts[1]?.id)
  t.same(await counts(), { people: before.people + 1, identities: before.identities + 1, contexts: before.contexts + 2, sessions: before.sessions + 2 }, 'one person, two courses, two sessions')
  const memberships = await db.selectFrom('lti_roster_members').select('context_id')
    .where('user_sub', '=', teacher.sub).where('context_id', 'in', contexts.map(c => c.id)).execute()
  t.equal(memberships.length, 2, 'the teacher is a member of both courses')
})

t.test('a deployment that is not registered for this client id gets a 403 page and creates nothing', async t => {
  const notRegistered = /déploiement de la plateforme n’est pas enregistré/
  await refused(t, 'deployment 3 of tenant A', tenantA,
    { user: { sub: 'dep3-student', name: 'Zoé Lavoie', email: 'zoe.lavoie@univ-a.example' }, roles: [ROLES.Learner], context: { id: 'dep3-course', label: 'DEP3' }, deploymentId: '3' },
    { status: 403, text: notRegistered })
  // Deployment '2' exists for tenant A only: the same id from tenant B is someone else's deployment.
  await refused(t, 'deployment 2 of tenant B', tenantB,
    { user: { sub: 'b-dep2-student', email: 'b-dep2@univ-b.example' }, roles: [ROLES.Learner], context: { id: 'b-dep2-course' }, deploymentId: '2' },
    { status: 403, text: notRegistered })
  t.equal((await db.selectFrom('people').select('id').where('email', 'in', ['zoe.lavoie@univ-a.example', 'b-dep2@univ-b.example']).execute()).length, 0, 'no person')
  t.same(await db.selectFrom('lti_contexts').select('id').where('context_id', 'in', ['dep3-course', 'b-dep2-course']).execute(), [], 'no course context')
  t.same(await db.selectFrom('lti_contexts').select('id').where('deployment_id', '=', '3').execute(), [], 'nothing under deployment 3')
})
