import { createHmac } from 'node:crypto'
import { deviceSessionId } from './protocol.js'

/** What the app's @fastify/jwt checks: its session secret, issuer (public URL) and audience. */
export interface JwtSettings { secret: string, issuer: string, audience: string, expiresInSeconds: number }

const b64 = (value: string): string => Buffer.from(value).toString('base64url')

/** Bearer tokens as the app signs them (HS256, `{ sub, sid }`, on the person's device session), made in the load generator. */
export function signer (jwt: JwtSettings): (sub: string) => string {
  const header = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))
  return (sub: string): string => {
    const iat = Math.floor(Date.now() / 1000)
    const payload = b64(JSON.stringify({ sub, sid: deviceSessionId(sub), iat, exp: iat + jwt.expiresInSeconds, iss: jwt.issuer, aud: jwt.audience }))
    const signature = createHmac('sha256', jwt.secret).update(`${header}.${payload}`).digest('base64url')
    return `${header}.${payload}.${signature}`
  }
}
