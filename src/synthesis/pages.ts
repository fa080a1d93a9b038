import { html } from 'ghtml'
import { DateTime } from 'luxon'
import { layout } from '../views/layout.js'
import { colon, periodAfter, sentence, type Locale } from '../views/i18n.js'
import type { GradeRow } from './repository.js'
import type { RosterEntry, SubmissionWindow, Version } from './service.js'
import { FILE_KINDS, type Assignment, type StudentStatus } from './schemas.js'
import { RUBRIC_FORMAT_HELP } from './rubric-text.js'
import { privacyNoticeLine } from '../privacy/pages.js'

const luxonLocale = (locale: Locale): string => locale === 'fr' ? 'fr-CA' : 'en-CA'

/** "vendredi 24 octobre 2025 à 9 h 00" / "Friday, October 24, 2025 at 9:00 a.m." in the event's zone. */
export function when (date: Date, zone: string, locale: Locale): string {
  const dt = DateTime.fromJSDate(date, { zone }).setLocale(luxonLocale(locale))
  return locale === 'fr' ? dt.toFormat("cccc d LLLL yyyy 'à' H'\u00a0h\u00a0'mm") : dt.toFormat("cccc, LLLL d, yyyy 'at' h:mm\u00a0a")
}

/** "10:42" in the event's zone. */
export const clockTime = (date: Date, zone: string): string => DateTime.fromJSDate(date, { zone }).toFormat('HH:mm')

/** The value of an `<input type="datetime-local">` for an instant, in the event's zone. */
export const localInput = (date: Date | null, zone: string): string => date === null ? '' : DateTime.fromJSDate(date, { zone }).toFormat("yyyy-LL-dd'T'HH:mm")

export function sizeText (bytes: number, locale: Locale): string {
  const format = (n: number): string => n.toLocaleString(luxonLocale(locale), { maximumFractionDigits: 1 })
  if (bytes < 1024) return `${bytes} ${locale === 'fr' ? 'octets' : 'bytes'}`
  if (bytes < 1024 * 1024) return `${format(bytes / 1024)} ${locale === 'fr' ? 'Ko' : 'KB'}`
  return `${format(bytes / 1024 / 1024)} ${locale === 'fr' ? 'Mo' : 'MB'}`
}

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'
const points = (n: number, locale: Locale): string => n.toLocaleString(luxonLocale(locale), { maximumFractionDigits: 2 })
const kindsText = (a: Assignment): string => a.allowedTypes.map(k => k.toUpperCase()).join(', ')
const fileUrl = (contextId: string, submissionId: string, position: number, download: boolean): string =>
  `/api/v1/courses/${contextId}/synthesis/submissions/${submissionId}/files/${position}${download ? '?telecharger=1' : ''}`
export const base = (contextId: string): string => `/cours/synthese/${contextId}`

export const statusLabels: Record<StudentStatus, { fr: string, en: string }> = {
  not_submitted: { fr: 'Non remis', en: 'Not submitted' },
  submitted: { fr: 'Remis', en: 'Submitted' },
  late: { fr: 'Remis en retard', en: 'Submitted late' },
  graded: { fr: 'Noté', en: 'Graded' }
}

const windowLabels: Record<SubmissionWindow['state'], { fr: string, en: string }> = {
  not_open: { fr: 'La remise n\'est pas encore ouverte.', en: 'Hand-in is not open yet.' },
  open: { fr: 'La remise est ouverte.', en: 'Hand-in is open.' },
  late: { fr: 'L\'échéance est passée : une remise sera signalée en retard.', en: 'The due time has passed: a hand-in will be flagged late.' },
  closed: { fr: 'La remise est fermée.', en: 'Hand-in is closed.' }
}

/** Opening, due time (the student's own when extended), grace and late work, in words. */
function windowFacts (locale: Locale, a: Assignment, w: SubmissionWindow, zone: string): string {
  const fr = locale === 'fr'
  const late = a.acceptLate
    ? (w.closesAt === null
        ? (fr ? 'Les remises en retard sont acceptées (elles sont signalées en retard).' : 'Late work is accepted (it is flagged late).')
        : (fr ? `Les remises en retard sont acceptées jusqu'au ${when(w.closesAt, zone, locale)} (elles sont signalées en retard).` : `Late work is accepted until ${when(w.closesAt, zone, locale)} (it is flagged late).`))
    : (fr ? 'Les remises en retard ne sont pas acceptées.' : 'Late work is not accepted.')
  return html`<ul>
<li>${fr ? 'Ouverture' : 'Opens'}${colon(locale)} ${when(w.opensAt, zone, locale)}</li>
<li>${fr ? 'Échéance' : 'Due'}${colon(locale)} <strong>${when(w.dueAt, zone, locale)}</strong>!${w.extended ? html` — ${fr ? 'prolongation accordée (échéance du cours' : 'extension granted (the course\'s due time is'} ${when(a.dueAt, zone, locale)})` : ''}!${a.graceMinutes > 0 ? html` ${fr ? `(délai de grâce de ${a.graceMinutes} min)` : `(${a.graceMinutes} min grace period)`}` : ''}</li>
<li>${late}</li>
<li>${fr ? 'Heure de' : 'Times in'} ${zone}.</li>
</ul>`
}

function versionBlock (locale: Locale, contextId: string, v: Version, zone: string, options: { highlight: boolean, showText: boolean, receiptLink: boolean }): string {
  const fr = locale === 'fr'
  return html`<article id="recu-${v.submissionId}" class="receipt${options.highlight ? ' highlight' : ''}" aria-labelledby="v-${v.submissionId}">
<h3 id="v-${v.submissionId}">Version ${v.version} — <time datetime="${v.submittedAt.toISOString()}">${when(v.submittedAt, zone, locale)}</time>!${v.late ? html` <span class="tag-late">${fr ? 'en retard' : 'late'}</span>` : ''}</h3>
<dl class="receipt-facts">
<dt>${fr ? 'Reçue le' : 'Received'}</dt><dd>${when(v.submittedAt, zone, locale)} (<code>${v.submittedAt.toISOString()}</code>)${v.late ? (fr ? ', en retard' : ', late') : (fr ? ', à temps' : ', on time')}</dd>
<dt>${fr ? 'Texte' : 'Text'}</dt><dd>!${v.text === null ? html`${fr ? 'aucun' : 'none'}` : html`${v.text.characters} ${fr ? 'caractères' : 'characters'} — SHA-256 <code data-sha256="text">${v.text.sha256}</code>`}</dd>
<dt>${fr ? 'Fichiers' : 'Files'}</dt><dd>!${v.files.length === 0
  ? html`${fr ? 'aucun' : 'none'}`
  : html`<ul>!${v.files.map(f => html`<li><a href="${fileUrl(contextId, v.submissionId, f.position, false)}">${f.filename}</a> (${sizeText(f.size, locale)}!${f.mediaType === 'application/pdf' ? (fr ? ', s\'ouvre dans le navigateur' : ', opens in the browser') : ''}) · !${f.mediaType === DOCX ? html`<a href="${base(contextId)}/apercu/${v.submissionId}/${f.position}?lang=${locale}" aria-label="${fr ? 'Lire dans le navigateur' : 'Read in the browser'} ${f.filename}">${fr ? 'Lire dans le navigateur' : 'Read in the browser'}</a> · ` : ''}<a href="${fileUrl(contextId, v.submissionId, f.position, true)}" aria-label="${fr ? 'Télécharger' : 'Download'} ${f.filename}">${fr ? 'Télécharger' : 'Download'}</a><br>SHA-256 <code data-sha256="file-${f.position}">${f.sha256}</code></li>`)}</ul>`}</dd>
</dl>
!${options.showText && v.textBody !== null ? html`<h4>${fr ? 'Texte remis' : 'Text handed in'}</h4><div class="answer">${v.textBody}</div>` : ''}
!${options.receiptLink ? html`<p><a href="${base(contextId)}/recu/${v.submissionId}?lang=${locale}" download>${fr ? 'Télécharger le reçu de la version' : 'Download the receipt of version'} ${v.version}</a></p>` : ''}
</article>`
}

function rubricResult (locale: Locale, a: Assignment, levels: Record<string, string> | null): string {
  if (a.rubric === null || levels === null) return ''
  const fr = locale === 'fr'
  return html`<table><caption>${fr ? 'Grille d\'évaluation' : 'Rubric'}</caption><thead><tr><th scope="col">${fr ? 'Critère' : 'Criterion'}</th><th scope="col">${fr ? 'Niveau' : 'Level'}</th><th scope="col">Points</th></tr></thead>
<tbody>!${a.rubric.criteria.map(c => {
  const level = c.levels.find(l => l.id === levels[c.id])
  return html`<tr><th scope="row">${c.title[locale]}</th><td>${level?.label[locale] ?? '—'}</td><td>${level === undefined ? '—' : `${points(level.points, locale)} / ${points(Math.max(...c.levels.map(l => l.points)), locale)}`}</td></tr>`
})}</tbody></table>`
}

export interface StudentView {
  contextId: string
  course: string
  zone: string
  assignment: Assignment
  window: SubmissionWindow
  versions: Version[]
  grade: GradeRow | null
  draft: { text: string, savedAt: Date } | null
  /** The version just handed in (?recu=). */
  highlight: string | undefined
  /** Where this browser keeps its copy of the draft (localStorage). */
  draftKey: string
}

/** A student's synthesis: instructions, window, hand-in form with autosave, versions with receipts, published grade. */
export function studentPage (locale: Locale, view: StudentView, path: string): string {
  const fr = locale === 'fr'
  const { assignment: a, window: w, zone, contextId } = view
  const latest = view.versions[0]
  const instructions = a.instructions[locale].trim() !== '' ? a.instructions[locale] : a.instructions.fr
  const highlighted = view.versions.find(v => v.submissionId === view.highlight)
  const canHandIn = w.state === 'open' || w.state === 'late'
  const accept = a.allowedTypes.map(k => `.${k}`).join(',')
  const text = view.draft?.text ?? latest?.textBody ?? ''
  const received = highlighted === undefined ? '' : when(highlighted.submittedAt, zone, locale)
  return layout({
    locale,
    path,
    title: a.title,
    body: html`<h1>${a.title}</h1>
<p class="lead">${view.course}</p>
!${highlighted !== undefined
  ? html`<div class="notice" role="status" tabindex="-1" id="receipt-notice">
<p><strong>${fr ? 'Remise reçue' : 'Hand-in received'}</strong> — version ${highlighted.version}, ${received}!${highlighted.late ? (fr ? ' (en retard).' : ' (late).') : periodAfter(received)}</p>
<p>${fr ? 'Votre reçu (empreintes SHA-256 de votre texte et de vos fichiers) est ci-dessous.' : 'Your receipt (SHA-256 fingerprints of your text and files) is below.'} <a href="${base(contextId)}/recu/${highlighted.submissionId}?lang=${locale}" download>${fr ? 'Télécharger le reçu' : 'Download the receipt'}</a></p>
</div>`
  : ''}
<section aria-labelledby="instructions">
<h2 id="instructions">${fr ? 'Consignes' : 'Instructions'}</h2>
!${instructions.trim() === '' ? html`<p class="muted">${fr ? 'Les consignes seront données en classe.' : 'Instructions will be given in class.'}</p>` : html`<div class="answer" lang="${a.instructions[locale].trim() !== '' ? locale : 'fr'}">${instructions}</div>`}
</section>
<section aria-labelledby="window">
<h2 id="window">${fr ? 'Période de remise' : 'Hand-in window'}</h2>
<p><strong>${windowLabels[w.state][locale]}</strong></p>
!${windowFacts(locale, a, w, zone)}
</section>
!${view.grade !== null
  ? html`<section aria-labelledby="grade">
<h2 id="grade">${fr ? 'Ma note' : 'My grade'}</h2>
<p class="big">${view.grade.score === null ? '—' : points(view.grade.score, locale)} / ${points(a.maxPoints, locale)}</p>
!${rubricResult(locale, a, view.grade.rubric_levels)}
!${view.grade.feedback.trim() !== '' ? html`<h3>${fr ? 'Commentaires' : 'Feedback'}</h3><div class="answer">${view.grade.feedback}</div>` : ''}
</section>`
  : ''}
<section aria-labelledby="hand-in">
<h2 id="hand-in">${latest === undefined ? (fr ? 'Remettre ma synthèse' : 'Hand in my synthesis') : (fr ? 'Remettre une nouvelle version' : 'Hand in a new version')}</h2>
!${canHandIn
  ? html`<form class="stack wide" method="post" action="${base(contextId)}/remise?lang=${locale}" enctype="multipart/form-data">
<label for="text">${fr ? 'Mon texte' : 'My text'}</label>
<textarea id="text" name="text" rows="14" maxlength="100000" aria-describedby="autosave-status" data-autosave="${base(contextId)}/brouillon" data-saved-at="${view.draft?.savedAt.toISOString() ?? ''}" data-key="${view.draftKey}" data-locale="${locale}" data-zone="${zone}">${text}</textarea>
<p id="autosave-status" class="muted" role="status" aria-live="polite" data-autosave-status>${view.draft !== null ? (fr ? `Brouillon enregistré à ${clockTime(view.draft.savedAt, zone)}` : `Draft saved at ${clockTime(view.draft.savedAt, zone)}`) : (fr ? 'Votre texte est enregistré automatiquement pendant que vous écrivez.' : 'Your text is saved automatically as you write.')}</p>
!${a.maxFiles > 0
  ? html`<label for="files">${fr ? 'Fichiers' : 'Files'}</label>
<input id="files" type="file" name="files" multiple accept="${accept}" aria-describedby="files-help">
<p id="files-help" class="muted">${kindsText(a)}${fr ? ' ; ' : '; '}${sizeText(a.maxFileBytes, locale)} ${fr ? 'au plus par fichier' : 'at most per file'}${fr ? ' ; ' : '; '}${a.maxFiles} ${fr ? 'fichier(s) au plus par remise, fichiers conservés compris.' : 'file(s) at most per hand-in, kept files included.'}</p>`
  : ''}
!${latest !== undefined && latest.files.length > 0
  ? html`<fieldset><legend>${fr ? `Fichiers de la version ${latest.version} à conserver` : `Files of version ${latest.version} to keep`}</legend>
!${latest.files.map(f => html`<label class="choice"><input type="checkbox" name="keep" value="${f.position}" checked> ${f.filename} (${sizeText(f.size, locale)})</label>`)}
</fieldset>`
  : ''}
<p class="muted">${fr ? 'Chaque remise crée une nouvelle version ; les versions précédentes sont conservées.' : 'Each hand-in creates a new version; earlier versions are kept.'}</p>
<button type="submit">${fr ? 'Remettre' : 'Hand in'}</button>
</form>
<script src="/assets/synthesis.js"></script>`
  : html`<p>${w.state === 'not_open'
  ? sentence(fr ? `La remise ouvrira le ${when(w.opensAt, zone, locale)}` : `Hand-in opens on ${when(w.opensAt, zone, locale)}`)
  : sentence(fr ? `La remise est fermée depuis le ${when(w.closesAt ?? w.dueAt, zone, locale)}` : `Hand-in closed on ${when(w.closesAt ?? w.dueAt, zone, locale)}`)}</p>`}
</section>
<section aria-labelledby="versions">
<h2 id="versions">${fr ? 'Mes remises et reçus' : 'My hand-ins and receipts'}</h2>
!${view.versions.length === 0 ? html`<p>${fr ? 'Aucune remise pour l\'instant.' : 'Nothing handed in yet.'}</p>` : view.versions.map(v => versionBlock(locale, contextId, v, zone, { highlight: v.submissionId === view.highlight, showText: false, receiptLink: true }))}
</section>
<p><a href="/cours?lang=${locale}">${fr ? 'Retour au cours' : 'Back to the course'}</a></p>
!${privacyNoticeLine(locale)}`
  })
}

/** The receipt as a plain text file (UTF-8). */
export function receiptText (locale: Locale, view: { course: string, title: string, student: string, version: Version, zone: string }): string {
  const fr = locale === 'fr'
  const v = view.version
  const lines = [
    fr ? 'REÇU DE REMISE — Compagnon (ÉNAP)' : 'HAND-IN RECEIPT — Compagnon (ÉNAP)',
    '',
    `${fr ? 'Cours' : 'Course'}${colon(locale)} ${view.course}`,
    `${fr ? 'Activité' : 'Activity'}${colon(locale)} ${view.title}`,
    `${fr ? 'Personne étudiante' : 'Student'}${colon(locale)} ${view.student}`,
    `Version${colon(locale)} ${v.version}`,
    `${fr ? 'Reçue le' : 'Received'}${colon(locale)} ${when(v.submittedAt, view.zone, locale)} (${view.zone})`,
    `${fr ? 'Horodatage (ISO 8601, UTC)' : 'Timestamp (ISO 8601, UTC)'}${colon(locale)} ${v.submittedAt.toISOString()}`,
    `${fr ? 'Échéance' : 'Due'}${colon(locale)} ${when(v.dueAt, view.zone, locale)} (${v.dueAt.toISOString()})`,
    `${fr ? 'En retard' : 'Late'}${colon(locale)} ${v.late ? (fr ? 'oui' : 'yes') : (fr ? 'non' : 'no')}`,
    `${fr ? 'Identifiant de la remise' : 'Hand-in id'}${colon(locale)} ${v.submissionId}`,
    '',
    v.text === null
      ? `${fr ? 'Texte' : 'Text'}${colon(locale)} ${fr ? 'aucun' : 'none'}`
      : `${fr ? 'Texte' : 'Text'}${colon(locale)} ${v.text.characters} ${fr ? 'caractères' : 'characters'}, SHA-256 ${v.text.sha256}`,
    `${fr ? 'Fichiers' : 'Files'}${colon(locale)} ${v.files.length}`,
    ...v.files.map(f => `  - ${f.filename} (${f.size} ${fr ? 'octets' : 'bytes'}, ${f.mediaType}) SHA-256 ${f.sha256}`),
    '',
    fr
      ? 'Les empreintes SHA-256 identifient exactement le contenu reçu : un fichier modifié d\'un seul octet en aurait une autre.'
      : 'SHA-256 fingerprints identify exactly the content received: a file changed by a single byte would have another.'
  ]
  return lines.join('\r\n') + '\r\n'
}

export interface RosterView {
  contextId: string
  course: string
  zone: string
  assignment: Assignment
  students: RosterEntry[]
  summary: { published: number, skipped: number } | null
}

/** Instructors: every student of the roster with status, latest version, score and extension; bulk publication. */
export function rosterPage (locale: Locale, view: RosterView, path: string): string {
  const fr = locale === 'fr'
  const { assignment: a, zone, contextId } = view
  const drafts = view.students.filter(s => s.grade?.state === 'draft').length
  return layout({
    locale,
    path,
    title: fr ? `Remises — ${a.title}` : `Hand-ins — ${a.title}`,
    body: html`<h1>${fr ? 'Remises et notes' : 'Hand-ins and grades'} — ${a.title}</h1>
<p class="lead">${view.course} · ${fr ? 'échéance' : 'due'} ${when(a.dueAt, zone, locale)} · ${fr ? 'sur' : 'out of'} ${points(a.maxPoints, locale)} points!${a.rubric !== null ? (fr ? ', avec grille' : ', with a rubric') : ''}</p>
!${view.summary !== null ? html`<div class="notice" role="status"><p>${fr ? `${view.summary.published} note(s) publiée(s) et envoyée(s) au LMS.` : `${view.summary.published} grade(s) published and sent to the LMS.`}!${view.summary.skipped > 0 ? (fr ? ` ${view.summary.skipped} ignorée(s) (sans note enregistrée, ou déjà publiée).` : ` ${view.summary.skipped} skipped (no saved score, or already published).`) : ''}</p></div>` : ''}
<p><a href="${base(contextId)}/parametres?lang=${locale}">${fr ? 'Paramètres de la synthèse (consignes, dates, fichiers, grille)' : 'Synthesis settings (instructions, dates, files, rubric)'}</a></p>
!${view.students.length === 0
  ? html`<p>${fr ? 'Aucune personne étudiante dans la liste de la classe. Synchronisez la liste depuis la page du cours.' : 'No student in the class list. Sync the list from the course page.'}</p>`
  : html`<form method="post" action="${base(contextId)}/publier?lang=${locale}">
<table>
<caption>${fr ? `${view.students.length} personne(s) étudiante(s), ${drafts} note(s) en brouillon` : `${view.students.length} student(s), ${drafts} draft grade(s)`}</caption>
<thead><tr><th scope="col">${fr ? 'Choisir' : 'Select'}</th><th scope="col">${fr ? 'Nom' : 'Name'}</th><th scope="col">${fr ? 'État' : 'Status'}</th><th scope="col">${fr ? 'Dernière version' : 'Latest version'}</th><th scope="col">${fr ? 'Note' : 'Score'}</th><th scope="col">${fr ? 'Prolongation' : 'Extension'}</th></tr></thead>
<tbody>!${view.students.map(s => html`<tr>
<td><input type="checkbox" name="personIds" value="${s.personId}" aria-label="${fr ? 'Choisir' : 'Select'} ${s.name}"!${s.grade?.state === 'draft' ? '' : ' disabled'}></td>
<th scope="row"><a href="${base(contextId)}/remises/${s.personId}?lang=${locale}">${s.name}</a></th>
<td>${statusLabels[s.status][locale]}!${s.grade?.state === 'draft' ? html` · <strong>${fr ? 'note en brouillon' : 'draft grade'}</strong>` : ''}</td>
<td>!${s.latest === null ? '—' : html`${fr ? 'v.' : 'v'}${s.latest.version}, ${when(s.latest.submittedAt, zone, locale)}`}</td>
<td>${s.grade?.score === null || s.grade === null ? '—' : `${points(s.grade.score, locale)} / ${points(a.maxPoints, locale)}`}</td>
<td>${s.extensionDueAt === null ? '—' : when(s.extensionDueAt, zone, locale)}</td>
</tr>`)}</tbody>
</table>
<p><button type="submit">${fr ? 'Publier les notes sélectionnées' : 'Publish the selected grades'}</button></p>
<p class="muted">${fr ? 'Seules les notes en brouillon peuvent être choisies ; publier les envoie au carnet de notes du LMS.' : 'Only draft grades can be selected; publishing sends them to the LMS gradebook.'}</p>
</form>`}
<p><a href="/cours?lang=${locale}">${fr ? 'Retour au cours' : 'Back to the course'}</a></p>`
  })
}

export interface GradingView {
  contextId: string
  course: string
  zone: string
  assignment: Assignment
  student: { personId: string, name: string, email: string | null }
  window: SubmissionWindow
  versions: Version[]
  grade: GradeRow | null
  history: Array<{ action: string, before: unknown, after: unknown, changed_at: Date, changed_by_name: string | null }>
  extension: { dueAt: Date, reason: string | null } | null
  notice: string | null
}

const audit = (value: unknown, locale: Locale): string => [auditScore(value, locale), auditState(value, locale)].filter(s => s !== '').join(' ')
const auditScore = (audit: unknown, locale: Locale): string => {
  const score = (audit as { score?: number | null } | null)?.score
  return score === undefined || score === null ? '—' : points(score, locale)
}
const auditState = (audit: unknown, locale: Locale): string => {
  const state = (audit as { state?: string } | null)?.state
  if (state === undefined) return ''
  return state === 'published' ? (locale === 'fr' ? 'publiée' : 'published') : (locale === 'fr' ? 'brouillon' : 'draft')
}

/** Instructors: one student's versions (newest first), the grading form, grade history and extension. */
export function gradingPage (locale: Locale, view: GradingView, path: string): string {
  const fr = locale === 'fr'
  const { assignment: a, zone, contextId, student, grade } = view
  const url = `${base(contextId)}/remises/${student.personId}`
  const levels = grade?.rubric_levels ?? {}
  return layout({
    locale,
    path,
    title: `${student.name} — ${a.title}`,
    body: html`<h1>${student.name} — ${a.title}</h1>
<p class="lead">${view.course}!${student.email !== null ? html` · <a href="mailto:${student.email}">${student.email}</a>` : ''}</p>
!${view.notice !== null ? html`<div class="notice" role="status"><p>${view.notice}</p></div>` : ''}
<p><a href="${base(contextId)}/remises?lang=${locale}">${fr ? 'Retour à la liste des remises' : 'Back to the list of hand-ins'}</a></p>
<section aria-labelledby="work">
<h2 id="work">${fr ? 'Versions remises' : 'Versions handed in'}</h2>
!${view.versions.length === 0 ? html`<p>${fr ? 'Rien n\'a été remis.' : 'Nothing was handed in.'}</p>` : view.versions.map(v => versionBlock(locale, contextId, v, zone, { highlight: false, showText: true, receiptLink: true }))}
</section>
<section aria-labelledby="grading">
<h2 id="grading">${fr ? 'Évaluation' : 'Grading'}</h2>
<p>!${grade === null ? html`${fr ? 'Aucune note.' : 'No grade yet.'}` : html`${fr ? 'Note actuelle' : 'Current grade'}${colon(locale)} <strong>${grade.score === null ? '—' : points(grade.score, locale)} / ${points(a.maxPoints, locale)}</strong> (${grade.state === 'published' ? (fr ? 'publiée' : 'published') : (fr ? 'brouillon, non envoyée au LMS' : 'draft, not sent to the LMS')})`}</p>
<form class="stack wide" method="post" action="${url}/note?lang=${locale}">
!${a.rubric !== null
  ? a.rubric.criteria.map(c => html`<fieldset><legend>${c.title[locale]}</legend>
!${c.levels.map(l => html`<label class="choice"><input type="radio" name="rubric.${c.id}" value="${l.id}"!${levels[c.id] === l.id ? ' checked' : ''} required> ${l.label[locale]} (${points(l.points, locale)} pts)</label>`)}
</fieldset>`)
  : html`<label for="score">${fr ? 'Note' : 'Score'} (${fr ? 'sur' : 'out of'} ${points(a.maxPoints, locale)})</label>
<input id="score" type="number" name="score" min="0" max="${a.maxPoints}" step="0.5" inputmode="decimal" value="${grade?.score ?? ''}">`}
<label for="feedback">${fr ? 'Commentaires à la personne étudiante' : 'Feedback to the student'}</label>
<textarea id="feedback" name="feedback" rows="6" maxlength="20000">${grade?.feedback ?? ''}</textarea>
<p class="buttons"><button type="submit" name="publish" value="0" class="secondary">${fr ? 'Enregistrer le brouillon' : 'Save draft'}</button> <button type="submit" name="publish" value="1">${fr ? 'Publier' : 'Publish'}</button></p>
<p class="muted">${fr ? 'Publier envoie la note et les commentaires au carnet de notes du LMS ; la personne étudiante les voit aussi dans Compagnon. Une note publiée reste publiée : la modifier la republie.' : 'Publishing sends the score and feedback to the LMS gradebook; the student also sees them in Compagnon. A published grade stays published: changing it publishes it again.'}</p>
</form>
</section>
<section aria-labelledby="history">
<h2 id="history">${fr ? 'Historique de la note' : 'Grade history'}</h2>
!${view.history.length === 0
  ? html`<p>${fr ? 'Aucune modification.' : 'No change yet.'}</p>`
  : html`<table><thead><tr><th scope="col">${fr ? 'Quand' : 'When'}</th><th scope="col">${fr ? 'Qui' : 'Who'}</th><th scope="col">${fr ? 'Action' : 'Action'}</th><th scope="col">${fr ? 'Avant' : 'Before'}</th><th scope="col">${fr ? 'Après' : 'After'}</th></tr></thead>
<tbody>!${view.history.map(h => html`<tr><td>${when(h.changed_at, zone, locale)}</td><td>${h.changed_by_name ?? '—'}</td><td>${h.action === 'publish' ? (fr ? 'Publication' : 'Publication') : (fr ? 'Brouillon' : 'Draft')}</td><td>${audit(h.before, locale)}</td><td>${audit(h.after, locale)}</td></tr>`)}</tbody></table>`}
</section>
<section aria-labelledby="extension">
<h2 id="extension">${fr ? 'Prolongation' : 'Extension'}</h2>
<p>${view.extension === null
  ? sentence(fr ? `Aucune prolongation : échéance du cours, ${when(a.dueAt, zone, locale)}` : `No extension: the course's due time, ${when(a.dueAt, zone, locale)}`)
  : sentence((fr ? `Échéance prolongée au ${when(view.extension.dueAt, zone, locale)}` : `Due time extended to ${when(view.extension.dueAt, zone, locale)}`) + (view.extension.reason !== null && view.extension.reason !== '' ? ` (${view.extension.reason})` : ''))}</p>
<form class="stack" method="post" action="${url}/prolongation?lang=${locale}">
<label for="ext-due">${fr ? 'Nouvelle échéance' : 'New due time'} (${zone})</label>
<input id="ext-due" type="datetime-local" name="dueAt" value="${localInput(view.extension?.dueAt ?? null, zone)}" aria-describedby="ext-help">
<p id="ext-help" class="muted">${fr ? 'Laissez vide pour retirer la prolongation.' : 'Leave empty to remove the extension.'}</p>
<label for="ext-reason">${fr ? 'Motif (mesure d\'accommodement, etc.)' : 'Reason (accommodation, etc.)'}</label>
<input id="ext-reason" type="text" name="reason" maxlength="500" value="${view.extension?.reason ?? ''}">
<button type="submit">${fr ? 'Enregistrer la prolongation' : 'Save the extension'}</button>
</form>
</section>`
  })
}

/** What the settings form holds: the stored values, or what the instructor typed when refused. */
export interface SettingsValues {
  title: string
  instructionsFr: string
  instructionsEn: string
  opensAt: string
  dueAt: string
  graceMinutes: string
  acceptLate: boolean
  lateUntil: string
  maxPoints: string
  allowedTypes: string[]
  maxFileMegabytes: string
  maxFiles: string
  rubric: string
}

export function settingsValues (a: Assignment, zone: string, rubricText: string): SettingsValues {
  return {
    title: a.title,
    instructionsFr: a.instructions.fr,
    instructionsEn: a.instructions.en,
    opensAt: localInput(a.opensAt, zone),
    dueAt: localInput(a.dueAt, zone),
    graceMinutes: String(a.graceMinutes),
    acceptLate: a.acceptLate,
    lateUntil: localInput(a.lateUntil, zone),
    maxPoints: String(a.maxPoints),
    allowedTypes: [...a.allowedTypes],
    maxFileMegabytes: String(Math.round(a.maxFileBytes / 1024 / 1024 * 100) / 100),
    maxFiles: String(a.maxFiles),
    rubric: rubricText
  }
}

/** Instructors: the assignment's settings, with the rubric typed as text. */
export function settingsPage (locale: Locale, view: { contextId: string, course: string, zone: string, values: SettingsValues, errors: string[], saved: boolean }, path: string): string {
  const fr = locale === 'fr'
  const v = view.values
  const field = (id: keyof SettingsValues, label: string, input: string, help?: string): string => html`<label for="${id}">${label}</label>
!${input}!${help !== undefined ? html`<p id="${id}-help" class="muted">${help}</p>` : ''}`
  return layout({
    locale,
    path,
    title: fr ? 'Paramètres de la synthèse' : 'Synthesis settings',
    body: html`<h1>${fr ? 'Paramètres de la synthèse' : 'Synthesis settings'}</h1>
<p class="lead">${view.course}</p>
!${view.errors.length > 0 ? html`<div class="error-box" role="alert" id="errors" tabindex="-1"><p>${fr ? 'Rien n\'a été enregistré :' : 'Nothing was saved:'}</p><ul>!${view.errors.map(e => html`<li>${e}</li>`)}</ul></div>` : ''}
!${view.saved ? html`<div class="notice" role="status"><p>${fr ? 'Paramètres enregistrés.' : 'Settings saved.'}</p></div>` : ''}
<form class="stack wide" method="post" action="${base(view.contextId)}/parametres?lang=${locale}">
!${field('title', fr ? 'Titre' : 'Title', html`<input id="title" name="title" required maxlength="200" value="${v.title}">`)}
!${field('instructionsFr', fr ? 'Consignes (français)' : 'Instructions (French)', html`<textarea id="instructionsFr" name="instructionsFr" rows="8" maxlength="20000">${v.instructionsFr}</textarea>`)}
!${field('instructionsEn', fr ? 'Consignes (anglais)' : 'Instructions (English)', html`<textarea id="instructionsEn" name="instructionsEn" rows="8" maxlength="20000" aria-describedby="instructionsEn-help">${v.instructionsEn}</textarea>`, fr ? 'Laissées vides, les consignes en français sont montrées à tout le monde.' : 'When empty, the French instructions are shown to everyone.')}
!${field('opensAt', `${fr ? 'Ouverture' : 'Opens'} (${view.zone})`, html`<input id="opensAt" type="datetime-local" name="opensAt" required value="${v.opensAt}">`)}
!${field('dueAt', `${fr ? 'Échéance' : 'Due'} (${view.zone})`, html`<input id="dueAt" type="datetime-local" name="dueAt" required value="${v.dueAt}">`)}
!${field('graceMinutes', fr ? 'Délai de grâce (minutes)' : 'Grace period (minutes)', html`<input id="graceMinutes" type="number" name="graceMinutes" min="0" max="1440" step="1" required value="${v.graceMinutes}" aria-describedby="graceMinutes-help">`, fr ? 'Une remise dans ce délai après l\'échéance compte comme à temps.' : 'A hand-in within this time after the due time counts as on time.')}
<label class="choice"><input type="checkbox" name="acceptLate" value="1"!${v.acceptLate ? ' checked' : ''}> ${fr ? 'Accepter les remises en retard (elles sont signalées)' : 'Accept late work (it is flagged)'}</label>
!${field('lateUntil', `${fr ? 'Limite des remises en retard' : 'Late work accepted until'} (${view.zone})`, html`<input id="lateUntil" type="datetime-local" name="lateUntil" value="${v.lateUntil}" aria-describedby="lateUntil-help">`, fr ? 'Vide : sans limite (si les retards sont acceptés).' : 'Empty: no limit (when late work is accepted).')}
!${field('maxPoints', fr ? 'Note maximale' : 'Maximum points', html`<input id="maxPoints" type="number" name="maxPoints" min="0.5" max="1000" step="0.5" required value="${v.maxPoints}" aria-describedby="maxPoints-help">`, fr ? 'Avec une grille, égale à la somme des meilleurs niveaux.' : 'With a rubric, equal to the sum of the best levels.')}
<fieldset><legend>${fr ? 'Types de fichiers acceptés' : 'Accepted file types'}</legend>
!${FILE_KINDS.map(k => html`<label class="choice"><input type="checkbox" name="allowedTypes" value="${k}"!${v.allowedTypes.includes(k) ? ' checked' : ''}> ${k.toUpperCase()}</label>`)}
</fieldset>
!${field('maxFileMegabytes', fr ? 'Taille maximale d\'un fichier (Mo)' : 'Maximum file size (MB)', html`<input id="maxFileMegabytes" type="number" name="maxFileMegabytes" min="0.01" max="100" step="0.01" required value="${v.maxFileMegabytes}">`)}
!${field('maxFiles', fr ? 'Nombre maximal de fichiers par remise' : 'Maximum files per hand-in', html`<input id="maxFiles" type="number" name="maxFiles" min="0" max="20" step="1" required value="${v.maxFiles}">`)}
!${field('rubric', fr ? 'Grille d\'évaluation' : 'Rubric', html`<textarea id="rubric" name="rubric" rows="12" class="mono" aria-describedby="rubric-help">${v.rubric}</textarea>`, RUBRIC_FORMAT_HELP[locale])}
<details><summary>${fr ? 'Exemple de grille' : 'Rubric example'}</summary><pre>Analyse | Analysis
Faible | Weak | 10
Solide | Strong | 60

Écriture | Writing
Faible | Weak | 5
Claire | Clear | 40</pre></details>
<button type="submit">${fr ? 'Enregistrer' : 'Save'}</button>
</form>
<p><a href="${base(view.contextId)}/remises?lang=${locale}">${fr ? 'Retour à la liste des remises' : 'Back to the list of hand-ins'}</a></p>`
  })
}

/** Someone in several courses chooses which synthesis to open. */
export function courseChoicePage (locale: Locale, courses: Array<{ id: string, title: string }>, path: string): string {
  const fr = locale === 'fr'
  return layout({
    locale,
    path,
    title: fr ? 'Activité de synthèse' : 'Synthesis activity',
    body: html`<h1>${fr ? 'Activité de synthèse' : 'Synthesis activity'}</h1>
<p>${fr ? 'Choisissez le cours :' : 'Choose the course:'}</p>
<ul>!${courses.map(c => html`<li><a href="${base(c.id)}?lang=${locale}">${c.title}</a></li>`)}</ul>`
  })
}
