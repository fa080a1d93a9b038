import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { ConfigError, type Config, type ResolvedConfig, type Secrets } from './config.js'

const storedSecrets = z.object({
  sessionSecret: z.string().min(32),
  cookieSecret: z.string().min(32),
  codeSecret: z.string().min(32)
})

const generate = (): string => randomBytes(48).toString('base64url')

/**
 * Embedded mode works out of the box: secrets missing from the environment are generated
 * once and kept in DATA_DIR/secrets.json (0600), so sessions and codes survive restarts and
 * every CLI tool run against the same DATA_DIR agrees with the server.
 * With DATABASE_URL, loadConfig already refused missing secrets.
 */
export async function resolveSecrets (config: Config): Promise<ResolvedConfig> {
  const given = config.secrets
  if (given.sessionSecret !== undefined && given.cookieSecret !== undefined && given.codeSecret !== undefined) {
    return { ...config, secrets: given as Secrets }
  }
  if (config.database.kind === 'postgres') {
    throw new ConfigError('Secrets are required when DATABASE_URL is set.')
  }
  const file = join(config.dataDir, 'secrets.json')
  let stored: Secrets | undefined
  try {
    stored = storedSecrets.parse(JSON.parse(await readFile(file, 'utf8')))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ConfigError(`${file} is unreadable or damaged (${(err as Error).message}). Restore it from a backup, or delete it to generate new secrets ` +
        '(existing sign-in links and sessions will stop working).')
    }
  }
  if (stored === undefined) {
    stored = { sessionSecret: generate(), cookieSecret: generate(), codeSecret: generate() }
    await mkdir(config.dataDir, { recursive: true })
    const tmp = `${file}.${process.pid}.tmp`
    await writeFile(tmp, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600 })
    await rename(tmp, file)
  }
  return { ...config, secrets: { ...stored, ...given } }
}
