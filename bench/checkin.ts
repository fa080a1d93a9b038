/**
 * `npm run bench:checkin`: check-ins under load, against a bare baseline in the same process.
 *
 * Starts Compagnon (buildApp) on PostgreSQL — a private server started like CI's when
 * DATABASE_URL is unset — and, beside it, a bare Fastify route that does one parameterised
 * INSERT … ON CONFLICT DO NOTHING into attendance_records through the same pool. A child
 * process (./lib/load.ts, autocannon) drives each with 50 connections on 127.0.0.1, one
 * distinct person per request, a warm-up then a measured run. Prints requests/s, p50/p99
 * latency and peak RSS for both, then, last:
 *
 *   rows = acks: <check-in rows stored> = <201 answers to check-ins>
 *   ratio <check-in requests/s ÷ baseline requests/s>
 *
 * Exits 1 when rows ≠ acks (an acknowledged check-in was lost, or a row stored unanswered);
 * the ratio is reported, never asserted. Settings and choices: bench/README.md.
 */
import { benchConfig } from './lib/config.js'
import { fork, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { availableParallelism, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import Fastify from 'fastify'
import { sql } from 'kysely'
import pg from 'pg'
import { buildApp } from '../src/app.js'
import { loggerOptions } from '../src/http/logging.js'
import { FixedClock } from '../src/clock.js'
import { openDatabase } from '../src/db/database.js'
import { migrateToLatest } from '../src/db/migrate.js'
import { defaultProgramFile } from '../src/paths.js'
import { log, onCleanup, runBench } from './lib/cleanup.js'
import { benchDatabase, machineBusyMs, processCpuMs, serverCpuReader } from './lib/postgres.js'
import { deviceSessionsSql, personId, personIdSql, type Command, type Reply, type RunResult, type Target } from './lib/protocol.js'

// --- settings -----------------------------------------------------------------------------------

const positive = (name: string, fallback: number): number => {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number (got ${JSON.stringify(raw)})`)
  return value
}

const SECONDS = positive('BENCH_SECONDS', 10)
const WARMUP_SECONDS = positive('BENCH_WARMUP_SECONDS', 3)
const CONNECTIONS = Math.round(positive('BENCH_CONNECTIONS', 50))
const PEOPLE = Math.round(positive('BENCH_PEOPLE', 100_000))
const POOL_MAX = Math.round(positive('DATABASE_POOL_MAX', 10))
/** The same level for both servers; 'info' would write two log lines per request. */
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'warn'
/** Everything, setup and teardown included, stays under this. */
const TIMEOUT_SECONDS = positive('BENCH_TIMEOUT_SECONDS', 240 + 2 * 2 * (SECONDS + WARMUP_SECONDS))
/** Tuesday 21 October 2025, 13:25 in Montréal: the session below opens at 13:00, starts at 13:30. */
const CLOCK_AT = '2025-10-21T17:25:00Z'
const SESSION_KEY = '2025-10-21-etude-cas-experimentation-reglementaire'

// --- load generator (child process) -------------------------------------------------------------

class LoadGenerator {
  readonly #child: ChildProcess
  #waiting: { resolve: (reply: Reply) => void, reject: (err: Error) => void } | undefined
  #exited: Promise<void>

  constructor () {
    this.#child = fork(fileURLToPath(new URL('./lib/load.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc']
    })
    this.#child.on('message', (reply: Reply) => {
      const waiting = this.#waiting
      this.#waiting = undefined
      if (reply.type === 'error') waiting?.reject(new Error(`load generator: ${reply.message}`))
      else waiting?.resolve(reply)
    })
    this.#exited = new Promise(resolve => {
      this.#child.on('exit', (code, signal) => {
        this.#waiting?.reject(new Error(`load generator exited (${signal ?? String(code)})`))
        this.#waiting = undefined
        resolve()
      })
    })
  }

  async ask<T extends Reply['type']> (command: Command, expect: T): Promise<Extract<Reply, { type: T }>> {
    if (this.#waiting !== undefined) throw new Error('load generator busy')
    const reply = await new Promise<Reply>((resolve, reject) => {
      this.#waiting = { resolve, reject }
      this.#child.send(command)
    })
    if (reply.type !== expect) throw new Error(`load generator answered ${reply.type}, expected ${expect}`)
    return reply as Extract<Reply, { type: T }>
  }

  get pid (): number | undefined { return this.#child.pid }

  async stop (): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return
    if (this.#child.connected) this.#child.disconnect()
    const timer = setTimeout(() => { this.#child.kill('SIGKILL') }, 5000)
    await this.#exited
    clearTimeout(timer)
  }
}

// --- measurement helpers ------------------------------------------------------------------------

/** Peak RSS of this process (both servers live here), sampled every 50 ms while a target runs. */
function rssSampler (): { stop: () => number } {
  let peak = process.memoryUsage.rss()
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()) }, 50)
  return { stop: () => { clearInterval(timer); return Math.max(peak, process.memoryUsage.rss()) } }
}

interface Measured {
  run: RunResult
  warmup: RunResult
  peakRss: number
  cpuMsPerRequest: number
  pgCpuMsPerRequest: number
  queriesPerRequest: number
  othersCpuShare: number
}

const count201 = (r: RunResult): number => r.statuses['201'] ?? 0
const others = (r: RunResult): number => r.responses - count201(r)

/**
 * Statements sent to PostgreSQL by this process (every pg client, so the app's pool too): one
 * increment per query, the same for both runs. Explains a ratio: round trips per request.
 */
let queries = 0
const query = pg.Client.prototype.query
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  queries += 1
  return (query as (...a: unknown[]) => unknown).apply(this, args)
} as typeof query

// --- main ---------------------------------------------------------------------------------------

async function main (): Promise<{ report: string[], ok: boolean }> {
  const loadAtStart = loadavg().map(l => l.toFixed(2)).join(' ')
  const target = await benchDatabase(log)
  log('database created; migrating, loading the 2025 program')
  const config = benchConfig({
    DATABASE_URL: target.url,
    DATABASE_POOL_MAX: String(POOL_MAX),
    LOG_LEVEL
  })

  // Started early: it signs one token per person while the database is being filled.
  const load = new LoadGenerator()
  onCleanup('stop the load generator', async () => { await load.stop() })
  const generatorReady = load.ask({
    type: 'init',
    people: PEOPLE,
    jwt: { secret: config.secrets.sessionSecret, issuer: config.publicUrl, audience: 'compagnon', expiresInSeconds: Math.max(900, TIMEOUT_SECONDS + 60) }
  }, 'ready')
  generatorReady.catch(() => {})

  const database = await openDatabase({ kind: 'postgres', url: target.url, poolMax: POOL_MAX })
  onCleanup('close the pool', async () => { await database.close() })
  await migrateToLatest(database)
  const db = database.db
  const clock = new FixedClock(CLOCK_AT)
  const { app, services } = await buildApp(config, { database, clock, backgroundJobs: false })
  onCleanup('close the app', async () => { await app.close() })
  await services.program.importFromFile(defaultProgramFile)

  const session = await db.selectFrom('sessions').select(['id', 'slot_id', 'event_id']).where('key', '=', SESSION_KEY).executeTakeFirst()
  if (session === undefined) throw new Error(`session ${SESSION_KEY} is not in the 2025 program`)
  // The baseline writes to another in-person session in another slot: its rows never meet the check-ins'.
  const other = await db.selectFrom('sessions').select(['id', 'slot_id']).where('event_id', '=', session.event_id)
    .where('slot_id', '!=', session.slot_id).where('mode', '=', 'in_person').orderBy('key').executeTakeFirst()
  if (other === undefined) throw new Error('no second in-person session for the baseline')

  log(`program loaded; creating ${PEOPLE.toLocaleString('en')} participants`)
  await sql`INSERT INTO people (id, display_name)
    SELECT ${sql.raw(personIdSql('i'))}, 'Participant ' || i FROM generate_series(0, ${PEOPLE}::int) AS i`.execute(db)
  await sql`INSERT INTO registrations (event_id, person_id, role)
    SELECT ${session.event_id}::uuid, ${sql.raw(personIdSql('i'))}, 'participant' FROM generate_series(0, ${PEOPLE}::int) AS i`.execute(db)
  // Each signed in on one device: the app checks every token's device session.
  await sql.raw(deviceSessionsSql(0, PEOPLE, new Date(clock.now().getTime() + 180 * 24 * 3600_000))).execute(db)
  log('participants created; vacuum analyze')
  await sql`VACUUM ANALYZE people, registrations, device_sessions, attendance_records, attendance_history`.execute(db)
  const sample = await db.selectFrom('people').select('id').where('id', '=', personId(1)).executeTakeFirst()
  if (sample === undefined) throw new Error('person ids differ between SQL and the load generator')

  // The bare baseline: the same Fastify options as buildApp (src/http/fastify.ts), the same logger, the same pool.
  const baseline = Fastify({
    logger: loggerOptions(config),
    genReqId: () => randomUUID(),
    trustProxy: config.trustProxy,
    bodyLimit: 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true }
  })
  onCleanup('close the baseline', async () => { await baseline.close() })
  baseline.post('/bench/baseline', async (request, reply) => {
    const id = (request.body as { personId?: unknown } | null)?.personId
    if (typeof id !== 'string') return await reply.code(400).send({ error: 'personId' })
    const now = clock.now()
    await sql`INSERT INTO attendance_records (event_id, slot_id, session_id, person_id, status, method, recorded_at, received_at)
      VALUES (${session.event_id}, ${other.slot_id}, ${other.id}, ${id}, 'present', 'room_code', ${now}, ${now})
      ON CONFLICT (slot_id, person_id) DO NOTHING`.execute(db)
    return await reply.code(201).send({ result: 'created' })
  })
  if (JSON.stringify(baseline.initialConfig) !== JSON.stringify(app.initialConfig)) {
    log(`warning: Fastify options differ from the app's: ${JSON.stringify(baseline.initialConfig)} vs ${JSON.stringify(app.initialConfig)}`)
  }

  const appUrl = await app.listen({ host: '127.0.0.1', port: 0 })
  const baselineUrl = await baseline.listen({ host: '127.0.0.1', port: 0 })
  const code = new URL(services.attendance.roomCode(session.id).url).pathname.split('/').pop() ?? ''
  const checkInPath = `/api/v1/sessions/${session.id}/check-ins`

  log('waiting for the load generator\'s tokens')
  await generatorReady
  // Person 0 checks that a token from the load generator passes the app's own verifier and
  // that both routes answer 201 before any load; its 201 counts among the acknowledgements.
  const token = (await load.ask({ type: 'token', person: 0 }, 'token')).token
  if (app.jwt.verify<{ sub: string }>(token).sub !== personId(0)) throw new Error('the load generator\'s token does not name its person')
  const probe = await app.inject({ method: 'POST', url: checkInPath, headers: { authorization: `Bearer ${token}` }, payload: { code } })
  if (probe.statusCode !== 201) throw new Error(`a first check-in answered ${probe.statusCode}: ${probe.body}`)
  const probeBaseline = await baseline.inject({ method: 'POST', url: '/bench/baseline', payload: { personId: personId(0) } })
  if (probeBaseline.statusCode !== 201) throw new Error(`the baseline answered ${probeBaseline.statusCode}: ${probeBaseline.body}`)
  log(`ready: app ${appUrl}, baseline ${baselineUrl}`)

  const pgCpu = serverCpuReader(target.privatePort)
  const measure = async (which: Target, url: string, path: string): Promise<Measured> => {
    // Checkpoint now rather than in the middle of a run (needs a superuser; skipped otherwise).
    await sql`CHECKPOINT`.execute(db).catch(() => {})
    const rss = rssSampler()
    log(`${which}: warm-up ${WARMUP_SECONDS} s`)
    const warmup = (await load.ask({
      type: 'run',
      target: which,
      label: `${which} warm-up`,
      url,
      path,
      code,
      seconds: WARMUP_SECONDS,
      connections: CONNECTIONS
    }, 'result')).result
    log(`${which}: measuring ${SECONDS} s`)
    const cpu = process.cpuUsage()
    const pgCpuBefore = pgCpu?.() ?? NaN
    const loadCpuBefore = processCpuMs(load.pid)
    const machineBefore = machineBusyMs()
    const startedAt = performance.now()
    const queriesBefore = queries
    const run = (await load.ask({ type: 'run', target: which, label: which, url, path, code, seconds: SECONDS, connections: CONNECTIONS }, 'result')).result
    const used = process.cpuUsage(cpu)
    const pgCpuMs = (pgCpu?.() ?? NaN) - pgCpuBefore
    // What the rest of the machine used meanwhile (other processes, a test run): it takes CPU from this run.
    const othersMs = machineBusyMs() - machineBefore - (used.user + used.system) / 1000 - pgCpuMs - (processCpuMs(load.pid) - loadCpuBefore)
    const othersCpuShare = othersMs / ((performance.now() - startedAt) * availableParallelism())
    const perRequest = (value: number): number => run.responses > 0 ? value / run.responses : NaN
    return {
      run,
      warmup,
      peakRss: rss.stop(),
      cpuMsPerRequest: perRequest((used.user + used.system) / 1000),
      pgCpuMsPerRequest: perRequest(pgCpuMs),
      queriesPerRequest: perRequest(queries - queriesBefore),
      othersCpuShare
    }
  }

  const base = await measure('baseline', baselineUrl, '/bench/baseline')
  const checkIn = await measure('checkin', appUrl, checkInPath)

  const rows = Number((await db.selectFrom('attendance_records').select(eb => eb.fn.countAll().as('n'))
    .where('session_id', '=', session.id).executeTakeFirstOrThrow()).n)
  const baselineRows = Number((await db.selectFrom('attendance_records').select(eb => eb.fn.countAll().as('n'))
    .where('session_id', '=', other.id).executeTakeFirstOrThrow()).n)
  const acks = 1 + count201(checkIn.warmup) + count201(checkIn.run)
  const baselineAcks = 1 + count201(base.warmup) + count201(base.run)

  const report: string[] = []
  const warn = (line: string): void => { report.push(`warning: ${line}`) }
  for (const m of [base, checkIn]) {
    for (const r of [m.warmup, m.run]) {
      if (others(r) > 0) warn(`${r.label}: ${others(r)} answers were not 201 (${JSON.stringify(r.statuses)})`)
      if (r.errors > 0) warn(`${r.label}: ${r.errors} requests without an answer (${r.timeouts} timeouts)`)
      if (r.exhausted) warn(`${r.label}: stopped after ${r.elapsedSeconds.toFixed(1)} s, every prepared person used: raise BENCH_PEOPLE`)
    }
  }
  for (const [name, m] of [['baseline', base], ['check-in', checkIn]] as const) {
    if (m.othersCpuShare > 0.05) {
      warn(`${name}: other processes used ${(100 * m.othersCpuShare).toFixed(0)}% of the machine's CPU during the measured run: ` +
        'its figures are not comparable')
    }
  }
  if (baselineRows !== baselineAcks) warn(`baseline rows ${baselineRows} ≠ baseline 201 answers ${baselineAcks}`)
  const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(0)
  const ms = (value: number): string => value.toFixed(1)
  const row = (cells: string[]): string => cells.map((c, i) => i === 0 ? c.padEnd(9) : c.padStart(Math.max(9, c.length + 2))).join('')
  report.push(
    `check-in: POST ${checkInPath.replace(session.id, ':sessionId')} (${SESSION_KEY}); baseline: one INSERT … ON CONFLICT DO NOTHING`,
    `${target.where}; pool ${POOL_MAX}; ${CONNECTIONS} connections; ${SECONDS} s per run after ${WARMUP_SECONDS} s warm-up; log level ${LOG_LEVEL}; clock ` +
      `${CLOCK_AT}; node ${process.version}; load average ${loadAtStart}`,
    row(['', 'requests/s', 'p50 ms', 'p99 ms', 'peak RSS MiB', 'requests', 'queries/req', 'CPU ms/req: node', 'postgres']),
    ...[['baseline', base], ['check-in', checkIn]].map(([name, m]) => {
      const { run, peakRss, cpuMsPerRequest, pgCpuMsPerRequest, queriesPerRequest } = m as Measured
      return row([name as string, run.rps.toFixed(0).padStart(10), ms(run.p50).padStart(6), ms(run.p99).padStart(6), mib(peakRss).padStart(12),
        String(run.responses).padStart(8), queriesPerRequest.toFixed(1).padStart(11), cpuMsPerRequest.toFixed(2).padStart(16),
        (Number.isNaN(pgCpuMsPerRequest) ? '–' : pgCpuMsPerRequest.toFixed(2)).padStart(8)])
    }),
    '(over each measured run: statements sent to PostgreSQL, CPU time of this Node process and of the PostgreSQL server, per request)',
    'other processes on the machine during the measured runs: ' +
      `${[base, checkIn].map(m => Number.isNaN(m.othersCpuShare) ? '–' : `${(100 * Math.max(0, m.othersCpuShare)).toFixed(0)}%`).join(', ')} of its CPU`,
    `rows = acks: ${rows} = ${acks}`,
    `ratio ${(checkIn.run.rps / base.run.rps).toFixed(3)}`
  )
  return { report, ok: rows === acks }
}

runBench(TIMEOUT_SECONDS, main)
