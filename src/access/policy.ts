// The one access policy: may this actor do this to that? Routes declare which action and
// resource they need (src/access/plugin.ts asks here before the handler runs), and services ask
// the same question where they act for a caller. test/security/access-rules.ts is the
// hand-written specification this table is checked against.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { forbidden, notFound, type AppError, type Bilingual } from '../errors.js'
import { bilingual, type TextKey } from '../views/i18n.js'
import * as repo from './repository.js'

/**
 * What a person's roles in an LMS course make them there. The LTI role table (src/lti/roles.ts)
 * answers; the composition root hands it over, so this shared layer imports no domain.
 */
export interface CourseRoles {
  /** An instructor of the course (grades, corrects its learners, reads their hand-ins). */
  teaches: (roles: readonly string[]) => boolean
  /** A credited student of the course (hands in, is graded). */
  learns: (roles: readonly string[]) => boolean
}

/** Who asks: a signed-in person, or nobody (anonymous). */
export type Actor = { personId: string } | null

/** What an action is done to. */
export type Resource =
  /** Something that belongs to no one event (platform registrations, the retention purge, a program file naming its event). */
  | { kind: 'any-event' }
  /** The actor's own things. */
  | { kind: 'self' }
  | { kind: 'event', eventId: string }
  | { kind: 'course', contextId: string }
  | { kind: 'session', sessionId: string }
  /** A person's attendance in one slot (corrections). */
  | { kind: 'attendance', personId: string, slotId: string }
  | { kind: 'person', personId: string }
  | { kind: 'excuse', excuseId: string }
  | { kind: 'attestation', attestationId: string }
  | { kind: 'attestation-request', requestId: string }
  | { kind: 'attestation-job', jobId: string }
  | { kind: 'deep-link-request', requestId: string }
  | { kind: 'role-invitation', invitationId: string }
  /** A hand-in, named through the course it was handed in to (through another course it does not exist). */
  | { kind: 'submission', contextId: string, submissionId: string }

export type ResourceKind = Resource['kind']

/** allowed; refused; or the thing does not exist (the handler then answers its own 404). */
export type Decision = 'allow' | 'deny' | 'missing'

/** What a rule knows about the resource once it is looked up. */
interface Subject {
  /** The event the thing belongs to (when it belongs to one). */
  eventId?: string
  /** The LMS course it belongs to. */
  contextId?: string
  /** The person it belongs to (owner, author, invitee, the person corrected). */
  personId?: string
}

interface Rule {
  /** The resources this action applies to. */
  on: readonly ResourceKind[]
  /** Who may, in words (errors, docs). */
  who: string
  allows: (facts: Facts, subject: Subject) => Promise<boolean>
  /** Refused as if it did not exist: the thing belongs to someone else and is none of the caller's business. */
  hidden?: TextKey
  /** Why it is refused, in words for the person refused. */
  refusal: TextKey
}

const ORGANIZERS = 'access.organizersOnly'
const ANY_ORGANIZER = 'access.anyOrganizerOnly'
const TEACHERS = 'access.teachersOnly'
const COURSE_INSTRUCTORS = 'access.courseInstructorsOnly'
const CORRECTORS = 'access.correctorsOnly'
const SESSION_TEAM = 'access.sessionTeamOnly'
const NOT_FOUND = 'access.notFound'
const ATTENDEES = 'access.attendeesOnly'
const SYNTHESIS_LEARNERS = 'access.synthesisStudentsOnly'
/** Why someone who is not a learner of the course cannot hand in (the synthesis pages and API say the same). */
export const SYNTHESIS_STUDENTS: Bilingual = bilingual(SYNTHESIS_LEARNERS)

const is = (...roles: repo.EventRole[]) => async (f: Facts, s: Subject): Promise<boolean> =>
  s.eventId !== undefined && (await f.rolesIn(s.eventId)).some(r => roles.includes(r))
const organizer = is('organizer')
const organizerSomewhere = async (f: Facts): Promise<boolean> => (await f.eventsWith('organizer')).length > 0
const instructorOfCourse = async (f: Facts, s: Subject): Promise<boolean> => {
  if (s.contextId === undefined) return false
  const roles = await f.courseRoles(s.contextId)
  return roles !== undefined && f.lms.teaches(roles)
}
const learnerOfCourse = async (f: Facts, s: Subject): Promise<boolean> => {
  if (s.contextId === undefined) return false
  const roles = await f.courseRoles(s.contextId)
  return roles !== undefined && f.lms.learns(roles)
}
/**
 * Organizers of the event, and instructors of a course of that event the person is a credited
 * student of: a correction reaches that course's LMS grade, so teaching another course is not enough.
 */
const corrector = async (f: Facts, s: Subject): Promise<boolean> => {
  if (s.eventId === undefined || s.personId === undefined) return false
  if (await organizer(f, s)) return true
  const mine = (await f.courses()).filter(c => c.eventId === s.eventId && f.lms.teaches(c.roles))
  for (const course of mine) {
    const theirs = await f.courseRolesOf(s.personId, course.contextId)
    if (theirs !== undefined && f.lms.learns(theirs)) return true
  }
  return false
}
const self = async (f: Facts, s: Subject): Promise<boolean> => s.personId === f.personId

/** Every action a route or a service may ask about. */
export const RULES = {
  'program.import': {
    on: ['any-event', 'event'],
    who: 'organizers of the event the file names (any organizer for a new event)',
    allows: async (f, s) => s.eventId === undefined ? await organizerSomewhere(f) : await organizer(f, s),
    refusal: 'access.programImportRefused'
  },
  'platforms.manage': { on: ['any-event'], who: 'organizers', allows: organizerSomewhere, refusal: ANY_ORGANIZER },
  'organizer-pages.open': { on: ['any-event'], who: 'organizers (each page shows only their events)', allows: organizerSomewhere, refusal: ANY_ORGANIZER },
  'retention.purge': { on: ['any-event'], who: 'organizers (each sees and purges only their events)', allows: organizerSomewhere, refusal: ANY_ORGANIZER },
  'team.invite': { on: ['event'], who: 'organizers of the event', allows: organizer, refusal: 'access.teamInviteRefused' },
  'participants.manage': { on: ['event'], who: 'organizers of the event', allows: organizer, refusal: 'access.participantsRefused' },
  'attendance.host': {
    on: ['session'],
    who: 'door staff, instructors and organizers of the session\'s event',
    allows: is('door_staff', 'instructor', 'organizer'),
    refusal: SESSION_TEAM
  },
  'attendance.host-any': {
    on: ['any-event'],
    who: 'door staff, instructors and organizers of some event (each sees only the sessions they may host)',
    allows: async f =>
      (await Promise.all((['door_staff', 'instructor', 'organizer'] as const).map(async role => await f.eventsWith(role)))).some(events => events.length > 0),
    refusal: SESSION_TEAM
  },
  'attendance.scan-passes': {
    on: ['session'],
    who: 'door staff and organizers of the session\'s event',
    allows: is('door_staff', 'organizer'),
    refusal: 'access.scanPassesRefused'
  },
  'attendance.register': { on: ['event'], who: 'instructors and organizers of the event', allows: is('instructor', 'organizer'), refusal: TEACHERS },
  'attendance.set-policy': { on: ['event'], who: 'organizers of the event', allows: organizer, refusal: ORGANIZERS },
  'attendance.correct': {
    on: ['attendance', 'excuse'],
    who: 'organizers of the event and instructors of a course the person is a student of',
    allows: corrector,
    refusal: CORRECTORS
  },
  'attendance.history': {
    on: ['person'],
    who: 'the person, and instructors and organizers of an event they are registered in',
    allows: async (f, s) => {
      if (await self(f, s)) return true
      for (const eventId of await f.eventsOfPerson(s.personId ?? '')) if (await is('instructor', 'organizer')(f, { eventId })) return true
      return false
    },
    refusal: TEACHERS
  },
  'course.teach': { on: ['course'], who: 'instructors of the course (in the LMS)', allows: instructorOfCourse, refusal: COURSE_INSTRUCTORS },
  'synthesis.view': {
    on: ['course'],
    who: 'students and instructors of the course',
    allows: async (f, s) => await learnerOfCourse(f, s) || await instructorOfCourse(f, s),
    refusal: SYNTHESIS_LEARNERS
  },
  'synthesis.hand-in': {
    on: ['course'],
    who: 'credited students of the course',
    allows: learnerOfCourse,
    refusal: SYNTHESIS_LEARNERS
  },
  'synthesis.enter': {
    on: ['self'],
    who: 'students and instructors of a course',
    allows: async f => (await f.courses()).some(c => f.lms.learns(c.roles) || f.lms.teaches(c.roles)),
    refusal: SYNTHESIS_LEARNERS
  },
  'synthesis.read-file': {
    on: ['submission'],
    who: 'its author and the course\'s instructors',
    allows: async (f, s) => await self(f, s) || await instructorOfCourse(f, s),
    refusal: 'access.submissionFileRefused'
  },
  'deep-linking.choose': { on: ['deep-link-request'], who: 'the instructor who launched it', allows: self, hidden: 'access.deepLinkGone', refusal: NOT_FOUND },
  'attestation.own': {
    on: ['event'],
    who: 'people registered to attend the event (credited students, participants)',
    allows: is('credited_student', 'participant'),
    refusal: ATTENDEES
  },
  'attestation.own-any': {
    on: ['self'],
    who: 'people registered to attend some event (credited students, participants)',
    allows: async f => (await f.eventsWith('credited_student')).length > 0 || (await f.eventsWith('participant')).length > 0,
    refusal: ATTENDEES
  },
  'attestation.read': {
    on: ['attestation'],
    who: 'its owner and the event\'s organizers',
    allows: async (f, s) => await self(f, s) || await organizer(f, s),
    hidden: 'access.attestationNotFound',
    refusal: NOT_FOUND
  },
  'attestations.manage': {
    on: ['event', 'attestation', 'attestation-request', 'attestation-job'],
    who: 'organizers of the event',
    allows: organizer,
    refusal: ORGANIZERS
  },
  'reports.read': { on: ['event'], who: 'organizers of the event', allows: organizer, refusal: 'access.reportsRefused' },
  'messages.read': { on: ['event'], who: 'organizers of the event', allows: organizer, refusal: ORGANIZERS },
  'privacy.manage': { on: ['event'], who: 'organizers of the event', allows: organizer, refusal: ORGANIZERS },
  'privacy.erase': {
    on: ['event'],
    who: 'organizers of the event and the configured privacy officers',
    allows: async (f, s) => await organizer(f, s) || await f.isOfficer(),
    refusal: ORGANIZERS
  },
  'role-invitation.answer': {
    on: ['role-invitation'],
    who: 'the person invited',
    allows: self,
    // The very text (one key) PeopleService.answerRoleInvitation gives for one that is gone: someone else's must not read differently.
    hidden: 'people.roleInvitationGone',
    refusal: NOT_FOUND
  }
} satisfies Record<string, Rule>

export type Action = keyof typeof RULES

/** What the policy knows about one actor, read once per question and kept for its answer. */
class Facts {
  #roles = new Map<string, Promise<repo.EventRole[]>>()
  #courses: Promise<Array<{ contextId: string, eventId: string | null, roles: string[] }>> | undefined

  constructor (private readonly db: Kysely<DB>, readonly personId: string, readonly lms: CourseRoles, private readonly officerEmails: readonly string[]) {}

  async rolesIn (eventId: string): Promise<repo.EventRole[]> {
    let roles = this.#roles.get(eventId)
    if (roles === undefined) this.#roles.set(eventId, roles = repo.rolesInEvent(this.db, this.personId, eventId))
    return await roles
  }

  async eventsWith (role: repo.EventRole): Promise<string[]> { return await repo.eventsWithRole(this.db, this.personId, role) }
  async eventsOfPerson (personId: string): Promise<string[]> { return await repo.eventsOf(this.db, personId) }
  async courses (): Promise<Array<{ contextId: string, eventId: string | null, roles: string[] }>> {
    this.#courses ??= repo.coursesOf(this.db, this.personId)
    return await this.#courses
  }

  async courseRoles (contextId: string): Promise<string[] | undefined> {
    return (await this.courses()).find(c => c.contextId === contextId)?.roles
  }

  async courseRolesOf (personId: string, contextId: string): Promise<string[] | undefined> { return await repo.courseRoles(this.db, personId, contextId) }
  async isOfficer (): Promise<boolean> {
    if (this.officerEmails.length === 0) return false
    const email = await repo.ownEmailOf(this.db, this.personId)
    return email !== null && this.officerEmails.includes(email)
  }
}

const inEvent = (eventId: string | undefined): Subject | undefined => eventId === undefined ? undefined : { eventId }
const ownedBy = (personId: string | undefined): Subject | undefined => personId === undefined ? undefined : { personId }

export class AccessPolicy {
  readonly #officerEmails: string[]

  constructor (private readonly db: Kysely<DB>, private readonly lms: CourseRoles, options: { privacyOfficerEmails?: readonly string[] } = {}) {
    this.#officerEmails = (options.privacyOfficerEmails ?? []).map(e => e.toLowerCase())
  }

  /** May this actor do this to that? Anonymous callers may do none of the actions (public routes declare no action). */
  async can (actor: Actor, action: Action, resource: Resource): Promise<boolean> {
    return await this.decide(actor, action, resource) === 'allow'
  }

  /** The decision, telling a refusal from a thing that does not exist. */
  async decide (actor: Actor, action: Action, resource: Resource): Promise<Decision> {
    const rule: Rule = RULES[action]
    if (!rule.on.includes(resource.kind)) throw new Error(`access: ${action} does not apply to a ${resource.kind}`)
    const subject = await this.#subject(actor, resource)
    if (subject === undefined) return 'missing'
    if (actor === null) return 'deny'
    return await rule.allows(new Facts(this.db, actor.personId, this.lms, this.#officerEmails), subject) ? 'allow' : 'deny'
  }

  /** Throws the action's refusal (403, or 404 for things that are none of the caller's business) unless allowed. */
  async assert (actor: Actor, action: Action, resource: Resource): Promise<void> {
    const decision = await this.decide(actor, action, resource)
    if (decision !== 'allow') throw this.refusal(action, decision)
  }

  refusal (action: Action, decision: Exclude<Decision, 'allow'>): AppError {
    const rule: Rule = RULES[action]
    if (rule.hidden !== undefined || decision === 'missing') return notFound(bilingual(rule.hidden ?? NOT_FOUND))
    return forbidden(bilingual(rule.refusal))
  }

  /** The thing's event, course and owner; undefined when it does not exist. */
  async #subject (actor: Actor, resource: Resource): Promise<Subject | undefined> {
    const db = this.db
    switch (resource.kind) {
      case 'any-event': return {}
      case 'self': return actor === null ? {} : { personId: actor.personId }
      case 'event': return await repo.eventExists(db, resource.eventId) ? { eventId: resource.eventId } : undefined
      case 'course': return await repo.courseExists(db, resource.contextId) ? { contextId: resource.contextId } : undefined
      case 'session': return inEvent(await repo.eventOf(db, 'sessions', resource.sessionId))
      case 'attendance': {
        const eventId = await repo.eventOf(db, 'time_slots', resource.slotId)
        return eventId === undefined || !await repo.personExists(db, resource.personId) ? undefined : { eventId, personId: resource.personId }
      }
      case 'person': return await repo.personExists(db, resource.personId) ? { personId: resource.personId } : undefined
      case 'excuse': return await repo.excuse(db, resource.excuseId)
      case 'attestation': {
        const row = await repo.attestation(db, resource.attestationId)
        return row === undefined ? undefined : { eventId: row.eventId, ...(row.personId === null ? {} : { personId: row.personId }) }
      }
      case 'attestation-request': return inEvent(await repo.eventOf(db, 'attestation_requests', resource.requestId))
      case 'attestation-job': return inEvent(await repo.eventOf(db, 'attestation_jobs', resource.jobId))
      case 'deep-link-request': return ownedBy(await repo.ownerOf(db, 'lti_deep_link_requests', resource.requestId))
      case 'role-invitation': return ownedBy(await repo.ownerOf(db, 'role_invitations', resource.invitationId))
      case 'submission': {
        const row = await repo.submission(db, resource.submissionId)
        return row === undefined || row.contextId !== resource.contextId ? undefined : { personId: row.authorId, contextId: row.contextId }
      }
    }
  }
}
