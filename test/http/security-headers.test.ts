import t from 'tap'
import { sql } from 'kysely'
import { testApp } from '../helpers/app.js'
import { open } from '../../src/access/declare.js'
import { bearerFor } from '../helpers/session.js'
import { frameOrigins } from '../../src/http/frame-ancestors.js'

const ctx = await (async () => {
  const built = await testApp(t)
  const [event] = await built.services.program.listEvents()
  if (event === undefined) throw new Error('no event')
  const organizer = await built.services.people.bootstrapOrganizer('org@enap.ca', [event.id], 'Odile Organisatrice')
  // Test-only routes: an internal failure carrying SQL and a secret in its message.
  built.app.get('/test/sql-failure', { config: { access: open('a test route') } }, async () => {
    await sql`SELECT secret_column FROM table_that_does_not_exist WHERE password = 'hunter2'`.execute(built.database.db)
    return {}
  })
  built.app.post('/test/sql-failure', { config: { access: open('a test route') } }, async () => {
    await sql`SELECT 1 / (count(*) - count(*)) AS hunter2 FROM people`.execute(built.database.db)
    return {}
  })
  return { ...built, eventId: event.id, bearer: await bearerFor(built, organizer.personId) }
})()
const { app, database } = ctx

const directives = (csp: unknown): Map<string, string> =>
  new Map(String(csp).split(';').map(d => d.trim()).filter(Boolean).map(d => [d.split(' ')[0]!, d.slice(d.indexOf(' ') + 1)]))
const platformRow = (issuer: string, authEndpoint: string, clientId: string) => ({
  collection: 'platform' as const,
  fields: JSON.stringify({ platformUrl: issuer, clientId, authEndpoint, platformName: issuer, kid: `kid-${clientId}` })
})

t.test('pages: CSP framing by Compagnon itself until an LMS is registered, no Referer, no X-Frame-Options', async t => {
  const page = await app.inject({ url: '/', headers: { accept: 'text/html' } })
  t.equal(page.statusCode, 200)
  const csp = directives(page.headers['content-security-policy'])
  t.equal(csp.get('frame-ancestors'), "'self'", 'no longer *')
  t.equal(csp.get('form-action'), "'self'")
  t.equal(csp.get('script-src'), "'self'")
  t.equal(page.headers['referrer-policy'], 'no-referrer')
  t.equal(page.headers['x-frame-options'], undefined, 'frame-ancestors decides (X-Frame-Options cannot name the LMS)')
  t.equal(page.headers['x-content-type-options'], 'nosniff')
})

t.test('frame-ancestors and form-action name each registered LMS (issuer and login origins), read once, not per request', async t => {
  await database.db.insertInto('lti_store').values([
    platformRow('https://moodle.enap.ca', 'https://moodle.enap.ca/mod/lti/auth.php', 'moodle-1'),
    platformRow('https://canvas.instructure.com', 'https://sso.canvaslms.com/api/lti/authorize_redirect', 'canvas-1')
  ]).execute()
  const cached = directives((await app.inject({ url: '/' })).headers['content-security-policy'])
  t.equal(cached.get('frame-ancestors'), "'self'", 'the cached list serves requests (refreshed every minute, or on registration)')

  await app.refreshFrameAncestors()
  const csp = directives((await app.inject({ url: '/', headers: { accept: 'text/html' } })).headers['content-security-policy'])
  t.equal(csp.get('frame-ancestors'), "'self' https://*.instructure.com https://canvas.instructure.com https://moodle.enap.ca https://sso.canvaslms.com")
  t.equal(csp.get('form-action'), csp.get('frame-ancestors'), 'pages may post back to their LMS')
  const api = directives((await app.inject({ url: '/api/v1/events' })).headers['content-security-policy'])
  t.equal(api.get('frame-ancestors'), csp.get('frame-ancestors'))
})

t.test('origins: only http(s) URLs count, by origin; Canvas Cloud frames from its tenants\' domains', async t => {
  t.same(frameOrigins([
    { platformUrl: 'https://moodle.example.ca/', authEndpoint: 'https://moodle.example.ca:8443/mod/lti/auth.php?x=1' },
    { platformUrl: 'javascript:alert(1)', authEndpoint: null },
    { platformUrl: 'not a url', authEndpoint: "https://evil.example; script-src 'unsafe-inline'" },
    { platformUrl: 'https://canvas.beta.instructure.com', authEndpoint: null }
  ]), ['https://*.instructure.com', 'https://canvas.beta.instructure.com', 'https://moodle.example.ca', 'https://moodle.example.ca:8443'])
})

t.test('the dynamic registration page may be framed by the LMS registering itself (not known yet)', async t => {
  const res = await app.inject({ url: '/lti/register?compagnon_token=x', headers: { accept: 'text/html' } })
  t.equal(directives(res.headers['content-security-policy']).get('frame-ancestors'), "'self' *")
  t.equal(res.headers['referrer-policy'], 'no-referrer')
})

t.test('bodies are capped per route: forms 64 KB, JSON 1 MB (413 with a message)', async t => {
  const form = await app.inject({
    method: 'POST',
    url: '/organisateurs/invitations',
    headers: { authorization: ctx.bearer, 'content-type': 'application/x-www-form-urlencoded' },
    payload: `eventId=${ctx.eventId}&role=door_staff&email=${'a'.repeat(65 * 1024)}@enap.ca`
  })
  t.equal(form.statusCode, 413)
  t.match(form.json(), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', messageFr: 'Le contenu envoyé est trop volumineux.' })
  const json = await app.inject({
    method: 'PUT',
    url: `/api/v1/events/${ctx.eventId}/attendance-policy`,
    headers: { authorization: ctx.bearer, 'content-type': 'application/json' },
    payload: JSON.stringify({ padding: 'x'.repeat(1024 * 1024) })
  })
  t.equal(json.statusCode, 413)
})

t.test('an internal failure answers 500 without stack trace, SQL or values, as JSON and as a page', async t => {
  for (const method of ['GET', 'POST'] as const) {
    const res = await app.inject({ method, url: '/test/sql-failure' })
    t.equal(res.statusCode, 500)
    t.match(res.json(), { code: 'internal_error', message: 'An internal error occurred.', messageFr: 'Une erreur interne est survenue.' })
    t.notMatch(res.body, /SELECT|count\(|table_that_does_not_exist|secret_column|hunter2|division|\bat\s+\S+\s+\(|\.ts:\d+|stack/i)
    const page = await app.inject({ method, url: '/test/sql-failure', headers: { accept: 'text/html' } })
    t.equal(page.statusCode, 500)
    t.notMatch(page.body, /SELECT|count\(|division|table_that_does_not_exist|secret_column|hunter2|\bat\s+\S+\s+\(|\.ts:\d+/i)
  }
})
