import { sql, type Kysely } from 'kysely'
import type { DB } from './schema.js'

/** The queues whose due rows are `status = 'pending' AND next_attempt_at <= now` (grades for the LMS, outgoing messages). */
export type LeasedQueue = 'lti_grade_outbox' | 'outgoing_messages'

/**
 * Takes up to `limit` due rows of a queue for this worker until `leaseUntil`: their
 * next_attempt_at moves to the lease's end, so another worker (or instance) skips them while
 * they are being handled, and takes them up again only if this one died before recording the
 * outcome. SKIP LOCKED: two workers claiming at once get different rows, never wait. No
 * transaction is held while the work runs.
 */
export async function claimLeased<T extends LeasedQueue, Row> (db: Kysely<DB>, table: T, o: {
  now: Date
  leaseUntil: Date
  limit: number
  orderBy: ReadonlyArray<keyof DB[T] & string>
  columns: ReadonlyArray<keyof DB[T] & string>
}): Promise<Row[]> {
  const columns = (names: ReadonlyArray<string>): ReturnType<typeof sql.join> => sql.join(names.map(name => sql.ref(name)))
  const claimed = await sql<Row>`
    UPDATE ${sql.table(table)} SET next_attempt_at = ${o.leaseUntil}
    WHERE id IN (
      SELECT id FROM ${sql.table(table)}
      WHERE status = 'pending' AND next_attempt_at <= ${o.now}
      ORDER BY ${columns(o.orderBy)}
      LIMIT ${o.limit}
      FOR UPDATE SKIP LOCKED
    )
    RETURNING ${columns(o.columns)}`.execute(db)
  return claimed.rows
}
