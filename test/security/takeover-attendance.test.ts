// Issue 15, finding 5 and part of 8, re-enacted and refused: a room-code URL opened (GET) checks
// nobody in; a scan made before signing in cannot be handed to someone else (too late, or on
// another browser); a scan completed after its code's validity is marked for the organizers;
// an instructor of course A2 cannot correct or excuse a learner of course A only.
import t from 'tap'
import type { LightMyRequestResponse } from 'fastify'
import { MATRIX_NOW, accessWorld, apiHeaders, mergeCookies, pageHeaders } from '../helpers/identities.js'
import { given } from '../helpers/given.js'

const world = await accessWorld(t)
const db = world.database.db
const { student, instructor, otherInstructor, organizer } = world.identities
const start = new Date(MATRIX_NOW)

/** The room-code URL path the projector shows now. */
const roomPath = (): string => new URL(world.services.attendance.roomCode(world.session.id).url).pathname
const document = (cookie: string, site: string): Record<string, string> => ({ cookie, accept: 'text/html', 'sec-fetch-dest': 'document', 'sec-fetch-site': site })

/** A phone not signed in opens the code and taps "Confirmer ma présence": the scan waits; its cookies. */
const scanSignedOut = async (): Promise<{ scan: string, device: string, jar: string }> => {
  const path = roomPath()
  const page = await world.app.inject({ url: path, headers: document('', 'none') })
  t.equal(page.statusCode, 200, 'the confirmation page')
  const res = await world.app.inject({ method: 'POST', url: path, headers: { ...document('', 'same-origin'), 'content-type': 'application/x-www-form-urlencoded' }, payload: '' })
  t.equal(res.statusCode, 200)
  t.match(res.body, /Connectez-vous pour confirmer/)
  const cookie = (name: string): string => `${name}=${res.cookies.find(c => c.name === name)?.value ?? ''}`
  return { scan: cookie('compagnon_scan'), device: cookie('compagnon_scan_device'), jar: mergeCookies('', res) }
}

/** A new participant of the event (no LMS), signed in on a fresh browser: their cookie. */
let n = 0
const newParticipant = async (): Promise<{ id: string, name: string, cookie: string }> => {
  const name = `Absente ${++n}`
  const row = await given(world).participant({ name, email: `absente${n}@example.org`, event: world.eventId })
  return { id: row.id, name, cookie: (await world.login(row.id)).cookie }
}

/** The first signed-in page on a browser holding these cookies (where pending scans complete). */
const firstPage = async (cookie: string): Promise<LightMyRequestResponse> => await world.app.inject({ url: '/moi', headers: { accept: 'text/html', cookie } })
const recordOf = async (personId: string) => await db.selectFrom('attendance_records').select(['session_id', 'recorded_at', 'completed_late_at']).where('person_id', '=', personId).execute()
const count = async (table: 'attendance_records' | 'attendance_history' | 'attendance_pending_scans'): Promise<number> =>
  Number((await db.selectFrom(table).select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)

t.beforeEach(() => { world.clock.set(start) })

t.test('a GET on a room-code URL records nothing, signed in or not, and keeps no scan', async t => {
  const before = { records: await count('attendance_records'), history: await count('attendance_history'), pending: await count('attendance_pending_scans') }
  for (const cookie of [student.cookie ?? '', '']) {
    const res = await world.app.inject({ url: roomPath(), headers: document(cookie, 'cross-site') })
    t.equal(res.statusCode, 200, 'a forwarded link opens the confirmation page')
    t.match(res.body, /Confirmer ma présence/)
    t.notOk(res.cookies.some(c => c.name === 'compagnon_scan' && c.value !== ''), 'no scan cookie from a GET')
  }
  t.same(await recordOf(student.personId!), [], 'the student is not checked in')

  // A photo of the code confirmed 2 min later: refused, with no scan cookie.
  const photo = roomPath()
  world.clock.set(new Date(start.getTime() + 2 * 60_000))
  const stale = await world.app.inject({ method: 'POST', url: photo, headers: { ...document('', 'same-origin'), 'content-type': 'application/x-www-form-urlencoded' }, payload: '' })
  t.equal(stale.statusCode, 400)
  t.match(stale.body, /a expiré|has expired/)
  t.notOk(stale.cookies.some(c => c.name.startsWith('compagnon_scan')), 'no scan cookie for a refused code')
  t.same({ records: await count('attendance_records'), history: await count('attendance_history'), pending: await count('attendance_pending_scans') }, before, 'nothing written')
})

t.test('a scan cookie used after the code\'s validity + 2 min is refused and records nothing', async t => {
  const phone = await scanSignedOut()
  // The code scanned at 09:10:00 is accepted until 09:11:00; its scan completes until 09:13:00.
  world.clock.set(new Date(start.getTime() + 3 * 60_000 + 1000))
  const absent = await newParticipant()
  const page = await firstPage(`${absent.cookie}; ${phone.scan}; ${phone.device}`)
  t.equal(page.statusCode, 200)
  t.match(page.headers['set-cookie'], /compagnon_scan=;/, 'the stale scan cookie is cleared')
  t.same(await recordOf(absent.id), [], 'the absent person is not recorded present')
  t.same(await db.selectFrom('attendance_pending_scans').select('used_at').where('used_at', 'is not', null).execute(), [], 'and the scan was not used')
})

t.test('a scan cookie replayed on another browser, without the scanning browser\'s device nonce, is refused', async t => {
  const phone = await scanSignedOut()
  world.clock.set(new Date(start.getTime() + 20_000))
  const absent = await newParticipant()
  // The scan cookie alone, then with the absent person's own browser's device nonce (from a scan of theirs).
  t.equal((await firstPage(`${absent.cookie}; ${phone.scan}`)).statusCode, 200)
  t.same(await recordOf(absent.id), [], 'the scan cookie alone checks nobody in')
  const theirs = await scanSignedOut()
  t.equal((await firstPage(`${absent.cookie}; ${phone.scan}; ${theirs.device}`)).statusCode, 200)
  t.same(await recordOf(absent.id), [], 'nor with another browser\'s device nonce')
  const unsign = (cookie: string): string => world.app.unsignCookie(decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1))).value ?? ''
  t.match(await world.services.attendance.completePendingScans(absent.id, { scanKey: unsign(phone.scan), deviceNonce: unsign(theirs.device) }), { done: [], refused: 1 }, 'a refusal the sign-in logs for review')

  // On the phone that scanned, the same scan still completes for whoever signs in there.
  const present = await newParticipant()
  await firstPage(`${present.cookie}; ${phone.scan}; ${phone.device}`)
  t.match(await recordOf(present.id), [{ session_id: world.session.id, recorded_at: start, completed_late_at: null }], 'the scanning browser completes it, at the time of the scan')
})

t.test('a scan completed after its code\'s validity but within 2 min is recorded, flagged, and marked in the organizer grid', async t => {
  const phone = await scanSignedOut()
  const completedAt = new Date(start.getTime() + 2 * 60_000)
  world.clock.set(completedAt)
  const late = await newParticipant()
  await firstPage(`${late.cookie}; ${phone.jar}`)
  t.match(await recordOf(late.id), [{ session_id: world.session.id, recorded_at: start, completed_late_at: completedAt }])

  const grid = await world.app.inject({ url: `/organisateurs/presences/${world.eventId}?lang=fr`, headers: await pageHeaders(world, organizer, 'GET') })
  t.equal(grid.statusCode, 200)
  t.match(grid.body, `<th scope="row" class="att-person">${late.name}</th>`)
  t.match(grid.body, /<small class="completed-late" title="scan fait avant la connexion, confirmé à 9\u00a0h\u00a012, après l’expiration du code"><span aria-hidden="true">†<\/span><span class="att-sr"> confirmé tard<\/span><\/small>/, 'marked with a text and a title')
  const english = await world.app.inject({ url: `/organisateurs/presences/${world.eventId}?lang=en`, headers: await pageHeaders(world, organizer, 'GET') })
  t.match(english.body, /title="scanned before signing in, confirmed at 9:12\u00a0a\.m\., after the code expired"><span aria-hidden="true">†<\/span><span class="att-sr"> confirmed late</)
  const api = await world.app.inject({ url: `/api/v1/events/${world.eventId}/attendance`, headers: apiHeaders(organizer) })
  const cells = (api.json() as { people: Array<{ personId: string, cells: Array<{ slotId: string, completedLateAt: string | null }> }> }).people.find(p => p.personId === late.id)?.cells
  t.equal(cells?.find(c => c.slotId === world.session.slotId)?.completedLateAt, completedAt.toISOString(), 'the API says it too')

  // A correction replaces the record: the mark goes with it.
  const fixed = await world.app.inject({ method: 'POST', url: '/api/v1/attendance/corrections', headers: apiHeaders(organizer), payload: { personId: late.id, slotId: world.session.slotId, status: 'present', sessionId: world.session.id, reason: 'Vue sur place' } })
  t.equal(fixed.statusCode, 204)
  t.match(await recordOf(late.id), [{ completed_late_at: null }])
})

t.test('an instructor of course A2 cannot correct or excuse a learner of course A only; nothing is written', async t => {
  const personId = student.personId!
  const slotId = world.session.slotId
  const excuse = await world.services.book.submitExcuse(personId, slotId, 'Rendez-vous médical')
  const before = { history: await count('attendance_history'), records: await recordOf(personId) }
  const correction = { personId, slotId, status: 'present', sessionId: world.session.id, reason: 'Vue sur place' }

  const api = await world.app.inject({ method: 'POST', url: '/api/v1/attendance/corrections', headers: apiHeaders(otherInstructor), payload: correction })
  t.equal(api.statusCode, 403)
  t.match(api.json(), { messageFr: /Seules l’équipe d’organisation de l’événement et les personnes enseignantes d’un cours où cette personne est inscrite/, message: /Only the event’s organizers and the instructors of a course this person is enrolled in/ })
  const form = new URLSearchParams(correction).toString()
  const page = await world.app.inject({ method: 'POST', url: '/presences/correction', headers: { ...await pageHeaders(world, otherInstructor, 'POST'), 'content-type': 'application/x-www-form-urlencoded' }, payload: form })
  t.equal(page.statusCode, 403, 'the correction form too')
  t.equal((await world.app.inject({ url: `/presences/correction?personne=${personId}&creneau=${slotId}`, headers: await pageHeaders(world, otherInstructor, 'GET') })).statusCode, 403, 'and the correction page')
  const decide = await world.app.inject({ method: 'POST', url: `/api/v1/excuses/${excuse.id}/decision`, headers: apiHeaders(otherInstructor), payload: { accept: true } })
  t.equal(decide.statusCode, 403)
  const decideForm = await world.app.inject({ method: 'POST', url: `/presences/justifications/${excuse.id}`, headers: { ...await pageHeaders(world, otherInstructor, 'POST'), 'content-type': 'application/x-www-form-urlencoded' }, payload: 'decision=accept' })
  t.equal(decideForm.statusCode, 403, 'the excuse form too')

  t.same({ history: await count('attendance_history'), records: await recordOf(personId) }, before, 'nothing written')
  t.match(await db.selectFrom('attendance_excuses').select('status').where('id', '=', excuse.id).executeTakeFirstOrThrow(), { status: 'pending' })
  const grid = await world.app.inject({ url: `/organisateurs/presences/${world.eventId}?lang=fr`, headers: await pageHeaders(world, otherInstructor, 'GET') })
  t.equal(grid.statusCode, 200, 'the A2 instructor still sees the event grid')
  t.notMatch(grid.body, new RegExp(`personne=${personId}`), 'without a correction link for the course A student')
  t.notMatch(grid.body, new RegExp(`/presences/justifications/${excuse.id}`), 'nor the buttons to decide her excuse')
  const listed = async (who: typeof instructor): Promise<string[]> => ((await world.app.inject({ url: `/api/v1/events/${world.eventId}/excuses`, headers: apiHeaders(who) })).json() as Array<{ id: string }>).map(e => e.id)
  t.notOk((await listed(otherInstructor)).includes(excuse.id), 'nor her excuse and its reason in the API list')
  t.ok((await listed(instructor)).includes(excuse.id), 'which her own instructor sees')
  t.ok((await listed(organizer)).includes(excuse.id), 'and the organizers')

  // The instructor of course A may.
  t.equal((await world.app.inject({ method: 'POST', url: `/api/v1/excuses/${excuse.id}/decision`, headers: apiHeaders(instructor), payload: { accept: true } })).statusCode, 204)
  t.equal((await world.app.inject({ method: 'POST', url: '/api/v1/attendance/corrections', headers: apiHeaders(instructor), payload: correction })).statusCode, 204)
  t.match(await recordOf(personId), [{ session_id: world.session.id }])
})
