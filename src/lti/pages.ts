import { html } from 'ghtml'
import { layout } from '../views/layout.js'
import { t, type Locale } from '../views/i18n.js'
import type { EventSummary } from '../program/service.js'
import type { Person, Role } from '../people/service.js'
import { deepLinkTargets, deepLinkTitles } from './service.js'

export interface TaughtCourse {
  id: string
  title: string
  rosterSyncedAt: Date | null
  activeMembers: number
  hasRosterService: boolean
  grades: { pending: number, delivered: number, superseded: number }
}

function taughtCourseSection (locale: Locale, course: TaughtCourse): string {
  const fr = locale === 'fr'
  const when = course.rosterSyncedAt === null
    ? (fr ? 'jamais synchronisée' : 'never synced')
    : `${fr ? 'synchronisée le' : 'synced on'} ${course.rosterSyncedAt.toLocaleString(fr ? 'fr-CA' : 'en-CA', { timeZone: 'America/Montreal', dateStyle: 'long', timeStyle: 'short' })}`
  return html`<section aria-labelledby="course-${course.id}">
<h2 id="course-${course.id}">${course.title}</h2>
<p>${fr ? 'Liste de la classe' : 'Class list'}${fr ? '\u00a0:' : ':'} ${course.activeMembers} ${fr ? 'personne(s) active(s)' : 'active member(s)'}, ${when}.</p>
!${course.hasRosterService
  ? html`<form method="post" action="/cours/liste/${course.id}?lang=${locale}"><button type="submit">${fr ? 'Synchroniser la liste maintenant' : 'Sync the class list now'}</button></form>`
  : html`<p class="muted">${fr ? 'Ce cours ne fournit pas sa liste (service NRPS non activé dans le LMS).' : 'This course does not provide its list (NRPS not enabled in the LMS).'}</p>`}
<p>${fr ? 'Notes envoyées au carnet de notes du LMS' : 'Grades sent to the LMS gradebook'}${fr ? '\u00a0:' : ':'} ${course.grades.delivered} ${fr ? 'livrée(s)' : 'delivered'}, ${course.grades.pending} ${fr ? 'en attente' : 'waiting'}.</p>
</section>`
}

export function coursePage (locale: Locale, view: { person: Person, roles: Array<{ eventId: string, role: Role }>, events: EventSummary[], taught: TaughtCourse[] }, path: string): string {
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
!${view.taught.map(course => taughtCourseSection(locale, course))}
<form method="post" action="/auth/sign-out?lang=${locale}"><button type="submit">${t(locale, 'signOut')}</button></form>`
  })
}

export function deepLinkPage (locale: Locale, requestId: string, acceptMultiple: boolean, path: string): string {
  const fr = locale === 'fr'
  return layout({
    locale,
    path,
    title: fr ? 'Ajouter Compagnon au cours' : 'Add Compagnon to the course',
    body: html`<h1>${fr ? 'Ajouter Compagnon au cours' : 'Add Compagnon to the course'}</h1>
<p>${fr ? 'Choisissez ce qui apparaîtra dans votre cours. La plateforme crée un lien pour chaque élément.' : 'Choose what will appear in your course. The platform creates a link for each item.'}</p>
<form class="stack" method="post" action="/cours/contenu/${requestId}?lang=${locale}">
<fieldset><legend>${fr ? 'Éléments' : 'Items'}</legend>
!${deepLinkTargets.map((target, i) => html`<label class="choice"><input type="${acceptMultiple ? 'checkbox' : 'radio'}" name="items" value="${target}"${i === 0 ? ' checked' : ''}> ${deepLinkTitles[target][locale]}</label>`)}
</fieldset>
<button type="submit">${fr ? 'Ajouter au cours' : 'Add to the course'}</button>
</form>`
  })
}

/** Posts the signed answer back to the platform (script-free fallback: the button). */
export function deepLinkReturnPage (locale: Locale, returnUrl: string, jwt: string): string {
  const fr = locale === 'fr'
  return layout({
    locale,
    path: '/cours',
    title: fr ? 'Retour à la plateforme' : 'Back to the platform',
    body: html`<h1>${fr ? 'Retour à la plateforme' : 'Back to the platform'}</h1>
<form method="post" action="${returnUrl}" data-autosubmit>
<input type="hidden" name="JWT" value="${jwt}">
<button type="submit">${fr ? 'Terminer l\'ajout' : 'Finish adding'}</button>
</form>
<script src="/assets/autosubmit.js"></script>`
  })
}
