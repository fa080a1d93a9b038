// What a student does with the course's synthesis: sees the assignment and their window, keeps
// a draft, hands in (and replaces) versions, reads their receipts and files. Grading is in
// grading.ts; what both share (which assignment, the deadline rule) is in assignment.ts.
import { createHash } from 'node:crypto'
import type { Readable } from 'node:stream'
import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import { AppError, badRequest, notFound } from '../errors.js'
import type { FileStore } from '../files/store.js'
import { bilingual, sentence } from '../views/i18n.js'
import type { GradeOutbox } from '../lti/outbox.js'
import type { LtiService } from '../lti/service.js'
import type { PeopleService } from '../people/service.js'
import { isCreditedLearner } from '../lti/roles.js'
import * as repo from './repository.js'
import { inBoth, when } from './wording.js'
import { receiptOf, toAssignment, windowAt, type Assignments, type SubmissionWindow, type Version } from './assignment.js'
import type { Assignment, Receipt } from './schemas.js'

/** One part of a multipart hand-in, as the route hands it over (no HTTP types here). */
export type HandInPart =
  | { type: 'field', name: string, value: string }
  | { type: 'file', name: string, filename: string, stream: Readable }

/** Multipart parser limits for one hand-in, derived from the assignment's settings. */
export interface HandInLimits { fileSize: number, files: number, fieldSize: number, fields: number }

const MAX_TEXT = 100_000

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex')

/**
 * A student's side of the Friday synthesis: drafts and hand-ins (every version kept, receipts
 * with hashes), and the LMS gradebook told of each hand-in (Submitted/PendingManual) through
 * the grade outbox.
 */
export class HandInService {
  constructor (
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly assignments: Assignments,
    private readonly files: FileStore,
    private readonly outbox: GradeOutbox,
    private readonly lti: LtiService,
    private readonly people: PeopleService
  ) {}

  /** The assignment as its reader sees it: instructors, or a student with their own window. */
  async overview (personId: string, contextId: string): Promise<{ role: 'instructor' | 'student', assignment: Assignment, window: SubmissionWindow | null }> {
    const instructor = await this.lti.teaches(personId, contextId)
    if (!instructor) await this.assignments.learnerMembership(personId, contextId)
    return {
      role: instructor ? 'instructor' : 'student',
      assignment: await this.assignments.assignment(contextId),
      window: instructor ? null : await this.window(personId, contextId)
    }
  }

  /** The student's window right now (extension included). */
  async window (personId: string, contextId: string): Promise<SubmissionWindow> {
    const assignment = await this.assignments.assignment(contextId)
    const extension = await repo.extensionOf(this.db, assignment.id, personId)
    return windowAt(assignment, extension?.due_at ?? null, this.clock.now())
  }

  async draft (personId: string, contextId: string): Promise<{ text: string, savedAt: Date } | null> {
    await this.assignments.learnerMembership(personId, contextId)
    const assignment = await this.assignments.assignment(contextId)
    const draft = await repo.draftOf(this.db, assignment.id, personId)
    return draft === undefined ? null : { text: draft.text, savedAt: draft.saved_at }
  }

  async saveDraft (personId: string, contextId: string, text: string): Promise<{ savedAt: Date }> {
    await this.assignments.learnerMembership(personId, contextId)
    const assignment = await this.assignments.assignment(contextId)
    const savedAt = this.clock.now()
    await repo.saveDraft(this.db, { assignment_id: assignment.id, person_id: personId, text, saved_at: savedAt })
    return { savedAt }
  }

  /**
   * Checks everything that does not need the body: called before the first byte of a hand-in
   * is read, so a refused student uploads nothing.
   */
  async prepareHandIn (personId: string, contextId: string): Promise<{ assignment: Assignment, window: SubmissionWindow, receivedAt: Date, userSub: string }> {
    const { userSub } = await this.assignments.learnerMembership(personId, contextId)
    const row = await this.assignments.assignmentRow(contextId)
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
  async mine (personId: string, contextId: string): Promise<{
    assignment: Assignment
    window: SubmissionWindow
    versions: Version[]
    grade: repo.GradeRow | null
    draft: { text: string, savedAt: Date } | null
  }> {
    await this.assignments.learnerMembership(personId, contextId)
    const assignment = await this.assignments.assignment(contextId)
    const [versions, grade, draft, window] = [
      await this.assignments.versions(assignment.id, personId),
      await repo.gradeOf(this.db, assignment.id, personId),
      await repo.draftOf(this.db, assignment.id, personId),
      await this.window(personId, contextId)
    ]
    return {
      assignment,
      window,
      versions,
      grade: grade?.state === 'published' ? grade : null,
      draft: draft === undefined ? null : { text: draft.text, savedAt: draft.saved_at }
    }
  }

  /** One version's receipt, for its author or an instructor of the course. */
  async receipt (personId: string, contextId: string, submissionId: string): Promise<{
    assignment: Assignment
    version: Version
    student: string
    course: string
    zone: string
  }> {
    const row = await repo.findAssignment(this.db, contextId)
    const submission = await repo.findSubmission(this.db, submissionId)
    if (row === undefined || submission === undefined || submission.assignment_id !== row.id) throw notFound(bilingual('synthesis.receiptNotFound'))
    if (submission.person_id !== personId) await this.assignments.assertInstructor(personId, contextId)
    const files = await repo.filesOf(this.db, [submission.id])
    return {
      assignment: toAssignment(row),
      version: { ...receiptOf(submission, files), textBody: submission.text },
      student: (await this.people.getPerson(submission.person_id)).displayName,
      course: await repo.courseTitle(this.db, contextId),
      zone: await repo.eventTimezone(this.db, row.event_id)
    }
  }

  /**
   * A stored file of a hand-in, for its author or an instructor of the course. The stream
   * checks the bytes against the receipt's SHA-256 as it is read.
   */
  async file (personId: string, contextId: string, submissionId: string, position: number): Promise<{
    filename: string
    mediaType: string
    size: number
    sha256: string
    stream: Readable
  }> {
    const assignment = await repo.findAssignment(this.db, contextId)
    const submission = await repo.findSubmission(this.db, submissionId)
    const missing = notFound(bilingual('synthesis.fileNotFound'))
    if (assignment === undefined || submission === undefined || submission.assignment_id !== assignment.id) throw missing
    if (submission.person_id !== personId) await this.assignments.assertInstructor(personId, contextId)
    const file = (await repo.filesOf(this.db, [submission.id])).find(f => f.position === position)
    if (file === undefined) throw missing
    const opened = await this.files.open(file.file_id)
    return { filename: file.filename, mediaType: file.media_type, size: file.size, sha256: file.sha256, stream: opened.stream }
  }

  /** Courses where the person hands in or grades the synthesis (learner or instructor in the LMS). */
  async coursesOf (personId: string): Promise<Array<{ id: string, title: string }>> {
    const taught = (await this.lti.taughtCourses(personId)).map(c => ({ id: c.id, title: c.title }))
    const learning = await this.learnerCourses(personId)
    return [...learning, ...taught.filter(c => learning.every(l => l.id !== c.id))]
  }

  async learnerCourses (personId: string): Promise<Array<{ id: string, title: string }>> {
    return (await repo.activeCoursesOf(this.db, personId)).filter(c => isCreditedLearner(c.roles)).map(c => ({ id: c.id, title: c.title }))
  }

  /** The time zone of the course's event: pages and receipts show times there. */
  async timezone (contextId: string): Promise<string> {
    return await this.assignments.timezone(contextId)
  }

  async courseTitle (contextId: string): Promise<string> {
    return await this.assignments.courseTitle(contextId)
  }
}

/** Keeps the name a student gave (for the grader), without paths or control characters. */
function cleanFilename (name: string, kind: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  const base = name.split(/[\\/]/).pop()?.replace(/[\u0000-\u001f\u007f"]/g, '').trim().slice(0, 200) ?? ''
  if (base === '') return `fichier.${kind}`
  return base.toLowerCase().endsWith(`.${kind}`) ? base : `${base}.${kind}`
}
