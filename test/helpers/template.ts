import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { migrationsDir } from '../../src/paths.js'

/**
 * Identity of the migrated template: a hash of every migration file, so a changed or new
 * migration gets a new template and a stale one is never reused.
 */
export function templateId (): string {
  const hash = createHash('sha256')
  for (const file of readdirSync(migrationsDir).filter(f => f.endsWith('.sql')).sort()) {
    hash.update(file).update(readFileSync(join(migrationsDir, file)))
  }
  return hash.digest('hex').slice(0, 16)
}

export const pgliteTemplateFile = (): string => join(tmpdir(), `compagnon-test-template-${templateId()}.tar.gz`)
export const pgTemplateName = (): string => `compagnon_template_${templateId()}`

export function adminUrl (): string | undefined {
  const url = process.env.TEST_DATABASE_URL
  return url === undefined || url === '' ? undefined : url
}

export function databaseUrl (admin: string, name: string): string {
  const url = new URL(admin)
  url.pathname = `/${name}`
  return url.toString()
}
