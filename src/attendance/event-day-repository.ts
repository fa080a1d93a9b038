import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'

/** What the event-day prints read from the database: a room's day, its people's passes (the event's title comes from the program). */
type Q = Kysely<DB>

export interface RoomDaySession { id: string, title: string, starts_at: Date, ends_at: Date }

/**
 * The in-person sessions held in a session's room on the same day, in order (the room's door
 * poster for the day). Empty when the session has no room.
 */
export async function roomDaySessions (db: Q, sessionId: string): Promise<RoomDaySession[]> {
  const here = await db.selectFrom('sessions as s').innerJoin('time_slots as ts', 'ts.id', 's.slot_id')
    .select(['s.room_id', 'ts.day_id']).where('s.id', '=', sessionId).executeTakeFirst()
  if (here?.room_id == null) return []
  return await db.selectFrom('sessions as s').innerJoin('time_slots as ts', 'ts.id', 's.slot_id')
    .select(['s.id', 's.title', 'ts.starts_at', 'ts.ends_at'])
    .where('s.room_id', '=', here.room_id).where('ts.day_id', '=', here.day_id)
    .where('s.status', '=', 'scheduled').where('s.mode', '=', 'in_person')
    .orderBy('ts.starts_at').orderBy('s.position').execute()
}

/**
 * The people registered to attend an event (participants and credited students), once each, split
 * by whether the actor may print their pass: a pass opens every door of every event its holder is
 * registered to, so one registered at an event the actor does not organize is left out (counted).
 */
export async function attendeesOfEvent (db: Q, eventId: string, actorId: string): Promise<{ printable: Array<{ id: string, name: string }>, leftOut: number }> {
  const rows = await db.selectFrom('registrations as r').innerJoin('people as p', 'p.id', 'r.person_id')
    .select(['p.id', 'p.display_name'])
    .select(eb => eb.exists(eb.selectFrom('registrations as elsewhere').select('elsewhere.id')
      .whereRef('elsewhere.person_id', '=', 'p.id')
      .where('elsewhere.event_id', 'not in', eb.selectFrom('registrations as mine').select('mine.event_id')
        .where('mine.person_id', '=', actorId).where('mine.role', '=', 'organizer'))).as('registered_elsewhere'))
    .distinct()
    .where('r.event_id', '=', eventId).where('r.role', 'in', ['participant', 'credited_student'])
    .execute()
  return {
    printable: rows.filter(r => r.registered_elsewhere !== true).map(r => ({ id: r.id, name: r.display_name })),
    leftOut: rows.filter(r => r.registered_elsewhere === true).length
  }
}
