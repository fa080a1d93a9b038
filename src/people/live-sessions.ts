import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import { liveDeviceSessions } from './device-sessions-repository.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
/** More ids than this in one statement wait for the next one. */
const MAX_BATCH = 256

interface Waiting { personId: string, resolve: (live: boolean) => void, reject: (err: unknown) => void }
interface Batch { ids: Map<string, Waiting[]>, sent: boolean }

/**
 * Whether session tokens' device sessions still hold: not signed out, not revoked by an
 * organizer, not ended by a merge (which moves or ends them) or an erasure (which deletes them),
 * not expired. Asked of the database for every authenticated request, never remembered, so an
 * ending counts on every instance at once. The checks asked during one turn of the event loop go
 * out together as one primary-key query: under load, one statement answers many requests (the
 * check-in rush), and alone a check waits for nothing but the current turn.
 */
export class LiveSessions {
  #open: Batch | null = null

  constructor (private readonly db: Db, private readonly clock: Clock) {}

  async isLive (deviceSessionId: string, personId: string): Promise<boolean> {
    // Ids that are not UUIDs match no row (and PostgreSQL would refuse to compare them).
    if (!UUID.test(deviceSessionId) || !UUID.test(personId)) return false
    const id = deviceSessionId.toLowerCase()
    return await new Promise<boolean>((resolve, reject) => {
      let batch = this.#open
      if (batch === null) {
        const fresh: Batch = { ids: new Map(), sent: false }
        this.#open = batch = fresh
        setImmediate(() => { this.#send(fresh) })
      }
      const waiting = batch.ids.get(id)
      if (waiting === undefined) batch.ids.set(id, [{ personId: personId.toLowerCase(), resolve, reject }])
      else waiting.push({ personId: personId.toLowerCase(), resolve, reject })
      if (batch.ids.size >= MAX_BATCH) this.#send(batch)
    })
  }

  #send (batch: Batch): void {
    if (batch.sent) return
    batch.sent = true
    if (this.#open === batch) this.#open = null
    liveDeviceSessions(this.db, [...batch.ids.keys()], this.clock.now()).then(rows => {
      const owners = new Map(rows.map(r => [r.id, r.person_id]))
      // The token must name the session's person: a session moved to another account is not its.
      for (const [id, waiting] of batch.ids) for (const w of waiting) w.resolve(owners.get(id) === w.personId)
    }, (err: unknown) => {
      // The database cannot answer: every waiting request fails as any query would (503).
      for (const waiting of batch.ids.values()) for (const w of waiting) w.reject(err)
    })
  }
}
