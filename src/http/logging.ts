import type { FastifyServerOptions } from 'fastify'
import type { ResolvedConfig } from '../config.js'

/**
 * Path segments that are secrets or identify a person: sign-in and personal links, pass codes,
 * room codes, attestation verification codes. Only the prefix is kept.
 */
const SECRET_SEGMENT = /(\/(?:auth\/link|cours\/suite|p|pass|verify)\/|\/presence\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/)[^/?#\s"'<>\\]+/gi
/**
 * Query parameters whose values say nothing about anyone (the language, the platform's
 * configuration address during LTI registration, a download switch). Every other value is
 * masked: LTI registration tokens, ltijs' `ltik`, email addresses typed into a search,
 * whatever a client appends.
 */
const PLAIN_QUERY = new Set(['lang', 'openid_configuration', 'telecharger'])
const QUERY_PAIR = /([?&])([^=&#\s"'<>\\]*)(=[^&#\s"'<>\\]*)?/g
const REDACTED = '[redacted]'

const maskQuery = (_match: string, sep: string, key: string, value: string | undefined): string =>
  PLAIN_QUERY.has(key) ? `${sep}${key}${value ?? ''}` : value === undefined ? `${sep}${key === '' ? '' : REDACTED}` : `${sep}${key}=${REDACTED}`

/** A request URL as logged: secret path segments and query values replaced by [redacted]. */
export function redactUrl (url: string): string {
  const query = url.indexOf('?')
  const path = query === -1 ? url : url.slice(0, query)
  const safePath = path.replace(SECRET_SEGMENT, `$1${REDACTED}`)
  return query === -1 ? safePath : safePath + url.slice(query).replace(QUERY_PAIR, maskQuery)
}

/**
 * The last net, on every serialized log line: a URL quoted in a message or an error (a 404's
 * "No route for GET /p/…", a library's error text) gets the same treatment. Cheap on lines
 * with nothing to mask (two lines per request on the check-in path).
 */
export function redactLine (line: string): string {
  const paths = line.replace(SECRET_SEGMENT, `$1${REDACTED}`)
  return paths.includes('?') ? paths.replace(/\?[^\s"'<>\\]*/g, query => query.replace(QUERY_PAIR, maskQuery)) : paths
}

/**
 * Fastify's pino, one JSON line per event. Request lines carry `reqId` (a random UUID, also
 * returned as `requestId` in error bodies); the request is logged as method, redacted URL,
 * client address (behind TRUST_PROXY, the forwarded one) — never headers, so no cookie or
 * bearer token; `redact` covers headers anyone logs on purpose.
 */
export function loggerOptions (config: Pick<ResolvedConfig, 'logLevel'>): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', 'headers.authorization', 'headers.cookie'],
      censor: REDACTED
    },
    hooks: { streamWrite: redactLine },
    serializers: {
      req (request: { method: string, url: string, id: string, ip?: string }) {
        return { id: request.id, method: request.method, url: redactUrl(request.url), ip: request.ip }
      }
    }
  }
}
