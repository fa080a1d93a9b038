import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { Piscina } from 'piscina'
import type { AttestationSnapshot } from './snapshot.js'
import type { AttestationRenderer } from './renderer.js'

// The worker is a sibling module: .ts when run from the sources (tsx, tests), .js once built.
const workerFile = fileURLToPath(new URL(`./render-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url))

/** Rendering threads by default: one per core, at most two (the database and HTTP keep the main thread busy too). */
export const defaultRenderThreads = (): number => Math.max(1, Math.min(2, availableParallelism()))

/**
 * Worker threads (piscina) that turn snapshots into PDF bytes for the bulk job, in parallel.
 * They only render (see render-worker.ts); the job reads and writes the database. Threads start
 * on the first render and stay until `close()` (the app closes it when it closes).
 */
export class RenderPool implements AttestationRenderer {
  #pool: Piscina | undefined
  readonly threads: number

  constructor (private readonly assetsDir: string, threads: number = defaultRenderThreads()) {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`RenderPool: threads must be a positive integer (got ${threads})`)
    this.threads = threads
  }

  /** The running threads (for measurements), empty before the first render. */
  get workers (): readonly unknown[] { return this.#pool?.threads ?? [] }

  /**
   * Starts the threads and has each load the assets, without waiting: a job calls it before
   * reading its data, so the two overlap. A failure here shows again at the first render.
   */
  warm (): void {
    const pool = this.#piscina()
    for (let i = 0; i < this.threads; i++) pool.run(null, { name: 'warm' }).catch(() => {})
  }

  async render (snapshot: AttestationSnapshot): Promise<Buffer> {
    // Structured clone keeps only plain data: the snapshot crosses as JSON-like values.
    const bytes = await this.#piscina().run(snapshot) as ArrayBuffer
    return Buffer.from(bytes)
  }

  #piscina (): Piscina {
    this.#pool ??= new Piscina({
      filename: workerFile,
      minThreads: this.threads,
      maxThreads: this.threads,
      // Idle threads stay: between two batches of a job, restarting one would load the fonts again.
      idleTimeout: Number.POSITIVE_INFINITY,
      workerData: { assetsDir: this.assetsDir },
      // A thread keeps ~30 MB live (fonts, pdf-lib) but, left to V8's defaults, lets its heap grow
      // to ~150 MB before collecting: 1,000 attestations on 2 threads peaked ~390 MiB for the pool
      // alone, ~250 MiB with these (measured; same speed). An attestation that would need more
      // fails alone (counted and reported by the job), never the process.
      resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 96 }
    })
    return this.#pool
  }

  async close (): Promise<void> {
    const pool = this.#pool
    this.#pool = undefined
    await pool?.destroy()
  }
}
