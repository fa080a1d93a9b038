import type { Locale } from './i18n.js'

/**
 * The pages of the guide (docs/, served at /aide/ by src/http/guide.ts) that pages in the app link
 * to. The guides for the people who run the event are in French; where an English page of the
 * guide says the same, English pages link to it. test/views/guide-links.test.ts checks that every
 * target exists in docs/, anchors included.
 */
const GUIDE_PAGES = {
  home: { fr: '/aide/', en: '/aide/' },
  lmsRegistration: { fr: '/aide/organisation/mise-en-place.html#relier-le-lms', en: '/aide/admin/lms/' },
  messages: { fr: '/aide/organisation/messages.html#sans-l-envoi-de-courriels', en: '/aide/organisation/messages.html#sans-l-envoi-de-courriels' }
} as const satisfies Record<string, Record<Locale, string>>

export type GuidePage = keyof typeof GUIDE_PAGES

/** Where a page of the guide is, for a reader of this language. */
export const guideHref = (locale: Locale, page: GuidePage): string => GUIDE_PAGES[page][locale]

/** Every link into the guide, for the test that they lead somewhere. */
export const guideLinks = (): string[] => Object.values(GUIDE_PAGES).flatMap(p => Object.values(p))
