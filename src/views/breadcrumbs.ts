import { html } from 'ghtml'
import { withLang } from './href.js'
import { t, type Locale } from './i18n.js'

/** One step back up: what it is called and where it is (a same-site path, without `lang`). */
export interface Crumb { label: string, href: string }

/**
 * The one way back on every page below the top level: the trail of the pages above this one,
 * nearest last (the page itself is its own heading, right below). Wraps on phones.
 */
export function breadcrumbs (locale: Locale, crumbs: readonly Crumb[]): string {
  if (crumbs.length === 0) return ''
  return html`<nav class="breadcrumbs" aria-label="${t(locale, 'common.breadcrumbs')}"><ol>
!${crumbs.map(c => html`<li><a href="!${withLang(c.href, locale)}">${c.label}</a></li>`)}
</ol></nav>`
}

/** The person's own page, the top of everything personal (attendance, attestation). */
export const myPageCrumb = (locale: Locale): Crumb => ({ label: t(locale, 'common.myPage'), href: '/moi' })
/** A participant's attendance (/presence), below their page. */
export const myAttendanceCrumbs = (locale: Locale): Crumb[] => [myPageCrumb(locale), { label: t(locale, 'attendance.myAttendanceTitle'), href: '/presence' }]

/** The door staff's choice of session (/accueil), the top of the door's pages. */
export const checkInDeskCrumb = (locale: Locale): Crumb => ({ label: t(locale, 'common.checkInDesk'), href: '/accueil' })

/** The courses a person reaches from the LMS (/cours), the top of everything course-related. */
export const coursesCrumb = (locale: Locale): Crumb => ({ label: t(locale, 'common.myCourses'), href: '/cours' })
