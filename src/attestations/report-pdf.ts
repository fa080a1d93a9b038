import fontkit from '@pdf-lib/fontkit'
import { PDFDocument, degrees, rgb, type PDFFont, type PDFPage } from 'pdf-lib'

/**
 * A printable table over as many pages as it needs (organizer reports): landscape Letter, the
 * title and generation time on every page, the column headers repeated, rows wrapped within
 * their cells and never split across pages, page numbers. Fonts are the DejaVu TTFs of
 * reports/attestation (accents, « », ·), embedded as subsets.
 */

export interface TableColumn {
  header: string
  /** Relative width; the columns share the page's width in these proportions. */
  weight: number
  align?: 'left' | 'right' | 'center'
  /** Header written upwards (narrow columns of one letter, e.g. a status per time slot). */
  vertical?: boolean
}

export interface PrintableTable {
  /** First line of each page (the event's title). */
  title: string
  /** Second line (which report). */
  subtitle: string
  /** Third line, small (generation time, time zone). */
  generated: string
  columns: TableColumn[]
  rows: string[][]
  /** Bold last row(s), after the others (totals). */
  totals?: string[][]
  /** Paragraphs after the table (legend, notes). */
  notes?: string[]
  fontSize?: number
  /** "Page {n} / {total}" in the report's language. */
  pageLabel: (n: number, total: number) => string
  /** Document metadata. */
  creationDate: Date
}

export interface ReportFonts { regular: Uint8Array, bold: Uint8Array }

interface Row { lines: string[][], height: number, vertical: boolean }

const PAGE: [number, number] = [792, 612]
const MARGIN = 36
const PADDING = 3
// A cell never grows past this many lines: a row always fits on a page.
const MAX_LINES = 8
const INK = rgb(0.1, 0.12, 0.14)
const LINE = rgb(0.75, 0.77, 0.8)
const SHADE = rgb(0.94, 0.95, 0.97)

export async function renderTablePdf (table: PrintableTable, fonts: ReportFonts): Promise<Buffer> {
  const doc = await PDFDocument.create()
  doc.registerFontkit(fontkit)
  const regular = await doc.embedFont(fonts.regular, { subset: true })
  const bold = await doc.embedFont(fonts.bold, { subset: true })
  doc.setTitle(`${table.subtitle} — ${table.title}`)
  doc.setProducer('Compagnon')
  doc.setCreator('Compagnon')
  doc.setCreationDate(table.creationDate)
  doc.setModificationDate(table.creationDate)

  const size = table.fontSize ?? 8
  const lineHeight = size * 1.25
  const width = PAGE[0] - 2 * MARGIN
  const totalWeight = table.columns.reduce((sum, c) => sum + c.weight, 0)
  const widths = table.columns.map(c => width * c.weight / totalWeight)

  const layoutRow = (cells: string[], font: PDFFont): Row => {
    const lines = widths.map((w, i) => wrap(cells[i] ?? '', font, size, w - 2 * PADDING))
    const height = Math.max(1, ...lines.map(l => l.length)) * lineHeight + 2 * PADDING
    return { lines, height, vertical: false }
  }
  const header: Row = (() => {
    const row = layoutRow(table.columns.map(c => c.vertical === true ? '' : c.header), bold)
    const upright = table.columns.map(c => c.vertical === true ? fit(c.header, bold, size, 90) : '')
    const tallest = Math.max(0, ...upright.map(text => bold.widthOfTextAtSize(text, size))) + 2 * PADDING
    row.lines = row.lines.map((lines, i) => table.columns[i]?.vertical === true ? [upright[i] ?? ''] : lines)
    return { ...row, height: Math.max(row.height, tallest), vertical: true }
  })()

  const pages: PDFPage[] = []
  let page!: PDFPage
  let y = 0
  const newPage = (): void => {
    page = doc.addPage(PAGE)
    pages.push(page)
    y = PAGE[1] - MARGIN
    page.drawText(fit(table.title, bold, 12, width), { x: MARGIN, y: y - 12, size: 12, font: bold, color: INK })
    y -= 12 + 6
    page.drawText(fit(table.subtitle, bold, 10, width), { x: MARGIN, y: y - 10, size: 10, font: bold, color: INK })
    y -= 10 + 4
    page.drawText(fit(table.generated, regular, 7.5, width), { x: MARGIN, y: y - 7.5, size: 7.5, font: regular, color: INK })
    y -= 7.5 + 10
    drawRow(header, bold, true)
  }
  const drawRow = (row: Row, font: PDFFont, shaded: boolean): void => {
    if (shaded) page.drawRectangle({ x: MARGIN, y: y - row.height, width, height: row.height, color: SHADE })
    let x = MARGIN
    row.lines.forEach((lines, i) => {
      const w = widths[i] ?? 0
      const align = table.columns[i]?.align ?? 'left'
      if (row.vertical && table.columns[i]?.vertical === true) {
        // Rotated a quarter turn: the baseline runs upwards, the glyphs extend to its left.
        page.drawText(lines[0] ?? '', { x: x + w / 2 + size * 0.35, y: y - row.height + PADDING, size, font, color: INK, rotate: degrees(90) })
        x += w
        return
      }
      lines.forEach((line, n) => {
        const textWidth = font.widthOfTextAtSize(line, size)
        const tx = align === 'right' ? x + w - PADDING - textWidth : align === 'center' ? x + (w - textWidth) / 2 : x + PADDING
        page.drawText(line, { x: tx, y: y - PADDING - (n + 1) * lineHeight + (lineHeight - size) / 2 + size * 0.22, size, font, color: INK })
      })
      x += w
    })
    y -= row.height
    page.drawLine({ start: { x: MARGIN, y }, end: { x: MARGIN + width, y }, thickness: 0.5, color: LINE })
  }
  const place = (cells: string[], font: PDFFont): void => {
    const row = layoutRow(cells, font)
    if (y - row.height < MARGIN + 14) newPage()
    drawRow(row, font, false)
  }

  newPage()
  for (const cells of table.rows) place(cells, regular)
  for (const cells of table.totals ?? []) place(cells, bold)
  for (const note of table.notes ?? []) {
    const lines = wrap(note, regular, size, width)
    const height = lines.length * lineHeight + 6
    if (y - height < MARGIN + 14) newPage()
    y -= 6
    for (const line of lines) {
      page.drawText(line, { x: MARGIN, y: y - size, size, font: regular, color: INK })
      y -= lineHeight
    }
  }
  pages.forEach((p, i) => {
    const label = table.pageLabel(i + 1, pages.length)
    p.drawText(label, { x: PAGE[0] - MARGIN - regular.widthOfTextAtSize(label, 7.5), y: MARGIN - 14, size: 7.5, font: regular, color: INK })
  })
  return Buffer.from(await doc.save({ useObjectStreams: true }))
}

/**
 * The text in lines no wider than `max`: at spaces; a word too long for a line is cut after a
 * hyphen, slash, @ or dot when it can (codes, emails), else between characters.
 */
export function wrap (text: string, font: PDFFont, size: number, max: number): string[] {
  const lines: string[] = []
  const widthOf = (s: string): number => font.widthOfTextAtSize(s, size)
  for (const paragraph of text.replace(/[\t\r]/g, ' ').split('\n')) {
    let line = ''
    for (const word of paragraph.split(' ').filter(w => w !== '')) {
      const candidate = line === '' ? word : `${line} ${word}`
      if (widthOf(candidate) <= max) { line = candidate; continue }
      if (line !== '') lines.push(line)
      line = ''
      for (const piece of word.split(/(?<=[-/@.])/)) {
        if (widthOf(line + piece) <= max) { line += piece; continue }
        if (line !== '') lines.push(line)
        line = piece
        while (widthOf(line) > max && line.length > 1) {
          const chars = [...line]
          let cut = chars.length - 1
          while (cut > 1 && widthOf(chars.slice(0, cut).join('')) > max) cut--
          lines.push(chars.slice(0, cut).join(''))
          line = chars.slice(cut).join('')
        }
      }
    }
    lines.push(line)
  }
  if (lines.length > MAX_LINES) return [...lines.slice(0, MAX_LINES - 1), `${lines[MAX_LINES - 1] ?? ''}…`]
  return lines
}

/** One line, cut with an ellipsis if it is too wide. */
function fit (text: string, font: PDFFont, size: number, max: number): string {
  const flat = text.replace(/\s+/g, ' ')
  if (font.widthOfTextAtSize(flat, size) <= max) return flat
  const chars = [...flat]
  while (chars.length > 1 && font.widthOfTextAtSize(`${chars.join('')}…`, size) > max) chars.pop()
  return `${chars.join('')}…`
}
