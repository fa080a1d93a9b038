// The facts the access policy reads: who holds which role where, and which event, course or
// owner a thing belongs to. Read-only; every query is by primary key or an indexed column.
import type { Kysely } from 'kysely'
import type { DB, Registrations } from '../db/schema.js'

type Q = Kysely<DB>

/** A role in an event, as registrations store it. */
export type EventRole = Registrations['role']

// Ids come from URLs and forms before every page validates them: a malformed one is simply not found
// (PostgreSQL would refuse to compare it with a uuid column).
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value)

/** The person's roles in one event (organizer, door_staff, instructor, credited_student, participant). */
export async function rolesInEvent (db: Q, personId: string, eventId: string): Promise<EventRole[]> {
  if (!isUuid(eventId)) return []
  return (await db.selectFrom('registrations').select('role').where('person_id', '=', personId).where('event_id', '=', eventId).execute()).map(r => r.role)
}

/** The events the person holds this role in. */
export async function eventsWithRole (db: Q, personId: string, role: EventRole): Promise<string[]> {
  return (await db.selectFrom('registrations').select('event_id').where('person_id', '=', personId).where('role', '=', role).execute()).map(r => r.event_id)
}

/** Every event the person is registered in, whatever the role. */
export async function eventsOf (db: Q, personId: string): Promise<string[]> {
  return (await db.selectFrom('registrations').select('event_id').distinct().where('person_id', '=', personId).execute()).map(r => r.event_id)
}

/** The person's LTI roles in one course (an active roster entry), or undefined. */
export async function courseRoles (db: Q, personId: string, contextId: string): Promise<string[] | undefined> {
  if (!isUuid(contextId)) return undefined
  const row = await db.selectFrom('lti_roster_members').select('roles').where('context_id', '=', contextId)
    .where('person_id', '=', personId).where('status', '=', 'Active').executeTakeFirst()
  return row === undefined ? undefined : row.roles as string[]
}

/** The person's LTI roles in every course they are an active member of, with each course's event. */
export async function coursesOf (db: Q, personId: string): Promise<Array<{ contextId: string, eventId: string | null, roles: string[] }>> {
  const rows = await db.selectFrom('lti_roster_members as m').innerJoin('lti_contexts as c', 'c.id', 'm.context_id')
    .select(['c.id', 'c.event_id', 'm.roles']).where('m.person_id', '=', personId).where('m.status', '=', 'Active').execute()
  return rows.map(r => ({ contextId: r.id, eventId: r.event_id, roles: r.roles as string[] }))
}

export async function courseExists (db: Q, contextId: string): Promise<boolean> {
  if (!isUuid(contextId)) return false
  return await db.selectFrom('lti_contexts').select('id').where('id', '=', contextId).executeTakeFirst() !== undefined
}

export async function eventExists (db: Q, eventId: string): Promise<boolean> {
  if (!isUuid(eventId)) return false
  return await db.selectFrom('events').select('id').where('id', '=', eventId).executeTakeFirst() !== undefined
}

/** Tables whose rows belong to one event (by `event_id`). */
export type EventOwned = 'sessions' | 'time_slots' | 'attestation_requests' | 'attestation_jobs'

/** The event a session, slot, attestation request or generation job belongs to. */
export async function eventOf (db: Q, table: EventOwned, id: string): Promise<string | undefined> {
  if (!isUuid(id)) return undefined
  // Each of these tables has a uuid `id` and `event_id`; one of them stands for the type.
  return (await db.selectFrom(table as 'sessions').select('event_id').where('id', '=', id).executeTakeFirst())?.event_id
}

export async function excuse (db: Q, excuseId: string): Promise<{ personId: string, eventId: string } | undefined> {
  if (!isUuid(excuseId)) return undefined
  const row = await db.selectFrom('attendance_excuses as x').innerJoin('time_slots as t', 't.id', 'x.slot_id')
    .select(['x.person_id', 't.event_id']).where('x.id', '=', excuseId).executeTakeFirst()
  return row === undefined ? undefined : { personId: row.person_id, eventId: row.event_id }
}

export async function attestation (db: Q, attestationId: string): Promise<{ personId: string | null, eventId: string } | undefined> {
  if (!isUuid(attestationId)) return undefined
  const row = await db.selectFrom('attestations').select(['person_id', 'event_id']).where('id', '=', attestationId).executeTakeFirst()
  return row === undefined ? undefined : { personId: row.person_id, eventId: row.event_id }
}

/** Tables whose rows belong to one person (by `person_id`). */
export type PersonOwned = 'lti_deep_link_requests' | 'role_invitations'

/** Who a deep-linking choice or a role invitation belongs to. */
export async function ownerOf (db: Q, table: PersonOwned, id: string): Promise<string | undefined> {
  if (!isUuid(id)) return undefined
  return (await db.selectFrom(table as 'role_invitations').select('person_id').where('id', '=', id).executeTakeFirst())?.person_id
}

/** The author of a hand-in and the course it was handed in to. */
export async function submission (db: Q, submissionId: string): Promise<{ authorId: string, contextId: string } | undefined> {
  if (!isUuid(submissionId)) return undefined
  const row = await db.selectFrom('synthesis_submissions as s').innerJoin('synthesis_assignments as a', 'a.id', 's.assignment_id')
    .select(['s.person_id', 'a.context_id']).where('s.id', '=', submissionId).executeTakeFirst()
  return row === undefined ? undefined : { authorId: row.person_id, contextId: row.context_id }
}

export async function personExists (db: Q, personId: string): Promise<boolean> {
  if (!isUuid(personId)) return false
  return await db.selectFrom('people').select('id').where('id', '=', personId).executeTakeFirst() !== undefined
}

/**
 * The person's own (lower-cased) email, to recognise a configured privacy officer: not an address
 * staff typed for an account they created, nor one of an erased account.
 */
export async function ownEmailOf (db: Q, personId: string): Promise<string | null> {
  return (await db.selectFrom('people').select('email').where('id', '=', personId)
    .where('staff_provisioned_at', 'is', null).where('anonymised_at', 'is', null).executeTakeFirst())?.email?.toLowerCase() ?? null
}
