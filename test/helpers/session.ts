import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { PeopleService } from '../../src/people/service.js'

export const ORIGIN = 'http://localhost:80'

/** Cookies a response sets, as a Cookie header value for the next request. */
export function cookieHeader (res: LightMyRequestResponse): string {
  return res.cookies.filter(c => c.value !== '').map(c => `${c.name}=${c.value}`).join('; ')
}

/** A Cookie header with the cookies a response set added (or replaced). */
export function withCookies (cookie: string, res: LightMyRequestResponse): string {
  const jar = new Map(cookie.split(/;\s*/).filter(Boolean).map(pair => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]))
  for (const c of res.cookies) {
    if (c.value === '') jar.delete(c.name)
    else jar.set(c.name, c.value)
  }
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ')
}

/**
 * An `Authorization` header value as a signed-in device holds it: a session token on a real,
 * live device session of the person (a token whose device session is unknown, ended or another
 * person's is refused).
 */
export async function bearerFor (ctx: { app: FastifyInstance, services: { people: PeopleService } }, personId: string): Promise<string> {
  const device = await ctx.services.people.openDeviceSession(personId, 'test')
  return `Bearer ${ctx.app.jwt.sign({ sub: personId, sid: device.deviceSessionId })}`
}

/**
 * The CSRF token the pages of this session carry, read from /moi's `<meta name="csrf-token">`
 * as a page script reads it; send it as `x-csrf-token` (or the `_csrf` field) with every
 * POST/PUT/PATCH/DELETE that a cookie authenticates. `cookie` comes back with the CSRF secret.
 */
export async function csrfFor (app: FastifyInstance, cookie: string): Promise<{ cookie: string, csrf: string }> {
  const page = await app.inject({ url: '/moi', headers: { cookie, accept: 'text/html' } })
  const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(page.body)?.[1]
  if (csrf === undefined) throw new Error(`no CSRF token on /moi (${page.statusCode}): ${page.body.slice(0, 200)}`)
  return { cookie: withCookies(cookie, page), csrf }
}

/**
 * Follows a one-time link the way a browser does: the confirmation page, then the form POST;
 * then reads the CSRF token the signed-in pages carry.
 */
export async function signInWithLink (app: FastifyInstance, url: string): Promise<{ cookie: string, csrf: string, res: LightMyRequestResponse }> {
  const path = new URL(url).pathname
  const page = await app.inject({ url: path, headers: { accept: 'text/html' } })
  if (page.statusCode !== 200) throw new Error(`sign-in page answered ${page.statusCode}: ${page.body}`)
  const token = path.split('/').pop() ?? ''
  const res = await app.inject({ method: 'POST', url: '/auth/link', headers: { origin: ORIGIN, accept: 'text/html' }, payload: { token } })
  if (res.statusCode !== 303) return { cookie: cookieHeader(res), csrf: '', res }
  return { ...await csrfFor(app, cookieHeader(res)), res }
}

/**
 * A page that needs a session, opened by a browser without a live one: sent to the sign-in form
 * (src/access/plugin.ts), which brings the person back to `path` once signed in — the page form
 * of a 401 (scripts and the API still get the 401).
 */
export function sentToSignIn (res: { statusCode: number, headers: Record<string, unknown> }, path?: string): boolean {
  const location = res.headers.location
  if (res.statusCode !== 303 || typeof location !== 'string' || !location.startsWith('/connexion?')) return false
  return path === undefined || new URL(location, 'http://compagnon.invalid').searchParams.get('retour') === path
}
