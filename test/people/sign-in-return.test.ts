import t from 'tap'
import { testApp, type TestApp } from '../helpers/app.js'
import { given } from '../helpers/given.js'
import { ORIGIN, cookieHeader } from '../helpers/session.js'

// A personal page opened without a session: a browser goes on to the "send me my link" form, and
// the emailed link brings the person back to that page; scripts and the API keep their 401.

interface Ctx { teardown: (fn: () => unknown) => void }

const html = { accept: 'text/html' }
const form = { 'sec-fetch-site': 'same-origin', accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }

/** An app that emails links (SMTP set; nothing listens), with one person who has an account. */
async function setup (t: Ctx): Promise<TestApp & { email: string }> {
  const ctx = await testApp(t, { config: { smtp: { url: 'smtp://127.0.0.1:9', from: 'noreply@enap.ca' } } })
  await given(ctx).person({ name: 'Paule Émond', email: 'paule.emond@montreal.ca', locale: 'fr' })
  return { ...ctx, email: 'paule.emond@montreal.ca' }
}

/** Asks for a link from the form (with the hidden `retour` it carries, if any) and returns the emailed URL. */
async function emailedLink (ctx: TestApp & { email: string }, retour?: string): Promise<string> {
  const fields = new URLSearchParams({ email: ctx.email, ...(retour !== undefined ? { retour } : {}) })
  const sent = await ctx.app.inject({ method: 'POST', url: '/connexion?lang=fr', remoteAddress: '203.0.113.7', headers: form, payload: fields.toString() })
  if (sent.statusCode !== 200) throw new Error(`the form answered ${sent.statusCode}`)
  await ctx.services.selfServiceLinks.settled()
  const message = await ctx.database.db.selectFrom('outgoing_messages').select('body_text').orderBy('created_at', 'desc').executeTakeFirstOrThrow()
  const url = /http:\/\/127\.0\.0\.1:3000(\/auth\/link\/[A-Za-z0-9_-]{43}\S*)/.exec(message.body_text)?.[1]
  if (url === undefined) throw new Error('no link in the message')
  return url
}

/** The hidden fields of the confirmation page's form, as a browser would post them. */
const hiddenFields = (body: string): Record<string, string> =>
  Object.fromEntries([...body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map(m => [m[1]!, m[2]!.replace(/&#x2F;|&#47;/g, '/').replace(/&amp;/g, '&')]))

t.test('a personal page opened without a session leads to the sign-in form, and the emailed link back to that page', async t => {
  const ctx = await setup(t)
  const opened = await ctx.app.inject({ url: '/presence?lang=fr', headers: html })
  t.equal(opened.statusCode, 303, 'not a 401 page: a way in')
  t.equal(opened.headers.location, '/connexion?retour=%2Fpresence&lang=fr', 'the page to come back to, in the page\'s language')

  const signInForm = await ctx.app.inject({ url: opened.headers.location!, headers: html })
  t.equal(signInForm.statusCode, 200)
  t.match(signInForm.body, '<input type="hidden" name="retour" value="/presence">', 'the form carries the way back')
  t.match(signInForm.body, 'vous arriverez à la page que vous vouliez ouvrir', 'and says so')

  const link = await emailedLink(ctx, '/presence')
  t.match(link, /\?lang=fr&retour=%2Fpresence$/, 'the emailed link carries it too')
  const confirm = await ctx.app.inject({ url: link, headers: html })
  t.equal(confirm.statusCode, 200)
  const fields = hiddenFields(confirm.body)
  t.equal(fields.retour, '/presence', 'the confirmation keeps it')

  const signedIn = await ctx.app.inject({ method: 'POST', url: '/auth/link?lang=fr', headers: { origin: ORIGIN, ...html }, payload: fields })
  t.equal(signedIn.statusCode, 303)
  t.equal(signedIn.headers.location, '/presence?lang=fr', 'signed in, the person lands on the page they wanted')
  const page = await ctx.app.inject({ url: signedIn.headers.location!, headers: { ...html, cookie: cookieHeader(signedIn) } })
  t.equal(page.statusCode, 200)
  t.match(page.body, '<h1>Mes présences</h1>')
})

t.test('the way back keeps the page\'s query but not its language, and /moi in English goes to the English form', async t => {
  const ctx = await setup(t)
  const eventId = (await ctx.services.program.listEvents())[0]!.id
  const grid = await ctx.app.inject({ url: `/organisateurs/presences/${eventId}?qui=tous&lang=en`, headers: html })
  t.equal(grid.statusCode, 303)
  t.equal(grid.headers.location, `/connexion?retour=${encodeURIComponent(`/organisateurs/presences/${eventId}?qui=tous`)}&lang=en`)
  const me = await ctx.app.inject({ url: '/moi', headers: { ...html, 'accept-language': 'en-CA,en;q=0.9' } })
  t.equal(me.headers.location, '/connexion?retour=%2Fmoi&lang=en')
})

t.test('a way back to another site is ignored at every step (open redirect attempts)', async t => {
  const ctx = await setup(t)
  for (const retour of ['//evil.example', '/\\evil.example', 'https://evil.example/moi', '/\t/evil.example']) {
    const page = await ctx.app.inject({ url: `/connexion?lang=fr&retour=${encodeURIComponent(retour)}`, headers: html })
    t.equal(page.statusCode, 200, `${JSON.stringify(retour)}: the form still opens`)
    t.notMatch(page.body, 'name="retour"', `${JSON.stringify(retour)}: and carries no way back`)
    t.notMatch(page.body, 'evil.example')
  }

  const link = await emailedLink(ctx, '//evil.example')
  t.notMatch(link, 'retour', 'the emailed link carries none')
  t.notMatch(link, 'evil')

  // Someone crafting the confirmation form by hand gets the usual landing, never the other site.
  const token = link.split('?')[0]!.split('/').pop()!
  const signedIn = await ctx.app.inject({ method: 'POST', url: '/auth/link?lang=fr', headers: { origin: ORIGIN, ...html }, payload: { token, retour: '//evil.example' } })
  t.equal(signedIn.statusCode, 303)
  t.equal(signedIn.headers.location, '/moi?lang=fr')
})

t.test('a way back that resolves to another site through dot segments lands on a page of this site', async t => {
  const ctx = await setup(t)
  for (const retour of ['/..//evil.example', '/.//evil.example/x', '/a/..//evil.example', '/%2e%2e//evil.example']) {
    const page = await ctx.app.inject({ url: `/connexion?lang=fr&retour=${encodeURIComponent(retour)}`, headers: html })
    t.equal(page.statusCode, 200, `${JSON.stringify(retour)}: the form still opens`)
    t.notMatch(page.body, 'name="retour"', `${JSON.stringify(retour)}: and carries no way back`)
  }

  // Confirming the emailed link with the way back posted by hand: a path of this site.
  const token = (await emailedLink(ctx)).split('?')[0]!.split('/').pop()!
  const signedIn = await ctx.app.inject({ method: 'POST', url: '/auth/link?lang=fr', headers: { origin: ORIGIN, ...html }, payload: { token, retour: '/..//evil.example' } })
  t.equal(signedIn.statusCode, 303)
  const location = String(signedIn.headers.location)
  t.match(location, /^\/(?![/\\])/, `${location}: one leading slash`)
  t.equal(new URL(location, ORIGIN).origin, new URL(ORIGIN).origin, 'the same site')
  t.equal(location, '/moi?lang=fr', 'the usual landing')
})

t.test('scripts, the API and forms without a session keep their 401', async t => {
  const ctx = await setup(t)
  const json = await ctx.app.inject({ url: '/moi', headers: { accept: 'application/json' } })
  t.equal(json.statusCode, 401, 'a page asked for by a script')
  t.equal(json.json().code, 'unauthorized')
  const api = await ctx.app.inject({ url: '/api/v1/me', headers: html })
  t.equal(api.statusCode, 401, 'the API, even asked for HTML')
  const bearer = await ctx.app.inject({ url: '/moi', headers: { ...html, authorization: 'Bearer not-a-token' } })
  t.equal(bearer.statusCode, 401, 'a refused bearer token is not sent to a form')
  const post = await ctx.app.inject({ method: 'POST', url: '/presence/code?lang=fr', headers: { ...form, origin: ORIGIN }, payload: 'code=123456' })
  t.equal(post.statusCode, 401, 'a form sent without a session: nothing to come back to')
})
