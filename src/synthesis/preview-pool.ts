import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { MessageChannel } from 'node:worker_threads'
import { LRUCache } from 'lru-cache'
import { Piscina } from 'piscina'
import { AppError } from '../errors.js'
import { defaultArchiveLimits, inspectDirectory, type ArchiveLimits } from '../files/archive-limits.js'
import { bilingual } from '../views/i18n.js'
import type { PreviewOutcome, PreviewTask } from './preview-worker.js'

export type { PreviewOutcome, PreviewRefusal } from './preview-worker.js'

// The worker is a sibling module: .ts when run from the sources (tsx, tests), .js once built.
const workerFile = fileURLToPath(new URL(`./preview-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url))

const MiB = 1024 * 1024

export interface PreviewPoolOptions {
  /** Preview threads: by default one fewer than the cores (at least one, at most two), so the main thread keeps a core. */
  threads?: number
  /** Wall time one preview may take once a thread starts it; past it the thread is ended and replaced. */
  timeLimitMs?: number
  /** Heap of one thread (V8's old generation); past it the thread dies and the preview is refused. */
  maxHeapMb?: number
  /** Previews waiting for a thread; past it the page asks to try again (nothing is cached). */
  maxQueue?: number
  limits?: ArchiveLimits
  /** Sum of the cached pages' lengths. */
  cacheBytes?: number
}

/**
 * DOCX previews, off the main thread and bounded: a student's hand-in is untrusted input, and
 * one crafted file (a zip bomb, an enormous XML part) kept the server from answering anyone for
 * most of a minute when mammoth ran in the request. Here each preview runs in a piscina thread
 * with `resourceLimits` and a wall-time limit, after the archive checks of archive-limits.ts
 * (the central directory's on this thread, before queueing; the inflating ones in the thread).
 * Outcomes (the HTML, or why not) are cached per file content (its SHA-256), so reopening a
 * preview costs nothing and a hostile file is inspected once; previews of the same file asked
 * at once share one task.
 */
export class PreviewPool {
  readonly threads: number
  readonly timeLimitMs: number
  readonly #maxHeapMb: number
  readonly #maxQueue: number
  readonly #limits: ArchiveLimits
  readonly #cache: LRUCache<string, PreviewOutcome>
  readonly #running = new Map<string, Promise<PreviewOutcome>>()
  #pool: Piscina | undefined
  #tasks = 0

  constructor (options: PreviewPoolOptions = {}) {
    this.threads = options.threads ?? Math.max(1, Math.min(2, availableParallelism() - 1))
    if (!Number.isInteger(this.threads) || this.threads < 1) throw new RangeError(`PreviewPool: threads must be a positive integer (got ${this.threads})`)
    this.timeLimitMs = options.timeLimitMs ?? 3_000
    this.#maxHeapMb = options.maxHeapMb ?? 256
    this.#maxQueue = options.maxQueue ?? 16
    this.#limits = options.limits ?? defaultArchiveLimits
    this.#cache = new LRUCache({
      max: 500,
      maxSize: options.cacheBytes ?? 64 * MiB,
      sizeCalculation: outcome => outcome.ok ? Math.max(1, outcome.html.length) : 1
    })
  }

  /** Tasks handed to the threads since the start (a cached or shared preview adds none). */
  get tasks (): number { return this.#tasks }

  /**
   * The preview of the file whose content hashes to `sha256`; `read` gives its bytes and is
   * called only when the outcome is not cached. Throws a 503 AppError when the queue is full.
   */
  async preview (sha256: string, read: () => Promise<Buffer>): Promise<PreviewOutcome> {
    const cached = this.#cache.get(sha256)
    if (cached !== undefined) return cached
    let running = this.#running.get(sha256)
    if (running === undefined) {
      running = (async () => await this.#run(await read()))()
      this.#running.set(sha256, running)
      running.then(outcome => {
        // A thread ended for time or memory may have been slowed by a busy machine: tried again later.
        this.#cache.set(sha256, outcome, outcome.ok || (outcome.reason !== 'time' && outcome.reason !== 'memory') ? {} : { ttl: 15 * 60_000 })
      }, () => {}).finally(() => this.#running.delete(sha256))
    }
    return await running
  }

  async #run (bytes: Buffer): Promise<PreviewOutcome> {
    // The directory alone refuses most hostile files (too many entries, a bomb's ratio) without a thread or a place in the queue.
    const early = await inspectDirectory(bytes, this.#limits)
    if (early !== undefined) return { ok: false, reason: early }
    const pool = this.#piscina()
    const controller = new AbortController()
    const { port1, port2 } = new MessageChannel()
    let timer: NodeJS.Timeout | undefined
    port1.once('message', () => { timer = setTimeout(() => { controller.abort() }, this.timeLimitMs) })
    const task: PreviewTask = { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), limits: this.#limits, started: port2 }
    this.#tasks++
    try {
      return await pool.run(task, { signal: controller.signal, transferList: [port2] }) as PreviewOutcome
    } catch (err) {
      // piscina ends the thread running an aborted task and starts another.
      if (controller.signal.aborted) return { ok: false, reason: 'time' }
      if ((err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') return { ok: false, reason: 'memory' }
      if (/queue is at limit/i.test((err as Error).message)) {
        throw new AppError('unavailable', bilingual('synthesis.previewsBusy'))
      }
      throw err
    } finally {
      clearTimeout(timer)
      port1.close()
    }
  }

  #piscina (): Piscina {
    this.#pool ??= new Piscina({
      filename: workerFile,
      minThreads: this.threads,
      maxThreads: this.threads,
      maxQueue: this.#maxQueue,
      idleTimeout: 60_000,
      resourceLimits: { maxOldGenerationSizeMb: this.#maxHeapMb, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 }
    })
    return this.#pool
  }

  async close (): Promise<void> {
    const pool = this.#pool
    this.#pool = undefined
    await pool?.destroy()
  }
}
