import type { Kysely, Selectable } from 'kysely'
import type { DB, People } from '../db/schema.js'

type Q = Kysely<DB>
export type PersonRow = Selectable<People>
export type Role = 'credited_student' | 'participant' | 'instructor' | 'organizer' | 'door_staff'

export async function findPersonById (db: Q, id: string): Promise<PersonRow | undefined> {
  return await db.selectFrom('people').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function findPersonByEmail (db: Q, email: string): Promise<PersonRow | undefined> {
  return await db.selectFrom('people').selectAll().where(eb => eb(eb.fn('lower', ['email']), '=', email.toLowerCase())).executeTakeFirst()
}

export async function insertPerson (db: Q, values: { email: string | null, display_name: string, given_name?: string | null, family_name?: string | null, preferred_locale?: string }): Promise<PersonRow> {
  return await db.insertInto('people').values(values).returningAll().executeTakeFirstOrThrow()
}

export async function addRegistration (db: Q, values: { event_id: string, person_id: string, role: Role, created_by: string | null }): Promise<void> {
  await db.insertInto('registrations').values(values).onConflict(oc => oc.columns(['event_id', 'person_id', 'role']).doNothing()).execute()
}

export async function listRegistrations (db: Q, personId: string): Promise<Array<{ event_id: string, role: string }>> {
  return await db.selectFrom('registrations').select(['event_id', 'role']).where('person_id', '=', personId).orderBy('created_at').execute()
}

export async function listTeam (db: Q, eventId: string, roles: Role[]): Promise<Array<{ person_id: string, display_name: string, email: string | null, role: string }>> {
  return await db.selectFrom('registrations')
    .innerJoin('people', 'people.id', 'registrations.person_id')
    .select(['people.id as person_id', 'people.display_name', 'people.email', 'registrations.role'])
    .where('registrations.event_id', '=', eventId)
    .where('registrations.role', 'in', roles)
    .orderBy('registrations.role').orderBy('people.display_name')
    .execute()
}

export type LinkPurpose = 'bootstrap' | 'invitation' | 'sign_in' | 'phone' | 'launch'

export async function insertSignInLink (db: Q, values: { person_id: string, token_hash: string, purpose: LinkPurpose, created_by: string | null, expires_at: Date }): Promise<void> {
  await db.insertInto('sign_in_links').values(values).execute()
}

/** Marks a link used if it is still usable; returns its person, or undefined. Atomic: one use only. */
export async function consumeSignInLink (db: Q, tokenHash: string, now: Date, personId?: string): Promise<{ person_id: string, purpose: LinkPurpose } | undefined> {
  let update = db.updateTable('sign_in_links')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
  if (personId !== undefined) update = update.where('person_id', '=', personId)
  return await update.returning(['person_id', 'purpose']).executeTakeFirst() as { person_id: string, purpose: LinkPurpose } | undefined
}

export async function findSignInLink (db: Q, tokenHash: string): Promise<{ person_id: string, used_at: Date | null, expires_at: Date } | undefined> {
  return await db.selectFrom('sign_in_links').select(['person_id', 'used_at', 'expires_at']).where('token_hash', '=', tokenHash).executeTakeFirst()
}

export async function insertDeviceSession (db: Q, values: { person_id: string, token_hash: string, user_agent: string | null, expires_at: Date, created_at: Date, last_used_at: Date }): Promise<string> {
  const row = await db.insertInto('device_sessions').values(values).returning('id').executeTakeFirstOrThrow()
  return row.id
}

export async function touchDeviceSession (db: Q, tokenHash: string, now: Date): Promise<{ id: string, person_id: string } | undefined> {
  return await db.updateTable('device_sessions')
    .set({ last_used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .returning(['id', 'person_id'])
    .executeTakeFirst()
}

export async function revokeDeviceSession (db: Q, id: string, now: Date): Promise<void> {
  await db.updateTable('device_sessions').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).execute()
}
