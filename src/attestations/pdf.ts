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
  PDFArray, PDFDocument, PDFHexString, PDFName, PDFNumber, PDFObjectCopier, PDFString, drawSvgPath, rgb,
  PDFDict, type PDFObject, type PDFPage, type PDFRef
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
  page: z.string().min(1),
  /** Alternative text of the QR code (read aloud by screen readers) */
  qrAlt: z.string().min(1),
  /** Alternative text of the signature image, when there is one */
  signatureAlt: z.string().min(1)
}).strict()
export type AttestationTexts = z.infer<typeof textsSchema>

const margin = z.number().min(0).max(200)
const color = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour written #rrggbb')
const perLocale = z.object({ fr: z.string().min(1), en: z.string().min(1) })
const layoutSchema = z.object({
  page: z.object({
    size: z.enum(['LETTER', 'A4']).default('A4'),
    margins: z.object({ top: margin, right: margin, bottom: margin, left: margin })
  }),
  /** brand: letterhead name, title, rules; accent: the short rule under the title; ink, muted: text */
  colors: z.object({ brand: color, accent: color, ink: color, muted: color, band: color }).partial().default({}),
  letterhead: z.object({
    /** A small mark left of the letterhead's lines: an SVG (shapes drawn as vectors) or a PNG */
    mark: z.string().min(1).optional(),
    /** The letterhead's lines, per language: the first in bold (default: the organization) */
    lines: z.object({ fr: z.array(z.string().min(1)).max(3), en: z.array(z.string().min(1)).max(3) }).optional()
  }).strict().default({}),
  issuer: z.object({
    /** The signatory; without one, the organization's name is printed under the signature line */
    name: z.string().min(1).optional(),
    title: perLocale.optional(),
    /** PNG of the signature, optional */
    signature: z.string().min(1).optional(),
    /** The training's organizer as printed ("offered by …"); frozen into each snapshot at issue. */
    organization: perLocale.default({
      fr: 'École nationale d’administration publique (ÉNAP)', en: 'École nationale d’administration publique (ÉNAP)'
    }),
    /** Where the training took place as printed; default: the event's location. */
    place: perLocale.optional()
  }).strict(),
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

interface EmbeddedImage { source: PDFDocument, ref: PDFRef, width: number, height: number }

export interface AttestationAssets {
  dir: string
  texts: Record<Locale, AttestationTexts>
  layout: AttestationLayout
  /** The signature, when one is configured: embedded once (image and its alpha mask), copied into each document */
  signature: EmbeddedImage | undefined
  /** The letterhead's mark: vector drawing instructions (from an SVG, in a 1×1 box scaled at use) or an image */
  mark: { ops: string, aspect: number } | EmbeddedImage | undefined
  colors: Record<'brand' | 'accent' | 'ink' | 'muted' | 'band', string>
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

async function embedPng (dir: string, rel: string, what: string): Promise<EmbeddedImage> {
  const png = readAsset(dir, rel, what)
  if (png.subarray(1, 4).toString('latin1') !== 'PNG') {
    throw new AttestationAssetsError(`${path.resolve(dir, rel)}: the ${what} must be a PNG image`)
  }
  const source = await PDFDocument.create({ updateMetadata: false })
  const image = await source.embedPng(png)
  await image.embed()
  return { source, ref: image.ref, width: image.width, height: image.height }
}

/** "#12304f" → "0.071 0.188 0.31" (PDF colour operands) */
function pdfColor (hex: string): string {
  return [1, 3, 5].map((i) => num(parseInt(hex.slice(i, i + 2), 16) / 255)).join(' ')
}

const SVG_NUMBER = /-?(?:\d+\.?\d*|\.\d+)(?:e-?\d+)?/gi

/**
 * A small SVG as PDF drawing instructions in a box 1 unit high (the caller scales it): shapes
 * path, rect, circle, ellipse, polygon with a fill colour (#rgb or #rrggbb; no text, no
 * gradients, no transforms). Enough for a letterhead's mark; anything else is refused by name.
 */
function svgMark (source: string, file: string): { ops: string, aspect: number } {
  const svg = /<svg\b([^>]*)>/i.exec(source)
  const attr = (attrs: string, name: string): string | undefined => new RegExp(`(?:^|\\s)${name}\\s*=\\s*["']([^"']*)["']`, 'i').exec(attrs)?.[1]
  const viewBox = svg === null ? undefined : attr(svg[1] ?? '', 'viewBox')?.match(SVG_NUMBER)?.map(Number)
  if (viewBox?.length !== 4 || !((viewBox[2] as number) > 0) || !((viewBox[3] as number) > 0)) {
    throw new AttestationAssetsError(`${file}: the letterhead mark needs an <svg viewBox="x y width height">`)
  }
  const [vx, vy, vw, vh] = viewBox as [number, number, number, number]
  const ops: string[] = []
  for (const m of source.matchAll(/<(path|rect|circle|ellipse|polygon|text|image|use|linearGradient|radialGradient)\b([^>]*)>/gi)) {
    const tag = (m[1] as string).toLowerCase()
    const a = m[2] as string
    const n = (name: string): number => Number(attr(a, name) ?? 0)
    let d: string
    if (tag === 'path') d = attr(a, 'd') ?? ''
    else if (tag === 'rect') d = `M${n('x')} ${n('y')}h${n('width')}v${n('height')}h${-n('width')}Z`
    else if (tag === 'circle' || tag === 'ellipse') {
      const rx = tag === 'circle' ? n('r') : n('rx')
      const ry = tag === 'circle' ? n('r') : n('ry')
      d = `M${n('cx') - rx} ${n('cy')}a${rx} ${ry} 0 1 0 ${2 * rx} 0a${rx} ${ry} 0 1 0 ${-2 * rx} 0Z`
    } else if (tag === 'polygon') {
      const p = (attr(a, 'points') ?? '').match(SVG_NUMBER) ?? []
      d = `M${p.join(' ')}Z`
    } else {
      throw new AttestationAssetsError(`${file}: <${tag}> is not supported in the letterhead mark (use path, rect, circle, ellipse, polygon)`)
    }
    const fill = attr(a, 'fill') ?? '#000000'
    if (fill === 'none' || d === '') continue
    const hex = /^#[0-9a-f]{3}$/i.test(fill) ? `#${[...fill.slice(1)].map((c) => c + c).join('')}` : fill
    if (!/^#[0-9a-f]{6}$/i.test(hex)) throw new AttestationAssetsError(`${file}: fill="${fill}": write colours as #rrggbb`)
    // drawSvgPath flips the y axis: the box's top-left corner is at (0, 0), 1 unit high
    const scale = 1 / vh
    ops.push(...drawSvgPath(d, {
      x: -vx * scale,
      y: 1 + vy * scale,
      scale,
      color: rgb(...(pdfColor(hex).split(' ').map(Number) as [number, number, number])),
      borderColor: undefined,
      borderWidth: 0
    })
      .map((op) => op.toString()))
  }
  return { ops: ops.join('\n'), aspect: vw / vh }
}

const DEFAULT_COLORS = { brand: '#12304f', accent: '#0b4f8a', ink: '#1b1f24', muted: '#4a5260', band: '#eef2f7' }

/** Reads reports/attestation (or another folder) once: texts, layout, fonts (subset once), images. */
export async function loadAttestationAssets (dir: string): Promise<AttestationAssets> {
  const texts = {
    fr: parseYamlFile(dir, 'texts.fr.yaml', textsSchema),
    en: parseYamlFile(dir, 'texts.en.yaml', textsSchema)
  }
  const layout = parseYamlFile(dir, 'layout.yaml', layoutSchema)
  const signature = layout.issuer.signature === undefined ? undefined : await embedPng(dir, layout.issuer.signature, 'signature image')
  let mark: AttestationAssets['mark']
  const markFile = layout.letterhead.mark
  if (markFile !== undefined) {
    mark = /\.svg$/i.test(markFile)
      ? svgMark(readAsset(dir, markFile, 'letterhead mark').toString('utf8'), path.resolve(dir, markFile))
      : await embedPng(dir, markFile, 'letterhead mark')
  }
  const chars = new Set(BASE_CHARS)
  const i = layout.issuer
  const allText = [
    ...Object.values(texts.fr), ...Object.values(texts.en), i.name ?? '', i.title?.fr ?? '', i.title?.en ?? '',
    ...(layout.letterhead.lines?.fr ?? []), ...(layout.letterhead.lines?.en ?? []), i.organization.fr, i.organization.en
  ].join('')
  for (const cp of codePoints(allText)) chars.add(cp)
  const colors = Object.fromEntries(Object.entries({ ...DEFAULT_COLORS, ...layout.colors }).map(([k, v]) => [k, pdfColor(v)])) as AttestationAssets['colors']
  return {
    dir,
    texts,
    layout,
    signature,
    mark,
    colors,
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

type Weight = 'regular' | 'bold'
type Fonts = Record<Weight, { key: string, f: PreparedFont }>

function widthOf (f: PreparedFont, text: string, size: number): number {
  let w = 0
  for (let i = 0; i < text.length; i++) {
    const cp = text.codePointAt(i) as number
    if (cp > 0xffff) i++
    w += f.glyphs.get(cp)?.width ?? 500
  }
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

/**
 * Lines of at most maxWidth: words (split at plain spaces; no-break spaces hold) and, for a word
 * wider than the line (an address), its characters, cut preferably after / - . or _.
 */
function wrap (f: PreparedFont, text: string, size: number, maxWidth: number): string[] {
  const space = widthOf(f, ' ', size)
  const pieces: Array<{ word: string, width: number }> = []
  for (const word of text.split(' ')) {
    const width = widthOf(f, word, size)
    if (width <= maxWidth) { pieces.push({ word, width }); continue }
    // wider than a line: cut it, preferably after / - . or _
    let start = 0
    let acc = 0
    let soft = -1
    let softAcc = 0
    for (let i = 0; i < word.length; i++) {
      const cw = widthOf(f, word.charAt(i), size)
      if (acc + cw > maxWidth && i > start) {
        const cut = soft > start + (i - start) / 2 ? soft : i
        const cutWidth = cut === soft ? softAcc : acc
        pieces.push({ word: word.slice(start, cut), width: cutWidth })
        acc -= cutWidth
        start = cut
        soft = -1
      }
      acc += cw
      if ('/-._'.includes(word.charAt(i))) { soft = i + 1; softAcc = acc }
    }
    pieces.push({ word: word.slice(start), width: acc })
  }
  const lines: string[] = []
  let line = ''
  let lineWidth = 0
  for (const { word, width } of pieces) {
    if (line !== '' && lineWidth + space + width > maxWidth) {
      lines.push(line)
      line = word
      lineWidth = width
    } else {
      lineWidth = line === '' ? width : lineWidth + space + width
      line = line === '' ? word : `${line} ${word}`
    }
  }
  if (line !== '') lines.push(line)
  return lines
}

type Run = { text: string, weight: Weight }

/** A text of texts.*.yaml as runs: the value of `boldKey` in bold, the rest regular. */
function runsOf (template: string, values: Record<string, string>, boldKey: string): Run[] {
  const marker = '\u0000'
  const filled = interpolate(template, { ...values, [boldKey]: `${marker}${values[boldKey] ?? ''}${marker}` })
  return filled.split(marker).map((text, i) => ({ text, weight: i % 2 === 1 ? 'bold' as const : 'regular' as const })).filter((r) => r.text !== '')
}

/** Runs wrapped into lines of at most maxWidth (words split at plain spaces, measured in their own weight). */
function wrapRuns (fonts: Record<Weight, PreparedFont>, runs: Run[], size: number, maxWidth: number): { runs: Run[], width: number }[] {
  const words: Run[][] = []
  let open = false
  for (const run of runs) {
    run.text.split(' ').forEach((piece, i) => {
      if (i === 0 && open && words.length > 0) (words.at(-1) as Run[]).push({ text: piece, weight: run.weight })
      else words.push([{ text: piece, weight: run.weight }])
    })
    open = !run.text.endsWith(' ')
  }
  const lines: { runs: Run[], width: number }[] = []
  let line: Run[] = []
  let width = 0
  for (const word of words.filter((w) => w.some((p) => p.text !== ''))) {
    const ww = word.reduce((a, p) => a + widthOf(fonts[p.weight], p.text, size), 0)
    const last = line.at(-1)
    const space = last === undefined ? 0 : widthOf(fonts[last.weight], ' ', size)
    if (last !== undefined && width + space + ww > maxWidth) {
      lines.push({ runs: line, width })
      line = []
      width = 0
    }
    if (line.length > 0) { (line.at(-1) as Run).text += ' '; width += space }
    for (const p of word) {
      const prev = line.at(-1)
      if (prev !== undefined && prev.weight === p.weight) prev.text += p.text
      else line.push({ ...p })
    }
    width += ww
  }
  if (line.length > 0) lines.push({ runs: line, width })
  return lines
}

function qrOps (url: string, x: number, y: number, size: number): string {
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
  return ops.join('\n')
}

const PAGE_SIZES = { LETTER: [612, 792], A4: [595.28, 841.89] } as const

// ---------- tagging (PDF/UA-friendly structure) ----------
// Every drawing instruction is either marked content belonging to a structure element
// (`/P <</MCID n>> BDC … EMC`) or an artifact (`/Artifact BMC … EMC`: rules, letterhead, page
// numbers). The structure tree (Document > H1, P, L > LI > Lbl + LBody, Figure …) gives the
// reading order; each page's parent tree entry maps its MCIDs back to their elements.

interface StructElem {
  role: string
  parent: StructElem | null
  kids: Array<StructElem | { mcid: number, page: PDFPage }>
  alt?: string
  bbox?: number[]
}

interface Writer {
  page: PDFPage
  ops: string[]
  /** parents[mcid] = the element that MCID belongs to */
  parents: StructElem[]
}

function elem (role: string, parent: StructElem, extra: Partial<StructElem> = {}): StructElem {
  const e: StructElem = { role, parent, kids: [], ...extra }
  parent.kids.push(e)
  return e
}

function tagged (w: Writer, e: StructElem, ops: string): void {
  const mcid = w.parents.length
  w.parents.push(e)
  e.kids.push({ mcid, page: w.page })
  w.ops.push(`/${e.role} <</MCID ${mcid}>> BDC\n${ops}\nEMC`)
}

function artifact (w: Writer, ops: string, kind?: 'Header' | 'Footer'): void {
  w.ops.push(kind === undefined ? `/Artifact BMC\n${ops}\nEMC` : `/Artifact <</Type /Pagination /Subtype /${kind}>> BDC\n${ops}\nEMC`)
}

/** A PDF text string: PDFString for ASCII, UTF-16 hex otherwise. */
function pdfText (s: string): PDFObject {
  return /^[\x20-\x7e]*$/.test(s) ? PDFString.of(s.replace(/[\\()]/g, (c) => `\\${c}`)) : PDFHexString.fromText(s)
}

function writeStructTree (doc: PDFDocument, root: StructElem, pages: Writer[]): void {
  const ctx = doc.context
  const rootRef = ctx.nextRef()
  const refs = new Map<StructElem, PDFRef>()
  const all: StructElem[] = []
  const visit = (e: StructElem): void => {
    refs.set(e, ctx.nextRef())
    all.push(e)
    for (const k of e.kids) if ('role' in k) visit(k)
  }
  visit(root)
  for (const e of all) {
    const kids = e.kids.map((k) => 'role' in k ? refs.get(k) as PDFRef : PDFNumber.of(k.mcid))
    const page = e.kids.find((k): k is { mcid: number, page: PDFPage } => !('role' in k))?.page
    const dict = PDFDict.withContext(ctx)
    dict.set(PDFName.of('Type'), PDFName.of('StructElem'))
    dict.set(PDFName.of('S'), PDFName.of(e.role))
    dict.set(PDFName.of('P'), e.parent === null ? rootRef : refs.get(e.parent) as PDFRef)
    dict.set(PDFName.of('K'), kids.length === 1 ? kids[0] as PDFObject : ctx.obj(kids))
    if (page !== undefined) dict.set(PDFName.of('Pg'), page.ref)
    if (e.alt !== undefined) dict.set(PDFName.of('Alt'), pdfText(e.alt))
    if (e.bbox !== undefined) dict.set(PDFName.of('A'), ctx.obj({ O: 'Layout', BBox: e.bbox.map(round) }))
    ctx.assign(refs.get(e) as PDFRef, dict)
  }
  const nums: PDFObject[] = []
  pages.forEach((w, i) => {
    w.page.node.set(PDFName.of('StructParents'), PDFNumber.of(i))
    w.page.node.set(PDFName.of('Tabs'), PDFName.of('S'))
    nums.push(PDFNumber.of(i), ctx.obj(w.parents.map((e) => refs.get(e) as PDFRef)))
  })
  const treeRoot = PDFDict.withContext(ctx)
  treeRoot.set(PDFName.of('Type'), PDFName.of('StructTreeRoot'))
  treeRoot.set(PDFName.of('K'), refs.get(root) as PDFRef)
  treeRoot.set(PDFName.of('ParentTree'), ctx.obj({ Nums: nums }))
  treeRoot.set(PDFName.of('ParentTreeNextKey'), PDFNumber.of(pages.length))
  ctx.assign(rootRef, treeRoot)
  const catalog = doc.catalog
  catalog.set(PDFName.of('StructTreeRoot'), rootRef)
  catalog.set(PDFName.of('MarkInfo'), ctx.obj({ Marked: true }))
}

function round (n: number): number {
  return Math.round(n * 1000) / 1000
}

// ---------- the page ----------

interface Block {
  /** space above the block (grows when the page has room to spare) */
  gap: number
  height: number
  draw: (w: Writer, top: number) => void
}

/** Renders the attestation: same snapshot and assets → same bytes. */
export async function renderAttestation (input: AttestationSnapshot, assets: AttestationAssets): Promise<Buffer> {
  const s = attestationSnapshotSchema.parse(input)
  const t = assets.texts[s.locale]
  const L = assets.layout
  const C = assets.colors
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
    url: s.verifyUrl,
    signatory: L.issuer.name ?? s.organizer
  }
  const sessions = s.sessions.map((x) => ({
    left: interpolate(t.sessionLine, {
      ...values,
      sessionDate: formatSessionStart(x.startsAt, zone, loc),
      sessionDuration: formatDuration(x.durationMinutes)
    }),
    title: x.title
  }))
  const letterheadLines = L.letterhead.lines?.[loc] ?? [L.issuer.organization[loc]]

  const used = new Set(codePoints([
    s.name,
    s.trainingTitle,
    s.organizer,
    s.place,
    s.verifyUrl,
    ...sessions.map((x) => x.left + x.title),
    values.startDate,
    values.endDate,
    values.issueDate
  ].join('')))
  const regular = await fontFor(assets.fonts.regular, used)
  const bold = await fontFor(assets.fonts.bold, used)
  const fonts: Fonts = { regular: { key: 'F1', f: regular }, bold: { key: 'F2', f: bold } }

  const doc = await PDFDocument.create({ updateMetadata: false })
  const issued = new Date(s.issuedAt)
  const docTitle = `${t.title} — ${s.name}`
  doc.setTitle(docTitle, { showInWindowTitleBar: true })
  doc.setAuthor(L.issuer.organization[loc])
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
  const copyImage = (img: EmbeddedImage): PDFRef => doc.context.register(PDFObjectCopier.for(img.source.context, doc.context)
    .copy(img.source.context.lookup(img.ref)!))
  const signatureRef = assets.signature === undefined ? undefined : copyImage(assets.signature)
  const markRef = assets.mark !== undefined && 'ref' in assets.mark ? copyImage(assets.mark) : undefined

  const [pw, ph] = PAGE_SIZES[L.page.size]
  const m = L.page.margins
  const left = m.left
  const right = pw - m.right
  const width = right - left

  const text = (str: string, x: number, y: number, size: number, weight: Weight = 'regular', color = C.ink): string => {
    const { key, f } = fonts[weight]
    return `BT ${color} rg /${key} ${num(size)} Tf ${num(x)} ${num(y)} Td <${encode(f, str)}> Tj ET`
  }
  const centered = (str: string, y: number, size: number, weight: Weight = 'regular', color = C.ink): string =>
    text(str, round(left + (width - widthOf(fonts[weight].f, str, size)) / 2), y, size, weight, color)
  const rule = (x1: number, y: number, x2: number, lw: number, color: string): string =>
    `q ${color} RG ${num(lw)} w ${num(x1)} ${num(y)} m ${num(x2)} ${num(y)} l S Q`

  const root: StructElem = { role: 'Document', parent: null, kids: [] }
  const pages: Writer[] = []

  // Letterhead (every page, an artifact): the mark, the organization's lines, a rule.
  const markH = 40
  const letterheadH = markH + 18
  const drawLetterhead = (w: Writer): void => {
    const top = ph - m.top
    const ops: string[] = []
    let x = left
    const mark = assets.mark
    if (mark !== undefined) {
      if ('ref' in mark) {
        const mw = (mark.width / mark.height) * markH
        ops.push(`q ${num(mw)} 0 0 ${num(markH)} ${num(left)} ${num(top - markH)} cm /Im2 Do Q`)
        x += mw + 12
      } else {
        ops.push(`q ${num(markH)} 0 0 ${num(markH)} ${num(left)} ${num(top - markH)} cm\n${mark.ops}\nQ`)
        x += mark.aspect * markH + 12
      }
    }
    const sizes = [12, 9, 9]
    const lineCount = letterheadLines.length
    let y = top - markH / 2 + (lineCount === 1 ? -4 : lineCount === 2 ? 3 : 9)
    letterheadLines.forEach((line, i) => {
      const size = sizes[i] as number
      ops.push(text(line, x, y, size, i === 0 ? 'bold' : 'regular', i === 0 ? C.brand : C.muted))
      y -= size + 3
    })
    ops.push(rule(left, top - markH - 10, right, 1, C.brand))
    artifact(w, ops.join('\n'), 'Header')
  }

  const newPage = (): Writer => {
    const page = doc.addPage([pw, ph])
    page.node.setFontDictionary(PDFName.of('F1'), regularRef)
    page.node.setFontDictionary(PDFName.of('F2'), boldRef)
    if (signatureRef !== undefined) page.node.setXObject(PDFName.of('Im1'), signatureRef)
    if (markRef !== undefined) page.node.setXObject(PDFName.of('Im2'), markRef)
    const w: Writer = { page, ops: [], parents: [] }
    pages.push(w)
    drawLetterhead(w)
    return w
  }

  // ----- body blocks (page 1), top to bottom -----
  const head: Block[] = []
  const paragraph = (role: string, str: string, size: number, weight: Weight, color: string, gap: number, lineGap = 1.3): Block => {
    const lines = wrap(fonts[weight].f, str, size, width)
    return {
      gap,
      height: lines.length * size * lineGap,
      draw: (w, top) => {
        const e = elem(role, root)
        tagged(w, e, lines.map((line, i) => centered(line, top - size * 0.95 - i * size * lineGap, size, weight, color)).join('\n'))
      }
    }
  }
  const titleBlock = paragraph('H1', t.title, 24, 'bold', C.brand, 0)
  head.push({
    ...titleBlock,
    height: titleBlock.height + 14,
    draw: (w, top) => {
      titleBlock.draw(w, top)
      const y = top - titleBlock.height - 8
      artifact(w, rule(left + width / 2 - 24, y, left + width / 2 + 24, 2, C.accent))
    }
  })
  if (t.intro !== '') head.push(paragraph('P', interpolate(t.intro, values), 11.5, 'regular', C.muted, 16))
  // the person's name: large, on one line if it can be (down to 18 pt), else wrapped
  let nameSize = 28
  while (nameSize > 18 && widthOf(bold, s.name, nameSize) > width) nameSize -= 1
  head.push(paragraph('P', s.name, nameSize, 'bold', C.ink, t.intro === '' ? 16 : 6, 1.2))
  const datesPlace = interpolate(oneDay ? t.datesPlaceOneDay : t.datesPlace, values)
  // the training: its title in bold within the sentence
  {
    const lines = wrapRuns({ regular, bold }, runsOf(t.attended, values, 'trainingTitle'), 12, width)
    const lh = 12 * 1.35
    head.push({
      gap: 16,
      height: lines.length * lh,
      draw: (w, top) => {
        tagged(w, elem('P', root), lines.map((line, i) => {
          const ops = line.runs.map((r) => `/${fonts[r.weight].key} 12 Tf <${encode(fonts[r.weight].f, r.text)}> Tj`).join(' ')
          return `BT ${C.ink} rg ${num(round(left + (width - line.width) / 2))} ${num(top - 12 * 0.95 - i * lh)} Td ${ops} ET`
        }).join('\n'))
      }
    })
  }
  head.push(paragraph('P', datesPlace, 12, 'regular', C.ink, 2, 1.35))
  // hours and units on a tinted band
  {
    const hoursLine = interpolate(t.hours, values)
    const uecLine = interpolate(t.uec, values)
    const hLines = wrap(bold, hoursLine, 12, width - 24)
    const uLines = wrap(regular, uecLine, 10.5, width - 24)
    const height = 12 + hLines.length * 15 + uLines.length * 13.5 + 8
    head.push({
      gap: 16,
      height,
      draw: (w, top) => {
        artifact(w, `q ${C.band} rg ${num(left)} ${num(top - height)} ${num(width)} ${num(height)} re f Q`)
        let y = top - 12 - 11
        const hEl = elem('P', root)
        tagged(w, hEl, hLines.map((line, i) => centered(line, y - i * 15, 12, 'bold', C.ink)).join('\n'))
        y -= hLines.length * 15
        const uEl = elem('P', root)
        tagged(w, uEl, uLines.map((line, i) => centered(line, y - i * 13.5, 10.5, 'regular', C.muted)).join('\n'))
      }
    })
  }

  // ----- footer (last page): signature and date, then the verification band -----
  const qrSize = 72
  const pad = 10
  const verifyX = left + pad + qrSize + 14
  const verifyW = right - pad - verifyX
  const verify = wrap(regular, interpolate(t.verifyAt, values), 8.5, verifyW)
  const codeSize = Math.min(13, (13 * verifyW) / Math.max(1, widthOf(bold, values.code ?? '', 13)))
  const verifyTextH = 11 + 5 + codeSize * 1.2 + 6 + verify.length * 11
  const bandH = Math.max(qrSize + 2 * pad, verifyTextH + 2 * pad)
  const sigColW = Math.min(240, width / 2 - 10)
  const sigX = right - sigColW
  const sigImgH = assets.signature === undefined ? 0 : 40
  const signatoryLines = wrap(bold, values.signatory ?? '', 10.5, sigColW)
  const titleLines = L.issuer.name === undefined || L.issuer.title === undefined ? [] : wrap(regular, L.issuer.title[loc], 9, sigColW)
  const issuedLines = wrap(regular, interpolate(t.issued, values), 10.5, width - sigColW - 20)
  const sigBlockH = Math.max(sigImgH + 24, 24) + signatoryLines.length * 13 + titleLines.length * 11.5
  const footerH = sigBlockH + 18 + bandH
  const pageNumberSpace = 14

  const drawFooter = (w: Writer, bottom: number): void => {
    // signature block (right) and issue date (left), above the band
    const lineY = bottom + bandH + 18 + signatoryLines.length * 13 + titleLines.length * 11.5 + 10
    const dateEl = elem('P', root)
    tagged(w, dateEl, issuedLines.map((line, i) => text(line, left, lineY - 16 - i * 13, 10.5, 'regular', C.ink)).join('\n'))
    if (assets.signature !== undefined && signatureRef !== undefined) {
      const sw = Math.min(sigColW, (assets.signature.width / assets.signature.height) * sigImgH)
      const sh = (sw / ((assets.signature.width / assets.signature.height) * sigImgH)) * sigImgH
      const fig = elem('Figure', root, { alt: interpolate(t.signatureAlt, values), bbox: [sigX, lineY + 3, sigX + sw, lineY + 3 + sh] })
      tagged(w, fig, `q ${num(sw)} 0 0 ${num(sh)} ${num(sigX)} ${num(lineY + 3)} cm /Im1 Do Q`)
    }
    artifact(w, rule(sigX, lineY, right, 0.75, C.muted))
    let y = lineY - 14
    const nameEl = elem('P', root)
    tagged(w, nameEl, signatoryLines.map((line, i) => text(line, sigX, y - i * 13, 10.5, 'bold', C.ink)).join('\n'))
    y -= signatoryLines.length * 13
    if (titleLines.length > 0) {
      const titleEl = elem('P', root)
      tagged(w, titleEl, titleLines.map((line, i) => text(line, sigX, y + 1.5 - i * 11.5, 9, 'regular', C.muted)).join('\n'))
    }
    // verification band: label, code, address, then the QR code (a figure with its alternative text)
    artifact(w, `q ${C.band} rg ${num(left)} ${num(bottom)} ${num(width)} ${num(bandH)} re f Q`)
    let vy = bottom + bandH - pad - 8.5
    tagged(w, elem('P', root), text(interpolate(t.verificationLabel, values), verifyX, vy, 8.5, 'regular', C.muted))
    vy -= 5 + codeSize
    tagged(w, elem('P', root), text(values.code ?? '', verifyX, vy, round(codeSize), 'bold', C.ink))
    vy -= 6 + 8.5
    tagged(w, elem('P', root), verify.map((line, i) => text(line, verifyX, vy - i * 11, 8.5, 'regular', C.ink)).join('\n'))
    const qx = left + pad
    const qy = bottom + (bandH - qrSize) / 2
    const qr = elem('Figure', root, { alt: interpolate(t.qrAlt, values), bbox: [qx, qy, qx + qrSize, qy + qrSize] })
    tagged(w, qr, qrOps(s.verifyUrl, qx, qy, qrSize))
  }

  // ----- sessions: a heading and a list (date and duration | title), shrinking, then continuing -----
  const bodyTop = ph - m.top - letterheadH - 22
  const footerTop = m.bottom + footerH
  const headH = head.reduce((a, b) => a + b.gap + b.height, 0)
  const sessionsGap = 20
  const headingH = 22
  const leftColFor = (sz: number): number => Math.min(width * 0.42, Math.max(110, ...sessions.map((x) => widthOf(regular, x.left, sz) + 14)))
  const rowsFor = (sz: number): Array<{ left: string, lines: string[], h: number }> => {
    const col = leftColFor(sz)
    return sessions.map((x) => {
      const lines = wrap(regular, x.title, sz, width - col)
      return { left: x.left, lines, h: lines.length * sz * 1.3 + 3 }
    })
  }
  const listH = (rows: Array<{ h: number }>): number => rows.reduce((a, r) => a + r.h, 0)
  const room = bodyTop - footerTop - headH - (sessions.length > 0 ? sessionsGap + headingH : 0)
  let size = 10
  let rows = rowsFor(size)
  while (sessions.length > 0 && listH(rows) > room && size > 8) { size -= 0.5; rows = rowsFor(size) }
  const onePage = sessions.length === 0 || listH(rows) <= room
  if (!onePage) {
    // continued on a second page: smaller type (down to 6.5 pt) rather than a third page when it can
    const firstPage = room + footerH - pageNumberSpace
    const nextPage = ph - m.top - letterheadH - 20 - headingH - footerTop
    const tallest = (r: Array<{ h: number }>): number => r.reduce((a, x) => Math.max(a, x.h), 0)
    while (listH(rows) + tallest(rows) > firstPage + nextPage && size > 6.5) { size -= 0.5; rows = rowsFor(size) }
  }
  const leftCol = leftColFor(size)
  // a list continued on another page leaves a few rows to go with the signature
  const keepForLast = onePage ? 0 : Math.min(3, rows.length)

  let w = newPage()
  // spread the space left over: the gaps between blocks grow (up to 3× and +30 pt), the rest above and below
  const blocks = head.slice(1)
  let extra = onePage ? Math.max(0, room - listH(rows)) : 0
  const grow = blocks.map((b) => Math.min(b.gap * 2.5, 40))
  const growTotal = grow.reduce((a, b) => a + b, 0) + (sessions.length > 0 ? 24 : 0)
  const k = growTotal > 0 ? Math.min(1, (extra * 0.7) / growTotal) : 0
  extra -= k * growTotal
  let y = bodyTop - extra * 0.5
  for (const [i, b] of head.entries()) {
    y -= b.gap + (i > 0 ? k * (grow[i - 1] as number) : 0)
    b.draw(w, y)
    y -= b.height
  }

  if (sessions.length > 0) {
    y -= sessionsGap + k * (sessions.length > 0 ? 24 : 0)
    const headingEl = elem('H2', root)
    tagged(w, headingEl, text(t.sessionsHeading, left, y - 11.5, 11.5, 'bold', C.brand))
    artifact(w, rule(left, y - 17, right, 0.5, C.muted))
    y -= headingH
    const list = elem('L', root)
    let limit = onePage ? footerTop : m.bottom + pageNumberSpace
    for (const [i, row] of rows.entries()) {
      const remaining = listH(rows.slice(i))
      if (!onePage && remaining <= y - footerTop) limit = footerTop
      if (y - row.h < limit || (pages.length === 1 && i === rows.length - keepForLast && i > 0)) {
        w = newPage()
        y = ph - m.top - letterheadH - 20
        const cont = `${t.sessionsHeading} ${t.continued}`.trim()
        artifact(w, text(cont, left, y - 11.5, 11.5, 'bold', C.brand) + '\n' + rule(left, y - 17, right, 0.5, C.muted), 'Header')
        y -= headingH
        limit = listH(rows.slice(i)) <= y - footerTop ? footerTop : m.bottom + pageNumberSpace
      }
      const li = elem('LI', list)
      tagged(w, elem('Lbl', li), text(row.left, left, y - size, size, 'regular', C.muted))
      tagged(w, elem('LBody', li), row.lines.map((line, j) => text(line, left + leftCol, y - size - j * size * 1.3, size, 'regular', C.ink)).join('\n'))
      y -= row.h
    }
    if (y < footerTop) w = newPage()
  }
  // on a continuation page the signature follows the list rather than leaving a gap above it
  drawFooter(w, pages.length > 1 ? Math.max(m.bottom, y - 36 - footerH) : m.bottom)

  if (pages.length > 1) {
    pages.forEach((p, i) => {
      const label = interpolate(t.page, { page: String(i + 1), pages: String(pages.length) })
      artifact(p, text(label, round(right - widthOf(regular, label, 8)), m.bottom - 14, 8, 'regular', C.muted), 'Footer')
    })
  }

  writeStructTree(doc, root, pages)
  // XMP metadata with the title and language too (what PDF/UA checkers read); the dates are the issue date
  const xml = (v: string): string => v.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`)
  const when = issued.toISOString().replace(/\.\d{3}Z$/, 'Z')
  const xmp = [
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>',
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
    '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" ' +
      'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">',
    `<dc:title><rdf:Alt><rdf:li xml:lang="x-default">${xml(docTitle)}</rdf:li></rdf:Alt></dc:title>`,
    `<dc:language><rdf:Bag><rdf:li>${intlLocale[loc]}</rdf:li></rdf:Bag></dc:language>`,
    `<dc:creator><rdf:Seq><rdf:li>${xml(L.issuer.organization[loc])}</rdf:li></rdf:Seq></dc:creator>`,
    `<xmp:CreateDate>${when}</xmp:CreateDate><xmp:ModifyDate>${when}</xmp:ModifyDate><xmp:CreatorTool>Compagnon</xmp:CreatorTool>`,
    '<pdf:Producer>Compagnon (pdf-lib)</pdf:Producer>',
    '</rdf:Description></rdf:RDF></x:xmpmeta>',
    '<?xpacket end="w"?>'
  ].join('\n')
  doc.catalog.set(PDFName.of('Metadata'), doc.context.register(doc.context.stream(Buffer.from(xmp, 'utf8'), { Type: 'Metadata', Subtype: 'XML' })))
  for (const p of pages) {
    const content = deflateSync(Buffer.from(p.ops.join('\n'), 'latin1'))
    p.page.node.set(PDFName.of('Contents'), doc.context.register(doc.context.stream(content, { Filter: 'FlateDecode' })))
  }
  // one pass: pdf-lib otherwise yields to the event loop (a timer) every 50 objects, and a tagged page has more
  return Buffer.from(await doc.save({ useObjectStreams: false, objectsPerTick: Number.POSITIVE_INFINITY }))
}
