import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { runAsViewer, type Viewer } from '../http/viewer.js'
import type { PeopleService } from './service.js'

/** A page for a browser: not the API, not a script or a stylesheet. */
const pageRequest = (request: FastifyRequest): boolean =>
  !request.url.startsWith('/api/') && (request.headers.accept ?? '').includes('text/html')

/**
 * Tells the site's header who is looking (src/http/viewer.ts): on a page for a signed-in
 * person, their name and the event worth going back to. Pages anyone may open (the program, the
 * sign-in form, a 404) also look for a session in the page cookies, without ever refusing, so
 * that the header shows the person there too. Registered before the access policy's check, so a
 * refusal page also knows who was refused.
 */
export default fp<{ people: PeopleService }>(async (app, { people }) => {
  const viewerOf = async (request: FastifyRequest, reply: FastifyReply): Promise<Viewer | undefined> => {
    if (!pageRequest(request)) return undefined
    if (request.auth === null) {
      const rule = request.routeOptions.config?.access
      if (request.method !== 'GET' || (rule !== undefined && !('public' in rule))) return undefined
      await app.identifyPage(request, reply)
      if (request.auth === null) return undefined
      // A page anyone may open now carries this person's name: not for shared caches.
      reply.header('cache-control', 'private')
    }
    if (request.authVia !== 'cookie') return undefined
    const eventId = (request.params as Record<string, unknown> | undefined)?.eventId
    return await people.viewer(request.auth.personId, typeof eventId === 'string' ? eventId : undefined)
  }

  // A callback hook: the handler and the error handler run inside `done`, so inside the viewer's context.
  app.addHook('preHandler', (request, reply, done) => {
    viewerOf(request, reply).then(viewer => { if (viewer === undefined) done(); else runAsViewer(viewer, done) }, done)
  })
}, { name: 'compagnon-viewer', dependencies: ['compagnon-authentication'] })
