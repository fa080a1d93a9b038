import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { sql } from 'kysely'
import { openDatabase, pgliteParsers, type Database } from '../../src/db/database.js'
import { adminUrl, databaseUrl, pgliteTemplateFile, pgTemplateName, type TemplateKind } from './template.js'

interface Teardown { teardown: (fn: () => unknown) => void }

export const usingPostgres = (): boolean => adminUrl() !== undefined

/**
 * A fresh, migrated database for one test (with the 2025 program when asked): a PGlite loaded from the template dump, or a
 * PostgreSQL database created from the template database (dropped at teardown).
 */
export async function freshDatabase (t: Teardown, options: { program?: boolean } = {}): Promise<Database> {
  const kind: TemplateKind = options.program === true ? 'program' : 'base'
  const admin = adminUrl()
  if (admin === undefined) {
    const instance = await PGlite.create({ loadDataDir: await pgliteTemplate(kind), parsers: pgliteParsers })
    const database = await openDatabase({ kind: 'pglite', instance })
    // Checks the clone, and works around a hang seen under tap: a PGlite loaded from a dump
    // and closed before its first query kept the test process from exiting.
    await sql`select 1 from schema_migrations limit 1`.execute(database.db)
    t.teardown(async () => { await database.close() })
    return database
  }
  const name = `compagnon_test_${randomBytes(6).toString('hex')}`
  await withAdmin(admin, async client => { await client.query(`CREATE DATABASE ${name} TEMPLATE ${pgTemplateName(kind)}`) })
  const database = await openDatabase({ kind: 'postgres', url: databaseUrl(admin, name), poolMax: 5 })
  t.teardown(async () => {
    await database.close()
    await withAdmin(admin, async client => { await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) })
  })
  return database
}

const templates = new Map<TemplateKind, Promise<Blob>>()
/** Read once per test process: most files clone the same template many times. */
async function pgliteTemplate (kind: TemplateKind): Promise<Blob> {
  let blob = templates.get(kind)
  if (blob === undefined) {
    blob = readFile(pgliteTemplateFile(kind)).then(bytes => new Blob([bytes]))
    templates.set(kind, blob)
  }
  return await blob
}

/** A fresh database for a child process: its DATABASE_URL (PostgreSQL mode) or nothing (embedded). */
export async function freshDatabaseUrl (t: Teardown): Promise<string | undefined> {
  const admin = adminUrl()
  if (admin === undefined) return undefined
  const name = `compagnon_test_${randomBytes(6).toString('hex')}`
  await withAdmin(admin, async client => { await client.query(`CREATE DATABASE ${name}`) })
  t.teardown(async () => { await withAdmin(admin, async client => { await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) }) })
  return databaseUrl(admin, name)
}

async function withAdmin (url: string, fn: (client: pg.Client) => Promise<void>): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try { await fn(client) } finally { await client.end() }
}
