import type { FastifyRequest } from 'fastify'
import { forbidden } from '../errors.js'
import { bilingual } from '../views/i18n.js'

/**
 * Unsafe methods from a page must come from our own pages (cookies are SameSite=None, so
 * the browser would attach them to a forged cross-site form). Browsers send Sec-Fetch-Site,
 * which page scripts cannot set; it is the only signal under our `no-referrer` policy, where
 * form posts carry `Origin: null`. Without it (older browsers), Origin must match our host.
 */
export function assertSameOrigin (request: FastifyRequest): void {
  if (request.method === 'GET' || request.method === 'HEAD') return
  const site = request.headers['sec-fetch-site']
  const sameOrigin = site !== undefined
    ? site === 'same-origin'
    : request.headers.origin === `${request.protocol}://${request.host}`
  if (!sameOrigin) {
    throw forbidden(bilingual('people.crossSiteRefused'))
  }
}
