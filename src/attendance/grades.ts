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
    const context = await repo.findGradedCourse(this.db, contextId)
    if (context?.event_id === null || context?.event_id === undefined || context.lineitems_url === null) return 0
    // Once the retention purge has replaced an event's records by per-session totals, everyone
    // would read as absent: the grades already in the LMS are the record, never overwritten.
    if (await repo.recordsPurged(this.db, context.event_id)) return 0
    const grid = await this.book.grid(context.event_id, { contextId })
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

  /** Every course tied to an event with a grade service (the background job). */
  async syncAll (): Promise<number> {
    let queued = 0
    for (const contextId of await repo.gradedCourses(this.db)) queued += await this.syncCourse(contextId)
    return queued
  }
}
