import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod'
import { z } from 'zod'
import { open } from '../access/declare.js'
import { errorResponses, langQuery } from '../http/schemas.js'
import type { ProgramService } from './service.js'
import { notFound } from '../errors.js'
import { bilingual } from '../views/i18n.js'
import { eventIdParams, eventKeyParams, eventsSchema, programPageQuery, programSchema, sessionCalendarParams } from './schemas.js'
import { programCalendar, sessionCalendar } from './ical.js'
import { noEventPage, programPage } from './pages.js'

export interface ProgramRoutesOptions {
  program: ProgramService
  publicUrl: string
}

/** Public program: JSON API, iCalendar feed, and the pages. */
export const programRoutes: FastifyPluginAsyncZod<ProgramRoutesOptions> = async (app, { program, publicUrl }) => {
  const publicProgram = { config: { access: open('the program is public') } }

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
  }, async (request) => await program.getProgram(request.params.eventId))

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
    const data = await program.getProgram(request.params.eventId)
    return await reply
      .type('text/calendar; charset=utf-8')
      .header('content-disposition', `inline; filename="${data.event.key}.ics"`)
      .send(programCalendar(data, request.query.lang ?? request.locale, publicUrl))
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
    const data = await program.getProgram(request.params.eventId)
    const body = sessionCalendar(data, request.params.sessionKey, request.query.lang ?? request.locale, publicUrl)
    if (body === undefined) throw notFound(bilingual('program.sessionNotFound'))
    return await reply
      .type('text/calendar; charset=utf-8')
      .header('content-disposition', `attachment; filename="${request.params.sessionKey}.ics"`)
      .send(body)
  })

  const pageResponse = { 200: z.string().describe('text/html'), 400: errorResponses[400], 404: errorResponses[404] }

  app.get('/', {
    ...publicProgram,
    schema: { operationId: 'homePage', tags: ['pages'], summary: 'Program of the current event (HTML), one day at a time (`jour`)', querystring: programPageQuery, produces: ['text/html'], response: pageResponse }
  }, async (request, reply) => {
    const current = await program.currentEvent()
    reply.type('text/html; charset=utf-8')
    if (current === undefined) return noEventPage(request.locale, request.url)
    return programPage(await program.getProgram(current.id), request.locale, request.url, { day: request.query.jour, now: program.now() })
  })

  app.get('/events/:eventKey', {
    ...publicProgram,
    schema: { operationId: 'programPage', tags: ['pages'], summary: 'Program of an event (HTML), one day at a time (`jour`)', params: eventKeyParams, querystring: programPageQuery, produces: ['text/html'], response: pageResponse }
  }, async (request, reply) => {
    const event = await program.getEventByKey(request.params.eventKey)
    reply.type('text/html; charset=utf-8')
    return programPage(await program.getProgram(event.id), request.locale, request.url, { day: request.query.jour, now: program.now() })
  })
}
