import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { migrationsDir, projectRoot } from '../../src/paths.js'

/** Which template a test database starts from: migrated only, or migrated with the 2025 program imported. */
export type TemplateKind = 'base' | 'program'

/**
 * Identity of the templates: a hash of every migration, the program importer and its data, so a
 * changed migration or importer gets new templates and a stale one is never reused.
 */
export function templateId (): string {
  const hash = createHash('sha256')
  const programDir = join(projectRoot, 'src', 'program')
  const files = [
    ...readdirSync(migrationsDir).filter(f => f.endsWith('.sql')).sort().map(f => join(migrationsDir, f)),
    ...readdirSync(programDir, { recursive: true, encoding: 'utf8' }).sort().map(f => join(programDir, f))
      .filter(f => /\.(ts|ya?ml)$/.test(f))
  ]
  for (const file of files) hash.update(file).update(readFileSync(file))
  return hash.digest('hex').slice(0, 16)
}

// Uncompressed: loading a 40 MB tar into PGlite takes about half the time of a gzipped one.
export const pgliteTemplateFile = (kind: TemplateKind): string => join(tmpdir(), `compagnon-test-template-${kind}-${templateId()}.tar`)
export const pgTemplateName = (kind: TemplateKind): string => `compagnon_template_${kind}_${templateId()}`

export function adminUrl (): string | undefined {
  const url = process.env.TEST_DATABASE_URL
  return url === undefined || url === '' ? undefined : url
}

export function databaseUrl (admin: string, name: string): string {
  const url = new URL(admin)
  url.pathname = `/${name}`
  return url.toString()
}
