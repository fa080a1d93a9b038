import { IntlMessageFormat } from 'intl-messageformat'
import { DateTime } from 'luxon'
import { en } from './text/en/index.js'
import { fr } from './text/fr/index.js'

export const locales = ['fr', 'en'] as const
export type Locale = typeof locales[number]

export const isLocale = (value: unknown): value is Locale => value === 'fr' || value === 'en'

export type Catalog = typeof fr
/** "section.key": every message of the catalog, checked by the compiler at each call. */
export type TextKey = { [D in keyof Catalog]: `${D & string}.${keyof Catalog[D] & string}` }[keyof Catalog]
/** Values a message may use: numbers (plurals, `{n, number}`) and already-formatted text (names, dates). */
export type TextValues = Readonly<Record<string, string | number>>

const catalogs: Record<Locale, Record<string, Record<string, string>>> = { fr, en }
/** ICU locales: Québec French ("13 h 30") and Canadian English. */
export const intlLocale: Record<Locale, string> = { fr: 'fr-CA', en: 'en-CA' }

/** French elision for names and words the message does not know: "d’Amélie", "de Bruno". */
const ELIDES = /^[aeiouyhàâäéèêëîïôöûüùœæ]/i
const elide = (word: string, apostrophe: string) => (chunks: Array<string | number>): string => {
  const text = chunks.join('')
  return ELIDES.test(text) ? `${apostrophe}${text}` : `${word} ${text}`
}
/** Tags every French message may use around a value: <de>{name}</de>, <que>{name}</que>, <le>{title}</le>. */
const FRENCH_TAGS = { de: elide('de', 'd’'), que: elide('que', 'qu’'), le: elide('le', 'l’') }
const NO_TAGS = {
  de: (c: Array<string | number>) => `of ${c.join('')}`,
  que: (c: Array<string | number>) => c.join(''),
  le: (c: Array<string | number>) => c.join('')
}

let markers = false
/**
 * Pseudo-locale for tests: every message comes out between ⟦ and ⟧, so a page's text found
 * outside them is text that does not come from the catalog.
 */
export function configureText (options: { markers: boolean }): void { markers = options.markers }

const compiled = new Map<string, IntlMessageFormat | string>()

function message (locale: Locale, key: TextKey): IntlMessageFormat | string {
  const id = `${locale}:${key}`
  let found = compiled.get(id)
  if (found === undefined) {
    const dot = key.indexOf('.')
    const source = catalogs[locale][key.slice(0, dot)]?.[key.slice(dot + 1)]
    if (source === undefined) throw new Error(`no text ${key} in ${locale}`)
    // Plain sentences (most) need no formatter.
    found = /[{<]/.test(source) ? new IntlMessageFormat(source, intlLocale[locale]) : source
    compiled.set(id, found)
  }
  return found
}

function format (locale: Locale, key: TextKey, values: Record<string, unknown> | undefined): string {
  const m = message(locale, key)
  if (typeof m === 'string') return m
  const out = m.format({ ...(locale === 'fr' ? FRENCH_TAGS : NO_TAGS), ...values } as unknown as Record<string, string>)
  return Array.isArray(out) ? out.join('') : String(out)
}

/** A message of the catalog, in this language, with its values (plain text: escape it where it goes). */
export function t (locale: Locale, key: TextKey, values?: TextValues): string {
  const out = format(locale, key, values)
  return markers ? `⟦${out}⟧` : out
}

/** The same message in both languages: for errors, which API clients read in English and pages in the reader's language. */
export function bilingual (key: TextKey, values?: TextValues): { fr: string, en: string } {
  return { fr: t('fr', key, values), en: t('en', key, values) }
}

const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)

/**
 * A message with markup around some of its words, e.g. "Lisez <link>la politique</link>." with
 * `{ link: words => html\`<a href="/confidentialite">${words}</a>\` }`: values are escaped here,
 * the catalog's own words carry no markup, so the result is safe HTML (insert it with `!${}`).
 */
export function markup (locale: Locale, key: TextKey, values: TextValues, tags: Record<string, (words: string) => string>): string {
  const escaped = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === 'string' ? escapeHtml(v) : v]))
  const wrapped = Object.fromEntries(Object.entries(tags).map(([k, f]) => [k, (chunks: Array<string | number>) => f(chunks.join(''))]))
  const out = format(locale, key, { ...escaped, ...wrapped })
  return markers ? `⟦${out}⟧` : out
}

/** A language's name in the reader's language. */
export const LANGUAGE_TEXT = { fr: 'common.language_fr', en: 'common.language_en' } as const satisfies Record<Locale, TextKey>

/** Every key of the catalog (tests: none missing, none unused). */
export const textKeys = (): TextKey[] =>
  Object.entries(fr).flatMap(([section, keys]) => Object.keys(keys).map(k => `${section}.${k}` as TextKey))

/** The catalog's source text of a key (tests compare the two languages' arguments). */
export const textSource = (locale: Locale, key: TextKey): string => {
  const dot = key.indexOf('.')
  return catalogs[locale][key.slice(0, dot)]![key.slice(dot + 1)]!
}

/**
 * A code read from the database (a status, a method, an action) in words; the code itself when an
 * older row holds one this version no longer names, rather than failing the page.
 */
export function textOf (locale: Locale, labels: Readonly<Record<string, TextKey>>, code: string): string {
  const key = labels[code]
  return key === undefined ? code : t(locale, key)
}

/** "lundi 20 octobre" / "Monday, October 20". */
export function formatDay (date: string, locale: Locale, zone: string): string {
  return DateTime.fromISO(date, { zone }).setLocale(locale === 'fr' ? 'fr-CA' : 'en-CA').toFormat(locale === 'fr' ? 'cccc d LLLL' : 'cccc, LLLL d')
}

/** "9 h 00" / "9:00 a.m." from an ISO instant with offset. */
export function formatTime (iso: string, locale: Locale, zone: string): string {
  const dt = DateTime.fromISO(iso, { zone })
  return locale === 'fr' ? dt.toFormat("H'\u00a0h\u00a0'mm") : dt.setLocale('en-CA').toFormat('h:mm\u00a0a')
}

/**
 * Two calendar days (YYYY-MM-DD) as a range, with only what differs repeated: "20–24 octobre 2025",
 * "31 octobre – 2 novembre 2025", "6 juin 2026" for a single day / "October 20–24, 2025",
 * "June 6, 2026". ICU's range formatting knows each language's way.
 */
export function formatDateRange (start: string, end: string, locale: Locale): string {
  // Calendar days, not instants: read and written in UTC so no zone moves them.
  const format = new Intl.DateTimeFormat(locale === 'fr' ? 'fr-CA' : 'en-CA', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' })
  const day = (iso: string): Date => DateTime.fromISO(iso, { zone: 'utc' }).startOf('day').toJSDate()
  return format.formatRange(day(start), day(end))
}

const dateFormats = new Map<string, Intl.DateTimeFormat>()
/** One Intl.DateTimeFormat per (language, zone, options), made once: making one costs more than formatting. */
export function dateTimeFormat (locale: Locale, zone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale} ${zone} ${JSON.stringify(options)}`
  let format = dateFormats.get(key)
  if (format === undefined) {
    format = new Intl.DateTimeFormat(intlLocale[locale], { ...options, timeZone: zone })
    dateFormats.set(key, format)
  }
  return format
}

/** A moment in a table or a log, short and in the locale's style: "7 déc. 2026, 13 h 35" / "Dec 7, 2026, 1:35 p.m.". */
export function formatStamp (date: Date, locale: Locale, zone: string): string {
  // Not timeStyle 'short': French would write « 09 h 15 », not « 9 h 15 » as every other page does.
  return dateTimeFormat(locale, zone, { year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' }).format(date)
}

/** A time zone as people call it: "heure de l’Est" / "Eastern Time" (not "America/Montreal"). */
export function zoneName (zone: string, locale: Locale): string {
  return new Intl.DateTimeFormat(intlLocale[locale], { timeZone: zone, timeZoneName: 'longGeneric' })
    .formatToParts(new Date(0)).find(p => p.type === 'timeZoneName')?.value ?? zone
}

/** The period that ends a sentence, unless its last word brings one: an English time ("5:00 p.m.") does. */
export const periodAfter = (text: string): string => text.endsWith('.') ? '' : '.'
/** A sentence with its one closing period ("… at 5:00 p.m.", not "p.m.."). */
export const sentence = (text: string): string => `${text}${periodAfter(text)}`

/** French puts a (non-breaking) space before a colon; English does not. */
export const colon = (locale: Locale): string => locale === 'fr' ? '\u00a0:' : ':'
