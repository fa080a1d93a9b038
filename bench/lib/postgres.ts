import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { onCleanup } from './cleanup.js'

const pgScript = fileURLToPath(new URL('../../.ci/pg.sh', import.meta.url))

/** Default port of the benchmark's own server: not CI's 55432, so a test run there is left alone. */
export const DEFAULT_BENCH_PG_PORT = 55433

const pgSh = async (...args: string[]): Promise<string> => await new Promise((resolve, reject) => {
  const child = execFile('bash', [pgScript, ...args], { encoding: 'utf8' }, (err, stdout) => {
    if (err !== null) reject(new Error(`.ci/pg.sh ${args.join(' ')} failed (${err.message.split('\n')[0] ?? ''})`))
    else resolve(stdout.trim())
  })
  // pg.sh's messages (apt install, server log on failure) go straight to our stderr.
  child.stderr?.pipe(process.stderr)
})

export interface BenchDatabase {
  /** URL of the dedicated, empty database created for this run. */
  url: string
  /** For the report: where it lives. */
  where: string
  /** Port of the private server started for this run (undefined with DATABASE_URL). */
  privatePort?: string
}

/**
 * A dedicated, empty database for one benchmark run, dropped (or its whole server destroyed)
 * by the cleanup. With DATABASE_URL set, it is created on that server (the URL's own database
 * is only used to run CREATE/DROP DATABASE). Without, a private PostgreSQL is started the way
 * CI does (.ci/pg.sh: Debian's server under /tmp, 127.0.0.1 only, fsync=off) on BENCH_PG_PORT.
 */
export async function benchDatabase (log: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<BenchDatabase> {
  let admin = env.DATABASE_URL
  let where: string
  let privatePort: string | undefined
  if (admin === undefined || admin === '') {
    const port = env.BENCH_PG_PORT ?? String(DEFAULT_BENCH_PG_PORT)
    if (!/^\d+$/.test(port)) throw new Error(`BENCH_PG_PORT must be a port number (got ${JSON.stringify(port)})`)
    // Registered before starting: a start interrupted half-way still gets stopped and wiped.
    onCleanup('stop the private PostgreSQL', async () => { await pgSh('destroy', port) })
    log(`starting a private PostgreSQL on 127.0.0.1:${port} (.ci/pg.sh)`)
    admin = await pgSh('start', port)
    if (!admin.startsWith('postgres://')) throw new Error(`.ci/pg.sh start printed no URL (got ${JSON.stringify(admin)})`)
    where = `private PostgreSQL on 127.0.0.1:${port}, fsync=off (.ci/pg.sh)`
    privatePort = port
  } else {
    where = `PostgreSQL from DATABASE_URL (${new URL(admin).host})`
  }
  const name = `compagnon_bench_${randomBytes(4).toString('hex')}`
  await withClient(admin, async client => { await client.query(`CREATE DATABASE ${name}`) })
  const adminUrl = admin
  onCleanup(`drop database ${name}`, async () => {
    await withClient(adminUrl, async client => { await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) })
  })
  const url = new URL(admin)
  url.pathname = `/${name}`
  const version = await withClient(
    url.toString(),
    async client => (await client.query<{ v: string }>('SELECT current_setting(\'server_version\') AS v')).rows[0]?.v
  )
  return { url: url.toString(), where: `${where}, server ${version ?? '?'}, database ${name}`, privatePort }
}

async function withClient<T> (url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 })
  await client.connect()
  try { return await fn(client) } finally { await client.end() }
}

/**
 * CPU time (ms) used so far by a local PostgreSQL server: the postmaster, its live children
 * (backends, checkpointer, …) and the children that already exited (the postmaster's cutime).
 * Undefined when the server is not ours to read (DATABASE_URL, or no /proc).
 */
export function serverCpuReader (port: string | undefined): (() => number) | undefined {
  if (port === undefined) return undefined
  let postmaster: number
  try {
    postmaster = Number(readFileSync(`/tmp/compagnon-pg-${port}/postmaster.pid`, 'utf8').split('\n')[0])
  } catch {
    return undefined
  }
  // /proc/<pid>/stat times are in clock ticks: 100 per second on Linux (USER_HZ).
  const TICK_MS = 10
  const stat = (pid: string): string[] | undefined => {
    try {
      const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
      return text.slice(text.lastIndexOf(')') + 2).split(' ')
    } catch {
      return undefined
    }
  }
  // Fields after "(comm) ": [0] state, [1] ppid, … [11] utime, [12] stime, [13] cutime, [14] cstime.
  const ticks = (fields: string[], withChildren: boolean): number =>
    Number(fields[11]) + Number(fields[12]) + (withChildren ? Number(fields[13]) + Number(fields[14]) : 0)
  return () => {
    const main = stat(String(postmaster))
    if (main === undefined) return NaN
    let total = ticks(main, true)
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue
      const fields = stat(pid)
      if (fields !== undefined && Number(fields[1]) === postmaster) total += ticks(fields, false)
    }
    return total * TICK_MS
  }
}

/** CPU time (ms) of one process so far (the load generator), or NaN without /proc. */
export function processCpuMs (pid: number | undefined): number {
  if (pid === undefined) return NaN
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return NaN
  }
}

/** CPU time (ms, all cores) the whole machine spent busy so far, from /proc/stat; NaN without it. */
export function machineBusyMs (): number {
  try {
    const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/)
    // user nice system idle iowait irq softirq steal …: busy is everything but idle and iowait.
    const ticks = values.slice(0, 8).map(Number)
    return (ticks.reduce((a, b) => a + b, 0) - ticks[3]! - ticks[4]!) * 10
  } catch {
    return NaN
  }
}
