import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import type { PersonRow } from './repository.js'

type Q = Kysely<DB>

export interface ParticipantRow {
  person_id: string
  display_name: string
  email: string | null
  employer: string | null
  preferred_locale: string
  link_issued_at: Date | null
  link_expires_at: Date | null
  link_revoked_at: Date | null
  link_last_used_at: Date | null
}

/** People whose email matches one of these, case-insensitively. */
export async function findPeopleByEmails (db: Q, emails: string[]): Promise<PersonRow[]> {
  const rows: PersonRow[] = []
  const lower = [...new Set(emails.map(e => e.toLowerCase()))]
  // Chunks keep the parameter count far below PostgreSQL's 65,535.
  for (let i = 0; i < lower.length; i += 1000) {
    const chunk = lower.slice(i, i + 1000)
    rows.push(...await db.selectFrom('people').selectAll().where(eb => eb(eb.fn('lower', ['email']), 'in', chunk)).execute())
  }
  return rows
}

export interface NewPerson {
  email: string
  display_name: string
  given_name: string | null
  family_name: string | null
  employer: string | null
  preferred_locale: 'fr' | 'en'
}

export async function insertPeople (db: Q, people: NewPerson[]): Promise<Array<{ id: string, email: string | null }>> {
  const rows: Array<{ id: string, email: string | null }> = []
  for (let i = 0; i < people.length; i += 500) {
    rows.push(...await db.insertInto('people').values(people.slice(i, i + 500)).returning(['id', 'email']).execute())
  }
  return rows
}

export async function updatePersonProfile (db: Q, id: string, values: Omit<NewPerson, 'email'> & { updated_at: Date }): Promise<void> {
  await db.updateTable('people').set(values).where('id', '=', id).execute()
}

/** Of these people, those already registered as participants of the event. */
export async function participantsAmong (db: Q, eventId: string, personIds: string[]): Promise<Set<string>> {
  const found = new Set<string>()
  for (let i = 0; i < personIds.length; i += 1000) {
    const rows = await db.selectFrom('registrations').select('person_id')
      .where('event_id', '=', eventId).where('role', '=', 'participant').where('person_id', 'in', personIds.slice(i, i + 1000)).execute()
    for (const r of rows) found.add(r.person_id)
  }
  return found
}

export async function addParticipantRegistrations (db: Q, eventId: string, personIds: string[], createdBy: string | null): Promise<void> {
  for (let i = 0; i < personIds.length; i += 1000) {
    await db.insertInto('registrations')
      .values(personIds.slice(i, i + 1000).map(personId => ({ event_id: eventId, person_id: personId, role: 'participant', created_by: createdBy })))
      .onConflict(oc => oc.columns(['event_id', 'person_id', 'role']).doNothing())
      .execute()
  }
}

const participantColumns = [
  'people.id as person_id', 'people.display_name', 'people.email', 'people.employer', 'people.preferred_locale',
  'personal_links.issued_at as link_issued_at', 'personal_links.expires_at as link_expires_at',
  'personal_links.revoked_at as link_revoked_at', 'personal_links.last_used_at as link_last_used_at'
] as const

/** The event's participants with their personal-link state. */
const participantsOf = (db: Q, eventId: string) => db.selectFrom('registrations')
  .innerJoin('people', 'people.id', 'registrations.person_id')
  .leftJoin('personal_links', join => join.onRef('personal_links.person_id', '=', 'people.id').onRef('personal_links.event_id', '=', 'registrations.event_id'))
  .select(participantColumns)
  .where('registrations.event_id', '=', eventId)
  .where('registrations.role', '=', 'participant')

export async function listParticipants (db: Q, eventId: string): Promise<ParticipantRow[]> {
  return await participantsOf(db, eventId).execute()
}

export async function findParticipant (db: Q, eventId: string, personId: string): Promise<ParticipantRow | undefined> {
  return await participantsOf(db, eventId).where('people.id', '=', personId).executeTakeFirst()
}

/** Issues or re-issues the person's link for the event: the new hash replaces the old one. */
export async function upsertPersonalLink (db: Q, values: {
  event_id: string
  person_id: string
  token_hash: string
  issued_by: string
  issued_at: Date
  expires_at: Date
}): Promise<void> {
  await db.insertInto('personal_links').values(values)
    .onConflict(oc => oc.columns(['event_id', 'person_id']).doUpdateSet({
      token_hash: values.token_hash,
      issued_by: values.issued_by,
      issued_at: values.issued_at,
      expires_at: values.expires_at,
      revoked_at: null,
      last_used_at: null
    }))
    .execute()
}

/** Marks the link revoked; false when there was no live link. */
export async function revokePersonalLink (db: Q, eventId: string, personId: string, now: Date): Promise<boolean> {
  const row = await db.updateTable('personal_links').set({ revoked_at: now })
    .where('event_id', '=', eventId).where('person_id', '=', personId).where('revoked_at', 'is', null)
    .returning('person_id').executeTakeFirst()
  return row !== undefined
}

/** The live link with this hash, still held by a participant of its event; undefined otherwise. */
export async function findLivePersonalLink (db: Q, tokenHash: string, now: Date): Promise<{
  event_id: string
  person_id: string
  issued_by: string | null
  expires_at: Date
  preferred_locale: string
} | undefined> {
  return await db.selectFrom('personal_links')
    .innerJoin('people', 'people.id', 'personal_links.person_id')
    .innerJoin(
      'registrations',
      join => join.onRef('registrations.person_id', '=', 'personal_links.person_id').onRef('registrations.event_id', '=', 'personal_links.event_id')
    )
    .select(['personal_links.event_id', 'personal_links.person_id', 'personal_links.issued_by', 'personal_links.expires_at', 'people.preferred_locale'])
    .where('personal_links.token_hash', '=', tokenHash)
    .where('personal_links.revoked_at', 'is', null)
    .where('personal_links.expires_at', '>', now)
    .where('registrations.role', '=', 'participant')
    .executeTakeFirst()
}

/** Records a use of the live link (and locks its row, so a concurrent revocation waits). */
export async function touchPersonalLink (db: Q, tokenHash: string, now: Date): Promise<boolean> {
  const row = await db.updateTable('personal_links').set({ last_used_at: now })
    .where('token_hash', '=', tokenHash).where('revoked_at', 'is', null).where('expires_at', '>', now)
    .returning('person_id').executeTakeFirst()
  return row !== undefined
}

/** Signs the person out everywhere: every live device session; returns how many. */
export async function revokeDeviceSessionsOf (db: Q, personId: string, now: Date): Promise<number> {
  const rows = await db.updateTable('device_sessions').set({ revoked_at: now })
    .where('person_id', '=', personId).where('revoked_at', 'is', null)
    .returning('id').execute()
  return rows.length
}
