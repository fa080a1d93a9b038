import { html } from 'ghtml'
import { DateTime } from 'luxon'
import { layout } from '../views/layout.js'
import { formatDay, formatTime, intlLocale, markup, t, textOf, type Locale, type TextKey } from '../views/i18n.js'
import type { Grid, HoursSummary, Mine, MySlot, Who } from './book.js'
import type { Status } from './repository.js'
import { organizerNav } from '../views/organizer-nav.js'
import { breadcrumbs, coursesCrumb, myPageCrumb, type Crumb } from '../views/breadcrumbs.js'

/** A status in words, and its one-letter mark in the grid. */
export const STATUS_TEXT = {
  present: 'attendance.statusPresent',
  late: 'attendance.statusLate',
  excused: 'attendance.statusExcused',
  absent: 'attendance.statusAbsent'
} as const satisfies Record<Status, TextKey>
const STATUS_SHORT = {
  present: 'attendance.statusPresentShort',
  late: 'attendance.statusLateShort',
  excused: 'attendance.statusExcusedShort',
  absent: 'attendance.statusAbsentShort'
} as const satisfies Record<Status, TextKey>
const EXCUSE_TEXT = {
  pending: 'attendance.excusePending',
  accepted: 'attendance.excuseAccepted',
  refused: 'attendance.excuseRefused'
} as const satisfies Record<string, TextKey>
const HISTORY_ACTION_TEXT = {
  check_in: 'attendance.historyCheckIn',
  move: 'attendance.historyMove',
  correction: 'attendance.historyCorrection',
  excuse: 'attendance.historyExcuse'
} as const satisfies Record<string, TextKey>

/** "mar. 21 13 h 30" / "Tue 21 1:30 p.m.": a slot in the list of excuses. */
const slotLabel = (startsAt: Date, zone: string, locale: Locale): string =>
  `${DateTime.fromJSDate(startsAt, { zone }).setLocale(intlLocale[locale]).toFormat('ccc d')} ${formatTime(startsAt.toISOString(), locale, zone)}`

/** A status's badge colour (public/site.css: .badge.present, .late, .excused, .absent). */
const BADGE_CLASS = { present: 'present', late: 'late', excused: 'excused', absent: 'absent' } as const satisfies Record<Status, string>

/** A status as a badge: its colour and its word (upcoming, or in progress once started, when there is none yet). */
export function statusBadge (locale: Locale, status: Status | null, started = false): string {
  return status === null
    ? html`<span class="badge pending">${t(locale, started ? 'attendance.inProgress' : 'attendance.upcoming')}</span>`
    : html`<span class="badge ${BADGE_CLASS[status]}">${t(locale, STATUS_TEXT[status])}</span>`
}

/** Words a screen reader says, hidden from sight (the badges show letters). */
const hidden = (text: string): string => html`<span class="att-sr">${text}</span>`

/** The slots' days, in order, with how many slots each has (the grid's first header row). */
function days (slots: Grid['slots'], zone: string): Array<{ key: string, first: Date, count: number }> {
  const out: Array<{ key: string, first: Date, count: number }> = []
  for (const slot of slots) {
    const key = DateTime.fromJSDate(slot.startsAt, { zone }).toISODate() ?? ''
    const last = out[out.length - 1]
    if (last?.key === key) last.count++
    else out.push({ key, first: slot.startsAt, count: 1 })
  }
  return out
}

/** The grid's back link: organizers to their area, instructors to their courses. */
export type GridBack = 'organizer' | 'courses' | 'me'

/** People × slots, with totals, filters, exports, a legend, a link to correct each cell, and the charts. */
export function gridPage (locale: Locale, view: {
  title: string
  grid: Grid
  who: Who
  base: string
  back: GridBack
  charts: string
  excuses: Array<{ id: string, name: string, slotStartsAt: Date, reason: string }>
  canCorrect: (personId: string) => boolean
}, path: string): string {
  const { grid } = view
  const zone = grid.timezone
  const filter = (who: Who, label: string): string =>
    html`<li><a href="${view.base}?qui=${who}&amp;lang=${locale}"!${who === view.who ? ' aria-current="page"' : ''}>${label}</a></li>`
  const percent = new Intl.NumberFormat(intlLocale[locale], { style: 'percent', maximumFractionDigits: 0 })
  const dayStarts = new Set<number>()
  const dayList = days(grid.slots, zone)
  let index = 0
  for (const day of dayList) { dayStarts.add(index); index += day.count }
  const dayClass = (i: number): string => dayStarts.has(i) ? ' class="day-start"' : ''
  const back = view.back === 'organizer'
    ? organizerNav(locale, grid.eventId, 'attendance')
    : breadcrumbs(locale, [view.back === 'courses' ? coursesCrumb(locale) : myPageCrumb(locale)])
  const legend = ([...(['present', 'late', 'excused', 'absent'] as const)
    .map(s => html`<li><span class="badge ${BADGE_CLASS[s]}" aria-hidden="true">${t(locale, STATUS_SHORT[s])}</span> ${t(locale, STATUS_TEXT[s])}</li>`),
  html`<li><span class="badge pending" aria-hidden="true">—</span> ${t(locale, 'attendance.legendUpcoming')}</li>`,
  html`<li><span class="att-mark" aria-hidden="true">*</span> ${t(locale, 'attendance.legendExcusePending')}</li>`,
  html`<li><span class="att-mark" aria-hidden="true">†</span> ${t(locale, 'attendance.legendCompletedLate')}</li>`]).join('')
  const cell = (row: Grid['rows'][number], c: Grid['rows'][number]['cells'][number], i: number): string => {
    const slot = grid.slots[i]
    if (slot === undefined) return ''
    const status = c.status === null ? t(locale, 'attendance.upcoming') : t(locale, STATUS_TEXT[c.status])
    const late = c.completedLateAt === null
      ? null
      : t(locale, 'attendance.completedLateDetail', { time: formatTime(c.completedLateAt.toISOString(), locale, zone) })
    const text = late === null ? status : t(locale, 'attendance.cellStatusCompletedLate', { status, detail: late })
    const name = t(locale, 'attendance.cellLabel', {
      status: text,
      name: row.name,
      slot: t(locale, 'attendance.dayAtTime', {
        day: formatDay(slot.startsAt.toISOString(), locale, zone),
        time: formatTime(slot.startsAt.toISOString(), locale, zone)
      })
    })
    const letter = c.status === null ? '—' : t(locale, STATUS_SHORT[c.status])
    const cls = c.status === null ? 'pending' : BADGE_CLASS[c.status]
    const badge = view.canCorrect(row.personId)
      ? html`<a class="badge ${cls}" href="/presences/correction?personne=${row.personId}&amp;creneau=${slot.id}&amp;lang=${locale}" title="${text}" ` +
        html`aria-label="${name}">${letter}</a>`
      : html`<span class="badge ${cls}" role="img" title="${text}" aria-label="${name}">${letter}</span>`
    const mark = late === null
      ? ''
      : html`<small class="completed-late" title="${late}">` +
        html`<span aria-hidden="true">†</span>!${hidden(` ${t(locale, 'attendance.completedLateMark')}`)}</small>`
    const excuse = c.excuse === 'pending'
      ? html`<small class="att-mark" title="${t(locale, 'attendance.legendExcusePending')}">` +
        html`<span aria-hidden="true">*</span>!${hidden(t(locale, 'attendance.legendExcusePending'))}</small>`
      : ''
    return html`<td!${dayClass(i)}>!${badge}!${mark}!${excuse}</td>`
  }
  return layout({
    locale,
    path,
    title: t(locale, 'attendance.gridTitle', { title: view.title }),
    body: html`<div class="att-wide">
!${back}
<h1>${t(locale, 'attendance.gridTitle', { title: view.title })}</h1>
<div class="att-toolbar">
<nav aria-label="${t(locale, 'attendance.filtersLabel')}"><ul class="att-filters">!${filter('all', t(locale, 'attendance.filterEveryone'))}` +
  html`!${filter('credited', t(locale, 'attendance.filterCredited'))}!${filter('non_credit', t(locale, 'attendance.filterNonCredit'))}</ul></nav>
<a class="button secondary" href="${view.base}/export.csv?qui=${view.who}&amp;lang=${locale}">${t(locale, 'attendance.exportCsv')}</a>
</div>
<section class="att-legend" aria-labelledby="grid-legend"><h2 id="grid-legend">${t(locale, 'attendance.legendTitle')}</h2><ul>!${legend}</ul></section>
<div class="table-scroll att-grid-scroll" tabindex="0" role="region" aria-label="${t(locale, 'attendance.gridRegionLabel')}"><table class="att-grid">
<caption>${t(locale, 'attendance.gridCaption', { people: grid.rows.length, slots: grid.slots.length })}</caption>
<thead><tr><th scope="col" rowspan="2" class="att-person">${t(locale, 'attendance.colPerson')}</th>` +
  html`!${dayList.map(d => html`<th scope="colgroup" colspan="${d.count}" class="day-start">` +
    html`${DateTime.fromJSDate(d.first, { zone }).setLocale(intlLocale[locale]).toFormat('ccc d')}</th>`)}` +
  html`<th scope="col" rowspan="2" class="day-start">${t(locale, 'attendance.colHours')}</th>` +
  html`<th scope="col" rowspan="2">${t(locale, 'attendance.colGrade')}</th></tr>
<tr>!${grid.slots.map((s, i) => html`<th scope="col"!${dayClass(i)}>${formatTime(s.startsAt.toISOString(), locale, zone)}</th>`)}</tr></thead>
<tbody>!${grid.rows.map(row => html`<tr><th scope="row" class="att-person">${row.name}</th>!${row.cells.map((c, i) => cell(row, c, i)).join('')}` +
  html`<td class="day-start att-num">${t(locale, 'attendance.hours', { hours: row.hoursAttended })}</td>` +
  html`<td class="att-num">${row.grade === null ? '—' : percent.format(row.grade)}</td></tr>`)}</tbody>
</table></div>
!${view.excuses.length > 0
  ? html`<h2>${t(locale, 'attendance.excusesWaiting')}</h2>
<ul class="att-excuses">!${view.excuses.map(e => html`<li>` +
  html`<p>${t(locale, 'attendance.excuseLine', { name: e.name, slot: slotLabel(e.slotStartsAt, zone, locale), reason: e.reason })}</p>
<div class="att-actions"><form method="post" action="/presences/justifications/${e.id}?lang=${locale}" class="inline">` +
  html`<input type="hidden" name="decision" value="accept"><button type="submit">${t(locale, 'attendance.accept')}</button></form>
<form method="post" action="/presences/justifications/${e.id}?lang=${locale}" class="inline"><input type="hidden" name="decision" value="refuse">` +
  html`<button type="submit" class="secondary">${t(locale, 'attendance.refuse')}</button></form></div></li>`)}</ul>`
  : ''}
!${view.charts}
</div>`
  })
}

/** One person in one slot: the current status, the correction form, and the history. */
export function correctionPage (locale: Locale, view: {
  name: string
  slotLabel: string
  slotId: string
  personId: string
  status: Status | null
  sessions: Array<{ id: string, title: string }>
  sessionId: string | null
  history: Array<{ action: string, before: unknown, after: unknown, reason: string | null, changedByName: string | null, changedAt: string }>
  back: Crumb[]
}, path: string): string {
  const describe = (state: unknown): string => {
    if (state === null || state === undefined) return t(locale, 'attendance.historyNone')
    const s = state as { status?: Status, excuse?: string }
    if (s.status !== undefined) return t(locale, STATUS_TEXT[s.status])
    return textOf(locale, EXCUSE_TEXT, String(s.excuse ?? ''))
  }
  return layout({
    locale,
    path,
    title: t(locale, 'attendance.correctionTitle'),
    body: html`!${breadcrumbs(locale, view.back)}
<h1>${view.name} — ${view.slotLabel}</h1>
<p>!${markup(
  locale,
  'attendance.currentStatus',
  { status: view.status === null ? t(locale, 'attendance.noRecord') : t(locale, STATUS_TEXT[view.status]) },
  { strong: words => `<strong>${words}</strong>` }
)}</p>
<form class="stack" method="post" action="/presences/correction?lang=${locale}">
<input type="hidden" name="personId" value="${view.personId}"><input type="hidden" name="slotId" value="${view.slotId}">
<fieldset><legend>${t(locale, 'attendance.newStatus')}</legend>
!${(['present', 'late', 'excused', 'absent'] as const).map(s => html`<label class="choice">` +
  html`<input type="radio" name="status" value="${s}"${s === (view.status ?? 'present') ? ' checked' : ''} required> ${t(locale, STATUS_TEXT[s])}</label>`)}
</fieldset>
!${view.sessions.length > 1
  ? html`<label>${t(locale, 'attendance.session')}<select name="sessionId">` +
    html`!${view.sessions.map(s => html`<option value="${s.id}"${s.id === view.sessionId ? ' selected' : ''}>${s.title}</option>`)}</select></label>`
  : ''}
<label>${t(locale, 'attendance.correctionReason')}<input name="reason" required minlength="3" maxlength="500"></label>
<button type="submit">${t(locale, 'attendance.saveCorrection')}</button>
</form>
<h2>${t(locale, 'attendance.history')}</h2>
!${view.history.length === 0
? html`<p>${t(locale, 'attendance.noChange')}</p>`
: html`<table><thead><tr><th scope="col">${t(locale, 'attendance.colWhen')}</th><th scope="col">${t(locale, 'attendance.colWhat')}</th>` +
  html`<th scope="col">${t(locale, 'attendance.colBefore')}</th><th scope="col">${t(locale, 'attendance.colAfter')}</th>` +
  html`<th scope="col">${t(locale, 'attendance.colBy')}</th><th scope="col">${t(locale, 'attendance.colReason')}</th></tr></thead>
<tbody>!${view.history.map(h => html`<tr><td>${h.changedAt}</td><td>${textOf(locale, HISTORY_ACTION_TEXT, h.action)}</td><td>${describe(h.before)}</td>` +
  html`<td>${describe(h.after)}</td><td>${h.changedByName ?? '—'}</td><td>${h.reason ?? ''}</td></tr>`)}</tbody></table>`}`
  })
}

/** The words under a person's progress bar: where they stand against the threshold. */
const HOURS_STATE_TEXT = {
  reached: 'attendance.hoursReached',
  onTrack: 'attendance.hoursOnTrack',
  outOfReach: 'attendance.hoursOutOfReach',
  notReached: 'attendance.hoursNotReached',
  noHours: 'attendance.hoursNone'
} as const satisfies Record<HoursSummary['state'], TextKey>

/**
 * Hours done against the hours the attestation requires, with a progress bar (role progressbar,
 * its value in words), where the person stands, the rule, and the attendance grade for credit.
 * On "Mes présences" (heading level 2) and in the attendance section of /moi (level 3).
 */
export function hoursSummaryBlock (locale: Locale, summary: HoursSummary, options: { level: 2 | 3, id: string }): string {
  const heading = t(locale, 'attendance.myHoursHeading')
  const done = t(locale, 'attendance.hoursDoneOfRequired', { done: summary.hoursCounted, required: summary.hoursRequired })
  const width = Math.round(summary.progress * 1000) / 10
  const state = t(locale, HOURS_STATE_TEXT[summary.state], { missing: summary.hoursMissing, upcoming: summary.hoursUpcoming })
  const excused = summary.hoursExcused <= 0
    ? ''
    : html`<p class="muted">` +
      html`${t(locale, summary.excusedCounts ? 'attendance.hoursExcusedCounted' : 'attendance.hoursExcusedNotCounted', { hours: summary.hoursExcused })}</p>`
  return html`<section class="att-summary ${summary.state}" aria-labelledby="${options.id}">
!${options.level === 2 ? html`<h2 id="${options.id}">${heading}</h2>` : html`<h3 id="${options.id}">${heading}</h3>`}
!${summary.state === 'noHours'
    ? html`<p>${state}</p>`
    : html`<p class="att-figures">${done}</p>
<div class="progress" role="progressbar" aria-label="${t(locale, 'attendance.hoursProgressLabel')}" aria-valuemin="0" ` +
  html`aria-valuemax="${summary.hoursRequired}" aria-valuenow="${Math.min(summary.hoursCounted, summary.hoursRequired)}" aria-valuetext="${done}">` +
  html`<span style="width: ${width}%"></span></div>
<p class="att-state">${state}</p>
!${excused}
<p class="muted">${t(locale, 'attendance.hoursRule', { share: summary.minShare, total: summary.totalHours })}</p>`}
!${summary.grade === null ? '' : html`<p>${t(locale, 'attendance.creditGrade', { grade: summary.grade })}</p>`}
</section>`
}

/** "9 h 00 – 10 h 15" in the event's zone. */
const timeRange = (slot: { startsAt: Date, endsAt: Date }, zone: string, locale: Locale): string =>
  t(locale, 'attendance.timeRange', { start: formatTime(slot.startsAt.toISOString(), locale, zone), end: formatTime(slot.endsAt.toISOString(), locale, zone) })

const EXCUSE_BADGE = { pending: 'pending', accepted: 'excused', refused: 'absent' } as const

/** One slot on a participant's page: when, status in words, the session, choosing ahead, excusing. */
function slotCard (locale: Locale, zone: string, slot: MySlot): string {
  const sessionTitle = (id: string | null): string | undefined => slot.sessions.find(s => s.id === id)?.title
  const attended = sessionTitle(slot.attended)
  const chosen = sessionTitle(slot.chosen)
  const only = slot.sessions.length === 1 ? slot.sessions[0]?.title : undefined
  const session = attended !== undefined
    ? html`<p class="att-session">${t(locale, 'attendance.sessionAttended', { title: attended })}</p>`
    : chosen !== undefined
      ? html`<p class="att-session">${t(locale, 'attendance.sessionChosen', { title: chosen })}</p>`
      : only !== undefined ? html`<p class="att-session">${t(locale, 'attendance.sessionAttended', { title: only })}</p>` : ''
  const choosing = !slot.started && slot.status === null && slot.sessions.length > 1
    ? html`<p class="muted">${t(locale, 'attendance.parallelSessions')}</p>
<ul class="att-choices">!${slot.sessions.map(s => {
      const mine = s.id === slot.chosen
      const full = s.capacity !== null && s.taken >= s.capacity && !mine
      const places = s.capacity === null
        ? ''
        : html` <small class="muted">` +
          html`${full ? t(locale, 'attendance.sessionFull') : t(locale, 'attendance.placesLeft', { count: Math.max(0, s.capacity - s.taken) })}</small>`
      const action = mine
        ? html`<span class="badge present">${t(locale, 'attendance.yourChoice')}</span>`
        : full
          ? ''
          : html`<form method="post" action="/presence/choix?lang=${locale}"><input type="hidden" name="sessionId" value="${s.id}">` +
            html`<button type="submit" class="secondary" aria-label="${t(locale, 'attendance.chooseThisSessionLabel', { title: s.title })}">` +
            html`${t(locale, 'attendance.chooseThisSession')}</button></form>`
      return html`<li!${mine ? ' class="chosen"' : ''}><span class="att-choice-title">${s.title}</span>!${places}!${action}</li>`
    }).join('')}</ul>`
    : ''
  const excuse = slot.status === 'present' || slot.status === 'late'
    ? ''
    : slot.excuse !== null
      ? html`<p><span class="badge ${EXCUSE_BADGE[slot.excuse]}">${t(locale, 'attendance.myExcuse', { state: slot.excuse })}</span></p>`
      : html`<details class="att-excuse"><summary>${t(locale, 'attendance.excuseAbsence')}</summary>` +
        html`<form method="post" action="/presence/justification?lang=${locale}" class="stack"><input type="hidden" name="slotId" value="${slot.id}">` +
        html`<label>${t(locale, 'attendance.reason')}<input name="reason" required minlength="3" maxlength="500"></label>` +
        html`<button type="submit">${t(locale, 'attendance.sendExcuse')}</button></form></details>`
  return html`<li class="att-slot ${slot.status ?? 'upcoming'}">
<div class="att-slot-head"><p class="att-when"><time datetime="${slot.startsAt.toISOString()}">${timeRange(slot, zone, locale)}</time></p>` +
  html`!${statusBadge(locale, slot.status, slot.started)}</div>
!${session}!${choosing}!${excuse}
</li>`
}

/** A participant's view: hours against the threshold, then one card per slot, day by day (choose parallel sessions ahead, excuse an absence). */
export function myAttendancePage (locale: Locale, view: Mine & { notice?: string | undefined }, path: string): string {
  const byDay = new Map<string, MySlot[]>()
  for (const slot of view.slots) {
    const day = formatDay(slot.startsAt.toISOString(), locale, view.zone)
    byDay.set(day, [...byDay.get(day) ?? [], slot])
  }
  return layout({
    locale,
    path,
    title: t(locale, 'attendance.myAttendanceTitle'),
    body: html`!${breadcrumbs(locale, [myPageCrumb(locale)])}
<h1>${t(locale, 'attendance.myAttendanceTitle')}</h1>
!${view.notice !== undefined ? html`<div class="notice" role="status"><p>${view.notice}</p></div>` : ''}
!${view.summary === null ? '' : hoursSummaryBlock(locale, view.summary, { level: 2, id: 'my-hours' })}
<p class="att-actions"><a class="button" href="/presence/code?lang=${locale}">${t(locale, 'attendance.enterRoomCode')}</a> ` +
  html`<a class="button secondary" href="/presence/laissez-passer?lang=${locale}">${t(locale, 'attendance.passTitle')}</a></p>
!${view.slots.length === 0
  ? html`<p>${t(locale, 'attendance.noSlots')}</p>`
  : [...byDay].map(([day, slots], i) => html`<section aria-labelledby="day-${i}"><h2 id="day-${i}">${day}</h2>
<ul class="att-slots">!${slots.map(slot => slotCard(locale, view.zone, slot)).join('')}</ul></section>`).join('')}`
  })
}
