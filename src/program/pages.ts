import { html } from 'ghtml'
import { DateTime } from 'luxon'
import { layout } from '../views/layout.js'
import { colon, formatDateRange, formatDay, formatTime, intlLocale, t, type Locale, type TextKey } from '../views/i18n.js'
import { localDate } from './local-date.js'
import type { Program, ProgramSession, ProgramSlot } from './service.js'

/** A session's kind, as the program names it. */
const KIND_TEXT = {
  opening_activity: 'program.kindOpeningActivity',
  keynote: 'program.kindKeynote',
  round_table: 'program.kindRoundTable',
  case_study: 'program.kindCaseStudy',
  workshop: 'program.kindWorkshop',
  synthesis: 'program.kindSynthesis',
  welcome: 'program.kindWelcome',
  break: 'program.kindBreak',
  meal: 'program.kindMeal',
  networking: 'program.kindNetworking'
} as const satisfies Record<ProgramSession['kind'], TextKey>

const minorKinds = new Set<ProgramSession['kind']>(['welcome', 'break', 'meal', 'networking'])

function sessionCard (s: ProgramSession, locale: Locale, calendarBase: string): string {
  const tags: Array<[string, string]> = [['kind', t(locale, KIND_TEXT[s.kind])]]
  if (s.language !== locale) tags.push(['', t(locale, s.language === 'en' ? 'common.inEnglish' : 'common.inFrench')])
  if (s.mode === 'online') tags.push(['', t(locale, 'common.online')])
  if (s.audience === 'credited') tags.push(['alert', t(locale, 'common.creditedOnly')])
  if (s.status === 'cancelled') tags.push(['alert', t(locale, 'common.cancelled')])
  // The room only once known: "to be announced" on every session said nothing.
  const room = s.mode === 'online' ? '' : s.room ?? ''
  if (minorKinds.has(s.kind)) {
    return html`<div class="session minor" id="${s.key}"><h3>${s.title}</h3>!${room !== '' ? html`<p class="muted">${room}</p>` : ''}</div>`
  }
  return html`<article class="session${s.status === 'cancelled' ? ' cancelled' : ''}" id="${s.key}" lang="${s.language}">
<h3 id="${s.key}-title">${s.title}</h3>
<ul class="tags" lang="${locale}">!${tags.map(([cls, label]) => html`<li class="${cls}">${label}</li>`)}</ul>
!${room !== '' ? html`<p class="muted" lang="${locale}">${room}${s.capacity !== null ? ` · ${s.capacity} ${t(locale, 'common.capacity')}` : ''}</p>` : ''}
!${s.speakers.length > 0
  ? html`<ul class="speakers">!${s.speakers.map(sp => html`<li>` +
    html`${sp.role === 'opening_remarks' ? `${t(locale, 'common.openingRemarks')}${colon(locale)} ` : ''}<strong>${sp.name}</strong>` +
    html`!${sp.affiliation !== null ? html` <span>— ${sp.affiliation}</span>` : ''}</li>`)}</ul>`
  : ''}
!${s.speakersToBeConfirmed ? html`<p class="muted" lang="${locale}">${t(locale, 'common.speakersTbc')}</p>` : ''}
!${s.kind === 'synthesis' && s.status === 'scheduled'
  ? html`<p lang="${locale}"><a href="/synthese?lang=${locale}">${t(locale, 'program.handInSynthesis')}</a></p>`
  : ''}
!${s.description !== null
  ? html`<details><summary lang="${locale}">${t(locale, s.descriptionProvisional ? 'common.provisional' : 'common.description')}</summary>` +
    html`<p>${s.description}</p></details>`
  : html`<p class="muted" lang="${locale}">${t(locale, 'common.descriptionTbd')}</p>`}
!${s.status === 'scheduled'
  ? html`<p class="add-calendar" lang="${locale}"><a href="${calendarBase}/${s.key}/calendar.ics?lang=${locale}" ` +
    html`aria-describedby="${s.key}-title">${t(locale, 'program.addSessionToCalendar')}</a></p>`
  : ''}
</article>`
}

/** Where a slot stands against the clock, on the day that is today. */
type SlotMark = 'now' | 'next' | undefined

function slotRow (slot: ProgramSlot, locale: Locale, zone: string, calendarBase: string, mark: SlotMark, anchor: boolean): string {
  const scheduled = slot.sessions.filter(s => s.status === 'scheduled')
  const parallel = slot.sessions.length > 1
  return html`<section class="slot${mark !== undefined ? ` ${mark}` : ''}"!${anchor ? ' id="maintenant"' : ''} ` +
    html`aria-label="${formatTime(slot.start, locale, zone)}">
<div class="when">!${mark !== undefined
  ? html`<strong class="marker">${t(locale, mark === 'now' ? 'program.nowMarker' : 'program.nextMarker')}</strong> `
  : ''}<time datetime="${slot.start}">${formatTime(slot.start, locale, zone)}</time> – ` +
  html`<time datetime="${slot.end}">${formatTime(slot.end, locale, zone)}</time>
<small>${slot.durationMinutes} ${t(locale, 'common.minutes')}</small></div>
<div class="sessions${parallel ? ' parallel' : ''}">
!${scheduled.length > 1 ? html`<p class="parallel-note">${t(locale, 'common.parallelChoice')} (${scheduled.length})</p>` : ''}
!${slot.sessions.map(s => sessionCard(s, locale, calendarBase))}
</div>
</section>`
}

/** The slots in progress ("now") and the first ones to start after now ("next"), by slot id. */
function marks (slots: ProgramSlot[], now: Date): Map<string, 'now' | 'next'> {
  const at = now.getTime()
  const result = new Map<string, 'now' | 'next'>()
  for (const slot of slots) if (Date.parse(slot.start) <= at && at < Date.parse(slot.end)) result.set(slot.id, 'now')
  const upcoming = slots.filter(slot => Date.parse(slot.start) > at).map(slot => Date.parse(slot.start))
  if (upcoming.length > 0) {
    const next = Math.min(...upcoming)
    for (const slot of slots) if (Date.parse(slot.start) === next) result.set(slot.id, 'next')
  }
  return result
}

/** A short day name for the tab bar ("lun. 20", "Mon 20"), written by Intl. */
function shortDay (date: string, locale: Locale, zone: string): string {
  return DateTime.fromISO(date, { zone }).set({ hour: 12 }).toJSDate()
    .toLocaleDateString(intlLocale[locale], { weekday: 'short', day: 'numeric', timeZone: zone })
}

export interface ProgramPageOptions {
  /** The day asked for (`?jour=`): a date of the event, `tout` for the whole program, or nothing. */
  day?: string
  /** The injected clock's instant, for the default day and the "now / next" marker. */
  now: Date
}

/** What the clock and `?jour=` decide on the page: the day shown, and the slots marked now / next. */
export interface ProgramPageMoment {
  selected: string | undefined
  marks: Map<string, 'now' | 'next'>
}

export function programPageMoment (program: Program, { day, now }: ProgramPageOptions): ProgramPageMoment {
  const zone = program.event.timezone
  const today = localDate(now, zone)
  const dates = program.days.map(d => d.date)
  // The day shown: the one asked for, else today during the event, else the first day.
  const selected = day === 'tout' ? 'tout' : dates.find(d => d === day) ?? dates.find(d => d === today) ?? dates[0]
  const shown = selected === 'tout' ? program.days : program.days.filter(d => d.date === selected)
  const todaySlots = program.days.find(d => d.date === today)?.slots ?? []
  return { selected, marks: shown.some(d => d.date === today) ? marks(todaySlots, now) : new Map() }
}

/** The moment as a short text: two moments with the same text give the same page. */
export const momentKey = ({ selected, marks }: ProgramPageMoment): string =>
  `${selected ?? ''}|${[...marks].map(([slot, mark]) => `${slot}:${mark}`).join(',')}`

/** The page without the site's frame (layout): the same for every viewer. */
export interface ProgramPageParts {
  title: string
  description: string | undefined
  body: string
}

export function programPageParts (program: Program, locale: Locale, path: string, { selected, marks: slotMarks }: ProgramPageMoment): ProgramPageParts {
  const { event } = program
  const zone = event.timezone
  const hours = program.totals.inPersonAttendanceHours.toLocaleString(intlLocale[locale])
  const dates = program.days.map(d => d.date)
  const shown = selected === 'tout' ? program.days : program.days.filter(d => d.date === selected)
  const anchorSlot = [...slotMarks].find(([, m]) => m === 'now')?.[0] ?? [...slotMarks].find(([, m]) => m === 'next')?.[0]
  const pathname = new URL(path, 'http://x').pathname
  const dayHref = (value: string): string => `${pathname}?jour=${value}&lang=${locale}`
  const calendarBase = `/api/v1/events/${event.id}/sessions`
  const tabs = dates.length > 1
    ? html`<nav class="day-tabs" aria-label="${t(locale, 'program.daysLabel')}"><ul>
!${dates.map(d => html`<li><a href="${dayHref(d)}"!${d === selected ? ' aria-current="page"' : ''}>${shortDay(d, locale, zone)}</a></li>`)}
<li class="all"><a href="${dayHref('tout')}"!${selected === 'tout' ? ' aria-current="page"' : ''}>${t(locale, 'program.wholeProgram')}</a></li>
</ul></nav>`
    : ''
  const body = html`
<h1>${event.title[locale]}</h1>
<ul class="facts">
  <li><strong>${formatDateRange(event.startsOn, event.endsOn, locale)}</strong></li>
  !${event.location !== null ? html`<li>${event.location}</li>` : ''}
  <li>${hours} ${t(locale, 'common.hoursInPerson')}</li>
</ul>
!${event.description !== null ? html`<p class="lead">${event.description[locale]}</p>` : ''}
!${tabs}
!${anchorSlot !== undefined ? html`<p class="go-now"><a href="#maintenant">${t(locale, 'program.goToNow')}</a></p>` : ''}
!${shown.map(d => html`<h2 id="day-${d.date}">${formatDay(d.date, locale, zone)}</h2>
!${d.slots.map(slot => slotRow(slot, locale, zone, calendarBase, slotMarks.get(slot.id), slot.id === anchorSlot))}`)}
<p><a href="/api/v1/events/${event.id}/calendar.ics?lang=${locale}">${t(locale, 'common.calendar')}</a></p>
!${event.course !== null
  ? html`<p><strong>${t(locale, 'common.course')}${colon(locale)}</strong> ${event.course.code} – ${event.course.title} ` +
    html`(${event.course.credits} ${t(locale, 'common.credits')})</p>`
  : ''}
!${event.attestation !== null ? html`<p><strong>${t(locale, 'common.attestation')}${colon(locale)}</strong> ${event.attestation[locale]}</p>` : ''}
!${event.objectives[locale].length > 0
  ? html`<h2>${t(locale, 'common.objectives')}</h2><ul>!${event.objectives[locale].map(o => html`<li>${o}</li>`)}</ul>`
  : ''}
!${event.contact.email !== null || event.contact.phone !== null
  ? html`<h2>${t(locale, 'common.contact')}</h2><p>${event.contact.phone ?? ''}${event.contact.phone !== null && event.contact.email !== null ? ' · ' : ''}` +
    html`!${event.contact.email !== null ? html`<a href="mailto:${event.contact.email}">${event.contact.email}</a>` : ''}</p>`
  : ''}`
  // The day in the title too: tabs and history entries tell the days apart.
  const dayTitle = selected === 'tout' || selected === undefined ? '' : ` — ${formatDay(selected, locale, zone)}`
  return { title: `${t(locale, 'common.program')}${dayTitle} — ${event.title[locale]}`, description: event.description?.[locale], body }
}

export function noEventPage (locale: Locale, path: string): string {
  return layout({ locale, path, title: t(locale, 'common.program'), body: html`<h1>${t(locale, 'common.program')}</h1><p>${t(locale, 'common.noEvent')}</p>` })
}
