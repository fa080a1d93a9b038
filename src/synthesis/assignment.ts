// What hand-in (hand-in.ts) and grading (grading.ts) both rest on: which assignment a course has,
// when a student's hand-in is on time, late or refused, who the course's students are, and
// how a stored version reads. One place, so the two sides never disagree.
import { SYNTHESIS_STUDENTS, type AccessPolicy } from '../access/policy.js'
import type { Db } from '../db/database.js'
import { forbidden, notFound, type Bilingual } from '../errors.js'
import { bilingual } from '../views/i18n.js'
import type { LtiService } from '../lti/service.js'
import { isCreditedLearner } from '../lti/roles.js'
import * as repo from './repository.js'
import { FILE_KINDS, type AllowedKind, type Assignment, type Receipt, type Rubric } from './schemas.js'

export interface SubmissionWindow {
  state: 'not_open' | 'open' | 'late' | 'closed'
  opensAt: Date
  dueAt: Date
  closesAt: Date | null
  extended: boolean
}

export interface Version extends Receipt {
  textBody: string | null
}

/** Why someone who is not a learner of the course cannot hand in (pages and API say the same). */
export const NOT_A_STUDENT: Bilingual = SYNTHESIS_STUDENTS

const minutes = (n: number): number => n * 60_000

export function toAssignment (row: repo.AssignmentRow): Assignment {
  return {
    id: row.id,
    contextId: row.context_id,
    title: row.title,
    instructions: { fr: row.instructions_fr, en: row.instructions_en },
    opensAt: row.opens_at,
    dueAt: row.due_at,
    graceMinutes: row.grace_minutes,
    acceptLate: row.accept_late,
    lateUntil: row.late_until,
    maxPoints: Number(row.max_points),
    allowedTypes: (row.allowed_types as string[]).filter((k): k is AllowedKind => (FILE_KINDS as readonly string[]).includes(k)),
    maxFileBytes: Number(row.max_file_bytes),
    maxFiles: row.max_files,
    rubric: row.rubric as Rubric | null
  }
}

/**
 * Whether a hand-in made at `at` is accepted, on time or late. The due time is the student's
 * extension when one was granted; the grace period follows it; late work (when accepted) runs
 * until `lateUntil`, moved by as much as the extension moved the due time.
 */
export function windowAt (a: Assignment, extensionDueAt: Date | null, at: Date): SubmissionWindow {
  const dueAt = extensionDueAt ?? a.dueAt
  const graceEnd = new Date(dueAt.getTime() + minutes(a.graceMinutes))
  const shift = dueAt.getTime() - a.dueAt.getTime()
  const closesAt = a.acceptLate ? (a.lateUntil === null ? null : new Date(Math.max(a.lateUntil.getTime() + shift, graceEnd.getTime()))) : graceEnd
  const state = at < a.opensAt
    ? 'not_open'
    : at <= graceEnd ? 'open' : closesAt === null || at <= closesAt ? 'late' : 'closed'
  return { state, opensAt: a.opensAt, dueAt, closesAt, extended: extensionDueAt !== null }
}

export function receiptOf (s: repo.SubmissionRow, files: repo.SubmissionFileRow[]): Receipt {
  return {
    submissionId: s.id,
    version: s.version,
    submittedAt: s.submitted_at,
    late: s.late,
    dueAt: s.due_at,
    text: s.text === null || s.text_sha256 === null ? null : { characters: [...s.text].length, sha256: s.text_sha256 },
    files: files.map(f => ({ position: f.position, filename: f.filename, mediaType: f.media_type, size: f.size, sha256: f.sha256 }))
  }
}

/**
 * A course's synthesis assignment and its people, as both sides read them: built once in
 * src/services.ts and handed to the hand-in and grading services.
 */
export class Assignments {
  constructor (
    private readonly db: Db,
    private readonly lti: LtiService,
    private readonly access: AccessPolicy
  ) {}

  /** The course's assignment, created from the program's synthesis session on first use. */
  async assignment (contextId: string): Promise<Assignment> {
    return toAssignment(await this.assignmentRow(contextId))
  }

  async assignmentRow (contextId: string): Promise<repo.AssignmentRow> {
    const existing = await repo.findAssignment(this.db, contextId)
    if (existing !== undefined) return existing
    const eventId = await this.lti.courseEvent(contextId)
    if (eventId === null) throw notFound(bilingual('synthesis.notTiedToEvent'))
    const session = await repo.synthesisSession(this.db, eventId)
    if (session === undefined) throw notFound(bilingual('synthesis.noSynthesisSession'))
    return await repo.insertAssignment(this.db, {
      context_id: contextId,
      event_id: eventId,
      session_id: session.id,
      title: session.title,
      instructions_fr: session.description ?? '',
      instructions_en: '',
      opens_at: session.starts_at,
      due_at: session.ends_at
    })
  }

  /** The time zone of the course's event: pages and receipts show times there. */
  async timezone (contextId: string): Promise<string> {
    return await repo.eventTimezone(this.db, (await this.assignmentRow(contextId)).event_id)
  }

  async courseTitle (contextId: string): Promise<string> {
    return await repo.courseTitle(this.db, contextId)
  }

  /** 403 unless the person teaches this course in the LMS. */
  async assertInstructor (personId: string, contextId: string): Promise<void> {
    await this.access.assert({ personId }, 'course.teach', { kind: 'course', contextId })
  }

  /** The person's place in the course: a learner (credited student) may hand in; others are told why not. */
  async learnerMembership (personId: string, contextId: string): Promise<{ userSub: string }> {
    const member = await repo.membership(this.db, contextId, personId)
    if (member === undefined || !isCreditedLearner(member.roles)) {
      throw forbidden(NOT_A_STUDENT)
    }
    return { userSub: member.user_sub }
  }

  /** The course's credited students (the strict LTI role table, src/lti/roles.ts), from its roster. */
  async learners (contextId: string): Promise<repo.Member[]> {
    return (await repo.activeMembers(this.db, contextId)).filter(m => isCreditedLearner(m.roles))
  }

  async assertStudentOf (contextId: string, studentId: string): Promise<repo.Member> {
    const student = (await this.learners(contextId)).find(m => m.person_id === studentId)
    if (student === undefined) throw notFound(bilingual('synthesis.notAStudentHere'))
    return student
  }

  /** A student's versions, newest first, each with its receipt and text. */
  async versions (assignmentId: string, personId: string): Promise<Version[]> {
    const submissions = await repo.submissionsOf(this.db, assignmentId, personId)
    const files = await repo.filesOf(this.db, submissions.map(s => s.id))
    return submissions.map(s => ({ ...receiptOf(s, files.filter(f => f.submission_id === s.id)), textBody: s.text }))
  }
}
