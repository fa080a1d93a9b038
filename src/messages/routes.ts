import type { FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod'
import { z } from 'zod'
import { allow, eventParam } from '../access/declare.js'
import type { PeopleService } from '../people/service.js'
import { errorResponses, langQuery } from '../http/schemas.js'
import { assertSameOrigin } from '../http/same-origin.js'
import { base, messagePage, messagesPage, type LinkNotice } from './pages.js'
import type { MessageService } from './service.js'

const html = 'text/html; charset=utf-8'
const uuid = (what: string) => z.uuid({ error: `${what} must be a UUID` })
const eventParams = z.object({ eventId: uuid('eventId') })
const messageParams = eventParams.extend({ messageId: uuid('messageId') })
const participantParams = eventParams.extend({ personId: uuid('personId') })

const messageSchema = z.object({
  id: z.uuid(),
  kind: z.enum(['personal_link', 'attestation_issued', 'attestation_hr_copy', 'attestation_refused', 'attestation_revoked', 'role_granted']),
  personId: z.uuid().nullable(),
  to: z.string(),
  subject: z.string(),
  bodyText: z.string().describe('Plain text; a personal link is masked once the message is sent, ' +
    'and always when the account also belongs elsewhere (another event, a team role, an LMS)'),
  attachmentName: z.string().nullable(),
  status: z.enum(['stored', 'pending', 'sent', 'failed']).describe('stored: no SMTP configured, to pass on by hand; pending: ' +
    'waiting to be sent; sent; failed: given up after 10 attempts'),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  nextAttemptAt: z.date().nullable().describe('Pending messages only'),
  createdAt: z.date(),
  sentAt: z.date().nullable()
}).meta({ id: 'OutgoingMessage' })

const eventMessagesSchema = z.object({
  eventId: z.uuid(),
  sending: z.boolean().describe('True when SMTP is configured; otherwise messages are stored for organizers to pass on'),
  messages: z.array(messageSchema)
}).meta({ id: 'EventMessages' })

export interface MessageRoutesOptions { service: MessageService, people: PeopleService }

/**
 * Outgoing messages: the organizers' page of an event's messages with each message in full and
 * its attachment, the API twin, and a participant's personal link sent by email. (The SMTP
 * sender runs as a background job, src/jobs.ts.)
 */
export const messageRoutes: FastifyPluginAsyncZod<MessageRoutesOptions> = async (app, { service, people }) => {
  const personOf = (request: FastifyRequest): string => request.auth?.personId ?? ''
  const sameOrigin = async (request: FastifyRequest): Promise<void> => { assertSameOrigin(request) }
  const organizers = { personalData: 'messages', access: allow('messages.read', eventParam()) } as const

  app.get('/organisateurs/messages/:eventId', {
    config: organizers,
    schema: {
      operationId: 'eventMessagesPage',
      tags: ['pages'],
      summary: 'The messages of an event (organizers): sent by email, or stored to pass on when no SMTP server is configured',
      params: eventParams,
      querystring: langQuery.extend({ envoi: uuid('envoi').optional().describe('A personal link just sent: the message to announce') }),
      produces: ['text/html'],
      response: { 200: z.string(), ...errorResponses }
    }
  }, async (request, reply) => {
    const view = await service.list(personOf(request), request.params.eventId)
    let notice: LinkNotice | undefined
    const sent = request.query.envoi === undefined ? undefined : view.messages.find(m => m.id === request.query.envoi && m.kind === 'personal_link')
    if (sent !== undefined) {
      const name = sent.person_id === null ? sent.to_address : (await people.getPerson(sent.person_id).catch(() => undefined))?.displayName ?? sent.to_address
      notice = { name, to: sent.to_address, status: sent.status, messageId: sent.id }
    }
    reply.header('cache-control', 'no-store')
    return await reply.type(html).send(messagesPage(request.locale, { ...view, notice }, request.url))
  })

  app.get('/organisateurs/messages/:eventId/:messageId', {
    config: organizers,
    schema: {
      operationId: 'eventMessagePage',
      tags: ['pages'],
      summary: 'One message in full (organizers of its event)',
      params: messageParams,
      querystring: langQuery,
      produces: ['text/html'],
      response: { 200: z.string(), ...errorResponses }
    }
  }, async (request, reply) => {
    const view = await service.get(personOf(request), request.params.eventId, request.params.messageId)
    reply.header('cache-control', 'no-store')
    return await reply.type(html).send(messagePage(request.locale, { eventId: request.params.eventId, ...view }, request.url))
  })

  app.get('/organisateurs/messages/:eventId/:messageId/piece-jointe', {
    config: organizers,
    schema: {
      operationId: 'eventMessageAttachment',
      tags: ['pages'],
      summary: 'The attachment of a message (the attestation PDF), as stored',
      params: messageParams,
      querystring: langQuery,
      produces: ['application/pdf'],
      response: { 200: z.any(), ...errorResponses }
    }
  }, async (request, reply) => {
    const file = await service.attachment(personOf(request), request.params.eventId, request.params.messageId)
    return await reply.type(file.mediaType).header('content-length', file.size)
      .header('content-disposition', `attachment; filename="${file.name.replace(/[^\w.-]/g, '_')}"`)
      .header('cache-control', 'private, no-store').send(file.stream)
  })

  app.post('/organisateurs/evenements/:eventId/participants/:personId/lien-courriel', {
    config: { access: allow('participants.manage', eventParam()) },
    onRequest: [sameOrigin],
    schema: {
      operationId: 'emailPersonalLinkFromPage',
      tags: ['pages'],
      summary: 'Creates a new personal link for a participant (the previous one stops working) ' +
        'and sends it to them by email, or stores the message without SMTP (form)',
      params: participantParams,
      querystring: langQuery,
      response: { 303: z.null(), ...errorResponses }
    }
  }, async (request, reply) => {
    const { eventId, personId } = request.params
    const sent = await service.sendPersonalLink(personOf(request), eventId, personId)
    return await reply.redirect(`${base(eventId)}?envoi=${sent.messageId}&lang=${request.locale}`, 303)
  })

  app.get('/api/v1/events/:eventId/messages', {
    config: organizers,
    schema: {
      operationId: 'listEventMessages',
      tags: ['messages'],
      summary: 'The messages of an event, newest first (organizers): personal links, attestation notices, copies to HR',
      security: [{ bearer: [] }],
      params: eventParams,
      response: { 200: eventMessagesSchema, ...errorResponses }
    }
  }, async (request) => {
    const view = await service.list(personOf(request), request.params.eventId)
    return {
      eventId: view.eventId,
      sending: view.sending,
      messages: view.messages.map(m => ({
        id: m.id,
        kind: m.kind as z.infer<typeof messageSchema>['kind'],
        personId: m.person_id,
        to: m.to_address,
        subject: m.subject,
        bodyText: m.body_text,
        attachmentName: m.attachment_file_id === null ? null : m.attachment_name,
        status: m.status,
        attempts: m.attempts,
        lastError: m.last_error,
        nextAttemptAt: m.status === 'pending' ? m.next_attempt_at : null,
        createdAt: m.created_at,
        sentAt: m.sent_at
      }))
    }
  })
}
