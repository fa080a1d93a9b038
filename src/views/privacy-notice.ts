import { html } from 'ghtml'
import { markup, type Locale } from './i18n.js'

/** The privacy notice's address (its page is served by src/privacy/routes.ts). */
export const NOTICE_PATH = '/confidentialite'

/**
 * One sentence for pages that collect personal data (sign-in, check-in, hand-in, requests),
 * pointing to the privacy notice; organizers adding people are reminded what to tell them.
 * A shared fragment, here so that every domain's pages can show it without importing privacy/.
 */
export function privacyNoticeLine (locale: Locale, reader: 'person' | 'organizer' = 'person'): string {
  const key = reader === 'organizer' ? 'privacy.noticeLineOrganizer' : 'privacy.noticeLinePerson'
  const link = { link: (words: string) => html`<a href="!${NOTICE_PATH}?lang=${locale}">!${words}</a>` }
  return html`<p class="muted privacy-line">!${markup(locale, key, {}, link)}</p>`
}
