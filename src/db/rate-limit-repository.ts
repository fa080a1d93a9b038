import { sql, type Kysely } from 'kysely'
import type { DB } from './schema.js'

/** Request counters shared by the instances (src/http/rate-limit-store.ts holds the rules). */
type Q = Kysely<DB>

/**
 * Counts one hit of `key` in its current window, opening a new window of `windowMs` when there
 * is none or it has ended; one statement, so instances hitting the same key at once each get
 * their own count. The database's clock is the one all instances share.
 */
export async function hit (db: Q, key: string, windowMs: number): Promise<{ hits: number, ttlMs: number }> {
  const { rows } = await sql<{ hits: number, ttl_ms: number }>`
    INSERT INTO rate_limit_counters AS c (key, hits, resets_at)
    VALUES (${key}, 1, clock_timestamp() + make_interval(secs => ${windowMs / 1000}))
    ON CONFLICT (key) DO UPDATE SET
      hits = CASE WHEN c.resets_at <= clock_timestamp() THEN 1 ELSE c.hits + 1 END,
      resets_at = CASE WHEN c.resets_at <= clock_timestamp() THEN excluded.resets_at ELSE c.resets_at END
    RETURNING hits, greatest(0, ceil(extract(epoch FROM resets_at - clock_timestamp()) * 1000))::integer AS ttl_ms`.execute(db)
  const row = rows[0]!
  return { hits: row.hits, ttlMs: row.ttl_ms }
}

/** Forgets the windows that have ended; returns how many. */
export async function purgeEnded (db: Q): Promise<number> {
  const result = await db.deleteFrom('rate_limit_counters').where('resets_at', '<=', sql<Date>`clock_timestamp()`).executeTakeFirst()
  return Number(result.numDeletedRows)
}
