import t from 'tap'
import { randomUUID } from 'node:crypto'
import type { LightMyRequestResponse } from 'fastify'
import { serializerCompiler } from '@fastify/type-provider-zod'
import { checkInSchema } from '../../src/attendance/schemas.js'
import { FixedClock } from '../../src/clock.js'
import { testApp, type TestApp } from '../helpers/app.js'
import { given, type Role } from '../helpers/given.js'
import { mainOf } from '../helpers/page-text.js'
import { ORIGIN, cookieHeader, withCookies } from '../helpers/session.js'

// Tuesday 21 October 2025 in Montréal (UTC-4): the 13:30 slot runs two parallel case studies.
const at = (local: string): Date => new Date(`2025-10-21T${local}:00-04:00`)
const A = '2025-10-21-etude-cas-experimentation-reglementaire'
const B = '2025-10-21-etude-cas-cmr-sante-mentale'

interface Ctx extends TestApp { sessions: Record<string, string>, eventId: string }

const setup = async (tt: Parameters<typeof testApp>[0], now = '13:25'): Promise<Ctx> => {
  const ctx = await testApp(tt, { clock: new FixedClock(at(now)) })
  const [event] = await ctx.services.program.listEvents()
  const rows = await ctx.database.db.selectFrom('sessions').select(['id', 'key']).execute()
  return { ...ctx, eventId: event!.id, sessions: Object.fromEntries(rows.map(r => [r.key, r.id])) }
}

/** Someone registered for the event with a role, signed in on a device (cookies). */
const person = async (ctx: Ctx, name: string, role: Role): Promise<{ id: string, cookie: string, token: string }> => {
  const { id, cookie, bearer } = await given(ctx).as(role, { name, email: `${name.toLowerCase().replace(/\W+/g, '.')}@example.ca` }).signedIn()
  return { id, cookie, token: bearer.slice('Bearer '.length) }
}

const records = async (ctx: Ctx, personId?: string) => {
  let q = ctx.database.db.selectFrom('attendance_records').select(['session_id', 'status', 'method', 'recorded_at', 'device_time', 'received_at', 'recorded_by'])
  if (personId !== undefined) q = q.where('person_id', '=', personId)
  return await q.execute()
}
const countRows = async (ctx: Ctx, table: 'attendance_records' | 'attendance_history' | 'attendance_scans' | 'attendance_pending_scans'): Promise<number> =>
  Number((await ctx.database.db.selectFrom(table).select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)

/** A check-in answer as zod's serializer writes it for checkInSchema (the route writes it with JSON.stringify). */
const zodCheckIn = serializerCompiler({ schema: checkInSchema, method: 'POST', url: '/api/v1/sessions/:sessionId/check-ins', httpStatus: '201' }) as (data: unknown) => string
const asZodWritesIt = (body: string): string => zodCheckIn(JSON.parse(body, (key, value: unknown) => key === 'recordedAt' && typeof value === 'string' ? new Date(value) : value))

/** The room QR as the projector shows it now: its URL path. */
const roomPath = (ctx: Ctx, key: string): string => new URL(ctx.services.attendance.roomCode(ctx.sessions[key]!).url).pathname
const pageHeaders = (cookie: string, site: string): Record<string, string> => ({ cookie, accept: 'text/html', 'accept-language': 'fr-CA', 'sec-fetch-dest': 'document', 'sec-fetch-site': site })
/** A phone camera opens the room QR URL: the confirmation page. */
const open = async (ctx: Ctx, path: string, cookie = ''): Promise<LightMyRequestResponse> =>
  await ctx.app.inject({ url: path, headers: pageHeaders(cookie, 'none') })
/** Opens the room QR URL and taps "Confirmer ma présence" (the page's form, with its CSRF token when signed in). */
const scan = async (ctx: Ctx, path: string, cookie = ''): Promise<LightMyRequestResponse> => {
  const page = await open(ctx, path, cookie)
  if (page.statusCode !== 200) return page
  // The page's own form, not the header's « Se déconnecter ».
  const main = mainOf(page.body)
  const action = /<form method="post" action="([^"]+)"/.exec(main)?.[1]
  if (action === undefined) throw new Error(`no confirmation form: ${page.body.slice(0, 300)}`)
  const csrf = /name="_csrf" value="([^"]+)"/.exec(main)?.[1]
  return await ctx.app.inject({
    method: 'POST',
    url: action.replace(/&amp;/g, '&'),
    headers: { ...pageHeaders(withCookies(cookie, page), 'same-origin'), 'content-type': 'application/x-www-form-urlencoded' },
    payload: csrf === undefined ? '' : new URLSearchParams({ _csrf: csrf }).toString()
  })
}

t.test('a phone opening the room QR is checked in; the code of the previous window still works, an older one (a stale photo) does not', async t => {
  const ctx = await setup(t)
  const camille = await person(ctx, 'Camille', 'participant')
  const shown = roomPath(ctx, A)
  const first = await scan(ctx, shown, camille.cookie)
  t.equal(first.statusCode, 200)
  t.match(first.body, /Présence enregistrée à 13\u00a0h\u00a025 à «\u00a0L&#39;expérimentation réglementaire/)
  t.match(await records(ctx, camille.id), [{ session_id: ctx.sessions[A], status: 'present', method: 'room_code' }])

  ctx.clock.advance(30_000)
  const dominique = await person(ctx, 'Dominique', 'participant')
  t.match((await scan(ctx, shown, dominique.cookie)).body, /Présence enregistrée/, 'the previous window is accepted (slow scan, clock skew)')
  ctx.clock.advance(35_000)
  const eve = await person(ctx, 'Eve', 'participant')
  const stale = await scan(ctx, shown, eve.cookie)
  t.equal(stale.statusCode, 400)
  t.match(stale.body, /a expiré \(une photo ou un lien transféré\u00a0\?\)/)
  t.same(await records(ctx, eve.id), [], 'nothing recorded')

  const forged = await scan(ctx, shown.replace(/\.[A-Za-z0-9_-]+$/, '.AAAAAAAAAAAAAAAA'), eve.cookie)
  t.equal(forged.statusCode, 400)
  t.match(forged.body, /n’est pas valide pour cette séance/)
  const otherSession = await scan(ctx, shown.replace(ctx.sessions[A]!, ctx.sessions[B]!), eve.cookie)
  t.equal(otherSession.statusCode, 400, 'a code for another session')
  t.same(await records(ctx, eve.id), [])
})

t.test('check-in opens 30 min before, is late after 10 min, and closes 45 min after the start', async t => {
  const ctx = await setup(t, '12:50')
  const early = await person(ctx, 'Early', 'participant')
  const tooEarly = await scan(ctx, roomPath(ctx, A), early.cookie)
  t.equal(tooEarly.statusCode, 400)
  t.match(tooEarly.body, /ouvrent le mardi 21 octobre à 13\u00a0h\u00a000/)
  ctx.clock.set(at('13:41'))
  t.match((await scan(ctx, roomPath(ctx, A), early.cookie)).body, /en retard/)
  t.match(await records(ctx, early.id), [{ status: 'late' }])
  ctx.clock.set(at('14:16'))
  const tooLate = await person(ctx, 'Late', 'participant')
  const closed = await scan(ctx, roomPath(ctx, A), tooLate.cookie)
  t.equal(closed.statusCode, 400)
  t.match(closed.body, /sont fermées depuis 14\u00a0h\u00a015/)
  t.same(await records(ctx, tooLate.id), [])
})

t.test('one session per slot: checking in to the parallel session moves the attendance, recorded in history', async t => {
  const ctx = await setup(t)
  const p = await person(ctx, 'Mover', 'participant')
  await scan(ctx, roomPath(ctx, A), p.cookie)
  ctx.clock.advance(5 * 60_000)
  const moved = await scan(ctx, roomPath(ctx, B), p.cookie)
  t.match(moved.body, /Présence déplacée de «\u00a0L&#39;expérimentation réglementaire/)
  t.match(await records(ctx, p.id), [{ session_id: ctx.sessions[B] }], 'still one record')
  t.same((await ctx.services.attendance.counts(ctx.sessions[A]!)).checkedIn, 0)
  t.same((await ctx.services.attendance.counts(ctx.sessions[B]!)).checkedIn, 1)
  const history = await ctx.database.db.selectFrom('attendance_history').select(['action', 'before', 'after']).where('person_id', '=', p.id).orderBy('id').execute()
  t.same(history.map(h => h.action), ['move'], 'the record tells the check-in; the history keeps the change')
  t.match(history[0], { before: { sessionId: ctx.sessions[A], method: 'room_code', recordedAt: '2025-10-21T17:25:00.000Z' }, after: { sessionId: ctx.sessions[B] } })
})

t.test('the API answers 201 with the record, then 200 "already checked in" with the original time', async t => {
  const ctx = await setup(t)
  const p = await person(ctx, 'Api', 'participant')
  const code = roomPath(ctx, A).split('/').pop() ?? ''
  const post = async () => await ctx.app.inject({ method: 'POST', url: `/api/v1/sessions/${ctx.sessions[A]}/check-ins`, headers: { authorization: `Bearer ${p.token}` }, payload: { code } })
  const first = await post()
  t.equal(first.statusCode, 201)
  t.match(first.json(), { result: 'created', record: { status: 'present', method: 'room_code', recordedAt: '2025-10-21T17:25:00.000Z' } })
  t.equal(first.body, asZodWritesIt(first.body), 'the same text zod\'s serializer writes')
  ctx.clock.advance(20_000)
  const again = await post()
  t.equal(again.statusCode, 200)
  t.match(again.json(), { result: 'already', record: { recordedAt: '2025-10-21T17:25:00.000Z' }, message: { fr: /Déjà enregistré·e à 13\u00a0h\u00a025/ } })
  t.equal(again.body, asZodWritesIt(again.body))
  t.equal(await countRows(ctx, 'attendance_records'), 1)
})

t.test('a session for credited students refuses others with a clear message and records nothing', async t => {
  const ctx = await setup(t)
  await ctx.database.db.updateTable('sessions').set({ audience: 'credited' }).where('id', '=', ctx.sessions[A]!).execute()
  const guest = await person(ctx, 'Guest', 'participant')
  const refused = await scan(ctx, roomPath(ctx, A), guest.cookie)
  t.equal(refused.statusCode, 403)
  t.match(refused.body, /réservée aux personnes inscrites au cours crédité/)
  const student = await person(ctx, 'Student', 'credited_student')
  t.equal((await scan(ctx, roomPath(ctx, A), student.cookie)).statusCode, 200)
  t.equal(await countRows(ctx, 'attendance_records'), 1)
})

t.test('opening the room QR shows the session and a confirmation button and records nothing; the button checks in', async t => {
  const ctx = await setup(t)
  const p = await person(ctx, 'Camille', 'participant')
  const page = await open(ctx, roomPath(ctx, A), p.cookie)
  t.equal(page.statusCode, 200)
  t.match(page.body, /<h1>L&#39;expérimentation réglementaire/)
  t.match(page.body, /13\u00a0h\u00a030–/, 'the time')
  t.match(page.body, /Confirmer ma présence/)
  t.match(page.body, /Présence de\u00a0: Camille/, 'who will be checked in')
  t.same(await records(ctx), [], 'the GET recorded nothing')
  t.equal((await open(ctx, roomPath(ctx, A))).statusCode, 200, 'also without a session')
  t.equal(await countRows(ctx, 'attendance_pending_scans'), 0, 'and keeps no scan')
  const english = await ctx.app.inject({ url: `${roomPath(ctx, A)}?lang=en`, headers: pageHeaders(p.cookie, 'none') })
  t.match(english.body, /Confirm my attendance/)

  const done = await scan(ctx, roomPath(ctx, A), p.cookie)
  t.match(done.body, /Présence enregistrée à 13\u00a0h\u00a025/)
  t.match(await records(ctx, p.id), [{ session_id: ctx.sessions[A], method: 'room_code' }])
  t.match((await open(ctx, roomPath(ctx, A), p.cookie)).body, /Vous êtes déjà enregistré·e à cette séance/)
  t.match((await open(ctx, roomPath(ctx, B), p.cookie)).body, /confirmer déplacera votre présence vers cette séance-ci/, 'the parallel session says it would move the record')
  t.match(await records(ctx, p.id), [{ session_id: ctx.sessions[A] }], 'opening the parallel session moved nothing')

  const noToken = await ctx.app.inject({ method: 'POST', url: roomPath(ctx, B), headers: { ...pageHeaders(p.cookie, 'same-origin'), 'content-type': 'application/x-www-form-urlencoded' }, payload: '' })
  t.equal(noToken.statusCode, 403, 'a signed-in POST without the page\'s CSRF token is refused')
  const crossSite = await ctx.app.inject({ method: 'POST', url: roomPath(ctx, B), headers: { ...pageHeaders('', 'cross-site'), 'content-type': 'application/x-www-form-urlencoded' }, payload: '' })
  t.equal(crossSite.statusCode, 403, 'a form on another site cannot confirm, even for a phone not signed in')
  t.match(await records(ctx, p.id), [{ session_id: ctx.sessions[A] }])
  t.equal(await countRows(ctx, 'attendance_pending_scans'), 0)
})

t.test('a scan made before signing in on the phone counts once the person signs in there, within the code\'s validity', async t => {
  const ctx = await setup(t)
  const first = await scan(ctx, roomPath(ctx, A))
  t.equal(first.statusCode, 200)
  t.match(first.body, /Connectez-vous pour confirmer/)
  const phoneCookie = cookieHeader(first)
  t.match(phoneCookie, /compagnon_scan=/)
  t.match(phoneCookie, /compagnon_scan_device=/)
  t.equal(await countRows(ctx, 'attendance_pending_scans'), 1)
  t.equal(await countRows(ctx, 'attendance_records'), 0)

  ctx.clock.advance(20_000)
  const row = await given(ctx).participant({ name: 'Late Signer' })
  const link = await ctx.services.people.handoffLink(row.id, 'phone')
  const token = new URL(link.url).pathname.split('/').pop() ?? ''
  const signedIn = await ctx.app.inject({ method: 'POST', url: '/auth/link', headers: { origin: ORIGIN, cookie: phoneCookie, accept: 'text/html' }, payload: { token } })
  const cookies = [phoneCookie, cookieHeader(signedIn)].join('; ')
  const landing = await ctx.app.inject({ url: '/presence/code', headers: { cookie: cookies, accept: 'text/html' } })
  t.equal(landing.statusCode, 200)
  t.match(await records(ctx, row.id), [{ session_id: ctx.sessions[A], status: 'present', recorded_at: at('13:25') }], 'counted at the time of the scan')
  const flag = await ctx.database.db.selectFrom('attendance_records').select('completed_late_at').where('person_id', '=', row.id).executeTakeFirstOrThrow()
  t.equal(flag.completed_late_at, null, 'completed while the code was valid: not marked')
  t.match(landing.headers['set-cookie'], /compagnon_scan=;/, 'the phone forgets the pending scan')
})

t.test('the typed code works from a signed-in phone, and wrong guesses are capped', async t => {
  const ctx = await setup(t)
  const p = await person(ctx, 'Typist', 'participant')
  const post = async (code: string) => await ctx.app.inject({ method: 'POST', url: '/api/v1/check-ins/typed-code', headers: { authorization: `Bearer ${p.token}` }, payload: { code } })
  const right = ctx.services.attendance.roomCode(ctx.sessions[B]!).typedCode
  const wrong = right === '000000' ? '000001' : '000000'
  for (let i = 0; i < 5; i++) {
    const res = await post(wrong)
    t.equal(res.statusCode, 400)
    t.match(res.json().messageFr, 4 - i === 0 ? /aucun essai restant/ : new RegExp(`\\(${4 - i} essais? restants?\\)`))
  }
  const capped = await post(right)
  t.equal(capped.statusCode, 429, 'even the right code waits once the cap is reached')
  t.match(capped.json().messageFr, /Trop de codes erronés. Réessayez dans 10 min/)
  t.same(await records(ctx, p.id), [])
  ctx.clock.advance(10 * 60_000 + 1000)
  const code = ctx.services.attendance.roomCode(ctx.sessions[B]!).typedCode
  const ok = await post(code)
  t.equal(ok.statusCode, 201)
  t.match(ok.json(), { result: 'created', session: { id: ctx.sessions[B] }, record: { method: 'typed_code', status: 'present' } })
  t.equal((await post('12ab56')).statusCode, 400, 'not six digits')
})

t.test('door staff scan passes, offline batches are idempotent, and device time decides lateness', async t => {
  const ctx = await setup(t)
  const staff = await person(ctx, 'Porte', 'door_staff')
  const guest = await person(ctx, 'Invitée', 'participant')
  const pass = await ctx.services.attendance.pass(guest.id)
  ctx.clock.set(at('14:30'))
  const batch = [
    { scanId: randomUUID(), code: pass.url, deviceTime: at('13:35').toISOString() },
    { scanId: randomUUID(), code: 'ZZZZZ-ZZZZZ', deviceTime: at('13:36').toISOString() }
  ]
  const upload = async (who: { token: string }) => await ctx.app.inject({ method: 'POST', url: `/api/v1/sessions/${ctx.sessions[A]}/scans`, headers: { authorization: `Bearer ${who.token}` }, payload: { scans: batch } })
  const first = await upload(staff)
  t.equal(first.statusCode, 200)
  t.match(first.json().outcomes, [
    { scanId: batch[0]!.scanId, result: 'created', person: { name: 'Invitée' }, status: 'present', recordedAt: '2025-10-21T17:35:00.000Z' },
    { scanId: batch[1]!.scanId, result: 'refused', person: null, message: { fr: 'Laissez-passer inconnu ou remplacé.' } }
  ])
  const again = await upload(staff)
  t.same(again.json(), first.json(), 'the retried batch gets the same answers')
  t.equal(await countRows(ctx, 'attendance_records'), 1, 'and counts nobody twice')
  t.match(await records(ctx, guest.id), [{ method: 'pass', device_time: at('13:35'), received_at: at('14:30'), recorded_by: staff.id }])

  const notStaff = await upload(guest)
  t.equal(notStaff.statusCode, 403, 'a pass is accepted only from door staff or organizers')

  const reissued = await ctx.services.attendance.pass(guest.id, true)
  t.not(reissued.code, pass.code)
  const old = await ctx.app.inject({ method: 'POST', url: `/api/v1/sessions/${ctx.sessions[B]}/scans`, headers: { authorization: `Bearer ${staff.token}` }, payload: { scans: [{ scanId: randomUUID(), code: pass.code, deviceTime: at('13:40').toISOString() }] } })
  t.match(old.json().outcomes, [{ result: 'refused' }], 'a replaced pass no longer works')
  const view = await ctx.app.inject({ url: `/pass/${pass.code}`, headers: { accept: 'text/html', cookie: guest.cookie } })
  // The header names whoever is signed in on this browser; the page itself says nothing of the pass's holder.
  t.notMatch(mainOf(view.body), /Invitée/, 'a photo of the badge opens nothing about the person')
})

t.test('bad input to the check-in endpoints gets a clear 4xx and writes nothing', async t => {
  const ctx = await setup(t)
  const staff = await person(ctx, 'Door', 'door_staff')
  const auth = { authorization: `Bearer ${staff.token}` }
  const cases: Array<[string, string, unknown, number]> = [
    ['POST', `/api/v1/sessions/${ctx.sessions[A]}/check-ins`, { code: 'not-a-code' }, 400],
    ['POST', `/api/v1/sessions/${ctx.sessions[A]}/check-ins`, { code: 12345 }, 400],
    ['POST', `/api/v1/sessions/${randomUUID()}/check-ins`, { code: `1.${'A'.repeat(16)}` }, 404],
    ['POST', '/api/v1/sessions/not-a-uuid/check-ins', { code: `1.${'A'.repeat(16)}` }, 400],
    ['POST', '/api/v1/check-ins/typed-code', { code: ['123456'] }, 400],
    ['POST', `/api/v1/sessions/${ctx.sessions[A]}/scans`, { scans: [] }, 400],
    ['POST', `/api/v1/sessions/${ctx.sessions[A]}/scans`, { scans: [{ scanId: 'x', code: 'A', deviceTime: 'yesterday' }] }, 400],
    ['POST', `/api/v1/sessions/${ctx.sessions[A]}/scans`, { scans: [{ scanId: randomUUID(), code: 'A', deviceTime: '2030-01-01T00:00:00Z' }] }, 400],
    ['POST', `/api/v1/sessions/${ctx.sessions[A]}/scans`, { scans: Array.from({ length: 3000 }, () => ({ scanId: randomUUID(), code: 'X'.repeat(80), deviceTime: at('13:30').toISOString() })) }, 413]
  ]
  for (const [method, url, payload, status] of cases) {
    const res = await ctx.app.inject({ method: method as 'POST', url, headers: auth, payload: payload as object })
    t.equal(res.statusCode, status, `${url} ${JSON.stringify(payload).slice(0, 60)} → ${status}`)
    t.ok(res.json().message, 'says why')
  }
  const image = await ctx.app.inject({ url: roomPath(ctx, A), headers: { cookie: staff.cookie, 'sec-fetch-dest': 'image' } })
  t.equal(image.statusCode, 400, 'an image embedding the code checks nobody in')
  for (const table of ['attendance_records', 'attendance_history', 'attendance_scans', 'attendance_pending_scans'] as const) t.equal(await countRows(ctx, table), 0, `${table} untouched`)
})

t.test('the session team sees the live list with walk-ins; participants cannot', async t => {
  const ctx = await setup(t)
  const org = await person(ctx, 'Odile', 'organizer')
  const ahead = await person(ctx, 'Prévoyante', 'participant')
  const walkIn = await person(ctx, 'Spontané', 'participant')
  await ctx.services.book.choose(ahead.id, ctx.sessions[A]!)
  t.same(await ctx.services.attendance.counts(ctx.sessions[A]!), { checkedIn: 0, chosen: 1, capacity: null })
  await scan(ctx, roomPath(ctx, A), ahead.cookie)
  await scan(ctx, roomPath(ctx, A), walkIn.cookie)
  const list = await ctx.app.inject({ url: `/presence/seance/${ctx.sessions[A]}/liste`, headers: { cookie: org.cookie, accept: 'text/html', 'accept-language': 'fr-CA' } })
  t.equal(list.statusCode, 200)
  t.match(list.body, /<tr><td>Spontané<\/td><td>13\u00a0h\u00a025<\/td><td>Présent·e<\/td><td>Code QR<\/td><td>Oui<\/td><\/tr>/)
  t.match(list.body, /<tr><td>Prévoyante<\/td><td>13\u00a0h\u00a025<\/td><td>Présent·e<\/td><td>Code QR<\/td><td><\/td><\/tr>/)
  const state = await ctx.app.inject({ url: `/presence/seance/${ctx.sessions[A]}/presents`, headers: { cookie: org.cookie } })
  t.match(state.json(), { checkedIn: 2, chosen: 0 })
  t.same(state.json().attendees.map((a: { name: string, walkIn: boolean }) => [a.name, a.walkIn]).sort(), [['Prévoyante', false], ['Spontané', true]])
  t.equal((await ctx.app.inject({ url: `/presence/seance/${ctx.sessions[A]}/liste`, headers: { cookie: walkIn.cookie, accept: 'text/html' } })).statusCode, 403)
  const api = await ctx.app.inject({ url: `/api/v1/sessions/${ctx.sessions[A]}/attendance`, headers: { authorization: `Bearer ${org.token}` } })
  t.equal(api.json().attendees.length, 2)
})

t.test('a double tap and a crowd at the door: each person is counted once, nobody gets an error', async t => {
  const ctx = await setup(t)
  const p = await person(ctx, 'DoubleTap', 'participant')
  const code = roomPath(ctx, A).split('/').pop() ?? ''
  const post = async (token: string, session = A) => await ctx.app.inject({ method: 'POST', url: `/api/v1/sessions/${ctx.sessions[session]}/check-ins`, headers: { authorization: `Bearer ${token}` }, payload: { code: session === A ? code : roomPath(ctx, session).split('/').pop() } })
  const taps = await Promise.all(Array.from({ length: 6 }, async () => await post(p.token)))
  t.same(taps.map(r => r.statusCode).sort(), [200, 200, 200, 200, 200, 201], 'one 201, the rest "already"')
  const crowd = await Promise.all(Array.from({ length: 8 }, async (_, i) => await person(ctx, `Foule ${i}`, 'participant')))
  const answers = await Promise.all(crowd.map(async c => await post(c.token)))
  t.ok(answers.every(r => r.statusCode === 201))
  t.equal(await countRows(ctx, 'attendance_records'), 9)
  t.equal(await countRows(ctx, 'attendance_history'), 0, 'first check-ins are their own record; the history is for changes')
  const moves = await Promise.all([post(p.token, B), post(p.token, B)])
  t.same(moves.map(r => r.statusCode).sort(), [200, 201], 'a concurrent move happens once')
  const move = moves.find(r => r.statusCode === 201)
  t.match(move?.json(), { result: 'moved', movedFrom: { id: ctx.sessions[A] } })
  t.equal(move?.body, asZodWritesIt(move?.body ?? ''), 'the same text zod\'s serializer writes')
  t.match(await records(ctx, p.id), [{ session_id: ctx.sessions[B] }])
})
