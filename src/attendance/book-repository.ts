import type { Kysely, Selectable } from 'kysely'
import type { AttendanceExcuses, DB } from '../db/schema.js'
import type { PolicyRow, Status } from './repository.js'

/**
 * The attendance register's data access (src/attendance/book.ts): the grid's slots, people and
 * records, corrections, excuses, advance choices and places. Functions take a Kysely handle so
 * the book can pass a transaction.
 */
type Q = Kysely<DB>

export type ExcuseStatus = Selectable<AttendanceExcuses>['status']

// --- slots, sessions, people ------------------------------------------------------------------

export async function findEventZone (db: Q, eventId: string): Promise<{ id: string, timezone: string } | undefined> {
  return await db.selectFrom('events').select(['id', 'timezone']).where('id', '=', eventId).executeTakeFirst()
}

/** The event a participant's own pages are about: their latest registration. */
export async function latestEventOf (db: Q, personId: string): Promise<{ id: string, timezone: string } | undefined> {
  return await db.selectFrom('registrations as r').innerJoin('events as e', 'e.id', 'r.event_id').select(['e.id', 'e.timezone'])
    .where('r.person_id', '=', personId).orderBy('e.starts_on', 'desc').executeTakeFirst()
}

export async function findSlot (db: Q, slotId: string): Promise<{ id: string, event_id: string, counts_toward_attendance: boolean } | undefined> {
  return await db.selectFrom('time_slots').select(['id', 'event_id', 'counts_toward_attendance']).where('id', '=', slotId).executeTakeFirst()
}

export async function findSlotWithZone (db: Q, slotId: string): Promise<{ id: string, event_id: string, starts_at: Date, timezone: string } | undefined> {
  return await db.selectFrom('time_slots as t').innerJoin('events as e', 'e.id', 't.event_id')
    .select(['t.id', 't.event_id', 't.starts_at', 'e.timezone']).where('t.id', '=', slotId).executeTakeFirst()
}

/** The event's slots that count toward attendance, in time order. */
export async function countedSlots (db: Q, eventId: string): Promise<Array<{ id: string, key: string, starts_at: Date, ends_at: Date }>> {
  return await db.selectFrom('time_slots').select(['id', 'key', 'starts_at', 'ends_at'])
    .where('event_id', '=', eventId).where('counts_toward_attendance', '=', true).orderBy('starts_at').execute()
}

/** The event's scheduled in-person sessions (the grid's columns). */
export async function inPersonSessions (db: Q, eventId: string): Promise<Array<{ id: string, slot_id: string, title: string }>> {
  return await db.selectFrom('sessions').select(['id', 'slot_id', 'title']).where('event_id', '=', eventId)
    .where('status', '=', 'scheduled').where('mode', '=', 'in_person').orderBy('position').execute()
}

/** The event's scheduled sessions, whatever their mode (a participant's choices). */
export async function scheduledSessionsOfEvent (db: Q, eventId: string): Promise<Array<{ id: string, title: string, slot_id: string }>> {
  return await db.selectFrom('sessions').select(['id', 'title', 'slot_id']).where('event_id', '=', eventId)
    .where('status', '=', 'scheduled').orderBy('position').execute()
}

export async function scheduledSessionsOfSlot (db: Q, slotId: string): Promise<Array<{ id: string, title: string }>> {
  return await db.selectFrom('sessions').select(['id', 'title']).where('slot_id', '=', slotId).where('status', '=', 'scheduled').orderBy('position').execute()
}

/** The active members of a course roster with their LTI roles, by name. */
export async function activeRosterMembers (db: Q, contextId: string): Promise<Array<{
  person_id: string | null
  user_sub: string
  roles: unknown
  display_name: string
  email: string | null
}>> {
  return await db.selectFrom('lti_roster_members as m').innerJoin('people as p', 'p.id', 'm.person_id')
    .select(['m.person_id', 'm.user_sub', 'm.roles', 'p.display_name', 'p.email'])
    .where('m.context_id', '=', contextId).where('m.status', '=', 'Active').orderBy('p.display_name').execute()
}

/** The event's participants and credited students (one row per registration), by name. */
export async function attendeeRegistrations (db: Q, eventId: string): Promise<Array<{
  person_id: string
  role: string
  display_name: string
  email: string | null
}>> {
  return await db.selectFrom('registrations as r').innerJoin('people as p', 'p.id', 'r.person_id')
    .select(['r.person_id', 'r.role', 'p.display_name', 'p.email'])
    .where('r.event_id', '=', eventId).where('r.role', 'in', ['credited_student', 'participant']).orderBy('p.display_name').execute()
}

// --- records and their history ----------------------------------------------------------------

/** The records of these people in the event (none asked for: no query). */
export async function recordsOf (db: Q, eventId: string, personIds: string[]): Promise<Array<{
  person_id: string
  slot_id: string
  session_id: string
  status: Status
  completed_late_at: Date | null
}>> {
  if (personIds.length === 0) return []
  return await db.selectFrom('attendance_records')
    .select(['person_id', 'slot_id', 'session_id', 'status', 'completed_late_at']).where('event_id', '=', eventId)
    .where('person_id', 'in', personIds).execute()
}

export async function findRecordStatus (db: Q, slotId: string, personId: string): Promise<{ status: Status, session_id: string } | undefined> {
  return await db.selectFrom('attendance_records').select(['status', 'session_id']).where('slot_id', '=', slotId)
    .where('person_id', '=', personId).executeTakeFirst()
}

/** The person's changes in one slot, oldest first, with the name of whoever made each. */
export async function historyWithNames (db: Q, personId: string, slotId: string): Promise<Array<{
  action: string
  before: unknown
  after: unknown
  reason: string | null
  display_name: string | null
  changed_at: Date
}>> {
  return await db.selectFrom('attendance_history as h').leftJoin('people as p', 'p.id', 'h.changed_by')
    .select(['h.action', 'h.before', 'h.after', 'h.reason', 'p.display_name', 'h.changed_at'])
    .where('h.person_id', '=', personId).where('h.slot_id', '=', slotId).orderBy('h.id').execute()
}

export async function savePolicy (db: Q, eventId: string, policy: PolicyRow, actorId: string, at: Date): Promise<void> {
  await db.insertInto('attendance_policies').values({ event_id: eventId, ...policy, updated_by: actorId, updated_at: at })
    .onConflict(oc => oc.column('event_id').doUpdateSet({ ...policy, updated_by: actorId, updated_at: at })).execute()
}

// --- excuses ----------------------------------------------------------------------------------

export async function findExcuse (db: Q, personId: string, slotId: string): Promise<{ id: string, status: ExcuseStatus } | undefined> {
  return await db.selectFrom('attendance_excuses').select(['id', 'status']).where('person_id', '=', personId).where('slot_id', '=', slotId).executeTakeFirst()
}

/** The excuses of these people, every slot (none asked for: no query). */
export async function excusesOf (db: Q, personIds: string[]): Promise<Array<{ person_id: string, slot_id: string, status: ExcuseStatus }>> {
  if (personIds.length === 0) return []
  return await db.selectFrom('attendance_excuses').select(['person_id', 'slot_id', 'status']).where('person_id', 'in', personIds).execute()
}

/** Submits an excuse, or replaces the reason of one not decided yet (the caller checks that). */
export async function upsertExcuse (db: Q, values: {
  person_id: string
  slot_id: string
  reason: string
  submitted_at: Date
}): Promise<{ id: string, status: ExcuseStatus }> {
  return await db.insertInto('attendance_excuses').values(values)
    .onConflict(oc => oc.columns(['person_id', 'slot_id']).doUpdateSet({ reason: values.reason, submitted_at: values.submitted_at }))
    .returning(['id', 'status']).executeTakeFirstOrThrow()
}

/** The event's excuses, in slot then submission order, with the person's name. */
export async function excusesOfEvent (db: Q, eventId: string, status?: ExcuseStatus): Promise<Array<{
  id: string
  person_id: string
  display_name: string
  slot_id: string
  starts_at: Date
  reason: string
  status: ExcuseStatus
  submitted_at: Date
}>> {
  let q = db.selectFrom('attendance_excuses as x').innerJoin('time_slots as s', 's.id', 'x.slot_id').innerJoin('people as p', 'p.id', 'x.person_id')
    .select(['x.id', 'x.person_id', 'p.display_name', 'x.slot_id', 's.starts_at', 'x.reason', 'x.status', 'x.submitted_at'])
    .where('s.event_id', '=', eventId)
  if (status !== undefined) q = q.where('x.status', '=', status)
  return await q.orderBy('s.starts_at').orderBy('x.submitted_at').execute()
}

export async function findExcuseWithEvent (db: Q, excuseId: string): Promise<{
  id: string
  person_id: string
  slot_id: string
  status: ExcuseStatus
  event_id: string
} | undefined> {
  return await db.selectFrom('attendance_excuses as x').innerJoin('time_slots as s', 's.id', 'x.slot_id')
    .select(['x.id', 'x.person_id', 'x.slot_id', 'x.status', 's.event_id']).where('x.id', '=', excuseId).executeTakeFirst()
}

export async function setExcuseDecision (db: Q, excuseId: string, status: 'accepted' | 'refused', by: string, at: Date): Promise<void> {
  await db.updateTable('attendance_excuses').set({ status, decided_by: by, decided_at: at }).where('id', '=', excuseId).execute()
}

// --- advance choices and places ---------------------------------------------------------------

export async function choicesOf (db: Q, personId: string): Promise<Array<{ slot_id: string, session_id: string }>> {
  return await db.selectFrom('attendance_choices').select(['slot_id', 'session_id']).where('person_id', '=', personId).execute()
}

export async function findChoice (db: Q, personId: string, slotId: string): Promise<{ session_id: string } | undefined> {
  return await db.selectFrom('attendance_choices').select('session_id').where('person_id', '=', personId).where('slot_id', '=', slotId).executeTakeFirst()
}

/** The person's choice in the slot, replacing an earlier one. */
export async function saveChoice (db: Q, values: { person_id: string, slot_id: string, session_id: string, chosen_at: Date }): Promise<void> {
  await db.insertInto('attendance_choices').values(values)
    .onConflict(oc => oc.columns(['person_id', 'slot_id']).doUpdateSet({ session_id: values.session_id, chosen_at: values.chosen_at })).execute()
}

export async function deleteChoice (db: Q, personId: string, slotId: string): Promise<void> {
  await db.deleteFrom('attendance_choices').where('person_id', '=', personId).where('slot_id', '=', slotId).execute()
}

/**
 * Each session of the event with its room's capacity, in one query: people checked in (present
 * or late), and advance choices of people not checked in yet in that slot.
 */
export async function sessionPlaces (db: Q, eventId: string): Promise<Array<{
  id: string
  capacity: number | null
  checked_in: number | null
  chosen: number | null
}>> {
  return await db.selectFrom('sessions as s').leftJoin('rooms as r', 'r.id', 's.room_id')
    .select(['s.id', 'r.capacity'])
    .select(eb => eb.selectFrom('attendance_records as a').select(eb2 => eb2.fn.countAll<number>().as('n'))
      .whereRef('a.session_id', '=', 's.id').where('a.status', 'in', ['present', 'late']).as('checked_in'))
    .select(eb => eb.selectFrom('attendance_choices as c').select(eb2 => eb2.fn.countAll<number>().as('n'))
      .whereRef('c.session_id', '=', 's.id')
      .where(eb2 => eb2.not(eb2.exists(eb2.selectFrom('attendance_records as x').select('x.id')
        .whereRef('x.person_id', '=', 'c.person_id').whereRef('x.slot_id', '=', 'c.slot_id'))))
      .as('chosen'))
    .where('s.event_id', '=', eventId).execute()
}

/** The event's counted in-person sessions in time order, with their check-ins (present or late). */
export async function sessionCheckIns (db: Q, eventId: string): Promise<Array<{
  id: string
  title: string
  slot_id: string
  starts_at: Date
  capacity: number | null
  count: number | null
}>> {
  return await db.selectFrom('sessions as s').innerJoin('time_slots as t', 't.id', 's.slot_id').leftJoin('rooms as r', 'r.id', 's.room_id')
    .select(['s.id', 's.title', 's.slot_id', 't.starts_at', 'r.capacity'])
    .select(eb => eb.selectFrom('attendance_records as a').select(eb2 => eb2.fn.countAll<number>().as('n'))
      .whereRef('a.session_id', '=', 's.id').where('a.status', 'in', ['present', 'late']).as('count'))
    .where('s.event_id', '=', eventId).where('t.counts_toward_attendance', '=', true).where('s.status', '=', 'scheduled').where('s.mode', '=', 'in_person')
    .orderBy('t.starts_at').orderBy('s.position').execute()
}
