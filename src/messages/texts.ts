import { intlLocale, t } from '../views/i18n.js'

// Message texts that other domains write too (a bulk send of personal links from the
// participants' page): kept apart from the outbox service, which depends on people.

/** The email carrying a personal link: what it opens, that it is personal, until when it works (in the person's language). */
export function personalLinkText (locale: 'fr' | 'en', v: {
  name: string
  event: string
  url: string
  expiresAt: Date
  timezone: string
}): { subject: string, bodyText: string } {
  // The link works until midnight starting expiresAt: its last full day is the day before.
  const lastDay = new Date(v.expiresAt.getTime() - 1).toLocaleDateString(intlLocale[locale], {
    timeZone: v.timezone,
    day: 'numeric',
    month: 'long',
    year: 'numeric'
  })
  return {
    subject: t(locale, 'messages.personalLinkSubject', { event: v.event }),
    bodyText: t(locale, 'messages.personalLinkBody', { name: v.name, event: v.event, url: v.url, lastDay })
  }
}
