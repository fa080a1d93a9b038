import { html } from 'ghtml'
import { DateTime } from 'luxon'
import type { Bilingual } from '../errors.js'
import type { EventSummary } from '../program/service.js'
import { layout } from '../views/layout.js'
import { colon, type Locale } from '../views/i18n.js'
import { kindLabels, type PersonalDataKind } from './access-log.js'
import type { Incident } from './incidents.js'
import type { AccessLogEntry } from './repository.js'
import { incidentStatuses, riskLevels } from './schemas.js'

export const NOTICE_PATH = '/confidentialite'

/**
 * One sentence for pages that collect personal data (sign-in, check-in, hand-in, requests),
 * pointing to the privacy notice; organizers adding people are reminded what to tell them.
 */
export function privacyNoticeLine (locale: Locale, reader: 'person' | 'organizer' = 'person'): string {
  if (reader === 'organizer') {
    return locale === 'fr'
      ? html`<p class="muted privacy-line">N'inscrivez que les renseignements nécessaires ; les personnes inscrites sont informées par l'<a href="${NOTICE_PATH}?lang=fr">avis de confidentialité</a> (Loi 25).</p>`
      : html`<p class="muted privacy-line">Enter only the information needed; the people registered are informed by the <a href="${NOTICE_PATH}?lang=en">privacy notice</a> (Québec's Law 25).</p>`
  }
  return locale === 'fr'
    ? html`<p class="muted privacy-line">Vos renseignements personnels sont traités selon l'<a href="${NOTICE_PATH}?lang=fr">avis de confidentialité</a> de Compagnon (Loi 25) : ce qui est recueilli, pourquoi, pour combien de temps et vos droits.</p>`
    : html`<p class="muted privacy-line">Your personal information is handled as described in Compagnon's <a href="${NOTICE_PATH}?lang=en">privacy notice</a> (Québec's Law 25): what is collected, why, for how long, and your rights.</p>`
}

/** The section of /moi: the person's own data, downloadable. */
export function myPagePrivacySection (locale: Locale): string {
  const fr = locale === 'fr'
  return html`<section aria-labelledby="moi-donnees">
<h2 id="moi-donnees">${fr ? 'Mes données personnelles' : 'My personal data'}</h2>
<p>${fr ? 'Téléchargez tout ce que Compagnon détient sur vous, dans un fichier JSON structuré.' : 'Download everything Compagnon holds about you, as a structured JSON file.'}</p>
<p><a href="/moi/donnees?lang=${locale}" download>${fr ? 'Télécharger mes données (JSON)' : 'Download my data (JSON)'}</a> · <a href="${NOTICE_PATH}?lang=${locale}">${fr ? 'Avis de confidentialité' : 'Privacy notice'}</a></p>
</section>`
}

export interface NoticeView {
  officer: { name: string, email: string | null, phone: string | null }
  retention: { attendanceDays: number, submissionsDays: number, messagesDays: number, peopleDays: number, accessLogDays: number }
  attestationDetailsDays: number
  sending: boolean
}

const days = (n: number, locale: Locale): string => {
  const years = n % 365 === 0 ? n / 365 : undefined
  if (locale === 'fr') return years !== undefined ? `${n} jours (${years} an${years > 1 ? 's' : ''})` : `${n} jour${n > 1 ? 's' : ''}`
  return years !== undefined ? `${n} days (${years} year${years > 1 ? 's' : ''})` : `${n} day${n > 1 ? 's' : ''}`
}

/** The privacy notice: true to the configuration it is rendered with (retention, officer). */
export function noticePage (locale: Locale, view: NoticeView, path: string): string {
  const fr = locale === 'fr'
  const r = view.retention
  const after = (n: number): string => fr ? `${days(n, locale)} après la fin de l'événement` : `${days(n, locale)} after the end of the event`
  const rows: Array<{ what: Bilingual, why: Bilingual, keep: string }> = [
    {
      what: { fr: 'Identité et coordonnées : nom, courriel, employeur, langue préférée, rôles dans l\'événement', en: 'Identity and contact: name, email, employer, preferred language, roles in the event' },
      why: { fr: 'Inscription, connexion, communication avec vous, attestations', en: 'Registration, sign-in, contacting you, attestations' },
      keep: after(r.peopleDays)
    },
    {
      what: { fr: 'Sessions et liens de connexion : seulement une empreinte (SHA-256) des jetons ; navigateur utilisé (user-agent) ; dates d\'utilisation', en: 'Sessions and sign-in links: only a hash (SHA-256) of the tokens; browser used (user agent); dates of use' },
      why: { fr: 'Vous garder connecté·e sur vos appareils, pouvoir révoquer une session', en: 'Keeping you signed in on your devices, revoking a session' },
      keep: fr ? 'Sessions : 180 jours au plus ; lien personnel : 60 jours après l\'événement ; ensuite ' + after(r.peopleDays) : 'Sessions: 180 days at most; personal link: 60 days after the event; then ' + after(r.peopleDays)
    },
    {
      what: { fr: 'Identité dans l\'environnement numérique d\'apprentissage (plateforme, identifiant, liste du cours, notes transmises)', en: 'Identity in the learning platform (platform, user id, course roster, grades sent)' },
      why: { fr: 'Accès depuis le cours, présences et notes transmises au cours ENP7009', en: 'Access from the course, attendance and grades sent to course ENP7009' },
      keep: after(r.peopleDays)
    },
    {
      what: { fr: 'Présences : pointages (heure de l\'appareil et du serveur, méthode, qui a numérisé), corrections et leur historique, justifications d\'absence, choix de séances', en: 'Attendance: check-ins (device and server time, method, who scanned), corrections and their history, absence excuses, session choices' },
      why: { fr: 'Note de présence (étudiant·e·s inscrit·e·s), admissibilité à l\'attestation, capacité des salles', en: 'Attendance grade (credited students), eligibility for the attestation, room capacity' },
      keep: after(r.attendanceDays)
    },
    {
      what: { fr: 'Activité de synthèse : textes, brouillons, fichiers remis (avec leur empreinte), versions, reçus, notes, commentaires et historique de notation', en: 'Synthesis: texts, drafts, handed-in files (with their hash), versions, receipts, grades, feedback and grading history' },
      why: { fr: 'Évaluation du cours ENP7009 et preuve de remise', en: 'Assessment in course ENP7009 and proof of hand-in' },
      keep: after(r.submissionsDays)
    },
    {
      what: { fr: 'Attestations : demande (nom à imprimer, employeur, courriel RH facultatif), attestation délivrée (contenu figé et PDF), journal des décisions', en: 'Attestations: request (name to print, employer, optional HR email), issued attestation (frozen content and PDF), decision log' },
      why: { fr: 'Délivrer l\'attestation et permettre à quiconque détient son code d\'en vérifier l\'authenticité', en: 'Issuing the attestation and letting anyone holding its code check that it is genuine' },
      keep: fr
        ? `Conservée pour la vérification ; la page publique n'en montre le détail (séances, employeur) que ${days(view.attestationDetailsDays, locale)} après la délivrance, puis seulement le nom, la formation, les dates, les heures et l'état`
        : `Kept for verification; the public page shows its details (sessions, employer) only for ${days(view.attestationDetailsDays, locale)} after issue, then only name, training, dates, hours and status`
    },
    {
      what: { fr: 'Messages envoyés : destinataire, objet, texte, pièce jointe', en: 'Messages sent: recipient, subject, text, attachment' },
      why: { fr: view.sending ? 'Vous transmettre votre lien personnel et vos attestations par courriel' : 'Vous transmettre votre lien personnel et vos attestations (conservés pour l\'équipe, qui vous les remet)', en: view.sending ? 'Sending you your personal link and attestations by email' : 'Sending you your personal link and attestations (kept for the team, who pass them on)' },
      keep: after(r.messagesDays)
    },
    {
      what: { fr: 'Journal des accès du personnel : qui (et son rôle) a consulté quelles données vous concernant, quand, par quelle page', en: 'Staff access log: who (and in which role) read which data about you, when, through which page' },
      why: { fr: 'Contrôler l\'accès à vos renseignements (Loi 25)', en: 'Accountability for access to your information (Law 25)' },
      keep: after(r.accessLogDays)
    },
    {
      what: { fr: 'Registre des incidents de confidentialité : description, catégories de renseignements, nombre de personnes touchées, mesures', en: 'Register of confidentiality incidents: description, categories of information, number of people affected, measures' },
      why: { fr: 'Obligation légale (Loi 25)', en: 'Legal obligation (Law 25)' },
      keep: fr ? 'Au moins 5 ans après la connaissance de l\'incident (règlement sur les incidents)' : 'At least 5 years after the incident became known (incident regulation)'
    }
  ]
  const o = view.officer
  return layout({
    locale,
    path,
    title: fr ? 'Avis de confidentialité' : 'Privacy notice',
    description: fr ? 'Renseignements personnels recueillis par Compagnon, pourquoi, où, pour combien de temps, qui y a accès et vos droits.' : 'Personal information Compagnon collects, why, where, for how long, who sees it and your rights.',
    body: html`<h1>${fr ? 'Avis de confidentialité' : 'Privacy notice'}</h1>
<p class="lead">${fr
  ? 'Compagnon accompagne l\'École d\'automne de l\'ÉNAP (cours ENP7009) : programme, présences, activité de synthèse et attestations. Cet avis décrit les renseignements personnels qu\'il recueille, conformément à la Loi sur la protection des renseignements personnels dans le secteur public (Loi 25).'
  : 'Compagnon supports ÉNAP\'s fall school (course ENP7009): program, attendance, synthesis hand-in and attestations. This notice describes the personal information it collects, as required by Québec\'s privacy law (Law 25).'}</p>

<section aria-labelledby="responsable">
<h2 id="responsable">${fr ? 'Personne responsable de la protection des renseignements personnels' : 'Person in charge of the protection of personal information'}</h2>
<p><strong>${o.name}</strong></p>
<ul>
!${o.email !== null ? html`<li>${fr ? 'Courriel' : 'Email'}${colon(locale)} <a href="mailto:${o.email}">${o.email}</a></li>` : ''}
!${o.phone !== null ? html`<li>${fr ? 'Téléphone' : 'Phone'}${colon(locale)} <a href="tel:${o.phone.replace(/[^\d+]/g, '')}">${o.phone}</a></li>` : ''}
</ul>
!${o.email === null && o.phone === null ? html`<p>${fr ? 'Écrivez à l\'équipe d\'organisation de l\'événement.' : 'Write to the event\'s organizers.'}</p>` : ''}
<p>${fr ? 'Écrivez-lui pour toute question, pour exercer vos droits ou pour signaler un incident.' : 'Write to them with any question, to exercise your rights or to report an incident.'}</p>
</section>

<section aria-labelledby="recueilli">
<h2 id="recueilli">${fr ? 'Ce qui est recueilli, pourquoi et pour combien de temps' : 'What is collected, why, and for how long'}</h2>
<table tabindex="0">
<caption class="muted">${fr ? 'Durées de conservation en vigueur ; à leur échéance, les données sont supprimées ou rendues anonymes.' : 'Retention periods in force; when they end, the data is deleted or anonymised.'}</caption>
<thead><tr><th scope="col">${fr ? 'Renseignements' : 'Information'}</th><th scope="col">${fr ? 'Pourquoi' : 'Why'}</th><th scope="col">${fr ? 'Conservation' : 'Kept for'}</th></tr></thead>
<tbody>!${rows.map(row => html`<tr><td>${row.what[locale]}</td><td>${row.why[locale]}</td><td>${row.keep}</td></tr>`)}</tbody>
</table>
<p>${fr
  ? 'Compagnon ne conserve aucune adresse IP dans sa base de données. Les limites de débit (protection contre les abus) comptent les requêtes en mémoire seulement ; les journaux techniques du serveur (identifiant de requête, adresse appelée sans ses jetons, adresse IP de l\'appareil) servent uniquement à la sécurité et au dépannage ; Compagnon les écrit sans les conserver lui-même, et leur durée de conservation est celle de l\'hébergement.'
  : 'Compagnon stores no IP address in its database. Rate limits (abuse protection) count requests in memory only; the server\'s technical logs (request id, address called with tokens removed, the device\'s IP address) serve only security and troubleshooting; Compagnon writes them without keeping them itself, and they are kept as long as the hosting keeps its logs.'}</p>
</section>

<section aria-labelledby="ou">
<h2 id="ou">${fr ? 'Où sont les données' : 'Where the data is'}</h2>
<p>${fr
  ? 'Dans la base de données de Compagnon (PostgreSQL), exploitée pour l\'événement ; les fichiers remis y sont aussi conservés. Les présences et les notes des étudiant·e·s inscrit·e·s sont transmises au cours dans l\'environnement numérique d\'apprentissage de l\'ÉNAP. Les messages passent par le serveur de courriel configuré.'
  : 'In Compagnon\'s database (PostgreSQL), operated for the event; handed-in files are stored there too. Attendance and grades of credited students are sent to the course in ÉNAP\'s learning platform. Messages go through the configured mail server.'}</p>
</section>

<section aria-labelledby="qui">
<h2 id="qui">${fr ? 'Qui y a accès' : 'Who sees it'}</h2>
<ul>
<li>${fr ? 'Vous : votre page (/moi), vos présences, vos remises, vos attestations, et l\'exportation de toutes vos données.' : 'You: your page (/moi), your attendance, hand-ins, attestations, and an export of all your data.'}</li>
<li>${fr ? 'L\'équipe d\'organisation de l\'événement : les personnes inscrites, les présences, les attestations, les messages et les rapports.' : 'The event\'s organizers: registered people, attendance, attestations, messages and reports.'}</li>
<li>${fr ? 'Les personnes enseignantes du cours : présences, remises et notes des étudiant·e·s de leur cours.' : 'The course\'s instructors: attendance, hand-ins and grades of their course\'s students.'}</li>
<li>${fr ? 'Le personnel d\'accueil : le résultat de la numérisation des laissez-passer et la liste de présence des séances.' : 'Door staff: the result of scanning passes and the attendance list of sessions.'}</li>
<li>${fr ? 'Le public : seulement la page de vérification d\'une attestation, pour qui en détient le code.' : 'The public: only the verification page of an attestation, for whoever holds its code.'}</li>
</ul>
<p>${fr ? 'Chaque consultation de vos renseignements par le personnel est inscrite au journal des accès (qui, son rôle, quoi, quand).' : 'Every time staff read your information, it is recorded in the access log (who, their role, what, when).'}</p>
</section>

<section aria-labelledby="droits">
<h2 id="droits">${fr ? 'Vos droits' : 'Your rights'}</h2>
<ul>
<li>${fr ? 'Accès : téléchargez vos données depuis votre page (/moi), ou demandez-les à la personne responsable.' : 'Access: download your data from your page (/moi), or ask the person in charge.'}</li>
<li>${fr ? 'Rectification : demandez la correction d\'un renseignement inexact.' : 'Rectification: ask for inaccurate information to be corrected.'}</li>
<li>${fr ? 'Retrait du consentement et suppression : demandez l\'effacement ou l\'anonymisation de vos renseignements, sous réserve de ce que la loi oblige à conserver (notes, attestations délivrées).' : 'Withdrawing consent and erasure: ask for your information to be erased or anonymised, within what the law requires us to keep (grades, issued attestations).'}</li>
<li>${fr ? 'Plainte : vous pouvez vous adresser à la ' : 'Complaint: you may contact the '}<a href="https://www.cai.gouv.qc.ca/" hreflang="fr">Commission d'accès à l'information du Québec</a>.</li>
</ul>
</section>`
  })
}

// ---- Organizer pages ------------------------------------------------------------------------

// The attestation pages' stylesheet has the field-error style these forms use.
const stylesheet = '<link rel="stylesheet" href="/assets/attestations.css">'
const stamp = (date: Date, zone: string): string => DateTime.fromJSDate(date, { zone }).toFormat('yyyy-LL-dd HH:mm')
const base = (eventId: string): string => `/organisateurs/confidentialite/${eventId}`

const roleLabel: Record<string, Bilingual> = {
  organizer: { fr: 'Organisation', en: 'Organizer' },
  instructor: { fr: 'Personne enseignante', en: 'Instructor' },
  door_staff: { fr: 'Accueil', en: 'Door staff' }
}

function privacyNav (locale: Locale, eventId: string): string {
  const fr = locale === 'fr'
  return html`<p><a href="/organisateurs?lang=${locale}">${fr ? 'Espace organisation' : 'Organizer area'}</a> · <a href="${base(eventId)}?lang=${locale}">${fr ? 'Confidentialité' : 'Privacy'}</a> · <a href="${base(eventId)}/acces?lang=${locale}">${fr ? 'Journal des accès' : 'Access log'}</a> · <a href="${base(eventId)}/incidents?lang=${locale}">${fr ? 'Registre des incidents' : 'Incident register'}</a></p>`
}

export interface PrivacyHubView { event: EventSummary, people: Array<{ id: string, name: string, email: string | null }> }

/** The event's privacy page: a person's data export, links to the log and the register. */
export function privacyHubPage (locale: Locale, view: PrivacyHubView, path: string): string {
  const fr = locale === 'fr'
  return layout({
    locale,
    path,
    title: fr ? 'Confidentialité' : 'Privacy',
    body: html`<h1>${fr ? 'Confidentialité' : 'Privacy'} — ${view.event.title[locale]}</h1>
!${privacyNav(locale, view.event.id)}
<h2>${fr ? 'Exporter les données d\'une personne' : 'Export a person\'s data'}</h2>
<p>${fr ? 'Pour répondre à une demande d\'accès : un fichier JSON de tout ce que Compagnon détient sur la personne dans les événements que vous organisez. L\'exportation est inscrite au journal des accès.' : 'To answer an access request: a JSON file of everything Compagnon holds about the person in the events you organize. The export is recorded in the access log.'}</p>
<p class="muted">${fr ? 'Le texte des remises et les commentaires de notation n\'y figurent que pour les cours où vous enseignez. La personne peut télécharger elle-même l\'export complet (page « Moi »).' : 'Hand-in text and grading comments are included only for courses you teach. The person can download the complete export themselves ("Me" page).'}</p>
!${view.people.length === 0
  ? html`<p>${fr ? 'Aucune personne inscrite.' : 'Nobody registered.'}</p>`
  : html`<form class="stack" method="get" action="${base(view.event.id)}/exportation">
  <input type="hidden" name="lang" value="${locale}">
  <label>${fr ? 'Personne' : 'Person'}<select name="personne">!${view.people.map(p => html`<option value="${p.id}">${p.name}${p.email !== null ? ` (${p.email})` : ''}</option>`)}</select></label>
  <button type="submit">${fr ? 'Télécharger ses données (JSON)' : 'Download their data (JSON)'}</button>
</form>`}
<h2>${fr ? 'Avis de confidentialité' : 'Privacy notice'}</h2>
<p><a href="${NOTICE_PATH}?lang=${locale}">${fr ? 'L\'avis présenté aux personnes' : 'The notice shown to people'}</a></p>`
  })
}

export interface AccessLogView {
  event: EventSummary
  entries: AccessLogEntry[]
  people: Array<{ id: string, name: string }>
  personId: string | undefined
  next: number | null
}

export function accessLogPage (locale: Locale, view: AccessLogView, path: string): string {
  const fr = locale === 'fr'
  const zone = view.event.timezone
  const id = view.event.id
  const nextHref = view.next === null ? null : `${base(id)}/acces?lang=${locale}&avant=${view.next}${view.personId !== undefined ? `&personne=${view.personId}` : ''}`
  return layout({
    locale,
    path,
    title: fr ? 'Journal des accès' : 'Access log',
    body: html`<h1>${fr ? 'Journal des accès aux renseignements personnels' : 'Log of access to personal information'}</h1>
!${privacyNav(locale, id)}
<p>${fr ? 'Chaque consultation réussie, par le personnel, de renseignements personnels d\'autres personnes : qui, son rôle, quoi, à propos de qui, par quelle route, quand. Aucune adresse IP n\'est conservée.' : 'Every successful read, by staff, of other people\'s personal information: who, their role, what, about whom, through which route, when. No IP address is kept.'}</p>
<form class="stack" method="get" action="${base(id)}/acces">
  <input type="hidden" name="lang" value="${locale}">
  <label>${fr ? 'Personne concernée' : 'Person concerned'}<select name="personne">
    <option value="">${fr ? 'Toutes' : 'Everyone'}</option>
    !${view.people.map(p => html`<option value="${p.id}"${p.id === view.personId ? ' selected' : ''}>${p.name}</option>`)}
  </select></label>
  <button type="submit">${fr ? 'Filtrer' : 'Filter'}</button>
</form>
!${view.entries.length === 0
  ? html`<p>${fr ? 'Aucun accès inscrit.' : 'No access recorded.'}</p>`
  : html`<table tabindex="0">
<caption class="muted">${fr ? `Du plus récent au plus ancien (heure de ${zone})` : `Newest first (${zone} time)`}</caption>
<thead><tr><th scope="col">${fr ? 'Quand' : 'When'}</th><th scope="col">${fr ? 'Qui' : 'Who'}</th><th scope="col">${fr ? 'Rôle' : 'Role'}</th><th scope="col">${fr ? 'Données' : 'Data'}</th><th scope="col">${fr ? 'Personne concernée' : 'Person concerned'}</th><th scope="col">Route</th><th scope="col">${fr ? 'Requête' : 'Request'}</th></tr></thead>
<tbody>!${view.entries.map(e => html`<tr>
<td><time datetime="${e.at.toISOString()}">${stamp(e.at, zone)}</time></td>
<td>${e.actor_name ?? (fr ? '(personne supprimée)' : '(person deleted)')}</td>
<td>${e.actor_role === null ? '—' : roleLabel[e.actor_role]?.[locale] ?? e.actor_role}</td>
<td>${kindLabels[e.data_kind as PersonalDataKind]?.[locale] ?? e.data_kind}</td>
<td>${e.subject_person_id === null ? (fr ? 'Plusieurs personnes' : 'Several people') : e.subject_name ?? (fr ? '(personne supprimée)' : '(person deleted)')}</td>
<td><code>${e.method} ${e.route}</code></td>
<td><code class="token">${e.request_id}</code></td>
</tr>`)}</tbody></table>`}
!${nextHref !== null ? html`<p><a href="${nextHref}">${fr ? 'Accès plus anciens' : 'Older accesses'}</a></p>` : ''}`
  })
}

export type IncidentField = 'detectedAt' | 'description' | 'categories' | 'peopleAffected' | 'seriousInjuryRisk' | 'riskAssessment' | 'measures' | 'caiNotifiedAt' | 'peopleNotifiedAt' | 'status'
export type IncidentFormValues = Record<IncidentField, string>
export type IncidentFieldErrors = Partial<Record<IncidentField, Bilingual>>

export interface IncidentsView {
  event: EventSummary
  incidents: Incident[]
  notice: Bilingual | null
  /** A refused form: which one (`new` or an incident id), what was typed, what is wrong. */
  typed: { form: string, values: IncidentFormValues, errors: IncidentFieldErrors } | null
}

const riskLabel: Record<typeof riskLevels[number], Bilingual> = {
  to_assess: { fr: 'À évaluer', en: 'To assess' },
  low: { fr: 'Faible (pas de préjudice sérieux)', en: 'Low (no serious injury)' },
  serious: { fr: 'Préjudice sérieux', en: 'Serious injury' }
}
const statusLabel: Record<typeof incidentStatuses[number], Bilingual> = {
  open: { fr: 'Ouvert', en: 'Open' },
  contained: { fr: 'Maîtrisé', en: 'Contained' },
  closed: { fr: 'Fermé', en: 'Closed' }
}
const fieldLabel: Record<IncidentField, Bilingual> = {
  detectedAt: { fr: 'Détecté le', en: 'Detected on' },
  description: { fr: 'Description', en: 'Description' },
  categories: { fr: 'Catégories de renseignements', en: 'Categories of information' },
  peopleAffected: { fr: 'Nombre de personnes touchées', en: 'Number of people affected' },
  seriousInjuryRisk: { fr: 'Risque de préjudice sérieux', en: 'Risk of serious injury' },
  riskAssessment: { fr: 'Évaluation du risque', en: 'Risk assessment' },
  measures: { fr: 'Mesures prises', en: 'Measures taken' },
  caiNotifiedAt: { fr: 'Commission d\'accès à l\'information avisée le', en: 'Commission d\'accès à l\'information notified on' },
  peopleNotifiedAt: { fr: 'Personnes avisées le', en: 'People notified on' },
  status: { fr: 'État', en: 'Status' }
}

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
  const fr = locale === 'fr'
  const id = (f: string): string => `${f}-${form}`
  const err = (f: IncidentField): string => errors[f] === undefined ? '' : html`<p id="${id(f)}-error" class="field-error">${errors[f]?.[locale] ?? ''}</p>`
  const attrs = (f: IncidentField): string => errors[f] === undefined ? '' : html` aria-invalid="true" aria-describedby="${id(f)}-error"`
  const input = (f: IncidentField, type: string, extra = ''): string =>
    html`<label for="${id(f)}">${fieldLabel[f][locale]}</label>!${err(f)}<input id="${id(f)}" name="${f}" type="${type}" value="${values[f]}"!${attrs(f)}!${extra}>`
  const area = (f: IncidentField, required: boolean): string =>
    html`<label for="${id(f)}">${fieldLabel[f][locale]}</label>!${err(f)}<textarea id="${id(f)}" name="${f}" rows="3"!${required ? ' required' : ''}!${attrs(f)}>${values[f]}</textarea>`
  const select = (f: 'seriousInjuryRisk' | 'status', options: Record<string, Bilingual>): string =>
    html`<label for="${id(f)}">${fieldLabel[f][locale]}</label>!${err(f)}<select id="${id(f)}" name="${f}"!${attrs(f)}>!${Object.entries(options).map(([k, l]) => html`<option value="${k}"${values[f] === k ? ' selected' : ''}>${l[locale]}</option>`)}</select>`
  const hasErrors = Object.keys(errors).length > 0
  return html`<form class="stack wide" method="post" action="${action}?lang=${locale}" novalidate>
!${hasErrors ? html`<div class="error-box" role="alert"><p>${fr ? 'Rien n\'a été enregistré : corrigez les champs indiqués.' : 'Nothing was saved: correct the fields shown.'}</p></div>` : ''}
<p class="muted">${fr ? 'Dates et heures à l\'heure de l\'événement.' : 'Dates and times in the event\'s time zone.'}</p>
!${input('detectedAt', 'datetime-local', ' required')}
!${area('description', true)}
!${area('categories', true)}
!${input('peopleAffected', 'number', ' min="0" step="1" inputmode="numeric"')}
!${select('seriousInjuryRisk', riskLabel)}
!${area('riskAssessment', false)}
!${area('measures', false)}
!${input('caiNotifiedAt', 'datetime-local')}
!${input('peopleNotifiedAt', 'datetime-local')}
!${select('status', statusLabel)}
<button type="submit">${button}</button>
</form>`
}

export function incidentsPage (locale: Locale, view: IncidentsView, path: string): string {
  const fr = locale === 'fr'
  const zone = view.event.timezone
  const id = view.event.id
  const typed = (form: string): IncidentsView['typed'] => view.typed?.form === form ? view.typed : null
  const newTyped = typed('new')
  return layout({
    locale,
    path,
    title: fr ? 'Registre des incidents' : 'Incident register',
    body: stylesheet + html`<h1>${fr ? 'Registre des incidents de confidentialité' : 'Register of confidentiality incidents'}</h1>
!${privacyNav(locale, id)}
<p>${fr
  ? 'La Loi 25 oblige à consigner tout incident de confidentialité (accès, utilisation ou communication non autorisés, perte de renseignements). Si l\'incident présente un risque de préjudice sérieux, avisez avec diligence la Commission d\'accès à l\'information et les personnes concernées. Chaque modification est conservée (qui, quand).'
  : 'Law 25 requires recording every confidentiality incident (unauthorised access, use or disclosure, loss of information). If it presents a risk of serious injury, promptly notify the Commission d\'accès à l\'information and the people concerned. Every change is kept (who, when).'}</p>
!${view.notice !== null ? html`<div class="notice" role="status"><p>${view.notice[locale]}</p></div>` : ''}
<h2>${fr ? 'Incidents' : 'Incidents'}</h2>
!${view.incidents.length === 0
  ? html`<p>${fr ? 'Aucun incident consigné.' : 'No incident recorded.'}</p>`
  : view.incidents.map(i => {
    const t = typed(i.id)
    return html`<article class="receipt" aria-labelledby="incident-${i.id}">
<h3 id="incident-${i.id}">${stamp(i.detectedAt, zone)} — ${statusLabel[i.status][locale]} — ${riskLabel[i.seriousInjuryRisk][locale]}</h3>
<dl>
<dt>${fieldLabel.description[locale]}</dt><dd class="answer">${i.description}</dd>
<dt>${fieldLabel.categories[locale]}</dt><dd>${i.categories}</dd>
<dt>${fieldLabel.peopleAffected[locale]}</dt><dd>${i.peopleAffected === null ? (fr ? 'Inconnu' : 'Unknown') : String(i.peopleAffected)}</dd>
<dt>${fieldLabel.riskAssessment[locale]}</dt><dd>${i.riskAssessment ?? '—'}</dd>
<dt>${fieldLabel.measures[locale]}</dt><dd>${i.measures ?? '—'}</dd>
<dt>${fieldLabel.caiNotifiedAt[locale]}</dt><dd>${i.caiNotifiedAt === null ? (fr ? 'Non' : 'No') : stamp(i.caiNotifiedAt, zone)}</dd>
<dt>${fieldLabel.peopleNotifiedAt[locale]}</dt><dd>${i.peopleNotifiedAt === null ? (fr ? 'Non' : 'No') : stamp(i.peopleNotifiedAt, zone)}</dd>
</dl>
!${i.seriousInjuryRisk === 'serious' && (i.caiNotifiedAt === null || i.peopleNotifiedAt === null)
  ? html`<p class="error-box">${fr ? 'Préjudice sérieux : la Commission et les personnes concernées doivent être avisées avec diligence.' : 'Serious injury: the Commission and the people concerned must be notified promptly.'}</p>`
  : ''}
<details!${t !== null ? ' open' : ''}><summary>${fr ? 'Historique' : 'History'} (${String(i.history.length)})</summary>
<ul>!${i.history.map(h => html`<li>${stamp(h.changedAt, zone)} — ${h.changedByName ?? '—'} — ${h.action === 'created' ? (fr ? 'consigné' : 'recorded') : (fr ? 'modifié' : 'changed')}${h.action === 'updated' ? `${colon(locale)} ${h.changed.map(f => fieldLabel[f as IncidentField]?.[locale] ?? f).join(', ')}` : ''}</li>`)}</ul>
</details>
<details!${t !== null ? ' open' : ''}><summary>${fr ? 'Mettre à jour' : 'Update'}</summary>
!${incidentForm(locale, i.id, t?.values ?? incidentValues(i, zone), t?.errors ?? {}, `${base(id)}/incidents/${i.id}`, fr ? 'Enregistrer les modifications' : 'Save the changes')}
</details>
</article>`
  })}
<h2 id="nouvel-incident">${fr ? 'Consigner un incident' : 'Record an incident'}</h2>
!${incidentForm(locale, 'new', newTyped?.values ?? incidentValues(null, zone), newTyped?.errors ?? {}, `${base(id)}/incidents`, fr ? 'Consigner l\'incident' : 'Record the incident')}`
  })
}
