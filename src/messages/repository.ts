import type { Kysely, Selectable } from 'kysely'
import type { DB, OutgoingMessages } from '../db/schema.js'
import { claimLeased } from '../db/lease.js'
import { wakeWorkers } from '../db/wakeups.js'

/** Outgoing messages data access. Functions take a Kysely handle so services can pass a transaction. */
type Q = Kysely<DB>

export type MessageRow = Selectable<OutgoingMessages>
export type MessageStatus = OutgoingMessages['status']
export type MessageKind = OutgoingMessages['kind']

/** What the sender needs of a claimed row. */
export interface ClaimedMessage {
  id: string
  to_address: string
  subject: string
  body_text: string
  kind: MessageKind
  attachment_file_id: string | null
  attachment_name: string | null
  attempts: number
}

export async function insertMessage (db: Q, values: {
  event_id: string | null,
  person_id: string | null,
  kind: MessageKind,
  to_address: string,
  subject: string,
  body_text: string,
  attachment_file_id: string | null,
  attachment_name: string | null,
  status: MessageStatus,
  next_attempt_at: Date,
  created_at: Date
}): Promise<string> {
  const id = (await db.insertInto('outgoing_messages').values(values).returning('id').executeTakeFirstOrThrow()).id
  if (values.status === 'pending') await wakeWorkers(db, 'messages')
  return id
}

/** Due pending messages for this worker until `leaseUntil` (src/db/lease.ts says how several workers share them). */
export async function claimDue (db: Q, now: Date, leaseUntil: Date, limit: number): Promise<ClaimedMessage[]> {
  return await claimLeased<'outgoing_messages', ClaimedMessage>(db, 'outgoing_messages', {
    now,
    leaseUntil,
    limit,
    orderBy: ['next_attempt_at', 'created_at'],
    columns: ['id', 'to_address', 'subject', 'body_text', 'kind', 'attachment_file_id', 'attachment_name', 'attempts']
  })
}

/** Only a still-pending row changes: a row already marked sent is never touched again. */
export async function markSent (db: Q, id: string, values: { at: Date, attempts: number, bodyText: string }): Promise<boolean> {
  const result = await db.updateTable('outgoing_messages')
    .set({ status: 'sent', sent_at: values.at, attempts: values.attempts, last_error: null, body_text: values.bodyText })
    .where('id', '=', id).where('status', '=', 'pending').executeTakeFirst()
  return result.numUpdatedRows === 1n
}

export async function markAttemptFailed (db: Q, id: string, values: { attempts: number, error: string, nextAttemptAt: Date, giveUp: boolean }): Promise<void> {
  await db.updateTable('outgoing_messages')
    .set({ attempts: values.attempts, last_error: values.error, next_attempt_at: values.nextAttemptAt, ...(values.giveUp ? { status: 'failed' } : {}) })
    .where('id', '=', id).where('status', '=', 'pending').execute()
}

export async function messagesOfEvent (db: Q, eventId: string): Promise<MessageRow[]> {
  return await db.selectFrom('outgoing_messages').selectAll()
    .where('event_id', '=', eventId).orderBy('created_at', 'desc').orderBy('id').execute()
}

export async function findMessage (db: Q, eventId: string, messageId: string): Promise<MessageRow | undefined> {
  return await db.selectFrom('outgoing_messages').selectAll()
    .where('event_id', '=', eventId).where('id', '=', messageId).executeTakeFirst()
}

export async function countByStatus (db: Q, eventId: string): Promise<Record<MessageStatus, number>> {
  const rows = await db.selectFrom('outgoing_messages').select(['status', eb => eb.fn.countAll<string>().as('n')])
    .where('event_id', '=', eventId).groupBy('status').execute()
  const counts: Record<MessageStatus, number> = { stored: 0, pending: 0, sent: 0, failed: 0 }
  for (const row of rows) counts[row.status] = Number(row.n)
  return counts
}

/** A participant of the event (registered as 'participant'), with what a message to them needs. */
export async function findParticipant (db: Q, eventId: string, personId: string): Promise<{
  id: string
  display_name: string
  email: string | null
  preferred_locale: string
} | undefined> {
  return await db.selectFrom('people as p').innerJoin('registrations as r', 'r.person_id', 'p.id')
    .select(['p.id', 'p.display_name', 'p.email', 'p.preferred_locale'])
    .where('r.event_id', '=', eventId).where('r.person_id', '=', personId).where('r.role', '=', 'participant')
    .executeTakeFirst()
}
