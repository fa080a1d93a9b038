/**
 * `npm run bench:read`: what everyone reads at 08:30 — the program page, the program JSON and the
 * iCalendar feed — against `GET /health` on the same server, in the same run (issue 19).
 *
 * The server runs as `npm start` runs it, in a process of its own (src/ compiled once by esbuild
 * into bench/results/, then `node server.js`), so its CPU and RSS are its own: on PostgreSQL (a
 * private server started like CI's, .ci/pg.sh on BENCH_PG_PORT, default 55438, or a dedicated
 * database on DATABASE_URL) or, with BENCH_DB=embedded, on the embedded database in a fresh
 * DATA_DIR. It loads the 2025 program itself, as an empty database at start does.
 *
 * autocannon (in this process) drives each route with BENCH_CONNECTIONS (20) connections, a
 * warm-up then a measured run; requests as a browser's first visit: no conditional headers,
 * `accept-encoding: gzip` (the page also `accept: text/html` and a French Accept-Language).
 * Every answer is checked: status 200 and at least the body's size (learnt from a first request);
 * the command exits 1 otherwise. Prints requests/s, p50/p99, the bytes sent per answer, the
 * server's CPU per request, its RSS after start and after the runs, and last:
 *
 *   ratio <requests/s of the slowest of the three ÷ requests/s of /health>
 *
 * Reported, never asserted. Settings and figures: bench/README.md. To profile the server:
 * BENCH_SERVER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' (written when it stops).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { createServer } from 'node:net'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import autocannon from 'autocannon'
import { build } from 'esbuild'
import { projectRoot } from '../src/paths.js'
import { log, onCleanup, runBench } from './lib/cleanup.js'
import { benchDatabase, machineBusyMs, processCpuMs, serverCpuReader } from './lib/postgres.js'

// --- settings -----------------------------------------------------------------------------------

const positive = (name: string, fallback: number): number => {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number (got ${JSON.stringify(raw)})`)
  return value
}

const DB = process.env.BENCH_DB ?? 'postgres'
if (DB !== 'postgres' && DB !== 'embedded') throw new Error(`BENCH_DB must be postgres or embedded (got ${JSON.stringify(DB)})`)
const SECONDS = positive('BENCH_SECONDS', 5)
const WARMUP_SECONDS = positive('BENCH_WARMUP_SECONDS', 2)
const CONNECTIONS = Math.round(positive('BENCH_CONNECTIONS', 20))
/** Not the other benches' ports (55433–55437): they may run side by side. */
const DEFAULT_PG_PORT = '55438'
const TIMEOUT_SECONDS = positive('BENCH_TIMEOUT_SECONDS', 180 + 4 * (SECONDS + WARMUP_SECONDS))

// --- the server, as npm start runs it -----------------------------------------------------------

/** src/ compiled as `npm run build` would (transpile only), into a folder of this run. */
async function compileServer (): Promise<string> {
  const srcDir = join(projectRoot, 'src')
  const outdir = join(projectRoot, 'bench', 'results', `read-server-${process.pid}`)
  onCleanup('remove the compiled server', async () => { await rm(outdir, { recursive: true, force: true }) })
  const entryPoints = (await readdir(srcDir, { recursive: true, encoding: 'utf8' }))
    .filter(f => f.endsWith('.ts') && !f.endsWith('.d.ts')).map(f => join(srcDir, f))
  await build({ entryPoints, outdir, outbase: srcDir, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning' })
  return join(outdir, 'server.js')
}

async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => { typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port')) })
    })
  })
}

interface Server { child: ChildProcess, base: string, where: string, privatePgPort?: string }

async function startServer (serverJs: string): Promise<Server> {
  const secret = (): string => randomBytes(36).toString('base64')
  let env: Record<string, string>
  let where: string
  let privatePgPort: string | undefined
  if (DB === 'postgres') {
    const target = await benchDatabase(log, { ...process.env, BENCH_PG_PORT: process.env.BENCH_PG_PORT ?? DEFAULT_PG_PORT })
    env = { DATABASE_URL: target.url, SESSION_SECRET: secret(), COOKIE_SECRET: secret(), CODE_SECRET: secret() }
    where = `PostgreSQL: ${target.where}`
    privatePgPort = target.privatePort
  } else {
    const dataDir = await mkdtemp(join(tmpdir(), 'compagnon-bench-read-'))
    onCleanup('remove the data directory', async () => { await rm(dataDir, { recursive: true, force: true }) })
    env = { DATA_DIR: dataDir }
    where = `embedded PGlite in ${dataDir}`
  }
  const port = await freePort()
  // Only what `npm start` would see: no database, secrets or Node options inherited from here.
  const { DATABASE_URL: _a, SESSION_SECRET: _b, COOKIE_SECRET: _c, CODE_SECRET: _d, NODE_OPTIONS: _e, DATA_DIR: _f, ...inherited } = process.env
  // BENCH_SERVER_NODE_ARGS: e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the server.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(a => a !== '')
  const child = spawn(process.execPath, [...nodeArgs, serverJs], {
    cwd: projectRoot,
    env: { ...inherited, ...env, NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout?.on('data', (d: Buffer) => { output += d.toString() })
  child.stderr?.on('data', (d: Buffer) => { output += d.toString() })
  const exited = new Promise<void>(resolve => { child.once('exit', () => { resolve() }) })
  onCleanup('stop the server', async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => { child.kill('SIGKILL') }, 15_000)
    await exited
    clearTimeout(timer)
  })
  const base = `http://127.0.0.1:${port}`
  // Polled: the server says nothing when ready (warnings only); /ready also checks the database.
  const startedAt = Date.now()
  while (Date.now() - startedAt < 120_000) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}: ${output}`)
    if (await fetch(`${base}/ready`).then(r => r.ok, () => false)) return { child, base, where, privatePgPort }
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  throw new Error(`the server did not become ready in 120 s: ${output}`)
}

/** VmRSS and VmHWM (the kernel's high-water mark) of a process, in bytes; NaN without /proc. */
function memoryOf (pid: number | undefined): { rss: number, hwm: number } {
  try {
    const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8')
    const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') }
  } catch {
    return { rss: NaN, hwm: NaN }
  }
}

// --- requests -----------------------------------------------------------------------------------

interface Route { name: string, path: string, headers: Record<string, string> }

/** A browser's first visit: nothing cached, gzip accepted. */
const FIRST_VISIT = { 'accept-encoding': 'gzip' }

/** One request outside the load: status, encoding, bytes sent for the body, bytes once decoded. */
async function probe (base: string, route: Route): Promise<{ status: number, encoding: string, sent: number, decoded: number }> {
  return await new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${route.path}`, { headers: route.headers }, res => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => { chunks.push(chunk) })
      res.on('end', () => {
        const body = Buffer.concat(chunks)
        const encoding = String(res.headers['content-encoding'] ?? 'identity')
        const decoded = encoding === 'gzip' ? gunzipSync(body).length : body.length
        resolve({ status: res.statusCode ?? 0, encoding, sent: body.length, decoded })
      })
    })
    req.on('error', reject)
    req.end()
  })
}

interface Run {
  responses: number
  rps: number
  p50: number
  p99: number
  bad: number
  statuses: Record<string, number>
  minBytes: number
  maxBytes: number
  errors: number
}

/** autocannon for `seconds`: every answer's status and size checked (`minBytes`: the body alone; headers come on top). */
async function load (base: string, route: Route, seconds: number, minBytes: number): Promise<Run> {
  const times: number[] = []
  const statuses: Record<string, number> = {}
  let bad = 0
  let smallest = Infinity
  let largest = 0
  let startedAt = 0
  let lastAt = 0
  let finished: (result: autocannon.Result) => void = () => {}
  let failed: (err: Error) => void = () => {}
  const done = new Promise<autocannon.Result>((resolve, reject) => { finished = resolve; failed = reject })
  const instance = autocannon({ url: `${base}${route.path}`, connections: CONNECTIONS, pipelining: 1, duration: seconds, timeout: 10, headers: route.headers },
    (err: Error | null, result) => { if (err !== null) failed(err); else finished(result) })
  instance.on('start', () => { startedAt = performance.now() })
  instance.on('response', (_client, statusCode, bytes, responseTime) => {
    times.push(responseTime)
    statuses[statusCode] = (statuses[statusCode] ?? 0) + 1
    smallest = Math.min(smallest, bytes)
    largest = Math.max(largest, bytes)
    if (statusCode !== 200 || bytes < minBytes) bad++
    lastAt = performance.now()
  })
  const result = await done
  times.sort((a, b) => a - b)
  const at = (q: number): number => times.length === 0 ? NaN : times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)] ?? NaN
  const elapsed = (lastAt - startedAt) / 1000
  return {
    responses: times.length,
    rps: elapsed > 0 ? times.length / elapsed : 0,
    p50: at(0.5),
    p99: at(0.99),
    bad,
    statuses,
    minBytes: smallest,
    maxBytes: largest,
    errors: result.errors + result.timeouts
  }
}

// --- main ---------------------------------------------------------------------------------------

interface Measured {
  route: Route
  sent: number
  decoded: number
  run: Run
  warmup: Run
  cpuMsPerRequest: number
  pgCpuMsPerRequest: number
  clientCpuMsPerRequest: number
  othersShare: number
}

async function main (): Promise<{ report: string[], ok: boolean }> {
  const loadAtStart = loadavg().map(l => l.toFixed(2)).join(' ')
  log('compiling src/ (as npm run build)')
  const serverJs = await compileServer()
  log(`starting the server on ${DB === 'postgres' ? 'PostgreSQL' : 'the embedded database'}`)
  const server = await startServer(serverJs)
  const pid = server.child.pid
  const atStart = memoryOf(pid)
  log(`ready at ${server.base} (RSS ${(atStart.rss / 2 ** 20).toFixed(0)} MiB)`)

  const events = await (await fetch(`${server.base}/api/v1/events`)).json() as { events: Array<{ id: string }> }
  const eventId = events.events[0]?.id
  if (eventId === undefined) throw new Error('the server loaded no program')
  const routes: Route[] = [
    { name: 'GET /health', path: '/health', headers: FIRST_VISIT },
    { name: 'GET /api/v1/events/:id/program', path: `/api/v1/events/${eventId}/program`, headers: FIRST_VISIT },
    {
      name: 'GET / (program page)',
      path: '/',
      headers: { ...FIRST_VISIT, accept: 'text/html,application/xhtml+xml,*/*;q=0.8', 'accept-language': 'fr-CA,fr;q=0.9,en;q=0.8' }
    },
    { name: 'GET /api/v1/events/:id/calendar.ics', path: `/api/v1/events/${eventId}/calendar.ics?lang=fr`, headers: FIRST_VISIT }
  ]

  const pgCpu = serverCpuReader(server.privatePgPort)
  const measured: Measured[] = []
  for (const route of routes) {
    const first = await probe(server.base, route)
    if (first.status !== 200) throw new Error(`${route.name} answered ${first.status}`)
    log(`${route.name}: warm-up ${WARMUP_SECONDS} s`)
    const warmup = await load(server.base, route, WARMUP_SECONDS, first.sent)
    log(`${route.name}: measuring ${SECONDS} s`)
    const cpuBefore = processCpuMs(pid)
    const pgBefore = pgCpu?.() ?? NaN
    const ownBefore = process.cpuUsage()
    const machineBefore = machineBusyMs()
    const startedAt = performance.now()
    const run = await load(server.base, route, SECONDS, first.sent)
    const serverMs = processCpuMs(pid) - cpuBefore
    const pgMs = (pgCpu?.() ?? NaN) - pgBefore
    const own = process.cpuUsage(ownBefore)
    const othersMs = machineBusyMs() - machineBefore - serverMs - (Number.isNaN(pgMs) ? 0 : pgMs) - (own.user + own.system) / 1000
    const perRequest = (ms: number): number => run.responses > 0 ? ms / run.responses : NaN
    measured.push({
      route,
      sent: first.sent,
      decoded: first.decoded,
      run,
      warmup,
      cpuMsPerRequest: perRequest(serverMs),
      pgCpuMsPerRequest: perRequest(pgMs),
      clientCpuMsPerRequest: perRequest((own.user + own.system) / 1000),
      othersShare: othersMs / ((performance.now() - startedAt) * availableParallelism())
    })
  }
  const after = memoryOf(pid)

  const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0)
  const report: string[] = []
  let ok = true
  for (const m of measured) {
    for (const [label, r] of [['warm-up', m.warmup], ['run', m.run]] as const) {
      if (r.bad > 0 || r.errors > 0) {
        ok = false
        report.push(`error: ${m.route.name} (${label}): ${r.bad} answers not 200 or shorter than the body's ${m.sent} bytes (${JSON.stringify(r.statuses)}, ` +
          `${r.minBytes}–${r.maxBytes} bytes each), ${r.errors} without an answer`)
      }
    }
    if (m.othersShare > 0.05) {
      report.push(`warning: ${m.route.name}: other processes used ${(100 * m.othersShare).toFixed(0)}% of the machine's CPU during ` +
        'the measured run: its figures are not a quiet machine\'s')
    }
  }
  const [health, ...reads] = measured as [Measured, ...Measured[]]
  const slowest = reads.reduce((a, b) => (b.run.rps < a.run.rps ? b : a))
  const feed = measured[3]!
  const cell = (text: string, width: number): string => text.padStart(width)
  report.push(
    `bench:read — ${server.where}; ${availableParallelism()} cores; ${CONNECTIONS} connections; ${SECONDS} s per route after ${WARMUP_SECONDS} s warm-up; ` +
      `accept-encoding: gzip, no conditional headers; node ${process.version}; load average ${loadAtStart}`,
    `${'route'.padEnd(38)}${cell('requests/s', 11)}${cell('p50 ms', 9)}${cell('p99 ms', 9)}${cell('body bytes sent', 17)}${cell('(decoded)', 10)}` +
      `${cell('requests', 10)}${cell('CPU ms/req: server', 20)}${cell('postgres', 10)}${cell('autocannon', 12)}`,
    ...measured.map(m => `${m.route.name.padEnd(38)}${cell(m.run.rps.toFixed(0), 11)}${cell(m.run.p50.toFixed(1), 9)}${cell(m.run.p99.toFixed(1), 9)}` +
      `${cell(String(m.sent), 17)}${cell(String(m.decoded), 10)}${cell(String(m.run.responses), 10)}${cell(m.cpuMsPerRequest.toFixed(3), 20)}` +
      `${cell(Number.isNaN(m.pgCpuMsPerRequest) ? '–' : m.pgCpuMsPerRequest.toFixed(3), 10)}${cell(m.clientCpuMsPerRequest.toFixed(3), 12)}`),
    `server RSS: ${mib(atStart.rss)} MiB after start, ${mib(after.rss)} MiB after the runs; high-water mark ${mib(after.hwm)} MiB (whole process)`,
    'other processes on the machine during the measured runs: ' +
      `${measured.map(m => Number.isNaN(m.othersShare) ? '–' : `${(100 * Math.max(0, m.othersShare)).toFixed(0)}%`).join(', ')} of its CPU`,
    `answers checked: ${measured.reduce((n, m) => n + m.run.responses + m.warmup.responses, 0)}, each 200 with its whole body: ${ok ? 'yes' : 'NO'}`,
    `feed p99 ${feed.run.p99.toFixed(1)} ms (target ≤ 20 ms); slowest read: ${slowest.route.name}`,
    `ratio ${(slowest.run.rps / health.run.rps).toFixed(3)}`
  )
  return { report, ok }
}

runBench(TIMEOUT_SECONDS, main)
