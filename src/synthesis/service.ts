import { createHash } from 'node:crypto'
import type { Readable } from 'node:stream'
import { SYNTHESIS_STUDENTS, type AccessPolicy } from '../access/policy.js'
import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import { AppError, badRequest, forbidden, notFound, type Bilingual } from '../errors.js'
import type { FileStore } from '../files/store.js'
import { bilingual, sentence } from '../views/i18n.js'
import type { GradeOutbox } from '../lti/outbox.js'
import type { LtiService } from '../lti/service.js'
import { isCreditedLearner } from '../lti/roles.js'
import * as repo from './repository.js'
import { inBoth, when } from './wording.js'
import { FILE_KINDS, rubricMaximum, type AllowedKind, type Assignment, type AssignmentSettings, type GradeInput, type Receipt, type Rubric, type StudentStatus } from './schemas.js'

/** One part of a multipart hand-in, as the route hands it over (no HTTP types here). */
export type HandInPart =
  | { type: 'field', name: string, value: string }
  | { type: 'file', name: string, filename: string, stream: Readable }

/** Multipart parser limits for one hand-in, derived from the assignment's settings. */
export interface HandInLimits { fileSize: number, files: number, fieldSize: number, fields: number }

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

export interface RosterEntry {
  personId: string
  name: string
  email: string | null
  status: StudentStatus
  latest: { submissionId: string, version: number, submittedAt: Date, late: boolean } | null
  grade: { score: number | null, state: 'draft' | 'published' } | null
  extensionDueAt: Date | null
}

const MAX_TEXT = 100_000

/** Why someone who is not a learner of the course cannot hand in (pages and API say the same). */
export const NOT_A_STUDENT: Bilingual = SYNTHESIS_STUDENTS

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex')
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

/**
 * The Friday synthesis of a course: its settings, students' drafts and hand-ins (every version
 * kept, receipts with hashes), grading with an audit trail, and the LMS gradebook through the
 * grade outbox (Submitted/PendingManual on hand-in, FullyGraded on publication).
 */
export class SynthesisService {
  constructor (
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly files: FileStore,
    private readonly outbox: GradeOutbox,
    private readonly lti: LtiService,
    private readonly access: AccessPolicy
  ) {}

  /** The course's assignment, created from the program's synthesis session on first use. */
  async assignment (contextId: string): Promise<Assignment> {
    return toAssignment(await this.#assignmentRow(contextId))
  }

  async #assignmentRow (contextId: string): Promise<repo.AssignmentRow> {
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

  /** The assignment as its reader sees it: instructors, or a student with their own window. */
  async overview (personId: string, contextId: string): Promise<{ role: 'instructor' | 'student', assignment: Assignment, window: SubmissionWindow | null }> {
    const instructor = await this.lti.teaches(personId, contextId)
    if (!instructor) await this.learnerMembership(personId, contextId)
    return { role: instructor ? 'instructor' : 'student', assignment: await this.assignment(contextId), window: instructor ? null : await this.window(personId, contextId) }
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

  async updateSettings (personId: string, contextId: string, settings: AssignmentSettings): Promise<Assignment> {
    await this.assertInstructor(personId, contextId)
    const current = toAssignment(await this.#assignmentRow(contextId))
    const next: Assignment = {
      ...current,
      ...(settings.title !== undefined ? { title: settings.title } : {}),
      ...(settings.instructions !== undefined ? { instructions: settings.instructions } : {}),
      ...(settings.opensAt !== undefined ? { opensAt: settings.opensAt } : {}),
      ...(settings.dueAt !== undefined ? { dueAt: settings.dueAt } : {}),
      ...(settings.graceMinutes !== undefined ? { graceMinutes: settings.graceMinutes } : {}),
      ...(settings.acceptLate !== undefined ? { acceptLate: settings.acceptLate } : {}),
      ...(settings.lateUntil !== undefined ? { lateUntil: settings.lateUntil } : {}),
      ...(settings.maxPoints !== undefined ? { maxPoints: settings.maxPoints } : {}),
      ...(settings.allowedTypes !== undefined ? { allowedTypes: [...new Set(settings.allowedTypes)] } : {}),
      ...(settings.maxFileMegabytes !== undefined ? { maxFileBytes: Math.round(settings.maxFileMegabytes * 1024 * 1024) } : {}),
      ...(settings.maxFiles !== undefined ? { maxFiles: settings.maxFiles } : {}),
      ...(settings.rubric !== undefined ? { rubric: settings.rubric } : {})
    }
    if (next.dueAt <= next.opensAt) throw badRequest(bilingual('synthesis.dueBeforeOpening'))
    if (next.lateUntil !== null && next.lateUntil <= next.dueAt) throw badRequest(bilingual('synthesis.lateLimitBeforeDue'))
    if (next.maxFileBytes < 1024) throw badRequest(bilingual('synthesis.fileSizeTooSmall'))
    if (next.rubric !== null && settings.maxPoints === undefined) next.maxPoints = rubricMaximum(next.rubric)
    if (next.rubric !== null && rubricMaximum(next.rubric) !== next.maxPoints) {
      throw badRequest(bilingual('synthesis.rubricMaximumMismatch', { rubricMaximum: rubricMaximum(next.rubric), maxPoints: next.maxPoints }))
    }
    await repo.updateAssignment(this.db, current.id, {
      title: next.title,
      instructions_fr: next.instructions.fr,
      instructions_en: next.instructions.en,
      opens_at: next.opensAt,
      due_at: next.dueAt,
      grace_minutes: next.graceMinutes,
      accept_late: next.acceptLate,
      late_until: next.acceptLate ? next.lateUntil : null,
      max_points: next.maxPoints,
      allowed_types: JSON.stringify(next.allowedTypes),
      max_file_bytes: next.maxFileBytes,
      max_files: next.maxFiles,
      rubric: next.rubric === null ? null : JSON.stringify(next.rubric),
      updated_by: personId,
      updated_at: this.clock.now()
    })
    return await this.assignment(contextId)
  }

  async grantExtension (instructorId: string, contextId: string, studentId: string, dueAt: Date | null, reason: string | null): Promise<void> {
    await this.assertInstructor(instructorId, contextId)
    const assignment = await this.assignment(contextId)
    await this.#assertStudentOf(contextId, studentId)
    if (dueAt === null) {
      await repo.deleteExtension(this.db, assignment.id, studentId)
      return
    }
    if (dueAt <= assignment.opensAt) throw badRequest(bilingual('synthesis.newDueBeforeOpening'))
    await repo.upsertExtension(this.db, { assignment_id: assignment.id, person_id: studentId, due_at: dueAt, reason, granted_by: instructorId, granted_at: this.clock.now() })
  }

  async #assertStudentOf (contextId: string, studentId: string): Promise<repo.Member> {
    const student = (await this.#learners(contextId)).find(m => m.person_id === studentId)
    if (student === undefined) throw notFound(bilingual('synthesis.notAStudentHere'))
    return student
  }

  /** The student's window right now (extension included). */
  async window (personId: string, contextId: string): Promise<SubmissionWindow> {
    const assignment = await this.assignment(contextId)
    const extension = await repo.extensionOf(this.db, assignment.id, personId)
    return windowAt(assignment, extension?.due_at ?? null, this.clock.now())
  }

  async draft (personId: string, contextId: string): Promise<{ text: string, savedAt: Date } | null> {
    await this.learnerMembership(personId, contextId)
    const assignment = await this.assignment(contextId)
    const draft = await repo.draftOf(this.db, assignment.id, personId)
    return draft === undefined ? null : { text: draft.text, savedAt: draft.saved_at }
  }

  async saveDraft (personId: string, contextId: string, text: string): Promise<{ savedAt: Date }> {
    await this.learnerMembership(personId, contextId)
    const assignment = await this.assignment(contextId)
    const savedAt = this.clock.now()
    await repo.saveDraft(this.db, { assignment_id: assignment.id, person_id: personId, text, saved_at: savedAt })
    return { savedAt }
  }

  /**
   * Checks everything that does not need the body: called before the first byte of a hand-in
   * is read, so a refused student uploads nothing.
   */
  async prepareHandIn (personId: string, contextId: string): Promise<{ assignment: Assignment, window: SubmissionWindow, receivedAt: Date, userSub: string }> {
    const { userSub } = await this.learnerMembership(personId, contextId)
    const row = await this.#assignmentRow(contextId)
    const assignment = toAssignment(row)
    const extension = await repo.extensionOf(this.db, assignment.id, personId)
    const receivedAt = this.clock.now()
    const window = windowAt(assignment, extension?.due_at ?? null, receivedAt)
    const zone = await repo.eventTimezone(this.db, row.event_id)
    if (window.state === 'not_open') {
      const text = inBoth('synthesis.handInNotOpen', locale => ({ date: when(window.opensAt, zone, locale) }))
      throw new AppError('conflict', { fr: sentence(text.fr), en: sentence(text.en) }, { opensAt: window.opensAt.toISOString() })
    }
    if (window.state === 'closed') {
      const closed = window.closesAt ?? window.dueAt
      const text = inBoth(assignment.acceptLate ? 'synthesis.closedSince' : 'synthesis.handInClosedNoLate', locale => ({ date: when(closed, zone, locale) }))
      throw new AppError('conflict', { fr: sentence(text.fr), en: sentence(text.en) }, { closedAt: closed.toISOString() })
    }
    return { assignment, window, receivedAt, userSub }
  }

  /**
   * A hand-in: text and/or files, streamed into the file store. The version, its files and the
   * LMS status (Submitted/PendingManual) are committed together; on any failure — refused file,
   * too big, dropped connection — every received byte is discarded and nothing is recorded.
   * `keep` fields name files of the previous version (by position) carried into this one.
   */
  async handIn (personId: string, contextId: string, openParts: (limits: HandInLimits) => AsyncIterable<HandInPart>): Promise<Receipt> {
    const { assignment, window, receivedAt, userSub } = await this.prepareHandIn(personId, contextId)
    // The parser's own limits sit just above ours, so our clearer refusals come first.
    const parts = openParts({ fileSize: assignment.maxFileBytes + 1, files: assignment.maxFiles + 1, fieldSize: MAX_TEXT * 4 + 1024, fields: 50 })
    const received: Array<{ id: string, filename: string }> = []
    const keep = new Set<number>()
    let text: string | null = null
    try {
      for await (const part of parts) {
        if (part.type === 'field') {
          if (part.name === 'text') text = part.value
          else if (part.name === 'keep') {
            const position = Number(part.value)
            if (!Number.isInteger(position) || position < 0) throw badRequest(bilingual('synthesis.unknownFileToKeep'))
            keep.add(position)
          }
          continue
        }
        if (received.length + keep.size >= assignment.maxFiles) {
          part.stream.resume()
          throw new AppError('payload_too_large', bilingual('synthesis.tooManyFiles', { max: assignment.maxFiles }))
        }
        const file = await this.files.receive(part.stream, { maxBytes: assignment.maxFileBytes, allowed: assignment.allowedTypes })
        received.push({ id: file.id, filename: cleanFilename(part.filename, file.kind) })
      }
      if (text !== null && text.length > MAX_TEXT) throw badRequest(bilingual('synthesis.textTooLong', { max: MAX_TEXT }))
      if (text?.trim() === '') text = null
      if (text === null && received.length === 0 && keep.size === 0) {
        throw badRequest(bilingual('synthesis.handInEmpty'))
      }
      return await this.db.transaction().execute(async trx => {
        await repo.lockStudent(trx, assignment.id, personId)
        const previous = (await repo.submissionsOf(trx, assignment.id, personId))[0]
        const kept = previous === undefined ? [] : (await repo.filesOf(trx, [previous.id])).filter(f => keep.has(f.position))
        if (kept.length !== keep.size) throw badRequest(bilingual('synthesis.keptFileMissing'))
        const submission = await repo.insertSubmission(trx, {
          assignment_id: assignment.id,
          person_id: personId,
          text,
          text_sha256: text === null ? null : sha256(text),
          submitted_at: receivedAt,
          late: window.state === 'late',
          due_at: window.dueAt
        })
        await this.files.markStored(trx, received.map(r => r.id))
        await repo.insertSubmissionFiles(trx, [
          ...kept.map((f, i) => ({ submission_id: submission.id, position: i, file_id: f.file_id, filename: f.filename })),
          ...received.map((r, i) => ({ submission_id: submission.id, position: kept.length + i, file_id: r.id, filename: r.filename }))
        ])
        // After a published grade, a new version keeps that grade in the LMS (marked as waiting
        // for grading again) rather than wiping it: the student's grade never silently disappears.
        const published = await repo.gradeOf(trx, assignment.id, personId)
        const standing = published?.state === 'published' && published.score !== null
          ? { scoreGiven: published.score, ...(published.feedback.trim() === '' ? {} : { comment: published.feedback }) }
          : {}
        await this.outbox.enqueue({
          contextId,
          lineItem: 'synthese',
          userSub,
          personId,
          score: { ...standing, scoreMaximum: assignment.maxPoints, activityProgress: 'Submitted', gradingProgress: 'PendingManual' },
          givenAt: receivedAt
        }, trx)
        const files = await repo.filesOf(trx, [submission.id])
        return receiptOf(submission, files)
      })
    } catch (err) {
      await this.files.discard(received.map(r => r.id))
      throw err
    }
  }

  /** A student's own versions, newest first, with their published grade. */
  async mine (personId: string, contextId: string): Promise<{ assignment: Assignment, window: SubmissionWindow, versions: Version[], grade: repo.GradeRow | null, draft: { text: string, savedAt: Date } | null }> {
    await this.learnerMembership(personId, contextId)
    const assignment = await this.assignment(contextId)
    const [versions, grade, draft, window] = [await this.#versions(assignment.id, personId), await repo.gradeOf(this.db, assignment.id, personId), await repo.draftOf(this.db, assignment.id, personId), await this.window(personId, contextId)]
    return { assignment, window, versions, grade: grade?.state === 'published' ? grade : null, draft: draft === undefined ? null : { text: draft.text, savedAt: draft.saved_at } }
  }

  async #versions (assignmentId: string, personId: string): Promise<Version[]> {
    const submissions = await repo.submissionsOf(this.db, assignmentId, personId)
    const files = await repo.filesOf(this.db, submissions.map(s => s.id))
    return submissions.map(s => ({ ...receiptOf(s, files.filter(f => f.submission_id === s.id)), textBody: s.text }))
  }

  /** Every learner of the course with their hand-in and grade state (the instructor's list). */
  async roster (instructorId: string, contextId: string): Promise<{ assignment: Assignment, students: RosterEntry[] }> {
    await this.assertInstructor(instructorId, contextId)
    const assignment = await this.assignment(contextId)
    const [members, latest, grades, extensions] = [await this.#learners(contextId), await repo.latestSubmissions(this.db, assignment.id), await repo.grades(this.db, assignment.id), await repo.extensions(this.db, assignment.id)]
    const extended = new Map(extensions.map(e => [e.person_id, e.due_at]))
    const students = members.map(m => {
      const last = latest.get(m.person_id)
      const grade = grades.get(m.person_id)
      // Graded means the latest version was graded: a version handed in after the grade waits for a regrade.
      const gradedLatest = grade?.state === 'published' && (last === undefined || grade.submission_id === last.id)
      const status: StudentStatus = gradedLatest ? 'graded' : last === undefined ? 'not_submitted' : last.late ? 'late' : 'submitted'
      return {
        personId: m.person_id,
        name: m.display_name,
        email: m.email,
        status,
        latest: last === undefined ? null : { submissionId: last.id, version: last.version, submittedAt: last.submitted_at, late: last.late },
        grade: grade === undefined ? null : { score: grade.score, state: grade.state },
        extensionDueAt: extended.get(m.person_id) ?? null
      }
    })
    return { assignment, students }
  }

  /** One student's work for grading: every version, the grade (draft or published) and its history. */
  async studentWork (instructorId: string, contextId: string, studentId: string): Promise<{ assignment: Assignment, student: { personId: string, name: string, email: string | null }, versions: Version[], grade: repo.GradeRow | null, history: Awaited<ReturnType<typeof repo.gradeHistory>>, window: SubmissionWindow }> {
    await this.assertInstructor(instructorId, contextId)
    const assignment = await this.assignment(contextId)
    const student = await this.#assertStudentOf(contextId, studentId)
    const extension = await repo.extensionOf(this.db, assignment.id, studentId)
    return {
      assignment,
      student: { personId: student.person_id, name: student.display_name, email: student.email },
      versions: await this.#versions(assignment.id, studentId),
      grade: (await repo.gradeOf(this.db, assignment.id, studentId)) ?? null,
      history: await repo.gradeHistory(this.db, assignment.id, studentId),
      window: windowAt(assignment, extension?.due_at ?? null, this.clock.now())
    }
  }

  /**
   * Saves a grade as a draft or publishes it. The score comes from the rubric levels when a
   * rubric is used, else from the number given. Publishing queues the score, maximum and
   * feedback for the LMS (FullyGraded) in the same transaction; every change is audited.
   */
  async grade (instructorId: string, contextId: string, studentId: string, input: GradeInput): Promise<repo.GradeRow> {
    await this.assertInstructor(instructorId, contextId)
    const assignment = await this.assignment(contextId)
    const student = await this.#assertStudentOf(contextId, studentId)
    const score = scoreOf(assignment, input)
    return await this.db.transaction().execute(async trx => {
      await repo.lockStudent(trx, assignment.id, studentId)
      const before = await repo.gradeOf(trx, assignment.id, studentId)
      const latest = (await repo.submissionsOf(trx, assignment.id, studentId))[0]
      const now = this.clock.now()
      const publish = input.publish
      const next: repo.GradeRow = {
        person_id: studentId,
        submission_id: latest?.id ?? null,
        score: score.score,
        rubric_levels: score.rubricLevels,
        feedback: input.feedback,
        // A published grade stays published: saving a draft over it would leave the LMS with a grade Compagnon no longer shows.
        state: publish || before?.state === 'published' ? 'published' : 'draft',
        graded_by: instructorId,
        updated_at: now,
        published_at: publish ? now : before?.published_at ?? null
      }
      if (next.state === 'published' && next.score === null) throw badRequest(bilingual('synthesis.scoreBeforePublishing'))
      await repo.upsertGrade(trx, assignment.id, next)
      await repo.insertGradeHistory(trx, { assignment_id: assignment.id, person_id: studentId, action: next.state === 'published' ? 'publish' : 'draft', before: before === undefined ? null : auditOf(before), after: auditOf(next), changed_by: instructorId, changed_at: now })
      if (next.state === 'published') await this.#queueGrade(trx, contextId, assignment, student, next, now)
      return next
    })
  }

  /** Publishes the saved drafts of several students at once; returns how many were published. */
  async publishMany (instructorId: string, contextId: string, studentIds: string[]): Promise<{ published: number, skipped: Array<{ personId: string, reason: string }> }> {
    await this.assertInstructor(instructorId, contextId)
    const assignment = await this.assignment(contextId)
    const members = new Map((await this.#learners(contextId)).map(m => [m.person_id, m]))
    const skipped: Array<{ personId: string, reason: string }> = []
    let published = 0
    for (const studentId of [...new Set(studentIds)]) {
      const student = members.get(studentId)
      if (student === undefined) { skipped.push({ personId: studentId, reason: 'not a student in this course' }); continue }
      const done = await this.db.transaction().execute(async trx => {
        await repo.lockStudent(trx, assignment.id, studentId)
        const before = await repo.gradeOf(trx, assignment.id, studentId)
        if (before === undefined || before.score === null) return 'no saved score to publish'
        if (before.state === 'published') return 'already published'
        const now = this.clock.now()
        const next: repo.GradeRow = { ...before, state: 'published', graded_by: instructorId, updated_at: now, published_at: now }
        await repo.upsertGrade(trx, assignment.id, next)
        await repo.insertGradeHistory(trx, { assignment_id: assignment.id, person_id: studentId, action: 'publish', before: auditOf(before), after: auditOf(next), changed_by: instructorId, changed_at: now })
        await this.#queueGrade(trx, contextId, assignment, student, next, now)
        return null
      })
      if (done === null) published++
      else skipped.push({ personId: studentId, reason: done })
    }
    return { published, skipped }
  }

  async #queueGrade (trx: Db, contextId: string, assignment: Assignment, student: repo.Member, grade: repo.GradeRow, now: Date): Promise<void> {
    await this.outbox.enqueue({
      contextId,
      lineItem: 'synthese',
      userSub: student.user_sub,
      personId: student.person_id,
      score: {
        scoreGiven: grade.score ?? 0,
        scoreMaximum: assignment.maxPoints,
        ...(grade.feedback.trim() === '' ? {} : { comment: grade.feedback }),
        activityProgress: 'Completed',
        gradingProgress: 'FullyGraded'
      },
      givenAt: now
    }, trx)
  }

  /** The time zone of the course's event: pages and receipts show times there. */
  async timezone (contextId: string): Promise<string> {
    return await repo.eventTimezone(this.db, (await this.#assignmentRow(contextId)).event_id)
  }

  async courseTitle (contextId: string): Promise<string> {
    return await repo.courseTitle(this.db, contextId)
  }

  /** Courses where the person hands in a synthesis (learner of a course tied to an event). */
  /** Courses where the person hands in or grades the synthesis (learner or instructor in the LMS). */
  async coursesOf (personId: string): Promise<Array<{ id: string, title: string }>> {
    const taught = (await this.lti.taughtCourses(personId)).map(c => ({ id: c.id, title: c.title }))
    const learning = await this.learnerCourses(personId)
    return [...learning, ...taught.filter(c => learning.every(l => l.id !== c.id))]
  }

  async learnerCourses (personId: string): Promise<Array<{ id: string, title: string }>> {
    return (await repo.activeCoursesOf(this.db, personId)).filter(c => isCreditedLearner(c.roles)).map(c => ({ id: c.id, title: c.title }))
  }

  /** The course's credited students (the strict LTI role table, src/lti/roles.ts), from its roster. */
  async #learners (contextId: string): Promise<repo.Member[]> {
    return (await repo.activeMembers(this.db, contextId)).filter(m => isCreditedLearner(m.roles))
  }

  /** A student's extension with its reason, for instructors. */
  async extension (instructorId: string, contextId: string, studentId: string): Promise<{ dueAt: Date, reason: string | null } | null> {
    await this.assertInstructor(instructorId, contextId)
    const assignment = await this.assignment(contextId)
    const row = await repo.extensionOf(this.db, assignment.id, studentId)
    return row === undefined ? null : { dueAt: row.due_at, reason: row.reason }
  }

  /** One version's receipt, for its author or an instructor of the course. */
  async receipt (personId: string, contextId: string, submissionId: string): Promise<{ assignment: Assignment, version: Version, student: string, course: string, zone: string }> {
    const row = await repo.findAssignment(this.db, contextId)
    const submission = await repo.findSubmission(this.db, submissionId)
    if (row === undefined || submission === undefined || submission.assignment_id !== row.id) throw notFound(bilingual('synthesis.receiptNotFound'))
    if (submission.person_id !== personId) await this.assertInstructor(personId, contextId)
    const files = await repo.filesOf(this.db, [submission.id])
    return {
      assignment: toAssignment(row),
      version: { ...receiptOf(submission, files), textBody: submission.text },
      student: await repo.personName(this.db, submission.person_id),
      course: await repo.courseTitle(this.db, contextId),
      zone: await repo.eventTimezone(this.db, row.event_id)
    }
  }

  /**
   * A stored file of a hand-in, for its author or an instructor of the course. The stream
   * checks the bytes against the receipt's SHA-256 as it is read.
   */
  async file (personId: string, contextId: string, submissionId: string, position: number): Promise<{ filename: string, mediaType: string, size: number, sha256: string, stream: Readable }> {
    const assignment = await repo.findAssignment(this.db, contextId)
    const submission = await repo.findSubmission(this.db, submissionId)
    const missing = notFound(bilingual('synthesis.fileNotFound'))
    if (assignment === undefined || submission === undefined || submission.assignment_id !== assignment.id) throw missing
    if (submission.person_id !== personId) await this.assertInstructor(personId, contextId)
    const file = (await repo.filesOf(this.db, [submission.id])).find(f => f.position === position)
    if (file === undefined) throw missing
    const opened = await this.files.open(file.file_id)
    return { filename: file.filename, mediaType: file.media_type, size: file.size, sha256: file.sha256, stream: opened.stream }
  }
}

function receiptOf (s: repo.SubmissionRow, files: repo.SubmissionFileRow[]): Receipt {
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

/** Keeps the name a student gave (for the grader), without paths or control characters. */
function cleanFilename (name: string, kind: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  const base = name.split(/[\\/]/).pop()?.replace(/[\u0000-\u001f\u007f"]/g, '').trim().slice(0, 200) ?? ''
  if (base === '') return `fichier.${kind}`
  return base.toLowerCase().endsWith(`.${kind}`) ? base : `${base}.${kind}`
}

function scoreOf (a: Assignment, input: GradeInput): { score: number | null, rubricLevels: Record<string, string> | null } {
  if (input.rubricLevels !== undefined && Object.keys(input.rubricLevels).length > 0) {
    if (a.rubric === null) throw badRequest(bilingual('synthesis.noRubric'))
    let total = 0
    for (const criterion of a.rubric.criteria) {
      const chosen = input.rubricLevels[criterion.id]
      if (chosen === undefined) throw badRequest(inBoth('synthesis.chooseLevel', locale => ({ criterion: criterion.title[locale] })))
      const level = criterion.levels.find(l => l.id === chosen)
      if (level === undefined) throw badRequest(inBoth('synthesis.unknownLevel', locale => ({ criterion: criterion.title[locale] })))
      total += level.points
    }
    const unknown = Object.keys(input.rubricLevels).filter(id => a.rubric?.criteria.every(c => c.id !== id))
    if (unknown.length > 0) throw badRequest(bilingual('synthesis.unknownCriteria', { count: unknown.length, ids: unknown.join(', ') }))
    if (input.score !== undefined && input.score !== total) throw badRequest(bilingual('synthesis.scoreMismatch', { score: input.score, total }))
    return { score: total, rubricLevels: input.rubricLevels }
  }
  if (input.score !== undefined && input.score > a.maxPoints) throw badRequest(bilingual('synthesis.scoreAboveMaximum', { maxPoints: a.maxPoints }))
  return { score: input.score ?? null, rubricLevels: null }
}

const auditOf = (g: repo.GradeRow): object => ({ score: g.score, rubricLevels: g.rubric_levels, feedback: g.feedback, state: g.state, submissionId: g.submission_id })
