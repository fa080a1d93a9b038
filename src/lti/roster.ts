import type { Db } from '../db/database.js'
import type { Clock } from '../clock.js'
import * as people from '../people/repository.js'
import type { AgsClient } from './ags.js'
import { mapLtiRoles } from './roles.js'
import { upsertLtiPerson } from './service.js'

/** NRPS: the course roster into our database, so absentees and credited students are known. */
export class RosterSync {
  constructor (private readonly db: Db, private readonly clock: Clock, private readonly client: AgsClient) {}

  /** Fetches every page first, then stores the whole roster in one transaction. */
  async sync (contextId: string): Promise<{ members: number, active: number }> {
    const context = await this.db.selectFrom('lti_contexts').select(['issuer', 'client_id', 'memberships_url', 'event_id']).where('id', '=', contextId).executeTakeFirstOrThrow()
    if (context.memberships_url === null) throw new Error('this course gave no roster service (NRPS) endpoint')
    const members = await this.client.roster({ issuer: context.issuer, clientId: context.client_id, membershipsUrl: context.memberships_url })
    const now = this.clock.now()
    await this.db.transaction().execute(async trx => {
      for (const member of members) {
        const personId = await upsertLtiPerson(trx, { issuer: context.issuer, clientId: context.client_id, subject: member.user_id }, member, now)
        const status = member.status ?? 'Active'
        await trx.insertInto('lti_roster_members')
          .values({ context_id: contextId, user_sub: member.user_id, person_id: personId, roles: JSON.stringify(member.roles), status, synced_at: now })
          .onConflict(oc => oc.columns(['context_id', 'user_sub']).doUpdateSet({ person_id: personId, roles: JSON.stringify(member.roles), status, synced_at: now }))
          .execute()
        if (context.event_id !== null && status === 'Active') {
          for (const role of mapLtiRoles(member.roles)) await people.addRegistration(trx, { event_id: context.event_id, person_id: personId, role, created_by: null })
        }
      }
      // Whoever the LMS no longer lists has left the course.
      let gone = trx.updateTable('lti_roster_members').set({ status: 'Deleted', synced_at: now }).where('context_id', '=', contextId)
      if (members.length > 0) gone = gone.where('user_sub', 'not in', members.map(m => m.user_id))
      await gone.execute()
      await trx.updateTable('lti_contexts').set({ roster_synced_at: now }).where('id', '=', contextId).execute()
    })
    return { members: members.length, active: members.filter(m => (m.status ?? 'Active') === 'Active').length }
  }
}
