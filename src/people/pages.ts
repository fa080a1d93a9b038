import { html } from 'ghtml'
import { layout } from '../views/layout.js'
import { LANGUAGE_TEXT, colon, formatDateRange, sentence, t, type Locale, type TextKey } from '../views/i18n.js'
import type { EventSummary, ImportSummary } from '../program/service.js'
import type { PlatformSummary } from '../lti/service.js'
import type { Invitation, Person, Profile, Role } from './service.js'
import type { Participant, ParticipantImportReport, PersonalLink } from './participants.js'
import type { Bilingual } from '../errors.js'
import { privacyNoticeLine } from '../privacy/pages.js'

/** A role's name, as people read it. */
export const ROLE_TEXT = {
  organizer: 'common.role_organizer',
  door_staff: 'common.role_door_staff',
  instructor: 'common.role_instructor',
  credited_student: 'common.role_credited_student',
  participant: 'common.role_participant'
} as const satisfies Record<Role, TextKey>

export function signInPage (locale: Locale, token: string, path: string): string {
  return layout({
    locale,
    path,
    title: t(locale, 'common.signIn'),
    body: html`<h1>${t(locale, 'common.signIn')}</h1>
<p>${t(locale, 'common.signInIntro')}</p>
<form class="stack" method="post" action="/auth/link?lang=${locale}">
  <input type="hidden" name="token" value="${token}">
  <button type="submit">${t(locale, 'common.signInConfirm')}</button>
</form>
!${privacyNoticeLine(locale)}`
  })
}

export interface OrganizerView {
  person: Person
  platforms: PlatformSummary[]
  publicUrl: string
  events: Array<{ event: EventSummary, team: Array<{ displayName: string, email: string | null, role: Role }>, participants: Participant[] }>
  /** What the last invitation did: a new account's link, or an existing account's role (no link). */
  invitation?: { eventId: string, result: Invitation, who: string }
  imported?: ImportSummary
  /** What the last participant action did, shown once in the event's participants section. */
  participantsNotice?: ParticipantsNotice
}

/** What the inviter is told when the address is an existing account's (no link, no token). */
export function grantedText (alreadyHeld: boolean): { fr: string, en: string } {
  return alreadyHeld
    ? { fr: 'Cette personne a déjà ce rôle dans l\'événement : rien n\'a changé.', en: 'This person already holds this role in the event: nothing changed.' }
    : {
        fr: 'Cette adresse appartient à un compte existant : la personne en est avisée par message, sans lien de connexion. Si elle ne fait pas déjà partie de votre événement, le rôle s\'applique quand elle l\'accepte (14 jours). Elle se connecte par ses propres moyens (son LMS ou « M\'envoyer mon lien »).',
        en: 'This address belongs to an existing account: the person is told by message, without a sign-in link. If they are not already part of your event, the role applies once they accept it (14 days). They sign in by their own means (their LMS or "Send me my link").'
      }
}

export type ParticipantsNotice =
  | { eventId: string, kind: 'import', report: ParticipantImportReport, rejected: boolean }
  | { eventId: string, kind: 'link', name: string, link: PersonalLink }
  | { eventId: string, kind: 'text', text: Bilingual }
  | { eventId: string, kind: 'error', text: Bilingual }

export function organizerPage (locale: Locale, view: OrganizerView, path: string): string {
  const roleLabel = (role: Role): string => t(locale, ROLE_TEXT[role])
  return layout({
    locale,
    path,
    title: t(locale, 'common.organizerHome'),
    body: html`<h1>${t(locale, 'common.organizerHome')}</h1>
<p>${t(locale, 'common.signedInAs')} <strong>${view.person.displayName}</strong>${view.person.email !== null ? ` (${view.person.email})` : ''}.</p>
<form method="post" action="/auth/sign-out?lang=${locale}"><button type="submit">${t(locale, 'common.signOut')}</button></form>
!${view.imported !== undefined
  ? html`<div class="notice" role="status"><p><strong>${t(locale, 'common.importDone')}</strong>${colon(locale)} ${view.imported.eventKey} —
    ${locale === 'fr' ? 'séances' : 'sessions'} +${view.imported.sessions.created} / ~${view.imported.sessions.updated} / =${view.imported.sessions.unchanged} / ${locale === 'fr' ? 'annulées' : 'cancelled'} ${view.imported.sessions.cancelled} / ${locale === 'fr' ? 'retirées' : 'removed'} ${view.imported.sessions.deleted}</p></div>`
  : ''}
!${view.events.map(({ event, team, participants }) => html`<section aria-labelledby="ev-${event.id}">
<h2 id="ev-${event.id}">${event.title[locale]}</h2>
<p><a href="/events/${event.key}?lang=${locale}">${t(locale, 'common.program')}</a> · <a href="/organisateurs/presences/${event.id}?lang=${locale}">${locale === 'fr' ? 'Présences' : 'Attendance'}</a> · <a href="/accueil?lang=${locale}">${locale === 'fr' ? 'Accueil et projection des codes' : 'Door and code projection'}</a> · <a href="/organisateurs/attestations/${event.id}?lang=${locale}">${locale === 'fr' ? 'Attestations' : 'Certificates'}</a> · <a href="/organisateurs/messages/${event.id}?lang=${locale}">${locale === 'fr' ? 'Messages envoyés' : 'Messages sent'}</a> · <a href="/organisateurs/rapports/${event.id}?lang=${locale}">${locale === 'fr' ? 'Rapports' : 'Reports'}</a> · <a href="/organisateurs/confidentialite/${event.id}?lang=${locale}">${locale === 'fr' ? 'Confidentialité' : 'Privacy'}</a> · <a href="/organisateurs/confidentialite/${event.id}/effacement?lang=${locale}">${locale === 'fr' ? 'Demandes d\'effacement' : 'Erasure requests'}</a></p>
<h3>${t(locale, 'common.team')}</h3>
<ul>!${team.map(m => html`<li>${m.displayName}${m.email !== null ? ` <${m.email}>` : ''} — ${roleLabel(m.role)}</li>`)}</ul>
!${view.invitation?.eventId === event.id
  ? view.invitation.result.created
    ? html`<div class="notice" role="status"><p>${view.invitation.who} — ${t(locale, 'common.inviteLinkCreated')}</p><p><code class="token">${view.invitation.result.url}</code></p></div>`
    : html`<div class="notice" role="status"><p>${view.invitation.who} — ${grantedText(view.invitation.result.alreadyHeld)[locale]}</p></div>`
  : ''}
<h3>${t(locale, 'common.inviteTitle')}</h3>
<form class="stack" method="post" action="/organisateurs/invitations?lang=${locale}">
  <input type="hidden" name="eventId" value="${event.id}">
  <label>${t(locale, 'common.email')} ${locale === 'fr' ? '(facultatif pour le personnel d\'accueil : le compte est alors créé par son nom)' : '(optional for door staff: the account is then created by name)'}<input type="email" name="email" autocomplete="off"></label>
  <label>${t(locale, 'common.name')}<input type="text" name="name" autocomplete="off"></label>
  <label>${t(locale, 'common.role')}<select name="role">
    <option value="door_staff">${roleLabel('door_staff')}</option>
    <option value="organizer">${roleLabel('organizer')}</option>
  </select></label>
  <button type="submit">${t(locale, 'common.invite')}</button>
</form>
!${participantsSection(locale, event, participants, view.participantsNotice?.eventId === event.id ? view.participantsNotice : undefined)}
</section>`)}
<h2>${t(locale, 'common.ltiPlatforms')}</h2>
!${view.platforms.length === 0
  ? html`<p>${t(locale, 'common.ltiNoPlatform')}</p>`
  : html`<table><caption class="muted">${t(locale, 'common.ltiPlatformsCaption')}</caption>
<thead><tr><th scope="col">${t(locale, 'common.name')}</th><th scope="col">${t(locale, 'common.ltiIssuer')}</th><th scope="col">${t(locale, 'common.ltiClientId')}</th><th scope="col">${t(locale, 'common.ltiDeployments')}</th><th scope="col">${t(locale, 'common.ltiStatus')}</th></tr></thead>
<tbody>!${view.platforms.map(p => html`<tr><td>${p.name}</td><td>${p.issuer}</td><td>${p.clientId}</td><td>${p.deploymentIds.join(', ')}</td><td>!${platformStatusCell(locale, p)}</td></tr>`)}</tbody></table>`}
<form method="post" action="/organisateurs/plateformes/lien?lang=${locale}"><p class="muted">${t(locale, 'common.ltiDynamicHelp')}</p><button type="submit">${t(locale, 'common.ltiCreateLink')}</button></form>
<p class="muted">${t(locale, 'common.ltiToolUrls')} <code>${view.publicUrl}/lti/login</code> · <code>${view.publicUrl}/lti/launch</code> · <code>${view.publicUrl}/lti/keys</code></p>
<h2>${t(locale, 'common.importProgram')}</h2>
<form class="stack" method="post" action="/organisateurs/programme?lang=${locale}" enctype="multipart/form-data">
  <label>${t(locale, 'common.importProgramHelp')}<input type="file" name="program" accept=".yaml,.yml,.json,application/yaml,text/yaml" required></label>
  <button type="submit">${t(locale, 'common.importProgram')}</button>
</form>`
  })
}

/** Active, or waiting for approval (with an optional deployment id the platform did not send), and the matching action. */
function platformStatusCell (locale: Locale, p: PlatformSummary): string {
  const hidden = html`<input type="hidden" name="issuer" value="${p.issuer}"><input type="hidden" name="clientId" value="${p.clientId}">`
  if (p.active) {
    return html`${t(locale, 'common.ltiActive')}<form method="post" action="/organisateurs/plateformes/statut?lang=${locale}">!${hidden}<input type="hidden" name="action" value="suspend"><button type="submit">${t(locale, 'common.ltiSuspend')}</button></form>`
  }
  return html`<strong>${t(locale, p.dynamic !== null && p.dynamic.approvedAt === null ? 'common.ltiPending' : 'common.ltiSuspended')}</strong>
<form class="stack" method="post" action="/organisateurs/plateformes/statut?lang=${locale}">!${hidden}<input type="hidden" name="action" value="approve">
!${p.deploymentIds.length === 0 ? html`<label>${t(locale, 'common.ltiDeploymentToAdd')}<input name="deploymentId" autocomplete="off"></label>` : ''}
<button type="submit">${t(locale, 'common.ltiApprove')}</button></form>`
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
<p>${fr ? 'Ce code ne sert qu\'une fois et expire à' : 'This code works once and expires at'} ${sentence(until)} ${fr ? 'Ne le partagez pas : il ouvre votre compte.' : 'Do not share it: it opens your account.'}</p>
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

const dateFormat = (locale: Locale, date: Date, timeZone: string): string =>
  date.toLocaleDateString(locale === 'fr' ? 'fr-CA' : 'en-CA', { timeZone, day: 'numeric', month: 'long', year: 'numeric' })

function linkStatusText (locale: Locale, link: Participant['link'], timeZone: string): string {
  switch (link.status) {
    case 'none': return t(locale, 'common.linkNone')
    case 'revoked': return `${t(locale, 'common.linkRevoked')} ${dateFormat(locale, link.revokedAt ?? new Date(0), timeZone)}`
    case 'expired': return t(locale, 'common.linkExpired')
    case 'active': return `${t(locale, 'common.linkActiveSince')} ${dateFormat(locale, link.issuedAt ?? new Date(0), timeZone)} (${t(locale, 'common.linkUntil')} ${dateFormat(locale, new Date((link.expiresAt ?? new Date(0)).getTime() - 1), timeZone)})`
  }
}

function participantsNoticeBox (locale: Locale, notice: ParticipantsNotice, timeZone: string): string {
  const fr = locale === 'fr'
  if (notice.kind === 'text') return html`<div class="notice" role="status"><p>${notice.text[locale]}</p></div>`
  if (notice.kind === 'error') return html`<div class="error-box" role="alert"><p>${notice.text[locale]}</p></div>`
  if (notice.kind === 'link') {
    const until = dateFormat(locale, new Date(notice.link.expiresAt.getTime() - 1), timeZone)
    return html`<div class="notice" role="status"><p>${fr
      ? `Lien personnel de ${notice.name}, valide jusqu'au ${until} inclusivement. Transmettez-le à la personne : il ne sera plus affiché (le remplacer désactive l'ancien).`
      : `Personal link for ${notice.name}, valid through ${until}. Send it to the person: it will not be shown again (replacing it disables the old one).`}</p>
<p><code class="token">${notice.link.url}</code></p></div>`
  }
  const r = notice.report
  const counts = fr
    ? `${r.added} ajoutée${r.added > 1 ? 's' : ''}, ${r.updated} mise${r.updated > 1 ? 's' : ''} à jour, ${r.unchanged} inchangée${r.unchanged > 1 ? 's' : ''}, ${r.kept} compte${r.kept > 1 ? 's' : ''} existant${r.kept > 1 ? 's' : ''} conservé${r.kept > 1 ? 's' : ''}, ${r.errors.length} ligne${r.errors.length > 1 ? 's' : ''} en erreur`
    : `${r.added} added, ${r.updated} updated, ${r.unchanged} unchanged, ${r.kept} existing account${r.kept === 1 ? '' : 's'} kept, ${r.errors.length} line${r.errors.length === 1 ? '' : 's'} with errors`
  const fieldLabel = (field: string | null): string => field === null ? '' : `${t(locale, field === 'language' ? 'common.preferredLanguage' : field === 'email' ? 'common.email' : field === 'employer' ? 'common.employer' : 'common.name')}${colon(locale)} `
  return html`<div class="${notice.rejected ? 'error-box' : 'notice'}" role="${notice.rejected ? 'alert' : 'status'}">
<p><strong>${notice.rejected ? (fr ? 'Liste refusée' : 'List refused') : (fr ? 'Liste importée' : 'List imported')}</strong>${colon(locale)} ${counts}.${notice.rejected ? (fr ? ' Rien n\'a changé.' : ' Nothing changed.') : ''}</p>
!${r.ignoredColumns.length > 0 ? html`<p>${fr ? 'Colonnes ignorées' : 'Ignored columns'}${colon(locale)} ${r.ignoredColumns.join(', ')}</p>` : ''}
!${r.encoding === 'windows-1252' ? html`<p class="muted">${fr ? 'Fichier lu comme Windows-1252 (Excel) : vérifiez les accents ci-dessous.' : 'File read as Windows-1252 (Excel): check the accents below.'}</p>` : ''}
!${r.errors.length > 0 ? html`<ul>!${r.errors.map(e => html`<li>${fr ? 'Ligne' : 'Line'} ${e.line} — ${fieldLabel(e.field)}${e.message[locale]}</li>`)}</ul>` : ''}
</div>`
}

/** An event's non-credit participants on the organizer page: list, personal links, import, add one. */
function participantsSection (locale: Locale, event: EventSummary, participants: Participant[], notice: ParticipantsNotice | undefined): string {
  const base = `/organisateurs/evenements/${event.id}/participants`
  const anchor = `participants-${event.id}`
  return html`<h3 id="${anchor}">${t(locale, 'common.participants')}</h3>
!${notice !== undefined ? participantsNoticeBox(locale, notice, event.timezone) : ''}
!${participants.length === 0
  ? html`<p>${t(locale, 'common.participantsNone')}</p>`
  : html`<table class="participants"><caption class="muted">${participants.length} ${locale === 'fr' ? (participants.length > 1 ? 'personnes' : 'personne') : (participants.length > 1 ? 'people' : 'person')}</caption>
<thead><tr><th scope="col">${t(locale, 'common.name')}</th><th scope="col">${t(locale, 'common.email')}</th><th scope="col">${t(locale, 'common.employer')}</th><th scope="col">${t(locale, 'common.preferredLanguage')}</th><th scope="col">${t(locale, 'common.personalLink')}</th><th scope="col">${t(locale, 'common.actions')}</th></tr></thead>
<tbody>!${participants.map(p => html`<tr><th scope="row">${p.name}</th><td>${p.email ?? ''}</td><td>${p.employer ?? ''}</td><td>${t(locale, LANGUAGE_TEXT[p.preferredLocale])}</td><td>${linkStatusText(locale, p.link, event.timezone)}</td>
<td><form method="post" action="${base}/${p.personId}/lien?lang=${locale}#${anchor}"><button type="submit" aria-label="${t(locale, p.link.status === 'active' ? 'common.linkReissue' : 'common.linkIssue')} — ${p.name}">${t(locale, p.link.status === 'active' ? 'common.linkReissue' : 'common.linkIssue')}</button></form>
!${p.email !== null
  ? html`<form method="post" action="${base}/${p.personId}/lien-courriel?lang=${locale}"><button type="submit" aria-label="${t(locale, 'common.linkEmail')} — ${p.name}" aria-describedby="${anchor}-email-help">${t(locale, 'common.linkEmail')}</button></form>`
  : ''}
!${p.link.status === 'active'
  ? html`<form method="post" action="${base}/${p.personId}/revocation?lang=${locale}#${anchor}"><label class="choice"><input type="checkbox" name="signOut" value="on"> ${t(locale, 'common.linkSignOutToo')}</label><button type="submit" aria-label="${t(locale, 'common.linkRevoke')} — ${p.name}">${t(locale, 'common.linkRevoke')}</button></form>`
  : ''}</td></tr>`)}</tbody></table>
<p class="muted" id="${anchor}-email-help">${t(locale, 'common.linkEmailHelp')}</p>`}
<h4>${t(locale, 'common.participantsImport')}</h4>
<form class="stack" method="post" action="${base}/import?lang=${locale}#${anchor}" enctype="multipart/form-data">
  <label>${t(locale, 'common.participantsImportFile')}<input type="file" name="participants" accept=".csv,text/csv" required aria-describedby="${anchor}-help"></label>
  <p class="muted" id="${anchor}-help">${t(locale, 'common.participantsImportHelp')}</p>
  <button type="submit">${t(locale, 'common.participantsImportButton')}</button>
</form>
<h4>${t(locale, 'common.participantAdd')}</h4>
<form class="stack" method="post" action="${base}?lang=${locale}#${anchor}">
  <label>${t(locale, 'common.name')}<input type="text" name="name" required maxlength="200" autocomplete="off"></label>
  <label>${t(locale, 'common.email')}<input type="email" name="email" required maxlength="254" autocomplete="off"></label>
  <label>${t(locale, 'common.employer')}<input type="text" name="employer" maxlength="200" autocomplete="off"></label>
  <label>${t(locale, 'common.preferredLanguage')}<select name="language">
    <option value="fr">${t(locale, 'common.language_fr')}</option>
    <option value="en">${t(locale, 'common.language_en')}</option>
  </select></label>
  <button type="submit">${t(locale, 'common.participantAddButton')}</button>
</form>
!${privacyNoticeLine(locale, 'organizer')}`
}

/** Confirmation page of a personal link: shown, not used, so mail scanners open no session. */
export function personalLinkPage (locale: Locale, token: string, path: string): string {
  return layout({
    locale,
    path,
    title: t(locale, 'common.openMyPage'),
    body: html`<h1>${t(locale, 'common.openMyPage')}</h1>
<p>${t(locale, 'common.personalLinkIntro')}</p>
<form class="stack" method="post" action="/p?lang=${locale}">
  <input type="hidden" name="token" value="${token}">
  <button type="submit">${t(locale, 'common.openMyPage')}</button>
</form>
!${privacyNoticeLine(locale)}`
  })
}

export interface MyPageView {
  profile: Profile
  registrations: Array<{ event: EventSummary, roles: Role[] }>
}

/**
 * A signed-in person's own page (/moi): who they are, what they are registered to, sign-out.
 * `extraSections` (already-rendered HTML, e.g. the attendance pass) come after the basic ones.
 */
export function myPage (locale: Locale, view: MyPageView, path: string, extraSections: string[] = []): string {
  const { profile } = view
  const organizer = view.registrations.some(r => r.roles.includes('organizer'))
  const contacts = [...new Set(view.registrations.map(r => r.event.contact.email).filter((e): e is string => e !== null))]
  return layout({
    locale,
    path,
    title: t(locale, 'common.myPage'),
    body: html`<h1>${t(locale, 'common.myPage')}</h1>
<section aria-labelledby="moi-renseignements">
<h2 id="moi-renseignements">${t(locale, 'common.myInformation')}</h2>
<dl>
  <dt>${t(locale, 'common.name')}</dt><dd>${profile.displayName}</dd>
  <dt>${t(locale, 'common.email')}</dt><dd>${profile.email ?? t(locale, 'common.notStated')}</dd>
  <dt>${t(locale, 'common.employer')}</dt><dd>${profile.employer ?? t(locale, 'common.notStated')}</dd>
  <dt>${t(locale, 'common.preferredLanguage')}</dt><dd>${t(locale, LANGUAGE_TEXT[profile.preferredLocale])}</dd>
</dl>
!${contacts.length > 0 ? html`<p class="muted">${locale === 'fr' ? 'Un renseignement à corriger ? Écrivez à l\'équipe d\'organisation' : 'Something to correct? Write to the organizers'}${colon(locale)} !${contacts.map(c => html`<a href="mailto:${c}">${c}</a>`).join(', ')}</p>` : ''}
</section>
<section aria-labelledby="moi-inscriptions">
<h2 id="moi-inscriptions">${t(locale, 'common.myRegistrations')}</h2>
!${view.registrations.length === 0
  ? html`<p>${locale === 'fr' ? 'Aucune inscription pour l\'instant.' : 'No registration yet.'}</p>`
  : html`<ul>!${view.registrations.map(({ event, roles }) => html`<li><strong>${event.title[locale]}</strong> — ${formatDateRange(event.startsOn, event.endsOn, locale)}<br>
${roles.map(r => t(locale, ROLE_TEXT[r])).join(', ')} · <a href="/events/${event.key}?lang=${locale}">${t(locale, 'common.program')}</a></li>`)}</ul>`}
!${organizer ? html`<p><a href="/organisateurs?lang=${locale}">${t(locale, 'common.organizerHome')}</a></p>` : ''}
</section>
!${extraSections.join('\n')}
<form method="post" action="/auth/sign-out?lang=${locale}"><button type="submit">${t(locale, 'common.signOut')}</button></form>`
  })
}
