// Issue 15, finding 7 re-enacted: a session token (the 15-minute JWT) copied from a device kept
// working after that device signed out, after an organizer revoked the person's sessions and after
// the person was erased — for up to 15 minutes, on any instance. Two events, two instances of the
// app on one database; the copied tokens are tried on the other instance than the one that ended
// the session, as bearer tokens and as page cookies, for actions that would write. Each attempt is
// refused (401) and writes nothing.
import t, { type Test } from 'tap'
import { sql } from 'kysely'
import { buildApp } from '../../src/app.js'
import { FixedClock } from '../../src/clock.js'
import { testApp, testConfig } from '../helpers/app.js'
import { given } from '../helpers/given.js'
import { countRows, rowDeltas } from '../helpers/rows.js'
import { ORIGIN, sentToSignIn, signInWithLink } from '../helpers/session.js'

// Tuesday 21 October 2025, 13:25 in Montréal: the room check-in of this session is open.
const SESSION_KEY = '2025-10-21-etude-cas-experimentation-reglementaire'
const clock = new FixedClock('2025-10-21T17:25:00Z')
const one = await testApp(t, { clock })
const two = await buildApp(testConfig(), { database: one.database, clock, backgroundJobs: false })
t.teardown(async () => { await two.app.close() })
const { services, database } = one
const db = database.db

const [eventA] = await services.program.listEvents()
if (eventA === undefined) throw new Error('no event')
const g = given(one)
const eventB = await g.newEvent({ key: 'hiver-2026', titleFr: 'École d\'hiver', titleEn: 'Winter school', startsOn: '2026-02-09', endsOn: '2026-02-13' })
const session = await db.selectFrom('sessions').select('id').where('key', '=', SESSION_KEY).executeTakeFirstOrThrow()
const roomCode = new URL(services.attendance.roomCode(session.id).url).pathname.split('/').pop() ?? ''
const tables = (await sql<{ table_name: string }>`select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`.execute(db)).rows.map(r => r.table_name)

const cookieValue = (cookie: string, name: string): string => new RegExp(`(?:^|; )${name}=([^;]+)`).exec(cookie)?.[1] ?? ''

/** Signs the person in on a device of instance one; `stolen` is what a copy of that device's cookies gives an attacker. */
async function signIn (personId: string): Promise<{ cookie: string, csrf: string, stolen: { jwt: string, cookie: string } }> {
  const { cookie, csrf } = await signInWithLink(one.app, (await services.people.handoffLink(personId, 'phone')).url)
  return { cookie, csrf, stolen: { jwt: cookieValue(cookie, 'compagnon_session'), cookie } }
}

const odile = (await services.people.bootstrapOrganizer('odile@enap.ca', [eventA.id], 'Odile Organisatrice')).personId
const organizerA = await signIn(odile)
const bruno = (await services.people.bootstrapOrganizer('bruno@enap.ca', [eventB], 'Bruno Boivin')).personId
const ana = await g.participant({ name: 'Ana Arsenault', email: 'ana@example.ca', event: eventA.id })

/**
 * What the attacker tries with a copied token on instance two: check in the victim by the API,
 * open their page (cookie alone, then with the copied device cookie), and, for an organizer's
 * token, add a participant and hand out a personal link.
 */
/** Control: the copied token works on instance two while its session lasts. */
async function worksOnTwo (t: Test, stolen: { jwt: string }): Promise<void> {
  t.equal((await two.app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${stolen.jwt}` } })).statusCode, 200, 'control: the copied token works on the other instance before the session ends')
}

async function attack (t: Test, stolen: { jwt: string, cookie: string }, organizerOf?: string): Promise<void> {
  const before = await countRows(db, tables)
  const bearer = { authorization: `Bearer ${stolen.jwt}` }
  const checkIn = await two.app.inject({ method: 'POST', url: `/api/v1/sessions/${session.id}/check-ins`, headers: bearer, payload: { code: roomCode } })
  t.equal(checkIn.statusCode, 401, 'check-in with the bearer token: refused')
  t.match(checkIn.json(), { messageFr: /session est terminée/, message: /session has ended/ })
  // Refused pages send the browser to the sign-in form.
  t.ok(sentToSignIn(await two.app.inject({ url: '/moi', headers: { cookie: `compagnon_session=${stolen.jwt}`, accept: 'text/html' } }), '/moi'), 'the page with the session cookie: refused')
  const withDevice = await two.app.inject({ url: '/moi', headers: { cookie: stolen.cookie, accept: 'text/html' } })
  t.ok(sentToSignIn(withDevice, '/moi'), 'the page with the copied device cookie too: refused, no new session token')
  t.notOk(withDevice.cookies.some(c => c.name === 'compagnon_session' && c.value !== ''))
  if (organizerOf !== undefined) {
    const added = await two.app.inject({ method: 'POST', url: `/api/v1/events/${organizerOf}/participants`, headers: bearer, payload: { name: 'Intrus', email: 'intrus@example.ca' } })
    t.equal(added.statusCode, 401, 'adding a participant: refused')
    const link = await two.app.inject({ method: 'POST', url: `/api/v1/events/${organizerOf}/participants/${ana.id}/personal-link`, headers: bearer })
    t.equal(link.statusCode, 401, 'a personal link: refused')
  }
  t.same(rowDeltas(before, await countRows(db, tables)), {}, 'nothing written')
}

t.test('a token copied from a device that then signed out is refused on the other instance', async t => {
  const phone = await signIn(ana.id)
  await worksOnTwo(t, phone.stolen)
  clock.advance(60_000)
  const out = await one.app.inject({ method: 'POST', url: '/auth/sign-out', headers: { cookie: phone.cookie, 'x-csrf-token': phone.csrf, origin: ORIGIN, accept: 'text/html' } })
  t.equal(out.statusCode, 303)
  await attack(t, phone.stolen)
})

t.test('an organizer\'s token copied from a laptop that then signed out cannot add people to, or hand out links of, their event', async t => {
  const laptop = await signIn(bruno)
  await worksOnTwo(t, laptop.stolen)
  const out = await one.app.inject({ method: 'POST', url: '/auth/sign-out', headers: { cookie: laptop.cookie, 'x-csrf-token': laptop.csrf, origin: ORIGIN, accept: 'text/html' } })
  t.equal(out.statusCode, 303)
  await attack(t, laptop.stolen, eventB)
})

t.test('after the organizer revokes the person\'s link and signs them out everywhere, a copied token is refused on the other instance', async t => {
  const phone = await signIn(ana.id)
  await worksOnTwo(t, phone.stolen)
  const revoke = await one.app.inject({ method: 'DELETE', url: `/api/v1/events/${eventA.id}/participants/${ana.id}/personal-link?signOutEverywhere=true`, headers: { authorization: `Bearer ${organizerA.stolen.jwt}` } })
  t.equal(revoke.statusCode, 200)
  t.ok(revoke.json().devicesSignedOut >= 1)
  await attack(t, phone.stolen)
})

t.test('after the person is erased, a copied token neither signs in as the anonymised account nor records it present', async t => {
  const phone = await signIn(ana.id)
  await worksOnTwo(t, phone.stolen)
  const base = `/api/v1/events/${eventA.id}/privacy/erasures`
  const headers = { authorization: `Bearer ${organizerA.stolen.jwt}` }
  const recorded = await one.app.inject({ method: 'POST', url: base, headers, payload: { personId: ana.id, requestedAt: '2025-10-21T17:00:00Z', channel: 'in_person' } })
  t.equal(recorded.statusCode, 201)
  t.equal((await one.app.inject({ method: 'POST', url: `${base}/${recorded.json<{ id: string }>().id}/confirm`, headers })).statusCode, 200)
  await attack(t, phone.stolen)
  t.equal((await db.selectFrom('attendance_records').select('id').where('person_id', '=', ana.id).execute()).length, 0, 'the erased person was never checked in')
})
