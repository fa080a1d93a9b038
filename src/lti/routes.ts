import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod'
import { z } from 'zod'
import { errorResponses, langQuery } from '../http/schemas.js'
import type { PeopleService } from '../people/service.js'
import type { ProgramService } from '../program/service.js'
import { coursePage } from './pages.js'

/** Where an LTI launch lands: the person's course page, in our own session. */
export const ltiRoutes: FastifyPluginAsyncZod<{ people: PeopleService, program: ProgramService }> = async (app, { people, program }) => {
  app.get('/cours', {
    onRequest: app.authenticate('page'),
    schema: { operationId: 'coursePage', tags: ['pages'], summary: 'Course home after an LTI launch', querystring: langQuery, produces: ['text/html'], response: { 200: z.string(), ...errorResponses } }
  }, async (request, reply) => {
    const personId = request.auth?.personId ?? ''
    const roles = await people.roles(personId)
    const events = await Promise.all([...new Set(roles.map(r => r.eventId))].map(async id => await program.getEvent(id)))
    reply.header('cache-control', 'no-store')
    return await reply.type('text/html; charset=utf-8').send(coursePage(request.locale, { person: await people.getPerson(personId), roles, events }, request.url))
  })
}
