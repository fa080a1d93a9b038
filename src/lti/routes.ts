import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod'
import { z } from 'zod'
import { errorResponses, langQuery } from '../http/schemas.js'
import { AppError, forbidden } from '../errors.js'
import type { PeopleService } from '../people/service.js'
import type { ProgramService } from '../program/service.js'
import { coursePage, deepLinkPage, deepLinkReturnPage } from './pages.js'
import { assertSameOrigin } from '../people/authentication.js'
import { deepLinkTargets, type LtiService } from './service.js'

/** Where an LTI launch lands: the person's course page, in our own session. */
export const ltiRoutes: FastifyPluginAsyncZod<{ people: PeopleService, program: ProgramService, lti: LtiService }> = async (app, { people, program, lti }) => {
  app.get('/cours', {
    onRequest: app.authenticate('page'),
    schema: { operationId: 'coursePage', tags: ['pages'], summary: 'Course home after an LTI launch', querystring: langQuery, produces: ['text/html'], response: { 200: z.string(), ...errorResponses } }
  }, async (request, reply) => {
    const personId = request.auth?.personId ?? ''
    const roles = await people.roles(personId)
    const events = await Promise.all([...new Set(roles.map(r => r.eventId))].map(async id => await program.getEvent(id)))
    const taught = await Promise.all((await lti.taughtCourses(personId)).map(async course => ({ ...course, grades: await app.gradeOutbox.state(course.id) })))
    reply.header('cache-control', 'no-store')
    return await reply.type('text/html; charset=utf-8').send(coursePage(request.locale, { person: await people.getPerson(personId), roles, events, taught }, request.url))
  })

  app.post('/cours/liste/:contextId', {
    onRequest: [app.authenticate('page'), async (request) => { assertSameOrigin(request) }],
    schema: {
      operationId: 'syncRoster',
      tags: ['pages'],
      summary: 'An instructor refreshes the class list from the LMS (NRPS)',
      params: z.object({ contextId: z.uuid({ error: 'this is not a course address' }) }),
      querystring: langQuery,
      response: { 303: z.null(), ...errorResponses }
    }
  }, async (request, reply) => {
    if (!await lti.teaches(request.auth?.personId ?? '', request.params.contextId)) throw forbidden({ fr: 'Seules les personnes enseignantes de ce cours peuvent synchroniser sa liste.', en: 'Only instructors of this course can sync its list.' })
    try {
      await app.roster.sync(request.params.contextId)
    } catch (err) {
      request.log.warn({ err }, 'roster sync failed')
      throw new AppError('unavailable', { fr: 'Le LMS n\'a pas fourni la liste de la classe. Réessayez dans un instant.', en: 'The LMS did not provide the class list. Try again in a moment.' })
    }
    return await reply.redirect(`/cours?lang=${request.locale}`, 303)
  })

  const requestParams = z.object({ requestId: z.uuid({ error: 'this is not a content selection address' }) })
  const html = 'text/html; charset=utf-8'

  app.get('/cours/contenu/:requestId', {
    onRequest: app.authenticate('page'),
    schema: { operationId: 'deepLinkingPage', tags: ['pages'], summary: 'Deep Linking: the instructor chooses what to place in the course', params: requestParams, querystring: langQuery, produces: ['text/html'], response: { 200: z.string(), ...errorResponses } }
  }, async (request, reply) => {
    const { acceptMultiple } = await lti.deepLinkRequest(request.params.requestId, request.auth?.personId ?? '')
    reply.header('cache-control', 'no-store')
    return await reply.type(html).send(deepLinkPage(request.locale, request.params.requestId, acceptMultiple, request.url))
  })

  app.post('/cours/contenu/:requestId', {
    onRequest: [app.authenticate('page'), async (request) => { assertSameOrigin(request) }],
    schema: {
      operationId: 'answerDeepLinking',
      tags: ['pages'],
      summary: 'Deep Linking: signs the chosen items and posts them back to the platform',
      params: requestParams,
      querystring: langQuery,
      body: z.object({
        items: z.union([z.enum(deepLinkTargets), z.array(z.enum(deepLinkTargets)).min(1)], { error: 'choose at least one item' })
      }),
      response: { 200: z.string(), ...errorResponses }
    }
  }, async (request, reply) => {
    const items = Array.isArray(request.body.items) ? [...new Set(request.body.items)] : [request.body.items]
    const answer = await lti.answerDeepLinking(request.params.requestId, request.auth?.personId ?? '', items, request.locale)
    reply.header('cache-control', 'no-store')
    // This page's one form posts to the platform: allow exactly that origin as a form target.
    reply.header('content-security-policy', `default-src 'self'; base-uri 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; frame-ancestors *; form-action 'self' ${new URL(answer.returnUrl).origin}`)
    return await reply.type(html).send(deepLinkReturnPage(request.locale, answer.returnUrl, answer.jwt))
  })
}
