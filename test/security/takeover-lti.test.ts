import t from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { addressAllowed, urlAllowed } from '../../src/http/outbound.js'
import { REGISTRATION_PER_LINK } from '../../src/lti/routes.js'
import { DynamicRegistration } from '../../src/lti/dynamic-registration.js'
import { realTime, testApp } from '../helpers/app.js'
import { freePort } from '../helpers/process.js'
import { bearerFor } from '../helpers/session.js'
import { LaunchError, ROLES, startPlatform } from '../helpers/lti-platform.js'
import { startRegistrationEndpoint } from '../helpers/lti-dynamic-registration.js'

// Issue 15, findings 3, 6 and 8 (LTI part), re-enacted against a running app and a simulated LMS.
const ctx = await (async () => {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const built = await testApp(t, { clock: realTime(), config: { publicUrl: base } })
  await built.app.listen({ host: '127.0.0.1', port })
  const platform = await startPlatform(t, { deploymentId: 'dep-1', clientId: 'takeover-lms' })
  platform.setTool({ jwksUrl: `${base}/lti/keys` })
  await built.services.lti.registerPlatform({ ...platform.registration(), deploymentIds: ['dep-1'] })
  const event = (await built.services.program.listEvents())[0]
  if (event === undefined) throw new Error('no event')
  const organizer = await built.services.people.bootstrapOrganizer('org@enap.ca', [event.id], 'Odile Organisatrice')
  return { ...built, base, platform, organizerId: organizer.personId }
})()
const { app, services, base, platform, database } = ctx

const count = async (table: 'people' | 'lti_identities' | 'device_sessions' | 'registrations' | 'lti_store' | 'lti_login_states'): Promise<number> =>
  Number((await database.db.selectFrom(table).select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
const counts = async (): Promise<number[]> => await Promise.all((['people', 'lti_identities', 'device_sessions', 'registrations', 'lti_store', 'lti_login_states'] as const).map(count))

const html = { accept: 'text/html', 'accept-language': 'fr-CA' }

t.test('a Mentor (Canvas observer) gets no role: the launch is refused with a page saying whom to ask, and NRPS makes them no instructor', async t => {
  const teacher = await platform.launch(base, { user: { sub: 'prof-1', name: 'Prof. Élise Roy' }, roles: [ROLES.Instructor] })
  t.equal(teacher.launchResponse.status, 303)
  const before = await counts()
  const mentor = await platform.launch(base, { user: { sub: 'parent-1', name: 'Parent Observateur' }, roles: [ROLES.Mentor] })
  t.equal(mentor.launchResponse.status, 403)
  const body = await mentor.launchResponse.text()
  t.match(body, /aucun rôle d’étudiant·e ni d’enseignant·e dans ce cours/)
  t.match(body, /Demandez à l’enseignant·e du cours/)
  t.notOk(mentor.cookies.get('compagnon_session'), 'no session')
  t.same((await counts()).slice(0, 4), before.slice(0, 4), 'no person, identity, session or registration')

  // The class list from the LMS (NRPS) names the observer as a Mentor: stored, but no instructor.
  const context = await database.db.selectFrom('lti_contexts').select('id').executeTakeFirstOrThrow()
  platform.setMembers([
    { user_id: 'prof-1', roles: [ROLES.Instructor], name: 'Prof. Élise Roy' },
    { user_id: 'parent-1', roles: [ROLES.Mentor], name: 'Parent Observateur' },
    { user_id: 'student-1', roles: [ROLES.Learner], name: 'Camille Gagnon' }
  ])
  await services.roster.runNow(context.id)
  const mentorRow = await database.db.selectFrom('lti_roster_members').select('person_id').where('user_sub', '=', 'parent-1').executeTakeFirstOrThrow()
  const mentorId = mentorRow.person_id ?? ''
  t.notOk(await services.lti.teaches(mentorId, context.id), 'a Mentor does not teach the course')
  const handIns = await app.inject({ url: `/api/v1/courses/${context.id}/synthesis/students`, headers: { authorization: await bearerFor(ctx, mentorId) } })
  t.equal(handIns.statusCode, 403, 'and cannot read the hand-ins')
  t.same(await ctx.services.people.roles(mentorId), [], 'nor holds any role in the event')
})

t.test('no LMS administrator, of any vocabulary, becomes an organizer', async t => {
  for (const [sub, roles] of [
    ['admin-urn', ['urn:x:roles#Administrator']],
    ['admin-system', ['http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator']],
    ['admin-institution', [ROLES.Administrator]],
    ['sysadmin', ['http://purl.imsglobal.org/vocab/lis/v2/system/person#SysAdmin']]
  ] as const) {
    const launched = await platform.launch(base, { user: { sub }, roles: [...roles] })
    t.equal(launched.launchResponse.status, 403, `${sub}: refused, no role`)
    t.notOk(launched.cookies.get('compagnon_session'), `${sub}: no session`)
  }
  const teaching = await platform.launch(base, { user: { sub: 'admin-who-teaches' }, roles: ['http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator', ROLES.Instructor] })
  t.equal(teaching.launchResponse.status, 303)
  const person = await database.db.selectFrom('lti_identities').select('person_id').where('subject', '=', 'admin-who-teaches').executeTakeFirstOrThrow()
  t.same((await ctx.services.people.roles(person.person_id)).map(r => r.role), ['instructor'], 'an administrator who teaches is an instructor, not an organizer')
  const organizers = await database.db.selectFrom('registrations').select('person_id').where('role', '=', 'organizer').execute()
  t.same(organizers.map(o => o.person_id), [ctx.organizerId], 'the only organizer is the one Compagnon made')
})

t.test('login initiation refuses a target_link_uri on another origin, and keeps nothing', async t => {
  const before = await counts()
  for (const target of ['https://evil.example/lti/launch', 'http://127.0.0.1.evil.example/lti/launch', 'javascript:alert(1)', 'not a url']) {
    const refused = await platform.launch(base, { user: { sub: 'student-target' }, roles: [ROLES.Learner], targetLinkUri: target }).then(() => undefined, (err: unknown) => err)
    t.ok(refused instanceof LaunchError, `${target}: refused at login`)
    const error = refused as LaunchError
    t.equal(error.stage, 'login')
    t.equal(error.response.status, 400)
    t.match(error.body, /la plateforme demande d’ouvrir une adresse qui n’est pas sur/)
  }
  t.same(await counts(), before, 'no login state, person or session')
})

t.test('the deep-linking answer page may be framed by the platform that asked, and no one else', async t => {
  const launched = await platform.launch(base, { user: { sub: 'prof-dl', name: 'Prof. Lien' }, roles: [ROLES.Instructor], messageType: 'LtiDeepLinkingRequest' })
  t.equal(launched.launchResponse.status, 303)
  const location = launched.launchResponse.headers.get('location') ?? ''
  const requestId = /contenu%3A([0-9a-f-]{36})|contenu:([0-9a-f-]{36})/.exec(location)
  const id = requestId?.[1] ?? requestId?.[2] ?? ''
  const person = await database.db.selectFrom('lti_identities').select('person_id').where('subject', '=', 'prof-dl').executeTakeFirstOrThrow()
  const res = await app.inject({ method: 'POST', url: `/cours/contenu/${id}`, headers: { ...html, 'sec-fetch-site': 'same-origin', authorization: await bearerFor(ctx, person.person_id) }, payload: { items: 'program' } })
  t.equal(res.statusCode, 200, res.body)
  const csp = res.headers['content-security-policy'] as string
  const ancestors = /frame-ancestors ([^;]+)/.exec(csp)?.[1]?.trim().split(/\s+/) ?? []
  t.same(ancestors, [new URL(platform.issuer).origin], 'only the platform\'s origin')
  t.notMatch(csp, /frame-ancestors \*/)
})

t.test('dynamic registration without LTI_ALLOW_PRIVATE_URLS refuses loopback, private, link-local and plain http addresses', async t => {
  const strict = new DynamicRegistration(database.db, ctx.clock, services.lti, base, { allowPrivateUrls: false })
  const lms = await startRegistrationEndpoint(t, platform)
  for (const address of [
    lms.openidConfigurationUrl,
    'https://127.0.0.1/.well-known/openid-configuration',
    'https://localhost/openid',
    'https://10.1.2.3/openid',
    'https://192.168.0.10/openid',
    'https://169.254.169.254/latest/meta-data',
    'https://[::1]/openid',
    'https://[fd00::1]/openid',
    'https://[::ffff:127.0.0.1]/openid',
    'https://0.0.0.0/openid',
    'https://intranet/openid'
  ]) {
    const link = await strict.createLink(ctx.organizerId)
    const token = new URL(link.url).searchParams.get('compagnon_token') ?? ''
    const err = await strict.preview({ token, openidConfiguration: address }).then(() => undefined, (e: unknown) => e)
    t.match(err, { statusCode: 400, text: { en: /must be an https URL to a public Internet address/ } }, address)
  }
  t.equal(lms.received.length, 0, 'nothing was sent to the address')
  t.notOk(addressAllowed('100.64.0.1', false), 'carrier-grade NAT')
  t.ok(addressAllowed('132.203.1.1', false), 'a public address')
  t.ok(urlAllowed('https://moodle.enap.ca/openid', false))
  t.notOk(urlAllowed('https://user:pw@moodle.enap.ca/openid', false), 'no credentials in the URL')
})

/** A little server on 127.0.0.1 answering every request with `answer`. */
async function startServer (t: { teardown: (fn: () => unknown) => void }, answer: (path: string) => { status: number, headers?: Record<string, string>, body?: string }): Promise<string> {
  const server = createServer((req, res) => {
    const a = answer(req.url ?? '/')
    res.writeHead(a.status, a.headers ?? {}).end(a.body ?? '')
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { server.close() })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const previewPage = async (configuration: string, token?: string): Promise<{ status: number, body: string }> => {
  const registrationLink = token ?? new URL((await services.ltiRegistration.createLink(ctx.organizerId)).url).searchParams.get('compagnon_token') ?? ''
  const res = await app.inject({ url: `/lti/register?compagnon_token=${registrationLink}&openid_configuration=${encodeURIComponent(configuration)}`, headers: html })
  return { status: res.statusCode, body: res.body }
}

t.test('a redirect to a link-local (cloud metadata) address is refused, even where private addresses are allowed', async t => {
  let metadataReached = false
  const metadata = await startServer(t, () => { metadataReached = true; return { status: 200, body: '{}' } })
  const redirector = await startServer(t, () => ({ status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data/iam' } }))
  const page = await previewPage(`${redirector}/openid`)
  t.equal(page.status, 400)
  t.match(page.body, /doit être une URL https vers une adresse publique/)
  const viaLoopback = await startServer(t, () => ({ status: 307, headers: { location: `${metadata}/x` } }))
  const strict = new DynamicRegistration(database.db, ctx.clock, services.lti, base, { allowPrivateUrls: false })
  const link = await strict.createLink(ctx.organizerId)
  const err = await strict.preview({ token: new URL(link.url).searchParams.get('compagnon_token') ?? '', openidConfiguration: `${viaLoopback}/openid` }).then(() => undefined, (e: unknown) => e)
  t.match(err, { statusCode: 400 })
  t.notOk(metadataReached, 'the private address was never contacted')
})

t.test('remote bodies are never echoed, and a closed port reads like any other unreachable platform', async t => {
  const secret = 'root:x:0:0:SECRET-INTERNAL-BODY'
  const leaky = await startServer(t, () => ({ status: 404, body: secret }))
  const notFound = await previewPage(`${leaky}/openid`)
  t.equal(notFound.status, 400)
  t.match(notFound.body, /la configuration de la plateforme est introuvable à l’adresse indiquée\./)
  t.notMatch(notFound.body, /SECRET-INTERNAL-BODY|root:x/)
  const notJson = await startServer(t, () => ({ status: 200, body: `<html>${secret}</html>` }))
  const page = await previewPage(`${notJson}/openid`)
  t.equal(page.status, 400)
  t.notMatch(page.body, /SECRET-INTERNAL-BODY/)

  const closedPort = await freePort()
  const closed = await previewPage(`http://127.0.0.1:${closedPort}/openid`)
  const silent = await startServer(t, () => ({ status: 200, headers: { 'content-length': '100' }, body: '' }))
  const cut = await previewPage(`${silent}/openid`)
  t.equal(closed.status, 503)
  t.equal(cut.status, 503)
  const message = (body: string): string => /<p[^>]*>([^<]*Compagnon n’a pas pu joindre[^<]*)<\/p>/.exec(body)?.[1] ?? ''
  t.match(message(closed.body), /n’a pas pu joindre la configuration de la plateforme/)
  t.equal(message(closed.body), message(cut.body), 'a closed port and a broken answer say the same')
})

t.test('the registration link is used once at completion, never by previews, and previews are rate-limited', async t => {
  const other = await startPlatform(t, { clientId: 'takeover-dyn', deploymentId: '9' })
  const lms = await startRegistrationEndpoint(t, other)
  const link = await services.ltiRegistration.createLink(ctx.organizerId)
  const token = new URL(link.url).searchParams.get('compagnon_token') ?? ''
  for (let i = 0; i < 3; i++) t.equal((await previewPage(lms.openidConfigurationUrl, token)).status, 200, 'a preview does not use the link')
  const submit = async (): Promise<{ statusCode: number, body: string }> => await app.inject({ method: 'POST', url: '/lti/register', headers: { ...html, 'sec-fetch-site': 'same-origin' }, payload: { compagnon_token: token, openid_configuration: lms.openidConfigurationUrl, registration_token: lms.registrationToken } })
  t.equal((await submit()).statusCode, 200, 'completed')
  const again = await submit()
  t.equal(again.statusCode, 403, 'a second completion is refused')
  t.match(again.body, /déjà servi ou a expiré/)
  t.equal(lms.received.length, 1, 'the platform got one registration')

  const fresh = new URL((await services.ltiRegistration.createLink(ctx.organizerId)).url).searchParams.get('compagnon_token') ?? ''
  const statuses: number[] = []
  for (let i = 0; i < REGISTRATION_PER_LINK + 1; i++) statuses.push((await previewPage(lms.openidConfigurationUrl, fresh)).status)
  t.same(statuses.slice(0, REGISTRATION_PER_LINK), Array(REGISTRATION_PER_LINK).fill(200))
  t.equal(statuses[REGISTRATION_PER_LINK], 429, 'one link cannot make Compagnon call addresses without end')
})
