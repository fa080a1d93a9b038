import { html } from 'ghtml'
import { colon, t, type Locale, type TextKey } from '../views/i18n.js'
import { layout } from '../views/layout.js'
import { organizerNav } from '../views/organizer-nav.js'

export interface ReportLink { file: string, title: TextKey, text: TextKey }

/** What each report holds; the page links to its CSV and PDF. */
export const REPORTS: ReportLink[] = [
  { file: 'presences-seances', title: 'attestations.reportSessionsTitle', text: 'attestations.reportSessionsText' },
  { file: 'presences-participants', title: 'attestations.reportParticipantsTitle', text: 'attestations.reportParticipantsText' },
  { file: 'attestations', title: 'attestations.reportAttestationsTitle', text: 'attestations.reportAttestationsText' }
]

export function reportsPage (locale: Locale, view: { eventId: string, title: string, timezone: string }, path: string): string {
  const base = `/organisateurs/rapports/${view.eventId}`
  const title = t(locale, 'attestations.reportsTitle')
  const csv = t(locale, 'attestations.formatCsv')
  const pdf = t(locale, 'attestations.formatPdf')
  return layout({
    locale,
    path,
    title,
    body: html`!${organizerNav(locale, view.eventId, 'reports')}
<h1>${title} — ${view.title}</h1>
<p>${t(locale, 'attestations.reportsIntro', { zone: view.timezone })}</p>
!${REPORTS.map(r => {
  const name = t(locale, r.title)
  return html`<section aria-labelledby="r-${r.file}">
<h2 id="r-${r.file}">${name}</h2>
<p>${t(locale, r.text)}</p>
<p><a href="${base}/${r.file}.csv?lang=${locale}" download aria-label="${name} — ${csv}">${csv}</a> · ` +
  html`<a href="${base}/${r.file}.pdf?lang=${locale}" download aria-label="${name} — ${pdf}">${pdf}</a></p>
</section>`
})}
<p class="muted">${t(locale, 'attestations.reportsApi')}${colon(locale)} <code>/api/v1/events/${view.eventId}/reports/session-attendance</code>, ` +
  html`<code>…/participant-attendance</code>, <code>…/attestations</code>.</p>`
  })
}
