import { html } from 'ghtml'
import type { Role } from '../people/repository.js'
import { colon, formatDay, formatStamp, formatTime, intlLocale, t, textOf, type Locale, type TextKey } from '../views/i18n.js'
import { layout } from '../views/layout.js'
import { breadcrumbs } from '../views/breadcrumbs.js'
import { organizerBreadcrumbs, organizerCrumbs } from '../views/organizer-nav.js'
import type { Candidate, Channel, Counts, ErasurePreview, EventInfo, RequestRow, RequestView } from './erasure.js'

export const erasureBase = (eventId: string): string => `/organisateurs/confidentialite/${eventId}/effacement`

type ErasureKind = keyof Counts

/** What an erasure deletes or anonymises, by kind. */
const KIND_TEXT = {
  identity: 'privacy.erasedIdentity',
  device_sessions: 'privacy.erasedDeviceSessions',
  sign_in_links: 'privacy.erasedSignInLinks',
  personal_links: 'privacy.erasedPersonalLinks',
  account_link_codes: 'privacy.erasedAccountLinkCodes',
  role_invitations: 'privacy.erasedRoleInvitations',
  lti_identities: 'privacy.erasedLtiIdentities',
  lti_roster_members: 'privacy.erasedLtiRosterMembers',
  lti_deep_link_requests: 'privacy.erasedLtiDeepLinkRequests',
  attendance_passes: 'privacy.erasedAttendancePasses',
  attendance_code_attempts: 'privacy.erasedAttendanceCodeAttempts',
  attendance_choices: 'privacy.erasedAttendanceChoices',
  attendance_excuses: 'privacy.erasedAttendanceExcuses',
  attendance_history_reasons: 'privacy.erasedAttendanceHistoryReasons',
  attendance_records: 'privacy.erasedAttendanceRecords',
  attestation_requests: 'privacy.erasedAttestationRequests',
  attestations_minimised: 'privacy.erasedAttestationsMinimised',
  outgoing_messages: 'privacy.erasedOutgoingMessages',
  synthesis_drafts: 'privacy.erasedSynthesisDrafts',
  synthesis_submissions: 'privacy.erasedSynthesisSubmissions',
  files: 'privacy.erasedFiles',
  synthesis_grades: 'privacy.erasedSynthesisGrades',
  synthesis_grade_history: 'privacy.erasedSynthesisGradeHistory',
  synthesis_extensions: 'privacy.erasedSynthesisExtensions',
  grade_deliveries: 'privacy.erasedGradeDeliveries',
  grade_comments: 'privacy.erasedGradeComments',
  lti_launch_data: 'privacy.erasedLtiLaunchData'
} as const satisfies Record<ErasureKind, TextKey>

/** How the person asked. */
export const CHANNEL_TEXT = {
  email: 'common.email',
  phone: 'privacy.phone',
  in_person: 'privacy.channelInPerson',
  letter: 'privacy.channelLetter',
  other: 'privacy.channelOther'
} as const satisfies Record<Channel, TextKey>

/** The steps of a request's log. */
const ACTION_TEXT: Record<string, TextKey> = {
  recorded: 'privacy.actionRecorded',
  confirmed: 'privacy.actionConfirmed',
  confirmed_again: 'privacy.actionConfirmedAgain',
  refused: 'privacy.actionRefused'
}

/** The person's roles in the event, in words. */
const ROLE_TEXT = {
  organizer: 'common.role_organizer',
  door_staff: 'common.role_door_staff',
  instructor: 'common.role_instructor',
  credited_student: 'common.role_credited_student',
  participant: 'common.role_participant'
} as const satisfies Record<Role, TextKey>

/** A label from a map of keys; a code the map does not know is shown as it is. */
const number = (n: number, locale: Locale): string => new Intl.NumberFormat(intlLocale[locale]).format(n)

function countList (locale: Locale, counts: Counts | Record<string, number>): string {
  const rows = Object.entries(counts).filter(([, n]) => (n ?? 0) > 0)
  if (rows.length === 0) return html`<p>${t(locale, 'privacy.nothingToErase')}</p>`
  return html`<ul>!${rows.map(
    ([kind, n]) => html`<li>${textOf(locale, KIND_TEXT, kind)}${colon(locale)} <strong>${number(n ?? 0, locale)}</strong></li>`
  )}</ul>`
}

function keptList (locale: Locale, preview: ErasurePreview): string {
  const k = preview.kept
  const items = [
    t(locale, 'privacy.keptAttestations', { count: k.attestations }),
    t(locale, 'privacy.keptDeliveredGrades', { count: k.deliveredGrades }),
    t(locale, 'privacy.keptPendingGrades', { count: k.pendingGrades }),
    t(locale, 'privacy.keptRegistrations', { count: k.registrations }),
    t(locale, 'privacy.keptAccessLog', { count: k.accessLog }),
    t(locale, 'privacy.keptLegalHold')
  ]
  const courseList = new Intl.ListFormat(intlLocale[locale], { type: 'conjunction' })
    .format(k.activeCourses.map(c => c.title ?? c.label ?? t(locale, 'privacy.untitledCourse')))
  const courses = k.activeCourses.length === 0
    ? ''
    : html`<p class="notice">${t(locale, 'privacy.stillEnrolled', { courses: courseList })}</p>`
  return html`<ul>!${items.map(item => html`<li>${item}</li>`)}</ul>!${courses}`
}

/** Why this caller cannot confirm, and who must agree. */
const blockedNotice = (locale: Locale, preview: ErasurePreview): string => preview.blocked === null
  ? ''
  : html`<p class="notice" role="alert">${preview.blocked.message[locale]}</p>`

function previewBlock (locale: Locale, preview: ErasurePreview): string {
  return html`!${blockedNotice(locale, preview)}<h2>${t(locale, 'privacy.willBeErased')}</h2>
!${countList(locale, preview.erase)}
<h2>${t(locale, 'privacy.mustBeKept')}</h2>
!${keptList(locale, preview)}`
}

/** Email, roles in the event, and whether the person is already erased (after their name). */
const personDetails = (locale: Locale, p: Candidate, strongMark: boolean): string => {
  const roles = p.roles.map(r => textOf(locale, ROLE_TEXT, r)).join(', ')
  const erased = t(locale, 'privacy.alreadyErasedMark')
  return html`!${p.email !== null
    ? html` <span class="muted">&lt;${p.email}&gt;</span>`
    : ''} <span class="muted">(${roles})</span>!${p.anonymised_at !== null ? (strongMark ? html` — <strong>${erased}</strong>` : html` — ${erased}`) : ''}`
}

const personLine = (locale: Locale, p: Candidate): string => html`${p.display_name}!${personDetails(locale, p, true)}`

export interface ErasurePageView {
  event: EventInfo
  query: string
  found: Candidate[] | undefined
  preview: ErasurePreview | undefined
  requests: Array<RequestRow & { person_name: string | null }>
  today: string
}

export function erasurePage (locale: Locale, view: ErasurePageView, path: string): string {
  const base = erasureBase(view.event.id)
  const zone = view.event.timezone
  const found = view.found === undefined
    ? ''
    : view.found.length === 0
      ? html`<p role="status">${t(locale, 'privacy.noMatch')}</p>`
      : html`<ul role="status">!${view.found.map(
        p => html`<li><a href="${base}?personne=${p.id}&amp;q=${view.query}&amp;lang=${locale}">${p.display_name}</a>!${personDetails(locale, p, false)}</li>`
      )}</ul>`
  const preview = view.preview === undefined
    ? ''
    : html`<section aria-labelledby="apercu">
<h2 id="apercu">${t(locale, 'privacy.person')}${colon(locale)} !${personLine(locale, view.preview.person)}</h2>
!${view.preview.person.anonymised_at !== null
  ? html`<p>${t(locale, 'privacy.alreadyErased')}</p>`
  : html`!${previewBlock(locale, view.preview)}
<h2>${t(locale, 'privacy.recordRequest')}</h2>
<p>${t(locale, 'privacy.recordErasesNothing')}</p>
<form method="post" action="${base}?lang=${locale}">
<input type="hidden" name="personId" value="${view.preview.person.id}">
<p><label for="requestedOn">${t(locale, 'privacy.requestedOnLabel')}</label><br><input type="date" id="requestedOn" name="requestedOn" required ` +
  html`max="${view.today}" value="${view.today}"></p>
<p><label for="channel">${t(locale, 'privacy.receivedBy')}</label><br><select id="channel" name="channel">` +
  html`!${(Object.keys(CHANNEL_TEXT) as Channel[]).map(c => html`<option value="${c}">${t(locale, CHANNEL_TEXT[c])}</option>`)}</select></p>
<p><label for="reason">${t(locale, 'privacy.reasonLabel', { max: 1000 })}</label><br><textarea id="reason" name="reason" rows="3" cols="60" ` +
  html`maxlength="1000"></textarea></p>
<p><button type="submit">${t(locale, 'privacy.recordRequest')}</button></p>
</form>`}
</section>`
  return layout({
    locale,
    path,
    title: t(locale, 'privacy.erasureRequests'),
    body: html`!${organizerBreadcrumbs(locale, view.event.id, 'privacy')}
<h1>${t(locale, 'privacy.erasureRequestsOf', { event: view.event.title[locale] })}</h1>
<p>${t(locale, 'privacy.erasureIntro')}</p>
<form method="get" action="${base}" role="search">
<input type="hidden" name="lang" value="${locale}">
<p><label for="q">${t(locale, 'privacy.nameOrEmail')}</label><br><input type="search" id="q" name="q" minlength="2" maxlength="200" value="${view.query}"> ` +
  html`<button type="submit">${t(locale, 'privacy.search')}</button></p>
</form>
!${found}
!${preview}
<h2>${t(locale, 'privacy.requestsReceived')}</h2>
!${view.requests.length === 0
  ? html`<p>${t(locale, 'privacy.requestsNone')}</p>`
  : html`<table>
<caption class="muted">${t(locale, 'privacy.requestsCaption', { zone })}</caption>
<thead><tr><th scope="col">${t(locale, 'privacy.recordedAt')}</th><th scope="col">${t(locale, 'privacy.person')}</th>` +
  html`<th scope="col">${t(locale, 'privacy.status')}</th></tr></thead>
<tbody>!${view.requests.map(r => html`<tr><td><a href="${base}/${r.id}?lang=${locale}">${formatStamp(r.recorded_at, locale, zone)}</a></td>` +
  html`<td>${r.person_name ?? '—'}</td><td>${t(locale, r.status === 'done' ? 'privacy.statusErased' : 'privacy.statusToConfirm')}</td></tr>`)}</tbody>
</table>`}`
  })
}

export function requestPage (locale: Locale, event: EventInfo, view: RequestView & { repeated?: boolean }, path: string): string {
  const base = erasureBase(event.id)
  const zone = event.timezone
  const r = view.request
  const done = r.status === 'done'
  const title = t(locale, 'privacy.erasureRequest')
  const erasedOn = (at: Date): string => t(locale, 'privacy.erasedOn', {
    day: formatDay(at.toISOString(), locale, zone),
    time: formatTime(at.toISOString(), locale, zone)
  })
  return layout({
    locale,
    path,
    title,
    body: html`!${breadcrumbs(locale, [...organizerCrumbs(locale, event.id, 'privacy'), { label: t(locale, 'privacy.erasureRequests'), href: base }])}
<h1>${title}</h1>
!${view.repeated === true ? html`<p class="notice" role="status">${t(locale, 'privacy.repeatedNotice')}</p>` : ''}
<dl class="receipt">
<dt>${t(locale, 'privacy.person')}</dt><dd>!${view.person !== undefined ? personLine(locale, view.person) : '—'}</dd>
<dt>${t(locale, 'privacy.askedOn')}</dt><dd>${formatDay(r.requested_at.toISOString(), locale, zone)}</dd>
<dt>${t(locale, 'privacy.receivedBy')}</dt><dd>${textOf(locale, CHANNEL_TEXT, r.channel)}</dd>
<dt>${t(locale, 'privacy.reason')}</dt><dd>${r.reason ?? '—'}</dd>
<dt>${t(locale, 'privacy.status')}</dt><dd>${done && r.completed_at !== null
  ? erasedOn(r.completed_at)
  : t(locale, done ? 'privacy.statusErased' : 'privacy.recordedToConfirm')}</dd>
</dl>
!${done
  ? html`<h2>${t(locale, 'privacy.wasErased')}</h2>!${countList(locale, (r.counts ?? {}) as Record<string, number>)}`
  : view.preview !== undefined
    ? view.preview.blocked !== null
      ? previewBlock(locale, view.preview)
      : html`!${previewBlock(locale, view.preview)}
<form method="post" action="${base}/${r.id}/confirmer?lang=${locale}">
<p><button type="submit">${t(locale, 'privacy.confirmErasure')}</button></p>
<p class="muted">${t(locale, 'privacy.irreversible')}</p>
</form>`
    : ''}
<h2>${t(locale, 'privacy.erasureLog')}</h2>
<ul>!${view.audit.map(a => html`<li><time datetime="${a.at.toISOString()}">${formatStamp(a.at, locale, zone)}</time> — ` +
  html`${textOf(locale, ACTION_TEXT, a.action)} (${a.actorName ?? '—'})</li>`)}</ul>`
  })
}
