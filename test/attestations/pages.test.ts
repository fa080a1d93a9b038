import t from 'tap'
import { createHash } from 'node:crypto'
import { attestationSetup, DURING_EVENT_MTL, type AttestationCtx, type Someone } from '../helpers/attestations.js'
import { ORIGIN, sentToSignIn, signInWithLink } from '../helpers/session.js'

interface Ctx extends AttestationCtx { cookieOf: (who: Someone) => Promise<string>, csrfOf: (who: Someone) => Promise<string> }

const setup = async (tt: Parameters<typeof attestationSetup>[0], at?: Date): Promise<Ctx> => {
  const ctx = await attestationSetup(tt, at)
  const sessions = new Map<string, { cookie: string, csrf: string }>()
  const sessionOf = async (who: Someone): Promise<{ cookie: string, csrf: string }> => {
    if (!sessions.has(who.id)) sessions.set(who.id, await signInWithLink(ctx.app, (await ctx.services.people.handoffLink(who.id, 'phone')).url))
    return sessions.get(who.id)!
  }
  return { ...ctx, cookieOf: async who => (await sessionOf(who)).cookie, csrfOf: async who => (await sessionOf(who)).csrf }
}

/** Pages with plain spaces and apostrophes (French puts non-breaking spaces before colons and in times). */
const plain = (text: string): string => text.replace(/\u00a0/g, ' ').replace(/&#39;/g, "'").replace(/&quot;|&#34;/g, '"')
const get = async (ctx: Ctx, url: string, who: Someone) => {
  const res = await ctx.app.inject({ url, headers: { cookie: await ctx.cookieOf(who), accept: 'text/html' } })
  return { statusCode: res.statusCode, headers: res.headers, body: plain(res.body), rawPayload: res.rawPayload }
}
const post = async (ctx: Ctx, url: string, who: Someone, fields: Record<string, string>, headers: Record<string, string> = { origin: ORIGIN }) => {
  const res = await ctx.app.inject({ method: 'POST', url, headers: { cookie: await ctx.cookieOf(who), 'x-csrf-token': await ctx.csrfOf(who), accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', ...headers }, payload: new URLSearchParams(fields).toString() })
  return { statusCode: res.statusCode, headers: res.headers, body: plain(res.body) }
}
/** Rows of every table the attestation forms write to: "nothing written" means none changes. */
const counts = async (ctx: Ctx): Promise<number[]> => {
  const db = ctx.database.db
  const n = async (table: 'attestation_requests' | 'attestations' | 'attestation_audit' | 'attestation_policies' | 'outgoing_messages' | 'files') =>
    Number((await db.selectFrom(table).select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
  return [await n('attestation_requests'), await n('attestations'), await n('attestation_audit'), await n('attestation_policies'), await n('outgoing_messages'), await n('files')]
}
const requestForm = (over: Record<string, string> = {}): Record<string, string> => ({ name: 'Paule Émond', locale: 'fr', employer: '', hrEmail: '', ...over })

t.test('a participant finds the page from /moi, requests after the event and gets the attestation: code, hours, UEC, PDF (same bytes every time), verification link', async t => {
  const ctx = await setup(t)
  const paule = await ctx.person('Paule Émond', 'participant', 'en')
  await ctx.database.db.updateTable('people').set({ employer: 'Ville de Laval' }).where('id', '=', paule.id).execute()
  const hours = await ctx.attendHours(paule.id, 17)

  const moi = await get(ctx, '/moi?lang=fr', paule)
  t.match(moi.body, /<h2 id="my-attestation">Attestation de formation<\/h2>/)
  t.match(moi.body, 'href="/attestation?lang=fr"')
  const organizerMoi = await get(ctx, '/moi?lang=fr', ctx.organizer)
  t.notMatch(organizerMoi.body, 'my-attestation', 'no section for someone who is only an organizer')

  const before = await get(ctx, '/attestation?lang=fr', paule)
  t.equal(before.statusCode, 200)
  t.match(before.body, /<h1>Mon attestation de formation<\/h1>/)
  t.equal(hours, 17.25)
  t.match(before.body, /Heures de présence<\/dt><dd>17,25 h<\/dd>/)
  t.match(before.body, /Heures en présentiel prévues<\/dt><dd>21 h<\/dd>/)
  t.match(before.body, /Heures requises<\/dt><dd>15,75 h<\/dd>/)
  t.match(before.body, 'Admissible à l’attestation.', 'the rule\'s own sentence, in French')
  t.match(before.body, 'Aucune demande pour l’instant.')
  t.match(before.body, 'value="Paule Émond"', 'the name is prefilled with the display name')
  t.match(before.body, '<input type="radio" name="locale" value="en" checked>', 'the language is prefilled with the preferred one')
  t.match(before.body, 'value="Ville de Laval"', 'the employer known for the person')

  const sent = await post(ctx, `/attestation/${ctx.eventId}?lang=fr`, paule, requestForm({ name: 'Paule Émond', locale: 'fr', employer: 'Ville de Laval', hrEmail: 'rh@laval.ca' }))
  t.equal(sent.statusCode, 303)
  t.equal(sent.headers.location, `/attestation?fait=delivree&lang=fr#att-${ctx.eventId}`)

  const after = await get(ctx, '/attestation?fait=delivree&lang=fr', paule)
  t.match(after.body, '<div class="notice" role="status"><p>Votre attestation est délivrée.</p></div>')
  const mine = await ctx.services.attestations.mine(paule.id, ctx.eventId)
  const a = mine.attestation!
  t.match(after.body, `<code class="code" data-code="${a.code}">${a.groupedCode}</code>`)
  t.match(after.body, /Nom inscrit<\/dt><dd>Paule Émond<\/dd>/)
  t.match(after.body, `Heures de formation</dt><dd>${String(hours).replace('.', ',')} h</dd>`)
  t.match(after.body, /Unités d’éducation continue \(UEC\)<\/dt><dd>1,73<\/dd>/)
  t.match(after.body, /Date de délivrance<\/dt><dd><time datetime="[^"]+">24 octobre 2025<\/time>/)
  t.match(after.body, `href="/attestation/${a.id}/pdf?lang=fr" download>Télécharger le PDF</a>`)
  t.match(after.body, `href="/verify/${a.code}?lang=fr"`)
  t.match(after.body, `href="/attestations/${a.id}/credential.jwt" download>Open Badges 3.0 (VC-JWT)</a>`)
  t.notMatch(after.body, 'name="hrEmail"', 'no form once issued')

  const en = await get(ctx, '/attestation?lang=en', paule)
  t.match(en.body, 'Eligible for the attestation.')
  t.match(en.body, 'Download the PDF')

  const pdf = await get(ctx, `/attestation/${a.id}/pdf`, paule)
  t.equal(pdf.statusCode, 200)
  t.equal(pdf.headers['content-type'], 'application/pdf')
  t.match(pdf.headers['content-disposition'], /^attachment; filename="attestation-formation-[0-9A-Z]{8}\.pdf"$/)
  t.equal(pdf.rawPayload.subarray(0, 5).toString(), '%PDF-')
  t.equal(createHash('sha256').update(pdf.rawPayload).digest('hex'), a.sha256, 'the stored hash')
  t.same((await get(ctx, `/attestation/${a.id}/pdf`, paule)).rawPayload, pdf.rawPayload, 'the same bytes every time')
  t.equal((await get(ctx, `/attestation/${a.id}/pdf`, ctx.organizer)).statusCode, 200, 'the organizers may download it')
  const other = await ctx.person('Autre Personne')
  t.equal((await get(ctx, `/attestation/${a.id}/pdf`, other)).statusCode, 404, 'nobody else')
})

t.test('bad input comes back in the form with a 400 and the message next to the field; nothing is written', async t => {
  const ctx = await setup(t)
  const paule = await ctx.person('Paule Émond')
  await ctx.attendHours(paule.id, 17)
  const before = await counts(ctx)
  const cases: Array<[string, Record<string, string>, string, RegExp]> = [
    ['empty name', { name: '   ' }, 'name', /Inscrivez votre nom tel qu’il doit paraître sur l’attestation\./],
    ['name over 200 characters', { name: 'é'.repeat(201) }, 'name', /Le nom compte 201 caractères : 200 au plus\./],
    ['control character in the name', { name: 'Paule\u0007Émond' }, 'name', /Retirez les caractères de contrôle ou invisibles\./],
    ['right-to-left override in the name', { name: 'Paule \u202eÉmond' }, 'name', /Retirez les caractères de contrôle/],
    ['language other than fr/en', { locale: 'de' }, 'locale', /Choisissez le français ou l’anglais\./],
    ['no language', { locale: '' }, 'locale', /Choisissez le français ou l’anglais\./],
    ['HR email that is not one', { hrEmail: 'rh@' }, 'hrEmail', /« rh@ » n’est pas une adresse courriel/],
    ['employer over 200 characters', { employer: 'x'.repeat(300) }, 'employer', /L’employeur compte 300 caractères : 200 au plus\./]
  ]
  for (const [what, fields, field, message] of cases) {
    const res = await post(ctx, `/attestation/${ctx.eventId}?lang=fr`, paule, requestForm(fields))
    t.equal(res.statusCode, 400, what)
    t.match(res.headers['content-type'], /text\/html/)
    const id = `${field}-${ctx.eventId}`
    t.match(res.body, new RegExp(`<p id="${id}-error" class="field-error">${message.source}`), `${what}: the message is next to the field`)
    t.match(res.body, 'Votre demande n’a pas été envoyée', what)
  }
  const typed = await post(ctx, `/attestation/${ctx.eventId}?lang=en`, paule, requestForm({ name: 'Paule <Émond>', hrEmail: 'not-an-email', employer: 'MSSS' }))
  t.equal(typed.statusCode, 400)
  t.match(typed.body, 'value="Paule &#60;Émond&#62;"', 'what was typed is kept (escaped)')
  t.match(typed.body, 'value="MSSS"')
  t.match(typed.body, `aria-invalid="true" aria-describedby="hrEmail-help-${ctx.eventId} hrEmail-${ctx.eventId}-error"`, 'the field points at its message')
  t.match(typed.body, /“not-an-email” is not an email address/)
  t.match(typed.body, /href="\/attestation\?lang(=|&#61;)fr" lang="fr"/, 'the language link leads back to the page, not to the form\'s address')
  const repeated = await ctx.app.inject({ method: 'POST', url: `/attestation/${ctx.eventId}`, headers: { cookie: await ctx.cookieOf(paule), 'x-csrf-token': await ctx.csrfOf(paule), origin: ORIGIN, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, payload: 'name=a&name=b&locale=fr' })
  t.equal(repeated.statusCode, 400, 'a repeated field is refused')
  t.same(await counts(ctx), before, 'nothing written')
})

t.test('someone not registered as participant or credited student gets a 403 page; a form posted from elsewhere is refused', async t => {
  const ctx = await setup(t)
  const instructor = await ctx.person('Ines Instructrice', 'instructor')
  const page = await get(ctx, '/attestation?lang=fr', instructor)
  t.equal(page.statusCode, 403)
  t.match(page.body, 'Les attestations de formation sont offertes aux personnes inscrites à l’événement.')
  t.equal((await post(ctx, `/attestation/${ctx.eventId}?lang=fr`, instructor, requestForm())).statusCode, 403)
  t.ok(sentToSignIn(await ctx.app.inject({ url: '/attestation', headers: { accept: 'text/html' } }), '/attestation'), 'signed out: on to the sign-in form')

  const paule = await ctx.person('Paule Émond')
  await ctx.attendHours(paule.id, 17)
  const before = await counts(ctx)
  const forged = await post(ctx, `/attestation/${ctx.eventId}`, paule, requestForm(), { origin: 'https://evil.example' })
  t.equal(forged.statusCode, 403)
  t.match(forged.body, 'n’a pas été envoyé depuis une page de Compagnon')
  t.equal((await post(ctx, `/attestation/${ctx.eventId}`, paule, requestForm(), { 'sec-fetch-site': 'cross-site' })).statusCode, 403)
  t.equal((await post(ctx, `/attestation/${ctx.eventId}`, paule, requestForm(), {})).statusCode, 403, 'no Origin nor Sec-Fetch-Site')
  t.equal((await post(ctx, `/organisateurs/attestations/${ctx.eventId}/politique`, ctx.organizer, { minPercent: '10', excusedCounts: 'yes', autoIssue: 'yes' }, { 'sec-fetch-site': 'cross-site' })).statusCode, 403, 'organizer forms too')
  t.same(await counts(ctx), before, 'nothing written')
})

t.test('during the event a request waits until the end of the last slot, shown in the event\'s time zone', async t => {
  const ctx = await setup(t, DURING_EVENT_MTL)
  const yves = await ctx.person('Yves Côté')
  await ctx.attend(yves.id, [0, 1])
  const res = await post(ctx, `/attestation/${ctx.eventId}?lang=fr`, yves, requestForm({ name: 'Yves Côté', locale: 'en' }))
  t.equal(res.headers.location, `/attestation?fait=attente&lang=fr#att-${ctx.eventId}`)
  const page = await get(ctx, '/attestation?fait=attente&lang=fr', yves)
  t.match(page.body, /En attente de la fin de l’événement<\/strong> : votre demande sera traitée après la fin du dernier créneau, le <time datetime="2025-10-23T20:15:00.000Z">jeudi 23 octobre 2025 à 16 h 15<\/time>\./)
  t.match(page.body, 'Provisoire jusqu’à la fin du dernier créneau.')
  t.match(page.body, 'value="Yves Côté"', 'the form shows the request as sent')
  t.match(page.body, 'Mettre à jour ma demande')
  const en = await get(ctx, '/attestation?lang=en', yves)
  t.match(en.body, /on <time datetime="2025-10-23T20:15:00.000Z">Thursday, October 23, 2025 at 4:15 p.m.<\/time>/)
})

t.test('organizers: rule, queue, approve and refuse, revoke and re-issue through the forms, with the log; the participant sees the outcome', async t => {
  const ctx = await setup(t)
  const noemie = await ctx.person('Noémie Roy')
  const remi = await ctx.person('Rémi Tremblay')
  await ctx.attend(noemie.id, [0, 1])
  await ctx.attendHours(remi.id, 21)
  const url = `/organisateurs/attestations/${ctx.eventId}`

  const empty = await get(ctx, `${url}?lang=fr`, ctx.organizer)
  t.equal(empty.statusCode, 200)
  t.match(empty.body, 'value="75"', 'the rule as a percentage')
  t.match(empty.body, 'Aucune demande en attente ni en examen.')
  t.match(empty.body, `<form method="post" action="/organisateurs/attestations/${ctx.eventId}/generation?lang=fr">`)
  t.match(empty.body, 'Générer toutes les attestations admissibles')
  t.match((await get(ctx, `${url}?lang=en`, ctx.organizer)).body, 'Generate all eligible training attestations')

  let before = await counts(ctx)
  for (const bad of ['150', 'soixante', '-5', '']) {
    const res = await post(ctx, `${url}/politique?lang=fr`, ctx.organizer, { minPercent: bad, excusedCounts: 'no', autoIssue: 'yes' })
    t.equal(res.statusCode, 400, `"${bad}" is refused`)
    t.match(res.body, /<p id="minPercent-error" class="field-error">« [^»]* » : inscrivez un pourcentage de 0 à 100 \(par exemple 75\)\.<\/p>/)
  }
  const badChoice = await post(ctx, `${url}/politique?lang=fr`, ctx.organizer, { minPercent: '80', excusedCounts: 'peut-être', autoIssue: 'yes' })
  t.equal(badChoice.statusCode, 400)
  t.match(badChoice.body, 'value="80"', 'what was typed stays')
  t.same(await counts(ctx), before, 'nothing written')
  const saved = await post(ctx, `${url}/politique?lang=fr`, ctx.organizer, { minPercent: '80,5 %', excusedCounts: 'yes', autoIssue: 'yes' })
  t.equal(saved.statusCode, 303)
  t.equal(saved.headers.location, `${url}?fait=politique&lang=fr`)
  t.same(await ctx.services.attestations.policy(ctx.eventId), { min_share: 0.805, excused_counts: true, auto_issue: true })
  const withRule = await get(ctx, `${url}?fait=politique&lang=fr`, ctx.organizer)
  t.match(withRule.body, 'Règle d’admissibilité enregistrée.')
  t.match(withRule.body, 'value="80.5"')
  await post(ctx, `${url}/politique`, ctx.organizer, { minPercent: '75', excusedCounts: 'no', autoIssue: 'yes' })

  // Noémie is under the rule: her request goes to the queue.
  t.equal((await post(ctx, `/attestation/${ctx.eventId}`, noemie, requestForm({ name: 'Noémie Roy' }))).headers.location, `/attestation?fait=examen&lang=fr#att-${ctx.eventId}`)
  t.match((await get(ctx, '/attestation?lang=fr', noemie)).body, 'En examen par l’équipe d’organisation')
  const request = (await ctx.services.attestationDecisions.queue(ctx.organizer.id, ctx.eventId))[0]!.request
  const queued = await get(ctx, `${url}?lang=fr`, ctx.organizer)
  t.match(queued.body, /<caption>Demandes à décider<\/caption>/)
  t.match(queued.body, /<th scope="row">Noémie Roy<\/th>\s*<td>2,75 h \/ 15,75 h \(13,1 %\)<\/td>/)
  t.match(queued.body, 'Non admissible : une personne de l’organisation peut examiner la demande.')
  t.match(queued.body, 'aria-label="Refuser — Noémie Roy"')

  before = await counts(ctx)
  const noReason = await post(ctx, `/organisateurs/attestations/demandes/${request.id}/refus?lang=fr`, ctx.organizer, { eventId: ctx.eventId, reason: ' ' })
  t.equal(noReason.statusCode, 400)
  t.match(noReason.body, `<p id="refuse-${request.id}-reason-error" class="field-error">Donnez un motif : il est conservé au journal.</p>`)
  t.same(await counts(ctx), before, 'nothing written')
  const refused = await post(ctx, `/organisateurs/attestations/demandes/${request.id}/refus?lang=fr`, ctx.organizer, { eventId: ctx.eventId, reason: 'Moins de 75 % des heures' })
  t.equal(refused.statusCode, 303)
  t.equal(refused.headers.location, `${url}?fait=refusee&lang=fr`)
  const refusedPage = await get(ctx, '/attestation?lang=fr', noemie)
  t.match(refusedPage.body, /<strong>Refusée<\/strong> \(<time datetime="[^"]+">24 octobre 2025<\/time>\) : Moins de 75 % des heures/)

  const approved = await post(ctx, `/organisateurs/attestations/demandes/${request.id}/approbation?lang=fr`, ctx.organizer, { eventId: ctx.eventId, note: 'Absence pour raison de service' })
  t.equal(approved.headers.location, `${url}?fait=delivree&lang=fr`)
  t.match((await get(ctx, '/attestation?lang=fr', noemie)).body, 'Attestation délivrée</strong> par l’équipe d’organisation.')
  const again = await post(ctx, `/organisateurs/attestations/demandes/${request.id}/approbation?lang=fr`, ctx.organizer, { eventId: ctx.eventId, note: '' })
  t.equal(again.statusCode, 409, 'approving twice answers a conflict, on the page')
  t.match(again.body, 'Une attestation valide existe déjà pour cette personne.')

  // Rémi is eligible: issued automatically.
  await post(ctx, `/attestation/${ctx.eventId}`, remi, requestForm({ name: 'Rémi Tremblay', locale: 'fr' }))
  const [first] = (await ctx.services.attestationDecisions.list(ctx.organizer.id, ctx.eventId)).filter(a => a.name === 'Rémi Tremblay')
  const listed = await get(ctx, `${url}?lang=fr`, ctx.organizer)
  t.match(listed.body, /<caption>Attestations délivrées<\/caption>/)
  t.match(listed.body, new RegExp(`<tr data-attestation="${first!.id}">\\s*<th scope="row">Rémi Tremblay<br><span class="muted">FR</span></th>\\s*<td><code>${first!.groupedCode}</code>`))
  t.match(listed.body, /automatiquement/)
  t.match(listed.body, /par Odile Organisatrice/, 'who issued Noémie\'s')

  before = await counts(ctx)
  const badReissue = await post(ctx, `/organisateurs/attestations/${first!.id}/reemission?lang=fr`, ctx.organizer, { eventId: ctx.eventId, reason: 'ok', name: 'x'.repeat(201), locale: 'de' })
  t.equal(badReissue.statusCode, 400)
  t.match(badReissue.body, `id="reissue-${first!.id}-reason-error" class="field-error">Le motif doit compter au moins 3 caractères.`)
  t.match(badReissue.body, `id="reissue-${first!.id}-name-error" class="field-error">Le nom compte 201 caractères : 200 au plus.`)
  t.match(badReissue.body, `id="reissue-${first!.id}-locale-error" class="field-error">Choisissez le français, l’anglais ou « inchangée ».`)
  t.same(await counts(ctx), before, 'nothing written')
  const reissued = await post(ctx, `/organisateurs/attestations/${first!.id}/reemission?lang=fr`, ctx.organizer, { eventId: ctx.eventId, reason: 'Correction du nom', name: 'Rémi Tremblay-Roy', locale: 'en' })
  t.equal(reissued.headers.location, `${url}?fait=reemise&lang=fr`)
  const second = (await ctx.services.attestations.mine(remi.id, ctx.eventId)).attestation!
  t.match(second, { name: 'Rémi Tremblay-Roy', locale: 'en', status: 'valid' })
  t.match((await get(ctx, `${url}?lang=fr`, ctx.organizer)).body, `Remplacée par <code>${second.code}</code>`)

  const noRevokeReason = await post(ctx, `/organisateurs/attestations/${second.id}/revocation?lang=fr`, ctx.organizer, { eventId: ctx.eventId, reason: '' })
  t.equal(noRevokeReason.statusCode, 400)
  const revoked = await post(ctx, `/organisateurs/attestations/${second.id}/revocation?lang=fr`, ctx.organizer, { eventId: ctx.eventId, reason: 'Délivrée par erreur' })
  t.equal(revoked.headers.location, `${url}?fait=revoquee&lang=fr`)
  const final = await get(ctx, `${url}?fait=revoquee&lang=fr`, ctx.organizer)
  t.match(final.body, /Révoquée \(<time datetime="[^"]+">24 oct\. 2025, 14\sh\s00<\/time>\) : Délivrée par erreur/)
  t.match(final.body, /<caption>Journal : qui a fait quoi<\/caption>/)
  const log = [...final.body.matchAll(/<tr><td><time datetime="[^"]+">[^<]+<\/time><\/td><td>([^<]+)<\/td><td>([^<]+)<\/td><td>([^<]+)<\/td><td>([^<]*)<\/td><\/tr>/g)].map(m => m.slice(1))
  t.same(log, [
    ['Règle d’admissibilité modifiée', '—', 'Odile Organisatrice', ''],
    ['Règle d’admissibilité modifiée', '—', 'Odile Organisatrice', ''],
    ['Demande envoyée', 'Noémie Roy', 'Noémie Roy', ''],
    ['Refusée', 'Noémie Roy', 'Odile Organisatrice', 'Moins de 75 % des heures'],
    ['Délivrée', 'Noémie Roy', 'Odile Organisatrice', 'Absence pour raison de service'],
    ['Demande envoyée', 'Rémi Tremblay', 'Rémi Tremblay', ''],
    ['Délivrée automatiquement', 'Rémi Tremblay', 'Compagnon', ''],
    ['Réémise', 'Rémi Tremblay-Roy', 'Odile Organisatrice', 'Correction du nom'],
    ['Révoquée', 'Rémi Tremblay-Roy', 'Odile Organisatrice', 'Délivrée par erreur']
  ])

  before = await counts(ctx)
  const twice = await post(ctx, `/organisateurs/attestations/${second.id}/revocation?lang=fr`, ctx.organizer, { eventId: ctx.eventId, reason: 'Encore' })
  t.equal(twice.statusCode, 409)
  t.match(twice.body, 'Rien n’a été enregistré : Seule une attestation valide peut être révoquée.')
  t.same(await counts(ctx), before, 'nothing written')

  // The participant is told; asking again goes to the organizers, never back to automatic issue.
  const remiPage = await get(ctx, '/attestation?lang=fr', remi)
  t.match(remiPage.body, /Votre attestation n’est plus valide \(elle a été révoquée le <time datetime="[^"]+">[^<]+<\/time>\) : Délivrée par erreur\./, 'with the date and the reason')
  const asked = await post(ctx, `/attestation/${ctx.eventId}`, remi, requestForm({ name: 'Rémi Tremblay' }))
  t.equal(asked.headers.location, `/attestation?fait=examen&lang=fr#att-${ctx.eventId}`)
  t.equal((await ctx.services.attestations.mine(remi.id, ctx.eventId)).attestation, null)
  t.match((await get(ctx, `${url}?lang=fr`, ctx.organizer)).body, 'aria-label="Délivrer — Rémi Tremblay"', 'in the queue')
})

t.test('someone who is not an organizer of the event gets a 403 page and changes nothing', async t => {
  const ctx = await setup(t)
  const paule = await ctx.person('Paule Émond')
  await ctx.attendHours(paule.id, 21)
  await post(ctx, `/attestation/${ctx.eventId}`, paule, requestForm())
  const a = (await ctx.services.attestations.mine(paule.id, ctx.eventId)).attestation!
  const doorman = await ctx.person('Dany Accueil', 'door_staff')
  const before = await counts(ctx)
  for (const who of [paule, doorman]) {
    const res = await get(ctx, `/organisateurs/attestations/${ctx.eventId}?lang=fr`, who)
    t.equal(res.statusCode, 403)
    t.match(res.headers['content-type'], /text\/html/)
    t.equal((await post(ctx, `/organisateurs/attestations/${ctx.eventId}/politique`, who, { minPercent: '0', excusedCounts: 'yes', autoIssue: 'yes' })).statusCode, 403)
    t.equal((await post(ctx, `/organisateurs/attestations/${a.id}/revocation`, who, { eventId: ctx.eventId, reason: 'Par malveillance' })).statusCode, 403)
    t.equal((await post(ctx, `/organisateurs/attestations/${a.id}/reemission`, who, { eventId: ctx.eventId, reason: 'Par malveillance', name: 'X' })).statusCode, 403)
  }
  t.equal((await get(ctx, '/organisateurs/attestations/00000000-0000-4000-8000-000000000000', ctx.organizer)).statusCode, 404, 'an unknown event: not found (as on the API), nothing shown')
  t.same(await counts(ctx), before, 'nothing written')
})
