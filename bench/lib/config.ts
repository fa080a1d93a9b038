import { randomBytes } from 'node:crypto'
import { loadConfig, type ResolvedConfig } from '../../src/config.js'

/**
 * A benchmark's configuration: fresh random secrets, loopback on a free port, warnings only,
 * then `environment` (the database, the pool, another log level) on top.
 */
export function benchConfig (environment: Record<string, string>): ResolvedConfig {
  const secrets = {
    sessionSecret: randomBytes(36).toString('base64'),
    cookieSecret: randomBytes(36).toString('base64'),
    codeSecret: randomBytes(36).toString('base64')
  }
  return {
    ...loadConfig({
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: '0',
      ...environment,
      SESSION_SECRET: secrets.sessionSecret,
      COOKIE_SECRET: secrets.cookieSecret,
      CODE_SECRET: secrets.codeSecret
    }),
    secrets
  }
}
