// The eight kinds of caller of the access matrix (test/security), on one app and one database:
// each with a real device session, a bearer token and the page cookies a browser would hold.
import { Readable } from 'node:stream'
import type { LightMyRequestResponse } from 'fastify'
import { FixedClock } from '../../src/clock.js'
import { upsertLtiPerson } from '../../src/lti/service.js'
import { testApp, type TestApp } from './app.js'
import { given, type Role } from './given.js'
import { ROLES, startPlatform, type SimulatedPlatform } from './lti-platform.js'
import { pdfBytes } from './synthesis.js'

/** Tuesday 21 October 2025, 09:10 in Montréal: the morning keynote (a counted slot) is open for check-in. */
export const MATRIX_NOW = '2025-10-21T09:10:00-04:00'

export const ROLE_NAMES = ['anonymous', 'student', 'participant', 'door', 'instructor', 'otherInstructor', 'organizer', 'otherPlatform'] as const
export type RoleName = typeof ROLE_NAMES[number]

/** What each role is, in words (failure messages and the guide's access tables). */
export const ROLE_TITLES: Record<RoleName, string> = {
  anonymous: 'anonymous (no session)',
  student: 'credited student of course A (LMS Learner, platform A)',
  participant: 'non-credit participant (personal link, no LMS)',
  door: 'door staff of the event',
  instructor: 'instructor of course A (LMS Instructor, platform A)',
  otherInstructor: 'instructor of course A2 only (same platform, same event)',
  organizer: 'organizer of the event',
  otherPlatform: 'Learner launched from platform B (same course id and user id as the student, other issuer)'
}

export interface Identity {
  role: RoleName
  /** null for anonymous. */
  personId: string | null
  /** `Bearer <jwt>` for /api/v1, or null. */
  authorization: string | null
  /** Cookie header of a browser signed in on a device (short-lived session JWT + signed device cookie), or null. */
  cookie: string | null
  deviceSessionId: string | null
}

export interface DeviceLogin {
  personId: string
  deviceSessionId: string
  deviceToken: string
  authorization: string
  cookie: string
  sessionJwt: string
  deviceCookie: string
}

export interface AccessWorld extends TestApp {
  /** The app listening on 127.0.0.1 (the LMS simulator calls its JWKS; ltijs routes can be reached over HTTP). */
  base: string
  eventId: string
  /** Platform A: a real LMS simulator over HTTP, registered with ltijs (AGS gradebook, deep linking). */
  platform: SimulatedPlatform
  /** Platform B: only its rows (issuer, client id): its user never reaches platform A's courses. */
  otherIssuer: string
  /** Course A (ENP7009 on platform A), course A2 (another course on platform A), course B (platform B, same context id string as A). */
  courses: { a: string, a2: string, b: string }
  identities: Record<RoleName, Identity>
  /** An in-person session open for check-in at MATRIX_NOW, its slot, and another slot (for excuses). */
  session: { id: string, slotId: string }
  /** The student's hand-in in course A (with one PDF file at position 0), graded 65 as a draft. */
  submission: { id: string }
  /** A new device session (and its cookies and bearer) for a person, as a sign-in would open. */
  login: (personId: string) => Promise<DeviceLogin>
}

const parseCookie = (setCookie: string): [string, string] => {
  const pair = setCookie.split(';')[0] ?? ''
  const i = pair.indexOf('=')
  return [pair.slice(0, i), pair.slice(i + 1)]
}

/**
 * The one place that decides the headers of a cookie-authenticated request from our pages:
 * browsers send `Sec-Fetch-Site: same-origin` with our own forms (assertSameOrigin), and unsafe
 * requests carry the CSRF token our pages embed (src/http/csrf.ts).
 */
export async function pageHeaders (world: AccessWorld, identity: Pick<Identity, 'cookie'>, method: string): Promise<Record<string, string>> {
  const headers: Record<string, string> = { accept: 'text/html', 'sec-fetch-site': 'same-origin' }
  if (identity.cookie === null) return headers
  headers.cookie = identity.cookie
  if (method !== 'GET' && method !== 'HEAD') {
    const csrf = await csrfToken(world, identity.cookie)
    headers.cookie = csrf.cookie
    if (csrf.token !== null) headers['x-csrf-token'] = csrf.token
  }
  return headers
}

const csrfCache = new WeakMap<AccessWorld, Map<string, { token: string | null, cookie: string }>>()

/**
 * The token a page of this browser session carries (`<meta name="csrf-token">`), and the cookies
 * after reading it (the CSRF secret's cookie): read once per session from /moi, as a browser
 * would before posting a form. Null token where pages carry none.
 */
export async function csrfToken (world: AccessWorld, cookie: string): Promise<{ token: string | null, cookie: string }> {
  let cache = csrfCache.get(world)
  if (cache === undefined) csrfCache.set(world, cache = new Map())
  const known = cache.get(cookie)
  if (known !== undefined) return known
  const res = await world.app.inject({ method: 'GET', url: '/moi', headers: { accept: 'text/html', cookie } })
  const token = /<meta name="csrf-token" content="([^"]+)"/.exec(res.body)?.[1]?.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&amp;/g, '&') ?? null
  const answer = { token, cookie: mergeCookies(cookie, res) }
  cache.set(cookie, answer)
  return answer
}

/** The headers of an API request: the bearer token only. */
export function apiHeaders (identity: Pick<Identity, 'authorization'>): Record<string, string> {
  return identity.authorization === null ? {} : { authorization: identity.authorization }
}

/** Cookies a response sets (e.g. a refreshed session), merged over a Cookie header. */
export function mergeCookies (cookie: string, res: LightMyRequestResponse): string {
  const jar = new Map(cookie.split(/;\s*/).filter(Boolean).map(c => [c.slice(0, c.indexOf('=')), c.slice(c.indexOf('=') + 1)]))
  for (const c of res.cookies) {
    if (c.value === '') jar.delete(c.name)
    else jar.set(c.name, c.value)
  }
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ')
}

/**
 * The 2025 program during the event (Tuesday 09:10), two LMS platforms, three courses tied to
 * the event, and one person per role with a real device session. The clock is MATRIX_NOW.
 */
export async function accessWorld (t: Parameters<typeof testApp>[0]): Promise<AccessWorld> {
  const clock = new FixedClock(MATRIX_NOW)
  const ctx = await testApp(t, { clock })
  const db = ctx.database.db
  const base = await ctx.app.listen({ host: '127.0.0.1', port: 0 })
  const platform = await startPlatform(t)
  platform.setTool({ jwksUrl: `${base}/lti/keys` })
  const { deploymentId, ...reg } = platform.registration()
  await ctx.services.lti.registerPlatform({ ...reg, deploymentIds: [deploymentId] })
  const otherIssuer = 'https://lms.autre-universite.example'
  const otherClient = 'compagnon-ailleurs'

  const g = given(ctx)
  const eventId = await g.event()
  const course = async (issuer: string, clientId: string, contextId: string, title: string, lineItems: string | null): Promise<string> =>
    await g.course({ issuer, clientId, deploymentId: '1', contextId, label: contextId.split('-')[0] ?? null, title, lineItemsUrl: lineItems })
  const courses = {
    a: await course(platform.issuer, platform.clientId, 'ENP7009-A2025', 'Mobilisation des acteurs locaux', platform.lineItemsUrl),
    a2: await course(platform.issuer, platform.clientId, 'ENP7010-A2025', 'Un autre cours', platform.lineItemsUrl),
    // Same context id as course A, on another issuer: must be another course entirely.
    b: await course(otherIssuer, otherClient, 'ENP7009-A2025', 'Mobilisation des acteurs locaux (B)', null)
  }

  const login = async (personId: string): Promise<DeviceLogin> => {
    const device = await ctx.services.people.openDeviceSession(personId, 'access-matrix')
    const [[deviceName, deviceValue], [sessionName, sessionValue]] = ctx.app.deviceSessionCookies(device)
      .map(parseCookie) as [[string, string], [string, string]]
    return {
      ...device,
      authorization: `Bearer ${ctx.app.jwt.sign({ sub: personId, sid: device.deviceSessionId })}`,
      cookie: `${sessionName}=${sessionValue}; ${deviceName}=${deviceValue}`,
      sessionJwt: sessionValue,
      deviceCookie: `${deviceName}=${deviceValue}`
    }
  }

  let n = 0
  const person = async (name: string, registration: Role, lti?: {
    issuer: string
    clientId: string
    sub: string
    context: string
    ltiRole: string
  }): Promise<string> => {
    const email = `access${++n}.${name.normalize('NFD').replace(/[^A-Za-z]/g, '').toLowerCase()}@example.gouv.qc.ca`
    const personId = lti === undefined
      ? (await g.person({ name, email, locale: 'fr' })).id
      // The LMS path: the person is found or created by their platform identity (issuer, client id, user id).
      : await upsertLtiPerson(db, { issuer: lti.issuer, clientId: lti.clientId, subject: lti.sub }, { name, email }, clock.now())
    await g.registered(personId, registration)
    if (lti !== undefined) await g.onRoster(lti.context, personId, { sub: lti.sub, roles: [lti.ltiRole] })
    return personId
  }
  const onA = (sub: string, context: string, ltiRole: string): {
    issuer: string
    clientId: string
    sub: string
    context: string
    ltiRole: string
  } => ({ issuer: platform.issuer, clientId: platform.clientId, sub, context, ltiRole })
  const people: Record<Exclude<RoleName, 'anonymous'>, string> = {
    student: await person('Anaïs Étudiante', 'credited_student', onA('moodle-anais', courses.a, ROLES.Learner)),
    participant: await person('Paule Participante', 'participant'),
    door: await person('Denis Accueil', 'door_staff'),
    instructor: await person('Élise Enseignante', 'instructor', onA('moodle-elise', courses.a, ROLES.Instructor)),
    otherInstructor: await person('Omar Enseignant', 'instructor', onA('moodle-omar', courses.a2, ROLES.Instructor)),
    organizer: await person('Odile Organisatrice', 'organizer'),
    // A launch from platform B registers its Learner as a credited student of the event.
    otherPlatform: await person('Anaïs Ailleurs', 'credited_student', {
      issuer: otherIssuer,
      clientId: otherClient,
      sub: 'moodle-anais',
      context: courses.b,
      ltiRole: ROLES.Learner
    })
  }

  const identities = {
    anonymous: { role: 'anonymous', personId: null, authorization: null, cookie: null, deviceSessionId: null }
  } as Record<RoleName, Identity>
  for (const role of ROLE_NAMES) {
    if (role === 'anonymous') continue
    const personId = people[role]
    const session = await login(personId)
    identities[role] = { role, personId, authorization: session.authorization, cookie: session.cookie, deviceSessionId: session.deviceSessionId }
  }

  // A session open for check-in whose slot counts toward attendance (excuses, corrections).
  let open: { id: string, slotId: string } | undefined
  for (const s of await ctx.services.attendance.openSessions()) {
    const slot = await db.selectFrom('time_slots').select(['id', 'counts_toward_attendance']).where('id', '=', s.slot_id).executeTakeFirstOrThrow()
    if (s.event_id === eventId && slot.counts_toward_attendance) { open = { id: s.id, slotId: slot.id }; break }
  }
  if (open === undefined) throw new Error('no counted session open for check-in at MATRIX_NOW')

  // The student's hand-in, made during the Friday window.
  clock.set('2025-10-24T10:00:00-04:00')
  const receipt = await ctx.services.synthesisHandIn.handIn(people.student, courses.a, () => (async function * () {
    yield { type: 'field' as const, name: 'text', value: 'Ma synthèse.' }
    yield { type: 'file' as const, name: 'files', filename: 'synthese.pdf', stream: Readable.from([pdfBytes()]) }
  })())
  // Graded (a draft): the instructor's grading page then shows a current grade.
  await ctx.services.synthesisGrading.grade(people.instructor, courses.a, people.student, { score: 65, feedback: 'Bonne analyse.', publish: false })
  clock.set(MATRIX_NOW)

  return { ...ctx, base, eventId, platform, otherIssuer, courses, identities, session: open, submission: { id: receipt.submissionId }, login }
}
