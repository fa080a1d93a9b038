// Every route says what it needs in `config.access`; this plugin authenticates and authorizes
// before the handler runs, and refuses to start an app with a route that says nothing.
import diagnostics from 'node:diagnostics_channel'
import fp from 'fastify-plugin'
import type { FastifyRequest, RouteOptions } from 'fastify'
import { AppError } from '../errors.js'
import type { AccessPolicy, Action, Actor, Decision, Resource } from './policy.js'

/**
 * What a route needs:
 * - `{ public }` anyone, signed in or not (the reason, in a few words);
 * - `{ signedIn }` any signed-in person, acting on their own things;
 * - `{ action, resource }` a signed-in person the policy allows to do `action` to the resource
 *   the request names (read from params, query or the parsed body).
 * `auth` says how the caller is recognised: `api` bearer tokens only, `page` cookies too;
 * by default `api` under /api/ and `page` elsewhere.
 */
export type AccessRule =
  | { public: string }
  | { signedIn: string, auth?: 'api' | 'page' }
  | { action: Action, resource: (request: FastifyRequest) => Resource | Promise<Resource>, auth?: 'api' | 'page' }

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call this route (src/access/plugin.ts); start-up fails for a route without one. */
    access?: AccessRule
  }
  interface FastifyInstance {
    access: AccessPolicy
  }
}

/** Published for every decision (tests check each one against the specification). */
export const decisions = diagnostics.channel('compagnon:access')
export interface DecisionMessage { route: string, actor: Actor, action: Action, resource: Resource, decision: Decision }

export const describeRoute = (route: Pick<RouteOptions, 'method' | 'url'>): string[] => [route.method].flat().map(m => `${m} ${route.url}`)

/**
 * Registered first, so that it sees every route (documentation, assets, health included): at
 * start-up, any route without `config.access` stops the app.
 */
export const accessDeclarations = fp(async app => {
  const routes: RouteOptions[] = []
  app.addHook('onRoute', route => { routes.push(route) })
  // Checked once everything is registered: plugins we do not own (the API documentation) get
  // their declaration from the scope that registers them, after this hook has seen the route.
  app.addHook('onReady', async () => {
    const undeclared = routes.filter(r => r.config?.access === undefined).flatMap(describeRoute)
    if (undeclared.length > 0) {
      throw new Error(`routes without an access rule (config.access, src/access/plugin.ts):\n  ${undeclared.join('\n  ')}`)
    }
  })
}, { name: 'compagnon-access-declarations' })

export interface AccessOptions {
  policy: AccessPolicy
  /**
   * Where a browser opening a page that needs a session is sent when it has none (the sign-in
   * form, coming back here afterwards), instead of a 401. Scripts and the API keep the 401.
   */
  signInPage?: (request: FastifyRequest) => string
}

/** Someone opening a page in a browser (a link, the address bar): a GET that asks for HTML, with no bearer token. */
const documentRequest = (request: FastifyRequest): boolean =>
  request.method === 'GET' && request.headers.authorization === undefined && (request.headers.accept ?? '').includes('text/html')

/** Registered after authentication (and after the security headers, so refusals carry them too). */
export default fp<AccessOptions>(async (app, { policy, signInPage }) => {
  app.decorate('access', policy)

  const authOf = (request: FastifyRequest, rule: Exclude<AccessRule, { public: string }>): 'api' | 'page' =>
    rule.auth ?? (request.routeOptions.url?.startsWith('/api/') === true ? 'api' : 'page')

  // Who: before the body is read, so anonymous uploads are refused at once.
  app.addHook('onRequest', async (request, reply) => {
    const rule = request.routeOptions.config.access
    if (rule === undefined || 'public' in rule) return
    const kind = authOf(request, rule)
    try {
      await app.authenticate(kind).call(app, request, reply)
    } catch (err) {
      if (signInPage === undefined || kind !== 'page' || !(err instanceof AppError) || err.code !== 'unauthorized' || !documentRequest(request)) throw err
      return await reply.redirect(signInPage(request), 303)
    }
  })
  // What: after parsing and validation, so the resource may come from the body.
  app.addHook('preHandler', async request => {
    const rule = request.routeOptions.config.access
    if (rule === undefined || !('action' in rule)) return
    const actor: Actor = request.auth === null ? null : { personId: request.auth.personId }
    const resource = await rule.resource(request)
    const decision = await policy.decide(actor, rule.action, resource)
    if (decisions.hasSubscribers) {
      decisions.publish({
        route: `${request.method} ${request.routeOptions.url ?? ''}`,
        actor,
        action: rule.action,
        resource,
        decision
      } satisfies DecisionMessage)
    }
    // A thing that does not exist is the handler's to answer (with what was not found).
    if (decision === 'deny') throw policy.refusal(rule.action, decision)
  })
}, { name: 'compagnon-access', dependencies: ['compagnon-authentication', 'compagnon-access-declarations'] })
