import t from 'tap'
import { parse } from 'csv-parse/sync'
import { extractText, getDocumentProxy } from 'unpdf'
import { given } from '../helpers/given.js'
import { attestationSetup, type AttestationCtx } from '../helpers/attestations.js'
import { sentToSignIn } from '../helpers/session.js'

const pdfText = async (pdf: Buffer): Promise<{ pages: number, text: string, perPage: string[] }> => {
  const doc = await getDocumentProxy(new Uint8Array(pdf))
  const { totalPages, text } = await extractText(doc, { mergePages: false })
  return { pages: totalPages, text: text.join('\n'), perPage: text }
}

const csvRows = (body: string): string[][] => {
  t.equal(body.charCodeAt(0), 0xfeff, 'UTF-8 with a BOM, for Excel')
  return parse(body.slice(1), { delimiter: ';', relax_column_count: false }) as string[][]
}

/**
 * Hand-made attendance, 16 counted slots (21 h; slots 6 and 15 have parallel sessions):
 * Émilie present everywhere but late in slot 6 (2nd session) and excused in slot 15;
 * Zoé (credited) present in slot 6 (1st session, in a room of 40) and slot 7 (3rd session);
 * Noël attended nothing and is excused in slot 15.
 */
async function handMade (t: Parameters<typeof attestationSetup>[0]): Promise<AttestationCtx & { emilie: Awaited<ReturnType<AttestationCtx['person']>>, zoe: Awaited<ReturnType<AttestationCtx['person']>>, noel: Awaited<ReturnType<AttestationCtx['person']>> }> {
  const ctx = await attestationSetup(t)
  const g = given(ctx)
  await g.room({ key: 'gerard-belanger', name: 'Salle Gérard-Bélanger', capacity: 40, sessions: [ctx.slots[6]!.sessions[0]!] })
  const emilie = await ctx.person('Émilie Gagnon')
  const zoe = await ctx.person('Zoé Lefèbvre', 'credited_student')
  const noel = await ctx.person('Noël Côté')
  await ctx.attend(emilie.id, ctx.slots.map((_, i) => i).filter(i => i !== 6 && i !== 15))
  await ctx.attend(emilie.id, [6], { status: 'late', session: s => s.sessions[1]! })
  await ctx.attend(zoe.id, [6])
  await ctx.attend(zoe.id, [7], { session: s => s.sessions[2]! })
  for (const p of [emilie, noel]) await g.excuse(p.id, ctx.slots[15]!.id, { reason: 'Rendez-vous médical', status: 'accepted', at: ctx.slots[15]!.startsAt })
  return { ...ctx, emilie, zoe, noel }
}

t.test('attendance per session: CSV rows match the hand-made attendance (parallel sessions, late, excused), PDF shows the same with totals', async t => {
  const ctx = await handMade(t)
  const auth = { authorization: ctx.organizer.bearer }
  const res = await ctx.app.inject({ url: `/organisateurs/rapports/${ctx.eventId}/presences-seances.csv`, headers: auth })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'text/csv; charset=utf-8')
  t.equal(res.headers['content-disposition'], 'attachment; filename="presences-seances-ecole-automne-coproduction-2025.csv"')
  const [header, ...rows] = csvRows(res.body)
  t.same(header, ['Séance', 'Début du créneau (America/Montreal)', 'Salle', 'Présent·e·s', 'En retard', 'Absences excusées (créneau)', 'Capacité'])
  const parallelCount = ctx.slots.reduce((n, s) => n + s.sessions.length, 0)
  t.equal(rows.length, parallelCount, 'one line per session')
  const slot6 = rows.filter(r => r[1] === '2025-10-21 13:30')
  t.equal(slot6.length, 3, 'three parallel sessions in slot 6, at 13:30 Montréal time')
  t.same(slot6.map(r => r.slice(2)), [
    ['Salle Gérard-Bélanger', '1', '0', '0', '40'],
    ['', '0', '1', '0', ''],
    ['', '0', '0', '0', '']
  ])
  const slot15 = rows.filter(r => r[1] === '2025-10-23 15:00')
  t.same(slot15.map(r => r.slice(3, 6)), slot15.map(() => ['0', '0', '2']), 'both excused absences on every parallel session of the slot')
  t.same(rows.find(r => r[1] === '2025-10-20 09:00')?.slice(3, 6), ['1', '0', '0'])
  t.same(rows.filter(r => r[1] === '2025-10-21 15:00').map(r => r.slice(3, 6)), [['1', '0', '0'], ['0', '0', '0'], ['1', '0', '0']], 'Émilie in the first session of slot 7, Zoé in the third')

  const english = await ctx.app.inject({ url: `/organisateurs/rapports/${ctx.eventId}/presences-seances.csv?lang=en`, headers: auth })
  t.equal(csvRows(english.body)[0]![0], 'Session')
  t.match(english.headers['content-disposition'], 'session-attendance-ecole-automne-coproduction-2025.csv')

  const pdf = await ctx.app.inject({ url: `/organisateurs/rapports/${ctx.eventId}/presences-seances.pdf`, headers: auth })
  t.equal(pdf.statusCode, 200)
  t.equal(pdf.headers['content-type'], 'application/pdf')
  const { text, perPage } = await pdfText(pdf.rawPayload)
  t.match(text, 'École d\'automne sur la coproduction des services publics')
  t.match(text, 'Présences par séance')
  t.match(text, 'Salle Gérard-Bélanger')
  t.match(text, /Généré le 24 oct\. 2025, 14 h 00 \(heure de l’Est\)/)
  // Émilie 14 present + Zoé 2 = 16 present; 1 late; 2 excused, counted once for slot 15.
  t.match(text, /Total\s+16\s+1\s+2/, 'the totals')
  perPage.forEach((page, i) => { t.match(page, `Page ${i + 1} de ${perPage.length}`) })
})

t.test('attendance per participant: hours, share, eligibility and each slot; PDF with accents, legend and totals', async t => {
  const ctx = await handMade(t)
  const auth = { authorization: ctx.organizer.bearer }
  const res = await ctx.app.inject({ url: `/organisateurs/rapports/${ctx.eventId}/presences-participants.csv`, headers: auth })
  t.equal(res.statusCode, 200)
  const [header, ...rows] = csvRows(res.body)
  t.same(header!.slice(0, 6), ['Nom', 'Courriel', 'Crédité·e', 'Heures de présence', 'Part du total', 'Admissible à l’attestation'])
  t.equal(header!.length, 6 + 16)
  t.equal(header![6], '2025-10-20 09:00')
  t.same(rows.map(r => r.slice(0, 6)), [
    ['Émilie Gagnon', ctx.emilie.email, 'non', '19,75', '94\u00a0%', 'oui'],
    ['Noël Côté', ctx.noel.email, 'non', '0', '0\u00a0%', 'non'],
    ['Zoé Lefèbvre', ctx.zoe.email, 'oui', '2,5', '11,9\u00a0%', 'non']
  ], 'sorted by name the French way; late counts as attended, excused adds nothing')
  const emilie = rows[0]!.slice(6)
  t.equal(emilie[6], 'en retard')
  t.equal(emilie[15], 'excusé·e')
  t.equal(emilie.filter(s => s === 'présent·e').length, 14)
  t.same(rows[1]!.slice(6).filter(s => s !== 'absent·e'), ['excusé·e'])

  const api = await ctx.app.inject({ url: `/api/v1/events/${ctx.eventId}/reports/participant-attendance?lang=en`, headers: auth })
  t.equal(api.statusCode, 200)
  const [apiHeader, ...apiRows] = csvRows(api.body)
  t.equal(apiHeader![0], 'Name')
  t.same(apiRows[0]!.slice(2, 6), ['no', '19.75', '94%', 'yes'])

  const pdf = await ctx.app.inject({ url: `/organisateurs/rapports/${ctx.eventId}/presences-participants.pdf`, headers: auth })
  t.equal(pdf.statusCode, 200)
  const { text } = await pdfText(pdf.rawPayload)
  for (const name of ['Émilie Gagnon', 'Noël Côté', 'Zoé Lefèbvre']) t.match(text, name, `${name} with its accents`)
  t.match(text, 'Présences par participant·e')
  t.match(text, /Total : 3\s+personnes/)
  t.match(text, /sur 21 h/)
  t.match(text, '1 admissible')
  t.match(text, 'Légende : P = présent·e, R = en retard, E = excusé·e, A = absent·e')
  t.match(text, /Admissible : au moins 75\s%\sdes 21 heures en présentiel\./)
})

t.test('a long report runs over several pages, each with its title, column headers and page number', async t => {
  const ctx = await attestationSetup(t)
  await given(ctx).many('participant', Array.from({ length: 90 }, (_, i) => ({ name: `Participante ${String(i).padStart(2, '0')} Bélanger`, email: `p${i}@example.gouv.qc.ca`, locale: 'fr' as const })))
  const pdf = await ctx.app.inject({ url: `/organisateurs/rapports/${ctx.eventId}/presences-participants.pdf?lang=en`, headers: { authorization: ctx.organizer.bearer } })
  const { pages, perPage, text } = await pdfText(pdf.rawPayload)
  t.ok(pages >= 2, `${pages} pages`)
  perPage.forEach((page, i) => {
    t.match(page, 'Fall School on the Co-production of Public Services')
    t.match(page, 'Attendance per participant')
    t.match(page, /Hours\s+attended/)
    t.match(page, `Page ${i + 1} of ${pages}`)
  })
  t.match(text, 'Participante 00 Bélanger')
  t.match(text, 'Participante 89 Bélanger')
  t.match(text, /Total: 90\s+people/)
})

t.test('attestations issued and revoked: code, who issued, revocation, supersession', async t => {
  const ctx = await handMade(t)
  const { attestations, attestationDecisions } = ctx.services
  const first = (await attestations.request(ctx.emilie.id, ctx.eventId, { name: 'Émilie Gagnon', locale: 'fr', employer: null, hrEmail: null })).attestation!
  ctx.clock.advance(3600_000)
  const second = await attestationDecisions.reissue(ctx.organizer.id, first.id, 'Correction du nom', { name: 'Émilie Gagnon-Roy', locale: 'en' })
  ctx.clock.advance(3600_000)
  await attestationDecisions.revoke(ctx.organizer.id, second.id, 'Délivrée par erreur; voir « dossier »')
  const auth = { authorization: ctx.organizer.bearer }

  const res = await ctx.app.inject({ url: `/organisateurs/rapports/${ctx.eventId}/attestations.csv`, headers: auth })
  t.equal(res.statusCode, 200)
  const [header, ...rows] = csvRows(res.body)
  t.same(header, ['Code', 'Nom', 'Langue', 'Heures', 'UEC', 'État', 'Délivrée le (America/Montreal)', 'Délivrée par', 'Révoquée le', 'Motif', 'Remplacée par'])
  t.same(rows, [
    [first.groupedCode, 'Émilie Gagnon', 'FR', '19,75', '1,98', 'remplacée', '2025-10-24 14:00', 'automatique', '', '', second.groupedCode],
    [second.groupedCode, 'Émilie Gagnon-Roy', 'EN', '19,75', '1,98', 'révoquée', '2025-10-24 15:00', 'Odile Organisatrice', '2025-10-24 16:00', 'Délivrée par erreur; voir « dossier »', '']
  ])
  const api = await ctx.app.inject({ url: `/api/v1/events/${ctx.eventId}/reports/attestations`, headers: auth })
  t.equal(api.statusCode, 200)
  t.same(csvRows(api.body).length, 3)

  const pdf = await ctx.app.inject({ url: `/organisateurs/rapports/${ctx.eventId}/attestations.pdf`, headers: auth })
  const { text } = await pdfText(pdf.rawPayload)
  t.match(text, 'Émilie Gagnon-Roy')
  t.match(text, 'Délivrée par erreur')
  t.match(text, 'automatique')
  t.match(text, /Total : 2/)
  t.match(text, 'Valides : 0 · révoquées : 1 · remplacées : 1')
})

t.test('the reports page links every report; only the event\'s organizers get reports (403), anonymous callers 401', async t => {
  const ctx = await handMade(t)
  const page = await ctx.app.inject({ url: `/organisateurs/rapports/${ctx.eventId}`, headers: { authorization: ctx.organizer.bearer, accept: 'text/html' } })
  t.equal(page.statusCode, 200)
  t.match(page.body, 'Rapports — École d&#39;automne')
  for (const file of ['presences-seances', 'presences-participants', 'attestations']) {
    for (const format of ['csv', 'pdf']) t.match(page.body, `href="/organisateurs/rapports/${ctx.eventId}/${file}.${format}?lang=fr"`)
  }
  const door = await ctx.person('Denis Porte', 'door_staff')
  const instructor = await ctx.person('Irène Enseignante', 'instructor')
  const urls = [
    `/organisateurs/rapports/${ctx.eventId}`,
    ...['presences-seances', 'presences-participants', 'attestations'].flatMap(f => [`/organisateurs/rapports/${ctx.eventId}/${f}.csv`, `/organisateurs/rapports/${ctx.eventId}/${f}.pdf`]),
    ...['session-attendance', 'participant-attendance', 'attestations'].map(r => `/api/v1/events/${ctx.eventId}/reports/${r}`)
  ]
  for (const who of [ctx.emilie, ctx.zoe, door, instructor]) {
    for (const url of urls) t.equal((await ctx.app.inject({ url, headers: { authorization: who.bearer, accept: 'text/html' } })).statusCode, 403, `${who.name}: ${url}`)
  }
  // Without a session, a browser is sent to the sign-in form (a script gets the 401).
  for (const url of urls) {
    const res = await ctx.app.inject({ url, headers: { accept: 'text/html' } })
    t.ok(url.startsWith('/api/') ? res.statusCode === 401 : sentToSignIn(res, url), `anonymous: ${url}`)
  }
  for (const url of urls) t.equal((await ctx.app.inject({ url, headers: { accept: 'application/json' } })).statusCode, 401, `anonymous script: ${url}`)
  t.equal((await ctx.app.inject({ url: '/organisateurs/rapports/pas-un-id/attestations.csv', headers: { authorization: ctx.organizer.bearer } })).statusCode, 400)
})
