import t from 'tap'
import { countRows, rowDeltas } from '../helpers/rows.js'
import { bearerFor } from '../helpers/session.js'
import { attestationSetup, type AttestationCtx, type Someone } from '../helpers/attestations.js'
import { given } from '../helpers/given.js'
import { RetentionService, periodEnd } from '../../src/privacy/retention.js'

// The 2025 school ends Friday 24 October 2025 (Montréal): its periods count from midnight after it.
const END_2025 = '2025-10-25T04:00:00.000Z'
const days = { attendanceDays: 30, submissionsDays: 60, messagesDays: 10, peopleDays: 90, accessLogDays: 20, attestationDetailsDays: 45 }
/** A second after the 2025 school's period of `n` days is over. */
const after = (n: number): Date => new Date(periodEnd({ ends_on: '2025-10-24', timezone: 'America/Montreal' }, n).getTime() + 1000)

const TABLES = [
  'attendance_records', 'attendance_history', 'attendance_excuses', 'attendance_choices', 'attendance_passes', 'attendance_code_attempts',
  'attendance_session_totals', 'synthesis_drafts', 'synthesis_submissions', 'synthesis_submission_files', 'files', 'file_chunks',
  'synthesis_grades', 'lti_grade_outbox', 'outgoing_messages', 'device_sessions', 'personal_links', 'lti_identities',
  'privacy_access_log', 'attestations', 'people', 'registrations', 'retention_purge_log'
] as const

const counts = async (ctx: AttestationCtx): Promise<Record<string, number>> => await countRows(ctx.database.db, TABLES)

interface World {
  ctx: AttestationCtx
  later: string
  /** Only in 2025; an attestation, a hand-in with a file, messages. */
  ana: Someone
  /** In 2025, with a synthesis grade still queued for the LMS. */
  ben: Someone
  /** In 2025 and in the later event. */
  cleo: Someone
  attestationCode: string
}

/** Two events: the 2025 school and one a year later; personal data of every kind in both. */
async function world (t: Parameters<typeof attestationSetup>[0]): Promise<World> {
  const ctx = await attestationSetup(t)
  const db = ctx.database.db
  const g = given(ctx)
  const later = await g.newEvent({ key: 'ecole-2026', titleFr: 'École 2026', titleEn: 'School 2026', startsOn: '2026-10-19', endsOn: '2026-10-23' })
  const ana = await ctx.person('Ana Archambault')
  const ben = await ctx.person('Ben Bélanger', 'credited_student')
  const cleo = await ctx.person('Cléo Côté')
  await g.registered(cleo.id, 'participant', later)
  await g.participant({ name: 'Dan Dubois', email: 'dan@example.org', event: later })

  // Attendance: 17 h for Ana (her attestation), a few slots for Ben and Cléo, a correction, an excuse, a choice, passes, a code attempt.
  await ctx.attendHours(ana.id, 17)
  await ctx.attend(ben.id, [0, 1])
  await ctx.attend(cleo.id, [0])
  const slot = ctx.slots[2]!
  await db.insertInto('attendance_history').values({ event_id: ctx.eventId, slot_id: slot.id, person_id: ben.id, action: 'correction', before: null, after: JSON.stringify({ status: 'late' }), reason: 'Bus en retard', changed_by: ctx.organizer.id, changed_at: slot.startsAt }).execute()
  await g.excuse(cleo.id, slot.id, { reason: 'Rendez-vous médical', at: slot.startsAt })
  await db.insertInto('attendance_choices').values({ person_id: cleo.id, slot_id: slot.id, session_id: slot.sessions[0]!, chosen_at: slot.startsAt }).execute()
  for (const [i, p] of [ana, ben, cleo].entries()) await db.insertInto('attendance_passes').values({ person_id: p.id, code: `PASS${i}XYZ`, issued_at: slot.startsAt }).execute()
  await db.insertInto('attendance_code_attempts').values({ person_id: ben.id, attempted_at: slot.startsAt }).execute()

  // Synthesis: a course with an assignment, Ana's and Ben's hand-ins (a file each), Cléo's draft; Ben's grade still queued.
  const course = await g.course({ issuer: 'https://lms.example', clientId: 'c1', deploymentId: 'd1', contextId: 'ENP7009', title: 'ENP7009' })
  const assignment = await g.assignment(course, { opensAt: new Date('2025-10-20T12:00:00Z'), dueAt: new Date('2025-10-25T03:59:00Z') })
  for (const p of [ana, ben]) {
    await g.handIn(assignment, p.id, {
      text: 'Ma synthèse',
      at: new Date('2025-10-24T20:00:00Z'),
      file: { name: 'synthese.pdf', bytes: Buffer.from(`%PDF-1.4 synthèse de ${p.name}`) },
      grade: { score: 80, feedback: 'Bien', state: 'published', at: new Date('2025-10-30T12:00:00Z') }
    })
  }
  await g.draft(assignment, cleo.id, { text: 'brouillon', at: new Date('2025-10-24T12:00:00Z') })
  await g.gradeInOutbox(course, { person: ana.id, sub: 'sub-ana', score: { scoreGiven: 80 }, givenAt: new Date('2025-10-30T12:00:00Z'), status: 'delivered', deliveredAt: new Date('2025-10-30T12:01:00Z') })
  await g.gradeInOutbox(course, { person: ben.id, sub: 'sub-ben', score: { scoreGiven: 80 }, givenAt: new Date('2025-10-30T12:00:00Z'), status: 'pending' })
  await g.lmsIdentity(ana.id, { issuer: 'https://lms.example', clientId: 'c1', subject: 'sub-ana' })
  await g.lmsIdentity(ben.id, { issuer: 'https://lms.example', clientId: 'c1', subject: 'sub-ben' })

  // Sign-in state, links, staff access log.
  for (const p of [ana, ben, cleo]) {
    await g.deviceSession(p.id, { expiresAt: new Date('2026-06-01T00:00:00Z') })
    await g.personalLink(p.id, { issuedAt: new Date('2025-10-01T00:00:00Z'), expiresAt: new Date('2025-12-23T00:00:00Z') })
  }
  await db.insertInto('privacy_access_log').values([
    { at: new Date('2025-10-22T12:00:00Z'), actor_id: ctx.organizer.id, actor_role: 'organizer', data_kind: 'participants', event_id: ctx.eventId, method: 'GET', route: '/x', status_code: 200, request_id: 'r1' },
    { at: new Date('2026-10-22T12:00:00Z'), actor_id: ctx.organizer.id, actor_role: 'organizer', data_kind: 'participants', event_id: later, method: 'GET', route: '/x', status_code: 200, request_id: 'r2' }
  ]).execute()

  // Ana's attestation (issued now, Friday of the event), with its messages.
  const attestation = (await ctx.services.attestations.request(ana.id, ctx.eventId, { name: ana.name, locale: 'fr', employer: 'Ville de Laval', hrEmail: 'rh@laval.example' })).attestation!
  // A message of the later event.
  await g.message(cleo.id, { event: later, kind: 'personal_link', to: 'cleo@example.org', subject: 'Lien', body: 'x', status: 'stored' })
  return { ctx, later, ana, ben, cleo, attestationCode: attestation.code }
}

t.test('periods count from midnight after the event\'s last day, in its own time zone', async t => {
  t.equal(periodEnd({ ends_on: '2025-10-24', timezone: 'America/Montreal' }, 0).toISOString(), END_2025)
  t.equal(periodEnd({ ends_on: '2025-10-24', timezone: 'America/Montreal' }, 30).toISOString(), '2025-11-24T05:00:00.000Z', 'calendar days (EST after the change of time)')
})

t.test('the purge takes each kind of data when its period is over, and nothing else', async t => {
  const w = await world(t)
  const { ctx } = w
  const db = ctx.database.db
  const service = new RetentionService(db, ctx.clock, days)
  const start = await counts(ctx)

  await t.test('during the periods nothing is due and nothing moves', async t => {
    ctx.clock.set(after(5))
    const dry = await service.dryRun()
    t.same(Object.values(dry.counts).filter(n => n > 0), [], 'nothing due')
    const run = await service.purge('organizer')
    t.same(Object.values(run!.counts).filter(n => n > 0), [])
    t.same(rowDeltas(start, await counts(ctx)), {})
  })

  await t.test('messages after messagesDays: the 2025 event\'s go, the later event\'s stay', async t => {
    ctx.clock.set(after(days.messagesDays))
    const before = await counts(ctx)
    const dry = await service.dryRun()
    t.equal(dry.counts.outgoing_messages, 2, 'the attestation notice and the copy to HR')
    const run = await service.purge('schedule')
    t.equal(run!.counts.outgoing_messages, 2)
    t.same(rowDeltas(before, await counts(ctx)), { outgoing_messages: -2, retention_purge_log: 1 })
    const log = await db.selectFrom('retention_purge_log').selectAll().execute()
    t.match(log, [{ kind: 'outgoing_messages', count: 2, trigger: 'schedule' }], 'the log says what and how many, about no one')
  })

  await t.test('access log after accessLogDays: only the 2025 event\'s rows', async t => {
    ctx.clock.set(after(days.accessLogDays))
    const before = await counts(ctx)
    await service.purge('organizer')
    t.same(rowDeltas(before, await counts(ctx)), { privacy_access_log: -1, retention_purge_log: 1 })
  })

  await t.test('attendance after attendanceDays: records, corrections, excuses, choices, passes and attempts go; per-session totals stay; the person with a queued grade keeps hers', async t => {
    ctx.clock.set(after(days.attendanceDays))
    const before = await counts(ctx)
    const present = before.attendance_records!
    const run = await service.purge('organizer')
    const now = await counts(ctx)
    t.equal(now.attendance_records, 0, 'Ben\'s grade queued is a synthesis grade: his attendance goes')
    t.equal(run!.counts.attendance_records, present)
    t.equal(now.attendance_history, 0)
    t.equal(now.attendance_excuses, 0)
    t.equal(now.attendance_choices, 0)
    t.equal(now.attendance_passes, 1, 'Cléo is also in the later event: her pass stays')
    t.equal(now.attendance_code_attempts, 0)
    const totals = await db.selectFrom('attendance_session_totals').select(eb => eb.fn.sum<number>('count').as('n')).executeTakeFirstOrThrow()
    t.equal(Number(totals.n), present, 'every record counted once in the totals')
    t.equal(now.synthesis_submissions, before.synthesis_submissions, 'hand-ins untouched')
    t.equal(now.people, before.people)

    // The attendance grade job would read everyone as absent now: it must leave the LMS alone.
    const course = await db.selectFrom('lti_contexts').select('id').where('context_id', '=', 'ENP7009').executeTakeFirstOrThrow()
    await db.updateTable('lti_contexts').set({ lineitems_url: 'https://lms.example/lineitems' }).where('id', '=', course.id).execute()
    await given(ctx).onRoster(course.id, w.ana.id, { sub: 'sub-ana', roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'] })
    const grid = await ctx.services.book.grid(ctx.eventId, { contextId: course.id })
    t.ok(grid.rows.some(r => r.userSub !== null && r.grade !== null), 'learners of the course would otherwise get a grade from the purged records')
    t.equal(await ctx.services.grades.syncAll(), 0, 'no attendance grade is queued after the purge')
    await db.deleteFrom('lti_roster_members').where('context_id', '=', course.id).execute()
    await db.updateTable('lti_contexts').set({ lineitems_url: null }).where('id', '=', course.id).execute()
  })

  await t.test('attestations after attestationDetailsDays: minimised, still verifiable with the minimum fields', async t => {
    ctx.clock.set(after(days.attestationDetailsDays))
    const run = await service.purge('organizer')
    t.equal(run!.counts.attestations_minimised, 1)
    const row = await db.selectFrom('attestations').select(['minimised_at', 'snapshot']).executeTakeFirstOrThrow()
    t.ok(row.minimised_at)
    t.match(row.snapshot, { name: 'Ana Archambault', employer: null, sessions: [] })
    const res = await ctx.app.inject({ url: `/api/v1/verify/${w.attestationCode}` })
    t.equal(res.statusCode, 200)
    t.match(res.json(), { status: 'valid', minimised: true, name: 'Ana Archambault', details: null })
    t.ok(res.json().hours > 0)
  })

  await t.test('submissions after submissionsDays: hand-ins, files, drafts and grades go, except what a queued grade still needs', async t => {
    ctx.clock.set(after(days.submissionsDays))
    const before = await counts(ctx)
    const run = await service.purge('organizer')
    const now = await counts(ctx)
    t.equal(run!.counts.synthesis_submissions, 1, 'Ana\'s')
    t.equal(run!.counts.files, 1)
    t.equal(now.synthesis_drafts, 0)
    t.same(await db.selectFrom('synthesis_submissions').select('person_id').execute(), [{ person_id: w.ben.id }], 'Ben\'s grade is still queued')
    t.equal(now.synthesis_grades, 1, 'Ben\'s grade stays with it')
    t.equal(now.files, before.files! - 1, 'Ana\'s file gone, her attestation PDF and Ben\'s file stay')
    t.ok(now.file_chunks! < before.file_chunks!)
    t.equal(now.lti_grade_outbox, 1, 'the delivered grade goes, the queued one stays')

    // Delivered: the next run takes the rest.
    await db.updateTable('lti_grade_outbox').set({ status: 'delivered', delivered_at: ctx.clock.now() }).execute()
    const again = await service.purge('organizer')
    t.equal(again!.counts.synthesis_submissions, 1)
    t.equal((await counts(ctx)).synthesis_submissions, 0)
  })

  await t.test('people after peopleDays: those only in the 2025 event are anonymised, the others untouched', async t => {
    ctx.clock.set(after(days.peopleDays))
    const run = await service.purge('organizer')
    // Ana, Ben, the organizer (only in 2025); Cléo is also in 2026.
    t.equal(run!.counts.people_anonymised, 3)
    const people = await db.selectFrom('people').select(['id', 'display_name', 'email', 'anonymised_at']).execute()
    const byId = new Map(people.map(p => [p.id, p]))
    for (const p of [w.ana, w.ben, ctx.organizer]) {
      t.match(byId.get(p.id), { email: null, display_name: /^Personne effacée \/ Erased person [0-9A-F]{6}$/ })
      t.ok(byId.get(p.id)!.anonymised_at)
    }
    t.match(byId.get(w.cleo.id), { display_name: 'Cléo Côté', anonymised_at: null })
    const now = await counts(ctx)
    t.equal(now.device_sessions, 2, 'Cléo\'s (the stored one and the one behind her bearer token)')
    t.equal(now.personal_links, 1)
    t.equal(now.lti_identities, 0)
    t.equal(now.registrations, start.registrations, 'registrations stay, tied to nameless people')
    const res = await ctx.app.inject({ url: `/api/v1/verify/${w.attestationCode}` })
    t.match(res.json(), { status: 'valid', name: 'Ana Archambault' }, 'the attestation still verifies under the printed name')
  })

  await t.test('running again does nothing more', async t => {
    const before = await counts(ctx)
    const run = await service.purge('organizer')
    t.same(Object.values(run!.counts).filter(n => n > 0), [])
    t.same(rowDeltas(before, await counts(ctx)), {})
    t.same(Object.values((await service.dryRun()).counts).filter(n => n > 0), [])
  })

  await t.test('the API: dry run and run, for organizers only, with the counts (the app\'s configured periods)', async t => {
    const participant = { authorization: w.cleo.bearer }
    // The 2025 organizer was anonymised above, which ended their sessions: the later event's organizer asks.
    const later = await ctx.database.db.selectFrom('events').select('id').where('key', '=', 'ecole-2026').executeTakeFirstOrThrow()
    const rita = await given(ctx).organizer({ name: 'Rita Responsable', email: 'rita@example.org', event: later.id })
    for (const method of ['GET', 'POST'] as const) {
      t.equal((await ctx.app.inject({ method, url: '/api/v1/privacy/purge', headers: participant })).statusCode, 403)
      t.equal((await ctx.app.inject({ method, url: '/api/v1/privacy/purge' })).statusCode, 401)
    }
    // The later event's message is due once its own messages period (180 days by default) is over.
    ctx.clock.set(new Date(periodEnd({ ends_on: '2026-10-23', timezone: 'America/Montreal' }, ctx.config.retention.messagesDays).getTime() + 1000))
    // Signed in now (a session from 2025 would have expired by then).
    const organizer = { authorization: await bearerFor(ctx, rita.id) }
    const before = await counts(ctx)
    const dry = await ctx.app.inject({ url: '/api/v1/privacy/purge', headers: organizer })
    t.equal(dry.statusCode, 200)
    t.match(dry.json(), { dryRun: true, runId: null, counts: { outgoing_messages: 1 }, periods: { messagesDays: 180, attestationDetailsDays: 365 } })
    t.same(rowDeltas(before, await counts(ctx)), {}, 'a dry run writes nothing')
    const run = await ctx.app.inject({ method: 'POST', url: '/api/v1/privacy/purge', headers: organizer })
    t.equal(run.statusCode, 200)
    t.match(run.json(), { dryRun: false, runId: /^[0-9a-f-]{36}$/, counts: { outgoing_messages: 1 } })
    t.same(rowDeltas(before, await counts(ctx)), { outgoing_messages: -1, retention_purge_log: 1 })
  })
})
