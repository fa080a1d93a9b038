import type { FastifyServerOptions } from 'fastify'
import type { ResolvedConfig } from '../config.js'

/** Paths whose last segment is a secret token: never logged as is. */
const SECRET_PATH = /^(\/auth\/link\/|\/cours\/suite\/|\/p\/)[^/?#]+/
/** Query parameters that carry secrets (LTI Dynamic Registration links). */
const SECRET_QUERY = /([?&](?:compagnon_token|registration_token)=)[^&#]*/g

export function loggerOptions (config: Pick<ResolvedConfig, 'logLevel'>): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'], censor: '[redacted]' },
    serializers: {
      req (request: { method: string, url: string, id: string, ip?: string }) {
        return { id: request.id, method: request.method, url: request.url.replace(SECRET_PATH, '$1[redacted]').replace(SECRET_QUERY, '$1[redacted]'), ip: request.ip }
      }
    }
  }
}
