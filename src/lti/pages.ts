import { html } from 'ghtml'
import { layout } from '../views/layout.js'
import { colon, sentence, t, type Locale } from '../views/i18n.js'
import type { EventSummary } from '../program/service.js'
import type { Person, Role } from '../people/service.js'
import { deepLinkTargets, deepLinkTitles } from './service.js'
import type { GradebookRow, LineItemKey } from './outbox.js'
import { privacyNoticeLine } from '../privacy/pages.js'
import { ROLE_TEXT } from '../people/pages.js'

export interface TaughtCourse {
  id: string
  title: string
  rosterSyncedAt: Date | null
  activeMembers: number
  hasRosterService: boolean
  rosterSyncError: string | null
  nextRosterSyncAt: Date | null
  grades: { pending: number, delivered: number, superseded: number }
}

function taughtCourseSection (locale: Locale, course: TaughtCourse): string {
  const fr = locale === 'fr'
  const when = course.rosterSyncedAt === null
    ? (fr ? 'jamais synchronisée' : 'never synced')
    : `${fr ? 'synchronisée le' : 'synced on'} ${course.rosterSyncedAt.toLocaleString(fr ? 'fr-CA' : 'en-CA', { timeZone: 'America/Montreal', dateStyle: 'long', timeStyle: 'short' })}`
  return html`<section aria-labelledby="course-${course.id}">
<h2 id="course-${course.id}">${course.title}</h2>
<p>${fr ? 'Liste de la classe' : 'Class list'}${fr ? '\u00a0:' : ':'} ${course.activeMembers} ${fr ? 'personne(s) active(s)' : 'active member(s)'}, ${sentence(when)}</p>
!${course.rosterSyncError !== null
  ? html`<p class="error-box" role="status">${fr ? 'Le LMS n\'a pas fourni la liste au dernier essai' : 'The LMS did not provide the list on the last attempt'} (${course.rosterSyncError}). ${fr ? 'Nouvel essai automatique' : 'Automatic retry'} ${sentence(course.nextRosterSyncAt !== null ? `${fr ? 'vers' : 'around'} ${course.nextRosterSyncAt.toLocaleTimeString(fr ? 'fr-CA' : 'en-CA', { timeZone: 'America/Montreal', hour: '2-digit', minute: '2-digit' })}` : '')}</p>`
  : ''}
!${course.hasRosterService
  ? html`<form method="post" action="/cours/liste/${course.id}?lang=${locale}"><button type="submit">${fr ? 'Synchroniser la liste maintenant' : 'Sync the class list now'}</button></form>`
  : html`<p class="muted">${fr ? 'Ce cours ne fournit pas sa liste (service NRPS non activé dans le LMS).' : 'This course does not provide its list (NRPS not enabled in the LMS).'}</p>`}
<p><a href="/cours/presences/${course.id}?lang=${locale}">${fr ? 'Présences du cours' : 'Course attendance'}</a> · <a href="/cours/synthese/${course.id}/remises?lang=${locale}">${fr ? 'Synthèse : remises et notes' : 'Synthesis: hand-ins and grades'}</a></p>
<form method="post" action="/cours/presences/${course.id}/notes?lang=${locale}"><button type="submit">${fr ? 'Envoyer les notes de présence au LMS' : 'Send attendance grades to the LMS'}</button></form>
<p>${fr ? 'Notes envoyées au carnet de notes du LMS' : 'Grades sent to the LMS gradebook'}${fr ? '\u00a0:' : ':'} ${course.grades.delivered} ${fr ? 'livrée(s)' : 'delivered'}, ${course.grades.pending} ${fr ? 'en attente' : 'waiting'}. <a href="/cours/notes/${course.id}?lang=${locale}">${fr ? 'Comparer avec le carnet de notes du LMS' : 'Compare with the LMS gradebook'}</a></p>
</section>`
}

export function coursePage (locale: Locale, view: { person: Person, roles: Array<{ eventId: string, role: Role }>, events: EventSummary[], taught: TaughtCourse[], learning?: Array<{ id: string, title: string }> }, path: string): string {
  const roleLabel = (role: Role): string => t(locale, ROLE_TEXT[role])
  return layout({
    locale,
    path,
    title: locale === 'fr' ? 'Mon cours' : 'My course',
    body: html`<h1>${locale === 'fr' ? 'Bonjour' : 'Hello'}, ${view.person.displayName}</h1>
!${view.events.map(event => html`<section aria-labelledby="ev-${event.id}">
<h2 id="ev-${event.id}">${event.title[locale]}</h2>
!${event.course !== null ? html`<p>${event.course.code} – ${event.course.title}</p>` : ''}
<p>${t(locale, 'common.role')}${locale === 'fr' ? '\u00a0:' : ':'} ${view.roles.filter(r => r.eventId === event.id).map(r => roleLabel(r.role)).join(', ')}</p>
<p><a href="/events/${event.key}?lang=${locale}">${t(locale, 'common.program')}</a></p>
</section>`)}
!${view.taught.map(course => taughtCourseSection(locale, course))}
!${(view.learning ?? []).length > 0
  ? html`<section aria-labelledby="my-synthesis">
<h2 id="my-synthesis">${locale === 'fr' ? 'Activité de synthèse' : 'Synthesis activity'}</h2>
<ul>!${(view.learning ?? []).map(c => html`<li><a href="/cours/synthese/${c.id}?lang=${locale}">${locale === 'fr' ? 'Ma synthèse' : 'My synthesis'}</a> — ${c.title}</li>`)}</ul>
</section>`
  : ''}
<section aria-labelledby="attendance">
<h2 id="attendance">${locale === 'fr' ? 'Présences' : 'Attendance'}</h2>
<p><a href="/presence?lang=${locale}">${locale === 'fr' ? 'Mes présences, choix de séances et justifications' : 'My attendance, session choices and excuses'}</a> · <a href="/presence/code?lang=${locale}">${locale === 'fr' ? 'Entrer le code d\'une salle' : 'Enter a room code'}</a> · <a href="/presence/laissez-passer?lang=${locale}">${locale === 'fr' ? 'Mon laissez-passer' : 'My pass'}</a></p>
</section>
<section aria-labelledby="phone">
<h2 id="phone">${locale === 'fr' ? 'Sur votre téléphone' : 'On your phone'}</h2>
<p>${locale === 'fr' ? 'Pour vous enregistrer aux séances, ouvrez Compagnon sur votre téléphone avec un code QR à usage unique.' : 'To check in to sessions, open Compagnon on your phone with a one-time QR code.'}</p>
<form method="post" action="/auth/telephone?lang=${locale}"><button type="submit">${locale === 'fr' ? 'Ouvrir sur mon téléphone' : 'Open on my phone'}</button></form>
</section>
<form method="post" action="/auth/sign-out?lang=${locale}"><button type="submit">${t(locale, 'common.signOut')}</button></form>
!${privacyNoticeLine(locale)}`
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

const when = (locale: Locale, date: Date): string => date.toLocaleString(locale === 'fr' ? 'fr-CA' : 'en-CA', { timeZone: 'America/Montreal', dateStyle: 'long', timeStyle: 'short' })

/** The one-time registration URL an organizer hands to an LMS administrator (shown once). */
export function registrationLinkPage (locale: Locale, link: { url: string, expiresAt: Date }): string {
  const fr = locale === 'fr'
  return layout({
    locale,
    path: '/organisateurs',
    title: fr ? 'Lien d\'enregistrement LTI' : 'LTI registration link',
    body: html`<h1>${fr ? 'Lien d\'enregistrement LTI' : 'LTI registration link'}</h1>
<div class="notice" role="status">
<p>${fr ? 'Donnez cette adresse à l\'administrateur·trice du LMS. Elle ne sert qu\'une fois et expire le' : 'Give this address to the LMS administrator. It works once and expires on'} ${sentence(when(locale, link.expiresAt))} ${fr ? 'Elle ne sera plus affichée.' : 'It will not be shown again.'}</p>
<p><code>${link.url}</code></p>
</div>
<h2>${fr ? 'Dans Moodle' : 'In Moodle'}</h2>
<ol>
<li>${fr ? 'Administration du site › Plugins › Modules d\'activité › Outil externe › Gérer les outils.' : 'Site administration › Plugins › Activity modules › External tool › Manage tools.'}</li>
<li>${fr ? 'Collez l\'adresse dans « URL de l\'outil » puis « Ajouter LTI Advantage ».' : 'Paste the address in "Tool URL", then "Add LTI Advantage".'}</li>
<li>${fr ? 'Confirmez dans la fenêtre Compagnon, puis activez l\'outil dans Moodle.' : 'Confirm in the Compagnon window, then activate the tool in Moodle.'}</li>
</ol>
<p>${fr ? 'La plateforme reste en attente jusqu\'à ce qu\'un·e organisateur·trice l\'approuve sur la page Organisation.' : 'The platform waits until an organizer approves it on the Organizers page.'}</p>
<p><a href="/organisateurs?lang=${locale}">${fr ? 'Retour à l\'organisation' : 'Back to the organizer area'}</a></p>`
  })
}

/** Shown inside the LMS when its administrator opens our registration URL. */
export function registrationConfirmPage (locale: Locale, view: { issuer: string, product: string | null, token: string, openidConfiguration: string, registrationToken: string | undefined, publicUrl: string }): string {
  const fr = locale === 'fr'
  return layout({
    locale,
    path: '/lti/register',
    title: fr ? 'Enregistrer Compagnon' : 'Register Compagnon',
    body: html`<h1>${fr ? 'Enregistrer Compagnon dans votre LMS' : 'Register Compagnon in your LMS'}</h1>
<dl>
<dt>${fr ? 'Plateforme' : 'Platform'}</dt><dd>${view.product ?? 'LMS'} — <code>${view.issuer}</code></dd>
<dt>${fr ? 'Outil' : 'Tool'}</dt><dd>Compagnon — <code>${view.publicUrl}</code></dd>
<dt>${fr ? 'Services demandés' : 'Services requested'}</dt><dd>${fr ? 'lancement, liens profonds, carnet de notes (AGS), liste de la classe (NRPS)' : 'launch, deep linking, gradebook (AGS), class list (NRPS)'}</dd>
</dl>
<form method="post" action="/lti/register?lang=${locale}">
<input type="hidden" name="compagnon_token" value="${view.token}">
<input type="hidden" name="openid_configuration" value="${view.openidConfiguration}">
!${view.registrationToken !== undefined ? html`<input type="hidden" name="registration_token" value="${view.registrationToken}">` : ''}
<button type="submit">${fr ? 'Enregistrer' : 'Register'}</button>
</form>`
  })
}

/** Registration done: the platform waits for an organizer's approval; the button closes the LMS dialog. */
export function registrationDonePage (locale: Locale, result: { name: string, clientId: string, deploymentId: string | null }): string {
  const fr = locale === 'fr'
  return layout({
    locale,
    path: '/lti/register',
    title: fr ? 'Compagnon enregistré' : 'Compagnon registered',
    body: html`<h1>${fr ? 'Compagnon est enregistré' : 'Compagnon is registered'}</h1>
<div class="notice" role="status"><p>${result.name} — client_id <code>${result.clientId}</code>!${result.deploymentId !== null ? html`, ${fr ? 'déploiement' : 'deployment'} <code>${result.deploymentId}</code>` : ''}.</p>
<p>${fr ? 'Les lancements seront acceptés dès qu\'un·e organisateur·trice de Compagnon aura approuvé cette plateforme.' : 'Launches will be accepted as soon as a Compagnon organizer approves this platform.'}</p></div>
<button type="button" data-lti-close>${fr ? 'Terminer' : 'Finish'}</button>
<script src="/assets/lti-close.js"></script>`
  })
}

const stateLabels: Record<GradebookRow['state'], { fr: string, en: string }> = {
  same: { fr: 'Identique', en: 'Same' },
  waiting: { fr: 'En attente d\'envoi', en: 'Waiting to be sent' },
  differs: { fr: 'Modifiée dans le LMS', en: 'Changed in the LMS' },
  lms_only: { fr: 'Seulement dans le LMS', en: 'Only in the LMS' }
}

/** The LMS gradebook beside Compagnon's grades, per line item. */
export function gradebookPage (locale: Locale, courseTitle: string, sections: Array<{ lineItem: LineItemKey, label: string, rows: GradebookRow[] }>): string {
  const fr = locale === 'fr'
  const points = (score: number | null, maximum: number | null): string => score === null ? '—' : `${score.toLocaleString(fr ? 'fr-CA' : 'en-CA')}${maximum !== null ? ` / ${maximum.toLocaleString(fr ? 'fr-CA' : 'en-CA')}` : ''}`
  return layout({
    locale,
    path: '/cours',
    title: fr ? 'Carnet de notes du LMS' : 'LMS gradebook',
    body: html`<h1>${fr ? 'Carnet de notes du LMS' : 'LMS gradebook'} — ${courseTitle}</h1>
!${sections.length === 0 ? html`<p>${fr ? 'Compagnon n\'a encore envoyé aucune note dans ce cours.' : 'Compagnon has not sent any grade in this course yet.'}</p>` : ''}
!${sections.map(section => html`<section aria-labelledby="li-${section.lineItem}">
<h2 id="li-${section.lineItem}">${section.label}</h2>
<table><thead><tr><th scope="col">${fr ? 'Personne' : 'Person'}</th><th scope="col">${fr ? 'Dans le LMS' : 'In the LMS'}</th><th scope="col">${fr ? 'Donnée par Compagnon' : 'Given by Compagnon'}</th><th scope="col">${fr ? 'État' : 'State'}</th></tr></thead>
<tbody>!${section.rows.map(row => html`<tr><td>${row.name ?? row.userSub}</td><td>${points(row.lms?.score ?? null, row.lms?.maximum ?? null)}</td><td>${row.compagnon === null ? '—' : points(row.compagnon.score, row.compagnon.maximum)}</td><td>${stateLabels[row.state][locale]}</td></tr>`)}</tbody></table>
</section>`)}
<p><a href="/cours?lang=${locale}">${fr ? 'Retour au cours' : 'Back to the course'}</a></p>`
  })
}

/**
 * A launch whose login cookie did not come back (cookies blocked in the LMS frame). The button
 * restarts the launch once in a new top-level window, where the browser keeps our cookies; the
 * token works once, for a few minutes. Without a token (a relaunch that failed the same way, or
 * none could be offered), the person is told to allow cookies or launch again from the course.
 */
export function relaunchPage (locale: Locale, view: { token: string | undefined, requestId: string }): string {
  const fr = locale === 'fr'
  return layout({
    locale,
    path: '/',
    title: fr ? 'Ouvrir Compagnon dans une nouvelle fenêtre' : 'Open Compagnon in a new window',
    body: html`<h1>${fr ? 'Ouvrir Compagnon dans une nouvelle fenêtre' : 'Open Compagnon in a new window'}</h1>
<div class="error-box" role="alert"><p>${fr
  ? 'Lancement refusé : votre navigateur n\'a pas renvoyé le témoin (cookie) de connexion de Compagnon à l\'intérieur du LMS.'
  : 'Launch refused: your browser did not send Compagnon\'s login cookie back inside the LMS.'}</p></div>
!${view.token !== undefined
  ? html`<form method="post" action="/lti/login?lang=${locale}" target="_blank">
<input type="hidden" name="compagnon_relaunch" value="${view.token}">
<button type="submit">${fr ? 'Ouvrir dans une nouvelle fenêtre' : 'Open in a new window'}</button>
</form>
<p class="muted">${fr ? 'Ce bouton relance l\'activité une seule fois, pendant 5 minutes. Ensuite, relancez-la depuis votre cours.' : 'This button launches the activity again once, for 5 minutes. After that, launch it again from your course.'}</p>`
  : html`<p>${fr ? 'Autorisez les témoins (cookies) de ce site dans votre navigateur, puis relancez l\'activité depuis votre cours.' : 'Allow cookies for this site in your browser, then launch the activity again from your course.'}</p>`}
<details><summary>${fr ? 'Pour les personnes enseignantes : ouvrir Compagnon dans une nouvelle fenêtre depuis le LMS' : 'For instructors: open Compagnon in a new window from the LMS'}</summary>
<ul>
<li>${fr ? 'Moodle : dans les paramètres de l\'activité, « Afficher plus… » › « Conteneur de lancement » › « Nouvelle fenêtre » (ou le conteneur par défaut de l\'outil, pour tout le site).' : 'Moodle: in the activity settings, "Show more..." › "Launch container" › "New window" (or the tool\'s default launch container, for the whole site).'}</li>
<li>${fr ? 'Canvas : en ajoutant l\'outil à un module, cochez « Charger dans un nouvel onglet ».' : 'Canvas: when adding the tool to a module, check "Load in a new tab".'}</li>
<li>${fr ? 'Brightspace : dans les propriétés du lien, cochez « Ouvrir en tant que ressource externe ».' : 'Brightspace: in the link\'s properties, check "Open as External Resource".'}</li>
</ul>
</details>
<p class="muted">${t(locale, 'common.errorRequestId')}${colon(locale)} <code>${view.requestId}</code></p>`
  })
}

/**
 * Login initiation for a platform that offers its storage (`lti_storage_target`): the page puts
 * this login's secret in the platform's storage (lti.put_data, /assets/lti-storage.js), then goes
 * on to the platform's auth endpoint. Without script, or without an answer, the link goes on too.
 */
export function storagePutPage (locale: Locale, view: { target: string, origin: string, key: string, secret: string, next: string }): string {
  return signingInPage(locale, html`<div data-lti-storage="put" data-target="${view.target}" data-origin="${view.origin}" data-key="${view.key}" data-value="${view.secret}" data-next="${view.next}">
<p><a href="${view.next}">${locale === 'fr' ? 'Continuer' : 'Continue'}</a></p>
</div>`)
}

/** The platform-storage pages: a heading while the script talks to the platform, then goes on. */
function signingInPage (locale: Locale, inner: string): string {
  const fr = locale === 'fr'
  return layout({
    locale,
    path: '/',
    title: fr ? 'Connexion à Compagnon' : 'Signing in to Compagnon',
    body: html`<h1>${fr ? 'Connexion à Compagnon…' : 'Signing in to Compagnon…'}</h1>
!${inner}
<script src="/assets/lti-storage.js"></script>`
  })
}

/**
 * A launch whose login cookie did not come back, for a login kept in platform storage: the page
 * asks the platform for the login's secret (lti.get_data) and posts the launch again with it.
 * The token and state are the ones the platform just posted here.
 */
export function storageGetPage (locale: Locale, view: { target: string, origin: string, key: string, idToken: string, state: string }): string {
  return signingInPage(locale, html`<form method="post" action="/lti/launch?lang=${locale}" data-lti-storage="get" data-target="${view.target}" data-origin="${view.origin}" data-key="${view.key}">
<input type="hidden" name="id_token" value="${view.idToken}">
<input type="hidden" name="state" value="${view.state}">
<input type="hidden" name="compagnon_storage" value="">
<button type="submit">${locale === 'fr' ? 'Continuer' : 'Continue'}</button>
</form>`)
}
