// Erasure tombstones: one sealed hash per LMS identity an erasure removed (see tombstones.ts).
import type { Db } from '../db/database.js'

export async function insertTombstones (trx: Db, hashes: string[], at: Date): Promise<void> {
  if (hashes.length === 0) return
  await trx.insertInto('erasure_tombstones').values(hashes.map(hash => ({ identity_hash: hash, erased_at: at })))
    .onConflict(oc => oc.column('identity_hash').doNothing()).execute()
}

export async function isTombstoned (db: Db, hash: string): Promise<boolean> {
  return await db.selectFrom('erasure_tombstones').select('identity_hash').where('identity_hash', '=', hash).executeTakeFirst() !== undefined
}

/** Which of these hashes have a tombstone (one query for a whole roster). */
export async function tombstoned (db: Db, hashes: string[]): Promise<Set<string>> {
  if (hashes.length === 0) return new Set()
  const rows = await db.selectFrom('erasure_tombstones').select('identity_hash').where('identity_hash', 'in', hashes).execute()
  return new Set(rows.map(r => r.identity_hash))
}
