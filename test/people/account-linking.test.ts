import t from 'tap'
import { testApp, type TestApp } from '../helpers/app.js'
import { countRows } from '../helpers/rows.js'
import { given } from '../helpers/given.js'
import { bearerFor } from '../helpers/session.js'

interface Ctx { teardown: (fn: () => unknown) => void }

const html = { accept: 'text/html' }
const ISSUER = 'https://moodle.enap.ca'
const TABLES = ['people', 'registrations', 'attendance_records', 'attestation_requests', 'lti_identities', 'device_sessions', 'account_audit']

/**
 * One human, two accounts: Léa the credited student (from the LMS: an LTI identity, no email)
 * and Léa the employee imported as a participant (email, employer), each with attendance.
 */
async function setup (t: Ctx): Promise<TestApp & { eventId: string, slots: Array<{ slotId: string, sessionId: string }>, student: string, employee: string, page: (personId: string, url: string, code?: string) => Promise<import('fastify').LightMyRequestResponse> }> {
  const ctx = await testApp(t)
  const db = ctx.database.db
  const [event] = await ctx.services.program.listEvents()
  const eventId = event!.id
  const slots = (await db.selectFrom('sessions').innerJoin('time_slots', 'time_slots.id', 'sessions.slot_id')
    .select(['sessions.id as sessionId', 'time_slots.id as slotId', 'time_slots.starts_at']).orderBy('time_slots.starts_at').orderBy('sessions.id').execute())
    .filter((s, i, all) => all.findIndex(o => o.slotId === s.slotId) === i).slice(0, 3)
  const g = given(ctx)
  const student = (await g.creditedStudent({ name: 'Léa Tremblay', email: null }).lmsIdentity({ issuer: ISSUER, clientId: 'compagnon', subject: 'u-4821' })).id
  const employee = (await g.participant({ name: 'Léa Tremblay', email: 'lea.tremblay@quebec.ca', employer: 'Ville de Québec' })).id
  const at = (slot: number, minutes: number): Date => new Date(new Date(slots[slot]!.starts_at).getTime() + minutes * 60_000)
  const record = async (personId: string, slot: number, minutes: number): Promise<void> => { await g.checkedIn(personId, { sessionId: slots[slot]!.sessionId }, { at: at(slot, minutes) }) }
  // Slot 0: both checked in (the employee first); slot 1: the student only; slot 2: the employee only.
  await record(student, 0, 5)
  await record(employee, 0, 1)
  await record(student, 1, 2)
  await record(employee, 2, 3)
  // One device session per account, as a person has in each window.
  const bearers = new Map<string, string>()
  const bearer = async (personId: string): Promise<string> => bearers.get(personId) ?? bearers.set(personId, await bearerFor(ctx, personId)).get(personId)!
  const page = async (personId: string, url: string, code?: string) => await ctx.app.inject({
    method: 'POST', url, headers: { ...html, authorization: await bearer(personId) }, ...(code !== undefined ? { payload: { code } } : {})
  })
  await bearer(student)
  await bearer(employee)
  return { ...ctx, eventId, slots, student, employee, page }
}

const codeOf = (body: string): string => /<code>([0-9A-Z]{4}-[0-9A-Z]{4})<\/code>/.exec(body)?.[1] ?? ''

t.test('a code shown in one account and typed in the other merges them into the typing one, in one step the person confirms', async t => {
  const ctx = await setup(t)
  const db = ctx.database.db
  const studentDevice = await ctx.services.people.openDeviceSession(ctx.student, 'phone in the LMS')

  const shown = await ctx.page(ctx.student, '/moi/liaison/code')
  t.equal(shown.statusCode, 200)
  const code = codeOf(shown.body)
  t.match(code, /^[2-9A-Z]{4}-[2-9A-Z]{4}$/, 'an 8-character code without look-alike signs')
  t.match(shown.body, 'Ne donnez ce code à personne')

  const before = await countRows(db, TABLES)
  const preview = await ctx.page(ctx.employee, '/moi/liaison', code.toLowerCase().replace('-', ' '))
  t.equal(preview.statusCode, 200, 'typed in lower case, with a space: still the code')
  t.match(preview.body, 'Le compte « Léa Tremblay » sera fusionné dans celui où vous êtes connecté·e ici, « Léa Tremblay (lea.tremblay@quebec.ca) »')
  t.same(await countRows(db, TABLES), before, 'the confirmation page changes nothing')

  const done = await ctx.page(ctx.employee, '/moi/liaison/confirmation', code)
  t.equal(done.statusCode, 200)
  t.match(done.body, 'Vos deux comptes n’en font plus qu’un')
  t.match(done.body, 'Présence en double (même créneau) : 1 retirée, la plus ancienne gardée.')

  t.equal(await db.selectFrom('people').select('id').where('id', '=', ctx.student).executeTakeFirst(), undefined, 'the account that showed the code is gone')
  t.match(await db.selectFrom('people').selectAll().where('id', '=', ctx.employee).executeTakeFirstOrThrow(), { email: 'lea.tremblay@quebec.ca', employer: 'Ville de Québec', display_name: 'Léa Tremblay' })
  t.same((await db.selectFrom('registrations').select('role').where('person_id', '=', ctx.employee).orderBy('role').execute()).map(r => r.role), ['credited_student', 'participant'])
  t.match(await db.selectFrom('lti_identities').selectAll().where('subject', '=', 'u-4821').executeTakeFirstOrThrow(), { person_id: ctx.employee }, 'the next launch from the LMS opens the kept account')
  const records = await db.selectFrom('attendance_records').select(['slot_id', 'recorded_at']).where('person_id', '=', ctx.employee).orderBy('recorded_at').execute()
  t.same(records.map(r => r.slot_id), [ctx.slots[0]!.slotId, ctx.slots[1]!.slotId, ctx.slots[2]!.slotId], 'one record per slot')
  const slot0 = await db.selectFrom('time_slots').select('starts_at').where('id', '=', ctx.slots[0]!.slotId).executeTakeFirstOrThrow()
  t.equal(records[0]!.recorded_at.getTime() - new Date(slot0.starts_at).getTime(), 60_000, 'in the shared slot, the earliest check-in is kept')
  t.equal(await ctx.services.people.resumeDevice(studentDevice.deviceToken), undefined, 'the absorbed account\'s device sessions are revoked (this one and the window that showed the code)')
  const audit = await db.selectFrom('account_audit').selectAll().where('action', '=', 'accounts_merged').executeTakeFirstOrThrow()
  t.match(audit, { actor_id: ctx.employee, subject_person_id: ctx.employee, actor_label: 'the person (linking code)', at: ctx.clock.now() })
  t.match(audit.details, { absorbedPersonId: ctx.student, dropped: { attendance_records: 1 }, moved: { registrations: 1, lti_identities: 1, attendance_records: 1 }, sessionsEnded: 2 })
})

t.test('a linking code works once, for ten minutes, and not in the account that showed it', async t => {
  const ctx = await setup(t)
  const code = codeOf((await ctx.page(ctx.student, '/moi/liaison/code')).body)
  const own = await ctx.page(ctx.student, '/moi/liaison', code)
  t.equal(own.statusCode, 400)
  t.match(own.body, 'Ce code a été affiché avec le compte où vous êtes connecté·e ici.')

  ctx.clock.advance(10 * 60_000)
  const late = await ctx.page(ctx.employee, '/moi/liaison/confirmation', code)
  t.equal(late.statusCode, 400, 'expired after 10 minutes')
  t.match(late.body, 'n’est pas valide ou a expiré (10 minutes)')

  const fresh = codeOf((await ctx.page(ctx.student, '/moi/liaison/code')).body)
  const newer = codeOf((await ctx.page(ctx.student, '/moi/liaison/code')).body)
  t.equal((await ctx.page(ctx.employee, '/moi/liaison', fresh)).statusCode, 400, 'showing a new code retires the previous one')
  t.equal((await ctx.page(ctx.employee, '/moi/liaison/confirmation', newer)).statusCode, 200)
  const again = await ctx.page(ctx.employee, '/moi/liaison/confirmation', newer)
  t.equal(again.statusCode, 400, 'used once')
})

t.test('two attestation requests for the same event: linking is refused, names whom to ask, and changes nothing', async t => {
  const ctx = await setup(t)
  const db = ctx.database.db
  for (const personId of [ctx.student, ctx.employee]) await given(ctx).attestationRequest(personId, { name: 'Léa Tremblay', locale: 'fr' })
  const code = codeOf((await ctx.page(ctx.student, '/moi/liaison/code')).body)
  const before = await countRows(db, TABLES)
  const refused = await ctx.page(ctx.employee, '/moi/liaison/confirmation', code)
  t.equal(refused.statusCode, 409)
  t.match(refused.body, 'Les deux comptes ont chacun une demande d’attestation ou une attestation pour « ')
  t.match(refused.body, 'Demandez à l’équipe d’organisation de cet événement laquelle garder')
  t.same(await countRows(db, TABLES), before)
  const api = await ctx.app.inject({ method: 'POST', url: '/moi/liaison?lang=en', headers: { authorization: await bearerFor(ctx, ctx.employee) }, payload: { code } })
  t.match(api.json(), { statusCode: 409, message: /Ask the organizers of that event which one to keep/ })
})

t.test('one attestation request moves to the kept account', async t => {
  const ctx = await setup(t)
  const db = ctx.database.db
  await given(ctx).attestationRequest(ctx.student, { name: 'Léa Tremblay', locale: 'fr' })
  const code = codeOf((await ctx.page(ctx.student, '/moi/liaison/code')).body)
  t.equal((await ctx.page(ctx.employee, '/moi/liaison/confirmation', code)).statusCode, 200)
  t.same((await db.selectFrom('attestation_requests').select('person_id').execute()).map(r => r.person_id), [ctx.employee])
})

t.test('my page offers to show a code or type one; a malformed code is refused clearly', async t => {
  const ctx = await setup(t)
  const me = await ctx.app.inject({ url: '/moi?lang=en', headers: { ...html, authorization: await bearerFor(ctx, ctx.employee) } })
  t.match(me.body, '<h2 id="moi-liaison">Link another account</h2>')
  t.match(me.body, 'action="/moi/liaison/code?lang=en"')
  t.match(me.body, 'action="/moi/liaison?lang=en"')
  const before = await countRows(ctx.database.db, TABLES)
  const short = await ctx.page(ctx.employee, '/moi/liaison', 'ABC')
  t.equal(short.statusCode, 400)
  t.match(short.body, 'Ce code de liaison n’est pas valide')
  const empty = await ctx.page(ctx.employee, '/moi/liaison', '')
  t.equal(empty.statusCode, 400)
  t.same(await countRows(ctx.database.db, TABLES), before)
  const anonymous = await ctx.app.inject({ method: 'POST', url: '/moi/liaison/code', headers: { ...html, 'sec-fetch-site': 'same-origin' } })
  t.equal(anonymous.statusCode, 401)
})

t.test('an account event staff created keeps the records but loses every session staff could hold', async t => {
  const ctx = await setup(t)
  const db = ctx.database.db
  const [event] = await ctx.services.program.listEvents()
  const organizer = await ctx.services.people.bootstrapOrganizer('odile@enap.ca', [event!.id], 'Odile')
  await db.updateTable('people').set({ staff_provisioned_at: ctx.clock.now(), staff_provisioned_by: organizer.personId }).where('id', '=', ctx.employee).execute()
  const heldByStaff = await ctx.services.people.openDeviceSession(ctx.employee, 'the organizer\'s browser')
  const code = codeOf((await ctx.page(ctx.student, '/moi/liaison/code')).body)
  const done = await ctx.page(ctx.employee, '/moi/liaison/confirmation', code)
  t.equal(done.statusCode, 200)
  t.match(done.body, 'par prudence, ses sessions ont aussi été fermées')
  t.match(done.body, 'href="/connexion?lang=fr"')
  t.equal(await ctx.services.people.resumeDevice(heldByStaff.deviceToken), undefined, 'a session opened with the staff-seen link no longer works')
  t.match(await db.selectFrom('people').select(['staff_provisioned_at', 'staff_provisioned_by']).where('id', '=', ctx.employee).executeTakeFirstOrThrow(), { staff_provisioned_at: null, staff_provisioned_by: null })
  t.match(await db.selectFrom('lti_identities').select('person_id').where('subject', '=', 'u-4821').executeTakeFirstOrThrow(), { person_id: ctx.employee }, 'the LMS identity is the kept account\'s: the person gets back in from the course')
})

t.test('two syntheses in the same course: linking is refused, names the course and whom to ask, and changes nothing', async t => {
  const ctx = await setup(t)
  const db = ctx.database.db
  const g = given(ctx)
  const context = await g.course({ issuer: ISSUER, clientId: 'compagnon', deploymentId: 'd1', contextId: 'ENP7009-A25', title: 'ENP7009 Coproduction', event: null })
  const assignment = await g.assignment(context)
  for (const personId of [ctx.student, ctx.employee]) await g.draft(assignment, personId, { text: 'Brouillon' })
  const code = codeOf((await ctx.page(ctx.student, '/moi/liaison/code')).body)
  const before = await countRows(db, [...TABLES, 'synthesis_drafts'])
  const refused = await ctx.page(ctx.employee, '/moi/liaison', code)
  t.equal(refused.statusCode, 409, 'already at the confirmation step')
  t.match(refused.body, 'Les deux comptes ont chacun une synthèse (brouillon, remise ou note) dans le cours « ENP7009 Coproduction ».')
  t.match(refused.body, 'Demandez à la personne enseignante du cours')
  t.equal((await ctx.page(ctx.employee, '/moi/liaison/confirmation', code)).statusCode, 409)
  t.same(await countRows(db, [...TABLES, 'synthesis_drafts']), before)
})
