import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import helmet from 'helmet'
import type { ResolvedConfig } from '../config.js'
import type { Db } from '../db/database.js'
import csrf from './csrf.js'
import { FrameAncestors, type FramingPlatform } from './frame-ancestors.js'
import rateLimits, { type RateLimitSettings } from './rate-limits.js'

export interface SecurityOptions {
  config: ResolvedConfig
  /** The registered LMS platforms (read again every minute, and after a platform changes). */
  platforms: () => Promise<FramingPlatform[]>
  /** Tests lower the ceilings to reach them in a few requests. */
  limits?: Partial<RateLimitSettings>
  /** On PostgreSQL: the database where every instance counts the low-rate limits (see rate-limit-store.ts). */
  sharedCounters?: Db
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Reads the registered LMS origins again now (after registering, approving or suspending a platform). */
    refreshFrameAncestors: () => Promise<void>
  }
}

type Middleware = (req: FastifyRequest['raw'], res: import('node:http').ServerResponse, next: (err?: unknown) => void) => void

/**
 * Helmet's headers, computed once per list of origins (the Fastify wrapper of helmet rebuilds
 * them on every request). Pages are opened inside the LMS (an iframe on another origin):
 * `frame-ancestors` names the registered platforms, and so does `form-action` (a page posting
 * back to its LMS).
 */
function headers (frameAncestors: string[], formAction: string[]): Middleware {
  return helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        // swagger-ui's page needs inline styles; our pages use the stylesheet only.
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
        frameAncestors,
        formAction
      }
    },
    // frame-ancestors decides; X-Frame-Options cannot name another origin.
    frameguard: false,
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'no-referrer' },
    // Behind a TLS-terminating proxy, HSTS is the proxy's decision.
    strictTransportSecurity: false
  }) as Middleware
}

/** Requests whose answers are never framed: they must not wait on the first read of the platforms. */
const PROBE = /^\/(health|ready|metrics)(\?|$)/
/** Successful unsafe requests to these paths register, approve or suspend a platform. */
const PLATFORM_CHANGE = /^\/(lti\/register|organisateurs\/plateformes\/|api\/v1\/lti\/)/
/**
 * Dynamic registration is opened by an LMS that is not registered yet, in its own frame; the
 * page is useless without the organizer's one-time token, so any site may frame it.
 */
const DYNAMIC_REGISTRATION = /^\/lti\/register(\?|$)/

/**
 * Security for every response: headers (helmet, CSP with the LMS origins), CSRF tokens for
 * cookie-authenticated forms (csrf.ts) and request ceilings (rate-limits.ts).
 */
export default fp<SecurityOptions>(async (app, { config, platforms, limits, sharedCounters }) => {
  let framed = headers(["'self'"], ["'self'"])
  const anyFrame = headers(["'self'", '*'], ["'self'"])
  const ancestors = new FrameAncestors(platforms, origins => {
    framed = headers(["'self'", ...origins], ["'self'", ...origins])
    app.log.info({ origins }, 'LMS origins allowed to frame Compagnon')
  }, err => { app.log.warn({ err }, 'could not read the registered LMS platforms; framing rules unchanged') })
  app.decorate('refreshFrameAncestors', async () => { await ancestors.refresh() })

  app.addHook('onRequest', (request, reply, done) => {
    const apply = (): void => {
      const middleware = DYNAMIC_REGISTRATION.test(request.url) ? anyFrame : framed
      middleware(request.raw, reply.raw, err => { done(err as Error | undefined) })
    }
    // Only the first request waits for the first read (and never a probe, which is not framed).
    if (ancestors.loaded || PROBE.test(request.url)) {
      ancestors.refreshIfStale()
      apply()
    } else {
      ancestors.refresh().then(apply, done)
    }
  })
  app.addHook('onResponse', async (request, reply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD' && reply.statusCode < 400 && PLATFORM_CHANGE.test(request.url)) {
      ancestors.refresh().catch(() => {})
    }
  })

  await app.register(csrf, { config })
  await app.register(rateLimits, {
    ...limits,
    sharedCounters: sharedCounters === undefined ? undefined : { db: sharedCounters, secret: config.secrets.cookieSecret }
  })
}, { name: 'compagnon-security', dependencies: ['@fastify/cookie'] })
