// SQL of the retention purge. Every rule is a condition on one table (alias `t`), used both to
// count what is due (dry run) and to delete it a bounded batch at a time, so the dry run and
// the purge can never disagree about what they cover.
import { sql, type RawBuilder } from 'kysely'
import type { Db } from '../db/database.js'

/** Which events' periods are over, per kind of data, and the instants for data without an event. */
export interface PurgeScope {
  now: Date
  attendanceEvents: string[]
  submissionsEvents: string[]
  messagesEvents: string[]
  peopleEvents: string[]
  accessLogEvents: string[]
  /** Typed-code attempts and messages belong to no event: their own date counts. */
  attemptsBefore: Date
  messagesBefore: Date
  accessLogBefore: Date
  attestationsIssuedBefore: Date
}

export type Where = RawBuilder<unknown>

/** `(a, b, c)` for IN, or `(NULL)` (matches nothing) for an empty list. */
export const inList = (ids: readonly string[]): Where =>
  ids.length === 0 ? sql`(NULL)` : sql`(${sql.join(ids.map(id => sql`${id}`))})`

/** No grade for this person and assignment is still waiting to reach the LMS. */
export const noPendingSynthesisGrade: Where = sql`NOT EXISTS (
  SELECT 1 FROM lti_grade_outbox o JOIN synthesis_assignments a ON a.context_id = o.context_id
  WHERE a.id = t.assignment_id AND o.person_id = t.person_id AND o.line_item = 'synthese' AND o.status = 'pending')`

/** No attendance grade of this person in a course of this event is still waiting to reach the LMS. */
const noPendingPresenceGrade: Where = sql`NOT EXISTS (
  SELECT 1 FROM lti_grade_outbox o JOIN lti_contexts c ON c.id = o.context_id
  WHERE c.event_id = t.event_id AND o.person_id = t.person_id AND o.line_item = 'presence' AND o.status = 'pending')`

export async function countWhere (db: Db, table: string, where: Where): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)} AS t WHERE ${where}`.execute(db)
  return rows[0]?.n ?? 0
}

/** Deletes at most `limit` rows matching `where`; returns how many. */
export async function deleteWhere (trx: Db, table: string, where: Where, limit: number): Promise<number> {
  const { rows } = await sql<{ x: number }>`DELETE FROM ${sql.table(table)} WHERE ctid IN (
    SELECT t.ctid FROM ${sql.table(table)} AS t WHERE ${where} LIMIT ${limit}) RETURNING 1 AS x`.execute(trx)
  return rows.length
}

const submissionFilesWhere = (submissions: Where): Where => sql`t.id IN (
  SELECT f.file_id FROM synthesis_submission_files f JOIN synthesis_submissions s ON s.id = f.submission_id
  WHERE s.id IN (SELECT t.id FROM synthesis_submissions t WHERE ${submissions}))`

/** Files cited by nothing any more: no submission, attestation, message or bulk job. */
const uncited: Where = sql`NOT EXISTS (SELECT 1 FROM synthesis_submission_files x WHERE x.file_id = t.id)
  AND NOT EXISTS (SELECT 1 FROM attestations x WHERE x.file_id = t.id)
  AND NOT EXISTS (SELECT 1 FROM outgoing_messages x WHERE x.attachment_file_id = t.id)
  AND NOT EXISTS (SELECT 1 FROM attestation_jobs x WHERE x.zip_file_id = t.id)`

/**
 * Deletes at most `limit` submissions matching `where` (on synthesis_submissions AS t) with
 * their files: a file kept from one version to the next is deleted with the last version citing it.
 */
export async function deleteSubmissions (trx: Db, where: Where, limit: number): Promise<{ submissions: number, files: number }> {
  const { rows } = await sql<{ id: string }>`SELECT t.id FROM synthesis_submissions t WHERE ${where} LIMIT ${limit}`.execute(trx)
  if (rows.length === 0) return { submissions: 0, files: 0 }
  const ids = rows.map(r => r.id)
  const files = await sql<{ file_id: string }>`SELECT DISTINCT file_id FROM synthesis_submission_files WHERE submission_id IN ${inList(ids)}`.execute(trx)
  await sql`DELETE FROM synthesis_submissions WHERE id IN ${inList(ids)}`.execute(trx)
  const fileIds = files.rows.map(f => f.file_id)
  // file_chunks go with their file (ON DELETE CASCADE).
  const gone = fileIds.length === 0 ? 0 : await deleteWhere(trx, 'files', sql`t.id IN ${inList(fileIds)} AND ${uncited}`, fileIds.length)
  return { submissions: ids.length, files: gone }
}

export async function countSubmissionFiles (db: Db, where: Where): Promise<number> {
  return await countWhere(db, 'files', submissionFilesWhere(where))
}

// ---------- the rules ----------

export type PurgeKind =
  | 'attendance_records' | 'attendance_history' | 'attendance_excuses' | 'attendance_choices' | 'attendance_scans'
  | 'attendance_pending_scans' | 'attendance_passes' | 'attendance_code_attempts'
  | 'synthesis_drafts' | 'synthesis_submissions' | 'synthesis_grades' | 'synthesis_grade_history' | 'synthesis_extensions'
  | 'grade_deliveries' | 'outgoing_messages' | 'attestations_minimised' | 'people_anonymised' | 'access_log'

export interface PurgeRule {
  kind: PurgeKind
  /** Rows (or people) due now. */
  count: (db: Db, scope: PurgeScope) => Promise<number>
  /** Handles at most `limit` rows; `more`: there may be some left; `counts`: everything touched, by kind. */
  batch: (trx: Db, scope: PurgeScope, limit: number) => Promise<{ more: boolean, counts: Record<string, number> }>
}

/** A rule that deletes rows of one table. */
function deleting (kind: PurgeKind, table: string, where: (s: PurgeScope) => Where | undefined): PurgeRule {
  return {
    kind,
    count: async (db, s) => { const w = where(s); return w === undefined ? 0 : await countWhere(db, table, w) },
    batch: async (trx, s, limit) => {
      const w = where(s)
      const n = w === undefined ? 0 : await deleteWhere(trx, table, w, limit)
      return { more: n === limit, counts: { [kind]: n } }
    }
  }
}

const some = (ids: string[], where: (list: Where) => Where): Where | undefined => ids.length === 0 ? undefined : where(inList(ids))
const eventSlots = (list: Where): Where => sql`t.slot_id IN (SELECT id FROM time_slots WHERE event_id IN ${list})`
const eventSessions = (list: Where): Where => sql`t.session_id IN (SELECT id FROM sessions WHERE event_id IN ${list})`
const eventAssignments = (list: Where): Where =>
  sql`t.assignment_id IN (SELECT id FROM synthesis_assignments WHERE event_id IN ${list}) AND ${noPendingSynthesisGrade}`

const attendanceRecordsWhere = (s: PurgeScope): Where | undefined =>
  some(s.attendanceEvents, list => sql`t.event_id IN ${list} AND ${noPendingPresenceGrade}`)

/**
 * Attendance records go, but per session and status the count stays (attendance_session_totals),
 * added in the same statement as the deletion so a count is never lost nor counted twice.
 */
const attendanceRecords: PurgeRule = {
  kind: 'attendance_records',
  count: async (db, s) => { const w = attendanceRecordsWhere(s); return w === undefined ? 0 : await countWhere(db, 'attendance_records', w) },
  batch: async (trx, s, limit) => {
    const w = attendanceRecordsWhere(s)
    if (w === undefined) return { more: false, counts: {} as Record<string, number> }
    const { rows } = await sql<{ n: number }>`WITH gone AS (
        DELETE FROM attendance_records WHERE ctid IN (SELECT t.ctid FROM attendance_records t WHERE ${w} LIMIT ${limit})
        RETURNING session_id, status
      ), added AS (
        INSERT INTO attendance_session_totals (session_id, status, count)
        SELECT session_id, status, count(*)::int FROM gone GROUP BY session_id, status
        ON CONFLICT (session_id, status) DO UPDATE SET count = attendance_session_totals.count + excluded.count
        RETURNING 1
      )
      SELECT (SELECT count(*)::int FROM gone) AS n, (SELECT count(*) FROM added) AS groups`.execute(trx)
    const n = rows[0]?.n ?? 0
    return { more: n === limit, counts: { attendance_records: n } }
  }
}

const submissionsWhere = (s: PurgeScope): Where | undefined => some(s.submissionsEvents, eventAssignments)

const submissions: PurgeRule = {
  kind: 'synthesis_submissions',
  count: async (db, s) => { const w = submissionsWhere(s); return w === undefined ? 0 : await countWhere(db, 'synthesis_submissions', w) },
  batch: async (trx, s, limit) => {
    const w = submissionsWhere(s)
    if (w === undefined) return { more: false, counts: {} as Record<string, number> }
    const done = await deleteSubmissions(trx, w, limit)
    return { more: done.submissions === limit, counts: { synthesis_submissions: done.submissions, files: done.files } }
  }
}

/** Issued attestations stay verifiable; after the details period only what the verification page shows remains. */
export const minimisedSnapshot: Where = sql`t.snapshot || '{"employer": null, "sessions": []}'::jsonb`
const attestationsWhere = (s: PurgeScope): Where => sql`t.minimised_at IS NULL AND t.issued_at < ${s.attestationsIssuedBefore}`

const attestations: PurgeRule = {
  kind: 'attestations_minimised',
  count: async (db, s) => await countWhere(db, 'attestations', attestationsWhere(s)),
  batch: async (trx, s, limit) => {
    const { rows } = await sql<{ x: number }>`UPDATE attestations AS t SET minimised_at = ${s.now}, snapshot = ${minimisedSnapshot}
      WHERE t.id IN (SELECT t.id FROM attestations t WHERE ${attestationsWhere(s)} LIMIT ${limit}) RETURNING 1 AS x`.execute(trx)
    return { more: rows.length === limit, counts: { attestations_minimised: rows.length } }
  }
}

/**
 * People whose every registration is in an event whose people period is over, who are not
 * anonymised yet and have no grade still to deliver. People with no registration at all (an
 * organizer created by command line without an event) are left alone: no period applies to them.
 */
export const peopleDueWhere = (s: PurgeScope): Where | undefined => some(s.peopleEvents, list => sql`t.anonymised_at IS NULL
  AND EXISTS (SELECT 1 FROM registrations r WHERE r.person_id = t.id)
  AND NOT EXISTS (SELECT 1 FROM registrations r WHERE r.person_id = t.id AND r.event_id NOT IN ${list})
  AND NOT EXISTS (SELECT 1 FROM lti_grade_outbox o WHERE o.person_id = t.id AND o.status = 'pending')`)

export async function peopleDue (trx: Db, s: PurgeScope, limit: number): Promise<string[]> {
  const w = peopleDueWhere(s)
  if (w === undefined) return []
  const { rows } = await sql<{ id: string }>`SELECT t.id FROM people t WHERE ${w} ORDER BY t.id LIMIT ${limit}`.execute(trx)
  return rows.map(r => r.id)
}

/** Every rule but the people's (which needs the erasure steps: see retention.ts), in the order they run. */
export const tableRules: PurgeRule[] = [
  attendanceRecords,
  deleting('attendance_history', 'attendance_history', s => some(s.attendanceEvents, list => sql`t.event_id IN ${list} AND ${noPendingPresenceGrade}`)),
  deleting('attendance_excuses', 'attendance_excuses', s => some(s.attendanceEvents, eventSlots)),
  deleting('attendance_choices', 'attendance_choices', s => some(s.attendanceEvents, eventSlots)),
  deleting('attendance_scans', 'attendance_scans', s => some(s.attendanceEvents, eventSessions)),
  deleting('attendance_pending_scans', 'attendance_pending_scans', s => some(s.attendanceEvents, eventSessions)),
  // A pass belongs to a person, not an event: it goes once every event they are registered in is past its period.
  deleting('attendance_passes', 'attendance_passes', s => some(s.attendanceEvents, list => sql`
    EXISTS (SELECT 1 FROM registrations r WHERE r.person_id = t.person_id AND r.event_id IN ${list})
    AND NOT EXISTS (SELECT 1 FROM registrations r WHERE r.person_id = t.person_id AND r.event_id NOT IN ${list})`)),
  deleting('attendance_code_attempts', 'attendance_code_attempts', s => sql`t.attempted_at < ${s.attemptsBefore}`),
  deleting('synthesis_drafts', 'synthesis_drafts', s => some(s.submissionsEvents, eventAssignments)),
  submissions,
  deleting('synthesis_grade_history', 'synthesis_grade_history', s => some(s.submissionsEvents, eventAssignments)),
  deleting('synthesis_grades', 'synthesis_grades', s => some(s.submissionsEvents, eventAssignments)),
  deleting('synthesis_extensions', 'synthesis_extensions', s => some(s.submissionsEvents, eventAssignments)),
  // Grades already delivered (or replaced by newer ones): the LMS gradebook is the record.
  deleting('grade_deliveries', 'lti_grade_outbox', s => {
    const synthese = s.submissionsEvents.length === 0
      ? undefined
      : sql`(t.line_item = 'synthese' AND t.context_id IN (SELECT id FROM lti_contexts WHERE event_id IN ${inList(s.submissionsEvents)}))`
    const presence = s.attendanceEvents.length === 0
      ? undefined
      : sql`(t.line_item = 'presence' AND t.context_id IN (SELECT id FROM lti_contexts WHERE event_id IN ${inList(s.attendanceEvents)}))`
    const parts = [synthese, presence].filter(p => p !== undefined)
    return parts.length === 0 ? undefined : sql`t.status <> 'pending' AND (${sql.join(parts, sql` OR `)})`
  }),
  // Messages not yet handed to SMTP stay until they are (or fail for good).
  deleting('outgoing_messages', 'outgoing_messages', s => sql`t.status <> 'pending' AND (${s.messagesEvents.length === 0
    ? sql`false`
    : sql`t.event_id IN ${inList(s.messagesEvents)}`}
    OR (t.event_id IS NULL AND t.created_at < ${s.messagesBefore}))`),
  attestations,
  deleting('access_log', 'privacy_access_log', s => sql`(${s.accessLogEvents.length === 0 ? sql`false` : sql`t.event_id IN ${inList(s.accessLogEvents)}`}
    OR (t.event_id IS NULL AND t.at < ${s.accessLogBefore}))`)
]

export async function events (db: Db): Promise<Array<{ id: string, ends_on: string, timezone: string }>> {
  return await db.selectFrom('events').select(['id', 'ends_on', 'timezone']).execute()
}

/** Takes the purge's lock for the current transaction: false when another instance holds it. */
export async function tryPurgeLock (trx: Db): Promise<boolean> {
  const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_xact_lock(hashtext('compagnon retention purge')) AS locked`.execute(trx)
  return rows[0]?.locked === true
}

export async function logRun (trx: Db, run: { runId: string, at: Date, trigger: 'schedule' | 'organizer', counts: Record<string, number> }): Promise<void> {
  const rows = Object.entries(run.counts).filter(([, n]) => n > 0)
    .map(([kind, count]) => ({ run_id: run.runId, ran_at: run.at, trigger: run.trigger, kind, count }))
  if (rows.length > 0) await trx.insertInto('retention_purge_log').values(rows).execute()
}

export async function recentRuns (db: Db, limit: number): Promise<Array<{ run_id: string, ran_at: Date, trigger: string, kind: string, count: number }>> {
  return await db.selectFrom('retention_purge_log').select(['run_id', 'ran_at', 'trigger', 'kind', 'count'])
    .orderBy('ran_at', 'desc').orderBy('id').limit(limit).execute()
}
