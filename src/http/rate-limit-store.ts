import { createHmac } from 'node:crypto'
import type { FastifyRateLimitOptions, FastifyRateLimitStore } from '@fastify/rate-limit'
// @fastify/rate-limit's own in-memory store (a plain CommonJS file of the package, no exports map).
import LocalStore from '@fastify/rate-limit/store/LocalStore.js'
import type { Db } from '../db/database.js'
import * as counters from '../db/rate-limit-repository.js'

/**
 * A limiter's options as our hooks give them: `shared` names a limit whose counters every
 * instance must see (its prefix in the shared table). Without a database to share them in
 * (embedded PGlite: one instance by construction) every limit counts in memory.
 */
export interface LimitOptions { shared?: string }

/** What @fastify/rate-limit hands a store: its merged options (some missing from its typings). */
type StoreOptions = FastifyRateLimitOptions & LimitOptions & { continueExceeding?: boolean, exponentialBackoff?: boolean, cache?: number }

declare module '@fastify/rate-limit' {
  interface CreateRateLimitOptions {
    /** Counted in the database by every instance, under this name (see rateLimitStore). */
    shared?: string
  }
}

type Callback = (error: Error | null, result?: { current: number, ttl: number }) => void

/**
 * The store of @fastify/rate-limit (its `store` option) for Compagnon: limits marked `shared`
 * count in PostgreSQL (one upsert per counted request, the low-rate limits only), the others —
 * the per-address ceiling and check-ins, on the 08:30 hot path — in this instance's memory.
 */
export function rateLimitStore (shared: { db: Db, secret: string } | undefined): new (options: FastifyRateLimitOptions) => FastifyRateLimitStore {
  return class CompagnonRateLimitStore {
    readonly #local: FastifyRateLimitStore
    constructor (options: StoreOptions) {
      this.#local = new LocalStore(options.continueExceeding, options.exponentialBackoff, options.cache)
    }

    incr (key: string, callback: Callback, timeWindow: number, max: number): void {
      this.#local.incr(key, callback, timeWindow, max)
    }

    child (options: StoreOptions): FastifyRateLimitStore {
      if (shared !== undefined && options.shared !== undefined) {
        return new SharedCounters(shared.db, shared.secret, options.shared) as unknown as FastifyRateLimitStore
      }
      return new LocalStore(options.continueExceeding, options.exponentialBackoff, options.cache)
    }
  } as unknown as new (options: FastifyRateLimitOptions) => FastifyRateLimitStore
}

/**
 * One shared limit: its counters in `rate_limit_counters`, keyed by an HMAC of `prefix:key` with
 * the instances' shared secret. Keys carry client addresses: a plain hash of an IPv4 address is
 * reversed by trying them all, a keyed one is not (the privacy notice says no address is stored).
 */
class SharedCounters {
  constructor (private readonly db: Db, private readonly secret: string, private readonly prefix: string) {}

  #key (key: string): string {
    return createHmac('sha256', this.secret).update(`${this.prefix}:${key}`).digest('base64url')
  }

  incr (key: string, callback: Callback, timeWindow: number): void {
    counters.hit(this.db, this.#key(key), timeWindow)
      .then(
        ({ hits, ttlMs }) => { callback(null, { current: hits, ttl: ttlMs }) },
        (err: unknown) => { callback(err instanceof Error ? err : new Error(String(err))) }
      )
  }

  child (): SharedCounters {
    return this
  }
}
