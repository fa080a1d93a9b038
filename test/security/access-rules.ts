// The access matrix: for every route (`METHOD /template`, as Fastify registered it), the answer
// each kind of caller must get, and how to fill the route's parameters and body so that the
// answer reflects authorization, not a 404 or a 400. test/security/access-matrix.test.ts runs it
// and fails for any route without a row here (HEAD twins follow their GET row).
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { projectRoot } from '../../src/paths.js'
import { settingsValues } from '../../src/synthesis/pages.js'
import { formatRubricText } from '../../src/synthesis/rubric-text.js'
import { MATRIX_NOW, ROLE_NAMES, type AccessWorld, type RoleName } from '../helpers/identities.js'
import { pdfBytes } from '../helpers/synthesis.js'

/**
 * An exact status, or: '2xx' / '3xx' success or redirect of any kind; 'ok' = authorized, the
 * answer may still refuse the input (any status but 401, 403 and 5xx) — used only where a valid
 * body is expensive to build.
 */
export type Expected = number | '2xx' | '3xx' | 'ok'
export type Row = Record<RoleName, Expected>

export interface Call {
  /** Default: the row's own method. */
  method?: string
  url: string
  payload?: string | Buffer | Record<string, unknown> | unknown[]
  headers?: Record<string, string>
  /** Other credentials than the role's own (a fresh device session for sign-out, say). */
  as?: { cookie: string | null, authorization: string | null }
}

export interface Rule {
  expect: Row
  /** Builds the request for one role (fresh objects where the request changes them). Default: the template filled from `params`. */
  request?: (ctx: RowContext) => Call | Promise<Call>
  /** The clock during this row (restored afterwards). */
  at?: string
  /** Why the row is what it is, when not obvious. */
  why?: string
}

/**
 * A public row (the same answer for every role) is requested as anonymous, as a signed-in
 * student and as an organizer (cookie on pages, bearer on the API): enough to show the answer
 * ignores who calls, without asking eight times for the same public page.
 */
export const PUBLIC_SAMPLE: RoleName[] = ['anonymous', 'student', 'organizer']
export const isPublic = (row: Row): boolean => ROLE_NAMES.every(r => row[r] === row.anonymous)

export function matches (expected: Expected, status: number): boolean {
  if (typeof expected === 'number') return status === expected
  if (expected === '2xx') return status >= 200 && status < 300
  if (expected === '3xx') return status >= 300 && status < 400
  return status !== 401 && status !== 403 && status < 500
}

/**
 * What the access policy must answer for a role, read from the expected HTTP answer: 401, 403 and
 * 404 (a thing that is not yours does not exist) are refusals; any other answer is an allowance
 * (the request may still be refused as input, or by the state of things, after the policy said yes).
 */
export const policyAllows = (expected: Expected): boolean => !(expected === 401 || expected === 403 || expected === 404)

// ---- rows -----------------------------------------------------------------------------------

const row = (fill: (role: RoleName) => Expected): Row => Object.fromEntries(ROLE_NAMES.map(r => [r, fill(r)])) as Row
/** Public: everyone gets the same answer. */
const everyone = (expected: Expected): Row => row(() => expected)
/** Any signed-in person; anonymous 401. */
const signedIn = (expected: Expected, overrides: Partial<Row> = {}): Row => row(r => r === 'anonymous' ? 401 : overrides[r] ?? expected)
/** Only these roles; anonymous 401, everyone else `others` (403 unless told). */
const only = (allowed: Partial<Row>, others: Expected = 403): Row => row(r => r === 'anonymous' ? 401 : allowed[r] ?? others)

const organizer = (expected: Expected, others: Expected = 403): Row => only({ organizer: expected }, others)
/** Instructors of the event's courses (any course) and organizers: the event-wide attendance register. */
const teachers = (expected: Expected): Row => only({ instructor: expected, otherInstructor: expected, organizer: expected })
/** The session team: door staff, instructors, organizers. */
const hosts = (expected: Expected): Row => only({ door: expected, instructor: expected, otherInstructor: expected, organizer: expected })
const door = (expected: Expected): Row => only({ door: expected, organizer: expected })
/** Registered to attend (credited students, non-credit participants). */
const attendees = (expected: Expected, overrides: Partial<Row> = {}): Row => only({ student: expected, participant: expected, otherPlatform: expected, ...overrides })
/**
 * Who corrects the attendance of the student (a learner of course A) or decides their excuses:
 * the event's organizers and the instructors of course A; not the instructor of course A2 (a
 * correction reaches the LMS grade of the person's course).
 */
const correctors = (expected: Expected): Row => only({ instructor: expected, organizer: expected })
const CORRECTORS = 'organizers of the event and instructors of a course the person is enrolled in (course A); the instructor of course A2 only is refused'
/** The instructor of course A only. */
const courseInstructor = (expected: Expected, others: Expected = 403): Row => only({ instructor: expected }, others)

// ---- request building -----------------------------------------------------------------------

export interface RowContext {
  w: AccessWorld
  role: RoleName
  /** The person behind the role (null for anonymous). */
  personId: string | null
  params: Params
  fresh: Fresh
  /** The template with `params` filled in. */
  url: string
}

/** Objects made once for the whole matrix (read-only rows use them). */
export interface Params {
  [name: string]: string
  eventId: string
  eventKey: string
  sessionId: string
  slotId: string
  /** A slot that has not started yet (advance choices). */
  futureSessionId: string
  contextId: string
  personId: string
  submissionId: string
  position: string
  /** A one-time sign-in link, shown (not consumed) by GET /auth/link/:token. */
  signInToken: string
  /** The participant's personal link. */
  personalToken: string
  /** The participant's issued attestation: its id and verification code. */
  attestationId: string
  code: string
  /** A request waiting in the organizers' queue. */
  requestId: string
  /** A finished bulk generation with its ZIP. */
  jobId: string
  /** A stored message with the attestation PDF attached. */
  messageId: string
  /** The instructor's pending deep-linking choice. */
  requestIdDeepLink: string
  /** The participant's pass code (door scans). */
  passCode: string
  /** A privacy incident and a recorded erasure request (made through the API as an organizer would). */
  incidentId: string
  erasureId: string
}

/** Makers of objects a request uses up or changes (one per role and request). */
export interface Fresh {
  excuse: () => Promise<string>
  /** A request in the queue (a new participant asked). */
  attestationRequest: () => Promise<string>
  /** A valid attestation of a new participant. */
  attestation: () => Promise<string>
  signInLink: (personId: string) => Promise<string>
  personalLink: (personId?: string) => Promise<string>
  participant: () => Promise<string>
  email: () => string
  /** A recorded (not confirmed) erasure request of a new participant. */
  erasure: () => Promise<string>
}

export const fill = (template: string, params: Record<string, string>): string =>
  template.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = params[name]
    if (value === undefined) throw new Error(`no value for :${name} in ${template}`)
    return encodeURIComponent(value)
  }).replace(/\*$/, '')

/** A pending door-staff invitation for the person in the matrix event (renewed if one is there). */
const roleInvitation = async (w: AccessWorld, personId: string): Promise<string> => {
  const now = w.clock.now()
  const row = await w.database.db.insertInto('role_invitations')
    .values({ event_id: w.eventId, person_id: personId, role: 'door_staff', invited_by: null, created_at: now, expires_at: new Date(now.getTime() + 14 * 86_400_000) })
    .onConflict(oc => oc.columns(['event_id', 'person_id', 'role']).doUpdateSet({ expires_at: new Date(now.getTime() + 14 * 86_400_000) }))
    .returning('id').executeTakeFirstOrThrow()
  return row.id
}
const form = (fields: Record<string, string | string[]>): { payload: string, headers: Record<string, string> } => {
  const body = new URLSearchParams()
  for (const [k, v] of Object.entries(fields)) for (const one of Array.isArray(v) ? v : [v]) body.append(k, one)
  return { payload: body.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } }
}

type Part = { name: string, value: string } | { name: string, filename: string, type: string, data: Buffer }
export const multipart = (parts: Part[]): { payload: Buffer, headers: Record<string, string> } => {
  const boundary = `----access${randomUUID()}`
  const chunks: Buffer[] = []
  for (const part of parts) {
    const head = 'filename' in part
      ? `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\nContent-Type: ${part.type}\r\n\r\n`
      : `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"\r\n\r\n`
    chunks.push(Buffer.from(head), 'filename' in part ? part.data : Buffer.from(part.value), Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

const programFile = readFileSync(join(projectRoot, 'src/program/data/ecole-automne-coproduction-2025.yaml'), 'utf8')
const csv = (email: string): string => `nom;courriel;employeur\nCamille Nouvelle;${email};Ville de Québec\n`
const FRIDAY = '2025-10-24T10:00:00-04:00'
const incident = { detectedAt: '2025-10-21T09:00:00-04:00', description: 'Liste de présences oubliée dans la salle', categories: 'noms, courriels' }
const AFTER_EVENT = '2025-10-24T14:00:00-04:00'

// ---- the table --------------------------------------------------------------------------------

const get = (expect: Row, extra: Partial<Rule> = {}): Rule => ({ expect, ...extra })

export const rules: Record<string, Rule> = {
  // ---- operations, documentation, assets (public)
  'GET /metrics': get(everyone(200), { why: 'open on loopback without METRICS_TOKEN (inject comes from 127.0.0.1)' }),
  'GET /health': get(everyone(200)),
  'GET /ready': get(everyone(200)),
  'GET /docs': get(everyone(200)),
  'GET /docs/static/index.html': get(everyone(302)),
  'GET /docs/static/swagger-initializer.js': get(everyone(200)),
  'GET /docs/static/*': get(everyone(200), { request: () => ({ url: '/docs/static/swagger-ui.css' }) }),
  'GET /docs/json': get(everyone(200)),
  'GET /docs/yaml': get(everyone(200)),
  'GET /aide': get(everyone(301), { why: 'the guide (help pages, the same for everyone): its address without the slash goes to /aide/' }),
  'GET /aide/*': get(everyone('ok'), { request: () => ({ url: '/aide/' }), why: 'the guide\'s pages and assets, built by npm ci (where it was not built, a 404 that says so)' }),
  'GET /assets/site.css': get(everyone(200)),
  'GET /assets/favicon.svg': get(everyone(200)),
  'GET /assets/autosubmit.js': get(everyone(200)),
  'GET /assets/lti-close.js': get(everyone(200)),
  'GET /assets/lti-storage.js': get(everyone(200)),
  'GET /assets/projection.js': get(everyone(200)),
  'GET /assets/scanner.js': get(everyone(200)),
  'GET /assets/attendees.js': get(everyone(200)),
  'GET /assets/jsqr.js': get(everyone(200)),
  'GET /assets/synthesis.js': get(everyone(200)),
  'GET /assets/attestations.css': get(everyone(200)),

  // ---- program (public; updates by organizers)
  'GET /': get(everyone(200)),
  'GET /events/:eventKey': get(everyone(200)),
  'GET /api/v1/events': get(everyone(200)),
  'GET /api/v1/events/:eventId': get(everyone(200)),
  'GET /api/v1/events/:eventId/program': get(everyone(200)),
  'GET /api/v1/events/:eventId/calendar.ics': get(everyone(200)),
  'GET /api/v1/events/:eventId/sessions/:sessionKey/calendar.ics': get(everyone(200), {
    request: async ({ w, params }) => ({ url: `/api/v1/events/${params.eventId}/sessions/${(await w.services.program.getProgram(params.eventId)).days[0]?.slots[0]?.sessions[0]?.key ?? 'none'}/calendar.ics` })
  }),
  'PUT /api/v1/program': {
    expect: organizer(200),
    why: 'organizers of the event in the file (re-importing the same file changes nothing)',
    request: () => ({ url: '/api/v1/program', payload: programFile, headers: { 'content-type': 'application/yaml' } })
  },
  'POST /organisateurs/programme': {
    expect: organizer(200),
    request: () => ({ url: '/organisateurs/programme', ...multipart([{ name: 'file', filename: 'programme.yaml', type: 'application/yaml', data: Buffer.from(programFile) }]) })
  },

  // ---- sign-in, own page, team (people)
  'GET /auth/link/:token': get(everyone(200), { why: 'a link is shown, not used: whoever holds it' }),
  'POST /auth/link': {
    expect: everyone(303),
    why: 'whoever holds a valid one-time link opens that person\'s session (the link is the credential)',
    request: async ({ fresh, w }) => ({ url: '/auth/link', ...form({ token: await fresh.signInLink(w.identities.participant.personId!) }) })
  },
  'GET /p/:token': get(everyone(200), { request: ({ params }) => ({ url: `/p/${params.personalToken}` }) }),
  'POST /p': {
    expect: everyone(303),
    request: async ({ fresh }) => ({ url: '/p', ...form({ token: await fresh.personalLink() }) })
  },
  'GET /connexion': get(everyone(200)),
  'POST /connexion': {
    expect: everyone(200),
    why: 'anyone may ask for a link; it only ever goes to the address\'s own inbox (the same answer whether or not the address is known)',
    request: ({ role }) => ({ url: '/connexion', ...form({ email: `matrix-${role}@example.org` }) })
  },
  'POST /api/v1/sign-in-links': {
    expect: everyone(200),
    why: 'public, like the form; 200 without SMTP (nothing sent), 202 with it',
    request: ({ role }) => ({ url: '/api/v1/sign-in-links', payload: { email: `matrix-api-${role}@example.org` } })
  },
  'POST /moi/liaison/code': get(signedIn(200), { why: 'anyone signed in may show a code that links another of their accounts to this one' }),
  'POST /moi/liaison': {
    expect: signedIn(400),
    why: 'anyone signed in may type a code; an unknown code is refused as input (the code, not the role, is the credential)',
    request: () => ({ url: '/moi/liaison', ...form({ code: 'ABCD-EFGH' }) })
  },
  'POST /moi/liaison/confirmation': {
    expect: signedIn(400),
    why: 'as above: merging needs a live code shown by the other account',
    request: () => ({ url: '/moi/liaison/confirmation', ...form({ code: 'ABCD-EFGH' }) })
  },
  'POST /moi/invitations/:invitationId/accepter': {
    expect: signedIn(404),
    why: 'another person\'s pending role invitation: to anyone but its invitee it does not exist (the invitee accepting is in test/people/role-invitations.test.ts; here it would change the roles other rows rely on)',
    request: async ({ w, fresh }) => ({ url: `/moi/invitations/${await roleInvitation(w, await fresh.participant())}/accepter`, ...form({}) })
  },
  'POST /moi/invitations/:invitationId/refuser': {
    expect: signedIn(303),
    why: 'the signed-in person declines a role offered to them (an invitation made for the caller); anonymous 401',
    request: async ({ w, personId }) => ({ url: `/moi/invitations/${personId === null ? randomUUID() : await roleInvitation(w, personId)}/refuser`, ...form({}) })
  },
  'POST /auth/telephone': get(signedIn(200)),
  'POST /auth/sign-out': {
    expect: signedIn(303),
    why: 'on a device session of its own, so the role keeps its session for the other rows',
    request: async ({ w, personId }) => ({ url: '/auth/sign-out', as: personId === null ? { cookie: null, authorization: null } : await w.login(personId) })
  },
  'GET /moi': get(signedIn(200)),
  'GET /api/v1/me': get(signedIn(200)),
  'GET /organisateurs': get(organizer(200)),
  'GET /organisateurs/evenements/:eventId/equipe': get(organizer(200)),
  'GET /organisateurs/evenements/:eventId/programme': get(organizer(200)),
  'GET /organisateurs/evenements/:eventId/lms': get(organizer(200)),
  'POST /organisateurs/invitations': {
    expect: organizer(200),
    request: ({ fresh, params }) => ({ url: '/organisateurs/invitations', ...form({ email: fresh.email(), role: 'door_staff', eventId: params.eventId }) })
  },
  'POST /api/v1/events/:eventId/invitations': {
    expect: organizer(201),
    request: ({ fresh, url }) => ({ url, payload: { email: fresh.email(), role: 'door_staff' } })
  },

  // ---- non-credit participants (organizers)
  'GET /api/v1/events/:eventId/participants': get(organizer(200)),
  'POST /api/v1/events/:eventId/participants': {
    expect: organizer(201),
    request: ({ fresh, url }) => ({ url, payload: { name: 'Camille Nouvelle', email: fresh.email() } })
  },
  'POST /api/v1/events/:eventId/participants/import': {
    expect: organizer(200),
    request: ({ fresh, url }) => ({ url, payload: csv(fresh.email()), headers: { 'content-type': 'text/csv' } })
  },
  'POST /api/v1/events/:eventId/participants/:personId/personal-link': {
    expect: organizer(201),
    request: async ({ fresh, params }) => ({ url: `/api/v1/events/${params.eventId}/participants/${await fresh.participant()}/personal-link` })
  },
  'DELETE /api/v1/events/:eventId/participants/:personId/personal-link': {
    expect: organizer(200),
    request: async ({ fresh, params }) => ({ url: `/api/v1/events/${params.eventId}/participants/${await fresh.participant()}/personal-link` })
  },
  'POST /organisateurs/evenements/:eventId/participants': {
    expect: organizer(200),
    request: ({ fresh, url }) => ({ url, ...form({ name: 'Camille Nouvelle', email: fresh.email() }) })
  },
  'POST /organisateurs/evenements/:eventId/participants/import': {
    expect: organizer(200),
    request: ({ fresh, url }) => ({ url, ...multipart([{ name: 'file', filename: 'liste.csv', type: 'text/csv', data: Buffer.from(csv(fresh.email())) }]) })
  },
  'POST /organisateurs/evenements/:eventId/participants/:personId/lien': {
    expect: organizer(200),
    request: async ({ fresh, params }) => ({ url: `/organisateurs/evenements/${params.eventId}/participants/${await fresh.participant()}/lien` })
  },
  'POST /organisateurs/evenements/:eventId/participants/:personId/revocation': {
    expect: organizer(200),
    request: async ({ fresh, params }) => ({ url: `/organisateurs/evenements/${params.eventId}/participants/${await fresh.participant()}/revocation`, ...form({ signOut: 'on' }) })
  },
  'POST /organisateurs/evenements/:eventId/participants/:personId/lien-courriel': {
    expect: organizer(303),
    request: async ({ fresh, params }) => ({ url: `/organisateurs/evenements/${params.eventId}/participants/${await fresh.participant()}/lien-courriel` })
  },
  'GET /organisateurs/evenements/:eventId/participants': get(organizer(200)),
  'GET /organisateurs/evenements/:eventId/participants/envoi-des-liens': {
    expect: organizer(200),
    request: ({ url }) => ({ url: `${url}?qui=sans-lien` })
  },
  'POST /organisateurs/evenements/:eventId/participants/envoi-des-liens': {
    expect: organizer(200),
    request: ({ url }) => ({ url, ...form({ qui: 'sans-lien' }) })
  },

  // ---- LTI: the protocol endpoints answer whoever calls (the LMS, through the browser)
  'GET /lti/register': get(everyone(403), {
    why: 'opened by the LMS; without a valid organizer token nothing is shown',
    request: () => ({ url: `/lti/register?compagnon_token=${'x'.repeat(43)}&openid_configuration=${encodeURIComponent('http://127.0.0.1:9/openid')}` })
  }),
  'POST /lti/register': {
    expect: everyone(403),
    request: () => ({ url: '/lti/register', ...form({ compagnon_token: 'x'.repeat(43), openid_configuration: 'http://127.0.0.1:9/openid' }) })
  },
  'POST /organisateurs/plateformes/lien': get(organizer(200)),
  'POST /api/v1/lti/registration-links': get(organizer(201)),
  'POST /organisateurs/plateformes/statut': {
    expect: organizer('ok'),
    why: 'approving an unknown platform: organizers reach the service (404), others are refused first',
    request: () => ({ url: '/organisateurs/plateformes/statut', ...form({ issuer: 'https://inconnue.example', clientId: 'x', action: 'approve' }) })
  },
  'GET /cours': get(signedIn(200)),
  'GET /cours/suite/:token': {
    expect: { ...everyone(200), student: 303 },
    why: 'the launch\'s own person (the student) with cookies goes on (303); anyone else sees the open-in-a-new-window page, which signs in only the link\'s person',
    request: async ({ fresh, w }) => ({ url: `/cours/suite/${await fresh.signInLink(w.identities.student.personId!)}` })
  },
  'GET /cours/notes/:contextId': get(courseInstructor(200)),
  'POST /cours/liste/:contextId': get(courseInstructor(303)),
  'GET /cours/contenu/:requestId': {
    expect: only({ instructor: 200 }, 404),
    why: 'a deep-linking choice belongs to the instructor who launched it; anyone else: not found',
    request: ({ params }) => ({ url: `/cours/contenu/${params.requestIdDeepLink}` })
  },
  'POST /cours/contenu/:requestId': {
    expect: only({ instructor: 'ok' }, 404),
    request: ({ params }) => ({ url: `/cours/contenu/${params.requestIdDeepLink}`, ...form({ items: 'program' }) })
  },

  // ---- attendance: check-in
  'GET /presence/:sessionId/:code': {
    expect: everyone(200),
    why: 'opened by a phone camera: shows the session and one confirmation button; records nothing',
    request: ({ w, params }) => ({ url: `/presence/${params.sessionId}/${w.services.attendance.roomCode(params.sessionId).url.split('/').pop() ?? ''}` })
  },
  'POST /presence/:sessionId/:code': {
    expect: everyone(200),
    why: 'the confirmation button: checks in whoever is signed in on this browser, or keeps the scan for a sign-in on this browser within the code\'s validity + 2 min',
    request: ({ w, params }) => ({ url: `/presence/${params.sessionId}/${w.services.attendance.roomCode(params.sessionId).url.split('/').pop() ?? ''}`, ...form({}) })
  },
  'GET /presence/code': get(signedIn(200)),
  'POST /presence/code': {
    expect: signedIn(200),
    request: ({ w, params }) => ({ url: '/presence/code', ...form({ code: w.services.attendance.roomCode(params.sessionId).typedCode }) })
  },
  'POST /api/v1/sessions/:sessionId/check-ins': {
    expect: signedIn('2xx'),
    request: ({ w, url, params }) => ({ url, payload: { code: w.services.attendance.roomCode(params.sessionId).url.split('/').pop() } })
  },
  'POST /api/v1/check-ins/typed-code': {
    expect: signedIn('2xx'),
    request: ({ w, url, params }) => ({ url, payload: { code: w.services.attendance.roomCode(params.sessionId).typedCode } })
  },
  'GET /presence/laissez-passer': get(signedIn(200)),
  'GET /api/v1/me/pass': get(signedIn(200)),
  'GET /pass/:code': get(everyone(200), { request: ({ params }) => ({ url: `/pass/${params.passCode}` }) }),

  // ---- attendance: the session team
  'GET /presence/seance/:sessionId/projection': get(hosts(200)),
  'GET /presence/seance/:sessionId/affiche.pdf': get(hosts(200)),
  'GET /organisateurs/evenements/:eventId/laissez-passer.pdf': get(organizer(200), { why: 'organizers of the event: the passes of its people (names and pass codes), for printing; people also registered at an event they do not organize are left out' }),
  'GET /presence/seance/:sessionId/liste': get(hosts(200)),
  'GET /presence/seance/:sessionId/etat': get(hosts(200)),
  'GET /presence/seance/:sessionId/presents': get(hosts(200)),
  'GET /api/v1/sessions/:sessionId/attendance': get(hosts(200)),
  'GET /api/v1/sessions/:sessionId/room-code': get(hosts(200)),
  'GET /accueil': get(hosts(200), { why: 'the session team of some event (each sees only the sessions they may host); anyone else gets a 403 page' }),
  'GET /accueil/:sessionId': get(door(200)),
  'POST /accueil/:sessionId/scans': {
    expect: door(200),
    request: ({ url, params, w }) => ({ url, payload: { scans: [{ scanId: randomUUID(), code: params.passCode, deviceTime: w.clock.now().toISOString() }] } })
  },
  'POST /api/v1/sessions/:sessionId/scans': {
    expect: door(200),
    request: ({ url, params, w }) => ({ url, payload: { scans: [{ scanId: randomUUID(), code: params.passCode, deviceTime: w.clock.now().toISOString() }] } })
  },

  // ---- attendance: the register
  'GET /cours/presences/:contextId': get(courseInstructor(200)),
  'GET /cours/presences/:contextId/export.csv': get(courseInstructor(200)),
  'POST /cours/presences/:contextId/notes': get(courseInstructor(303)),
  'GET /api/v1/courses/:contextId/attendance': get(courseInstructor(200)),
  'GET /organisateurs/presences/:eventId': get(teachers(200)),
  'GET /organisateurs/presences/:eventId/export.csv': get(teachers(200)),
  'GET /api/v1/events/:eventId/attendance': get(teachers(200)),
  'GET /presences/correction': get(correctors(200), { why: CORRECTORS, request: ({ params }) => ({ url: `/presences/correction?personne=${params.personId}&creneau=${params.slotId}` }) }),
  'POST /presences/correction': {
    expect: correctors(303),
    why: CORRECTORS,
    request: ({ params }) => ({ url: '/presences/correction', ...form({ personId: params.personId, slotId: params.slotId, status: 'present', sessionId: params.sessionId, reason: 'Vue sur place' }) })
  },
  'POST /api/v1/attendance/corrections': {
    expect: correctors(204),
    why: CORRECTORS,
    request: ({ params, url }) => ({ url, payload: { personId: params.personId, slotId: params.slotId, status: 'present', sessionId: params.sessionId, reason: 'Vue sur place' } })
  },
  'GET /api/v1/people/:personId/attendance-history': get(only({ student: 200, instructor: 200, otherInstructor: 200, organizer: 200 }), { why: 'the person themself (the student here) or a teacher of their event' }),
  'GET /api/v1/events/:eventId/excuses': get(teachers(200)),
  'POST /api/v1/excuses/:excuseId/decision': {
    expect: correctors(204),
    why: `${CORRECTORS} (each excuse is from a new learner of course A)`,
    request: async ({ fresh }) => ({ url: `/api/v1/excuses/${await fresh.excuse()}/decision`, payload: { accept: true } })
  },
  'POST /presences/justifications/:excuseId': {
    expect: correctors(303),
    why: `${CORRECTORS} (each excuse is from a new learner of course A)`,
    request: async ({ fresh }) => ({ url: `/presences/justifications/${await fresh.excuse()}`, ...form({ decision: 'accept' }) })
  },
  'GET /api/v1/events/:eventId/attendance-policy': get(teachers(200)),
  'PUT /api/v1/events/:eventId/attendance-policy': {
    expect: organizer(200),
    request: async ({ w, url, params }) => ({ url, payload: await w.services.book.policy(params.eventId) as unknown as Record<string, unknown> })
  },

  // ---- attendance: one's own
  'GET /presence': get(signedIn(200)),
  'POST /presence/choix': {
    expect: signedIn(200),
    request: ({ params }) => ({ url: '/presence/choix', ...form({ sessionId: params.futureSessionId }) })
  },
  'PUT /api/v1/me/choices/:sessionId': get(signedIn(200), { request: ({ params }) => ({ url: `/api/v1/me/choices/${params.futureSessionId}` }) }),
  'POST /presence/justification': {
    expect: signedIn(200),
    request: ({ params }) => ({ url: '/presence/justification', ...form({ slotId: params.slotId, reason: 'Rendez-vous médical' }) })
  },
  'POST /api/v1/me/excuses': {
    expect: signedIn(201),
    request: ({ params, url }) => ({ url, payload: { slotId: params.slotId, reason: 'Rendez-vous médical' } })
  },

  // ---- synthesis (course A, during the Friday window)
  'GET /synthese': get(signedIn(403, { student: 303, instructor: 303, otherInstructor: 303, otherPlatform: 303 }), { why: 'each is sent to their own course (platform B\'s Learner to course B)' }),
  'GET /api/v1/courses/:contextId/synthesis': get(only({ student: 200, instructor: 200 }), { at: FRIDAY }),
  'PATCH /api/v1/courses/:contextId/synthesis': { expect: courseInstructor(200), at: FRIDAY, request: ({ url }) => ({ url, payload: { graceMinutes: 5 } }) },
  'PUT /api/v1/courses/:contextId/synthesis/extensions/:personId': {
    expect: courseInstructor(204),
    at: FRIDAY,
    request: ({ url }) => ({ url, payload: { dueAt: '2025-10-24T18:00:00-04:00', reason: 'Accommodement' } })
  },
  'DELETE /api/v1/courses/:contextId/synthesis/extensions/:personId': { expect: courseInstructor(204), at: FRIDAY },
  'GET /api/v1/courses/:contextId/synthesis/draft': get(only({ student: 200 }), { at: FRIDAY }),
  'PUT /api/v1/courses/:contextId/synthesis/draft': { expect: only({ student: 200 }), at: FRIDAY, request: ({ url }) => ({ url, payload: { text: 'Brouillon' } }) },
  'POST /api/v1/courses/:contextId/synthesis/submissions': {
    expect: only({ student: 201 }),
    at: FRIDAY,
    request: ({ url }) => ({ url, ...multipart([{ name: 'text', value: 'Version suivante.' }]) })
  },
  'GET /api/v1/courses/:contextId/synthesis/submissions/mine': get(only({ student: 200 }), { at: FRIDAY }),
  'GET /api/v1/courses/:contextId/synthesis/submissions/:submissionId/files/:position': get(only({ student: 200, instructor: 200 }), { at: FRIDAY, why: 'its author or the course\'s instructors' }),
  'GET /cours/synthese/:contextId/apercu/:submissionId/:position': get(only({ student: 303, instructor: 303 }), { at: FRIDAY, why: 'a PDF: sent on to the file itself' }),
  'GET /api/v1/courses/:contextId/synthesis/students': get(courseInstructor(200), { at: FRIDAY }),
  'GET /api/v1/courses/:contextId/synthesis/students/:personId': get(courseInstructor(200), { at: FRIDAY }),
  'PUT /api/v1/courses/:contextId/synthesis/students/:personId/grade': { expect: courseInstructor(200), at: FRIDAY, request: ({ url }) => ({ url, payload: { score: 70, feedback: 'Bien.' } }) },
  'POST /api/v1/courses/:contextId/synthesis/publications': { expect: courseInstructor(200), at: FRIDAY, request: ({ url, params }) => ({ url, payload: { personIds: [params.personId] } }) },
  'GET /cours/synthese/:contextId': get(only({ student: 200, instructor: 303 }), { at: FRIDAY }),
  'POST /cours/synthese/:contextId/remise': {
    expect: only({ student: 303 }),
    at: FRIDAY,
    request: ({ url }) => ({ url, ...multipart([{ name: 'text', value: 'Version de la page.' }]) })
  },
  'PUT /cours/synthese/:contextId/brouillon': { expect: only({ student: 200 }), at: FRIDAY, request: ({ url }) => ({ url, payload: { text: 'Brouillon' } }) },
  'GET /cours/synthese/:contextId/recu/:submissionId': get(only({ student: 200, instructor: 200 }), { at: FRIDAY }),
  'GET /cours/synthese/:contextId/remises': get(courseInstructor(200), { at: FRIDAY }),
  'POST /cours/synthese/:contextId/publier': { expect: courseInstructor(303), at: FRIDAY, request: ({ url, params }) => ({ url, ...form({ personIds: params.personId }) }) },
  'GET /cours/synthese/:contextId/remises/:personId': get(courseInstructor(200), { at: FRIDAY }),
  'POST /cours/synthese/:contextId/remises/:personId/note': { expect: courseInstructor(303), at: FRIDAY, request: ({ url }) => ({ url, ...form({ score: '70', feedback: 'Bien.' }) }) },
  'POST /cours/synthese/:contextId/remises/:personId/prolongation': { expect: courseInstructor(303), at: FRIDAY, request: ({ url }) => ({ url, ...form({ dueAt: '', reason: '' }) }) },
  'GET /cours/synthese/:contextId/parametres': get(courseInstructor(200), { at: FRIDAY }),
  'POST /cours/synthese/:contextId/parametres': {
    expect: courseInstructor(303),
    at: FRIDAY,
    request: async ({ w, url, params }) => {
      const assignment = await w.services.synthesisGrading.assignment(params.contextId)
      const { acceptLate, ...values } = settingsValues(assignment, 'America/Montreal', formatRubricText(assignment.rubric))
      return { url, ...form({ ...values, ...(acceptLate ? { acceptLate: 'on' } : {}) }) }
    }
  },

  // ---- attestations: one's own
  'GET /api/v1/events/:eventId/attestation': get(attendees(200)),
  'PUT /api/v1/events/:eventId/attestation/request': {
    expect: attendees(200, { participant: 409 }),
    why: 'the participant already holds one (409)',
    request: ({ url }) => ({ url, payload: { name: 'Nom Imprimé', locale: 'fr' } })
  },
  'GET /attestation': get(attendees(200)),
  'POST /attestation/:eventId': {
    expect: attendees(303, { participant: 409 }),
    request: ({ url }) => ({ url, ...form({ name: 'Nom Imprimé', locale: 'fr', employer: '', hrEmail: '' }) })
  },
  'GET /api/v1/attestations/:attestationId/pdf': get(only({ participant: 200, organizer: 200 }, 404), { why: 'its owner (the participant) or the event\'s organizers; to anyone else it does not exist' }),
  'GET /attestation/:attestationId/pdf': get(only({ participant: 200, organizer: 200 }, 404)),
  'GET /api/v1/attestations/:attestationId/credential': get(only({ participant: 200, organizer: 200 }, 404)),
  'GET /attestations/:attestationId/credential.jwt': get(only({ participant: 200, organizer: 200 }, 404)),

  // ---- attestations: organizers
  'GET /api/v1/events/:eventId/attestation-policy': get(signedIn(200), { why: 'the rule is no secret (the participants\' page states it)' }),
  'PUT /api/v1/events/:eventId/attestation-policy': { expect: organizer(200), request: ({ url }) => ({ url, payload: { minShare: 0.75, excusedCounts: false, autoIssue: true } }) },
  'GET /api/v1/events/:eventId/attestation-requests': get(organizer(200)),
  'POST /api/v1/attestation-requests/:requestId/approval': { expect: organizer(201), request: async ({ fresh }) => ({ url: `/api/v1/attestation-requests/${await fresh.attestationRequest()}/approval`, payload: {} }) },
  'POST /api/v1/attestation-requests/:requestId/refusal': { expect: organizer(200), request: async ({ fresh }) => ({ url: `/api/v1/attestation-requests/${await fresh.attestationRequest()}/refusal`, payload: { reason: 'Heures insuffisantes' } }) },
  'GET /api/v1/events/:eventId/attestations': get(organizer(200)),
  'POST /api/v1/attestations/:attestationId/revocation': { expect: organizer(200), request: async ({ fresh }) => ({ url: `/api/v1/attestations/${await fresh.attestation()}/revocation`, payload: { reason: 'Erreur de saisie' } }) },
  'POST /api/v1/attestations/:attestationId/reissue': { expect: organizer(201), request: async ({ fresh }) => ({ url: `/api/v1/attestations/${await fresh.attestation()}/reissue`, payload: { reason: 'Nom corrigé', name: 'Nom Corrigé' } }) },
  'GET /api/v1/events/:eventId/attestation-audit': get(organizer(200)),
  'GET /organisateurs/attestations/:eventId': get(organizer(200)),
  'POST /organisateurs/attestations/:eventId/politique': { expect: organizer(303), request: ({ url }) => ({ url, ...form({ minPercent: '75', excusedCounts: 'no', autoIssue: 'yes' }) }) },
  'POST /organisateurs/attestations/demandes/:requestId/approbation': {
    expect: organizer(303),
    request: async ({ fresh, params }) => ({ url: `/organisateurs/attestations/demandes/${await fresh.attestationRequest()}/approbation`, ...form({ eventId: params.eventId, note: '' }) })
  },
  'POST /organisateurs/attestations/demandes/:requestId/refus': {
    expect: organizer(303),
    request: async ({ fresh, params }) => ({ url: `/organisateurs/attestations/demandes/${await fresh.attestationRequest()}/refus`, ...form({ eventId: params.eventId, reason: 'Heures insuffisantes' }) })
  },
  'POST /organisateurs/attestations/:attestationId/revocation': {
    expect: organizer(303),
    request: async ({ fresh, params }) => ({ url: `/organisateurs/attestations/${await fresh.attestation()}/revocation`, ...form({ eventId: params.eventId, reason: 'Erreur de saisie' }) })
  },
  'POST /organisateurs/attestations/:attestationId/reemission': {
    expect: organizer(303),
    request: async ({ fresh, params }) => ({ url: `/organisateurs/attestations/${await fresh.attestation()}/reemission`, ...form({ eventId: params.eventId, reason: 'Nom corrigé', name: '', locale: '' }) })
  },
  'POST /api/v1/events/:eventId/attestation-jobs': get(organizer(202), { at: AFTER_EVENT }),
  'POST /organisateurs/attestations/:eventId/generation': get(organizer(303), { at: AFTER_EVENT }),
  'GET /api/v1/attestation-jobs/:jobId': get(organizer(200)),
  'GET /api/v1/attestation-jobs/:jobId/zip': get(organizer(200)),
  'GET /organisateurs/attestations/generation/:jobId': get(organizer(200)),
  'GET /organisateurs/attestations/generation/:jobId/zip': get(organizer(200)),

  // ---- verification and Open Badges (public)
  'GET /verify': get(everyone(200)),
  'GET /verify/:code': get(everyone(200)),
  'POST /verify/:code/check': {
    expect: everyone(200),
    request: ({ url }) => ({ url, ...multipart([{ name: 'file', filename: 'attestation.pdf', type: 'application/pdf', data: pdfBytes('autre') }]) })
  },
  'GET /api/v1/verify/:code': get(everyone(200)),
  'POST /api/v1/verify/:code/check': {
    expect: everyone(200),
    request: ({ url }) => ({ url, ...multipart([{ name: 'file', filename: 'attestation.pdf', type: 'application/pdf', data: pdfBytes('autre') }]) })
  },
  'GET /.well-known/jwks.json': get(everyone(200)),
  'GET /credentials/status/:eventId': get(everyone(200)),

  // ---- reports and messages (organizers)
  'GET /organisateurs/rapports/:eventId': get(organizer(200)),
  'GET /organisateurs/rapports/:eventId/presences-seances.csv': get(organizer(200)),
  'GET /organisateurs/rapports/:eventId/presences-seances.pdf': get(organizer(200)),
  'GET /organisateurs/rapports/:eventId/presences-participants.csv': get(organizer(200)),
  'GET /organisateurs/rapports/:eventId/presences-participants.pdf': get(organizer(200)),
  'GET /organisateurs/rapports/:eventId/attestations.csv': get(organizer(200)),
  'GET /organisateurs/rapports/:eventId/attestations.pdf': get(organizer(200)),
  'GET /api/v1/events/:eventId/reports/session-attendance': get(organizer(200)),
  'GET /api/v1/events/:eventId/reports/participant-attendance': get(organizer(200)),
  'GET /api/v1/events/:eventId/reports/attestations': get(organizer(200)),
  'GET /organisateurs/messages/:eventId': get(organizer(200)),
  'GET /organisateurs/messages/:eventId/:messageId': get(organizer(200)),
  'GET /organisateurs/messages/:eventId/:messageId/piece-jointe': get(organizer(200)),
  'GET /api/v1/events/:eventId/messages': get(organizer(200)),

  // ---- privacy (Loi 25): the notice is public, one's own data to oneself, the rest to organizers
  'GET /confidentialite': get(everyone(200)),
  'GET /privacy': get(everyone(301)),
  'GET /api/v1/privacy-notice': get(everyone(200)),
  'GET /api/v1/me/export': get(signedIn(200)),
  'GET /moi/donnees': get(signedIn(200)),
  'GET /api/v1/events/:eventId/people/:personId/export': get(organizer(200)),
  'GET /organisateurs/confidentialite/:eventId': get(organizer(200)),
  'GET /organisateurs/confidentialite/:eventId/exportation': get(organizer(200), { request: ({ url, params }) => ({ url: `${url}?personne=${params.personId}` }) }),
  'GET /api/v1/events/:eventId/privacy/access-log': get(organizer(200)),
  'GET /organisateurs/confidentialite/:eventId/acces': get(organizer(200)),
  'GET /api/v1/events/:eventId/privacy/incidents': get(organizer(200)),
  'POST /api/v1/events/:eventId/privacy/incidents': { expect: organizer(201), request: ({ url }) => ({ url, payload: incident }) },
  'PATCH /api/v1/events/:eventId/privacy/incidents/:incidentId': { expect: organizer(200), request: ({ url }) => ({ url, payload: { status: 'contained' } }) },
  'GET /organisateurs/confidentialite/:eventId/incidents': get(organizer(200)),
  'POST /organisateurs/confidentialite/:eventId/incidents': {
    expect: organizer(303),
    request: ({ url }) => ({ url, ...form({ detectedAt: '2025-10-21T09:00', description: incident.description, categories: incident.categories, seriousInjuryRisk: 'to_assess', status: 'open' }) })
  },
  'POST /organisateurs/confidentialite/:eventId/incidents/:incidentId': {
    expect: organizer(303),
    request: ({ url }) => ({ url, ...form({ detectedAt: '2025-10-21T09:00', description: incident.description, categories: incident.categories, seriousInjuryRisk: 'low', status: 'contained' }) })
  },
  'GET /api/v1/privacy/purge': get(organizer(200)),
  'POST /api/v1/privacy/purge': get(organizer(200), { why: 'during the event nothing is old enough to go' }),
  'GET /api/v1/events/:eventId/privacy/erasures': get(organizer(200)),
  'GET /api/v1/events/:eventId/privacy/erasures/people': get(organizer(200), { request: ({ url }) => ({ url: `${url}?q=Ana` }) }),
  'GET /api/v1/events/:eventId/privacy/erasures/preview': get(organizer(200), { request: ({ url, params }) => ({ url: `${url}?personId=${params.personId}` }) }),
  'POST /api/v1/events/:eventId/privacy/erasures': {
    expect: organizer(201),
    request: async ({ url, fresh, w }) => ({ url, payload: { personId: await fresh.participant(), requestedAt: w.clock.now().toISOString(), channel: 'email' } })
  },
  'GET /api/v1/events/:eventId/privacy/erasures/:requestId': get(organizer(200), { request: ({ params }) => ({ url: `/api/v1/events/${params.eventId}/privacy/erasures/${params.erasureId}` }) }),
  'POST /api/v1/events/:eventId/privacy/erasures/:requestId/confirm': {
    expect: organizer(200),
    request: async ({ fresh, params }) => ({ url: `/api/v1/events/${params.eventId}/privacy/erasures/${await fresh.erasure()}/confirm` })
  },
  'GET /organisateurs/confidentialite/:eventId/effacement': get(organizer(200)),
  'POST /organisateurs/confidentialite/:eventId/effacement': {
    expect: organizer(303),
    request: async ({ url, fresh }) => ({ url, ...form({ personId: await fresh.participant(), requestedOn: '2025-10-21', channel: 'email', reason: '' }) })
  },
  'GET /organisateurs/confidentialite/:eventId/effacement/:requestId': get(organizer(200), { request: ({ params }) => ({ url: `/organisateurs/confidentialite/${params.eventId}/effacement/${params.erasureId}` }) }),
  'POST /organisateurs/confidentialite/:eventId/effacement/:requestId/confirmer': {
    expect: organizer(303),
    request: async ({ fresh, params }) => ({ url: `/organisateurs/confidentialite/${params.eventId}/effacement/${await fresh.erasure()}/confirmer` })
  }
}

// ltijs' Express app under /lti answers every method; it never reads our session, so every
// caller gets the same answer. GET /lti/keys is the tool's public keyset.
const LTI_METHODS = ['GET', 'HEAD', 'TRACE', 'DELETE', 'OPTIONS', 'PATCH', 'PUT', 'POST', 'QUERY']
const ltiSample: Record<string, { url: string, status: number }> = {
  GET: { url: '/lti/keys', status: 200 },
  HEAD: { url: '/lti/keys', status: 200 },
  POST: { url: '/lti/launch', status: 401 }
}
// Anything else asks for ltijs' own launch token (401).
for (const method of LTI_METHODS) {
  rules[`${method} /lti`] = { expect: everyone(401), request: () => ({ url: '/lti' }) }
  const sample = ltiSample[method] ?? { url: '/lti/inconnu', status: 401 }
  rules[`${method} /lti/*`] = { expect: everyone(sample.status), request: () => ({ url: sample.url }) }
}

// ---- the objects rows point at ---------------------------------------------------------------

/**
 * Makes the objects the rows read (once) and the makers of objects a request changes. Uses the
 * services the way the app does (requests, approvals, links), at the world's clock.
 */
export async function prepare (w: AccessWorld): Promise<{ params: Params, fresh: Fresh }> {
  const { people, attendance, attestations, attestationDecisions, files } = w.services
  const db = w.database.db
  const organizerId = w.identities.organizer.personId!
  const participantId = w.identities.participant.personId!
  const event = await w.services.program.getEvent(w.eventId)
  let n = 0
  const email = (): string => `matrice${++n}.${randomUUID().slice(0, 8)}@example.gouv.qc.ca`
  const participant = async (): Promise<string> =>
    (await people.participants.add(organizerId, w.eventId, { name: `Personne Matrice ${n}`, email: email() })).participant.personId
  const tokenOf = (url: string): string => url.split('/').pop() ?? ''
  const attestationRequest = async (personId?: string): Promise<string> => {
    const who = personId ?? await participant()
    await attestations.request(who, w.eventId, { name: 'Nom Imprimé', locale: 'fr', employer: null, hrEmail: null })
    return (await db.selectFrom('attestation_requests').select('id').where('person_id', '=', who).where('event_id', '=', w.eventId).executeTakeFirstOrThrow()).id
  }
  const attestation = async (personId?: string): Promise<{ id: string, code: string }> => {
    const issued = await attestationDecisions.approve(organizerId, await attestationRequest(personId), null)
    return { id: issued.id, code: issued.code }
  }

  const mine = await attestation(participantId)
  const future = await db.selectFrom('sessions as s').innerJoin('time_slots as t', 't.id', 's.slot_id').select('s.id').where('s.event_id', '=', w.eventId)
    .where('s.status', '=', 'scheduled').where('s.mode', '=', 'in_person').where('t.starts_at', '>', new Date(w.clock.now().getTime() + 24 * 3600_000))
    .orderBy('t.starts_at').executeTakeFirstOrThrow()
  const message = await db.selectFrom('outgoing_messages').select('id').where('event_id', '=', w.eventId)
    .where('attachment_file_id', 'is not', null).executeTakeFirstOrThrow()

  // A finished bulk generation, run by the jobs code itself.
  const { AttestationJobs } = await import('../../src/attestations/jobs.js')
  const { InProcessRenderer } = await import('../../src/attestations/renderer.js')
  const jobs = new AttestationJobs(db, w.clock, { attestations, program: w.services.program, files, access: w.app.access, renderer: new InProcessRenderer(w.config.attestationAssetsDir) })
  // Bulk generation opens once the last counted slot has ended.
  w.clock.set(AFTER_EVENT)
  const job = await jobs.start(organizerId, w.eventId)
  await jobs.runDue()
  await jobs.close()
  w.clock.set(MATRIX_NOW)

  // The instructor's pending deep-linking choice, as a deep-linking launch from platform A leaves it.
  const deepLink = await w.services.lti.startDeepLinking(w.identities.instructor.personId!, {
    iss: w.platform.issuer,
    clientId: w.platform.clientId,
    platformId: w.platform.issuer,
    deploymentId: '1',
    user: 'moodle-elise',
    userInfo: { name: 'Élise Enseignante' },
    platformContext: {
      contextId: 'ENP7009-A2025',
      user: 'moodle-elise',
      roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor'],
      path: '/lti/launch',
      targetLinkUri: `${w.base}/lti/launch`,
      context: { id: 'ENP7009-A2025', label: 'ENP7009', title: 'Mobilisation des acteurs locaux' },
      messageType: 'LtiDeepLinkingRequest',
      version: '1.3.0',
      deepLinkingSettings: { deep_link_return_url: w.platform.deepLinkReturnUrl, accept_types: ['ltiResourceLink'], accept_multiple: true, data: 'opaque-data' }
    }
  })

  // Privacy objects through the API, as an organizer makes them.
  const asOrganizer = async (method: 'POST', url: string, payload: Record<string, unknown>): Promise<{ id?: string, request?: { id?: string } }> => {
    const res = await w.app.inject({ method, url, headers: { authorization: w.identities.organizer.authorization! }, payload })
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`)
    return res.json()
  }
  const erasure = async (): Promise<string> => {
    const answer = await asOrganizer('POST', `/api/v1/events/${w.eventId}/privacy/erasures`, { personId: await participant(), requestedAt: w.clock.now().toISOString(), channel: 'email' })
    const id = answer.request?.id ?? answer.id
    if (id === undefined) throw new Error('erasure request: no id in the answer')
    return id
  }
  const incidentAnswer = await asOrganizer('POST', `/api/v1/events/${w.eventId}/privacy/incidents`, incident)

  const params: Params = {
    eventId: w.eventId,
    eventKey: event.key,
    sessionId: w.session.id,
    slotId: w.session.slotId,
    futureSessionId: future.id,
    contextId: w.courses.a,
    personId: w.identities.student.personId!,
    submissionId: w.submission.id,
    position: '0',
    signInToken: (await people.handoffLink(participantId, 'phone')).token,
    personalToken: tokenOf((await people.participants.issueLink(organizerId, w.eventId, await participant())).url),
    attestationId: mine.id,
    code: mine.code,
    requestId: await attestationRequest(),
    jobId: job.id,
    messageId: message.id,
    requestIdDeepLink: deepLink,
    passCode: (await attendance.pass(participantId)).code,
    incidentId: incidentAnswer.id ?? '',
    erasureId: await erasure()
  }
  params.token = params.signInToken

  const fresh: Fresh = {
    excuse: async () => {
      // A learner of course A (as roster sync records them): its instructor may decide, A2's may not.
      const who = await participant()
      await db.insertInto('lti_roster_members').values({ context_id: w.courses.a, user_sub: `matrice-${who}`, person_id: who, roles: JSON.stringify(['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner']), status: 'Active', synced_at: w.clock.now() }).execute()
      return (await w.services.book.submitExcuse(who, w.session.slotId, 'Rendez-vous médical')).id
    },
    attestationRequest: async () => await attestationRequest(),
    attestation: async () => (await attestation()).id,
    signInLink: async (personId) => (await people.handoffLink(personId, 'launch')).token,
    personalLink: async (personId) => tokenOf((await people.participants.issueLink(organizerId, w.eventId, personId ?? await participant())).url),
    participant,
    email,
    erasure
  }
  return { params, fresh }
}
