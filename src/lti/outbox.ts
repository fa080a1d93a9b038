import type { Db } from '../db/database.js'
import type { Clock } from '../clock.js'
import type { AgsClient, AgsResult, AgsScore } from './ags.js'
import * as repo from './repository.js'
import type { LineItemKey } from './repository.js'
import { compareNames } from '../util/by-name.js'

export type { LineItemKey }

/**
 * Our line items in every course: label shown in the gradebook, tag and resource id to find it
 * again. Deep-linked activities carry them (service.ts), so the platform's column made from the
 * activity is the one we grade; docs/admin/lms/index.md ("Grades (AGS)") says how courses from before are handled.
 */
export const LINE_ITEMS: Record<LineItemKey, { label: string, tag: string, resourceId: string }> = {
  presence: { label: 'Présence', tag: 'compagnon-presence', resourceId: 'attendance' },
  synthese: { label: 'Synthèse', tag: 'compagnon-synthese', resourceId: 'synthesis' }
}

/** One person's grade in one line item: what the LMS holds beside what Compagnon last gave. */
export interface GradebookRow {
  userSub: string
  name: string | null
  lms: { score: number | null, maximum: number | null, comment: string | null } | null
  compagnon: { score: number | null, maximum: number | null, givenAt: Date, delivered: boolean } | null
  /** same: the LMS shows our latest grade; waiting: ours is not delivered yet; differs: changed in the LMS; lms_only: not given by Compagnon. */
  state: 'same' | 'waiting' | 'differs' | 'lms_only'
}

export interface QueuedScore {
  contextId: string
  lineItem: LineItemKey
  userSub: string
  personId?: string | null
  score: Omit<AgsScore, 'userId' | 'timestamp'>
  givenAt: Date
}

/** 30 s, 1 min, 2 min … capped at one hour. */
const backoffMs = (attempts: number): number => Math.min(60 * 60_000, 30_000 * 2 ** Math.max(0, attempts - 1))
/** How long a claimed row is ours before another worker may take it (a crash mid-delivery). */
const LEASE_MS = 60_000

export class GradeOutbox {
  constructor (
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly ags: AgsClient,
    private readonly log: { warn: (obj: object, msg: string) => void }
  ) {}

  /**
   * Durable once this returns (or once the caller's transaction commits, when one is given, so
   * a grade and its delivery are recorded together): the score will reach the LMS, unless a
   * newer one for the same target replaces it.
   */
  async enqueue (queued: QueuedScore, inTransaction?: Db): Promise<string> {
    const run = async (trx: Db): Promise<string> => {
      await repo.supersedePendingScores(trx, queued, queued.givenAt)
      // A score given before one already queued or delivered is stale on arrival.
      const newer = await repo.hasNewerScore(trx, queued, queued.givenAt)
      return await repo.insertScore(trx, queued, {
        personId: queued.personId ?? null,
        score: queued.score,
        givenAt: queued.givenAt,
        status: newer ? 'superseded' : 'pending',
        nextAttemptAt: this.clock.now()
      })
    }
    return inTransaction !== undefined ? await run(inTransaction) : await this.db.transaction().execute(run)
  }

  /**
   * The courses grades can go to: tied to an event, with a grade service (AGS). All of them, in
   * one query, or only `contextId` (none when it is not such a course).
   */
  async gradedCourses (contextId?: string): Promise<Array<{ contextId: string, eventId: string }>> {
    return (await repo.gradedCourses(this.db, contextId)).map(c => ({ contextId: c.id, eventId: c.event_id }))
  }

  /** Sends what is due; returns how many were delivered and how many will be retried. */
  async deliverDue (limit = 20): Promise<{ delivered: number, retrying: number }> {
    const now = this.clock.now()
    const claimed = await repo.claimDueScores(this.db, now, new Date(now.getTime() + LEASE_MS), limit)
    let delivered = 0
    let retrying = 0
    for (const row of claimed.sort((a, b) => a.given_at.getTime() - b.given_at.getTime())) {
      try {
        await this.#deliver(row)
        await repo.markScoreDelivered(this.db, row.id, this.clock.now(), row.attempts + 1)
        delivered++
      } catch (err) {
        const attempts = row.attempts + 1
        await repo.markScoreAttemptFailed(this.db, row.id, {
          attempts,
          error: (err as Error).message.slice(0, 500),
          nextAttemptAt: new Date(this.clock.now().getTime() + backoffMs(attempts))
        })
        this.log.warn({ outboxId: row.id, attempts, err: (err as Error).message }, 'grade not delivered yet; will retry')
        retrying++
      }
    }
    return { delivered, retrying }
  }

  /**
   * The newest queued or delivered score per user of a line item in a course, as sent (score,
   * comment, progress): callers send only what changed, and a comment is part of the grade.
   */
  async latestScores (contextId: string, lineItem: LineItemKey): Promise<Map<string, QueuedScore['score']>> {
    const rows = await repo.givenScores(this.db, contextId, lineItem)
    const latest = new Map<string, QueuedScore['score']>()
    for (const row of rows) if (!latest.has(row.user_sub)) latest.set(row.user_sub, row.score as QueuedScore['score'])
    return latest
  }

  /** Sync state per status for a course (instructor views). */
  async state (contextId: string): Promise<Record<'pending' | 'delivered' | 'superseded', number>> {
    const rows = await repo.scoreCountsByStatus(this.db, contextId)
    const state = { pending: 0, delivered: 0, superseded: 0 }
    for (const r of rows) state[r.status] = Number(r.n)
    return state
  }

  /**
   * The LMS gradebook for our line items in a course, compared with the grades Compagnon gave
   * (instructors check that nothing was lost or changed by hand). Reads the LMS (AGS results).
   */
  async gradebook (contextId: string): Promise<Array<{ lineItem: LineItemKey, label: string, rows: GradebookRow[] }>> {
    const context = await repo.courseServices(this.db, contextId)
    const items = await repo.lineItemsOf(this.db, contextId)
    const names = new Map((await repo.rosterNames(this.db, contextId)).map(r => [r.user_sub, r.display_name]))
    const sections = []
    for (const item of items) {
      const key = item.line_item
      const results = await this.ags.results({ issuer: context.issuer, clientId: context.client_id }, item.url)
      const ours = await repo.givenScores(this.db, contextId, key)
      const latest = new Map<string, typeof ours[number]>()
      for (const row of ours) if (!latest.has(row.user_sub)) latest.set(row.user_sub, row)
      const byUser = new Map<string, AgsResult>(results.map(r => [r.userId, r]))
      const users = [...new Set([...latest.keys(), ...byUser.keys()])]
      const rows: GradebookRow[] = users.map(userSub => {
        const result = byUser.get(userSub)
        const given = latest.get(userSub)
        const score = given?.score as { scoreGiven?: number, scoreMaximum?: number } | undefined
        const lms = result === undefined ? null : { score: result.resultScore ?? null, maximum: result.resultMaximum ?? null, comment: result.comment ?? null }
        const compagnon = given === undefined
          ? null
          : {
              score: score?.scoreGiven ?? null,
              maximum: score?.scoreMaximum ?? null,
              givenAt: given.given_at,
              delivered: given.status === 'delivered'
            }
        const state: GradebookRow['state'] = compagnon === null
          ? 'lms_only'
          : !compagnon.delivered ? 'waiting' : lms?.score === compagnon.score ? 'same' : 'differs'
        return { userSub, name: names.get(userSub) ?? null, lms, compagnon, state }
      }).sort((a, b) => compareNames(a.name ?? a.userSub, b.name ?? b.userSub))
      sections.push({ lineItem: key, label: LINE_ITEMS[key].label, rows })
    }
    return sections
  }

  async #deliver (row: { context_id: string, line_item: LineItemKey, user_sub: string, score: unknown, given_at: Date }): Promise<void> {
    const context = await repo.courseServices(this.db, row.context_id)
    if (context.lineitems_url === null) throw new Error('this course gave no grade service (AGS) endpoint')
    const score = row.score as Omit<AgsScore, 'userId' | 'timestamp'>
    // Once known (found, created, or named by a launch from the deep-linked activity), a
    // course's line item stays the one its grades go to: grades never move to another column.
    let lineItemUrl = await repo.lineItemUrl(this.db, row.context_id, row.line_item)
    if (lineItemUrl === undefined) {
      lineItemUrl = await this.ags.findOrCreateLineItem(
        { issuer: context.issuer, clientId: context.client_id, lineItemsUrl: context.lineitems_url },
        { ...LINE_ITEMS[row.line_item], scoreMaximum: score.scoreMaximum ?? 100 }
      )
      await repo.rememberLineItem(this.db, row.context_id, row.line_item, lineItemUrl)
      // Another worker or a launch may have recorded one meanwhile: theirs stands.
      lineItemUrl = await repo.lineItemUrl(this.db, row.context_id, row.line_item)
      if (lineItemUrl === undefined) throw new Error(`line item ${row.line_item} of course ${row.context_id} vanished as it was recorded`)
    }
    await this.ags.postScore({
      issuer: context.issuer,
      clientId: context.client_id
    }, lineItemUrl, { ...score, userId: row.user_sub, timestamp: row.given_at.toISOString() })
  }
}
