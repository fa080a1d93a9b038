// Runs once before the test files (tap's `before`): compiles src/ for the child processes tests
// start, and builds the two templates every test database is cloned from — migrated, and
// migrated with the 2025 program imported — instead of migrating (and importing) per test.
import { existsSync } from 'node:fs'
import { readdir, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { FixedClock } from '../../src/clock.js'
import { openDatabase, pgliteParsers, type Database } from '../../src/db/database.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import { defaultProgramFile, projectRoot } from '../../src/paths.js'
import { ProgramService } from '../../src/program/service.js'
import { adminUrl, databaseUrl, pgliteTemplateFile, pgTemplateName } from './template.js'
import { buildForChildProcesses } from './build.js'

// The clock of testApp's default (during the event); the importer only stamps cancellations with it.
const importProgram = async (database: Database): Promise<void> => {
  await new ProgramService(database.db, new FixedClock('2025-10-21T14:00:00Z')).importFromFile(defaultProgramFile)
}

await buildForChildProcesses()

// The test files' compiled TypeScript (typescript-hooks.mjs) gains a file per edited source:
// started afresh once it holds about ten versions of the suite.
const compiledTests = join(projectRoot, '.tap', 'typescript')
if ((await readdir(compiledTests).catch(() => [])).length > 2000) await rm(compiledTests, { recursive: true, force: true })

const admin = adminUrl()
if (admin === undefined) {
  const baseFile = pgliteTemplateFile('base')
  const programFile = pgliteTemplateFile('program')
  if (!existsSync(baseFile) || !existsSync(programFile)) {
    const instance = await PGlite.create({ parsers: pgliteParsers })
    const database = await openDatabase({ kind: 'pglite', instance })
    await migrateToLatest(database)
    // PGlite only ever opens `postgres`: without template0/template1 every clone unpacks
    // half the files (about 0.3 s less per test database).
    await instance.query("UPDATE pg_database SET datistemplate = false WHERE datname IN ('template0', 'template1')")
    for (const name of ['template0', 'template1']) await instance.query(`DROP DATABASE ${name}`)
    await save(instance, baseFile)
    await importProgram(database)
    await save(instance, programFile)
    await database.close()
  }
} else {
  const client = new pg.Client({ connectionString: admin })
  await client.connect()
  try {
    const base = pgTemplateName('base')
    const program = pgTemplateName('program')
    if (!await exists(client, base)) {
      await client.query(`CREATE DATABASE ${base}`)
      await withDatabase(admin, base, async database => { await migrateToLatest(database) })
      await client.query(`ALTER DATABASE ${base} WITH is_template = true`)
    }
    if (!await exists(client, program)) {
      await client.query(`CREATE DATABASE ${program} TEMPLATE ${base}`)
      await withDatabase(admin, program, importProgram)
      await client.query(`ALTER DATABASE ${program} WITH is_template = true`)
    }
  } finally {
    await client.end()
  }
}

async function save (instance: PGlite, file: string): Promise<void> {
  await instance.query('CHECKPOINT')
  const dump = await instance.dumpDataDir('none')
  // Written aside and renamed: test runs started at the same time never read half a file.
  const tmp = `${file}.${process.pid}`
  await writeFile(tmp, Buffer.from(await dump.arrayBuffer()))
  await rename(tmp, file)
}

async function exists (client: pg.Client, name: string): Promise<boolean> {
  return (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount !== 0
}

async function withDatabase (admin: string, name: string, fn: (database: Database) => Promise<void>): Promise<void> {
  const database = await openDatabase({ kind: 'postgres', url: databaseUrl(admin, name), poolMax: 2 })
  try { await fn(database) } finally { await database.close() }
}
