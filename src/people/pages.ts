import { html } from 'ghtml'
import { layout } from '../views/layout.js'
import { colon, t, type Locale } from '../views/i18n.js'
import type { EventSummary, ImportSummary } from '../program/service.js'
import type { PlatformSummary } from '../lti/service.js'
import type { Person, Role, SignInLink } from './service.js'

export function signInPage (locale: Locale, token: string, path: string): string {
  return layout({
    locale,
    path,
    title: t(locale, 'signIn'),
    body: html`<h1>${t(locale, 'signIn')}</h1>
<p>${t(locale, 'signInIntro')}</p>
<form class="stack" method="post" action="/auth/link?lang=${locale}">
  <input type="hidden" name="token" value="${token}">
  <button type="submit">${t(locale, 'signInConfirm')}</button>
</form>`
  })
}

export interface OrganizerView {
  person: Person
  platforms: PlatformSummary[]
  publicUrl: string
  events: Array<{ event: EventSummary, team: Array<{ displayName: string, email: string | null, role: Role }> }>
  invitation?: { eventId: string, link: SignInLink, email: string }
  imported?: ImportSummary
}

export function organizerPage (locale: Locale, view: OrganizerView, path: string): string {
  const roleLabel = (role: Role): string => t(locale, `role_${role}`)
  return layout({
    locale,
    path,
    title: t(locale, 'organizerHome'),
    body: html`<h1>${t(locale, 'organizerHome')}</h1>
<p>${t(locale, 'signedInAs')} <strong>${view.person.displayName}</strong>${view.person.email !== null ? ` (${view.person.email})` : ''}.</p>
<form method="post" action="/auth/sign-out?lang=${locale}"><button type="submit">${t(locale, 'signOut')}</button></form>
!${view.imported !== undefined
  ? html`<div class="notice" role="status"><p><strong>${t(locale, 'importDone')}</strong>${colon(locale)} ${view.imported.eventKey} —
    ${locale === 'fr' ? 'séances' : 'sessions'} +${view.imported.sessions.created} / ~${view.imported.sessions.updated} / =${view.imported.sessions.unchanged} / ${locale === 'fr' ? 'annulées' : 'cancelled'} ${view.imported.sessions.cancelled} / ${locale === 'fr' ? 'retirées' : 'removed'} ${view.imported.sessions.deleted}</p></div>`
  : ''}
!${view.events.map(({ event, team }) => html`<section aria-labelledby="ev-${event.id}">
<h2 id="ev-${event.id}">${event.title[locale]}</h2>
<p><a href="/events/${event.key}?lang=${locale}">${t(locale, 'program')}</a></p>
<h3>${t(locale, 'team')}</h3>
<ul>!${team.map(m => html`<li>${m.displayName}${m.email !== null ? ` <${m.email}>` : ''} — ${roleLabel(m.role)}</li>`)}</ul>
!${view.invitation?.eventId === event.id
  ? html`<div class="notice" role="status"><p>${view.invitation.email} — ${t(locale, 'inviteLinkCreated')}</p><p><code class="token">${view.invitation.link.url}</code></p></div>`
  : ''}
<h3>${t(locale, 'inviteTitle')}</h3>
<form class="stack" method="post" action="/organisateurs/invitations?lang=${locale}">
  <input type="hidden" name="eventId" value="${event.id}">
  <label>${t(locale, 'email')}<input type="email" name="email" required autocomplete="off"></label>
  <label>${t(locale, 'name')}<input type="text" name="name" autocomplete="off"></label>
  <label>${t(locale, 'role')}<select name="role">
    <option value="door_staff">${roleLabel('door_staff')}</option>
    <option value="organizer">${roleLabel('organizer')}</option>
  </select></label>
  <button type="submit">${t(locale, 'invite')}</button>
</form>
</section>`)}
<h2>${t(locale, 'ltiPlatforms')}</h2>
!${view.platforms.length === 0
  ? html`<p>${t(locale, 'ltiNoPlatform')}</p>`
  : html`<table><caption class="muted">${t(locale, 'ltiPlatformsCaption')}</caption>
<thead><tr><th scope="col">${t(locale, 'name')}</th><th scope="col">${t(locale, 'ltiIssuer')}</th><th scope="col">${t(locale, 'ltiClientId')}</th><th scope="col">${t(locale, 'ltiDeployments')}</th><th scope="col">${t(locale, 'ltiStatus')}</th></tr></thead>
<tbody>!${view.platforms.map(p => html`<tr><td>${p.name}</td><td>${p.issuer}</td><td>${p.clientId}</td><td>${p.deploymentIds.join(', ')}</td><td>!${platformStatusCell(locale, p)}</td></tr>`)}</tbody></table>`}
<form method="post" action="/organisateurs/plateformes/lien?lang=${locale}"><p class="muted">${t(locale, 'ltiDynamicHelp')}</p><button type="submit">${t(locale, 'ltiCreateLink')}</button></form>
<p class="muted">${t(locale, 'ltiToolUrls')} <code>${view.publicUrl}/lti/login</code> · <code>${view.publicUrl}/lti/launch</code> · <code>${view.publicUrl}/lti/keys</code></p>
<h2>${t(locale, 'importProgram')}</h2>
<form class="stack" method="post" action="/organisateurs/programme?lang=${locale}" enctype="multipart/form-data">
  <label>${t(locale, 'importProgramHelp')}<input type="file" name="program" accept=".yaml,.yml,.json,application/yaml,text/yaml" required></label>
  <button type="submit">${t(locale, 'importProgram')}</button>
</form>`
  })
}

/** Active, or waiting for approval (with an optional deployment id the platform did not send), and the matching action. */
function platformStatusCell (locale: Locale, p: PlatformSummary): string {
  const hidden = html`<input type="hidden" name="issuer" value="${p.issuer}"><input type="hidden" name="clientId" value="${p.clientId}">`
  if (p.active) {
    return html`${t(locale, 'ltiActive')}<form method="post" action="/organisateurs/plateformes/statut?lang=${locale}">!${hidden}<input type="hidden" name="action" value="suspend"><button type="submit">${t(locale, 'ltiSuspend')}</button></form>`
  }
  return html`<strong>${t(locale, p.dynamic !== null && p.dynamic.approvedAt === null ? 'ltiPending' : 'ltiSuspended')}</strong>
<form class="stack" method="post" action="/organisateurs/plateformes/statut?lang=${locale}">!${hidden}<input type="hidden" name="action" value="approve">
!${p.deploymentIds.length === 0 ? html`<label>${t(locale, 'ltiDeploymentToAdd')}<input name="deploymentId" autocomplete="off"></label>` : ''}
<button type="submit">${t(locale, 'ltiApprove')}</button></form>`
}

/** The QR code a person scans with their phone to open Compagnon there (one use, 10 minutes). */
export function phoneLinkPage (locale: Locale, link: { url: string, expiresAt: Date, qrSvg: string }): string {
  const fr = locale === 'fr'
  const until = link.expiresAt.toLocaleTimeString(fr ? 'fr-CA' : 'en-CA', { timeZone: 'America/Montreal', hour: '2-digit', minute: '2-digit' })
  return layout({
    locale,
    path: '/cours',
    title: fr ? 'Ouvrir sur mon téléphone' : 'Open on my phone',
    body: html`<h1>${fr ? 'Ouvrir Compagnon sur mon téléphone' : 'Open Compagnon on my phone'}</h1>
<p>${fr ? 'Visez ce code avec l\'appareil photo de votre téléphone. Compagnon s\'y ouvrira à votre nom, pour vous enregistrer aux séances.' : 'Point your phone\'s camera at this code. Compagnon will open there in your name, to check you in to sessions.'}</p>
<figure class="qr" role="img" aria-label="${fr ? 'Code QR de connexion' : 'Sign-in QR code'}">!${link.qrSvg}</figure>
<p>${fr ? 'Ce code ne sert qu\'une fois et expire à' : 'This code works once and expires at'} ${until}. ${fr ? 'Ne le partagez pas : il ouvre votre compte.' : 'Do not share it: it opens your account.'}</p>
<details><summary>${fr ? 'Pas d\'appareil photo ? Copiez le lien' : 'No camera? Copy the link'}</summary><p><code>${link.url}</code></p></details>
<p><a href="/cours?lang=${locale}">${fr ? 'Retour' : 'Back'}</a></p>`
  })
}

/** When the LMS frame did not keep our cookies (Safari, strict privacy settings): continue in a new window. */
export function cookiesBlockedPage (locale: Locale, token: string, landing: string | undefined): string {
  const fr = locale === 'fr'
  return layout({
    locale,
    path: '/cours',
    title: fr ? 'Ouvrir Compagnon dans une nouvelle fenêtre' : 'Open Compagnon in a new window',
    body: html`<h1>${fr ? 'Ouvrir Compagnon dans une nouvelle fenêtre' : 'Open Compagnon in a new window'}</h1>
<p>${fr ? 'Votre navigateur bloque les témoins (cookies) de Compagnon à l\'intérieur du LMS. Vous pouvez continuer dans une nouvelle fenêtre, où vous serez connecté·e.' : 'Your browser blocks Compagnon\'s cookies inside the LMS. You can continue in a new window, where you will be signed in.'}</p>
<form method="post" action="/auth/link?lang=${locale}" target="_blank">
<input type="hidden" name="token" value="${token}">
!${landing !== undefined ? html`<input type="hidden" name="vers" value="${landing}">` : ''}
<button type="submit">${fr ? 'Ouvrir dans une nouvelle fenêtre' : 'Open in a new window'}</button>
</form>
<p class="muted">${fr ? 'Ce bouton fonctionne une fois, pendant 5 minutes. Ensuite, relancez l\'activité depuis votre cours.' : 'This button works once, for 5 minutes. After that, launch the activity again from your course.'}</p>`
  })
}
