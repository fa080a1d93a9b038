import { parse } from 'csv-parse/sync'
import { AppError, badRequest } from '../errors.js'
import { bilingual } from '../views/i18n.js'

/**
 * Reading the participant lists organizers bring: usually exported from Excel in French
 * (semicolons, sometimes Windows-1252, sometimes a `sep=;` first line), sometimes from a
 * spreadsheet in English (commas, UTF-8 with a BOM). The CSV grammar itself (quotes, quoted
 * delimiters and line breaks) is csv-parse's; this file finds the columns and keeps line numbers.
 */

export const MAX_CSV_BYTES = 1024 * 1024
export const MAX_CSV_ROWS = 5000

export type CsvField = 'name' | 'givenName' | 'familyName' | 'email' | 'employer' | 'language'
export type CsvEncoding = 'utf-8' | 'windows-1252'
export type CsvDelimiter = ',' | ';' | '\t'

export interface CsvRow {
  /** Line of the file where the record starts (1 = the first line, the header being one). */
  line: number
  values: Partial<Record<CsvField, string>>
}

export interface ParsedCsv {
  rows: CsvRow[]
  delimiter: CsvDelimiter
  encoding: CsvEncoding
  /** Header cells that match no known column: reported, not guessed at. */
  ignoredColumns: string[]
}

/** Header names, compared without accents, case, punctuation or extra spaces. */
const headerAliases: Record<CsvField, string[]> = {
  name: ['nom', 'name', 'nom complet', 'full name', 'prenom et nom', 'prenom nom', 'nom et prenom', 'nom prenom'],
  givenName: ['prenom', 'first name', 'given name', 'firstname'],
  familyName: ['nom de famille', 'last name', 'family name', 'surname', 'lastname'],
  email: [
    'courriel', 'email', 'e mail', 'mail', 'adresse courriel', 'adresse de courriel', 'adresse electronique', 'adresse email', 'adresse e mail',
    'email address', 'e mail address', 'courriel professionnel'
  ],
  employer: ['employeur', 'employer', 'organisation', 'organization', 'organisme', 'ministere ou organisme'],
  language: ['langue', 'language', 'langue preferee', 'preferred language', 'langue de preference', 'langue de correspondance']
}

export const fold = (value: string): string =>
  value.normalize('NFD').replace(/\p{Diacritic}/gu, '').toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim()

const fieldOfHeader = new Map<string, CsvField>(
  Object.entries(headerAliases).flatMap(([field, names]) => names.map(n => [n, field as CsvField] as const))
)

/** `fr`, `en`, or undefined for a value nobody could mean as either. Blank means French. */
export function parseLanguage (value: string | undefined): 'fr' | 'en' | undefined {
  const v = fold(value ?? '')
  if (['', 'fr', 'fr ca', 'f', 'francais', 'french', 'francais fr'].includes(v)) return 'fr'
  if (['en', 'en ca', 'en us', 'e', 'english', 'anglais', 'english en'].includes(v)) return 'en'
  return undefined
}

/**
 * Bytes to text. UTF-8 when the bytes are valid UTF-8 (with or without BOM); otherwise
 * Windows-1252, which is what Excel on Windows writes for "CSV (séparateur : point-virgule)":
 * reading that as UTF-8 would turn every accent into U+FFFD. A declared charset wins.
 */
export function decodeCsv (bytes: Uint8Array, declaredCharset?: string): { text: string, encoding: CsvEncoding } {
  const declared = declaredCharset?.toLowerCase()
  if (declared !== undefined && ['windows-1252', 'cp1252', 'iso-8859-1', 'latin1', 'latin-1'].includes(declared)) {
    return { text: new TextDecoder('windows-1252').decode(bytes), encoding: 'windows-1252' }
  }
  // A BOM says UTF-8 outright, even if a stray byte further on is not.
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf
  try {
    return { text: new TextDecoder('utf-8', { fatal: !bom, ignoreBOM: true }).decode(bytes), encoding: 'utf-8' }
  } catch {
    return { text: new TextDecoder('windows-1252').decode(bytes), encoding: 'windows-1252' }
  }
}

const tooLarge = (): AppError => new AppError('payload_too_large', bilingual('people.csvTooLarge', { megabytes: MAX_CSV_BYTES / 1024 / 1024 }))

export function assertCsvSize (byteLength: number): void {
  if (byteLength > MAX_CSV_BYTES) throw tooLarge()
}

/** The delimiter used by the header line: the header holds known words only, so counting works. */
function detectDelimiter (headerLine: string): CsvDelimiter {
  const counts = ([';', ',', '\t'] as const).map(d => ({ d, n: headerLine.split(d).length - 1 }))
  const best = counts.reduce((a, b) => (b.n > a.n ? b : a))
  return best.n === 0 ? ',' : best.d
}

const NL = 0x0a
const CR = 0x0d

/**
 * Parses a participant list. Throws an AppError (400, or 413 when too large) for a file that
 * cannot be read as a whole: no header with the needed columns, broken quoting. Rows are
 * returned as text; checking each row's values is the caller's business.
 */
export function parseParticipantsCsv (input: Uint8Array | string, declaredCharset?: string): ParsedCsv {
  const byteLength = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength
  assertCsvSize(byteLength)
  const { text, encoding } = typeof input === 'string' ? { text: input, encoding: 'utf-8' as const } : decodeCsv(input, declaredCharset)
  // Offsets below are byte offsets in this buffer (csv-parse counts bytes of its input).
  const buf = Buffer.from(text.startsWith('\uFEFF') ? text.slice(1) : text, 'utf8')

  let start = 0
  while (start < buf.length && (buf[start] === NL || buf[start] === CR)) start++
  let firstLineEnd = buf.indexOf(NL, start)
  if (firstLineEnd === -1) firstLineEnd = buf.length
  let headerLine = buf.subarray(start, firstLineEnd).toString('utf8').replace(/\r$/, '')
  let delimiter = detectDelimiter(headerLine)
  // Excel's own hint, e.g. "sep=;" on the first line.
  const hint = /^sep=(.)$/i.exec(headerLine)
  if (hint !== null) {
    const d = hint[1] === '\\t' ? '\t' : hint[1]
    if (d === ',' || d === ';' || d === '\t') delimiter = d
    start = firstLineEnd + 1
    const next = buf.indexOf(NL, start)
    headerLine = buf.subarray(start, next === -1 ? buf.length : next).toString('utf8')
  }
  if (fold(headerLine) === '') throw badRequest(bilingual('people.csvEmpty'))

  // Line numbers: lines before a byte offset, skipping the blank lines csv-parse skips.
  let counted = 0
  let countedLines = 1
  const lineAt = (offset: number): number => {
    let at = offset
    while (at < buf.length && (buf[at] === NL || buf[at] === CR)) at++
    for (; counted < at; counted++) if (buf[counted] === NL) countedLines++
    return countedLines
  }

  const records: Array<{ line: number, fields: string[] }> = []
  let lastEnd = start
  try {
    parse(buf.subarray(start), {
      delimiter,
      relax_column_count: true,
      // A quote inside an unquoted field ("Marie "Mimi" Roy") is kept as typed.
      relax_quotes: true,
      skip_empty_lines: true,
      trim: true,
      max_record_size: 64 * 1024,
      on_record: (fields: string[], context) => {
        records.push({ line: lineAt(lastEnd), fields })
        lastEnd = start + context.bytes
        return null
      }
    })
  } catch (err) {
    const line = lineAt(lastEnd)
    const code = (err as { code?: string }).code ?? ''
    if (!code.startsWith('CSV_') && code !== 'INVALID_OPENING_QUOTE') throw err
    throw badRequest(bilingual('people.csvMalformed', { line }), [{ field: `line ${line}`, message: (err as Error).message }])
  }

  const [header, ...data] = records
  if (header === undefined) throw badRequest(bilingual('people.csvEmpty'))
  const columns: Array<CsvField | undefined> = []
  const ignoredColumns: string[] = []
  for (const cell of header.fields) {
    const field = fieldOfHeader.get(fold(cell))
    if (field !== undefined && columns.includes(field)) {
      throw badRequest(bilingual('people.csvDuplicateColumn', { column: cell }))
    }
    columns.push(field)
    if (field === undefined && cell !== '') ignoredColumns.push(cell)
  }
  // "Prénom" + "Nom": the "Nom" column is then the family name.
  if (columns.includes('givenName') && !columns.includes('familyName')) {
    const i = columns.indexOf('name')
    if (i !== -1) columns[i] = 'familyName'
  }
  const missing: string[] = []
  if (!columns.includes('email')) missing.push('courriel / email')
  if (!columns.includes('name') && !columns.includes('givenName') && !columns.includes('familyName')) missing.push('nom / name')
  if (missing.length > 0) {
    throw badRequest(bilingual('people.csvMissingColumns', {
      count: missing.length,
      columns: missing.join(', ')
    }), [{ field: 'header', message: `found: ${header.fields.join(' | ')}` }])
  }

  const rows: CsvRow[] = []
  for (const record of data) {
    // Excel writes blank rows as ";;;".
    if (record.fields.every(f => f === '')) continue
    const values: Partial<Record<CsvField, string>> = {}
    columns.forEach((field, i) => { if (field !== undefined) values[field] = record.fields[i] ?? '' })
    rows.push({ line: record.line, values })
  }
  if (rows.length > MAX_CSV_ROWS) {
    throw new AppError('payload_too_large', bilingual('people.csvTooManyRows', { rows: rows.length, max: MAX_CSV_ROWS }))
  }
  return { rows, delimiter, encoding, ignoredColumns }
}
