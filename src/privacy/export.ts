import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import { notFound } from '../errors.js'
import { findPersonById } from '../people/repository.js'
import { redactLinks } from '../messages/sender.js'
import { bilingual } from '../views/i18n.js'
import * as repo from './export-repository.js'

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
  // The repository's event filter: null reads every event (the person's own export).
  const inEvents = scoped ? events : null
  return await db.transaction().execute(async trx => {
    const contexts = new Map((await repo.assignmentPlaces(trx)).map(a => [a.id, a]))
    const assignmentIn = (id: string): boolean => !scoped || events.includes(contexts.get(id)?.event_id ?? '')
    const contextOf = (assignmentId: string): string => contexts.get(assignmentId)?.context_id ?? ''
    const person = await findPersonById(trx, personId)
    if (person === undefined) throw notFound(bilingual('privacy.personNotFound'))
    const pass = await repo.passOf(trx, personId)
    const requestIds = await repo.attestationRequestIdsOf(trx, personId, inEvents)
    const attestationIds = await repo.attestationIdsOf(trx, personId, inEvents)
    const submissions = (await repo.submissionsOf(trx, personId))
      .filter(s => assignmentIn(s.assignment_id))
      .map(s => readsText(contextOf(s.assignment_id)) ? s : { ...s, text: null, text_withheld: true })
    const files = submissions.length === 0 ? [] : await repo.submissionFiles(trx, submissions.map(s => s.id))

    return {
      format: 'compagnon-personal-data/1' as const,
      generatedAt: clock.now(),
      about: bilingual('privacy.exportAbout'),
      person,
      registrations: await repo.registrationsOf(trx, personId, inEvents),
      deviceSessions: !account ? [] : await repo.deviceSessionsOf(trx, personId),
      signInLinks: !account ? [] : await repo.signInLinksOf(trx, personId),
      // Roles offered to the person and not answered yet: in their own export only (an
      // invitation grants nothing and shows the person to no organizer).
      roleInvitations: scoped ? [] : await repo.roleInvitationsOf(trx, personId),
      personalLinks: await repo.personalLinksOf(trx, personId, inEvents),
      lti: {
        identities: !account ? [] : await repo.ltiIdentitiesOf(trx, personId),
        rosterMemberships: await repo.rosterMembershipsOf(trx, personId, inEvents),
        gradeDeliveries: (await repo.gradeDeliveriesOf(trx, personId, inEvents))
          // The comment sent with a grade is the instructor's text about the hand-in.
          .map(g => readsText(g.context_id) ? g : { ...g, score: withoutComment(g.score) }),
        contentSelections: !account ? [] : await repo.contentSelectionsOf(trx, personId)
      },
      attendance: {
        records: await repo.attendanceRecordsOf(trx, personId, inEvents),
        history: await repo.attendanceHistoryOf(trx, personId, inEvents),
        excuses: await repo.excusesOf(trx, personId, inEvents),
        choices: await repo.attendanceChoicesOf(trx, personId, inEvents),
        codeAttempts: !account ? [] : await repo.codeAttemptsOf(trx, personId),
        pass: pass === undefined || !account ? [] : [{ issued_at: pass.issued_at, version: pass.version }],
        scans: pass === undefined ? [] : await repo.scansOf(trx, pass.code, inEvents)
      },
      synthesis: {
        // A draft is seen by nobody but its author.
        drafts: (await repo.draftsOf(trx, personId))
          .filter(d => assignmentIn(d.assignment_id)).map(d => scoped ? { ...d, text: null, text_withheld: true } : d),
        submissions: submissions.map(s => ({ ...s, files: files.filter(f => f.submission_id === s.id).map(({ submission_id: _, ...f }) => f) })),
        extensions: (await repo.extensionsOf(trx, personId)).filter(e => assignmentIn(e.assignment_id)),
        grades: (await repo.synthesisGradesOf(trx, personId))
          .filter(g => assignmentIn(g.assignment_id))
          .map(g => readsText(contextOf(g.assignment_id)) ? g : { ...g, feedback: null, feedback_withheld: true }),
        gradeHistory: (await repo.synthesisGradeHistoryOf(trx, personId))
          .filter(h => assignmentIn(h.assignment_id))
          .map(h => readsText(contextOf(h.assignment_id)) ? h : { ...h, before: null, after: null, text_withheld: true })
      },
      attestations: {
        requests: await repo.attestationRequestsOf(trx, personId, inEvents),
        attestations: await repo.attestationsOf(trx, personId, inEvents),
        audit: requestIds.length === 0 && attestationIds.length === 0 ? [] : await repo.attestationAuditOf(trx, requestIds, attestationIds)
      },
      // Messages and accesses outside any event are account-wide.
      messages: (await repo.messagesTo(trx, personId, inEvents, account))
        // A message not sent yet still holds its working sign-in or personal link: an export shows
        // none (an organizer must not sign in as the person; in the person's own file it would go stale).
        .map(m => ({ ...m, subject: redactLinks(m.subject), body_text: redactLinks(m.body_text) })),
      accessLog: await repo.accessesTo(trx, personId, inEvents, account),
      accountAudit: !account ? [] : await repo.accountAuditOf(trx, personId),
      scope: {
        kind: scoped ? 'organizer' as const : 'person' as const,
        eventIds: events,
        account,
        note: bilingual(scoped ? 'privacy.exportScoped' : 'privacy.exportWhole')
      }
    }
  })
}

function withoutComment (score: unknown): unknown {
  if (score === null || typeof score !== 'object' || Array.isArray(score)) return score
  const { comment: _, ...rest } = score as Record<string, unknown>
  return rest
}
