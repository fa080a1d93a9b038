import t from 'tap'
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { sql } from 'kysely'
import pg from 'pg'
import { buildApp } from '../../src/app.js'
import { FixedClock, systemClock } from '../../src/clock.js'
import { openDatabase } from '../../src/db/database.js'
import { AccessPolicy } from '../../src/access/policy.js'
import { ltiCourseRoles } from '../../src/lti/roles.js'
import { PeopleService } from '../../src/people/service.js'
import { ProgramService } from '../../src/program/service.js'
import { AFTER_EVENT, attestationSetup } from '../helpers/attestations.js'
import { testConfig } from '../helpers/app.js'
import { bearerFor } from '../helpers/session.js'
import { usingPostgres } from '../helpers/database.js'
import { seededDataDir } from '../helpers/data-dir.js'
import { childEnv, runTs, startServer, stopServer } from '../helpers/process.js'
import { friday, pdfBytes } from '../helpers/synthesis.js'
import { adminUrl, databaseUrl } from '../helpers/template.js'

const run = promisify(execFile)
const sha256 = (bytes: Buffer | Uint8Array): string => createHash('sha256').update(bytes).digest('hex')
/** Tuesday 21 October 2025, 13:25 in Montréal: check-in is open for the 13:30 parallel sessions. */
const TUESDAY = new Date('2025-10-21T13:25:00-04:00')
const SESSION = '2025-10-21-etude-cas-experimentation-reglementaire'

/** The newest PostgreSQL client tools, as .ci/pg.sh finds the server (Debian's layout), else PATH. */
function pgTool (name: 'pg_dump' | 'pg_restore'): string {
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root) ? readdirSync(root).filter(v => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : []
  for (const v of versions) if (existsSync(join(root, v, 'bin', name))) return join(root, v, 'bin', name)
  return name
}

t.test('PostgreSQL: pg_dump of a database in use, pg_restore into a new one, the app on the copy serves everything', { skip: usingPostgres() ? false : 'PostgreSQL only (TEST_DATABASE_URL); the embedded mode has its own test below' }, async t => {
  const admin = adminUrl()!
  const ctx = await attestationSetup(t, TUESDAY)
  const { app, database: { db } } = ctx
  const base = await app.listen({ host: '127.0.0.1', port: 0 })
  const api = async (who: { bearer: string }, method: string, url: string, payload?: unknown) =>
    await app.inject({ method: method as 'GET', url, headers: { authorization: who.bearer }, ...(payload === undefined ? {} : { payload: payload as object }) })

  // A check-in with the room code, as a phone sends it.
  const ana = await ctx.person('Ana Présente')
  const sessionId = (await db.selectFrom('sessions').select('id').where('key', '=', SESSION).executeTakeFirstOrThrow()).id
  const code = (url: string): string => url.split('/').pop() ?? ''
  const checkIn = await api(ana, 'POST', `/api/v1/sessions/${sessionId}/check-ins`, { code: code(ctx.services.attendance.roomCode(sessionId).url) })
  t.equal(checkIn.statusCode, 201, checkIn.statusCode === 201 ? 'checked in' : checkIn.body)

  // The Friday synthesis handed in with a PDF by a credited student of the LMS course.
  ctx.clock.set(friday('10:00'))
  const student = await ctx.person('Sam Étudiant', 'credited_student')
  const course = await db.insertInto('lti_contexts').values({ issuer: 'https://lms.example.org', client_id: 'c', deployment_id: '1', context_id: 'ENP7009-A2025', title: 'ENP7009', event_id: ctx.eventId }).returning('id').executeTakeFirstOrThrow()
  await db.insertInto('lti_roster_members').values({ context_id: course.id, user_sub: 'sam', person_id: student.id, roles: JSON.stringify(['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner']), status: 'Active', synced_at: ctx.clock.now() }).execute()
  const pdf = pdfBytes('Synthèse de Sam')
  const form = new FormData()
  form.append('text', 'Ma synthèse')
  form.append('files', new Blob([new Uint8Array(pdf)], { type: 'application/pdf' }), 'synthese.pdf')
  const handIn = await fetch(`${base}/api/v1/courses/${course.id}/synthesis/submissions`, { method: 'POST', body: form, headers: { authorization: student.bearer } })
  const receipt = await handIn.json() as { submissionId: string, files: Array<{ sha256: string }> }
  t.equal(handIn.status, 201, handIn.status === 201 ? 'handed in' : JSON.stringify(receipt))
  t.equal(receipt.files[0]?.sha256, sha256(pdf))
  const fileUrl = `/api/v1/courses/${course.id}/synthesis/submissions/${receipt.submissionId}/files/0`

  // An attestation issued after the event, its PDF and Open Badges key in the database.
  ctx.clock.set(AFTER_EVENT)
  const paule = await ctx.person('Paule Émond')
  await ctx.attendHours(paule.id, 17)
  const requested = await api(paule, 'PUT', `/api/v1/events/${ctx.eventId}/attestation/request`, { name: 'Paule Émond', locale: 'fr' })
  t.equal(requested.statusCode, 200, requested.statusCode === 200 ? 'issued' : requested.body)
  const attestation = requested.json().attestation as { id: string, code: string, sha256: string, pdfUrl: string }
  const issuedPdf = (await api(paule, 'GET', attestation.pdfUrl)).rawPayload
  t.equal(sha256(issuedPdf), attestation.sha256)
  const credential = await api(paule, 'GET', `/api/v1/attestations/${attestation.id}/credential`)
  t.equal(credential.statusCode, 200, credential.statusCode === 200 ? 'credential' : credential.body)

  // Backup while the app is running (pg_dump reads one consistent snapshot), restore elsewhere.
  const name = (await sql<{ name: string }>`SELECT current_database() AS name`.execute(db)).rows[0]!.name
  const dump = join(t.testdir(), 'compagnon.dump')
  await run(pgTool('pg_dump'), ['--format=custom', `--file=${dump}`, databaseUrl(admin, name)])
  t.ok((await stat(dump)).size > 10_000, 'a dump with the files in it')
  const restoredName = `${name}_restored`
  const adminClient = new pg.Client({ connectionString: admin })
  await adminClient.connect()
  await adminClient.query(`CREATE DATABASE ${restoredName} TEMPLATE template0`)
  t.teardown(async () => {
    const client = new pg.Client({ connectionString: admin })
    await client.connect()
    await client.query(`DROP DATABASE IF EXISTS ${restoredName} WITH (FORCE)`)
    await client.end()
  })
  await adminClient.end()
  await run(pgTool('pg_restore'), ['--no-owner', '--exit-on-error', `--dbname=${databaseUrl(admin, restoredName)}`, dump])

  // The app on the restored database, with the same secrets: everything is there and works.
  const restored = await openDatabase({ kind: 'postgres', url: databaseUrl(admin, restoredName), poolMax: 3 })
  t.teardown(async () => { await restored.close() })
  const clock = new FixedClock(TUESDAY)
  const copy = await buildApp(testConfig(), { database: restored, clock, backgroundJobs: false })
  t.teardown(async () => { await copy.app.close() })
  const on = async (who: { bearer: string } | null, method: string, url: string, payload?: unknown) =>
    await copy.app.inject({ method: method as 'GET', url, headers: who === null ? {} : { authorization: who.bearer }, ...(payload === undefined ? {} : { payload: payload as object }) })

  t.same((await on(null, 'GET', '/ready')).json(), { status: 'ready', database: 'up', pendingMigrations: [] })
  const records = await restored.db.selectFrom('attendance_records').select(['person_id', 'session_id', 'method']).execute()
  t.same(records.filter(r => r.method === 'room_code'), [{ person_id: ana.id, session_id: sessionId, method: 'room_code' }], 'the check-in')
  const again = await on(ana, 'POST', `/api/v1/sessions/${sessionId}/check-ins`, { code: code(copy.services.attendance.roomCode(sessionId).url) })
  t.equal(again.statusCode, 200, 'the same person checking in again is told they already are')
  const newcomer = await restored.db.insertInto('people').values({ display_name: 'Béa Nouvelle', email: 'bea@example.org' }).returning('id').executeTakeFirstOrThrow()
  await restored.db.insertInto('registrations').values({ event_id: ctx.eventId, person_id: newcomer.id, role: 'participant' }).execute()
  const bea = { bearer: await bearerFor(copy, newcomer.id) }
  t.equal((await on(bea, 'POST', `/api/v1/sessions/${sessionId}/check-ins`, { code: code(copy.services.attendance.roomCode(sessionId).url) })).statusCode, 201, 'a new check-in is written')

  const file = await on(student, 'GET', fileUrl)
  t.equal(file.statusCode, 200)
  t.equal(sha256(file.rawPayload), sha256(pdf), 'the synthesis file, same bytes')

  const view = await on(null, 'GET', `/api/v1/verify/${attestation.code}`)
  t.equal(view.statusCode, 200)
  t.match(view.json(), { status: 'valid' })
  const boundary = 'compagnonbackup'
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="attestation.pdf"\r\nContent-Type: application/pdf\r\n\r\n`),
    issuedPdf, Buffer.from(`\r\n--${boundary}--\r\n`)
  ])
  const checked = await copy.app.inject({ method: 'POST', url: `/api/v1/verify/${attestation.code}/check`, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: body })
  t.equal(checked.statusCode, 200, checked.statusCode === 200 ? 'checked' : checked.body)
  t.match(checked.json(), { matches: true }, 'the PDF issued before the backup verifies against the copy')
  t.equal(sha256((await on(paule, 'GET', attestation.pdfUrl)).rawPayload), attestation.sha256, 'the stored PDF, same bytes')
  // ES256 signatures differ each time; the header (key id) and the signed content must not.
  const signed = (jwt: string): string => jwt.split('.').slice(0, 2).join('.')
  const copyCredential = await on(paule, 'GET', `/api/v1/attestations/${attestation.id}/credential`)
  t.equal(copyCredential.statusCode, 200)
  t.equal(signed(copyCredential.body), signed(credential.body), 'the Open Badges credential, signed with the same key')
  t.same((await on(null, 'GET', '/.well-known/jwks.json')).json(), (await app.inject('/.well-known/jwks.json')).json(), 'the same published keys')
})

t.test('embedded: db:backup refuses while the server runs, copies the stopped DATA_DIR; a server on the copy serves the same data', { skip: usingPostgres() ? 'the embedded mode only (the PostgreSQL suite tests pg_dump above)' : false }, async t => {
  const dir = t.testdir()
  // Session tokens name the public address as issuer: the same for both servers, as in production.
  const PUBLIC_URL = 'http://127.0.0.1:3000'
  // The first organizer, as `npm run organizer:create` makes one, before the server starts.
  let eventId = ''
  let link = ''
  const dataDir = await seededDataDir(join(dir, 'data'), async db => {
    const program = new ProgramService(db, systemClock)
    eventId = (await program.listEvents())[0]!.id
    link = (await new PeopleService(db, systemClock, { publicUrl: PUBLIC_URL }, new AccessPolicy(db, ltiCourseRoles), program).bootstrapOrganizer('org@example.org', [eventId], 'Odile Organisatrice')).url.split('/').pop() ?? ''
  })
  const env = childEnv({ DATA_DIR: dataDir, PUBLIC_URL })
  const server = await startServer(env)
  t.teardown(async () => { await stopServer(server.child, 'SIGKILL') })
  const signIn = await fetch(`${server.base}/auth/link`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
    body: new URLSearchParams({ token: link })
  })
  t.equal(signIn.status, 303)
  const session = /compagnon_session=([^;]+)/.exec(signIn.headers.getSetCookie().join('\n'))?.[1] ?? ''
  const bearer = { authorization: `Bearer ${session}` }
  const added = await fetch(`${server.base}/api/v1/events/${eventId}/participants`, {
    method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Rose Sauvegarde', email: 'rose@example.org' })
  })
  t.equal(added.status, 201, added.status === 201 ? 'participant added' : await added.text())

  const refused = await runTs('src/cli/db-backup.ts', [join(dir, 'backup')], env, 60_000)
  t.equal(refused.code, 2, 'no copy under a running server')
  t.match(refused.stderr, /in use by compagnon server/)
  t.notOk(existsSync(join(dir, 'backup')), 'nothing written')

  t.equal(await stopServer(server.child), 0)
  const backup = await runTs('src/cli/db-backup.ts', [join(dir, 'backup')], env, 60_000)
  t.equal(backup.code, 0, backup.stderr)
  t.match(backup.stdout, /Backed up .* to .*backup/)
  t.same(readdirSync(join(dir, 'backup')).sort(), ['BACKUP.txt', 'pgdata', 'secrets.json'], 'the database and its secrets, not the lock')
  t.equal(((await stat(join(dir, 'backup'))).mode & 0o777), 0o700, 'readable by this user only')

  // Restore as docs/admin/backups.md says: copy the backup as the data directory of a server.
  const restoredDir = join(dir, 'restored')
  await run('cp', ['-a', join(dir, 'backup'), restoredDir])
  t.same(await readFile(join(restoredDir, 'secrets.json'), 'utf8'), await readFile(join(dataDir, 'secrets.json'), 'utf8'))
  const copy = await startServer(childEnv({ DATA_DIR: restoredDir, PUBLIC_URL }))
  t.teardown(async () => { await stopServer(copy.child, 'SIGKILL') })
  const list = await fetch(`${copy.base}/api/v1/events/${eventId}/participants`, { headers: bearer })
  t.equal(list.status, 200, 'the session opened before the backup is still valid (same secrets, same device session)')
  t.match(await list.text(), /Rose Sauvegarde/, 'the participant added before the backup')
  t.equal(await stopServer(copy.child), 0)
})
