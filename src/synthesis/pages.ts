import { html } from 'ghtml'
import { DateTime } from 'luxon'
import { layout } from '../views/layout.js'
import { colon, intlLocale, sentence, t, zoneName, type Locale, type TextKey } from '../views/i18n.js'
import type { GradeRow } from './repository.js'
import type { SubmissionWindow, Version } from './assignment.js'
import type { RosterEntry } from './grading.js'
import { FILE_KINDS, type Assignment, type StudentStatus } from './schemas.js'
import { privacyNoticeLine } from '../views/privacy-notice.js'
import { breadcrumbs, coursesCrumb, type Crumb } from '../views/breadcrumbs.js'
import { when } from './wording.js'

/** "10:42" in the event's zone. */
export const clockTime = (date: Date, zone: string): string => DateTime.fromJSDate(date, { zone }).toFormat('HH:mm')

/** The value of an `<input type="datetime-local">` for an instant, in the event's zone. */
export const localInput = (date: Date | null, zone: string): string => date === null ? '' : DateTime.fromJSDate(date, { zone }).toFormat("yyyy-LL-dd'T'HH:mm")

/** "512 octets", "1,5 Ko", "20 Mo" / "512 bytes", "1.5 KB", "20 MB". */
export function sizeText (bytes: number, locale: Locale): string {
  if (bytes < 1024) return t(locale, 'synthesis.sizeBytes', { size: bytes })
  if (bytes < 1024 * 1024) return t(locale, 'synthesis.sizeKilobytes', { size: bytes / 1024 })
  return t(locale, 'synthesis.sizeMegabytes', { size: bytes / 1024 / 1024 })
}

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'
const points = (n: number, locale: Locale): string => n.toLocaleString(intlLocale[locale], { maximumFractionDigits: 2 })
const kindsText = (a: Assignment): string => a.allowedTypes.map(k => k.toUpperCase()).join(', ')
const fileUrl = (contextId: string, submissionId: string, position: number, download: boolean): string =>
  `/api/v1/courses/${contextId}/synthesis/submissions/${submissionId}/files/${position}${download ? '?telecharger=1' : ''}`
export const base = (contextId: string): string => `/cours/synthese/${contextId}`

export const STATUS_TEXT = {
  not_submitted: 'synthesis.statusNotSubmitted',
  submitted: 'synthesis.statusSubmitted',
  late: 'synthesis.statusLate',
  graded: 'synthesis.statusGraded'
} as const satisfies Record<StudentStatus, TextKey>

const WINDOW_TEXT = {
  not_open: 'synthesis.windowNotOpen',
  open: 'synthesis.windowOpen',
  late: 'synthesis.windowLate',
  closed: 'synthesis.windowClosed'
} as const satisfies Record<SubmissionWindow['state'], TextKey>

/** Opening, due time (the student's own when extended), grace and late work, in words. */
function windowFacts (locale: Locale, a: Assignment, w: SubmissionWindow, zone: string): string {
  const late = !a.acceptLate
    ? t(locale, 'synthesis.lateNotAccepted')
    : w.closesAt === null
      ? t(locale, 'synthesis.lateAccepted')
      : t(locale, 'synthesis.lateAcceptedUntil', { date: when(w.closesAt, zone, locale) })
  return html`<ul>
<li>${t(locale, 'synthesis.opens')}${colon(locale)} ${when(w.opensAt, zone, locale)}</li>
<li>${t(locale, 'synthesis.due')}${colon(locale)} <strong>${when(w.dueAt, zone, locale)}</strong>!${w.extended
  ? html` — ${t(locale, 'synthesis.extensionGranted', { date: when(a.dueAt, zone, locale) })}`
  : ''}!${a.graceMinutes > 0 ? html` ${t(locale, 'synthesis.gracePeriod', { minutes: a.graceMinutes })}` : ''}</li>
<li>${late}</li>
<li>${t(locale, 'synthesis.timesInZone', { zone: zoneName(zone, locale) })}</li>
</ul>`
}

function versionBlock (locale: Locale, contextId: string, v: Version, zone: string, options: {
  highlight: boolean
  showText: boolean
  receiptLink: boolean
}): string {
  return html`<article id="recu-${v.submissionId}" class="receipt${options.highlight ? ' highlight' : ''}" aria-labelledby="v-${v.submissionId}">
<h3 id="v-${v.submissionId}">${t(locale, 'synthesis.versionNumber', { version: v.version })} — ` +
  html`<time datetime="${v.submittedAt.toISOString()}">${when(v.submittedAt, zone, locale)}</time>!${v.late
    ? html` <span class="tag-late">${t(locale, 'synthesis.late')}</span>`
    : ''}</h3>
<dl class="receipt-facts">
<dt>${t(locale, 'synthesis.receivedOn')}</dt><dd>${when(v.submittedAt, zone, locale)} (<code>${v.submittedAt.toISOString()}</code>), ${v.late
  ? t(locale, 'synthesis.late')
  : t(locale, 'synthesis.onTime')}</dd>
<dt>${t(locale, 'synthesis.text')}</dt><dd>!${v.text === null
  ? html`${t(locale, 'synthesis.textNone')}`
  : html`${t(locale, 'synthesis.characterCount', { count: v.text.characters })} — SHA-256 <code data-sha256="text">${v.text.sha256}</code>`}</dd>
<dt>${t(locale, 'synthesis.files')}</dt><dd>!${v.files.length === 0
  ? html`${t(locale, 'synthesis.filesNone')}`
  : html`<ul>!${v.files.map(f => html`<li><a href="${fileUrl(contextId, v.submissionId, f.position, false)}">${f.filename}</a> ` +
    html`(${sizeText(f.size, locale)}${f.mediaType === 'application/pdf' ? `, ${t(locale, 'synthesis.pdfOpensInBrowser')}` : ''}) · ` +
    html`!${f.mediaType === DOCX
      ? html`<a href="${base(contextId)}/apercu/${v.submissionId}/${f.position}?lang=${locale}" ` +
        html`aria-label="${t(locale, 'synthesis.readInBrowserLabel', { filename: f.filename })}">${t(locale, 'synthesis.readInBrowser')}</a> · `
      : ''}` +
    html`<a href="${fileUrl(contextId, v.submissionId, f.position, true)}" ` +
    html`aria-label="${t(locale, 'synthesis.downloadLabel', { filename: f.filename })}">${t(locale, 'synthesis.download')}</a>` +
    html`<br>SHA-256 <code data-sha256="file-${f.position}">${f.sha256}</code></li>`)}</ul>`}</dd>
</dl>
!${options.showText && v.textBody !== null ? html`<h4>${t(locale, 'synthesis.textHandedIn')}</h4><div class="answer">${v.textBody}</div>` : ''}
!${options.receiptLink
  ? html`<p><a href="${base(contextId)}/recu/${v.submissionId}?lang=${locale}" ` +
  html`download>${t(locale, 'synthesis.downloadVersionReceipt', { version: v.version })}</a></p>`
  : ''}
</article>`
}

function rubricResult (locale: Locale, a: Assignment, levels: Record<string, string> | null): string {
  if (a.rubric === null || levels === null) return ''
  return html`<table><caption>${t(locale, 'synthesis.rubric')}</caption><thead><tr><th scope="col">${t(locale, 'synthesis.criterion')}</th>` +
    html`<th scope="col">${t(locale, 'synthesis.level')}</th><th scope="col">${t(locale, 'synthesis.pointsColumn')}</th></tr></thead>
<tbody>!${a.rubric.criteria.map(c => {
  const level = c.levels.find(l => l.id === levels[c.id])
  return html`<tr><th scope="row">${c.title[locale]}</th><td>${level?.label[locale] ?? '—'}</td><td>${level === undefined
    ? '—'
    : `${points(level.points, locale)} / ${points(Math.max(...c.levels.map(l => l.points)), locale)}`}</td></tr>`
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
  const { assignment: a, window: w, zone, contextId } = view
  const latest = view.versions[0]
  const instructions = a.instructions[locale].trim() !== '' ? a.instructions[locale] : a.instructions.fr
  const highlighted = view.versions.find(v => v.submissionId === view.highlight)
  const canHandIn = w.state === 'open' || w.state === 'late'
  const accept = a.allowedTypes.map(k => `.${k}`).join(',')
  const text = view.draft?.text ?? latest?.textBody ?? ''
  const received = highlighted === undefined
    ? ''
    : t(locale, highlighted.late ? 'synthesis.versionOnLate' : 'synthesis.versionOn', {
      version: highlighted.version,
      date: when(highlighted.submittedAt, zone, locale)
    })
  return layout({
    locale,
    path,
    title: a.title,
    body: html`!${breadcrumbs(locale, [coursesCrumb(locale)])}
<h1>${a.title}</h1>
<p class="lead">${view.course}</p>
!${highlighted !== undefined
  ? html`<div class="notice" role="status" tabindex="-1" id="receipt-notice">
<p><strong>${t(locale, 'synthesis.handInReceived')}</strong> — ${sentence(received)}</p>
<p>${t(locale, 'synthesis.receiptBelow')} <a href="${base(contextId)}/recu/${highlighted.submissionId}?lang=${locale}" ` +
  html`download>${t(locale, 'synthesis.downloadReceipt')}</a></p>
</div>`
  : ''}
<section aria-labelledby="instructions">
<h2 id="instructions">${t(locale, 'synthesis.instructions')}</h2>
!${instructions.trim() === ''
  ? html`<p class="muted">${t(locale, 'synthesis.instructionsInClass')}</p>`
  : html`<div class="answer" lang="${a.instructions[locale].trim() !== '' ? locale : 'fr'}">${instructions}</div>`}
</section>
<section aria-labelledby="window">
<h2 id="window">${t(locale, 'synthesis.handInWindow')}</h2>
<p><strong>${t(locale, WINDOW_TEXT[w.state])}</strong></p>
!${windowFacts(locale, a, w, zone)}
</section>
!${view.grade !== null
  ? html`<section aria-labelledby="grade">
<h2 id="grade">${t(locale, 'synthesis.myGrade')}</h2>
<p class="big">${view.grade.score === null ? '—' : points(view.grade.score, locale)} / ${points(a.maxPoints, locale)}</p>
!${rubricResult(locale, a, view.grade.rubric_levels)}
!${view.grade.feedback.trim() !== '' ? html`<h3>${t(locale, 'synthesis.feedback')}</h3><div class="answer">${view.grade.feedback}</div>` : ''}
</section>`
  : ''}
<section aria-labelledby="hand-in">
<h2 id="hand-in">${t(locale, latest === undefined ? 'synthesis.handInFirst' : 'synthesis.handInAgain')}</h2>
!${canHandIn
  ? html`<form class="stack wide" method="post" action="${base(contextId)}/remise?lang=${locale}" enctype="multipart/form-data">
<label for="text">${t(locale, 'synthesis.myText')}</label>
<textarea id="text" name="text" rows="14" maxlength="100000" aria-describedby="autosave-status" data-autosave="${base(contextId)}/brouillon" ` +
  html`data-saved-at="${view.draft?.savedAt.toISOString() ?? ''}" data-key="${view.draftKey}" data-locale="${locale}" data-zone="${zone}">${text}</textarea>
<p id="autosave-status" class="muted" role="status" aria-live="polite" data-autosave-status>${view.draft !== null
  ? t(locale, 'synthesis.draftSavedAt', { time: clockTime(view.draft.savedAt, zone) })
  : t(locale, 'synthesis.autosaveHelp')}</p>
!${a.maxFiles > 0
  ? html`<label for="files">${t(locale, 'synthesis.files')}</label>
<input id="files" type="file" name="files" multiple accept="${accept}" aria-describedby="files-help">
<p id="files-help" class="muted">${t(locale, 'synthesis.filesHelp', { kinds: kindsText(a), size: sizeText(a.maxFileBytes, locale), count: a.maxFiles })}</p>`
  : ''}
!${latest !== undefined && latest.files.length > 0
  ? html`<fieldset><legend>${t(locale, 'synthesis.keepFiles', { version: latest.version })}</legend>
!${latest.files.map(
  f => html`<label class="choice"><input type="checkbox" name="keep" value="${f.position}" checked> ${f.filename} (${sizeText(f.size, locale)})</label>`
)}
</fieldset>`
  : ''}
<p class="muted">${t(locale, 'synthesis.versionsKept')}</p>
<button type="submit">${t(locale, 'synthesis.handInButton')}</button>
</form>
<script src="/assets/synthesis.js"></script>`
  : html`<p>${w.state === 'not_open'
  ? sentence(t(locale, 'synthesis.opensOn', { date: when(w.opensAt, zone, locale) }))
  : sentence(t(locale, 'synthesis.closedSince', { date: when(w.closesAt ?? w.dueAt, zone, locale) }))}</p>`}
</section>
<section aria-labelledby="versions">
<h2 id="versions">${t(locale, 'synthesis.myHandIns')}</h2>
!${view.versions.length === 0
  ? html`<p>${t(locale, 'synthesis.nothingHandedInYet')}</p>`
  : view.versions.map(v => versionBlock(locale, contextId, v, zone, { highlight: v.submissionId === view.highlight, showText: false, receiptLink: true }))}
</section>
!${privacyNoticeLine(locale)}`
  })
}

/** The receipt as a plain text file (UTF-8). */
export function receiptText (locale: Locale, view: { course: string, title: string, student: string, version: Version, zone: string }): string {
  const v = view.version
  const line = (label: TextKey, value: string): string => `${t(locale, label)}${colon(locale)} ${value}`
  const lines = [
    t(locale, 'synthesis.receiptTitle'),
    '',
    line('synthesis.course', view.course),
    line('synthesis.activity', view.title),
    line('synthesis.student', view.student),
    line('synthesis.versionLabel', String(v.version)),
    line('synthesis.receivedOn', `${when(v.submittedAt, view.zone, locale)} (${view.zone})`),
    line('synthesis.timestamp', v.submittedAt.toISOString()),
    line('synthesis.due', `${when(v.dueAt, view.zone, locale)} (${v.dueAt.toISOString()})`),
    line('synthesis.lateLabel', t(locale, v.late ? 'synthesis.yes' : 'synthesis.no')),
    line('synthesis.handInId', v.submissionId),
    '',
    line('synthesis.text', v.text === null
      ? t(locale, 'synthesis.textNone')
      : `${t(locale, 'synthesis.characterCount', { count: v.text.characters })}, SHA-256 ${v.text.sha256}`),
    line('synthesis.files', String(v.files.length)),
    ...v.files.map(f => `  - ${f.filename} (${t(locale, 'synthesis.sizeBytes', { size: f.size })}, ${f.mediaType}) SHA-256 ${f.sha256}`),
    '',
    t(locale, 'synthesis.receiptFootnote')
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
  const { assignment: a, zone, contextId } = view
  const drafts = view.students.filter(s => s.grade?.state === 'draft').length
  return layout({
    locale,
    path,
    title: t(locale, 'synthesis.rosterTitle', { title: a.title }),
    body: html`!${breadcrumbs(locale, [coursesCrumb(locale)])}
<h1>${t(locale, 'synthesis.rosterHeading', { title: a.title })}</h1>
<p class="lead">${view.course} · ${t(locale, 'synthesis.rosterDue', { date: when(a.dueAt, zone, locale) })} · ` +
  html`${t(locale, 'synthesis.outOfPoints', { maxPoints: a.maxPoints })}${a.rubric !== null ? `, ${t(locale, 'synthesis.withRubric')}` : ''}</p>
!${view.summary !== null
  ? html`<div class="notice" role="status"><p>${t(locale, 'synthesis.publishedSummary', { published: view.summary.published })}` +
    html`${view.summary.skipped > 0 ? ` ${t(locale, 'synthesis.skippedSummary', { skipped: view.summary.skipped })}` : ''}</p></div>`
  : ''}
<p><a href="${base(contextId)}/parametres?lang=${locale}">${t(locale, 'synthesis.settingsLink')}</a></p>
!${view.students.length === 0
  ? html`<p>${t(locale, 'synthesis.rosterEmpty')}</p>`
  : html`<form method="post" action="${base(contextId)}/publier?lang=${locale}">
<table>
<caption>${t(locale, 'synthesis.rosterCaption', { students: view.students.length, drafts })}</caption>
<thead><tr><th scope="col">${t(locale, 'synthesis.select')}</th><th scope="col">${t(locale, 'common.name')}</th>` +
  html`<th scope="col">${t(locale, 'synthesis.status')}</th><th scope="col">${t(locale, 'synthesis.latestVersion')}</th>` +
  html`<th scope="col">${t(locale, 'synthesis.score')}</th><th scope="col">${t(locale, 'synthesis.extension')}</th></tr></thead>
<tbody>!${view.students.map(s => html`<tr>
<td><input type="checkbox" name="personIds" value="${s.personId}" aria-label="${t(locale, 'synthesis.selectStudent', { name: s.name })}"` +
  html`!${s.grade?.state === 'draft' ? '' : ' disabled'}></td>
<th scope="row"><a href="${base(contextId)}/remises/${s.personId}?lang=${locale}">${s.name}</a></th>
<td>${t(locale, STATUS_TEXT[s.status])}!${s.grade?.state === 'draft' ? html` · <strong>${t(locale, 'synthesis.draftGrade')}</strong>` : ''}</td>
<td>${s.latest === null ? '—' : t(locale, 'synthesis.versionOn', { version: s.latest.version, date: when(s.latest.submittedAt, zone, locale) })}</td>
<td>${s.grade?.score === null || s.grade === null ? '—' : `${points(s.grade.score, locale)} / ${points(a.maxPoints, locale)}`}</td>
<td>${s.extensionDueAt === null ? '—' : when(s.extensionDueAt, zone, locale)}</td>
</tr>`)}</tbody>
</table>
<p><button type="submit">${t(locale, 'synthesis.publishSelected')}</button></p>
<p class="muted">${t(locale, 'synthesis.publishSelectedHelp')}</p>
</form>`}`
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
  return t(locale, state === 'published' ? 'synthesis.gradePublished' : 'synthesis.gradeDraft')
}

/** Instructors: one student's versions (newest first), the grading form, grade history and extension. */
export function gradingPage (locale: Locale, view: GradingView, path: string): string {
  const { assignment: a, zone, contextId, student, grade } = view
  const url = `${base(contextId)}/remises/${student.personId}`
  const levels = grade?.rubric_levels ?? {}
  const extension = view.extension === null
    ? t(locale, 'synthesis.noExtension', { date: when(a.dueAt, zone, locale) })
    : view.extension.reason !== null && view.extension.reason !== ''
      ? t(locale, 'synthesis.extendedToBecause', { date: when(view.extension.dueAt, zone, locale), reason: view.extension.reason })
      : t(locale, 'synthesis.extendedTo', { date: when(view.extension.dueAt, zone, locale) })
  return layout({
    locale,
    path,
    title: `${student.name} — ${a.title}`,
    body: html`!${breadcrumbs(locale, rosterCrumbs(locale, contextId))}
<h1>${student.name} — ${a.title}</h1>
<p class="lead">${view.course}!${student.email !== null ? html` · <a href="mailto:${student.email}">${student.email}</a>` : ''}</p>
!${view.notice !== null ? html`<div class="notice" role="status"><p>${view.notice}</p></div>` : ''}
<section aria-labelledby="work">
<h2 id="work">${t(locale, 'synthesis.versionsHandedIn')}</h2>
!${view.versions.length === 0
  ? html`<p>${t(locale, 'synthesis.nothingHandedIn')}</p>`
  : view.versions.map(v => versionBlock(locale, contextId, v, zone, { highlight: false, showText: true, receiptLink: true }))}
</section>
<section aria-labelledby="grading">
<h2 id="grading">${t(locale, 'synthesis.grading')}</h2>
<p>!${grade === null
  ? html`${t(locale, 'synthesis.noGrade')}`
  : html`${t(locale, 'synthesis.currentGrade')}${colon(locale)} <strong>${grade.score === null ? '—' : points(grade.score, locale)} / ` +
    html`${points(a.maxPoints, locale)}</strong> (${t(locale, grade.state === 'published' ? 'synthesis.gradePublished' : 'synthesis.gradeDraftNotSent')})`}</p>
<form class="stack wide" method="post" action="${url}/note?lang=${locale}">
!${a.rubric !== null
  ? a.rubric.criteria.map(c => html`<fieldset><legend>${c.title[locale]}</legend>
!${c.levels.map(
  l => html`<label class="choice"><input type="radio" name="rubric.${c.id}" value="${l.id}"!${levels[c.id] === l.id ? ' checked' : ''} required> ` +
    html`${t(locale, 'synthesis.levelPoints', { label: l.label[locale], points: l.points })}</label>`
)}
</fieldset>`)
  : html`<label for="score">${t(locale, 'synthesis.scoreOutOf', { maxPoints: a.maxPoints })}</label>
<input id="score" type="number" name="score" min="0" max="${a.maxPoints}" step="0.5" inputmode="decimal" value="${grade?.score ?? ''}">`}
<label for="feedback">${t(locale, 'synthesis.feedbackToStudent')}</label>
<textarea id="feedback" name="feedback" rows="6" maxlength="20000">${grade?.feedback ?? ''}</textarea>
<p class="buttons"><button type="submit" name="publish" value="0" class="secondary">${t(locale, 'synthesis.saveDraft')}</button> ` +
  html`<button type="submit" name="publish" value="1">${t(locale, 'synthesis.publish')}</button></p>
<p class="muted">${t(locale, 'synthesis.publishHelp')}</p>
</form>
</section>
<section aria-labelledby="history">
<h2 id="history">${t(locale, 'synthesis.gradeHistory')}</h2>
!${view.history.length === 0
  ? html`<p>${t(locale, 'synthesis.noChange')}</p>`
  : html`<table><thead><tr><th scope="col">${t(locale, 'synthesis.historyWhen')}</th><th scope="col">${t(locale, 'synthesis.historyWho')}</th>` +
    html`<th scope="col">${t(locale, 'synthesis.historyAction')}</th><th scope="col">${t(locale, 'synthesis.historyBefore')}</th>` +
    html`<th scope="col">${t(locale, 'synthesis.historyAfter')}</th></tr></thead>
<tbody>!${view.history.map(h => html`<tr><td>${when(h.changed_at, zone, locale)}</td><td>${h.changed_by_name ?? '—'}</td>` +
  html`<td>${t(locale, h.action === 'publish' ? 'synthesis.actionPublish' : 'synthesis.actionDraft')}</td>` +
  html`<td>${audit(h.before, locale)}</td><td>${audit(h.after, locale)}</td></tr>`)}</tbody></table>`}
</section>
<section aria-labelledby="extension">
<h2 id="extension">${t(locale, 'synthesis.extension')}</h2>
<p>${sentence(extension)}</p>
<form class="stack" method="post" action="${url}/prolongation?lang=${locale}">
<label for="ext-due">${t(locale, 'synthesis.newDueTime', { zone: zoneName(zone, locale) })}</label>
<input id="ext-due" type="datetime-local" name="dueAt" value="${localInput(view.extension?.dueAt ?? null, zone)}" aria-describedby="ext-help">
<p id="ext-help" class="muted">${t(locale, 'synthesis.extensionEmptyHelp')}</p>
<label for="ext-reason">${t(locale, 'synthesis.extensionReason')}</label>
<input id="ext-reason" type="text" name="reason" maxlength="500" value="${view.extension?.reason ?? ''}">
<button type="submit">${t(locale, 'synthesis.saveExtension')}</button>
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
export function settingsPage (locale: Locale, view: {
  contextId: string
  course: string
  zone: string
  values: SettingsValues
  errors: string[]
  saved: boolean
}, path: string): string {
  const v = view.values
  const field = (id: keyof SettingsValues, label: string, input: string, help?: string): string => html`<label for="${id}">${label}</label>
!${input}!${help !== undefined ? html`<p id="${id}-help" class="muted">${help}</p>` : ''}`
  return layout({
    locale,
    path,
    title: t(locale, 'synthesis.settingsTitle'),
    body: html`!${breadcrumbs(locale, rosterCrumbs(locale, view.contextId))}
<h1>${t(locale, 'synthesis.settingsTitle')}</h1>
<p class="lead">${view.course}</p>
!${view.errors.length > 0
  ? html`<div class="error-box" role="alert" id="errors" tabindex="-1"><p>${t(locale, 'synthesis.nothingSaved')}${colon(locale)}</p>` +
    html`<ul>!${view.errors.map(e => html`<li>${e}</li>`)}</ul></div>`
  : ''}
!${view.saved ? html`<div class="notice" role="status"><p>${t(locale, 'synthesis.settingsSaved')}</p></div>` : ''}
<form class="stack wide" method="post" action="${base(view.contextId)}/parametres?lang=${locale}">
!${field('title', t(locale, 'synthesis.title'), html`<input id="title" name="title" required maxlength="200" value="${v.title}">`)}
!${field(
  'instructionsFr',
  t(locale, 'synthesis.instructionsFrench'),
  html`<textarea id="instructionsFr" name="instructionsFr" rows="8" maxlength="20000">${v.instructionsFr}</textarea>`
)}
!${field(
  'instructionsEn',
  t(locale, 'synthesis.instructionsEnglish'),
  html`<textarea id="instructionsEn" name="instructionsEn" rows="8" maxlength="20000" aria-describedby="instructionsEn-help">${v.instructionsEn}</textarea>`,
  t(locale, 'synthesis.instructionsEnglishHelp')
)}
!${field(
  'opensAt',
  t(locale, 'synthesis.opensInZone', { zone: zoneName(view.zone, locale) }),
  html`<input id="opensAt" type="datetime-local" name="opensAt" required value="${v.opensAt}">`
)}
!${field(
  'dueAt',
  t(locale, 'synthesis.dueInZone', { zone: zoneName(view.zone, locale) }),
  html`<input id="dueAt" type="datetime-local" name="dueAt" required value="${v.dueAt}">`
)}
!${field(
  'graceMinutes',
  t(locale, 'synthesis.graceMinutes'),
  html`<input id="graceMinutes" type="number" name="graceMinutes" min="0" max="1440" step="1" required value="${v.graceMinutes}" ` +
    html`aria-describedby="graceMinutes-help">`,
  t(locale, 'synthesis.graceMinutesHelp')
)}
<label class="choice"><input type="checkbox" name="acceptLate" value="1"!${v.acceptLate ? ' checked' : ''}> ${t(locale, 'synthesis.acceptLate')}</label>
!${field(
  'lateUntil',
  t(locale, 'synthesis.lateUntilInZone', { zone: zoneName(view.zone, locale) }),
  html`<input id="lateUntil" type="datetime-local" name="lateUntil" value="${v.lateUntil}" aria-describedby="lateUntil-help">`,
  t(locale, 'synthesis.lateUntilHelp')
)}
!${field(
  'maxPoints',
  t(locale, 'synthesis.maxPoints'),
  html`<input id="maxPoints" type="number" name="maxPoints" min="0.5" max="1000" step="0.5" required value="${v.maxPoints}" aria-describedby="maxPoints-help">`,
  t(locale, 'synthesis.maxPointsHelp')
)}
<fieldset><legend>${t(locale, 'synthesis.acceptedTypes')}</legend>
!${FILE_KINDS.map(
  k => html`<label class="choice"><input type="checkbox" name="allowedTypes" value="${k}"!${v.allowedTypes.includes(k) ? ' checked' : ''}> ` +
    html`${k.toUpperCase()}</label>`
)}
</fieldset>
!${field(
  'maxFileMegabytes',
  t(locale, 'synthesis.maxFileSize'),
  html`<input id="maxFileMegabytes" type="number" name="maxFileMegabytes" min="0.01" max="100" step="0.01" required value="${v.maxFileMegabytes}">`
)}
!${field(
  'maxFiles',
  t(locale, 'synthesis.maxFiles'),
  html`<input id="maxFiles" type="number" name="maxFiles" min="0" max="20" step="1" required value="${v.maxFiles}">`
)}
!${field(
  'rubric',
  t(locale, 'synthesis.rubric'),
  html`<textarea id="rubric" name="rubric" rows="12" class="mono" aria-describedby="rubric-help">${v.rubric}</textarea>`,
  t(locale, 'synthesis.rubricFormatHelp')
)}
<details><summary>${t(locale, 'synthesis.rubricExample')}</summary><pre>${t(locale, 'synthesis.rubricExampleText')}</pre></details>
<button type="submit">${t(locale, 'synthesis.save')}</button>
</form>`
  })
}

/** Someone in several courses chooses which synthesis to open. */
export function courseChoicePage (locale: Locale, courses: Array<{ id: string, title: string }>, path: string): string {
  return layout({
    locale,
    path,
    title: t(locale, 'synthesis.activityTitle'),
    body: html`!${breadcrumbs(locale, [coursesCrumb(locale)])}
<h1>${t(locale, 'synthesis.activityTitle')}</h1>
<p>${t(locale, 'synthesis.chooseCourse')}${colon(locale)}</p>
<ul>!${courses.map(c => html`<li><a href="${base(c.id)}?lang=${locale}">${c.title}</a></li>`)}</ul>`
  })
}

/** Above a student's hand-in and the settings: the courses, then the list of hand-ins. */
function rosterCrumbs (locale: Locale, contextId: string): Crumb[] {
  return [coursesCrumb(locale), { label: t(locale, 'synthesis.handIns'), href: `${base(contextId)}/remises` }]
}
