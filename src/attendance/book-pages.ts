import { html } from 'ghtml'
import { DateTime } from 'luxon'
import { layout } from '../views/layout.js'
import { formatTime, intlLocale, markup, t, type Locale, type TextKey } from '../views/i18n.js'
import type { Grid, Who } from './book.js'
import type { Status } from './repository.js'

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

/** A text of one of these maps, or the raw value when the map does not know it. */
const textOf = (locale: Locale, map: Readonly<Record<string, TextKey>>, value: string): string => {
  const key = map[value]
  return key === undefined ? value : t(locale, key)
}

/** "mar. 21 13 h 30" / "Tue 21 1:30 p.m.": a slot in a grid's header or a list. */
const slotLabel = (startsAt: Date, zone: string, locale: Locale): string =>
  `${DateTime.fromJSDate(startsAt, { zone }).setLocale(intlLocale[locale]).toFormat('ccc d')} ${formatTime(startsAt.toISOString(), locale, zone)}`

/** Check-ins per session across the week, grouped by slot: a server-rendered SVG bar chart. */
export function perSessionChart (locale: Locale, data: Array<{ title: string, slotId: string, startsAt: Date, count: number, capacity: number | null }>, zone: string): string {
  if (data.length === 0) return ''
  const barWidth = 22
  const gap = 4
  const slotGap = 14
  const height = 160
  const max = Math.max(1, ...data.map(d => Math.max(d.count, d.capacity ?? 0)))
  let x = 40
  let previousSlot = ''
  const bars: string[] = []
  const labels: string[] = []
  for (const d of data) {
    if (previousSlot !== '' && d.slotId !== previousSlot) x += slotGap
    if (d.slotId !== previousSlot) labels.push(html`<text x="${x}" y="${height + 16}" font-size="9" transform="rotate(45 ${x} ${height + 16})">${slotLabel(d.startsAt, zone, locale)}</text>`)
    previousSlot = d.slotId
    const h = Math.round((d.count / max) * (height - 10))
    const present = t(locale, 'common.presentCount', { count: d.count })
    const bar = d.capacity === null
      ? t(locale, 'attendance.chartBar', { title: d.title, present })
      : t(locale, 'attendance.chartBarOfCapacity', { title: d.title, present, capacity: d.capacity })
    bars.push(html`<rect x="${x}" y="${height - h}" width="${barWidth}" height="${h}" fill="#1d4ed8"><title>${bar}</title></rect><text x="${x + barWidth / 2}" y="${height - h - 3}" font-size="9" text-anchor="middle">${d.count}</text>`)
    x += barWidth + gap
  }
  const width = x + 40
  return html`<figure class="chart"><svg viewBox="0 0 ${width} ${height + 70}" width="100%" role="img" aria-labelledby="chart-title"><title id="chart-title">${t(locale, 'attendance.chartTitle')}</title>
<line x1="36" y1="${height}" x2="${width - 20}" y2="${height}" stroke="#555"/>!${bars.join('')}!${labels.join('')}</svg>
<figcaption class="muted">${t(locale, 'attendance.chartCaption')}</figcaption></figure>`
}

/** People × slots, with totals, filters, exports, and a link to correct each cell. */
export function gridPage (locale: Locale, view: { title: string, grid: Grid, who: Who, base: string, chart: string, excuses: Array<{ id: string, name: string, slotStartsAt: Date, reason: string }>, canCorrect: (personId: string) => boolean }, path: string): string {
  const { grid } = view
  const filter = (who: Who, label: string): string => who === view.who
    ? html`<strong aria-current="page">${label}</strong>`
    : html`<a href="${view.base}?qui=${who}&amp;lang=${locale}">${label}</a>`
  const percent = new Intl.NumberFormat(intlLocale[locale], { style: 'percent', maximumFractionDigits: 0 })
  return layout({
    locale,
    path,
    title: t(locale, 'attendance.gridTitle', { title: view.title }),
    body: html`<h1>${t(locale, 'attendance.gridTitle', { title: view.title })}</h1>
<p>!${filter('all', t(locale, 'attendance.filterEveryone'))} · !${filter('credited', t(locale, 'attendance.filterCredited'))} · !${filter('non_credit', t(locale, 'attendance.filterNonCredit'))}
 · <a href="${view.base}/export.csv?qui=${view.who}">${t(locale, 'attendance.exportCsv')}</a></p>
<p class="muted">${t(locale, 'attendance.gridLegend')}</p>
<div class="table-scroll"><table class="grid">
<caption class="muted">${t(locale, 'attendance.gridCaption', { people: grid.rows.length, slots: grid.slots.length })}</caption>
<thead><tr><th scope="col">${t(locale, 'attendance.colPerson')}</th>!${grid.slots.map(s => html`<th scope="col">${slotLabel(s.startsAt, grid.timezone, locale)}</th>`)}<th scope="col">${t(locale, 'attendance.colHours')}</th><th scope="col">${t(locale, 'attendance.colGrade')}</th></tr></thead>
<tbody>!${grid.rows.map(row => html`<tr><th scope="row">${row.name}</th>!${row.cells.map((cell, i) => {
  const label = cell.status === null ? '—' : t(locale, STATUS_SHORT[cell.status])
  const status = cell.status === null ? t(locale, 'attendance.upcoming') : t(locale, STATUS_TEXT[cell.status])
  const late = cell.completedLateAt === null
    ? null
    : t(locale, 'attendance.completedLateDetail', { time: formatTime(cell.completedLateAt.toISOString(), locale, grid.timezone) })
  const text = late === null ? status : t(locale, 'attendance.cellStatusCompletedLate', { status, detail: late })
  const slot = grid.slots[i]
  const content = view.canCorrect(row.personId) && slot !== undefined
    ? html`<a href="/presences/correction?personne=${row.personId}&amp;creneau=${slot.id}&amp;lang=${locale}" title="${text}" aria-label="${t(locale, 'attendance.cellLabel', { name: row.name, slot: slotLabel(slot.startsAt, grid.timezone, locale), status: text })}">${label}</a>`
    : html`<span title="${text}">${label}</span>`
  const mark = late === null ? '' : html` <small class="completed-late" title="${late}">⏱ ${t(locale, 'attendance.completedLateMark')}</small>`
  return html`<td class="st-${cell.status ?? 'none'}">!${content}!${mark}!${cell.excuse === 'pending' ? '*' : ''}</td>`
}).join('')}<td>${t(locale, 'attendance.hours', { hours: row.hoursAttended })}</td><td>${row.grade === null ? '—' : percent.format(row.grade)}</td></tr>`)}</tbody>
</table></div>
!${view.chart}
!${view.excuses.length > 0
  ? html`<h2>${t(locale, 'attendance.excusesWaiting')}</h2>
<ul>!${view.excuses.map(e => html`<li>${t(locale, 'attendance.excuseLine', { name: e.name, slot: slotLabel(e.slotStartsAt, grid.timezone, locale), reason: e.reason })}
<form method="post" action="/presences/justifications/${e.id}?lang=${locale}" class="inline"><input type="hidden" name="decision" value="accept"><button type="submit">${t(locale, 'attendance.accept')}</button></form>
<form method="post" action="/presences/justifications/${e.id}?lang=${locale}" class="inline"><input type="hidden" name="decision" value="refuse"><button type="submit">${t(locale, 'attendance.refuse')}</button></form></li>`)}</ul>`
  : ''}`
  })
}

/** One person in one slot: the current status, the correction form, and the history. */
export function correctionPage (locale: Locale, view: { name: string, slotLabel: string, slotId: string, personId: string, status: Status | null, sessions: Array<{ id: string, title: string }>, sessionId: string | null, history: Array<{ action: string, before: unknown, after: unknown, reason: string | null, changedByName: string | null, changedAt: string }>, back: string }, path: string): string {
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
    body: html`<h1>${view.name} — ${view.slotLabel}</h1>
<p>!${markup(locale, 'attendance.currentStatus', { status: view.status === null ? t(locale, 'attendance.noRecord') : t(locale, STATUS_TEXT[view.status]) }, { strong: words => `<strong>${words}</strong>` })}</p>
<form class="stack" method="post" action="/presences/correction?lang=${locale}">
<input type="hidden" name="personId" value="${view.personId}"><input type="hidden" name="slotId" value="${view.slotId}">
<fieldset><legend>${t(locale, 'attendance.newStatus')}</legend>
!${(['present', 'late', 'excused', 'absent'] as const).map(s => html`<label class="choice"><input type="radio" name="status" value="${s}"${s === (view.status ?? 'present') ? ' checked' : ''} required> ${t(locale, STATUS_TEXT[s])}</label>`)}
</fieldset>
!${view.sessions.length > 1
  ? html`<label>${t(locale, 'attendance.session')}<select name="sessionId">!${view.sessions.map(s => html`<option value="${s.id}"${s.id === view.sessionId ? ' selected' : ''}>${s.title}</option>`)}</select></label>`
  : ''}
<label>${t(locale, 'attendance.correctionReason')}<input name="reason" required minlength="3" maxlength="500"></label>
<button type="submit">${t(locale, 'attendance.saveCorrection')}</button>
</form>
<h2>${t(locale, 'attendance.history')}</h2>
!${view.history.length === 0
? html`<p>${t(locale, 'attendance.noChange')}</p>`
: html`<table><thead><tr><th scope="col">${t(locale, 'attendance.colWhen')}</th><th scope="col">${t(locale, 'attendance.colWhat')}</th><th scope="col">${t(locale, 'attendance.colBefore')}</th><th scope="col">${t(locale, 'attendance.colAfter')}</th><th scope="col">${t(locale, 'attendance.colBy')}</th><th scope="col">${t(locale, 'attendance.colReason')}</th></tr></thead>
<tbody>!${view.history.map(h => html`<tr><td>${h.changedAt}</td><td>${textOf(locale, HISTORY_ACTION_TEXT, h.action)}</td><td>${describe(h.before)}</td><td>${describe(h.after)}</td><td>${h.changedByName ?? '—'}</td><td>${h.reason ?? ''}</td></tr>`)}</tbody></table>`}
<p><a href="${view.back}">${t(locale, 'attendance.back')}</a></p>`
  })
}

/** A participant's view: choose parallel sessions ahead, and excuse an absence. */
export function myAttendancePage (locale: Locale, view: {
  zone: string
  slots: Array<{ id: string, startsAt: Date, held: boolean, status: Status | null, excuse: string | null, chosen: string | null, sessions: Array<{ id: string, title: string, capacity: number | null, taken: number }> }>
  notice?: string | undefined
}, path: string): string {
  return layout({
    locale,
    path,
    title: t(locale, 'attendance.myAttendanceTitle'),
    body: html`<h1>${t(locale, 'attendance.myAttendanceTitle')}</h1>
!${view.notice !== undefined ? html`<div class="notice" role="status"><p>${view.notice}</p></div>` : ''}
<p><a href="/presence/code?lang=${locale}">${t(locale, 'attendance.enterRoomCode')}</a> · <a href="/presence/laissez-passer?lang=${locale}">${t(locale, 'attendance.passTitle')}</a></p>
<table><thead><tr><th scope="col">${t(locale, 'attendance.colSlot')}</th><th scope="col">${t(locale, 'attendance.colStatus')}</th><th scope="col">${t(locale, 'attendance.colChoiceOrExcuse')}</th></tr></thead>
<tbody>!${view.slots.map(slot => html`<tr><th scope="row">${slotLabel(slot.startsAt, view.zone, locale)}</th>
<td>${slot.status === null ? (slot.held ? '' : t(locale, 'attendance.upcoming')) : t(locale, STATUS_TEXT[slot.status])}</td>
<td>!${!slot.held && slot.sessions.length > 1
  ? html`<form method="post" action="/presence/choix?lang=${locale}" class="stack"><label>${t(locale, 'attendance.session')}<select name="sessionId">!${slot.sessions.map(s => {
    const full = s.capacity !== null && s.taken >= s.capacity && s.id !== slot.chosen
    const places = s.capacity === null ? '' : ` (${full ? t(locale, 'attendance.sessionFull') : t(locale, 'attendance.placesLeft', { count: Math.max(0, s.capacity - s.taken) })})`
    return html`<option value="${s.id}"${s.id === slot.chosen ? ' selected' : ''}${full ? ' disabled' : ''}>${s.title}${places}</option>`
  }).join('')}</select></label><button type="submit">${t(locale, 'attendance.choose')}</button></form>`
  : ''}
!${slot.status !== 'present' && slot.status !== 'late'
  ? (slot.excuse !== null
      ? html`<p>${t(locale, 'attendance.myExcuse', { state: slot.excuse })}</p>`
      : html`<details><summary>${t(locale, 'attendance.excuseAbsence')}</summary><form method="post" action="/presence/justification?lang=${locale}" class="stack"><input type="hidden" name="slotId" value="${slot.id}"><label>${t(locale, 'attendance.reason')}<input name="reason" required minlength="3" maxlength="500"></label><button type="submit">${t(locale, 'attendance.send')}</button></form></details>`)
  : ''}</td></tr>`)}</tbody></table>`
  })
}
