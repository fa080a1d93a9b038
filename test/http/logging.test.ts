import t from 'tap'
import { redactLine, redactUrl } from '../../src/http/logging.js'
import { freshDatabaseUrl } from '../helpers/database.js'
import { seededDataDir } from '../helpers/data-dir.js'
import { childEnv, postgresEnv, startServer, stopServer } from '../helpers/process.js'

const uuid = '0b8f7d2e-1234-4abc-8def-0123456789ab'

t.test('URLs as logged: secret path segments and query values masked, the rest kept for diagnosis', async t => {
  const cases: Array<[string, string]> = [
    ['/p/Abc_def-1234567890abcdefghij?lang=en', '/p/[redacted]?lang=en'],
    ['/auth/link/Abc_def-1234567890abcdefghij', '/auth/link/[redacted]'],
    ['/cours/suite/Abc_def-1234567890abcdefghij?lang=fr', '/cours/suite/[redacted]?lang=fr'],
    ['/pass/PASS-CODE-123', '/pass/[redacted]'],
    [`/presence/${uuid}/K7Q4X2`, `/presence/${uuid}/[redacted]`],
    [`/presence/seance/${uuid}/liste`, `/presence/seance/${uuid}/liste`],
    ['/verify/ENAP-2025-ABCD/check', '/verify/[redacted]/check'],
    ['/api/v1/verify/ENAP-2025-ABCD', '/api/v1/verify/[redacted]'],
    ['/api/v1/events?email=ana%40example.org&lang=fr&flag', '/api/v1/events?email=[redacted]&lang=fr&[redacted]'],
    ['/lti/launch?ltik=eyJhbGciOi.payload.sig', '/lti/launch?ltik=[redacted]'],
    [`/api/v1/events/${uuid}/participants`, `/api/v1/events/${uuid}/participants`]
  ]
  for (const [url, logged] of cases) t.equal(redactUrl(url), logged, url)
  t.equal(redactLine('{"msg":"No route for GET /nowhere/p/Abc_def-123.","x":"https://h/lti?ltik=abc&lang=en"}'),
    '{"msg":"No route for GET /nowhere/p/[redacted]","x":"https://h/lti?ltik=[redacted]&lang=en"}', 'URLs inside messages too')
})

t.test('a running server logs one JSON line per event, each request\'s lines with its id, and no token, cookie, personal link or query value', async t => {
  const url = await freshDatabaseUrl(t)
  const server = await startServer(childEnv({ ...(url === undefined ? { DATA_DIR: await seededDataDir(t.testdir()) } : postgresEnv(url)), LOG_LEVEL: 'info' }))
  t.teardown(async () => { await stopServer(server.child, 'SIGKILL') })

  const secrets = {
    personalLink: 'PersonalLinkToken_0123456789abcdefghijk',
    signInLink: 'SignInLinkToken_0123456789abcdefghijklmn',
    bearer: 'eyJhbGciOiJIUzI1NiJ9.BearerPayloadSecret.Sig',
    cookie: 'CookieSessionSecretValue0123456789',
    email: 'ana.personne',
    registration: 'RegistrationTokenSecret_0123456789abcd',
    registrationJwt: 'PlatformRegistrationJwtSecret',
    notFound: 'TokenInAnUnknownAddress_0123456789',
    query: 'QueryValueSecret'
  }
  const get = async (path: string, headers: Record<string, string> = {}): Promise<Response> => await fetch(`${server.base}${path}`, { headers, redirect: 'manual' })
  await get(`/p/${secrets.personalLink}?lang=en`, { accept: 'text/html' })
  await get(`/auth/link/${secrets.signInLink}`, { accept: 'text/html' })
  await get(`/api/v1/events?email=${secrets.email}%40example.org`, { authorization: `Bearer ${secrets.bearer}`, cookie: `compagnon_session=${secrets.cookie}` })
  await get(`/lti/register?compagnon_token=${secrets.registration}&openid_configuration=https%3A%2F%2Flms.example.org%2Fopenid&registration_token=${secrets.registrationJwt}`)
  // Not a secret (printed on the attestation), masked in the URL all the same.
  await get('/verify/VERIFCODE', { accept: 'text/html' })
  const missing = await get(`/nowhere/p/${secrets.notFound}?q=${secrets.query}`)
  t.equal(missing.status, 404)
  const { requestId } = await missing.json() as { requestId: string }
  t.equal(await stopServer(server.child), 0)

  const lines = server.output().split('\n').filter(l => l.trim() !== '')
  const entries = lines.map(line => JSON.parse(line) as { reqId?: string, msg?: string, req?: { id: string, url: string }, res?: { statusCode: number } })
  t.ok(entries.length > 12, 'one JSON line per event')
  for (const [what, secret] of Object.entries(secrets)) {
    t.notOk(lines.some(line => line.includes(secret)), `no ${what} in the logs`)
  }

  const requestLines = entries.filter(e => e.req !== undefined || e.res !== undefined)
  t.ok(requestLines.length >= 12, 'an incoming and a completed line per request')
  t.ok(requestLines.every(e => typeof e.reqId === 'string' && /^[0-9a-f-]{36}$/.test(e.reqId)), 'every request line carries the request id')
  t.ok(entries.filter(e => e.req !== undefined).every(e => e.req?.id === e.reqId), 'the same id in the request')

  const urls = entries.flatMap(e => e.req === undefined ? [] : [e.req.url])
  t.ok(urls.includes('/p/[redacted]?lang=en'))
  t.ok(urls.includes('/auth/link/[redacted]'))
  t.ok(urls.includes('/api/v1/events?email=[redacted]'))
  t.ok(urls.includes('/lti/register?compagnon_token=[redacted]&openid_configuration=https%3A%2F%2Flms.example.org%2Fopenid&registration_token=[redacted]'), 'the platform\'s configuration address stays readable')
  t.ok(urls.includes('/verify/[redacted]'))

  const ofMissing = entries.filter(e => e.reqId === requestId)
  t.ok(ofMissing.length >= 2, 'the id returned to the client finds the request\'s lines')
  t.ok(ofMissing.some(e => e.res?.statusCode === 404))
  t.ok(ofMissing.some(e => e.req?.url === '/nowhere/p/[redacted]?q=[redacted]'), 'an unknown address is masked the same way')
})
