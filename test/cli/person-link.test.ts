import t from 'tap'
import { buildApp } from '../../src/app.js'
import { FixedClock } from '../../src/clock.js'
import { openDatabase, type Database } from '../../src/db/database.js'
import { testConfig } from '../helpers/app.js'
import { freshDatabaseUrl } from '../helpers/database.js'
import { seededDataDir } from '../helpers/data-dir.js'
import { childEnv, postgresEnv, runTs } from '../helpers/process.js'
import { signInWithLink } from '../helpers/session.js'

t.test('npm run person:link prints a one-time link for an existing person and records who made it', async t => {
  const url = await freshDatabaseUrl(t)
  const dataDir = url === undefined ? await seededDataDir(t.testdir()) : t.testdir()
  const env = childEnv(url === undefined ? { DATA_DIR: dataDir } : { ...postgresEnv(url), DATA_DIR: dataDir })
  // The person: made the way an operator makes the first organizer (the tool migrates a fresh database too).
  const organizer = await runTs('src/cli/organizer-create.ts', ['odile@enap.ca', '--name', 'Odile Organisatrice'], env)
  t.equal(organizer.code, 0, organizer.stderr)

  const printed = await runTs('src/cli/person-link.ts', ['ODILE@enap.ca'], env)
  t.equal(printed.code, 0, printed.stderr)
  t.match(printed.stdout, 'Odile Organisatrice <ODILE@enap.ca>')
  t.match(printed.stdout, /valid until \d{4}-\d\d-\d\dT/)
  const link = /http:\/\/127\.0\.0\.1:3000\/auth\/link\/[A-Za-z0-9_-]{43}/.exec(printed.stdout)?.[0]
  t.ok(link, 'the link is printed')

  const unknown = await runTs('src/cli/person-link.ts', ['personne@nulle-part.ca'], env)
  t.equal(unknown.code, 2)
  t.match(unknown.stderr, 'No person has the address personne@nulle-part.ca in Compagnon.')
  const usage = await runTs('src/cli/person-link.ts', ['pas-une-adresse'], env)
  t.equal(usage.code, 2)
  t.match(usage.stderr, 'Usage: npm run person:link -- EMAIL')

  const database: Database = await openDatabase(url === undefined ? { kind: 'embedded', dataDir, holder: 'person-link test' } : { kind: 'postgres', url })
  const { app } = await buildApp(testConfig(), { database, clock: new FixedClock(new Date()), backgroundJobs: false })
  t.teardown(async () => { await app.close(); await database.close() })
  const audit = await database.db.selectFrom('account_audit as a').innerJoin('people as p', 'p.id', 'a.subject_person_id')
    .select(['a.actor_id', 'a.actor_label', 'a.action', 'a.at', 'p.email']).execute()
  t.equal(audit.length, 1, 'one row: the refused request wrote none')
  t.match(audit[0], { actor_id: null, actor_label: 'operator (CLI)', action: 'operator_sign_in_link', email: 'odile@enap.ca' })
  t.ok(audit[0]!.at instanceof Date, 'and when')

  // The printed link opens the person's session once, like any one-time link.
  const first = await signInWithLink(app, link!)
  t.equal(first.res.statusCode, 303)
  t.equal(first.res.headers.location, '/organisateurs?lang=fr')
  t.equal((await app.inject({ url: new URL(link!).pathname, headers: { accept: 'text/html' } })).statusCode, 400, 'and only once')
})
