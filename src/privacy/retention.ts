import { randomUUID } from 'node:crypto'
import { DateTime } from 'luxon'
import type { Clock } from '../clock.js'
import type { ResolvedConfig } from '../config.js'
import type { Db } from '../db/database.js'
import { conflict } from '../errors.js'
import { bilingual } from '../views/i18n.js'
import { anonymise } from './erasure-repository.js'
import * as repo from './retention-repository.js'
import type { PurgeRule, PurgeScope } from './retention-repository.js'

export type RetentionPeriods = ResolvedConfig['retention'] & { attestationDetailsDays: number }

/** Rows per transaction: short transactions, so check-ins and hand-ins never wait long behind a purge. */
export const PURGE_BATCH = 500
const PEOPLE_BATCH = 25

export interface PurgeReport {
  runId: string | null
  at: Date
  /** Rows deleted, anonymised or minimised, by kind (a dry run: what would be). */
  counts: Record<string, number>
}

/** The instant an event's period ends: midnight after its last day in its own zone, plus `days` calendar days. */
export function periodEnd (event: { ends_on: string, timezone: string }, days: number): Date {
  return DateTime.fromISO(event.ends_on, { zone: event.timezone }).plus({ days: 1 + days }).startOf('day').toJSDate()
}

/** People whose every registration is past the people period are anonymised with the erasure's steps. */
const peopleRule: PurgeRule = {
  kind: 'people_anonymised',
  count: async (db, s) => { const w = repo.peopleDueWhere(s); return w === undefined ? 0 : await repo.countWhere(db, 'people', w) },
  batch: async (trx, s, limit) => {
    const batch = Math.min(limit, PEOPLE_BATCH)
    const ids = await repo.peopleDue(trx, s, batch)
    const counts: Record<string, number> = {}
    for (const id of ids) {
      for (const [kind, n] of Object.entries(await anonymise(trx, id, s.now))) {
        const key = kind === 'identity' ? 'people_anonymised' : kind
        // Records kept (tied to the nameless person) are not something the purge did.
        if (key !== 'attendance_records') counts[key] = (counts[key] ?? 0) + n
      }
    }
    return { more: ids.length === batch, counts }
  }
}

const rules: PurgeRule[] = [...repo.tableRules, peopleRule]

/**
 * Loi 25 retention: once an event's period for a kind of data is over, that data is deleted,
 * anonymised or minimised (docs/confidentialite.md). Runs in bounded transactions, each taking a
 * transaction-scoped advisory lock, so instances never purge at the same moment and a crash
 * leaves no lock behind; running again finds nothing left to do.
 */
export class RetentionService {
  constructor (private readonly db: Db, private readonly clock: Clock, readonly periods: RetentionPeriods) {}

  async scope (): Promise<PurgeScope> {
    const now = this.clock.now()
    const p = this.periods
    const events = await repo.events(this.db)
    const over = (days: number): string[] => events.filter(e => periodEnd(e, days) <= now).map(e => e.id)
    const daysBefore = (days: number): Date => new Date(now.getTime() - days * 86_400_000)
    return {
      now,
      attendanceEvents: over(p.attendanceDays),
      submissionsEvents: over(p.submissionsDays),
      messagesEvents: over(p.messagesDays),
      peopleEvents: over(p.peopleDays),
      accessLogEvents: over(p.accessLogDays),
      attemptsBefore: daysBefore(p.attendanceDays),
      messagesBefore: daysBefore(p.messagesDays),
      accessLogBefore: daysBefore(p.accessLogDays),
      attestationsIssuedBefore: daysBefore(p.attestationDetailsDays)
    }
  }

  /** What a purge would do now; nothing written. */
  async dryRun (): Promise<PurgeReport> {
    const scope = await this.scope()
    const counts: Record<string, number> = {}
    for (const rule of rules) counts[rule.kind] = await rule.count(this.db, scope)
    return { runId: null, at: scope.now, counts }
  }

  /**
   * Purges what is due and logs the run (kinds and counts only). Another instance purging at the
   * same moment: the scheduled run gives up quietly (undefined), an organizer's run gets a 409.
   */
  async purge (trigger: 'schedule' | 'organizer'): Promise<PurgeReport | undefined> {
    const scope = await this.scope()
    const counts: Record<string, number> = {}
    for (const rule of rules) {
      for (;;) {
        const done = await this.db.transaction().execute(async trx => {
          if (!await repo.tryPurgeLock(trx)) return undefined
          return await rule.batch(trx, scope, PURGE_BATCH)
        })
        if (done === undefined) {
          await this.#log(trigger, scope.now, counts)
          if (trigger === 'schedule') return undefined
          throw conflict(bilingual('privacy.purgeRunning'))
        }
        for (const [kind, n] of Object.entries(done.counts)) counts[kind] = (counts[kind] ?? 0) + n
        if (!done.more) break
      }
    }
    return { runId: await this.#log(trigger, scope.now, counts), at: scope.now, counts }
  }

  /** What was done is logged even when the run stops half-way (the lock taken by another instance). */
  async #log (trigger: 'schedule' | 'organizer', at: Date, counts: Record<string, number>): Promise<string> {
    const runId = randomUUID()
    await this.db.transaction().execute(async trx => { await repo.logRun(trx, { runId, at, trigger, counts }) })
    return runId
  }

  async recentRuns (limit = 50): ReturnType<typeof repo.recentRuns> {
    return await repo.recentRuns(this.db, limit)
  }
}
