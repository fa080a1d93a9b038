import { html } from 'ghtml'
import { layout } from '../views/layout.js'
import { breadcrumbs, coursesCrumb } from '../views/breadcrumbs.js'
import { colon, formatTime, intlLocale, markup, sentence, t, type Locale, type TextKey } from '../views/i18n.js'
import type { EventSummary } from '../program/service.js'
import type { Person, Role } from '../people/service.js'
import { deepLinkTargets, deepLinkTitles, RELAUNCH_LIFETIME_MS, type CourseRosterState } from './service.js'
import type { GradebookRow, LineItemKey } from './outbox.js'
import { privacyNoticeLine } from '../views/privacy-notice.js'
import { ROLE_TEXT } from '../people/pages.js'

export interface TaughtCourse extends CourseRosterState {
  grades: { pending: number, delivered: number, superseded: number }
}

/** Course times are the school's (Montréal). */
const ZONE = 'America/Montreal'
const when = (locale: Locale, date: Date): string => date.toLocaleString(intlLocale[locale], { timeZone: ZONE, dateStyle: 'long', timeStyle: 'short' })

function taughtCourseSection (locale: Locale, course: TaughtCourse): string {
  const count = course.activeMembers
  const classList = course.rosterSyncedAt === null
    ? t(locale, 'lti.classListNeverSynced', { count })
    : sentence(t(locale, 'lti.classListSynced', { count, date: when(locale, course.rosterSyncedAt) }))
  const retry = course.nextRosterSyncAt !== null
    ? sentence(t(locale, 'lti.rosterRetryAt', { time: formatTime(course.nextRosterSyncAt.toISOString(), locale, ZONE) }))
    : t(locale, 'lti.rosterRetrySoon')
  return html`<section aria-labelledby="course-${course.id}">
<h2 id="course-${course.id}">${course.title}</h2>
<p>${classList}</p>
!${course.rosterSyncError !== null
  ? html`<p class="error-box" role="status">${t(locale, 'lti.rosterFailed', { error: course.rosterSyncError })} ${retry}</p>`
  : ''}
!${course.hasRosterService
  ? html`<form method="post" action="/cours/liste/${course.id}?lang=${locale}"><button type="submit">${t(locale, 'lti.syncRosterNow')}</button></form>`
  : html`<p class="muted">${t(locale, 'lti.rosterNotOffered')}</p>`}
<p><a href="/cours/presences/${course.id}?lang=${locale}">${t(locale, 'lti.courseAttendance')}</a> · ` +
  html`<a href="/cours/synthese/${course.id}/remises?lang=${locale}">${t(locale, 'lti.courseSynthesis')}</a></p>
<form method="post" action="/cours/presences/${course.id}/notes?lang=${locale}"><button type="submit">${t(locale, 'lti.sendAttendanceGrades')}</button></form>
<p>${t(locale, 'lti.gradesSent', { delivered: course.grades.delivered, pending: course.grades.pending })} ` +
  html`<a href="/cours/notes/${course.id}?lang=${locale}">${t(locale, 'lti.compareGradebook')}</a></p>
</section>`
}

export function coursePage (locale: Locale, view: {
  person: Person
  roles: Array<{ eventId: string, role: Role }>
  events: EventSummary[]
  taught: TaughtCourse[]
  learning?: Array<{ id: string, title: string }>
}, path: string): string {
  const roleLabel = (role: Role): string => t(locale, ROLE_TEXT[role])
  return layout({
    locale,
    path,
    title: t(locale, 'lti.myCourse'),
    body: html`<h1>${t(locale, 'lti.hello', { name: view.person.displayName })}</h1>
!${view.events.map(event => html`<section aria-labelledby="ev-${event.id}">
<h2 id="ev-${event.id}">${event.title[locale]}</h2>
!${event.course !== null ? html`<p>${event.course.code} – ${event.course.title}</p>` : ''}
<p>${t(locale, 'common.role')}${colon(locale)} ${view.roles.filter(r => r.eventId === event.id).map(r => roleLabel(r.role)).join(', ')}</p>
<p><a href="/events/${event.key}?lang=${locale}">${t(locale, 'common.program')}</a></p>
</section>`)}
!${view.taught.map(course => taughtCourseSection(locale, course))}
!${(view.learning ?? []).length > 0
  ? html`<section aria-labelledby="my-synthesis">
<h2 id="my-synthesis">${t(locale, 'lti.synthesisHeading')}</h2>
<ul>!${(view.learning ?? []).map(c => html`<li><a href="/cours/synthese/${c.id}?lang=${locale}">${t(locale, 'lti.mySynthesis')}</a> — ${c.title}</li>`)}</ul>
</section>`
  : ''}
<section aria-labelledby="attendance">
<h2 id="attendance">${t(locale, 'lti.attendanceHeading')}</h2>
<p><a href="/presence?lang=${locale}">${t(locale, 'lti.myAttendance')}</a> · <a href="/presence/code?lang=${locale}">${t(locale, 'lti.enterRoomCode')}</a> ` +
  html`· <a href="/presence/laissez-passer?lang=${locale}">${t(locale, 'lti.myPass')}</a></p>
</section>
<section aria-labelledby="phone">
<h2 id="phone">${t(locale, 'lti.phoneHeading')}</h2>
<p>${t(locale, 'lti.phoneHelp')}</p>
<form method="post" action="/auth/telephone?lang=${locale}"><button type="submit">${t(locale, 'lti.openOnPhone')}</button></form>
</section>
<form method="post" action="/auth/sign-out?lang=${locale}"><button type="submit">${t(locale, 'common.signOut')}</button></form>
!${privacyNoticeLine(locale)}`
  })
}

export function deepLinkPage (locale: Locale, requestId: string, acceptMultiple: boolean, path: string): string {
  return layout({
    locale,
    path,
    title: t(locale, 'lti.deepLinkTitle'),
    body: html`<h1>${t(locale, 'lti.deepLinkTitle')}</h1>
<p>${t(locale, 'lti.deepLinkIntro')}</p>
<form class="stack" method="post" action="/cours/contenu/${requestId}?lang=${locale}">
<fieldset><legend>${t(locale, 'lti.deepLinkItems')}</legend>
!${deepLinkTargets.map((target, i) => html`<label class="choice"><input type="${acceptMultiple ? 'checkbox' : 'radio'}" name="items" ` +
  html`value="${target}"${i === 0 ? ' checked' : ''}> ${t(locale, deepLinkTitles[target])}</label>`)}
</fieldset>
<button type="submit">${t(locale, 'lti.deepLinkAdd')}</button>
</form>`
  })
}

/** Posts the signed answer back to the platform (script-free fallback: the button). */
export function deepLinkReturnPage (locale: Locale, returnUrl: string, jwt: string): string {
  return layout({
    locale,
    path: '/cours',
    title: t(locale, 'lti.backToPlatform'),
    body: html`<h1>${t(locale, 'lti.backToPlatform')}</h1>
<form method="post" action="${returnUrl}" data-autosubmit>
<input type="hidden" name="JWT" value="${jwt}">
<button type="submit">${t(locale, 'lti.finishAdding')}</button>
</form>
<script src="/assets/autosubmit.js"></script>`
  })
}

/** The one-time registration URL an organizer hands to an LMS administrator (shown once). */
export function registrationLinkPage (locale: Locale, link: { url: string, expiresAt: Date }): string {
  return layout({
    locale,
    path: '/organisateurs',
    title: t(locale, 'lti.registrationLinkTitle'),
    body: html`!${breadcrumbs(locale, [{ label: t(locale, 'common.organizerHome'), href: '/organisateurs' }])}
<h1>${t(locale, 'lti.registrationLinkTitle')}</h1>
<div class="notice" role="status">
<p>${sentence(t(locale, 'lti.registrationLinkGive', { date: when(locale, link.expiresAt) }))} ${t(locale, 'lti.registrationLinkShownOnce')}</p>
<p><code>${link.url}</code></p>
</div>
<h2>${t(locale, 'lti.inMoodle')}</h2>
<ol>
<li>${t(locale, 'lti.moodleStep1')}</li>
<li>${t(locale, 'lti.moodleStep2')}</li>
<li>${t(locale, 'lti.moodleStep3')}</li>
</ol>
<p>${t(locale, 'lti.registrationWaitsApproval')}</p>`
  })
}

/** Shown inside the LMS when its administrator opens our registration URL. */
export function registrationConfirmPage (locale: Locale, view: {
  issuer: string
  product: string | null
  token: string
  openidConfiguration: string
  registrationToken: string | undefined
  publicUrl: string
}): string {
  return layout({
    locale,
    path: '/lti/register',
    title: t(locale, 'lti.registerTitle'),
    body: html`<h1>${t(locale, 'lti.registerHeading')}</h1>
<dl>
<dt>${t(locale, 'lti.registerPlatform')}</dt><dd>${view.product ?? t(locale, 'lti.registerPlatformUnnamed')} — <code>${view.issuer}</code></dd>
<dt>${t(locale, 'lti.registerTool')}</dt><dd>${t(locale, 'common.appName')} — <code>${view.publicUrl}</code></dd>
<dt>${t(locale, 'lti.registerServices')}</dt><dd>${t(locale, 'lti.registerServicesList')}</dd>
</dl>
<form method="post" action="/lti/register?lang=${locale}">
<input type="hidden" name="compagnon_token" value="${view.token}">
<input type="hidden" name="openid_configuration" value="${view.openidConfiguration}">
!${view.registrationToken !== undefined ? html`<input type="hidden" name="registration_token" value="${view.registrationToken}">` : ''}
<button type="submit">${t(locale, 'lti.register')}</button>
</form>`
  })
}

/** Words the catalog marks as code (identifiers), already escaped by markup(). */
const code = { code: (words: string): string => `<code>${words}</code>` }

/** Registration done: the platform waits for an organizer's approval; the button closes the LMS dialog. */
export function registrationDonePage (locale: Locale, result: { name: string, clientId: string, deploymentId: string | null }): string {
  const ids = result.deploymentId !== null
    ? markup(locale, 'lti.registeredIdsWithDeployment', { name: result.name, clientId: result.clientId, deploymentId: result.deploymentId }, code)
    : markup(locale, 'lti.registeredIds', { name: result.name, clientId: result.clientId }, code)
  return layout({
    locale,
    path: '/lti/register',
    title: t(locale, 'lti.registeredTitle'),
    body: html`<h1>${t(locale, 'lti.registeredHeading')}</h1>
<div class="notice" role="status"><p>!${ids}</p>
<p>${t(locale, 'lti.registeredWaiting')}</p></div>
<button type="button" data-lti-close>${t(locale, 'lti.finish')}</button>
<script src="/assets/lti-close.js"></script>`
  })
}

const STATE_TEXT = {
  same: 'lti.gradeSame',
  waiting: 'lti.gradeWaiting',
  differs: 'lti.gradeDiffers',
  lms_only: 'lti.gradeLmsOnly'
} as const satisfies Record<GradebookRow['state'], TextKey>

/** The LMS gradebook beside Compagnon's grades, per line item. */
export function gradebookPage (locale: Locale, courseTitle: string, sections: Array<{ lineItem: LineItemKey, label: string, rows: GradebookRow[] }>): string {
  const number = (n: number): string => n.toLocaleString(intlLocale[locale])
  const points = (score: number | null, maximum: number | null): string =>
    score === null ? '—' : `${number(score)}${maximum !== null ? ` / ${number(maximum)}` : ''}`
  return layout({
    locale,
    path: '/cours',
    title: t(locale, 'lti.gradebookTitle'),
    body: html`!${breadcrumbs(locale, [coursesCrumb(locale)])}
<h1>${t(locale, 'lti.gradebookHeading', { course: courseTitle })}</h1>
!${sections.length === 0 ? html`<p>${t(locale, 'lti.gradebookEmpty')}</p>` : ''}
!${sections.map(section => html`<section aria-labelledby="li-${section.lineItem}">
<h2 id="li-${section.lineItem}">${section.label}</h2>
<table><thead><tr><th scope="col">${t(locale, 'lti.gradebookPerson')}</th><th scope="col">${t(locale, 'lti.gradebookInLms')}</th>` +
  html`<th scope="col">${t(locale, 'lti.gradebookByCompagnon')}</th><th scope="col">${t(locale, 'lti.gradebookState')}</th></tr></thead>
<tbody>!${section.rows.map(row => html`<tr><td>${row.name ?? row.userSub}</td><td>${points(row.lms?.score ?? null, row.lms?.maximum ?? null)}</td>` +
  html`<td>${row.compagnon === null ? '—' : points(row.compagnon.score, row.compagnon.maximum)}</td>` +
  html`<td>${t(locale, STATE_TEXT[row.state])}</td></tr>`)}</tbody></table>
</section>`)}`
  })
}

/**
 * A launch whose login cookie did not come back (cookies blocked in the LMS frame). The button
 * restarts the launch once in a new top-level window, where the browser keeps our cookies; the
 * token works once, for a few minutes. Without a token (a relaunch that failed the same way, or
 * none could be offered), the person is told to allow cookies or launch again from the course.
 */
export function relaunchPage (locale: Locale, view: { token: string | undefined, requestId: string }): string {
  return layout({
    locale,
    path: '/',
    title: t(locale, 'lti.relaunchTitle'),
    body: html`<h1>${t(locale, 'lti.relaunchTitle')}</h1>
<div class="error-box" role="alert"><p>${t(locale, 'lti.relaunchRefused')}</p></div>
!${view.token !== undefined
  ? html`<form method="post" action="/lti/login?lang=${locale}" target="_blank">
<input type="hidden" name="compagnon_relaunch" value="${view.token}">
<button type="submit">${t(locale, 'lti.relaunchButton')}</button>
</form>
<p class="muted">${t(locale, 'lti.relaunchOnce', { minutes: Math.round(RELAUNCH_LIFETIME_MS / 60_000) })}</p>`
  : html`<p>${t(locale, 'lti.relaunchAllowCookies')}</p>`}
<details><summary>${t(locale, 'lti.relaunchForInstructors')}</summary>
<ul>
<li>${t(locale, 'lti.relaunchMoodle')}</li>
<li>${t(locale, 'lti.relaunchCanvas')}</li>
<li>${t(locale, 'lti.relaunchBrightspace')}</li>
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
  return signingInPage(locale, html`<div data-lti-storage="put" data-target="${view.target}" data-origin="${view.origin}" data-key="${view.key}" ` +
    html`data-value="${view.secret}" data-next="${view.next}">
<p><a href="${view.next}">${t(locale, 'lti.continue')}</a></p>
</div>`)
}

/** The platform-storage pages: a heading while the script talks to the platform, then goes on. */
function signingInPage (locale: Locale, inner: string): string {
  return layout({
    locale,
    path: '/',
    title: t(locale, 'lti.signingInTitle'),
    body: html`<h1>${t(locale, 'lti.signingInHeading')}</h1>
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
  return signingInPage(locale, html`<form method="post" action="/lti/launch?lang=${locale}" data-lti-storage="get" data-target="${view.target}" ` +
    html`data-origin="${view.origin}" data-key="${view.key}">
<input type="hidden" name="id_token" value="${view.idToken}">
<input type="hidden" name="state" value="${view.state}">
<input type="hidden" name="compagnon_storage" value="">
<button type="submit">${t(locale, 'lti.continue')}</button>
</form>`)
}
