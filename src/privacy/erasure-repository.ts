// Anonymising one person across every table (an erasure request, or the people retention
// period), and the erasure requests themselves. Each step is a condition on one table, used
// both for the preview (counts) and for the erasure, so the organizer sees exactly what happens.
import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import type { Db } from '../db/database.js'
import type { ErasureAudit, ErasureRequests, Json } from '../db/schema.js'
import { countSubmissionFiles, countWhere, deleteSubmissions, minimisedSnapshot, type Where } from './retention-repository.js'

export type ErasureKind =
  | 'identity' | 'device_sessions' | 'sign_in_links' | 'personal_links' | 'lti_identities' | 'lti_roster_members'
  | 'lti_deep_link_requests' | 'attendance_passes' | 'attendance_code_attempts' | 'attendance_choices' | 'attendance_excuses'
  | 'attendance_history_reasons' | 'attendance_records' | 'attestation_requests' | 'attestations_minimised' | 'outgoing_messages'
  | 'synthesis_drafts' | 'synthesis_submissions' | 'files' | 'synthesis_grades' | 'synthesis_grade_history' | 'synthesis_extensions'
  | 'grade_deliveries' | 'grade_comments' | 'lti_launch_data' | 'account_link_codes' | 'role_invitations'

interface Step {
  kind: ErasureKind
  table: string
  where: (personId: string) => Where
  /** Absent: the rows are deleted. */
  update?: (personId: string, now: Date) => Where
}

const own = (personId: string): Where => sql`t.person_id = ${personId}`

/** The person's roster rows, and every row of a course of the same LMS (issuer) listing one of their subjects. */
const rosterRows = (personId: string): Where => sql`(t.person_id = ${personId} OR (t.context_id, t.user_sub) IN (
  SELECT c.id, i.subject FROM lti_identities i JOIN lti_contexts c ON c.issuer = i.issuer WHERE i.person_id = ${personId}))`

/**
 * ltijs' copies of the person's launches (lti_store, stored in clear by ltijs: name, email,
 * roles, course): the id token of each of their identities (iss, clientId, user) and the context
 * tokens of their subject whose id ltijs starts with encodeURIComponent(issuer + client id).
 */
async function launchData (db: Db, personId: string): Promise<Where> {
  const identities = await db.selectFrom('lti_identities').select(['issuer', 'client_id', 'subject']).where('person_id', '=', personId).execute()
  if (identities.length === 0) return sql`false`
  return sql.join(identities.map(i => sql`(
    (t.collection = 'idtoken' AND t.fields->>'iss' = ${i.issuer} AND t.fields->>'clientId' = ${i.client_id} AND t.fields->>'user' = ${i.subject})
    OR (t.collection = 'contexttoken' AND t.fields->>'user' = ${i.subject}
      AND starts_with(t.fields->>'contextId', ${encodeURIComponent(i.issuer + i.client_id)})))`), sql` OR `)
}

/**
 * In the order they run; `identity` (the people row) last. Hand-ins, drafts and grades go even
 * when a grade still waits for delivery: the outbox row keeps only the score (its comment goes).
 */
const steps: Step[] = [
  { kind: 'device_sessions', table: 'device_sessions', where: own },
  { kind: 'sign_in_links', table: 'sign_in_links', where: own },
  { kind: 'personal_links', table: 'personal_links', where: own },
  { kind: 'account_link_codes', table: 'account_link_codes', where: own },
  { kind: 'role_invitations', table: 'role_invitations', where: own },
  // Before the identities it is found by: a course's row for one of the person's LMS accounts
  // goes even when it names no person (person_id null: written without one, or its person row deleted).
  { kind: 'lti_roster_members', table: 'lti_roster_members', where: rosterRows },
  { kind: 'lti_identities', table: 'lti_identities', where: own },
  { kind: 'lti_deep_link_requests', table: 'lti_deep_link_requests', where: own },
  { kind: 'attendance_passes', table: 'attendance_passes', where: own },
  { kind: 'attendance_code_attempts', table: 'attendance_code_attempts', where: own },
  { kind: 'attendance_choices', table: 'attendance_choices', where: own },
  { kind: 'attendance_excuses', table: 'attendance_excuses', where: own },
  // Who changed what stays (the audit), the free text about the person goes.
  {
    kind: 'attendance_history_reasons',
    table: 'attendance_history',
    where: p => sql`t.person_id = ${p} AND t.reason IS NOT NULL`,
    update: () => sql`reason = NULL`
  },
  { kind: 'attestation_requests', table: 'attestation_requests', where: own },
  {
    kind: 'attestations_minimised',
    table: 'attestations',
    where: p =>
      sql`t.person_id = ${p} AND (t.minimised_at IS NULL OR t.snapshot->>'employer' IS NOT NULL
        OR jsonb_array_length(coalesce(t.snapshot->'sessions', '[]')) > 0)`,
    update: (_p, now) => sql`minimised_at = coalesce(t.minimised_at, ${now}), snapshot = ${minimisedSnapshot}`
  },
  { kind: 'outgoing_messages', table: 'outgoing_messages', where: own },
  { kind: 'synthesis_drafts', table: 'synthesis_drafts', where: own },
  { kind: 'synthesis_grade_history', table: 'synthesis_grade_history', where: own },
  { kind: 'synthesis_grades', table: 'synthesis_grades', where: own },
  { kind: 'synthesis_extensions', table: 'synthesis_extensions', where: own },
  { kind: 'grade_deliveries', table: 'lti_grade_outbox', where: p => sql`t.person_id = ${p} AND t.status <> 'pending'` },
  // A grade still to deliver keeps its score; the instructor's comment is personal text and goes.
  {
    kind: 'grade_comments',
    table: 'lti_grade_outbox',
    where: p => sql`t.person_id = ${p} AND t.status = 'pending' AND t.score ? 'comment'`,
    update: () => sql`score = t.score - 'comment'`
  }
]

export type Counts = Partial<Record<ErasureKind, number>>

/** What erasing the person would do now, by kind (nothing written). */
export async function plan (db: Db, personId: string): Promise<Counts> {
  const counts: Counts = {}
  counts.lti_launch_data = await countWhere(db, 'lti_store', await launchData(db, personId))
  for (const step of steps) counts[step.kind] = await countWhere(db, step.table, step.where(personId))
  counts.synthesis_submissions = await countWhere(db, 'synthesis_submissions', own(personId))
  counts.files = await countSubmissionFiles(db, own(personId))
  counts.attendance_records = await countWhere(db, 'attendance_records', own(personId))
  counts.identity = await countWhere(db, 'people', sql`t.id = ${personId} AND t.anonymised_at IS NULL`)
  return counts
}

/** The name an anonymised person gets: both languages, and a suffix so lists still tell people apart. */
export const anonymousName = (): string => `Personne effacée / Erased person ${randomBytes(3).toString('hex').toUpperCase()}`

/** The LMS identities (issuer, subject) of a person, before an erasure removes them (for tombstones). */
export async function identitiesOf (db: Db, personId: string): Promise<Array<{ issuer: string, subject: string }>> {
  return await db.selectFrom('lti_identities').select(['issuer', 'subject']).where('person_id', '=', personId).execute()
}

/**
 * Anonymises the person inside the caller's transaction and returns the counts. Attendance
 * records stay, tied to the now nameless person (the grids and totals stay right); a grade
 * still to deliver to the LMS keeps its score only.
 */
export async function anonymise (trx: Db, personId: string, now: Date): Promise<Counts> {
  const counts: Counts = {}
  const launches = await launchData(trx, personId)
  const { rows: launchRows } = await sql<{ x: number }>`DELETE FROM lti_store AS t WHERE ${launches} RETURNING 1 AS x`.execute(trx)
  counts.lti_launch_data = launchRows.length
  for (const step of steps) {
    const { rows } = step.update === undefined
      ? await sql<{ x: number }>`DELETE FROM ${sql.table(step.table)}
        WHERE ctid IN (SELECT t.ctid FROM ${sql.table(step.table)} AS t WHERE ${step.where(personId)}) RETURNING 1 AS x`.execute(trx)
      : await sql<{ x: number }>`UPDATE ${sql.table(step.table)} AS t SET ${step.update(personId, now)}
        WHERE ${step.where(personId)} RETURNING 1 AS x`.execute(trx)
    counts[step.kind] = rows.length
  }
  let submissions = 0
  let files = 0
  for (;;) {
    const done = await deleteSubmissions(trx, own(personId), 200)
    submissions += done.submissions
    files += done.files
    if (done.submissions < 200) break
  }
  counts.synthesis_submissions = submissions
  counts.files = files
  counts.attendance_records = await countWhere(trx, 'attendance_records', own(personId))
  const person = await trx.updateTable('people')
    .set({ display_name: anonymousName(), email: null, given_name: null, family_name: null, employer: null, anonymised_at: now, updated_at: now })
    .where('id', '=', personId).where('anonymised_at', 'is', null)
    .executeTakeFirst()
  counts.identity = Number(person.numUpdatedRows)
  return counts
}

// ---------- what must be kept, and why ----------

export interface Kept {
  attestations: number
  pendingGrades: number
  deliveredGrades: number
  registrations: number
  accessLog: number
  /** LMS courses that still list the person (their roster sync would bring their name back). */
  activeCourses: Array<{ title: string | null, label: string | null }>
}

export async function kept (db: Db, personId: string): Promise<Kept> {
  const count = async (table: string, where: Where): Promise<number> => await countWhere(db, table, where)
  const activeCourses = await db.selectFrom('lti_roster_members as m').innerJoin('lti_contexts as c', 'c.id', 'm.context_id')
    .select(['c.title', 'c.label']).where('m.person_id', '=', personId).where('m.status', '=', 'Active').execute()
  return {
    attestations: await count('attestations', own(personId)),
    pendingGrades: await count('lti_grade_outbox', sql`t.person_id = ${personId} AND t.status = 'pending'`),
    deliveredGrades: await count('lti_grade_outbox', sql`t.person_id = ${personId} AND t.status = 'delivered'`),
    registrations: await count('registrations', own(personId)),
    accessLog: await count('privacy_access_log', sql`t.subject_person_id = ${personId}`),
    activeCourses
  }
}

// ---------- whose agreement an erasure needs ----------

export interface EventTitle { id: string, title_fr: string, title_en: string }

/**
 * Every event the person belongs to: registered, in an LMS course linked to it, or with
 * attendance, a hand-in or an attestation request there. Erasing them touches all of these.
 */
export async function eventsOfPerson (db: Db, personId: string): Promise<EventTitle[]> {
  const { rows } = await sql<EventTitle>`SELECT e.id, e.title_fr, e.title_en FROM events e WHERE e.id IN (
      SELECT event_id FROM registrations WHERE person_id = ${personId}
      UNION SELECT c.event_id FROM lti_roster_members m JOIN lti_contexts c ON c.id = m.context_id WHERE m.person_id = ${personId}
      UNION SELECT event_id FROM attendance_records WHERE person_id = ${personId}
      UNION SELECT a.event_id FROM synthesis_submissions s JOIN synthesis_assignments a ON a.id = s.assignment_id WHERE s.person_id = ${personId}
      UNION SELECT event_id FROM attestation_requests WHERE person_id = ${personId})
    ORDER BY e.title_fr, e.id`.execute(db)
  return rows
}

/** LMS courses of the person that are linked to no event (no event's organizers answer for them). */
export async function unlinkedCoursesOf (db: Db, personId: string): Promise<Array<{ title: string | null, label: string | null, context_id: string }>> {
  return await db.selectFrom('lti_roster_members as m').innerJoin('lti_contexts as c', 'c.id', 'm.context_id')
    .select(['c.title', 'c.label', 'c.context_id']).where('m.person_id', '=', personId).where('c.event_id', 'is', null)
    .orderBy('c.title').execute()
}

export async function organizedEvents (db: Db, personId: string): Promise<string[]> {
  return (await db.selectFrom('registrations').select('event_id').where('person_id', '=', personId)
    .where('role', '=', 'organizer').execute()).map(r => r.event_id)
}

/** The account's email, unless staff created it and saw its first sign-in link (people.staff_provisioned_at). */
export async function ownEmailOf (db: Db, personId: string): Promise<string | null> {
  return (await db.selectFrom('people').select('email').where('id', '=', personId)
    .where('staff_provisioned_at', 'is', null).where('anonymised_at', 'is', null).executeTakeFirst())?.email ?? null
}

// ---------- people and requests ----------

export interface Candidate { id: string, display_name: string, email: string | null, anonymised_at: Date | null, roles: string[] }

export async function candidates (db: Db, eventId: string, query: string, limit: number): Promise<Candidate[]> {
  const like = `%${query.replace(/[\\%_]/g, c => `\\${c}`)}%`
  const rows = await db.selectFrom('people as p').innerJoin('registrations as r', 'r.person_id', 'p.id')
    .select(['p.id', 'p.display_name', 'p.email', 'p.anonymised_at', sql<string[]>`array_agg(DISTINCT r.role ORDER BY r.role)`.as('roles')])
    .where('r.event_id', '=', eventId)
    .where(eb => eb.or([eb('p.display_name', 'ilike', like), eb('p.email', 'ilike', like)]))
    .groupBy(['p.id', 'p.display_name', 'p.email', 'p.anonymised_at'])
    .orderBy('p.display_name').limit(limit).execute()
  return rows
}

export async function registeredPerson (db: Db, eventId: string, personId: string): Promise<Candidate | undefined> {
  return await db.selectFrom('people as p').innerJoin('registrations as r', 'r.person_id', 'p.id')
    .select(['p.id', 'p.display_name', 'p.email', 'p.anonymised_at', sql<string[]>`array_agg(DISTINCT r.role ORDER BY r.role)`.as('roles')])
    .where('r.event_id', '=', eventId).where('p.id', '=', personId)
    .groupBy(['p.id', 'p.display_name', 'p.email', 'p.anonymised_at'])
    .executeTakeFirst()
}

export interface RequestRow {
  id: string
  event_id: string
  person_id: string | null
  requested_at: Date
  channel: ErasureRequests['channel']
  reason: string | null
  status: ErasureRequests['status']
  recorded_by: string | null
  recorded_at: Date
  completed_by: string | null
  completed_at: Date | null
  counts: Json | null
}

export async function insertRequest (trx: Db, row: Omit<RequestRow, 'id' | 'completed_by' | 'completed_at' | 'counts' | 'status'>): Promise<RequestRow> {
  return await trx.insertInto('erasure_requests').values({ ...row, status: 'recorded' }).returningAll().executeTakeFirstOrThrow()
}

export async function findRequest (db: Db, eventId: string, requestId: string): Promise<RequestRow | undefined> {
  return await db.selectFrom('erasure_requests').selectAll().where('event_id', '=', eventId).where('id', '=', requestId).executeTakeFirst()
}

/** Locks the request row until the transaction ends: two confirmations run one after the other. */
export async function lockRequest (trx: Db, requestId: string): Promise<RequestRow | undefined> {
  return await trx.selectFrom('erasure_requests').selectAll().where('id', '=', requestId).forUpdate().executeTakeFirst()
}

export async function completeRequest (trx: Db, requestId: string, actorId: string, now: Date, counts: Counts): Promise<RequestRow> {
  return await trx.updateTable('erasure_requests').set({ status: 'done', completed_by: actorId, completed_at: now, counts: JSON.stringify(counts) })
    .where('id', '=', requestId).returningAll().executeTakeFirstOrThrow()
}

export async function listRequests (db: Db, eventId: string): Promise<Array<RequestRow & { person_name: string | null }>> {
  return await db.selectFrom('erasure_requests as q').leftJoin('people as p', 'p.id', 'q.person_id')
    .selectAll('q').select('p.display_name as person_name')
    .where('q.event_id', '=', eventId).orderBy('q.recorded_at', 'desc').orderBy('q.id').limit(200).execute()
}

/** What an erasure request's audit records. */
export type AuditAction = ErasureAudit['action']

export async function audit (trx: Db, entry: { requestId: string, action: AuditAction, actorId: string, at: Date, details?: unknown }): Promise<void> {
  await trx.insertInto('erasure_audit').values({
    request_id: entry.requestId,
    action: entry.action,
    actor_id: entry.actorId,
    at: entry.at,
    details: entry.details === undefined ? null : JSON.stringify(entry.details)
  }).execute()
}

export async function auditOf (db: Db, requestId: string): Promise<Array<{
  action: AuditAction
  actor_id: string | null
  actor_name: string | null
  at: Date
}>> {
  return await db.selectFrom('erasure_audit as a').leftJoin('people as p', 'p.id', 'a.actor_id')
    .select(['a.action', 'a.actor_id', 'p.display_name as actor_name', 'a.at'])
    .where('a.request_id', '=', requestId).orderBy('a.id').execute()
}
