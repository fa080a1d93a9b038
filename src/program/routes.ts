import type { FastifyReply, FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod'
import { z } from 'zod'
import { open } from '../access/declare.js'
import { addVary, compressPage, sendRendered } from '../http/rendered.js'
import { errorResponses, langQuery } from '../http/schemas.js'
import type { ProgramService, ProgramVersion } from './service.js'
import { notFound } from '../errors.js'
import { bilingual } from '../views/i18n.js'
import { eventIdParams, eventKeyParams, eventsSchema, programPageQuery, programSchema, sessionCalendarParams } from './schemas.js'
import { noEventPage } from './pages.js'
import { pagePath, type ProgramRenderings } from './renderings.js'

export interface ProgramRoutesOptions {
  program: ProgramService
  renderings: ProgramRenderings
}

/**
 * Data anyone may keep a minute, then ask again (a 304 when unchanged): calendar apps poll the
 * feed, and an import must show within a minute.
 */
const PUBLIC_DATA = 'public, max-age=60, must-revalidate'
/** Pages are asked again every time (a 304 when unchanged): the "now / next" marks move, and so does the header. */
const PAGE = 'no-cache'
const VIEWER_PAGE = 'private, no-cache'

/** Without `?lang=`, the language comes from the `lang` cookie or Accept-Language (plugins/locale.ts): the answer depends on them. */
const languageHeaders = (request: FastifyRequest): string[] =>
  (request.query as { lang?: unknown } | undefined)?.lang === undefined ? ['Accept-Language', 'Cookie'] : []

/** Public program: JSON API, iCalendar feed, and the pages, each rendered once per program version (renderings.ts). */
export const programRoutes: FastifyPluginAsyncZod<ProgramRoutesOptions> = async (app, { program, renderings }) => {
  const publicProgram = { config: { access: open('the program is public') } }

  const sendPage = async (request: FastifyRequest<{ Querystring: { jour?: string } }>, reply: FastifyReply, version: ProgramVersion): Promise<FastifyReply> => {
    const page = await renderings.page(version, request.locale, pagePath(request.url), request.query.jour)
    if (typeof page !== 'string') return await sendRendered(request, reply, page, { cacheControl: PAGE, vary: languageHeaders(request) })
    addVary(reply, ...languageHeaders(request))
    // Compressed by the route's onSend (compressPage), once the form tokens are in.
    return await reply.header('cache-control', VIEWER_PAGE).type('text/html; charset=utf-8').send(page)
  }

  app.get('/api/v1/events', {
    ...publicProgram,
    schema: {
      operationId: 'listEvents',
      tags: ['program'],
      summary: 'Events known to Compagnon',
      response: { 200: eventsSchema, 500: errorResponses[500] }
    }
  }, async () => ({ events: await program.listEvents() }))

  app.get('/api/v1/events/:eventId', {
    ...publicProgram,
    schema: {
      operationId: 'getEvent',
      tags: ['program'],
      summary: 'One event',
      params: eventIdParams,
      response: { 200: z.object({ event: programSchema.shape.event }), 400: errorResponses[400], 404: errorResponses[404] }
    }
  }, async (request) => ({ event: await program.getEvent(request.params.eventId) }))

  app.get('/api/v1/events/:eventId/program', {
    ...publicProgram,
    schema: {
      operationId: 'getProgram',
      tags: ['program'],
      summary: 'Days, time slots and sessions of an event',
      description: 'Sessions sharing a time slot are parallel alternatives: a participant attends one. `room` and `description` are null until known.',
      params: eventIdParams,
      response: { 200: programSchema, 400: errorResponses[400], 404: errorResponses[404] }
    }
  }, async (request, reply) => {
    const rendered = await renderings.json(await program.programVersion(request.params.eventId))
    return await sendRendered(request, reply, rendered, { cacheControl: PUBLIC_DATA })
  })

  app.get('/api/v1/events/:eventId/calendar.ics', {
    ...publicProgram,
    schema: {
      operationId: 'getProgramCalendar',
      tags: ['program'],
      summary: 'The program as an iCalendar feed (UID = session key)',
      params: eventIdParams,
      querystring: langQuery,
      produces: ['text/calendar'],
      response: { 200: z.string().describe('text/calendar'), 400: errorResponses[400], 404: errorResponses[404] }
    }
  }, async (request, reply) => {
    const version = await program.programVersion(request.params.eventId)
    const rendered = await renderings.calendar(version, request.query.lang ?? request.locale)
    reply.header('content-disposition', `inline; filename="${version.eventKey}.ics"`)
    return await sendRendered(request, reply, rendered, { cacheControl: PUBLIC_DATA, vary: languageHeaders(request) })
  })

  app.get('/api/v1/events/:eventId/sessions/:sessionKey/calendar.ics', {
    ...publicProgram,
    schema: {
      operationId: 'getSessionCalendar',
      tags: ['program'],
      summary: 'One session as an iCalendar file ("add to my calendar"; UID = session key, as in the feed)',
      params: sessionCalendarParams,
      querystring: langQuery,
      produces: ['text/calendar'],
      response: { 200: z.string().describe('text/calendar'), 400: errorResponses[400], 404: errorResponses[404] }
    }
  }, async (request, reply) => {
    const version = await program.programVersion(request.params.eventId)
    const rendered = await renderings.sessionCalendar(version, request.params.sessionKey, request.query.lang ?? request.locale)
    if (rendered === undefined) throw notFound(bilingual('program.sessionNotFound'))
    reply.header('content-disposition', `attachment; filename="${request.params.sessionKey}.ics"`)
    return await sendRendered(request, reply, rendered, { cacheControl: PUBLIC_DATA, vary: languageHeaders(request) })
  })

  const pageResponse = { 200: z.string().describe('text/html'), 400: errorResponses[400], 404: errorResponses[404] }

  app.get('/', {
    ...publicProgram,
    onSend: compressPage,
    schema: {
      operationId: 'homePage',
      tags: ['pages'],
      summary: 'Program of the current event (HTML), one day at a time (`jour`)',
      querystring: programPageQuery,
      produces: ['text/html'],
      response: pageResponse
    }
  }, async (request, reply) => {
    const current = await program.currentProgramVersion()
    if (current === undefined) return await reply.type('text/html; charset=utf-8').send(noEventPage(request.locale, request.url))
    return await sendPage(request, reply, current)
  })

  app.get('/events/:eventKey', {
    ...publicProgram,
    onSend: compressPage,
    schema: {
      operationId: 'programPage',
      tags: ['pages'],
      summary: 'Program of an event (HTML), one day at a time (`jour`)',
      params: eventKeyParams,
      querystring: programPageQuery,
      produces: ['text/html'],
      response: pageResponse
    }
  }, async (request, reply) => await sendPage(request, reply, await program.programVersionByKey(request.params.eventKey)))
}
