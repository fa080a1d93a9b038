import t from 'tap'
import { sql } from 'kysely'
import { configureText, intlLocale } from '../../src/views/i18n.js'
import { htmlPageWorld } from '../helpers/html-pages.js'

// The pseudo-locale run: every catalog message comes out between ⟦ and ⟧, then every HTML page
// (test/helpers/html-pages.ts: from the route table, reached as the access matrix does) is read. What people see
// outside the markers must be data — names, titles, addresses, numbers, dates written by Intl —
// never words written in the code. Data is known from the database itself: any word stored in it
// may appear; a word that is neither there nor inside markers was hard-coded in a page.
configureText({ markers: true })
t.setTimeout(10 * 60_000)

/** Words Intl writes in dates and times (month and weekday names, "a.m."), in both languages. */
function intlWords (): Set<string> {
  const words = new Set<string>()
  for (const locale of Object.values(intlLocale)) {
    for (let m = 0; m < 12; m++) {
      const d = new Date(Date.UTC(2025, m, 15, 15))
      for (const month of ['long', 'short'] as const) words.add(new Intl.DateTimeFormat(locale, { month, timeZone: 'UTC' }).format(d).toLowerCase())
    }
    for (let day = 0; day < 7; day++) {
      const d = new Date(Date.UTC(2025, 9, 19 + day, 15))
      for (const weekday of ['long', 'short'] as const) words.add(new Intl.DateTimeFormat(locale, { weekday, timeZone: 'UTC' }).format(d).toLowerCase())
    }
    // The event's zone by name ("heure de l’Est", "Eastern Time").
    for (const timeZoneName of ['long', 'longGeneric', 'short'] as const) {
      for (const part of new Intl.DateTimeFormat(locale, { timeZoneName, timeZone: 'America/Montreal' }).formatToParts(new Date(Date.UTC(2025, 9, 20)))) {
        if (part.type === 'timeZoneName') for (const word of part.value.split(/\s+/)) words.add(word.toLowerCase())
      }
    }
    for (const hour of [9, 15]) {
      for (const part of new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit', timeZone: 'UTC' }).formatToParts(new Date(Date.UTC(2025, 9, 20, hour)))) words.add(part.value.toLowerCase().trim())
    }
  }
  return words
}

/** Every word of every string in a value (objects and arrays walked). */
function addWords (into: Set<string>, value: unknown): void {
  if (typeof value === 'string') for (const word of value.match(WORD) ?? []) into.add(normal(word))
  else if (Array.isArray(value)) for (const v of value) addWords(into, v)
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) addWords(into, v)
}

const WORD = /[\p{L}][\p{L}\p{M}'’.-]*/gu

/**
 * The text people perceive in a page, outside the catalog's markers: text (a message may span
 * tags, e.g. a sentence with a link) and the attributes read aloud or shown.
 */
function perceived (html: string): string[] {
  const body = html.replace(/<head>[\s\S]*?<\/head>/i, '').replace(/<(script|style|template)\b[\s\S]*?<\/\1>/gi, '')
  const attributes = [...body.matchAll(/\s(?:alt|title|aria-label|placeholder)="([^"]*)"/g)].map(m => m[1] ?? '')
  const text = unmarked(body.replace(/<[^>]+>/g, '\u0001')).split('\u0001')
  const decode = (s: string): string => s.replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n))).replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&nbsp;/g, '\u00a0')
  return [...text, ...attributes.map(unmarked)].map(decode).map(s => s.trim()).filter(s => s !== '')
}

/** The text with what lies between markers (catalog messages, their values included) blanked. */
const unmarked = (text: string): string => {
  let out = ''
  let depth = 0
  for (const c of text) {
    if (c === '⟦') depth++
    else if (c === '⟧') depth = Math.max(0, depth - 1)
    else if (depth === 0 || c === '\u0001') out += c
  }
  return out
}

/** A word as compared: lower case, without the punctuation that ends it. */
const normal = (word: string): string => word.toLowerCase().replace(/[.’'-]+$/, '')

t.test('pseudo-locale: outside the catalog\'s markers, pages show only data', async t => {
  const { w, pages: htmlPages } = await htmlPageWorld(t)
  const seen: Array<[string, string[]]> = []
  let pages = 0
  for await (const { template, response } of htmlPages()) {
    pages++
    seen.push([template, perceived(response.body)])
  }
  // Every word stored in the database, once the pages were read (they log accesses, queue messages…) (names, titles, rooms, e-mail addresses, program text…).
  const tables = await sql<{ table_name: string }>`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`.execute(w.database.db)
  const data = new Set<string>()
  for (const { table_name: table } of tables.rows) {
    const rows = await sql<{ j: string }>`select row_to_json(x)::text as j from ${sql.table(table)} as x`.execute(w.database.db)
    for (const { j } of rows.rows) addWords(data, JSON.parse(j))
  }
  for (const word of intlWords()) data.add(normal(word))
  // The configuration is data too (the privacy officer's name, the public address…).
  addWords(data, w.config)

  const found = new Map<string, Set<string>>()
  for (const [template, pieces] of seen) {
    for (const piece of pieces) {
      // Addresses, codes (passes: « HJDRA-JJRBT ») and numbers are data however they look.
      const words = piece.split(/\s+/).filter(token => !/\d|\/|@/.test(token) && !/^[A-Z]{4,}(-[A-Z]{4,})+$/.test(token)).join(' ').match(WORD) ?? []
      for (const word of words) {
        if (normal(word).length <= 1 || data.has(normal(word))) continue
        const at = found.get(template) ?? new Set<string>()
        at.add(`${word} «${piece.slice(0, 80)}»`)
        found.set(template, at)
      }
    }
  }
  t.ok(pages >= 30, `${pages} pages read`)
  const report = [...found].map(([page, words]) => `${page}: ${[...words].slice(0, 8).join(' | ')}`)
  t.same(report, [], 'words outside the catalog that are not data')
})
