import { AppError } from '../errors.js'
import { bilingual } from '../views/i18n.js'

export interface Jwk { kid?: string, kty: string, [key: string]: unknown }

interface Entry { keys: Jwk[], fetchedAt: number }

/**
 * Platform key sets, fetched with a timeout and cached: a launch signed with a key we have
 * is verified without a network call; an unknown kid triggers one refresh, at most once a
 * minute per key set (so forged kids cannot make us hammer the platform).
 */
export class JwksCache {
  readonly #entries = new Map<string, Entry>()
  readonly #inflight = new Map<string, Promise<Entry>>()

  constructor (private readonly options: { timeoutMs: number, minRefreshMs: number, maxAgeMs: number, now: () => number }) {}

  async key (url: string, kid: string): Promise<Jwk> {
    let entry = this.#entries.get(url)
    const now = this.options.now()
    const stale = entry === undefined || now - entry.fetchedAt > this.options.maxAgeMs
    const unknownKid = entry !== undefined && !entry.keys.some(k => k.kid === kid)
    if (stale || (unknownKid && now - (entry?.fetchedAt ?? 0) >= this.options.minRefreshMs)) {
      entry = await this.#refresh(url)
    }
    const key = entry?.keys.find(k => k.kid === kid)
    if (key === undefined) {
      throw new AppError('unauthorized', bilingual('lti.launchRefusedUnknownKey'))
    }
    return key
  }

  async #refresh (url: string): Promise<Entry> {
    const pending = this.#inflight.get(url)
    if (pending !== undefined) return await pending
    const fetching = (async () => {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(this.options.timeoutMs), headers: { accept: 'application/json' } })
        if (!res.ok) throw new Error(`HTTP ${res.status}`)
        const body = await res.json() as { keys?: unknown }
        if (!Array.isArray(body.keys)) throw new Error('no "keys" array')
        const entry = { keys: body.keys as Jwk[], fetchedAt: this.options.now() }
        this.#entries.set(url, entry)
        return entry
      } catch (err) {
        // Keep serving the keys we had; remember the attempt so a failing platform is not retried per request.
        const previous = this.#entries.get(url)
        if (previous !== undefined) {
          const entry = { keys: previous.keys, fetchedAt: this.options.now() }
          this.#entries.set(url, entry)
          return entry
        }
        // Why, for the logs; people read that the keys could not be fetched.
        throw new AppError('unavailable', bilingual('lti.platformKeysUnavailable'), { reason: (err as Error).message })
      } finally {
        this.#inflight.delete(url)
      }
    })()
    this.#inflight.set(url, fetching)
    return await fetching
  }
}
