import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import type { Clock } from '../clock.js'
import * as repo from './repository.js'

/** The collections lti_store accepts (its CHECK); ltijs names them as plain strings, checked against this list. */
export type LtiCollection = repo.StoreCollection
export const ltiCollections = [
  'platform', 'platformStatus', 'publickey', 'privatekey', 'accesstoken', 'nonce', 'state', 'idtoken', 'contexttoken'
] as const satisfies readonly LtiCollection[]
type Doc = Record<string, unknown>
type Key = string | false | undefined

const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE

export interface LtiStorageOptions {
  clock: Clock
  /** ltijs' tokenMaxAge (s): an id_token older than this is refused, so its nonce must outlive it. */
  tokenMaxAgeSeconds: number
  /** Allowed clock difference with platforms (s). */
  clockSkewSeconds: number
}

/**
 * The ltijs database plugin, on our own database through Kysely (PGlite and PostgreSQL alike),
 * so no MongoDB is needed. ltijs calls setup, Close, Get, Insert, Replace, Modify and Delete
 * with mongo-style equality queries; `Get` answers an array, or false when nothing matches.
 * Documents of encrypted calls are sealed with AES-256-GCM and only their index is queryable.
 * Every row gets an expiry here, since nothing like Mongo's TTL indexes runs for us.
 */
export class LtiStorage {
  readonly #db: Kysely<DB>
  readonly #options: LtiStorageOptions
  /** Expiry of nonces about to be stored, from the id_token that carries them (see expireNonceAt). */
  readonly #nonceExpiry = new Map<string, Date>()

  constructor (db: Kysely<DB>, options: LtiStorageOptions) {
    this.#db = db
    this.#options = options
  }

  async setup (): Promise<true> { return true }
  // The database belongs to the app, which closes it; ltijs must not.
  async Close (): Promise<true> { return true }

  /**
   * A used nonce is kept until the id_token that carried it can no longer be accepted:
   * max(iat + tokenMaxAge, exp) plus the clock skew. Called by the launch checks before
   * ltijs stores the nonce.
   */
  expireNonceAt (nonce: string, claims: { iat?: number, exp?: number }): void {
    const { tokenMaxAgeSeconds, clockSkewSeconds } = this.#options
    const lastAccepted = Math.max((claims.iat ?? 0) + tokenMaxAgeSeconds, claims.exp ?? 0)
    // Tokens refused after this point never store their nonce: drop their entries once past.
    if (this.#nonceExpiry.size > 1000) {
      const now = this.#options.clock.now()
      for (const [known, until] of this.#nonceExpiry) if (until <= now) this.#nonceExpiry.delete(known)
    }
    this.#nonceExpiry.set(nonce, new Date((lastAccepted + clockSkewSeconds) * 1000))
  }

  async Get (key: Key, collection: LtiCollection, query?: Doc): Promise<Doc[] | false> {
    const rows = await repo.findStoreDocuments(this.#db, collection, query, this.#options.clock.now())
    if (rows.length === 0) return false
    return rows.map(row => {
      if (typeof key === 'string' && key !== '' && row.sealed !== null) {
        return { ...unseal(row.sealed, key), createdAt: row.created_at.getTime() }
      }
      return { ...(row.fields as Doc), createdAt: row.created_at }
    })
  }

  async Insert (key: Key, collection: LtiCollection, item: Doc, index?: Doc): Promise<true> {
    await repo.insertStoreRow(this.#db, this.#row(key, collection, item, index))
    return true
  }

  /** Replaces the first document matching the query, or inserts one (mongo's replaceOne with upsert). */
  async Replace (key: Key, collection: LtiCollection, query: Doc, item: Doc, index?: Doc): Promise<true> {
    const row = this.#row(key, collection, item, index)
    await this.#db.transaction().execute(async trx => {
      // Expired rows count here: they still hold their unique index until the purge removes them.
      const existing = await repo.lockFirstStoreRowId(trx, collection, query)
      if (existing === undefined) {
        await repo.insertStoreRow(trx, row)
      } else {
        await repo.updateStoreRow(trx, existing, { fields: row.fields, sealed: row.sealed, created_at: row.created_at, expires_at: row.expires_at })
      }
    })
    return true
  }

  /** Sets fields of the first matching document (mongo's updateOne with $set). */
  async Modify (key: Key, collection: LtiCollection, query: Doc, modification: Doc): Promise<true> {
    await this.#db.transaction().execute(async trx => {
      const existing = await repo.lockFirstStoreRow(trx, collection, query, this.#options.clock.now())
      if (existing === undefined) return
      if (typeof key === 'string' && key !== '' && existing.sealed !== null) {
        const sealed = seal({ ...unseal(existing.sealed, key), ...modification }, key)
        await repo.updateStoreRow(trx, existing.id, { sealed })
      } else {
        await repo.updateStoreRow(trx, existing.id, { fields: JSON.stringify({ ...(existing.fields as Doc), ...modification }) })
      }
    })
    return true
  }

  async Delete (collection: LtiCollection, query: Doc): Promise<true> {
    await repo.deleteStoreDocuments(this.#db, collection, query)
    return true
  }

  /** Deletes expired rows; returns how many. Called periodically by the LTI module. */
  async purgeExpired (): Promise<number> {
    return await repo.deleteExpiredStoreRows(this.#db, this.#options.clock.now())
  }

  #row (key: Key, collection: LtiCollection, item: Doc, index?: Doc): repo.StoreRow {
    if (!(ltiCollections as readonly string[]).includes(collection)) throw new Error(`Unknown LTI collection: ${String(collection)}`)
    const encrypted = typeof key === 'string' && key !== ''
    if (encrypted && index === undefined) throw new Error('MISSING_PARAMS')
    const now = this.#options.clock.now()
    return {
      collection,
      fields: JSON.stringify(encrypted ? index : item),
      sealed: encrypted ? seal(item, key) : null,
      created_at: now,
      expires_at: this.#expiry(collection, item, now)
    }
  }

  #expiry (collection: LtiCollection, item: Doc, now: Date): Date | null {
    const after = (ms: number): Date => new Date(now.getTime() + ms)
    switch (collection) {
      case 'state': return after(10 * MINUTE)
      case 'idtoken':
      case 'contexttoken': return after(DAY)
      case 'accesstoken': {
        const expiresIn = Number((item.token as { expires_in?: unknown } | undefined)?.expires_in)
        // Renew a little early so a token is never used as it expires.
        return after(Number.isFinite(expiresIn) && expiresIn > 0 ? Math.max(0, expiresIn - 30) * 1000 : 5 * MINUTE)
      }
      case 'nonce': {
        const nonce = String(item.nonce)
        const known = this.#nonceExpiry.get(nonce)
        this.#nonceExpiry.delete(nonce)
        // Without the token's times, keep it a day: later than any token lifetime we accept.
        return known ?? after(DAY)
      }
      default: return null
    }
  }
}

const keyFrom = (secret: string): Buffer => createHash('sha256').update(secret).digest()

export function seal (doc: Doc, secret: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', keyFrom(secret), iv)
  const data = Buffer.concat([cipher.update(JSON.stringify(doc), 'utf8'), cipher.final()])
  return Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64')
}

export function unseal (sealed: string, secret: string): Doc {
  const raw = Buffer.from(sealed, 'base64')
  const decipher = createDecipheriv('aes-256-gcm', keyFrom(secret), raw.subarray(0, 12))
  decipher.setAuthTag(raw.subarray(12, 28))
  return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as Doc
}
