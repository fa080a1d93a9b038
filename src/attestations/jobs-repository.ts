import { sql, type Kysely, type Selectable } from 'kysely'
import type { AttestationJobs, DB } from '../db/schema.js'
import { wakeWorkers } from '../db/wakeups.js'

/**
 * Bulk attestation jobs' data access (src/attestations/jobs.ts). A job's lease value is its
 * owner's token: every write of a running job names the lease it holds and says whether the
 * row still had it. Functions take a Kysely handle so the caller can pass a transaction.
 */
type Q = Kysely<DB>

export type JobRow = Selectable<AttestationJobs>

/** What a running job has done so far. */
export interface JobProgress { done: number, issued: number, failed: number, error: string | null }

export async function findJob (db: Q, jobId: string): Promise<JobRow | undefined> {
  return await db.selectFrom('attestation_jobs').selectAll().where('id', '=', jobId).executeTakeFirst()
}

/** Locks the event's row until the transaction ends: starts of one event take turns. */
export async function lockEventForJobStart (db: Q, eventId: string): Promise<void> {
  await sql`SELECT id FROM events WHERE id = ${eventId} FOR NO KEY UPDATE`.execute(db)
}

/** The event's oldest job still queued or running. */
export async function openJobOfEvent (db: Q, eventId: string): Promise<JobRow | undefined> {
  return await db.selectFrom('attestation_jobs').selectAll().where('event_id', '=', eventId)
    .where('status', 'in', ['queued', 'running']).orderBy('created_at').executeTakeFirst()
}

export async function insertJob (db: Q, values: { event_id: string, requested_by: string, created_at: Date }): Promise<JobRow> {
  const row = await db.insertInto('attestation_jobs').values(values).returningAll().executeTakeFirstOrThrow()
  await wakeWorkers(db, 'attestation-jobs')
  return row
}

/**
 * Marks the oldest due job (queued, or running with an expired lease) running under the given
 * lease, skipping rows another instance is claiming; `was` is its status before.
 */
export async function claimDueJob (db: Q, now: Date, lease: Date): Promise<(JobRow & { was: string }) | undefined> {
  const claimed = await sql<JobRow & { was: string }>`
      UPDATE attestation_jobs AS j SET status = 'running', lease_until = ${lease}, started_at = COALESCE(j.started_at, ${now})
      FROM (
        SELECT id, status AS was FROM attestation_jobs
        WHERE status = 'queued' OR (status = 'running' AND (lease_until IS NULL OR lease_until < ${now}))
        ORDER BY created_at
        LIMIT 1
        FOR UPDATE SKIP LOCKED
      ) AS due
      WHERE j.id = due.id
      RETURNING j.*, due.was`.execute(db)
  return claimed.rows[0]
}

/** Writes progress and the next lease; false when the job is no longer running under `lease`. */
export async function saveProgress (db: Q, jobId: string, lease: Date, values: JobProgress & { total?: number, lease_until: Date }): Promise<boolean> {
  const updated = await db.updateTable('attestation_jobs')
    .set(values)
    .where('id', '=', jobId).where('status', '=', 'running').where('lease_until', '=', lease)
    .executeTakeFirst()
  return updated.numUpdatedRows === 1n
}

/** Sets the lease of a job still held under `lease` (a lease in the past gives the job back). */
export async function setLease (db: Q, jobId: string, lease: Date, until: Date): Promise<void> {
  await db.updateTable('attestation_jobs').set({ lease_until: until })
    .where('id', '=', jobId).where('lease_until', '=', lease).execute()
}

/** Ends a job still running under `lease` (done with its ZIP, or failed); false when it is no longer ours. */
export async function finishJob (db: Q, jobId: string, lease: Date, values: JobProgress & {
  status: 'done' | 'failed'
  zip_file_id?: string
  finished_at: Date
}): Promise<boolean> {
  const updated = await db.updateTable('attestation_jobs')
    .set({ ...values, lease_until: null })
    .where('id', '=', jobId).where('status', '=', 'running').where('lease_until', '=', lease)
    .executeTakeFirst()
  return updated.numUpdatedRows === 1n
}

/** The stored size of each file (id → bytes), a thousand ids per query. */
export async function fileSizes (db: Q, fileIds: string[]): Promise<Map<string, number>> {
  const sizes = new Map<string, number>()
  for (let i = 0; i < fileIds.length; i += 1000) {
    for (const f of await db.selectFrom('files').select(['id', 'size']).where('id', 'in', fileIds.slice(i, i + 1000)).execute()) sizes.set(f.id, Number(f.size))
  }
  return sizes
}
