import type { Db } from '../db/database.js'
import * as repo from './repository.js'

/**
 * Accounts staff created (and whose first link they saw) stop being reachable by those staff
 * the moment they gain a registration in an event their creator does not organize, or an LMS
 * identity (eventId null): every session and unused link ends, and the mark is cleared. Call it
 * in the transaction that adds the registration or the identity (a merge included).
 * (Its own module: PeopleService and the ParticipantService it builds both call it.)
 */
export async function sealProvisionedAccounts (db: Db, personIds: string[], eventId: string | null, now: Date): Promise<number> {
  let ended = 0
  for (const personId of await repo.provisionedOutside(db, personIds, eventId)) ended += await repo.revokeProvisionedAccess(db, personId, now)
  return ended
}
