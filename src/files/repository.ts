import type { Kysely, Selectable } from 'kysely'
import type { DB, Files } from '../db/schema.js'

/** Files and their chunks (store.ts holds the rules). Functions take a Kysely handle so callers can pass a transaction. */
type Q = Kysely<DB>

export async function insertPendingFile (db: Q, createdAt: Date): Promise<string> {
  return (await db.insertInto('files').values({ created_at: createdAt }).returning('id').executeTakeFirstOrThrow()).id
}

export async function insertStoredFile (db: Q, values: { media_type: string, size: number, sha256: string, created_at: Date }): Promise<string> {
  return (await db.insertInto('files').values({ state: 'stored', ...values }).returning('id').executeTakeFirstOrThrow()).id
}

export async function insertChunks (db: Q, chunks: Array<{ file_id: string, seq: number, data: Buffer }>): Promise<void> {
  await db.insertInto('file_chunks').values(chunks).execute()
}

/** Records what a received file is, if it is still pending; false when it is gone (purged). */
export async function describePendingFile (db: Q, id: string, values: { media_type: string, size: number, sha256: string }): Promise<boolean> {
  const updated = await db.updateTable('files').set(values).where('id', '=', id).where('state', '=', 'pending').executeTakeFirst()
  return updated.numUpdatedRows === 1n
}

/** Pending files completely received become stored; returns the ids that did. */
export async function markStored (db: Q, ids: string[]): Promise<string[]> {
  const rows = await db.updateTable('files').set({ state: 'stored' })
    .where('id', 'in', ids).where('state', '=', 'pending').where('sha256', 'is not', null)
    .returning('id').execute()
  return rows.map(row => row.id)
}

export async function deleteFile (db: Q, id: string): Promise<void> {
  await db.deleteFrom('files').where('id', '=', id).execute()
}

/** Deletes those of the files that are pending; returns how many. */
export async function deletePending (db: Q, ids: string[]): Promise<number> {
  const result = await db.deleteFrom('files').where('id', 'in', ids).where('state', '=', 'pending').executeTakeFirst()
  return Number(result.numDeletedRows)
}

export async function deletePendingCreatedBefore (db: Q, before: Date): Promise<number> {
  const result = await db.deleteFrom('files').where('state', '=', 'pending').where('created_at', '<', before).executeTakeFirst()
  return Number(result.numDeletedRows)
}

export async function findFile (db: Q, id: string): Promise<{
  id: string
  state: Selectable<Files>['state']
  media_type: string | null
  size: number | null
  sha256: string | null
  created_at: Date
} | undefined> {
  return await db.selectFrom('files').select(['id', 'state', 'media_type', 'size', 'sha256', 'created_at']).where('id', '=', id).executeTakeFirst()
}

/** Chunks first..last (inclusive) of a file, in order. */
export async function chunksBetween (db: Q, fileId: string, first: number, last: number): Promise<Array<{ seq: number, data: Buffer }>> {
  return await db.selectFrom('file_chunks').select(['seq', 'data'])
    .where('file_id', '=', fileId).where('seq', '>=', first).where('seq', '<=', last)
    .orderBy('seq').execute()
}

/** Up to `limit` chunks of a file from `from` on, in order. */
export async function chunksFrom (db: Q, fileId: string, from: number, limit: number): Promise<Array<{ seq: number, data: Buffer }>> {
  return await db.selectFrom('file_chunks').select(['seq', 'data'])
    .where('file_id', '=', fileId).where('seq', '>=', from)
    .orderBy('seq').limit(limit).execute()
}
