import t from 'tap'
import { createHash } from 'node:crypto'
import { attestationSetup } from '../helpers/attestations.js'
import { given } from '../helpers/given.js'

const sha = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex')

t.test('a person downloads everything held about them; organizers export people of their event only, and each export is logged', async t => {
  const ctx = await attestationSetup(t)
  const db = ctx.database.db
  const paule = await ctx.person('Paule Émond')
  const other = await ctx.person('Olivier Autre')
  const door = await ctx.person('Denis Porte', 'door_staff')
  await ctx.attendHours(paule.id, 17)
  await ctx.services.attestations.request(paule.id, ctx.eventId, { name: 'Paule Émond', locale: 'fr', employer: 'Ville de Montréal', hrEmail: 'rh@montreal.ca' })
  const device = await ctx.services.people.openDeviceSession(paule.id, 'Firefox test')
  const pass = await ctx.services.attendance.pass(paule.id)
  const g = given(ctx)
  await g.lmsIdentity(paule.id, { issuer: 'https://lms.example', clientId: 'c1', subject: 'sub-paule' })
  const course = await g.course({ issuer: 'https://lms.example', clientId: 'c1', deploymentId: 'd1', contextId: 'ENP7009' })
  const assignment = await g.assignment(course, { opensAt: new Date('2025-10-24T13:00:00Z'), dueAt: new Date('2025-10-24T16:15:00Z') })
  const pdf = Buffer.alloc(1234, '%PDF-1.4 ')
  const { submission } = await g.handIn(assignment, paule.id, { text: 'Ma synthèse', textSha256: sha('Ma synthèse'), at: new Date('2025-10-24T14:00:00Z'), file: { name: 'synthese.pdf', bytes: pdf, position: 1 } })

  const mine = await ctx.app.inject({ url: '/api/v1/me/export', headers: { authorization: paule.bearer } })
  t.equal(mine.statusCode, 200)
  t.match(mine.headers['content-type'], 'application/json')
  t.equal(mine.headers['content-disposition'], `attachment; filename="compagnon-donnees-${paule.id}.json"`)
  t.equal(mine.headers['cache-control'], 'no-store')
  const data = mine.json()
  t.match(data, {
    format: 'compagnon-personal-data/1',
    person: { id: paule.id, display_name: 'Paule Émond', email: paule.email },
    registrations: [{ event_id: ctx.eventId, role: 'participant' }],
    lti: { identities: [{ subject: 'sub-paule' }] },
    attestations: { requests: [{ name_on_attestation: 'Paule Émond', employer: 'Ville de Montréal', hr_email: 'rh@montreal.ca', status: 'issued' }] },
    synthesis: { submissions: [{ id: submission, version: 1, text: 'Ma synthèse', files: [{ filename: 'synthese.pdf', media_type: 'application/pdf', size: 1234, sha256: sha(pdf) }] }] },
    attendance: { pass: [{ version: 1 }] }
  })
  // Her sessions: the one opened here, besides the one the test signs her requests with.
  t.match(data.deviceSessions.find((d: { id: string }) => d.id === device.deviceSessionId), { user_agent: 'Firefox test' })
  t.ok(data.attendance.records.length >= 5, 'attendance records')
  t.match(data.attestations.attestations[0], { status: 'valid', snapshot: { name: 'Paule Émond' } })
  t.ok(data.attestations.audit.length > 0, 'the attestation\'s audit')
  t.same(data.messages.map((m: { kind: string }) => m.kind).sort(), ['attestation_hr_copy', 'attestation_issued'], 'messages to her and about her (the copy to HR)')
  t.notMatch(mine.body, /token_hash|launch_sealed/, 'no token hashes or sealed data')
  t.notMatch(mine.body, sha(device.deviceToken))
  t.notMatch(mine.body, pass.code, 'no pass code')
  t.notMatch(mine.body, other.email, 'nobody else')

  // The page twin (cookie session on /moi) and the section that links it.
  const page = await ctx.app.inject({ url: '/moi/donnees', headers: { authorization: paule.bearer, accept: 'text/html' } })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-disposition'], 'attachment')
  t.equal(page.json().person.id, paule.id)
  const moi = await ctx.app.inject({ url: '/moi', headers: { authorization: paule.bearer, accept: 'text/html' } })
  t.match(moi.body, 'href="/moi/donnees?lang=fr"')
  t.match(moi.body, 'Télécharger mes données (JSON)')
  t.equal((await ctx.app.inject({ url: '/api/v1/me/export' })).statusCode, 401)

  // Organizers: people of their event, logged.
  const api = (personId: string): string => `/api/v1/events/${ctx.eventId}/people/${personId}/export`
  const byOrganizer = await ctx.app.inject({ url: api(paule.id), headers: { authorization: ctx.organizer.bearer } })
  t.equal(byOrganizer.statusCode, 200)
  t.equal(byOrganizer.headers['cache-control'], 'no-store')
  t.equal(byOrganizer.json().person.id, paule.id)
  // She belongs to this event only: the whole export, but her hand-in's text only to its author and the course's instructors.
  t.match(byOrganizer.json(), {
    scope: { kind: 'organizer', eventIds: [ctx.eventId], account: true },
    lti: { identities: [{ subject: 'sub-paule' }] },
    synthesis: { submissions: [{ id: submission, text: null, text_withheld: true, files: [{ filename: 'synthese.pdf' }] }] }
  })
  t.notMatch(byOrganizer.body, 'Ma synthèse')
  t.match(data.scope, { kind: 'person', account: true })
  t.same(data.accountAudit, [], 'no way into her account was handed out outside the event')
  t.equal((await ctx.app.inject({ url: api(paule.id), headers: { authorization: door.bearer } })).statusCode, 403)
  t.equal((await ctx.app.inject({ url: api(other.id), headers: { authorization: paule.bearer } })).statusCode, 403)
  const stranger = await given(ctx).person({ name: 'Sans Inscription', email: 'x@example.org' })
  t.equal((await ctx.app.inject({ url: api(stranger.id), headers: { authorization: ctx.organizer.bearer } })).statusCode, 404, 'not registered in this event')
  t.equal((await ctx.app.inject({ url: api('nope'), headers: { authorization: ctx.organizer.bearer } })).statusCode, 400)

  const hub = await ctx.app.inject({ url: `/organisateurs/confidentialite/${ctx.eventId}`, headers: { authorization: ctx.organizer.bearer, accept: 'text/html' } })
  t.equal(hub.statusCode, 200)
  t.match(hub.body, `<option value="${paule.id}">Paule Émond (${paule.email})</option>`)
  t.match(hub.body, `href="/organisateurs/confidentialite/${ctx.eventId}/incidents?lang=fr"`)
  const fromPage = await ctx.app.inject({ url: `/organisateurs/confidentialite/${ctx.eventId}/exportation?personne=${other.id}`, headers: { authorization: ctx.organizer.bearer, accept: 'text/html' } })
  t.equal(fromPage.statusCode, 200)
  t.equal(fromPage.json().person.id, other.id)
  t.equal((await ctx.app.inject({ url: `/organisateurs/confidentialite/${ctx.eventId}/exportation?personne=x`, headers: { authorization: ctx.organizer.bearer, accept: 'text/html' } })).statusCode, 400)

  await ctx.services.privacyAccessLog.settled()
  const exports = await db.selectFrom('privacy_access_log').select(['data_kind', 'subject_person_id', 'route']).where('data_kind', '=', 'data_export').orderBy('id').execute()
  t.same(exports, [
    { data_kind: 'data_export', subject_person_id: paule.id, route: '/api/v1/events/:eventId/people/:personId/export' },
    { data_kind: 'data_export', subject_person_id: other.id, route: '/organisateurs/confidentialite/:eventId/exportation' }
  ], 'successful exports by organizers, not the person\'s own')
  const again = (await ctx.app.inject({ url: '/api/v1/me/export', headers: { authorization: paule.bearer } })).json()
  t.match(again.accessLog, [{ data_kind: 'data_export', actor_id: ctx.organizer.id, actor_role: 'organizer' }], 'she sees who exported her data')
})
