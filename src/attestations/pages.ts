import { html } from 'ghtml'
import { DateTime } from 'luxon'
import type { Bilingual } from '../errors.js'
import type { EventSummary } from '../program/service.js'
import { layout } from '../views/layout.js'
import { colon, formatDateRange, periodAfter, type Locale } from '../views/i18n.js'
import type { Eligibility } from './eligibility.js'
import type { AttestationView, MyAttestation, PolicyRow, RequestRow } from './service.js'
import { printedNameChanged } from './printed-name.js'
import { privacyNoticeLine } from '../privacy/pages.js'

const luxonLocale = (locale: Locale): string => locale === 'fr' ? 'fr-CA' : 'en-CA'

/** "jeudi 23 octobre 2025 à 16 h 15" / "Thursday, October 23, 2025 at 4:15 p.m." in the event's zone. */
export function when (date: Date, zone: string, locale: Locale): string {
  const dt = DateTime.fromJSDate(date, { zone }).setLocale(luxonLocale(locale))
  return locale === 'fr' ? dt.toFormat("cccc d LLLL yyyy 'à' H'\u00a0h\u00a0'mm") : dt.toFormat("cccc, LLLL d, yyyy 'at' h:mm\u00a0a")
}

/** "23 octobre 2025" / "October 23, 2025" in the event's zone. */
export function day (date: Date, zone: string, locale: Locale): string {
  const dt = DateTime.fromJSDate(date, { zone }).setLocale(luxonLocale(locale))
  return locale === 'fr' ? dt.toFormat('d LLLL yyyy') : dt.toFormat('LLLL d, yyyy')
}

/** "2025-10-23 16:15" in the event's zone, for dense tables. */
const stamp = (date: Date, zone: string): string => DateTime.fromJSDate(date, { zone }).toFormat('yyyy-LL-dd HH:mm')

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

export const number = (n: number, locale: Locale): string => new Intl.NumberFormat(luxonLocale(locale), { maximumFractionDigits: 2 }).format(n)
const hours = (n: number, locale: Locale): string => `${number(n, locale)}\u00a0h`
const percent = (share: number, locale: Locale): string => `${number(share * 100, locale)}${locale === 'fr' ? '\u00a0%' : '%'}`

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

const requestStatusLabel: Record<string, Bilingual> = {
  waiting: { fr: 'En attente de la fin de l\'événement', en: 'Waiting for the end of the event' },
  review: { fr: 'En examen par l\'équipe d\'organisation', en: 'Being reviewed by the organizers' },
  refused: { fr: 'Refusée', en: 'Refused' },
  issued: { fr: 'Délivrée', en: 'Issued' }
}

/** The figures of the rule for one person: attended, total, required, and the rule's own sentence. */
function figures (locale: Locale, e: Eligibility, idPrefix: string): string {
  const fr = locale === 'fr'
  return html`<dl class="figures" aria-labelledby="${idPrefix}-figures">
<dt>${fr ? 'Heures de présence' : 'Hours attended'}</dt><dd>${hours(e.hoursAttended, locale)}</dd>
<dt>${fr ? 'Heures en présentiel prévues' : 'In-person hours scheduled'}</dt><dd>${hours(e.totalHours, locale)}</dd>
<dt>${fr ? 'Heures requises' : 'Hours required'}</dt><dd>${hours(e.hoursRequired, locale)}</dd>
</dl>
<p>${e.reason[locale]}</p>`
}

/** What became of the request, in one sentence (the date in the event's time zone). */
function requestState (locale: Locale, mine: MyAttestation, zone: string, now: Date): string {
  const fr = locale === 'fr'
  const r = mine.request
  if (r === null) return html`<p class="state">${fr ? 'Aucune demande pour l\'instant.' : 'No request yet.'}</p>`
  if (r.status === 'waiting') {
    const at = mine.decidesAt
    const on = at !== null && at > now ? when(at, zone, locale) : undefined
    return at !== null && on !== undefined
      ? html`<p class="state"><strong>${requestStatusLabel.waiting![locale]}</strong>${colon(locale)} ${fr ? 'votre demande sera traitée après la fin du dernier créneau, le' : 'your request will be decided after the last time slot ends, on'} <time datetime="${at.toISOString()}">${on}</time>${periodAfter(on)}</p>`
      : html`<p class="state"><strong>${fr ? 'En traitement' : 'Being processed'}</strong>${colon(locale)} ${fr ? 'l\'événement est terminé ; votre demande sera traitée sous peu.' : 'the event is over; your request will be decided shortly.'}</p>`
  }
  if (r.status === 'review') {
    if (printedNameChanged(r.name_on_attestation, mine.nameOnRecord)) {
      return html`<p class="state"><strong>${requestStatusLabel.review![locale]}</strong>${colon(locale)} ${fr
        ? `le nom à imprimer (« ${r.name_on_attestation} ») diffère du nom à votre dossier (« ${mine.nameOnRecord} ») ; une personne de l'organisation le vérifiera avant de délivrer l'attestation.`
        : `the name to print ("${r.name_on_attestation}") differs from the name on your record ("${mine.nameOnRecord}"); an organizer will check it before issuing the attestation.`}</p>`
    }
    return html`<p class="state"><strong>${requestStatusLabel.review![locale]}</strong>${colon(locale)} ${fr ? 'vos heures n\'atteignent pas le minimum ou la délivrance automatique est désactivée ; une personne de l\'organisation décidera.' : 'your hours are under the minimum or automatic issue is off; an organizer will decide.'}</p>`
  }
  if (r.status === 'refused') {
    return html`<div class="error-box state"><p><strong>${requestStatusLabel.refused![locale]}</strong>!${r.decided_at !== null ? html` (<time datetime="${r.decided_at.toISOString()}">${day(r.decided_at, zone, locale)}</time>)` : ''}${colon(locale)} ${r.decision_reason ?? ''}</p>
<p>${fr ? 'Vous pouvez corriger votre demande et l\'envoyer de nouveau : elle retournera à l\'équipe d\'organisation.' : 'You may correct your request and send it again: it goes back to the organizers.'}</p></div>`
  }
  if (mine.attestation === null) {
    const rv = mine.revoked
    return html`<div class="error-box state"><p>${fr ? 'Votre attestation n\'est plus valide (elle a été révoquée' : 'Your attestation is no longer valid (it was revoked'}!${rv?.revokedAt != null ? html` ${fr ? 'le' : 'on'} <time datetime="${rv.revokedAt.toISOString()}">${day(rv.revokedAt, zone, locale)}</time>` : ''})!${rv?.reason != null ? html`${colon(locale)} ${rv.reason}` : ''}.</p>
<p>${fr ? 'Vous pouvez envoyer une nouvelle demande : l\'équipe d\'organisation l\'examinera.' : 'You may send a new request: the organizers will review it.'}</p></div>`
  }
  return ''
}

/** The issued attestation: its code, figures, the PDF and where anyone can check it. */
function issued (locale: Locale, a: AttestationView, zone: string): string {
  const fr = locale === 'fr'
  const verifyPath = `/verify/${a.code}`
  return html`<div class="notice issued">
<p><strong>${fr ? 'Attestation délivrée' : 'Attestation issued'}</strong>${a.issuedAutomatically ? '' : (fr ? ' par l\'équipe d\'organisation' : ' by the organizers')}.</p>
<dl class="attestation">
<dt>${fr ? 'Nom inscrit' : 'Name printed'}</dt><dd>${a.name}</dd>
<dt>${fr ? 'Code de vérification' : 'Verification code'}</dt><dd><code class="code" data-code="${a.code}">${a.groupedCode}</code></dd>
<dt>${fr ? 'Heures de formation' : 'Training hours'}</dt><dd>${hours(a.hours, locale)}</dd>
<dt>${fr ? 'Unités d\'éducation continue (UEC)' : 'Continuing education units (CEU)'}</dt><dd>${number(a.uec, locale)}</dd>
<dt>${fr ? 'Langue' : 'Language'}</dt><dd>${a.locale === 'fr' ? (fr ? 'Français' : 'French') : (fr ? 'Anglais' : 'English')}</dd>
<dt>${fr ? 'Date de délivrance' : 'Issued on'}</dt><dd><time datetime="${a.issuedAt.toISOString()}">${day(a.issuedAt, zone, locale)}</time></dd>
</dl>
<p><a class="button" href="/attestation/${a.id}/pdf?lang=${locale}" download>${fr ? 'Télécharger le PDF' : 'Download the PDF'}</a></p>
<p>${fr ? 'Votre employeur peut en vérifier l\'authenticité à cette adresse' : 'Your employer can check that it is genuine at this address'}${colon(locale)}<br>
<a href="${verifyPath}?lang=${locale}">${fr ? 'Page de vérification publique' : 'Public verification page'}</a> — <code class="token">${a.verifyUrl}</code></p>
<p><a href="/attestations/${a.id}/credential.jwt" download>Open Badges 3.0 (VC-JWT)</a> — ${fr ? 'la même attestation sous forme de badge numérique vérifiable, pour votre portefeuille de badges.' : 'the same attestation as a verifiable digital badge, for your badge wallet.'}</p>
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
  const fr = locale === 'fr'
  const id = (field: string): string => `${field}-${view.event.id}`
  const v = view.values
  const e = view.errors
  const again = view.mine.request !== null
  const hasErrors = Object.keys(e).length > 0
  return html`<form class="stack" method="post" action="/attestation/${view.event.id}?lang=${locale}" novalidate>
!${hasErrors ? html`<div class="error-box" role="alert" id="${id('errors')}" tabindex="-1"><p>${fr ? 'Votre demande n\'a pas été envoyée : corrigez les champs indiqués.' : 'Your request was not sent: correct the fields shown.'}</p></div>` : ''}
<label for="${id('name')}">${fr ? 'Nom tel qu\'il doit paraître sur l\'attestation' : 'Name as it should appear on the attestation'}</label>
<input id="${id('name')}" name="name" required maxlength="200" autocomplete="name" value="${v.name}"!${described(id('name'), e.name)}>
!${fieldError(id('name'), e.name, locale)}
<fieldset!${described(id('locale'), e.locale)}><legend>${fr ? 'Langue de l\'attestation' : 'Language of the attestation'}</legend>
<label class="choice"><input type="radio" name="locale" value="fr"!${v.locale === 'fr' ? ' checked' : ''}> <span lang="fr">Français</span></label>
<label class="choice"><input type="radio" name="locale" value="en"!${v.locale === 'en' ? ' checked' : ''}> <span lang="en">English</span></label>
</fieldset>
!${fieldError(id('locale'), e.locale, locale)}
<label for="${id('employer')}">${fr ? 'Employeur (facultatif)' : 'Employer (optional)'}</label>
<input id="${id('employer')}" name="employer" maxlength="200" autocomplete="organization" value="${v.employer}"!${described(id('employer'), e.employer)}>
!${fieldError(id('employer'), e.employer, locale)}
<label for="${id('hrEmail')}">${fr ? 'Courriel des ressources humaines à mettre en copie (facultatif)' : 'Human resources email to copy (optional)'}</label>
<input id="${id('hrEmail')}" name="hrEmail" type="email" maxlength="254" autocomplete="off" value="${v.hrEmail}"!${described(id('hrEmail'), e.hrEmail, id('hrEmail-help'))}>
<p id="${id('hrEmail-help')}" class="muted">${fr ? 'Une copie de l\'attestation lui sera envoyée à sa délivrance.' : 'A copy of the attestation is sent there when it is issued.'}</p>
!${fieldError(id('hrEmail'), e.hrEmail, locale)}
<button type="submit">${again ? (fr ? 'Mettre à jour ma demande' : 'Update my request') : (fr ? 'Demander mon attestation' : 'Request my attestation')}</button>
</form>
!${privacyNoticeLine(locale)}`
}

function eventBlock (locale: Locale, view: MyEventView, now: Date): string {
  const fr = locale === 'fr'
  const { event, mine } = view
  const zone = event.timezone
  const h = `att-${event.id}`
  return html`<section aria-labelledby="${h}">
<h2 id="${h}">${event.title[locale]}</h2>
<p class="lead">${formatDateRange(event.startsOn, event.endsOn, locale)}${event.location !== null ? ` · ${event.location}` : ''}</p>
<h3 id="${h}-figures">${fr ? 'Votre présence' : 'Your attendance'}</h3>
!${figures(locale, mine.eligibility, h)}
<h3>${fr ? 'Votre attestation' : 'Your attestation'}</h3>
!${requestState(locale, mine, zone, now)}
!${mine.attestation !== null ? issued(locale, mine.attestation, zone) : requestForm(locale, view)}
</section>`
}

export function myAttestationsPage (locale: Locale, view: MyAttestationsView, path: string): string {
  const fr = locale === 'fr'
  const title = fr ? 'Mon attestation de formation' : 'My training attestation'
  return layout({
    locale,
    path,
    title,
    body: stylesheet + html`<h1>${title}</h1>
<p class="lead">${fr
  ? 'L\'attestation indique les heures de formation en présentiel auxquelles vous avez assisté. Elle est délivrée après le dernier créneau de l\'événement, automatiquement si vous avez atteint le minimum d\'heures et que le nom à imprimer est celui de votre dossier, sinon après examen par l\'équipe d\'organisation.'
  : 'The attestation states the in-person training hours you attended. It is issued after the event\'s last time slot: automatically when you reached the minimum hours and the name to print is the one on your record, otherwise after the organizers review it.'}</p>
!${view.notice !== null ? html`<div class="notice" role="status"><p>${view.notice[locale]}</p></div>` : ''}
!${view.events.length === 0
  ? html`<p>${fr ? 'Vous n\'êtes inscrit·e à aucun événement qui donne droit à une attestation.' : 'You are not registered for any event that gives an attestation.'}</p>`
  : view.events.map(e => eventBlock(locale, e, view.now)).join('\n')}
<p><a href="/moi?lang=${locale}">${fr ? 'Retour à ma page' : 'Back to my page'}</a></p>`
  })
}

/** The attestation part of /moi. */
export function myPageAttestationSection (locale: Locale): string {
  const fr = locale === 'fr'
  return html`<section aria-labelledby="my-attestation">
<h2 id="my-attestation">${fr ? 'Attestation de formation' : 'Training attestation'}</h2>
<p>${fr ? 'Vos heures de présence, votre demande d\'attestation et le PDF une fois délivré.' : 'Your attendance hours, your attestation request and the PDF once issued.'}</p>
<p><a href="/attestation?lang=${locale}">${fr ? 'Mon attestation de formation' : 'My training attestation'}</a></p>
</section>`
}

// ---------------------------------------------------------------------------------------------
// Organizers: /organisateurs/attestations/:eventId
// ---------------------------------------------------------------------------------------------

export interface QueueItem { request: RequestRow & { display_name: string, email: string | null }, eligibility: Eligibility }
export interface AuditEntry { action: string, reason: string | null, actor_name: string | null, at: Date, attestation_id: string | null, request_id: string | null }

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
  notice: Bilingual | null
  formError: OrganizerFormError | null
}

const attestationStatus: Record<string, Bilingual> = {
  valid: { fr: 'Valide', en: 'Valid' },
  revoked: { fr: 'Révoquée', en: 'Revoked' },
  superseded: { fr: 'Remplacée', en: 'Superseded' }
}

const auditActions: Record<string, Bilingual> = {
  requested: { fr: 'Demande envoyée', en: 'Request sent' },
  queued_for_review: { fr: 'Mise en examen', en: 'Queued for review' },
  issued_automatically: { fr: 'Délivrée automatiquement', en: 'Issued automatically' },
  issued: { fr: 'Délivrée', en: 'Issued' },
  reissued: { fr: 'Réémise', en: 'Re-issued' },
  refused: { fr: 'Refusée', en: 'Refused' },
  revoked: { fr: 'Révoquée', en: 'Revoked' },
  policy_changed: { fr: 'Règle d\'admissibilité modifiée', en: 'Eligibility rule changed' }
}

export const policyValues = (p: PolicyRow): PolicyFormValues => ({
  minPercent: String(Math.round(p.min_share * 10000) / 100),
  excusedCounts: p.excused_counts ? 'yes' : 'no',
  autoIssue: p.auto_issue ? 'yes' : 'no'
})

function policyForm (locale: Locale, view: OrganizerAttestationsView): string {
  const fr = locale === 'fr'
  const err = view.formError?.form === 'policy' ? view.formError : null
  const v: PolicyFormValues = err !== null ? { ...policyValues(view.policy), ...err.values } : policyValues(view.policy)
  const e = err?.errors ?? {}
  const yesNo = (name: keyof PolicyFormValues, legend: string, yes: string, no: string): string => html`<fieldset><legend>${legend}</legend>
<label class="choice"><input type="radio" name="${name}" value="yes"!${v[name] === 'yes' ? ' checked' : ''}> ${yes}</label>
<label class="choice"><input type="radio" name="${name}" value="no"!${v[name] !== 'yes' ? ' checked' : ''}> ${no}</label>
</fieldset>`
  return html`<form class="stack" method="post" action="/organisateurs/attestations/${view.event.id}/politique?lang=${locale}" novalidate>
!${err !== null ? html`<div class="error-box" role="alert"><p>${fr ? 'Rien n\'a été enregistré.' : 'Nothing was saved.'}</p></div>` : ''}
<label for="minPercent">${fr ? 'Part minimale des heures en présentiel (en %, de 0 à 100)' : 'Minimum share of the in-person hours (in %, 0 to 100)'}</label>
<input id="minPercent" name="minPercent" inputmode="decimal" required value="${v.minPercent}"!${described('minPercent', e.minPercent, 'minPercent-help')}>
<p id="minPercent-help" class="muted">${fr ? 'Par exemple 75 pour 75 %.' : 'For example 75 for 75%.'}</p>
!${fieldError('minPercent', e.minPercent, locale)}
!${yesNo('excusedCounts', fr ? 'Les absences justifiées comptent-elles pour l\'admissibilité ? (Elles n\'ajoutent jamais d\'heures à l\'attestation.)' : 'Do excused absences count toward eligibility? (They never add hours to the attestation.)', fr ? 'Oui' : 'Yes', fr ? 'Non' : 'No')}
!${yesNo('autoIssue', fr ? 'Délivrer automatiquement les demandes admissibles après le dernier créneau ?' : 'Issue eligible requests automatically after the last time slot?', fr ? 'Oui' : 'Yes', fr ? 'Non, tout passe par la file d\'examen' : 'No, everything goes to the review queue')}
<button type="submit">${fr ? 'Enregistrer la règle' : 'Save the rule'}</button>
</form>`
}

/** A small form of a table row, with its error (when it was the one refused) next to its fields. */
function rowForm (locale: Locale, view: OrganizerAttestationsView, options: { key: string, action: string, label: string, who: string, fields: Array<{ name: string, label: string, required: boolean, kind?: 'text' | 'locale' }> }): string {
  const fr = locale === 'fr'
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
<option value=""!${value === '' ? ' selected' : ''}>${fr ? 'Inchangée' : 'Unchanged'}</option>
<option value="fr"!${value === 'fr' ? ' selected' : ''}>${fr ? 'Français' : 'French'}</option>
<option value="en"!${value === 'en' ? ' selected' : ''}>${fr ? 'Anglais' : 'English'}</option>
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
  const fr = locale === 'fr'
  const zone = view.event.timezone
  if (view.queue.length === 0) return html`<p>${fr ? 'Aucune demande en attente ni en examen.' : 'No request waiting or in review.'}</p>`
  return html`<table class="queue" tabindex="0">
<caption>${fr ? 'Demandes à décider' : 'Requests to decide'}</caption>
<thead><tr><th scope="col">${fr ? 'Personne' : 'Person'}</th><th scope="col">${fr ? 'Heures / requises' : 'Hours / required'}</th><th scope="col">${fr ? 'Motif' : 'Reason'}</th><th scope="col">${fr ? 'Demande' : 'Request'}</th><th scope="col">${fr ? 'Décision' : 'Decision'}</th></tr></thead>
<tbody>!${view.queue.map(({ request: r, eligibility: e }) => html`<tr>
<th scope="row">${r.display_name}!${printedNameChanged(r.name_on_attestation, r.display_name) ? html`<br><span class="name-change"><strong>${fr ? 'Nom à imprimer, différent du dossier' : 'Name to print, not the one on record'}</strong>${colon(locale)} ${r.name_on_attestation}<br><span class="muted">${fr ? 'Nom au dossier' : 'Name on record'}${colon(locale)} ${r.display_name}</span></span>` : ''}</th>
<td>${hours(e.hoursAttended, locale)} / ${hours(e.hoursRequired, locale)} (${percent(e.share, locale)})</td>
<td>${e.reason[locale]}</td>
<td><time datetime="${r.created_at.toISOString()}">${stamp(r.created_at, zone)}</time><br>${requestStatusLabel[r.status]?.[locale] ?? r.status}!${r.status === 'refused' && r.decision_reason !== null ? html`${colon(locale)} ${r.decision_reason}` : ''}<br>${r.locale === 'fr' ? 'FR' : 'EN'}</td>
<td>
!${rowForm(locale, view, { key: `approve:${r.id}`, action: `/organisateurs/attestations/demandes/${r.id}/approbation`, label: fr ? 'Délivrer' : 'Issue', who: r.display_name, fields: [{ name: 'note', label: fr ? 'Note (facultative)' : 'Note (optional)', required: false }] })}
!${r.status !== 'refused' ? rowForm(locale, view, { key: `refuse:${r.id}`, action: `/organisateurs/attestations/demandes/${r.id}/refus`, label: fr ? 'Refuser' : 'Refuse', who: r.display_name, fields: [{ name: 'reason', label: fr ? 'Motif du refus (transmis à la personne)' : 'Reason for refusal (sent to the person)', required: true }] }) : ''}
</td>
</tr>`)}</tbody>
</table>`
}

function attestationsSection (locale: Locale, view: OrganizerAttestationsView): string {
  const fr = locale === 'fr'
  const zone = view.event.timezone
  if (view.attestations.length === 0) return html`<p>${fr ? 'Aucune attestation délivrée pour l\'instant.' : 'No attestation issued yet.'}</p>`
  const issuer = new Map<string, string | null>()
  for (const a of view.audit) {
    if (a.attestation_id !== null && (a.action === 'issued' || a.action === 'reissued' || a.action === 'issued_automatically')) issuer.set(a.attestation_id, a.actor_name)
  }
  return html`<table class="attestations" tabindex="0">
<caption>${fr ? 'Attestations délivrées' : 'Attestations issued'}</caption>
<thead><tr><th scope="col">${fr ? 'Nom inscrit' : 'Name printed'}</th><th scope="col">Code</th><th scope="col">${fr ? 'État' : 'Status'}</th><th scope="col">${fr ? 'Heures' : 'Hours'}</th><th scope="col">${fr ? 'Délivrée' : 'Issued'}</th><th scope="col">${fr ? 'Actions' : 'Actions'}</th></tr></thead>
<tbody>!${view.attestations.map(a => {
  const by = a.issuedAutomatically ? (fr ? 'automatiquement' : 'automatically') : `${fr ? 'par' : 'by'} ${issuer.get(a.id) ?? (fr ? 'l\'organisation' : 'the organizers')}`
  const status = a.status === 'revoked'
    ? html`${attestationStatus.revoked![locale]}!${a.revokedAt !== null ? html` (<time datetime="${a.revokedAt.toISOString()}">${stamp(a.revokedAt, zone)}</time>)` : ''}${colon(locale)} ${a.revocationReason ?? ''}`
    : a.status === 'superseded'
      ? html`${attestationStatus.superseded![locale]}!${a.supersededByCode !== null ? html` ${fr ? 'par' : 'by'} <code>${a.supersededByCode}</code>` : ''}`
      : attestationStatus.valid![locale]
  return html`<tr data-attestation="${a.id}">
<th scope="row">${a.name}<br><span class="muted">${a.locale === 'fr' ? 'FR' : 'EN'}</span></th>
<td><code>${a.groupedCode}</code><br><a href="/verify/${a.code}?lang=${locale}">${fr ? 'Vérification' : 'Verification'}</a> · <a href="/attestation/${a.id}/pdf" download aria-label="PDF — ${a.name}">PDF</a></td>
<td>!${status}</td>
<td>${hours(a.hours, locale)}<br>${number(a.uec, locale)} ${fr ? 'UEC' : 'CEU'}</td>
<td><time datetime="${a.issuedAt.toISOString()}">${stamp(a.issuedAt, zone)}</time><br>${by}</td>
<td>!${a.status === 'valid'
  ? html`<details!${view.formError?.form === `revoke:${a.id}` ? ' open' : ''}><summary>${fr ? 'Révoquer' : 'Revoke'}<span class="visually-hidden"> — ${a.name}</span></summary>
!${rowForm(locale, view, { key: `revoke:${a.id}`, action: `/organisateurs/attestations/${a.id}/revocation`, label: fr ? 'Révoquer' : 'Revoke', who: a.name, fields: [{ name: 'reason', label: fr ? 'Motif (affiché sur la page de vérification)' : 'Reason (shown on the verification page)', required: true }] })}
</details>
<details!${view.formError?.form === `reissue:${a.id}` ? ' open' : ''}><summary>${fr ? 'Réémettre' : 'Re-issue'}<span class="visually-hidden"> — ${a.name}</span></summary>
!${rowForm(locale, view, {
  key: `reissue:${a.id}`,
  action: `/organisateurs/attestations/${a.id}/reemission`,
  label: fr ? 'Réémettre' : 'Re-issue',
  who: a.name,
  fields: [
    { name: 'reason', label: fr ? 'Motif' : 'Reason', required: true },
    { name: 'name', label: fr ? 'Nom corrigé (facultatif)' : 'Corrected name (optional)', required: false },
    { name: 'locale', label: fr ? 'Langue' : 'Language', required: false, kind: 'locale' }
  ]
})}
</details>`
  : ''}</td>
</tr>`
})}</tbody>
</table>`
}

function auditSection (locale: Locale, view: OrganizerAttestationsView): string {
  const fr = locale === 'fr'
  const zone = view.event.timezone
  if (view.audit.length === 0) return html`<p>${fr ? 'Rien n\'a encore été fait.' : 'Nothing done yet.'}</p>`
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
  const about = (a: AuditEntry): string => (a.attestation_id !== null ? names.get(a.attestation_id) : undefined) ?? (a.request_id !== null ? names.get(a.request_id) : undefined) ?? '—'
  return html`<table class="audit" tabindex="0">
<caption>${fr ? 'Journal : qui a fait quoi' : 'Log: who did what'}</caption>
<thead><tr><th scope="col">${fr ? 'Date' : 'Date'} (${zone})</th><th scope="col">${fr ? 'Action' : 'Action'}</th><th scope="col">${fr ? 'Concerne' : 'About'}</th><th scope="col">${fr ? 'Par' : 'By'}</th><th scope="col">${fr ? 'Motif' : 'Reason'}</th></tr></thead>
<tbody>!${view.audit.map(a => html`<tr><td><time datetime="${a.at.toISOString()}">${stamp(a.at, zone)}</time></td><td>${auditActions[a.action]?.[locale] ?? a.action}</td><td>${a.action === 'policy_changed' ? '—' : about(a)}</td><td>${a.actor_name ?? 'Compagnon'}</td><td>${a.reason ?? ''}</td></tr>`)}</tbody>
</table>`
}

export function organizerAttestationsPage (locale: Locale, view: OrganizerAttestationsView, path: string): string {
  const fr = locale === 'fr'
  const title = fr ? 'Attestations de formation' : 'Training attestations'
  const eligible = view.queue.filter(q => q.eligibility.eligible).length
  return layout({
    locale,
    path,
    title: `${title} — ${view.event.title[locale]}`,
    body: stylesheet + html`<h1>${title}</h1>
<p class="lead">${view.event.title[locale]} · ${formatDateRange(view.event.startsOn, view.event.endsOn, locale)}</p>
<p><a href="/organisateurs?lang=${locale}">${fr ? 'Espace organisation' : 'Organizer area'}</a> · <a href="/organisateurs/presences/${view.event.id}?lang=${locale}">${fr ? 'Présences' : 'Attendance'}</a> · <a href="/organisateurs/messages/${view.event.id}?lang=${locale}">${fr ? 'Messages envoyés' : 'Messages sent'}</a> · <a href="/organisateurs/rapports/${view.event.id}?lang=${locale}">${fr ? 'Rapports' : 'Reports'}</a></p>
!${view.notice !== null ? html`<div class="notice" role="status"><p>${view.notice[locale]}</p></div>` : ''}
!${view.formError !== null
  ? html`<div class="error-box" role="alert"><p>${view.formError.errors.form !== undefined
    ? `${fr ? 'Rien n\'a été enregistré' : 'Nothing was saved'}${colon(locale)} ${view.formError.errors.form[locale]}`
    : (fr ? 'Rien n\'a été enregistré : voyez le message à côté du formulaire.' : 'Nothing was saved: see the message next to the form.')}</p></div>`
  : ''}

<section aria-labelledby="rule">
<h2 id="rule">${fr ? 'Règle d\'admissibilité' : 'Eligibility rule'}</h2>
<p>${fr ? 'Actuellement' : 'Currently'}${colon(locale)} ${percent(view.policy.min_share, locale)} ${fr ? 'des heures en présentiel' : 'of the in-person hours'}${fr ? '\u00a0;' : ';'} ${view.policy.excused_counts ? (fr ? 'absences justifiées comptées' : 'excused absences counted') : (fr ? 'absences justifiées non comptées' : 'excused absences not counted')}${fr ? '\u00a0;' : ';'} ${view.policy.auto_issue ? (fr ? 'délivrance automatique' : 'automatic issue') : (fr ? 'sans délivrance automatique' : 'no automatic issue')}.</p>
!${policyForm(locale, view)}
</section>

<section aria-labelledby="queue">
<h2 id="queue">${fr ? 'Demandes en attente et en examen' : 'Requests waiting and in review'}</h2>
!${queueSection(locale, view)}
</section>

<section aria-labelledby="bulk">
<h2 id="bulk">${fr ? 'Délivrance en lot' : 'Bulk issue'}</h2>
<p>${fr ? 'Délivre une attestation à chaque personne admissible qui n\'en a pas encore (les refus sont respectés), en arrière-plan ; un fichier ZIP de toutes les attestations est offert à la fin.' : 'Issues an attestation to every eligible person who has none yet (refusals stand), in the background; a ZIP file of all the attestations is offered at the end.'}!${eligible > 0 ? html` ${fr ? `Admissibles dans la file : ${eligible}.` : `Eligible in the queue: ${eligible}.`}` : ''}</p>
<form method="post" action="/organisateurs/attestations/${view.event.id}/generation?lang=${locale}">
<button type="submit">${fr ? 'Générer toutes les attestations admissibles' : 'Generate all eligible certificates'}</button>
</form>
</section>

<section aria-labelledby="issued">
<h2 id="issued">${fr ? 'Attestations délivrées' : 'Attestations issued'}</h2>
!${attestationsSection(locale, view)}
</section>

<section aria-labelledby="audit">
<h2 id="audit">${fr ? 'Journal' : 'Log'}</h2>
!${auditSection(locale, view)}
</section>`
  })
}
