import { createHash } from 'node:crypto'
import t from 'tap'
import { extractText, getDocumentProxy } from 'unpdf'
import { attestationSetup, DURING_EVENT_MTL, type AttestationCtx, type Someone } from '../helpers/attestations.js'

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex')
const textOf = async (pdf: Buffer): Promise<string> => (await extractText(await getDocumentProxy(new Uint8Array(pdf)), { mergePages: true })).text

const call = async (ctx: AttestationCtx, who: Someone | null, method: 'GET' | 'PUT' | 'POST', url: string, payload?: unknown) =>
  await ctx.app.inject({ method, url, headers: who === null ? {} : { authorization: who.bearer }, ...(payload !== undefined ? { payload: payload as object } : {}) })

const counts = async (ctx: AttestationCtx): Promise<number[]> => await Promise.all(['attestation_requests', 'attestations', 'attestation_audit', 'outgoing_messages', 'files'].map(async table =>
  Number((await ctx.database.db.selectFrom(table as 'files').select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)))

t.test('a participant asks through the API after the event: issued at once, the PDF says who, how long, what', async t => {
  const ctx = await attestationSetup(t)
  const zoe = await ctx.person('Zoé Côté-Bérubé', 'participant', 'en')
  // Tuesday's two parallel case studies share a slot: attending one counts the slot once.
  const tuesday = ctx.slots.findIndex(s => s.sessions.length > 1)
  if (tuesday <= 0) throw new Error('the 2025 program has parallel sessions after the first slot')
  const indexes = ctx.slots.map((_, i) => i).filter(i => i !== 0)
  await ctx.attend(zoe.id, indexes, { session: slot => slot.sessions.at(-1)! })
  const expectedHours = indexes.reduce((sum, i) => sum + ctx.slots[i]!.hours, 0)

  const res = await call(ctx, zoe, 'PUT', `/api/v1/events/${ctx.eventId}/attestation/request`, { name: 'Zoé Côté-Bérubé', locale: 'en', employer: 'Ministère de la Santé', hrEmail: 'rh@msss.gouv.qc.ca' })
  t.equal(res.statusCode, 200, 'answered')
  const body = res.json()
  t.equal(body.request.status, 'issued')
  t.equal(body.attestation.hours, expectedHours)
  t.equal(body.attestation.uec, Math.round(expectedHours * 10) / 100)
  t.ok(body.eligibility.eligible)

  const pdf = await call(ctx, zoe, 'GET', body.attestation.pdfUrl)
  t.equal(pdf.statusCode, 200)
  t.equal(pdf.headers['content-type'], 'application/pdf')
  t.equal(sha256(pdf.rawPayload), body.attestation.sha256, 'the bytes stored at issue')
  const text = (await textOf(pdf.rawPayload)).replace(/\s+/g, ' ')
  t.match(text, 'Zoé Côté-Bérubé', 'accents render and read back')
  t.match(text, 'Training attestation')
  t.match(text, `Training hours attended: ${expectedHours} hours`)
  t.match(text, `${Math.round(expectedHours * 10) / 100} CEU`)
  t.match(text, groupVerificationCodeOf(body.attestation.code))
  const attendedTitle = (await ctx.database.db.selectFrom('sessions').select('title').where('id', '=', ctx.slots[tuesday]!.sessions.at(-1)!).executeTakeFirstOrThrow()).title
  t.match(text, attendedTitle.slice(0, 30).replace(/\s+/g, ' '), 'the parallel session attended is listed')
  const again = await call(ctx, zoe, 'GET', body.attestation.pdfUrl)
  t.same(again.rawPayload, pdf.rawPayload, 'downloading again gives the same bytes')

  const other = await ctx.person('Autre')
  t.equal((await call(ctx, other, 'GET', body.attestation.pdfUrl)).statusCode, 404, 'someone else\'s PDF is not found')
  t.equal((await call(ctx, ctx.organizer, 'GET', body.attestation.pdfUrl)).statusCode, 200, 'organizers may download it')
  t.equal((await call(ctx, null, 'GET', body.attestation.pdfUrl)).statusCode, 401)
  t.equal((await call(ctx, zoe, 'PUT', `/api/v1/events/${ctx.eventId}/attestation/request`, { name: 'Zoé', locale: 'fr' })).statusCode, 409, 'a second request after issue is refused')
})

function groupVerificationCodeOf (code: string): string { return (code.match(/.{1,4}/g) ?? []).join('-') }

t.test('bad requests get a clear 4xx and write nothing', async t => {
  const ctx = await attestationSetup(t)
  const p = await ctx.person('Paule')
  await ctx.attendHours(p.id, 21)
  const before = await counts(ctx)
  const url = `/api/v1/events/${ctx.eventId}/attestation/request`
  const cases: Array<[unknown, RegExp]> = [
    [{ locale: 'fr' }, /name is required/],
    [{ name: '   ', locale: 'fr' }, /name is required/],
    [{ name: 'x'.repeat(201), locale: 'fr' }, /at most 200/],
    [{ name: 'Paule\u0000', locale: 'fr' }, /control characters/],
    [{ name: 'Paule', locale: 'de' }, /locale must be "fr" or "en"/],
    [{ name: 'Paule', locale: 'fr', hrEmail: 'pas-un-courriel' }, /hrEmail must be an email/],
    [{ name: 'Paule', locale: 'fr', extra: 1 }, /extra/]
  ]
  for (const [payload, message] of cases) {
    const res = await call(ctx, p, 'PUT', url, payload)
    t.equal(res.statusCode, 400, JSON.stringify(payload))
    const answer = res.json() as { message: string, details?: Array<{ message: string }> }
    t.match([answer.message, ...(answer.details ?? []).map(d => d.message)].join(' '), message, 'the answer says what is wrong')
  }
  const malformed = await ctx.app.inject({ method: 'PUT', url, headers: { authorization: p.bearer, 'content-type': 'application/json' }, payload: '{"name": "Paule", ' })
  t.equal(malformed.statusCode, 400, 'malformed JSON')
  t.equal((await call(ctx, p, 'PUT', '/api/v1/events/00000000-0000-4000-8000-000000000000/attestation/request', { name: 'P', locale: 'fr' })).statusCode, 404, 'unknown event')
  t.equal((await call(ctx, p, 'PUT', '/api/v1/events/nope/attestation/request', { name: 'P', locale: 'fr' })).statusCode, 400, 'malformed event id')
  const prof = await ctx.person('Prof', 'instructor')
  const refused = await call(ctx, prof, 'PUT', url, { name: 'Prof', locale: 'fr' })
  t.equal(refused.statusCode, 403, 'only people registered to attend may ask')
  t.match(refused.json().messageFr, /inscrites/)
  t.same(await counts(ctx), before, 'nothing written')
})

t.test('organizers: policy, queue, refusal then approval, revocation and re-issue, audit — others are refused', async t => {
  const ctx = await attestationSetup(t, DURING_EVENT_MTL)
  const low = await ctx.person('Léa Basse')
  await ctx.attend(low.id, [0, 1])
  const mine = await call(ctx, low, 'PUT', `/api/v1/events/${ctx.eventId}/attestation/request`, { name: 'Léa Basse', locale: 'fr' })
  t.equal(mine.json().request.status, 'waiting', 'waits for the end of the event')
  t.equal(mine.json().eligibility.finalised, false)

  const policyUrl = `/api/v1/events/${ctx.eventId}/attestation-policy`
  t.same((await call(ctx, low, 'GET', policyUrl)).json(), { minShare: 0.75, excusedCounts: false, autoIssue: true })
  t.equal((await call(ctx, low, 'PUT', policyUrl, { minShare: 0.1, excusedCounts: false, autoIssue: true })).statusCode, 403)
  t.equal((await call(ctx, ctx.organizer, 'PUT', policyUrl, { minShare: 75, excusedCounts: false, autoIssue: true })).statusCode, 400, '75 is not a share')
  t.equal((await call(ctx, ctx.organizer, 'PUT', policyUrl, { minShare: 0.8, excusedCounts: true, autoIssue: false })).statusCode, 200)

  ctx.clock.set(new Date('2025-10-24T08:00:00-04:00'))
  await ctx.services.attestationDecisions.decideWaiting()
  const queue = await call(ctx, ctx.organizer, 'GET', `/api/v1/events/${ctx.eventId}/attestation-requests`)
  t.equal(queue.statusCode, 200)
  const item = queue.json()[0]
  t.match(item, { request: { personName: 'Léa Basse', status: 'review' }, eligibility: { eligible: false } })
  t.equal((await call(ctx, low, 'GET', `/api/v1/events/${ctx.eventId}/attestation-requests`)).statusCode, 403)

  t.equal((await call(ctx, ctx.organizer, 'POST', `/api/v1/attestation-requests/${item.request.id}/refusal`, { reason: '' })).statusCode, 400, 'a refusal needs a reason')
  const refused = await call(ctx, ctx.organizer, 'POST', `/api/v1/attestation-requests/${item.request.id}/refusal`, { reason: 'Présence insuffisante' })
  t.match(refused.json(), { status: 'refused', decisionReason: 'Présence insuffisante' })
  const approved = await call(ctx, ctx.organizer, 'POST', `/api/v1/attestation-requests/${item.request.id}/approval`, { reason: 'Absence pour raison de service' })
  t.equal(approved.statusCode, 201)
  const a = approved.json()
  t.equal(a.issuedAutomatically, false)
  t.equal((await call(ctx, ctx.organizer, 'POST', `/api/v1/attestation-requests/${item.request.id}/approval`, {})).statusCode, 409, 'approved once only')

  t.equal((await call(ctx, low, 'POST', `/api/v1/attestations/${a.id}/revocation`, { reason: 'Pour voir' })).statusCode, 403)
  const reissued = await call(ctx, ctx.organizer, 'POST', `/api/v1/attestations/${a.id}/reissue`, { reason: 'Nom corrigé', name: 'Léa Basse-Côte', locale: 'en' })
  t.equal(reissued.statusCode, 201)
  t.match(reissued.json(), { name: 'Léa Basse-Côte', locale: 'en', status: 'valid' })
  t.equal((await call(ctx, ctx.organizer, 'POST', `/api/v1/attestations/${a.id}/revocation`, { reason: 'Remplacée' })).statusCode, 409, 'a superseded attestation cannot be revoked')
  const revoked = await call(ctx, ctx.organizer, 'POST', `/api/v1/attestations/${reissued.json().id}/revocation`, { reason: 'Émise par erreur' })
  t.match(revoked.json(), { status: 'revoked', revocationReason: 'Émise par erreur' })

  const list = (await call(ctx, ctx.organizer, 'GET', `/api/v1/events/${ctx.eventId}/attestations`)).json()
  t.same(list.map((x: { status: string }) => x.status), ['superseded', 'revoked'])
  t.equal(list[0].supersededByCode, reissued.json().code)
  const audit = (await call(ctx, ctx.organizer, 'GET', `/api/v1/events/${ctx.eventId}/attestation-audit`)).json()
  t.same(audit.map((x: { action: string }) => x.action), ['requested', 'policy_changed', 'queued_for_review', 'refused', 'issued', 'reissued', 'revoked'])
  t.same(audit.map((x: { actorName: string | null }) => x.actorName), ['Léa Basse', 'Odile Organisatrice', null, 'Odile Organisatrice', 'Odile Organisatrice', 'Odile Organisatrice', 'Odile Organisatrice'])
})

t.test('excused absences may count toward eligibility, but never add to the hours printed', async t => {
  const ctx = await attestationSetup(t)
  const p = await ctx.person('Exc')
  const organizer = ctx.organizer
  const total = ctx.slots.reduce((s, x) => s + x.hours, 0)
  // Attends everything but the last three slots, which are excused.
  const last = ctx.slots.length - 3
  await ctx.attend(p.id, ctx.slots.map((_, i) => i).slice(0, last))
  for (const slot of ctx.slots.slice(last)) {
    const excuse = await ctx.services.book.submitExcuse(p.id, slot.id, 'Mission')
    await ctx.services.book.decideExcuse(organizer.id, excuse.id, true)
  }
  const attended = ctx.slots.slice(0, last).reduce((s, x) => s + x.hours, 0)
  const strict = (await call(ctx, p, 'GET', `/api/v1/events/${ctx.eventId}/attestation`)).json().eligibility
  t.equal(strict.hoursAttended, attended)
  t.equal(strict.eligible, attended >= total * 0.75)
  await call(ctx, organizer, 'PUT', `/api/v1/events/${ctx.eventId}/attestation-policy`, { minShare: 0.95, excusedCounts: true, autoIssue: true })
  const lenient = (await call(ctx, p, 'PUT', `/api/v1/events/${ctx.eventId}/attestation/request`, { name: 'Exc', locale: 'fr' })).json()
  t.equal(lenient.eligibility.eligible, true, 'excused slots count toward the 95 %')
  t.equal(lenient.attestation.hours, attended, 'but the hours printed are only those attended')
})
