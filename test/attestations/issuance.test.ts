import t from 'tap'
import { extractText, getDocumentProxy } from 'unpdf'
import { attestationSetup, DURING_EVENT_MTL } from '../helpers/attestations.js'

const text = async (pdf: Buffer): Promise<string> => (await extractText(await getDocumentProxy(new Uint8Array(pdf)), { mergePages: true })).text

t.test('after the event, an eligible request is issued at once: frozen snapshot, stored PDF, messages queued', async t => {
  const ctx = await attestationSetup(t)
  const { attestations } = ctx.services
  const paule = await ctx.person('Paule Émond-Lévesque')
  const hours = await ctx.attendHours(paule.id, 17)
  const mine = await attestations.request(paule.id, ctx.eventId, { name: 'Paule Émond-Lévesque', locale: 'fr', employer: 'Ville de Montréal', hrEmail: 'rh@montreal.ca' })
  t.equal(mine.request?.status, 'issued')
  const a = mine.attestation!
  t.equal(a.status, 'valid')
  t.equal(a.hours, hours)
  t.equal(a.snapshot.name, 'Paule Émond-Lévesque')
  t.match(a.groupedCode, /^[0-9A-Z]{4}(-[0-9A-Z]{1,4}){5,6}$/)
  const pdf = await attestations.pdf(paule.id, a.id)
  t.equal(pdf.sha256, a.sha256)
  const words = await text(pdf.data)
  t.match(words, 'Paule Émond-Lévesque')
  t.match(words, 'coproduction')
  const again = await attestations.pdf(paule.id, a.id)
  t.same(again.data, pdf.data, 'downloading again returns the same bytes')
  const messages = await ctx.database.db.selectFrom('outgoing_messages').selectAll().orderBy('kind').execute()
  t.same(messages.map(m => [m.kind, m.to_address, m.status]), [['attestation_hr_copy', 'rh@montreal.ca', 'stored'], ['attestation_issued', paule.email, 'stored']])
})

t.test('before the end, requests wait; the decision job issues the eligible and queues the others', async t => {
  const ctx = await attestationSetup(t, DURING_EVENT_MTL)
  const { attestations, attestationDecisions } = ctx.services
  const yes = await ctx.person('Yves')
  const no = await ctx.person('Noémie')
  await ctx.attendHours(yes.id, 16)
  await ctx.attend(no.id, [0])
  for (const p of [yes, no]) t.equal((await attestations.request(p.id, ctx.eventId, { name: p.name, locale: 'en', employer: null, hrEmail: null })).request?.status, 'waiting')
  t.same(await attestationDecisions.decideWaiting(), { issued: 0, queued: 0 }, 'nothing decided while the event runs')
  ctx.clock.set(new Date('2025-10-23T16:16:00-04:00'))
  t.same(await attestationDecisions.decideWaiting(), { issued: 1, queued: 1 })
  t.equal((await attestations.mine(yes.id, ctx.eventId)).attestation?.status, 'valid')
  const queue = await attestationDecisions.queue(ctx.organizer.id, ctx.eventId)
  t.same(queue.map(q => [q.request.display_name, q.request.status, q.eligibility.eligible]), [['Noémie', 'review', false]])
  const refused = await attestationDecisions.refuse(ctx.organizer.id, queue[0]!.request.id, 'Moins de 75 % des heures')
  t.equal(refused.status, 'refused')
  const approved = await attestationDecisions.approve(ctx.organizer.id, queue[0]!.request.id, 'Absence pour raison de service')
  t.equal(approved.status, 'valid')
  t.equal(approved.hours, ctx.slots[0]!.hours)
})

t.test('re-issue supersedes, revocation is recorded; a name change never alters an issued attestation', async t => {
  const ctx = await attestationSetup(t)
  const { attestations, attestationDecisions, verification } = ctx.services
  const p = await ctx.person('Rémi Tremblay')
  await ctx.attendHours(p.id, 21)
  const first = (await attestations.request(p.id, ctx.eventId, { name: 'Rémi Tremblay', locale: 'fr', employer: null, hrEmail: null })).attestation!
  const before = await attestations.pdf(p.id, first.id)
  await ctx.database.db.updateTable('people').set({ display_name: 'Rémy T.' }).where('id', '=', p.id).execute()
  t.same((await attestations.pdf(p.id, first.id)).data, before.data)
  const second = await attestationDecisions.reissue(ctx.organizer.id, first.id, 'Correction du nom', { name: 'Rémi Tremblay-Roy' })
  t.not(second.code, first.code)
  const old = await verification.byCode(first.groupedCode.toLowerCase())
  t.equal(old?.status, 'superseded')
  t.equal(old?.supersededByCode, second.code)
  const revoked = await attestationDecisions.revoke(ctx.organizer.id, second.id, 'Délivrée par erreur')
  t.match(revoked, { status: 'revoked', revocationReason: 'Délivrée par erreur' })
  const audit = await attestationDecisions.audit(ctx.organizer.id, ctx.eventId)
  t.same(audit.map(a => a.action), ['requested', 'issued_automatically', 'reissued', 'revoked'])
  await t.rejects(attestationDecisions.revoke(p.id, first.id, 'x'), /organizers of this event only/)
})

t.test('after a revocation, asking again goes to the organizers instead of issuing by itself', async t => {
  const ctx = await attestationSetup(t)
  const { attestations, attestationDecisions } = ctx.services
  const p = await ctx.person('Victor')
  await ctx.attendHours(p.id, 21)
  const first = (await attestations.request(p.id, ctx.eventId, { name: 'Victor', locale: 'fr', employer: null, hrEmail: null })).attestation!
  await attestationDecisions.revoke(ctx.organizer.id, first.id, 'Présence contestée')
  const again = await attestations.request(p.id, ctx.eventId, { name: 'Victor H.', locale: 'fr', employer: null, hrEmail: null })
  t.equal(again.request?.status, 'review')
  t.equal(again.attestation, null)
  t.same(again.revoked, { revokedAt: ctx.clock.now(), reason: 'Présence contestée' }, 'the person sees why and when')
  t.same(await attestationDecisions.decideWaiting(), { issued: 0, queued: 0 })
  t.same((await attestations.candidates(ctx.organizer.id, ctx.eventId)).map(c => c.personId), [], 'bulk issue leaves them out too')
  const approved = await attestationDecisions.approve(ctx.organizer.id, again.request!.id, 'Vérifié')
  t.equal(approved.status, 'valid')
  t.equal(approved.name, 'Victor H.')
})
