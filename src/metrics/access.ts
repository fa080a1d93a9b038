import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { forbidden, unauthorized } from '../errors.js'
import { bilingual } from '../views/i18n.js'

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1'])

/** Equal-length digests: the comparison takes the same time whatever the token tried. */
const digest = (text: string): Buffer => createHash('sha256').update(text).digest()

/**
 * Who may read /metrics (route labels, backlog sizes: not for the public).
 *
 * With a token, only `Authorization: Bearer <token>`. Without one, only callers on this
 * machine: the socket's own address, never `request.ip`, which a trusted proxy's
 * X-Forwarded-For decides. A request that carries forwarding headers came through a proxy,
 * possibly one on this machine relaying the whole internet, so it is refused too.
 */
export function metricsAccess (token: string | undefined): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const expected = token === undefined ? undefined : digest(token)
  return async (request, reply) => {
    if (expected !== undefined) {
      const header = request.headers.authorization ?? ''
      const given = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1]
      if (given !== undefined && timingSafeEqual(digest(given), expected)) return
      reply.header('www-authenticate', 'Bearer realm="metrics"')
      throw unauthorized(bilingual('system.metricsTokenRequired'))
    }
    const forwarded = request.headers['x-forwarded-for'] !== undefined || request.headers.forwarded !== undefined
    if (!forwarded && LOOPBACK.has(request.socket.remoteAddress ?? '')) return
    throw forbidden(bilingual('system.metricsLocalOnly'))
  }
}
