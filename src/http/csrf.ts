import { createHmac } from 'node:crypto'
import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import csrfProtection from '@fastify/csrf-protection'
import type { ResolvedConfig } from '../config.js'
import { forbidden } from '../errors.js'
import { bilingual } from '../views/i18n.js'
import { cookieBase, CSRF_COOKIE, DEVICE_MAX_AGE } from './cookies.js'

/** Where a token travels: a form field, the query string (multipart forms), or a header (scripts). */
export const CSRF_FIELD = '_csrf'
export const CSRF_HEADER = 'x-csrf-token'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export const csrfRefused = (): Error => forbidden(bilingual('system.formExpired'))

const tokenOf = (request: FastifyRequest): string | undefined => {
  const body = request.body as Record<string, unknown> | null | undefined
  const query = request.query as Record<string, unknown> | undefined
  const header = request.headers[CSRF_HEADER]
  for (const candidate of [typeof body === 'object' && body !== null ? body[CSRF_FIELD] : undefined, query?.[CSRF_FIELD], header]) {
    if (typeof candidate === 'string' && candidate !== '') return candidate
  }
  return undefined
}

const escapeAttribute = (value: string): string => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')

/**
 * Adds the token to a page: a `<meta name="csrf-token">` for scripts (they send it as
 * X-CSRF-Token), a hidden field in every POST form to our own origin, and, for multipart forms
 * (whose body the handler streams, unread when the token is checked), `_csrf` in the action's
 * query string. Forms posting elsewhere (an answer to the LMS) never get it.
 */
export function withCsrfToken (page: string, token: string, publicUrl: string): string {
  const value = escapeAttribute(token)
  const ownAction = (action: string | undefined): boolean =>
    action === undefined || action === '' || /^[/?#](?!\/)/.test(action) || action.startsWith(`${publicUrl}/`)
  const withForms = page.replace(/(<form\b[^>]*>)([\s\S]*?)(<\/form>)/gi, (whole, open: string, inside: string, close: string) => {
    if (!/\bmethod\s*=\s*["']?post\b/i.test(open)) return whole
    const action = /\baction\s*=\s*"([^"]*)"/i.exec(open)?.[1]
    if (!ownAction(action)) return whole
    if (/\benctype\s*=\s*["']?multipart\/form-data/i.test(open) && action !== undefined) {
      const [beforeHash, hash] = action.split('#', 2) as [string, string | undefined]
      const target = `${beforeHash}${beforeHash.includes('?') ? '&amp;' : '?'}${CSRF_FIELD}=${value}${hash !== undefined ? `#${hash}` : ''}`
      return `${open.replace(/\baction\s*=\s*"[^"]*"/i, () => `action="${target}"`)}${inside}${close}`
    }
    // Last in the form: a hidden first child would shift spacing rules such as `.stack > * + *`.
    return `${open}${inside}<input type="hidden" name="${CSRF_FIELD}" value="${value}">${close}`
  })
  return withForms.replace(/<\/head>/i, () => `<meta name="csrf-token" content="${value}">\n</head>`)
}

/**
 * CSRF tokens for requests authenticated by our cookies (pages, forms, page scripts). Cookies
 * are `SameSite=None` (the pages live in the LMS iframe), so a page on any site could make the
 * browser send them: every unsafe request they authenticate must also carry a token that only
 * our pages can read. Tokens come from @fastify/csrf-protection: derived from a secret kept in
 * a signed cookie and bound to the device session (`userInfo`), so a token taken from another
 * session or browser is refused. Bearer-authenticated calls (the API) and anonymous requests
 * (sign-in links, the public PDF check, LTI messages) need none: no cookie speaks for them.
 * The same-origin check (Sec-Fetch-Site / Origin, same-origin.ts) stays as a second layer.
 */
export default fp<{ config: ResolvedConfig }>(async (app, { config }) => {
  await app.register(csrfProtection, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: CSRF_COOKIE,
    cookieOpts: { ...cookieBase, signed: true, maxAge: DEVICE_MAX_AGE },
    getUserInfo: request => request.auth?.deviceSessionId ?? '',
    getToken: tokenOf,
    logLevel: 'info',
    csrfOpts: { userInfo: true, hmacKey: createHmac('sha256', config.secrets.cookieSecret).update('compagnon csrf tokens').digest() }
  })

  /** The plugin's check, answering true/false instead of its own English-only error. */
  const valid = async (request: FastifyRequest, reply: FastifyReply): Promise<boolean> => await new Promise(resolve => {
    const answer = { send: () => { resolve(false); return answer }, unsignCookie: (value: string) => reply.unsignCookie(value) }
    app.csrfProtection(request, answer as unknown as FastifyReply, () => { resolve(true) })
  })

  // After the body is parsed (a form's field), before validation (strict schemas would refuse the field).
  app.addHook('preValidation', async (request, reply) => {
    if (SAFE_METHODS.has(request.method) || request.authVia !== 'cookie') return
    if (!await valid(request, reply)) throw csrfRefused()
    const body = request.body as Record<string, unknown> | null | undefined
    if (typeof body === 'object' && body !== null && CSRF_FIELD in body) delete body[CSRF_FIELD]
    const query = request.query as Record<string, unknown> | undefined
    if (query !== undefined && CSRF_FIELD in query) delete query[CSRF_FIELD]
  })

  app.addHook('onSend', async (request, reply, payload) => {
    if (request.authVia !== 'cookie' || request.auth === null || typeof payload !== 'string') return payload
    if (!String(reply.getHeader('content-type') ?? '').startsWith('text/html')) return payload
    return withCsrfToken(payload, reply.generateCsrf({ userInfo: request.auth.deviceSessionId }), config.publicUrl)
  })
}, { name: 'compagnon-csrf', dependencies: ['@fastify/cookie'] })
