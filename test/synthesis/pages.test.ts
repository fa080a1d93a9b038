import t from 'tap'
import { ORIGIN, sentToSignIn, signInWithLink } from '../helpers/session.js'
import { given } from '../helpers/given.js'
import { friday, pdfBytes, sha256, synthesisSetup, type Person, type SynthesisCtx, type Upload } from '../helpers/synthesis.js'
import { pageTextProblems } from '../helpers/page-text.js'

interface Ctx extends SynthesisCtx { cookies: Map<string, string>, csrf: Map<string, string> }

const setup = async (tt: Parameters<typeof synthesisSetup>[0]): Promise<Ctx> => {
  const ctx = await synthesisSetup(tt)
  const cookies = new Map<string, string>()
  const csrf = new Map<string, string>()
  for (const p of [ctx.prof, ctx.otherProf, ctx.ana, ctx.ben, ctx.participant]) {
    const session = await signInWithLink(ctx.app, (await ctx.services.people.handoffLink(p.id, 'phone')).url)
    cookies.set(p.id, session.cookie)
    csrf.set(p.id, session.csrf)
  }
  return { ...ctx, cookies, csrf }
}

/** Pages with plain spaces and apostrophes (French puts non-breaking spaces before colons and in times). */
const plain = (text: string): string => text.replace(/\u00a0/g, ' ').replace(/&#39;/g, "'")
const readable = (res: { statusCode: number, headers: Record<string, unknown>, body: string, rawPayload: Buffer }) =>
  ({ statusCode: res.statusCode, headers: res.headers as Record<string, string | undefined>, body: plain(res.body), rawPayload: res.rawPayload })
const page = async (ctx: Ctx, url: string, who: Person) =>
  readable(await ctx.app.inject({ url, headers: { cookie: ctx.cookies.get(who.id) ?? '', accept: 'text/html', 'accept-language': 'fr-CA' } }))
const form = async (ctx: Ctx, url: string, who: Person, payload: Record<string, string | string[]>) => {
  const body = new URLSearchParams()
  for (const [k, v] of Object.entries(payload)) for (const value of Array.isArray(v) ? v : [v]) body.append(k, value)
  return readable(await ctx.app.inject({ method: 'POST', url, headers: { cookie: ctx.cookies.get(who.id) ?? '', 'x-csrf-token': ctx.csrf.get(who.id) ?? '', origin: ORIGIN, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, payload: body.toString() }))
}
/** The page's multipart form as a browser posts it (real socket, same-origin). */
const handInForm = async (ctx: Ctx, who: Person, fields: { text?: string, keep?: number[], files?: Upload[] }, headers: Record<string, string> = {}) => {
  const data = new FormData()
  if (fields.text !== undefined) data.append('text', fields.text)
  for (const k of fields.keep ?? []) data.append('keep', String(k))
  for (const f of fields.files ?? []) data.append('files', new Blob([new Uint8Array(f.bytes)], { type: f.type ?? 'application/octet-stream' }), f.name)
  const res = await fetch(`${ctx.base}/cours/synthese/${ctx.contextId}/remise?lang=fr`, { method: 'POST', body: data, redirect: 'manual', headers: { cookie: ctx.cookies.get(who.id) ?? '', 'x-csrf-token': ctx.csrf.get(who.id) ?? '', 'sec-fetch-site': 'same-origin', accept: 'text/html', ...headers } })
  return { status: res.status, location: res.headers.get('location'), body: plain(await res.text()), type: res.headers.get('content-type') }
}
const count = async (ctx: Ctx, table: 'synthesis_submissions' | 'synthesis_grades' | 'files' | 'synthesis_extensions') =>
  Number((await ctx.database.db.selectFrom(table).select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
const S = (ctx: Ctx): string => `/cours/synthese/${ctx.contextId}`

t.test('the student page: instructions, window in the event\'s time zone, the hand-in form with its limits; instructors go to the list; others are told who hands in', async t => {
  const ctx = await setup(t)
  const res = await page(ctx, S(ctx), ctx.ana)
  t.equal(res.statusCode, 200)
  t.match(res.headers['cache-control'], /no-store/)
  t.match(res.body, /<h1>[^<]*<\/h1>/)
  t.match(res.body, /Ouverture : vendredi 24 octobre 2025 à 9 h 00/)
  t.match(res.body, /Échéance : <strong>vendredi 24 octobre 2025 à 12 h 15<\/strong>/)
  t.match(res.body, /Les remises en retard ne sont pas acceptées/)
  t.match(res.body, /<form class="stack wide" method="post" action="\/cours\/synthese\/[0-9a-f-]{36}\/remise\?lang=fr&amp;_csrf=[\w-]+" enctype="multipart\/form-data">/)
  t.match(res.body, /<input id="files" type="file" name="files" multiple accept="\.pdf,\.docx,\.odt"/)
  t.match(res.body, /PDF, DOCX, ODT ; 20 Mo au plus par fichier ; 5 fichiers au plus par remise/)
  t.match(res.body, /<script src="\/assets\/synthesis.js"><\/script>/)
  t.match(res.body, /Aucune remise pour l’instant/)
  const en = await page(ctx, `${S(ctx)}?lang=en`, ctx.ana)
  t.match(en.body, /Due: <strong>Friday, October 24, 2025 at 12:15/)
  t.match(en.body, /Late work is not accepted/)
  const script = await ctx.app.inject({ url: '/assets/synthesis.js' })
  t.equal(script.statusCode, 200)
  t.match(script.headers['content-type'], /text\/javascript/)

  const prof = await page(ctx, `${S(ctx)}?lang=en`, ctx.prof)
  t.equal(prof.statusCode, 303, 'instructors are sent to the list')
  t.equal(prof.headers.location, `${S(ctx)}/remises?lang=en`)
  const participant = await page(ctx, S(ctx), ctx.participant)
  t.equal(participant.statusCode, 403)
  t.match(participant.headers['content-type'], /text\/html/)
  t.match(participant.body, /La synthèse est remise par les personnes étudiantes inscrites au cours ENP7009/)
  t.equal((await page(ctx, S(ctx), ctx.otherProf)).statusCode, 403, 'an instructor of another course')
  t.ok(sentToSignIn(await ctx.app.inject({ url: S(ctx), headers: { accept: 'text/html' } }), S(ctx)), 'signed out: on to the sign-in form')

  const cours = await page(ctx, '/cours', ctx.ana)
  t.match(cours.body, new RegExp(`<a href="${S(ctx)}\\?lang=fr">Ma synthèse</a> — Mobilisation des acteurs locaux`))
  const coursProf = await page(ctx, '/cours', ctx.prof)
  t.match(coursProf.body, new RegExp(`<a href="${S(ctx)}/remises\\?lang=fr">Synthèse : remises et notes</a>`))
  t.notMatch(coursProf.body, /Ma synthèse/)
})

t.test('autosave from the page: same-origin only, credited students only; the page comes back with the draft', async t => {
  const ctx = await setup(t)
  const put = async (who: Person, headers: Record<string, string>, payload: unknown = { text: 'Premier jet' }) =>
    await ctx.app.inject({ method: 'PUT', url: `${S(ctx)}/brouillon`, headers: { cookie: ctx.cookies.get(who.id) ?? '', 'x-csrf-token': ctx.csrf.get(who.id) ?? '', 'content-type': 'application/json', ...headers }, payload: payload as object })
  const saved = await put(ctx.ana, { 'sec-fetch-site': 'same-origin' })
  t.equal(saved.statusCode, 200)
  t.same(saved.json(), { savedAt: '2025-10-24T14:00:00.000Z' })
  t.equal((await put(ctx.ana, { 'sec-fetch-site': 'cross-site' }, { text: 'forgé' })).statusCode, 403, 'a cross-site request is refused')
  t.equal((await put(ctx.participant, { 'sec-fetch-site': 'same-origin' })).statusCode, 403)
  t.equal((await put(ctx.ana, { 'sec-fetch-site': 'same-origin' }, { text: 42 })).statusCode, 400)
  const res = await page(ctx, S(ctx), ctx.ana)
  t.match(res.body, /data-saved-at="2025-10-24T14:00:00.000Z"[^>]*>Premier jet<\/textarea>/)
  t.match(res.body, /role="status" aria-live="polite" data-autosave-status>Brouillon enregistré à 10:00</)
})

t.test('handing in from the page: 303 to the receipt, hashes shown and in the downloadable receipt; refusals are readable pages and store nothing', async t => {
  const ctx = await setup(t)
  const pdf = pdfBytes('Synthèse Anaïs')
  const text = 'Ma synthèse : les acteurs locaux.'
  const done = await handInForm(ctx, ctx.ana, { text, files: [{ name: 'synthèse.pdf', bytes: pdf, type: 'application/pdf' }] })
  t.equal(done.status, 303, done.body)
  const id = /\?recu=([0-9a-f-]{36})&lang=fr$/.exec(done.location ?? '')?.[1] ?? ''
  t.ok(id, 'redirected to the page with the receipt')
  const res = await page(ctx, `${S(ctx)}?recu=${id}&lang=fr`, ctx.ana)
  t.match(res.body, /<div class="notice" role="status"[^>]*>\s*<p><strong>Remise reçue<\/strong> — version 1, vendredi 24 octobre 2025 à 10 h 00\.<\/p>/)
  t.match(res.body, `<code data-sha256="text">${sha256(text)}</code>`)
  t.match(res.body, `<code data-sha256="file-0">${sha256(pdf)}</code>`)
  t.match(res.body, `href="/api/v1/courses/${ctx.contextId}/synthesis/submissions/${id}/files/0"`)
  t.match(res.body, /<input type="checkbox" name="keep" value="0" checked> synthèse\.pdf/, 'the next version may keep the file')
  const file = await ctx.app.inject({ url: `/api/v1/courses/${ctx.contextId}/synthesis/submissions/${id}/files/0`, headers: { cookie: ctx.cookies.get(ctx.ana.id) ?? '' } })
  t.equal(sha256(file.rawPayload), sha256(pdf), 'the file link works with the page session')

  const receipt = await page(ctx, `${S(ctx)}/recu/${id}`, ctx.ana)
  t.equal(receipt.statusCode, 200)
  t.match(receipt.headers['content-type'], 'text/plain; charset=utf-8')
  t.match(receipt.headers['content-disposition'], /^attachment; filename="recu-synthese-version-1\.txt"$/)
  t.match(receipt.body, /Cours : Mobilisation des acteurs locaux/)
  t.match(receipt.body, /Personne étudiante : Anaïs/)
  t.match(receipt.body, /Reçue le : vendredi 24 octobre 2025 à 10 h 00 \(America\/Montreal\)/)
  t.match(receipt.body, /Horodatage \(ISO 8601, UTC\) : 2025-10-24T14:00:00.000Z/)
  t.match(receipt.body, /En retard : non/)
  t.match(receipt.body, `SHA-256 ${sha256(text)}`)
  t.match(receipt.body, `synthèse.pdf (${pdf.length} octets, application/pdf) SHA-256 ${sha256(pdf)}`)
  t.equal((await page(ctx, `${S(ctx)}/recu/${id}`, ctx.ben)).statusCode, 403, 'not another student')
  t.equal((await page(ctx, `${S(ctx)}/recu/${id}?lang=en`, ctx.prof)).statusCode, 200, 'the course\'s instructors')
  t.equal((await page(ctx, `${S(ctx)}/recu/${id}`, ctx.otherProf)).statusCode, 403, 'not another course\'s')

  const before = { submissions: await count(ctx, 'synthesis_submissions'), files: await count(ctx, 'files') }
  const wrongType = await handInForm(ctx, ctx.ben, { text: 'x', files: [{ name: 'faux.pdf', bytes: Buffer.from('pas un pdf du tout, du texte'.repeat(50)) }] })
  t.equal(wrongType.status, 415)
  t.match(wrongType.type, /text\/html/)
  t.match(wrongType.body, /role="alert"/)
  const empty = await handInForm(ctx, ctx.ben, { text: '   ' })
  t.equal(empty.status, 400)
  t.match(empty.body, /La remise est vide/)
  await ctx.services.synthesisGrading.updateSettings(ctx.prof.id, ctx.contextId, { maxFileMegabytes: 0.01 })
  const tooBig = await handInForm(ctx, ctx.ben, { text: 'x', files: [{ name: 'gros.pdf', bytes: pdfBytes('x'.repeat(20_000)) }] })
  t.equal(tooBig.status, 413)
  t.match(tooBig.body, /role="alert"/)
  const forged = await handInForm(ctx, ctx.ben, { text: 'x' }, { 'sec-fetch-site': 'cross-site' })
  t.equal(forged.status, 403, 'a cross-site form post is refused')
  t.equal((await handInForm(ctx, ctx.participant, { text: 'x' })).status, 403)
  ctx.clock.set(friday('13:00'))
  const closed = await handInForm(ctx, ctx.ben, { text: 'trop tard' })
  t.equal(closed.status, 409)
  t.match(closed.body, /La remise est fermée depuis le vendredi 24 octobre 2025 à 12 h 15 \(les remises en retard ne sont pas acceptées\)/)
  t.same({ submissions: await count(ctx, 'synthesis_submissions'), files: await count(ctx, 'files') }, before, 'refused hand-ins store nothing')
  const late = await page(ctx, S(ctx), ctx.ben)
  t.match(late.body, /La remise est fermée depuis le vendredi 24 octobre 2025 à 12 h 15\./)
  t.notMatch(late.body, /enctype="multipart\/form-data"/, 'no form once closed')
})

t.test('a text-only hand-in from the page, whose file field was left empty, is received: the browser\'s empty file part is no file', async t => {
  const ctx = await setup(t)
  // What Chromium posts for <input type=file> with nothing chosen: a part with filename="" and no
  // bytes (written out by hand: fetch's FormData leaves the empty filename out).
  const boundary = '----WebKitFormBoundaryCompagnon'
  const body = [
    `--${boundary}`, 'Content-Disposition: form-data; name="text"', '', 'Ma synthèse, sans fichier.',
    `--${boundary}`, 'Content-Disposition: form-data; name="files"; filename=""', 'Content-Type: application/octet-stream', '', '',
    `--${boundary}--`, ''
  ].join('\r\n')
  const res = await fetch(`${ctx.base}/cours/synthese/${ctx.contextId}/remise?lang=fr`, {
    method: 'POST',
    body,
    redirect: 'manual',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, cookie: ctx.cookies.get(ctx.ana.id) ?? '', 'x-csrf-token': ctx.csrf.get(ctx.ana.id) ?? '', 'sec-fetch-site': 'same-origin', accept: 'text/html' }
  })
  t.equal(res.status, 303, await res.text())
  t.match(res.headers.get('location'), /\?recu=[0-9a-f-]{36}&lang=fr$/, 'to the receipt')
  t.equal(await count(ctx, 'files'), 0, 'no file stored')
  t.equal(await count(ctx, 'synthesis_submissions'), 1)
})

t.test('instructors: the list with statuses, grading with a number (draft, then bulk publication), history, extensions; bad input changes nothing', async t => {
  const ctx = await setup(t)
  t.equal((await handInForm(ctx, ctx.ana, { text: 'Texte d\'Anaïs', files: [{ name: 'a.pdf', bytes: pdfBytes() }] })).status, 303)
  const list = await page(ctx, `${S(ctx)}/remises`, ctx.prof)
  t.equal(list.statusCode, 200)
  t.match(list.body, /<th scope="row"><a href="[^"]+\/remises\/[0-9a-f-]{36}\?lang=fr">Anaïs<\/a><\/th>\s*<td>Remis<\/td>/)
  t.match(list.body, /Benoît<\/a><\/th>\s*<td>Non remis<\/td>/)
  t.match(list.body, /Paramètres de la synthèse/)
  t.equal((await page(ctx, `${S(ctx)}/remises`, ctx.ana)).statusCode, 403)
  t.equal((await page(ctx, `${S(ctx)}/remises`, ctx.otherProf)).statusCode, 403)

  const url = `${S(ctx)}/remises/${ctx.ana.id}`
  const work = await page(ctx, url, ctx.prof)
  t.equal(work.statusCode, 200)
  t.match(work.body, /<div class="answer">Texte d'Anaïs<\/div>/)
  t.match(work.body, /<input id="score" type="number" name="score" min="0" max="100"/)
  t.match(work.body, /name="publish" value="0" class="secondary">Enregistrer le brouillon<\/button> <button type="submit" name="publish" value="1">Publier<\/button>/)
  t.equal((await page(ctx, `${S(ctx)}/remises/${ctx.participant.id}`, ctx.prof)).statusCode, 404)

  for (const [payload, status] of [[{ score: 'beaucoup', feedback: '', publish: '0' }, 400], [{ score: '150', publish: '1' }, 400], [{ score: '-2', publish: '0' }, 400], [{ score: '', publish: '1' }, 400], [{ 'rubric.analyse': 'solide', publish: '0' }, 400]] as const) {
    const res = await form(ctx, `${url}/note`, ctx.prof, payload)
    t.equal(res.statusCode, status, JSON.stringify(payload))
    t.match(res.headers['content-type'], /text\/html/)
  }
  t.equal(await count(ctx, 'synthesis_grades'), 0, 'refused grades store nothing')
  t.equal((await form(ctx, `${url}/note`, ctx.ana, { score: '100', publish: '1' })).statusCode, 403, 'students cannot grade')
  const draft = await form(ctx, `${url}/note`, ctx.prof, { score: '82,5', feedback: 'Très bien', publish: '0' })
  t.equal(draft.statusCode, 303)
  t.equal(draft.headers.location, `${url}?fait=brouillon&lang=fr`)
  const graded = await page(ctx, url, ctx.prof)
  t.match(graded.body, /<p>Note actuelle : <strong>82,5 \/ 100<\/strong> \(brouillon, non envoyée au LMS\)<\/p>/, 'the current grade is shown as markup, not as its text')
  t.same(pageTextProblems(graded.body), [], 'no escaped markup anywhere on the page')
  const gradedEn = await page(ctx, `${url}?lang=en`, ctx.prof)
  t.match(gradedEn.body, /<p>Current grade: <strong>82\.5 \/ 100<\/strong> \(draft, not sent to the LMS\)<\/p>/)
  t.match(gradedEn.body, /No extension: the course’s due time, Friday, October 24, 2025 at 12:15 p\.m\.<\/p>/, 'one period after "p.m."')
  t.same(pageTextProblems(gradedEn.body), [])
  t.match((await page(ctx, `${S(ctx)}/remises`, ctx.prof)).body, /<td>Remis · <strong>note en brouillon<\/strong><\/td>/)
  t.equal((await form(ctx, `${S(ctx)}/publier`, ctx.prof, {})).statusCode, 400, 'nothing selected')
  const published = await form(ctx, `${S(ctx)}/publier`, ctx.prof, { personIds: [ctx.ana.id] })
  t.equal(published.statusCode, 303)
  t.equal(published.headers.location, `${S(ctx)}/remises?publiees=1&ignorees=0&lang=fr`)
  t.match((await page(ctx, published.headers.location as string, ctx.prof)).body, /1 note publiée et envoyée au LMS/)
  await ctx.services.gradeOutbox.deliverDue()
  t.match(ctx.platform.received.scores.at(-1)?.body, { userId: ctx.ana.sub, scoreGiven: 82.5, comment: 'Très bien', gradingProgress: 'FullyGraded' })
  const after = await page(ctx, `${url}?fait=publiee`, ctx.prof)
  t.match(after.body, /<td>—<\/td><td>82,5 brouillon<\/td>/, 'history: the draft')
  t.match(after.body, /<td>Élise<\/td><td>Publication<\/td><td>82,5 brouillon<\/td><td>82,5 publiée<\/td>/, 'history: the publication, before → after')
  const mine = await page(ctx, S(ctx), ctx.ana)
  t.match(mine.body, /<p class="big">82,5 \/ 100<\/p>/)
  t.match(mine.body, /<div class="answer">Très bien<\/div>/)

  const ext = await form(ctx, `${url}/prolongation`, ctx.prof, { dueAt: '2025-10-24T14:00', reason: 'Mesure d\'accommodement' })
  t.equal(ext.statusCode, 303)
  t.match((await page(ctx, S(ctx), ctx.ana)).body, /Échéance : <strong>vendredi 24 octobre 2025 à 14 h 00<\/strong> — prolongation accordée/)
  t.match((await page(ctx, url, ctx.prof)).body, /value="2025-10-24T14:00"/)
  t.equal((await form(ctx, `${url}/prolongation`, ctx.prof, { dueAt: 'demain', reason: '' })).statusCode, 400)
  t.equal((await form(ctx, `${url}/prolongation`, ctx.ana, { dueAt: '2025-10-25T14:00', reason: '' })).statusCode, 403)
  t.equal(await count(ctx, 'synthesis_extensions'), 1)
  t.equal((await form(ctx, `${url}/prolongation`, ctx.prof, { dueAt: '', reason: '' })).statusCode, 303)
  t.equal(await count(ctx, 'synthesis_extensions'), 0, 'an empty date removes it')
})

t.test('settings: local times in the event zone, the rubric typed as text; refused input comes back in the form and nothing is saved', async t => {
  const ctx = await setup(t)
  const url = `${S(ctx)}/parametres`
  const get = await page(ctx, url, ctx.prof)
  t.equal(get.statusCode, 200)
  t.match(get.body, /<input id="opensAt" type="datetime-local" name="opensAt" required value="2025-10-24T09:00">/)
  t.match(get.body, /<input id="dueAt" type="datetime-local" name="dueAt" required value="2025-10-24T12:15">/)
  t.equal((await page(ctx, url, ctx.ana)).statusCode, 403)
  const values = {
    title: 'Synthèse du vendredi',
    instructionsFr: 'Rédigez une synthèse.',
    instructionsEn: 'Write a synthesis.',
    opensAt: '2025-10-24T09:00',
    dueAt: '2025-10-24T12:30',
    graceMinutes: '5',
    acceptLate: '1',
    lateUntil: '2025-10-24T18:00',
    maxPoints: '100',
    allowedTypes: ['pdf', 'odt'],
    maxFileMegabytes: '10',
    maxFiles: '3',
    rubric: 'Analyse | Analysis\nFaible | Weak | 10\nSolide | Strong | 60\n\nÉcriture | Writing\nFaible | Weak | 5\nClaire | Clear | 40\n'
  }
  const before = await ctx.services.synthesisGrading.assignment(ctx.contextId)
  const badRubric = await form(ctx, url, ctx.prof, { ...values, rubric: 'Analyse | Analysis\nFaible | Weak | 10\nSolide | Strong | beaucoup\n\nÉcriture\nClaire | 40' })
  t.equal(badRubric.statusCode, 400)
  t.match(badRubric.body, /Rien n’a été enregistré/)
  t.match(badRubric.body, /Ligne 3 : les points doivent être un nombre de 0 à 1000/)
  t.match(badRubric.body, /Ligne 5 : le critère « Écriture » doit avoir au moins deux niveaux/)
  t.match(badRubric.body, /value="Synthèse du vendredi"/, 'the typed values come back')
  t.match(badRubric.body, /Solide \| Strong \| beaucoup/)
  const badDates = await form(ctx, url, ctx.prof, { ...values, dueAt: '2025-10-24T08:00' })
  t.equal(badDates.statusCode, 400)
  t.match(badDates.body, /L’échéance doit suivre l’ouverture/)
  const badNumber = await form(ctx, url, ctx.prof, { ...values, graceMinutes: 'dix', allowedTypes: [] })
  t.equal(badNumber.statusCode, 400)
  t.match(badNumber.body, /Délai de grâce : « dix » n’est pas un nombre/)
  t.match(badNumber.body, /Acceptez au moins un type de fichier/)
  const wrongMax = await form(ctx, url, ctx.prof, { ...values, maxPoints: '20' })
  t.equal(wrongMax.statusCode, 400)
  t.match(wrongMax.body, /La grille donne au plus 100 points, mais la note maximale est 20/)
  t.equal((await form(ctx, url, ctx.ana, values)).statusCode, 403)
  t.same(await ctx.services.synthesisGrading.assignment(ctx.contextId), before, 'nothing was saved')

  const saved = await form(ctx, url, ctx.prof, values)
  t.equal(saved.statusCode, 303)
  t.equal(saved.headers.location, `${url}?enregistre=1&lang=fr`)
  const a = await ctx.services.synthesisGrading.assignment(ctx.contextId)
  t.match(a, { title: 'Synthèse du vendredi', instructions: { fr: 'Rédigez une synthèse.', en: 'Write a synthesis.' }, graceMinutes: 5, acceptLate: true, maxPoints: 100, allowedTypes: ['pdf', 'odt'], maxFileBytes: 10 * 1024 * 1024, maxFiles: 3 })
  t.equal(a.dueAt.toISOString(), '2025-10-24T16:30:00.000Z', 'read in America/Montreal')
  t.equal(a.lateUntil?.toISOString(), '2025-10-24T22:00:00.000Z')
  t.same(a.rubric, {
    criteria: [
      { id: 'analyse', title: { fr: 'Analyse', en: 'Analysis' }, levels: [{ id: 'faible', label: { fr: 'Faible', en: 'Weak' }, points: 10 }, { id: 'solide', label: { fr: 'Solide', en: 'Strong' }, points: 60 }] },
      { id: 'ecriture', title: { fr: 'Écriture', en: 'Writing' }, levels: [{ id: 'faible', label: { fr: 'Faible', en: 'Weak' }, points: 5 }, { id: 'claire', label: { fr: 'Claire', en: 'Clear' }, points: 40 }] }
    ]
  })
  const again = await page(ctx, `${url}?enregistre=1`, ctx.prof)
  t.match(again.body, /Paramètres enregistrés/)
  t.match(again.body, /Analyse \| Analysis\nFaible \| Weak \| 10\nSolide \| Strong \| 60\n\nÉcriture \| Writing/, 'the rubric comes back as text')

  const student = await page(ctx, `${S(ctx)}?lang=en`, ctx.ana)
  t.match(student.body, /Write a synthesis\./, 'instructions in the reader\'s language')
  t.match(student.body, /accept="\.pdf,\.odt"/)
  t.match(student.body, /Late work is accepted until Friday, October 24, 2025 at 6:00/)
  t.equal((await handInForm(ctx, ctx.ana, { text: 'Avec grille' })).status, 303)
  const grading = await page(ctx, `${S(ctx)}/remises/${ctx.ana.id}`, ctx.prof)
  t.match(grading.body, /<fieldset><legend>Analyse<\/legend>\s*<label class="choice"><input type="radio" name="rubric\.analyse" value="faible" required> Faible \(10 pts\)<\/label>/)
  t.notMatch(grading.body, /name="score"/)
  const graded = await form(ctx, `${S(ctx)}/remises/${ctx.ana.id}/note`, ctx.prof, { 'rubric.analyse': 'solide', 'rubric.ecriture': 'claire', feedback: 'Excellent', publish: '1' })
  t.equal(graded.statusCode, 303)
  t.equal(graded.headers.location, `${S(ctx)}/remises/${ctx.ana.id}?fait=publiee&lang=fr`)
  const mine = await page(ctx, S(ctx), ctx.ana)
  t.match(mine.body, /<p class="big">100 \/ 100<\/p>/)
  t.match(mine.body, /<tr><th scope="row">Analyse<\/th><td>Solide<\/td><td>60 \/ 60<\/td><\/tr>/)
})

t.test('from the program, /synthese leads each person to their course\'s synthesis, or explains who hands in', async t => {
  const ctx = await setup(t)
  const program = await ctx.app.inject({ url: '/?lang=fr', headers: { accept: 'text/html' } })
  t.match(program.body, /<a href="\/synthese\?lang=fr">Remettre ma synthèse \(étudiant·e·s inscrit·e·s\)<\/a>/)
  const student = await page(ctx, '/synthese?lang=fr', ctx.ana)
  t.equal(student.statusCode, 303)
  t.equal(student.headers.location, `${S(ctx)}?lang=fr`)
  const teacher = await page(ctx, '/synthese?lang=fr', ctx.prof)
  t.equal(teacher.headers.location, `${S(ctx)}?lang=fr`, 'an instructor too (then on to the list)')
  const participant = await page(ctx, '/synthese?lang=fr', ctx.participant)
  t.equal(participant.statusCode, 403)
  t.match(participant.body, /inscrites au cours ENP7009/)
  await given(ctx).onRoster(ctx.otherContextId, ctx.ana.id, { sub: 'moodle-anaïs', roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'] })
  const both = await page(ctx, '/synthese?lang=fr', ctx.ana)
  t.equal(both.statusCode, 200, 'two courses: a choice')
  t.match(both.body, /Mobilisation des acteurs locaux/)
  t.match(both.body, /Un autre cours/)
  t.ok(sentToSignIn(await ctx.app.inject({ url: '/synthese', headers: { accept: 'text/html' } }), '/synthese'), 'signed out: on to the sign-in form')
})
