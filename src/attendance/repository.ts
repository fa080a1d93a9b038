import { CompiledQuery, sql, type Kysely, type Selectable } from 'kysely'
import { preparedStatement } from '../db/database.js'
import type { AttendanceRecords, DB } from '../db/schema.js'

/** Attendance data access. Functions take a Kysely handle so services can pass a transaction. */
type Q = Kysely<DB>

export type Status = Selectable<AttendanceRecords>['status']
export type Method = Selectable<AttendanceRecords>['method']

export interface SessionForCheckIn {
  id: string
  event_id: string
  slot_id: string
  title: string
  status: string
  audience: string
  mode: string
  room_name: string | null
  capacity: number | null
  starts_at: Date
  ends_at: Date
  counts_toward_attendance: boolean
  timezone: string
}

const sessionColumns = ['s.id', 's.event_id', 's.slot_id', 's.title', 's.status', 's.audience', 's.mode', 'r.name as room_name', 'r.capacity',
  'ts.starts_at', 'ts.ends_at', 'ts.counts_toward_attendance', 'e.timezone'] as const

export async function findSession (db: Q, sessionId: string): Promise<SessionForCheckIn | undefined> {
  return await db.selectFrom('sessions as s')
    .innerJoin('time_slots as ts', 'ts.id', 's.slot_id')
    .innerJoin('events as e', 'e.id', 's.event_id')
    .leftJoin('rooms as r', 'r.id', 's.room_id')
    .select(sessionColumns)
    .where('s.id', '=', sessionId).executeTakeFirst()
}

/** Scheduled in-person sessions whose slot starts between the two instants (sessions open for check-in around now). */
export async function sessionsStartingBetween (db: Q, from: Date, to: Date): Promise<SessionForCheckIn[]> {
  return await db.selectFrom('sessions as s')
    .innerJoin('time_slots as ts', 'ts.id', 's.slot_id')
    .innerJoin('events as e', 'e.id', 's.event_id')
    .leftJoin('rooms as r', 'r.id', 's.room_id')
    .select(sessionColumns)
    .where('s.status', '=', 'scheduled').where('s.mode', '=', 'in_person')
    .where('ts.starts_at', '>=', from).where('ts.starts_at', '<=', to)
    .orderBy('ts.starts_at').orderBy('s.position').execute()
}

export interface PolicyRow {
  open_before_minutes: number
  close_after_minutes: number
  late_after_minutes: number
  weight_present: number
  weight_late: number
  excused: 'present' | 'omit'
  over: 'held' | 'all'
}

export const DEFAULT_POLICY: PolicyRow = {
  open_before_minutes: 30,
  close_after_minutes: 45,
  late_after_minutes: 10,
  weight_present: 1,
  weight_late: 0.75,
  excused: 'present',
  over: 'held'
}

export async function findPolicy (db: Q, eventId: string): Promise<PolicyRow> {
  const row = await db.selectFrom('attendance_policies')
    .select(['open_before_minutes', 'close_after_minutes', 'late_after_minutes', 'weight_present', 'weight_late', 'excused', 'over'])
    .where('event_id', '=', eventId).executeTakeFirst()
  if (row === undefined) return DEFAULT_POLICY
  return { ...row, weight_present: Number(row.weight_present), weight_late: Number(row.weight_late), excused: row.excused, over: row.over }
}

/**
 * The attestation rule's figures for the event, if organizers set them (the attestations domain
 * writes this table; the book only reads these two columns, to show hours against the threshold).
 */
export async function attestationRuleOf (db: Q, eventId: string): Promise<{ minShare: number, excusedCounts: boolean } | undefined> {
  const row = await db.selectFrom('attestation_policies').select(['min_share', 'excused_counts']).where('event_id', '=', eventId).executeTakeFirst()
  return row === undefined ? undefined : { minShare: Number(row.min_share), excusedCounts: row.excused_counts }
}

export interface RecordRow { id: string, session_id: string, slot_id: string, person_id: string, status: Status, method: Method, recorded_at: Date }

/** The person's record in a slot, locked until the transaction ends (one check-in at a time per person and slot). */
export async function lockRecord (db: Q, slotId: string, personId: string): Promise<RecordRow | undefined> {
  return await db.selectFrom('attendance_records').select(['id', 'session_id', 'slot_id', 'person_id', 'status', 'method', 'recorded_at'])
    .where('slot_id', '=', slotId).where('person_id', '=', personId).forUpdate().executeTakeFirst()
}

/** An attendance record as the check-in paths write it. */
export interface NewRecord {
  event_id: string
  slot_id: string
  session_id: string
  person_id: string
  status: Status
  method: Method
  recorded_at: Date
  device_time: Date | null
  received_at: Date
  recorded_by: string | null
}

export async function insertRecord (db: Q, values: NewRecord): Promise<RecordRow | undefined> {
  // A concurrent check-in of the same person in the same slot loses quietly; the caller re-reads.
  return await db.insertInto('attendance_records').values(values)
    .onConflict(oc => oc.columns(['slot_id', 'person_id']).doNothing())
    .returning(['id', 'session_id', 'slot_id', 'person_id', 'status', 'method', 'recorded_at']).executeTakeFirst()
}

export async function updateRecord (db: Q, id: string, values: {
  session_id?: string
  status?: Status
  method?: Method
  recorded_at?: Date
  device_time?: Date | null
  received_at?: Date
  recorded_by?: string | null
  completed_late_at?: Date | null
}): Promise<RecordRow> {
  return await db.updateTable('attendance_records').set({ ...values, updated_at: new Date() }).where('id', '=', id)
    .returning(['id', 'session_id', 'slot_id', 'person_id', 'status', 'method', 'recorded_at']).executeTakeFirstOrThrow()
}

export async function deleteRecord (db: Q, id: string): Promise<void> {
  await db.deleteFrom('attendance_records').where('id', '=', id).execute()
}

export async function insertHistory (db: Q, values: {
  event_id: string
  slot_id: string
  person_id: string
  action: 'check_in' | 'move' | 'correction' | 'excuse'
  before: unknown
  after: unknown
  reason: string | null
  changed_by: string | null
  changed_at: Date
}): Promise<void> {
  await db.insertInto('attendance_history').values({
    ...values,
    before: values.before === null ? null : JSON.stringify(values.before),
    after: values.after === null ? null : JSON.stringify(values.after)
  }).execute()
}

export async function historyOf (db: Q, personId: string, slotId?: string): Promise<Array<{
  action: string
  before: unknown
  after: unknown
  reason: string | null
  changed_by: string | null
  changed_at: Date
  slot_id: string
}>> {
  let q = db.selectFrom('attendance_history')
    .select(['action', 'before', 'after', 'reason', 'changed_by', 'changed_at', 'slot_id'])
    .where('person_id', '=', personId)
  if (slotId !== undefined) q = q.where('slot_id', '=', slotId)
  return await q.orderBy('id').execute()
}

/** People checked in to a session (present or late), and those who chose it in advance without checking in yet. */
export async function sessionCounts (db: Q, sessionId: string): Promise<{ checkedIn: number, chosen: number }> {
  const checkedIn = await db.selectFrom('attendance_records').select(eb => eb.fn.countAll<number>().as('n'))
    .where('session_id', '=', sessionId).where('status', 'in', ['present', 'late']).executeTakeFirstOrThrow()
  const chosen = await db.selectFrom('attendance_choices as c').select(eb => eb.fn.countAll<number>().as('n'))
    .where('c.session_id', '=', sessionId)
    .where(eb => eb.not(eb.exists(eb.selectFrom('attendance_records as a').select('a.id')
      .whereRef('a.person_id', '=', 'c.person_id').whereRef('a.slot_id', '=', 'c.slot_id'))))
    .executeTakeFirstOrThrow()
  return { checkedIn: Number(checkedIn.n), chosen: Number(chosen.n) }
}

export async function sessionAttendees (db: Q, sessionId: string): Promise<Array<{
  person_id: string
  display_name: string
  status: string
  method: string
  recorded_at: Date
  chosen: boolean
}>> {
  const rows = await db.selectFrom('attendance_records as a').innerJoin('people as p', 'p.id', 'a.person_id')
    .leftJoin('attendance_choices as c', join => join.onRef('c.person_id', '=', 'a.person_id')
      .onRef('c.slot_id', '=', 'a.slot_id').onRef('c.session_id', '=', 'a.session_id'))
    .select(['a.person_id', 'p.display_name', 'a.status', 'a.method', 'a.recorded_at', 'c.chosen_at'])
    .where('a.session_id', '=', sessionId).orderBy('a.recorded_at', 'desc').orderBy('a.created_at', 'desc').execute()
  return rows.map(({ chosen_at: chosenAt, ...r }) => ({ ...r, chosen: chosenAt !== null }))
}

// --- passes -----------------------------------------------------------------------------------

export async function findPass (db: Q, personId: string): Promise<{ code: string, version: number } | undefined> {
  return await db.selectFrom('attendance_passes').select(['code', 'version']).where('person_id', '=', personId).executeTakeFirst()
}

/** The stored passes of these people (person id → code). */
export async function findPasses (db: Q, personIds: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>()
  for (let i = 0; i < personIds.length; i += 1000) {
    const rows = await db.selectFrom('attendance_passes').select(['person_id', 'code']).where('person_id', 'in', personIds.slice(i, i + 1000)).execute()
    for (const r of rows) found.set(r.person_id, r.code)
  }
  return found
}

/** Stores first versions of passes; one the person opened meanwhile is kept (it is the same code). */
export async function saveFirstPasses (db: Q, values: Array<{ person_id: string, code: string, issued_at: Date }>): Promise<void> {
  for (let i = 0; i < values.length; i += 1000) {
    await db.insertInto('attendance_passes').values(values.slice(i, i + 1000).map(v => ({ ...v, version: 1 })))
      .onConflict(oc => oc.column('person_id').doNothing()).execute()
  }
}

export async function findPassByCode (db: Q, code: string): Promise<{ person_id: string, display_name: string } | undefined> {
  return await db.selectFrom('attendance_passes as pa').innerJoin('people as p', 'p.id', 'pa.person_id')
    .select(['pa.person_id', 'p.display_name']).where('pa.code', '=', code).executeTakeFirst()
}

export async function savePass (db: Q, values: { person_id: string, version: number, code: string, issued_at: Date }): Promise<void> {
  await db.insertInto('attendance_passes').values(values)
    .onConflict(oc => oc.column('person_id').doUpdateSet({ version: values.version, code: values.code, issued_at: values.issued_at })).execute()
}

// --- door scans (idempotent uploads) ----------------------------------------------------------

/** Claims a scan id; undefined when it was uploaded before (its stored outcome is the answer). */
export async function claimScan (db: Q, values: {
  scan_id: string
  scanned_by: string
  session_id: string
  pass_code: string
  device_time: Date
  received_at: Date
}): Promise<boolean> {
  const row = await db.insertInto('attendance_scans').values({ ...values, outcome: JSON.stringify({ result: 'processing' }) })
    .onConflict(oc => oc.column('scan_id').doNothing()).returning('scan_id').executeTakeFirst()
  return row !== undefined
}

export async function scanOutcome (db: Q, scanId: string): Promise<{ outcome: unknown, scanned_by: string } | undefined> {
  return await db.selectFrom('attendance_scans').select(['outcome', 'scanned_by']).where('scan_id', '=', scanId).executeTakeFirst()
}

export async function saveScanOutcome (db: Q, scanId: string, outcome: unknown): Promise<void> {
  await db.updateTable('attendance_scans').set({ outcome: JSON.stringify(outcome) }).where('scan_id', '=', scanId).execute()
}

// --- scans before signing in ------------------------------------------------------------------

export async function insertPendingScan (db: Q, values: {
  device_hash: string
  device_binding: string
  session_id: string
  scanned_at: Date
  code_valid_until: Date
  expires_at: Date
}): Promise<void> {
  await db.insertInto('attendance_pending_scans').values(values).execute()
}

/**
 * The pending scans of a scan cookie made on this very browser (its device binding) and not
 * expired, used up now. Scans of the same cookie bound to another browser stay untouched.
 */
export async function takePendingScans (db: Q, scanHash: string, deviceBinding: string, now: Date): Promise<Array<{
  session_id: string
  scanned_at: Date
  code_valid_until: Date
}>> {
  const rows = await db.updateTable('attendance_pending_scans').set({ used_at: now })
    .where('device_hash', '=', scanHash).where('device_binding', '=', deviceBinding)
    .where('used_at', 'is', null).where('expires_at', '>', now).where('code_valid_until', 'is not', null)
    .returning(['session_id', 'scanned_at', 'code_valid_until']).execute()
  return rows.map(r => ({ session_id: r.session_id, scanned_at: r.scanned_at, code_valid_until: r.code_valid_until ?? r.scanned_at }))
}

/** Pending scans of a scan cookie left unused at a sign-in: made on another browser, or too late. */
export async function unusablePendingScans (db: Q, scanHash: string, deviceBinding: string, now: Date): Promise<number> {
  const row = await db.selectFrom('attendance_pending_scans').select(eb => eb.fn.countAll<number>().as('n'))
    .where('device_hash', '=', scanHash).where('used_at', 'is', null)
    .where(eb => eb.or([eb('device_binding', 'is', null), eb('device_binding', '!=', deviceBinding), eb('expires_at', '<=', now)]))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** Marks the person's record in a slot as a pending scan completed after its code's validity. */
export async function markCompletedLate (db: Q, slotId: string, personId: string, at: Date): Promise<void> {
  await db.updateTable('attendance_records').set({ completed_late_at: at }).where('slot_id', '=', slotId).where('person_id', '=', personId).execute()
}

// --- typed codes ------------------------------------------------------------------------------

export async function recentFailedAttempts (db: Q, personId: string, since: Date): Promise<{ count: number, oldest: Date | null }> {
  const row = await db.selectFrom('attendance_code_attempts').select([eb => eb.fn.countAll<number>().as('n'), eb => eb.fn.min('attempted_at').as('oldest')])
    .where('person_id', '=', personId).where('attempted_at', '>', since).executeTakeFirstOrThrow()
  return { count: Number(row.n), oldest: row.oldest === null ? null : new Date(row.oldest as unknown as string) }
}

export async function insertFailedAttempt (db: Q, personId: string, at: Date): Promise<void> {
  await db.insertInto('attendance_code_attempts').values({ person_id: personId, attempted_at: at }).execute()
}

export async function purgeExpired (db: Q, now: Date): Promise<void> {
  await db.deleteFrom('attendance_pending_scans').where('expires_at', '<=', now).execute()
  await db.deleteFrom('attendance_code_attempts').where('attempted_at', '<=', new Date(now.getTime() - 24 * 3600_000)).execute()
}

export const lockPersonSlot = async (db: Q, personId: string, slotId: string): Promise<void> => {
  // Serialises check-ins of one person in one slot even before a record exists.
  await sql`SELECT pg_advisory_xact_lock(hashtext(${`${personId}:${slotId}`}))`.execute(db)
}

/**
 * The common case in one statement: a first check-in of a registered person in a slot. The
 * record itself says how and when it came (method, device and receive times, who scanned);
 * the history keeps every later change with the state before it. Inserts nothing when the
 * person already has a record in the slot or may not attend (the caller then takes the
 * careful path that says why, or moves the record).
 *
 * A fixed text, sent as a named prepared statement on PostgreSQL (parsed and planned once per
 * connection), and without RETURNING: the stored record is exactly the values given.
 */
const FIRST_CHECK_IN = `
    INSERT INTO attendance_records (event_id, slot_id, session_id, person_id, status, method, recorded_at, device_time, received_at, recorded_by)
    SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10
    WHERE EXISTS (SELECT 1 FROM registrations WHERE event_id = $1 AND person_id = $4)
    ON CONFLICT (slot_id, person_id) DO NOTHING`
const FIRST_CHECK_IN_WITH_ROLE = `
    INSERT INTO attendance_records (event_id, slot_id, session_id, person_id, status, method, recorded_at, device_time, received_at, recorded_by)
    SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10
    WHERE EXISTS (SELECT 1 FROM registrations WHERE event_id = $1 AND person_id = $4 AND role = ANY($11::text[]))
    ON CONFLICT (slot_id, person_id) DO NOTHING`
preparedStatement('attendance_first_check_in', FIRST_CHECK_IN)
preparedStatement('attendance_first_check_in_with_role', FIRST_CHECK_IN_WITH_ROLE)

/** True when the record was created; false when the person has one in the slot already or may not attend. */
export async function insertFirstCheckIn (db: Q, values: NewRecord & { roles: string[] | null }): Promise<boolean> {
  const parameters: unknown[] = [
    values.event_id, values.slot_id, values.session_id, values.person_id, values.status, values.method, values.recorded_at, values.device_time,
    values.received_at, values.recorded_by
  ]
  if (values.roles !== null) parameters.push(values.roles)
  const result = await db.executeQuery(CompiledQuery.raw(values.roles === null ? FIRST_CHECK_IN : FIRST_CHECK_IN_WITH_ROLE, parameters))
  return (result.numAffectedRows ?? 0n) > 0n
}

/** The session where the person is recorded in a slot, if any. */
export async function recordedSession (db: Q, slotId: string, personId: string): Promise<{ id: string, title: string } | undefined> {
  return await db.selectFrom('attendance_records as a').innerJoin('sessions as s', 's.id', 'a.session_id')
    .select(['s.id', 's.title']).where('a.slot_id', '=', slotId).where('a.person_id', '=', personId).executeTakeFirst()
}

/** The members of the event's LMS courses the actor is an active member of, with both sides' LTI roles. */
export async function courseMatesOf (db: Q, actorId: string, eventId: string): Promise<Array<{
  person_id: string | null
  actor_roles: unknown
  person_roles: unknown
}>> {
  return await db.selectFrom('lti_roster_members as me')
    .innerJoin('lti_contexts as c', 'c.id', 'me.context_id')
    .innerJoin('lti_roster_members as them', 'them.context_id', 'me.context_id')
    .select(['them.person_id', 'me.roles as actor_roles', 'them.roles as person_roles'])
    .where('c.event_id', '=', eventId)
    .where('me.person_id', '=', actorId).where('me.status', '=', 'Active')
    .where('them.status', '=', 'Active').where('them.person_id', 'is not', null)
    .execute()
}

// --- the attendance grade in the LMS ----------------------------------------------------------

/** Of these events, those whose records the retention purge has replaced by per-session totals. */
export async function eventsWithRecordsPurged (db: Q, eventIds: string[]): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set()
  const rows = await db.selectFrom('attendance_session_totals as t').innerJoin('sessions as s', 's.id', 't.session_id')
    .select('s.event_id').distinct().where('s.event_id', 'in', eventIds).execute()
  return new Set(rows.map(r => r.event_id))
}
