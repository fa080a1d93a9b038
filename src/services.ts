import type { FastifyBaseLogger } from 'fastify'
import type { Clock } from './clock.js'
import type { ResolvedConfig } from './config.js'
import type { Database } from './db/database.js'
import { AccessPolicy } from './access/policy.js'
import { FileStore } from './files/store.js'
import { ProgramService } from './program/service.js'
import { MessageOutbox } from './messages/outbox.js'
import { MessageSender } from './messages/sender.js'
import { MessageService } from './messages/service.js'
import { PeopleService } from './people/service.js'
import { SelfServiceLinks } from './people/self-service.js'
import { AccountLinks } from './people/account-links.js'
import { roleInvitationSection } from './people/role-invitation-routes.js'
import { linkSection } from './people/account-links-pages.js'
import { ltiCourseRoles } from './lti/roles.js'
import { CLOCK_SKEW_SECONDS, Ltijs, ltijsKey, TOKEN_MAX_AGE_SECONDS } from './lti/ltijs-provider.js'
import { LtiStorage } from './lti/storage.js'
import { LtiService } from './lti/service.js'
import { DynamicRegistration } from './lti/dynamic-registration.js'
import { AgsClient } from './lti/ags.js'
import { GradeOutbox } from './lti/outbox.js'
import { RosterSync } from './lti/roster.js'
import { AttendanceService } from './attendance/service.js'
import { AttendanceBook } from './attendance/book.js'
import { AttendanceGrades } from './attendance/grades.js'
import { myPageAttendanceSection } from './attendance/pages.js'
import { myHoursSection } from './attendance/book-routes.js'
import { Assignments } from './synthesis/assignment.js'
import { HandInService } from './synthesis/hand-in.js'
import { GradingService } from './synthesis/grading.js'
import { PreviewPool } from './synthesis/preview-pool.js'
import { AttestationIssuance } from './attestations/issuance.js'
import { AttestationDecisions } from './attestations/decisions.js'
import { InProcessRenderer } from './attestations/renderer.js'
import { RenderPool } from './attestations/render-pool.js'
import { AttestationJobs } from './attestations/jobs.js'
import { ReportService } from './attestations/reports.js'
import { VerificationService } from './attestations/verification.js'
import { CredentialService } from './attestations/credentials.js'
import { myPageAttestationSection } from './attestations/pages.js'
import { AccessLog } from './privacy/access-log.js'
import { PrivacyService } from './privacy/service.js'
import { IncidentService } from './privacy/incidents.js'
import { RetentionService } from './privacy/retention.js'
import { ErasureService } from './privacy/erasure.js'
import { tombstoneKey } from './privacy/tombstones.js'
import { myPagePrivacySection } from './privacy/pages.js'

/** What the application is made from: the database and clock it was given, and every service, built once. */
export interface Services {
  database: Database
  clock: Clock
  /** The one access policy (src/access/policy.ts): services ask it before acting for a caller. */
  access: AccessPolicy
  files: FileStore
  program: ProgramService
  /** The outbox every domain writes to. */
  messages: MessageOutbox
  /** The organizers' view of an event's messages, and personal links sent by email. */
  messageService: MessageService
  /** Delivers the outbox by SMTP; only when SMTP_URL is set. */
  messageSender: MessageSender | undefined
  people: PeopleService
  /** "M'envoyer mon lien": sign-in links emailed outside any event. */
  selfServiceLinks: SelfServiceLinks
  accountLinks: AccountLinks
  ltiStorage: LtiStorage
  ltijs: Ltijs
  lti: LtiService
  /** LTI Dynamic Registration through organizers' one-time links. */
  ltiRegistration: DynamicRegistration
  /** Grades waiting for (or delivered to) the LMS gradebooks. */
  gradeOutbox: GradeOutbox
  /** Course rosters from the LMS (NRPS). */
  roster: RosterSync
  attendance: AttendanceService
  book: AttendanceBook
  grades: AttendanceGrades
  /** A student's side of the course synthesis: drafts, hand-ins, receipts. */
  synthesisHandIn: HandInService
  /** An instructor's side: settings, extensions, grading, publication to the LMS. */
  synthesisGrading: GradingService
  /** DOCX previews in bounded threads, started on the first preview. */
  previews: PreviewPool
  /** Attestations asked for and issued: a participant's request and PDF, and the issue every decision and bulk job goes through. */
  attestations: AttestationIssuance
  /** Organizers' decisions: policy, queue, approval and refusal, revocation and re-issue; the minute job deciding waiting requests. */
  attestationDecisions: AttestationDecisions
  /** Bulk generation of an event's attestations; its rendering threads start on first use. */
  attestationJobs: AttestationJobs
  attestationRenderPool: RenderPool
  reports: ReportService
  verification: VerificationService
  credentials: CredentialService
  /** The staff access log writer (tests wait on `settled()` before reading it). */
  privacyAccessLog: AccessLog
  privacy: PrivacyService
  incidents: IncidentService
  retention: RetentionService
  erasure: ErasureService
}

export interface ServiceDeps { database: Database, clock: Clock, config: ResolvedConfig, log: FastifyBaseLogger }

/**
 * Builds every service once, in dependency order, each given what it uses. The logger is the
 * app's (services that log in the background write there).
 */
export function createServices ({ database, clock, config, log }: ServiceDeps): Services {
  const db = database.db
  const access = new AccessPolicy(db, ltiCourseRoles, { privacyOfficerEmails: config.privacyOfficerEmails })
  const files = new FileStore(db, clock)
  const program = new ProgramService(db, clock)
  const messages = new MessageOutbox(clock, config.smtp !== undefined)
  const people = new PeopleService(db, clock, config, access, program, messages)

  const ltiStorage = new LtiStorage(db, { clock, tokenMaxAgeSeconds: TOKEN_MAX_AGE_SECONDS, clockSkewSeconds: CLOCK_SKEW_SECONDS })
  const ltijs = new Ltijs(ltijsKey(config.secrets))
  const ltiKey = ltijs.key
  // Erased people are recognised by this key's hash of their identity (LTI, rosters, erasure).
  const tombstones = tombstoneKey(config.secrets)
  const lti = new LtiService(db, clock, program, async () => await ltijs.provider(), ltiStorage, ltiKey, tombstones, config.publicUrl, config.ltiKeyBits)
  const platformClient = new AgsClient(ltiStorage, ltiKey)
  const gradeOutbox = new GradeOutbox(db, clock, platformClient, log)

  const book = new AttendanceBook(db, clock, access, people)
  // The course's assignment and deadline rule, shared by both sides of the synthesis.
  const assignments = new Assignments(db, lti, access)
  const attestations = new AttestationIssuance(db, clock, {
    access, book, files, messages, people, program, renderer: new InProcessRenderer(config.attestationAssetsDir), publicUrl: config.publicUrl
  })
  const attestationDecisions = new AttestationDecisions(db, clock, { issuance: attestations, book, messages, people })
  const verification = new VerificationService(db, clock, { attestations, detailsDays: config.attestationDetailsDays })
  const attestationRenderPool = new RenderPool(config.attestationAssetsDir)

  const services: Services = {
    database,
    clock,
    access,
    files,
    program,
    messages,
    messageService: new MessageService(db, { access, people, program, outbox: messages, files }),
    messageSender: config.smtp === undefined ? undefined : new MessageSender(db, clock, files, config.smtp, log, config.publicUrl),
    people,
    selfServiceLinks: new SelfServiceLinks(db, clock, messages, config, log),
    accountLinks: new AccountLinks(db, clock),
    ltiStorage,
    ltijs,
    lti,
    ltiRegistration: new DynamicRegistration(db, clock, lti, config.publicUrl, { allowPrivateUrls: config.ltiAllowPrivateUrls }),
    gradeOutbox,
    roster: new RosterSync(db, clock, platformClient, log, tombstones),
    attendance: new AttendanceService(db, clock, config.secrets.codeSecret, config.publicUrl, access),
    book,
    grades: new AttendanceGrades(db, clock, book, gradeOutbox),
    synthesisHandIn: new HandInService(db, clock, assignments, files, gradeOutbox, lti, people),
    synthesisGrading: new GradingService(db, clock, assignments, gradeOutbox),
    previews: new PreviewPool(),
    attestations,
    attestationDecisions,
    attestationJobs: new AttestationJobs(db, clock, { attestations, program, files, access, renderer: attestationRenderPool, log }),
    attestationRenderPool,
    reports: new ReportService(db, clock, { book, attestations, decisions: attestationDecisions, access, program }),
    verification,
    credentials: new CredentialService(db, clock, { verification, access, publicUrl: config.publicUrl, secret: config.secrets.sessionSecret }),
    privacyAccessLog: new AccessLog(db, clock, log, lti),
    privacy: new PrivacyService(db, clock, config, program, access),
    incidents: new IncidentService(db, clock, access),
    retention: new RetentionService(db, clock, { ...config.retention, attestationDetailsDays: config.attestationDetailsDays }),
    erasure: new ErasureService(db, clock, access, program, {
      officerEmails: config.privacyOfficerEmails,
      officer: { name: config.privacyOfficer.name, email: config.privacyOfficer.email },
      tombstoneKey: tombstones
    })
  }

  // The sections of a person's own page (/moi) below their details, in page order.
  people.myPageSections.push(
    // A question waiting for the person's answer comes first.
    async ({ personId, locale }) => roleInvitationSection(locale, await people.pendingRoleInvitations(personId)),
    async ({ locale }) => myPageAttendanceSection(locale),
    // Hours done against the attestation threshold, read as part of the attendance section.
    myHoursSection(book),
    async ({ personId, locale }) => (await attestations.eventsOf(personId)).length > 0 ? myPageAttestationSection(locale) : null,
    async ({ locale }) => linkSection(locale),
    async ({ locale }) => myPagePrivacySection(locale)
  )
  return services
}

/** Waits for the work services still hold (rows being written, threads, connections): the app's last step before the database closes. */
export async function closeServices (services: Services): Promise<void> {
  await services.attestationJobs.close()
  await services.attestationRenderPool.close()
  await services.previews.close()
  services.messageSender?.close()
  await services.selfServiceLinks.settled()
  await services.privacyAccessLog.settled()
}
