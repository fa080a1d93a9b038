import t from 'tap'
import { sql } from 'kysely'
import type { LightMyRequestResponse } from 'fastify'
import { countRows, rowDeltas } from '../helpers/rows.js'
import { attestationSetup, type AttestationCtx, type Someone } from '../helpers/attestations.js'
import { given } from '../helpers/given.js'

const ORIGIN = 'http://localhost:80'

const TABLES = [
  'people', 'registrations', 'device_sessions', 'personal_links', 'lti_identities', 'attendance_records', 'attendance_passes',
  'attestation_requests', 'attestations', 'outgoing_messages', 'synthesis_submissions', 'synthesis_submission_files', 'files',
  'synthesis_grades', 'lti_grade_outbox', 'erasure_requests', 'erasure_audit'
] as const

const counts = async (ctx: AttestationCtx): Promise<Record<string, number>> => await countRows(ctx.database.db, TABLES)

/** Cookies a response set, merged into a Cookie header. */
function jar (cookie: string, res: LightMyRequestResponse): string {
  const all = new Map(cookie.split(/;\s*/).filter(Boolean).map(p => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]))
  for (const c of res.cookies) all.set(c.name, c.value)
  return [...all].map(([k, v]) => `${k}=${v}`).join('; ')
}

/** A person's data of every kind: hand-in with a file and a delivered grade, attestation and messages, sessions, LMS identity. */
async function fill (ctx: AttestationCtx, p: Someone, sub: string, course: { id: string, assignment: string }): Promise<void> {
  const g = given(ctx)
  await ctx.attendHours(p.id, 17)
  await ctx.services.attestations.request(p.id, ctx.eventId, { name: p.name, locale: 'fr', employer: 'Ville de Laval', hrEmail: 'rh@laval.example' })
  await g.deviceSession(p.id, { expiresAt: new Date('2026-06-01T00:00:00Z') })
  await g.personalLink(p.id, { issuedAt: new Date('2025-10-01T00:00:00Z'), expiresAt: new Date('2025-12-23T00:00:00Z') })
  await g.lmsIdentity(p.id, { issuer: 'https://lms.example', clientId: 'c1', subject: sub })
  const at = new Date('2025-10-24T13:00:00Z')
  await g.handIn(course.assignment, p.id, {
    text: 'Ma synthèse',
    at: new Date('2025-10-24T12:00:00Z'),
    file: { name: 'synthese.pdf', bytes: Buffer.from(`%PDF-1.4 synthèse de ${p.name}`) },
    grade: { score: 80, feedback: 'Bien', state: 'published', at }
  })
  await g.gradeInOutbox(course.id, { person: p.id, sub, score: { scoreGiven: 80 }, givenAt: at, status: 'delivered', deliveredAt: new Date('2025-10-24T13:01:00Z') })
}

t.test('erasure requests: find, preview, record, confirm once, refuse others and bad input', async t => {
  const ctx = await attestationSetup(t)
  const db = ctx.database.db
  const base = `/api/v1/events/${ctx.eventId}/privacy/erasures`
  const organizer = { authorization: ctx.organizer.bearer }
  const g = given(ctx)
  const course = await g.course({ issuer: 'https://lms.example', clientId: 'c1', deploymentId: 'd1', contextId: 'ENP7009', title: 'ENP7009' })
  const assignment = await g.assignment(course, { opensAt: new Date('2025-10-20T12:00:00Z'), dueAt: new Date('2025-10-25T03:59:00Z') })
  const ana = await ctx.person('Ana Archambault')
  const ben = await ctx.person('Ben Bélanger')
  await fill(ctx, ana, 'sub-ana', { id: course, assignment })
  await fill(ctx, ben, 'sub-ben', { id: course, assignment })
  // An organizer of another event only.
  const other = await g.newEvent({ key: 'autre', titleFr: 'Autre', titleEn: 'Other', startsOn: '2026-01-10', endsOn: '2026-01-11' })
  const elsewhere = await g.organizer({ name: 'Eli Ailleurs', email: 'eli@example.org', event: other }).withBearer()
  const elsewhereBearer = { authorization: elsewhere.bearer }
  const anaSnapshot = (await db.selectFrom('attestations').select(['code']).where('person_id', '=', ana.id).executeTakeFirstOrThrow())
  let requestId = ''

  await t.test('only organizers of the event: participants and other events\' organizers get 403, anonymous 401, nothing written', async t => {
    const before = await counts(ctx)
    const urls: Array<[string, string, object?]> = [
      ['GET', base], ['GET', `${base}/people?q=Ana`], ['GET', `${base}/preview?personId=${ana.id}`],
      ['POST', base, { personId: ana.id, requestedAt: '2025-10-24T12:00:00Z', channel: 'email' }],
      ['GET', `/organisateurs/confidentialite/${ctx.eventId}/effacement`]
    ]
    for (const [method, url, payload] of urls) {
      for (const headers of [{ authorization: ben.bearer }, elsewhereBearer]) {
        const res = await ctx.app.inject({ method: method as 'GET', url, headers: { ...headers, accept: 'text/html' }, ...(payload === undefined ? {} : { payload }) })
        t.equal(res.statusCode, 403, `${method} ${url}`)
      }
      t.equal((await ctx.app.inject({ method: method as 'GET', url, ...(payload === undefined ? {} : { payload }) })).statusCode, 401)
    }
    t.same(rowDeltas(before, await counts(ctx)), {})
  })

  await t.test('find by name or email; too short a search is a 400', async t => {
    const found = await ctx.app.inject({ url: `${base}/people?q=archamb`, headers: organizer })
    t.equal(found.statusCode, 200)
    t.match(found.json(), { people: [{ id: ana.id, name: 'Ana Archambault', roles: ['participant'], anonymised: false }] })
    t.equal(found.json().people.length, 1)
    t.equal((await ctx.app.inject({ url: `${base}/people?q=${encodeURIComponent(ben.email)}`, headers: organizer })).json().people[0].id, ben.id)
    const short = await ctx.app.inject({ url: `${base}/people?q=a`, headers: organizer })
    t.equal(short.statusCode, 400)
    t.match(short.json(), { messageFr: /au moins 2 caractères/ })
  })

  await t.test('the preview says what goes and what stays, and writes nothing', async t => {
    const before = await counts(ctx)
    const res = await ctx.app.inject({ url: `${base}/preview?personId=${ana.id}`, headers: organizer })
    t.equal(res.statusCode, 200)
    t.match(res.json(), {
      person: { id: ana.id, anonymised: false },
      // Two device sessions: the one fill() stores and the one behind the person's bearer token.
      erase: { identity: 1, device_sessions: 2, personal_links: 1, lti_identities: 1, attestation_requests: 1, attestations_minimised: 1, outgoing_messages: 2, synthesis_submissions: 1, files: 1, synthesis_grades: 1, grade_deliveries: 1 },
      kept: { attestations: 1, deliveredGrades: 1, pendingGrades: 0, registrations: 1 },
      blocked: null
    })
    t.ok(res.json().erase.attendance_records > 0)
    t.same(rowDeltas(before, await counts(ctx)), {})
    t.equal((await ctx.app.inject({ url: `${base}/preview?personId=${elsewhere.id}`, headers: organizer })).statusCode, 404, 'not registered in this event')
  })

  await t.test('bad input is a 400 with a clear message, and nothing is written', async t => {
    const before = await counts(ctx)
    const bad: Array<[unknown, RegExp]> = [
      [{ personId: ana.id, requestedAt: '2025-10-24T12:00:00Z', channel: 'pigeon' }, /channel/],
      [{ personId: 'nope', requestedAt: '2025-10-24T12:00:00Z', channel: 'email' }, /personId must be a UUID/],
      [{ personId: ana.id, requestedAt: 'hier', channel: 'email' }, /requestedAt/],
      [{ personId: ana.id, requestedAt: '2025-10-24T12:00:00Z', channel: 'email', reason: 'x'.repeat(1001) }, /1000/],
      [{ personId: ana.id, requestedAt: '2025-10-24T12:00:00Z', channel: 'email', extra: 1 }, /./],
      [{ personId: ana.id, requestedAt: '2030-01-01T00:00:00Z', channel: 'email' }, /future/]
    ]
    for (const [payload, message] of bad) {
      const res = await ctx.app.inject({ method: 'POST', url: base, headers: organizer, payload: payload as object })
      t.equal(res.statusCode, 400, JSON.stringify(payload).slice(0, 80))
      t.match(JSON.stringify(res.json().details ?? res.json().message), message)
    }
    t.equal((await ctx.app.inject({ method: 'POST', url: base, headers: organizer, payload: { personId: elsewhere.id, requestedAt: '2025-10-24T12:00:00Z', channel: 'email' } })).statusCode, 404)
    t.equal((await ctx.app.inject({ method: 'POST', url: base, headers: organizer, payload: { personId: ctx.organizer.id, requestedAt: '2025-10-24T12:00:00Z', channel: 'email' } })).statusCode, 409, 'not one\'s own')
    t.equal((await ctx.app.inject({ method: 'POST', url: `${base}/00000000-0000-4000-8000-000000000000/confirm`, headers: organizer })).statusCode, 404)
    t.same(rowDeltas(before, await counts(ctx)), {})
  })

  await t.test('record, then confirm: the person is anonymised in one go, the other participant untouched', async t => {
    const recorded = await ctx.app.inject({ method: 'POST', url: base, headers: organizer, payload: { personId: ana.id, requestedAt: '2025-10-24T09:00:00-04:00', channel: 'email', reason: 'Demande reçue par courriel' } })
    t.equal(recorded.statusCode, 201)
    t.match(recorded.json(), { status: 'recorded', channel: 'email', counts: null, preview: { erase: { identity: 1 } }, audit: [{ action: 'recorded', actorName: 'Odile Organisatrice' }] })
    requestId = recorded.json().id
    t.equal((await db.selectFrom('people').select('display_name').where('id', '=', ana.id).executeTakeFirstOrThrow()).display_name, 'Ana Archambault', 'recording erases nothing')

    const benBefore = await personRows(ctx, ben.id)
    const confirmed = await ctx.app.inject({ method: 'POST', url: `${base}/${requestId}/confirm`, headers: organizer })
    t.equal(confirmed.statusCode, 200)
    t.match(confirmed.json(), { status: 'done', repeated: false, preview: null, counts: { identity: 1, device_sessions: 2, synthesis_submissions: 1, files: 1, outgoing_messages: 2 } })
    const person = await db.selectFrom('people').selectAll().where('id', '=', ana.id).executeTakeFirstOrThrow()
    t.match(person, { email: null, given_name: null, family_name: null, employer: null, display_name: /^Personne effacée \/ Erased person [0-9A-F]{6}$/ })
    t.ok(person.anonymised_at)
    t.same(await personRows(ctx, ana.id), { device_sessions: 0, personal_links: 0, lti_identities: 0, attestation_requests: 0, outgoing_messages: 0, synthesis_submissions: 0, synthesis_grades: 0, lti_grade_outbox: 0, attendance_records: benBefore.attendance_records, attestations: 1 })
    t.same(await personRows(ctx, ben.id), benBefore, 'Ben keeps everything')
    const verify = await ctx.app.inject({ url: `/api/v1/verify/${anaSnapshot.code}` })
    t.match(verify.json(), { status: 'valid', name: 'Ana Archambault', minimised: true, details: null }, 'the attestation still verifies')
  })

  await t.test('confirming again changes nothing but the log; a new request for her is refused', async t => {
    const before = await counts(ctx)
    const again = await ctx.app.inject({ method: 'POST', url: `${base}/${requestId}/confirm`, headers: organizer })
    t.equal(again.statusCode, 200)
    t.match(again.json(), { status: 'done', repeated: true, counts: { identity: 1 } })
    t.same(rowDeltas(before, await counts(ctx)), { erasure_audit: 1 })
    t.same(again.json().audit.map((a: { action: string }) => a.action), ['recorded', 'confirmed', 'confirmed_again'])
    const anew = await ctx.app.inject({ method: 'POST', url: base, headers: organizer, payload: { personId: ana.id, requestedAt: '2025-10-24T12:00:00Z', channel: 'phone' } })
    t.equal(anew.statusCode, 409)
    const list = await ctx.app.inject({ url: base, headers: organizer })
    t.match(list.json(), { requests: [{ id: requestId, status: 'done', personName: /^Personne effacée/ }] })
  })

  await t.test('the pages: search, preview, record and confirm by forms, French and English', async t => {
    const session = await ctx.services.people.openDeviceSession(ctx.organizer.id, 'test')
    let cookie = ctx.app.deviceSessionCookies(session).map(c => c.split(';')[0]).join('; ')
    const page = `/organisateurs/confidentialite/${ctx.eventId}/effacement`
    const search = await ctx.app.inject({ url: `${page}?q=B%C3%A9langer`, headers: { cookie, accept: 'text/html' } })
    t.equal(search.statusCode, 200)
    t.match(search.body, 'Ben Bélanger')
    t.match(search.body, 'Demandes reçues')
    const preview = await ctx.app.inject({ url: `${page}?personne=${ben.id}&lang=en`, headers: { cookie, accept: 'text/html' } })
    t.equal(preview.statusCode, 200)
    t.match(preview.body, 'What must be kept, and why')
    t.match(preview.body, 'Issued attestations (1)')
    cookie = jar(cookie, preview)
    const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(preview.body)?.[1]
    const form = (fields: Record<string, string>): Record<string, string> => ({ ...fields, ...(csrf === undefined ? {} : { _csrf: csrf }) })
    const headers = { cookie, origin: ORIGIN, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }

    const before = await counts(ctx)
    const badDate = await ctx.app.inject({ method: 'POST', url: page, headers, payload: new URLSearchParams(form({ personId: ben.id, requestedOn: '24/10/2025', channel: 'email', reason: '' })).toString() })
    t.equal(badDate.statusCode, 400)
    t.match(badDate.body, 'Date de la demande invalide')
    t.same(rowDeltas(before, await counts(ctx)), {})

    const recorded = await ctx.app.inject({ method: 'POST', url: page, headers, payload: new URLSearchParams(form({ personId: ben.id, requestedOn: '2025-10-24', channel: 'in_person', reason: 'À l\'accueil' })).toString() })
    t.equal(recorded.statusCode, 303)
    const requestPage = String(recorded.headers.location)
    const shown = await ctx.app.inject({ url: requestPage, headers: { cookie, accept: 'text/html' } })
    t.match(shown.body, 'Confirmer l’effacement')
    t.match(shown.body, 'En personne')
    const path = requestPage.split('?')[0]!
    const confirmed = await ctx.app.inject({ method: 'POST', url: `${path}/confirmer`, headers, payload: new URLSearchParams(form({})).toString() })
    t.equal(confirmed.statusCode, 303)
    const done = await ctx.app.inject({ url: String(confirmed.headers.location), headers: { cookie, accept: 'text/html' } })
    t.match(done.body, 'Ce qui a été effacé ou anonymisé')
    t.match(done.body, 'Effacement confirmé et effectué')
    const again = await ctx.app.inject({ method: 'POST', url: `${path}/confirmer`, headers, payload: new URLSearchParams(form({})).toString() })
    t.match(String(again.headers.location), /deja=1/)
    t.ok((await db.selectFrom('people').select('anonymised_at').where('id', '=', ben.id).executeTakeFirstOrThrow()).anonymised_at)
  })
})

async function personRows (ctx: AttestationCtx, personId: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const table of ['device_sessions', 'personal_links', 'lti_identities', 'attestation_requests', 'outgoing_messages', 'synthesis_submissions', 'synthesis_grades', 'lti_grade_outbox', 'attendance_records', 'attestations'] as const) {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)} WHERE person_id = ${personId}`.execute(ctx.database.db)
    out[table] = rows[0]!.n
  }
  return out
}
