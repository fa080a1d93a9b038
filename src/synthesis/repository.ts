import { sql, type Kysely, type Selectable, type Updateable } from 'kysely'
import type { DB, SynthesisAssignments } from '../db/schema.js'

/** Synthesis data access. Functions take a Kysely handle so services can pass a transaction. */
type Q = Kysely<DB>

export type AssignmentRow = Selectable<SynthesisAssignments>

export async function findAssignment (db: Q, contextId: string): Promise<AssignmentRow | undefined> {
  return await db.selectFrom('synthesis_assignments').selectAll().where('context_id', '=', contextId).executeTakeFirst()
}

/** The program's synthesis session of an event, with its slot's times (the assignment's defaults). */
export async function synthesisSession (db: Q, eventId: string): Promise<{
  id: string
  title: string
  description: string | null
  starts_at: Date
  ends_at: Date
} | undefined> {
  return await db.selectFrom('sessions as s').innerJoin('time_slots as ts', 'ts.id', 's.slot_id')
    .select(['s.id', 's.title', 's.description', 'ts.starts_at', 'ts.ends_at'])
    .where('s.event_id', '=', eventId).where('s.kind', '=', 'synthesis').where('s.status', '=', 'scheduled')
    .orderBy('ts.starts_at').executeTakeFirst()
}

export async function eventTimezone (db: Q, eventId: string): Promise<string> {
  return (await db.selectFrom('events').select('timezone').where('id', '=', eventId).executeTakeFirstOrThrow()).timezone
}

/** Creates the course's assignment unless another request just did; returns the stored one. */
export async function insertAssignment (db: Q, values: {
  context_id: string
  event_id: string
  session_id: string
  title: string
  instructions_fr: string
  instructions_en: string
  opens_at: Date
  due_at: Date
}): Promise<AssignmentRow> {
  await db.insertInto('synthesis_assignments').values(values).onConflict(oc => oc.column('context_id').doNothing()).execute()
  return await db.selectFrom('synthesis_assignments').selectAll().where('context_id', '=', values.context_id).executeTakeFirstOrThrow()
}

export async function updateAssignment (
  db: Q,
  id: string,
  values: Omit<Updateable<SynthesisAssignments>, 'id' | 'context_id' | 'event_id' | 'created_at'>
): Promise<void> {
  await db.updateTable('synthesis_assignments').set(values).where('id', '=', id).execute()
}

export interface Member { person_id: string, user_sub: string, display_name: string, email: string | null, roles: string[] }

/** Active members of a course's roster (the LMS's list, NRPS or launches), with their LTI roles. */
export async function activeMembers (db: Q, contextId: string): Promise<Member[]> {
  const rows = await db.selectFrom('lti_roster_members as m').innerJoin('people as p', 'p.id', 'm.person_id')
    .select(['m.person_id', 'm.user_sub', 'p.display_name', 'p.email', 'm.roles'])
    .where('m.context_id', '=', contextId).where('m.status', '=', 'Active').where('m.person_id', 'is not', null)
    .orderBy('p.display_name').execute()
  return rows.map(r => ({ ...r, person_id: r.person_id ?? '', roles: r.roles as string[] }))
}

export async function membership (db: Q, contextId: string, personId: string): Promise<{ user_sub: string, roles: string[] } | undefined> {
  const row = await db.selectFrom('lti_roster_members').select(['user_sub', 'roles'])
    .where('context_id', '=', contextId).where('person_id', '=', personId).where('status', '=', 'Active').executeTakeFirst()
  return row === undefined ? undefined : { user_sub: row.user_sub, roles: row.roles as string[] }
}

export async function extensionOf (db: Q, assignmentId: string, personId: string): Promise<{ due_at: Date, reason: string | null } | undefined> {
  return await db.selectFrom('synthesis_extensions').select(['due_at', 'reason'])
    .where('assignment_id', '=', assignmentId).where('person_id', '=', personId).executeTakeFirst()
}

export async function extensions (db: Q, assignmentId: string): Promise<Array<{ person_id: string, due_at: Date, reason: string | null }>> {
  return await db.selectFrom('synthesis_extensions').select(['person_id', 'due_at', 'reason']).where('assignment_id', '=', assignmentId).execute()
}

export async function upsertExtension (db: Q, values: {
  assignment_id: string
  person_id: string
  due_at: Date
  reason: string | null
  granted_by: string
  granted_at: Date
}): Promise<void> {
  await db.insertInto('synthesis_extensions').values(values)
    .onConflict(oc => oc.columns(['assignment_id', 'person_id']).doUpdateSet({
      due_at: values.due_at,
      reason: values.reason,
      granted_by: values.granted_by,
      granted_at: values.granted_at
    }))
    .execute()
}

export async function deleteExtension (db: Q, assignmentId: string, personId: string): Promise<void> {
  await db.deleteFrom('synthesis_extensions').where('assignment_id', '=', assignmentId).where('person_id', '=', personId).execute()
}

export async function draftOf (db: Q, assignmentId: string, personId: string): Promise<{ text: string, saved_at: Date } | undefined> {
  return await db.selectFrom('synthesis_drafts').select(['text', 'saved_at'])
    .where('assignment_id', '=', assignmentId).where('person_id', '=', personId).executeTakeFirst()
}

export async function saveDraft (db: Q, values: { assignment_id: string, person_id: string, text: string, saved_at: Date }): Promise<void> {
  await db.insertInto('synthesis_drafts').values(values)
    .onConflict(oc => oc.columns(['assignment_id', 'person_id']).doUpdateSet({ text: values.text, saved_at: values.saved_at }))
    .execute()
}

/** Serialises hand-ins of one student (version numbers), even before the first exists. */
export async function lockStudent (db: Q, assignmentId: string, personId: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext(${`synthesis:${assignmentId}:${personId}`}))`.execute(db)
}

export interface SubmissionRow {
  id: string
  person_id: string
  version: number
  text: string | null
  text_sha256: string | null
  submitted_at: Date
  late: boolean
  due_at: Date
}
export interface SubmissionFileRow {
  submission_id: string
  position: number
  file_id: string
  filename: string
  media_type: string
  size: number
  sha256: string
}

export async function insertSubmission (db: Q, values: {
  assignment_id: string
  person_id: string
  text: string | null
  text_sha256: string | null
  submitted_at: Date
  late: boolean
  due_at: Date
}): Promise<SubmissionRow> {
  const last = await db.selectFrom('synthesis_submissions').select(eb => eb.fn.max('version').as('v'))
    .where('assignment_id', '=', values.assignment_id).where('person_id', '=', values.person_id).executeTakeFirst()
  return await db.insertInto('synthesis_submissions').values({ ...values, version: Number(last?.v ?? 0) + 1 })
    .returning(['id', 'person_id', 'version', 'text', 'text_sha256', 'submitted_at', 'late', 'due_at']).executeTakeFirstOrThrow()
}

export async function insertSubmissionFiles (db: Q, rows: Array<{
  submission_id: string
  position: number
  file_id: string
  filename: string
}>): Promise<void> {
  if (rows.length > 0) await db.insertInto('synthesis_submission_files').values(rows).execute()
}

/** Versions of one student, newest first. */
export async function submissionsOf (db: Q, assignmentId: string, personId: string): Promise<SubmissionRow[]> {
  return await db.selectFrom('synthesis_submissions').select(['id', 'person_id', 'version', 'text', 'text_sha256', 'submitted_at', 'late', 'due_at'])
    .where('assignment_id', '=', assignmentId).where('person_id', '=', personId).orderBy('version', 'desc').execute()
}

export async function findSubmission (db: Q, submissionId: string): Promise<(SubmissionRow & { assignment_id: string }) | undefined> {
  return await db.selectFrom('synthesis_submissions')
    .select(['id', 'assignment_id', 'person_id', 'version', 'text', 'text_sha256', 'submitted_at', 'late', 'due_at'])
    .where('id', '=', submissionId).executeTakeFirst()
}

export async function filesOf (db: Q, submissionIds: string[]): Promise<SubmissionFileRow[]> {
  if (submissionIds.length === 0) return []
  const rows = await db.selectFrom('synthesis_submission_files as sf').innerJoin('files as f', 'f.id', 'sf.file_id')
    .select(['sf.submission_id', 'sf.position', 'sf.file_id', 'sf.filename', 'f.media_type', 'f.size', 'f.sha256'])
    .where('sf.submission_id', 'in', submissionIds).orderBy('sf.submission_id').orderBy('sf.position').execute()
  return rows.map(r => ({ ...r, media_type: r.media_type ?? 'application/octet-stream', size: Number(r.size ?? 0), sha256: r.sha256 ?? '' }))
}

/** Each student's latest version (number, time, lateness) for an assignment. */
export async function latestSubmissions (db: Q, assignmentId: string): Promise<Map<string, {
  id: string
  version: number
  submitted_at: Date
  late: boolean
}>> {
  const rows = await db.selectFrom('synthesis_submissions').select(['id', 'person_id', 'version', 'submitted_at', 'late'])
    .distinctOn('person_id').where('assignment_id', '=', assignmentId).orderBy('person_id').orderBy('version', 'desc').execute()
  return new Map(rows.map(r => [r.person_id, r]))
}

export interface GradeRow {
  person_id: string
  submission_id: string | null
  score: number | null
  rubric_levels: Record<string, string> | null
  feedback: string
  state: 'draft' | 'published'
  graded_by: string | null
  updated_at: Date
  published_at: Date | null
}

const gradeColumns = ['person_id', 'submission_id', 'score', 'rubric_levels', 'feedback', 'state', 'graded_by', 'updated_at', 'published_at'] as const
const toGrade = (r: { score: unknown, rubric_levels: unknown } & Omit<GradeRow, 'score' | 'rubric_levels'>): GradeRow =>
  ({ ...r, score: r.score === null ? null : Number(r.score), rubric_levels: r.rubric_levels as Record<string, string> | null })

export async function gradeOf (db: Q, assignmentId: string, personId: string): Promise<GradeRow | undefined> {
  const row = await db.selectFrom('synthesis_grades').select(gradeColumns).where('assignment_id', '=', assignmentId)
    .where('person_id', '=', personId).executeTakeFirst()
  return row === undefined ? undefined : toGrade(row)
}

export async function grades (db: Q, assignmentId: string): Promise<Map<string, GradeRow>> {
  const rows = await db.selectFrom('synthesis_grades').select(gradeColumns).where('assignment_id', '=', assignmentId).execute()
  return new Map(rows.map(r => [r.person_id, toGrade(r)]))
}

export async function upsertGrade (db: Q, assignmentId: string, grade: GradeRow): Promise<void> {
  const values = { ...grade, assignment_id: assignmentId, rubric_levels: grade.rubric_levels === null ? null : JSON.stringify(grade.rubric_levels) }
  await db.insertInto('synthesis_grades').values(values)
    .onConflict(oc => oc.columns(['assignment_id', 'person_id']).doUpdateSet({
      submission_id: values.submission_id,
      score: values.score,
      rubric_levels: values.rubric_levels,
      feedback: values.feedback,
      state: values.state,
      graded_by: values.graded_by,
      updated_at: values.updated_at,
      published_at: values.published_at
    }))
    .execute()
}

export async function insertGradeHistory (db: Q, values: {
  assignment_id: string
  person_id: string
  action: 'draft' | 'publish'
  before: object | null
  after: object
  changed_by: string
  changed_at: Date
}): Promise<void> {
  await db.insertInto('synthesis_grade_history').values({
    ...values,
    before: values.before === null ? null : JSON.stringify(values.before),
    after: JSON.stringify(values.after)
  }).execute()
}

export async function gradeHistory (db: Q, assignmentId: string, personId: string): Promise<Array<{
  action: string
  before: unknown
  after: unknown
  changed_at: Date
  changed_by_name: string | null
}>> {
  return await db.selectFrom('synthesis_grade_history as h').leftJoin('people as p', 'p.id', 'h.changed_by')
    .select(['h.action', 'h.before', 'h.after', 'h.changed_at', 'p.display_name as changed_by_name'])
    .where('h.assignment_id', '=', assignmentId).where('h.person_id', '=', personId).orderBy('h.changed_at', 'desc').orderBy('h.id').execute()
}

/** The course's name as the LMS gives it. */
export async function courseTitle (db: Q, contextId: string): Promise<string> {
  const row = await db.selectFrom('lti_contexts').select(['title', 'label', 'context_id']).where('id', '=', contextId).executeTakeFirst()
  return row?.title ?? row?.label ?? row?.context_id ?? ''
}

/** Courses tied to an event where the person is an active member, with their LTI roles there. */
export async function activeCoursesOf (db: Q, personId: string): Promise<Array<{ id: string, title: string, roles: string[] }>> {
  const rows = await db.selectFrom('lti_roster_members as m').innerJoin('lti_contexts as c', 'c.id', 'm.context_id')
    .select(['c.id', 'c.title', 'c.label', 'c.context_id', 'm.roles'])
    .where('m.person_id', '=', personId).where('m.status', '=', 'Active').where('c.event_id', 'is not', null)
    .orderBy('c.title').execute()
  return rows.map(r => ({ id: r.id, title: r.title ?? r.label ?? r.context_id, roles: r.roles as string[] }))
}
