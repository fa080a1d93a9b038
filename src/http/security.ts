import fp from 'fastify-plugin'
import helmet from 'helmet'
import type { ResolvedConfig } from '../config.js'
import type { Db } from '../db/database.js'

export interface SecurityOptions { config: ResolvedConfig, db: Db }

/**
 * Security headers for every response. Pages are opened inside the LMS (an iframe on another
 * origin), so framing is allowed; the rest follows helmet's defaults.
 */
export default fp<SecurityOptions>(async (app) => {
  // Computed once (the Fastify wrapper of helmet rebuilds it on every request).
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        // swagger-ui's page needs inline styles; our pages use the stylesheet only.
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
        frameAncestors: ['*']
      }
    },
    frameguard: false,
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'no-referrer' },
    // Behind a TLS-terminating proxy, HSTS is the proxy's decision.
    strictTransportSecurity: false
  })
  app.addHook('onRequest', (request, reply, done) => { securityHeaders(request.raw, reply.raw, (err?: unknown) => { done(err as Error | undefined) }) })
}, { name: 'compagnon-security' })
