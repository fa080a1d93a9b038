import { html } from 'ghtml'
import { breadcrumbs, type Crumb } from './breadcrumbs.js'
import { t, type Locale, type TextKey } from './i18n.js'

/** The parts of an event's organizer area, in the order the navigation shows them. */
export type OrganizerPart = 'overview' | 'team' | 'participants' | 'program' | 'lms' | 'attendance' | 'attestations' | 'messages' | 'reports' | 'privacy'

/** Each part: its name and where it is (the last five are other domains' pages, linked here). */
const PARTS: ReadonlyArray<{ part: OrganizerPart, text: TextKey, href: (eventId: string) => string }> = [
  { part: 'overview', text: 'people.navOverview', href: id => `/organisateurs#ev-${id}` },
  { part: 'team', text: 'common.team', href: id => `/organisateurs/evenements/${id}/equipe` },
  { part: 'participants', text: 'people.navParticipants', href: id => `/organisateurs/evenements/${id}/participants` },
  { part: 'program', text: 'common.program', href: id => `/organisateurs/evenements/${id}/programme` },
  { part: 'lms', text: 'people.navLms', href: id => `/organisateurs/evenements/${id}/lms` },
  { part: 'attendance', text: 'people.navAttendance', href: id => `/organisateurs/presences/${id}` },
  { part: 'attestations', text: 'people.navAttestations', href: id => `/organisateurs/attestations/${id}` },
  { part: 'messages', text: 'people.navMessages', href: id => `/organisateurs/messages/${id}` },
  { part: 'reports', text: 'people.navReports', href: id => `/organisateurs/rapports/${id}` },
  { part: 'privacy', text: 'people.navPrivacy', href: id => `/organisateurs/confidentialite/${id}` }
]

/** Where a part of an event's organizer area is (with the page's language). */
export function organizerPartHref (locale: Locale, eventId: string, part: OrganizerPart): string {
  const found = PARTS.find(p => p.part === part) ?? PARTS[0]
  const href = found?.href(encodeURIComponent(eventId)) ?? '/organisateurs'
  const hash = href.indexOf('#')
  return hash < 0 ? `${href}?lang=${locale}` : `${href.slice(0, hash)}?lang=${locale}${href.slice(hash)}`
}

/**
 * The trail back from a page of an event's organizer area: the hub (at this event), then, for a
 * page within a part (a message, a generation, the access log), that part.
 */
export function organizerCrumbs (locale: Locale, eventId: string, within?: OrganizerPart): Crumb[] {
  const id = encodeURIComponent(eventId)
  const part = within === undefined ? undefined : PARTS.find(p => p.part === within)
  return [
    { label: t(locale, 'common.organizerHome'), href: `/organisateurs#ev-${id}` },
    ...(part === undefined || part.part === 'overview' ? [] : [{ label: t(locale, part.text), href: part.href(id) }])
  ]
}

/** The breadcrumb trail of a page within a part of an event's organizer area (pages with the navigation below get theirs from it). */
export function organizerBreadcrumbs (locale: Locale, eventId: string, within?: OrganizerPart): string {
  return breadcrumbs(locale, organizerCrumbs(locale, eventId, within))
}

/**
 * The one navigation of an event's organizer area, at the top of each of its pages: the trail
 * back to the hub, then a list of links that wraps on phones, the current part marked with
 * aria-current (`within`: a page inside that part, whose trail then ends with the part). Takes
 * ids and text only (no domain types), so any domain's organizer page can call it. The hrefs
 * are built from the event's id (a UUID from the route) and the locale only, so they go in
 * unescaped.
 */
export function organizerNav (locale: Locale, eventId: string, current: OrganizerPart | null, options: { within?: boolean } = {}): string {
  const within = options.within === true && current !== null ? current : undefined
  return html`!${organizerBreadcrumbs(locale, eventId, within)}<nav class="organizer-nav" aria-label="${t(locale, 'people.navLabel')}"><ul>
!${PARTS.map(
  p => html`<li><a href="!${organizerPartHref(locale, eventId, p.part)}"!${p.part === current ? ' aria-current="page"' : ''}>${t(locale, p.text)}</a></li>`
)}
</ul></nav>`
}
