import { sql, type Kysely } from 'kysely'

/** The channel on which a transaction that queues work wakes the workers of every instance. */
export const WORK_CHANNEL = 'compagnon_work'

/** Kinds of queued work, as background jobs listen for them (src/jobs.ts `wakeOn`). */
export type Work = 'grades' | 'rosters' | 'messages' | 'attestation-jobs'

/**
 * Wakes the workers of `work` on every instance once the caller's transaction commits (a
 * rolled-back one wakes nobody). Workers still look on a slow tick: a notification is a hint,
 * and work due later (retries) is found by the tick.
 */
export async function wakeWorkers (db: Kysely<any>, work: Work): Promise<void> {
  await sql`SELECT pg_notify(${WORK_CHANNEL}, ${work})`.execute(db)
}
