import { randomBytes } from 'node:crypto'
import t from 'tap'
import { attestationSetup, type AttestationCtx } from '../helpers/attestations.js'
import { groupVerificationCode } from '../../src/attestations/snapshot.js'
import { defaultVerificationLimits } from '../../src/attestations/verification-routes.js'

const page = { accept: 'text/html' }
/** ghtml escapes apostrophes and quotes. */
const esc = (s: string): string => s.replace(/'/g, '&#39;').replace(/"/g, '&#34;')
const fmt = (locale: 'fr' | 'en', n: number): string => new Intl.NumberFormat(locale === 'fr' ? 'fr-CA' : 'en-CA', { maximumFractionDigits: 2 }).format(n)

/** A participant with 17 h attended who asks for an attestation after the event: issued at once. */
async function issued (ctx: AttestationCtx, name = 'Paule Émond', locale: 'fr' | 'en' = 'fr'): Promise<{ id: string, code: string, groupedCode: string, personId: string, sha256: string, hours: number }> {
  const p = await ctx.person(name)
  await ctx.attendHours(p.id, 17)
  const a = (await ctx.services.attestations.request(p.id, ctx.eventId, { name, locale, employer: 'Ville de Laval', hrEmail: null })).attestation!
  return { id: a.id, code: a.code, groupedCode: a.groupedCode, personId: p.id, sha256: a.sha256, hours: a.hours }
}

/** Rows of every table a verification could touch: a check or a bad code must leave them all as they are. */
async function counts (ctx: AttestationCtx): Promise<Record<string, number>> {
  // Started: the credential signing key is created when the app is ready, not by a request.
  await ctx.app.ready()
  const out: Record<string, number> = {}
  for (const table of ['attestations', 'attestation_audit', 'attestation_requests', 'files', 'outgoing_messages', 'credential_keys'] as const) {
    const row = await ctx.database.db.selectFrom(table).select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    out[table] = Number(row.n)
  }
  return out
}

/** A multipart body built by hand, as a browser sends the page's form. */
function multipart (parts: Array<{ name: string, filename?: string, type?: string, data: Buffer | string }>): { payload: Buffer, headers: Record<string, string> } {
  const boundary = `----compagnon${randomBytes(8).toString('hex')}`
  const chunks: Buffer[] = []
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"` : ''}`
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${p.type !== undefined ? `Content-Type: ${p.type}\r\n` : ''}\r\n`))
    chunks.push(Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.data))
    chunks.push(Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

const pdfUpload = (data: Buffer, filename = 'attestation.pdf'): ReturnType<typeof multipart> => multipart([{ name: 'file', filename, type: 'application/pdf', data }])

t.test('a valid attestation: public page in French by default and in English, content from the snapshot, never indexed nor cached', async t => {
  const ctx = await attestationSetup(t)
  const a = await issued(ctx)
  const snapshot = (await ctx.services.verification.byCode(a.code))!.snapshot
  const res = await ctx.app.inject({ url: `/verify/${a.code}`, headers: page })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['x-robots-tag'], 'noindex, nofollow')
  t.equal(res.headers['cache-control'], 'no-store')
  t.match(res.body, '<meta name="robots" content="noindex">')
  t.match(res.body, '<html lang="fr">')
  t.match(res.body, 'data-status="valid"')
  t.match(res.body, 'Attestation valide')
  t.match(res.body, 'Paule Émond')
  t.match(res.body, esc(snapshot.trainingTitle))
  t.match(res.body, esc(snapshot.organizer))
  t.match(res.body, '20–24 octobre 2025')
  t.match(res.body, `<dd>${fmt('fr', snapshot.hours)}\u00a0h</dd>`)
  t.match(res.body, `<dd>${fmt('fr', snapshot.uec)}\u00a0UEC</dd>`)
  t.match(res.body, 'Montréal (Québec)')
  t.match(res.body, 'Délivrée le')
  t.match(res.body, a.sha256)
  t.match(res.body, 'Séances suivies')
  t.ok(snapshot.sessions.length > 0)
  for (const s of snapshot.sessions) t.match(res.body, esc(s.title))
  t.notMatch(res.body, 'Ville de Laval', 'the employer is never public')
  t.notMatch(res.body, '/api/v1/attestations/', 'no public link to the PDF: it is the person\'s')
  t.notMatch(res.body, 'Télécharger')
  t.match(res.body, `action="/verify/${a.code}/check?lang=fr"`)

  const en = await ctx.app.inject({ url: `/verify/${a.code}?lang=en`, headers: page })
  t.match(en.body, '<html lang="en">')
  t.match(en.body, 'Valid attestation')
  t.match(en.body, `<dd>${fmt('en', snapshot.uec)}\u00a0CEU</dd>`)
  t.match(en.body, 'Sessions attended')

  const api = await ctx.app.inject({ url: `/api/v1/verify/${a.code}` })
  t.equal(api.statusCode, 200)
  t.equal(api.headers['x-robots-tag'], 'noindex, nofollow')
  t.match(api.json(), { code: a.code, status: 'valid', minimised: false, name: 'Paule Émond', hours: snapshot.hours, sha256: a.sha256, supersededBy: null, details: { uec: snapshot.uec, organizer: snapshot.organizer } })
  t.equal(api.json().details.sessions.length, snapshot.sessions.length)
  t.notMatch(api.body, 'Ville de Laval')
})

t.test('the code is accepted as printed: groups with dashes, lower case, spaces', async t => {
  const ctx = await attestationSetup(t)
  const a = await issued(ctx)
  for (const written of [a.groupedCode, a.groupedCode.toLowerCase(), a.groupedCode.replace(/-/g, ' '), ` ${a.code.toLowerCase()} `]) {
    const res = await ctx.app.inject({ url: `/verify/${encodeURIComponent(written)}`, headers: page })
    t.equal(res.statusCode, 200, written)
    t.match(res.body, 'data-status="valid"')
  }
  const typed = await ctx.app.inject({ url: `/verify?code=${encodeURIComponent(a.groupedCode.toLowerCase())}&lang=en`, headers: page })
  t.equal(typed.statusCode, 303, 'the entry form leads to the code\'s page')
  t.equal(typed.headers.location, `/verify/${encodeURIComponent(a.groupedCode.toLowerCase())}?lang=en`)
  const entry = await ctx.app.inject({ url: '/verify', headers: page })
  t.equal(entry.statusCode, 200)
  t.match(entry.body, 'Code de vérification')
})

t.test('a revoked attestation shows the reason and the date in the event\'s time zone', async t => {
  const ctx = await attestationSetup(t)
  const a = await issued(ctx)
  // 18:30 UTC is 14:30 in Montréal (EDT).
  ctx.clock.set('2025-10-24T18:30:00Z')
  await ctx.services.attestationDecisions.revoke(ctx.organizer.id, a.id, 'Délivrée par erreur')
  const res = await ctx.app.inject({ url: `/verify/${a.groupedCode}`, headers: page })
  t.equal(res.statusCode, 200)
  t.match(res.body, 'data-status="revoked"')
  t.match(res.body, 'Attestation révoquée')
  t.match(res.body, 'Délivrée par erreur')
  t.match(res.body, 'révoquée le 24 octobre 2025 à 14\u00a0h\u00a030')
  t.notMatch(res.body, 'data-status="valid"')
  const en = await ctx.app.inject({ url: `/verify/${a.code}?lang=en`, headers: page })
  t.match(en.body, 'Revoked attestation')
  t.match(en.body, 'revoked on October 24, 2025 at 2:30\u00a0p.m.')
  const api = await ctx.app.inject({ url: `/api/v1/verify/${a.code}` })
  t.match(api.json(), { status: 'revoked', revocationReason: 'Délivrée par erreur', revokedAt: '2025-10-24T18:30:00.000Z' })
})

t.test('a superseded attestation links to the page of the one that replaces it', async t => {
  const ctx = await attestationSetup(t)
  const a = await issued(ctx)
  const next = await ctx.services.attestationDecisions.reissue(ctx.organizer.id, a.id, 'Correction du nom', { name: 'Paule Émond-Lévesque' })
  const res = await ctx.app.inject({ url: `/verify/${a.code}`, headers: page })
  t.match(res.body, 'data-status="superseded"')
  t.match(res.body, 'Attestation remplacée')
  t.match(res.body, `href="/verify/${next.code}?lang=fr"`)
  t.match(res.body, groupVerificationCode(next.code))
  const followed = await ctx.app.inject({ url: `/verify/${next.code}?lang=fr`, headers: page })
  t.match(followed.body, 'data-status="valid"')
  t.match(followed.body, 'Paule Émond-Lévesque')
  const api = await ctx.app.inject({ url: `/api/v1/verify/${a.code}` })
  t.match(api.json(), { status: 'superseded', supersededBy: { code: next.code, verifyUrl: `http://127.0.0.1:3000/verify/${next.code}` } })
})

t.test('unknown and malformed codes answer 404 with a clear message, and write nothing', async t => {
  const ctx = await attestationSetup(t)
  const a = await issued(ctx)
  const before = await counts(ctx)
  // Same alphabet and length as a real code, but not issued.
  const unknown = a.code.startsWith('0') ? `1${a.code.slice(1)}` : `0${a.code.slice(1)}`
  const u = await ctx.app.inject({ url: `/verify/${unknown}`, headers: page })
  t.equal(u.statusCode, 404)
  t.equal(u.headers['x-robots-tag'], 'noindex, nofollow')
  t.match(u.body, 'Aucune attestation ne correspond au code')
  t.match(u.body, groupVerificationCode(unknown))
  const uEn = await ctx.app.inject({ url: `/verify/${unknown}?lang=en`, headers: page })
  t.match(uEn.body, 'No attestation matches the code')
  for (const bad of ['hello', 'ILOU-ILOU-ILOU-ILOU-ILOU-ILOU-IL', '1234', '<script>alert(1)</script>']) {
    const res = await ctx.app.inject({ url: `/verify/${encodeURIComponent(bad)}`, headers: page })
    t.equal(res.statusCode, 404, bad)
    t.match(res.body, 'n’est pas un code de vérification')
    t.notMatch(res.body, '<script>alert', 'the typed code is escaped')
  }
  t.equal((await ctx.app.inject({ url: `/verify/${'A'.repeat(99)}`, headers: page })).statusCode, 404, 'a long code')
  // Beyond the router's 100 characters per parameter, Fastify itself answers 414.
  t.equal((await ctx.app.inject({ url: `/verify/${'A'.repeat(150)}`, headers: page })).statusCode, 414, 'a very long code')
  const api = await ctx.app.inject({ url: '/api/v1/verify/hello' })
  t.equal(api.statusCode, 404)
  t.match(api.json(), { code: 'not_found', message: /is not a verification code/, messageFr: /n’est pas un code de vérification/ })
  const check = await ctx.app.inject({ method: 'POST', url: `/api/v1/verify/${unknown}/check`, ...pdfUpload(Buffer.from('%PDF-1.7 x')) })
  t.equal(check.statusCode, 404)
  t.same(await counts(ctx), before)
})

t.test('after the retention period, only name, title, dates, hours, status and the hash check remain', async t => {
  const ctx = await attestationSetup(t)
  const a = await issued(ctx)
  const issuedAt = (await ctx.services.verification.byCode(a.code))!.issuedAt
  const days = ctx.config.attestationDetailsDays
  ctx.clock.set(new Date(issuedAt.getTime() + days * 86_400_000 - 60_000))
  const still = await ctx.app.inject({ url: `/api/v1/verify/${a.code}` })
  t.equal(still.json().minimised, false, 'details during the retention period')

  ctx.clock.set(new Date(issuedAt.getTime() + (days + 1) * 86_400_000))
  const res = await ctx.app.inject({ url: `/verify/${a.code}`, headers: page })
  t.equal(res.statusCode, 200)
  t.match(res.body, 'Paule Émond')
  t.match(res.body, `<dd>${fmt('fr', a.hours)}\u00a0h</dd>`)
  t.match(res.body, '20–24 octobre 2025')
  t.match(res.body, 'data-status="valid"')
  t.match(res.body, a.sha256)
  t.match(res.body, 'name="file"', 'the hash check stays')
  t.match(res.body, 'Loi 25')
  t.notMatch(res.body, 'Séances suivies')
  t.notMatch(res.body, 'Organisme')
  t.notMatch(res.body, 'UEC')
  t.notMatch(res.body, 'Ville de Laval')
  const api = await ctx.app.inject({ url: `/api/v1/verify/${a.code}` })
  t.match(api.json(), { minimised: true, details: null, name: 'Paule Émond', hours: a.hours, sha256: a.sha256 })

  // Minimised by the retention job (minimised_at), whatever the clock says.
  ctx.clock.set(issuedAt)
  const b = await issued(ctx, 'Bruno Côté')
  await ctx.database.db.updateTable('attestations').set({ minimised_at: issuedAt }).where('id', '=', b.id).execute()
  const minimised = await ctx.app.inject({ url: `/api/v1/verify/${b.code}` })
  t.match(minimised.json(), { minimised: true, details: null })
  // The revocation reason may say something about the person: withheld once minimised.
  await ctx.services.attestationDecisions.revoke(ctx.organizer.id, b.id, 'Absence pour raison de santé')
  const revoked = await ctx.app.inject({ url: `/verify/${b.code}`, headers: page })
  t.match(revoked.body, 'Attestation révoquée')
  t.notMatch(revoked.body, 'raison de santé')
})

t.test('the PDF check: the exact PDF matches, one byte changed does not, and nothing is written', async t => {
  const ctx = await attestationSetup(t)
  const a = await issued(ctx)
  const pdf = (await ctx.services.attestations.pdf(a.personId, a.id)).data
  const before = await counts(ctx)

  const exact = pdfUpload(pdf)
  const same = await ctx.app.inject({ method: 'POST', url: `/verify/${a.groupedCode}/check`, headers: { ...page, ...exact.headers }, payload: exact.payload })
  t.equal(same.statusCode, 200)
  t.match(same.body, 'data-check="match"')
  t.match(same.body, 'Ce document est exactement l’attestation délivrée')
  t.equal(same.headers['x-robots-tag'], 'noindex, nofollow')

  const altered = Buffer.from(pdf)
  altered[Math.floor(altered.length / 2)]! ^= 0x01
  const upload = pdfUpload(altered)
  const other = await ctx.app.inject({ method: 'POST', url: `/verify/${a.code}/check?lang=fr`, headers: { ...page, ...upload.headers }, payload: upload.payload })
  t.equal(other.statusCode, 200)
  t.match(other.body, 'data-check="mismatch"')
  t.match(other.body, 'Ce document ne correspond pas à l’attestation délivrée')

  const apiSame = await ctx.app.inject({ method: 'POST', url: `/api/v1/verify/${a.code.toLowerCase()}/check`, ...pdfUpload(pdf) })
  t.equal(apiSame.statusCode, 200)
  t.same(apiSame.json(), { matches: true, sha256Uploaded: a.sha256, sha256Issued: a.sha256, status: 'valid' })
  const apiOther = await ctx.app.inject({ method: 'POST', url: `/api/v1/verify/${a.code}/check`, ...pdfUpload(altered) })
  t.match(apiOther.json(), { matches: false, sha256Issued: a.sha256, status: 'valid' })
  t.not(apiOther.json().sha256Uploaded, a.sha256)

  // Other fields alongside the file are ignored.
  const withFields = multipart([{ name: 'note', data: 'hello' }, { name: 'file', filename: 'a.pdf', type: 'application/pdf', data: pdf }])
  t.equal((await ctx.app.inject({ method: 'POST', url: `/api/v1/verify/${a.code}/check`, ...withFields })).json().matches, true)

  // The genuine PDF of a revoked attestation: the file matches, the status says revoked.
  await ctx.services.attestationDecisions.revoke(ctx.organizer.id, a.id, 'Délivrée par erreur')
  const afterRevocation = await counts(ctx)
  const revoked = await ctx.app.inject({ method: 'POST', url: `/verify/${a.code}/check?lang=en`, headers: { ...page, ...exact.headers }, payload: exact.payload })
  t.match(revoked.body, 'This document is exactly the issued attestation')
  t.match(revoked.body, 'has since been revoked')
  t.same(await counts(ctx), afterRevocation, 'checks write nothing')
  t.same({ ...before, attestation_audit: before.attestation_audit! + 1, outgoing_messages: afterRevocation.outgoing_messages }, afterRevocation)
})

t.test('refused uploads: not a PDF is 415, over 5 MB is 413, no file is 400; clear messages, nothing written', async t => {
  const ctx = await attestationSetup(t)
  const a = await issued(ctx)
  const before = await counts(ctx)

  const text = pdfUpload(Buffer.from('Bonjour, ceci est un texte.'), 'attestation.pdf')
  const notPdf = await ctx.app.inject({ method: 'POST', url: `/api/v1/verify/${a.code}/check`, ...text })
  t.equal(notPdf.statusCode, 415)
  t.match(notPdf.json(), { code: 'unsupported_media_type', message: /not a PDF/, messageFr: /n’est pas un PDF/ })
  const notPdfPage = await ctx.app.inject({ method: 'POST', url: `/verify/${a.code}/check`, headers: { ...page, ...text.headers }, payload: text.payload })
  t.equal(notPdfPage.statusCode, 415)
  t.match(notPdfPage.body, 'role="alert"')
  t.match(notPdfPage.body, 'Ce fichier n’est pas un PDF')
  t.match(notPdfPage.body, 'name="file"', 'the form is there to try again')

  const tiny = await ctx.app.inject({ method: 'POST', url: `/api/v1/verify/${a.code}/check`, ...pdfUpload(Buffer.from('%PD')) })
  t.equal(tiny.statusCode, 415, 'shorter than the PDF header')

  const big = Buffer.alloc(5 * 1024 * 1024 + 1, 0x20)
  big.write('%PDF-1.7\n')
  const tooBig = await ctx.app.inject({ method: 'POST', url: `/api/v1/verify/${a.code}/check`, ...pdfUpload(big) })
  t.equal(tooBig.statusCode, 413)
  t.match(tooBig.json(), { code: 'payload_too_large', message: /larger than 5 MB/, messageFr: /dépasse 5 Mo/ })
  const bigUpload = pdfUpload(big)
  const tooBigPage = await ctx.app.inject({ method: 'POST', url: `/verify/${a.code}/check?lang=en`, headers: { ...page, ...bigUpload.headers }, payload: bigUpload.payload })
  t.equal(tooBigPage.statusCode, 413)
  t.match(tooBigPage.body, 'larger than 5 MB')
  const exactly = Buffer.alloc(5 * 1024 * 1024, 0x20)
  exactly.write('%PDF-1.7\n')
  t.match((await ctx.app.inject({ method: 'POST', url: `/api/v1/verify/${a.code}/check`, ...pdfUpload(exactly) })).json(), { matches: false }, '5 MB exactly is read')

  const none = await ctx.app.inject({ method: 'POST', url: `/api/v1/verify/${a.code}/check`, ...multipart([{ name: 'note', data: 'no file' }]) })
  t.equal(none.statusCode, 400)
  t.match(none.json(), { code: 'bad_request', message: /No file received/ })
  // A browser form submitted without choosing a file sends an empty part with no name.
  const empty = multipart([{ name: 'file', filename: '', type: 'application/octet-stream', data: '' }])
  const emptyPage = await ctx.app.inject({ method: 'POST', url: `/verify/${a.code}/check`, headers: { ...page, ...empty.headers }, payload: empty.payload })
  t.equal(emptyPage.statusCode, 400)
  t.match(emptyPage.body, 'Aucun fichier reçu')
  const emptyFile = await ctx.app.inject({ method: 'POST', url: `/api/v1/verify/${a.code}/check`, ...pdfUpload(Buffer.alloc(0)) })
  t.equal(emptyFile.statusCode, 400)

  const broken = await ctx.app.inject({ method: 'POST', url: `/api/v1/verify/${a.code}/check`, headers: { 'content-type': 'multipart/form-data; boundary=other' }, payload: pdfUpload(Buffer.from('%PDF-1.7')).payload })
  t.equal(broken.statusCode, 400, 'a broken multipart body')
  t.match(broken.json(), { message: /could not be read/ })
  const manyFiles = multipart([1, 2, 3, 4].map(i => ({ name: 'extra', filename: `${i}.pdf`, data: '%PDF-1.7' })))
  t.equal((await ctx.app.inject({ method: 'POST', url: `/api/v1/verify/${a.code}/check`, ...manyFiles })).statusCode, 413, 'too many files')
  const json = await ctx.app.inject({ method: 'POST', url: `/api/v1/verify/${a.code}/check`, payload: { file: 'x' } })
  t.equal(json.statusCode, 415)
  t.match(json.json(), { message: /multipart\/form-data/ })
  t.same(await counts(ctx), before)
})

t.test('an upload over 5 MB sent over real HTTP gets the 413 message, not a reset connection', async t => {
  const ctx = await attestationSetup(t)
  const a = await issued(ctx)
  const address = await ctx.app.listen({ port: 0, host: '127.0.0.1' })
  const form = new FormData()
  const big = Buffer.alloc(6 * 1024 * 1024, 0x20)
  big.write('%PDF-1.7\n')
  form.append('file', new Blob([new Uint8Array(big)], { type: 'application/pdf' }), 'big.pdf')
  const res = await fetch(`${address}/verify/${a.code}/check?lang=en`, { method: 'POST', body: form, headers: page })
  t.equal(res.status, 413)
  t.match(await res.text(), 'larger than 5 MB')
})

t.test('rate limits: 30 requests a minute per code and route, answered with our error format; other codes go on', async t => {
  const ctx = await attestationSetup(t)
  const a = await issued(ctx)
  const b = await issued(ctx, 'Bruno Côté')
  t.equal(defaultVerificationLimits.perCode, 30)
  const spellings = [a.code, a.groupedCode, a.groupedCode.toLowerCase()]
  for (let i = 0; i < 30; i++) {
    const res = await ctx.app.inject({ url: `/api/v1/verify/${encodeURIComponent(spellings[i % 3]!)}` })
    t.equal(res.statusCode, 200)
  }
  const limited = await ctx.app.inject({ url: `/api/v1/verify/${a.code}` })
  t.equal(limited.statusCode, 429, 'the 31st request to one code, whatever its spelling')
  t.match(limited.json(), { statusCode: 429, code: 'too_many_requests', message: /Too many verifications/, messageFr: /Trop de vérifications/ })
  t.ok(Number(limited.headers['retry-after']) > 0)
  t.equal((await ctx.app.inject({ url: `/api/v1/verify/${b.code}` })).statusCode, 200, 'another code from the same address is not throttled')
  t.equal((await ctx.app.inject({ url: `/verify/${a.code}`, headers: page })).statusCode, 200, 'the page is another route')

  for (let i = 0; i < 29; i++) await ctx.app.inject({ url: `/verify/${a.code}`, headers: page })
  const limitedPage = await ctx.app.inject({ url: `/verify/${a.code}?lang=en`, headers: page })
  t.equal(limitedPage.statusCode, 429)
  t.match(limitedPage.headers['content-type'], 'text/html')
  t.match(limitedPage.body, 'Too many verifications in a short time')
})

t.test('rate limits: a generous ceiling per address over all verification routes', async t => {
  const ctx = await attestationSetup(t)
  t.equal(defaultVerificationLimits.perIp, 300)
  const before = await counts(ctx)
  // Distinct unknown codes, so the per-code limit never applies: a room verifying many documents.
  const code = (i: number): string => `ABCDEFGHJK${String(i).padStart(16, '0')}`
  for (let i = 0; i < 300; i++) {
    const res = await ctx.app.inject({ url: `/api/v1/verify/${code(i)}` })
    if (res.statusCode !== 404) t.fail(`request ${i} answered ${res.statusCode}`)
  }
  const limited = await ctx.app.inject({ url: `/api/v1/verify/${code(300)}` })
  t.equal(limited.statusCode, 429)
  t.match(limited.json(), { code: 'too_many_requests' })
  const other = await ctx.app.inject({ url: `/api/v1/verify/${code(301)}`, remoteAddress: '198.51.100.7' })
  t.equal(other.statusCode, 404, 'another address is not throttled')
  t.same(await counts(ctx), before)
})

t.test('the verification routes are documented in the OpenAPI document', async t => {
  const ctx = await attestationSetup(t)
  const doc = (await ctx.app.inject({ url: '/docs/json' })).json()
  const ids = Object.values(doc.paths as Record<string, Record<string, { operationId?: string }>>).flatMap(p => Object.values(p).map(o => o.operationId))
  for (const id of ['verificationPage', 'checkAttestationPdfFromPage', 'verifyAttestation', 'checkAttestationPdf', 'verificationEntryPage']) t.ok(ids.includes(id), id)
})
