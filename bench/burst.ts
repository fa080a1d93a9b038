/**
 * `npm run bench:burst`: load without loss. Check-ins by clients that retry, and the 08:30
 * welcome burst, against a bare baseline in the same process.
 *
 * Starts Compagnon (buildApp) on PostgreSQL — a private server started like CI's when
 * DATABASE_URL is unset (port BENCH_PG_PORT, default 55436) — and, beside it, a bare Fastify
 * route doing one INSERT … ON CONFLICT DO NOTHING into attendance_records through the same
 * pool (201 when inserted, 200 when the row was there). A child process (./lib/burst-load.ts)
 * plays the phones, on 127.0.0.1 only. Two scenarios, each run against the baseline then the
 * app:
 *
 *   1. retries: BENCH_RETRY_PEOPLE people through BENCH_RETRY_CLIENTS concurrent clients that
 *      give up on a request after BENCH_CLIENT_TIMEOUT_MS and retry it (same person, new
 *      connection), as they do after a failed connection or a 5xx;
 *   2. the 08:30 welcome: BENCH_BURST_PEOPLE people arriving over 2 minutes — compressed to
 *      BENCH_BURST_SECONDS — each on a new connection, a share of them scanning a second time.
 *
 * For each scenario it prints the table, then
 *
 *   rows = acks: <distinct people stored> = <distinct people acknowledged>
 *   p99 <ms> …
 *   ratio <…>
 *
 * and exits 1 when rows ≠ acks (or the sets differ, or someone was given up on). Choices and
 * measured figures: bench/README.md.
 */
import { benchConfig } from './lib/config.js'
import { fork, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { availableParallelism, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import Fastify from 'fastify'
import { sql } from 'kysely'
import { buildApp } from '../src/app.js'
import { FixedClock } from '../src/clock.js'
import { openDatabase, type Db } from '../src/db/database.js'
import { migrateToLatest } from '../src/db/migrate.js'
import { loggerOptions } from '../src/http/logging.js'
import { defaultProgramFile } from '../src/paths.js'
import type { BurstCommand, BurstReply, Endpoint, ScenarioResult } from './lib/burst-load.js'
import { MAX_ATTEMPTS } from './lib/burst-load.js'
import { log, onCleanup, runBench } from './lib/cleanup.js'
import { benchDatabase, machineBusyMs, processCpuMs, serverCpuReader } from './lib/postgres.js'
import { deviceSessionsSql, personId, personIdSql } from './lib/protocol.js'

// --- settings -----------------------------------------------------------------------------------

const positive = (name: string, fallback: number): number => {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number (got ${JSON.stringify(raw)})`)
  return value
}

const RETRY_PEOPLE = Math.round(positive('BENCH_RETRY_PEOPLE', 3000))
const RETRY_CLIENTS = Math.round(positive('BENCH_RETRY_CLIENTS', 100))
/** A phone gives up on a request after this and tries again. */
const CLIENT_TIMEOUT_MS = Math.round(positive('BENCH_CLIENT_TIMEOUT_MS', 2000))
/** Share of attempts whose answer is lost on purpose (the phone drops the connection right after sending). */
const DROP_SHARE = Math.min(1, positive('BENCH_DROP_SHARE', 0.1))
const BURST_PEOPLE = Math.round(positive('BENCH_BURST_PEOPLE', 300))
/** The 2 minutes of the welcome, compressed (12 s: ten times faster than life). */
const BURST_SECONDS = positive('BENCH_BURST_SECONDS', 12)
const REPEAT_SHARE = Math.min(1, positive('BENCH_REPEAT_SHARE', 0.25))
/** A phone at the door waits this long before giving up and scanning again. */
const BURST_TIMEOUT_MS = 5000
const WARMUP_PEOPLE = 300
const POOL_MAX = Math.round(positive('DATABASE_POOL_MAX', 10))
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'warn'
const TIMEOUT_SECONDS = positive('BENCH_TIMEOUT_SECONDS', 300 + 2 * BURST_SECONDS)
/** Tuesday 21 October 2025, 13:25 in Montréal: the session below opens at 13:00, starts at 13:30. */
const CLOCK_AT = '2025-10-21T17:25:00Z'
const SESSION_KEY = '2025-10-21-etude-cas-experimentation-reglementaire'
/** Not bench:checkin's 55433, upload-memory's 55434 nor attestations' 55435: they may run side by side. */
const DEFAULT_PG_PORT = '55436'

// --- the phones (child process) -----------------------------------------------------------------

class Phones {
  readonly #child: ChildProcess
  #waiting: { resolve: (reply: BurstReply) => void, reject: (err: Error) => void } | undefined
  readonly #exited: Promise<void>

  constructor () {
    this.#child = fork(fileURLToPath(new URL('./lib/burst-load.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc']
    })
    this.#child.on('message', (reply: BurstReply) => {
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

  get pid (): number | undefined { return this.#child.pid }

  async ask (command: BurstCommand): Promise<BurstReply> {
    if (this.#waiting !== undefined) throw new Error('load generator busy')
    return await new Promise<BurstReply>((resolve, reject) => {
      this.#waiting = { resolve, reject }
      this.#child.send(command)
    })
  }

  async run (command: Extract<BurstCommand, { type: 'retries' | 'burst' }>): Promise<ScenarioResult> {
    const reply = await this.ask(command)
    if (reply.type !== 'result') throw new Error(`load generator answered ${reply.type}`)
    return reply.result
  }

  async stop (): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return
    if (this.#child.connected) this.#child.disconnect()
    const timer = setTimeout(() => { this.#child.kill('SIGKILL') }, 5000)
    await this.#exited
    clearTimeout(timer)
  }
}

// --- main ---------------------------------------------------------------------------------------

interface Measured { result: ScenarioResult, rows: string[], duplicates: number, othersShare: number }

/** People first…last stored in a session: their ids, and rows beyond one per person. */
async function stored (db: Db, sessionId: string, first: number, last: number): Promise<{ ids: string[], duplicates: number }> {
  const rows = await sql<{ person_id: string }>`SELECT person_id FROM attendance_records
    WHERE session_id = ${sessionId} AND person_id IN (SELECT ${sql.raw(personIdSql('i'))} FROM generate_series(${first}::int, ${last}::int) AS i)`.execute(db)
  const ids = rows.rows.map(r => r.person_id)
  return { ids, duplicates: ids.length - new Set(ids).size }
}

async function main (): Promise<{ report: string[], ok: boolean }> {
  const loadAtStart = loadavg().map(l => l.toFixed(2)).join(' ')
  const target = await benchDatabase(log, { ...process.env, BENCH_PG_PORT: process.env.BENCH_PG_PORT ?? DEFAULT_PG_PORT })
  log('database created; migrating, loading the 2025 program')
  const config = benchConfig({
    DATABASE_URL: target.url,
    DATABASE_POOL_MAX: String(POOL_MAX),
    LOG_LEVEL
  })
  const phones = new Phones()
  onCleanup('stop the load generator', async () => { await phones.stop() })
  const phonesReady = phones.ask({
    type: 'init',
    jwt: { secret: config.secrets.sessionSecret, issuer: config.publicUrl, audience: 'compagnon', expiresInSeconds: Math.max(900, TIMEOUT_SECONDS + 60) }
  })
  phonesReady.catch(() => {})

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

  // People 1…R: scenario 1; R+1…R+B: the burst; then the warm-up's.
  const retryRange = [1, RETRY_PEOPLE] as const
  const burstRange = [RETRY_PEOPLE + 1, RETRY_PEOPLE + BURST_PEOPLE] as const
  const warmupRange = [RETRY_PEOPLE + BURST_PEOPLE + 1, RETRY_PEOPLE + BURST_PEOPLE + WARMUP_PEOPLE] as const
  const people = warmupRange[1]
  log(`program loaded; creating ${people.toLocaleString('en')} participants`)
  await sql`INSERT INTO people (id, display_name)
    SELECT ${sql.raw(personIdSql('i'))}, 'Participant ' || i FROM generate_series(1, ${people}::int) AS i`.execute(db)
  await sql`INSERT INTO registrations (event_id, person_id, role)
    SELECT ${session.event_id}::uuid, ${sql.raw(personIdSql('i'))}, 'participant' FROM generate_series(1, ${people}::int) AS i`.execute(db)
  // Each signed in on one device: the app checks every token's device session.
  await sql.raw(deviceSessionsSql(1, people, new Date(clock.now().getTime() + 180 * 24 * 3600_000))).execute(db)
  await sql`VACUUM ANALYZE people, registrations, device_sessions, attendance_records, attendance_history`.execute(db)
  if (await db.selectFrom('people').select('id').where('id', '=', personId(1))
    .executeTakeFirst() === undefined) throw new Error('person ids differ between SQL and the load generator')

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
    const inserted = await sql`INSERT INTO attendance_records (event_id, slot_id, session_id, person_id, status, method, recorded_at, received_at)
      VALUES (${session.event_id}, ${other.slot_id}, ${other.id}, ${id}, 'present', 'room_code', ${now}, ${now})
      ON CONFLICT (slot_id, person_id) DO NOTHING RETURNING 1`.execute(db)
    return await reply.code(inserted.rows.length > 0 ? 201 : 200).send({ result: inserted.rows.length > 0 ? 'created' : 'already' })
  })
  const appUrl = await app.listen({ host: '127.0.0.1', port: 0 })
  const baselineUrl = await baseline.listen({ host: '127.0.0.1', port: 0 })
  // The clock is fixed: the room code does not rotate.
  const code = new URL(services.attendance.roomCode(session.id).url).pathname.split('/').pop() ?? ''
  const endpoints: Record<'baseline' | 'checkin', Endpoint> = {
    baseline: { target: 'baseline', url: baselineUrl, path: '/bench/baseline', code },
    checkin: { target: 'checkin', url: appUrl, path: `/api/v1/sessions/${session.id}/check-ins`, code }
  }
  const sessionOf = { baseline: other.id, checkin: session.id }
  await phonesReady

  log(`warm-up: ${WARMUP_PEOPLE} people per target`)
  for (const which of ['baseline', 'checkin'] as const) {
    const warm = await phones.run({
      type: 'retries',
      endpoint: endpoints[which],
      first: warmupRange[0],
      last: warmupRange[1],
      clients: 20,
      timeoutMs: 5000,
      dropShare: 0
    })
    if (warm.acked.length !== WARMUP_PEOPLE) {
      throw new Error(`warm-up of ${which}: ${warm.acked.length} of ${WARMUP_PEOPLE} acknowledged ` +
        `(${JSON.stringify(warm.statuses)})`)
    }
  }

  const pgCpu = serverCpuReader(target.privatePort)
  const measure = async (which: 'baseline' | 'checkin', command: Extract<BurstCommand, { type: 'retries' | 'burst' }>): Promise<Measured> => {
    await sql`CHECKPOINT`.execute(db).catch(() => {})
    log(`${command.type}: ${which}`)
    const cpu = process.cpuUsage()
    const pgBefore = pgCpu?.() ?? NaN
    const loadBefore = processCpuMs(phones.pid)
    const machineBefore = machineBusyMs()
    const startedAt = performance.now()
    const result = await phones.run(command)
    const used = process.cpuUsage(cpu)
    const othersMs = machineBusyMs() - machineBefore - (used.user + used.system) / 1000 - ((pgCpu?.() ?? NaN) - pgBefore) -
      (processCpuMs(phones.pid) - loadBefore)
    const rows = await stored(db, sessionOf[which], command.first, command.last)
    return { result, rows: rows.ids, duplicates: rows.duplicates, othersShare: othersMs / ((performance.now() - startedAt) * availableParallelism()) }
  }

  const scenario1 = {
    type: 'retries' as const,
    first: retryRange[0],
    last: retryRange[1],
    clients: RETRY_CLIENTS,
    timeoutMs: CLIENT_TIMEOUT_MS,
    dropShare: DROP_SHARE
  }
  const scenario2 = {
    type: 'burst' as const,
    first: burstRange[0],
    last: burstRange[1],
    seconds: BURST_SECONDS,
    repeatShare: REPEAT_SHARE,
    timeoutMs: BURST_TIMEOUT_MS,
    dropShare: DROP_SHARE
  }
  const retryBase = await measure('baseline', { ...scenario1, endpoint: endpoints.baseline })
  const retryApp = await measure('checkin', { ...scenario1, endpoint: endpoints.checkin })
  const burstBase = await measure('baseline', { ...scenario2, endpoint: endpoints.baseline })
  const burstApp = await measure('checkin', { ...scenario2, endpoint: endpoints.checkin })

  // --- report -----------------------------------------------------------------------------------
  let ok = true
  const report: string[] = [
    `burst: ${target.where}; pool ${POOL_MAX}; log level ${LOG_LEVEL}; clock ${CLOCK_AT}; node ${process.version}; load average ${loadAtStart}`
  ]
  const ms = (value: number): string => Number.isNaN(value) ? '–' : value.toFixed(1)
  const pct = (share: number): string => Number.isNaN(share) ? '–' : `${(100 * Math.max(0, share)).toFixed(0)}%`
  const row = (cells: string[]): string => cells.map((c, i) => i === 0 ? c.padEnd(9) : c.padStart(Math.max(9, c.length + 2))).join('')
  const table = (pairs: Array<[string, Measured]>): string[] => [
    row(['', 'acks/s', 'requests', 'retries', 'dropped', 'timeouts', 'conn err', 'p50 ms', 'p99 ms', 'max ms', 'p99 to ack', 'gave up', 'others']),
    ...pairs.map(([name, m]) => row([name, m.result.ackRate.toFixed(0), String(m.result.requests), String(m.result.retries), String(m.result.dropped),
      String(m.result.timeouts), String(m.result.connectionErrors), ms(m.result.p50), ms(m.result.p99), ms(m.result.max), ms(m.result.ackP99),
      String(m.result.gaveUp.length), pct(m.othersShare)]))
  ]
  /** The stored people and the acknowledged ones: the same set, each once. */
  const lossless = (name: string, m: Measured): string => {
    const acked = new Set(m.result.acked.map(personId))
    const rows = new Set(m.rows)
    const lost = [...acked].filter(id => !rows.has(id)).length
    const unacked = [...rows].filter(id => !acked.has(id)).length
    const problems = [
      lost > 0 ? `${lost} acknowledged but not stored` : '',
      unacked > 0 ? `${unacked} stored but never acknowledged` : '',
      m.duplicates > 0 ? `${m.duplicates} stored twice` : '',
      m.result.gaveUp.length > 0 ? `${m.result.gaveUp.length} given up after ${MAX_ATTEMPTS} attempts` : ''
    ].filter(Boolean)
    if (problems.length > 0) { ok = false; report.push(`warning: ${name}: ${problems.join(', ')}`) }
    return `rows = acks: ${m.rows.length} = ${acked.size}`
  }
  for (const [name, m] of [['baseline', retryBase], ['check-in', retryApp], ['baseline', burstBase], ['check-in', burstApp]] as const) {
    if (m.othersShare > 0.05) {
      report.push(`warning: ${name}: other processes used ${pct(m.othersShare)} of the machine's CPU during the run: its figures are ` +
        'not comparable with a quiet run\'s')
    }
  }

  report.push(
    '',
    `scenario 1 — retries: ${RETRY_PEOPLE} people, ${RETRY_CLIENTS} concurrent clients (one kept-alive connection each); ${(DROP_SHARE * 100).toFixed(0)} ` +
      `% of attempts lose their answer (connection dropped right after sending); a lost answer, a request unanswered after ${CLIENT_TIMEOUT_MS} ms, a failed ` +
      'connection or a 5xx is retried for the same person on a new connection (pause 25 ms doubling to 1 s, jittered) until acknowledged',
    ...table([['baseline', retryBase], ['check-in', retryApp]])
  )
  const baselineCheck1 = lossless('scenario 1 baseline', retryBase)
  report.push(
    `answers: baseline ${JSON.stringify(retryBase.result.statuses)}, check-in ${JSON.stringify(retryApp.result.statuses)} (a 200 is a retry whose earlier ` +
      'attempt was stored although its answer was lost)',
    `(baseline ${baselineCheck1})`,
    lossless('scenario 1 check-in', retryApp),
    `p99 ${ms(retryApp.result.p99)} ms per request, ${ms(retryApp.result.ackP99)} ms to acknowledgement (baseline ${ms(retryBase.result.p99)} / ` +
      `${ms(retryBase.result.ackP99)} ms)`,
    `ratio ${(retryApp.result.ackRate / retryBase.result.ackRate).toFixed(3)} (check-in acks/s ÷ baseline acks/s)`,
    '',
    `scenario 2 — the 08:30 welcome: ${BURST_PEOPLE} people over 2 minutes compressed to ${BURST_SECONDS} s (${(120 / BURST_SECONDS).toFixed(0)}× ` +
      `faster), arrivals denser in the middle, each on a new connection, ${(DROP_SHARE * 100).toFixed(0)} % of attempts losing their answer and retried; ` +
      `${(REPEAT_SHARE * 100).toFixed(0)} % scan again 1–5 s later (${burstApp.result.repeats} repeats, answered ` +
      `${JSON.stringify(burstApp.result.repeatStatuses)}); phones wait ${BURST_TIMEOUT_MS / 1000} s before retrying`,
    ...table([['baseline', burstBase], ['check-in', burstApp]])
  )
  const baselineCheck2 = lossless('scenario 2 baseline', burstBase)
  report.push(
    `answers: baseline ${JSON.stringify(burstBase.result.statuses)}, check-in ${JSON.stringify(burstApp.result.statuses)}`,
    `(baseline ${baselineCheck2})`,
    lossless('scenario 2 check-in', burstApp),
    `p99 ${ms(burstApp.result.p99)} ms per request, ${ms(burstApp.result.ackP99)} ms to acknowledgement (baseline ${ms(burstBase.result.p99)} / ` +
      `${ms(burstBase.result.ackP99)} ms)`,
    `ratio ${(burstBase.result.p99 / burstApp.result.p99).toFixed(3)} (baseline p99 ÷ check-in p99: the arrivals set the pace, so latency is the figure)`
  )
  return { report, ok }
}

runBench(TIMEOUT_SECONDS, main)
