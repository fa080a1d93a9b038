import t from 'tap'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { parse, stringify } from 'yaml'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { defaultProgramFile } from '../../src/paths.js'
import { openDatabase } from '../../src/db/database.js'
import { childEnv, postgresEnv, runTs } from '../helpers/process.js'
import { freshDatabaseUrl, usingPostgres } from '../helpers/database.js'
import { seededDataDir } from '../helpers/data-dir.js'

// One data directory (or PostgreSQL database) for the whole sequence, as an organizer would use it.
t.test('the command-line tools work on an empty DATA_DIR and then on the existing one', async t => {
  const dataDir = t.testdir()
  const url = await freshDatabaseUrl(t)
  const env = childEnv(url === undefined ? { DATA_DIR: dataDir } : { ...postgresEnv(url), DATA_DIR: dataDir })

  const migrate = await runTs('src/cli/db-migrate.ts', [], env)
  t.equal(migrate.code, 0, migrate.stderr)
  t.match(migrate.stdout, /Applied: 20251001000000_initial_schema/)
  if (url === undefined) t.ok(existsSync(join(dataDir, 'secrets.json')), 'secrets generated and kept in DATA_DIR')
  const again = await runTs('src/cli/db-migrate.ts', [], env)
  t.match(again.stdout, /Database schema is up to date\./)

  const imported = await runTs('src/cli/program-import.ts', [defaultProgramFile], env)
  t.equal(imported.code, 0, imported.stderr)
  t.match(imported.stdout, /Event ecole-automne-coproduction-2025 created: 28 time slots; sessions created 40, updated 0, unchanged 0, cancelled 0, removed 0\./)
  const reimported = await runTs('src/cli/program-import.ts', [defaultProgramFile], env)
  t.match(reimported.stdout, /updated: 28 time slots; sessions created 0, updated 0, unchanged 40/, 'idempotent')

  const editedFile = join(dataDir, 'edited.yaml')
  writeFileSync(editedFile, stringify({ ...parse(readFileSync(defaultProgramFile, 'utf8')), rooms: [{ key: 'amphi', name: 'Amphithéâtre', capacity: 250 }] }))
  const edited = await runTs('src/cli/program-import.ts', [editedFile], env)
  t.match(edited.stdout, /unchanged 40/, 'a new room used by no session changes no session')

  const organizer = await runTs('src/cli/organizer-create.ts', ['premiere@enap.ca', '--name', 'Première Organisatrice'], env)
  t.equal(organizer.code, 0, organizer.stderr)
  t.match(organizer.stdout, /Organizer premiere@enap\.ca of: ecole-automne-coproduction-2025/)
  t.match(organizer.stdout, /http:\/\/127\.0\.0\.1:3000\/auth\/link\/[A-Za-z0-9_-]{43}/)
})

t.test('the tools refuse bad input with a readable message and exit code 2', async t => {
  const env = childEnv({ DATA_DIR: t.testdir() })
  const missing = await runTs('src/cli/program-import.ts', ['/nonexistent/programme.yaml'], env)
  t.equal(missing.code, 2)
  t.match(missing.stderr, /Program file not found: \/nonexistent\/programme\.yaml/)
  const usage = await runTs('src/cli/organizer-create.ts', ['not-an-email'], env)
  t.equal(usage.code, 2)
  t.match(usage.stderr, /Usage: npm run organizer:create -- EMAIL/)
  const badConfig = await runTs('src/cli/db-migrate.ts', [], { ...env, DEFAULT_LOCALE: 'de' })
  t.equal(badConfig.code, 2)
  t.match(badConfig.stderr, /DEFAULT_LOCALE: .*\(got "de"\)/)
  t.notMatch(badConfig.stderr, /at .*\.ts:\d+/, 'no stack trace for a configuration mistake')
})

t.test('an invalid program file is refused line by line and changes nothing', async t => {
  const dataDir = t.testdir({ 'bad.yaml': 'version: 1\nevent:\n  key: Bad Key\n' })
  const env = childEnv({ DATA_DIR: dataDir })
  const res = await runTs('src/cli/program-import.ts', [join(dataDir, 'bad.yaml')], env)
  t.equal(res.code, 2)
  t.match(res.stderr, /invalid program file:/)
  t.match(res.stderr, /- event\.key: must be lowercase letters, digits and dashes/)
  t.match(res.stderr, /- days: /)
  t.same(readdirSync(dataDir), ['bad.yaml'], 'refused before the database is opened: DATA_DIR stays as it was')
})

t.test('with a server holding the embedded database, a tool refuses and says what to do', { skip: usingPostgres() ? 'embedded-only behaviour' : false }, async t => {
  // Seeded from the test template: holding it need not wait for an initdb.
  const dataDir = await seededDataDir(t.testdir())
  const held = await openDatabase({ kind: 'embedded', dataDir, holder: 'compagnon server' })
  t.teardown(async () => { await held.close() })
  const res = await runTs('src/cli/program-import.ts', [defaultProgramFile], childEnv({ DATA_DIR: dataDir }))
  t.equal(res.code, 2)
  t.match(res.stderr, /The embedded database in .* is in use by compagnon server \(pid \d+/)
  t.match(res.stderr, /stop the running server first, do this from the running app/)
})
