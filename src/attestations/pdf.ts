// The PDF of an attestation de formation, from a frozen snapshot and the assets of
// reports/attestation/ (texts, layout, fonts, signature). No database here.
//
// Speed: subsetting a TrueType font per document dominates a naive render (~45–55 ms). Here each
// font is subset ONCE, at load, to Latin-1 + French typography + every character of the texts,
// and the subset (already deflated), its widths and its ToUnicode map are copied as-is into each
// document. A snapshot with a character outside that set (e.g. "Łukasz") gets a font prepared for
// the set plus its extra characters, cached.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { deflateSync } from 'node:zlib'
import fontkit from '@pdf-lib/fontkit'
import {
  PDFArray, PDFDocument, PDFHexString, PDFName, PDFObjectCopier, PDFString, type PDFPage, type PDFRef
} from 'pdf-lib'
import QRCode from 'qrcode'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { intlLocale } from '../views/i18n.js'
import { dateSpan, formatDate, formatDuration, formatHours, formatSessionStart } from './format.js'
import { attestationSnapshotSchema, groupVerificationCode, type AttestationSnapshot } from './snapshot.js'

type Font = ReturnType<typeof fontkit.create>
export type Locale = 'fr' | 'en'

// ---------- assets ----------

const textsSchema = z.object({
  title: z.string().min(1),
  intro: z.string(),
  attended: z.string().min(1),
  datesPlace: z.string().min(1),
  datesPlaceOneDay: z.string().min(1),
  hours: z.string().min(1),
  hoursUnit: z.string().min(1),
  uec: z.string().min(1),
  uecUnit: z.string().min(1),
  sessionsHeading: z.string().min(1),
  sessionLine: z.string().min(1),
  issued: z.string().min(1),
  verificationLabel: z.string().min(1),
  verifyAt: z.string().min(1),
  continued: z.string(),
  page: z.string().min(1)
}).strict()
export type AttestationTexts = z.infer<typeof textsSchema>

const margin = z.number().min(0).max(200)
const layoutSchema = z.object({
  page: z.object({
    size: z.enum(['LETTER', 'A4']).default('LETTER'),
    margins: z.object({ top: margin, right: margin, bottom: margin, left: margin })
  }),
  issuer: z.object({
    name: z.string().min(1),
    title: z.object({ fr: z.string().min(1), en: z.string().min(1) }),
    signature: z.string().min(1),
    /** The training's organizer as printed ("offered by …"); frozen into each snapshot at issue. */
    organization: z.object({ fr: z.string().min(1), en: z.string().min(1) }).default({
      fr: 'École nationale d’administration publique (ÉNAP)', en: 'École nationale d’administration publique (ÉNAP)'
    }),
    /** Where the training took place as printed; default: the event's location. */
    place: z.object({ fr: z.string().min(1), en: z.string().min(1) }).optional()
  }),
  fonts: z.object({ regular: z.string().min(1), bold: z.string().min(1) })
}).strict()
export type AttestationLayout = z.infer<typeof layoutSchema>

export class AttestationAssetsError extends Error {
  override name = 'AttestationAssetsError'
}

interface PreparedFont {
  baseFont: string
  glyphs: Map<number, { gid: number, width: number }> // code point → subset glyph id, width /1000 em
  fontFile: Uint8Array // deflated TrueType subset
  fontFileLength: number
  toUnicode: Uint8Array // deflated CMap
  widths: Array<number | number[]>
  descriptor: { flags: number, bbox: number[], italicAngle: number, ascent: number, descent: number, capHeight: number, xHeight: number }
}

interface FontSource {
  font: Font
  base: Set<number>
  prepared: PreparedFont
  extra: Map<string, PreparedFont>
}

export interface AttestationAssets {
  dir: string
  texts: Record<Locale, AttestationTexts>
  layout: AttestationLayout
  signaturePng: Uint8Array
  /** The signature embedded once (compressed image and its alpha mask), copied into each document */
  signature: { source: PDFDocument, ref: PDFRef, width: number, height: number }
  fonts: { regular: FontSource, bold: FontSource }
}

function readAsset (dir: string, rel: string, what: string): Buffer {
  const file = path.resolve(dir, rel)
  try {
    return readFileSync(file)
  } catch (err) {
    throw new AttestationAssetsError(`${file}: cannot read the ${what} (${(err as Error).message})`)
  }
}

function parseYamlFile<T> (dir: string, rel: string, schema: z.ZodType<T>): T {
  const file = path.join(dir, rel)
  const source = readAsset(dir, rel, 'file').toString('utf8')
  let data: unknown
  try {
    data = parseYaml(source)
  } catch (err) {
    throw new AttestationAssetsError(`${file}: not valid YAML: ${(err as Error).message}`)
  }
  const result = schema.safeParse(data)
  if (!result.success) {
    const issues = result.error.issues.map((i) => {
      const field = i.path.length > 0 ? i.path.join('.') : '(file)'
      return i.code === 'unrecognized_keys' ? `${field}: unknown field(s) ${i.keys.join(', ')}` : `field "${field}": ${i.message}`
    })
    throw new AttestationAssetsError(`${file}: ${issues.join('; ')}`)
  }
  return result.data
}

// Latin-1, French and English typography; everything else comes from the texts or on demand.
const BASE_CHARS: number[] = [
  ...range(0x20, 0x7e), ...range(0xa0, 0xff),
  0x152, 0x153, 0x178, 0x2009, 0x2010, 0x2011, 0x2013, 0x2014, 0x2018, 0x2019, 0x201c, 0x201d,
  0x2022, 0x2026, 0x202f, 0x20ac, 0x2122
]

function range (a: number, b: number): number[] {
  return Array.from({ length: b - a + 1 }, (_, i) => a + i)
}

function codePoints (s: string): number[] {
  const out: number[] = []
  for (let i = 0; i < s.length; i++) {
    const cp = s.codePointAt(i) as number
    out.push(cp)
    if (cp > 0xffff) i++
  }
  return out
}

async function encodeSubset (subset: ReturnType<Font['createSubset']>): Promise<Uint8Array> {
  return await new Promise((resolve, reject) => {
    const parts: Uint8Array[] = []
    const stream = subset.encodeStream() as unknown as NodeJS.EventEmitter
    stream.on('data', (bytes: Uint8Array) => parts.push(bytes))
    stream.on('end', () => resolve(Buffer.concat(parts)))
    stream.on('error', reject)
  })
}

async function prepareFont (font: Font, chars: Iterable<number>, tag: string): Promise<PreparedFont> {
  const scale = 1000 / font.unitsPerEm
  const subset = font.createSubset()
  const glyphs = new Map<number, { gid: number, width: number }>()
  for (const cp of [...new Set(chars)].sort((a, b) => a - b)) {
    const glyph = font.glyphForCodePoint(cp)
    if (glyph.id === 0) continue
    glyphs.set(cp, { gid: subset.includeGlyph(glyph), width: Math.round(glyph.advanceWidth * scale) })
  }
  const raw = await encodeSubset(subset)
  const byGid = [...glyphs.entries()].sort((a, b) => a[1].gid - b[1].gid)
  const widths: Array<number | number[]> = []
  let prev = -2
  let section: number[] = []
  for (const [, g] of byGid) {
    if (g.gid !== prev + 1) {
      if (section.length > 0) widths.push(section)
      widths.push(g.gid)
      section = []
    }
    section.push(g.width)
    prev = g.gid
  }
  if (section.length > 0) widths.push(section)
  const hex4 = (n: number): string => n.toString(16).padStart(4, '0')
  const utf16 = (cp: number): string => {
    const s = String.fromCodePoint(cp)
    let h = ''
    for (let i = 0; i < s.length; i++) h += hex4(s.charCodeAt(i))
    return h
  }
  const lines: string[] = []
  for (let i = 0; i < byGid.length; i += 100) {
    const chunk = byGid.slice(i, i + 100)
    lines.push(`${chunk.length} beginbfchar`, ...chunk.map(([cp, g]) => `<${hex4(g.gid)}> <${utf16(cp)}>`), 'endbfchar')
  }
  const cmap = [
    '/CIDInit /ProcSet findresource begin', '12 dict begin', 'begincmap',
    '/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def',
    '/CMapName /Adobe-Identity-UCS def', '/CMapType 2 def',
    '1 begincodespacerange', '<0000><ffff>', 'endcodespacerange',
    ...lines, 'endcmap', 'CMapName currentdict /CMap defineresource pop', 'end', 'end'
  ].join('\n')
  const bbox = font.bbox
  // FontDescriptor flags: 32 = non-symbolic (+1 fixed pitch, +64 italic)
  const flags = 32 | (font.post.isFixedPitch ? 1 : 0) | (font.italicAngle !== 0 ? 64 : 0)
  return {
    baseFont: `${tag}+${(font.postscriptName ?? 'Font').replace(/[^A-Za-z0-9-]/g, '')}`,
    glyphs,
    fontFile: deflateSync(raw),
    fontFileLength: raw.length,
    toUnicode: deflateSync(Buffer.from(cmap, 'latin1')),
    widths,
    descriptor: {
      flags,
      bbox: [bbox.minX, bbox.minY, bbox.maxX, bbox.maxY].map((v) => Math.round(v * scale)),
      italicAngle: font.italicAngle,
      ascent: Math.round(font.ascent * scale),
      descent: Math.round(font.descent * scale),
      capHeight: Math.round((font.capHeight || font.ascent) * scale),
      xHeight: Math.round((font.xHeight || 0) * scale)
    }
  }
}

async function loadFont (dir: string, rel: string, chars: Set<number>, tag: string): Promise<FontSource> {
  const bytes = readAsset(dir, rel, 'font')
  let font: Font
  try {
    font = fontkit.create(bytes)
  } catch (err) {
    throw new AttestationAssetsError(`${path.resolve(dir, rel)}: not a TrueType/OpenType font (${(err as Error).message})`)
  }
  return { font, base: chars, prepared: await prepareFont(font, chars, tag), extra: new Map() }
}

/** Reads reports/attestation (or another folder) once: texts, layout, fonts (subset once), signature. */
export async function loadAttestationAssets (dir: string): Promise<AttestationAssets> {
  const texts = {
    fr: parseYamlFile(dir, 'texts.fr.yaml', textsSchema),
    en: parseYamlFile(dir, 'texts.en.yaml', textsSchema)
  }
  const layout = parseYamlFile(dir, 'layout.yaml', layoutSchema)
  const signaturePng = readAsset(dir, layout.issuer.signature, 'signature image')
  if (signaturePng.subarray(1, 4).toString('latin1') !== 'PNG') {
    throw new AttestationAssetsError(`${path.resolve(dir, layout.issuer.signature)}: the signature must be a PNG image`)
  }
  const chars = new Set(BASE_CHARS)
  const allText = [...Object.values(texts.fr), ...Object.values(texts.en), layout.issuer.name, layout.issuer.title.fr, layout.issuer.title.en].join('')
  for (const cp of codePoints(allText)) chars.add(cp)
  const source = await PDFDocument.create({ updateMetadata: false })
  const image = await source.embedPng(signaturePng)
  await image.embed()
  return {
    dir,
    texts,
    layout,
    signaturePng,
    signature: { source, ref: image.ref, width: image.width, height: image.height },
    fonts: { regular: await loadFont(dir, layout.fonts.regular, chars, 'CMPGRA'), bold: await loadFont(dir, layout.fonts.bold, chars, 'CMPGBB') }
  }
}

async function fontFor (source: FontSource, used: Set<number>): Promise<PreparedFont> {
  const missing = [...used].filter((cp) => !source.base.has(cp) && source.font.glyphForCodePoint(cp).id !== 0).sort((a, b) => a - b)
  if (missing.length === 0) return source.prepared
  const key = String.fromCodePoint(...missing)
  let prepared = source.extra.get(key)
  if (prepared === undefined) {
    prepared = await prepareFont(source.font, [...source.base, ...missing], source.prepared.baseFont.slice(0, 6))
    if (source.extra.size >= 64) source.extra.delete(source.extra.keys().next().value as string)
    source.extra.set(key, prepared)
  }
  return prepared
}

function embedPrepared (doc: PDFDocument, f: PreparedFont): PDFRef {
  const ctx = doc.context
  const fontFile = ctx.register(ctx.stream(f.fontFile, { Filter: 'FlateDecode', Length1: f.fontFileLength }))
  const descriptor = ctx.register(ctx.obj({
    Type: 'FontDescriptor',
    FontName: f.baseFont,
    Flags: f.descriptor.flags,
    FontBBox: f.descriptor.bbox,
    ItalicAngle: f.descriptor.italicAngle,
    Ascent: f.descriptor.ascent,
    Descent: f.descriptor.descent,
    CapHeight: f.descriptor.capHeight,
    XHeight: f.descriptor.xHeight,
    StemV: 0,
    FontFile2: fontFile
  }))
  const cidFont = ctx.register(ctx.obj({
    Type: 'Font',
    Subtype: 'CIDFontType2',
    CIDToGIDMap: 'Identity',
    BaseFont: f.baseFont,
    CIDSystemInfo: { Registry: PDFString.of('Adobe'), Ordering: PDFString.of('Identity'), Supplement: 0 },
    FontDescriptor: descriptor,
    W: f.widths
  }))
  const toUnicode = ctx.register(ctx.stream(f.toUnicode, { Filter: 'FlateDecode' }))
  return ctx.register(ctx.obj({
    Type: 'Font', Subtype: 'Type0', BaseFont: f.baseFont, Encoding: 'Identity-H', DescendantFonts: [cidFont], ToUnicode: toUnicode
  }))
}

// ---------- formatting ----------

/** French elides its article before a vowel or an h: "par l’École…", "par le Centre…". */
const ELIDES = /^[aeiouyhàâäéèêëîïôöûüùœæ]/i

/**
 * A text of texts.*.yaml with its {placeholders} replaced. `<le>{organizer}</le>` and
 * `<de>{name}</de>` put the French article before a value, elided when it starts with a vowel.
 */
function interpolate (template: string, values: Record<string, string>): string {
  return template
    .replace(/<(le|de)>\{(\w+)\}<\/\1>/g, (m, article: string, key: string) => {
      const value = values[key]
      if (value === undefined) return m
      return ELIDES.test(value) ? `${article.charAt(0)}’${value}` : `${article} ${value}`
    })
    .replace(/\{(\w+)\}/g, (m, key: string) => values[key] ?? m)
}

// ---------- drawing ----------

interface Writer {
  page: PDFPage
  ops: string[]
  fonts: { regular: { key: string, f: PreparedFont }, bold: { key: string, f: PreparedFont } }
}
type Weight = 'regular' | 'bold'

function widthOf (f: PreparedFont, text: string, size: number): number {
  let w = 0
  for (const cp of codePoints(text)) w += f.glyphs.get(cp)?.width ?? 500
  return (w * size) / 1000
}

function encode (f: PreparedFont, text: string): string {
  let hex = ''
  for (const cp of codePoints(text)) hex += (f.glyphs.get(cp)?.gid ?? 0).toString(16).padStart(4, '0')
  return hex
}

// Content streams are written as text and deflated with Node's zlib (pdf-lib would use pako).
function num (n: number): string {
  return String(Math.round(n * 1000) / 1000)
}

function drawText (w: Writer, text: string, x: number, y: number, size: number, weight: Weight = 'regular'): void {
  const { key, f } = w.fonts[weight]
  w.ops.push(`BT /${key} ${num(size)} Tf ${num(x)} ${num(y)} Td <${encode(f, text)}> Tj ET`)
}

function wrap (f: PreparedFont, text: string, size: number, maxWidth: number): string[] {
  const words = text.split(' ')
  const lines: string[] = []
  let line = ''
  for (const word of words) {
    const candidate = line === '' ? word : `${line} ${word}`
    if (line !== '' && widthOf(f, candidate, size) > maxWidth) {
      lines.push(line)
      line = word
    } else {
      line = candidate
    }
  }
  if (line !== '') lines.push(line)
  return lines
}

function drawQr (w: Writer, url: string, x: number, y: number, size: number): void {
  const qr = QRCode.create(url, { errorCorrectionLevel: 'M' })
  const n = qr.modules.size
  const cell = size / n
  const ops = ['q 0 g']
  for (let row = 0; row < n; row++) {
    let col = 0
    while (col < n) {
      if (qr.modules.get(row, col) === 0) { col++; continue }
      const start = col
      while (col < n && qr.modules.get(row, col) !== 0) col++
      ops.push(`${num(x + start * cell)} ${num(y + size - (row + 1) * cell)} ${num((col - start) * cell)} ${num(cell)} re`)
    }
  }
  ops.push('f Q')
  w.ops.push(ops.join('\n'))
}

function round (n: number): number {
  return Math.round(n * 1000) / 1000
}

const PAGE_SIZES = { LETTER: [612, 792], A4: [595.28, 841.89] } as const

/** Renders the attestation: same snapshot and assets → same bytes. */
export async function renderAttestation (input: AttestationSnapshot, assets: AttestationAssets): Promise<Buffer> {
  const s = attestationSnapshotSchema.parse(input)
  const t = assets.texts[s.locale]
  const L = assets.layout
  const loc = s.locale
  const zone = s.timezone

  // One day, or the first and last days with only what differs ("du 20 au 24 octobre 2025").
  const span = dateSpan(s.startDate, s.endDate, zone, loc)
  const oneDay = 'day' in span
  const hoursText = interpolate(t.hoursUnit, { n: formatHours(s.hours, loc) })
  const uecText = interpolate(t.uecUnit, { n: formatHours(Math.round(s.hours * 10) / 100, loc) })
  const values: Record<string, string> = {
    name: s.name,
    trainingTitle: s.trainingTitle,
    organizer: s.organizer,
    place: s.place,
    startDate: oneDay ? span.day : span.start,
    endDate: oneDay ? span.day : span.end,
    hours: hoursText,
    uec: uecText,
    issueDate: formatDate(s.issuedAt, zone, loc),
    code: groupVerificationCode(s.verificationCode),
    url: s.verifyUrl
  }
  const sessions = s.sessions.map((x) => ({
    left: interpolate(t.sessionLine, {
      ...values,
      sessionDate: formatSessionStart(x.startsAt, zone, loc),
      sessionDuration: formatDuration(x.durationMinutes)
    }),
    title: x.title
  }))

  const used = new Set(codePoints([s.name, s.trainingTitle, s.organizer, s.place, s.verifyUrl, ...sessions.map((x) => x.left + x.title), values.startDate, values.endDate, values.issueDate].join('')))
  const regular = await fontFor(assets.fonts.regular, used)
  const bold = await fontFor(assets.fonts.bold, used)

  const doc = await PDFDocument.create({ updateMetadata: false })
  const issued = new Date(s.issuedAt)
  doc.setTitle(`${t.title} — ${s.name}`)
  doc.setAuthor(L.issuer.name)
  doc.setCreator('Compagnon')
  doc.setProducer('Compagnon (pdf-lib)')
  doc.setLanguage(intlLocale[loc])
  doc.setCreationDate(issued)
  doc.setModificationDate(issued)
  const id = createHash('sha256').update(JSON.stringify(s)).digest('hex').slice(0, 32)
  doc.context.trailerInfo.ID = PDFArray.withContext(doc.context)
  ;(doc.context.trailerInfo.ID as PDFArray).push(PDFHexString.of(id))
  ;(doc.context.trailerInfo.ID as PDFArray).push(PDFHexString.of(id))

  const regularRef = embedPrepared(doc, regular)
  const boldRef = embedPrepared(doc, bold)
  const signatureRef = doc.context.register(PDFObjectCopier.for(assets.signature.source.context, doc.context)
    .copy(assets.signature.source.context.lookup(assets.signature.ref)!))

  const [pw, ph] = PAGE_SIZES[L.page.size]
  const m = L.page.margins
  const left = m.left
  const right = pw - m.right
  const width = right - left
  const center = (w: Writer, text: string, y: number, size: number, weight: Weight = 'regular'): void => {
    const f = w.fonts[weight].f
    drawText(w, text, round(left + (width - widthOf(f, text, size)) / 2), y, size, weight)
  }
  const newPage = (): Writer => {
    const page = doc.addPage([pw, ph])
    page.node.setFontDictionary(PDFName.of('F1'), regularRef)
    page.node.setFontDictionary(PDFName.of('F2'), boldRef)
    page.node.setXObject(PDFName.of('Im1'), signatureRef)
    return { page, ops: [], fonts: { regular: { key: 'F1', f: regular }, bold: { key: 'F2', f: bold } } }
  }

  // Header block (page 1)
  const pages: Writer[] = [newPage()]
  let w = pages[0] as Writer
  let y = ph - m.top - 24
  center(w, t.title, y, 24, 'bold')
  y -= 44
  if (t.intro !== '') { center(w, interpolate(t.intro, values), y, 12); y -= 30 }
  for (const line of wrap(bold, s.name, 20, width)) { center(w, line, y, 20, 'bold'); y -= 26 }
  y -= 6
  const datesPlace = interpolate(oneDay ? t.datesPlaceOneDay : t.datesPlace, values)
  for (const para of [interpolate(t.attended, values), datesPlace]) {
    for (const line of wrap(regular, para, 12, width)) { center(w, line, y, 12); y -= 16 }
  }
  y -= 10
  center(w, interpolate(t.hours, values), y, 12, 'bold'); y -= 16
  center(w, interpolate(t.uec, values), y, 12); y -= 28

  // Footer block (last page): signature, issuer, issue date, code, QR
  const qrSize = 96
  const footerHeight = 150
  const pageNumberSpace = 14
  const sessionsBottom = m.bottom + footerHeight + pageNumberSpace

  // Session list: two columns, titles wrapped. Shrink the type until it fits in two pages.
  const leftCol = Math.min(width / 2, Math.max(120, ...sessions.map((x) => widthOf(regular, x.left, 10) + 12)))
  let size = 10
  let rows: Array<{ left: string, lines: string[] }> = []
  const lineHeight = (sz: number): number => sz * 1.3
  const fits = (sz: number): boolean => {
    rows = sessions.map((x) => ({ left: x.left, lines: wrap(regular, x.title, sz, width - leftCol) }))
    // rows never split across pages: allow for one row's worth of unused space at a page end
    const tallest = rows.reduce((a, r) => Math.max(a, r.lines.length * lineHeight(sz) + 2), 0)
    const needed = rows.reduce((a, r) => a + r.lines.length * lineHeight(sz) + 2, 0) + tallest
    const firstPage = y - 20 - (m.bottom + pageNumberSpace) // page 1 without footer if continued
    const secondPage = ph - m.top - 40 - sessionsBottom
    return needed <= Math.max(y - 20 - sessionsBottom, firstPage + secondPage)
  }
  while (!fits(size) && size > 6) size -= 0.5
  if (!fits(size)) throw new RangeError('attestation: too many sessions to fit on two pages')

  if (sessions.length > 0) {
    drawText(w, t.sessionsHeading, left, y, 13, 'bold'); y -= 20
    const totalNeeded = rows.reduce((a, r) => a + r.lines.length * lineHeight(size) + 2, 0)
    let limit = y - totalNeeded >= sessionsBottom ? sessionsBottom : m.bottom + pageNumberSpace
    for (const row of rows) {
      const h = row.lines.length * lineHeight(size) + 2
      if (y - h < limit) {
        w = newPage()
        pages.push(w)
        y = ph - m.top - 14
        drawText(w, `${t.sessionsHeading} ${t.continued}`.trim(), left, y, 13, 'bold'); y -= 20
        limit = sessionsBottom
      }
      drawText(w, row.left, left, y, size)
      for (const line of row.lines) { drawText(w, line, left + leftCol, y, size); y -= lineHeight(size) }
      y -= 2
    }
  }
  if (y - 10 < sessionsBottom) {
    w = newPage()
    pages.push(w)
  }

  // footer
  const fy = m.bottom + pageNumberSpace
  const sigH = 40
  const sigW = (assets.signature.width / assets.signature.height) * sigH
  w.ops.push(`q ${num(sigW)} 0 0 ${num(sigH)} ${num(left)} ${num(fy + 104)} cm /Im1 Do Q`)
  drawText(w, L.issuer.name, left, fy + 90, 11, 'bold')
  for (const [i, line] of wrap(regular, L.issuer.title[loc], 10, width - qrSize - 30).slice(0, 2).entries()) {
    drawText(w, line, left, fy + 76 - i * 13, 10)
  }
  drawText(w, interpolate(t.issued, values), left, fy + 44, 10)
  drawText(w, interpolate(t.verificationLabel, values), left, fy + 22, 9)
  drawText(w, values.code ?? '', left, fy + 6, 12, 'bold')
  drawQr(w, s.verifyUrl, right - qrSize, fy + 20, qrSize)
  const verify = interpolate(t.verifyAt, values)
  const vSize = Math.min(7, (7 * (width * 0.55)) / Math.max(1, widthOf(regular, verify, 7)))
  drawText(w, verify, round(right - widthOf(regular, verify, vSize)), fy + 8, round(vSize))

  if (pages.length > 2) throw new RangeError('attestation: more than two pages')
  if (pages.length > 1) {
    pages.forEach((p, i) => {
      const label = interpolate(t.page, { page: String(i + 1), pages: String(pages.length) })
      drawText(p, label, round(right - widthOf(regular, label, 8)), m.bottom - 4, 8)
    })
  }

  for (const p of pages) {
    const content = deflateSync(Buffer.from(p.ops.join('\n'), 'latin1'))
    p.page.node.set(PDFName.of('Contents'), doc.context.register(doc.context.stream(content, { Filter: 'FlateDecode' })))
  }
  return Buffer.from(await doc.save({ useObjectStreams: false }))
}
