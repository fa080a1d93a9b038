// Session tokens (the 15-minute JWT, as a bearer token or the page cookie) end with their device
// session: signed out, revoked by an organizer, erased, expired, or another person's. The check is
// made of the database on every request, so it holds on every instance at once.
import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { testApp, testConfig } from '../helpers/app.js'
import { ORIGIN, sentToSignIn, signInWithLink } from '../helpers/session.js'

const ctx = await testApp(t)
const { app, services, database, clock } = ctx
const [event] = await services.program.listEvents()
if (event === undefined) throw new Error('no event')

/** A second instance of the app on the same database (as behind a load balancer). */
const other = await buildApp(testConfig(), { database, clock, backgroundJobs: false })
t.teardown(async () => { await other.app.close() })

interface Device { personId: string, cookie: string, csrf: string, jwt: string, device: string }

const cookieValue = (cookie: string, name: string): string => new RegExp(`(?:^|; )${name}=([^;]+)`).exec(cookie)?.[1] ?? ''

/** The person signs in on one device through a one-time link, as a browser does. */
async function signIn (personId: string): Promise<Device> {
  const { cookie, csrf } = await signInWithLink(app, (await services.people.handoffLink(personId, 'phone')).url)
  return { personId, cookie, csrf, jwt: cookieValue(cookie, 'compagnon_session'), device: cookieValue(cookie, 'compagnon_device') }
}

const organizer = await signIn((await services.people.bootstrapOrganizer('odile@enap.ca', [event.id], 'Odile Organisatrice')).personId)

/** A participant added by the organizer (exists only in this event). */
async function participant (name: string, email: string): Promise<string> {
  const res = await app.inject({ method: 'POST', url: `/api/v1/events/${event!.id}/participants`, headers: { authorization: `Bearer ${organizer.jwt}` }, payload: { name, email } })
  if (res.statusCode !== 201) throw new Error(`adding ${name} answered ${res.statusCode}: ${res.body}`)
  return res.json<{ participant: { personId: string } }>().participant.personId
}

/** GET /api/v1/me with the token as a bearer token. */
const asBearer = async (jwt: string, on: FastifyInstance = app) => await on.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${jwt}` } })
/** GET /moi with only the session cookie (no device cookie to fall back on). */
const asCookie = async (jwt: string, on: FastifyInstance = app) => await on.inject({ url: '/moi', headers: { cookie: `compagnon_session=${jwt}`, accept: 'text/html', 'accept-language': 'fr-CA' } })
/** GET /moi with everything the browser holds: the session cookie and the device cookie. */
const asBrowser = async (d: Device, on: FastifyInstance = app) => await on.inject({ url: '/moi', headers: { cookie: d.cookie, accept: 'text/html', 'accept-language': 'fr-CA' } })

/** Asserts the session token is refused everywhere it could be used, with the usual FR/EN texts. */
async function refused (t: Test, d: Device, on: FastifyInstance = app): Promise<void> {
  const bearer = await asBearer(d.jwt, on)
  t.equal(bearer.statusCode, 401, 'the bearer token is refused')
  t.match(bearer.json(), { message: 'This session has ended (signed out, revoked or account erased). Please sign in again.', messageFr: 'Cette session est terminée (déconnexion, révocation ou effacement du compte). Connectez-vous de nouveau.' })
  const cookie = await asCookie(d.jwt, on)
  t.ok(sentToSignIn(cookie, '/moi'), 'the session cookie is refused: the page asks to sign in (the sign-in form)')
  const browser = await asBrowser(d, on)
  t.ok(sentToSignIn(browser, '/moi'), 'the device cookie is ended too: no new session token')
  t.notOk(browser.cookies.some(c => c.name === 'compagnon_session' && c.value !== ''), 'no session cookie issued')
}

async function works (t: Test, d: Device, on: FastifyInstance = app): Promise<void> {
  const bearer = await asBearer(d.jwt, on)
  t.equal(bearer.statusCode, 200, 'the bearer token works')
  t.equal(bearer.json().person.id, d.personId)
  t.equal((await asCookie(d.jwt, on)).statusCode, 200, 'the session cookie works')
}

t.test('signing out refuses that device\'s session token at once, as a bearer token and as a page cookie; the person\'s other devices stay signed in', async t => {
  const ana = await participant('Ana Arsenault', 'ana@example.ca')
  const phone = await signIn(ana)
  const laptop = await signIn(ana)
  await works(t, phone)
  const out = await app.inject({ method: 'POST', url: '/auth/sign-out', headers: { cookie: phone.cookie, 'x-csrf-token': phone.csrf, origin: ORIGIN, accept: 'text/html' } })
  t.equal(out.statusCode, 303)
  await refused(t, phone)
  await works(t, laptop)
})

t.test('an organizer revoking a personal link with sign-out everywhere refuses every session token of the person at once', async t => {
  const ben = await participant('Ben Bouchard', 'ben@example.ca')
  const phone = await signIn(ben)
  const laptop = await signIn(ben)
  await works(t, phone)
  const revoke = await app.inject({ method: 'DELETE', url: `/api/v1/events/${event.id}/participants/${ben}/personal-link?signOutEverywhere=true`, headers: { authorization: `Bearer ${organizer.jwt}` } })
  t.equal(revoke.statusCode, 200)
  t.equal(revoke.json().devicesSignedOut, 2)
  await refused(t, phone)
  await refused(t, laptop)
  await works(t, organizer)
})

t.test('erasure by the event\'s organizer refuses the erased person\'s session tokens at once', async t => {
  const chloe = await participant('Chloé Cyr', 'chloe@example.ca')
  const phone = await signIn(chloe)
  await works(t, phone)
  const base = `/api/v1/events/${event.id}/privacy/erasures`
  const headers = { authorization: `Bearer ${organizer.jwt}` }
  const recorded = await app.inject({ method: 'POST', url: base, headers, payload: { personId: chloe, requestedAt: '2025-10-21T13:00:00Z', channel: 'email' } })
  t.equal(recorded.statusCode, 201, 'the erasure request is recorded')
  const confirmed = await app.inject({ method: 'POST', url: `${base}/${recorded.json<{ id: string }>().id}/confirm`, headers })
  t.equal(confirmed.statusCode, 200, 'and confirmed')
  await refused(t, phone)
})

t.test('across two instances on one database: a session ended on one is refused on the other at once, both ways', async t => {
  const dina = await participant('Dina Dufour', 'dina@example.ca')
  const phone = await signIn(dina)
  await works(t, phone, other.app)
  const out = await app.inject({ method: 'POST', url: '/auth/sign-out', headers: { cookie: phone.cookie, 'x-csrf-token': phone.csrf, origin: ORIGIN, accept: 'text/html' } })
  t.equal(out.statusCode, 303)
  await refused(t, phone, other.app)

  const laptop = await signIn(dina)
  await works(t, laptop, app)
  const revoke = await other.app.inject({ method: 'DELETE', url: `/api/v1/events/${event.id}/participants/${dina}/personal-link?signOutEverywhere=true`, headers: { authorization: `Bearer ${organizer.jwt}` } })
  t.equal(revoke.statusCode, 200)
  await refused(t, laptop, app)
})

t.test('a token signed with our secret whose device session is another person\'s, unknown or not a UUID is refused with 401, never a 500', async t => {
  const eve = await participant('Ève Émond', 'eve@example.ca')
  const phone = await signIn(eve)
  const claims = app.jwt.decode<{ sid: string }>(organizer.jwt)!
  const cases: Record<string, string> = {
    // What a merge leaves: the session now belongs to another account than the token names.
    'another person\'s device session': app.jwt.sign({ sub: eve, sid: claims.sid }),
    'an unknown device session': app.jwt.sign({ sub: eve, sid: '00000000-0000-4000-8000-000000000000' }),
    'a device session id that is not a UUID': app.jwt.sign({ sub: eve, sid: 'not-a-uuid' }),
    'a subject that is not a UUID': app.jwt.sign({ sub: 'not-a-uuid', sid: claims.sid })
  }
  for (const [what, jwt] of Object.entries(cases)) {
    t.equal((await asBearer(jwt)).statusCode, 401, `${what}: bearer refused`)
    t.ok(sentToSignIn(await asCookie(jwt), '/moi'), `${what}: page cookie refused`)
  }
  await works(t, phone)
})

t.test('many checks at once (as in the check-in rush) each get their own session\'s answer', async t => {
  const people = await Promise.all(['Gaby Gagnon', 'Hugo Hébert', 'Iris Imbeault', 'Jules Jobin'].map(async (name, i) => await participant(name, `p${i}@example.ca`)))
  const devices = await Promise.all(people.flatMap(p => [signIn(p), signIn(p)]))
  // Every other device signs out: its token must be refused, its neighbour's must work.
  for (const [i, d] of devices.entries()) {
    if (i % 2 === 1) await app.inject({ method: 'POST', url: '/auth/sign-out', headers: { cookie: d.cookie, 'x-csrf-token': d.csrf, origin: ORIGIN, accept: 'text/html' } })
  }
  const answers = await Promise.all([...devices, ...devices].map(async d => await asBearer(d.jwt)))
  t.same(answers.map(a => a.statusCode), [...devices, ...devices].map((_, i) => i % 2 === 0 ? 200 : 401))
  t.same(answers.filter(a => a.statusCode === 200).map(a => a.json().person.id), [...devices, ...devices].filter((_, i) => i % 2 === 0).map(d => d.personId), 'each token answers for its own person')
})

t.test('a device session past its end refuses its session token, though the token itself has not expired', async t => {
  const fred = await participant('Fred Fortin', 'fred@example.ca')
  const phone = await signIn(fred)
  await works(t, phone)
  const session = await database.db.selectFrom('device_sessions').select('expires_at').where('id', '=', app.jwt.decode<{ sid: string }>(phone.jwt)!.sid).executeTakeFirstOrThrow()
  const saved = clock.now()
  clock.set(new Date(session.expires_at.getTime() + 1000))
  t.teardown(() => { clock.set(saved) })
  await refused(t, phone)
})
