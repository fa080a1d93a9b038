import { html } from 'ghtml'
import { layout } from '../views/layout.js'
import { colon, formatDateRange, formatDay, formatTime, intlLocale, t, type Locale, type TextKey } from '../views/i18n.js'
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

function sessionCard (s: ProgramSession, locale: Locale): string {
  const tags: Array<[string, string]> = [['kind', t(locale, KIND_TEXT[s.kind])]]
  if (s.language !== locale) tags.push(['', t(locale, s.language === 'en' ? 'common.inEnglish' : 'common.inFrench')])
  if (s.mode === 'online') tags.push(['', t(locale, 'common.online')])
  if (s.audience === 'credited') tags.push(['alert', t(locale, 'common.creditedOnly')])
  if (s.status === 'cancelled') tags.push(['alert', t(locale, 'common.cancelled')])
  const room = s.mode === 'online' ? '' : s.room ?? t(locale, 'common.roomTbd')
  if (minorKinds.has(s.kind)) {
    return html`<div class="session minor" id="${s.key}"><h3>${s.title}</h3>!${room !== '' ? html`<p class="muted">${room}</p>` : ''}</div>`
  }
  return html`<article class="session${s.status === 'cancelled' ? ' cancelled' : ''}" id="${s.key}" lang="${s.language}">
<h3>${s.title}</h3>
<ul class="tags" lang="${locale}">!${tags.map(([cls, label]) => html`<li class="${cls}">${label}</li>`)}</ul>
!${room !== '' ? html`<p class="muted" lang="${locale}">${room}${s.capacity !== null ? ` · ${s.capacity} ${t(locale, 'common.capacity')}` : ''}</p>` : ''}
!${s.speakers.length > 0 ? html`<ul class="speakers">!${s.speakers.map(sp => html`<li>${sp.role === 'opening_remarks' ? `${t(locale, 'common.openingRemarks')}${colon(locale)} ` : ''}<strong>${sp.name}</strong>!${sp.affiliation !== null ? html` <span>— ${sp.affiliation}</span>` : ''}</li>`)}</ul>` : ''}
!${s.speakersToBeConfirmed ? html`<p class="muted" lang="${locale}">${t(locale, 'common.speakersTbc')}</p>` : ''}
!${s.kind === 'synthesis' && s.status === 'scheduled' ? html`<p lang="${locale}"><a href="/synthese?lang=${locale}">${t(locale, 'program.handInSynthesis')}</a></p>` : ''}
!${s.description !== null
  ? html`<details><summary lang="${locale}">${t(locale, s.descriptionProvisional ? 'common.provisional' : 'common.description')}</summary><p>${s.description}</p></details>`
  : html`<p class="muted" lang="${locale}">${t(locale, 'common.descriptionTbd')}</p>`}
</article>`
}

function slotRow (slot: ProgramSlot, locale: Locale, zone: string): string {
  const scheduled = slot.sessions.filter(s => s.status === 'scheduled')
  return html`<section class="slot" aria-label="${formatTime(slot.start, locale, zone)}">
<div class="when"><time datetime="${slot.start}">${formatTime(slot.start, locale, zone)}</time> – <time datetime="${slot.end}">${formatTime(slot.end, locale, zone)}</time>
<small>${slot.durationMinutes} ${t(locale, 'common.minutes')}</small></div>
<div class="sessions">
!${scheduled.length > 1 ? html`<p class="parallel-note">${t(locale, 'common.parallelChoice')} (${scheduled.length})</p>` : ''}
!${slot.sessions.map(s => sessionCard(s, locale))}
</div>
</section>`
}

export function programPage (program: Program, locale: Locale, path: string): string {
  const { event } = program
  const zone = event.timezone
  const hours = program.totals.inPersonAttendanceHours.toLocaleString(intlLocale[locale])
  const body = html`
<h1>${event.title[locale]}</h1>
<ul class="facts">
  <li><strong>${formatDateRange(event.startsOn, event.endsOn, locale)}</strong></li>
  !${event.location !== null ? html`<li>${event.location}</li>` : ''}
  <li>${hours} ${t(locale, 'common.hoursInPerson')}</li>
</ul>
!${event.description !== null ? html`<p class="lead">${event.description[locale]}</p>` : ''}
!${event.course !== null ? html`<p><strong>${t(locale, 'common.course')}${colon(locale)}</strong> ${event.course.code} – ${event.course.title} (${event.course.credits} ${t(locale, 'common.credits')})</p>` : ''}
!${event.attestation !== null ? html`<p><strong>${t(locale, 'common.attestation')}${colon(locale)}</strong> ${event.attestation[locale]}</p>` : ''}
<p><a href="/api/v1/events/${event.id}/calendar.ics?lang=${locale}">${t(locale, 'common.calendar')}</a></p>
!${program.days.map(day => html`<h2 id="day-${day.date}">${formatDay(day.date, locale, zone)}</h2>
!${day.slots.map(slot => slotRow(slot, locale, zone))}`)}
!${event.objectives[locale].length > 0 ? html`<h2>${t(locale, 'common.objectives')}</h2><ul>!${event.objectives[locale].map(o => html`<li>${o}</li>`)}</ul>` : ''}
!${event.contact.email !== null || event.contact.phone !== null
  ? html`<h2>${t(locale, 'common.contact')}</h2><p>${event.contact.phone ?? ''}${event.contact.phone !== null && event.contact.email !== null ? ' · ' : ''}!${event.contact.email !== null ? html`<a href="mailto:${event.contact.email}">${event.contact.email}</a>` : ''}</p>`
  : ''}`
  return layout({ locale, path, title: `${t(locale, 'common.program')} — ${event.title[locale]}`, description: event.description?.[locale], body })
}

export function noEventPage (locale: Locale, path: string): string {
  return layout({ locale, path, title: t(locale, 'common.program'), body: html`<h1>${t(locale, 'common.program')}</h1><p>${t(locale, 'common.noEvent')}</p>` })
}
