import t from 'tap'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { openDatabase } from '../../src/db/database.js'
import { migrateToLatest, pendingMigrations } from '../../src/db/migrate.js'
import { generateSchemaTypes } from '../../src/db/schema-types.js'
import { ConfigError } from '../../src/config.js'
import { migrationsDir, projectRoot } from '../../src/paths.js'
import { readdirSync } from 'node:fs'
import { freshDatabase, usingPostgres } from '../helpers/database.js'

t.test('src/db/schema.ts is what kysely-codegen derives from the migrations (run `npm run db:types`)', async t => {
  const committed = await readFile(join(projectRoot, 'src', 'db', 'schema.ts'), 'utf8')
  t.equal(await generateSchemaTypes(), committed)
})

t.test('migrations are applied once: a second run has nothing to do', async t => {
  const database = await freshDatabase(t)
  t.same(await migrateToLatest(database), [])
  t.same(await pendingMigrations(database), [])
})

t.test('dates come back as calendar strings and counts as numbers, on both engines', async t => {
  const database = await freshDatabase(t)
  const row = await database.db.insertInto('events').values({
    key: 'e', title_fr: 'É', title_en: 'E', timezone: 'America/Montreal', starts_on: '2025-10-20', ends_on: '2025-10-24'
  }).returning(['starts_on', 'created_at']).executeTakeFirstOrThrow()
  t.equal(row.starts_on, '2025-10-20')
  t.type(row.created_at, Date)
  const count = await database.db.selectFrom('events').select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  t.equal(count.n, 1)
})

t.test('the database refuses what the model forbids', async t => {
  const database = await freshDatabase(t)
  const event = await database.db.insertInto('events').values({
    key: 'e', title_fr: 'É', title_en: 'E', timezone: 'America/Montreal', starts_on: '2025-10-20', ends_on: '2025-10-24'
  }).returning('id').executeTakeFirstOrThrow()
  await t.rejects(database.db.insertInto('events').values({ key: 'bad', title_fr: 'x', title_en: 'x', timezone: 'UTC', starts_on: '2025-10-24', ends_on: '2025-10-20' }).execute(), 'ends before it starts')
  // @ts-expect-error the role's type (from the CHECK) refuses it too: this asks the database itself
  await t.rejects(database.db.insertInto('registrations').values({ event_id: event.id, person_id: event.id, role: 'guest' }).execute(), 'unknown role')
  await database.db.insertInto('people').values({ email: 'Marie@Example.org', display_name: 'Marie' }).execute()
  await t.rejects(database.db.insertInto('people').values({ email: 'marie@example.ORG', display_name: 'Marie 2' }).execute(), { code: '23505' }, 'emails are unique regardless of case')
})

t.test('the embedded database admits one process at a time and says who holds it', { skip: usingPostgres() ? 'embedded-only behaviour' : false }, async t => {
  const dir = t.testdir()
  const first = await openDatabase({ kind: 'embedded', dataDir: dir, holder: 'compagnon server' })
  t.teardown(async () => { await first.close() })
  const err = await openDatabase({ kind: 'embedded', dataDir: dir, holder: 'npm run program:import' }).then(() => undefined, (e: unknown) => e) as Error
  t.type(err, ConfigError)
  t.match(err.message, new RegExp(`The embedded database in ${dir} is in use by compagnon server \\(pid ${process.pid}`))
  t.match(err.message, /stop the running server first/)
  await first.close()
  const again = await openDatabase({ kind: 'embedded', dataDir: dir, holder: 'later' })
  const all = readdirSync(migrationsDir).filter(f => f.endsWith('.sql')).sort().map(f => f.replace(/\.sql$/, ''))
  t.same(await migrateToLatest(again), all, 'free again once closed: every migration applies to a new directory')
  await again.close()
})
