import type { FastifyInstance, LightMyRequestResponse } from 'fastify'

export const ORIGIN = 'http://localhost:80'

/** Cookies a response sets, as a Cookie header value for the next request. */
export function cookieHeader (res: LightMyRequestResponse): string {
  return res.cookies.filter(c => c.value !== '').map(c => `${c.name}=${c.value}`).join('; ')
}

/** Follows a one-time link the way a browser does: the confirmation page, then the form POST. */
export async function signInWithLink (app: FastifyInstance, url: string): Promise<{ cookie: string, res: LightMyRequestResponse }> {
  const path = new URL(url).pathname
  const page = await app.inject({ url: path, headers: { accept: 'text/html' } })
  if (page.statusCode !== 200) throw new Error(`sign-in page answered ${page.statusCode}: ${page.body}`)
  const token = path.split('/').pop() ?? ''
  const res = await app.inject({ method: 'POST', url: '/auth/link', headers: { origin: ORIGIN, accept: 'text/html' }, payload: { token } })
  return { cookie: cookieHeader(res), res }
}
