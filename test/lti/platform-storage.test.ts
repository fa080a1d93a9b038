import t from 'tap'
import { readFile } from 'node:fs/promises'
import { FixedClock } from '../../src/clock.js'
import { testApp } from '../helpers/app.js'
import { landAfterLaunch } from '../helpers/lti-landing.js'
import { ROLES, parseAutoPostForm, startPlatform, storageElement, type LaunchOptions } from '../helpers/lti-platform.js'

// Launches through a platform that offers its storage (lti_storage_target: Canvas, Brightspace,
// Blackboard), over real HTTP: the simulator's `launch()` plays the browser and the course page's
// storage (1EdTech "LTI Client Side postMessages"); the frame keeps none of the tool's cookies.

// ltijs checks id_tokens against Date.now(): real time.
const clock = Object.assign(new FixedClock(new Date()), { now: () => new Date() })
const ctx = await (async () => {
  const built = await testApp(t, { clock })
  const base = await built.app.listen({ host: '127.0.0.1', port: 0 })
  const platform = await startPlatform(t, { clientId: 'canvas-like', deploymentId: 'dep-1', toolPlatform: { name: 'Simulated Canvas', product_family_code: 'canvas' }, quirks: { platformStorage: true } })
  platform.setTool({ jwksUrl: `${base}/lti/keys` })
  await built.services.lti.registerPlatform({ ...platform.registration(), deploymentIds: ['dep-1'] })
  return { ...built, base, platform }
})()
const { base, platform, database } = ctx

const FORM = 'application/x-www-form-urlencoded'
let n = 0
const student = (): LaunchOptions => { n++; return { user: { sub: `canvas-user-${n}`, name: `Camille Stockage ${n}` }, roles: [ROLES.Learner], blockToolCookies: true } }

const counts = async (): Promise<{ people: number, sessions: number }> => ({
  people: Number((await database.db.selectFrom('people').select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
  sessions: Number((await database.db.selectFrom('device_sessions').select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
})

/** Posts the tool's storage page's form again, as from `origin` (our own page: same-origin). */
const postAgain = async (fields: Array<[string, string]>, headers: Record<string, string> = { origin: base, 'sec-fetch-site': 'same-origin' }): Promise<Response> =>
  await fetch(`${base}/lti/launch?lang=fr`, { method: 'POST', headers: { 'content-type': FORM, 'sec-fetch-dest': 'iframe', ...headers }, body: new URLSearchParams(fields).toString(), redirect: 'manual' })

const withSecret = (fields: Array<[string, string]>, secret: string): Array<[string, string]> =>
  fields.map(([name, value]): [string, string] => [name, name === 'compagnon_storage' ? secret : value])

t.test('with lti_storage_target, the login puts a one-time secret in platform storage (only its hash kept) before going to the platform', async t => {
  const result = await platform.launch(base, student())
  t.equal(result.loginResponse.status, 200, 'a page, not a redirect straight away')
  const page = await result.loginResponse.text()
  const state = result.authRequest.get('state') ?? ''
  t.match(page, /<script src="\/assets\/lti-storage\.js"><\/script>/)
  t.notMatch(page.replace('<script src="/assets/lti-storage.js"></script>', ''), /<script/, 'no inline script')
  t.match(page, 'data-target="_parent"')
  t.match(page, `data-origin="${new URL(platform.authUrl).origin}"`, 'messages go to the origin of the platform\'s auth endpoint')
  t.match(page, `data-key="compagnon_state_${state}"`)
  t.match(result.loginResponse.headers.get('cache-control'), /no-store/)
  t.match(result.loginResponse.headers.getSetCookie().join('\n'), /^state[0-9a-f]+=.*Partitioned/m, 'the login cookie still goes out (it wins where it comes back)')
  const secret = result.storage.get(`compagnon_state_${state}`) ?? ''
  t.match(secret, /^[A-Za-z0-9_-]{43}$/, 'the platform\'s storage holds a 256-bit secret')
  const rows = await database.db.selectFrom('lti_login_states').selectAll().where('storage_target', 'is not', null).execute()
  t.notMatch(JSON.stringify(rows), secret, 'the secret is in no login row')
  t.ok(rows.every(r => r.storage_secret_hash !== null && r.storage_origin === new URL(platform.authUrl).origin))

  t.ok(result.storageGet, 'at launch, no cookie came back: the page read the secret back and posted the launch again')
  t.equal(result.launchResponse.status, 303, 'the launch is accepted')
  const landed = await landAfterLaunch(base, result)
  t.match(landed.body, /Bonjour, Camille Stockage/, 'signed in')
})

t.test('the launch page that reads platform storage: no inline script, the token posted back to /lti/launch only', async t => {
  const result = await platform.launch(base, { ...student(), tamperStorage: () => {} })
  const get = result.storageGet
  t.ok(get)
  t.equal(get?.action, `${base}/lti/launch?lang=fr`)
  t.same(get?.fields.map(([name]) => name), ['id_token', 'state', 'compagnon_storage'])
  const script = await fetch(`${base}/assets/lti-storage.js`)
  t.equal(script.status, 200)
  t.match(script.headers.get('content-type'), /^text\/javascript/)
})

t.test('when the login cookie comes back, platform storage is not asked at launch', async t => {
  const result = await platform.launch(base, { ...student(), blockToolCookies: false })
  t.equal(result.storageGet, undefined)
  t.equal(result.launchResponse.status, 303)
})

t.test('a launch whose state is found nowhere (no cookie, nothing in platform storage) is refused, creates nothing, and offers the new window', async t => {
  const before = await counts()
  const result = await platform.launch(base, { ...student(), tamperStorage: entries => { entries.clear() } })
  t.equal(result.storageGet?.fields.find(([name]) => name === 'compagnon_storage')?.[1], '', 'the page found nothing in storage')
  t.equal(result.launchResponse.status, 401)
  const body = await result.launchResponse.text()
  t.match(body, /votre navigateur n’a pas renvoyé le témoin \(cookie\) de connexion/)
  t.match(body, /name="compagnon_relaunch"/, 'nothing was forged: the launch can restart in a new window')
  t.same(result.launchResponse.headers.getSetCookie().filter(c => !/^state/.test(c)), [], 'no session cookie')
  t.same(await counts(), before, 'nothing created')
})

t.test('a wrong secret is refused with a clear message, offers no relaunch, creates nothing, and uses the login up', async t => {
  const before = await counts()
  let secret = ''
  const result = await platform.launch(base, {
    ...student(),
    tamperStorage: entries => {
      for (const [key, value] of entries) { secret = value; entries.set(key, 'A'.repeat(43)) }
    }
  })
  t.equal(result.launchResponse.status, 401)
  const body = await result.launchResponse.text()
  t.match(body, /la preuve de connexion conservée par la plateforme ne correspond pas à cette demande de connexion/)
  t.notMatch(body, /compagnon_relaunch/, 'no relaunch token for a forged secret')
  t.same(result.launchResponse.headers.getSetCookie(), [], 'no cookie')
  t.same(await counts(), before, 'nothing created')

  const right = await postAgain(withSecret(result.storageGet?.fields ?? [], secret))
  t.equal(right.status, 401, 'the right secret after a wrong one: refused (one check per login)')
  t.match(await right.text(), /ne correspond pas à cette demande de connexion, ou a déjà servi/)
  const plain = await postAgain((result.storageGet?.fields ?? []).filter(([name]) => name !== 'compagnon_storage'), {})
  t.equal(plain.status, 401, 'the platform\'s form again: the login is used up')
  t.match(await plain.text(), /cette demande de connexion est inconnue, déjà utilisée ou expirée/)
  t.same(await counts(), before)
})

t.test('a secret works once: posted again, it is refused and changes nothing', async t => {
  const result = await platform.launch(base, student())
  t.equal(result.launchResponse.status, 303)
  const before = await counts()
  const again = await postAgain(result.storageGet?.fields ?? [])
  t.equal(again.status, 401)
  t.match(await again.text(), /Lancement refusé\u00a0: la preuve de connexion conservée par la plateforme/)
  t.same(again.headers.getSetCookie(), [])
  t.same(await counts(), before)
})

t.test('a secret posted from another site (login CSRF with someone else\'s launch) is refused before it is checked', async t => {
  // A browser's launch stopped at the page that reads platform storage; the secret is known (here, from the login page).
  const login = await fetch(platform.loginUrl(base, student()), { redirect: 'manual' })
  const html = await login.text()
  const put = storageElement(html, 'put')
  const secret = put?.value ?? ''
  t.match(secret, /^[A-Za-z0-9_-]{43}$/)
  const auth = parseAutoPostForm(await (await fetch(put?.next ?? '')).text())
  const first = await fetch(auth.action, { method: 'POST', headers: { 'content-type': FORM }, body: new URLSearchParams(auth.fields).toString(), redirect: 'manual' })
  t.equal(first.status, 200, 'no cookie: the page that reads platform storage')
  const fields = withSecret([...auth.fields, ['compagnon_storage', '']], secret)
  const before = await counts()
  const crossSite: Array<Record<string, string>> = [{ origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' }, { origin: 'http://evil.example' }, { 'sec-fetch-site': 'same-site' }, {}]
  for (const headers of crossSite) {
    const forged = await postAgain(fields, headers)
    t.equal(forged.status, 403, `refused: ${JSON.stringify(headers)}`)
    t.match(await forged.text(), /cette demande ne provient pas de Compagnon/)
  }
  t.same(await counts(), before, 'nothing created')
  const ours = await postAgain(fields)
  t.equal(ours.status, 303, 'the secret was not spent: posted by our own page, the launch goes on')
})

t.test('the script ignores answers from any origin but the platform\'s auth endpoint, and addresses its messages to it only', async t => {
  // The browser test exercises the script; here, its two origin rules as written.
  const script = await readFile(new URL('../../public/lti-storage.js', import.meta.url), 'utf8')
  t.match(script, /if \(event\.origin !== origin\) return/, 'answers from another origin are ignored')
  t.match(script, /data\.message_id !== messageId/, 'and answers to another message')
  t.match(script, /platform\.postMessage\(message, origin\)/, 'requests go to that origin only')
  t.notMatch(script, /postMessage\([^)]*'\*'\)/, 'never to any origin')
})
