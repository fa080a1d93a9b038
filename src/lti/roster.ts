import type { Db } from '../db/database.js'
import type { Clock } from '../clock.js'
import * as people from '../people/repository.js'
import { tombstoned } from '../privacy/tombstone-repository.js'
import { tombstoneHash } from '../privacy/tombstones.js'
import type { AgsClient } from './ags.js'
import * as repo from './repository.js'
import { mapLtiRoles } from './roles.js'
import { upsertLtiPerson } from './service.js'

/** A synced roster is refreshed this often (people join and leave a course during term). */
export const ROSTER_REFRESH_MS = 6 * 3600_000
/** How long a claimed course is ours before another worker may take it (a crash mid-sync). */
const LEASE_MS = 5 * 60_000
/** 1 min, 2 min, 4 min … capped at one hour. */
const backoffMs = (attempts: number): number => Math.min(3600_000, 60_000 * 2 ** Math.max(0, attempts - 1))

export type SyncOutcome =
  | { status: 'synced', members: number, active: number }
  | { status: 'failed', error: string, nextAttemptAt: Date }
  /** Another worker holds this course right now. */
  | { status: 'busy' }

/** NRPS: the course roster into our database, so absentees and credited students are known. */
export class RosterSync {
  constructor (
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly client: AgsClient,
    private readonly log: { warn: (obj: object, msg: string) => void },
    /** Key of the erasure tombstones (privacy/tombstones.ts). */
    private readonly tombstoneKey: Buffer
  ) {}

  /** Syncs every course that is due (worker); returns how many succeeded and failed. */
  async runDue (limit = 5): Promise<{ synced: number, failed: number }> {
    const claimed = await this.#claim(limit)
    let synced = 0
    let failed = 0
    for (const row of claimed) {
      const outcome = await this.#run(row.id, row.roster_sync_attempts)
      if (outcome.status === 'synced') synced++
      else failed++
    }
    return { synced, failed }
  }

  /** An instructor's "sync now": due at once, and run here rather than waiting for the worker. */
  async runNow (contextId: string): Promise<SyncOutcome> {
    await repo.rosterSyncDueNow(this.db, contextId, this.clock.now())
    const [row] = await this.#claim(1, contextId)
    if (row === undefined) return { status: 'busy' }
    return await this.#run(row.id, row.roster_sync_attempts)
  }

  /** Leases due courses: their due time moves past the lease, so a crashed worker's claim comes back. */
  async #claim (limit: number, contextId?: string): Promise<Array<{ id: string, roster_sync_attempts: number }>> {
    const now = this.clock.now()
    return await repo.claimDueRosters(this.db, now, new Date(now.getTime() + LEASE_MS), limit, contextId)
  }

  async #run (contextId: string, attempts: number): Promise<SyncOutcome> {
    try {
      const result = await this.sync(contextId)
      await repo.recordRosterSyncOutcome(this.db, contextId, { dueAt: new Date(this.clock.now().getTime() + ROSTER_REFRESH_MS), attempts: 0, error: null })
      return { status: 'synced', ...result }
    } catch (err) {
      const error = (err as Error).message.slice(0, 500)
      const nextAttemptAt = new Date(this.clock.now().getTime() + backoffMs(attempts + 1))
      await repo.recordRosterSyncOutcome(this.db, contextId, { dueAt: nextAttemptAt, attempts: attempts + 1, error })
      this.log.warn({ contextId, attempts: attempts + 1, err: error }, 'roster not synced; will retry')
      return { status: 'failed', error, nextAttemptAt }
    }
  }

  /** Fetches every page first, then stores the whole roster in one transaction. */
  async sync (contextId: string): Promise<{ members: number, active: number }> {
    const context = await repo.courseServices(this.db, contextId)
    if (context.memberships_url === null) throw new Error('this course gave no roster service (NRPS) endpoint')
    const members = await this.client.roster({ issuer: context.issuer, clientId: context.client_id, membershipsUrl: context.memberships_url })
    const now = this.clock.now()
    await this.db.transaction().execute(async trx => {
      // People erased at their request stay erased: no person, no roster row (their subject is not stored again).
      const hashOf = (userId: string): string => tombstoneHash(this.tombstoneKey, context.issuer, userId)
      const erased = await tombstoned(trx, members.map(m => hashOf(m.user_id)))
      for (const member of members) {
        if (erased.has(hashOf(member.user_id))) continue
        const personId = await upsertLtiPerson(trx, { issuer: context.issuer, clientId: context.client_id, subject: member.user_id }, member, now)
        const status = member.status ?? 'Active'
        await repo.upsertMember(trx, { context_id: contextId, user_sub: member.user_id, person_id: personId, roles: member.roles, status, now })
        if (context.event_id !== null && status === 'Active') {
          for (const role of mapLtiRoles(member.roles)) {
            await people.addRegistration(trx, {
              event_id: context.event_id,
              person_id: personId,
              role,
              created_by: null
            })
          }
        }
      }
      // Whoever the LMS no longer lists has left the course.
      await repo.markMembersGone(trx, contextId, members.map(m => m.user_id), now)
      await repo.recordRosterSynced(trx, contextId, now)
    })
    return { members: members.length, active: members.filter(m => (m.status ?? 'Active') === 'Active').length }
  }
}
