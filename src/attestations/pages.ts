import { html } from 'ghtml'
import type { Bilingual } from '../errors.js'
import type { EventSummary } from '../program/service.js'
import { layout } from '../views/layout.js'
import { colon, formatDateRange, formatStamp, LANGUAGE_TEXT, markup, periodAfter, t, textOf, type Locale, type TextKey } from '../views/i18n.js'
import type { Eligibility } from './eligibility.js'
import { bulkNotYet, formatDate, formatDateTime, formatHours, formatPercent, hoursText } from './format.js'
import type { AttestationView, MyAttestation, PolicyRow, RequestRow } from './issuance.js'
import type { AuditRow } from './decisions.js'
import { printedNameChanged } from './printed-name.js'
import { privacyNoticeLine } from '../views/privacy-notice.js'
import { organizerNav } from '../views/organizer-nav.js'
import { breadcrumbs, myPageCrumb } from '../views/breadcrumbs.js'

/** "2025-10-23 16:15" in the event's zone, for dense tables. */

/** Served as /assets/attestations.css: what these pages need beyond the site's stylesheet. */
export const attestationsCss = `
.field-error { color: #b00020; font-weight: 600; margin: 0; }
.row-form { margin: .25rem 0 .75rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
/* Hidden text positioned inside its cell, or the page widens past a scrolled table on a phone. */
table details { position: relative; }
dl.figures, dl.attestation { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dl.figures dd, dl.attestation dd { margin: 0; }
dl.figures dt, dl.attestation dt { font-weight: 600; }
.row-form input, .row-form select { max-width: 100%; }
@media (max-width: 36rem) { dl.figures, dl.attestation { grid-template-columns: 1fr; } dl.figures dd, dl.attestation dd { margin-bottom: .35rem; } }
`

const stylesheet = '<link rel="stylesheet" href="/assets/attestations.css">'

const uecText = (uec: number, locale: Locale): string => t(locale, 'attestations.uecValue', { uec: formatHours(uec, locale) })

// ---------------------------------------------------------------------------------------------
// A participant's page: /attestation
// ---------------------------------------------------------------------------------------------

export interface RequestFormValues { name: string, locale: string, employer: string, hrEmail: string }
export type RequestField = keyof RequestFormValues
export type FieldErrors<F extends string> = Partial<Record<F, Bilingual>>

export interface MyEventView {
  event: EventSummary
  mine: MyAttestation
  /** The form's values: what was typed (after a refusal) or what is known of the person. */
  values: RequestFormValues
  errors: FieldErrors<RequestField>
}

export interface MyAttestationsView {
  events: MyEventView[]
  now: Date
  notice: Bilingual | null
}

const REQUEST_STATUS_TEXT = {
  waiting: 'attestations.requestWaiting',
  review: 'attestations.requestReview',
  refused: 'attestations.requestRefused',
  issued: 'attestations.requestIssued'
} as const satisfies Record<string, TextKey>

/** A <time> element around the words a message marks with <time>…</time>. */
const timeTag = (date: Date) => (words: string): string => html`<time datetime="${date.toISOString()}">!${words}</time>`

/** The figures of the rule for one person: attended, total, required, and the rule's own sentence. */
function figures (locale: Locale, e: Eligibility, idPrefix: string): string {
  return html`<dl class="figures" aria-labelledby="${idPrefix}-figures">
<dt>${t(locale, 'attestations.hoursAttended')}</dt><dd>${hoursText(e.hoursAttended, locale)}</dd>
<dt>${t(locale, 'attestations.hoursScheduled')}</dt><dd>${hoursText(e.totalHours, locale)}</dd>
<dt>${t(locale, 'attestations.hoursRequired')}</dt><dd>${hoursText(e.hoursRequired, locale)}</dd>
</dl>
<p>${e.reason[locale]}</p>`
}

/** What became of the request, in one sentence (the date in the event's time zone). */
function requestState (locale: Locale, mine: MyAttestation, zone: string, now: Date): string {
  const r = mine.request
  if (r === null) return html`<p class="state">${t(locale, 'attestations.noRequestYet')}</p>`
  const label = (text: string): string => html`<strong>${text}</strong>${colon(locale)}`
  if (r.status === 'waiting') {
    const at = mine.decidesAt
    if (at !== null && at > now) {
      const on = formatDateTime(at, zone, locale, { weekday: true })
      return html`<p class="state">!${label(t(locale, REQUEST_STATUS_TEXT.waiting))} ` +
        html`!${markup(locale, 'attestations.stateWaiting', { when: on }, { time: timeTag(at) })}${periodAfter(on)}</p>`
    }
    return html`<p class="state">!${label(t(locale, 'attestations.requestProcessing'))} ${t(locale, 'attestations.stateProcessing')}</p>`
  }
  if (r.status === 'review') {
    const why = printedNameChanged(r.name_on_attestation, mine.nameOnRecord)
      ? t(locale, 'attestations.stateReviewName', { printed: r.name_on_attestation, recorded: mine.nameOnRecord })
      : t(locale, 'attestations.stateReview')
    return html`<p class="state">!${label(t(locale, REQUEST_STATUS_TEXT.review))} ${why}</p>`
  }
  if (r.status === 'refused') {
    return html`<div class="error-box state"><p><strong>${t(locale, REQUEST_STATUS_TEXT.refused)}</strong>!${r.decided_at !== null
      ? html` (<time datetime="${r.decided_at.toISOString()}">${formatDate(r.decided_at, zone, locale)}</time>)`
      : ''}${colon(locale)} ${r.decision_reason ?? ''}</p>
<p>${t(locale, 'attestations.stateRefusedAgain')}</p></div>`
  }
  if (mine.attestation === null) {
    const rv = mine.revoked
    const revoked = rv?.revokedAt != null
      ? markup(locale, 'attestations.stateRevokedOn', { date: formatDate(rv.revokedAt, zone, locale) }, { time: timeTag(rv.revokedAt) })
      : html`${t(locale, 'attestations.stateRevoked')}`
    return html`<div class="error-box state"><p>!${revoked}!${rv?.reason != null ? html`${colon(locale)} ${rv.reason}${periodAfter(rv.reason)}` : '.'}</p>
<p>${t(locale, 'attestations.stateRevokedAgain')}</p></div>`
  }
  return ''
}

/** The issued attestation: its code, figures, the PDF and where anyone can check it. */
function issued (locale: Locale, a: AttestationView, zone: string): string {
  const verifyPath = `/verify/${a.code}`
  const strong = (words: string): string => html`<strong>!${words}</strong>`
  return html`<div class="notice issued">
<p>!${markup(locale, a.issuedAutomatically ? 'attestations.issuedNotice' : 'attestations.issuedNoticeByOrganizers', {}, { strong })}</p>
<dl class="attestation">
<dt>${t(locale, 'attestations.namePrinted')}</dt><dd>${a.name}</dd>
<dt>${t(locale, 'attestations.verificationCode')}</dt><dd><code class="code" data-code="${a.code}">${a.groupedCode}</code></dd>
<dt>${t(locale, 'attestations.trainingHours')}</dt><dd>${hoursText(a.hours, locale)}</dd>
<dt>${t(locale, 'attestations.uecLong')}</dt><dd>${formatHours(a.uec, locale)}</dd>
<dt>${t(locale, 'attestations.language')}</dt><dd>${t(locale, LANGUAGE_TEXT[a.locale])}</dd>
<dt>${t(locale, 'attestations.issuedOn')}</dt><dd><time datetime="${a.issuedAt.toISOString()}">${formatDate(a.issuedAt, zone, locale)}</time></dd>
</dl>
<p><a class="button" href="/attestation/${a.id}/pdf?lang=${locale}" download>${t(locale, 'attestations.downloadPdf')}</a></p>
<p>${t(locale, 'attestations.employerCanCheck')}${colon(locale)}<br>
<a href="${verifyPath}?lang=${locale}">${t(locale, 'attestations.publicVerificationPage')}</a> — <code class="token">${a.verifyUrl}</code></p>
<p><a href="/attestations/${a.id}/credential.jwt" download>${t(locale, 'attestations.badgeLink')}</a> — ${t(locale, 'attestations.badgeHelp')}</p>
</div>`
}

function fieldError (id: string, error: Bilingual | undefined, locale: Locale): string {
  return error === undefined ? '' : html`<p id="${id}-error" class="field-error">${error[locale]}</p>`
}

/** Attributes for an input with (or without) its error message. */
const described = (id: string, error: Bilingual | undefined, help?: string): string => {
  const ids = [help, error !== undefined ? `${id}-error` : undefined].filter((x): x is string => x !== undefined)
  return (error !== undefined ? ' aria-invalid="true"' : '') + (ids.length > 0 ? html` aria-describedby="${ids.join(' ')}"` : '')
}

function requestForm (locale: Locale, view: MyEventView): string {
  const id = (field: string): string => `${field}-${view.event.id}`
  const v = view.values
  const e = view.errors
  const again = view.mine.request !== null
  const hasErrors = Object.keys(e).length > 0
  // Each language's name in that language (lang=…): a reader of the other one still finds theirs.
  return html`<form class="stack" method="post" action="/attestation/${view.event.id}?lang=${locale}" novalidate>
!${hasErrors ? html`<div class="error-box" role="alert" id="${id('errors')}" tabindex="-1"><p>${t(locale, 'attestations.formNotSent')}</p></div>` : ''}
<label for="${id('name')}">${t(locale, 'attestations.nameLabel')}</label>
<input id="${id('name')}" name="name" required maxlength="200" autocomplete="name" value="${v.name}"!${described(id('name'), e.name)}>
!${fieldError(id('name'), e.name, locale)}
<fieldset!${described(id('locale'), e.locale)}><legend>${t(locale, 'attestations.languageLegend')}</legend>
<label class="choice"><input type="radio" name="locale" value="fr"!${v.locale === 'fr' ? ' checked' : ''}> ` +
  html`<span lang="fr">${t('fr', LANGUAGE_TEXT.fr)}</span></label>
<label class="choice"><input type="radio" name="locale" value="en"!${v.locale === 'en' ? ' checked' : ''}> ` +
  html`<span lang="en">${t('en', LANGUAGE_TEXT.en)}</span></label>
</fieldset>
!${fieldError(id('locale'), e.locale, locale)}
<label for="${id('employer')}">${t(locale, 'attestations.employerLabel')}</label>
<input id="${id('employer')}" name="employer" maxlength="200" autocomplete="organization" value="${v.employer}"!${described(id('employer'), e.employer)}>
!${fieldError(id('employer'), e.employer, locale)}
<label for="${id('hrEmail')}">${t(locale, 'attestations.hrEmailLabel')}</label>
<input id="${id('hrEmail')}" name="hrEmail" type="email" maxlength="254" autocomplete="off" ` +
  html`value="${v.hrEmail}"!${described(id('hrEmail'), e.hrEmail, id('hrEmail-help'))}>
<p id="${id('hrEmail-help')}" class="muted">${t(locale, 'attestations.hrEmailHelp')}</p>
!${fieldError(id('hrEmail'), e.hrEmail, locale)}
<button type="submit">${t(locale, again ? 'attestations.updateRequest' : 'attestations.sendRequest')}</button>
</form>
!${privacyNoticeLine(locale)}`
}

function eventBlock (locale: Locale, view: MyEventView, now: Date): string {
  const { event, mine } = view
  const zone = event.timezone
  const h = `att-${event.id}`
  return html`<section aria-labelledby="${h}">
<h2 id="${h}">${event.title[locale]}</h2>
<p class="lead">${formatDateRange(event.startsOn, event.endsOn, locale)}${event.location !== null ? ` · ${event.location}` : ''}</p>
<h3 id="${h}-figures">${t(locale, 'attestations.yourAttendance')}</h3>
!${figures(locale, mine.eligibility, h)}
<h3>${t(locale, 'attestations.yourAttestation')}</h3>
!${requestState(locale, mine, zone, now)}
!${mine.attestation !== null ? issued(locale, mine.attestation, zone) : requestForm(locale, view)}
</section>`
}

export function myAttestationsPage (locale: Locale, view: MyAttestationsView, path: string): string {
  const title = t(locale, 'attestations.myTitle')
  return layout({
    locale,
    path,
    title,
    body: stylesheet + html`!${breadcrumbs(locale, [myPageCrumb(locale)])}
<h1>${title}</h1>
<p class="lead">${t(locale, 'attestations.myIntro')}</p>
!${view.notice !== null ? html`<div class="notice" role="status"><p>${view.notice[locale]}</p></div>` : ''}
!${view.events.length === 0
  ? html`<p>${t(locale, 'attestations.myNoEvent')}</p>`
  : view.events.map(e => eventBlock(locale, e, view.now)).join('\n')}`
  })
}

/** The attestation part of /moi. */
export function myPageAttestationSection (locale: Locale): string {
  return html`<section aria-labelledby="my-attestation">
<h2 id="my-attestation">${t(locale, 'common.attestation')}</h2>
<p>${t(locale, 'attestations.mySectionText')}</p>
<p><a href="/attestation?lang=${locale}">${t(locale, 'attestations.myTitle')}</a></p>
</section>`
}

// ---------------------------------------------------------------------------------------------
// Organizers: /organisateurs/attestations/:eventId
// ---------------------------------------------------------------------------------------------

export interface QueueItem { request: RequestRow & { display_name: string, email: string | null }, eligibility: Eligibility }
export type AuditEntry = Omit<AuditRow, 'details'>

export interface PolicyFormValues { minPercent: string, excusedCounts: string, autoIssue: string }

/** A form of the page that was refused: which one, what was typed, and why (per field). */
export interface OrganizerFormError {
  /** e.g. `policy`, `refuse:<requestId>`, `revoke:<attestationId>`. */
  form: string
  values: Record<string, string>
  errors: Record<string, Bilingual>
}

export interface OrganizerAttestationsView {
  event: EventSummary
  policy: PolicyRow
  queue: QueueItem[]
  attestations: AttestationView[]
  audit: AuditEntry[]
  /** Null once bulk generation is open (the last counted slot has ended). */
  bulkOpensAt: Date | null
  notice: Bilingual | null
  formError: OrganizerFormError | null
}

const ATTESTATION_STATUS_TEXT = {
  valid: 'attestations.statusValid',
  revoked: 'attestations.statusRevoked',
  superseded: 'attestations.statusSuperseded'
} as const satisfies Record<AttestationView['status'], TextKey>

const AUDIT_TEXT = {
  requested: 'attestations.auditRequested',
  queued_for_review: 'attestations.auditQueued',
  issued_automatically: 'attestations.auditIssuedAutomatically',
  issued: 'attestations.auditIssued',
  reissued: 'attestations.auditReissued',
  refused: 'attestations.auditRefused',
  revoked: 'attestations.auditRevoked',
  policy_changed: 'attestations.auditPolicyChanged'
} as const satisfies Record<string, TextKey>

export const policyValues = (p: PolicyRow): PolicyFormValues => ({
  minPercent: String(Math.round(p.min_share * 10000) / 100),
  excusedCounts: p.excused_counts ? 'yes' : 'no',
  autoIssue: p.auto_issue ? 'yes' : 'no'
})

function policyForm (locale: Locale, view: OrganizerAttestationsView): string {
  const err = view.formError?.form === 'policy' ? view.formError : null
  const v: PolicyFormValues = err !== null ? { ...policyValues(view.policy), ...err.values } : policyValues(view.policy)
  const e = err?.errors ?? {}
  const yesNo = (name: keyof PolicyFormValues, legend: string, yes: string, no: string): string => html`<fieldset><legend>${legend}</legend>
<label class="choice"><input type="radio" name="${name}" value="yes"!${v[name] === 'yes' ? ' checked' : ''}> ${yes}</label>
<label class="choice"><input type="radio" name="${name}" value="no"!${v[name] !== 'yes' ? ' checked' : ''}> ${no}</label>
</fieldset>`
  return html`<form class="stack" method="post" action="/organisateurs/attestations/${view.event.id}/politique?lang=${locale}" novalidate>
!${err !== null ? html`<div class="error-box" role="alert"><p>${t(locale, 'attestations.nothingSaved')}</p></div>` : ''}
<label for="minPercent">${t(locale, 'attestations.minPercentLabel')}</label>
<input id="minPercent" name="minPercent" inputmode="decimal" required value="${v.minPercent}"!${described('minPercent', e.minPercent, 'minPercent-help')}>
<p id="minPercent-help" class="muted">${t(locale, 'attestations.minPercentHelp')}</p>
!${fieldError('minPercent', e.minPercent, locale)}
!${yesNo('excusedCounts', t(locale, 'attestations.excusedCountsQuestion'), t(locale, 'attestations.yes'), t(locale, 'attestations.no'))}
!${yesNo('autoIssue', t(locale, 'attestations.autoIssueQuestion'), t(locale, 'attestations.yes'), t(locale, 'attestations.noReviewQueue'))}
<button type="submit">${t(locale, 'attestations.saveRule')}</button>
</form>`
}

/** A small form of a table row, with its error (when it was the one refused) next to its fields. */
function rowForm (locale: Locale, view: OrganizerAttestationsView, options: {
  key: string
  action: string
  label: string
  who: string
  fields: Array<{ name: string, label: string, required: boolean, kind?: 'text' | 'locale' }>
}): string {
  const err = view.formError?.form === options.key ? view.formError : null
  const slug = options.key.replace(/[^a-z0-9-]/gi, '-')
  return html`<form class="stack row-form" method="post" action="${options.action}?lang=${locale}" novalidate>
<input type="hidden" name="eventId" value="${view.event.id}">
!${options.fields.map(f => {
  const id = `${slug}-${f.name}`
  const error = err?.errors[f.name]
  const value = err?.values[f.name] ?? ''
  if (f.kind === 'locale') {
    return html`<label for="${id}">${f.label}</label>
<select id="${id}" name="${f.name}"!${described(id, error)}>
<option value=""!${value === '' ? ' selected' : ''}>${t(locale, 'attestations.languageUnchanged')}</option>
<option value="fr"!${value === 'fr' ? ' selected' : ''}>${t(locale, LANGUAGE_TEXT.fr)}</option>
<option value="en"!${value === 'en' ? ' selected' : ''}>${t(locale, LANGUAGE_TEXT.en)}</option>
</select>
!${fieldError(id, error, locale)}`
  }
  return html`<label for="${id}">${f.label}</label>
<input id="${id}" name="${f.name}" maxlength="${f.name === 'name' ? 200 : 1000}"!${f.required ? ' required' : ''} value="${value}"!${described(id, error)}>
!${fieldError(id, error, locale)}`
})}
<button type="submit" aria-label="${options.label} — ${options.who}">${options.label}</button>
</form>`
}

// The tables scroll sideways on a phone: tabindex="0" lets a keyboard scroll them too.
function queueSection (locale: Locale, view: OrganizerAttestationsView): string {
  const zone = view.event.timezone
  if (view.queue.length === 0) return html`<p>${t(locale, 'attestations.queueEmpty')}</p>`
  return html`<table class="queue" tabindex="0">
<caption>${t(locale, 'attestations.queueCaption')}</caption>
<thead><tr><th scope="col">${t(locale, 'attestations.colPerson')}</th><th scope="col">${t(locale, 'attestations.colHoursRequired')}</th>` +
  html`<th scope="col">${t(locale, 'attestations.colReason')}</th><th scope="col">${t(locale, 'attestations.colRequest')}</th>` +
  html`<th scope="col">${t(locale, 'attestations.colDecision')}</th></tr></thead>
<tbody>!${view.queue.map(({ request: r, eligibility: e }) => html`<tr>
<th scope="row">${r.display_name}!${printedNameChanged(r.name_on_attestation, r.display_name)
  ? html`<br><span class="name-change"><strong>${t(locale, 'attestations.namePrintedDiffers')}</strong>${colon(locale)} ${r.name_on_attestation}<br>` +
    html`<span class="muted">${t(locale, 'attestations.nameOnRecord')}${colon(locale)} ${r.display_name}</span></span>`
  : ''}</th>
<td>${hoursText(e.hoursAttended, locale)} / ${hoursText(e.hoursRequired, locale)} (${formatPercent(e.share, locale)})</td>
<td>${e.reason[locale]}</td>
<td><time datetime="${r.created_at.toISOString()}">${formatStamp(r.created_at, locale, zone)}</time>` +
  html`<br>${textOf(locale, REQUEST_STATUS_TEXT, r.status)}!${r.status === 'refused' && r.decision_reason !== null
    ? html`${colon(locale)} ${r.decision_reason}`
    : ''}<br>${r.locale.toUpperCase()}</td>
<td>
!${rowForm(locale, view, {
  key: `approve:${r.id}`,
  action: `/organisateurs/attestations/demandes/${r.id}/approbation`,
  label: t(locale, 'attestations.issue'),
  who: r.display_name,
  fields: [{ name: 'note', label: t(locale, 'attestations.noteOptional'), required: false }]
})}
!${r.status !== 'refused'
  ? rowForm(locale, view, {
    key: `refuse:${r.id}`,
    action: `/organisateurs/attestations/demandes/${r.id}/refus`,
    label: t(locale, 'attestations.refuse'),
    who: r.display_name,
    fields: [{ name: 'reason', label: t(locale, 'attestations.refusalReason'), required: true }]
  })
  : ''}
</td>
</tr>`)}</tbody>
</table>`
}

function attestationsSection (locale: Locale, view: OrganizerAttestationsView): string {
  const zone = view.event.timezone
  if (view.attestations.length === 0) return html`<p>${t(locale, 'attestations.attestationsEmpty')}</p>`
  const issuer = new Map<string, string | null>()
  for (const a of view.audit) {
    if (a.attestation_id !== null && (a.action === 'issued' || a.action === 'reissued' || a.action === 'issued_automatically')) {
      issuer.set(a.attestation_id, a.actor_name)
    }
  }
  const code = (words: string): string => html`<code>!${words}</code>`
  const pdf = t(locale, 'attestations.formatPdf')
  return html`<table class="attestations" tabindex="0">
<caption>${t(locale, 'attestations.attestationsIssued')}</caption>
<thead><tr><th scope="col">${t(locale, 'attestations.namePrinted')}</th><th scope="col">${t(locale, 'attestations.colCode')}</th>` +
  html`<th scope="col">${t(locale, 'attestations.colStatus')}</th><th scope="col">${t(locale, 'attestations.colHours')}</th>` +
  html`<th scope="col">${t(locale, 'attestations.colIssued')}</th><th scope="col">${t(locale, 'common.actions')}</th></tr></thead>
<tbody>!${view.attestations.map(a => {
  const name = issuer.get(a.id)
  const by = a.issuedAutomatically
    ? t(locale, 'attestations.issuedAutomatically')
    : name != null ? t(locale, 'attestations.issuedBy', { name }) : t(locale, 'attestations.issuedByOrganizers')
  const status = a.status === 'revoked'
    ? html`${t(locale, ATTESTATION_STATUS_TEXT.revoked)}!${a.revokedAt !== null
      ? html` (<time datetime="${a.revokedAt.toISOString()}">${formatStamp(a.revokedAt, locale, zone)}</time>)`
      : ''}${colon(locale)} ${a.revocationReason ?? ''}`
    : a.status === 'superseded' && a.supersededByCode !== null
      ? markup(locale, 'attestations.statusSupersededBy', { newCode: a.supersededByCode }, { code })
      : html`${t(locale, ATTESTATION_STATUS_TEXT[a.status])}`
  return html`<tr data-attestation="${a.id}">
<th scope="row">${a.name}<br><span class="muted">${a.locale.toUpperCase()}</span></th>
<td><code>${a.groupedCode}</code><br><a href="/verify/${a.code}?lang=${locale}">${t(locale, 'attestations.verificationLink')}</a> · ` +
  html`<a href="/attestation/${a.id}/pdf" download aria-label="${pdf} — ${a.name}">${pdf}</a></td>
<td>!${status}</td>
<td>${hoursText(a.hours, locale)}<br>${uecText(a.uec, locale)}</td>
<td><time datetime="${a.issuedAt.toISOString()}">${formatStamp(a.issuedAt, locale, zone)}</time><br>${by}</td>
<td>!${a.status === 'valid'
  ? html`<details!${view.formError?.form === `revoke:${a.id}` ? ' open' : ''}>` +
    html`<summary>${t(locale, 'attestations.revoke')}<span class="visually-hidden"> — ${a.name}</span></summary>
!${rowForm(locale, view, {
  key: `revoke:${a.id}`,
  action: `/organisateurs/attestations/${a.id}/revocation`,
  label: t(locale, 'attestations.revoke'),
  who: a.name,
  fields: [{ name: 'reason', label: t(locale, 'attestations.revokeReason'), required: true }]
})}
</details>
<details!${view.formError?.form === `reissue:${a.id}` ? ' open' : ''}>` +
  html`<summary>${t(locale, 'attestations.reissue')}<span class="visually-hidden"> — ${a.name}</span></summary>
!${rowForm(locale, view, {
  key: `reissue:${a.id}`,
  action: `/organisateurs/attestations/${a.id}/reemission`,
  label: t(locale, 'attestations.reissue'),
  who: a.name,
  fields: [
    { name: 'reason', label: t(locale, 'attestations.colReason'), required: true },
    { name: 'name', label: t(locale, 'attestations.correctedName'), required: false },
    { name: 'locale', label: t(locale, 'attestations.language'), required: false, kind: 'locale' }
  ]
})}
</details>`
  : ''}</td>
</tr>`
})}</tbody>
</table>`
}

function auditSection (locale: Locale, view: OrganizerAttestationsView): string {
  const zone = view.event.timezone
  if (view.audit.length === 0) return html`<p>${t(locale, 'attestations.logEmpty')}</p>`
  // Whom an entry is about: the attestation's printed name, else the request's person.
  const names = new Map<string, string>()
  for (const a of view.attestations) names.set(a.id, a.name)
  for (const q of view.queue) names.set(q.request.id, q.request.display_name)
  for (const a of view.audit) {
    if (a.request_id !== null && a.attestation_id !== null && !names.has(a.request_id)) {
      const name = names.get(a.attestation_id)
      if (name !== undefined) names.set(a.request_id, name)
    }
  }
  const about = (a: AuditEntry): string =>
    (a.attestation_id !== null ? names.get(a.attestation_id) : undefined) ?? (a.request_id !== null ? names.get(a.request_id) : undefined) ?? '—'
  return html`<table class="audit" tabindex="0">
<caption>${t(locale, 'attestations.logCaption')}</caption>
<thead><tr><th scope="col">${t(locale, 'attestations.colDateIn', { zone })}</th><th scope="col">${t(locale, 'attestations.colAction')}</th>` +
  html`<th scope="col">${t(locale, 'attestations.colAbout')}</th><th scope="col">${t(locale, 'attestations.colBy')}</th>` +
  html`<th scope="col">${t(locale, 'attestations.colReason')}</th></tr></thead>
<tbody>!${view.audit.map(a => html`<tr><td><time datetime="${a.at.toISOString()}">${formatStamp(a.at, locale, zone)}</time></td>` +
  html`<td>${textOf(locale, AUDIT_TEXT, a.action)}</td><td>${a.action === 'policy_changed' ? '—' : about(a)}</td>` +
  html`<td>${a.actor_name ?? t(locale, 'common.appName')}</td><td>${a.reason ?? ''}</td></tr>`)}</tbody>
</table>`
}

export function organizerAttestationsPage (locale: Locale, view: OrganizerAttestationsView, path: string): string {
  const title = t(locale, 'attestations.organizerTitle')
  const eligible = view.queue.filter(q => q.eligibility.eligible).length
  const policy = view.policy
  return layout({
    locale,
    path,
    title: `${title} — ${view.event.title[locale]}`,
    body: stylesheet + html`!${organizerNav(locale, view.event.id, 'attestations')}<h1>${title}</h1>
<p class="lead">${view.event.title[locale]} · ${formatDateRange(view.event.startsOn, view.event.endsOn, locale)}</p>
!${view.notice !== null ? html`<div class="notice" role="status"><p>${view.notice[locale]}</p></div>` : ''}
!${view.formError !== null
  ? html`<div class="error-box" role="alert"><p>${view.formError.errors.form !== undefined
    ? `${t(locale, 'attestations.nothingSavedBecause')}${colon(locale)} ${view.formError.errors.form[locale]}`
    : t(locale, 'attestations.nothingSavedSeeForm')}</p></div>`
  : ''}

<section aria-labelledby="rule">
<h2 id="rule">${t(locale, 'attestations.ruleHeading')}</h2>
<p>${t(locale, 'attestations.ruleSummary', {
  share: formatPercent(policy.min_share, locale),
  excusedCounts: policy.excused_counts ? 'yes' : 'no',
  autoIssue: policy.auto_issue ? 'yes' : 'no'
})}</p>
!${policyForm(locale, view)}
</section>

<section aria-labelledby="queue">
<h2 id="queue">${t(locale, 'attestations.queueHeading')}</h2>
!${queueSection(locale, view)}
</section>

<section aria-labelledby="bulk">
<h2 id="bulk">${t(locale, 'attestations.bulkHeading')}</h2>
<p>${t(locale, 'attestations.bulkText')}!${eligible > 0 && view.bulkOpensAt === null
  ? html` ${t(locale, 'attestations.bulkEligible', { count: eligible })}`
  : ''}</p>
!${view.bulkOpensAt !== null
  ? html`<p class="notice" id="bulk-not-yet">${bulkNotYet(view.bulkOpensAt, view.event.timezone, locale)}</p>
<p><button type="button" disabled aria-describedby="bulk-not-yet">${t(locale, 'attestations.bulkButton')}</button></p>`
  : html`<form method="post" action="/organisateurs/attestations/${view.event.id}/generation?lang=${locale}">
<button type="submit">${t(locale, 'attestations.bulkButton')}</button>
</form>`}
</section>

<section aria-labelledby="issued">
<h2 id="issued">${t(locale, 'attestations.attestationsIssued')}</h2>
!${attestationsSection(locale, view)}
</section>

<section aria-labelledby="audit">
<h2 id="audit">${t(locale, 'attestations.logHeading')}</h2>
!${auditSection(locale, view)}
</section>`
  })
}
