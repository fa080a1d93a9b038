import t from 'tap'
import { testApp } from '../helpers/app.js'
import { open } from '../../src/access/declare.js'

t.test('an unexpected failure answers 500 with a request id and no internals', async t => {
  const { app } = await testApp(t, { program: false })
  app.get('/boom', { config: { access: open('a test route') } }, async () => { throw new Error('secret internal detail: password=hunter2') })
  const res = await app.inject('/boom')
  t.equal(res.statusCode, 500)
  const body = res.json()
  t.match(body, { statusCode: 500, code: 'internal_error', message: 'An internal error occurred.', requestId: /[0-9a-f-]{36}/ })
  t.notMatch(res.body, /hunter2|secret internal|stack/)
  const page = await app.inject({ url: '/boom', headers: { accept: 'text/html' } })
  t.match(page.body, /Une erreur inattendue est survenue/)
  t.notMatch(page.body, /hunter2/)
})

t.test('database conflicts become 409, malformed JSON 400, oversize bodies 413', async t => {
  const { app, database } = await testApp(t, { program: false })
  app.post('/dup', { config: { access: open('a test route') } }, async () => {
    await database.db.insertInto('people').values({ email: 'a@b.c', display_name: 'A' }).execute()
    await database.db.insertInto('people').values({ email: 'A@B.C', display_name: 'A' }).execute()
    return {}
  })
  app.post('/echo', { config: { access: open('a test route') } }, async (request) => request.body)
  const dup = await app.inject({ method: 'POST', url: '/dup' })
  t.equal(dup.statusCode, 409)
  t.match(dup.json(), { code: 'conflict', messageFr: 'Cet élément existe déjà.' })
  const malformed = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{"a":' })
  t.equal(malformed.statusCode, 400)
  t.match(malformed.json(), { statusCode: 400, messageFr: /^La demande est mal formée/ })
  const huge = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ a: 'x'.repeat(2 * 1024 * 1024) }) })
  t.equal(huge.statusCode, 413)
  const wrongType = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/x-unknown' }, payload: 'x' })
  t.equal(wrongType.statusCode, 415)
})

t.test('secret tokens in URLs are not written to the logs', async t => {
  const { loggerOptions } = await import('../../src/http/logging.js')
  const options = loggerOptions({ logLevel: 'info' }) as { serializers: { req: (r: unknown) => { url: string } } }
  const logged = options.serializers.req({ id: '1', method: 'GET', url: '/auth/link/SECRETTOKEN123456789012345?lang=fr' })
  t.equal(logged.url, '/auth/link/[redacted]?lang=fr')
  for (const path of ['/p/', '/cours/suite/']) {
    t.equal(options.serializers.req({ id: '2', method: 'GET', url: `${path}SECRETTOKEN123456789012345?lang=en` }).url, `${path}[redacted]?lang=en`, `${path}<token> too`)
  }
})

t.test('URLs the router refuses (a part over 100 characters, a broken %-escape) get our bilingual format', async t => {
  const { app } = await testApp(t, { program: false })
  const long = await app.inject(`/api/v1/verify/${'A'.repeat(150)}`)
  t.equal(long.statusCode, 414)
  t.match(long.json(), { code: 'uri_too_long', message: /Address too long/, messageFr: /Adresse trop longue/, requestId: /[0-9a-f-]{36}/ })
  const page = await app.inject({ url: `/verify/${'A'.repeat(150)}`, headers: { accept: 'text/html' } })
  t.equal(page.statusCode, 414)
  t.match(page.body, /Adresse trop longue/)
  const broken = await app.inject({ url: '/verify/%E0%A4%A', headers: { accept: 'text/html' } })
  t.equal(broken.statusCode, 400)
  t.match(broken.body, /Adresse mal formée/)
})
