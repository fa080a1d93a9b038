import { sql, type Kysely } from 'kysely'
import type { DB } from '../db/schema.js'

/** Data access of account linking (codes, and merging one person's rows into another's). */
type Q = Kysely<DB>

export interface LinkablePerson {
  id: string
  display_name: string
  email: string | null
  employer: string | null
  anonymised_at: Date | null
  staff_provisioned_at: Date | null
}

/** A new code for the person; their earlier unused codes stop working (one live code per account). */
export async function replaceCode (db: Q, values: { person_id: string, code_hash: string, created_at: Date, expires_at: Date }): Promise<void> {
  await db.updateTable('account_link_codes').set({ used_at: values.created_at })
    .where('person_id', '=', values.person_id).where('used_at', 'is', null).execute()
  await db.insertInto('account_link_codes').values(values).execute()
}

/** The live code's row, locked (two tabs typing it at once: one merge). */
export async function findLiveCode (db: Q, codeHash: string, now: Date, lock: boolean): Promise<{ id: string, person_id: string } | undefined> {
  let query = db.selectFrom('account_link_codes').select(['id', 'person_id'])
    .where('code_hash', '=', codeHash).where('used_at', 'is', null).where('expires_at', '>', now)
  if (lock) query = query.forUpdate()
  return await query.executeTakeFirst()
}

export async function useCode (db: Q, id: string, now: Date): Promise<void> {
  await db.updateTable('account_link_codes').set({ used_at: now }).where('id', '=', id).execute()
}

export async function findPeople (db: Q, ids: string[], lock: boolean): Promise<LinkablePerson[]> {
  // Locked in id order: two merges of the same pair, typed at once from both sides, cannot deadlock.
  let query = db.selectFrom('people')
    .select(['id', 'display_name', 'email', 'employer', 'anonymised_at', 'staff_provisioned_at']).where('id', 'in', ids)
    .orderBy('id')
  if (lock) query = query.forUpdate()
  return await query.execute()
}

/** Events where both people have an attestation request or an attestation: which one holds is for organizers to say. */
export async function sharedAttestationEvents (db: Q, a: string, b: string): Promise<string[]> {
  const rows = await sql<{ title: string }>`
    SELECT e.title_fr || ' / ' || e.title_en AS title FROM events e WHERE e.id IN (
      SELECT event_id FROM (
        SELECT event_id, person_id FROM attestation_requests WHERE person_id IN (${a}, ${b})
        UNION ALL SELECT event_id, person_id FROM attestations WHERE person_id IN (${a}, ${b})
      ) x GROUP BY event_id HAVING count(DISTINCT person_id) > 1)
    ORDER BY 1`.execute(db)
  return rows.rows.map(r => r.title)
}

/** Course hand-ins (drafts, submissions, grades, extensions) both people have: one course, two authors. */
export async function sharedSynthesisCourses (db: Q, a: string, b: string): Promise<string[]> {
  const rows = await sql<{ title: string }>`
    SELECT coalesce(c.title, c.label, c.id::text) AS title FROM lti_contexts c JOIN synthesis_assignments s ON s.context_id = c.id WHERE s.id IN (
      SELECT assignment_id FROM (
        SELECT assignment_id, person_id FROM synthesis_drafts WHERE person_id IN (${a}, ${b})
        UNION ALL SELECT assignment_id, person_id FROM synthesis_submissions WHERE person_id IN (${a}, ${b})
        UNION ALL SELECT assignment_id, person_id FROM synthesis_grades WHERE person_id IN (${a}, ${b})
        UNION ALL SELECT assignment_id, person_id FROM synthesis_extensions WHERE person_id IN (${a}, ${b})
      ) x GROUP BY assignment_id HAVING count(DISTINCT person_id) > 1)
    ORDER BY 1`.execute(db)
  return rows.rows.map(r => r.title)
}

/**
 * Rows of `absorbed` that would duplicate one of `survivor`'s, removed before the move: the same
 * role in an event, a choice, an excuse or a personal link for the same slot or event, a second
 * door pass; for attendance in one slot, the earlier record stays (the person was there then).
 * Returns how many rows each kind lost.
 */
export async function dropDuplicates (db: Q, absorbed: string, survivor: string): Promise<Record<string, number>> {
  const count = (r: { numAffectedRows?: bigint }): number => Number(r.numAffectedRows ?? 0n)
  const dropped: Record<string, number> = {}
  dropped.registrations = count(await sql`DELETE FROM registrations r WHERE r.person_id = ${absorbed}
    AND EXISTS (SELECT 1 FROM registrations s WHERE s.person_id = ${survivor} AND s.event_id = r.event_id AND s.role = r.role)`.execute(db))
  dropped.attendance_records = count(await sql`DELETE FROM attendance_records r USING attendance_records o
    WHERE r.slot_id = o.slot_id AND r.person_id IN (${absorbed}, ${survivor}) AND o.person_id IN (${absorbed}, ${survivor}) AND r.person_id <> o.person_id
    AND (r.recorded_at > o.recorded_at OR (r.recorded_at = o.recorded_at AND r.person_id = ${absorbed}))`.execute(db))
  dropped.attendance_choices = count(await sql`DELETE FROM attendance_choices r WHERE r.person_id = ${absorbed}
    AND EXISTS (SELECT 1 FROM attendance_choices s WHERE s.person_id = ${survivor} AND s.slot_id = r.slot_id)`.execute(db))
  dropped.attendance_excuses = count(await sql`DELETE FROM attendance_excuses r WHERE r.person_id = ${absorbed}
    AND EXISTS (SELECT 1 FROM attendance_excuses s WHERE s.person_id = ${survivor} AND s.slot_id = r.slot_id)`.execute(db))
  dropped.attendance_passes = count(await sql`DELETE FROM attendance_passes r WHERE r.person_id = ${absorbed}
    AND EXISTS (SELECT 1 FROM attendance_passes s WHERE s.person_id = ${survivor})`.execute(db))
  dropped.personal_links = count(await sql`DELETE FROM personal_links r WHERE r.person_id = ${absorbed}
    AND EXISTS (SELECT 1 FROM personal_links s WHERE s.person_id = ${survivor} AND s.event_id = r.event_id)`.execute(db))
  // An invitation to a role the other account holds, or was invited to as well, is of no use twice.
  dropped.role_invitations = count(await sql`DELETE FROM role_invitations r WHERE r.person_id = ${absorbed}
    AND (EXISTS (SELECT 1 FROM role_invitations s WHERE s.person_id = ${survivor} AND s.event_id = r.event_id AND s.role = r.role)
      OR EXISTS (SELECT 1 FROM registrations s WHERE s.person_id IN (${absorbed}, ${survivor}) AND s.event_id = r.event_id AND s.role = r.role))`.execute(db))
  return Object.fromEntries(Object.entries(dropped).filter(([, n]) => n > 0))
}

/** Ends every device session and unused link of the person (their JWTs are refused with them). */
export async function endSessions (db: Q, personId: string, now: Date): Promise<number> {
  const sessions = await db.updateTable('device_sessions').set({ revoked_at: now })
    .where('person_id', '=', personId).where('revoked_at', 'is', null).executeTakeFirst()
  await db.updateTable('sign_in_links').set({ used_at: now }).where('person_id', '=', personId).where('used_at', 'is', null).execute()
  await db.updateTable('account_link_codes').set({ used_at: now }).where('person_id', '=', personId).where('used_at', 'is', null).execute()
  return Number(sessions.numUpdatedRows)
}

/**
 * Every column of every table that references people, read from the catalog: a table added
 * later is moved too, without this list being kept by hand.
 */
export async function personColumns (db: Q): Promise<Array<{ table: string, column: string }>> {
  const rows = await sql<{ table: string, column: string }>`
    SELECT c.conrelid::regclass::text AS table, a.attname AS column
    FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
    WHERE c.contype = 'f' AND c.confrelid = 'people'::regclass AND c.connamespace = current_schema()::regnamespace
    ORDER BY 1, 2`.execute(db)
  return rows.rows
}

/** Moves every reference to `absorbed` onto `survivor`; returns the rows moved per table (non-zero only). */
export async function moveReferences (
  db: Q,
  columns: Array<{ table: string, column: string }>,
  absorbed: string,
  survivor: string
): Promise<Record<string, number>> {
  const moved: Record<string, number> = {}
  for (const { table, column } of columns) {
    const result = await sql`UPDATE ${sql.id(table)} SET ${sql.id(column)} = ${survivor} WHERE ${sql.id(column)} = ${absorbed}`.execute(db)
    const n = Number(result.numAffectedRows ?? 0n)
    if (n > 0) moved[table] = (moved[table] ?? 0) + n
  }
  return moved
}

/** Identity fields the survivor lacks, taken from the absorbed account (its email freed first: emails are unique). */
export async function completeIdentity (db: Q, survivor: LinkablePerson, absorbed: LinkablePerson, now: Date): Promise<void> {
  const email = survivor.email ?? absorbed.email
  const employer = survivor.employer ?? absorbed.employer
  if (email === survivor.email && employer === survivor.employer) return
  await db.updateTable('people').set({ email: null }).where('id', '=', absorbed.id).execute()
  await db.updateTable('people').set({ email, employer, updated_at: now }).where('id', '=', survivor.id).execute()
}

/**
 * An account staff created (and whose first link they saw) that now holds another account's
 * records: every way in that staff could have kept is closed — sessions, unused links, personal
 * links — and the mark cleared; the person gets back in by their own means (LMS, their email).
 */
export async function sealProvisioned (db: Q, personId: string, now: Date): Promise<void> {
  await endSessions(db, personId, now)
  await db.updateTable('personal_links').set({ revoked_at: now }).where('person_id', '=', personId).where('revoked_at', 'is', null).execute()
  await db.updateTable('people').set({ staff_provisioned_at: null, staff_provisioned_by: null }).where('id', '=', personId).execute()
}

export async function deletePerson (db: Q, id: string): Promise<void> {
  await db.deleteFrom('people').where('id', '=', id).execute()
}
