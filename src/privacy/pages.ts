import { html } from 'ghtml'
import { DateTime } from 'luxon'
import type { Bilingual } from '../errors.js'
import type { EventSummary } from '../program/service.js'
import { layout } from '../views/layout.js'
import { organizerBreadcrumbs, organizerNav } from '../views/organizer-nav.js'
import { NOTICE_PATH } from '../views/privacy-notice.js'
import { colon, formatStamp, intlLocale, markup, t, type Locale, type TextKey } from '../views/i18n.js'
import { ACCESS_KIND_TEXT, type PersonalDataKind } from './access-log.js'
import type { Incident } from './incidents.js'
import type { AccessLogEntry } from './repository.js'
import type { incidentStatuses, riskLevels } from './schemas.js'

/** A link around the words the message marks (`<link>…</link>`); `href` is this file's own constant address. */
const linkTo = (href: string, extra = ''): Record<string, (words: string) => string> =>
  ({ link: words => html`<a href="!${href}"!${extra}>!${words}</a>` })

/** The section of /moi: the person's own data, downloadable. */
export function myPagePrivacySection (locale: Locale): string {
  return html`<section aria-labelledby="moi-donnees">
<h2 id="moi-donnees">${t(locale, 'privacy.myDataHeading')}</h2>
<p>${t(locale, 'privacy.myDataIntro')}</p>
<p><a href="/moi/donnees?lang=${locale}" download>${t(locale, 'privacy.myDataDownload')}</a> · ` +
  html`<a href="${NOTICE_PATH}?lang=${locale}">${t(locale, 'privacy.noticeTitle')}</a></p>
</section>`
}

export interface NoticeView {
  officer: { name: string, email: string | null, phone: string | null }
  retention: { attendanceDays: number, submissionsDays: number, messagesDays: number, peopleDays: number, accessLogDays: number }
  attestationDetailsDays: number
  sending: boolean
}

/** "400 jours", "1 095 jours (3 ans)" / "1,095 days (3 years)". */
const duration = (days: number, locale: Locale): string => days % 365 === 0
  ? t(locale, 'privacy.durationDaysYears', { days, years: days / 365 })
  : t(locale, 'privacy.durationDays', { days })

/** The privacy notice: true to the configuration it is rendered with (retention, officer). */
export function noticePage (locale: Locale, view: NoticeView, path: string): string {
  const r = view.retention
  const after = (days: number): string => t(locale, 'privacy.keptAfterEvent', { duration: duration(days, locale) })
  const rows: Array<{ what: TextKey, why: TextKey, keep: string }> = [
    { what: 'privacy.identityWhat', why: 'privacy.identityWhy', keep: after(r.peopleDays) },
    { what: 'privacy.sessionsWhat', why: 'privacy.sessionsWhy', keep: t(locale, 'privacy.sessionsKept', { after: after(r.peopleDays) }) },
    { what: 'privacy.learningPlatformWhat', why: 'privacy.learningPlatformWhy', keep: after(r.peopleDays) },
    { what: 'privacy.attendanceWhat', why: 'privacy.attendanceWhy', keep: after(r.attendanceDays) },
    { what: 'privacy.synthesisWhat', why: 'privacy.synthesisWhy', keep: after(r.submissionsDays) },
    {
      what: 'privacy.attestationsWhat',
      why: 'privacy.attestationsWhy',
      keep: t(locale, 'privacy.attestationsKept', { duration: duration(view.attestationDetailsDays, locale) })
    },
    { what: 'privacy.messagesWhat', why: view.sending ? 'privacy.messagesWhySent' : 'privacy.messagesWhyKept', keep: after(r.messagesDays) },
    { what: 'privacy.accessLogWhat', why: 'privacy.accessLogWhy', keep: after(r.accessLogDays) },
    { what: 'privacy.incidentsWhat', why: 'privacy.incidentsWhy', keep: t(locale, 'privacy.incidentsKept') }
  ]
  const o = view.officer
  const myPage = linkTo(`/moi?lang=${locale}`)
  return layout({
    locale,
    path,
    title: t(locale, 'privacy.noticeTitle'),
    description: t(locale, 'privacy.noticeDescription'),
    body: html`<h1>${t(locale, 'privacy.noticeTitle')}</h1>
<p class="lead">${t(locale, 'privacy.noticeLead')}</p>

<section aria-labelledby="responsable">
<h2 id="responsable">${t(locale, 'privacy.officerHeading')}</h2>
<p><strong>${o.name}</strong></p>
<ul>
!${o.email !== null ? html`<li>${t(locale, 'common.email')}${colon(locale)} <a href="mailto:${o.email}">${o.email}</a></li>` : ''}
!${o.phone !== null ? html`<li>${t(locale, 'privacy.phone')}${colon(locale)} <a href="tel:${o.phone.replace(/[^\d+]/g, '')}">${o.phone}</a></li>` : ''}
</ul>
!${o.email === null && o.phone === null ? html`<p>${t(locale, 'privacy.officerNoContact')}</p>` : ''}
<p>${t(locale, 'privacy.officerWhy')}</p>
</section>

<section aria-labelledby="recueilli">
<h2 id="recueilli">${t(locale, 'privacy.collectedHeading')}</h2>
<table tabindex="0">
<caption class="muted">${t(locale, 'privacy.collectedCaption')}</caption>
<thead><tr><th scope="col">${t(locale, 'privacy.columnInformation')}</th><th scope="col">${t(locale, 'privacy.columnWhy')}</th>` +
  html`<th scope="col">${t(locale, 'privacy.columnKept')}</th></tr></thead>
<tbody>!${rows.map(row => html`<tr><td>${t(locale, row.what)}</td><td>${t(locale, row.why)}</td><td>${row.keep}</td></tr>`)}</tbody>
</table>
<p>${t(locale, 'privacy.noIpAddress')}</p>
</section>

<section aria-labelledby="ou">
<h2 id="ou">${t(locale, 'privacy.whereHeading')}</h2>
<p>${t(locale, 'privacy.whereText')}</p>
</section>

<section aria-labelledby="qui">
<h2 id="qui">${t(locale, 'privacy.whoHeading')}</h2>
<ul>
<li>!${markup(locale, 'privacy.whoYou', {}, myPage)}</li>
<li>${t(locale, 'privacy.whoOrganizers')}</li>
<li>${t(locale, 'privacy.whoInstructors')}</li>
<li>${t(locale, 'privacy.whoDoorStaff')}</li>
<li>${t(locale, 'privacy.whoPublic')}</li>
</ul>
<p>${t(locale, 'privacy.whoLogged')}</p>
</section>

<section aria-labelledby="droits">
<h2 id="droits">${t(locale, 'privacy.rightsHeading')}</h2>
<ul>
<li>!${markup(locale, 'privacy.rightsAccess', {}, myPage)}</li>
<li>${t(locale, 'privacy.rightsRectification')}</li>
<li>${t(locale, 'privacy.rightsErasure')}</li>
<li>!${markup(locale, 'privacy.rightsComplaint', {}, linkTo('https://www.cai.gouv.qc.ca/', ' hreflang="fr"'))}</li>
</ul>
</section>`
  })
}

// ---- Organizer pages ------------------------------------------------------------------------

// The attestation pages' stylesheet has the field-error style these forms use.
const stylesheet = '<link rel="stylesheet" href="/assets/attestations.css">'
const base = (eventId: string): string => `/organisateurs/confidentialite/${eventId}`

/** The role a staff member read with, as the access log shows it. */
const ACTOR_ROLE_TEXT: Record<string, TextKey> = {
  organizer: 'privacy.actorOrganizer',
  instructor: 'privacy.actorInstructor',
  door_staff: 'privacy.actorDoorStaff'
}

function privacyNav (locale: Locale, eventId: string): string {
  return html`<p><a href="${base(eventId)}/acces?lang=${locale}">${t(locale, 'privacy.accessLog')}</a> · ` +
    html`<a href="${base(eventId)}/incidents?lang=${locale}">${t(locale, 'privacy.incidentRegister')}</a></p>`
}

export interface PrivacyHubView { event: EventSummary, people: Array<{ id: string, name: string, email: string | null }> }

/** The event's privacy page: a person's data export, links to the log and the register. */
export function privacyHubPage (locale: Locale, view: PrivacyHubView, path: string): string {
  return layout({
    locale,
    path,
    title: t(locale, 'privacy.privacy'),
    body: html`!${organizerNav(locale, view.event.id, 'privacy')}
<h1>${t(locale, 'privacy.privacyOfEvent', { event: view.event.title[locale] })}</h1>
!${privacyNav(locale, view.event.id)}
<h2>${t(locale, 'privacy.exportHeading')}</h2>
<p>${t(locale, 'privacy.exportIntro')}</p>
<p class="muted">${t(locale, 'privacy.exportLimits')}</p>
!${view.people.length === 0
  ? html`<p>${t(locale, 'privacy.nobodyRegistered')}</p>`
  : html`<form class="stack" method="get" action="${base(view.event.id)}/exportation">
  <input type="hidden" name="lang" value="${locale}">
  <label>${t(locale, 'privacy.person')}<select name="personne">` +
    html`!${view.people.map(p => html`<option value="${p.id}">${p.name}${p.email !== null ? ` (${p.email})` : ''}</option>`)}</select></label>
  <button type="submit">${t(locale, 'privacy.exportButton')}</button>
</form>`}
<h2>${t(locale, 'privacy.noticeTitle')}</h2>
<p><a href="${NOTICE_PATH}?lang=${locale}">${t(locale, 'privacy.noticeShown')}</a></p>`
  })
}

export interface AccessLogView {
  event: EventSummary
  entries: AccessLogEntry[]
  people: Array<{ id: string, name: string }>
  personId: string | undefined
  next: number | null
}

/**
 * The staff access log, in words: who (and in which role) did what, about whom, when. The route
 * and the request reference stay in a folded technical detail, for matching the server's logs.
 */
export function accessLogPage (locale: Locale, view: AccessLogView, path: string): string {
  const zone = view.event.timezone
  const id = view.event.id
  const nextHref = view.next === null
    ? null
    : `${base(id)}/acces?lang=${locale}&avant=${view.next}${view.personId !== undefined ? `&personne=${view.personId}` : ''}`
  const deleted = html`<span class="muted">${t(locale, 'privacy.personDeleted')}</span>`
  const role = (r: string | null): string =>
    r === null ? '' : html`<br><span class="muted">${ACTOR_ROLE_TEXT[r] !== undefined ? t(locale, ACTOR_ROLE_TEXT[r]) : r}</span>`
  const kind = (k: string): string => {
    const key = ACCESS_KIND_TEXT[k as PersonalDataKind] as TextKey | undefined
    return key === undefined ? k : t(locale, key)
  }
  return layout({
    locale,
    path,
    title: t(locale, 'privacy.accessLog'),
    body: html`!${organizerBreadcrumbs(locale, id, 'privacy')}
<h1>${t(locale, 'privacy.accessLogHeading')}</h1>
!${privacyNav(locale, id)}
<p>${t(locale, 'privacy.accessLogIntro')}</p>
<form class="stack" method="get" action="${base(id)}/acces">
  <input type="hidden" name="lang" value="${locale}">
  <label>${t(locale, 'privacy.personConcerned')}<select name="personne">
    <option value="">${t(locale, 'privacy.everyone')}</option>
    !${view.people.map(p => html`<option value="${p.id}"${p.id === view.personId ? ' selected' : ''}>${p.name}</option>`)}
  </select></label>
  <button type="submit">${t(locale, 'privacy.filter')}</button>
</form>
!${view.entries.length === 0
  ? html`<p>${t(locale, 'privacy.accessLogEmpty')}</p>`
  : html`<table tabindex="0">
<caption class="muted">${t(locale, 'privacy.accessLogCaption', { zone })}</caption>
<thead><tr><th scope="col">${t(locale, 'privacy.columnWhen')}</th><th scope="col">${t(locale, 'privacy.columnWho')}</th>` +
  html`<th scope="col">${t(locale, 'privacy.columnWhatWasDone')}</th><th scope="col">${t(locale, 'privacy.personConcerned')}</th>` +
  html`<th scope="col">${t(locale, 'privacy.columnTechnical')}</th></tr></thead>
<tbody>!${view.entries.map(e => html`<tr>
<td><time datetime="${e.at.toISOString()}">${formatStamp(e.at, locale, zone)}</time></td>
<td>!${e.actor_name === null ? deleted : html`${e.actor_name}`}!${role(e.actor_role)}</td>
<td>${kind(e.data_kind)}</td>
<td>!${e.subject_person_id === null ? html`${t(locale, 'privacy.severalPeople')}` : e.subject_name === null ? deleted : html`${e.subject_name}`}</td>
<td><details><summary>${t(locale, 'privacy.showTechnical')}</summary><p><code>${e.method} ${e.route}</code></p>` +
  html`<p class="muted">${t(locale, 'common.errorRequestId')}${colon(locale)} <code class="token">${e.request_id}</code></p></details></td>
</tr>`)}</tbody></table>`}
!${nextHref !== null ? html`<p><a href="${nextHref}">${t(locale, 'privacy.olderEntries')}</a></p>` : ''}`
  })
}

export type IncidentField = 'detectedAt' | 'description' | 'categories' | 'peopleAffected' | 'seriousInjuryRisk' | 'riskAssessment' | 'measures' |
  'caiNotifiedAt' | 'peopleNotifiedAt' | 'status'
export type IncidentFormValues = Record<IncidentField, string>
export type IncidentFieldErrors = Partial<Record<IncidentField, Bilingual>>

export interface IncidentsView {
  event: EventSummary
  incidents: Incident[]
  notice: Bilingual | null
  /** A refused form: which one (`new` or an incident id), what was typed, what is wrong. */
  typed: { form: string, values: IncidentFormValues, errors: IncidentFieldErrors } | null
}

const RISK_TEXT = {
  to_assess: 'privacy.riskToAssess',
  low: 'privacy.riskLow',
  serious: 'privacy.riskSerious'
} as const satisfies Record<typeof riskLevels[number], TextKey>
const STATUS_TEXT = {
  open: 'privacy.statusOpen',
  contained: 'privacy.statusContained',
  closed: 'privacy.statusClosed'
} as const satisfies Record<typeof incidentStatuses[number], TextKey>
const FIELD_TEXT = {
  detectedAt: 'privacy.fieldDetectedAt',
  description: 'privacy.fieldDescription',
  categories: 'privacy.fieldCategories',
  peopleAffected: 'privacy.fieldPeopleAffected',
  seriousInjuryRisk: 'privacy.fieldSeriousInjuryRisk',
  riskAssessment: 'privacy.fieldRiskAssessment',
  measures: 'privacy.fieldMeasures',
  caiNotifiedAt: 'privacy.fieldCaiNotifiedAt',
  peopleNotifiedAt: 'privacy.fieldPeopleNotifiedAt',
  status: 'privacy.fieldStatus'
} as const satisfies Record<IncidentField, TextKey>

/** "2025-10-21T10:30" in the event's zone, for datetime-local inputs. */
export const localInput = (date: Date | null, zone: string): string => date === null ? '' : DateTime.fromJSDate(date, { zone }).toFormat("yyyy-LL-dd'T'HH:mm")

export function incidentValues (i: Incident | null, zone: string): IncidentFormValues {
  return {
    detectedAt: localInput(i?.detectedAt ?? null, zone),
    description: i?.description ?? '',
    categories: i?.categories ?? '',
    peopleAffected: i?.peopleAffected == null ? '' : String(i.peopleAffected),
    seriousInjuryRisk: i?.seriousInjuryRisk ?? 'to_assess',
    riskAssessment: i?.riskAssessment ?? '',
    measures: i?.measures ?? '',
    caiNotifiedAt: localInput(i?.caiNotifiedAt ?? null, zone),
    peopleNotifiedAt: localInput(i?.peopleNotifiedAt ?? null, zone),
    status: i?.status ?? 'open'
  }
}

function incidentForm (locale: Locale, form: string, values: IncidentFormValues, errors: IncidentFieldErrors, action: string, button: string): string {
  const id = (f: string): string => `${f}-${form}`
  const label = (f: IncidentField): string => html`<label for="${id(f)}">${t(locale, FIELD_TEXT[f])}</label>`
  const err = (f: IncidentField): string => errors[f] === undefined ? '' : html`<p id="${id(f)}-error" class="field-error">${errors[f]?.[locale] ?? ''}</p>`
  const attrs = (f: IncidentField): string => errors[f] === undefined ? '' : html` aria-invalid="true" aria-describedby="${id(f)}-error"`
  const input = (f: IncidentField, type: string, extra = ''): string =>
    html`!${label(f)}!${err(f)}<input id="${id(f)}" name="${f}" type="${type}" value="${values[f]}"!${attrs(f)}!${extra}>`
  const area = (f: IncidentField, required: boolean): string =>
    html`!${label(f)}!${err(f)}<textarea id="${id(f)}" name="${f}" rows="3"!${required ? ' required' : ''}!${attrs(f)}>${values[f]}</textarea>`
  const select = (f: 'seriousInjuryRisk' | 'status', options: Record<string, TextKey>): string =>
    html`!${label(f)}!${err(f)}<select id="${id(f)}" name="${f}"!${attrs(f)}>!${Object.entries(options).map(
      ([k, key]) => html`<option value="${k}"${values[f] === k ? ' selected' : ''}>${t(locale, key)}</option>`
    )}</select>`
  const hasErrors = Object.keys(errors).length > 0
  return html`<form class="stack wide" method="post" action="${action}?lang=${locale}" novalidate>
!${hasErrors ? html`<div class="error-box" role="alert"><p>${t(locale, 'privacy.formRefused')}</p></div>` : ''}
<p class="muted">${t(locale, 'privacy.eventTimes')}</p>
!${input('detectedAt', 'datetime-local', ' required')}
!${area('description', true)}
!${area('categories', true)}
!${input('peopleAffected', 'number', ' min="0" step="1" inputmode="numeric"')}
!${select('seriousInjuryRisk', RISK_TEXT)}
!${area('riskAssessment', false)}
!${area('measures', false)}
!${input('caiNotifiedAt', 'datetime-local')}
!${input('peopleNotifiedAt', 'datetime-local')}
!${select('status', STATUS_TEXT)}
<button type="submit">${button}</button>
</form>`
}

export function incidentsPage (locale: Locale, view: IncidentsView, path: string): string {
  const zone = view.event.timezone
  const id = view.event.id
  const typed = (form: string): IncidentsView['typed'] => view.typed?.form === form ? view.typed : null
  const newTyped = typed('new')
  const field = (f: IncidentField): string => t(locale, FIELD_TEXT[f])
  const fields = new Intl.ListFormat(intlLocale[locale], { type: 'conjunction' })
  const change = (h: Incident['history'][number]): string => h.action === 'created'
    ? t(locale, 'privacy.historyRecorded')
    : t(locale, 'privacy.historyChanged', { fields: fields.format(h.changed.map(f => f in FIELD_TEXT ? field(f as IncidentField) : f)) })
  return layout({
    locale,
    path,
    title: t(locale, 'privacy.incidentRegister'),
    body: stylesheet + html`!${organizerBreadcrumbs(locale, id, 'privacy')}
<h1>${t(locale, 'privacy.incidentsHeading')}</h1>
!${privacyNav(locale, id)}
<p>${t(locale, 'privacy.incidentsIntro')}</p>
!${view.notice !== null ? html`<div class="notice" role="status"><p>${view.notice[locale]}</p></div>` : ''}
<h2>${t(locale, 'privacy.incidents')}</h2>
!${view.incidents.length === 0
  ? html`<p>${t(locale, 'privacy.incidentsNone')}</p>`
  : view.incidents.map(i => {
    const typedHere = typed(i.id)
    return html`<article class="receipt" aria-labelledby="incident-${i.id}">
<h3 id="incident-${i.id}">${formatStamp(i.detectedAt, locale, zone)} — ${t(locale, STATUS_TEXT[i.status])} — ` +
  html`${t(locale, RISK_TEXT[i.seriousInjuryRisk])}</h3>
<dl>
<dt>${field('description')}</dt><dd class="answer">${i.description}</dd>
<dt>${field('categories')}</dt><dd>${i.categories}</dd>
<dt>${field('peopleAffected')}</dt><dd>${i.peopleAffected === null
  ? t(locale, 'privacy.unknown')
  : new Intl.NumberFormat(intlLocale[locale]).format(i.peopleAffected)}</dd>
<dt>${field('riskAssessment')}</dt><dd>${i.riskAssessment ?? '—'}</dd>
<dt>${field('measures')}</dt><dd>${i.measures ?? '—'}</dd>
<dt>${field('caiNotifiedAt')}</dt><dd>${i.caiNotifiedAt === null ? t(locale, 'privacy.notYet') : formatStamp(i.caiNotifiedAt, locale, zone)}</dd>
<dt>${field('peopleNotifiedAt')}</dt><dd>${i.peopleNotifiedAt === null ? t(locale, 'privacy.notYet') : formatStamp(i.peopleNotifiedAt, locale, zone)}</dd>
</dl>
!${i.seriousInjuryRisk === 'serious' && (i.caiNotifiedAt === null || i.peopleNotifiedAt === null)
  ? html`<p class="error-box">${t(locale, 'privacy.seriousNotice')}</p>`
  : ''}
<details!${typedHere !== null ? ' open' : ''}><summary>${t(locale, 'privacy.history', { count: i.history.length })}</summary>
<ul>!${i.history.map(h => html`<li>${formatStamp(h.changedAt, locale, zone)} — ${h.changedByName ?? '—'} — ${change(h)}</li>`)}</ul>
</details>
<details!${typedHere !== null ? ' open' : ''}><summary>${t(locale, 'privacy.update')}</summary>
!${incidentForm(
  locale,
  i.id,
  typedHere?.values ?? incidentValues(i, zone),
  typedHere?.errors ?? {},
  `${base(id)}/incidents/${i.id}`,
  t(locale, 'privacy.saveChanges')
)}
</details>
</article>`
  })}
<h2 id="nouvel-incident">${t(locale, 'privacy.recordIncidentHeading')}</h2>
!${incidentForm(
  locale,
  'new',
  newTyped?.values ?? incidentValues(null, zone),
  newTyped?.errors ?? {},
  `${base(id)}/incidents`,
  t(locale, 'privacy.recordIncident')
)}`
  })
}
