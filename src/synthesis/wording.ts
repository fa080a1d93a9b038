import { DateTime } from 'luxon'
import type { Bilingual } from '../errors.js'
import { formatTime, intlLocale, t, type Locale, type TextKey, type TextValues } from '../views/i18n.js'

/** "vendredi 24 octobre 2025 à 9 h 00" / "Friday, October 24, 2025 at 9:00 a.m." in the event's zone (pages, receipts and refusals alike). */
export function when (date: Date, zone: string, locale: Locale): string {
  const dt = DateTime.fromJSDate(date, { zone })
  return t(locale, 'synthesis.dateAtTime', {
    date: dt.setLocale(intlLocale[locale]).toLocaleString(DateTime.DATE_HUGE),
    time: formatTime(dt.toISO() ?? date.toISOString(), locale, zone)
  })
}

/** A message in both languages whose values are written per language (a date, a criterion's title). */
export const inBoth = (key: TextKey, values: (locale: Locale) => TextValues): Bilingual =>
  ({ fr: t('fr', key, values('fr')), en: t('en', key, values('en')) })
