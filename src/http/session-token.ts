import fp from 'fastify-plugin'
import jwt from '@fastify/jwt'
import type { ResolvedConfig } from '../config.js'
import { SESSION_COOKIE } from './cookies.js'

/** The short-lived session token: a JWT signed with SESSION_SECRET, read from its cookie or a bearer header. */
export default fp<{ config: ResolvedConfig }>(async (app, { config }) => {
  await app.register(jwt, {
    secret: config.secrets.sessionSecret,
    sign: { iss: config.publicUrl, aud: 'compagnon', expiresIn: '15m' },
    // fast-jwt checks iss/aud/exp only when present: a token without them must not pass.
    verify: { allowedIss: config.publicUrl, allowedAud: 'compagnon', requiredClaims: ['iss', 'aud', 'exp'], algorithms: ['HS256'] },
    cookie: { cookieName: SESSION_COOKIE, signed: false }
  })
}, { name: 'compagnon-session-token' })
