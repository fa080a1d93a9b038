import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify'
import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import type { TextKey } from '../views/i18n.js'
import { rolesInEvent } from '../access/repository.js'
import type { LtiService } from '../lti/service.js'
import * as repo from './repository.js'

/**
 * What kind of personal data a staff route reads. A route says so in its options
 * (`config: { personalData: 'attendance' }`); the privacy plugin's onResponse hook then logs
 * every successful read by someone other than the person the data is about.
 */
export const personalDataKinds = [
  'participants', 'attendance', 'person_attendance', 'excuses', 'door_list',
  'submissions', 'submission', 'submission_file', 'grades',
  'attestations', 'attestation_requests', 'attestation_audit', 'attestation_file',
  'reports', 'messages', 'data_export', 'access_log', 'incidents'
] as const
export type PersonalDataKind = typeof personalDataKinds[number]

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Staff read personal data of others here: logged in the privacy access log (Loi 25). */
    personalData?: PersonalDataKind
  }
}

/** What the access log says a staff member did, for each kind of read. */
export const ACCESS_KIND_TEXT = {
  participants: 'privacy.readParticipants',
  attendance: 'privacy.readAttendance',
  person_attendance: 'privacy.readPersonAttendance',
  excuses: 'privacy.readExcuses',
  door_list: 'privacy.readDoorList',
  submissions: 'privacy.readSubmissions',
  submission: 'privacy.readSubmission',
  submission_file: 'privacy.readSubmissionFile',
  grades: 'privacy.readGrades',
  attestations: 'privacy.readAttestations',
  attestation_requests: 'privacy.readAttestationRequests',
  attestation_audit: 'privacy.readAttestationAudit',
  attestation_file: 'privacy.readAttestationFile',
  reports: 'privacy.readReports',
  messages: 'privacy.readMessages',
  data_export: 'privacy.readDataExport',
  access_log: 'privacy.readAccessLog',
  incidents: 'privacy.readIncidents'
} as const satisfies Record<PersonalDataKind, TextKey>

const STAFF_ROLES = ['organizer', 'instructor', 'door_staff'] as const

type Params = Partial<Record<
  'eventId' | 'contextId' | 'sessionId' | 'personId' | 'attestationId' | 'requestId' | 'submissionId' | 'messageId' | 'jobId',
  string
>>
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The parts of a finished request the log needs (read at once: the request object is not kept). */
interface Read {
  at: Date
  actorId: string
  kind: PersonalDataKind
  params: Params
  /** A person named in the query string (`?personne=`, `?personId=`). */
  queryPerson: string | undefined
  method: string
  route: string
  statusCode: number
  requestId: string
}

/**
 * Writes the access log after the response has gone: the reader never waits for it. Each
 * write is retried; one that still fails is logged at error level with the whole row (it is
 * not lost silently), and closing the app waits for the writes under way.
 */
export class AccessLog {
  readonly #pending = new Set<Promise<void>>()

  constructor (
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly log: FastifyBaseLogger,
    /** A course's event: the LMS domain owns courses. */
    private readonly courses: Pick<LtiService, 'courseEvent'>
  ) {}

  /** The onResponse hook: logs successful reads of routes flagged `personalData`. */
  readonly onResponse = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const kind = request.routeOptions.config.personalData
    if (kind === undefined || request.auth == null || reply.statusCode >= 300) return
    const query = request.query as Record<string, unknown> | undefined
    const queryPerson = [query?.personne, query?.personId].find((v): v is string => typeof v === 'string' && UUID.test(v))
    this.record({
      at: this.clock.now(),
      actorId: request.auth.personId,
      kind,
      params: { ...(request.params as Params | undefined) },
      queryPerson,
      method: request.method,
      route: request.routeOptions.url ?? request.url.split('?')[0] ?? '',
      statusCode: reply.statusCode,
      requestId: request.id
    })
  }

  /** Logs a read decided by code rather than by a route flag (the subject known already). */
  record (read: Read): void {
    const write = this.#write(read).finally(() => { this.#pending.delete(write) })
    this.#pending.add(write)
  }

  /** Resolves once every write started so far has ended (tests; closing the app). */
  async settled (): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending])
  }

  async #write (read: Read): Promise<void> {
    let rows: repo.AccessLogInsert[] | null = null
    for (let attempt = 1; ; attempt++) {
      try {
        rows ??= await this.#rows(read)
        if (rows.length > 0) await repo.insertAccessLog(this.db, rows)
        return
      } catch (err) {
        if (attempt >= 3) {
          this.log.error({ err, accessLog: rows ?? read }, 'privacy access log: row not written')
          return
        }
        await new Promise(resolve => setTimeout(resolve, 50 * attempt))
      }
    }
  }

  /**
   * Resolves the event and the person the route's identifiers point to; none for a person's own
   * data. A page without an event of its own (/organisateurs lists every event the reader
   * organizes) is logged once in each event where the reader is staff.
   */
  async #rows (read: Read): Promise<repo.AccessLogInsert[]> {
    const p = Object.fromEntries(Object.entries(read.params).filter(([, v]) => typeof v === 'string' && UUID.test(v))) as Params
    let eventId = p.eventId ?? null
    let subject = p.personId ?? read.queryPerson ?? null
    const owner = p.attestationId !== undefined
      ? await repo.attestationOwner(this.db, p.attestationId)
      : p.submissionId !== undefined
        ? await repo.submissionOwner(this.db, p.submissionId)
        : p.messageId !== undefined
          ? await repo.messageOwner(this.db, p.messageId)
          : p.requestId !== undefined && read.route.includes('attestation')
            ? await repo.attestationRequestOwner(this.db, p.requestId)
            : undefined
    if (owner !== undefined) {
      eventId ??= owner.eventId
      subject ??= owner.personId
    }
    if (eventId === null && p.contextId !== undefined) eventId = await this.courses.courseEvent(p.contextId)
    if (eventId === null && p.sessionId !== undefined) eventId = await repo.sessionEvent(this.db, p.sessionId)
    if (eventId === null && p.jobId !== undefined) eventId = await repo.jobEvent(this.db, p.jobId)
    // Reading one's own attendance, hand-in or attestation is not staff access.
    if (subject === read.actorId) return []
    const events = eventId !== null ? [eventId] : await repo.staffEvents(this.db, read.actorId, [...STAFF_ROLES])
    return await Promise.all((events.length > 0 ? events : [null]).map(async event => await this.#row(read, p, event, subject)))
  }

  async #row (read: Read, p: Params, eventId: string | null, subject: string | null): Promise<repo.AccessLogInsert> {
    const roles = eventId === null ? [] : await rolesInEvent(this.db, read.actorId, eventId)
    const role = STAFF_ROLES.find(r => roles.includes(r)) ?? (p.contextId !== undefined ? 'instructor' : null)
    return {
      at: read.at,
      actor_id: read.actorId,
      actor_role: role,
      data_kind: read.kind,
      subject_person_id: subject,
      event_id: eventId,
      context_id: p.contextId ?? null,
      method: read.method,
      route: read.route.slice(0, 300),
      status_code: read.statusCode,
      request_id: read.requestId.slice(0, 100)
    }
  }
}
