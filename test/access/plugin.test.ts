import t from 'tap'
import Fastify from 'fastify'
import { accessDeclarations } from '../../src/access/plugin.js'
import { open } from '../../src/access/declare.js'

t.test('an app with a route that declares no access rule does not start, and the error names the route', async t => {
  const app = Fastify()
  await app.register(accessDeclarations)
  app.get('/declared', { config: { access: open('a test page') } }, async () => 'ok')
  app.get('/forgotten', async () => 'oops')
  await app.register(async scope => { scope.post('/inside/a/plugin', async () => 'oops') })
  const error = await app.ready().then(() => undefined, (err: unknown) => err as Error)
  t.ok(error instanceof Error, 'ready() fails')
  t.match(error?.message, /routes without an access rule/)
  t.match(error?.message, /GET \/forgotten/)
  t.match(error?.message, /HEAD \/forgotten/, 'Fastify\'s HEAD twin too')
  t.match(error?.message, /POST \/inside\/a\/plugin/, 'routes of child plugins too')
  t.notMatch(error?.message, /\/declared/, 'declared routes are not listed')
  await app.close().catch(() => undefined)
})

t.test('a route that declares its rule, even from the scope that registers a plugin we do not own, starts', async t => {
  const app = Fastify()
  await app.register(accessDeclarations)
  app.get('/declared', { config: { access: open('a test page') } }, async () => 'ok')
  await app.register(async scope => {
    scope.addHook('onRoute', route => { route.config = { ...route.config, access: open('a plugin\'s own routes') } })
    scope.get('/theirs', async () => 'theirs')
  })
  await app.ready()
  t.equal((await app.inject({ url: '/theirs' })).body, 'theirs')
  await app.close()
})
