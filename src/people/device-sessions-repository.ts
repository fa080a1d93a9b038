import { CompiledQuery } from 'kysely'
import { preparedStatement, type Db } from '../db/database.js'

/**
 * Which of these device sessions still hold (not revoked, not expired), with their person: asked
 * for the session tokens of every authenticated request (src/people/live-sessions.ts). One
 * primary-key lookup for many ids, sent as a named prepared statement on PostgreSQL (parsed and
 * planned once per connection). Erased people's sessions are deleted, so they are not found.
 */
const LIVE_DEVICE_SESSIONS = 'SELECT id, person_id FROM device_sessions WHERE id = ANY($1::uuid[]) AND revoked_at IS NULL AND expires_at > $2'
preparedStatement('people_live_device_sessions', LIVE_DEVICE_SESSIONS)

export async function liveDeviceSessions (db: Db, ids: string[], now: Date): Promise<Array<{ id: string, person_id: string }>> {
  const result = await db.executeQuery<{ id: string, person_id: string }>(CompiledQuery.raw(LIVE_DEVICE_SESSIONS, [ids, now]))
  return result.rows
}
