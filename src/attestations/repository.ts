import { sql, type Kysely, type Selectable } from 'kysely'
import type { DB, Attestations, AttestationRequests } from '../db/schema.js'

/** Attestation data access. Functions take a Kysely handle so services can pass a transaction. */
type Q = Kysely<DB>

export type RequestStatus = RequestRow['status']
export type AttestationStatus = AttestationRow['status']
export type RequestRow = Selectable<AttestationRequests>
export type AttestationRow = Selectable<Attestations>

export interface PolicyRow { min_share: number, excused_counts: boolean, auto_issue: boolean }

export async function findPolicy (db: Q, eventId: string): Promise<PolicyRow> {
  const row = await db.selectFrom('attestation_policies').select(['min_share', 'excused_counts', 'auto_issue'])
    .where('event_id', '=', eventId).executeTakeFirst()
  return row === undefined
    ? { min_share: 0.75, excused_counts: false, auto_issue: true }
    : { min_share: Number(row.min_share), excused_counts: row.excused_counts, auto_issue: row.auto_issue }
}

export async function savePolicy (db: Q, eventId: string, policy: PolicyRow, actorId: string, at: Date): Promise<void> {
  const values = {
    min_share: String(policy.min_share),
    excused_counts: policy.excused_counts,
    auto_issue: policy.auto_issue,
    updated_by: actorId,
    updated_at: at
  }
  await db.insertInto('attestation_policies').values({ event_id: eventId, ...values })
    .onConflict(oc => oc.column('event_id').doUpdateSet(values)).execute()
}

/** The instant the last counted (in-person) slot of the event ends, if it has any. */
export async function lastCountedSlotEnd (db: Q, eventId: string): Promise<Date | undefined> {
  const row = await db.selectFrom('time_slots as ts')
    .select(sql<Date | null>`max(ts.ends_at)`.as('ends_at'))
    .where('ts.event_id', '=', eventId).where('ts.counts_toward_attendance', '=', true)
    .where(eb => eb.exists(eb.selectFrom('sessions as s').select('s.id').whereRef('s.slot_id', '=', 'ts.id')
      .where('s.status', '=', 'scheduled').where('s.mode', '=', 'in_person')))
    .executeTakeFirst()
  return row?.ends_at ?? undefined
}

export async function findRequest (db: Q, eventId: string, personId: string): Promise<RequestRow | undefined> {
  return await db.selectFrom('attestation_requests').selectAll().where('event_id', '=', eventId).where('person_id', '=', personId).executeTakeFirst()
}

export async function findRequestById (db: Q, id: string): Promise<RequestRow | undefined> {
  return await db.selectFrom('attestation_requests').selectAll().where('id', '=', id).executeTakeFirst()
}

/** Locks the request row: two decisions (automatic issue, an organizer) never both issue. */
export async function lockRequest (db: Q, id: string): Promise<RequestRow | undefined> {
  return await db.selectFrom('attestation_requests').selectAll().where('id', '=', id).forUpdate().executeTakeFirst()
}

export interface RequestInput { name: string, locale: 'fr' | 'en', employer: string | null, hrEmail: string | null }

export async function upsertRequest (db: Q, eventId: string, personId: string, input: RequestInput, status: RequestStatus, at: Date): Promise<RequestRow> {
  const values = {
    name_on_attestation: input.name,
    locale: input.locale,
    employer: input.employer,
    hr_email: input.hrEmail,
    status,
    decided_by: null,
    decided_at: null,
    decision_reason: null,
    updated_at: at
  }
  return await db.insertInto('attestation_requests').values({ event_id: eventId, person_id: personId, ...values, created_at: at })
    .onConflict(oc => oc.columns(['event_id', 'person_id']).doUpdateSet(values))
    .returningAll().executeTakeFirstOrThrow()
}

export async function setRequestStatus (db: Q, id: string, status: RequestStatus, decision: {
  by: string | null
  at: Date
  reason: string | null
}): Promise<void> {
  await db.updateTable('attestation_requests')
    .set({ status, decided_by: decision.by, decided_at: decision.at, decision_reason: decision.reason, updated_at: decision.at })
    .where('id', '=', id).execute()
}

export async function requestsByStatus (db: Q, eventId: string, statuses: RequestStatus[]): Promise<Array<RequestRow & {
  display_name: string
  email: string | null
}>> {
  if (statuses.length === 0) return []
  return await db.selectFrom('attestation_requests as r').innerJoin('people as p', 'p.id', 'r.person_id')
    .selectAll('r').select(['p.display_name', 'p.email'])
    .where('r.event_id', '=', eventId).where('r.status', 'in', statuses).orderBy('r.created_at').execute()
}

/** Events with requests still waiting for the end of the event. */
export async function eventsWithWaitingRequests (db: Q): Promise<string[]> {
  const rows = await db.selectFrom('attestation_requests').select('event_id').distinct().where('status', '=', 'waiting').execute()
  return rows.map(r => r.event_id)
}

export async function findValidAttestation (db: Q, eventId: string, personId: string): Promise<AttestationRow | undefined> {
  return await db.selectFrom('attestations').selectAll().where('event_id', '=', eventId).where('person_id', '=', personId)
    .where('status', '=', 'valid').executeTakeFirst()
}

export async function findAttestationByCode (db: Q, code: string): Promise<AttestationRow | undefined> {
  return await db.selectFrom('attestations').selectAll().where('code', '=', code).executeTakeFirst()
}

export async function findAttestation (db: Q, id: string): Promise<AttestationRow | undefined> {
  return await db.selectFrom('attestations').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function lockAttestation (db: Q, id: string): Promise<AttestationRow | undefined> {
  return await db.selectFrom('attestations').selectAll().where('id', '=', id).forUpdate().executeTakeFirst()
}

export async function attestationsOfPerson (db: Q, eventId: string, personId: string): Promise<AttestationRow[]> {
  return await db.selectFrom('attestations').selectAll().where('event_id', '=', eventId).where('person_id', '=', personId)
    .orderBy('issued_at', 'desc').execute()
}

export async function attestationsOfEvent (db: Q, eventId: string): Promise<AttestationRow[]> {
  return await db.selectFrom('attestations').selectAll().where('event_id', '=', eventId).orderBy('issued_at').orderBy('status_index').execute()
}

export interface NewAttestation {
  event_id: string
  person_id: string
  request_id: string | null
  code: string
  locale: 'fr' | 'en'
  snapshot: unknown
  file_id: string
  sha256: string
  issued_by: string | null
  issued_at: Date
}

export async function insertAttestation (db: Q, row: NewAttestation): Promise<AttestationRow> {
  return await db.insertInto('attestations').values({ ...row, snapshot: JSON.stringify(row.snapshot) }).returningAll().executeTakeFirstOrThrow()
}

export async function revokeAttestation (db: Q, id: string, by: string, at: Date, reason: string): Promise<void> {
  await db.updateTable('attestations').set({ status: 'revoked', revoked_by: by, revoked_at: at, revocation_reason: reason }).where('id', '=', id).execute()
}

export async function supersedeAttestation (db: Q, id: string, by: string): Promise<void> {
  await db.updateTable('attestations').set({ status: 'superseded', superseded_by: by }).where('id', '=', id).execute()
}

export async function audit (db: Q, entry: {
  eventId: string
  requestId?: string | null
  attestationId?: string | null
  actorId: string | null
  action: string
  reason?: string | null
  details?: unknown
  at: Date
}): Promise<void> {
  await db.insertInto('attestation_audit').values({
    event_id: entry.eventId,
    request_id: entry.requestId ?? null,
    attestation_id: entry.attestationId ?? null,
    actor_id: entry.actorId,
    action: entry.action,
    reason: entry.reason ?? null,
    details: entry.details === undefined ? null : JSON.stringify(entry.details),
    at: entry.at
  }).execute()
}

/** A line of an event's attestation audit, with who acted. */
export interface AuditRow {
  action: string
  reason: string | null
  actor_name: string | null
  at: Date
  attestation_id: string | null
  request_id: string | null
  details: unknown
}

export async function auditOf (db: Q, eventId: string, filter: { attestationId?: string, requestId?: string } = {}): Promise<AuditRow[]> {
  let query = db.selectFrom('attestation_audit as a').leftJoin('people as p', 'p.id', 'a.actor_id')
    .select(['a.action', 'a.reason', 'p.display_name as actor_name', 'a.at', 'a.attestation_id', 'a.request_id', 'a.details'])
    .where('a.event_id', '=', eventId)
  if (filter.attestationId !== undefined) query = query.where('a.attestation_id', '=', filter.attestationId)
  if (filter.requestId !== undefined) query = query.where('a.request_id', '=', filter.requestId)
  return await query.orderBy('a.at').orderBy('a.seq').execute()
}

/** People registered for the event who may receive an attestation (participants and credited students). */
export async function attendees (db: Q, eventId: string): Promise<Array<{
  person_id: string
  display_name: string
  email: string | null
  preferred_locale: string
  employer: string | null
}>> {
  return await db.selectFrom('registrations as r').innerJoin('people as p', 'p.id', 'r.person_id')
    .select(['r.person_id', 'p.display_name', 'p.email', 'p.preferred_locale', 'p.employer']).distinct()
    .where('r.event_id', '=', eventId).where('r.role', 'in', ['participant', 'credited_student'])
    .orderBy('p.display_name').execute()
}

export async function isAttendee (db: Q, eventId: string, personId: string): Promise<boolean> {
  const row = await db.selectFrom('registrations').select('person_id').where('event_id', '=', eventId).where('person_id', '=', personId)
    .where('role', 'in', ['participant', 'credited_student']).executeTakeFirst()
  return row !== undefined
}

/** People of the event whose most recent attestation was revoked (an organizer's decision to respect). */
export async function revokedPeople (db: Q, eventId: string, personId?: string): Promise<Set<string>> {
  let query = db.selectFrom('attestations as a').select('a.person_id').where('a.event_id', '=', eventId).where('a.status', '=', 'revoked')
    .where(eb => eb.not(eb.exists(eb.selectFrom('attestations as b').select('b.id').whereRef('b.event_id', '=', 'a.event_id')
      .whereRef('b.person_id', '=', 'a.person_id').where('b.status', '=', 'valid'))))
  if (personId !== undefined) query = query.where('a.person_id', '=', personId)
  return new Set((await query.execute()).flatMap(r => r.person_id === null ? [] : [r.person_id]))
}

/** When the attestation's details were minimised (null: still whole); throws when there is no such attestation. */
export async function minimisedAt (db: Q, attestationId: string): Promise<Date | null> {
  return (await db.selectFrom('attestations').select('minimised_at').where('id', '=', attestationId).executeTakeFirstOrThrow()).minimised_at
}

// --- reports ----------------------------------------------------------------------------------

/** The room (name, capacity) of each session of the event, when it has one. */
export async function sessionRooms (db: Q, eventId: string): Promise<Array<{ id: string, name: string | null, capacity: number | null }>> {
  return await db.selectFrom('sessions as s').leftJoin('rooms as r', 'r.id', 's.room_id')
    .select(['s.id', 'r.name', 'r.capacity']).where('s.event_id', '=', eventId).execute()
}

/** Who issued each of the event's attestations issued by a person (attestation id → name). */
export async function issuerNames (db: Q, eventId: string): Promise<Map<string, string>> {
  const rows = await db.selectFrom('attestations as a').innerJoin('people as p', 'p.id', 'a.issued_by')
    .select(['a.id', 'p.display_name']).where('a.event_id', '=', eventId).execute()
  return new Map(rows.map(r => [r.id, r.display_name]))
}

// --- credentials (Open Badges) ----------------------------------------------------------------

/** What a credential needs of an attestation (not its snapshot, read through the service). */
export async function findCredentialFacts (db: Q, attestationId: string): Promise<{
  id: string
  event_id: string
  person_id: string | null
  code: string
  status: string
  status_index: number
} | undefined> {
  return await db.selectFrom('attestations').select(['id', 'event_id', 'person_id', 'code', 'status', 'status_index'])
    .where('id', '=', attestationId).executeTakeFirst()
}

/** The status of every attestation of the event, by its place in the event's status list. */
export async function statusIndexes (db: Q, eventId: string): Promise<Array<{ status_index: number, status: string }>> {
  return await db.selectFrom('attestations').select(['status_index', 'status']).where('event_id', '=', eventId).execute()
}

/** Held until the transaction ends: instances creating the first signing key take turns. */
export async function lockCredentialKeys (db: Q): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext('compagnon credential keys'))`.execute(db)
}

/** Signing keys in service for the algorithm, oldest first, with their sealed private parts. */
export async function keysInService (db: Q, alg: string): Promise<Array<{ kid: string, private_jwk_sealed: string }>> {
  return await db.selectFrom('credential_keys').select(['kid', 'private_jwk_sealed'])
    .where('retired_at', 'is', null).where('alg', '=', alg).orderBy('created_at').orderBy('kid').execute()
}

/** Stores a new signing key; one with the same kid already there is kept. */
export async function insertCredentialKey (db: Q, values: {
  kid: string
  alg: string
  public_jwk: unknown
  private_jwk_sealed: string
  created_at: Date
}): Promise<void> {
  await db.insertInto('credential_keys').values({ ...values, public_jwk: JSON.stringify(values.public_jwk) })
    .onConflict(oc => oc.column('kid').doNothing()).execute()
}

/** Every key's public part, retired ones included, oldest first. */
export async function publicKeys (db: Q): Promise<Array<{ kid: string, alg: string, public_jwk: unknown }>> {
  return await db.selectFrom('credential_keys').select(['kid', 'alg', 'public_jwk']).orderBy('created_at').orderBy('kid').execute()
}
