import { randomBytes } from 'node:crypto'
import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import '@fastify/jwt'
import '@fastify/cookie'
import { AppError, unauthorized } from '../errors.js'
import { cookieBase, CSRF_COOKIE, DEVICE_COOKIE, DEVICE_MAX_AGE, SESSION_COOKIE } from '../http/cookies.js'
import { assertSameOrigin } from '../http/same-origin.js'
import { bilingual } from '../views/i18n.js'
import type { PeopleService } from './service.js'

export interface SessionClaims { sub: string, sid: string }

declare module '@fastify/jwt' {
  interface FastifyJWT { payload: SessionClaims, user: SessionClaims }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `authenticate`: who is calling, and from which device session. */
    auth: { personId: string, deviceSessionId: string } | null
    /**
     * How `auth` was established. Cookies are sent by the browser on its own, so unsafe requests
     * authenticated by them must also carry a CSRF token (src/http/csrf.ts); a bearer token is not.
     */
    authVia: 'bearer' | 'cookie' | null
  }
  interface FastifyInstance {
    /** onRequest hook: refuses anonymous or forged requests with 401 before the body is read. */
    authenticate: (kind: 'api' | 'page') => onRequestAsyncHookHandler
    /**
     * Optional sign-in, for pages anyone may open that use whoever is signed in on this browser
     * (also an onRequest hook): `authenticate('page')` without its refusal. No session, or an
     * ended one, leaves the request anonymous (`request.auth` null); a forged cross-site POST is still refused.
     */
    optionalSignIn: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
    /**
     * For the header on pages anyone may open (GET): the optional sign-in, from the page cookies
     * only, skipped at once when there are none or this request was authenticated or tried already.
     */
    identifyPage: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
    /** Starts a session on this device: short-lived JWT cookie plus the long-lived device cookie. */
    startDeviceSession: (reply: FastifyReply, session: { personId: string, deviceSessionId: string, deviceToken: string }) => Promise<void>
    /** The same two cookies as Set-Cookie header values (for responses Fastify does not send: the LTI launch). */
    deviceSessionCookies: (session: { personId: string, deviceSessionId: string, deviceToken: string }) => string[]
    endDeviceSession: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
    /** Runs after every successful authentication of a page request (e.g. to complete scans made before signing in). */
    onPageAuthenticated: (hook: (request: FastifyRequest, reply: FastifyReply, personId: string) => Promise<void>) => void
  }
}

const sessionEnded = (): ReturnType<typeof unauthorized> => unauthorized(bilingual('people.sessionEnded'))

export default fp<{ people: PeopleService }>(async (app, { people }) => {
  app.decorateRequest('auth', null)
  app.decorateRequest('authVia', null)
  const afterPageAuth: Array<(request: FastifyRequest, reply: FastifyReply, personId: string) => Promise<void>> = []
  app.decorate('onPageAuthenticated', (hook: (request: FastifyRequest, reply: FastifyReply, personId: string) => Promise<void>) => { afterPageAuth.push(hook) })
  const authenticatedPage = async (request: FastifyRequest, reply: FastifyReply, personId: string): Promise<void> => {
    for (const hook of afterPageAuth) await hook(request, reply, personId)
  }

  const issueSessionCookie = async (reply: FastifyReply, personId: string, deviceSessionId: string): Promise<void> => {
    const token = await reply.jwtSign({ sub: personId, sid: deviceSessionId })
    reply.setCookie(SESSION_COOKIE, token, { ...cookieBase, maxAge: 15 * 60 })
  }

  // The CSRF secret comes with the session, so that pages opened at once (tabs, frames) all
  // derive their tokens from the same secret instead of each creating its own.
  const csrfSecret = (request: FastifyRequest): string | undefined => {
    const cookie = request.cookies[CSRF_COOKIE]
    const unsigned = cookie === undefined ? undefined : request.unsignCookie(cookie)
    return unsigned?.valid === true && unsigned.value !== null ? undefined : randomBytes(18).toString('base64url')
  }

  app.decorate('startDeviceSession', async (reply: FastifyReply, session: { personId: string, deviceSessionId: string, deviceToken: string }) => {
    reply.setCookie(DEVICE_COOKIE, session.deviceToken, { ...cookieBase, signed: true, maxAge: DEVICE_MAX_AGE })
    const secret = csrfSecret(reply.request)
    if (secret !== undefined) reply.setCookie(CSRF_COOKIE, secret, { ...cookieBase, signed: true, maxAge: DEVICE_MAX_AGE })
    await issueSessionCookie(reply, session.personId, session.deviceSessionId)
  })

  app.decorate('deviceSessionCookies', (session: { personId: string, deviceSessionId: string, deviceToken: string }) => [
    app.serializeCookie(DEVICE_COOKIE, app.signCookie(session.deviceToken), { ...cookieBase, maxAge: DEVICE_MAX_AGE }),
    app.serializeCookie(SESSION_COOKIE, app.jwt.sign({ sub: session.personId, sid: session.deviceSessionId }), { ...cookieBase, maxAge: 15 * 60 }),
    app.serializeCookie(CSRF_COOKIE, app.signCookie(randomBytes(18).toString('base64url')), { ...cookieBase, maxAge: DEVICE_MAX_AGE })
  ])

  app.decorate('endDeviceSession', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.auth !== null) await people.revokeDevice(request.auth.deviceSessionId)
    reply.clearCookie(SESSION_COOKIE, cookieBase).clearCookie(DEVICE_COOKIE, cookieBase)
  })

  /** Requests whose cookies were read already: a second look would find the same, at the cost of queries. */
  const tried = new WeakSet<FastifyRequest>()
  /** Sets `request.auth` from the session cookie, else the device cookie (renewing the session), if either is live. */
  async function fromCookies (request: FastifyRequest, reply: FastifyReply): Promise<void> {
    tried.add(request)
    const sessionCookie = request.cookies[SESSION_COOKIE]
    if (sessionCookie !== undefined) {
      let claims: SessionClaims | undefined
      try {
        claims = app.jwt.verify<SessionClaims>(sessionCookie)
      } catch { /* expired: fall through to the device session */ }
      // Ended (signed out elsewhere, revoked, erased): the device cookie decides, and it is
      // ended too, unless this device was signed in again since.
      if (claims !== undefined && await people.deviceSessionLive(claims.sid, claims.sub)) {
        request.auth = { personId: claims.sub, deviceSessionId: claims.sid }
      }
    }
    if (request.auth === null) {
      const deviceCookie = request.cookies[DEVICE_COOKIE]
      const unsigned = deviceCookie === undefined ? undefined : request.unsignCookie(deviceCookie)
      if (unsigned?.valid === true && unsigned.value !== null) {
        const device = await people.resumeDevice(unsigned.value)
        if (device !== undefined) {
          request.auth = device
          await issueSessionCookie(reply, device.personId, device.deviceSessionId)
        }
      }
    }
  }

  app.decorate('authenticate', (kind: 'api' | 'page') => async function authenticate (request: FastifyRequest, reply: FastifyReply) {
    const header = request.headers.authorization
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(header)
      if (match?.[1] === undefined) throw unauthorized()
      let claims: SessionClaims
      try {
        claims = app.jwt.verify<SessionClaims>(match[1])
      } catch {
        throw unauthorized(bilingual('people.sessionTokenInvalid'))
      }
      // A signature only says the token was issued; the session may have ended since (sign-out,
      // revocation, merge, erasure), and the token must not outlive it.
      if (!await people.deviceSessionLive(claims.sid, claims.sub)) throw sessionEnded()
      request.auth = { personId: claims.sub, deviceSessionId: claims.sid }
      request.authVia = 'bearer'
      return
    }
    // The API never reads cookies: a page on another site could make the browser send them.
    if (kind === 'api') throw unauthorized()
    assertSameOrigin(request)
    await fromCookies(request, reply)
    if (request.auth === null) throw unauthorized()
    request.authVia = 'cookie'
    await authenticatedPage(request, reply, request.auth.personId)
  })

  app.decorate('optionalSignIn', async function optionalSignIn (request: FastifyRequest, reply: FastifyReply) {
    try {
      await app.authenticate('page').call(app, request, reply)
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'unauthorized') throw err
      request.auth = null
      request.authVia = null
    }
  })

  app.decorate('identifyPage', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.auth !== null || tried.has(request) || request.headers.authorization !== undefined) return
    if (request.cookies[SESSION_COOKIE] === undefined && request.cookies[DEVICE_COOKIE] === undefined) return
    await app.optionalSignIn(request, reply)
  })
}, { name: 'compagnon-authentication', dependencies: ['@fastify/jwt', '@fastify/cookie'] })
