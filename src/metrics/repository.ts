import { sql } from 'kysely'
import type { Db } from '../db/database.js'

/** Work waiting in the database, read at scrape time. */
export interface Backlog {
  /** Grades not yet accepted by the LMS, per line item; `retrying` have failed at least once. */
  grades: Array<{ lineItem: string, state: 'new' | 'retrying', count: number }>
  /** Seconds since the oldest grade still waiting was queued (0 when none waits). */
  gradesOldestSeconds: number
  /** Messages for SMTP: waiting (`new`, `retrying`) or given up (`failed`). Stored messages (no SMTP) are not a backlog. */
  messages: Array<{ state: 'new' | 'retrying' | 'failed', count: number }>
  messagesOldestSeconds: number
  /** Bulk attestation jobs per status, and attestations those jobs could not make. */
  attestationJobs: Array<{ status: string, count: number, failedItems: number }>
  /** LMS courses whose last roster sync failed (retried with backoff). */
  rosterFailing: number
}

/**
 * Small queries, one after the other (PGlite has one connection). Waiting grades and messages
 * are read through the partial indexes on `status = 'pending'`; given-up messages, bulk jobs and
 * courses are small tables (hundreds of rows for an event). Ages use the database's clock, like
 * the `created_at` they compare with.
 */
export async function readBacklog (db: Db): Promise<Backlog> {
  const grades = await sql<{ line_item: string, retrying: boolean, n: number, age: number | null }>`
    SELECT line_item, last_error IS NOT NULL AS retrying, count(*)::int AS n,
      extract(epoch FROM now() - min(created_at))::float8 AS age
    FROM lti_grade_outbox WHERE status = 'pending' GROUP BY 1, 2`.execute(db)
  const messages = await sql<{ status: string, retrying: boolean, n: number, age: number | null }>`
    SELECT status, attempts > 0 AS retrying, count(*)::int AS n,
      extract(epoch FROM now() - min(created_at))::float8 AS age
    FROM outgoing_messages WHERE status IN ('pending', 'failed') GROUP BY 1, 2`.execute(db)
  const jobs = await sql<{ status: string, n: number, failed: number }>`
    SELECT status, count(*)::int AS n, coalesce(sum(failed), 0)::int AS failed
    FROM attestation_jobs GROUP BY 1`.execute(db)
  const roster = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM lti_contexts WHERE roster_sync_error IS NOT NULL`.execute(db)
  const oldest = (rows: Array<{ age: number | null }>): number => Math.max(0, ...rows.map(r => Number(r.age ?? 0)))
  const pendingMessages = messages.rows.filter(r => r.status === 'pending')
  return {
    grades: grades.rows.map(r => ({ lineItem: r.line_item, state: r.retrying ? 'retrying' : 'new', count: Number(r.n) })),
    gradesOldestSeconds: oldest(grades.rows),
    messages: messages.rows.map(r => ({ state: r.status === 'failed' ? 'failed' : r.retrying ? 'retrying' : 'new', count: Number(r.n) })),
    messagesOldestSeconds: oldest(pendingMessages),
    attestationJobs: jobs.rows.map(r => ({ status: r.status, count: Number(r.n), failedItems: Number(r.failed) })),
    rosterFailing: Number(roster.rows[0]?.n ?? 0)
  }
}
