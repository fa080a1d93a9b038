import { html } from 'ghtml'
import { layout } from '../views/layout.js'
import { LANGUAGE_TEXT, bilingual, colon, formatDateRange, formatTime, intlLocale, sentence, t, type Locale, type TextKey } from '../views/i18n.js'
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
export function grantedText (alreadyHeld: boolean): Bilingual {
  return bilingual(alreadyHeld ? 'people.grantedAlreadyHeld' : 'people.grantedExistingAccount')
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
  ? html`<div class="notice" role="status"><p><strong>${t(locale, 'common.importDone')}</strong>${colon(locale)} ${t(locale, 'program.importCounts', { event: view.imported.eventKey, ...view.imported.sessions })}</p></div>`
  : ''}
!${view.events.map(({ event, team, participants }) => html`<section aria-labelledby="ev-${event.id}">
<h2 id="ev-${event.id}">${event.title[locale]}</h2>
<p><a href="/events/${event.key}?lang=${locale}">${t(locale, 'common.program')}</a> · <a href="/organisateurs/presences/${event.id}?lang=${locale}">${t(locale, 'people.navAttendance')}</a> · <a href="/accueil?lang=${locale}">${t(locale, 'people.navDoor')}</a> · <a href="/organisateurs/attestations/${event.id}?lang=${locale}">${t(locale, 'people.navAttestations')}</a> · <a href="/organisateurs/messages/${event.id}?lang=${locale}">${t(locale, 'people.navMessages')}</a> · <a href="/organisateurs/rapports/${event.id}?lang=${locale}">${t(locale, 'people.navReports')}</a> · <a href="/organisateurs/confidentialite/${event.id}?lang=${locale}">${t(locale, 'people.navPrivacy')}</a> · <a href="/organisateurs/confidentialite/${event.id}/effacement?lang=${locale}">${t(locale, 'people.navErasure')}</a></p>
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
  <label>${t(locale, 'common.email')} ${t(locale, 'people.inviteEmailHint')}<input type="email" name="email" autocomplete="off"></label>
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

/** Links outside any event (phone hand-off, linking code) tell their time in Québec's zone. */
export const LINK_ZONE = 'America/Montreal'

/** The QR code a person scans with their phone to open Compagnon there (one use, 10 minutes). */
export function phoneLinkPage (locale: Locale, link: { url: string, expiresAt: Date, qrSvg: string }): string {
  const until = formatTime(link.expiresAt.toISOString(), locale, LINK_ZONE)
  return layout({
    locale,
    path: '/cours',
    title: t(locale, 'people.phoneTitle'),
    body: html`<h1>${t(locale, 'people.phoneHeading')}</h1>
<p>${t(locale, 'people.phoneIntro')}</p>
<figure class="qr" role="img" aria-label="${t(locale, 'people.phoneQrLabel')}">!${link.qrSvg}</figure>
<p>${sentence(t(locale, 'people.phoneExpiry', { time: until }))} ${t(locale, 'people.phoneDoNotShare')}</p>
<details><summary>${t(locale, 'people.phoneNoCamera')}</summary><p><code>${link.url}</code></p></details>
<p><a href="/cours?lang=${locale}">${t(locale, 'people.back')}</a></p>`
  })
}

/** When the LMS frame did not keep our cookies (Safari, strict privacy settings): continue in a new window. */
export function cookiesBlockedPage (locale: Locale, token: string, landing: string | undefined): string {
  return layout({
    locale,
    path: '/cours',
    title: t(locale, 'people.cookiesBlockedTitle'),
    body: html`<h1>${t(locale, 'people.cookiesBlockedTitle')}</h1>
<p>${t(locale, 'people.cookiesBlockedIntro')}</p>
<form method="post" action="/auth/link?lang=${locale}" target="_blank">
<input type="hidden" name="token" value="${token}">
!${landing !== undefined ? html`<input type="hidden" name="vers" value="${landing}">` : ''}
<button type="submit">${t(locale, 'people.cookiesBlockedButton')}</button>
</form>
<p class="muted">${t(locale, 'people.cookiesBlockedNote')}</p>`
  })
}

const dateFormat = (locale: Locale, date: Date, timeZone: string): string =>
  date.toLocaleDateString(intlLocale[locale], { timeZone, day: 'numeric', month: 'long', year: 'numeric' })

function linkStatusText (locale: Locale, link: Participant['link'], timeZone: string): string {
  switch (link.status) {
    case 'none': return t(locale, 'common.linkNone')
    case 'revoked': return `${t(locale, 'common.linkRevoked')} ${dateFormat(locale, link.revokedAt ?? new Date(0), timeZone)}`
    case 'expired': return t(locale, 'common.linkExpired')
    case 'active': return `${t(locale, 'common.linkActiveSince')} ${dateFormat(locale, link.issuedAt ?? new Date(0), timeZone)} (${t(locale, 'common.linkUntil')} ${dateFormat(locale, new Date((link.expiresAt ?? new Date(0)).getTime() - 1), timeZone)})`
  }
}

/** The label of a CSV column a line error is about. */
const FIELD_TEXT = {
  name: 'common.name',
  email: 'common.email',
  employer: 'common.employer',
  language: 'common.preferredLanguage'
} as const satisfies Record<NonNullable<ParticipantImportReport['errors'][number]['field']>, TextKey>

function participantsNoticeBox (locale: Locale, notice: ParticipantsNotice, timeZone: string): string {
  if (notice.kind === 'text') return html`<div class="notice" role="status"><p>${notice.text[locale]}</p></div>`
  if (notice.kind === 'error') return html`<div class="error-box" role="alert"><p>${notice.text[locale]}</p></div>`
  if (notice.kind === 'link') {
    const until = dateFormat(locale, new Date(notice.link.expiresAt.getTime() - 1), timeZone)
    const link = t(locale, 'common.personalLinkOf', { name: notice.name })
    return html`<div class="notice" role="status"><p>${t(locale, 'people.personalLinkShown', { link, date: until })}</p>
<p><code class="token">${notice.link.url}</code></p></div>`
  }
  const r = notice.report
  const counts = t(locale, 'people.importCounts', { added: r.added, updated: r.updated, unchanged: r.unchanged, kept: r.kept, errors: r.errors.length })
  const fieldLabel = (field: keyof typeof FIELD_TEXT | null): string => field === null ? '' : `${t(locale, FIELD_TEXT[field])}${colon(locale)} `
  return html`<div class="${notice.rejected ? 'error-box' : 'notice'}" role="${notice.rejected ? 'alert' : 'status'}">
<p><strong>${t(locale, notice.rejected ? 'people.importListRefused' : 'people.importListImported')}</strong>${colon(locale)} ${counts}${notice.rejected ? ` ${t(locale, 'people.importNothingChanged')}` : ''}</p>
!${r.ignoredColumns.length > 0 ? html`<p>${t(locale, 'people.importIgnoredColumns', { count: r.ignoredColumns.length })}${colon(locale)} ${r.ignoredColumns.join(', ')}</p>` : ''}
!${r.encoding === 'windows-1252' ? html`<p class="muted">${t(locale, 'people.importReadAsWindows1252')}</p>` : ''}
!${r.errors.length > 0 ? html`<ul>!${r.errors.map(e => html`<li>${t(locale, 'people.importLine', { line: e.line })} — ${fieldLabel(e.field)}${e.message[locale]}</li>`)}</ul>` : ''}
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
  : html`<table class="participants"><caption class="muted">${t(locale, 'people.participantCount', { count: participants.length })}</caption>
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
!${contacts.length > 0 ? html`<p class="muted">${t(locale, 'people.correctInformation')}${colon(locale)} !${contacts.map(c => html`<a href="mailto:${c}">${c}</a>`).join(', ')}</p>` : ''}
</section>
<section aria-labelledby="moi-inscriptions">
<h2 id="moi-inscriptions">${t(locale, 'common.myRegistrations')}</h2>
!${view.registrations.length === 0
  ? html`<p>${t(locale, 'people.noRegistration')}</p>`
  : html`<ul>!${view.registrations.map(({ event, roles }) => html`<li><strong>${event.title[locale]}</strong> — ${formatDateRange(event.startsOn, event.endsOn, locale)}<br>
${roles.map(r => t(locale, ROLE_TEXT[r])).join(', ')} · <a href="/events/${event.key}?lang=${locale}">${t(locale, 'common.program')}</a></li>`)}</ul>`}
!${organizer ? html`<p><a href="/organisateurs?lang=${locale}">${t(locale, 'common.organizerHome')}</a></p>` : ''}
</section>
!${extraSections.join('\n')}
<form method="post" action="/auth/sign-out?lang=${locale}"><button type="submit">${t(locale, 'common.signOut')}</button></form>`
  })
}
