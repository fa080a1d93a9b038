import type { Readable } from 'node:stream'
import type { AccessPolicy } from '../access/policy.js'
import type { Db } from '../db/database.js'
import { badRequest, notFound } from '../errors.js'
import { personalLinkText } from './texts.js'
import { bilingual } from '../views/i18n.js'
import type { FileStore } from '../files/store.js'
import type { PeopleService } from '../people/service.js'
import type { EventSummary, ProgramService } from '../program/service.js'
import type { MessageOutbox } from './outbox.js'
import * as repo from './repository.js'
import { redactLinks } from './sender.js'
import type { MessageRow, MessageStatus } from './repository.js'

export type { MessageRow, MessageStatus } from './repository.js'

export interface EventMessages {
  eventId: string
  title: { fr: string, en: string }
  timezone: string
  /** True when SMTP is configured: messages are sent; otherwise stored for organizers to pass on. */
  sending: boolean
  counts: Record<MessageStatus, number>
  messages: MessageRow[]
}

const notAMessage = (): Error => notFound(bilingual('messages.messageNotFound'))

/**
 * What organizers see and do with the messages of an event: the list (sent or kept), one
 * message in full with its attachment, and a participant's personal link sent by email.
 */
export class MessageService {
  constructor (
    private readonly db: Db,
    private readonly deps: { access: AccessPolicy, people: PeopleService, program: ProgramService, outbox: MessageOutbox, files: FileStore }
  ) {}

  async list (actorId: string, eventId: string): Promise<EventMessages> {
    const event = await this.#event(actorId, eventId)
    return {
      eventId,
      title: event.title,
      timezone: event.timezone,
      sending: this.deps.outbox.sends,
      counts: await repo.countByStatus(this.db, eventId),
      messages: await this.#withoutForeignLinks(actorId, await repo.messagesOfEvent(this.db, eventId))
    }
  }

  async get (actorId: string, eventId: string, messageId: string): Promise<{
    message: MessageRow
    title: { fr: string, en: string }
    timezone: string
    sending: boolean
  }> {
    const event = await this.#event(actorId, eventId)
    const message = await repo.findMessage(this.db, eventId, messageId)
    if (message === undefined) throw notAMessage()
    const [shown] = await this.#withoutForeignLinks(actorId, [message])
    return { message: shown ?? message, title: event.title, timezone: event.timezone, sending: this.deps.outbox.sends }
  }

  async attachment (actorId: string, eventId: string, messageId: string): Promise<{ name: string, mediaType: string, size: number, stream: Readable }> {
    const { message } = await this.get(actorId, eventId, messageId)
    if (message.attachment_file_id === null) throw notFound(bilingual('messages.noAttachment'))
    const file = await this.deps.files.open(message.attachment_file_id)
    return { name: message.attachment_name ?? `piece-jointe.${file.kind}`, mediaType: file.mediaType, size: file.size, stream: file.stream }
  }

  /**
   * Issues a NEW personal link for a participant (the previous one stops working) and queues it
   * to them by email, in their language. Refused before anything changes when the person has
   * no email address.
   */
  async sendPersonalLink (actorId: string, eventId: string, personId: string): Promise<{ messageId: string, status: MessageStatus }> {
    // Issuing a participant's link is managing the event's participants (as its route declares).
    const event = await this.#event(actorId, eventId, 'participants.manage')
    const person = await repo.findParticipant(this.db, eventId, personId)
    if (person === undefined) throw notFound(bilingual('people.notAParticipant'))
    if (person.email === null || person.email.trim() === '') {
      throw badRequest(bilingual('messages.noEmailAddress', { name: person.display_name }))
    }
    // issueLink writes the link with its own database handle and takes no transaction, so the
    // message cannot share its transaction: it is queued just after, in a second one. If that
    // second write failed, the new link would exist unsent (the organizer sees the error and
    // sends again, which replaces the link once more): never a message for a link that was not issued.
    const link = await this.deps.people.participants.issueLink(actorId, eventId, personId)
    const locale = person.preferred_locale === 'en' ? 'en' : 'fr'
    const text = personalLinkText(locale, {
      name: person.display_name,
      event: event.title[locale],
      url: link.url,
      expiresAt: link.expiresAt,
      timezone: event.timezone
    })
    const messageId = await this.db.transaction().execute(async trx => await this.deps.outbox.enqueue(trx, {
      eventId, personId, kind: 'personal_link', to: person.email ?? '', ...text
    }))
    return { messageId, status: this.deps.outbox.sends ? 'pending' : 'stored' }
  }

  /**
   * A message to an account the organizer may not speak for (another event's, staff, an LMS
   * account) never shows them a working link, whatever was stored before the account became so.
   */
  async #withoutForeignLinks (actorId: string, messages: MessageRow[]): Promise<MessageRow[]> {
    const personIds = [...new Set(messages.flatMap(m => m.person_id === null ? [] : [m.person_id]))]
    const foreign = await this.deps.people.protectedFrom(actorId, personIds)
    return messages.map(m => m.person_id !== null && foreign.has(m.person_id) ? { ...m, body_text: redactLinks(m.body_text) } : m)
  }

  /** The event (its titles and zone), once the access policy allows the actor this action on the event (its organizers). */
  async #event (actorId: string, eventId: string, action: 'messages.read' | 'participants.manage' = 'messages.read'): Promise<EventSummary> {
    const event = await this.deps.program.getEvent(eventId)
    await this.deps.access.assert({ personId: actorId }, action, { kind: 'event', eventId })
    return event
  }
}
