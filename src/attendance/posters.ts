// Event-day prints, A4 PDFs: a session's door poster, a room's poster for the day, and sheets of
// personal passes to cut out. Fonts are the TrueType files of the attestation assets
// (reports/attestation/layout.yaml names them), so organizers change them in one place.
//
// Where a poster's QR code leads. Room codes rotate every 30 s (codes.ts) and a code is only
// accepted for two windows: that is what proves a person is in the room. A poster is printed
// once and stays on the door all day, so its QR code cannot carry a room code (it would be dead
// within a minute), and it must not carry any standing credential either: a photo of the door
// would then check people in from anywhere. It leads to the typed-code page (/presence/code),
// whose address is printed in large letters beside it; there the person enters the 6 digits the
// projector shows now, which identify the session (service.ts, checkInByTypedCode). The phone
// camera saves typing the address; the proof of presence stays on the room's screen. People
// without a phone show their pass at the door.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import fontkit from '@pdf-lib/fontkit'
import { PDFDocument, rgb, type Color, type PDFFont, type PDFPage } from 'pdf-lib'
import QRCode from 'qrcode'
import { parse as parseYaml } from 'yaml'
import { attestationAssetsDir } from '../paths.js'
import { intlLocale, t, type Locale } from '../views/i18n.js'
import { formatPassCode } from './codes.js'

export interface PosterFonts { regular: Uint8Array, bold: Uint8Array }

const fontsByDir = new Map<string, Promise<PosterFonts>>()

/** The regular and bold fonts named by the attestation layout (read once per folder). */
export async function posterFonts (dir: string = attestationAssetsDir): Promise<PosterFonts> {
  let fonts = fontsByDir.get(dir)
  if (fonts === undefined) {
    fonts = (async () => {
      const layout = parseYaml(await readFile(path.join(dir, 'layout.yaml'), 'utf8')) as { fonts?: { regular?: string, bold?: string } } | null
      const regular = layout?.fonts?.regular ?? 'fonts/DejaVuSans.ttf'
      const bold = layout?.fonts?.bold ?? 'fonts/DejaVuSans-Bold.ttf'
      const [r, b] = await Promise.all([readFile(path.resolve(dir, regular)), readFile(path.resolve(dir, bold))])
      return { regular: r, bold: b }
    })()
    fonts.catch(() => { fontsByDir.delete(dir) })
    fontsByDir.set(dir, fonts)
  }
  return await fonts
}

// A4 portrait, in points.
const A4: [number, number] = [595.28, 841.89]
const MARGIN = 48
const INK = rgb(0.106, 0.122, 0.141)
const MUTED = rgb(0.29, 0.322, 0.376)
const BRAND = rgb(0.071, 0.188, 0.31)
const ACCENT = rgb(0.043, 0.31, 0.541)
const LINE = rgb(0.6, 0.63, 0.68)
const BLACK = rgb(0, 0, 0)

interface Fonts { regular: PDFFont, bold: PDFFont }

async function newDocument (fonts: PosterFonts, meta: { title: string, locale: Locale, createdAt: Date }): Promise<{ doc: PDFDocument, f: Fonts }> {
  const doc = await PDFDocument.create({ updateMetadata: false })
  doc.registerFontkit(fontkit)
  const f = { regular: await doc.embedFont(fonts.regular, { subset: true }), bold: await doc.embedFont(fonts.bold, { subset: true }) }
  doc.setTitle(meta.title, { showInWindowTitleBar: true })
  doc.setLanguage(intlLocale[meta.locale])
  doc.setCreator('Compagnon')
  doc.setProducer('Compagnon')
  doc.setCreationDate(meta.createdAt)
  doc.setModificationDate(meta.createdAt)
  return { doc, f }
}

/** Words of `text` in lines no wider than `width` (a word longer than the line is cut). */
export function wrap (text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/ +/)) {
    const tried = line === '' ? word : `${line} ${word}`
    if (font.widthOfTextAtSize(tried, size) <= width) { line = tried; continue }
    if (line !== '') lines.push(line)
    line = word
    while (font.widthOfTextAtSize(line, size) > width && line.length > 1) {
      let cut = line.length - 1
      while (cut > 1 && font.widthOfTextAtSize(line.slice(0, cut), size) > width) cut--
      lines.push(line.slice(0, cut))
      line = line.slice(cut)
    }
  }
  if (line !== '') lines.push(line)
  return lines
}

/**
 * The largest size (down to `min`) at which the text fits in `maxLines` lines of `width`, with no
 * word cut ("Deux-Événem / ents") if any size allows it.
 */
function fit (text: string, font: PDFFont, max: number, min: number, width: number, maxLines: number): { size: number, lines: string[] } {
  const whole = text.split(/ +/).join(' ')
  for (const keepWords of [true, false]) {
    for (let size = max; size > min; size -= 1) {
      const lines = wrap(text, font, size, width)
      if (lines.length <= maxLines && (!keepWords || lines.join(' ') === whole)) return { size, lines }
    }
  }
  const lines = wrap(text, font, min, width)
  return { size: min, lines: lines.length <= maxLines ? lines : [...lines.slice(0, maxLines - 1), `${lines.slice(maxLines - 1).join(' ').slice(0, 60)}…`] }
}

/** Lines drawn from `top` down (left-aligned or centred between the margins); returns the y below them. */
function lines (page: PDFPage, text: string[], o: {
  top: number
  font: PDFFont
  size: number
  color?: Color
  center?: boolean
  x?: number
  leading?: number
}): number {
  const leading = o.leading ?? 1.2
  let y = o.top
  for (const line of text) {
    y -= o.size * leading
    const x = o.center === true ? (A4[0] - o.font.widthOfTextAtSize(line, o.size)) / 2 : o.x ?? MARGIN
    page.drawText(line, { x, y: y + o.size * (leading - 1) / 2 + o.size * 0.2, size: o.size, font: o.font, color: o.color ?? INK })
  }
  return y
}

/** A QR code of `text`, `size` points square, its bottom-left corner at (x, y); dark runs drawn as rectangles. */
function drawQr (page: PDFPage, text: string, x: number, y: number, size: number): void {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' })
  const n = qr.modules.size
  const cell = size / n
  for (let row = 0; row < n; row++) {
    let col = 0
    while (col < n) {
      if (qr.modules.get(row, col) === 0) { col++; continue }
      const start = col
      while (col < n && qr.modules.get(row, col) !== 0) col++
      // A hair taller than the cell: no pale seam between rows in viewers that anti-alias.
      page.drawRectangle({ x: x + start * cell, y: y + size - (row + 1) * cell - 0.05, width: (col - start) * cell, height: cell + 0.1, color: BLACK })
    }
  }
}

const capitalize = (text: string): string => text.charAt(0).toLocaleUpperCase() + text.slice(1)

/** What both posters say under their QR code: scan or open the address, then type the room's code. */
function howTo (f: Fonts, locale: Locale, address: string): { height: number, draw: (page: PDFPage, top: number) => void } {
  const width = A4[0] - 2 * MARGIN
  const scan = fit(t(locale, 'kiosk.posterScan'), f.regular, 15, 12, width, 1)
  const then = fit(t(locale, 'kiosk.posterTypeCode'), f.regular, 15, 12, width, 1)
  // The address on one line, as large as it fits (an address cut in two is easy to mistype).
  let size = 40
  while (size > 10 && f.bold.widthOfTextAtSize(address, size) > width) size--
  const url = wrap(address, f.bold, size, width)
  return {
    height: (scan.lines.length * scan.size + url.length * size + then.lines.length * then.size) * 1.2 + 8,
    draw: (page, top) => {
      let y = lines(page, scan.lines, { top, font: f.regular, size: scan.size, center: true })
      y = lines(page, url, { top: y - 4, font: f.bold, size, color: ACCENT, center: true })
      lines(page, then.lines, { top: y - 4, font: f.regular, size: then.size, center: true })
    }
  }
}

/** Space kept at the bottom of a poster for its footer line. */
const FOOTER = MARGIN + 40

/** The band at the top, with the event's title under it; returns the y below. */
function header (page: PDFPage, f: Fonts, eventTitle: string): number {
  page.drawRectangle({ x: 0, y: A4[1] - 14, width: A4[0], height: 14, color: BRAND })
  const title = fit(eventTitle, f.regular, 12, 9, A4[0] - 2 * MARGIN, 2)
  return lines(page, title.lines, { top: A4[1] - MARGIN + 10, font: f.regular, size: title.size, color: MUTED })
}

/**
 * The check-in block under a poster's text: the QR code, as large as the space left allows (between
 * `min` and `max`), the how-to lines, and the line for people without a phone at the bottom (drawn
 * last: text is read in drawing order).
 */
function checkInBlock (
  page: PDFPage,
  f: Fonts,
  p: { locale: Locale, url: string, address: string },
  top: number,
  qr: { min: number, max: number, gap: number }
): void {
  const how = howTo(f, p.locale, p.address)
  const size = Math.max(qr.min, Math.min(qr.max, top - qr.gap - 16 - how.height - FOOTER))
  drawQr(page, p.url, (A4[0] - size) / 2, top - qr.gap - size, size)
  how.draw(page, top - qr.gap - size - 12)
  lines(page, wrap(t(p.locale, 'kiosk.posterPass'), f.regular, 13, A4[0] - 2 * MARGIN), {
    top: MARGIN + 22,
    font: f.regular,
    size: 13,
    color: MUTED,
    center: true
  })
}

export interface SessionPoster {
  locale: Locale
  eventTitle: string
  title: string
  /** "mardi 21 octobre" */
  day: string
  start: string
  end: string
  room: string | null
  /** Where the QR code leads (the typed-code page) and the same address as people type it. */
  url: string
  address: string
  createdAt: Date
}

/** A session's door poster: what it is, when, where, and how to check in. */
export async function sessionPosterPdf (p: SessionPoster, fonts: PosterFonts): Promise<Buffer> {
  const { doc, f } = await newDocument(fonts, { title: t(p.locale, 'kiosk.posterDocTitle', { title: p.title }), locale: p.locale, createdAt: p.createdAt })
  const page = doc.addPage(A4)
  const width = A4[0] - 2 * MARGIN
  let y = header(page, f, p.eventTitle)
  y = lines(page, [t(p.locale, 'kiosk.posterHeading')], { top: y - 14, font: f.bold, size: 22, color: ACCENT })
  const title = fit(p.title, f.bold, 32, 18, width, 3)
  y = lines(page, title.lines, { top: y - 6, font: f.bold, size: title.size, color: BRAND, leading: 1.15 })
  y = lines(
    page,
    wrap(capitalize(t(p.locale, 'kiosk.posterWhen', { day: p.day, start: p.start, end: p.end })), f.regular, 18, width),
    { top: y - 8, font: f.regular, size: 18 }
  )
  if (p.room !== null) y = lines(page, wrap(p.room, f.bold, 18, width), { top: y, font: f.bold, size: 18 })
  checkInBlock(page, f, p, y, { min: 160, max: 340, gap: 20 })
  return Buffer.from(await doc.save({ useObjectStreams: false }))
}

export interface RoomPoster {
  locale: Locale
  eventTitle: string
  room: string
  day: string
  sessions: Array<{ start: string, end: string, title: string }>
  url: string
  address: string
  createdAt: Date
}

/** A room's poster for a day: the room, the day, its sessions, and how to check in. */
export async function roomPosterPdf (p: RoomPoster, fonts: PosterFonts): Promise<Buffer> {
  const { doc, f } = await newDocument(fonts, {
    title: t(p.locale, 'kiosk.roomPosterDocTitle', { room: p.room, day: p.day }),
    locale: p.locale,
    createdAt: p.createdAt
  })
  const page = doc.addPage(A4)
  const width = A4[0] - 2 * MARGIN
  let y = header(page, f, p.eventTitle)
  y = lines(page, [t(p.locale, 'kiosk.posterHeading')], { top: y - 14, font: f.bold, size: 22, color: ACCENT })
  const room = fit(p.room, f.bold, 34, 18, width, 2)
  y = lines(page, room.lines, { top: y - 6, font: f.bold, size: room.size, color: BRAND })
  y = lines(page, [capitalize(p.day)], { top: y - 4, font: f.regular, size: 18 })
  // The day's sessions: time on the left, title wrapped on the right (at most 8 sessions shown in full).
  y = lines(page, [t(p.locale, 'kiosk.roomPosterSessions')], { top: y - 10, font: f.bold, size: 13, color: MUTED })
  const timeWidth = Math.max(...p.sessions.map(s => f.regular.widthOfTextAtSize(`${s.start} – ${s.end}`, 12)), 0) + 14
  for (const s of p.sessions) {
    const top = y
    lines(page, [`${s.start} – ${s.end}`], { top, font: f.regular, size: 12 })
    y = lines(page, wrap(s.title, f.bold, 12, width - timeWidth).slice(0, 2), { top, font: f.bold, size: 12, x: MARGIN + timeWidth })
    page.drawLine({ start: { x: MARGIN, y: y - 1 }, end: { x: A4[0] - MARGIN, y: y - 1 }, thickness: 0.5, color: LINE })
    y -= 3
  }
  checkInBlock(page, f, p, y, { min: 120, max: 320, gap: 16 })
  return Buffer.from(await doc.save({ useObjectStreams: false }))
}

export interface PassSheets {
  locale: Locale
  eventTitle: string
  passes: Array<{ name: string, code: string, url: string }>
  /** People registered to attend whose pass the organizer may not print (they open it on their phone). */
  leftOut: number
  createdAt: Date
}

const COLUMNS = 2
const ROWS = 4

/** Personal passes, eight to an A4 page, with dashed cut lines: name, QR code, code to type, the event. */
export async function passSheetsPdf (p: PassSheets, fonts: PosterFonts): Promise<Buffer> {
  const { doc, f } = await newDocument(fonts, {
    title: t(p.locale, 'kiosk.passSheetsDocTitle', { event: p.eventTitle }),
    locale: p.locale,
    createdAt: p.createdAt
  })
  const margin = 28
  const footer = 18
  const cardW = (A4[0] - 2 * margin) / COLUMNS
  const cardH = (A4[1] - 2 * margin - footer) / ROWS
  const perPage = COLUMNS * ROWS
  const pages = Math.max(1, Math.ceil(p.passes.length / perPage))
  for (let n = 0; n < pages; n++) {
    const page = doc.addPage(A4)
    if (p.passes.length === 0) lines(page, [t(p.locale, 'kiosk.passSheetsNone')], { top: A4[1] - margin, font: f.regular, size: 14, x: margin })
    p.passes.slice(n * perPage, (n + 1) * perPage).forEach((pass, i) => {
      const x = margin + (i % COLUMNS) * cardW
      const top = A4[1] - margin - Math.floor(i / COLUMNS) * cardH
      page.drawRectangle({ x, y: top - cardH, width: cardW, height: cardH, borderColor: LINE, borderWidth: 0.6, borderDashArray: [4, 3] })
      const pad = 12
      const qr = Math.min(cardH - 2 * pad, 118)
      drawQr(page, pass.url, x + pad, top - pad - qr, qr)
      const textX = x + pad + qr + 10
      const textW = cardW - (textX - x) - pad
      const name = fit(pass.name, f.bold, 15, 9, textW, 3)
      let y = lines(page, name.lines, { top: top - pad + 2, font: f.bold, size: name.size, x: textX, color: BRAND })
      const code = formatPassCode(pass.code)
      const codeSize = fit(code, f.bold, 15, 8, textW, 1).size
      y = lines(page, [code], { top: y - 6, font: f.bold, size: codeSize, x: textX })
      lines(page, wrap(t(p.locale, 'kiosk.passSheetsHelp'), f.regular, 8.5, textW).slice(0, 3), {
        top: y - 4,
        font: f.regular,
        size: 8.5,
        x: textX,
        color: MUTED
      })
      lines(page, wrap(p.eventTitle, f.regular, 7.5, cardW - 2 * pad).slice(0, 2), {
        top: top - cardH + pad + 20,
        font: f.regular,
        size: 7.5,
        x: x + pad,
        color: MUTED
      })
    })
    const label = t(p.locale, 'kiosk.passSheetsPage', { page: n + 1, pages })
    const labelWidth = f.regular.widthOfTextAtSize(label, 8)
    page.drawText(label, { x: A4[0] - margin - labelWidth, y: margin - 14, size: 8, font: f.regular, color: MUTED })
    if (n === 0 && p.leftOut > 0) {
      // Smaller type rather than a cut sentence: its end says what those people do instead.
      const note = fit(t(p.locale, 'kiosk.passSheetsLeftOut', { count: p.leftOut }), f.regular, 8, 6, A4[0] - 2 * margin - labelWidth - 12, 2)
      lines(page, note.lines, { top: margin - 4, font: f.regular, size: note.size, x: margin, color: MUTED })
    }
  }
  return Buffer.from(await doc.save({ useObjectStreams: false }))
}
