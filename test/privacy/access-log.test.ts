import t from 'tap'
import { attestationSetup } from '../helpers/attestations.js'
import { elementOf } from '../helpers/page-text.js'

t.test('staff reads of other people\'s data are logged (who, role, what, whom, route, request), own reads and refusals are not; organizers page through the log', async t => {
  const ctx = await attestationSetup(t)
  const db = ctx.database.db
  const paule = await ctx.person('Paule Émond')
  const door = await ctx.person('Denis Porte', 'door_staff')
  await ctx.attendHours(paule.id, 17)
  const attestation = (await ctx.services.attestations.request(paule.id, ctx.eventId, { name: 'Paule Émond', locale: 'fr', employer: null, hrEmail: null })).attestation!
  const get = async (url: string, who: { bearer: string }, accept = 'application/json'): Promise<{ statusCode: number, id: string }> => {
    const res = await ctx.app.inject({ url, headers: { authorization: who.bearer, accept } })
    return { statusCode: res.statusCode, id: String(res.headers['x-request-id'] ?? '') }
  }
  const logged = async (): Promise<Array<Record<string, unknown>>> => {
    await ctx.services.privacyAccessLog.settled()
    return await db.selectFrom('privacy_access_log').selectAll().orderBy('id').execute()
  }

  t.equal((await get(`/api/v1/events/${ctx.eventId}/participants`, ctx.organizer)).statusCode, 200)
  t.equal((await get(`/organisateurs/presences/${ctx.eventId}?qui=all&lang=en`, ctx.organizer, 'text/html')).statusCode, 200)
  t.equal((await get(`/api/v1/people/${paule.id}/attendance-history`, ctx.organizer)).statusCode, 200)
  t.equal((await get(`/api/v1/sessions/${ctx.slots[0]!.sessions[0]!}/attendance`, door)).statusCode, 200)
  t.equal((await get(`/api/v1/attestations/${attestation.id}/pdf`, ctx.organizer)).statusCode, 200)
  t.equal((await get('/organisateurs', ctx.organizer, 'text/html')).statusCode, 200)
  const rows = await logged()
  t.same(rows.map(r => [r.data_kind, r.actor_id, r.actor_role, r.subject_person_id, r.event_id, r.method, r.route, r.status_code]), [
    ['participants', ctx.organizer.id, 'organizer', null, ctx.eventId, 'GET', '/api/v1/events/:eventId/participants', 200],
    ['attendance', ctx.organizer.id, 'organizer', null, ctx.eventId, 'GET', '/organisateurs/presences/:eventId', 200],
    ['person_attendance', ctx.organizer.id, 'organizer', paule.id, ctx.eventId, 'GET', '/api/v1/people/:personId/attendance-history', 200],
    ['door_list', door.id, 'door_staff', null, ctx.eventId, 'GET', '/api/v1/sessions/:sessionId/attendance', 200],
    ['attestation_file', ctx.organizer.id, 'organizer', paule.id, ctx.eventId, 'GET', '/api/v1/attestations/:attestationId/pdf', 200],
    ['participants', ctx.organizer.id, 'organizer', null, ctx.eventId, 'GET', '/organisateurs', 200]
  ], 'route templates, never the query string; the page of every event is logged in the reader\'s event')
  t.ok(rows.every(r => typeof r.request_id === 'string' && (r.request_id as string).length > 0 && r.at instanceof Date))
  t.notOk(Object.keys(rows[0]!).some(k => /ip|address|agent/.test(k)), 'no IP address or user agent')

  // A person reading their own data, and refused reads, leave no trace.
  t.equal((await get(`/api/v1/people/${paule.id}/attendance-history`, paule)).statusCode, 200)
  t.equal((await get(`/api/v1/attestations/${attestation.id}/pdf`, paule)).statusCode, 200)
  t.equal((await get(`/api/v1/events/${ctx.eventId}/participants`, paule)).statusCode, 403)
  t.equal((await get(`/api/v1/events/${ctx.eventId}/participants`, { bearer: 'Bearer forged' })).statusCode, 401)
  t.equal((await logged()).length, 6)

  // The organizers' API: newest first, filter by person, keyset paging.
  const api = `/api/v1/events/${ctx.eventId}/privacy/access-log`
  const all = await ctx.app.inject({ url: api, headers: { authorization: ctx.organizer.bearer } })
  t.equal(all.statusCode, 200)
  t.equal(all.headers['cache-control'], 'no-store')
  const entries = all.json().entries as Array<{ id: number, dataKind: string, actorName: string, subjectName: string | null, actorRole: string }>
  t.same(entries.map(e => e.dataKind), ['participants', 'attestation_file', 'door_list', 'person_attendance', 'attendance', 'participants'])
  t.match(entries[1], { actorName: 'Odile Organisatrice', actorRole: 'organizer', subjectName: 'Paule Émond' })
  t.equal(all.json().next, null)
  const aboutPaule = await ctx.app.inject({ url: `${api}?personId=${paule.id}`, headers: { authorization: ctx.organizer.bearer } })
  t.same(aboutPaule.json().entries.map((e: { dataKind: string }) => e.dataKind), ['attestation_file', 'person_attendance'])
  // Reading the log is logged too, so pages are compared with the rows that existed then.
  const first = (await ctx.app.inject({ url: `${api}?limit=4`, headers: { authorization: ctx.organizer.bearer } })).json()
  t.equal(first.entries.length, 4)
  t.equal(first.next, first.entries[3].id)
  const second = (await ctx.app.inject({ url: `${api}?limit=100&before=${String(first.next)}`, headers: { authorization: ctx.organizer.bearer } })).json()
  t.equal(second.next, null)
  const paged = [...first.entries, ...second.entries].map((e: { id: number }) => e.id)
  t.same(paged, (await logged()).map(r => r.id as number).filter(id => id <= first.entries[0].id).reverse(), 'every row once, newest first')
  for (const [query, field] of [['limit=0', 'limit'], ['limit=x', 'limit'], ['personId=nope', 'personId'], ['before=-1', 'before']] as const) {
    const bad = await ctx.app.inject({ url: `${api}?${query}`, headers: { authorization: ctx.organizer.bearer } })
    t.equal(bad.statusCode, 400, query)
    t.equal(bad.json().details[0].field, `querystring.${field}`)
  }
  t.equal((await ctx.app.inject({ url: api, headers: { authorization: door.bearer } })).statusCode, 403, 'door staff do not read the log')
  t.equal((await ctx.app.inject({ url: api, headers: { authorization: paule.bearer } })).statusCode, 403)

  // The page twin, in French and English, filtered; reading the log is itself logged.
  const page = await ctx.app.inject({ url: `/organisateurs/confidentialite/${ctx.eventId}/acces?personne=${paule.id}`, headers: { authorization: ctx.organizer.bearer, accept: 'text/html' } })
  t.equal(page.statusCode, 200)
  t.match(page.body, 'Journal des accès aux renseignements personnels')
  t.match(page.body, 'A ouvert le PDF d’une attestation', 'what was done, in words')
  t.match(page.body, /Odile Organisatrice<br><span class="muted">Organisation<\/span>/, 'who, with their role')
  t.notMatch(elementOf(page.body, 'tbody').replace(/<details>[\s\S]*?<\/details>/g, ''), /\/api\/v1|:attestationId|[0-9a-f]{8}-[0-9a-f]{4}-/, 'routes and identifiers only in the folded technical detail')
  t.match(page.body, /<summary>Afficher<\/summary><p><code>GET \/api\/v1\/attestations\/:attestationId\/pdf<\/code>/)
  t.match(page.body, 'Paule Émond')
  t.notMatch(page.body, 'A consulté la liste des personnes inscrites', 'filtered on Paule')
  const english = await ctx.app.inject({ url: `/organisateurs/confidentialite/${ctx.eventId}/acces?lang=en`, headers: { authorization: ctx.organizer.bearer, accept: 'text/html' } })
  t.match(english.body, 'Viewed the list of registered people')
  t.match(english.body, 'Door staff')
  const last = (await logged()).slice(-3).map(r => r.data_kind)
  t.same(last, ['access_log', 'access_log', 'access_log'])
})
