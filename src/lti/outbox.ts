import { sql } from 'kysely'
import type { Db } from '../db/database.js'
import type { Clock } from '../clock.js'
import type { AgsClient, AgsResult, AgsScore } from './ags.js'

export type LineItemKey = 'presence' | 'synthese'

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

/** Records a course's line item unless one is recorded already (the first one known stays). */
export async function rememberLineItem (db: Db, contextId: string, lineItem: LineItemKey, url: string): Promise<void> {
  await db.insertInto('lti_line_items').values({ context_id: contextId, line_item: lineItem, url })
    .onConflict(oc => oc.columns(['context_id', 'line_item']).doNothing()).execute()
}

/** 30 s, 1 min, 2 min … capped at one hour. */
const backoffMs = (attempts: number): number => Math.min(60 * 60_000, 30_000 * 2 ** Math.max(0, attempts - 1))
/** How long a claimed row is ours before another worker may take it (a crash mid-delivery). */
const LEASE_MS = 60_000

export class GradeOutbox {
  constructor (private readonly db: Db, private readonly clock: Clock, private readonly ags: AgsClient, private readonly log: { warn: (obj: object, msg: string) => void }) {}

  /**
   * Durable once this returns (or once the caller's transaction commits, when one is given, so
   * a grade and its delivery are recorded together): the score will reach the LMS, unless a
   * newer one for the same target replaces it.
   */
  async enqueue (queued: QueuedScore, inTransaction?: Db): Promise<string> {
    const run = async (trx: Db): Promise<string> => {
      await trx.updateTable('lti_grade_outbox').set({ status: 'superseded' })
        .where('context_id', '=', queued.contextId).where('line_item', '=', queued.lineItem).where('user_sub', '=', queued.userSub)
        .where('status', '=', 'pending').where('given_at', '<=', queued.givenAt)
        .execute()
      // A score given before one already queued or delivered is stale on arrival.
      const newer = await trx.selectFrom('lti_grade_outbox').select('id')
        .where('context_id', '=', queued.contextId).where('line_item', '=', queued.lineItem).where('user_sub', '=', queued.userSub)
        .where('status', 'in', ['pending', 'delivered']).where('given_at', '>', queued.givenAt)
        .executeTakeFirst()
      const row = await trx.insertInto('lti_grade_outbox').values({
        context_id: queued.contextId,
        line_item: queued.lineItem,
        user_sub: queued.userSub,
        person_id: queued.personId ?? null,
        score: JSON.stringify(queued.score),
        given_at: queued.givenAt,
        status: newer === undefined ? 'pending' : 'superseded',
        next_attempt_at: this.clock.now()
      }).returning('id').executeTakeFirstOrThrow()
      return row.id
    }
    return inTransaction !== undefined ? await run(inTransaction) : await this.db.transaction().execute(run)
  }

  /** Sends what is due; returns how many were delivered and how many will be retried. */
  async deliverDue (limit = 20): Promise<{ delivered: number, retrying: number }> {
    const now = this.clock.now()
    const claimed = await sql<{ id: string, context_id: string, line_item: LineItemKey, user_sub: string, score: unknown, given_at: Date, attempts: number }>`
      UPDATE lti_grade_outbox SET next_attempt_at = ${new Date(now.getTime() + LEASE_MS)}
      WHERE id IN (
        SELECT id FROM lti_grade_outbox
        WHERE status = 'pending' AND next_attempt_at <= ${now}
        ORDER BY given_at
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      )
      RETURNING id, context_id, line_item, user_sub, score, given_at, attempts`.execute(this.db)
    let delivered = 0
    let retrying = 0
    for (const row of claimed.rows.sort((a, b) => a.given_at.getTime() - b.given_at.getTime())) {
      try {
        await this.#deliver(row)
        await this.db.updateTable('lti_grade_outbox').set({ status: 'delivered', delivered_at: this.clock.now(), attempts: row.attempts + 1, last_error: null })
          .where('id', '=', row.id).where('status', '=', 'pending').execute()
        delivered++
      } catch (err) {
        const attempts = row.attempts + 1
        await this.db.updateTable('lti_grade_outbox')
          .set({ attempts, last_error: (err as Error).message.slice(0, 500), next_attempt_at: new Date(this.clock.now().getTime() + backoffMs(attempts)) })
          .where('id', '=', row.id).where('status', '=', 'pending').execute()
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
    const rows = await this.db.selectFrom('lti_grade_outbox').select(['user_sub', 'score', 'given_at'])
      .where('context_id', '=', contextId).where('line_item', '=', lineItem).where('status', 'in', ['pending', 'delivered'])
      .orderBy('given_at', 'desc').execute()
    const latest = new Map<string, QueuedScore['score']>()
    for (const row of rows) if (!latest.has(row.user_sub)) latest.set(row.user_sub, row.score as QueuedScore['score'])
    return latest
  }

  /** Sync state per status for a course (instructor views). */
  async state (contextId: string): Promise<Record<'pending' | 'delivered' | 'superseded', number>> {
    const rows = await this.db.selectFrom('lti_grade_outbox').select(['status', eb => eb.fn.countAll<number>().as('n')])
      .where('context_id', '=', contextId).groupBy('status').execute()
    const state = { pending: 0, delivered: 0, superseded: 0 }
    for (const r of rows) state[r.status as keyof typeof state] = Number(r.n)
    return state
  }

  /**
   * The LMS gradebook for our line items in a course, compared with the grades Compagnon gave
   * (instructors check that nothing was lost or changed by hand). Reads the LMS (AGS results).
   */
  async gradebook (contextId: string): Promise<Array<{ lineItem: LineItemKey, label: string, rows: GradebookRow[] }>> {
    const context = await this.db.selectFrom('lti_contexts').select(['issuer', 'client_id']).where('id', '=', contextId).executeTakeFirstOrThrow()
    const items = await this.db.selectFrom('lti_line_items').select(['line_item', 'url']).where('context_id', '=', contextId).orderBy('line_item').execute()
    const names = new Map((await this.db.selectFrom('lti_roster_members as m').leftJoin('people as p', 'p.id', 'm.person_id')
      .select(['m.user_sub', 'p.display_name']).where('m.context_id', '=', contextId).execute()).map(r => [r.user_sub, r.display_name]))
    const sections = []
    for (const item of items) {
      const key = item.line_item as LineItemKey
      const results = await this.ags.results({ issuer: context.issuer, clientId: context.client_id }, item.url)
      const ours = await this.db.selectFrom('lti_grade_outbox').select(['user_sub', 'score', 'given_at', 'status'])
        .where('context_id', '=', contextId).where('line_item', '=', key).where('status', 'in', ['pending', 'delivered'])
        .orderBy('given_at', 'desc').execute()
      const latest = new Map<string, typeof ours[number]>()
      for (const row of ours) if (!latest.has(row.user_sub)) latest.set(row.user_sub, row)
      const byUser = new Map<string, AgsResult>(results.map(r => [r.userId, r]))
      const users = [...new Set([...latest.keys(), ...byUser.keys()])]
      const rows: GradebookRow[] = users.map(userSub => {
        const result = byUser.get(userSub)
        const given = latest.get(userSub)
        const score = given?.score as { scoreGiven?: number, scoreMaximum?: number } | undefined
        const lms = result === undefined ? null : { score: result.resultScore ?? null, maximum: result.resultMaximum ?? null, comment: result.comment ?? null }
        const compagnon = given === undefined ? null : { score: score?.scoreGiven ?? null, maximum: score?.scoreMaximum ?? null, givenAt: given.given_at, delivered: given.status === 'delivered' }
        const state: GradebookRow['state'] = compagnon === null
          ? 'lms_only'
          : !compagnon.delivered ? 'waiting' : lms?.score === compagnon.score ? 'same' : 'differs'
        return { userSub, name: names.get(userSub) ?? null, lms, compagnon, state }
      }).sort((a, b) => (a.name ?? a.userSub).localeCompare(b.name ?? b.userSub, 'fr'))
      sections.push({ lineItem: key, label: LINE_ITEMS[key].label, rows })
    }
    return sections
  }

  async #deliver (row: { context_id: string, line_item: LineItemKey, user_sub: string, score: unknown, given_at: Date }): Promise<void> {
    const context = await this.db.selectFrom('lti_contexts').select(['issuer', 'client_id', 'lineitems_url']).where('id', '=', row.context_id).executeTakeFirstOrThrow()
    if (context.lineitems_url === null) throw new Error('this course gave no grade service (AGS) endpoint')
    const score = row.score as Omit<AgsScore, 'userId' | 'timestamp'>
    // Once known (found, created, or named by a launch from the deep-linked activity), a
    // course's line item stays the one its grades go to: grades never move to another column.
    let lineItemUrl = (await this.db.selectFrom('lti_line_items').select('url').where('context_id', '=', row.context_id).where('line_item', '=', row.line_item).executeTakeFirst())?.url
    if (lineItemUrl === undefined) {
      lineItemUrl = await this.ags.findOrCreateLineItem(
        { issuer: context.issuer, clientId: context.client_id, lineItemsUrl: context.lineitems_url },
        { ...LINE_ITEMS[row.line_item], scoreMaximum: score.scoreMaximum ?? 100 }
      )
      await rememberLineItem(this.db, row.context_id, row.line_item, lineItemUrl)
      // Another worker or a launch may have recorded one meanwhile: theirs stands.
      lineItemUrl = (await this.db.selectFrom('lti_line_items').select('url').where('context_id', '=', row.context_id).where('line_item', '=', row.line_item).executeTakeFirstOrThrow()).url
    }
    await this.ags.postScore({ issuer: context.issuer, clientId: context.client_id }, lineItemUrl, { ...score, userId: row.user_sub, timestamp: row.given_at.toISOString() })
  }
}
