import type { Kysely } from 'kysely'
import type { Clock } from '../clock.js'
import type { DB } from '../db/schema.js'
import { insertMessage, type MessageKind } from './repository.js'

export type { MessageKind }

export interface NewMessage {
  eventId: string | null
  personId: string | null
  kind: MessageKind
  to: string
  subject: string
  bodyText: string
  attachment?: { fileId: string, name: string }
}

/**
 * Messages to people are written in the transaction of what they announce (an attestation
 * issued, a link issued): acknowledged means recorded. With SMTP configured they wait as
 * `pending` for the sender; without it they are `stored` for organizers to read and pass on.
 */
export class MessageOutbox {
  constructor (private readonly clock: Clock, private readonly smtpEnabled: boolean) {}

  get sends (): boolean { return this.smtpEnabled }

  async enqueue (trx: Kysely<DB>, message: NewMessage): Promise<string> {
    const now = this.clock.now()
    return await insertMessage(trx, {
      event_id: message.eventId,
      person_id: message.personId,
      kind: message.kind,
      to_address: message.to,
      subject: message.subject,
      body_text: message.bodyText,
      attachment_file_id: message.attachment?.fileId ?? null,
      attachment_name: message.attachment?.name ?? null,
      status: this.smtpEnabled ? 'pending' : 'stored',
      next_attempt_at: now,
      created_at: now
    })
  }
}
