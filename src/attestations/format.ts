// How attestations write their figures, once for every page, message, report and PDF: hours with
// at most two decimals ("15,75" everywhere, never "15,8" next to it), percentages with at most
// one, durations as durations ("1 h 30 min", never "1 h 30", which reads as a time), and date
// spans with only what differs repeated ("du 20 au 24 octobre 2025").
import { DateTime } from 'luxon'
import { dateTimeFormat, formatTime, intlLocale, t, type Locale } from '../views/i18n.js'

const hoursFormats = {
  fr: new Intl.NumberFormat(intlLocale.fr, { maximumFractionDigits: 2 }),
  en: new Intl.NumberFormat(intlLocale.en, { maximumFractionDigits: 2 })
} satisfies Record<Locale, Intl.NumberFormat>
const percentFormats = {
  fr: new Intl.NumberFormat(intlLocale.fr, { style: 'percent', maximumFractionDigits: 1 }),
  en: new Intl.NumberFormat(intlLocale.en, { style: 'percent', maximumFractionDigits: 1 })
} satisfies Record<Locale, Intl.NumberFormat>

/** Hours, continuing-education units: "15,75" / "15.75", "21", "1 234,5". */
export const formatHours = (n: number, locale: Locale): string => hoursFormats[locale].format(n)

/** A share in [0, 1] as a percentage: "13,1 %" / "13.1%". */
export const formatPercent = (share: number, locale: Locale): string => percentFormats[locale].format(share)

/** "15,75 h" / "15.75 h". */
export const hoursText = (n: number, locale: Locale): string => t(locale, 'attestations.hoursValue', { hours: formatHours(n, locale) })

/** A duration, the same in both languages: "1 h 30 min", "45 min", "3 h" (non-breaking spaces). */
export function formatDuration (minutes: number): string {
  const h = Math.floor(minutes / 60)
  const m = Math.round(minutes % 60)
  if (h === 0) return `${m}\u00a0min`
  if (m === 0) return `${h}\u00a0h`
  return `${h}\u00a0h\u00a0${m}\u00a0min`
}

const toDate = (date: Date | string): Date => typeof date === 'string' ? new Date(date) : date

/** "23 octobre 2025" / "October 23, 2025" in the event's zone; with its weekday: "jeudi 23 octobre 2025". */
export function formatDate (date: Date | string, zone: string, locale: Locale, options: { weekday?: boolean } = {}): string {
  return dateTimeFormat(locale, zone, {
    ...(options.weekday === true ? { weekday: 'long' } : {}),
    year: 'numeric',
    month: 'long',
    day: 'numeric'
  }).format(toDate(date))
}

/** "jeudi 23 octobre 2025 à 16 h 15" / "Thursday, October 23, 2025 at 4:15 p.m." in the event's zone. */
export function formatDateTime (date: Date | string, zone: string, locale: Locale, options: { weekday?: boolean } = {}): string {
  return t(locale, 'attestations.dateAtTime', { date: formatDate(date, zone, locale, options), time: formatTime(toDate(date).toISOString(), locale, zone) })
}

/** A session's start, short: "lun. 20 oct., 9 h 00" / "Mon, Oct 20, 9:00 a.m.". */
export function formatSessionStart (date: Date | string, zone: string, locale: Locale): string {
  return dateTimeFormat(locale, zone, { weekday: 'short', day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' }).format(toDate(date))
}

/** Calendar days of two instants in a zone, as UTC dates (ICU then formats days, not instants). */
const calendarDay = (iso: string, zone: string): Date => {
  const day = DateTime.fromISO(iso, { zone }).toISODate() ?? iso.slice(0, 10)
  return DateTime.fromISO(day, { zone: 'utc' }).toJSDate()
}
const dayFormats = {
  fr: new Intl.DateTimeFormat(intlLocale.fr, { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' }),
  en: new Intl.DateTimeFormat(intlLocale.en, { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' })
} satisfies Record<Locale, Intl.DateTimeFormat>

/**
 * The days of an event, for a sentence's "du {start} au {end}" / "from {start} to {end}": only
 * what differs is repeated ("20" and "24 octobre 2025"; "October 20" and "24, 2025"; "31 octobre"
 * and "2 novembre 2025"). A single day: `{ day }` ("20 octobre 2025" / "October 20, 2025").
 */
export function dateSpan (start: string, end: string, zone: string, locale: Locale): { day: string } | { start: string, end: string } {
  const a = calendarDay(start, zone)
  const b = calendarDay(end, zone)
  const format = dayFormats[locale]
  if (a.getTime() >= b.getTime()) return { day: format.format(a) }
  const parts = format.formatRangeToParts(a, b)
  // The range's separator: the first shared literal after the start's own parts.
  const sep = parts.findIndex((p, i) => p.type === 'literal' && p.source === 'shared' && parts.slice(0, i).some(q => q.source === 'startRange'))
  if (sep < 0) return { start: format.format(a), end: format.format(b) }
  const text = (list: typeof parts): string => list.map(p => p.value).join('').trim()
  return { start: text(parts.slice(0, sep)), end: text(parts.slice(sep + 1)) }
}

/** The days of an event for a table or a heading: "20–24 octobre 2025" / "October 20–24, 2025"; one day: "20 octobre 2025". */
export function formatDays (start: string, end: string, zone: string, locale: Locale): string {
  const a = calendarDay(start, zone)
  const b = calendarDay(end, zone)
  return a.getTime() >= b.getTime() ? dayFormats[locale].format(a) : dayFormats[locale].formatRange(a, b)
}

/** "du 20 au 24 octobre 2025" / "from October 20 to 24, 2025"; "le 20 octobre 2025" / "on October 20, 2025". */
export function datesText (start: string, end: string, zone: string, locale: Locale): string {
  const span = dateSpan(start, end, zone, locale)
  return 'day' in span
    ? t(locale, 'attestations.datesOneDay', { date: span.day })
    : t(locale, 'attestations.datesRange', span)
}

/** "La délivrance en lot ouvrira à la fin du dernier créneau compté, le mercredi 24 octobre 2025 à 11 h 00." */
export const bulkNotYet = (opens: Date, zone: string, locale: Locale): string =>
  t(locale, 'attestations.bulkNotYet', { when: formatDateTime(opens, zone, locale, { weekday: true }) })
