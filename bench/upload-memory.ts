/**
 * `npm run bench:upload-memory`: how much memory a 20 MB upload costs, in the file store alone
 * and through the whole app (HTTP multipart hand-in of the Friday synthesis).
 *
 * Phases, in one process: (1) a generated 20 MB PDF-prefixed body (64 KiB pieces, like a
 * request body) streamed through FileStore.receive(); (2) read back through open(); (3) the same
 * body POSTed as a multipart hand-in to the app's real HTTP route on 127.0.0.1 by a credited
 * student (authentication, multipart parsing, content sniffing, chunked storage, receipt);
 * (4) the control: a bare Fastify route in the same process that buffers the upload whole
 * (`toBuffer()`) before storing it, i.e. what a buffering implementation costs. For each: growth
 * of RSS, JavaScript heap, Buffer memory and live memory (see sample()).
 *
 * Self-contained like every bench: without DATABASE_URL it starts its own PostgreSQL (.ci/pg.sh,
 * port BENCH_PG_PORT, default 55434 so it can run beside bench:checkin); with it, a dedicated
 * database is created and dropped on that server. BENCH_EMBEDDED=1 measures the embedded PGlite.
 * The last line is `upload peak RSS growth <MiB> MiB, live <MiB> MiB, for <MiB> MiB` (the HTTP
 * hand-in); exits 1 when either streaming path holds half of the file or more at once.
 * Run with `node --expose-gc` (the npm script does) so each phase starts from a collected heap.
 */
import { benchConfig } from './lib/config.js'
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import Fastify from 'fastify'
import multipart from '@fastify/multipart'
import { buildApp } from '../src/app.js'
import { loggerOptions } from '../src/http/logging.js'
import { FixedClock, systemClock } from '../src/clock.js'
import type { ResolvedConfig } from '../src/config.js'
import { defaultProgramFile } from '../src/paths.js'
import { openDatabase, type Database } from '../src/db/database.js'
import { migrateToLatest } from '../src/db/migrate.js'
import { CHUNK_BYTES, FileStore } from '../src/files/store.js'
import { cleanup, installExitHandlers, onCleanup } from './lib/cleanup.js'
import { benchDatabase } from './lib/postgres.js'

const MiB = 1024 * 1024
const SIZE = Number(process.env.BENCH_UPLOAD_MB ?? 20) * MiB
const PIECE = 64 * 1024
const log = (line: string): void => { process.stderr.write(`bench: ${line}\n`) }
const gc = (globalThis as { gc?: () => void }).gc

/** A 20 MB body made of views on one 1 MiB pool: the source itself allocates nothing per piece. */
function body (): Readable {
  const pool = randomBytes(MiB)
  pool.write('%PDF-1.7\n')
  return Readable.from((function * () {
    for (let at = 0; at < SIZE; at += PIECE) {
      const offset = at % MiB
      sample()
      yield pool.subarray(offset, offset + Math.min(PIECE, SIZE - at))
    }
  })(), { objectMode: false })
}

interface Phase { rss: number, heap: number, buffers: number, live: number, seconds: number }

// Sampled as the bytes flow (every piece pulled from the body, every chunk read back), not on a
// timer: with the embedded database a whole upload can run without the event loop reaching timers.
// In a collecting run every 8th sample (each 512 KiB) first collects garbage: `live` is what
// is really held at once (heap and Buffers); the raw peaks of a normal run also count garbage
// V8 had not collected yet, which is what the process really costs.
let peak = { rss: 0, heap: 0, buffers: 0, live: 0 }
let samples = 0
let collecting = false
function sample (): void {
  let now = process.memoryUsage()
  peak.rss = Math.max(peak.rss, now.rss)
  peak.heap = Math.max(peak.heap, now.heapUsed)
  peak.buffers = Math.max(peak.buffers, now.arrayBuffers)
  if (collecting && samples++ % 8 === 0 && gc !== undefined) {
    gc()
    now = process.memoryUsage()
    peak.live = Math.max(peak.live, now.heapUsed + now.arrayBuffers)
  }
}

/** Runs `work` and reports the growth of the sampled peaks over the memory in use before it. */
async function measure (work: () => Promise<void>, collect = false): Promise<Phase> {
  collecting = collect
  // Twice, a turn apart: memory the previous phase left to finalizers is freed before the baseline.
  gc?.()
  await new Promise(resolve => setImmediate(resolve))
  gc?.()
  const before = process.memoryUsage()
  peak = { rss: before.rss, heap: before.heapUsed, buffers: before.arrayBuffers, live: before.heapUsed + before.arrayBuffers }
  const started = performance.now()
  await work()
  sample()
  return {
    rss: peak.rss - before.rss,
    heap: peak.heap - before.heapUsed,
    buffers: peak.buffers - before.arrayBuffers,
    live: peak.live - (before.heapUsed + before.arrayBuffers),
    seconds: (performance.now() - started) / 1000
  }
}

async function open (): Promise<{ database: Database, where: string, url?: string }> {
  if (process.env.BENCH_EMBEDDED !== '1') {
    const target = await benchDatabase(log, { ...process.env, BENCH_PG_PORT: process.env.BENCH_PG_PORT ?? '55434' })
    const database = await openDatabase({ kind: 'postgres', url: target.url, poolMax: 4 })
    return { database, where: `PostgreSQL (${target.where})`, url: target.url }
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'compagnon-upload-memory-'))
  onCleanup('data directory', async () => { await rm(dataDir, { recursive: true, force: true }) })
  const database = await openDatabase({ kind: 'embedded', dataDir, holder: 'bench:upload-memory' })
  return { database, where: `embedded PGlite (${dataDir})` }
}

const BOUNDARY = `compagnon-bench-${randomUUID()}`

/** POSTs body() as the `files` part of a multipart request, streamed; resolves with status and answer. */
async function postMultipart (url: string, authorization: string | undefined): Promise<{ status: number, body: string, sha256: string }> {
  const hash = createHash('sha256')
  const target = new URL(url)
  return await new Promise((resolve, reject) => {
    const req = httpRequest({
      host: target.hostname,
      port: target.port,
      path: target.pathname,
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, ...(authorization !== undefined ? { authorization } : {}) }
    }, res => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => { text += d })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body: text, sha256: hash.digest('hex') }) })
    })
    req.on('error', reject)
    const send = async (): Promise<void> => {
      req.write(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="text"\r\n\r\nSynthèse (bench)\r\n`)
      req.write(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="synthese.pdf"\r\nContent-Type: application/pdf\r\n\r\n`)
      for await (const piece of body()) {
        hash.update(piece as Buffer)
        if (!req.write(piece)) await new Promise(resolve => req.once('drain', resolve))
      }
      req.end(`\r\n--${BOUNDARY}--\r\n`)
    }
    send().catch(reject)
  })
}

/**
 * The app as `npm start` builds it, on the same database, at 10:00 on the Friday of the 2025
 * event, with one course and one credited student: returns the hand-in URL and their token.
 */
async function startApp (database: Database, url: string | undefined): Promise<{ handInUrl: string, authorization: string, config: ResolvedConfig }> {
  const config = benchConfig({
    ...(url !== undefined ? { DATABASE_URL: url } : { DATA_DIR: tmpdir() })
  })
  const { app, services } = await buildApp(config, { database, clock: new FixedClock('2025-10-24T14:00:00Z'), backgroundJobs: false })
  onCleanup('close the app', async () => { await app.close() })
  await services.program.importFromFile(defaultProgramFile)
  const db = database.db
  const event = await db.selectFrom('events').select('id').executeTakeFirstOrThrow()
  const context = await db.insertInto('lti_contexts').values({
    issuer: 'https://moodle.example.org',
    client_id: 'bench',
    deployment_id: '1',
    context_id: 'ENP7009',
    event_id: event.id
  }).returning('id').executeTakeFirstOrThrow()
  const person = await db.insertInto('people').values({ display_name: 'Étudiante Banc' }).returning('id').executeTakeFirstOrThrow()
  await db.insertInto('registrations').values({ event_id: event.id, person_id: person.id, role: 'credited_student' }).execute()
  await db.insertInto('lti_roster_members').values({
    context_id: context.id,
    user_sub: 'bench-student',
    person_id: person.id,
    roles: JSON.stringify(['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner']),
    status: 'Active',
    synced_at: new Date()
  }).execute()
  // The assignment's own limit (20 MB by default) follows BENCH_UPLOAD_MB.
  await services.synthesisGrading.assignment(context.id)
  await db.updateTable('synthesis_assignments').set({ max_file_bytes: Math.max(SIZE, 20 * MiB) }).where('context_id', '=', context.id).execute()
  const base = await app.listen({ host: '127.0.0.1', port: 0 })
  return {
    handInUrl: `${base}/api/v1/courses/${context.id}/synthesis/submissions`,
    authorization: `Bearer ${app.jwt.sign({ sub: person.id, sid: (await services.people.openDeviceSession(person.id, 'bench')).deviceSessionId })}`,
    config
  }
}

installExitHandlers(300)
let failed = false
try {
  const { database, where, url } = await open()
  onCleanup('database', async () => { await database.close() })
  await migrateToLatest(database)
  const store = new FileStore(database.db, systemClock)
  const options = { maxBytes: SIZE, allowed: ['pdf', 'docx', 'odt'] as const }
  // Warm-up: loads file-type, compiles the paths, grows the database's caches a first time.
  const warm = await store.receive(body(), options)
  await store.discard([warm.id])
  log(`database: ${where}; ${SIZE / MiB} MiB in ${PIECE / 1024} KiB pieces, ${CHUNK_BYTES / 1024} KiB ` +
    `chunks${gc === undefined ? '; without --expose-gc: no live figure' : ''}`)

  let id = ''
  const upload = await measure(async () => { id = (await store.receive(body(), options)).id })
  await store.discard([id])
  upload.live = (await measure(async () => { id = (await store.receive(body(), options)).id }, true)).live
  const readBack = async (): Promise<void> => {
    const { stream } = await store.open(id)
    // Consumed and dropped, as by an HTTP response.
    for await (const chunk of stream) { if ((chunk as Buffer).length > 0) sample() }
  }
  const read = await measure(readBack)
  read.live = (await measure(readBack, true)).live
  await store.discard([id])
  // Through the whole app: a credited student's multipart hand-in over HTTP.
  const started = await startApp(database, url)
  let receipts = 0
  const handIn = async (): Promise<void> => {
    const res = await postMultipart(started.handInUrl, started.authorization)
    const receipt = JSON.parse(res.body) as { files?: Array<{ sha256: string, size: number }> }
    if (res.status !== 201 || receipt.files?.[0]?.sha256 !== res.sha256) throw new Error(`hand-in answered ${res.status}: ${res.body.slice(0, 300)}`)
    receipts++
  }
  await handIn()
  const http = await measure(handIn)
  http.live = (await measure(handIn, true)).live

  // The control: a bare route in the same process (same logger) that buffers the upload whole before storing it.
  const bare = Fastify({ logger: loggerOptions(started.config), bodyLimit: 1024 * 1024 })
  onCleanup('close the bare route', async () => { await bare.close() })
  await bare.register(multipart, { limits: { fileSize: SIZE + 1 } })
  bare.post('/bench/buffered', async (request, reply) => {
    const file = await request.file()
    const data = await file!.toBuffer()
    sample()
    const stored = await store.receive(Readable.from([data]), options)
    await store.discard([stored.id])
    return await reply.code(201).send({ size: data.length })
  })
  const bareBase = await bare.listen({ host: '127.0.0.1', port: 0 })
  const buffered = async (): Promise<void> => {
    const res = await postMultipart(`${bareBase}/bench/buffered`, undefined)
    if (res.status !== 201) throw new Error(`bare route answered ${res.status}: ${res.body.slice(0, 300)}`)
  }
  await buffered()
  const whole = await measure(buffered)
  whole.live = (await measure(buffered, true)).live

  const mib = (bytes: number): string => (bytes / MiB).toFixed(1).padStart(9)
  process.stdout.write(`${where}\n`)
  process.stdout.write('growth in MiB over the start of each  peak RSS  JS heap  Buffers  live (heap+Buffers after GC)  seconds\n')
  for (const [name, phase] of [
    ['receive() streaming', upload],
    ['open() read back', read],
    ['HTTP hand-in through the app', http],
    ['control: bare route, buffered whole', whole]
  ] as const) {
    process.stdout.write(
      `${name.padEnd(37)}${mib(phase.rss)}${mib(phase.heap)}${mib(phase.buffers)}${mib(phase.live)}${phase.seconds.toFixed(1).padStart(29)}\n`
    )
  }
  process.stdout.write(`hand-ins answered 201 with the right SHA-256: ${receipts}\n`)
  process.stdout.write(`upload peak RSS growth ${(http.rss / MiB).toFixed(1)} MiB, live ${(http.live / MiB).toFixed(1)} MiB, ` +
    `for ${(SIZE / MiB).toFixed(0)} MiB\n`)
  // Live memory decides: peak RSS also moves with garbage timing and the embedded database's own memory.
  failed = gc !== undefined && (upload.live >= SIZE / 2 || http.live >= SIZE / 2)
  if (failed) log('an upload grew memory by the size of the file: it is buffered')
} catch (err) {
  log(`failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`)
  failed = true
} finally {
  await cleanup()
}
process.exit(failed ? 1 : 0)
