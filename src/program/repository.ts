import { sql, type Kysely, type Selectable, type Insertable } from 'kysely'
import type { DB, Events, SessionSpeakers, Sessions } from '../db/schema.js'

/** Program data access. Functions take a Kysely handle so services can pass a transaction. */
type Q = Kysely<DB>

export type EventRow = Selectable<Events>
export type SessionRow = Selectable<Sessions>

export async function listEvents (db: Q): Promise<EventRow[]> {
  return await db.selectFrom('events').selectAll().orderBy('starts_on', 'desc').orderBy('key').execute()
}

export async function findEventById (db: Q, id: string): Promise<EventRow | undefined> {
  return await db.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function findEventByKey (db: Q, key: string): Promise<EventRow | undefined> {
  return await db.selectFrom('events').selectAll().where('key', '=', key).executeTakeFirst()
}

/** What rendered copies of an event's program are kept by: its program's version, and when that import was made. */
export interface ProgramVersionRow { id: string, key: string, program_version: number, updated_at: Date }

const versionColumns = ['id', 'key', 'program_version', 'updated_at'] as const

export async function findProgramVersion (db: Q, eventId: string): Promise<ProgramVersionRow | undefined> {
  return await db.selectFrom('events').select(versionColumns).where('id', '=', eventId).executeTakeFirst()
}

export async function findProgramVersionByKey (db: Q, key: string): Promise<ProgramVersionRow | undefined> {
  return await db.selectFrom('events').select(versionColumns).where('key', '=', key).executeTakeFirst()
}

export type ProgramVersionListRow = ProgramVersionRow & { timezone: string, starts_on: string, ends_on: string }

/** Every event's version, with what choosing the current event needs. */
export async function listProgramVersions (db: Q): Promise<ProgramVersionListRow[]> {
  return await db.selectFrom('events').select([...versionColumns, 'timezone', 'starts_on', 'ends_on'])
    .orderBy('starts_on', 'desc').orderBy('key').execute()
}

export async function countEvents (db: Q): Promise<number> {
  const row = await db.selectFrom('events').select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  return Number(row.n)
}

export async function upsertEvent (db: Q, values: Insertable<Events>): Promise<{ id: string, created: boolean }> {
  const existing = await findEventByKey(db, values.key)
  if (existing === undefined) {
    const row = await db.insertInto('events').values(values).returning('id').executeTakeFirstOrThrow()
    return { id: row.id, created: true }
  }
  // Every import is a new version, changed rows or not: cheaper than comparing, and what the
  // rendered copies are keyed by (src/program/renderings.ts).
  await db.updateTable('events').set({ ...values, updated_at: new Date(), program_version: sql<number>`program_version + 1` })
    .where('id', '=', existing.id).execute()
  return { id: existing.id, created: false }
}

export async function upsertDay (db: Q, eventId: string, date: string): Promise<string> {
  const row = await db.insertInto('event_days').values({ event_id: eventId, date })
    .onConflict(oc => oc.columns(['event_id', 'date']).doUpdateSet({ date }))
    .returning('id').executeTakeFirstOrThrow()
  return row.id
}

export async function upsertRoom (db: Q, eventId: string, room: { key: string, name: string, capacity: number | null }): Promise<string> {
  const row = await db.insertInto('rooms').values({ event_id: eventId, ...room })
    .onConflict(oc => oc.columns(['event_id', 'key']).doUpdateSet({ name: room.name, capacity: room.capacity }))
    .returning('id').executeTakeFirstOrThrow()
  return row.id
}

export async function upsertSpeaker (db: Q, eventId: string, speaker: { key: string, name: string, affiliation: string | null }): Promise<string> {
  const row = await db.insertInto('speakers').values({ event_id: eventId, ...speaker })
    .onConflict(oc => oc.columns(['event_id', 'key']).doUpdateSet({ name: speaker.name, affiliation: speaker.affiliation }))
    .returning('id').executeTakeFirstOrThrow()
  return row.id
}

export async function upsertSlot (db: Q, slot: {
  event_id: string
  day_id: string
  key: string
  starts_at: Date
  ends_at: Date
  counts_toward_attendance: boolean
}): Promise<string> {
  const { event_id: _e, key: _k, ...changes } = slot
  const row = await db.insertInto('time_slots').values(slot)
    .onConflict(oc => oc.columns(['event_id', 'key']).doUpdateSet(changes))
    .returning('id').executeTakeFirstOrThrow()
  return row.id
}

export type SessionValues = Omit<Insertable<Sessions>, 'id' | 'created_at' | 'updated_at' | 'status' | 'cancelled_at'>

export async function listSessionsForEvent (db: Q, eventId: string): Promise<SessionRow[]> {
  return await db.selectFrom('sessions').selectAll().where('event_id', '=', eventId).execute()
}

export async function insertSession (db: Q, values: SessionValues): Promise<string> {
  const row = await db.insertInto('sessions').values({ ...values, status: 'scheduled' }).returning('id').executeTakeFirstOrThrow()
  return row.id
}

export async function updateSession (db: Q, id: string, values: SessionValues): Promise<void> {
  await db.updateTable('sessions')
    .set({ ...values, status: 'scheduled', cancelled_at: null, updated_at: new Date() })
    .where('id', '=', id).execute()
}

export async function cancelSession (db: Q, id: string, at: Date): Promise<void> {
  await db.updateTable('sessions').set({ status: 'cancelled', cancelled_at: at, updated_at: at }).where('id', '=', id).execute()
}

export async function deleteSessions (db: Q, ids: string[]): Promise<void> {
  if (ids.length === 0) return
  await db.deleteFrom('sessions').where('id', 'in', ids).execute()
}

export async function sessionIdsWithAttendance (db: Q, eventId: string): Promise<Set<string>> {
  const rows = await db.selectFrom('attendance_records').select('session_id').distinct().where('event_id', '=', eventId).execute()
  return new Set(rows.map(r => r.session_id))
}

export interface SessionSpeakerValues { speaker_id: string, position: number, role: SessionSpeakers['role'], affiliation: string | null }

export async function listSessionSpeakers (db: Q, eventId: string): Promise<Array<{ session_id: string } & SessionSpeakerValues>> {
  return await db.selectFrom('session_speakers')
    .innerJoin('sessions', 'sessions.id', 'session_speakers.session_id')
    .select([
      'session_speakers.session_id', 'session_speakers.speaker_id', 'session_speakers.position', 'session_speakers.role', 'session_speakers.affiliation'
    ])
    .where('sessions.event_id', '=', eventId)
    .execute()
}

export async function replaceSessionSpeakers (db: Q, sessionId: string, speakers: SessionSpeakerValues[]): Promise<void> {
  await db.deleteFrom('session_speakers').where('session_id', '=', sessionId).execute()
  if (speakers.length > 0) await db.insertInto('session_speakers').values(speakers.map(s => ({ session_id: sessionId, ...s }))).execute()
}

/** Removes program entities no longer referenced, keeping those that attendance still needs. */
export async function pruneEvent (db: Q, eventId: string, keep: { rooms: string[], speakers: string[] }): Promise<void> {
  let rooms = db.deleteFrom('rooms').where('event_id', '=', eventId)
  if (keep.rooms.length > 0) rooms = rooms.where('key', 'not in', keep.rooms)
  await rooms.execute()
  let speakers = db.deleteFrom('speakers').where('event_id', '=', eventId)
  if (keep.speakers.length > 0) speakers = speakers.where('key', 'not in', keep.speakers)
  await speakers.execute()
  await db.deleteFrom('time_slots').where('event_id', '=', eventId)
    .where(eb => eb.not(eb.exists(eb.selectFrom('sessions').select('sessions.id').whereRef('sessions.slot_id', '=', 'time_slots.id'))))
    .execute()
  await db.deleteFrom('event_days').where('event_id', '=', eventId)
    .where(eb => eb.not(eb.exists(eb.selectFrom('time_slots').select('time_slots.id').whereRef('time_slots.day_id', '=', 'event_days.id'))))
    .execute()
}

/** Told to every listener once the import's transaction commits (src/program/service.ts, keepVersionsUntilImport). */
export const PROGRAM_CHANNEL = 'compagnon_program'

export async function notifyImported (db: Q, eventId: string): Promise<void> {
  await sql`SELECT pg_notify(${PROGRAM_CHANNEL}, ${eventId})`.execute(db)
}

export async function recordImport (db: Q, values: {
  event_id: string
  source: string
  sha256: string
  imported_by: string | null
  summary: unknown
}): Promise<void> {
  await db.insertInto('program_imports').values({ ...values, summary: JSON.stringify(values.summary) }).execute()
}

// Read model --------------------------------------------------------------

export async function listDays (db: Q, eventId: string): Promise<Array<{ id: string, date: string }>> {
  return await db.selectFrom('event_days').select(['id', 'date']).where('event_id', '=', eventId).orderBy('date').execute()
}

export async function listSlots (db: Q, eventId: string): Promise<Array<{
  id: string
  day_id: string
  key: string
  starts_at: Date
  ends_at: Date
  counts_toward_attendance: boolean
}>> {
  return await db.selectFrom('time_slots')
    .select(['id', 'day_id', 'key', 'starts_at', 'ends_at', 'counts_toward_attendance'])
    .where('event_id', '=', eventId).orderBy('starts_at').orderBy('key').execute()
}

export async function listSessionsWithRooms (db: Q, eventId: string): Promise<Array<SessionRow & { room_name: string | null, room_capacity: number | null }>> {
  return await db.selectFrom('sessions')
    .leftJoin('rooms', 'rooms.id', 'sessions.room_id')
    .selectAll('sessions')
    .select(['rooms.name as room_name', 'rooms.capacity as room_capacity'])
    .where('sessions.event_id', '=', eventId)
    // 'scheduled' sorts after 'cancelled': descending puts cancelled sessions last in their slot.
    .orderBy('sessions.status', 'desc').orderBy('sessions.position').orderBy('sessions.key')
    .execute()
}

export async function listSpeakersOfSessions (db: Q, eventId: string): Promise<Array<{
  session_id: string
  name: string
  affiliation: string | null
  role: SessionSpeakers['role']
  position: number
}>> {
  return await db.selectFrom('session_speakers')
    .innerJoin('sessions', 'sessions.id', 'session_speakers.session_id')
    .innerJoin('speakers', 'speakers.id', 'session_speakers.speaker_id')
    .select(['session_speakers.session_id', 'speakers.name', 'session_speakers.role', 'session_speakers.position'])
    .select(eb => eb.fn.coalesce('session_speakers.affiliation', 'speakers.affiliation').as('affiliation'))
    .where('sessions.event_id', '=', eventId)
    .orderBy('session_speakers.position')
    .execute()
}
