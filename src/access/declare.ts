// Short ways for routes to state their access rule (`config: { access: ... }`).
import type { FastifyRequest } from 'fastify'
import type { AccessRule } from './plugin.js'
import type { Action, Resource } from './policy.js'

/** Anyone, signed in or not; `why` says what makes it public. */
export const open = (why: string): AccessRule => ({ public: why })
/** Any signed-in person (their own things). */
export const signedIn = (why: string, auth?: 'api' | 'page'): AccessRule => ({ signedIn: why, ...(auth === undefined ? {} : { auth }) })
/** A signed-in person the policy allows to do `action` to what the request names. */
export const allow = (action: Action, resource: (request: FastifyRequest) => Resource | Promise<Resource>, auth?: 'api' | 'page'): AccessRule =>
  ({ action, resource, ...(auth === undefined ? {} : { auth }) })

const field = (source: unknown, name: string): string => {
  const value = (source as Record<string, unknown> | undefined | null)?.[name]
  return typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? value[0] : ''
}
/** A route parameter ('' when absent: the policy then finds nothing). */
export const param = (request: FastifyRequest, name: string): string => field(request.params, name)
/** A query-string field. */
export const query = (request: FastifyRequest, name: string): string => field(request.query, name)
/** A field of the parsed body (JSON or form). */
export const body = (request: FastifyRequest, name: string): string => field(request.body, name)

/** Resources named by one route parameter. */
export const eventParam = (name = 'eventId') => (request: FastifyRequest): Resource => ({ kind: 'event', eventId: param(request, name) })
export const courseParam = (name = 'contextId') => (request: FastifyRequest): Resource => ({ kind: 'course', contextId: param(request, name) })
export const sessionParam = (name = 'sessionId') => (request: FastifyRequest): Resource => ({ kind: 'session', sessionId: param(request, name) })
export const anyEvent = (): Resource => ({ kind: 'any-event' })
export const self = (): Resource => ({ kind: 'self' })
