/**
 * The baseline of `npm run bench:attestations`: the same attestation page (same texts from
 * reports/attestation, same DejaVu fonts, same signature, same QR code as vector squares) drawn
 * the way pdf-lib is ordinarily used — each document embeds both fonts with `subset: true`
 * (subset and encoded again at every save), the signature PNG, and draws with drawText /
 * drawRectangle / drawImage. Nothing else: no database, no hashing, no threads.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import fontkit from '@pdf-lib/fontkit'
import { DateTime } from 'luxon'
import { PDFDocument, type PDFFont, type PDFPage } from 'pdf-lib'
import QRCode from 'qrcode'
import { parse as parseYaml } from 'yaml'
import { groupVerificationCode, type AttestationSnapshot } from '../../src/attestations/snapshot.js'

type Texts = Record<string, string>

export interface NaiveAssets {
  texts: { fr: Texts, en: Texts }
  issuer: { name: string, title: { fr: string, en: string } | undefined }
  margins: { top: number, right: number, bottom: number, left: number }
  regular: Uint8Array
  bold: Uint8Array
  signature: Uint8Array | undefined
}

/** Reads the files once (bytes only: everything else is redone for each document). */
export function loadNaiveAssets (dir: string): NaiveAssets {
  const yaml = (file: string): any => parseYaml(readFileSync(path.join(dir, file), 'utf8'))
  const layout = yaml('layout.yaml')
  return {
    texts: { fr: yaml('texts.fr.yaml'), en: yaml('texts.en.yaml') },
    // as the renderer: without a signatory, the organization signs; the signature image is optional
    issuer: { name: layout.issuer.name ?? layout.issuer.organization.fr, title: layout.issuer.name === undefined ? undefined : layout.issuer.title },
    margins: layout.page.margins,
    regular: readFileSync(path.join(dir, layout.fonts.regular)),
    bold: readFileSync(path.join(dir, layout.fonts.bold)),
    signature: layout.issuer.signature === undefined ? undefined : readFileSync(path.join(dir, layout.issuer.signature))
  }
}

const fill = (template: string, values: Record<string, string>): string => template.replace(/\{(\w+)\}/g, (m, k: string) => values[k] ?? m)
const number = (n: number, locale: 'fr' | 'en'): string => new Intl.NumberFormat(locale === 'fr' ? 'fr-CA' : 'en-CA', { maximumFractionDigits: 2 }).format(n)
const date = (iso: string, zone: string, locale: 'fr' | 'en'): string =>
  DateTime.fromISO(iso, { zone }).setLocale(locale === 'fr' ? 'fr-CA' : 'en-CA').toLocaleString(DateTime.DATE_FULL)

function wrap (font: PDFFont, text: string, size: number, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    const candidate = line === '' ? word : `${line} ${word}`
    if (line !== '' && font.widthOfTextAtSize(candidate, size) > width) { lines.push(line); line = word } else line = candidate
  }
  if (line !== '') lines.push(line)
  return lines
}

/** One attestation, naively: a fresh document, fonts embedded (subset) and the page drawn. */
export async function renderNaive (s: AttestationSnapshot, a: NaiveAssets): Promise<Uint8Array> {
  const t = a.texts[s.locale]
  const loc = s.locale
  const values: Record<string, string> = {
    name: s.name,
    trainingTitle: s.trainingTitle,
    organizer: s.organizer,
    place: s.place,
    startDate: date(s.startDate, s.timezone, loc),
    endDate: date(s.endDate, s.timezone, loc),
    hours: fill(t.hoursUnit ?? '', { n: number(s.hours, loc) }),
    uec: fill(t.uecUnit ?? '', { n: number(Math.round(s.hours * 10) / 100, loc) }),
    issueDate: date(s.issuedAt, s.timezone, loc),
    code: groupVerificationCode(s.verificationCode),
    url: s.verifyUrl
  }
  const doc = await PDFDocument.create()
  doc.registerFontkit(fontkit)
  const regular = await doc.embedFont(a.regular, { subset: true })
  const bold = await doc.embedFont(a.bold, { subset: true })
  const signature = a.signature === undefined ? undefined : await doc.embedPng(a.signature)
  const page: PDFPage = doc.addPage([612, 792])
  const m = a.margins
  const width = 612 - m.left - m.right
  const center = (text: string, y: number, size: number, font: PDFFont): void => {
    page.drawText(text, { x: m.left + (width - font.widthOfTextAtSize(text, size)) / 2, y, size, font })
  }
  let y = 792 - m.top - 24
  center(t.title ?? '', y, 24, bold); y -= 44
  if ((t.intro ?? '') !== '') { center(fill(t.intro ?? '', values), y, 12, regular); y -= 30 }
  for (const line of wrap(bold, s.name, 20, width)) { center(line, y, 20, bold); y -= 26 }
  y -= 6
  for (const para of [fill(t.attended ?? '', values), fill(t.datesPlace ?? '', values)]) {
    for (const line of wrap(regular, para, 12, width)) { center(line, y, 12, regular); y -= 16 }
  }
  y -= 10
  center(fill(t.hours ?? '', values), y, 12, bold); y -= 16
  center(fill(t.uec ?? '', values), y, 12, regular); y -= 28
  page.drawText(t.sessionsHeading ?? '', { x: m.left, y, size: 13, font: bold }); y -= 20
  for (const session of s.sessions) {
    const left = fill(t.sessionLine ?? '', {
      sessionDate: DateTime.fromISO(session.startsAt, { zone: s.timezone }).setLocale(loc === 'fr' ? 'fr-CA' : 'en-CA')
        .toFormat(loc === 'fr' ? "ccc d LLL, H 'h' mm" : 'ccc, LLL d, h:mm a'),
      sessionDuration: `${Math.floor(session.durationMinutes / 60)} h ${String(session.durationMinutes % 60).padStart(2, '0')}`
    })
    page.drawText(left, { x: m.left, y, size: 10, font: regular })
    for (const line of wrap(regular, session.title, 10, width - 170)) { page.drawText(line, { x: m.left + 170, y, size: 10, font: regular }); y -= 13 }
    y -= 2
  }
  const fy = m.bottom + 14
  if (signature !== undefined) page.drawImage(signature, { x: m.left, y: fy + 104, width: (signature.width / signature.height) * 40, height: 40 })
  page.drawText(a.issuer.name, { x: m.left, y: fy + 90, size: 11, font: bold })
  if (a.issuer.title !== undefined) page.drawText(a.issuer.title[loc], { x: m.left, y: fy + 76, size: 10, font: regular })
  page.drawText(fill(t.issued ?? '', values), { x: m.left, y: fy + 44, size: 10, font: regular })
  page.drawText(t.verificationLabel ?? '', { x: m.left, y: fy + 22, size: 9, font: regular })
  page.drawText(values.code ?? '', { x: m.left, y: fy + 6, size: 12, font: bold })
  const qr = QRCode.create(s.verifyUrl, { errorCorrectionLevel: 'M' })
  const n = qr.modules.size
  const size = 96
  const cell = size / n
  const qx = 612 - m.right - size
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < n; col++) {
      if (qr.modules.get(row, col) === 0) continue
      const start = col
      while (col < n && qr.modules.get(row, col) !== 0) col++
      page.drawRectangle({ x: qx + start * cell, y: fy + 20 + size - (row + 1) * cell, width: (col - start) * cell, height: cell })
    }
  }
  const verify = fill(t.verifyAt ?? '', values)
  page.drawText(verify, { x: 612 - m.right - regular.widthOfTextAtSize(verify, 6), y: fy + 8, size: 6, font: regular })
  return await doc.save()
}
