import { sql, type Kysely, type Selectable } from 'kysely'
import type { DB, OutgoingMessages } from '../db/schema.js'

/** Outgoing messages data access. Functions take a Kysely handle so services can pass a transaction. */
type Q = Kysely<DB>

export type MessageRow = Selectable<OutgoingMessages>
export type MessageStatus = 'stored' | 'pending' | 'sent' | 'failed'

/** What the sender needs of a claimed row. */
export interface ClaimedMessage {
  id: string
  to_address: string
  subject: string
  body_text: string
  kind: string
  attachment_file_id: string | null
  attachment_name: string | null
  attempts: number
}

export async function insertMessage (db: Q, values: {
  event_id: string | null,
  person_id: string | null,
  kind: string,
  to_address: string,
  subject: string,
  body_text: string,
  attachment_file_id: string | null,
  attachment_name: string | null,
  status: MessageStatus,
  next_attempt_at: Date,
  created_at: Date
}): Promise<string> {
  return (await db.insertInto('outgoing_messages').values(values).returning('id').executeTakeFirstOrThrow()).id
}

/**
 * Takes up to `limit` due pending messages for this worker until `leaseUntil`: their
 * next_attempt_at moves to the lease's end, so another worker (or instance) skips them while
 * they are being sent, and takes them up again only if this one died before recording the
 * outcome. SKIP LOCKED: two workers claiming at once get different rows, never wait.
 */
export async function claimDue (db: Q, now: Date, leaseUntil: Date, limit: number): Promise<ClaimedMessage[]> {
  const claimed = await sql<ClaimedMessage>`
    UPDATE outgoing_messages SET next_attempt_at = ${leaseUntil}
    WHERE id IN (
      SELECT id FROM outgoing_messages
      WHERE status = 'pending' AND next_attempt_at <= ${now}
      ORDER BY next_attempt_at, created_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    )
    RETURNING id, to_address, subject, body_text, kind, attachment_file_id, attachment_name, attempts`.execute(db)
  return claimed.rows
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
  for (const row of rows) counts[row.status as MessageStatus] = Number(row.n)
  return counts
}

/** A participant of the event (registered as 'participant'), with what a message to them needs. */
export async function findParticipant (db: Q, eventId: string, personId: string): Promise<{ id: string, display_name: string, email: string | null, preferred_locale: string } | undefined> {
  return await db.selectFrom('people as p').innerJoin('registrations as r', 'r.person_id', 'p.id')
    .select(['p.id', 'p.display_name', 'p.email', 'p.preferred_locale'])
    .where('r.event_id', '=', eventId).where('r.person_id', '=', personId).where('r.role', '=', 'participant')
    .executeTakeFirst()
}

export async function findEventTitles (db: Q, eventId: string): Promise<{ title_fr: string, title_en: string, timezone: string } | undefined> {
  return await db.selectFrom('events').select(['title_fr', 'title_en', 'timezone']).where('id', '=', eventId).executeTakeFirst()
}
