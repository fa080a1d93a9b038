import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import { notFound } from '../errors.js'
import { redactLinks } from '../messages/sender.js'
import { bilingual } from '../views/i18n.js'

type Rows = Array<Record<string, unknown>>

/** Everything Compagnon holds about one person, as structured JSON (Loi 25 right of access). */
export interface PersonalDataExport {
  format: 'compagnon-personal-data/1'
  generatedAt: Date
  about: { fr: string, en: string }
  person: Record<string, unknown>
  registrations: Rows
  deviceSessions: Rows
  signInLinks: Rows
  personalLinks: Rows
  /** Roles offered to the person, not answered yet (in the person's own export only). */
  roleInvitations: Rows
  lti: { identities: Rows, rosterMemberships: Rows, gradeDeliveries: Rows, contentSelections: Rows }
  attendance: { records: Rows, history: Rows, excuses: Rows, choices: Rows, codeAttempts: Rows, pass: Rows, scans: Rows }
  synthesis: { drafts: Rows, submissions: Rows, extensions: Rows, grades: Rows, gradeHistory: Rows }
  attestations: { requests: Rows, attestations: Rows, audit: Rows }
  messages: Rows
  accessLog: Rows
  /** Ways into the account handed out outside any event (operator's links, links asked for, account links). */
  accountAudit: Rows
  scope: ExportScopeView
}

/** Who the export was made for, and what it leaves out (an organizer's export is limited to their events). */
export interface ExportScopeView {
  kind: 'person' | 'organizer'
  /** For an organizer: the events whose data it holds. */
  eventIds: string[]
  /** True when account-wide parts (sessions, sign-in links, LMS identities, pass) are included. */
  account: boolean
  note: { fr: string, en: string }
}

/**
 * An organizer's export: only what belongs to the events they organize; account-wide parts only
 * when the person belongs to no other event; hand-in and draft text and grading comments only
 * for courses the organizer teaches (synthesis text goes to its author and that course's instructors).
 */
export interface ExportScope {
  events: string[]
  account: boolean
  /** Our ids (lti_contexts.id) of the courses the organizer is an instructor of. */
  coursesTaught: string[]
}

/**
 * Builds the export from every table that names a person. Token hashes, sealed launch data and
 * pass codes are left out (they are credentials, not information about the person); file bytes
 * are described, not copied. Read in one transaction so the parts agree with each other.
 */
export async function exportPersonalData (db: Db, clock: Clock, personId: string, scope?: ExportScope): Promise<PersonalDataExport> {
  const scoped = scope !== undefined
  const events = scope?.events ?? []
  const account = scope?.account ?? true
  const taught = new Set(scope?.coursesTaught ?? [])
  // Text about the person's hand-in, for the author and the course's instructors only.
  const readsText = (contextId: string): boolean => !scoped || taught.has(contextId)
  return await db.transaction().execute(async trx => {
    const contexts = new Map((await trx.selectFrom('synthesis_assignments').select(['id', 'context_id', 'event_id']).execute()).map(a => [a.id, a]))
    const assignmentIn = (id: string): boolean => !scoped || events.includes(contexts.get(id)?.event_id ?? '')
    const contextOf = (assignmentId: string): string => contexts.get(assignmentId)?.context_id ?? ''
    const person = await trx.selectFrom('people').selectAll().where('id', '=', personId).executeTakeFirst()
    if (person === undefined) throw notFound(bilingual('privacy.personNotFound'))
    const pass = await trx.selectFrom('attendance_passes').select(['code', 'issued_at', 'version']).where('person_id', '=', personId).executeTakeFirst()
    const requestIds = (await trx.selectFrom('attestation_requests').select('id').where('person_id', '=', personId).$if(scoped, q => q.where('event_id', 'in', events)).execute()).map(r => r.id)
    const attestationIds = (await trx.selectFrom('attestations').select('id').where('person_id', '=', personId).$if(scoped, q => q.where('event_id', 'in', events)).execute()).map(r => r.id)
    const submissions = (await trx.selectFrom('synthesis_submissions').selectAll().where('person_id', '=', personId).orderBy('submitted_at').execute())
      .filter(s => assignmentIn(s.assignment_id))
      .map(s => readsText(contextOf(s.assignment_id)) ? s : { ...s, text: null, text_withheld: true })
    const slotsIn = trx.selectFrom('time_slots').select('id').where('event_id', 'in', events)
    const contextsIn = trx.selectFrom('lti_contexts').select('id').where('event_id', 'in', events)
    const files = submissions.length === 0
      ? []
      : await trx.selectFrom('synthesis_submission_files as sf').innerJoin('files as f', 'f.id', 'sf.file_id')
        .select(['sf.submission_id', 'sf.position', 'sf.filename', 'f.media_type', 'f.size', 'f.sha256'])
        .where('sf.submission_id', 'in', submissions.map(s => s.id)).orderBy('sf.position').execute()

    return {
      format: 'compagnon-personal-data/1' as const,
      generatedAt: clock.now(),
      about: bilingual('privacy.exportAbout'),
      person,
      registrations: await trx.selectFrom('registrations as r').innerJoin('events as e', 'e.id', 'r.event_id')
        .select(['r.id', 'r.event_id', 'e.key as event_key', 'r.role', 'r.created_at', 'r.created_by']).where('r.person_id', '=', personId)
        .$if(scoped, q => q.where('r.event_id', 'in', events)).orderBy('r.created_at').execute(),
      deviceSessions: !account
        ? []
        : await trx.selectFrom('device_sessions')
          .select(['id', 'user_agent', 'created_at', 'last_used_at', 'expires_at', 'revoked_at']).where('person_id', '=', personId).orderBy('created_at').execute(),
      signInLinks: !account
        ? []
        : await trx.selectFrom('sign_in_links')
          .select(['id', 'purpose', 'created_at', 'created_by', 'expires_at', 'used_at']).where('person_id', '=', personId).orderBy('created_at').execute(),
      // Roles offered to the person and not answered yet: in their own export only (an
      // invitation grants nothing and shows the person to no organizer).
      roleInvitations: scoped
        ? []
        : await trx.selectFrom('role_invitations as i').innerJoin('events as e', 'e.id', 'i.event_id')
          .select(['i.id', 'i.event_id', 'e.key as event_key', 'i.role', 'i.invited_by', 'i.created_at', 'i.expires_at']).where('i.person_id', '=', personId)
          .orderBy('i.created_at').execute(),
      personalLinks: await trx.selectFrom('personal_links')
        .select(['event_id', 'issued_at', 'issued_by', 'expires_at', 'last_used_at', 'revoked_at']).where('person_id', '=', personId)
        .$if(scoped, q => q.where('event_id', 'in', events)).execute(),
      lti: {
        identities: !account ? [] : await trx.selectFrom('lti_identities').selectAll().where('person_id', '=', personId).execute(),
        rosterMemberships: await trx.selectFrom('lti_roster_members').selectAll().where('person_id', '=', personId)
          .$if(scoped, q => q.where('context_id', 'in', contextsIn)).execute(),
        gradeDeliveries: (await trx.selectFrom('lti_grade_outbox')
          .select(['id', 'context_id', 'line_item', 'score', 'given_at', 'status', 'attempts', 'delivered_at', 'created_at']).where('person_id', '=', personId)
          .$if(scoped, q => q.where('context_id', 'in', contextsIn)).orderBy('created_at').execute())
          // The comment sent with a grade is the instructor's text about the hand-in.
          .map(g => readsText(g.context_id) ? g : { ...g, score: withoutComment(g.score) }),
        contentSelections: !account
          ? []
          : await trx.selectFrom('lti_deep_link_requests')
            .select(['id', 'created_at', 'expires_at', 'used_at']).where('person_id', '=', personId).orderBy('created_at').execute()
      },
      attendance: {
        records: await trx.selectFrom('attendance_records').selectAll().where('person_id', '=', personId)
          .$if(scoped, q => q.where('event_id', 'in', events)).orderBy('recorded_at').execute(),
        history: await trx.selectFrom('attendance_history').selectAll().where('person_id', '=', personId)
          .$if(scoped, q => q.where('event_id', 'in', events)).orderBy('id').execute(),
        excuses: await trx.selectFrom('attendance_excuses').selectAll().where('person_id', '=', personId)
          .$if(scoped, q => q.where('slot_id', 'in', slotsIn)).orderBy('submitted_at').execute(),
        choices: await trx.selectFrom('attendance_choices').selectAll().where('person_id', '=', personId)
          .$if(scoped, q => q.where('slot_id', 'in', slotsIn)).execute(),
        codeAttempts: !account ? [] : await trx.selectFrom('attendance_code_attempts').select(['attempted_at']).where('person_id', '=', personId).orderBy('attempted_at').execute(),
        pass: pass === undefined || !account ? [] : [{ issued_at: pass.issued_at, version: pass.version }],
        scans: pass === undefined
          ? []
          : await trx.selectFrom('attendance_scans').select(['scan_id', 'session_id', 'scanned_by', 'device_time', 'received_at', 'outcome'])
            .where('pass_code', '=', pass.code)
            .$if(scoped, q => q.where('session_id', 'in', trx.selectFrom('sessions').select('id').where('event_id', 'in', events)))
            .orderBy('received_at').execute()
      },
      synthesis: {
        // A draft is seen by nobody but its author.
        drafts: (await trx.selectFrom('synthesis_drafts').selectAll().where('person_id', '=', personId).execute())
          .filter(d => assignmentIn(d.assignment_id)).map(d => scoped ? { ...d, text: null, text_withheld: true } : d),
        submissions: submissions.map(s => ({ ...s, files: files.filter(f => f.submission_id === s.id).map(({ submission_id: _, ...f }) => f) })),
        extensions: (await trx.selectFrom('synthesis_extensions').selectAll().where('person_id', '=', personId).execute()).filter(e => assignmentIn(e.assignment_id)),
        grades: (await trx.selectFrom('synthesis_grades').selectAll().where('person_id', '=', personId).execute())
          .filter(g => assignmentIn(g.assignment_id))
          .map(g => readsText(contextOf(g.assignment_id)) ? g : { ...g, feedback: null, feedback_withheld: true }),
        gradeHistory: (await trx.selectFrom('synthesis_grade_history').selectAll().where('person_id', '=', personId).orderBy('changed_at').execute())
          .filter(h => assignmentIn(h.assignment_id))
          .map(h => readsText(contextOf(h.assignment_id)) ? h : { ...h, before: null, after: null, text_withheld: true })
      },
      attestations: {
        requests: await trx.selectFrom('attestation_requests').selectAll().where('person_id', '=', personId)
          .$if(scoped, q => q.where('event_id', 'in', events)).execute(),
        attestations: await trx.selectFrom('attestations')
          .select(['id', 'event_id', 'request_id', 'code', 'locale', 'snapshot', 'sha256', 'status', 'issued_at', 'issued_by', 'revoked_at', 'revoked_by', 'revocation_reason', 'superseded_by', 'minimised_at'])
          .where('person_id', '=', personId).$if(scoped, q => q.where('event_id', 'in', events)).orderBy('issued_at').execute(),
        audit: requestIds.length === 0 && attestationIds.length === 0
          ? []
          : await trx.selectFrom('attestation_audit').select(['id', 'event_id', 'request_id', 'attestation_id', 'actor_id', 'action', 'reason', 'details', 'at'])
            .where(eb => eb.or([
              ...(requestIds.length > 0 ? [eb('request_id', 'in', requestIds)] : []),
              ...(attestationIds.length > 0 ? [eb('attestation_id', 'in', attestationIds)] : [])
            ])).orderBy('seq').execute()
      },
      // Messages and accesses outside any event are account-wide.
      messages: (await trx.selectFrom('outgoing_messages')
        .select(['id', 'event_id', 'kind', 'to_address', 'subject', 'body_text', 'attachment_name', 'status', 'created_at', 'sent_at'])
        .where('person_id', '=', personId).$if(scoped, q => q.where(eb => account ? eb.or([eb('event_id', 'in', events), eb('event_id', 'is', null)]) : eb('event_id', 'in', events)))
        .orderBy('created_at').execute())
        // A message not sent yet still holds its working sign-in or personal link: an export shows
        // none (an organizer must not sign in as the person; in the person's own file it would go stale).
        .map(m => ({ ...m, subject: redactLinks(m.subject), body_text: redactLinks(m.body_text) })),
      accessLog: await trx.selectFrom('privacy_access_log')
        .select(['at', 'actor_id', 'actor_role', 'data_kind', 'event_id', 'context_id', 'route', 'request_id'])
        .where('subject_person_id', '=', personId).$if(scoped, q => q.where(eb => account ? eb.or([eb('event_id', 'in', events), eb('event_id', 'is', null)]) : eb('event_id', 'in', events)))
        .orderBy('id').execute(),
      accountAudit: !account
        ? []
        : await trx.selectFrom('account_audit').select(['at', 'actor_id', 'actor_label', 'action', 'details'])
          .where('subject_person_id', '=', personId).orderBy('id').execute(),
      scope: { kind: scoped ? 'organizer' as const : 'person' as const, eventIds: events, account, note: bilingual(scoped ? 'privacy.exportScoped' : 'privacy.exportWhole') }
    }
  })
}

function withoutComment (score: unknown): unknown {
  if (score === null || typeof score !== 'object' || Array.isArray(score)) return score
  const { comment: _, ...rest } = score as Record<string, unknown>
  return rest
}
