import t from 'tap'
import { childEnv, postgresEnv, runTs, startServer, stopServer as stop } from './helpers/process.js'
import { freshDatabaseUrl, usingPostgres } from './helpers/database.js'

t.test('the server starts on an empty data directory with the program loaded, restarts, and stops cleanly', async t => {
  const url = await freshDatabaseUrl(t)
  const env = childEnv(url === undefined ? { DATA_DIR: t.testdir() } : postgresEnv(url))

  const first = await startServer(env)
  t.comment(`first start (empty ${usingPostgres() ? 'database' : 'DATA_DIR'}) to first answered request: ${first.ms} ms`)
  const events = await (await fetch(`${first.base}/api/v1/events`)).json() as { events: Array<{ key: string }> }
  t.same(events.events.map(e => e.key), ['ecole-automne-coproduction-2025'], 'the 2025 program is loaded before listening')
  const page = await fetch(`${first.base}/`, { headers: { accept: 'text/html' } })
  t.equal(page.status, 200)
  t.equal(await stop(first.child), 0, 'SIGTERM: graceful exit')

  const second = await startServer(env)
  t.comment(`later start to first answered request: ${second.ms} ms`)
  const again = await (await fetch(`${second.base}/api/v1/events`)).json() as { events: unknown[] }
  t.equal(again.events.length, 1, 'the program is not loaded twice')
  t.equal(await stop(second.child), 0)
})

t.test('a bad environment variable stops the server at once with a message naming it', async t => {
  const res = await runTs('src/server.ts', [], childEnv({ DATA_DIR: t.testdir(), PORT: 'quatre-vingts' }), 30_000)
  t.equal(res.code, 2)
  t.match(res.stderr, /Invalid configuration:\n {2}- PORT: .*\(got "quatre-vingts"\)/)
  const pg = await runTs('src/server.ts', [], childEnv({ DATABASE_URL: 'postgres://127.0.0.1:1/none' }), 30_000)
  t.equal(pg.code, 2)
  t.match(pg.stderr, /SESSION_SECRET: required when DATABASE_URL is set/)
})
