import t from 'tap'
import { FixedClock } from '../../src/clock.js'
import { AttendanceBook } from '../../src/attendance/book.js'
import { AttendanceGrades } from '../../src/attendance/grades.js'
import { testApp, type TestApp } from '../helpers/app.js'
import { given, type Role } from '../helpers/given.js'
import { ROLES, startPlatform } from '../helpers/lti-platform.js'

// Tuesday 21 October 2025, 15:00 in Montréal: Monday and Tuesday's slots up to 14:45 are held.
const at = (local: string, day = '21'): Date => new Date(`2025-10-${day}T${local}:00-04:00`)
const A = '2025-10-21-etude-cas-experimentation-reglementaire'
const B = '2025-10-21-etude-cas-cmr-sante-mentale'

interface Ctx extends TestApp { book: AttendanceBook, eventId: string, sessions: Record<string, string>, slotOf: (key: string) => Promise<string> }

const setup = async (tt: Parameters<typeof testApp>[0], now = '15:00'): Promise<Ctx> => {
  const ctx = await testApp(tt, { clock: new FixedClock(at(now)) })
  const [event] = await ctx.services.program.listEvents()
  const rows = await ctx.database.db.selectFrom('sessions').select(['id', 'key', 'slot_id']).execute()
  return {
    ...ctx,
    book: new AttendanceBook(ctx.database.db, ctx.clock, ctx.app.access, ctx.services.people),
    eventId: event!.id,
    sessions: Object.fromEntries(rows.map(r => [r.key, r.id])),
    slotOf: async (key: string) => rows.find(r => r.key === key)!.slot_id
  }
}

const register = async (ctx: Ctx, name: string, role: Role): Promise<string> => (await given(ctx).as(role, { name })).id

/** A course from the LMS with its roster (as an NRPS sync leaves it). */
const course = async (ctx: Ctx, members: Array<{ sub: string, personId: string, roles: string[] }>, lineItemsUrl: string | null = null, issuer = 'https://moodle.example.org', clientId = 'c1'): Promise<string> => {
  const g = given(ctx)
  const context = await g.course({ issuer, clientId, deploymentId: '1', contextId: 'ENP7009', lineItemsUrl })
  for (const m of members) await g.onRoster(context, m.personId, { sub: m.sub, roles: m.roles })
  return context
}

const record = async (ctx: Ctx, personId: string, sessionKey: string, status: 'present' | 'late'): Promise<void> => {
  await given(ctx).checkedIn(personId, ctx.sessions[sessionKey]!, { status, method: 'room_code', at: ctx.clock.now() })
}

t.test('the course grid is built on the roster: absentees show for held slots, future slots stay empty', async t => {
  const ctx = await setup(t)
  const ana = await register(ctx, 'Ana', 'credited_student')
  const ben = await register(ctx, 'Ben', 'credited_student')
  const prof = await register(ctx, 'Prof', 'instructor')
  const contextId = await course(ctx, [{ sub: 'a', personId: ana, roles: [ROLES.Learner] }, { sub: 'b', personId: ben, roles: [ROLES.Learner] }, { sub: 'p', personId: prof, roles: [ROLES.Instructor] }])
  await record(ctx, ana, A, 'present')
  const grid = await ctx.book.grid(ctx.eventId, { contextId })
  t.same(grid.rows.map(r => r.name), ['Ana', 'Ben'], 'learners only, including Ben who never checked in')
  const i = grid.slots.findIndex(s => s.sessions.some(x => x.id === ctx.sessions[A]))
  t.ok([ctx.sessions[A], ctx.sessions[B]].every(id => grid.slots[i]?.sessions.some(s => s.id === id)), 'the slot lists its parallel sessions')
  t.match(grid.rows[0]?.cells[i], { status: 'present', sessionId: ctx.sessions[A] })
  t.match(grid.rows[1]?.cells[i], { status: 'absent' })
  t.ok(grid.slots.slice(0, i + 1).every(s => s.held), 'slots up to this one are held')
  t.ok(grid.slots.slice(i + 1).every(s => !s.held))
  t.ok(grid.rows[1]?.cells.slice(i + 1).every(c => c.status === null), 'future slots are not absences')
  t.equal(grid.rows[0]?.hoursAttended, 1.25, 'hours attended (13:30–14:45)')
})

t.test('the grade follows the policy: held slots or all, late weight, excused counted or left out', async t => {
  const ctx = await setup(t)
  const org = await register(ctx, 'Org', 'organizer')
  const p = await register(ctx, 'Pat', 'participant')
  await record(ctx, p, A, 'late')
  const held = (await ctx.book.grid(ctx.eventId)).slots.filter(s => s.held)
  const total = (await ctx.book.grid(ctx.eventId)).slots.length
  const excuse = await ctx.book.submitExcuse(p, held[0]!.id, 'Rendez-vous médical')
  await ctx.book.decideExcuse(org, excuse.id, true)
  const gradeOf = async () => (await ctx.book.grid(ctx.eventId)).rows.find(r => r.personId === p)?.grade
  t.equal(await gradeOf(), (0.75 + 1) / held.length, 'default: held slots, late 0.75, excused as present')
  await ctx.book.setPolicy(org, ctx.eventId, { ...await ctx.book.policy(ctx.eventId), excused: 'omit', weight_late: 0.5 })
  t.equal(await gradeOf(), 0.5 / (held.length - 1), 'excused left out, late 0.5')
  await ctx.book.setPolicy(org, ctx.eventId, { ...await ctx.book.policy(ctx.eventId), over: 'all' })
  t.equal(await gradeOf(), 0.5 / (total - 1), 'over all slots')
  await t.rejects(ctx.book.setPolicy(p, ctx.eventId, await ctx.book.policy(ctx.eventId)), /For the organizers of this event only/)
})

t.test('corrections need a reason and leave an audit row with who, when, before and after', async t => {
  const ctx = await setup(t)
  const prof = await register(ctx, 'Prof', 'instructor')
  const p = await register(ctx, 'Pat', 'credited_student')
  await course(ctx, [{ sub: 'p', personId: prof, roles: [ROLES.Instructor] }, { sub: 'pat', personId: p, roles: [ROLES.Learner] }])
  const slot = await ctx.slotOf(A)
  await t.rejects(ctx.book.correct(prof, { personId: p, slotId: slot, status: 'present', sessionId: ctx.sessions[A], reason: ' ' }), /reason/)
  await t.rejects(ctx.book.correct(p, { personId: p, slotId: slot, status: 'present', sessionId: ctx.sessions[A], reason: 'moi-même' }), /Only the event’s organizers and the instructors of a course this person is enrolled in/)
  await t.rejects(ctx.book.correct(prof, { personId: p, slotId: slot, status: 'present', reason: 'Oubli du scan' }), /Choose the session/, 'two parallel sessions: which one?')
  await ctx.book.correct(prof, { personId: p, slotId: slot, status: 'present', sessionId: ctx.sessions[B], reason: 'Oubli du scan' })
  await ctx.book.correct(prof, { personId: p, slotId: slot, status: 'late', reason: 'Arrivée à 13:50' })
  await ctx.book.correct(prof, { personId: p, slotId: slot, status: 'absent', reason: 'Partie à la pause' })
  const history = await ctx.book.history(p, slot)
  t.match(history, [
    { action: 'correction', before: null, after: { sessionId: ctx.sessions[B], status: 'present' }, reason: 'Oubli du scan', changedBy: prof, changedAt: at('15:00') },
    { action: 'correction', before: { status: 'present' }, after: { status: 'late', sessionId: ctx.sessions[B] }, reason: 'Arrivée à 13:50' },
    { action: 'correction', before: { status: 'late' }, after: null, reason: 'Partie à la pause' }
  ])
  t.equal((await ctx.database.db.selectFrom('attendance_records').selectAll().where('person_id', '=', p).execute()).length, 0, 'absent: no record')
})

t.test('excuses: submitted before or after, pending until an instructor of the person\'s course decides, then final', async t => {
  const ctx = await setup(t)
  const prof = await register(ctx, 'Prof', 'instructor')
  const p = await register(ctx, 'Pat', 'credited_student')
  await course(ctx, [{ sub: 'p', personId: prof, roles: [ROLES.Instructor] }, { sub: 'pat', personId: p, roles: [ROLES.Learner] }])
  const later = (await ctx.book.grid(ctx.eventId)).slots.find(s => !s.held)!
  const past = (await ctx.book.grid(ctx.eventId)).slots.find(s => s.held)!
  await t.rejects(ctx.book.submitExcuse(p, later.id, 'x'), /short reason/)
  const ahead = await ctx.book.submitExcuse(p, later.id, 'Formation obligatoire au travail')
  const after = await ctx.book.submitExcuse(p, past.id, 'Enfant malade')
  t.equal(ahead.status, 'pending')
  t.same((await ctx.book.excuses(ctx.eventId, 'pending')).map(e => e.reason), ['Enfant malade', 'Formation obligatoire au travail'], 'in slot order')
  await ctx.book.decideExcuse(prof, after.id, true)
  await ctx.book.decideExcuse(prof, ahead.id, false)
  const row = (await ctx.book.grid(ctx.eventId)).rows.find(r => r.personId === p)!
  const slots = (await ctx.book.grid(ctx.eventId)).slots
  t.match(row.cells[slots.findIndex(s => s.id === past.id)], { status: 'excused', excuse: 'accepted' })
  t.match(row.cells[slots.findIndex(s => s.id === later.id)], { status: null, excuse: 'refused' })
  await t.rejects(ctx.book.submitExcuse(p, past.id, 'Encore'), /already reviewed/)
  t.match(await ctx.book.history(p, past.id), [{ action: 'excuse', before: { excuse: 'pending' }, after: { excuse: 'accepted' }, changedBy: prof }])
  await t.rejects(ctx.book.decideExcuse(p, ahead.id, true), /Only the event’s organizers/)
})

t.test('an instructor corrects and excuses only learners of a course they teach; organizers anyone in their event', async t => {
  const ctx = await setup(t)
  const prof = await register(ctx, 'Prof', 'instructor')
  const otherProf = await register(ctx, 'Autre Prof', 'instructor')
  const organizer = await register(ctx, 'Odile', 'organizer')
  const mine = await register(ctx, 'Ana', 'credited_student')
  const participant = await register(ctx, 'Paul', 'participant')
  const coTeacher = await register(ctx, 'Cora', 'instructor')
  await course(ctx, [{ sub: 'p', personId: prof, roles: [ROLES.Instructor] }, { sub: 'a', personId: mine, roles: [ROLES.Learner] }, { sub: 'c', personId: coTeacher, roles: [ROLES.Instructor] }])
  const slot = await ctx.slotOf(A)
  const correct = (actor: string, personId: string) => ctx.book.correct(actor, { personId, slotId: slot, status: 'present', sessionId: ctx.sessions[A], reason: 'Vue sur place' })
  await t.rejects(correct(otherProf, mine), /Only the event’s organizers and the instructors of a course this person is enrolled in/, 'an instructor of the event who does not teach her course')
  await t.rejects(correct(prof, participant), /Only the event’s organizers/, 'a participant outside the course')
  await t.rejects(correct(prof, coTeacher), /Only the event’s organizers/, 'a co-instructor is not enrolled as a learner')
  t.equal((await ctx.database.db.selectFrom('attendance_history').selectAll().execute()).length, 0, 'nothing written by the refusals')
  await correct(prof, mine)
  await correct(organizer, participant)
  t.same((await ctx.database.db.selectFrom('attendance_records').select('person_id').orderBy('person_id').execute()).map(r => r.person_id).sort(), [mine, participant].sort())

  const excuse = await ctx.book.submitExcuse(participant, (await ctx.book.grid(ctx.eventId)).slots.find(s => !s.held)!.id, 'Formation obligatoire')
  await t.rejects(ctx.book.decideExcuse(prof, excuse.id, true), /Only the event’s organizers/)
  t.match(await ctx.database.db.selectFrom('attendance_excuses').select('status').where('id', '=', excuse.id).executeTakeFirstOrThrow(), { status: 'pending' })
  await ctx.book.decideExcuse(organizer, excuse.id, true)
  t.same(await ctx.book.correctable(prof, ctx.eventId), { all: false, people: new Set([mine]) })
  t.same(await ctx.book.correctable(organizer, ctx.eventId), { all: true })
})

t.test('parallel sessions chosen in advance count against the room capacity', async t => {
  const ctx = await setup(t, '10:00')
  await given(ctx).room({ key: 'salle-2', name: 'Salle 2.10', capacity: 2, sessions: [ctx.sessions[B]!] })
  const [x, y, z] = [await register(ctx, 'X', 'participant'), await register(ctx, 'Y', 'participant'), await register(ctx, 'Z', 'participant')]
  t.same(await ctx.book.choose(x, ctx.sessions[B]!), { sessionId: ctx.sessions[B], remaining: 1 })
  t.same(await ctx.book.choose(y, ctx.sessions[B]!), { sessionId: ctx.sessions[B], remaining: 0 })
  await t.rejects(ctx.book.choose(z, ctx.sessions[B]!), /is full \(2 seats\)/)
  t.same(await ctx.book.choose(y, ctx.sessions[B]!), { sessionId: ctx.sessions[B], remaining: 0 }, 'choosing again is fine')
  t.same(await ctx.book.choose(z, ctx.sessions[A]!), { sessionId: ctx.sessions[A], remaining: null }, 'the other room has no known limit')
  await ctx.book.unchoose(y, await ctx.slotOf(B))
  t.same(await ctx.book.choose(z, ctx.sessions[B]!), { sessionId: ctx.sessions[B], remaining: 0 }, 'a freed place can be taken, and the choice moves')
  t.same(await ctx.services.attendance.counts(ctx.sessions[B]!), { checkedIn: 0, chosen: 2, capacity: 2 }, 'hosts see who is expected')
  t.same((await ctx.book.places(ctx.eventId)).get(ctx.sessions[B]!), { capacity: 2, taken: 2 })
  ctx.clock.set(at('13:35'))
  await t.rejects(ctx.book.choose(x, ctx.sessions[A]!), /has started/)
})

/** The usual world, served over HTTP, with a simulated LMS registered (grades go there). */
const setupWithPlatform = async (t: Parameters<typeof setup>[0]) => {
  const ctx = await setup(t)
  const base = await ctx.app.listen({ host: '127.0.0.1', port: 0 })
  const platform = await startPlatform(t)
  platform.setTool({ jwksUrl: `${base}/lti/keys` })
  const reg = platform.registration()
  await ctx.services.lti.registerPlatform({ ...reg, deploymentIds: [reg.deploymentId] })
  return { ctx, platform, reg }
}

t.test('the attendance grade reaches the LMS "Présence" line item, and only when it changes', async t => {
  const { ctx, platform, reg } = await setupWithPlatform(t)
  const prof = await register(ctx, 'Prof', 'instructor')
  const ana = await register(ctx, 'Ana', 'credited_student')
  const ben = await register(ctx, 'Ben', 'credited_student')
  const contextId = await course(ctx, [{ sub: 'lms-ana', personId: ana, roles: [ROLES.Learner] }, { sub: 'lms-ben', personId: ben, roles: [ROLES.Learner] }, { sub: 'lms-prof', personId: prof, roles: [ROLES.Instructor] }], platform.lineItemsUrl, reg.issuer, reg.clientId)
  await record(ctx, ana, A, 'present')
  const grades = new AttendanceGrades(ctx.database.db, ctx.clock, ctx.book, ctx.services.gradeOutbox)
  t.equal(await grades.syncCourse(contextId), 2)
  t.same(await ctx.services.gradeOutbox.deliverDue(), { delivered: 2, retrying: 0 })
  const held = (await ctx.book.grid(ctx.eventId)).slots.filter(s => s.held).length
  const ana1 = platform.received.scores.find(s => s.body.userId === 'lms-ana')
  t.match(ana1?.body, { scoreGiven: Math.round(10_000 / held) / 100, scoreMaximum: 100, activityProgress: 'InProgress', gradingProgress: 'FullyGraded', comment: `Présence à 1 des ${held} créneaux (1,25 h).` })
  t.match(platform.received.lineItemsCreated, [{ label: 'Présence', tag: 'compagnon-presence' }])
  t.equal(await grades.syncCourse(contextId), 0, 'nothing changed, nothing sent')
  ctx.clock.advance(60_000)
  await ctx.book.correct(prof, { personId: ben, slotId: await ctx.slotOf(A), status: 'present', sessionId: ctx.sessions[B], reason: 'Feuille papier' })
  t.equal(await grades.syncCourse(contextId), 1, 'Ben\'s grade changed')
  await ctx.services.gradeOutbox.deliverDue()
  t.equal(platform.received.scores.filter(s => s.body.userId === 'lms-ben').at(-1)?.body.scoreGiven, Math.round(10_000 / held) / 100)
})

t.test('the background run sends the attendance grades of every course with a grade service, and none of a course without', async t => {
  const { ctx, platform, reg } = await setupWithPlatform(t)
  const g = given(ctx)
  const ana = await register(ctx, 'Ana', 'credited_student')
  const ben = await register(ctx, 'Ben', 'credited_student')
  const courseOf = async (contextId: string, lineItemsUrl: string | null, sub: string, personId: string): Promise<string> => {
    const id = await g.course({ issuer: reg.issuer, clientId: reg.clientId, deploymentId: '1', contextId, lineItemsUrl })
    await g.onRoster(id, personId, { sub, roles: [ROLES.Learner] })
    return id
  }
  const first = await courseOf('ENP7009', platform.lineItemsUrl, 'lms-ana', ana)
  const second = await courseOf('ENP7010', platform.lineItemsUrl, 'lms-ben', ben)
  await courseOf('ENP7011', null, 'lms-ana-too', ana)
  t.equal(await ctx.services.grades.syncAll(), 2)
  const queued = await ctx.database.db.selectFrom('lti_grade_outbox').select(['context_id', 'user_sub']).where('line_item', '=', 'presence').orderBy('user_sub').execute()
  t.same(queued, [{ context_id: first, user_sub: 'lms-ana' }, { context_id: second, user_sub: 'lms-ben' }], 'one grade in each course with a grade service')
  t.equal(await ctx.services.grades.syncAll(), 0, 'nothing changed: nothing sent again')
})

t.test('the same attendance grade is sent again when its comment changes ("0 des 1 créneaux" never goes stale)', async t => {
  const { ctx, platform, reg } = await setupWithPlatform(t)
  const ben = await register(ctx, 'Ben', 'credited_student')
  const contextId = await course(ctx, [{ sub: 'lms-ben', personId: ben, roles: [ROLES.Learner] }], platform.lineItemsUrl, reg.issuer, reg.clientId)
  const grades = new AttendanceGrades(ctx.database.db, ctx.clock, ctx.book, ctx.services.gradeOutbox)
  const held = async (): Promise<number> => (await ctx.book.grid(ctx.eventId)).slots.filter(s => s.held).length
  const sentToBen = () => platform.received.scores.filter(s => s.body.userId === 'lms-ben').map(s => [s.body.scoreGiven, s.body.comment])

  t.equal(await grades.syncCourse(contextId), 1)
  await ctx.services.gradeOutbox.deliverDue()
  const before = await held()
  t.same(sentToBen(), [[0, `Présence à 0 des ${before} créneaux (0 h).`]])

  // Wednesday evening: more slots are held; Ben, still absent, still has 0.
  ctx.clock.set(at('21:00', '22'))
  const after = await held()
  t.ok(after > before, `${after} slots held now, ${before} before`)
  t.equal(await grades.syncCourse(contextId), 1, 'the score is the same, the comment is not: sent again')
  await ctx.services.gradeOutbox.deliverDue()
  t.same(sentToBen(), [[0, `Présence à 0 des ${before} créneaux (0 h).`], [0, `Présence à 0 des ${after} créneaux (0 h).`]], 'the LMS comment counts the new slots')
  t.equal(await grades.syncCourse(contextId), 0, 'nothing changed since: nothing sent')
})
