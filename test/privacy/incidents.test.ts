import t from 'tap'
import { attestationSetup } from '../helpers/attestations.js'
import { ORIGIN } from '../helpers/session.js'

t.test('organizers keep the incident register: record, update, every change kept; bad input is a 400 naming the field and writes nothing', async t => {
  const ctx = await attestationSetup(t)
  const db = ctx.database.db
  const door = await ctx.person('Denis Porte', 'door_staff')
  const api = `/api/v1/events/${ctx.eventId}/privacy/incidents`
  const as = (who: { bearer: string }) => ({ authorization: who.bearer })
  const count = async (): Promise<number[]> => [
    Number((await db.selectFrom('privacy_incidents').select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
    Number((await db.selectFrom('privacy_incident_history').select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
  ]

  const created = await ctx.app.inject({
    method: 'POST',
    url: api,
    headers: as(ctx.organizer),
    payload: { detectedAt: '2025-10-23T09:15:00-04:00', description: 'Liste des présences envoyée par erreur à un mauvais destinataire.', categories: 'Noms, courriels, présences', peopleAffected: 42 }
  })
  t.equal(created.statusCode, 201)
  const incident = created.json()
  t.match(incident, { eventId: ctx.eventId, peopleAffected: 42, seriousInjuryRisk: 'to_assess', status: 'open', caiNotifiedAt: null, createdBy: ctx.organizer.id, history: [{ action: 'created', changedBy: ctx.organizer.id, changedByName: 'Odile Organisatrice' }] })
  t.equal(incident.detectedAt, '2025-10-23T13:15:00.000Z')

  const changed = await ctx.app.inject({
    method: 'PATCH',
    url: `${api}/${String(incident.id)}`,
    headers: as(ctx.organizer),
    payload: { seriousInjuryRisk: 'serious', caiNotifiedAt: '2025-10-23T15:00:00-04:00', measures: 'Destinataire joint ; courriel supprimé.', status: 'contained' }
  })
  t.equal(changed.statusCode, 200)
  t.match(changed.json(), { seriousInjuryRisk: 'serious', status: 'contained', peopleAffected: 42, description: incident.description, caiNotifiedAt: '2025-10-23T19:00:00.000Z' }, 'unsent fields unchanged')
  t.same(changed.json().history.map((h: { action: string, changed: string[] }) => [h.action, h.changed]), [
    ['created', ['detectedAt', 'description', 'categories', 'peopleAffected', 'seriousInjuryRisk', 'riskAssessment', 'measures', 'caiNotifiedAt', 'peopleNotifiedAt', 'status']],
    ['updated', ['seriousInjuryRisk', 'measures', 'caiNotifiedAt', 'status']]
  ])
  const same = await ctx.app.inject({ method: 'PATCH', url: `${api}/${String(incident.id)}`, headers: as(ctx.organizer), payload: { status: 'contained' } })
  t.equal(same.json().history.length, 2, 'a change that changes nothing is not a change')
  t.same(await count(), [1, 2])

  const bad: Array<[string, Record<string, unknown>, string]> = [
    ['POST', { detectedAt: '2025-10-23T09:15:00-04:00', description: 'x', categories: 'Noms' }, 'body.description'],
    ['POST', { detectedAt: '23 octobre', description: 'Un incident', categories: 'Noms' }, 'body.detectedAt'],
    ['POST', { detectedAt: '2025-10-23T09:15:00-04:00', description: 'Un incident', categories: 'Noms', peopleAffected: -1 }, 'body.peopleAffected'],
    ['POST', { detectedAt: '2025-10-23T09:15:00-04:00', description: 'Un incident', categories: 'Noms', status: 'solved' }, 'body.status'],
    ['POST', { detectedAt: '2025-10-23T09:15:00-04:00', description: 'Un\u200Bincident', categories: 'Noms' }, 'body.description'],
    ['POST', { detectedAt: '2025-10-23T09:15:00-04:00', description: 'Un incident', categories: 'Noms', extra: 1 }, 'body'],
    ['POST', { detectedAt: '2030-01-01T00:00:00Z', description: 'Un incident', categories: 'Noms' }, 'detectedAt'],
    ['POST', { detectedAt: '2025-10-23T09:15:00-04:00', description: 'Un incident', categories: 'Noms', peopleNotifiedAt: '2025-10-22T09:00:00-04:00' }, 'peopleNotifiedAt'],
    ['PATCH', { caiNotifiedAt: '2025-10-20T09:00:00-04:00' }, 'caiNotifiedAt'],
    ['PATCH', { riskAssessment: 5 }, 'body.riskAssessment']
  ]
  for (const [method, payload, field] of bad) {
    const res = await ctx.app.inject({ method: method as 'POST', url: method === 'POST' ? api : `${api}/${String(incident.id)}`, headers: as(ctx.organizer), payload })
    t.equal(res.statusCode, 400, JSON.stringify(payload))
    t.equal(res.json().details[0].field, field, field)
  }
  t.same(await count(), [1, 2], 'nothing written')

  t.equal((await ctx.app.inject({ url: api, headers: as(door) })).statusCode, 403)
  t.equal((await ctx.app.inject({ method: 'POST', url: api, headers: as(door), payload: { detectedAt: '2025-10-23T09:15:00-04:00', description: 'Un incident', categories: 'Noms' } })).statusCode, 403)
  t.equal((await ctx.app.inject({ method: 'PATCH', url: `${api}/${ctx.eventId}`, headers: as(ctx.organizer), payload: { status: 'closed' } })).statusCode, 404)
  const list = await ctx.app.inject({ url: api, headers: as(ctx.organizer) })
  t.equal(list.statusCode, 200)
  t.same(list.json().incidents.map((i: { id: string }) => i.id), [incident.id])

  // The page: forms typed in the event's time zone; a refused form comes back with the messages.
  const page = `/organisateurs/confidentialite/${ctx.eventId}/incidents`
  const form = { authorization: ctx.organizer.bearer, origin: ORIGIN, accept: 'text/html', 'sec-fetch-site': 'same-origin' }
  const view = await ctx.app.inject({ url: page, headers: { authorization: ctx.organizer.bearer, accept: 'text/html' } })
  t.equal(view.statusCode, 200)
  t.match(view.body, 'Registre des incidents de confidentialité')
  t.match(view.body, 'Préjudice sérieux\u00a0: la Commission et les personnes concernées doivent être avisées avec diligence.')
  t.match(view.body, 'value="2025-10-23T09:15"', 'the detection time in Montréal time')

  const refused = await ctx.app.inject({ method: 'POST', url: `${page}?lang=en`, headers: form, payload: { detectedAt: '2025-10-23T25:00', description: 'ok', categories: '', peopleAffected: 'beaucoup', seriousInjuryRisk: 'low', status: 'open' } })
  t.equal(refused.statusCode, 400)
  t.match(refused.body, 'Nothing was saved: correct the fields shown.')
  t.match(refused.body, '“2025-10-23T25:00” is not a date and time')
  t.match(refused.body, 'At least 3 characters.')
  t.match(refused.body, 'This field is required.')
  t.match(refused.body, '“beaucoup”: enter a whole number')
  t.match(refused.body, 'aria-invalid="true" aria-describedby="detectedAt-new-error"')
  t.match(refused.body, 'value="beaucoup"', 'what was typed comes back')
  const future = await ctx.app.inject({ method: 'POST', url: page, headers: form, payload: { detectedAt: '2025-10-30T10:00', description: 'Un incident futur', categories: 'Noms', seriousInjuryRisk: 'low', status: 'open' } })
  t.equal(future.statusCode, 400)
  t.match(future.body, 'La date de détection ne peut pas être dans le futur.')
  t.same(await count(), [1, 2], 'nothing written')

  const saved = await ctx.app.inject({ method: 'POST', url: page, headers: form, payload: { detectedAt: '2025-10-24T08:00', description: 'Ordinateur portable perdu.', categories: 'Aucun renseignement (disque chiffré)', peopleAffected: '0', seriousInjuryRisk: 'low', riskAssessment: 'Disque chiffré.\nAucun accès possible.', status: 'closed' } })
  t.equal(saved.statusCode, 303)
  t.equal(saved.headers.location, `${page}?fait=consigne&lang=fr`)
  const second = (await db.selectFrom('privacy_incidents').selectAll().where('id', '!=', incident.id).executeTakeFirstOrThrow())
  t.match(second, { people_affected: 0, serious_injury_risk: 'low', status: 'closed', risk_assessment: 'Disque chiffré.\nAucun accès possible.', created_by: ctx.organizer.id })
  t.equal(second.detected_at.toISOString(), '2025-10-24T12:00:00.000Z')

  const updated = await ctx.app.inject({ method: 'POST', url: `${page}/${second.id}`, headers: form, payload: { detectedAt: '2025-10-24T08:00', description: 'Ordinateur portable perdu puis retrouvé.', categories: 'Aucun renseignement (disque chiffré)', peopleAffected: '0', seriousInjuryRisk: 'low', status: 'closed' } })
  t.equal(updated.statusCode, 303)
  const after = await ctx.app.inject({ url: `${page}?fait=modifie`, headers: { authorization: ctx.organizer.bearer, accept: 'text/html' } })
  t.match(after.body, 'Incident mis à jour.')
  t.match(after.body, 'Odile Organisatrice — modifié\u00a0: Description et Évaluation du risque')
  t.same(await count(), [2, 4])
  t.equal((await ctx.app.inject({ method: 'POST', url: page, headers: { ...form, authorization: door.bearer }, payload: {} })).statusCode, 403)
  t.equal((await ctx.app.inject({ method: 'POST', url: page, headers: { ...form, 'sec-fetch-site': 'cross-site' }, payload: {} })).statusCode, 403, 'a form from elsewhere is refused')
})
