import { html } from 'ghtml'
import { layout } from '../views/layout.js'
import { formatTime, intlLocale, markup, t, textOf, type Locale, type TextKey } from '../views/i18n.js'
import type { Bilingual } from '../errors.js'
import { formatPassCode } from './codes.js'
import { breadcrumbs, checkInDeskCrumb, myAttendanceCrumbs, myPageCrumb } from '../views/breadcrumbs.js'
import { privacyNoticeLine } from '../views/privacy-notice.js'

const time = (d: Date, zone: string, locale: Locale): string => formatTime(d.toISOString(), locale, zone)

/** Where a count's number goes in its sentence, in the forms a page's script rewrites live. */
const NUMBER = '{n}'
type CountKey = 'attendance.presentNow' | 'attendance.presentOfCapacity' | 'attendance.expectedMore' | 'attendance.expectedChosenAhead' |
  'attendance.scanQueue' | 'kiosk.presentOfCapacity' | 'kiosk.countdown'

/**
 * A count's sentence for one and for several, NUMBER marking the number, for a script that
 * follows the count (it picks the form with Intl.PluralRules, as the catalog's plurals do).
 * 1 and 2 are "one" and "other" in French and in English.
 */
export function countForms (locale: Locale, key: CountKey, values: Record<string, number> = {}): { one: string, other: string } {
  return {
    one: t(locale, key, { ...values, count: 1, number: NUMBER }),
    other: t(locale, key, { ...values, count: 2, number: NUMBER })
  }
}

/**
 * A count in its sentence, kept right as the count changes: the page's script (projection.js,
 * attendees.js) writes the sentence again from `data-one`/`data-other` for the state's `field`.
 */
function liveCount (locale: Locale, key: CountKey, field: 'checkedIn' | 'chosen', count: number, values: Record<string, number> = {}): string {
  const forms = countForms(locale, key, values)
  const [before = '', after = ''] = t(locale, key, { ...values, count, number: NUMBER }).split(NUMBER)
  const shown = new Intl.NumberFormat(intlLocale[locale]).format(count)
  const number = field === 'checkedIn' ? html`<span data-count>${shown}</span>` : html`<span data-chosen>${shown}</span>`
  return html`<span data-live="${field}" data-one="${forms.one}" data-other="${forms.other}">${before}!${number}${after}</span>`
}

/** What the people who checked in number, against the room's capacity when it has one. */
const presentCount = (locale: Locale, checkedIn: number, capacity: number | null): string => capacity === null
  ? liveCount(locale, 'attendance.presentNow', 'checkedIn', checkedIn)
  : liveCount(locale, 'attendance.presentOfCapacity', 'checkedIn', checkedIn, { capacity })

const METHOD_TEXT = {
  room_code: 'attendance.methodRoomCode',
  typed_code: 'attendance.methodTypedCode',
  pass: 'attendance.methodPass',
  manual: 'attendance.methodManual'
} as const satisfies Record<string, TextKey>

/**
 * What the phone shows when it opens a room QR code: the session, and one button that records
 * the check-in (the GET changes nothing). Signed in, it says who will be checked in, and if the
 * person is already recorded in this slot, where.
 */
export function checkInConfirmPage (locale: Locale, view: {
  action: string
  sessionId: string
  title: string
  room: string | null
  startsAt: Date
  endsAt: Date
  timezone: string
  name: string | null
  current: { id: string, title: string } | null
}, path: string): string {
  const already = view.current !== null && view.current.id === view.sessionId
  const note = view.name === null
    ? t(locale, 'attendance.confirmNotSignedIn')
    : already
      ? t(locale, 'attendance.confirmAlreadyHere', { name: view.name })
      : view.current !== null
        ? t(locale, 'attendance.confirmWouldMove', { title: view.current.title, name: view.name })
        : t(locale, 'attendance.confirmWho', { name: view.name })
  return layout({
    locale,
    path,
    title: t(locale, 'attendance.confirmTitle'),
    body: html`<div class="checkin confirm">
<h1>${view.title}</h1>
<p class="big">${time(view.startsAt, view.timezone, locale)}–${time(view.endsAt, view.timezone, locale)} · ${view.room ?? t(locale, 'common.roomTbd')}</p>
<p>${note}</p>
<form method="post" action="${view.action}?lang=${locale}">
<button type="submit" class="big">${t(locale, 'attendance.confirmTitle')}</button>
</form>
</div>
!${privacyNoticeLine(locale)}`
  })
}

/** What the phone shows after confirming a room code (or typing its code). */
export function checkInResultPage (locale: Locale, view: {
  result: 'created' | 'moved' | 'already' | 'pending'
  message: Bilingual
  late: boolean
}, path: string): string {
  const title = view.result === 'pending'
    ? t(locale, 'attendance.resultPendingTitle')
    : view.result === 'already' ? t(locale, 'attendance.resultAlreadyTitle') : t(locale, 'attendance.resultDoneTitle')
  return layout({
    locale,
    path,
    title,
    body: html`!${breadcrumbs(locale, [myPageCrumb(locale)])}
<div class="checkin ${view.result === 'pending' ? 'pending' : view.late ? 'late' : 'ok'}" role="status">
<h1>${title}</h1>
<p class="checkin-message">${view.message[locale]}</p>
</div>
!${view.result === 'pending'
  ? html`<p>${t(locale, 'attendance.resultPendingHelp')}</p>`
  : html`<p><a href="/presence/code?lang=${locale}">${t(locale, 'attendance.enterAnotherCode')}</a> · ` +
    html`<a href="/?lang=${locale}">${t(locale, 'common.program')}</a></p>`}
!${privacyNoticeLine(locale)}`
  })
}

/** For people who cannot scan: the 6 digits shown under the QR code. */
export function typedCodePage (locale: Locale, path: string): string {
  return layout({
    locale,
    path,
    title: t(locale, 'attendance.typedCodeTitle'),
    body: html`!${breadcrumbs(locale, myAttendanceCrumbs(locale))}
<h1>${t(locale, 'attendance.typedCodeTitle')}</h1>
<form class="stack" method="post" action="/presence/code?lang=${locale}">
<label>${t(locale, 'attendance.typedCodeLabel')}
<input name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required class="code-input"></label>
<button type="submit">${t(locale, 'attendance.typedCodeSubmit')}</button>
</form>
!${privacyNoticeLine(locale)}`
  })
}

/** An address as people type it: the app's public address without its scheme (browsers add it). */
export const typedAddress = (url: string): string => url.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')

/**
 * A page of its own for a screen (the projector): the site's stylesheet and icon, no site header
 * or footer, the language switch among the page's own controls.
 */
function kioskDocument ({ locale, title, body }: { locale: Locale, title: string, body: string }): string {
  return '<!doctype html>' + html`<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · ${t(locale, 'common.appName')}</title>
<link rel="stylesheet" href="/assets/site.css">
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
</head>
<body class="kiosk">
<main id="main" class="kiosk-main">
!${body}
</main>
</body>
</html>`
}

/** The same page in the other language (the kiosk's own switch: it has no site header). */
function otherLanguage (locale: Locale, path: string): { locale: Locale, href: string } {
  const other: Locale = locale === 'fr' ? 'en' : 'fr'
  const url = new URL(path, 'http://x')
  url.searchParams.set('lang', other)
  return { locale: other, href: url.pathname + url.search }
}

/** Seconds left before the code changes, as the countdown shows them (never below 0). */
export const secondsLeft = (changesAt: Date, now: Date): number => Math.max(0, Math.ceil((changesAt.getTime() - now.getTime()) / 1000))

/** How full the room is, for the bar under the count (0–100). */
const occupancy = (checkedIn: number, capacity: number): number => Math.min(100, Math.round(checkedIn / capacity * 100))

/**
 * The projector page of a session, full screen (kiosk): the rotating QR code and the typed code
 * in large type, the address to type it on, a countdown to the next code, the live count against
 * the room's capacity, the session's title and time. Sizes follow the screen (vh, vw) so it
 * reads from the back of a room and never scrolls on a 1366×768 or 1920×1080 projector.
 */
export function projectionPage (locale: Locale, view: {
  sessionId: string
  title: string
  room: string | null
  startsAt: Date
  endsAt: Date
  timezone: string
  qrSvg: string
  typedCode: string
  typedCodeUrl: string
  changesAt: Date
  now: Date
  checkedIn: number
  chosen: number
  capacity: number | null
}, path: string): string {
  const countdown = countForms(locale, 'kiosk.countdown')
  const seconds = secondsLeft(view.changesAt, view.now)
  const [before = '', after = ''] = t(locale, 'kiosk.countdown', { count: seconds, number: NUMBER }).split(NUMBER)
  const language = otherLanguage(locale, path)
  const base = `/presence/seance/${view.sessionId}`
  return kioskDocument({
    locale,
    title: view.title,
    body: html`<div class="kiosk-screen" data-projection="${base}/etat" data-intl-locale="${intlLocale[locale]}" ` +
      html`data-server-time="${view.now.toISOString()}" data-changes-at="${view.changesAt.toISOString()}">
<header class="kiosk-head">
<h1>${view.title}</h1>
<p class="kiosk-when">${time(view.startsAt, view.timezone, locale)} – ` +
  html`${time(view.endsAt, view.timezone, locale)}${view.room !== null ? ` · ${view.room}` : ''}</p>
</header>
<div class="kiosk-body">
<figure class="qr kiosk-qr" role="img" aria-label="${t(locale, 'attendance.qrLabel')}" data-qr>!${view.qrSvg}</figure>
<div class="kiosk-side">
<p class="kiosk-help">!${markup(locale, 'attendance.projectionHelp', { address: typedAddress(view.typedCodeUrl) }, {
  strong: words => `<strong class="kiosk-address">${words}</strong>`
})}</p>
<p class="kiosk-code" data-typed-code aria-live="polite">${view.typedCode}</p>
<p class="kiosk-countdown"><span data-countdown data-one="${countdown.one}" data-other="${countdown.other}">${before}<span ` +
  html`data-seconds>${new Intl.NumberFormat(intlLocale[locale]).format(seconds)}</span>${after}</span></p>
<p class="kiosk-count" aria-live="polite">!${view.capacity === null
  ? liveCount(locale, 'attendance.presentNow', 'checkedIn', view.checkedIn)
  : liveCount(locale, 'kiosk.presentOfCapacity', 'checkedIn', view.checkedIn, { capacity: view.capacity })}</p>
!${view.capacity === null
  ? ''
  : html`<div class="progress kiosk-occupancy" data-occupancy="${view.capacity}" aria-hidden="true">` +
    html`<span style="width: ${occupancy(view.checkedIn, view.capacity)}%"></span></div>`}
!${view.chosen > 0 ? html`<p class="kiosk-expected">!${liveCount(locale, 'attendance.expectedMore', 'chosen', view.chosen)}</p>` : ''}
</div>
</div>
<nav class="kiosk-tools" aria-label="${t(locale, 'kiosk.toolsLabel')}">
<button type="button" class="kiosk-fullscreen" data-fullscreen data-enter="${t(locale, 'kiosk.fullScreen')}" ` +
  html`data-exit="${t(locale, 'kiosk.exitFullScreen')}" hidden>${t(locale, 'kiosk.fullScreen')}</button>
<a href="${base}/liste?lang=${locale}">${t(locale, 'kiosk.leave')}</a>
<a href="${base}/affiche.pdf?lang=${locale}">${t(locale, 'kiosk.posterLink')}</a>
<a href="${language.href}" lang="${language.locale}" hreflang="${language.locale}" title="${t(locale, 'common.switchLanguageLabel')}">` +
  html`${t(locale, 'common.switchLanguage')}</a>
</nav>
</div>
<script src="/assets/projection.js"></script>`
  })
}

/** Links to a session's door poster, and to its room's poster for the day when it has a room. */
function posterLinks (locale: Locale, sessionId: string, room: string | null): string {
  return html`<a href="/presence/seance/${sessionId}/affiche.pdf?lang=${locale}">${t(locale, 'kiosk.posterLink')}</a>!${room !== null
    ? html` · <a href="/presence/seance/${sessionId}/affiche.pdf?salle=journee&amp;lang=${locale}">${t(locale, 'kiosk.roomPosterLink')}</a>`
    : ''}`
}

/** The door scanner: typed pass codes (and the camera where the browser can read QR codes), queued offline. */
export function scannerPage (locale: Locale, view: {
  sessionId: string
  title: string
  room: string | null
  serverTime: Date
  eventId: string
  organizer: boolean
}, path: string): string {
  const queue = countForms(locale, 'attendance.scanQueue')
  return layout({
    locale,
    path,
    title: t(locale, 'attendance.scannerTitle', { title: view.title }),
    body: html`!${breadcrumbs(locale, [checkInDeskCrumb(locale)])}
<div class="scanner" data-scanner="/accueil/${view.sessionId}/scans" data-session="${view.sessionId}" data-locale="${locale}" ` +
  html`data-intl-locale="${intlLocale[locale]}" data-server-time="${view.serverTime.toISOString()}" data-refused="${t(locale, 'attendance.passRefused')}" ` +
  html`data-camera-unavailable="${t(locale, 'attendance.cameraUnavailable')}">
<h1>${view.title}</h1>
!${view.room !== null ? html`<p>${view.room}</p>` : ''}
<p>!${posterLinks(locale, view.sessionId, view.room)}!${view.organizer
  ? html` · <a href="/organisateurs/evenements/${view.eventId}/laissez-passer.pdf?lang=${locale}">${t(locale, 'kiosk.passSheetsLink')}</a>`
  : ''}</p>
<video data-camera hidden playsinline muted aria-hidden="true"></video>
<button type="button" data-start-camera hidden>${t(locale, 'attendance.scanWithCamera')}</button>
<form class="stack" data-typed>
<label>${t(locale, 'attendance.passCodeLabel')}
<input name="code" autocomplete="off" autocapitalize="characters" spellcheck="false" required maxlength="40" class="code-input"></label>
<button type="submit">${t(locale, 'attendance.scanSubmit')}</button>
</form>
<div class="scan-result" data-result role="status" aria-live="assertive"></div>
<p class="muted" data-queue data-one="${queue.one}" data-other="${queue.other}" aria-live="polite"></p>
</div>
<script src="/assets/jsqr.js"></script>
<script src="/assets/scanner.js"></script>`
  })
}

/** A person's pass, to show at the door or print on a badge. It opens nothing by itself. */
export function passPage (locale: Locale, view: { name: string, code: string, qrSvg: string }, path: string): string {
  return layout({
    locale,
    path,
    title: t(locale, 'attendance.passTitle'),
    body: html`!${breadcrumbs(locale, myAttendanceCrumbs(locale))}
<h1>${t(locale, 'attendance.passTitle')}</h1>
<p>${view.name}</p>
<figure class="qr" role="img" aria-label="${t(locale, 'attendance.passQrLabel')}">!${view.qrSvg}</figure>
<p class="typed-code">${formatPassCode(view.code)}</p>
<p class="muted">${t(locale, 'attendance.passHelp')}</p>`
  })
}

/** What a phone camera shows when it opens a pass code: nothing about the person. */
export function passInfoPage (locale: Locale, path: string): string {
  return layout({
    locale,
    path,
    title: t(locale, 'attendance.passInfoTitle'),
    body: html`<h1>${t(locale, 'attendance.passInfoTitle')}</h1>
<p>${t(locale, 'attendance.passInfo')}</p>`
  })
}

/** Door staff pick the session they are scanning for. */
export function scannerChoicePage (locale: Locale, sessions: Array<{
  id: string
  title: string
  room: string | null
  startsAt: Date
  timezone: string
}>, path: string): string {
  return layout({
    locale,
    path,
    title: t(locale, 'attendance.scannerChoiceTitle'),
    body: html`<h1>${t(locale, 'attendance.scannerChoiceTitle')}</h1>
!${sessions.length === 0
  ? html`<p>${t(locale, 'attendance.noOpenSession')}</p>`
  : html`<ul class="links">!${sessions.map(s => html`<li>` +
    html`<a href="/accueil/${s.id}?lang=${locale}">${time(s.startsAt, s.timezone, locale)} — ${s.title}${s.room !== null ? ` (${s.room})` : ''}</a> · ` +
    html`<a href="/presence/seance/${s.id}/projection?lang=${locale}">${t(locale, 'attendance.projectorLink')}</a> · ` +
    html`<a href="/presence/seance/${s.id}/liste?lang=${locale}">${t(locale, 'attendance.listLink')}</a> · ` +
    html`!${posterLinks(locale, s.id, s.room)}</li>`)}</ul>`}`
  })
}

/** The session team's live list: who is in, when, how, and who came without choosing it ahead. */
export function attendeesPage (locale: Locale, view: {
  sessionId: string
  title: string
  room: string | null
  timezone: string
  checkedIn: number
  chosen: number
  capacity: number | null
  attendees: Array<{ name: string, status: string, method: string, recordedAt: Date, walkIn: boolean }>
}, path: string): string {
  const status = (value: string): string => t(locale, value === 'late' ? 'attendance.statusLate' : 'attendance.statusPresent')
  // The words attendees.js writes in the rows it refreshes.
  const words = JSON.stringify({
    present: t(locale, 'attendance.statusPresent'),
    late: t(locale, 'attendance.statusLate'),
    yes: t(locale, 'attendance.walkInYes'),
    methods: Object.fromEntries(Object.keys(METHOD_TEXT).map(m => [m, textOf(locale, METHOD_TEXT, m)]))
  })
  return layout({
    locale,
    path,
    title: t(locale, 'attendance.attendeesTitle', { title: view.title }),
    body: html`!${breadcrumbs(locale, [checkInDeskCrumb(locale)])}
<div data-attendees="/presence/seance/${view.sessionId}/presents" data-intl-locale="${intlLocale[locale]}" data-zone="${view.timezone}" data-words="${words}">
<h1>${view.title}</h1>
<p>${view.room ?? t(locale, 'common.roomTbd')} · <a href="/presence/seance/${view.sessionId}/projection?lang=${locale}">` +
  html`${t(locale, 'attendance.projectCode')}</a> · <a href="/accueil/${view.sessionId}?lang=${locale}">${t(locale, 'attendance.scanPasses')}</a> ` +
  html`· !${posterLinks(locale, view.sessionId, view.room)}</p>
<p class="count" aria-live="polite">!${presentCount(locale, view.checkedIn, view.capacity)} ` +
  html`· !${liveCount(locale, 'attendance.expectedChosenAhead', 'chosen', view.chosen)}</p>
<table><thead><tr><th scope="col">${t(locale, 'attendance.colPerson')}</th><th scope="col">${t(locale, 'attendance.colTime')}</th>` +
  html`<th scope="col">${t(locale, 'attendance.colStatus')}</th><th scope="col">${t(locale, 'attendance.colMethod')}</th>` +
  html`<th scope="col">${t(locale, 'attendance.colWalkIn')}</th></tr></thead>
<tbody data-rows>!${view.attendees.map(a => html`<tr><td>${a.name}</td><td>${time(a.recordedAt, view.timezone, locale)}</td><td>${status(a.status)}</td>` +
  html`<td>${textOf(locale, METHOD_TEXT, a.method)}</td><td>${a.walkIn ? t(locale, 'attendance.walkInYes') : ''}</td></tr>`)}</tbody></table>
</div>
<script src="/assets/attendees.js"></script>`
  })
}

/** The attendance part of /moi: where to check in, the pass, choices and excuses. */
export function myPageAttendanceSection (locale: Locale): string {
  return html`<section aria-labelledby="my-attendance">
<h2 id="my-attendance">${t(locale, 'attendance.myAttendanceHeading')}</h2>
<p>${t(locale, 'attendance.myAttendanceIntro')}</p>
<ul class="links">
<li><a href="/presence/laissez-passer?lang=${locale}">${t(locale, 'attendance.passTitle')}</a></li>
<li><a href="/presence/code?lang=${locale}">${t(locale, 'attendance.enterRoomCode')}</a></li>
<li><a href="/presence?lang=${locale}">${t(locale, 'attendance.myAttendanceLink')}</a></li>
</ul>
</section>`
}
