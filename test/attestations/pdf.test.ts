import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { inflateSync } from 'node:zlib'
import jsQRModule from 'jsqr'
import t from 'tap'
import { extractText, getDocumentProxy, getResolvedPDFJS } from 'unpdf'
import { AttestationAssetsError, loadAttestationAssets, renderAttestation } from '../../src/attestations/pdf.js'
import { groupVerificationCode, newVerificationCode } from '../../src/attestations/snapshot.js'
import { sampleAttestationSnapshot } from '../fixtures/attestation-snapshot.js'

// jsqr is CommonJS with `export default` typings: the function is .default under NodeNext
const jsQR = ((jsQRModule as unknown as { default?: typeof jsQRModule }).default ?? jsQRModule) as unknown as (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null

const dir = path.resolve(import.meta.dirname, '../../reports/attestation')

async function textOf (pdf: Buffer): Promise<{ pages: number, text: string }> {
  const doc = await getDocumentProxy(new Uint8Array(pdf))
  const { totalPages, text } = await extractText(doc, { mergePages: true })
  return { pages: totalPages, text }
}

const code = 'K7M3Q9XAPZ4TW2HC8NVB5RJD6E'
const snapshot = sampleAttestationSnapshot({ verificationCode: code })

t.test('verification codes: 26 Crockford base32 characters, grouped by 4', async (t) => {
  const c = newVerificationCode()
  t.match(c, /^[0-9A-HJKMNP-TV-Z]{26}$/)
  t.not(newVerificationCode(), c)
  t.equal(groupVerificationCode(code), 'K7M3-Q9XA-PZ4T-W2HC-8NVB-5RJD-6E')
})

t.test('renders in French and English, text extracted back', async (t) => {
  const assets = await loadAttestationAssets(dir)
  const fr = await textOf(await renderAttestation(snapshot, assets))
  t.equal(fr.pages, 1)
  t.match(fr.text, 'Attestation de formation')
  t.match(fr.text, 'Éloïse Côté-Bélanger')
  t.match(fr.text, 'Montréal')
  t.match(fr.text, '22,5 heures')
  t.match(fr.text, '2,25 UEC')
  t.match(fr.text, 'K7M3-Q9XA-PZ4T-W2HC-8NVB-5RJD-6E')
  t.notMatch(fr.text, 'Prénom Nom', 'no placeholder signatory: the organization signs')
  t.match(fr.text, 'offerte par l’École nationale d’administration publique (ÉNAP)', 'the article, elided')
  t.match(fr.text, 'du 20 au 24 octobre 2025', 'the month and year once')
  for (const s of snapshot.sessions) t.match(fr.text, s.title)
  t.match(fr.text, /9 h 00 \(1\sh\s30\smin\)/, 'a start, then a duration that reads as one')

  const en = await textOf(await renderAttestation({ ...snapshot, locale: 'en' }, assets))
  t.equal(en.pages, 1)
  t.match(en.text, 'Training attestation')
  t.match(en.text, 'Éloïse Côté-Bélanger')
  t.match(en.text, '22.5 hours')
  t.match(en.text, '2.25 CEU')
  t.match(en.text, 'from October 20 to 24, 2025')
  t.match(en.text, 'K7M3-Q9XA-PZ4T-W2HC-8NVB-5RJD-6E')
  for (const s of snapshot.sessions) t.match(en.text, s.title)
})

t.test('pdf.js reads the whole page: fonts, letterhead mark, QR squares', async (t) => {
  // pdf.js (in unpdf) calls ArrayBuffer#transferToFixedLength, missing on Node 20, when it decodes images
  const proto = ArrayBuffer.prototype as ArrayBuffer & { transferToFixedLength?: (n?: number) => ArrayBuffer }
  if (proto.transferToFixedLength === undefined) {
    proto.transferToFixedLength = function (this: ArrayBuffer, n?: number) {
      const copy = new ArrayBuffer(n ?? this.byteLength)
      new Uint8Array(copy).set(new Uint8Array(this, 0, Math.min(this.byteLength, n ?? this.byteLength)))
      return copy
    }
  }
  const assets = await loadAttestationAssets(dir)
  const doc = await getDocumentProxy(new Uint8Array(await renderAttestation(snapshot, assets)))
  const page = await doc.getPage(1)
  const ops = await page.getOperatorList()
  const { OPS } = await getResolvedPDFJS()
  t.notOk(ops.fnArray.includes(OPS.paintImageXObject), 'no signature image unless one is configured')
  t.ok(ops.fnArray.includes(OPS.setFont), 'fonts set')
  t.ok(ops.fnArray.filter((f) => f === OPS.constructPath).length >= 2, 'letterhead mark and QR paths drawn')
  const meta = await doc.getMetadata()
  t.match(meta.info, { CreationDate: 'D:20251025140000Z', ModDate: 'D:20251025140000Z', Language: 'fr-CA' })
})

t.test('the QR code (vector squares) reads back as the verification URL', async (t) => {
  const pdf = await renderAttestation(snapshot, await loadAttestationAssets(dir))
  // the page content stream: the last FlateDecode stream that holds the QR's 'q 0 g … f Q' block
  const text = pdf.toString('latin1')
  let qr: string | undefined
  for (const m of text.matchAll(/stream\r?\n/g)) {
    const start = (m.index ?? 0) + m[0].length
    const end = text.indexOf('endstream', start)
    try {
      const body = inflateSync(pdf.subarray(start, end)).toString('latin1')
      const block = /q 0 g\n([\s\S]*?)\nf Q/.exec(body)
      if (block !== null) qr = block[1]
    } catch { /* not deflated */ }
  }
  t.ok(qr, 'QR block found')
  const rects = (qr ?? '').split('\n').map((l) => l.split(' ').slice(0, 4).map(Number) as [number, number, number, number])
  const minX = Math.min(...rects.map((r) => r[0]))
  const minY = Math.min(...rects.map((r) => r[1]))
  const scale = 4
  const quiet = 16
  const size = Math.ceil(Math.max(...rects.map((r) => r[0] + r[2] - minX), ...rects.map((r) => r[1] + r[3] - minY)) * scale) + 2 * quiet
  const rgba = new Uint8ClampedArray(size * size * 4).fill(255)
  for (const [x, y, w, h] of rects) {
    for (let py = Math.round((y - minY) * scale); py < Math.round((y - minY + h) * scale); py++) {
      for (let px = Math.round((x - minX) * scale); px < Math.round((x - minX + w) * scale); px++) {
        const i = ((size - 1 - (py + quiet)) * size + px + quiet) * 4
        rgba[i] = rgba[i + 1] = rgba[i + 2] = 0
      }
    }
  }
  t.equal(jsQR(rgba, size, size)?.data, snapshot.verifyUrl)
})

t.test('a character outside the prepared set still renders (font prepared for it)', async (t) => {
  const assets = await loadAttestationAssets(dir)
  const { text } = await textOf(await renderAttestation({ ...snapshot, name: 'Łukasz Świątek-Nguyễn' }, assets))
  t.match(text, 'Łukasz Świątek-Nguyễn')
})

t.test('same snapshot → identical bytes; another snapshot → other bytes', async (t) => {
  const assets = await loadAttestationAssets(dir)
  const a = await renderAttestation(snapshot, assets)
  const b = await renderAttestation(structuredClone(snapshot), await loadAttestationAssets(dir))
  t.ok(a.equals(b), 'identical bytes')
  t.match(a.subarray(0, 5).toString('latin1'), '%PDF-')
  const c = await renderAttestation({ ...snapshot, hours: 21 }, assets)
  t.notOk(a.equals(c))
})

t.test('a long session list goes to a second page, never a third', async (t) => {
  const assets = await loadAttestationAssets(dir)
  for (const count of [25, 60]) {
    const sessions = Array.from({ length: count }, (_, i) => ({
      title: `Séance ${i + 1} : coproduction des services publics et mobilisation des acteurs locaux, étude de cas n° ${i + 1}`,
      startsAt: `2025-10-${20 + (i % 5)}T${String(8 + (i % 8)).padStart(2, '0')}:00:00-04:00`,
      durationMinutes: 45
    }))
    const { pages, text } = await textOf(await renderAttestation({ ...snapshot, sessions }, assets))
    t.equal(pages, 2, `${count} sessions on two pages`)
    t.match(text, `Séance ${count} :`)
    t.match(text, 'Page 2 de 2')
    t.match(text, 'K7M3-Q9XA-PZ4T-W2HC-8NVB-5RJD-6E')
  }
})

t.test('bad input', async (t) => {
  const assets = await loadAttestationAssets(dir)
  await t.rejects(renderAttestation({ ...snapshot, verificationCode: 'ABCD-1234' }, assets), /100 bits/)

  const tmp = mkdtempSync(path.join(tmpdir(), 'attestation-'))
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }))
  cpSync(dir, tmp, { recursive: true })
  const fr = path.join(tmp, 'texts.fr.yaml')
  writeFileSync(fr, readFileSync(fr, 'utf8').replace(/^title:.*$/m, 'title: 42').replace(/^hoursUnit:.*\n/m, ''))
  const err = await loadAttestationAssets(tmp).then(() => null, (e: unknown) => e)
  t.type(err, AttestationAssetsError)
  const message = (err as Error).message
  t.match(message, 'texts.fr.yaml')
  t.match(message, 'field "title"')
  t.match(message, 'field "hoursUnit"')
  writeFileSync(fr, 'title: [unclosed\n')
  await t.rejects(loadAttestationAssets(tmp), /texts\.fr\.yaml: not valid YAML/)
})
