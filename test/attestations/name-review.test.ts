import t from 'tap'
import { attestationSetup, DURING_EVENT_MTL, type AttestationCtx, type Someone } from '../helpers/attestations.js'

// Issue 15, finding 8: a participant could print any name on an automatically issued attestation.

const plain = (text: string): string => text.replace(/\u00a0/g, ' ').replace(/&#39;/g, "'").replace(/&quot;|&#34;/g, '"')
const page = async (ctx: AttestationCtx, url: string, who: Someone): Promise<string> => {
  const res = await ctx.app.inject({ url, headers: { authorization: who.bearer, accept: 'text/html' } })
  return plain(res.body)
}
const api = async (ctx: AttestationCtx, who: Someone, method: 'GET' | 'PUT' | 'POST', url: string, payload?: object): Promise<{ statusCode: number, json: () => any }> =>
  await ctx.app.inject({ method, url, headers: { authorization: who.bearer }, ...(payload !== undefined ? { payload } : {}) })
const rows = async (ctx: AttestationCtx, table: 'attestations' | 'outgoing_messages'): Promise<number> =>
  Number((await ctx.database.db.selectFrom(table).select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)

t.test('after the event, an eligible request printing another name than the record goes to the organizers\' queue, not to automatic issue', async t => {
  const ctx = await attestationSetup(t)
  const paule = await ctx.person('Paule Émond')
  await ctx.attendHours(paule.id, 17)
  const res = await api(ctx, paule, 'PUT', `/api/v1/events/${ctx.eventId}/attestation/request`, { name: 'Docteure Paule Émond, Ph. D.', locale: 'fr' })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { request: { status: 'review', name: 'Docteure Paule Émond, Ph. D.' }, attestation: null, nameOnRecord: 'Paule Émond' })
  t.equal(res.json().eligibility.eligible, true, 'eligible by the hours: the name alone holds it back')
  t.equal(await rows(ctx, 'attestations'), 0, 'nothing issued')
  t.equal(await rows(ctx, 'outgoing_messages'), 0, 'no message sent')
  const audit = await ctx.database.db.selectFrom('attestation_audit').select(['action', 'details']).execute()
  t.match(audit, [{ action: 'requested', details: { status: 'review', nameChanged: true } }])

  const mine = await page(ctx, '/attestation?lang=fr', paule)
  t.match(mine, 'le nom à imprimer (« Docteure Paule Émond, Ph. D. ») diffère du nom à votre dossier (« Paule Émond ») ; une personne de l’organisation le vérifiera avant de délivrer l’attestation.')
  t.match(await page(ctx, '/attestation?lang=en', paule), 'the name to print (“Docteure Paule Émond, Ph. D.”) differs from the name on your record (“Paule Émond”); an organizer will check it before issuing the attestation.')

  const queue = await api(ctx, ctx.organizer, 'GET', `/api/v1/events/${ctx.eventId}/attestation-requests`)
  t.match(queue.json(), [{ request: { name: 'Docteure Paule Émond, Ph. D.', personName: 'Paule Émond', nameChanged: true, status: 'review' } }])
  const organizerPage = await page(ctx, `/organisateurs/attestations/${ctx.eventId}?lang=fr`, ctx.organizer)
  t.match(organizerPage, /<th scope="row">Paule Émond<br><span class="name-change"><strong>Nom à imprimer, différent du dossier<\/strong> ?: Docteure Paule Émond, Ph\. D\.<br><span class="muted">Nom au dossier ?: Paule Émond<\/span><\/span><\/th>/)
  t.match(await page(ctx, `/organisateurs/attestations/${ctx.eventId}?lang=en`, ctx.organizer), /Name to print, not the one on record<\/strong>: Docteure Paule Émond, Ph\. D\.<br><span class="muted">Name on record: Paule Émond/)

  // The bulk job does not issue it either: it stays for a decision one request at a time.
  t.notOk((await ctx.services.attestations.candidates(ctx.organizer.id, ctx.eventId)).some(c => c.personId === paule.id))

  // An organizer who checked the name issues it as asked.
  const approved = await api(ctx, ctx.organizer, 'POST', `/api/v1/attestation-requests/${res.json().request.id as string}/approval`, { reason: 'Nom vérifié' })
  t.equal(approved.statusCode, 201)
  t.equal(approved.json().name, 'Docteure Paule Émond, Ph. D.')
})

t.test('the name on record, give or take spaces and Unicode composition, is still issued automatically', async t => {
  const ctx = await attestationSetup(t)
  const paule = await ctx.person('Paule Émond')
  await ctx.attendHours(paule.id, 17)
  // "É" typed as E + combining acute, with extra spaces.
  const res = await api(ctx, paule, 'PUT', `/api/v1/events/${ctx.eventId}/attestation/request`, { name: '  Paule   E\u0301mond ', locale: 'fr' })
  t.equal(res.statusCode, 200)
  t.equal(res.json().request.status, 'issued')
  t.equal(res.json().attestation.status, 'valid')
  t.match(await page(ctx, `/organisateurs/attestations/${ctx.eventId}?lang=fr`, ctx.organizer), 'Aucune demande en attente ni en examen.')
})

t.test('during the event: a request changed to another name waits in review, and the decision job never issues it', async t => {
  const ctx = await attestationSetup(t, DURING_EVENT_MTL)
  const yves = await ctx.person('Yves Côté')
  await ctx.attendHours(yves.id, 16)
  const first = await ctx.services.attestations.request(yves.id, ctx.eventId, { name: 'Yves Côté', locale: 'fr', employer: null, hrEmail: null })
  t.equal(first.request?.status, 'waiting', 'the name on record waits for the end as before')
  const changed = await ctx.services.attestations.request(yves.id, ctx.eventId, { name: 'Yves Côté-Tremblay', locale: 'fr', employer: null, hrEmail: null })
  t.equal(changed.request?.status, 'review', 'changed before issue: to the queue')
  ctx.clock.set(new Date('2025-10-23T16:16:00-04:00'))
  t.same(await ctx.services.attestationDecisions.decideWaiting(), { issued: 0, queued: 0 }, 'nothing waiting is left to issue')
  t.equal(await rows(ctx, 'attestations'), 0)
})

t.test('a waiting request whose name no longer matches the record when the event ends is queued, not issued', async t => {
  const ctx = await attestationSetup(t, DURING_EVENT_MTL)
  const ana = await ctx.person('Ana Roy')
  const ben = await ctx.person('Ben Roy')
  for (const p of [ana, ben]) {
    await ctx.attendHours(p.id, 16)
    t.equal((await ctx.services.attestations.request(p.id, ctx.eventId, { name: p.name, locale: 'fr', employer: null, hrEmail: null })).request?.status, 'waiting')
  }
  // The record changes after the request (e.g. corrected from the LMS): the printed name is no longer the person's.
  await ctx.database.db.updateTable('people').set({ display_name: 'Anabelle Roy' }).where('id', '=', ana.id).execute()
  ctx.clock.set(new Date('2025-10-23T16:16:00-04:00'))
  t.same(await ctx.services.attestationDecisions.decideWaiting(), { issued: 1, queued: 1 })
  const request = await ctx.database.db.selectFrom('attestation_requests').select(['person_id', 'status']).orderBy('person_id').execute()
  t.same(new Map(request.map(r => [r.person_id, r.status])), new Map([[ana.id, 'review'], [ben.id, 'issued']]))
  const audit = await ctx.database.db.selectFrom('attestation_audit').select(['action', 'details']).where('action', '=', 'queued_for_review').execute()
  t.match(audit, [{ details: { eligible: true, nameChanged: true } }])
})
