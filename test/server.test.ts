import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { projectRoot } from '../src/paths.js'
import { childEnv, freePort, postgresEnv, runTs } from './helpers/process.js'
import { freshDatabaseUrl, usingPostgres } from './helpers/database.js'

interface Started { child: ChildProcess, base: string, ms: number, output: () => string }

/** Starts src/server.ts and waits for its first answered request. */
async function startServer (env: NodeJS.ProcessEnv): Promise<Started> {
  const port = await freePort()
  const startedAt = Date.now()
  const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'src/server.ts')], { cwd: projectRoot, env: { ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout?.on('data', (d: Buffer) => { output += d.toString() })
  child.stderr?.on('data', (d: Buffer) => { output += d.toString() })
  const base = `http://127.0.0.1:${port}`
  while (Date.now() - startedAt < 120_000) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${output}`)
    const ok = await fetch(`${base}/ready`).then(r => r.ok, () => false)
    if (ok) return { child, base, ms: Date.now() - startedAt, output: () => output }
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  child.kill('SIGKILL')
  throw new Error(`server did not become ready: ${output}`)
}

async function stop (child: ChildProcess): Promise<number | null> {
  return await new Promise(resolve => {
    child.once('exit', code => { resolve(code) })
    child.kill('SIGTERM')
  })
}

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
