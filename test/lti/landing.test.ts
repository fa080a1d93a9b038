import t from 'tap'
import QRCode from 'qrcode'
import { realTime, testApp } from '../helpers/app.js'
import { CookieJar, ROLES, startPlatform } from '../helpers/lti-platform.js'
import { LAUNCH_CONTINUATION, landAfterLaunch } from '../helpers/lti-landing.js'

// One app and one platform for the file (the tool key is made once).
const ctx = await (async () => {
  const built = await testApp(t, { clock: realTime() })
  const base = await built.app.listen({ host: '127.0.0.1', port: 0 })
  const platform = await startPlatform(t, { deploymentId: 'dep-1' })
  platform.setTool({ jwksUrl: `${base}/lti/keys` })
  await built.services.lti.registerPlatform({ ...platform.registration(), deploymentIds: ['dep-1'] })
  return { ...built, base, platform }
})()
const { base, platform } = ctx

/** A form post from one of our own pages (what a browser sends with it). */
const postForm = async (path: string, fields: Record<string, string>, jar: CookieJar): Promise<Response> => {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', accept: 'text/html', 'accept-language': 'fr-CA' },
    body: new URLSearchParams(fields).toString()
  })
  jar.store(res)
  return res
}
const get = async (path: string, jar: CookieJar): Promise<{ status: number, body: string, location: string | null }> => {
  const res = await fetch(`${base}${path}`, { headers: { cookie: jar.header(), accept: 'text/html', 'accept-language': 'fr-CA' }, redirect: 'manual' })
  jar.store(res)
  return { status: res.status, body: await res.text(), location: res.headers.get('location') }
}
const hiddenValue = (html: string, name: string): string | undefined => new RegExp(`name="${name}" value="([^"]+)"`).exec(html)?.[1]

t.test('when the LMS frame blocks our cookies, the student continues in a new window, signed in, once', async t => {
  const result = await platform.launch(base, { user: { sub: 'safari-student', name: 'Sam Safari' }, roles: [ROLES.Learner] })
  t.match(result.launchResponse.headers.get('location'), LAUNCH_CONTINUATION)
  const blocked = await landAfterLaunch(base, result, { cookies: new CookieJar() })
  t.equal(blocked.status, 200, 'no error: an explanation and a way on')
  t.match(blocked.body, /Votre navigateur bloque les témoins/)
  t.match(blocked.body, /<form method="post" action="\/auth\/link\?lang=fr" target="_blank">/)
  const token = hiddenValue(blocked.body, 'token') ?? ''

  const window = new CookieJar()
  const opened = await postForm('/auth/link?lang=fr', { token }, window)
  t.equal(opened.status, 303)
  t.equal(opened.headers.get('location'), '/cours?lang=fr', 'the new window lands on the course page')
  t.ok(window.get('compagnon_device'), 'with its own device session')
  t.match((await get('/cours?lang=fr', window)).body, /Bonjour, Sam Safari/)

  const again = await postForm('/auth/link?lang=fr', { token }, new CookieJar())
  t.equal(again.status, 400, 'the button works once')
  t.equal((await landAfterLaunch(base, result, { cookies: new CookieJar() })).status, 400, 'and the frame cannot offer it again')
})

t.test('a deep-linking launch in a frame without cookies continues to the content choice in the new window', async t => {
  const result = await platform.launch(base, { user: { sub: 'safari-teacher', name: 'Prof. Safari' }, roles: [ROLES.Instructor], messageType: 'LtiDeepLinkingRequest' })
  const blocked = await landAfterLaunch(base, result, { cookies: new CookieJar() })
  t.match(hiddenValue(blocked.body, 'vers'), /^contenu:[0-9a-f-]{36}$/)
  const window = new CookieJar()
  const opened = await postForm('/auth/link?lang=fr', { token: hiddenValue(blocked.body, 'token') ?? '', vers: hiddenValue(blocked.body, 'vers') ?? '' }, window)
  t.match(opened.headers.get('location'), /^\/cours\/contenu\/[0-9a-f-]{36}\?lang=fr$/)
  t.equal((await get(opened.headers.get('location') ?? '', window)).status, 200)
  t.equal((await postForm('/auth/link?lang=fr', { token: 'x'.repeat(43), vers: '../../admin' }, window)).status, 400, 'an unknown destination is refused')
})

t.test('when the cookies work, the new-window token is used up on the way to the page', async t => {
  const result = await platform.launch(base, { user: { sub: 'chrome-student' }, roles: [ROLES.Learner] })
  const landed = await landAfterLaunch(base, result)
  t.equal(landed.status, 200)
  t.equal(landed.path, '/cours?lang=fr')
  const token = /\/cours\/suite\/([A-Za-z0-9_-]+)/.exec(landed.hops[0] ?? '')?.[1] ?? ''
  t.equal((await postForm('/auth/link?lang=fr', { token }, new CookieJar())).status, 400, 'nobody else can use it')
})

t.test('after a launch, a one-time QR code opens Compagnon signed in on the student\'s phone', async t => {
  const result = await platform.launch(base, { user: { sub: 'phone-student', name: 'Pat Téléphone' }, roles: [ROLES.Learner] })
  const laptop = result.cookies
  const course = await landAfterLaunch(base, result)
  t.match(course.body, /<form method="post" action="\/auth\/telephone\?lang=fr">/)
  const page = await postForm('/auth/telephone?lang=fr', { _csrf: hiddenValue(course.body, '_csrf') ?? '' }, laptop)
  t.equal(page.status, 200)
  const body = await page.text()
  t.equal(page.headers.get('cache-control'), 'no-store')
  const url = /<code>(http:\/\/127\.0\.0\.1:3000\/auth\/link\/[A-Za-z0-9_-]{43}\?lang&#61;fr)<\/code>/.exec(body)?.[1]?.replace('&#61;', '=') ?? ''
  t.ok(url, 'the link is shown for phones without a camera')
  const svg = /<figure class="qr"[^>]*>(<svg[\s\S]*?<\/svg>)/.exec(body)?.[1]
  t.equal(svg?.trim(), (await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })).trim(), 'the QR code encodes that link')
  t.match(body, /expire à \d{1,2}\s?h\s?\d{2}/)

  const phone = new CookieJar()
  const path = new URL(url).pathname + new URL(url).search
  const confirm = await get(path, phone)
  t.equal(confirm.status, 200, 'the phone shows the confirmation (link prefetchers cannot use it up)')
  const signedIn = await postForm('/auth/link?lang=fr', { token: hiddenValue(confirm.body, 'token') ?? '' }, phone)
  t.equal(signedIn.headers.get('location'), '/cours?lang=fr')
  t.match((await get('/cours?lang=fr', phone)).body, /Bonjour, Pat Téléphone/, 'the phone is signed in as the student')
  t.equal((await get(path, new CookieJar())).status, 400, 'a second phone cannot use it')

  t.equal((await postForm('/auth/telephone?lang=fr', {}, new CookieJar())).status, 401, 'only for someone signed in')
})

t.test('links placed by Deep Linking land on their page: the synthesis of that course, attendance by role', async t => {
  const synthesis = await platform.launch(base, { user: { sub: 'target-student' }, roles: [ROLES.Learner], custom: { compagnon_target: 'synthesis' } })
  const landed = await landAfterLaunch(base, synthesis)
  const contextId = (await ctx.database.db.selectFrom('lti_contexts').select('id').executeTakeFirstOrThrow()).id
  t.equal(landed.path, `/cours/synthese/${contextId}?lang=fr`)
  const attendance = await landAfterLaunch(base, await platform.launch(base, { user: { sub: 'target-student' }, roles: [ROLES.Learner], custom: { compagnon_target: 'attendance' } }))
  t.equal(attendance.path, '/presence?lang=fr', 'a student sees their own attendance')
  const grid = await landAfterLaunch(base, await platform.launch(base, { user: { sub: 'target-teacher' }, roles: [ROLES.Instructor], custom: { compagnon_target: 'attendance' } }))
  t.equal(grid.path, `/cours/presences/${contextId}?lang=fr`, 'an instructor sees the course grid')
  t.equal(grid.status, 200)
})
