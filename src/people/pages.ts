import { html } from 'ghtml'
import { layout } from '../views/layout.js'
import { LANGUAGE_TEXT, bilingual, colon, formatDateRange, formatTime, intlLocale, sentence, t, type Locale, type TextKey } from '../views/i18n.js'
import type { EventSummary, ImportSummary } from '../program/service.js'
import type { PlatformSummary } from '../lti/service.js'
import type { Invitation, Person, Profile, Role } from './service.js'
import { bulkLinkAudience, type BulkLinkAudience, type LinkStatus, type Participant, type ParticipantImportReport, type PersonalLink } from './participants.js'
import type { Bilingual } from '../errors.js'
import { privacyNoticeLine } from '../views/privacy-notice.js'
import { organizerNav, organizerPartHref, type OrganizerPart } from '../views/organizer-nav.js'
import { guideHref } from '../views/guide-links.js'

/** A role's name, as people read it. */
export const ROLE_TEXT = {
  organizer: 'common.role_organizer',
  door_staff: 'common.role_door_staff',
  instructor: 'common.role_instructor',
  credited_student: 'common.role_credited_student',
  participant: 'common.role_participant'
} as const satisfies Record<Role, TextKey>

export function signInPage (locale: Locale, token: string, path: string, returnTo?: string): string {
  return layout({
    locale,
    path,
    title: t(locale, 'common.signIn'),
    body: html`<h1>${t(locale, 'common.signIn')}</h1>
<p>${t(locale, 'common.signInIntro')}</p>
<form class="stack" method="post" action="/auth/link?lang=${locale}">
  <input type="hidden" name="token" value="${token}">
  !${returnTo !== undefined ? html`<input type="hidden" name="retour" value="${returnTo}">` : ''}
  <button type="submit">${t(locale, 'common.signInConfirm')}</button>
</form>
!${privacyNoticeLine(locale)}`
  })
}

/** The hub: each event the person organizes, with a card per part of its organizer area. */
export interface OrganizerView {
  person: Person
  platforms: PlatformSummary[]
  events: Array<{ event: EventSummary, teamCount: number, participantCount: number, withoutLink: number }>
}

/** What the inviter is told when the address is an existing account's (no link, no token). */
export function grantedText (alreadyHeld: boolean): Bilingual {
  return bilingual(alreadyHeld ? 'people.grantedAlreadyHeld' : 'people.grantedExistingAccount')
}

export type ParticipantsNotice =
  | { kind: 'import', report: ParticipantImportReport, rejected: boolean }
  | { kind: 'link', name: string, link: PersonalLink }
  | { kind: 'text', text: Bilingual }
  | { kind: 'error', text: Bilingual }

/** One page of an event's organizer area: the shared navigation, the event's name, the part's heading. */
function organizerFrame (locale: Locale, event: EventSummary, part: OrganizerPart, title: string, path: string, body: string, within = false): string {
  return layout({
    locale,
    path,
    title: `${title} · ${event.title[locale]}`,
    body: html`!${organizerNav(locale, event.id, part, { within })}
<p class="lead">${event.title[locale]}</p>
<h1>${title}</h1>
!${body}`
  })
}

export function organizerPage (locale: Locale, view: OrganizerView, path: string): string {
  const active = view.platforms.filter(p => p.active).length
  // href: built from the event's id and the locale only (ghtml would escape its '=').
  const card = (href: string, title: string, status: string, extra = ''): string =>
    html`<li><a href="!${href}">${title}</a><span class="muted">${status}</span>!${extra}</li>`
  return layout({
    locale,
    path,
    title: t(locale, 'common.organizerHome'),
    body: html`<h1>${t(locale, 'common.organizerHome')}</h1>
<p>${t(locale, 'common.signedInAs')} <strong>${view.person.displayName}</strong>${view.person.email !== null ? ` (${view.person.email})` : ''}.</p>
<form method="post" action="/auth/sign-out?lang=${locale}"><button type="submit" class="secondary">${t(locale, 'common.signOut')}</button></form>
<p>${t(locale, 'people.hubIntro')}</p>
!${view.events.map(({ event, teamCount, participantCount, withoutLink }) => html`<section aria-labelledby="ev-${event.id}">
<h2 id="ev-${event.id}">${event.title[locale]}</h2>
<ul class="organizer-cards">
!${card(organizerPartHref(locale, event.id, 'team'), t(locale, 'common.team'), t(locale, 'people.cardTeam', { count: teamCount }))}
!${card(
  organizerPartHref(locale, event.id, 'participants'),
  t(locale, 'people.navParticipants'),
  t(locale, 'people.cardParticipants', { count: participantCount, without: withoutLink })
)}
!${card(
  organizerPartHref(locale, event.id, 'program'),
  t(locale, 'common.program'),
  t(locale, 'people.cardProgram', { dates: formatDateRange(event.startsOn, event.endsOn, locale) })
)}
!${card(
  organizerPartHref(locale, event.id, 'lms'),
  t(locale, 'people.navLms'),
  t(locale, 'people.cardLms', { active, pending: view.platforms.length - active })
)}
!${card(
  organizerPartHref(locale, event.id, 'attendance'),
  t(locale, 'people.navAttendance'),
  t(locale, 'people.cardAttendance'),
  html` <a href="/accueil?lang=${locale}">${t(locale, 'people.navDoor')}</a>`
)}
!${card(organizerPartHref(locale, event.id, 'attestations'), t(locale, 'people.navAttestations'), t(locale, 'people.cardAttestations'))}
!${card(organizerPartHref(locale, event.id, 'messages'), t(locale, 'people.navMessages'), t(locale, 'people.cardMessages'))}
!${card(organizerPartHref(locale, event.id, 'reports'), t(locale, 'people.navReports'), t(locale, 'people.cardReports'))}
!${card(
  organizerPartHref(locale, event.id, 'privacy'),
  t(locale, 'people.navPrivacy'),
  t(locale, 'people.cardPrivacy'),
  html` <a href="/organisateurs/confidentialite/${event.id}/effacement?lang=${locale}">${t(locale, 'people.navErasure')}</a>`
)}
</ul>
</section>`)}
!${privacyNoticeLine(locale, 'organizer')}`
  })
}

export interface TeamPageView {
  event: EventSummary
  team: Array<{ displayName: string, email: string | null, role: Role }>
  /** What the last invitation did: a new account's link, or an existing account's role (no link). */
  invitation?: { result: Invitation, who: string }
}

/** Équipe: the event's team (cards on phones) and the invitation form. */
export function teamPage (locale: Locale, view: TeamPageView, path: string): string {
  const roleLabel = (role: Role): string => t(locale, ROLE_TEXT[role])
  const { event, invitation } = view
  return organizerFrame(locale, event, 'team', t(locale, 'common.team'), path, html`!${invitation !== undefined
  ? invitation.result.created
    ? html`<div class="notice" role="status"><p>${invitation.who} — ${t(locale, 'common.inviteLinkCreated')}</p><p>` +
      html`<code class="token">${invitation.result.url}</code></p></div>`
    : html`<div class="notice" role="status"><p>${invitation.who} — ${grantedText(invitation.result.alreadyHeld)[locale]}</p></div>`
  : ''}
<table class="cards team"><caption class="muted">${t(locale, 'people.cardTeam', { count: view.team.length })}</caption>
<thead><tr><th scope="col">${t(locale, 'common.name')}</th><th scope="col">${t(locale, 'common.email')}</th>` +
  html`<th scope="col">${t(locale, 'common.role')}</th></tr></thead>
<tbody>!${view.team.map(m => html`<tr><th scope="row">${m.displayName}</th><td data-label="${t(locale, 'common.email')}">${m.email ?? ''}</td>` +
  html`<td data-label="${t(locale, 'common.role')}">${roleLabel(m.role)}</td></tr>`)}</tbody></table>
<h2>${t(locale, 'common.inviteTitle')}</h2>
<form class="stack" method="post" action="/organisateurs/invitations?lang=${locale}">
  <input type="hidden" name="eventId" value="${event.id}">
  <label>${t(locale, 'common.email')} ${t(locale, 'people.inviteEmailHint')}<input type="email" name="email" autocomplete="off"></label>
  <label>${t(locale, 'common.name')}<input type="text" name="name" autocomplete="off"></label>
  <label>${t(locale, 'common.role')}<select name="role">
    <option value="door_staff">${roleLabel('door_staff')}</option>
    <option value="organizer">${roleLabel('organizer')}</option>
  </select></label>
  <button type="submit">${t(locale, 'common.invite')}</button>
</form>`)
}

export interface ProgramPageView { event: EventSummary, imported?: ImportSummary }

/** Programme: the program file upload. */
export function programPage (locale: Locale, view: ProgramPageView, path: string): string {
  const { event, imported } = view
  return organizerFrame(locale, event, 'program', t(locale, 'common.program'), path, html`!${imported !== undefined
  ? html`<div class="notice" role="status"><p><strong>${t(locale, 'common.importDone')}</strong>${colon(locale)} ` +
    html`${t(locale, 'program.importCounts', { event: imported.eventKey, ...imported.sessions })}</p></div>`
  : ''}
<p>${t(locale, 'people.cardProgram', { dates: formatDateRange(event.startsOn, event.endsOn, locale) })} · ` +
  html`<a href="/events/${event.key}?lang=${locale}">${t(locale, 'people.programPublic')}</a></p>
<h2>${t(locale, 'common.importProgram')}</h2>
<form class="stack" method="post" action="/organisateurs/programme?lang=${locale}" enctype="multipart/form-data">
  <label>${t(locale, 'common.importProgramHelp')}<input type="file" name="program" accept=".yaml,.yml,.json,application/yaml,text/yaml" required></label>
  <button type="submit">${t(locale, 'common.importProgram')}</button>
</form>`)
}

export interface LmsPageView { event: EventSummary, platforms: PlatformSummary[], publicUrl: string }

/** LMS: the learning platforms (shared by every event) and the dynamic-registration link. */
export function lmsPage (locale: Locale, view: LmsPageView, path: string): string {
  return organizerFrame(locale, view.event, 'lms', t(locale, 'common.ltiPlatforms'), path, html`!${view.platforms.length === 0
  ? html`<p>${t(locale, 'common.ltiNoPlatform')}</p>`
  : html`<table class="cards"><caption class="muted">${t(locale, 'common.ltiPlatformsCaption')}</caption>
<thead><tr><th scope="col">${t(locale, 'common.name')}</th><th scope="col">${t(locale, 'common.ltiIssuer')}</th>` +
  html`<th scope="col">${t(locale, 'common.ltiClientId')}</th><th scope="col">${t(locale, 'common.ltiDeployments')}</th>` +
  html`<th scope="col">${t(locale, 'common.ltiStatus')}</th></tr></thead>
<tbody>!${view.platforms.map(p => html`<tr><th scope="row">${p.name}</th><td data-label="${t(locale, 'common.ltiIssuer')}">${p.issuer}</td>` +
  html`<td data-label="${t(locale, 'common.ltiClientId')}">${p.clientId}</td>` +
  html`<td data-label="${t(locale, 'common.ltiDeployments')}">${p.deploymentIds.join(', ')}</td>` +
  html`<td data-label="${t(locale, 'common.ltiStatus')}">!${platformStatusCell(locale, p, view.event.id)}</td></tr>`)}</tbody></table>`}
<form method="post" action="/organisateurs/plateformes/lien?lang=${locale}"><p class="muted">${t(locale, 'common.ltiDynamicHelp')}</p>` +
  html`<button type="submit">${t(locale, 'common.ltiCreateLink')}</button></form>
<p class="muted">${t(locale, 'common.ltiToolUrls')} <code>${view.publicUrl}/lti/login</code> · <code>${view.publicUrl}/lti/launch</code> · ` +
  html`<code>${view.publicUrl}/lti/keys</code></p>
<p><a href="${guideHref(locale, 'lmsRegistration')}">${t(locale, 'common.ltiGuide')}</a></p>`)
}

/** Active, or waiting for approval (with an optional deployment id the platform did not send), and the matching action. */
function platformStatusCell (locale: Locale, p: PlatformSummary, eventId: string): string {
  // The event whose LMS page the form is on: the answer comes back to it.
  const hidden = html`<input type="hidden" name="issuer" value="${p.issuer}"><input type="hidden" name="clientId" value="${p.clientId}">` +
    html`<input type="hidden" name="eventId" value="${eventId}">`
  if (p.active) {
    return html`${t(locale, 'common.ltiActive')}<form method="post" action="/organisateurs/plateformes/statut?lang=${locale}">!${hidden}` +
      html`<input type="hidden" name="action" value="suspend"><button type="submit">${t(locale, 'common.ltiSuspend')}</button></form>`
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
    case 'active': return `${t(locale, 'common.linkActiveSince')} ${dateFormat(locale, link.issuedAt ?? new Date(0), timeZone)} ` +
      `(${t(locale, 'common.linkUntil')} ${dateFormat(locale, new Date((link.expiresAt ?? new Date(0)).getTime() - 1), timeZone)})`
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
<p><strong>${t(locale, notice.rejected ? 'people.importListRefused' : 'people.importListImported')}</strong>${colon(locale)} ${counts}` +
  html`${notice.rejected ? ` ${t(locale, 'people.importNothingChanged')}` : ''}</p>
!${r.ignoredColumns.length > 0
  ? html`<p>${t(locale, 'people.importIgnoredColumns', { count: r.ignoredColumns.length })}${colon(locale)} ${r.ignoredColumns.join(', ')}</p>`
  : ''}
!${r.encoding === 'windows-1252' ? html`<p class="muted">${t(locale, 'people.importReadAsWindows1252')}</p>` : ''}
!${r.errors.length > 0
  ? html`<ul>!${r.errors.map(e => html`<li>${t(locale, 'people.importLine', { line: e.line })} — ${fieldLabel(e.field)}${e.message[locale]}</li>`)}</ul>`
  : ''}
</div>`
}

/** The link-status filter of the participants list, as its query parameter spells it. */
export const LINK_FILTERS = { 'sans-lien': 'none', actif: 'active', expire: 'expired', revoque: 'revoked' } as const satisfies Record<string, LinkStatus>
export type LinkFilter = keyof typeof LINK_FILTERS
const LINK_FILTER_TEXT = {
  'sans-lien': 'people.filterNone',
  actif: 'people.filterActive',
  expire: 'people.filterExpired',
  revoque: 'people.filterRevoked'
} as const satisfies Record<LinkFilter, TextKey>

/** The participants a search shows: name, email or employer containing the words (accents and case aside), with that link status. */
export function filterParticipants (participants: Participant[], search: { q?: string | undefined, lien?: LinkFilter | undefined }): Participant[] {
  const fold = (text: string): string => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()
  const words = fold(search.q ?? '').split(/\s+/).filter(w => w !== '')
  const status = search.lien === undefined ? undefined : LINK_FILTERS[search.lien]
  return participants.filter(p => {
    if (status !== undefined && p.link.status !== status) return false
    const haystack = fold(`${p.name} ${p.email ?? ''} ${p.employer ?? ''}`)
    return words.every(w => haystack.includes(w))
  })
}

export interface ParticipantsPageView {
  event: EventSummary
  /** Every participant of the event (the page filters them). */
  participants: Participant[]
  search: { q?: string | undefined, lien?: LinkFilter | undefined }
  /** What the last participant action did, shown once. */
  notice?: ParticipantsNotice
}

/** Participant·e·s: search and filter, the list (cards on phones) with each person's actions, bulk links, import, add one. */
export function participantsPage (locale: Locale, view: ParticipantsPageView, path: string): string {
  const { event, participants, search, notice } = view
  const base = `/organisateurs/evenements/${event.id}/participants`
  const anchor = 'participants'
  const shown = filterParticipants(participants, search)
  const withoutActive = bulkLinkAudience(participants, 'without-active-link').length
  const label = (key: TextKey): string => t(locale, key)
  return organizerFrame(locale, event, 'participants', t(locale, 'common.participants'), path, html`!${notice !== undefined
    ? participantsNoticeBox(locale, notice, event.timezone)
    : ''}
<form class="filters" method="get" action="${base}" role="search">
  <input type="hidden" name="lang" value="${locale}">
  <label>${label('people.searchLabel')}<input type="search" name="q" value="${search.q ?? ''}" autocomplete="off"></label>
  <label>${label('people.filterLink')}<select name="lien">
    <option value="">${label('people.filterAny')}</option>
    !${(Object.keys(LINK_FILTER_TEXT) as LinkFilter[])
      .map(f => html`<option value="${f}"!${search.lien === f ? ' selected' : ''}>${label(LINK_FILTER_TEXT[f])}</option>`)}
  </select></label>
  <button type="submit">${label('people.filterButton')}</button>
  !${search.q !== undefined || search.lien !== undefined ? html`<a href="${base}?lang=${locale}">${label('people.filterClear')}</a>` : ''}
</form>
<p id="${anchor}-count" role="status">${t(locale, 'people.shownCount', { shown: shown.length, total: participants.length })}</p>
!${participants.length === 0
  ? html`<p>${label('common.participantsNone')}</p>`
  : shown.length === 0
    ? html`<p>${label('people.noMatch')}</p>`
    : html`<table class="cards participants"><caption class="muted">${t(locale, 'people.participantCount', { count: shown.length })}</caption>
<thead><tr><th scope="col">${label('common.name')}</th><th scope="col">${label('common.email')}</th><th scope="col">${label('common.employer')}</th>` +
  html`<th scope="col">${label('common.preferredLanguage')}</th><th scope="col">${label('common.personalLink')}</th>` +
  html`<th scope="col">${label('common.actions')}</th></tr></thead>
<tbody>!${shown.map(p => html`<tr><th scope="row">${p.name}</th><td data-label="${label('common.email')}">${p.email ?? ''}</td>` +
  html`<td data-label="${label('common.employer')}">${p.employer ?? ''}</td><td data-label="${label('common.preferredLanguage')}">` +
  html`${t(locale, LANGUAGE_TEXT[p.preferredLocale])}</td><td data-label="${label('common.personalLink')}">` +
  html`${linkStatusText(locale, p.link, event.timezone)}</td>
<td data-label="${label('common.actions')}" class="actions"><form method="post" action="${base}/${p.personId}/lien?lang=${locale}">` +
  html`<button type="submit" aria-label="${label(p.link.status === 'active' ? 'common.linkReissue' : 'common.linkIssue')} — ${p.name}">` +
  html`${label(p.link.status === 'active' ? 'common.linkReissue' : 'common.linkIssue')}</button></form>
!${p.email !== null
  ? html`<form method="post" action="${base}/${p.personId}/lien-courriel?lang=${locale}">` +
    html`<button type="submit" class="secondary" aria-label="${label('common.linkEmail')} — ${p.name}" ` +
    html`aria-describedby="${anchor}-email-help">${label('common.linkEmail')}</button></form>`
  : ''}
!${p.link.status === 'active'
  ? html`<form method="post" action="${base}/${p.personId}/revocation?lang=${locale}"><label class="choice">` +
    html`<input type="checkbox" name="signOut" value="on"> ${label('common.linkSignOutToo')}</label>` +
    html`<button type="submit" class="secondary" aria-label="${label('common.linkRevoke')} — ${p.name}">${label('common.linkRevoke')}</button></form>`
  : ''}</td></tr>`)}</tbody></table>
<p class="muted" id="${anchor}-email-help">${label('common.linkEmailHelp')}</p>`}
!${participants.length > 0
  ? html`<h2>${label('people.bulkTitle')}</h2>
<p>${label('people.bulkIntro')}</p>
<ul class="bulk-links">
  <li><a class="button" href="${base}/envoi-des-liens?qui=sans-lien&amp;lang=${locale}">` +
    html`${t(locale, 'people.bulkWithoutButton', { count: withoutActive })}</a></li>
  <li><a class="button secondary" href="${base}/envoi-des-liens?qui=tous&amp;lang=${locale}">` +
    html`${t(locale, 'people.bulkAllButton', { count: participants.length })}</a></li>
</ul>`
  : ''}
<h2>${label('common.participantsImport')}</h2>
<form class="stack" method="post" action="${base}/import?lang=${locale}" enctype="multipart/form-data">
  <label>${label('common.participantsImportFile')}<input type="file" name="participants" accept=".csv,text/csv" required ` +
    html`aria-describedby="${anchor}-help"></label>
  <p class="muted" id="${anchor}-help">${label('common.participantsImportHelp')}</p>
  <button type="submit">${label('common.participantsImportButton')}</button>
</form>
<h2>${label('common.participantAdd')}</h2>
<form class="stack" method="post" action="${base}?lang=${locale}">
  <label>${label('common.name')}<input type="text" name="name" required maxlength="200" autocomplete="off"></label>
  <label>${label('common.email')}<input type="email" name="email" required maxlength="254" autocomplete="off"></label>
  <label>${label('common.employer')}<input type="text" name="employer" maxlength="200" autocomplete="off"></label>
  <label>${label('common.preferredLanguage')}<select name="language">
    <option value="fr">${label('common.language_fr')}</option>
    <option value="en">${label('common.language_en')}</option>
  </select></label>
  <button type="submit">${label('common.participantAddButton')}</button>
</form>
!${privacyNoticeLine(locale, 'organizer')}`)
}

/** "Send links to everyone", second step: whom, how many, and the button that sends. */
export function bulkLinksConfirmPage (locale: Locale, view: {
  event: EventSummary
  audience: BulkLinkAudience
  participants: Participant[]
}, path: string): string {
  const base = `/organisateurs/evenements/${view.event.id}/participants`
  const chosen = bulkLinkAudience(view.participants, view.audience)
  const withEmail = chosen.filter(p => p.email !== null && p.email.trim() !== '').length
  const qui = view.audience === 'all' ? 'tous' : 'sans-lien'
  return organizerFrame(locale, view.event, 'participants', t(locale, 'people.bulkConfirmTitle'), path,
    html`<p>${t(locale, view.audience === 'all' ? 'people.bulkConfirmAll' : 'people.bulkConfirmWithout', { count: withEmail })}</p>
!${chosen.length > withEmail ? html`<p>${t(locale, 'people.bulkConfirmNoEmail', { count: chosen.length - withEmail })}</p>` : ''}
<p class="muted">${t(locale, 'common.linkEmailHelp')}</p>
<form method="post" action="${base}/envoi-des-liens?lang=${locale}">
  <input type="hidden" name="qui" value="${qui}">
  !${withEmail > 0 ? html`<button type="submit">${t(locale, 'people.bulkConfirmButton', { count: withEmail })}</button>` : ''}
  <a class="button secondary" href="${base}?lang=${locale}">${t(locale, 'people.linkCancel')}</a>
</form>`, true)
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
!${contacts.length > 0
  ? html`<p class="muted">${t(locale, 'people.correctInformation')}${colon(locale)} !${contacts.map(c => html`<a href="mailto:${c}">${c}</a>`).join(', ')}</p>`
  : ''}
</section>
<section aria-labelledby="moi-inscriptions">
<h2 id="moi-inscriptions">${t(locale, 'common.myRegistrations')}</h2>
!${view.registrations.length === 0
  ? html`<p>${t(locale, 'people.noRegistration')}</p>`
  : html`<ul>!${view.registrations.map(({ event, roles }) => html`<li><strong>${event.title[locale]}</strong> — ` +
    html`${formatDateRange(event.startsOn, event.endsOn, locale)}<br>
${roles.map(r => t(locale, ROLE_TEXT[r])).join(', ')} · <a href="/events/${event.key}?lang=${locale}">${t(locale, 'common.program')}</a></li>`)}</ul>`}
!${organizer ? html`<p><a href="/organisateurs?lang=${locale}">${t(locale, 'common.organizerHome')}</a></p>` : ''}
</section>
!${extraSections.join('\n')}
<form method="post" action="/auth/sign-out?lang=${locale}"><button type="submit">${t(locale, 'common.signOut')}</button></form>`
  })
}
