import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { ConfigError } from '../config.js'
import type { PlatformRegistration } from './service.js'

const url = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' })

export const platformRegistrationSchema = z.object({
  issuer: url,
  clientId: z.string().min(1),
  deploymentIds: z.array(z.string().min(1)).min(1, 'at least one deployment id'),
  authUrl: url,
  tokenUrl: url,
  jwksUrl: url,
  /** The `aud` of our token requests when it is not the token URL (Brightspace: https://api.brightspace.com/auth/token). */
  tokenAudience: z.string().min(1).optional(),
  name: z.string().min(1).optional()
}).strict()

/** LTI_PLATFORMS_FILE: a JSON array of platform registrations, applied (idempotently) at start. */
export async function readPlatformsFile (path: string): Promise<PlatformRegistration[]> {
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(path, 'utf8'))
  } catch (err) {
    throw new ConfigError(`LTI_PLATFORMS_FILE ${path}: ${(err as Error).message}`)
  }
  const parsed = z.array(platformRegistrationSchema).safeParse(raw)
  if (!parsed.success) {
    throw new ConfigError(`LTI_PLATFORMS_FILE ${path} is invalid:\n${parsed.error.issues.map(i => `  - [${i.path.join('.')}] ${i.message}`).join('\n')}`)
  }
  return parsed.data
}
