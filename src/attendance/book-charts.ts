import { html } from 'ghtml'
import { formatDay, formatTime, intlLocale, t, type Locale } from '../views/i18n.js'

/**
 * The charts under the attendance grid, drawn on the server as SVG that reads on a phone and a
 * laptop: no viewBox scaling (coordinates across are percentages of the chart's width, heights
 * are pixels), so text keeps its CSS size (13 px and up, never rotated) at every width. Each chart
 * is a <figure> with its title and note in the <figcaption>, the SVG named by its <title> and
 * <desc>, and its numbers in a table under "Voir les chiffres".
 */

/** One in-person session of a counted slot, with its check-ins (AttendanceBook.perSession). */
export interface SessionCount { sessionId: string, title: string, slotId: string, startsAt: Date, count: number, capacity: number | null, started: boolean }

/** Everyone's counted hours against the attestation threshold (AttendanceBook.hoursAgainstThreshold). */
export interface HoursDistribution { hours: number[], hoursRequired: number, totalHours: number, minShare: number }

/**
 * A title shortened at a word boundary to about `max` characters (whole words only: what is shown
 * stays words of the title), with an ellipsis when cut.
 */
export function shorten (title: string, max: number): string {
  if (title.length <= max) return title
  const cut = title.slice(0, max + 1)
  const space = cut.lastIndexOf(' ')
  const kept = (space > max / 2 ? cut.slice(0, space) : title.slice(0, max)).replace(/[\s,;:–—-]+$/u, '')
  return `${kept}…`
}

/** Label variants by width: phones (< 40rem), tablets, laptops (≥ 70rem); CSS shows one (public/site.css, attendance block). */
const LABEL_LENGTHS = [{ cls: 'att-v-s', max: 42 }, { cls: 'att-v-m', max: 80 }, { cls: 'att-v-l', max: Infinity }] as const

/** A one-line SVG label that fits the chart's width: one <text> per distinct variant. */
function label (title: string, x: string, y: number, cls: string): string {
  const variants = LABEL_LENGTHS.map(v => ({ cls: v.cls, text: shorten(title, v.max) }))
  if (variants.every(v => v.text === title)) return html`<text class="${cls}" x="${x}" y="${y}">${title}</text>`
  return variants.map(v => html`<text class="${cls} ${v.cls}" x="${x}" y="${y}">${v.text}</text>`).join('')
}

const pct = (n: number): string => `${Math.round(n * 100) / 100}%`

/** Started sessions grouped by their slot, in time order. */
function bySlot (sessions: readonly SessionCount[]): Array<{ startsAt: Date, sessions: SessionCount[] }> {
  const groups: Array<{ slotId: string, startsAt: Date, sessions: SessionCount[] }> = []
  for (const s of sessions) {
    const last = groups[groups.length - 1]
    if (last?.slotId === s.slotId) last.sessions.push(s)
    else groups.push({ slotId: s.slotId, startsAt: s.startsAt, sessions: [s] })
  }
  return groups
}

/** "lundi 20 octobre · 9 h 00": a slot's group label. */
const slotHeading = (startsAt: Date, zone: string, locale: Locale): string =>
  `${formatDay(startsAt.toISOString(), locale, zone)} · ${formatTime(startsAt.toISOString(), locale, zone)}`

// Vertical rhythm of the bar charts (pixels): a slot's heading row, then per session a label line and its bar.
const GROUP_ROW = 28
const SESSION_ROW = 46
const LABEL_BASELINE = 15
const BAR_TOP = 21
const BAR_HEIGHT = 18

/** A horizontal bar (share of the chart's width) with its value written at its end: inside when the bar is long, after it otherwise. */
function bar (y: number, share: number, value: string, cls: string, insideFrom: number): string {
  const width = Math.max(0, Math.min(1, share))
  const inside = width >= insideFrom
  return html`<rect class="${cls}" x="0" y="${y + BAR_TOP}" width="${pct(width * 100)}" height="${BAR_HEIGHT}" rx="2"></rect>` +
    html`<text class="att-chart-value${inside ? ' inside' : ''}" x="${pct(width * 100)}" dx="${inside ? -6 : 6}" y="${y + BAR_TOP + 14}" ` +
    html`text-anchor="${inside ? 'end' : 'start'}">${value}</text>`
}

function figure (id: string, title: string, note: string, svg: string, table: string, locale: Locale): string {
  return html`<figure class="att-chart" id="${id}">
<figcaption><h3>${title}</h3><p class="muted">${note}</p></figcaption>
!${svg}
<details class="att-chart-numbers"><summary>${t(locale, 'attendance.chartNumbers')}</summary>!${table}</details>
</figure>`
}

/** Check-ins per started session, one horizontal bar each, grouped by slot; the count on each bar. */
export function perSessionChart (locale: Locale, data: readonly SessionCount[], zone: string): string {
  const started = data.filter(d => d.started)
  const title = t(locale, 'attendance.chartPerSessionTitle')
  if (started.length === 0) return html`<h3>${title}</h3><p class="muted">${t(locale, 'attendance.chartPerSessionNone')}</p>`
  const max = Math.max(1, ...started.map(d => d.count))
  const parts: string[] = []
  let y = 0
  for (const group of bySlot(started)) {
    parts.push(html`<text class="att-chart-group" x="0" y="${y + 19}">${slotHeading(group.startsAt, zone, locale)}</text>`)
    y += GROUP_ROW
    for (const d of group.sessions) {
      const present = t(locale, 'common.presentCount', { count: d.count })
      parts.push(html`<g><title>${t(locale, 'attendance.chartBar', { title: d.title, present })}</title>` +
        html`!${label(d.title, '0', y + LABEL_BASELINE, 'att-chart-label')}!${bar(y, (d.count / max) * 0.85, String(d.count), 'att-chart-bar', 0.7)}</g>`)
      y += SESSION_ROW
    }
  }
  const desc = t(locale, 'attendance.chartPerSessionDesc', { sessions: started.length, max: Math.max(...started.map(d => d.count)) })
  const svg = html`<svg class="att-chart-svg" width="100%" height="${y}" role="img" aria-labelledby="chart-sessions-title chart-sessions-desc">` +
    html`<title id="chart-sessions-title">${title}</title><desc id="chart-sessions-desc">${desc}</desc>!${parts.join('')}</svg>`
  const table = html`<table><thead><tr><th scope="col">${t(locale, 'attendance.colStartedAt')}</th><th scope="col">${t(locale, 'attendance.colSession')}</th>` +
    html`<th scope="col">${t(locale, 'attendance.colPresent')}</th></tr></thead>
<tbody>!${started.map(d => html`<tr><td>${slotHeading(d.startsAt, zone, locale)}</td><td>${d.title}</td><td>${d.count}</td></tr>`)}</tbody></table>`
  return figure('chart-sessions', title, t(locale, 'attendance.chartPerSessionNote'), svg, table, locale)
}

/** Check-ins against the room's seats, per started session whose room has a capacity: a bar over a full-width track. */
export function occupancyChart (locale: Locale, data: readonly SessionCount[], zone: string): string {
  const rows = data.filter((d): d is SessionCount & { capacity: number } => d.started && d.capacity !== null && d.capacity > 0)
  const title = t(locale, 'attendance.chartOccupancyTitle')
  if (rows.length === 0) return html`<h3>${title}</h3><p class="muted">${t(locale, 'attendance.chartOccupancyNone')}</p>`
  const value = (d: { count: number, capacity: number }): string =>
    t(locale, 'attendance.chartOccupancyValue', { count: d.count, capacity: d.capacity, share: d.count / d.capacity })
  const parts: string[] = []
  let y = 0
  for (const group of bySlot(rows)) {
    parts.push(html`<text class="att-chart-group" x="0" y="${y + 19}">${slotHeading(group.startsAt, zone, locale)}</text>`)
    y += GROUP_ROW
    for (const d of group.sessions as Array<SessionCount & { capacity: number }>) {
      const over = d.count >= d.capacity
      parts.push(html`<g><title>${t(locale, 'attendance.chartBar', { title: d.title, present: value(d) })}</title>` +
        html`!${label(d.title, '0', y + LABEL_BASELINE, 'att-chart-label')}` +
        html`<rect class="att-chart-track" x="0" y="${y + BAR_TOP}" width="100%" height="${BAR_HEIGHT}" rx="2"></rect>` +
        html`!${bar(y, d.count / d.capacity, value(d), over ? 'att-chart-bar over' : 'att-chart-bar', 0.6)}</g>`)
      y += SESSION_ROW
    }
  }
  const desc = t(locale, 'attendance.chartOccupancyDesc', { sessions: rows.length, full: rows.filter(d => d.count >= d.capacity).length })
  const svg = html`<svg class="att-chart-svg" width="100%" height="${y}" role="img" aria-labelledby="chart-occupancy-title chart-occupancy-desc">` +
    html`<title id="chart-occupancy-title">${title}</title><desc id="chart-occupancy-desc">${desc}</desc>!${parts.join('')}</svg>`
  const table = html`<table><thead><tr><th scope="col">${t(locale, 'attendance.colStartedAt')}</th><th scope="col">${t(locale, 'attendance.colSession')}</th>` +
    html`<th scope="col">${t(locale, 'attendance.colPresent')}</th><th scope="col">${t(locale, 'attendance.colCapacity')}</th>` +
    html`<th scope="col">${t(locale, 'attendance.colOccupancy')}</th></tr></thead>
<tbody>!${rows.map(d => html`<tr><td>${slotHeading(d.startsAt, zone, locale)}</td><td>${d.title}</td><td>${d.count}</td><td>${d.capacity}</td>` +
  html`<td>${value(d)}</td></tr>`)}</tbody></table>`
  return figure('chart-occupancy', title, t(locale, 'attendance.chartOccupancyNote'), svg, table, locale)
}

/** A step for the hours' bands: at most eight bands across the event's hours. */
export function bandStep (totalHours: number): number {
  for (const step of [0.5, 1, 1.5, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50]) if (totalHours / step <= 8) return step
  return Math.ceil(totalHours / 8)
}

/** People per band of counted hours; a band holds [from, to), the last one its end too. */
export function hourBands (hours: readonly number[], totalHours: number): Array<{ from: number, to: number, people: number }> {
  const step = bandStep(totalHours)
  const n = Math.max(1, Math.ceil(totalHours / step - 1e-9))
  const bands = Array.from({ length: n }, (_, i) => ({ from: i * step, to: (i + 1) * step, people: 0 }))
  for (const h of hours) {
    const i = Math.min(n - 1, Math.max(0, Math.floor(h / step + 1e-9)))
    const band = bands[i]
    if (band !== undefined) band.people++
  }
  return bands
}

// The histogram's geometry: a label line on top (the threshold), the columns, the axis's numbers and its name.
const PLOT_TOP = 30
const PLOT_HEIGHT = 140
const LEFT = 4
const SPAN = 92

/** People per band of counted hours, columns on an hours axis, with the attestation threshold as a labelled vertical line. */
export function hoursChart (locale: Locale, data: HoursDistribution): string {
  const title = t(locale, 'attendance.chartHoursTitle')
  if (data.hours.length === 0 || data.totalHours <= 0) return html`<h3>${title}</h3><p class="muted">${t(locale, 'attendance.chartHoursNone')}</p>`
  const bands = hourBands(data.hours, data.totalHours)
  const end = bands[bands.length - 1]?.to ?? data.totalHours
  const max = Math.max(1, ...bands.map(b => b.people))
  const base = PLOT_TOP + PLOT_HEIGHT
  const xOf = (hours: number): number => LEFT + (hours / end) * SPAN
  const width = SPAN / bands.length
  const range = (b: { from: number, to: number }): string => t(locale, 'attendance.chartHoursBin', { from: b.from, to: b.to })
  const columns = bands.map(b => {
    const h = (b.people / max) * (PLOT_HEIGHT - 22)
    const x = xOf(b.from)
    const reached = b.from + 1e-9 >= data.hoursRequired
    return html`<g><title>${t(locale, 'attendance.chartHoursBinTitle', { range: range(b), people: b.people })}</title>` +
      html`<rect class="att-chart-bar${reached ? ' reached' : ''}" x="${pct(x + width * 0.08)}" y="${base - h}" ` +
      html`width="${pct(width * 0.84)}" height="${h}"></rect>` +
      html`<text class="att-chart-value" x="${pct(x + width / 2)}" y="${base - h - 5}" text-anchor="middle">${b.people}</text></g>`
  })
  const number = new Intl.NumberFormat(intlLocale[locale], { maximumFractionDigits: 2 })
  const ticks = [0, ...bands.map(b => b.to)].map((hours, i, all) => {
    const anchor = i === 0 ? 'start' : i === all.length - 1 ? 'end' : 'middle'
    return html`<line class="att-chart-tick" x1="${pct(xOf(hours))}" x2="${pct(xOf(hours))}" y1="${base}" y2="${base + 5}"></line>` +
      html`<text class="att-chart-axis" x="${pct(xOf(hours))}" y="${base + 20}" text-anchor="${anchor}">${number.format(hours)}</text>`
  })
  const threshold = xOf(Math.min(end, data.hoursRequired))
  const right = threshold > 55
  const line = html`<line class="att-chart-threshold" x1="${pct(threshold)}" x2="${pct(threshold)}" y1="${PLOT_TOP - 8}" y2="${base}"></line>` +
    html`<text class="att-chart-threshold-label" x="${pct(threshold)}" dx="${right ? -6 : 6}" y="${PLOT_TOP - 12}" ` +
    html`text-anchor="${right ? 'end' : 'start'}">${t(locale, 'attendance.chartThreshold', { required: data.hoursRequired })}</text>`
  const height = base + 48
  const reached = data.hours.filter(h => h + 1e-9 >= data.hoursRequired).length
  const desc = t(locale, 'attendance.chartHoursDesc', { reached, required: data.hoursRequired, people: data.hours.length })
  const svg = html`<svg class="att-chart-svg" width="100%" height="${height}" role="img" aria-labelledby="chart-hours-title chart-hours-desc">` +
    html`<title id="chart-hours-title">${title}</title><desc id="chart-hours-desc">${desc}</desc>` +
    html`<line class="att-chart-baseline" x1="${pct(LEFT)}" x2="${pct(LEFT + SPAN)}" y1="${base}" y2="${base}"></line>` +
    html`!${columns.join('')}!${ticks.join('')}!${line}` +
    html`<text class="att-chart-axis" x="50%" y="${base + 42}" text-anchor="middle">${t(locale, 'attendance.chartHoursAxis')}</text></svg>`
  const table = html`<p>${desc}</p><table><thead><tr><th scope="col">${t(locale, 'attendance.colHoursRange')}</th>` +
    html`<th scope="col">${t(locale, 'attendance.colPeople')}</th></tr></thead>
<tbody>!${bands.map(b => html`<tr><td>${range(b)}</td><td>${b.people}</td></tr>`)}</tbody></table>`
  return figure('chart-hours', title, t(locale, 'attendance.chartHoursNote', { share: data.minShare, total: data.totalHours }), svg, table, locale)
}

/** The "En chiffres" part of a grid page: the three charts. */
export function attendanceCharts (locale: Locale, sessions: readonly SessionCount[], hours: HoursDistribution, zone: string): string {
  return html`<section class="att-charts" aria-labelledby="charts-heading"><h2 id="charts-heading">${t(locale, 'attendance.chartsHeading')}</h2>
!${perSessionChart(locale, sessions, zone)}
!${occupancyChart(locale, sessions, zone)}
!${hoursChart(locale, hours)}
</section>`
}
