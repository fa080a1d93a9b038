import { html } from 'ghtml'
import type { Locale } from '../views/i18n.js'
import { layout } from '../views/layout.js'

export interface ReportLink { file: string, title: { fr: string, en: string }, text: { fr: string, en: string } }

/** What each report holds; the page links to its CSV and PDF. */
export const REPORTS: ReportLink[] = [
  {
    file: 'presences-seances',
    title: { fr: 'Présences par séance', en: 'Attendance per session' },
    text: {
      fr: 'Une ligne par séance : début du créneau (heure de l\'événement), salle, présent·e·s, en retard, absences excusées du créneau, capacité de la salle.',
      en: 'One line per session: slot start (event time), room, present, late, excused absences of the slot, room capacity.'
    }
  },
  {
    file: 'presences-participants',
    title: { fr: 'Présences par participant·e', en: 'Attendance per participant' },
    text: {
      fr: 'Une ligne par personne inscrite : courriel, crédit, heures de présence, part du total, admissibilité à l\'attestation, puis l\'état de chaque créneau.',
      en: 'One line per registered person: email, credit, hours attended, share of the total, eligibility for the attestation, then the status of each slot.'
    }
  },
  {
    file: 'attestations',
    title: { fr: 'Attestations émises et révoquées', en: 'Attestations issued and revoked' },
    text: {
      fr: 'Une ligne par attestation : code, nom, langue, heures, UEC, état, émission (date, par qui ou automatique), révocation (date, motif), remplacement.',
      en: 'One line per attestation: code, name, language, hours, CEU, status, issue (date, by whom or automatic), revocation (date, reason), replacement.'
    }
  }
]

export function reportsPage (locale: Locale, view: { eventId: string, title: string, timezone: string }, path: string): string {
  const fr = locale === 'fr'
  const base = `/organisateurs/rapports/${view.eventId}`
  return layout({
    locale,
    path,
    title: fr ? 'Rapports' : 'Reports',
    body: html`<p><a href="/organisateurs?lang=${locale}">${fr ? 'Espace organisation' : 'Organizer area'}</a></p>
<h1>${fr ? 'Rapports' : 'Reports'} — ${view.title}</h1>
<p>${fr
  ? `Chaque rapport est produit à la demande, à partir des données du moment. Le CSV s'ouvre dans Excel (UTF-8, point-virgule) ; le PDF s'imprime. Heures de ${view.timezone}.`
  : `Each report is produced on demand from the current data. The CSV opens in Excel (UTF-8, semicolons); the PDF prints. Times in ${view.timezone}.`}</p>
!${REPORTS.map(r => html`<section aria-labelledby="r-${r.file}">
<h2 id="r-${r.file}">${r.title[locale]}</h2>
<p>${r.text[locale]}</p>
<p><a href="${base}/${r.file}.csv?lang=${locale}" download aria-label="${r.title[locale]} — CSV">CSV</a> · <a href="${base}/${r.file}.pdf?lang=${locale}" download aria-label="${r.title[locale]} — PDF">PDF</a></p>
</section>`)}
<p class="muted">${fr ? 'Les mêmes rapports en CSV par l\'API : ' : 'The same reports as CSV through the API: '}<code>/api/v1/events/${view.eventId}/reports/session-attendance</code>, <code>…/participant-attendance</code>, <code>…/attestations</code>.</p>`
  })
}
