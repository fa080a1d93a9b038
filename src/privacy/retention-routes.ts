import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from '@fastify/type-provider-zod'
import { DateTime } from 'luxon'
import { z } from 'zod'
import { allow, anyEvent, eventParam } from '../access/declare.js'
import { badRequest } from '../errors.js'
import { bilingual } from '../views/i18n.js'
import { errorResponses, langQuery } from '../http/schemas.js'
import { assertSameOrigin } from '../http/same-origin.js'
import { CHANNELS, type Candidate, type Channel, type ErasurePreview, type ErasureService, type RequestView } from './erasure.js'
import { erasureBase, erasurePage, requestPage } from './erasure-pages.js'
import type { PurgeReport, RetentionService } from './retention.js'
import type { Clock } from '../clock.js'
import { eventParams, previewSchema, purgeReportSchema, requestBody, requestParams, requestSchema, personSchema } from './retention-schemas.js'

const html = 'text/html; charset=utf-8'
const apiTags = ['privacy']

const personOut = (p: Candidate): z.infer<typeof personSchema> => ({
  id: p.id,
  name: p.display_name,
  email: p.email,
  roles: p.roles,
  anonymised: p.anonymised_at !== null
})
const previewOut = (p: ErasurePreview): z.infer<typeof previewSchema> => ({
  person: personOut(p.person),
  erase: p.erase as Record<string, number>,
  kept: p.kept,
  blocked: p.blocked === null
    ? null
    : {
        events: p.blocked.events,
        courses: p.blocked.courses,
        messageFr: p.blocked.message.fr,
        messageEn: p.blocked.message.en
      }
})
const requestOut = (v: RequestView): z.infer<typeof requestSchema> => ({
  id: v.request.id,
  eventId: v.request.event_id,
  personId: v.request.person_id,
  requestedAt: v.request.requested_at,
  channel: v.request.channel,
  reason: v.request.reason,
  status: v.request.status,
  recordedAt: v.request.recorded_at,
  completedAt: v.request.completed_at,
  counts: v.request.counts as Record<string, number> | null,
  person: v.person === undefined ? null : personOut(v.person),
  preview: v.preview === undefined ? null : previewOut(v.preview),
  audit: v.audit.map(a => ({ action: a.action, actorName: a.actorName, at: a.at }))
})

const pageRequestBody = z.object({
  personId: z.string().max(100).default(''),
  requestedOn: z.string().max(100).default(''),
  channel: z.string().max(100).default(''),
  reason: z.string().max(5000).default('')
})

/** The page form as the service's input; a clear 400 for each problem. */
function pageInput (body: z.infer<typeof pageRequestBody>, zone: string, now: Date): {
  personId: string
  requestedAt: Date
  channel: Channel
  reason: string | null
} {
  if (!z.uuid().safeParse(body.personId).success) throw badRequest(bilingual('privacy.choosePersonFirst'))
  const date = DateTime.fromISO(body.requestedOn.trim(), { zone })
  if (!/^\d{4}-\d{2}-\d{2}$/.test(body.requestedOn.trim()) || !date.isValid) {
    throw badRequest(bilingual('privacy.requestDateInvalid', { value: body.requestedOn.slice(0, 30) }))
  }
  if (!(CHANNELS as readonly string[]).includes(body.channel)) {
    throw badRequest(bilingual('privacy.chooseChannel'))
  }
  const reason = body.reason.trim()
  if (reason.length > 1000) throw badRequest(bilingual('privacy.reasonTooLong', { max: 1000 }))
  // Today's date means "today": stored as now rather than midnight, so it is never after the recording.
  const requestedAt = date.hasSame(DateTime.fromJSDate(now, { zone }), 'day') ? now : date.toJSDate()
  return { personId: body.personId, requestedAt, channel: body.channel as Channel, reason: reason === '' ? null : reason }
}

export interface RetentionRoutesOptions { retention: RetentionService, erasure: ErasureService, clock: Clock }

/**
 * Loi 25 retention and erasure: the organizers' trigger and dry run of the purge (which also
 * runs hourly, src/jobs.ts), and the erasure / anonymisation requests (pages and API twins).
 */
export async function retentionRoutes (fastify: FastifyInstance, { retention, erasure, clock }: RetentionRoutesOptions): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  const periods = retention.periods
  const personOf = (request: FastifyRequest): string => request.auth?.personId ?? ''
  const sameOrigin = async (request: FastifyRequest): Promise<void> => { assertSameOrigin(request) }
  // The purge: organizers (each sees and purges only their events).
  const purge = { config: { access: allow('retention.purge', anyEvent) } }
  // Erasure: the event's organizers, and the privacy officers (PRIVACY_OFFICER_EMAILS), who answer for every event.
  const erase = allow('privacy.erase', eventParam())
  // Reads that show people (search, preview, requests) go to the staff access log.
  const erasureRead = { config: { personalData: 'participants' as const, access: erase } }
  const erasureWrite = { config: { access: erase } }
  const erasureForm = { ...erasureWrite, onRequest: sameOrigin }

  const reportOut = (report: PurgeReport, dryRun: boolean): z.infer<typeof purgeReportSchema> => ({ ...report, dryRun, periods })

  // ---------- purge ----------

  app.get('/api/v1/privacy/purge', {
    ...purge,
    schema: {
      operationId: 'previewRetentionPurge',
      tags: apiTags,
      summary: 'What the retention purge would delete, anonymise or minimise now (dry run; organizers)',
      security: [{ bearer: [] }],
      response: { 200: purgeReportSchema, ...errorResponses }
    }
  }, async () => reportOut(await retention.dryRun(), true))

  app.post('/api/v1/privacy/purge', {
    ...purge,
    schema: {
      operationId: 'runRetentionPurge',
      tags: apiTags,
      summary: 'Runs the retention purge now (it also runs every hour) and answers what it did (organizers)',
      description: '409 while another instance is purging.',
      security: [{ bearer: [] }],
      response: { 200: purgeReportSchema, ...errorResponses }
    }
  }, async () => {
    // An organizer's run throws (409) instead of answering undefined when the lock is taken.
    const report = await retention.purge('organizer')
    return reportOut(report!, false)
  })

  // ---------- erasure: API ----------

  const erasures = '/api/v1/events/:eventId/privacy/erasures'

  app.get(erasures, {
    ...erasureRead,
    schema: {
      operationId: 'listErasureRequests',
      tags: apiTags,
      summary: 'Erasure requests of an event, newest first (organizers of the event)',
      security: [{ bearer: [] }],
      params: eventParams,
      response: {
        200: z.object({
          requests: z.array(z.object({
            id: z.uuid(),
            personId: z.uuid().nullable(),
            personName: z.string().nullable(),
            status: z.enum(['recorded', 'done']),
            requestedAt: z.date(),
            recordedAt: z.date(),
            completedAt: z.date().nullable()
          }))
        }),
        ...errorResponses
      }
    }
  }, async (request) => {
    const rows = await erasure.list(personOf(request), request.params.eventId)
    return {
      requests: rows.map(r => ({
        id: r.id,
        personId: r.person_id,
        personName: r.person_name,
        status: r.status,
        requestedAt: r.requested_at,
        recordedAt: r.recorded_at,
        completedAt: r.completed_at
      }))
    }
  })

  app.get(`${erasures}/people`, {
    ...erasureRead,
    schema: {
      operationId: 'findErasureCandidates',
      tags: apiTags,
      summary: 'People registered in the event whose name or email contains q (organizers of the event)',
      security: [{ bearer: [] }],
      params: eventParams,
      querystring: z.object({ q: z.string().max(200, { error: 'q must be at most 200 characters' }) }),
      response: { 200: z.object({ people: z.array(personSchema) }), ...errorResponses }
    }
  }, async (request) => ({ people: (await erasure.find(personOf(request), request.params.eventId, request.query.q)).map(personOut) }))

  app.get(`${erasures}/preview`, {
    ...erasureRead,
    schema: {
      operationId: 'previewErasure',
      tags: apiTags,
      summary: 'What erasing a person would erase or anonymise, and what must be kept (nothing written)',
      security: [{ bearer: [] }],
      params: eventParams,
      querystring: z.object({ personId: z.uuid({ error: 'personId must be a UUID' }) }),
      response: { 200: previewSchema, ...errorResponses }
    }
  }, async (request) => previewOut(await erasure.preview(personOf(request), request.params.eventId, request.query.personId)))

  app.post(erasures, {
    ...erasureWrite,
    bodyLimit: 16 * 1024,
    schema: {
      operationId: 'recordErasureRequest',
      tags: apiTags,
      summary: 'Records a person\'s erasure request (nothing erased until confirmed)',
      security: [{ bearer: [] }],
      params: eventParams,
      body: requestBody,
      response: { 201: requestSchema, ...errorResponses }
    }
  }, async (request, reply) => {
    const body = request.body
    const view = await erasure.record(personOf(request), request.params.eventId, {
      personId: body.personId,
      requestedAt: body.requestedAt,
      channel: body.channel,
      reason: body.reason === undefined || body.reason === '' ? null : body.reason
    })
    return await reply.code(201).send(requestOut(view))
  })

  app.get(`${erasures}/:requestId`, {
    ...erasureRead,
    schema: {
      operationId: 'getErasureRequest',
      tags: apiTags,
      summary: 'An erasure request: while recorded, what confirming will do; once done, what was done',
      security: [{ bearer: [] }],
      params: requestParams,
      response: { 200: requestSchema, ...errorResponses }
    }
  }, async (request) => requestOut(await erasure.get(personOf(request), request.params.eventId, request.params.requestId)))

  app.post(`${erasures}/:requestId/confirm`, {
    ...erasureWrite,
    schema: {
      operationId: 'confirmErasureRequest',
      tags: apiTags,
      summary: 'Erases the person in one transaction and marks the request done; confirming again changes nothing',
      security: [{ bearer: [] }],
      params: requestParams,
      response: { 200: requestSchema.extend({ repeated: z.boolean() }), ...errorResponses }
    }
  }, async (request) => {
    const view = await erasure.confirm(personOf(request), request.params.eventId, request.params.requestId)
    return { ...requestOut(view), repeated: view.repeated }
  })

  // ---------- erasure: pages ----------

  app.get('/organisateurs/confidentialite/:eventId/effacement', {
    ...erasureRead,
    schema: {
      operationId: 'erasurePage',
      tags: ['pages'],
      summary: 'Erasure requests of an event (organizers): find the person, see what goes and what stays, record the request',
      params: eventParams,
      querystring: langQuery.extend({
        q: z.string().max(200, { error: 'q must be at most 200 characters' }).optional(),
        personne: z.uuid({ error: 'personne must be a UUID' }).optional()
      }),
      produces: ['text/html'],
      response: { 200: z.string(), ...errorResponses }
    }
  }, async (request, reply) => {
    const actor = personOf(request)
    const event = await erasure.event(actor, request.params.eventId)
    const query = request.query.q ?? ''
    const found = query.trim() === '' ? undefined : await erasure.find(actor, event.id, query)
    const preview = request.query.personne === undefined ? undefined : await erasure.preview(actor, event.id, request.query.personne)
    const today = DateTime.fromJSDate(clock.now(), { zone: event.timezone }).toISODate()!
    reply.header('cache-control', 'no-store')
    return await reply.type(html).send(erasurePage(request.locale, {
      event,
      query,
      found,
      preview,
      requests: await erasure.list(actor, event.id),
      today
    }, request.url))
  })

  app.post('/organisateurs/confidentialite/:eventId/effacement', {
    ...erasureForm,
    bodyLimit: 16 * 1024,
    schema: {
      operationId: 'recordErasureRequestFromPage',
      tags: ['pages'],
      summary: 'Records an erasure request (form)',
      params: eventParams,
      querystring: langQuery,
      body: pageRequestBody,
      response: { 303: z.null(), ...errorResponses }
    }
  }, async (request, reply) => {
    const actor = personOf(request)
    const event = await erasure.event(actor, request.params.eventId)
    const view = await erasure.record(actor, event.id, pageInput(request.body, event.timezone, clock.now()))
    return await reply.redirect(`${erasureBase(event.id)}/${view.request.id}?lang=${request.locale}`, 303)
  })

  app.get('/organisateurs/confidentialite/:eventId/effacement/:requestId', {
    ...erasureRead,
    schema: {
      operationId: 'erasureRequestPage',
      tags: ['pages'],
      summary: 'One erasure request: what confirming will do, or what was done, and its log',
      params: requestParams,
      querystring: langQuery.extend({ deja: z.enum(['1']).optional() }),
      produces: ['text/html'],
      response: { 200: z.string(), ...errorResponses }
    }
  }, async (request, reply) => {
    const actor = personOf(request)
    const event = await erasure.event(actor, request.params.eventId)
    const view = await erasure.get(actor, event.id, request.params.requestId)
    reply.header('cache-control', 'no-store')
    return await reply.type(html).send(requestPage(request.locale, event, { ...view, repeated: request.query.deja === '1' }, request.url))
  })

  app.post('/organisateurs/confidentialite/:eventId/effacement/:requestId/confirmer', {
    ...erasureForm,
    schema: {
      operationId: 'confirmErasureRequestFromPage',
      tags: ['pages'],
      summary: 'Confirms an erasure request (form); confirming again changes nothing',
      params: requestParams,
      querystring: langQuery,
      response: { 303: z.null(), ...errorResponses }
    }
  }, async (request, reply) => {
    const view = await erasure.confirm(personOf(request), request.params.eventId, request.params.requestId)
    return await reply.redirect(`${erasureBase(request.params.eventId)}/${view.request.id}?lang=${request.locale}${view.repeated ? '&deja=1' : ''}`, 303)
  })
}
