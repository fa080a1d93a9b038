import t from 'tap'
import { loggerOptions } from '../../src/http/logging.js'
import { hashToken } from '../../src/people/service.js'
import { realTime, testApp } from '../helpers/app.js'
import { freePort } from '../helpers/process.js'
import { ORIGIN, bearerFor, signInWithLink } from '../helpers/session.js'
import { ROLES, startPlatform } from '../helpers/lti-platform.js'
import { LAUNCH_CONTINUATION } from '../helpers/lti-landing.js'
import { startRegistrationEndpoint } from '../helpers/lti-dynamic-registration.js'

// The app listens on a port chosen first, so the URLs it registers with the LMS are reachable.
const ctx = await (async () => {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const built = await testApp(t, { clock: realTime(), config: { publicUrl: base } })
  await built.app.listen({ host: '127.0.0.1', port })
  const event = (await built.services.program.listEvents())[0]
  if (event === undefined) throw new Error('no event')
  const link = await built.services.people.bootstrapOrganizer('org@enap.ca', [event.id], 'Odile Organisatrice')
  const { cookie, csrf } = await signInWithLink(built.app, link.url)
  return { ...built, base, organizer: cookie, organizerCsrf: csrf, lmsPage: `/organisateurs/evenements/${event.id}/lms` }
})()
const { app, services, base, database, organizer, organizerCsrf, lmsPage } = ctx

const html = { accept: 'text/html', 'accept-language': 'fr-CA' }
const post = { ...html, origin: ORIGIN, cookie: organizer, 'x-csrf-token': organizerCsrf }

/** What an organizer does on the organizer page: a one-time registration URL. */
const createLink = async (): Promise<string> => {
  const res = await app.inject({ method: 'POST', url: '/organisateurs/plateformes/lien', headers: post })
  if (res.statusCode !== 200) throw new Error(`link page answered ${res.statusCode}: ${res.body}`)
  const url = /<code>(http:\/\/127\.0\.0\.1:\d+\/lti\/register\?compagnon_token&#61;[A-Za-z0-9_-]+)<\/code>/.exec(res.body)?.[1]
  if (url === undefined) throw new Error(`no link in ${res.body}`)
  return url.replace('&#61;', '=')
}

/** The LMS opens the tool's registration URL with its own two parameters added. */
const registrationQuery = (link: string, openidConfiguration: string, registrationToken: string): string => {
  const url = new URL(link)
  url.searchParams.set('openid_configuration', openidConfiguration)
  url.searchParams.set('registration_token', registrationToken)
  return `${url.pathname}${url.search}`
}
const tokenOf = (link: string): string => new URL(link).searchParams.get('compagnon_token') ?? ''

const submit = async (link: string, openidConfiguration: string, registrationToken: string) => await app.inject({
  method: 'POST',
  url: '/lti/register',
  headers: { ...html, 'sec-fetch-site': 'same-origin' },
  payload: { compagnon_token: tokenOf(link), openid_configuration: openidConfiguration, registration_token: registrationToken }
})

const platformCount = async (): Promise<number> => (await services.lti.platforms()).length

t.test('an LMS registers Compagnon through an organizer\'s one-time link; launches wait for approval, and a suspended platform is told it is suspended', async t => {
  const platform = await startPlatform(t, { clientId: 'dyn-moodle', deploymentId: '7' })
  const lms = await startRegistrationEndpoint(t, platform)
  const link = await createLink()
  const stored = await database.db.selectFrom('lti_registration_tokens').select(['token_hash', 'used_at']).executeTakeFirstOrThrow()
  t.equal(stored.token_hash, hashToken(tokenOf(link)), 'only the hash of the secret is kept')

  const confirm = await app.inject({ url: registrationQuery(link, lms.openidConfigurationUrl, lms.registrationToken), headers: html })
  t.equal(confirm.statusCode, 200)
  t.match(confirm.body, /Enregistrer Compagnon dans votre LMS/)
  t.match(confirm.body, /moodle/)
  t.match(confirm.body, platform.issuer)
  t.equal(lms.received.length, 0, 'opening the page registers nothing yet')

  const done = await submit(link, lms.openidConfigurationUrl, lms.registrationToken)
  t.equal(done.statusCode, 200, done.body)
  t.match(done.body, /Compagnon est enregistré/)
  t.match(done.body, /dyn-moodle/)
  t.match(done.body, /data-lti-close/)
  const sent = lms.received[0]
  t.equal(sent?.status, 200)
  t.equal(sent?.authorization, `Bearer ${lms.registrationToken}`, 'the platform\'s registration token is sent back')
  t.match(sent?.body, {
    initiate_login_uri: `${base}/lti/login`,
    redirect_uris: [`${base}/lti/launch`],
    jwks_uri: `${base}/lti/keys`,
    'https://purl.imsglobal.org/spec/lti-tool-configuration': { domain: new URL(base).host, target_link_uri: `${base}/lti/launch` }
  })
  // Each message names its placements (Canvas would otherwise give the plain launch the content
  // selection placement and never offer deep linking).
  t.match(sent?.body['https://purl.imsglobal.org/spec/lti-tool-configuration'].messages, [
    { type: 'LtiDeepLinkingRequest', placements: ['ContentArea', 'https://canvas.instructure.com/lti/assignment_selection'] },
    { type: 'LtiResourceLinkRequest', placements: ['https://canvas.instructure.com/lti/course_navigation'] }
  ], 'deep linking is offered where content is placed')
  t.match(sent?.body.scope, /lti-ags\/scope\/score/)
  t.match(sent?.body.scope, /lti-nrps\/scope\/contextmembership\.readonly/)

  const registered = (await services.lti.platforms()).find(p => p.clientId === 'dyn-moodle')
  t.match(registered, { issuer: platform.issuer, deploymentIds: ['7'], active: false, name: 'moodle 4.5 (127.0.0.1:' + new URL(platform.issuer).port + ')' })
  t.ok(registered?.dynamic?.registeredAt, 'remembered as dynamically registered')

  const before = Number((await database.db.selectFrom('people').select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
  const early = await platform.launch(base, { user: { sub: 'too-early', name: 'Trop Tôt' }, roles: [ROLES.Learner] }).then(() => undefined, (err: { response?: Response, body?: string }) => err)
  t.equal(early?.response?.status, 403, 'a launch before approval is refused')
  t.match(early?.body, /pas encore approuvée/)
  t.equal(Number((await database.db.selectFrom('people').select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n), before, 'and creates nobody')

  const page = await app.inject({ url: lmsPage, headers: { ...html, cookie: organizer } })
  t.match(page.body, /En attente d’approbation/)
  const approve = await app.inject({ method: 'POST', url: '/organisateurs/plateformes/statut', headers: post, payload: { issuer: platform.issuer, clientId: 'dyn-moodle', action: 'approve' } })
  t.equal(approve.statusCode, 303)
  t.match((await services.lti.platforms()).find(p => p.clientId === 'dyn-moodle'), { active: true, dynamic: { approvedAt: Date } })

  const launched = await platform.launch(base, { user: { sub: 'after-approval', name: 'Après Approbation' }, roles: [ROLES.Learner] })
  t.equal(launched.launchResponse.status, 303)
  t.match(launched.launchResponse.headers.get('location'), LAUNCH_CONTINUATION)

  const again = await submit(link, lms.openidConfigurationUrl, lms.registrationToken)
  t.equal(again.statusCode, 403, 'the link works once')
  t.match(again.body, /déjà servi ou a expiré/)

  const suspend = await app.inject({ method: 'POST', url: '/organisateurs/plateformes/statut', headers: post, payload: { issuer: platform.issuer, clientId: 'dyn-moodle', action: 'suspend' } })
  t.equal(suspend.statusCode, 303)
  const suspended = await platform.launch(base, { user: { sub: 'after-approval' }, roles: [ROLES.Learner] }).then(() => undefined, (err: { response?: Response, body?: string }) => err)
  t.equal(suspended?.response?.status, 403, 'a suspended platform is refused again')
  t.match(suspended?.body, /Lancement refusé\u00a0: cette plateforme est suspendue dans Compagnon\. Adressez-vous à l’équipe d’organisation\./, 'and told it is suspended')
  t.notMatch(suspended?.body, /pas encore approuvée/, 'not that it waits for approval')
  const inEnglish = await platform.launch(base, { user: { sub: 'after-approval' }, roles: [ROLES.Learner], loginUrl: `${base}/lti/login?lang=en` }).then(() => undefined, (err: { response?: Response, body?: string }) => err)
  t.equal(inEnglish?.response?.status, 403)
  t.match(inEnglish?.body, /Launch refused: this platform is suspended in Compagnon\. Contact the organizers\./)
})

t.test('a platform that sends no deployment id is approved with the one its administrator gives', async t => {
  const platform = await startPlatform(t, { clientId: 'dyn-no-deployment', deploymentId: 'site-3' })
  const lms = await startRegistrationEndpoint(t, platform, { sendDeploymentId: false })
  const link = await createLink()
  t.equal((await submit(link, lms.openidConfigurationUrl, lms.registrationToken)).statusCode, 200)
  t.match((await services.lti.platforms()).find(p => p.clientId === 'dyn-no-deployment'), { deploymentIds: [], active: false })
  const page = await app.inject({ url: lmsPage, headers: { ...html, cookie: organizer } })
  t.match(page.body, /Identifiant de déploiement/)
  await app.inject({ method: 'POST', url: '/organisateurs/plateformes/statut', headers: post, payload: { issuer: platform.issuer, clientId: 'dyn-no-deployment', action: 'approve', deploymentId: 'site-3' } })
  const launched = await platform.launch(base, { user: { sub: 'site-3-user' }, roles: [ROLES.Learner] })
  t.equal(launched.launchResponse.status, 303)
})

t.test('bad registration attempts get a clear page, register nothing and leave the link usable', async t => {
  const platform = await startPlatform(t, { clientId: 'dyn-refused' })
  const lms = await startRegistrationEndpoint(t, platform)
  const link = await createLink()
  const platforms = await platformCount()

  const unknown = await app.inject({ url: registrationQuery(`${base}/lti/register?compagnon_token=${'x'.repeat(43)}`, lms.openidConfigurationUrl, 'tok'), headers: html })
  t.equal(unknown.statusCode, 403)
  t.match(unknown.body, /lien d’enregistrement est inconnu/)

  const missing = await app.inject({ url: `/lti/register?compagnon_token=${tokenOf(link)}`, headers: html })
  t.equal(missing.statusCode, 400)
  t.match(missing.body, /Cette adresse est incomplète/, 'the link the platform opened lacks its configuration address')

  const notUrl = await submit(link, 'ftp://moodle.example.org/config', lms.registrationToken)
  t.equal(notUrl.statusCode, 400)
  t.match(notUrl.body, /doit être une URL https/)

  lms.configuration.issuer = 'https://moodle.elsewhere.example'
  const foreign = await submit(link, lms.openidConfigurationUrl, lms.registrationToken)
  t.equal(foreign.statusCode, 400)
  t.match(foreign.body, /n’est pas sur le domaine qui la publie/)
  lms.configuration.issuer = platform.issuer

  const { jwks_uri: jwksUri, ...incomplete } = lms.configuration
  const saved = lms.configuration
  lms.configuration = incomplete
  const partial = await submit(link, lms.openidConfigurationUrl, lms.registrationToken)
  t.equal(partial.statusCode, 400)
  t.match(partial.body, /configuration de la plateforme est incomplète ou invalide\.[\s\S]*<li>jwks_uri<\/li>/, 'the missing field is named in the details')
  lms.configuration = { ...saved, jwks_uri: jwksUri }

  const refusedByLms = await submit(link, lms.openidConfigurationUrl, 'not-the-platform-token')
  t.equal(refusedByLms.statusCode, 400)
  t.match(refusedByLms.body, /le service d’enregistrement de la plateforme a refusé la demande\./, 'a 401 said as a refusal')

  lms.setDown(true)
  const down = await submit(link, lms.openidConfigurationUrl, lms.registrationToken)
  t.equal(down.statusCode, 400)
  t.match(down.body, /est indisponible pour le moment\./, 'a 503 said as unavailable')
  lms.setDown(false)

  t.equal(await platformCount(), platforms, 'nothing registered')
  const ok = await submit(link, lms.openidConfigurationUrl, lms.registrationToken)
  t.equal(ok.statusCode, 200, 'the link still works after the failures')
  t.equal(await platformCount(), platforms + 1)
})

t.test('registration links are for organizers only, and their secrets never reach the logs', async t => {
  const student = await platformlessStudent()
  const refused = await app.inject({ method: 'POST', url: '/organisateurs/plateformes/lien', headers: { ...post, ...student } })
  t.equal(refused.statusCode, 403)
  const api = await app.inject({ method: 'POST', url: '/api/v1/lti/registration-links', headers: { authorization: await bearerFor(ctx, (await database.db.selectFrom('people').select('id').where('email', '=', 'org@enap.ca').executeTakeFirstOrThrow()).id) } })
  t.equal(api.statusCode, 201)
  t.match(api.json(), { url: /^http:\/\/127\.0\.0\.1:\d+\/lti\/register\?compagnon_token=/, expiresAt: String })
  const serializer = (loggerOptions({ logLevel: 'info' }) as { serializers: { req: (r: object) => { url: string } } }).serializers.req
  const logged = serializer({ method: 'GET', url: '/lti/register?compagnon_token=SECRET1&openid_configuration=https%3A%2F%2Fm&registration_token=SECRET2', id: '1' }).url
  t.notMatch(logged, /SECRET/)
  t.match(logged, /openid_configuration=https/)
})

/** Someone signed in without the organizer role. */
async function platformlessStudent (): Promise<{ cookie: string, 'x-csrf-token': string }> {
  const event = (await ctx.services.program.listEvents())[0]
  const inviter = await database.db.selectFrom('people').select('id').where('email', '=', 'org@enap.ca').executeTakeFirstOrThrow()
  const link = await ctx.services.people.invite(inviter.id, event?.id ?? '', { email: 'door@enap.ca', role: 'door_staff' })
  if (!link.created) throw new Error('a new account comes with its link')
  const { cookie, csrf } = await signInWithLink(app, link.url)
  return { cookie, 'x-csrf-token': csrf }
}
