import t from 'tap'
import { FixedClock } from '../../src/clock.js'
import { testApp, type TestApp } from '../helpers/app.js'
import { ORIGIN } from '../helpers/session.js'
import { ROLES } from '../helpers/lti-platform.js'
import { given, type Role } from '../helpers/given.js'

// Tuesday 21 October 2025, 15:00 in Montréal.
const at = (local: string): Date => new Date(`2025-10-21T${local}:00-04:00`)
const A = '2025-10-21-etude-cas-experimentation-reglementaire'

interface Ctx extends TestApp { eventId: string, contextId: string, prof: Person, ana: Person, ben: Person, sessionA: string, slotA: string }
interface Person { id: string, cookie: string, csrf: string, bearer: string }

const setup = async (tt: Parameters<typeof testApp>[0]): Promise<Ctx> => {
  const ctx = await testApp(tt, { clock: new FixedClock(at('15:00')) })
  const g = given(ctx)
  const eventId = await g.event()
  const session = await ctx.database.db.selectFrom('sessions').select(['id', 'slot_id']).where('key', '=', A).executeTakeFirstOrThrow()
  const context = await g.course({ issuer: 'https://moodle.example.org', clientId: 'c', deploymentId: '1', contextId: 'ENP7009', title: 'Mobilisation des acteurs locaux' })
  const person = async (name: string, role: Role, lti: string): Promise<Person> =>
    await g.as(role, { name, email: `${name.toLowerCase()}@enap.ca` }).onRoster(context, { sub: name, roles: [lti] }).signedIn()
  const prof = await person('Élise', 'instructor', ROLES.Instructor)
  const ana = await person('Anaïs', 'credited_student', ROLES.Learner)
  const ben = await person('Benoît', 'credited_student', ROLES.Learner)
  await g.checkedIn(ana.id, session.id, { method: 'room_code', at: at('13:25') })
  return { ...ctx, eventId, contextId: context, prof, ana, ben, sessionA: session.id, slotA: session.slot_id }
}

const page = async (ctx: Ctx, url: string, who: Person) => await ctx.app.inject({ url, headers: { cookie: who.cookie, accept: 'text/html', 'accept-language': 'fr-CA' } })
const form = async (ctx: Ctx, url: string, who: Person, payload: Record<string, string>) => await ctx.app.inject({ method: 'POST', url, headers: { cookie: who.cookie, origin: ORIGIN, accept: 'text/html', 'x-csrf-token': who.csrf }, payload })

t.test('instructors see the course grid with absentees, the chart, and export it for Excel; students cannot', async t => {
  const ctx = await setup(t)
  const grid = await page(ctx, `/cours/presences/${ctx.contextId}`, ctx.prof)
  t.equal(grid.statusCode, 200)
  t.match(grid.body, /Présences — Mobilisation des acteurs locaux/)
  t.match(grid.body, /<th scope="row" class="att-person">Anaïs<\/th>/)
  t.match(grid.body, /<th scope="row" class="att-person">Benoît<\/th>/)
  t.notMatch(grid.body, /<th scope="row" class="att-person">Élise<\/th>/, 'instructors are not in the grid')
  t.match(grid.body, /<a class="badge absent" href="[^"]+" title="Absent·e" aria-label="Absent·e — Benoît, mardi 21 octobre à 13\u00a0h\u00a030">A<\/a>/, 'a status as a coloured badge with its letter and, in words, who and when')
  t.match(grid.body, /<nav class="breadcrumbs" aria-label="Fil d’Ariane"><ol>\n<li><a href="\/cours\?lang=fr">Mes cours<\/a><\/li>/, 'back to the courses')
  t.match(grid.body, /<svg class="att-chart-svg" width="100%" height="\d+" role="img" aria-labelledby="chart-sessions-title chart-sessions-desc">/, 'the per-session chart')
  t.match(grid.body, /<svg class="att-chart-svg" width="100%" height="\d+" role="img" aria-labelledby="chart-hours-title chart-hours-desc">/, 'the hours chart')
  const csv = await page(ctx, `/cours/presences/${ctx.contextId}/export.csv?lang=fr`, ctx.prof)
  t.equal(csv.statusCode, 200)
  t.match(csv.headers['content-type'], /text\/csv; charset=utf-8/)
  t.match(csv.headers['content-disposition'], /attachment; filename="presences.csv"/)
  t.ok(csv.rawPayload.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])), 'a UTF-8 BOM so Excel reads the accents')
  const lines = csv.body.replace(/^\ufeff/, '').split('\r\n')
  t.match(lines[0], /^Nom;Courriel;Crédit;2025-10-20 09:00;/)
  t.match(lines.find(l => l.startsWith('Anaïs')), /;Présent·e;.*;1,25;/)
  t.match(lines.find(l => l.startsWith('Benoît')), /^Benoît;benoît@enap\.ca;oui;Absent·e;/)
  await ctx.database.db.updateTable('people').set({ display_name: '=HYPERLINK("http://evil.example","x")' }).where('id', '=', ctx.ben.id).execute()
  const injected = await page(ctx, `/cours/presences/${ctx.contextId}/export.csv?lang=fr`, ctx.prof)
  t.match(injected.body, /\r\n"'=HYPERLINK\(""http:\/\/evil\.example"",""x""\)";/, 'a name Excel would run as a formula stays text')
  await ctx.database.db.updateTable('people').set({ display_name: 'Benoît' }).where('id', '=', ctx.ben.id).execute()
  t.equal((await page(ctx, `/cours/presences/${ctx.contextId}`, ctx.ana)).statusCode, 403)
  const json = await ctx.app.inject({ url: `/api/v1/courses/${ctx.contextId}/attendance`, headers: { authorization: ctx.prof.bearer } })
  t.equal(json.statusCode, 200)
  t.same(json.json().people.map((p: { name: string }) => p.name), ['Anaïs', 'Benoît'])
})

t.test('a correction from the grid needs a reason and shows in the history', async t => {
  const ctx = await setup(t)
  const url = `/presences/correction?personne=${ctx.ben.id}&creneau=${ctx.slotA}`
  const before = await page(ctx, url, ctx.prof)
  t.equal(before.statusCode, 200)
  t.match(before.body, /aucun enregistrement/)
  const missing = await form(ctx, '/presences/correction', ctx.prof, { personId: ctx.ben.id, slotId: ctx.slotA, status: 'present', sessionId: ctx.sessionA, reason: '' })
  t.equal(missing.statusCode, 400)
  t.match(missing.body, /« motif » est trop court \(3 caractères au moins\)/, 'the field by its name, and what it needs, in words')
  const saved = await form(ctx, '/presences/correction', ctx.prof, { personId: ctx.ben.id, slotId: ctx.slotA, status: 'late', sessionId: ctx.sessionA, reason: 'Feuille de présence papier' })
  t.equal(saved.statusCode, 303)
  const after = await page(ctx, url, ctx.prof)
  t.match(after.body, /<td>Correction<\/td><td>Aucun<\/td><td>En retard<\/td><td>Élise<\/td><td>Feuille de présence papier<\/td>/)
  t.equal((await form(ctx, '/presences/correction', ctx.ana, { personId: ctx.ana.id, slotId: ctx.slotA, status: 'present', sessionId: ctx.sessionA, reason: 'moi' })).statusCode, 403, 'students cannot correct')
  const api = await ctx.app.inject({ method: 'POST', url: '/api/v1/attendance/corrections', headers: { authorization: ctx.prof.bearer }, payload: { personId: ctx.ben.id, slotId: ctx.slotA, status: 'absent', reason: 'Erreur de saisie' } })
  t.equal(api.statusCode, 204)
  const history = await ctx.app.inject({ url: `/api/v1/people/${ctx.ben.id}/attendance-history`, headers: { authorization: ctx.ben.bearer } })
  t.match(history.json(), [{ action: 'correction', after: { status: 'late' } }, { action: 'correction', before: { status: 'late' }, after: null, reason: 'Erreur de saisie' }], 'people see their own history')
  t.equal((await ctx.app.inject({ url: `/api/v1/people/${ctx.ana.id}/attendance-history`, headers: { authorization: ctx.ben.bearer } })).statusCode, 403, 'not someone else\'s')
})

t.test('participants choose sessions and excuse absences on their page; instructors decide from the grid', async t => {
  const ctx = await setup(t)
  const me = await page(ctx, '/moi', ctx.ben)
  t.match(me.body, /<a href="\/presence\/laissez-passer\?lang=fr">Mon laissez-passer<\/a>/, '/moi leads to the pass and attendance pages')
  const mine = await page(ctx, '/presence', ctx.ben)
  t.equal(mine.statusCode, 200)
  t.match(mine.body, /Mes présences/)
  const slots = await ctx.database.db.selectFrom('time_slots').select(['id', 'starts_at']).where('counts_toward_attendance', '=', true).orderBy('starts_at').execute()
  const past = slots.find(s => s.starts_at < at('12:00'))!
  const excused = await form(ctx, '/presence/justification', ctx.ben, { slotId: past.id, reason: 'Rendez-vous médical' })
  t.equal(excused.statusCode, 200)
  t.match(excused.body, /Justification envoyée/)
  const grid = await page(ctx, `/organisateurs/presences/${ctx.eventId}`, ctx.prof)
  const action = /action="(\/presences\/justifications\/[0-9a-f-]{36})\?lang=fr"/.exec(grid.body)?.[1]
  t.ok(action, 'the grid lists the excuse with its buttons')
  t.match(grid.body, /Rendez-vous médical/)
  t.equal((await form(ctx, action ?? '', ctx.prof, { decision: 'accept' })).statusCode, 303)
  t.match((await page(ctx, '/presence', ctx.ben)).body, /acceptée/)
  const thursday = await ctx.database.db.selectFrom('sessions as s').innerJoin('time_slots as t2', 't2.id', 's.slot_id').select(['s.id', 's.slot_id']).where('s.key', 'like', '2025-10-23-%').where('s.kind', '=', 'case_study').execute()
  const chosen = await form(ctx, '/presence/choix', ctx.ben, { sessionId: thursday[0]!.id })
  t.equal(chosen.statusCode, 200)
  t.match(chosen.body, /Choix enregistré/)
  const put = await ctx.app.inject({ method: 'PUT', url: `/api/v1/me/choices/${thursday[0]!.id}`, headers: { authorization: ctx.ana.bearer } })
  t.same(put.json(), { sessionId: thursday[0]!.id, remaining: null })
})

t.test('the attendance API refuses bad input clearly and changes nothing', async t => {
  const ctx = await setup(t)
  const auth = { authorization: ctx.prof.bearer }
  const count = async () => Number((await ctx.database.db.selectFrom('attendance_history').select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
  const before = await count()
  const cases: Array<[string, string, unknown, number]> = [
    ['POST', '/api/v1/attendance/corrections', { personId: ctx.ben.id, slotId: ctx.slotA, status: 'present', sessionId: ctx.sessionA }, 400],
    ['POST', '/api/v1/attendance/corrections', { personId: ctx.ben.id, slotId: ctx.slotA, status: 'here', reason: 'xxx' }, 400],
    ['POST', '/api/v1/attendance/corrections', { personId: 'me', slotId: ctx.slotA, status: 'present', reason: 'xxx' }, 400],
    ['POST', '/api/v1/attendance/corrections', { personId: ctx.ben.id, slotId: '00000000-0000-4000-8000-000000000000', status: 'present', reason: 'xxx' }, 404],
    ['PUT', `/api/v1/events/${ctx.eventId}/attendance-policy`, { open_before_minutes: -5 }, 400],
    ['PUT', `/api/v1/events/${ctx.eventId}/attendance-policy`, { open_before_minutes: 30, close_after_minutes: 45, late_after_minutes: 10, weight_present: 1, weight_late: 0.75, excused: 'present', over: 'held' }, 403],
    ['POST', '/api/v1/me/excuses', { slotId: ctx.slotA, reason: 'x' }, 400],
    ['POST', `/api/v1/excuses/${ctx.slotA}/decision`, { accept: 'yes' }, 400]
  ]
  for (const [method, url, payload, status] of cases) {
    const res = await ctx.app.inject({ method: method as 'POST', url, headers: auth, payload: payload as object })
    t.equal(res.statusCode, status, `${method} ${url} ${JSON.stringify(payload).slice(0, 50)} → ${status}`)
  }
  t.equal(await count(), before)
})
