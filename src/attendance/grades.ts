import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import type { GradeOutbox } from '../lti/outbox.js'
import { t } from '../views/i18n.js'
import type { AttendanceBook } from './book.js'
import * as repo from './repository.js'

/**
 * The attendance grade in the LMS: for each learner of a course, the policy's grade goes to the
 * "Présence" line item through the grade outbox, only when its score, comment or progress changed
 * since the last one sent.
 */
export class AttendanceGrades {
  constructor (private readonly db: Db, private readonly clock: Clock, private readonly book: AttendanceBook, private readonly outbox: GradeOutbox) {}

  /** Queues changed grades for one course; returns how many were queued. */
  async syncCourse (contextId: string): Promise<number> {
    return await this.#sync(await this.outbox.gradedCourses(contextId))
  }

  /** Every course tied to an event with a grade service (the background job). */
  async syncAll (): Promise<number> {
    return await this.#sync(await this.outbox.gradedCourses())
  }

  /** The courses and whether their events were purged are read once for all of them; then each course's grid. */
  async #sync (courses: Array<{ contextId: string, eventId: string }>): Promise<number> {
    // Once the retention purge has replaced an event's records by per-session totals, everyone
    // would read as absent: the grades already in the LMS are the record, never overwritten.
    const purged = await repo.eventsWithRecordsPurged(this.db, [...new Set(courses.map(c => c.eventId))])
    let queued = 0
    for (const course of courses) if (!purged.has(course.eventId)) queued += await this.#syncCourse(course)
    return queued
  }

  async #syncCourse ({ contextId, eventId }: { contextId: string, eventId: string }): Promise<number> {
    const grid = await this.book.grid(eventId, { contextId })
    const latest = await this.outbox.latestScores(contextId, 'presence')
    const now = this.clock.now()
    const counted = grid.slots.filter(s => grid.policy.over === 'all' || s.held)
    const allHeld = grid.slots.every(s => s.held)
    let queued = 0
    for (const row of grid.rows) {
      if (row.userSub === null || row.grade === null) continue
      const scoreGiven = Math.round(row.grade * 10_000) / 100
      const attended = row.cells.filter((c, i) => (c.status === 'present' || c.status === 'late') && counted.includes(grid.slots[i]!)).length
      const score = {
        scoreGiven,
        scoreMaximum: 100,
        // In French, the institution's language: the LMS shows it to everyone beside the grade.
        comment: t('fr', 'attendance.gradeComment', { attended, slots: counted.length, hours: row.hoursAttended }),
        activityProgress: allHeld ? 'Completed' as const : 'InProgress' as const,
        gradingProgress: 'FullyGraded' as const
      }
      // The same score with another comment ("0 des 2 créneaux" after "0 des 1") is sent again:
      // the LMS shows the comment beside the grade.
      const last = latest.get(row.userSub)
      if (last?.scoreGiven === score.scoreGiven && last.comment === score.comment && last.activityProgress === score.activityProgress) continue
      await this.outbox.enqueue({ contextId, lineItem: 'presence', userSub: row.userSub, personId: row.personId, score, givenAt: now })
      queued++
    }
    return queued
  }
}
