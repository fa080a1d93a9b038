/**
 * `npm run bench:attestations`: the bulk generation of attestations end to end, against the
 * naive use of the same PDF library in a plain loop.
 *
 * Starts Compagnon's services (buildApp) on PostgreSQL — a private server started like CI's on
 * port BENCH_PG_PORT (55435) when DATABASE_URL is unset — imports the 2025 program, creates
 * BENCH_ATTESTATIONS (1,000) eligible participants with their attendance (bulk SQL), then times
 * one bulk job from start to ZIP: candidates and eligibility read, snapshots, rendering in the
 * worker threads, SHA-256, each attestation stored with its request, audit and messages, progress,
 * and the ZIP of every PDF read back (checked) and stored. The rendering threads start inside the
 * timed run (a cold pool, as for a server's first job).
 *
 * Then, in the same process once the job's threads are gone, the BASELINE: BENCH_BASELINE_COUNT
 * (100) of the same attestations (the stored snapshots) drawn by pdf-lib the ordinary way (fonts
 * embedded with subset per document, QR as rectangles), one after the other, nothing else.
 *
 * Prints attestations/s, wall time, peak RSS (sampled, and the kernel's high-water mark: worker
 * threads live in this process), CPU, then last:
 *
 *   ratio <(attestations/s ÷ rendering threads) ÷ baseline documents/s>
 *
 * Exits 1 when the job did not issue exactly one valid attestation per participant or its ZIP
 * does not list them all. Figures and choices: bench/README.md.
 */
import { benchConfig } from './lib/config.js'
import { readFileSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'
import { sql } from 'kysely'
import pg from 'pg'
import { buildApp } from '../src/app.js'
import { AttestationJobs } from '../src/attestations/jobs.js'
import type { AttestationSnapshot } from '../src/attestations/snapshot.js'
import { RenderPool, defaultRenderThreads } from '../src/attestations/render-pool.js'
import { FixedClock } from '../src/clock.js'
import { openDatabase } from '../src/db/database.js'
import { migrateToLatest } from '../src/db/migrate.js'
import { defaultProgramFile } from '../src/paths.js'
import { log, onCleanup, runBench } from './lib/cleanup.js'
import { loadNaiveAssets, renderNaive } from './lib/naive-attestation.js'
import { benchDatabase, machineBusyMs, serverCpuReader } from './lib/postgres.js'
import { personIdSql } from './lib/protocol.js'

// --- settings -----------------------------------------------------------------------------------

const positive = (name: string, fallback: number): number => {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer (got ${JSON.stringify(raw)})`)
  return value
}

const PEOPLE = positive('BENCH_ATTESTATIONS', 1000)
const BASELINE_COUNT = positive('BENCH_BASELINE_COUNT', 100)
const THREADS = positive('BENCH_RENDER_THREADS', defaultRenderThreads())
const WINDOW = positive('BENCH_WINDOW', 4 * THREADS)
const POOL_MAX = positive('DATABASE_POOL_MAX', 10)
const TIMEOUT_SECONDS = positive('BENCH_TIMEOUT_SECONDS', 600)
/** Friday 24 October 2025, 14:00 in Montréal: the last counted slot has ended, attestations are decided. */
const CLOCK_AT = '2025-10-24T18:00:00Z'

const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(0)

/** Peak RSS of this process (the rendering threads live in it), sampled every 100 ms (the kernel's high-water mark catches what falls between). */
function rssSampler (): { peak: () => number, stop: () => number } {
  let peak = process.memoryUsage.rss()
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()) }, 100)
  return { peak: () => peak, stop: () => { clearInterval(timer); return Math.max(peak, process.memoryUsage.rss()) } }
}

/** The kernel's high-water mark of this process's RSS so far (VmHWM), in bytes; NaN without /proc. */
function rssHighWater (): number {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]
    return kb === undefined ? NaN : Number(kb) * 1024
  } catch {
    return NaN
  }
}

/** Statements sent to PostgreSQL by this process (every pg client): round trips per attestation. */
let queries = 0
const query = pg.Client.prototype.query
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  queries += 1
  return (query as (...a: unknown[]) => unknown).apply(this, args)
} as typeof query

// --- main ---------------------------------------------------------------------------------------

async function main (): Promise<{ report: string[], ok: boolean }> {
  const loadAtStart = loadavg().map(l => l.toFixed(2)).join(' ')
  const target = await benchDatabase(log, { ...process.env, BENCH_PG_PORT: process.env.BENCH_PG_PORT ?? '55435' })
  log('database created; migrating, loading the 2025 program')
  const config = benchConfig({
    DATABASE_URL: target.url,
    DATABASE_POOL_MAX: String(POOL_MAX)
  })
  const database = await openDatabase({ kind: 'postgres', url: target.url, poolMax: POOL_MAX })
  onCleanup('close the pool', async () => { await database.close() })
  await migrateToLatest(database)
  const db = database.db
  const clock = new FixedClock(CLOCK_AT)
  const { app, services } = await buildApp(config, { database, clock, backgroundJobs: false })
  onCleanup('close the app', async () => { await app.close() })
  await services.program.importFromFile(defaultProgramFile)
  const [event] = await services.program.listEvents()
  if (event === undefined) throw new Error('the 2025 program has no event')

  log(`program loaded; creating ${PEOPLE.toLocaleString('en')} eligible participants with their attendance`)
  // Every counted slot attended, in its first scheduled in-person session (parallel sessions: one per slot).
  const slots = await db.selectFrom('time_slots as t')
    .innerJoin('sessions as s', 's.slot_id', 't.id')
    .select(['t.id as slot_id', 't.starts_at', eb => eb.fn.min<string>(sql`s.id::text`).as('session_id')])
    .where('t.event_id', '=', event.id).where('t.counts_toward_attendance', '=', true)
    .where('s.status', '=', 'scheduled').where('s.mode', '=', 'in_person')
    .groupBy(['t.id', 't.starts_at']).execute()
  const organizer = await db.insertInto('people').values({
    display_name: 'Odile Organisatrice',
    email: 'odile@example.ca'
  }).returning('id').executeTakeFirstOrThrow()
  await db.insertInto('registrations').values({ event_id: event.id, person_id: organizer.id, role: 'organizer' }).execute()
  // Names with accents (the fonts' French characters), half in English; everyone with an email (a notice queued each).
  await sql`INSERT INTO people (id, display_name, email, preferred_locale, employer)
    SELECT ${sql.raw(personIdSql('i'))}, 'Éloïse Côté-Bélanger ' || i, 'p' || i || '@example.gouv.qc.ca',
      CASE WHEN i % 2 = 0 THEN 'fr' ELSE 'en' END, 'Ville de Québec'
    FROM generate_series(1, ${PEOPLE}::int) AS i`.execute(db)
  await sql`INSERT INTO registrations (event_id, person_id, role)
    SELECT ${event.id}::uuid, ${sql.raw(personIdSql('i'))}, 'participant' FROM generate_series(1, ${PEOPLE}::int) AS i`.execute(db)
  await sql`INSERT INTO attendance_records (event_id, slot_id, session_id, person_id, status, method, recorded_at)
    SELECT ${event.id}::uuid, s.slot_id, s.session_id, ${sql.raw(personIdSql('i'))}, 'present', 'manual', s.starts_at
    FROM generate_series(1, ${PEOPLE}::int) AS i
    CROSS JOIN jsonb_to_recordset(${JSON.stringify(slots)}::jsonb) AS s(slot_id uuid, session_id uuid, starts_at timestamptz)`.execute(db)
  await sql`VACUUM ANALYZE people, registrations, attendance_records`.execute(db)
  await sql`CHECKPOINT`.execute(db).catch(() => {})

  // --- the job ---
  const renderer = new RenderPool(config.attestationAssetsDir, THREADS)
  onCleanup('close the rendering threads', async () => { await renderer.close() })
  const jobs = new AttestationJobs(db, clock, {
    attestations: services.attestations,
    program: services.program,
    files: services.files,
    access: app.access,
    renderer
  }, { window: WINDOW })
  const job = await jobs.start(organizer.id, event.id)
  log(`bulk job: ${THREADS} rendering thread(s), ${WINDOW} attestations in flight`)
  const pgCpu = serverCpuReader(target.privatePort)
  const rssBefore = process.memoryUsage.rss()
  const queriesBefore = queries
  const rss = rssSampler()
  const cpu = process.cpuUsage()
  const pgBefore = pgCpu?.() ?? NaN
  const machineBefore = machineBusyMs()
  const t0 = performance.now()
  // Phases, timed apart for the report (all inside the job's wall time): the cold start of the
  // threads, issuing (until the last attestation is stored), the ZIP (read back, built, stored).
  let firstRenderAt = NaN
  let lastStoreAt = NaN
  let issuingPeak = 0
  const render = renderer.render.bind(renderer)
  renderer.render = async (snapshot) => { const pdf = await render(snapshot); if (Number.isNaN(firstRenderAt)) firstRenderAt = performance.now(); return pdf }
  const store = services.attestations.store.bind(services.attestations)
  services.attestations.store = async (...args) => {
    const stored = await store(...args)
    lastStoreAt = performance.now()
    // The sampler's peak so far (reading the RSS here, a thousand times, would cost CPU to the job).
    issuingPeak = rss.peak()
    return stored
  }
  await jobs.runDue()
  const wallMs = performance.now() - t0
  const statements = queries - queriesBefore
  const peakRss = rss.stop()
  const highWater = rssHighWater()
  const used = process.cpuUsage(cpu)
  const nodeCpuMs = (used.user + used.system) / 1000
  const pgCpuMs = (pgCpu?.() ?? NaN) - pgBefore
  const othersMs = machineBusyMs() - machineBefore - nodeCpuMs - (Number.isNaN(pgCpuMs) ? 0 : pgCpuMs)
  const othersShare = othersMs / (wallMs * availableParallelism())
  renderer.render = render
  services.attestations.store = store

  const view = await jobs.get(organizer.id, job.id)
  const valid = await db.selectFrom('attestations').select(['person_id', 'snapshot']).where('event_id', '=', event.id).where('status', '=', 'valid').execute()
  const distinct = new Set(valid.map(v => v.person_id)).size
  const zip = view.zipFileId === null ? undefined : await services.files.info(view.zipFileId)
  const zipEntries = zip === undefined ? 0 : await zipEntryCount(services.files, zip.id)
  const ok = view.status === 'done' && view.issued === PEOPLE && valid.length === PEOPLE && distinct === PEOPLE && zipEntries === PEOPLE
  const rate = PEOPLE / (wallMs / 1000)
  await renderer.close()
  log(`job ${view.status}: ${view.issued} issued in ${(wallMs / 1000).toFixed(1)} s; baseline: ${BASELINE_COUNT} naive documents`)

  // --- the baseline, alone in this process ---
  const naiveAssets = loadNaiveAssets(config.attestationAssetsDir)
  const snapshots = valid.slice(0, BASELINE_COUNT).map(v => v.snapshot as unknown as AttestationSnapshot)
  for (const s of snapshots.slice(0, 5)) await renderNaive(s, naiveAssets) // warm-up (JIT)
  const baseRss = rssSampler()
  const b0 = performance.now()
  let baseBytes = 0
  for (let i = 0; i < BASELINE_COUNT; i++) baseBytes += (await renderNaive(snapshots[i % snapshots.length]!, naiveAssets)).length
  const baseMs = performance.now() - b0
  const basePeak = baseRss.stop()
  const baseRate = BASELINE_COUNT / (baseMs / 1000)
  const perWorker = rate / THREADS

  const report = [
    `bench:attestations — ${target.where}; ${PEOPLE} participants, ${slots.length} counted slots each; ${THREADS} rendering thread(s), ${WINDOW} in ` +
      `flight; pool ${POOL_MAX}; node ${process.version}; ${availableParallelism()} cores; load average at start ${loadAtStart}`,
    ...(ok
      ? []
      : [`error: job ${view.status}, issued ${view.issued}, valid ${valid.length} (${distinct} people), ZIP entries ${zipEntries}; expected ` +
        `${PEOPLE} each${view.error === null ? '' : ` — ${view.error.en}`}`]),
    ...(othersShare > 0.05
      ? [`warning: other processes used ${(100 * othersShare).toFixed(0)}% of the machine's CPU during the job: figures not comparable with a quiet run`]
      : []),
    `bulk job     ${rate.toFixed(1).padStart(7)} attestations/s   wall ${(wallMs / 1000).toFixed(2)} s: first PDF back after ` +
      `${((firstRenderAt - t0) / 1000).toFixed(2)} s (threads started, fonts loaded), all stored after ${((lastStoreAt - t0) / 1000).toFixed(2)} s, then the ` +
      `ZIP ${((t0 + wallMs - lastStoreAt) / 1000).toFixed(2)} s`,
    `             peak RSS ${mib(peakRss)} MiB sampled (${mib(rssBefore)} MiB before the job, ${mib(issuingPeak)} MiB while issuing), ` +
      `${Number.isNaN(highWater) ? '–' : mib(highWater)} MiB high-water (whole process, rendering threads included); ZIP ` +
      `${zip === undefined ? '–' : `${mib(zip.size)} MiB, ${zipEntries} PDFs`}`,
    `             per attestation: ${(statements / PEOPLE).toFixed(1)} SQL statements; CPU node ${(nodeCpuMs / PEOPLE).toFixed(1)} ms (all threads), ` +
      `postgres ${Number.isNaN(pgCpuMs) ? '–' : (pgCpuMs / PEOPLE).toFixed(1)} ms; other processes ` +
      `${Number.isNaN(othersShare) ? '–' : `${(100 * Math.max(0, othersShare)).toFixed(0)}%`} of the machine`,
    `             per rendering thread ${perWorker.toFixed(1)} attestations/s`,
    `baseline     ${baseRate.toFixed(1).padStart(7)} documents/s      ${(baseMs / BASELINE_COUNT).toFixed(1)} ms each, ` +
      `${(baseBytes / BASELINE_COUNT / 1024).toFixed(0)} KiB each; peak RSS ${mib(basePeak)} MiB (pdf-lib, fonts subset per document, one thread)`,
    `target: 1000 in < 30 s ${PEOPLE >= 1000 && wallMs * 1000 / PEOPLE < 30_000 ? 'met' : 'NOT met'} ` +
      `(${(wallMs / 1000 * 1000 / PEOPLE).toFixed(1)} s per 1000); ratio ≥ 0.8 ${perWorker / baseRate >= 0.8 ? 'met' : 'NOT met'}`,
    `ratio ${(perWorker / baseRate).toFixed(3)}`
  ]
  return { report, ok }
}

/** Entries listed in a stored ZIP's end of central directory record. */
async function zipEntryCount (files: { readAll: (id: string) => Promise<{ data: Buffer }> }, id: string): Promise<number> {
  const { data } = await files.readAll(id)
  for (let p = data.length - 22; p >= 0; p--) if (data.readUInt32LE(p) === 0x06054b50) return data.readUInt16LE(p + 10)
  return 0
}

runBench(TIMEOUT_SECONDS, main)
