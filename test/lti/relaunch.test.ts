import t from 'tap'
import { SignJWT } from 'jose'
import { FixedClock } from '../../src/clock.js'
import { RELAUNCH_LIFETIME_MS, moodleLaunchPage } from '../../src/lti/service.js'
import { testApp } from '../helpers/app.js'
import { landAfterLaunch } from '../helpers/lti-landing.js'
import { CLAIMS, CookieJar, ROLES, parseAutoPostForm, startPlatform, type LaunchResult } from '../helpers/lti-platform.js'

// ltijs checks id_tokens against Date.now(): real time, shifted by what a test adds (expiry).
const clock = Object.assign(new FixedClock(new Date()), { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) })
const ctx = await (async () => {
  const built = await testApp(t, { clock })
  const base = await built.app.listen({ host: '127.0.0.1', port: 0 })
  // Canvas-like: the platform answers the same login initiation again (the relaunch asks it again).
  const platform = await startPlatform(t, { deploymentId: 'dep-1', quirks: { reusableLoginHint: true } })
  platform.setTool({ jwksUrl: `${base}/lti/keys` })
  await built.services.lti.registerPlatform({ ...platform.registration(), deploymentIds: ['dep-1'] })
  // Moodle-like: login initiation by form POST, a launch id answered once, an activity launch page.
  const moodle = await startPlatform(t, { clientId: 'moodle-client', deploymentId: 'dep-1', quirks: { postLoginInitiation: true, moodleLaunchIds: true } })
  moodle.setTool({ jwksUrl: `${base}/lti/keys` })
  await built.services.lti.registerPlatform({ ...moodle.registration(), deploymentIds: ['dep-1'] })
  return { ...built, base, platform, moodle }
})()
const { base, platform, moodle, database } = ctx
t.afterEach(() => { clock.offsetMs = 0 })

const student = { sub: 'moodle-user-31', name: 'Noé Tremblay', email: 'noe.tremblay@etu.enap.ca' }
const FORM = 'application/x-www-form-urlencoded'

const counts = async (): Promise<{ people: number, sessions: number }> => ({
  people: Number((await database.db.selectFrom('people').select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
  sessions: Number((await database.db.selectFrom('device_sessions').select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
})

/** A launch in a frame that keeps none of the tool's cookies: the error page, and the relaunch token on its button. */
const blockedLaunch = async (on = platform): Promise<{ result: LaunchResult, body: string, token: string | undefined }> => {
  const result = await on.launch(base, { user: student, roles: [ROLES.Learner], blockToolCookies: true })
  const body = await result.launchResponse.text()
  const token = /name="compagnon_relaunch" value="([A-Za-z0-9_-]+)"/.exec(body)?.[1]
  return { result, body, token }
}

/**
 * The new top-level window: posts the relaunch token to the login, then goes through the platform
 * like a browser, keeping cookies (through Moodle's activity launch page when the tool sends it there).
 */
const relaunch = async (token: string, jar = new CookieJar()): Promise<{ login: Response, launch?: Response, jar: CookieJar, hops: string[] }> => {
  const hops: string[] = []
  let login = await fetch(`${base}/lti/login?lang=fr`, { method: 'POST', headers: { 'content-type': FORM, 'accept-language': 'fr-CA' }, body: new URLSearchParams({ compagnon_relaunch: token }).toString(), redirect: 'manual' })
  if (login.status === 303 && /\/mod\/lti\/launch\.php\?/.test(login.headers.get('location') ?? '')) {
    hops.push(login.headers.get('location') ?? '')
    const activity = parseAutoPostForm(await (await fetch(login.headers.get('location') ?? '')).text())
    login = await fetch(activity.action, { method: 'POST', headers: { 'content-type': FORM }, body: new URLSearchParams(activity.fields).toString(), redirect: 'manual' })
  }
  jar.store(login)
  const location = login.headers.get('location')
  if (login.status !== 302 || location === null) return { login, jar, hops }
  const auth = await fetch(location, { redirect: 'manual' })
  const form = parseAutoPostForm(await auth.text())
  const launch = await fetch(form.action, { method: 'POST', headers: { 'content-type': FORM, cookie: jar.header() }, body: new URLSearchParams(form.fields).toString(), redirect: 'manual' })
  jar.store(launch)
  return { login, launch, jar, hops }
}

t.test('the login state cookie is Partitioned (CHIPS) as well as Secure and SameSite=None, when set and when cleared', async t => {
  // Another student: the relaunch test below counts the person its launch creates.
  const result = await platform.launch(base, { user: { sub: 'moodle-user-30', name: 'Léa Cadre', email: 'lea.cadre@etu.enap.ca' }, roles: [ROLES.Learner] })
  const [stateCookie] = result.loginResponse.headers.getSetCookie()
  t.match(stateCookie, /^state[0-9a-f]+=/)
  t.match(stateCookie, /; Secure/)
  t.match(stateCookie, /; SameSite=None/)
  t.match(stateCookie, /; Partitioned/)
  const set = result.launchResponse.headers.getSetCookie()
  t.ok(set.length >= 3, 'the launch clears the state cookie and sets our session cookies')
  for (const header of set) t.match(header, /; Secure.*; Partitioned|; Partitioned.*; Secure/i, `${header.split('=')[0] ?? ''}: Partitioned and Secure`)
})

t.test('a launch whose login cookie did not come back offers a one-time button that restarts it top-level, signed in', async t => {
  const before = await counts()
  const { result, body, token } = await blockedLaunch()
  t.equal(result.launchResponse.status, 401)
  t.match(body, /Ouvrir Compagnon dans une nouvelle fenêtre/)
  t.match(body, /<form method="post" action="\/lti\/login\?lang=fr" target="_blank">/, 'a real button, opening a new top-level window')
  t.match(body, /Conteneur de lancement/, 'instructors are told how to open Compagnon in a new window')
  t.ok(token, 'the button carries a relaunch token')
  t.same(await counts(), before, 'the failed launch created nothing')
  const row = await database.db.selectFrom('lti_login_states').selectAll().where('relaunch_hash', 'is not', null).orderBy('created_at', 'desc').executeTakeFirstOrThrow()
  t.not(row.relaunch_hash, token, 'only a hash of the token is kept')
  t.notMatch(JSON.stringify(row), token ?? '-', 'the token appears nowhere in the row')
  t.match(row.login_params, { iss: platform.issuer, login_hint: student.sub, client_id: platform.clientId }, 'the login parameters stay server-side')

  const launches = platform.received.launches.length
  const { login, launch, jar } = await relaunch(token ?? '')
  t.equal(login.status, 302, 'the relaunch asks the platform again')
  t.match(login.headers.get('location'), new RegExp(`^${platform.authUrl}\\?`))
  t.match(new URL(login.headers.get('location') ?? '').searchParams.get('login_hint'), student.sub, 'with the login hint the platform first sent')
  t.equal(platform.received.launches.length, launches + 1, 'the platform issued a new id_token')
  t.equal(launch?.status, 303, 'the new launch is accepted')
  const landed = await landAfterLaunch(base, { launchResponse: launch, cookies: jar } as unknown as LaunchResult)
  t.equal(landed.status, 200)
  t.match(landed.body, /Bonjour, Noé Tremblay/, 'the new window is signed in')
  t.equal((await counts()).people, before.people + 1)
})

t.test('a relaunch token works once: used again, it is refused with a clear message and starts nothing', async t => {
  const { token } = await blockedLaunch()
  const first = await relaunch(token ?? '')
  t.equal(first.launch?.status, 303)
  const states = await database.db.selectFrom('lti_login_states').select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()
  const again = await relaunch(token ?? '')
  t.equal(again.login.status, 404)
  t.match(await again.login.text(), /Ce bouton de relance a déjà servi ou a expiré/)
  t.same(await database.db.selectFrom('lti_login_states').select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(), states, 'no new login was started')
})

t.test('a relaunch token expires after a few minutes (the injected clock)', async t => {
  const { token } = await blockedLaunch()
  clock.offsetMs = RELAUNCH_LIFETIME_MS + 1000
  const late = await relaunch(token ?? '')
  t.equal(late.login.status, 404)
  t.match(await late.login.text(), /déjà servi ou a expiré/)
  clock.offsetMs = 0
  const stillUnused = await relaunch(token ?? '')
  t.equal(stillUnused.login.status, 302, 'the expiry, not a use, refused it (real time: it still works)')
})

t.test('a relaunch that loses its cookie again offers no further relaunch: the page says to allow cookies', async t => {
  const { token } = await blockedLaunch()
  // The new window blocks cookies too: its jar keeps nothing.
  const login = await fetch(`${base}/lti/login?lang=fr`, { method: 'POST', headers: { 'content-type': FORM }, body: new URLSearchParams({ compagnon_relaunch: token ?? '' }).toString(), redirect: 'manual' })
  const auth = await fetch(login.headers.get('location') ?? '', { redirect: 'manual' })
  const form = parseAutoPostForm(await auth.text())
  const launch = await fetch(form.action, { method: 'POST', headers: { 'content-type': FORM }, body: new URLSearchParams(form.fields).toString(), redirect: 'manual' })
  t.equal(launch.status, 401)
  const body = await launch.text()
  t.notMatch(body, /compagnon_relaunch/, 'no second relaunch')
  t.match(body, /Autorisez les témoins \(cookies\) de ce site/)
})

t.test('a launch whose state is found nowhere (not issued here, no cookie) is refused, and offers no relaunch', async t => {
  const before = await counts()
  const now = Math.floor(Date.now() / 1000)
  const idToken = await new SignJWT({
    nonce: 'never-issued',
    [CLAIMS.messageType]: 'LtiResourceLinkRequest',
    [CLAIMS.version]: '1.3.0',
    [CLAIMS.deploymentId]: 'dep-1',
    [CLAIMS.roles]: [ROLES.Learner],
    [CLAIMS.resourceLink]: { id: 'rl-1' }
  }).setProtectedHeader({ alg: 'RS256', kid: platform.kid }).setIssuer(platform.issuer).setAudience(platform.clientId).setSubject('someone')
    .setIssuedAt(now).setExpirationTime(now + 60).sign(platform.privateKey)
  const res = await fetch(`${base}/lti/launch?lang=fr`, { method: 'POST', headers: { 'content-type': FORM }, body: new URLSearchParams({ id_token: idToken, state: 'a-state-nobody-issued' }).toString(), redirect: 'manual' })
  t.equal(res.status, 401)
  const body = await res.text()
  t.match(body, /cette demande de connexion est inconnue, déjà utilisée ou expirée/)
  t.notMatch(body, /compagnon_relaunch/)
  t.same(await counts(), before, 'nothing created')

  const forged = await relaunch('A'.repeat(43))
  t.equal(forged.login.status, 404, 'a made-up relaunch token is refused')
})

t.test('Moodle answers a launch id once: the relaunch goes through the activity\'s own launch page, which starts a new login', async t => {
  const { result, token } = await blockedLaunch(moodle)
  t.equal(result.launchResponse.status, 401)
  t.ok(token)
  const hint = JSON.parse(result.authRequest.get('lti_message_hint') ?? '{}') as { cmid?: number }
  const again = await relaunch(token ?? '')
  t.same(again.hops, [`${moodle.issuer}/mod/lti/launch.php?id=${String(hint.cmid)}&triggerview=0`], 'to the activity\'s launch page on the platform')
  t.equal(again.login.status, 302, 'Moodle\'s page posted a new login initiation')
  t.equal(again.launch?.status, 303, 'the new launch is accepted')
  const landed = await landAfterLaunch(base, { launchResponse: again.launch, cookies: again.jar } as unknown as LaunchResult)
  t.match(landed.body, /Bonjour, Noé Tremblay/)
})

t.test('only a Moodle hint naming an activity goes to Moodle\'s launch page; anything else is sent again as it came', async t => {
  const iss = 'https://moodle.example.ca/sub'
  t.equal(moodleLaunchPage({ iss, lti_message_hint: '{"cmid":"12","launchid":"ltilaunch3_99"}' }), 'https://moodle.example.ca/sub/mod/lti/launch.php?id=12&triggerview=0')
  t.equal(moodleLaunchPage({ iss, lti_message_hint: '{"launchid":"ltilaunch_ContentItemSelectionRequest1"}' }), undefined, 'deep linking: no activity')
  t.equal(moodleLaunchPage({ iss, lti_message_hint: '{"cmid":"12&x=1","launchid":"a"}' }), undefined, 'not a number')
  t.equal(moodleLaunchPage({ iss, lti_message_hint: 'eyJhbGciOi.canvas.hint' }), undefined, 'not JSON')
  t.equal(moodleLaunchPage({ iss, lti_message_hint: 'null' }), undefined)
  t.equal(moodleLaunchPage({ iss: 'javascript:alert(1)//', lti_message_hint: '{"cmid":1,"launchid":"a"}' }), undefined, 'not a web address')
  t.equal(moodleLaunchPage({ iss }), undefined, 'no hint')
})
