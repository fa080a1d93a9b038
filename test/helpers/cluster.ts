// Fault tests: a private PostgreSQL cluster per test file (never the one the rest of the suite
// shares), which the test may stop and start again, and the app running as a child process on it.
import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { sql } from 'kysely'
import { SignJWT } from 'jose'
import { roomToken, windowOf } from '../../src/attendance/codes.js'
import { openDatabase, type Database } from '../../src/db/database.js'
import { projectRoot } from '../../src/paths.js'
import { testSecrets } from './app.js'
import { usingPostgres } from './database.js'
import { childEnv, freePort, postgresEnv, startServer, stopServer, type Started } from './process.js'

interface Teardown { teardown: (fn: () => unknown) => void }

/** A fault test file's own limit (tap's default is 120 s): a cluster and app starts take long on a busy machine. */
export const FAULT_FILE_TIMEOUT_MS = 300_000

const pgScript = join(projectRoot, '.ci', 'pg.sh')

/** Debian's newest PostgreSQL server binaries, as .ci/pg.sh finds them. */
function serverBinaries (): string | undefined {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const dirs = readdirSync(root).filter(v => /^\d+$/.test(v)).sort((a, b) => Number(a) - Number(b))
    .map(v => join(root, v, 'bin')).filter(d => ['postgres', 'initdb', 'pg_ctl'].every(b => existsSync(join(d, b))))
  return dirs.at(-1)
}

/**
 * Why this file's fault tests do not run here, or undefined when they do. They run in the
 * PostgreSQL pass of .ci/run only (TEST_DATABASE_URL set): they start their own cluster
 * anyway, so running them in the embedded pass too would only cost time.
 */
export function faultTestsSkipped (): string | undefined {
  if (!usingPostgres()) return 'fault tests run in the PostgreSQL pass only (set TEST_DATABASE_URL): they start their own cluster'
  if (serverBinaries() === undefined) return 'no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (Debian package `postgresql`)'
  return undefined
}

const run = async (file: string, args: string[]): Promise<string> => await new Promise((resolve, reject) => {
  execFile(file, args, { encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
    if (err !== null) reject(new Error(`${[file, ...args].join(' ')} failed: ${err.message}\n${stderr}`))
    else resolve(stdout.trim())
  })
})

/** pg_ctl refuses root: as .ci/pg.sh does, run it as the postgres user then. */
const asPostgres = async (args: string[]): Promise<string> =>
  process.getuid?.() === 0 ? await run('runuser', ['-u', 'postgres', '--', ...args]) : await run(args[0]!, args.slice(1))

export interface Cluster {
  url: string
  port: number
  /** Fast shutdown (what a restart or a failover does to the connections), waiting until it is down. */
  stop: () => Promise<void>
  /** Starts the stopped server again on the same data (unlike `.ci/pg.sh start`, which wipes it). */
  start: () => Promise<void>
}

/**
 * A throwaway cluster on `port` (55440–55449 are the fault tests'; a free one if that is taken), started with .ci/pg.sh and
 * destroyed at the end of the test file.
 */
export async function startCluster (t: Teardown, port: number): Promise<Cluster> {
  const bindir = serverBinaries()
  if (bindir === undefined) throw new Error('no PostgreSQL server binaries')
  let url: string
  try {
    url = await run('bash', [pgScript, 'start', String(port)])
  } catch (err) {
    // The fixed port lies in the ephemeral range: another test's server may hold it. Once, elsewhere.
    if (!/already in use/i.test(String(err))) throw err
    await run('bash', [pgScript, 'destroy', String(port)]).catch(() => '')
    port = await freePort()
    url = await run('bash', [pgScript, 'start', String(port)])
  }
  const dataDir = `/tmp/compagnon-pg-${port}`
  t.teardown(async () => { await run('bash', [pgScript, 'destroy', String(port)]) })
  const pgCtl = join(bindir, 'pg_ctl')
  return {
    url,
    port,
    stop: async () => { await asPostgres([pgCtl, 'stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '60']) },
    start: async () => {
      // The options .ci/pg.sh starts it with.
      await asPostgres([pgCtl, 'start', '-D', dataDir, '-w', '-t', '60', '-l', `${dataDir}/log`,
        '-o', `-p ${port} -k ${dataDir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`])
    }
  }
}

/** The app (src/server.ts) as a child process on the cluster, with the test secrets; SIGKILLed at teardown if still running. */
export async function startApp (t: Teardown, cluster: Cluster, extra: Record<string, string> = {}, port?: number): Promise<Started> {
  const started = await startServer(childEnv({ ...postgresEnv(cluster.url), ...extra }), port ?? await freePort())
  // What the app said, when it stopped by itself (a crash is what these tests look for).
  started.child.once('exit', (code, signal) => {
    if (signal === null && code !== 0) process.stderr.write(`# app exited with ${String(code)}:\n${started.output().split('\n').slice(-40).join('\n')}\n`)
  })
  t.teardown(async () => { await stopServer(started.child, 'SIGKILL') })
  return started
}

/** The test's own connection to the cluster (to set up and to count); it survives the server's restarts. */
export async function testDatabase (t: Teardown, cluster: Cluster): Promise<Database> {
  const database = await openDatabase({ kind: 'postgres', url: cluster.url, poolMax: 4 })
  t.teardown(async () => { await database.close() })
  return database
}

/**
 * A bearer token as the app signs them (session secret, issuer = its public URL, audience), valid
 * an hour, on a device session stored for the person (the app refuses tokens whose session does
 * not hold).
 */
export async function bearer (database: Database, base: string, personId: string): Promise<string> {
  return (await bearers(database, base, [personId]))[0]!
}

/** `bearer` for many people, their device sessions stored in one statement (thousands at once would queue on the pool). */
export async function bearers (database: Database, base: string, personIds: string[]): Promise<string[]> {
  if (personIds.length === 0) return []
  const expires = new Date(Date.now() + 24 * 3600_000)
  const devices = await database.db.insertInto('device_sessions')
    .values(personIds.map(personId => ({ person_id: personId, token_hash: randomUUID(), user_agent: 'test', expires_at: expires })))
    .returning(['id', 'person_id']).execute()
  const sid = new Map(devices.map(d => [d.person_id, d.id]))
  const key = new TextEncoder().encode(testSecrets.sessionSecret)
  return await Promise.all(personIds.map(async personId => await new SignJWT({ sid: sid.get(personId) }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(personId).setIssuer(base).setAudience('compagnon').setIssuedAt().setExpirationTime('1h')
    .sign(key)))
}

export interface OpenSession {
  eventId: string
  sessionId: string
  /** The room QR's code as the projector shows it now (`<window>.<token>`), for the API check-in. */
  code: () => string
}

/**
 * The app's clock is real time and the 2025 event is over: moves the slot of one in-person
 * session of the 2025 program so that it starts in 5 minutes (check-ins open, none late).
 * Call before the app's first check-in (it keeps sessions a few seconds).
 */
export async function openSessionNow (database: Database, key = '2025-10-21-etude-cas-experimentation-reglementaire'): Promise<OpenSession> {
  const session = await database.db.selectFrom('sessions').select(['id', 'slot_id', 'event_id']).where('key', '=', key).executeTakeFirstOrThrow()
  await sql`UPDATE time_slots SET starts_at = now() + interval '5 minutes', ends_at = now() + interval '95 minutes' WHERE id = ${session.slot_id}`
    .execute(database.db)
  const code = (): string => {
    const window = windowOf(new Date())
    return `${window}.${roomToken(testSecrets.codeSecret, session.id, window)}`
  }
  return { eventId: session.event_id, sessionId: session.id, code }
}

/** `count` participants of the event, inserted in one statement each; their ids in order. */
export async function participants (database: Database, eventId: string, count: number, prefix = 'Participant'): Promise<string[]> {
  const rows = await sql<{ id: string }>`INSERT INTO people (display_name)
    SELECT ${prefix} || ' ' || i FROM generate_series(1, ${count}::int) AS i RETURNING id`.execute(database.db)
  const ids = rows.rows.map(r => r.id)
  await sql`INSERT INTO registrations (event_id, person_id, role) SELECT ${eventId}::uuid, unnest(${ids}::uuid[]), 'participant'`.execute(database.db)
  return ids
}

export interface Answer { status: number, body: string, headers: Headers }

/** One API check-in: the answer, or 'timeout' (the client gave up) / 'error' (the connection failed). */
export async function checkIn (
  base: string,
  token: string,
  session: OpenSession,
  timeoutMs = 10_000
): Promise<Answer | { status: 'timeout' | 'error', error: string }> {
  try {
    const res = await fetch(`${base}/api/v1/sessions/${session.sessionId}/check-ins`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ code: session.code() }),
      signal: AbortSignal.timeout(timeoutMs)
    })
    return { status: res.status, body: await res.text(), headers: res.headers }
  } catch (err) {
    const name = (err as Error).name
    return { status: name === 'TimeoutError' ? 'timeout' : 'error', error: (err as Error).message }
  }
}

/**
 * Waits for `condition` (polled every `everyMs`), failing after `limitMs` with `what`. Only for
 * what another process holds (the app as a child process, PostgreSQL): it has no event to wait
 * on from here. What this process holds is awaited as an event (see postgres-and-shutdown's phones).
 */
export async function until<T> (what: string, condition: () => Promise<T | undefined | false>, limitMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + limitMs
  for (;;) {
    const value = await condition().catch(() => undefined)
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, everyMs))
  }
}

export const count = async (database: Database, query: ReturnType<typeof sql<{ n: number }>>): Promise<number> =>
  Number((await query.execute(database.db)).rows[0]?.n ?? 0)
