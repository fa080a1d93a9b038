// What an instructor does with the course's synthesis: sets it up, grants extensions, lists
// the students' hand-ins, grades them (rubric, feedback, audit trail) and publishes grades to
// the LMS gradebook. Hand-in is in hand-in.ts; what both share is in assignment.ts.
import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import { badRequest } from '../errors.js'
import { bilingual } from '../views/i18n.js'
import type { GradeOutbox } from '../lti/outbox.js'
import * as repo from './repository.js'
import { inBoth } from './wording.js'
import { toAssignment, windowAt, type Assignments, type SubmissionWindow, type Version } from './assignment.js'
import { rubricMaximum, type Assignment, type AssignmentSettings, type GradeInput, type StudentStatus } from './schemas.js'

export interface RosterEntry {
  personId: string
  name: string
  email: string | null
  status: StudentStatus
  latest: { submissionId: string, version: number, submittedAt: Date, late: boolean } | null
  grade: { score: number | null, state: 'draft' | 'published' } | null
  extensionDueAt: Date | null
}

/**
 * An instructor's side of the Friday synthesis: settings and extensions, the students' list,
 * grading with an audit trail, and the LMS gradebook through the grade outbox (FullyGraded on
 * publication).
 */
export class GradingService {
  constructor (
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly assignments: Assignments,
    private readonly outbox: GradeOutbox
  ) {}

  /** The course's assignment, created from the program's synthesis session on first use. */
  async assignment (contextId: string): Promise<Assignment> {
    return await this.assignments.assignment(contextId)
  }

  /** 403 unless the person teaches this course in the LMS. */
  async assertInstructor (personId: string, contextId: string): Promise<void> {
    await this.assignments.assertInstructor(personId, contextId)
  }

  /** The time zone of the course's event: pages show times there. */
  async timezone (contextId: string): Promise<string> {
    return await this.assignments.timezone(contextId)
  }

  async courseTitle (contextId: string): Promise<string> {
    return await this.assignments.courseTitle(contextId)
  }

  async updateSettings (personId: string, contextId: string, settings: AssignmentSettings): Promise<Assignment> {
    await this.assignments.assertInstructor(personId, contextId)
    const current = toAssignment(await this.assignments.assignmentRow(contextId))
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
    return await this.assignments.assignment(contextId)
  }

  async grantExtension (instructorId: string, contextId: string, studentId: string, dueAt: Date | null, reason: string | null): Promise<void> {
    await this.assignments.assertInstructor(instructorId, contextId)
    const assignment = await this.assignments.assignment(contextId)
    await this.assignments.assertStudentOf(contextId, studentId)
    if (dueAt === null) {
      await repo.deleteExtension(this.db, assignment.id, studentId)
      return
    }
    if (dueAt <= assignment.opensAt) throw badRequest(bilingual('synthesis.newDueBeforeOpening'))
    await repo.upsertExtension(this.db, {
      assignment_id: assignment.id,
      person_id: studentId,
      due_at: dueAt,
      reason,
      granted_by: instructorId,
      granted_at: this.clock.now()
    })
  }

  /** A student's extension with its reason, for instructors. */
  async extension (instructorId: string, contextId: string, studentId: string): Promise<{ dueAt: Date, reason: string | null } | null> {
    await this.assignments.assertInstructor(instructorId, contextId)
    const assignment = await this.assignments.assignment(contextId)
    const row = await repo.extensionOf(this.db, assignment.id, studentId)
    return row === undefined ? null : { dueAt: row.due_at, reason: row.reason }
  }

  /** Every learner of the course with their hand-in and grade state (the instructor's list). */
  async roster (instructorId: string, contextId: string): Promise<{ assignment: Assignment, students: RosterEntry[] }> {
    await this.assignments.assertInstructor(instructorId, contextId)
    const assignment = await this.assignments.assignment(contextId)
    const [members, latest, grades, extensions] = [
      await this.assignments.learners(contextId),
      await repo.latestSubmissions(this.db, assignment.id),
      await repo.grades(this.db, assignment.id),
      await repo.extensions(this.db, assignment.id)
    ]
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
  async studentWork (instructorId: string, contextId: string, studentId: string): Promise<{
    assignment: Assignment
    student: { personId: string, name: string, email: string | null }
    versions: Version[]
    grade: repo.GradeRow | null
    history: Awaited<ReturnType<typeof repo.gradeHistory>>
    window: SubmissionWindow
  }> {
    await this.assignments.assertInstructor(instructorId, contextId)
    const assignment = await this.assignments.assignment(contextId)
    const student = await this.assignments.assertStudentOf(contextId, studentId)
    const extension = await repo.extensionOf(this.db, assignment.id, studentId)
    return {
      assignment,
      student: { personId: student.person_id, name: student.display_name, email: student.email },
      versions: await this.assignments.versions(assignment.id, studentId),
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
    await this.assignments.assertInstructor(instructorId, contextId)
    const assignment = await this.assignments.assignment(contextId)
    const student = await this.assignments.assertStudentOf(contextId, studentId)
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
      await repo.insertGradeHistory(trx, {
        assignment_id: assignment.id,
        person_id: studentId,
        action: next.state === 'published' ? 'publish' : 'draft',
        before: before === undefined ? null : auditOf(before),
        after: auditOf(next),
        changed_by: instructorId,
        changed_at: now
      })
      if (next.state === 'published') await this.#queueGrade(trx, contextId, assignment, student, next, now)
      return next
    })
  }

  /** Publishes the saved drafts of several students at once; returns how many were published. */
  async publishMany (instructorId: string, contextId: string, studentIds: string[]): Promise<{
    published: number
    skipped: Array<{ personId: string, reason: string }>
  }> {
    await this.assignments.assertInstructor(instructorId, contextId)
    const assignment = await this.assignments.assignment(contextId)
    const members = new Map((await this.assignments.learners(contextId)).map(m => [m.person_id, m]))
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
        await repo.insertGradeHistory(trx, {
          assignment_id: assignment.id,
          person_id: studentId,
          action: 'publish',
          before: auditOf(before),
          after: auditOf(next),
          changed_by: instructorId,
          changed_at: now
        })
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

const auditOf = (g: repo.GradeRow): object => ({
  score: g.score,
  rubricLevels: g.rubric_levels,
  feedback: g.feedback,
  state: g.state,
  submissionId: g.submission_id
})
