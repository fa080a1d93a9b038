import type { Kysely, Selectable } from 'kysely'
import type { DB, People, Registrations, SignInLinks } from '../db/schema.js'
import type { Locale } from '../views/i18n.js'

type Q = Kysely<DB>
export type PersonRow = Selectable<People>
export type Role = Registrations['role']

export async function findPersonById (db: Q, id: string): Promise<PersonRow | undefined> {
  return await db.selectFrom('people').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function findPersonByEmail (db: Q, email: string): Promise<PersonRow | undefined> {
  return await db.selectFrom('people').selectAll().where(eb => eb(eb.fn('lower', ['email']), '=', email.toLowerCase())).executeTakeFirst()
}

export async function insertPerson (db: Q, values: {
  email: string | null
  display_name: string
  given_name?: string | null
  family_name?: string | null
  preferred_locale?: Locale
}): Promise<PersonRow> {
  return await db.insertInto('people').values(values).returningAll().executeTakeFirstOrThrow()
}

export async function addRegistration (db: Q, values: { event_id: string, person_id: string, role: Role, created_by: string | null }): Promise<void> {
  await db.insertInto('registrations').values(values).onConflict(oc => oc.columns(['event_id', 'person_id', 'role']).doNothing()).execute()
}

export async function listRegistrations (db: Q, personId: string): Promise<Array<{ event_id: string, role: Role }>> {
  return await db.selectFrom('registrations').select(['event_id', 'role']).where('person_id', '=', personId).orderBy('created_at').execute()
}

export async function listTeam (db: Q, eventId: string, roles: Role[]): Promise<Array<{
  person_id: string
  display_name: string
  email: string | null
  role: Role
}>> {
  return await db.selectFrom('registrations')
    .innerJoin('people', 'people.id', 'registrations.person_id')
    .select(['people.id as person_id', 'people.display_name', 'people.email', 'registrations.role'])
    .where('registrations.event_id', '=', eventId)
    .where('registrations.role', 'in', roles)
    .orderBy('registrations.role').orderBy('people.display_name')
    .execute()
}

/** The person's name and each event they hold a role in (one row per role; none when they hold none). */
export async function viewerRows (db: Q, personId: string): Promise<Array<{
  display_name: string
  event_id: string | null
  role: Role | null
  event_key: string | null
  title_fr: string | null
  title_en: string | null
}>> {
  return await db.selectFrom('people')
    .leftJoin('registrations', 'registrations.person_id', 'people.id')
    .leftJoin('events', 'events.id', 'registrations.event_id')
    .select(['people.display_name', 'registrations.event_id', 'registrations.role', 'events.key as event_key', 'events.title_fr', 'events.title_en'])
    .where('people.id', '=', personId)
    .orderBy('registrations.created_at')
    .execute()
}

export type LinkPurpose = SignInLinks['purpose']

export async function insertSignInLink (db: Q, values: {
  person_id: string
  token_hash: string
  purpose: LinkPurpose
  created_by: string | null
  expires_at: Date
}): Promise<void> {
  await db.insertInto('sign_in_links').values(values).execute()
}

/** Marks a link used if it is still usable; returns its person, or undefined. Atomic: one use only. */
export async function consumeSignInLink (
  db: Q,
  tokenHash: string,
  now: Date,
  personId?: string
): Promise<{ person_id: string, purpose: LinkPurpose } | undefined> {
  let update = db.updateTable('sign_in_links')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
  if (personId !== undefined) update = update.where('person_id', '=', personId)
  return await update.returning(['person_id', 'purpose']).executeTakeFirst()
}

export async function findSignInLink (db: Q, tokenHash: string): Promise<{ person_id: string, used_at: Date | null, expires_at: Date } | undefined> {
  return await db.selectFrom('sign_in_links').select(['person_id', 'used_at', 'expires_at']).where('token_hash', '=', tokenHash).executeTakeFirst()
}

export async function insertDeviceSession (db: Q, values: {
  person_id: string
  token_hash: string
  user_agent: string | null
  expires_at: Date
  created_at: Date
  last_used_at: Date
}): Promise<string> {
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

/** Roles that make an account staff's own: nobody else's action may reach it. */
export const STAFF_ROLES: Role[] = ['organizer', 'door_staff', 'instructor']

/** Events where the person is an organizer. */
export async function organizedEventIds (db: Q, personId: string): Promise<string[]> {
  const rows = await db.selectFrom('registrations').select('event_id').where('person_id', '=', personId).where('role', '=', 'organizer').execute()
  return rows.map(r => r.event_id)
}

/**
 * Of these people, those an organizer of `eventIds` (and only of those) may not speak for: a
 * registration in another event, a staff role anywhere, or an LMS identity.
 */
export async function protectedAmong (db: Q, personIds: string[], eventIds: string[]): Promise<Set<string>> {
  const found = new Set<string>()
  for (let i = 0; i < personIds.length; i += 1000) {
    const chunk = personIds.slice(i, i + 1000)
    const rows = await db.selectFrom('registrations').select('person_id')
      .where('person_id', 'in', chunk)
      .where(eb => eventIds.length === 0 ? eb.val(true) : eb.or([eb('event_id', 'not in', eventIds), eb('role', 'in', STAFF_ROLES)]))
      .union(db.selectFrom('lti_identities').select('person_id').where('person_id', 'in', chunk))
      .execute()
    for (const r of rows) found.add(r.person_id)
  }
  return found
}

/** Marks accounts just created by staff who saw (or will see) their first sign-in link. */
export async function markStaffProvisioned (db: Q, personIds: string[], by: string, now: Date): Promise<void> {
  for (let i = 0; i < personIds.length; i += 1000) {
    await db.updateTable('people').set({ staff_provisioned_at: now, staff_provisioned_by: by }).where('id', 'in', personIds.slice(i, i + 1000)).execute()
  }
}

/**
 * Of these people, the staff-provisioned ones whose creator does not organize the event (any
 * of them, without an event: an LMS identity is always "elsewhere").
 */
export async function provisionedOutside (db: Q, personIds: string[], eventId: string | null): Promise<string[]> {
  if (personIds.length === 0) return []
  let query = db.selectFrom('people as p').select('p.id').where('p.id', 'in', personIds).where('p.staff_provisioned_at', 'is not', null)
  if (eventId !== null) {
    query = query.where(eb => eb.not(eb.exists(eb.selectFrom('registrations as r').select('r.id')
      .whereRef('r.person_id', '=', 'p.staff_provisioned_by').where('r.event_id', '=', eventId).where('r.role', '=', 'organizer'))))
  }
  return (await query.execute()).map(r => r.id)
}

/**
 * Closes every way into the account that staff could have held: device sessions, unused
 * one-time links, personal links; and clears the mark (from now on the person gets in by
 * their own means). Returns how many sessions and links it ended.
 */
export async function revokeProvisionedAccess (db: Q, personId: string, now: Date): Promise<number> {
  const sessions = await db.updateTable('device_sessions').set({ revoked_at: now }).where('person_id', '=', personId)
    .where('revoked_at', 'is', null).returning('id').execute()
  const links = await db.updateTable('sign_in_links').set({ used_at: now }).where('person_id', '=', personId)
    .where('used_at', 'is', null).returning('id').execute()
  const personal = await db.updateTable('personal_links').set({ revoked_at: now }).where('person_id', '=', personId)
    .where('revoked_at', 'is', null).returning('person_id').execute()
  await db.updateTable('people').set({ staff_provisioned_at: null, staff_provisioned_by: null }).where('id', '=', personId).execute()
  return sessions.length + links.length + personal.length
}

/** Whether the person is someone the event's organizers can see: registered in it, or on the class list of one of its courses. */
export async function seenInEvent (db: Q, personId: string, eventId: string): Promise<boolean> {
  const registered = await db.selectFrom('registrations').select('person_id').where('person_id', '=', personId)
    .where('event_id', '=', eventId).executeTakeFirst()
  if (registered !== undefined) return true
  const listed = await db.selectFrom('lti_roster_members as m').innerJoin('lti_contexts as c', 'c.id', 'm.context_id').select('m.person_id')
    .where('m.person_id', '=', personId).where('c.event_id', '=', eventId).executeTakeFirst()
  return listed !== undefined
}

/**
 * Whether the inviter may give this person a role in the event without asking them: they are on
 * the class list of one of the event's courses, registered there by their own launch (created_by
 * null), or registered there and belonging to nothing outside the inviter's events (no other
 * event's registration, no LMS identity). Anyone else is asked first (a pending invitation).
 */
export async function grantableAtOnce (db: Q, personId: string, eventId: string, inviterEventIds: string[]): Promise<boolean> {
  const listed = await db.selectFrom('lti_roster_members as m').innerJoin('lti_contexts as c', 'c.id', 'm.context_id').select('m.person_id')
    .where('m.person_id', '=', personId).where('c.event_id', '=', eventId).executeTakeFirst()
  if (listed !== undefined) return true
  const here = await db.selectFrom('registrations').select('created_by').where('person_id', '=', personId).where('event_id', '=', eventId).execute()
  if (here.length === 0) return false
  if (here.some(r => r.created_by === null)) return true
  const elsewhere = await db.selectFrom('registrations').select('person_id').where('person_id', '=', personId)
    .where(eb => inviterEventIds.length === 0 ? eb.val(true) : eb('event_id', 'not in', inviterEventIds))
    .union(db.selectFrom('lti_identities').select('person_id').where('person_id', '=', personId))
    .executeTakeFirst()
  return elsewhere === undefined
}

export interface RoleInvitationRow {
  id: string
  event_id: string
  person_id: string
  role: string
  invited_by: string | null
  created_at: Date
  expires_at: Date
}

/** Creates the pending invitation, or renews its date and inviter; returns whether it was new. */
export async function upsertRoleInvitation (db: Q, values: {
  event_id: string
  person_id: string
  role: 'organizer' | 'door_staff'
  invited_by: string
  created_at: Date
  expires_at: Date
}): Promise<boolean> {
  const existing = await db.selectFrom('role_invitations').select('id').where('event_id', '=', values.event_id)
    .where('person_id', '=', values.person_id).where('role', '=', values.role).executeTakeFirst()
  if (existing !== undefined) {
    await db.updateTable('role_invitations').set({
      invited_by: values.invited_by,
      created_at: values.created_at,
      expires_at: values.expires_at
    }).where('id', '=', existing.id).execute()
    return false
  }
  await db.insertInto('role_invitations').values(values).execute()
  return true
}

/** The person's invitations still open at `now`, oldest first, with the event's titles and the inviter's name. */
export async function openRoleInvitations (db: Q, personId: string, now: Date): Promise<Array<RoleInvitationRow & {
  title_fr: string
  title_en: string
  inviter_name: string | null
}>> {
  return await db.selectFrom('role_invitations as i').innerJoin('events as e', 'e.id', 'i.event_id').leftJoin('people as p', 'p.id', 'i.invited_by')
    .select([
      'i.id', 'i.event_id', 'i.person_id', 'i.role', 'i.invited_by', 'i.created_at', 'i.expires_at', 'e.title_fr', 'e.title_en',
      'p.display_name as inviter_name'
    ])
    .where('i.person_id', '=', personId).where('i.expires_at', '>', now).orderBy('i.created_at').execute()
}

export async function findRoleInvitation (db: Q, id: string, personId: string): Promise<RoleInvitationRow | undefined> {
  return await db.selectFrom('role_invitations').selectAll().where('id', '=', id).where('person_id', '=', personId).executeTakeFirst()
}

export async function deleteRoleInvitation (db: Q, id: string): Promise<void> {
  await db.deleteFrom('role_invitations').where('id', '=', id).execute()
}

/** Invitations past their date are of no use to anyone: removed. */
export async function deleteExpiredRoleInvitations (db: Q, now: Date): Promise<void> {
  await db.deleteFrom('role_invitations').where('expires_at', '<=', now).execute()
}
