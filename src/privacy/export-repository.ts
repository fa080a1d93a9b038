// Reads for the personal data export (privacy/export.ts): every table that names a person.
// `events` limits the rows to those events (an organizer's export); null reads every event.
// What is withheld or redacted from the rows is the export's rule, not decided here.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'

type Q = Kysely<DB>
type Events = string[] | null

/** Every synthesis assignment with its course and event (to tell which hand-ins an export may hold). */
export async function assignmentPlaces (db: Q): Promise<Array<{ id: string, context_id: string, event_id: string }>> {
  return await db.selectFrom('synthesis_assignments').select(['id', 'context_id', 'event_id']).execute()
}

export async function passOf (db: Q, personId: string): Promise<{ code: string, issued_at: Date, version: number } | undefined> {
  return await db.selectFrom('attendance_passes').select(['code', 'issued_at', 'version']).where('person_id', '=', personId).executeTakeFirst()
}

export async function attestationRequestIdsOf (db: Q, personId: string, events: Events): Promise<string[]> {
  let query = db.selectFrom('attestation_requests').select('id').where('person_id', '=', personId)
  if (events !== null) query = query.where('event_id', 'in', events)
  return (await query.execute()).map(r => r.id)
}

export async function attestationIdsOf (db: Q, personId: string, events: Events): Promise<string[]> {
  let query = db.selectFrom('attestations').select('id').where('person_id', '=', personId)
  if (events !== null) query = query.where('event_id', 'in', events)
  return (await query.execute()).map(r => r.id)
}

export async function submissionsOf (db: Q, personId: string) {
  return await db.selectFrom('synthesis_submissions').selectAll().where('person_id', '=', personId).orderBy('submitted_at').execute()
}

/** What is known of the files of these hand-ins (not their bytes). */
export async function submissionFiles (db: Q, submissionIds: string[]) {
  return await db.selectFrom('synthesis_submission_files as sf').innerJoin('files as f', 'f.id', 'sf.file_id')
    .select(['sf.submission_id', 'sf.position', 'sf.filename', 'f.media_type', 'f.size', 'f.sha256'])
    .where('sf.submission_id', 'in', submissionIds).orderBy('sf.position').execute()
}

export async function registrationsOf (db: Q, personId: string, events: Events) {
  let query = db.selectFrom('registrations as r').innerJoin('events as e', 'e.id', 'r.event_id')
    .select(['r.id', 'r.event_id', 'e.key as event_key', 'r.role', 'r.created_at', 'r.created_by']).where('r.person_id', '=', personId)
  if (events !== null) query = query.where('r.event_id', 'in', events)
  return await query.orderBy('r.created_at').execute()
}

export async function deviceSessionsOf (db: Q, personId: string) {
  return await db.selectFrom('device_sessions')
    .select(['id', 'user_agent', 'created_at', 'last_used_at', 'expires_at', 'revoked_at']).where('person_id', '=', personId).orderBy('created_at').execute()
}

export async function signInLinksOf (db: Q, personId: string) {
  return await db.selectFrom('sign_in_links')
    .select(['id', 'purpose', 'created_at', 'created_by', 'expires_at', 'used_at']).where('person_id', '=', personId).orderBy('created_at').execute()
}

export async function roleInvitationsOf (db: Q, personId: string) {
  return await db.selectFrom('role_invitations as i').innerJoin('events as e', 'e.id', 'i.event_id')
    .select(['i.id', 'i.event_id', 'e.key as event_key', 'i.role', 'i.invited_by', 'i.created_at', 'i.expires_at']).where('i.person_id', '=', personId)
    .orderBy('i.created_at').execute()
}

export async function personalLinksOf (db: Q, personId: string, events: Events) {
  let query = db.selectFrom('personal_links')
    .select(['event_id', 'issued_at', 'issued_by', 'expires_at', 'last_used_at', 'revoked_at']).where('person_id', '=', personId)
  if (events !== null) query = query.where('event_id', 'in', events)
  return await query.execute()
}

export async function ltiIdentitiesOf (db: Q, personId: string) {
  return await db.selectFrom('lti_identities').selectAll().where('person_id', '=', personId).execute()
}

/** Courses of these events (a subquery, not run on its own). */
const coursesIn = (db: Q, events: string[]) => db.selectFrom('lti_contexts').select('id').where('event_id', 'in', events)

export async function rosterMembershipsOf (db: Q, personId: string, events: Events) {
  let query = db.selectFrom('lti_roster_members').selectAll().where('person_id', '=', personId)
  if (events !== null) query = query.where('context_id', 'in', coursesIn(db, events))
  return await query.execute()
}

export async function gradeDeliveriesOf (db: Q, personId: string, events: Events) {
  let query = db.selectFrom('lti_grade_outbox')
    .select(['id', 'context_id', 'line_item', 'score', 'given_at', 'status', 'attempts', 'delivered_at', 'created_at']).where('person_id', '=', personId)
  if (events !== null) query = query.where('context_id', 'in', coursesIn(db, events))
  return await query.orderBy('created_at').execute()
}

export async function contentSelectionsOf (db: Q, personId: string) {
  return await db.selectFrom('lti_deep_link_requests')
    .select(['id', 'created_at', 'expires_at', 'used_at']).where('person_id', '=', personId).orderBy('created_at').execute()
}

export async function attendanceRecordsOf (db: Q, personId: string, events: Events) {
  let query = db.selectFrom('attendance_records').selectAll().where('person_id', '=', personId)
  if (events !== null) query = query.where('event_id', 'in', events)
  return await query.orderBy('recorded_at').execute()
}

export async function attendanceHistoryOf (db: Q, personId: string, events: Events) {
  let query = db.selectFrom('attendance_history').selectAll().where('person_id', '=', personId)
  if (events !== null) query = query.where('event_id', 'in', events)
  return await query.orderBy('id').execute()
}

/** Time slots of these events (a subquery, not run on its own). */
const slotsIn = (db: Q, events: string[]) => db.selectFrom('time_slots').select('id').where('event_id', 'in', events)

export async function excusesOf (db: Q, personId: string, events: Events) {
  let query = db.selectFrom('attendance_excuses').selectAll().where('person_id', '=', personId)
  if (events !== null) query = query.where('slot_id', 'in', slotsIn(db, events))
  return await query.orderBy('submitted_at').execute()
}

export async function attendanceChoicesOf (db: Q, personId: string, events: Events) {
  let query = db.selectFrom('attendance_choices').selectAll().where('person_id', '=', personId)
  if (events !== null) query = query.where('slot_id', 'in', slotsIn(db, events))
  return await query.execute()
}

export async function codeAttemptsOf (db: Q, personId: string) {
  return await db.selectFrom('attendance_code_attempts').select(['attempted_at']).where('person_id', '=', personId).orderBy('attempted_at').execute()
}

/** The scans of a pass, in sessions of these events. */
export async function scansOf (db: Q, passCode: string, events: Events) {
  let query = db.selectFrom('attendance_scans').select(['scan_id', 'session_id', 'scanned_by', 'device_time', 'received_at', 'outcome'])
    .where('pass_code', '=', passCode)
  if (events !== null) query = query.where('session_id', 'in', db.selectFrom('sessions').select('id').where('event_id', 'in', events))
  return await query.orderBy('received_at').execute()
}

export async function draftsOf (db: Q, personId: string) {
  return await db.selectFrom('synthesis_drafts').selectAll().where('person_id', '=', personId).execute()
}

export async function extensionsOf (db: Q, personId: string) {
  return await db.selectFrom('synthesis_extensions').selectAll().where('person_id', '=', personId).execute()
}

export async function synthesisGradesOf (db: Q, personId: string) {
  return await db.selectFrom('synthesis_grades').selectAll().where('person_id', '=', personId).execute()
}

export async function synthesisGradeHistoryOf (db: Q, personId: string) {
  return await db.selectFrom('synthesis_grade_history').selectAll().where('person_id', '=', personId).orderBy('changed_at').execute()
}

export async function attestationRequestsOf (db: Q, personId: string, events: Events) {
  let query = db.selectFrom('attestation_requests').selectAll().where('person_id', '=', personId)
  if (events !== null) query = query.where('event_id', 'in', events)
  return await query.execute()
}

export async function attestationsOf (db: Q, personId: string, events: Events) {
  let query = db.selectFrom('attestations')
    .select([
      'id', 'event_id', 'request_id', 'code', 'locale', 'snapshot', 'sha256', 'status', 'issued_at', 'issued_by', 'revoked_at', 'revoked_by',
      'revocation_reason', 'superseded_by', 'minimised_at'
    ])
    .where('person_id', '=', personId)
  if (events !== null) query = query.where('event_id', 'in', events)
  return await query.orderBy('issued_at').execute()
}

/** The audit trail of these requests and attestations; at least one list must hold an id. */
export async function attestationAuditOf (db: Q, requestIds: string[], attestationIds: string[]) {
  return await db.selectFrom('attestation_audit').select(['id', 'event_id', 'request_id', 'attestation_id', 'actor_id', 'action', 'reason', 'details', 'at'])
    .where(eb => eb.or([
      ...(requestIds.length > 0 ? [eb('request_id', 'in', requestIds)] : []),
      ...(attestationIds.length > 0 ? [eb('attestation_id', 'in', attestationIds)] : [])
    ])).orderBy('seq').execute()
}

/** Messages to the person; with `events`, those of the events and, when `outsideEvents`, those of no event. */
export async function messagesTo (db: Q, personId: string, events: Events, outsideEvents: boolean) {
  let query = db.selectFrom('outgoing_messages')
    .select(['id', 'event_id', 'kind', 'to_address', 'subject', 'body_text', 'attachment_name', 'status', 'created_at', 'sent_at'])
    .where('person_id', '=', personId)
  if (events !== null) {
    query = query.where(
      eb => outsideEvents ? eb.or([eb('event_id', 'in', events), eb('event_id', 'is', null)]) : eb('event_id', 'in', events)
    )
  }
  return await query.orderBy('created_at').execute()
}

/** Accesses to the person's data; with `events`, those in the events and, when `outsideEvents`, those in no event. */
export async function accessesTo (db: Q, personId: string, events: Events, outsideEvents: boolean) {
  let query = db.selectFrom('privacy_access_log')
    .select(['at', 'actor_id', 'actor_role', 'data_kind', 'event_id', 'context_id', 'route', 'request_id'])
    .where('subject_person_id', '=', personId)
  if (events !== null) {
    query = query.where(
      eb => outsideEvents ? eb.or([eb('event_id', 'in', events), eb('event_id', 'is', null)]) : eb('event_id', 'in', events)
    )
  }
  return await query.orderBy('id').execute()
}

export async function accountAuditOf (db: Q, personId: string) {
  return await db.selectFrom('account_audit').select(['at', 'actor_id', 'actor_label', 'action', 'details'])
    .where('subject_person_id', '=', personId).orderBy('id').execute()
}
