import { html } from 'ghtml'
import { DateTime } from 'luxon'
import { layout } from '../views/layout.js'
import type { Locale } from '../views/i18n.js'
import type { Grid, Who } from './book.js'
import type { Status } from './repository.js'

export const statusLabels: Record<Status, { fr: string, en: string, short: string }> = {
  present: { fr: 'Présent·e', en: 'Present', short: 'P' },
  late: { fr: 'En retard', en: 'Late', short: 'R' },
  excused: { fr: 'Excusé·e', en: 'Excused', short: 'E' },
  absent: { fr: 'Absent·e', en: 'Absent', short: 'A' }
}

const slotLabel = (startsAt: Date, zone: string, locale: Locale): string =>
  DateTime.fromJSDate(startsAt, { zone }).setLocale(locale === 'fr' ? 'fr-CA' : 'en-CA').toFormat(locale === 'fr' ? 'ccc d HH:mm' : 'ccc d HH:mm')
const hours = (h: number, locale: Locale): string => `${h.toLocaleString(locale === 'fr' ? 'fr-CA' : 'en-CA', { maximumFractionDigits: 2 })} h`

/** Check-ins per session across the week, grouped by slot: a server-rendered SVG bar chart. */
export function perSessionChart (locale: Locale, data: Array<{ title: string, slotId: string, startsAt: Date, count: number, capacity: number | null }>, zone: string): string {
  if (data.length === 0) return ''
  const barWidth = 22
  const gap = 4
  const slotGap = 14
  const height = 160
  const max = Math.max(1, ...data.map(d => Math.max(d.count, d.capacity ?? 0)))
  let x = 40
  let previousSlot = ''
  const bars: string[] = []
  const labels: string[] = []
  for (const d of data) {
    if (previousSlot !== '' && d.slotId !== previousSlot) x += slotGap
    if (d.slotId !== previousSlot) labels.push(html`<text x="${x}" y="${height + 16}" font-size="9" transform="rotate(45 ${x} ${height + 16})">${slotLabel(d.startsAt, zone, locale)}</text>`)
    previousSlot = d.slotId
    const h = Math.round((d.count / max) * (height - 10))
    bars.push(html`<rect x="${x}" y="${height - h}" width="${barWidth}" height="${h}" fill="#1d4ed8"><title>${d.title} — ${d.count}${d.capacity !== null ? ` / ${d.capacity}` : ''}</title></rect><text x="${x + barWidth / 2}" y="${height - h - 3}" font-size="9" text-anchor="middle">${d.count}</text>`)
    x += barWidth + gap
  }
  const width = x + 40
  return html`<figure class="chart"><svg viewBox="0 0 ${width} ${height + 70}" width="100%" role="img" aria-labelledby="chart-title"><title id="chart-title">${locale === 'fr' ? 'Présences par séance au fil de la semaine' : 'Attendance per session across the week'}</title>
<line x1="36" y1="${height}" x2="${width - 20}" y2="${height}" stroke="#555"/>!${bars.join('')}!${labels.join('')}</svg>
<figcaption class="muted">${locale === 'fr' ? 'Une barre par séance ; les séances parallèles d\'un même créneau sont côte à côte.' : 'One bar per session; parallel sessions of a slot stand side by side.'}</figcaption></figure>`
}

/** People × slots, with totals, filters, exports, and a link to correct each cell. */
export function gridPage (locale: Locale, view: { title: string, grid: Grid, who: Who, base: string, chart: string, excuses: Array<{ id: string, name: string, slotStartsAt: Date, reason: string }>, canCorrect: (personId: string) => boolean }, path: string): string {
  const fr = locale === 'fr'
  const { grid } = view
  const filter = (who: Who, label: string): string => who === view.who
    ? html`<strong aria-current="page">${label}</strong>`
    : html`<a href="${view.base}?qui=${who}&amp;lang=${locale}">${label}</a>`
  return layout({
    locale,
    path,
    title: fr ? `Présences — ${view.title}` : `Attendance — ${view.title}`,
    body: html`<h1>${fr ? 'Présences' : 'Attendance'} — ${view.title}</h1>
<p>!${filter('all', fr ? 'Tout le monde' : 'Everyone')} · !${filter('credited', fr ? 'Crédit' : 'Credited')} · !${filter('non_credit', fr ? 'Sans crédit' : 'Non-credit')}
 · <a href="${view.base}/export.csv?qui=${view.who}">${fr ? 'Exporter (CSV, Excel)' : 'Export (CSV, Excel)'}</a></p>
<p class="muted">${fr ? 'P présent·e · R en retard · E excusé·e · A absent·e · — à venir · ⏱ confirmé tard : scan fait avant la connexion, confirmé après l\'expiration du code (dans les 2 min)' : 'P present · R late · E excused · A absent · — upcoming · ⏱ confirmed late: scanned before signing in, confirmed after the code expired (within 2 min)'}</p>
<div class="table-scroll"><table class="grid">
<caption class="muted">${grid.rows.length} ${fr ? 'personne(s)' : 'person(s)'}, ${grid.slots.length} ${fr ? 'créneaux comptés' : 'counted slots'}</caption>
<thead><tr><th scope="col">${fr ? 'Personne' : 'Person'}</th>!${grid.slots.map(s => html`<th scope="col">${slotLabel(s.startsAt, grid.timezone, locale)}</th>`)}<th scope="col">${fr ? 'Heures' : 'Hours'}</th><th scope="col">${fr ? 'Note' : 'Grade'}</th></tr></thead>
<tbody>!${grid.rows.map(row => html`<tr><th scope="row">${row.name}</th>!${row.cells.map((cell, i) => {
  const label = cell.status === null ? '—' : statusLabels[cell.status].short
  const late = cell.completedLateAt === null
    ? ''
    : fr
      ? ` — scan fait avant la connexion, confirmé à ${DateTime.fromJSDate(cell.completedLateAt, { zone: grid.timezone }).toFormat('HH:mm')}, après l'expiration du code`
      : ` — scanned before signing in, confirmed at ${DateTime.fromJSDate(cell.completedLateAt, { zone: grid.timezone }).toFormat('HH:mm')}, after the code expired`
  const text = (cell.status === null ? (fr ? 'à venir' : 'upcoming') : statusLabels[cell.status][locale]) + late
  const slot = grid.slots[i]
  const content = view.canCorrect(row.personId) && slot !== undefined
    ? html`<a href="/presences/correction?personne=${row.personId}&amp;creneau=${slot.id}&amp;lang=${locale}" title="${text}" aria-label="${row.name}, ${slotLabel(slot.startsAt, grid.timezone, locale)} : ${text}">${label}</a>`
    : html`<span title="${text}">${label}</span>`
  const mark = cell.completedLateAt === null ? '' : html` <small class="completed-late" title="${late.slice(3)}">⏱ ${fr ? 'confirmé tard' : 'confirmed late'}</small>`
  return html`<td class="st-${cell.status ?? 'none'}">!${content}!${mark}!${cell.excuse === 'pending' ? '*' : ''}</td>`
}).join('')}<td>${hours(row.hoursAttended, locale)}</td><td>${row.grade === null ? '—' : `${Math.round(row.grade * 100)} %`}</td></tr>`)}</tbody>
</table></div>
!${view.chart}
!${view.excuses.length > 0
  ? html`<h2>${fr ? 'Justifications en attente' : 'Excuses waiting'}</h2>
<ul>!${view.excuses.map(e => html`<li>${e.name} — ${slotLabel(e.slotStartsAt, grid.timezone, locale)} — « ${e.reason} »
<form method="post" action="/presences/justifications/${e.id}?lang=${locale}" class="inline"><input type="hidden" name="decision" value="accept"><button type="submit">${fr ? 'Accepter' : 'Accept'}</button></form>
<form method="post" action="/presences/justifications/${e.id}?lang=${locale}" class="inline"><input type="hidden" name="decision" value="refuse"><button type="submit">${fr ? 'Refuser' : 'Refuse'}</button></form></li>`)}</ul>`
  : ''}`
  })
}

/** One person in one slot: the current status, the correction form, and the history. */
export function correctionPage (locale: Locale, view: { name: string, slotLabel: string, slotId: string, personId: string, status: Status | null, sessions: Array<{ id: string, title: string }>, sessionId: string | null, history: Array<{ action: string, before: unknown, after: unknown, reason: string | null, changedByName: string | null, changedAt: string }>, back: string }, path: string): string {
  const fr = locale === 'fr'
  const actions: Record<string, string> = { check_in: fr ? 'Enregistrement' : 'Check-in', move: fr ? 'Déplacement' : 'Move', correction: fr ? 'Correction' : 'Correction', excuse: fr ? 'Justification' : 'Excuse' }
  const describe = (state: unknown): string => {
    if (state === null || state === undefined) return fr ? 'aucun' : 'none'
    const s = state as { status?: Status, excuse?: string }
    if (s.status !== undefined) return statusLabels[s.status][locale]
    return String(s.excuse ?? '')
  }
  return layout({
    locale,
    path,
    title: fr ? 'Corriger une présence' : 'Correct attendance',
    body: html`<h1>${view.name} — ${view.slotLabel}</h1>
<p>${fr ? 'État actuel' : 'Current status'}${fr ? '\u00a0:' : ':'} <strong>${view.status === null ? (fr ? 'aucun enregistrement' : 'no record') : statusLabels[view.status][locale]}</strong></p>
<form class="stack" method="post" action="/presences/correction?lang=${locale}">
<input type="hidden" name="personId" value="${view.personId}"><input type="hidden" name="slotId" value="${view.slotId}">
<fieldset><legend>${fr ? 'Nouvel état' : 'New status'}</legend>
!${(['present', 'late', 'excused', 'absent'] as const).map(s => html`<label class="choice"><input type="radio" name="status" value="${s}"${s === (view.status ?? 'present') ? ' checked' : ''} required> ${statusLabels[s][locale]}</label>`)}
</fieldset>
!${view.sessions.length > 1
  ? html`<label>${fr ? 'Séance' : 'Session'}<select name="sessionId">!${view.sessions.map(s => html`<option value="${s.id}"${s.id === view.sessionId ? ' selected' : ''}>${s.title}</option>`)}</select></label>`
  : ''}
<label>${fr ? 'Raison (obligatoire, conservée dans l\'historique)' : 'Reason (required, kept in the history)'}<input name="reason" required minlength="3" maxlength="500"></label>
<button type="submit">${fr ? 'Enregistrer la correction' : 'Save the correction'}</button>
</form>
<h2>${fr ? 'Historique' : 'History'}</h2>
!${view.history.length === 0
? html`<p>${fr ? 'Aucune modification.' : 'No change.'}</p>`
: html`<table><thead><tr><th scope="col">${fr ? 'Quand' : 'When'}</th><th scope="col">${fr ? 'Quoi' : 'What'}</th><th scope="col">${fr ? 'Avant' : 'Before'}</th><th scope="col">${fr ? 'Après' : 'After'}</th><th scope="col">${fr ? 'Par' : 'By'}</th><th scope="col">${fr ? 'Raison' : 'Reason'}</th></tr></thead>
<tbody>!${view.history.map(h => html`<tr><td>${h.changedAt}</td><td>${actions[h.action] ?? h.action}</td><td>${describe(h.before)}</td><td>${describe(h.after)}</td><td>${h.changedByName ?? '—'}</td><td>${h.reason ?? ''}</td></tr>`)}</tbody></table>`}
<p><a href="${view.back}">${fr ? 'Retour' : 'Back'}</a></p>`
  })
}

/** A participant's view: choose parallel sessions ahead, and excuse an absence. */
export function myAttendancePage (locale: Locale, view: {
  zone: string
  slots: Array<{ id: string, startsAt: Date, held: boolean, status: Status | null, excuse: string | null, chosen: string | null, sessions: Array<{ id: string, title: string, capacity: number | null, taken: number }> }>
  notice?: string | undefined
}, path: string): string {
  const fr = locale === 'fr'
  return layout({
    locale,
    path,
    title: fr ? 'Mes présences' : 'My attendance',
    body: html`<h1>${fr ? 'Mes présences' : 'My attendance'}</h1>
!${view.notice !== undefined ? html`<div class="notice" role="status"><p>${view.notice}</p></div>` : ''}
<p><a href="/presence/code?lang=${locale}">${fr ? 'Entrer le code d\'une salle' : 'Enter a room code'}</a> · <a href="/presence/laissez-passer?lang=${locale}">${fr ? 'Mon laissez-passer' : 'My pass'}</a></p>
<table><thead><tr><th scope="col">${fr ? 'Créneau' : 'Slot'}</th><th scope="col">${fr ? 'État' : 'Status'}</th><th scope="col">${fr ? 'Séance choisie / justification' : 'Chosen session / excuse'}</th></tr></thead>
<tbody>!${view.slots.map(slot => html`<tr><th scope="row">${slotLabel(slot.startsAt, view.zone, locale)}</th>
<td>${slot.status === null ? (slot.held ? '' : (fr ? 'à venir' : 'upcoming')) : statusLabels[slot.status][locale]}</td>
<td>!${!slot.held && slot.sessions.length > 1
  ? html`<form method="post" action="/presence/choix?lang=${locale}" class="stack"><label>${fr ? 'Séance' : 'Session'}<select name="sessionId">!${slot.sessions.map(s => {
    const full = s.capacity !== null && s.taken >= s.capacity && s.id !== slot.chosen
    return html`<option value="${s.id}"${s.id === slot.chosen ? ' selected' : ''}${full ? ' disabled' : ''}>${s.title}${s.capacity !== null ? ` (${full ? (fr ? 'complet' : 'full') : `${s.capacity - s.taken} ${fr ? 'place(s)' : 'seat(s)'}`})` : ''}</option>`
  }).join('')}</select></label><button type="submit">${fr ? 'Choisir' : 'Choose'}</button></form>`
  : ''}
!${slot.status !== 'present' && slot.status !== 'late'
  ? (slot.excuse !== null
      ? html`<p>${fr ? 'Justification' : 'Excuse'}${fr ? '\u00a0:' : ':'} ${slot.excuse === 'pending' ? (fr ? 'en attente' : 'pending') : slot.excuse === 'accepted' ? (fr ? 'acceptée' : 'accepted') : (fr ? 'refusée' : 'refused')}</p>`
      : html`<details><summary>${fr ? 'Justifier une absence' : 'Excuse an absence'}</summary><form method="post" action="/presence/justification?lang=${locale}" class="stack"><input type="hidden" name="slotId" value="${slot.id}"><label>${fr ? 'Raison' : 'Reason'}<input name="reason" required minlength="3" maxlength="500"></label><button type="submit">${fr ? 'Envoyer' : 'Send'}</button></form></details>`)
  : ''}</td></tr>`)}</tbody></table>`
  })
}
