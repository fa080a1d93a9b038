import type { Insertable, Selectable } from 'kysely'
import type { Db } from '../db/database.js'
import type { PrivacyAccessLog, PrivacyIncidents, Registrations } from '../db/schema.js'

export type AccessLogInsert = Insertable<PrivacyAccessLog>
export type AccessLogRow = Selectable<PrivacyAccessLog>
export type IncidentRow = Selectable<PrivacyIncidents>

// ---- Access log -------------------------------------------------------------------------------

export async function insertAccessLog (db: Db, rows: AccessLogInsert[]): Promise<void> {
  await db.insertInto('privacy_access_log').values(rows).execute()
}

export async function staffEvents (db: Db, personId: string, roles: ReadonlyArray<Registrations['role']>): Promise<string[]> {
  return (await db.selectFrom('registrations').select('event_id').distinct().where('person_id', '=', personId)
    .where('role', 'in', roles).execute()).map(r => r.event_id)
}

/** The event and person a route's identifiers point to, for the access log. */
export async function sessionEvent (db: Db, sessionId: string): Promise<string | null> {
  return (await db.selectFrom('sessions').select('event_id').where('id', '=', sessionId).executeTakeFirst())?.event_id ?? null
}

export async function attestationOwner (db: Db, attestationId: string): Promise<{ eventId: string, personId: string | null } | undefined> {
  const row = await db.selectFrom('attestations').select(['event_id', 'person_id']).where('id', '=', attestationId).executeTakeFirst()
  return row === undefined ? undefined : { eventId: row.event_id, personId: row.person_id }
}

export async function attestationRequestOwner (db: Db, requestId: string): Promise<{ eventId: string, personId: string | null } | undefined> {
  const row = await db.selectFrom('attestation_requests').select(['event_id', 'person_id']).where('id', '=', requestId).executeTakeFirst()
  return row === undefined ? undefined : { eventId: row.event_id, personId: row.person_id }
}

export async function submissionOwner (db: Db, submissionId: string): Promise<{ eventId: string, personId: string | null } | undefined> {
  const row = await db.selectFrom('synthesis_submissions as s').innerJoin('synthesis_assignments as a', 'a.id', 's.assignment_id')
    .select(['a.event_id', 's.person_id']).where('s.id', '=', submissionId).executeTakeFirst()
  return row === undefined ? undefined : { eventId: row.event_id, personId: row.person_id }
}

export async function messageOwner (db: Db, messageId: string): Promise<{ eventId: string | null, personId: string | null } | undefined> {
  const row = await db.selectFrom('outgoing_messages').select(['event_id', 'person_id']).where('id', '=', messageId).executeTakeFirst()
  return row === undefined ? undefined : { eventId: row.event_id, personId: row.person_id }
}

export async function jobEvent (db: Db, jobId: string): Promise<string | null> {
  return (await db.selectFrom('attestation_jobs').select('event_id').where('id', '=', jobId).executeTakeFirst())?.event_id ?? null
}

export interface AccessLogEntry extends AccessLogRow { actor_name: string | null, subject_name: string | null }

/** An event's access log, newest first; `before` is the id to continue after (keyset paging). */
export async function listAccessLog (db: Db, eventId: string, filter: {
  personId?: string | undefined
  before?: number | undefined
  limit: number
}): Promise<AccessLogEntry[]> {
  let query = db.selectFrom('privacy_access_log as l')
    .leftJoin('people as a', 'a.id', 'l.actor_id')
    .leftJoin('people as s', 's.id', 'l.subject_person_id')
    .selectAll('l')
    .select(['a.display_name as actor_name', 's.display_name as subject_name'])
    .where('l.event_id', '=', eventId)
  if (filter.personId !== undefined) query = query.where('l.subject_person_id', '=', filter.personId)
  if (filter.before !== undefined) query = query.where('l.id', '<', filter.before)
  return await query.orderBy('l.id', 'desc').limit(filter.limit).execute()
}

// ---- Incidents --------------------------------------------------------------------------------

export async function listIncidents (db: Db, eventId: string): Promise<IncidentRow[]> {
  return await db.selectFrom('privacy_incidents').selectAll().where('event_id', '=', eventId)
    .orderBy('detected_at', 'desc').orderBy('created_at', 'desc').execute()
}

export async function findIncident (db: Db, eventId: string, incidentId: string, lock = false): Promise<IncidentRow | undefined> {
  let query = db.selectFrom('privacy_incidents').selectAll().where('id', '=', incidentId).where('event_id', '=', eventId)
  if (lock) query = query.forUpdate()
  return await query.executeTakeFirst()
}

export async function insertIncident (db: Db, row: Insertable<PrivacyIncidents>): Promise<IncidentRow> {
  return await db.insertInto('privacy_incidents').values(row).returningAll().executeTakeFirstOrThrow()
}

export async function updateIncident (db: Db, incidentId: string, changes: Partial<Insertable<PrivacyIncidents>>): Promise<IncidentRow> {
  return await db.updateTable('privacy_incidents').set(changes).where('id', '=', incidentId).returningAll().executeTakeFirstOrThrow()
}

export async function insertIncidentHistory (db: Db, row: {
  incident_id: string
  action: 'created' | 'updated'
  changed_by: string
  changed_at: Date
  before: unknown
  after: unknown
}): Promise<void> {
  await db.insertInto('privacy_incident_history').values({
    incident_id: row.incident_id,
    action: row.action,
    changed_by: row.changed_by,
    changed_at: row.changed_at,
    before: row.before === null ? null : JSON.stringify(row.before),
    after: JSON.stringify(row.after)
  }).execute()
}

export interface IncidentHistoryEntry {
  id: number
  incident_id: string
  action: string
  changed_by: string | null
  changed_by_name: string | null
  changed_at: Date
  before: unknown
  after: unknown
}

export async function incidentHistory (db: Db, eventId: string): Promise<IncidentHistoryEntry[]> {
  const rows = await db.selectFrom('privacy_incident_history as h')
    .innerJoin('privacy_incidents as i', 'i.id', 'h.incident_id')
    .leftJoin('people as p', 'p.id', 'h.changed_by')
    .select(['h.id', 'h.incident_id', 'h.action', 'h.changed_by', 'p.display_name as changed_by_name', 'h.changed_at', 'h.before', 'h.after'])
    .where('i.event_id', '=', eventId).orderBy('h.id').execute()
  return rows.map(r => ({ ...r, id: Number(r.id) }))
}

// ---- Export -----------------------------------------------------------------------------------

/** The person's active LMS course memberships with their LTI roles (to tell which courses they teach). */
export async function activeMemberships (db: Db, personId: string): Promise<Array<{ context_id: string, roles: unknown }>> {
  return await db.selectFrom('lti_roster_members').select(['context_id', 'roles']).where('person_id', '=', personId).where('status', '=', 'Active').execute()
}

export async function isRegistered (db: Db, personId: string, eventId: string): Promise<boolean> {
  return (await db.selectFrom('registrations').select('id').where('person_id', '=', personId).where('event_id', '=', eventId).executeTakeFirst()) !== undefined
}

export async function eventContact (db: Db): Promise<string | null> {
  return (await db.selectFrom('events').select('contact_email').where('contact_email', 'is not', null)
    .orderBy('starts_on').executeTakeFirst())?.contact_email ?? null
}

export async function eventPeople (db: Db, eventId: string): Promise<Array<{ id: string, name: string, email: string | null }>> {
  return await db.selectFrom('registrations as r').innerJoin('people as p', 'p.id', 'r.person_id')
    .select(['p.id', 'p.display_name as name', 'p.email']).distinct()
    .where('r.event_id', '=', eventId).orderBy('p.display_name').orderBy('p.id').execute()
}
