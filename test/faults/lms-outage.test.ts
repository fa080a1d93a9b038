import t from 'tap'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { sql } from 'kysely'
import { systemClock } from '../../src/clock.js'
import type { AgsClient } from '../../src/lti/ags.js'
import { GradeOutbox, type LineItemKey } from '../../src/lti/outbox.js'
import { ROLES, startPlatform } from '../helpers/lti-platform.js'
import { landAfterLaunch } from '../helpers/lti-landing.js'
import { freePort } from '../helpers/process.js'
import { FAULT_FILE_TIMEOUT_MS, count, faultTestsSkipped, startApp, startCluster, testDatabase, until } from '../helpers/cluster.js'

const skip = faultTestsSkipped()
// Child processes and a cluster: more than tap's 120 s per file when the machine is busy.
t.setTimeout(FAULT_FILE_TIMEOUT_MS)
const PORT = 55441

const teacher = { sub: 'moodle-prof-1', name: 'Prof. Élise Roy', email: 'elise.roy@enap.ca' }
const students = Array.from({ length: 4 }, (_, i) => ({ user_id: `moodle-etu-${i}`, roles: [ROLES.Learner], name: `Étudiant·e ${i}`, email: `etu${i}@etu.enap.ca` }))

t.test('an LMS that is down, then slow: grades and the roster wait in the outbox and reach it later, each exactly once', { skip }, async t => {
  const cluster = await startCluster(t, PORT)
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const platform = await startPlatform(t)
  platform.setTool({ jwksUrl: `${base}/lti/keys` })
  platform.setMembers([{ user_id: teacher.sub, roles: [ROLES.Instructor], name: teacher.name, email: teacher.email }, ...students], 2)
  const { deploymentId, ...registration } = platform.registration()
  const platformsFile = join(t.testdir(), 'platforms.json')
  await writeFile(platformsFile, JSON.stringify([{ ...registration, deploymentIds: [deploymentId] }]))
  const app = await startApp(t, cluster, { LTI_PLATFORMS_FILE: platformsFile }, port)
  const database = await testDatabase(t, cluster)

  platform.setServicesDown(true)
  // The instructor's launch (the LMS' login and keys still answer) makes the course known and due for a roster sync.
  const launch = await platform.launch(base, { user: teacher, roles: [ROLES.Instructor] })
  t.equal(launch.launchResponse.status, 303)
  const course = await landAfterLaunch(base, launch)
  t.equal(course.status, 200, 'on the course page')
  // The token a page script reads from the page (forms authenticated by cookie carry one).
  const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(course.body)?.[1]
  const context = await database.db.selectFrom('lti_contexts').select(['id', 'memberships_url', 'lineitems_url']).executeTakeFirstOrThrow()
  t.equal(context.memberships_url, platform.membershipsUrl)
  const syncNow = await fetch(`${base}/cours/liste/${context.id}?lang=fr`, {
    method: 'POST', redirect: 'manual', headers: { cookie: launch.cookies.header(), origin: base, 'sec-fetch-site': 'same-origin', accept: 'text/html', ...(csrf === undefined ? {} : { 'x-csrf-token': csrf }) }
  })
  t.equal(syncNow.status, 303, '"sync now" while the LMS is down: no error page, the sync stays queued')
  const afterSyncNow = await database.db.selectFrom('lti_contexts').select(['roster_sync_attempts', 'roster_sync_error', 'roster_synced_at'])
    .where('id', '=', context.id).executeTakeFirstOrThrow()
  t.match(afterSyncNow, { roster_sync_error: /503/, roster_synced_at: null })
  // The launch's notification may have woken the roster worker before "sync now": one or two attempts.
  t.ok(afterSyncNow.roster_sync_attempts >= 1 && afterSyncNow.roster_sync_attempts <= 2, `tried (${afterSyncNow.roster_sync_attempts} attempts), not synced`)

  // Grades given meanwhile (the outbox's own enqueue, as grading does), one of them regraded.
  const outbox = new GradeOutbox(database.db, systemClock, undefined as unknown as AgsClient, { warn: () => {} })
  const given = new Date()
  const graded = (scoreGiven: number) => ({ scoreGiven, scoreMaximum: 100, activityProgress: 'Completed' as const, gradingProgress: 'FullyGraded' as const })
  for (const [i, student] of students.entries()) {
    for (const lineItem of ['presence', 'synthese'] as LineItemKey[]) {
      await outbox.enqueue({ contextId: context.id, lineItem, userSub: student.user_id, score: graded(60 + i), givenAt: given })
    }
  }
  await outbox.enqueue({ contextId: context.id, lineItem: 'synthese', userSub: students[0]!.user_id, score: graded(95), givenAt: new Date(given.getTime() + 1000) })
  const outboxRows = async () => await database.db.selectFrom('lti_grade_outbox').select(['status', 'attempts', 'last_error']).where('context_id', '=', context.id).execute()
  const tried = await until('the worker trying every pending grade', async () => {
    const rows = await outboxRows()
    return rows.filter(r => r.status === 'pending').every(r => r.attempts >= 1) && rows
  })
  t.equal(tried.filter(r => r.status === 'pending').length, 8, 'eight grades wait (the regrade replaced the first grade)')
  t.ok(tried.filter(r => r.status === 'pending').every(r => /503/.test(r.last_error ?? '')), 'each tried, refused with 503, kept for later')
  t.same(platform.received.scores, [], 'nothing reached the LMS')

  // The LMS comes back, slow: every service call waits 300 ms. The retries' backoff (30 s for
  // grades, 1 min for the roster) is compressed: they are made due now.
  platform.setServicesDown(false)
  platform.setServicesDelay(300)
  await sql`UPDATE lti_grade_outbox SET next_attempt_at = now() WHERE status = 'pending'`.execute(database.db)
  await sql`UPDATE lti_contexts SET roster_sync_due_at = now() WHERE id = ${context.id}`.execute(database.db)

  await until('every grade delivered', async () => (await outboxRows()).every(r => r.status !== 'pending'), 60_000, 250)
  await until('the roster synced by the worker', async () => (await database.db.selectFrom('lti_contexts').select('roster_synced_at').where('id', '=', context.id).executeTakeFirstOrThrow()).roster_synced_at !== null, 60_000, 250)

  const scores = platform.received.scores.map(s => `${s.lineItemUrl} ${String(s.body.userId)} ${String(s.body.scoreGiven)}`).sort()
  t.equal(scores.length, 8, 'eight scores received')
  t.equal(new Set(scores.map(s => s.split(' ').slice(0, 2).join(' '))).size, 8, 'one score per line item and user: none twice')
  const synthese = String(platform.lineItems().find(li => li.tag === 'compagnon-synthese')?.id)
  t.same(platform.received.scores.filter(s => s.lineItemUrl === synthese).map(s => [s.body.userId, s.body.scoreGiven]).sort(),
    students.map((s, i) => [s.user_id, i === 0 ? 95 : 60 + i]), 'the regrade, never the grade it replaced')
  t.equal(platform.received.lineItemsCreated.length, 2, 'each line item created once')
  t.match(await outboxRows(), Array.from({ length: 9 }, () => ({ status: /delivered|superseded/ })))

  t.match(await database.db.selectFrom('lti_contexts').select(['roster_sync_attempts', 'roster_sync_error']).where('id', '=', context.id).executeTakeFirstOrThrow(), { roster_sync_attempts: 0, roster_sync_error: null })
  const members = await database.db.selectFrom('lti_roster_members').select(['user_sub', 'person_id']).where('context_id', '=', context.id).orderBy('user_sub').execute()
  t.same(members.map(m => m.user_sub), [...students.map(s => s.user_id), teacher.sub].sort(), 'every member stored once')
  t.equal(new Set(members.map(m => m.person_id)).size, 5, 'one person each: the instructor who launched is the same person in the roster')
  t.equal(await count(database, sql<{ n: number }>`SELECT count(*) AS n FROM lti_identities`), 5, 'no identity twice')
  t.equal(app.child.exitCode, null)
})
