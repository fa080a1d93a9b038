import { html } from 'ghtml'
import { layout } from '../views/layout.js'
import { t, type Locale } from '../views/i18n.js'
import type { EventSummary } from '../program/service.js'
import type { Person, Role } from '../people/service.js'

export function coursePage (locale: Locale, view: { person: Person, roles: Array<{ eventId: string, role: Role }>, events: EventSummary[] }, path: string): string {
  const roleLabel = (role: Role): string => t(locale, `role_${role}`)
  return layout({
    locale,
    path,
    title: locale === 'fr' ? 'Mon cours' : 'My course',
    body: html`<h1>${locale === 'fr' ? 'Bonjour' : 'Hello'}, ${view.person.displayName}</h1>
!${view.events.map(event => html`<section aria-labelledby="ev-${event.id}">
<h2 id="ev-${event.id}">${event.title[locale]}</h2>
!${event.course !== null ? html`<p>${event.course.code} – ${event.course.title}</p>` : ''}
<p>${t(locale, 'role')}${locale === 'fr' ? '\u00a0:' : ':'} ${view.roles.filter(r => r.eventId === event.id).map(r => roleLabel(r.role)).join(', ')}</p>
<p><a href="/events/${event.key}?lang=${locale}">${t(locale, 'program')}</a></p>
</section>`)}
<form method="post" action="/auth/sign-out?lang=${locale}"><button type="submit">${t(locale, 'signOut')}</button></form>`
  })
}
