import { createHash } from 'node:crypto'
import { isIP } from 'node:net'
import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import rateLimit from '@fastify/rate-limit'
import { AppError, type Bilingual } from '../errors.js'
import { bilingual } from '../views/i18n.js'
import type { Db } from '../db/database.js'
import { DEVICE_COOKIE, SCAN_COOKIE } from './cookies.js'
import { rateLimitStore } from './rate-limit-store.js'

/**
 * Request limits. On PostgreSQL the low-rate ones (personal and sign-in links, "send me my link",
 * linking codes, and those other plugins create with `shared`) count in the database, so N
 * instances behind a load balancer hold them together, not N times over. The per-address
 * ceiling and check-ins count in this instance's memory: they sit on the 08:30 hot path, where a
 * database write per request would cost the check-in itself, and they are ceilings against
 * hammering, not a security boundary (wrong typed codes are also capped durably, in the
 * database, by the attendance service).
 */
export interface RateLimitSettings {
  /**
   * Requests per window from one client address, over every route. Generous: a room of 300
   * behind one Wi-Fi (one public address) checking in at 08:30 stays far below it. Loopback
   * (benches, probes, a proxy on the same host not declared in TRUST_PROXY) is not counted.
   */
  perIp: number
  /** Check-in requests per window by one person (or, before signing in, one phone). */
  checkInPerPerson: number
  /** Requests per window for one sign-in or personal link (its page and its use). */
  perLink: number
  windowMs: number
  /** "M'envoyer mon lien": requests per `signInRequestWindowMs` for one email address, and from one client address. */
  signInRequestsPerEmail: number
  signInRequestsPerAddress: number
  signInRequestWindowMs: number
  /** Account linking (showing a code, typing one): per person per `linkCodeWindowMs`; with 40-bit codes, guessing goes nowhere. */
  linkCodePerPerson: number
  linkCodeWindowMs: number
}

export const defaultRateLimits: RateLimitSettings = {
  perIp: 3000,
  checkInPerPerson: 30,
  perLink: 20,
  windowMs: 60_000,
  signInRequestsPerEmail: 3,
  signInRequestsPerAddress: 10,
  signInRequestWindowMs: 15 * 60_000,
  linkCodePerPerson: 10,
  linkCodeWindowMs: 10 * 60_000
}

type Hook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>

declare module 'fastify' {
  interface FastifyInstance {
    /** Route hooks (onRequest after authentication, or preHandler) for the keyed limits. */
    rateLimits: {
      /** Per person (or device, for the room-code scan page): the 08:30 rush shares an address, not a person. */
      checkIn: Hook
      /** Per link token (`params.token` or `body.token`): one link hammered, not one address. */
      personalLink: Hook
      /** "M'envoyer mon lien" (`body.email`): per email address (lowercased) and per client address. */
      signInRequest: Hook
      /** Account linking codes, per signed-in person (onRequest, after authentication). */
      linkCode: Hook
    }
  }
}

export const tooManyRequests = (seconds: number, text?: Bilingual): AppError =>
  new AppError('too_many_requests', text ?? bilingual('system.tooManyRequests', { seconds }))

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/
const digest = (value: string): string => createHash('sha256').update(value).digest('base64url').slice(0, 22)

const signedCookie = (request: FastifyRequest, name: string): string | undefined => {
  const cookie = request.cookies[name]
  if (cookie === undefined) return undefined
  const unsigned = request.unsignCookie(cookie)
  return unsigned.valid && unsigned.value !== null ? unsigned.value : undefined
}

/** Who is checking in: the authenticated person, else this browser's signed device or scan cookie. */
function checkInKey (request: FastifyRequest): string {
  if (request.auth !== null) return `person:${request.auth.personId}`
  const device = signedCookie(request, DEVICE_COOKIE)
  if (device !== undefined) return `device:${digest(device)}`
  const scan = signedCookie(request, SCAN_COOKIE)
  if (scan !== undefined) return `scan:${digest(scan)}`
  // Nobody to key on: only the per-address ceiling applies (never one counter for a whole room).
  return ''
}

function linkKey (request: FastifyRequest): string {
  const fromParams = (request.params as { token?: unknown } | undefined)?.token
  const fromBody = (request.body as { token?: unknown } | null | undefined)?.token
  const token = typeof fromParams === 'string' ? fromParams : typeof fromBody === 'string' ? fromBody : ''
  return token === '' ? '' : `link:${digest(token)}`
}

function personKey (request: FastifyRequest): string {
  return request.auth === null ? '' : `person:${request.auth.personId}`
}

function emailKey (request: FastifyRequest): string {
  const email = (request.body as { email?: unknown } | null | undefined)?.email
  return typeof email === 'string' && email.trim() !== '' ? `email:${digest(email.trim().toLowerCase())}` : ''
}

/** The client address, as the per-address ceiling counts it (loopback and unparsable: not counted). */
function addressKey (request: FastifyRequest): string {
  return LOOPBACK.test(request.ip) || isIP(request.ip) === 0 ? '' : `ip:${request.ip}`
}

/**
 * @fastify/rate-limit, never global: each limit is a limiter (createRateLimit) applied by our
 * own hooks, so several limits combine on one route and a refusal is our bilingual 429 with
 * Retry-After, through the error handler.
 */
export default fp<Partial<RateLimitSettings> & { sharedCounters?: { db: Db, secret: string } }>(async (app, { sharedCounters, ...overrides }) => {
  const settings = { ...defaultRateLimits, ...overrides }
  await app.register(rateLimit, { global: false, store: rateLimitStore(sharedCounters) })

  const hook = (limiter: ReturnType<typeof app.createRateLimit>, text?: (seconds: number) => Bilingual): Hook => async function rateLimited (request, reply) {
    const result = await limiter(request)
    if (!result.isAllowed && result.isExceeded) {
      reply.header('retry-after', result.ttlInSeconds)
      throw tooManyRequests(result.ttlInSeconds, text?.(result.ttlInSeconds))
    }
  }
  const both = (first: Hook, second: Hook): Hook => async function rateLimitedTwice (request, reply) {
    await first(request, reply)
    await second(request, reply)
  }
  // The local store's LRU holds 5,000 keys by default; a conference has more people than that.
  // (Read by the store at runtime; missing from the typings of createRateLimit's options.)
  const bigCache = { cache: 20_000 } as object
  const unkeyed = (_request: FastifyRequest, key: string): boolean => key === ''

  // request.ip honours X-Forwarded-For only from the proxies in TRUST_PROXY (Fastify's trustProxy).
  const perIp = hook(app.createRateLimit({
    max: settings.perIp,
    timeWindow: settings.windowMs,
    ...bigCache,
    allowList: request => LOOPBACK.test(request.ip) || isIP(request.ip) === 0
  }))
  app.addHook('onRequest', perIp)

  app.decorate('rateLimits', {
    checkIn: hook(app.createRateLimit({
      max: settings.checkInPerPerson,
      timeWindow: settings.windowMs,
      ...bigCache,
      keyGenerator: checkInKey,
      allowList: unkeyed
    }), seconds => bilingual('system.tooManyCheckIns', { seconds })),
    personalLink: hook(app.createRateLimit({
      shared: 'link',
      max: settings.perLink,
      timeWindow: settings.windowMs,
      ...bigCache,
      keyGenerator: linkKey,
      allowList: unkeyed
    }), seconds => bilingual('system.linkOpenedTooOften', { seconds })),
    signInRequest: both(
      hook(app.createRateLimit({
        shared: 'sign-in-address',
        max: settings.signInRequestsPerAddress,
        timeWindow: settings.signInRequestWindowMs,
        ...bigCache,
        keyGenerator: addressKey,
        allowList: unkeyed
      }), seconds => bilingual('system.tooManyLinkRequests', { minutes: Math.ceil(seconds / 60) })),
      // Counted whether or not the address belongs to someone: the refusal tells nothing either.
      hook(app.createRateLimit({
        shared: 'sign-in-email',
        max: settings.signInRequestsPerEmail,
        timeWindow: settings.signInRequestWindowMs,
        ...bigCache,
        keyGenerator: emailKey,
        allowList: unkeyed
      }), seconds => bilingual('system.linkRequestedOften', { minutes: Math.ceil(seconds / 60) }))
    ),
    linkCode: hook(app.createRateLimit({
      shared: 'link-code',
      max: settings.linkCodePerPerson,
      timeWindow: settings.linkCodeWindowMs,
      ...bigCache,
      keyGenerator: personKey,
      allowList: unkeyed
    }), seconds => bilingual('system.tooManyLinkCodes', { minutes: Math.ceil(seconds / 60) }))
  })
}, { name: 'compagnon-rate-limits', dependencies: ['@fastify/cookie'] })
