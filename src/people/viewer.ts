import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { runAsViewer, type Viewer } from '../http/viewer.js'
import type { PeopleService } from './service.js'

/**
 * Paths whose answers never carry the site's header: the guide's own pages (VitePress, src/http/guide.ts)
 * and the site's scripts, stylesheets and images. A missing guide page's 404 does carry it, and
 * shows the way in there: cheaper than looking up every reader of the guide.
 */
const WITHOUT_HEADER = /^\/(?:aide|assets)(?:[/?]|$)/

/**
 * A page for a browser: not the API, not a script or a stylesheet. POSTs included: some answer a
 * page (the check-in's confirmation), and a refused form answers an error page with the header.
 */
const pageRequest = (request: FastifyRequest): boolean =>
  !request.url.startsWith('/api/') && !WITHOUT_HEADER.test(request.url) && (request.headers.accept ?? '').includes('text/html')

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
    }
    if (request.authVia !== 'cookie') return undefined
    const eventId = (request.params as Record<string, unknown> | undefined)?.eventId
    const viewer = await people.viewer(request.auth.personId, typeof eventId === 'string' ? eventId : undefined)
    // The page now carries this person's name: not for shared caches. Set before the handler, so
    // that one saying more (`no-store`) has the last word.
    if (viewer !== undefined && !reply.hasHeader('cache-control')) reply.header('cache-control', 'private')
    return viewer
  }

  // A callback hook: the handler and the error handler run inside `done`, so inside the viewer's context.
  app.addHook('preHandler', (request, reply, done) => {
    viewerOf(request, reply).then(viewer => { if (viewer === undefined) done(); else runAsViewer(viewer, done) }, done)
  })
}, { name: 'compagnon-viewer', dependencies: ['compagnon-authentication'] })
