/**
 * `npm run bench:upload-memory`: how much memory a 20 MB upload costs FileStore.receive().
 *
 * Streams a generated 20 MB PDF-prefixed body (64 KiB pieces, like a request body) through
 * receive(), then reads it back through open(), and reports for each the growth of the
 * process's RSS, JavaScript heap, Buffer memory and live memory (see sample()). A control last, in the same process:
 * the same body collected whole before storing, i.e. what a buffering implementation costs.
 *
 * On the embedded database by default (a PGlite in a temporary directory, as `npm start`), on
 * PostgreSQL when DATABASE_URL is set (a dedicated database created and dropped on that server).
 * The last line is `upload peak RSS growth <MiB> MiB, live <MiB> MiB, for <MiB> MiB`; exits 1
 * when receive() holds half of the file or more at once (it would be buffering it whole).
 * Run with `node --expose-gc` (the npm script does) so each phase starts from a collected heap.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { systemClock } from '../src/clock.js'
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

async function open (): Promise<{ database: Database, where: string }> {
  if (process.env.DATABASE_URL !== undefined && process.env.DATABASE_URL !== '') {
    const target = await benchDatabase(log)
    const database = await openDatabase({ kind: 'postgres', url: target.url, poolMax: 2 })
    return { database, where: `PostgreSQL (${target.where})` }
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'compagnon-upload-memory-'))
  onCleanup('data directory', async () => { await rm(dataDir, { recursive: true, force: true }) })
  const database = await openDatabase({ kind: 'embedded', dataDir, holder: 'bench:upload-memory' })
  return { database, where: `embedded PGlite (${dataDir})` }
}

installExitHandlers(300)
let failed = false
try {
  const { database, where } = await open()
  onCleanup('database', async () => { await database.close() })
  await migrateToLatest(database)
  const store = new FileStore(database.db, systemClock)
  const options = { maxBytes: SIZE, allowed: ['pdf', 'docx', 'odt'] as const }
  // Warm-up: loads file-type, compiles the paths, grows the database's caches a first time.
  const warm = await store.receive(body(), options)
  await store.discard([warm.id])
  log(`database: ${where}; ${SIZE / MiB} MiB in ${PIECE / 1024} KiB pieces, ${CHUNK_BYTES / 1024} KiB chunks${gc === undefined ? '; without --expose-gc: no live figure' : ''}`)

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
  // The control: what receive() would cost if it held the body whole before storing it.
  const buffered = async (): Promise<void> => {
    const parts: Buffer[] = []
    for await (const part of body()) parts.push(Buffer.from(part as Buffer))
    const data = Buffer.concat(parts)
    parts.length = 0
    sample()
    const stored = await store.receive(Readable.from([data]), options)
    await store.discard([stored.id])
  }
  const whole = await measure(buffered)
  whole.live = (await measure(buffered, true)).live

  const mib = (bytes: number): string => (bytes / MiB).toFixed(1).padStart(9)
  process.stdout.write('growth in MiB over the start of each  peak RSS  JS heap  Buffers  live (heap+Buffers after GC)  seconds\n')
  for (const [name, phase] of [['receive() streaming', upload], ['open() read back', read], ['control: body buffered whole', whole]] as const) {
    process.stdout.write(`${name.padEnd(37)}${mib(phase.rss)}${mib(phase.heap)}${mib(phase.buffers)}${mib(phase.live)}${phase.seconds.toFixed(1).padStart(29)}\n`)
  }
  process.stdout.write(`upload peak RSS growth ${(upload.rss / MiB).toFixed(1)} MiB, live ${(upload.live / MiB).toFixed(1)} MiB, for ${(SIZE / MiB).toFixed(0)} MiB\n`)
  // Live memory decides: peak RSS also moves with garbage timing and the embedded database's own memory.
  failed = gc !== undefined && upload.live >= SIZE / 2
  if (failed) log('receive() grew memory by the size of the file: it buffers the upload')
} catch (err) {
  log(`failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`)
  failed = true
} finally {
  await cleanup()
}
process.exit(failed ? 1 : 0)
