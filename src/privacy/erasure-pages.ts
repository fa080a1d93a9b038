import { html } from 'ghtml'
import { DateTime } from 'luxon'
import type { Locale } from '../views/i18n.js'
import { layout } from '../views/layout.js'
import type { Candidate, Channel, Counts, ErasurePreview, EventInfo, RequestRow, RequestView } from './erasure.js'

export const erasureBase = (eventId: string): string => `/organisateurs/confidentialite/${eventId}/effacement`

type Labels = Record<string, { fr: string, en: string }>

export const kindLabels: Labels = {
  identity: { fr: 'Identité (nom, courriel, employeur) remplacée par « Personne effacée »', en: 'Identity (name, email, employer) replaced by "Erased person"' },
  device_sessions: { fr: 'Sessions ouvertes sur des appareils (déconnectées)', en: 'Device sessions (signed out)' },
  sign_in_links: { fr: 'Liens de connexion à usage unique', en: 'One-time sign-in links' },
  personal_links: { fr: 'Liens personnels (révoqués)', en: 'Personal links (revoked)' },
  account_link_codes: { fr: 'Codes de liaison de comptes', en: 'Account-linking codes' },
  role_invitations: { fr: 'Invitations à un rôle en attente', en: 'Pending role invitations' },
  lti_identities: { fr: 'Liens avec le compte de l\'environnement numérique d\'apprentissage', en: 'Links to the LMS account' },
  lti_roster_members: { fr: 'Inscriptions aux listes de cours reçues de l\'environnement numérique d\'apprentissage', en: 'Course roster entries received from the LMS' },
  lti_deep_link_requests: { fr: 'Demandes de liens profonds en cours', en: 'Deep-linking requests in progress' },
  attendance_passes: { fr: 'Laissez-passer personnel', en: 'Personal pass' },
  attendance_code_attempts: { fr: 'Essais de codes de présence', en: 'Attendance code attempts' },
  attendance_choices: { fr: 'Choix de séances', en: 'Session choices' },
  attendance_excuses: { fr: 'Motifs d\'absence', en: 'Absence excuses' },
  attendance_history_reasons: { fr: 'Motifs écrits dans l\'historique des présences (effacés ; qui a changé quoi reste)', en: 'Reasons written in the attendance history (erased; who changed what stays)' },
  attendance_records: { fr: 'Présences (gardées, rattachées à la personne anonyme : les totaux restent justes)', en: 'Attendance records (kept, tied to the anonymous person: totals stay right)' },
  attestation_requests: { fr: 'Demandes d\'attestation (nom, employeur, courriel RH)', en: 'Attestation requests (name, employer, HR email)' },
  attestations_minimised: { fr: 'Attestations réduites au minimum (employeur et séances retirés)', en: 'Attestations reduced to the minimum (employer and sessions removed)' },
  outgoing_messages: { fr: 'Messages envoyés ou conservés', en: 'Messages sent or stored' },
  synthesis_drafts: { fr: 'Brouillons de la synthèse', en: 'Synthesis drafts' },
  synthesis_submissions: { fr: 'Remises de la synthèse (toutes les versions)', en: 'Synthesis hand-ins (every version)' },
  files: { fr: 'Fichiers remis', en: 'Files handed in' },
  synthesis_grades: { fr: 'Notes et commentaires de la synthèse (copie locale)', en: 'Synthesis grades and feedback (local copy)' },
  synthesis_grade_history: { fr: 'Historique des notes de la synthèse', en: 'Synthesis grade history' },
  synthesis_extensions: { fr: 'Prolongations accordées', en: 'Extensions granted' },
  grade_deliveries: { fr: 'Notes déjà livrées à l\'environnement numérique d\'apprentissage (copie d\'envoi)', en: 'Grades already delivered to the LMS (delivery copy)' },
  grade_comments: { fr: 'Commentaires des notes en attente de livraison (seule la note reste)', en: 'Comments of grades waiting for delivery (only the score stays)' },
  lti_launch_data: { fr: 'Copies des lancements depuis l\'environnement numérique d\'apprentissage (nom, courriel, cours)', en: 'Copies of launches from the LMS (name, email, course)' }
}

export const channelLabels: Record<Channel, { fr: string, en: string }> = {
  email: { fr: 'Courriel', en: 'Email' },
  phone: { fr: 'Téléphone', en: 'Phone' },
  in_person: { fr: 'En personne', en: 'In person' },
  letter: { fr: 'Lettre', en: 'Letter' },
  other: { fr: 'Autre', en: 'Other' }
}

const actionLabels: Labels = {
  recorded: { fr: 'Demande enregistrée', en: 'Request recorded' },
  confirmed: { fr: 'Effacement confirmé et effectué', en: 'Erasure confirmed and carried out' },
  confirmed_again: { fr: 'Confirmation répétée (rien de plus à faire)', en: 'Confirmation repeated (nothing more to do)' },
  refused: { fr: 'Confirmation refusée : la personne appartient aussi à d\'autres événements', en: 'Confirmation refused: the person also belongs to other events' }
}

const label = (labels: Labels, key: string, locale: Locale): string => labels[key]?.[locale] ?? key
const stamp = (date: Date, zone: string): string => DateTime.fromJSDate(date, { zone }).toFormat('yyyy-LL-dd HH:mm')
const day = (date: Date, zone: string): string => DateTime.fromJSDate(date, { zone }).toFormat('yyyy-LL-dd')

function countList (locale: Locale, counts: Counts | Record<string, number>): string {
  const rows = Object.entries(counts).filter(([, n]) => (n ?? 0) > 0)
  if (rows.length === 0) return html`<p>${locale === 'fr' ? 'Rien à effacer.' : 'Nothing to erase.'}</p>`
  return html`<ul>!${rows.map(([kind, n]) => html`<li>${label(kindLabels, kind, locale)} : <strong>${n ?? 0}</strong></li>`)}</ul>`
}

function keptList (locale: Locale, preview: ErasurePreview): string {
  const fr = locale === 'fr'
  const k = preview.kept
  const items: string[] = [
    html`<li>${fr
      ? `Attestations émises (${k.attestations}) : gardées avec le minimum (nom imprimé, formation, dates, heures, statut, empreinte), pour que l'attestation remise reste vérifiable par son code. Le PDF émis est gardé tel quel : c'est le document officiel dont la vérification compare l'empreinte.`
      : `Issued attestations (${k.attestations}): kept with the minimum (printed name, training, dates, hours, status, fingerprint), so the attestation handed out stays verifiable by its code. The issued PDF is kept as is: it is the official document whose fingerprint the verification compares.`}</li>`,
    html`<li>${fr
      ? `Notes déjà dans le carnet de notes de l'environnement numérique d'apprentissage (${k.deliveredGrades}) : c'est le dossier de l'université ; Compagnon ne peut ni ne doit les effacer là-bas.`
      : `Grades already in the LMS gradebook (${k.deliveredGrades}): they are the university's record; Compagnon cannot and must not erase them there.`}</li>`,
    html`<li>${fr
      ? `Notes en attente de livraison (${k.pendingGrades}) : seule la note (le chiffre) reste, le temps de la livrer au carnet de notes ; la remise, son texte, ses fichiers et le commentaire sont effacés.`
      : `Grades waiting for delivery (${k.pendingGrades}): only the score stays, until delivered to the gradebook; the hand-in, its text, its files and the comment are erased.`}</li>`,
    html`<li>${fr
      ? `Inscriptions (${k.registrations}) : gardées, rattachées à la personne anonyme (les effectifs restent justes).`
      : `Registrations (${k.registrations}): kept, tied to the anonymous person (head counts stay right).`}</li>`,
    html`<li>${fr
      ? `Journal des accès du personnel à ses données (${k.accessLog}) : gardé pour la reddition de comptes, jusqu'à la fin de sa période de conservation.`
      : `Log of staff accesses to their data (${k.accessLog}): kept for accountability until its retention period ends.`}</li>`,
    html`<li>${fr
      ? 'Obligation légale de conservation (recours, plainte, enquête, révision de note en cours) : ne confirmez pas tant qu\'elle dure ; notez-la dans le motif.'
      : 'Legal hold (appeal, complaint, investigation, grade review under way): do not confirm while it lasts; note it in the reason.'}</li>`
  ]
  const courses = k.activeCourses.length === 0
    ? ''
    : html`<p class="notice">${fr
      ? `Cette personne est encore inscrite dans l'environnement numérique d'apprentissage (${k.activeCourses.map(c => c.title ?? c.label ?? '?').join(', ')}). Compagnon garde une empreinte scellée de son compte : les synchronisations de la liste de cours ne la recréeront pas, et ses lancements seront refusés. L'environnement numérique d'apprentissage garde toutefois ses propres données : demandez aussi son retrait du cours à ses responsables.`
      : `This person is still enrolled in the LMS (${k.activeCourses.map(c => c.title ?? c.label ?? '?').join(', ')}). Compagnon keeps a sealed fingerprint of their account: roster syncs will not recreate them and their launches will be refused. The LMS keeps its own data, though: ask its administrators to withdraw them from the course too.`}</p>`
  return html`<ul>!${items}</ul>!${courses}`
}

/** Why this caller cannot confirm, and who must agree. */
const blockedNotice = (locale: Locale, preview: ErasurePreview): string => preview.blocked === null
  ? ''
  : html`<p class="notice" role="alert">${preview.blocked.message[locale]}</p>`

function previewBlock (locale: Locale, preview: ErasurePreview): string {
  const fr = locale === 'fr'
  return html`!${blockedNotice(locale, preview)}<h2>${fr ? 'Ce qui sera effacé ou anonymisé' : 'What will be erased or anonymised'}</h2>
!${countList(locale, preview.erase)}
<h2>${fr ? 'Ce qui doit être gardé, et pourquoi' : 'What must be kept, and why'}</h2>
!${keptList(locale, preview)}`
}

const personLine = (locale: Locale, p: Candidate): string =>
  html`${p.display_name}!${p.email !== null ? html` <span class="muted">&lt;${p.email}&gt;</span>` : ''} <span class="muted">(${p.roles.join(', ')})</span>!${p.anonymised_at !== null ? html` — <strong>${locale === 'fr' ? 'déjà effacée' : 'already erased'}</strong>` : ''}`

export interface ErasurePageView {
  event: EventInfo
  query: string
  found: Candidate[] | undefined
  preview: ErasurePreview | undefined
  requests: Array<RequestRow & { person_name: string | null }>
  today: string
}

export function erasurePage (locale: Locale, view: ErasurePageView, path: string): string {
  const fr = locale === 'fr'
  const base = erasureBase(view.event.id)
  const zone = view.event.timezone
  const title = fr ? 'Demandes d\'effacement' : 'Erasure requests'
  const found = view.found === undefined
    ? ''
    : view.found.length === 0
      ? html`<p role="status">${fr ? 'Aucune personne inscrite ne correspond.' : 'No registered person matches.'}</p>`
      : html`<ul role="status">!${view.found.map(p => html`<li><a href="${base}?personne=${p.id}&amp;q=${view.query}&amp;lang=${locale}">${p.display_name}</a>!${p.email !== null ? html` <span class="muted">&lt;${p.email}&gt;</span>` : ''} <span class="muted">(${p.roles.join(', ')})</span>!${p.anonymised_at !== null ? html` — ${fr ? 'déjà effacée' : 'already erased'}` : ''}</li>`)}</ul>`
  const preview = view.preview === undefined
    ? ''
    : html`<section aria-labelledby="apercu">
<h2 id="apercu">${fr ? 'Personne' : 'Person'} : !${personLine(locale, view.preview.person)}</h2>
!${view.preview.person.anonymised_at !== null
  ? html`<p>${fr ? 'Les données de cette personne ont déjà été effacées.' : 'This person\'s data has already been erased.'}</p>`
  : html`!${previewBlock(locale, view.preview)}
<h2>${fr ? 'Enregistrer la demande' : 'Record the request'}</h2>
<p>${fr ? 'L\'enregistrement n\'efface rien encore : vous confirmerez à l\'étape suivante.' : 'Recording erases nothing yet: you confirm at the next step.'}</p>
<form method="post" action="${base}?lang=${locale}">
<input type="hidden" name="personId" value="${view.preview.person.id}">
<p><label for="requestedOn">${fr ? 'Date de la demande de la personne' : 'Date the person asked'}</label><br><input type="date" id="requestedOn" name="requestedOn" required max="${view.today}" value="${view.today}"></p>
<p><label for="channel">${fr ? 'Reçue par' : 'Received by'}</label><br><select id="channel" name="channel">!${(Object.keys(channelLabels) as Channel[]).map(c => html`<option value="${c}">${channelLabels[c][locale]}</option>`)}</select></p>
<p><label for="reason">${fr ? 'Motif ou précisions (facultatif, 1000 caractères au plus)' : 'Reason or details (optional, at most 1000 characters)'}</label><br><textarea id="reason" name="reason" rows="3" cols="60" maxlength="1000"></textarea></p>
<p><button type="submit">${fr ? 'Enregistrer la demande' : 'Record the request'}</button></p>
</form>`}
</section>`
  return layout({
    locale,
    path,
    title,
    body: html`<p><a href="/organisateurs?lang=${locale}">${fr ? 'Espace organisation' : 'Organizer area'}</a></p>
<h1>${title} — ${fr ? view.event.title.fr : view.event.title.en}</h1>
<p>${fr
  ? 'Loi 25 : une personne peut demander l\'effacement de ses renseignements personnels. Trouvez-la, vérifiez ce qui sera effacé et ce qui doit être gardé, enregistrez sa demande, puis confirmez. Chaque étape est journalisée (qui, quand).'
  : 'Québec\'s Law 25: a person may ask for their personal information to be erased. Find them, check what will be erased and what must be kept, record their request, then confirm. Every step is logged (who, when).'}</p>
<form method="get" action="${base}" role="search">
<input type="hidden" name="lang" value="${locale}">
<p><label for="q">${fr ? 'Nom ou courriel' : 'Name or email'}</label><br><input type="search" id="q" name="q" minlength="2" maxlength="200" value="${view.query}"> <button type="submit">${fr ? 'Chercher' : 'Search'}</button></p>
</form>
!${found}
!${preview}
<h2>${fr ? 'Demandes reçues' : 'Requests received'}</h2>
!${view.requests.length === 0
  ? html`<p>${fr ? 'Aucune demande pour cet événement.' : 'No request for this event.'}</p>`
  : html`<table>
<caption class="muted">${fr ? `Heures de ${zone}` : `Times in ${zone}`}</caption>
<thead><tr><th scope="col">${fr ? 'Enregistrée' : 'Recorded'}</th><th scope="col">${fr ? 'Personne' : 'Person'}</th><th scope="col">${fr ? 'État' : 'Status'}</th></tr></thead>
<tbody>!${view.requests.map(r => html`<tr><td><a href="${base}/${r.id}?lang=${locale}">${stamp(r.recorded_at, zone)}</a></td><td>${r.person_name ?? '—'}</td><td>${r.status === 'done' ? (fr ? 'Effacement fait' : 'Erased') : (fr ? 'À confirmer' : 'To confirm')}</td></tr>`)}</tbody>
</table>`}`
  })
}

export function requestPage (locale: Locale, event: EventInfo, view: RequestView & { repeated?: boolean }, path: string): string {
  const fr = locale === 'fr'
  const base = erasureBase(event.id)
  const zone = event.timezone
  const r = view.request
  const done = r.status === 'done'
  const title = fr ? 'Demande d\'effacement' : 'Erasure request'
  return layout({
    locale,
    path,
    title,
    body: html`<p><a href="${base}?lang=${locale}">${fr ? 'Demandes d\'effacement' : 'Erasure requests'} — ${fr ? event.title.fr : event.title.en}</a></p>
<h1>${title}</h1>
!${view.repeated === true ? html`<p class="notice" role="status">${fr ? 'Cette demande était déjà traitée : rien de plus n\'a été effacé.' : 'This request was already carried out: nothing more was erased.'}</p>` : ''}
<dl class="receipt">
<dt>${fr ? 'Personne' : 'Person'}</dt><dd>!${view.person !== undefined ? personLine(locale, view.person) : '—'}</dd>
<dt>${fr ? 'Demandée le' : 'Asked on'}</dt><dd>${day(r.requested_at, zone)}</dd>
<dt>${fr ? 'Reçue par' : 'Received by'}</dt><dd>${channelLabels[r.channel as Channel]?.[locale] ?? r.channel}</dd>
<dt>${fr ? 'Motif' : 'Reason'}</dt><dd>${r.reason ?? '—'}</dd>
<dt>${fr ? 'État' : 'Status'}</dt><dd>${done ? (fr ? `Effacement fait le ${stamp(r.completed_at!, zone)}` : `Erased on ${stamp(r.completed_at!, zone)}`) : (fr ? 'Enregistrée, à confirmer' : 'Recorded, to confirm')}</dd>
</dl>
!${done
  ? html`<h2>${fr ? 'Ce qui a été effacé ou anonymisé' : 'What was erased or anonymised'}</h2>!${countList(locale, (r.counts ?? {}) as Record<string, number>)}`
  : view.preview !== undefined
    ? view.preview.blocked !== null
      ? previewBlock(locale, view.preview)
      : html`!${previewBlock(locale, view.preview)}
<form method="post" action="${base}/${r.id}/confirmer?lang=${locale}">
<p><button type="submit">${fr ? 'Confirmer l\'effacement' : 'Confirm the erasure'}</button></p>
<p class="muted">${fr ? 'Irréversible : tout se fait d\'un coup, ou rien.' : 'Cannot be undone: everything happens at once, or nothing.'}</p>
</form>`
    : ''}
<h2>${fr ? 'Journal' : 'Log'}</h2>
<ul>!${view.audit.map(a => html`<li><time datetime="${a.at.toISOString()}">${stamp(a.at, zone)}</time> — ${label(actionLabels, a.action, locale)} (${a.actorName ?? '—'})</li>`)}</ul>`
  })
}
