import { html } from 'ghtml'
import { DateTime } from 'luxon'
import { layout } from '../views/layout.js'
import { colon, type Locale } from '../views/i18n.js'
import type { CheckResult, PublicAttestation } from './verification.js'
import { MAX_CHECK_BYTES } from './verification.js'

const luxonLocale = (locale: Locale): string => locale === 'fr' ? 'fr-CA' : 'en-CA'
const number = (locale: Locale, n: number): string => new Intl.NumberFormat(luxonLocale(locale), { maximumFractionDigits: 2 }).format(n)

/** Verification pages must never be indexed: the layout gets the robots tag (the header says it too). */
function publicLayout (props: Parameters<typeof layout>[0]): string {
  return layout(props).replace('<head>\n', '<head>\n<meta name="robots" content="noindex">\n')
}

/** "20 octobre 2025" / "October 20, 2025" in the event's zone. */
function day (iso: string | Date, zone: string, locale: Locale): string {
  const dt = typeof iso === 'string' ? DateTime.fromISO(iso, { zone }) : DateTime.fromJSDate(iso, { zone })
  return dt.setLocale(luxonLocale(locale)).toFormat(locale === 'fr' ? 'd LLLL yyyy' : 'LLLL d, yyyy')
}

/** "20 octobre 2025 à 14 h 05" / "October 20, 2025 at 2:05 p.m." in the event's zone. */
function moment (date: Date, zone: string, locale: Locale): string {
  const dt = DateTime.fromJSDate(date, { zone }).setLocale(luxonLocale(locale))
  return locale === 'fr' ? dt.toFormat("d LLLL yyyy 'à' H'\u00a0h\u00a0'mm") : dt.toFormat("LLLL d, yyyy 'at' h:mm\u00a0a")
}

function dates (a: PublicAttestation, locale: Locale): string {
  const first = day(a.startDate, a.timezone, locale)
  const last = day(a.endDate, a.timezone, locale)
  if (first === last) return first
  return locale === 'fr' ? `du ${first} au ${last}` : `${first} to ${last}`
}

/** "1 h 30" / "1 h 30 min"; "3 h". */
function duration (minutes: number, locale: Locale): string {
  const h = Math.floor(minutes / 60)
  const m = minutes % 60
  if (m === 0) return `${h}\u00a0h`
  if (h === 0) return `${m}\u00a0min`
  return locale === 'fr' ? `${h}\u00a0h\u00a0${String(m).padStart(2, '0')}` : `${h}\u00a0h\u00a0${m}\u00a0min`
}

const hoursText = (locale: Locale, hours: number): string => `${number(locale, hours)}\u00a0h`
const uecText = (locale: Locale, uec: number): string => locale === 'fr' ? `${number(locale, uec)}\u00a0UEC` : `${number(locale, uec)}\u00a0CEU`

function verdict (a: PublicAttestation, locale: Locale): string {
  const fr = locale === 'fr'
  if (a.status === 'valid') {
    return html`<div class="scan-result ok" role="status" data-status="valid">
<p class="big">${fr ? '✓ Attestation valide' : '✓ Valid attestation'}</p>
<p>${fr ? 'Cette attestation a été émise par Compagnon et n\'a été ni révoquée ni remplacée.' : 'This attestation was issued by Compagnon and has been neither revoked nor superseded.'}</p>
</div>`
  }
  if (a.status === 'revoked') {
    const when = a.revokedAt === null ? '' : moment(a.revokedAt, a.timezone, locale)
    return html`<div class="scan-result refused" role="status" data-status="revoked">
<p class="big">${fr ? '✗ Attestation révoquée' : '✗ Revoked attestation'}</p>
<p>${fr ? `Cette attestation a été révoquée le ${when} : elle n'est plus valide.` : `This attestation was revoked on ${when}: it is no longer valid.`}</p>
!${a.revocationReason !== null ? html`<p>${fr ? 'Motif' : 'Reason'}${colon(locale)} <strong>${a.revocationReason}</strong></p>` : ''}
</div>`
  }
  const next = a.supersededBy
  return html`<div class="scan-result late" role="status" data-status="superseded">
<p class="big">${fr ? 'Attestation remplacée' : 'Superseded attestation'}</p>
<p>${fr ? 'Cette attestation a été remplacée par une nouvelle version (réémission) : elle n\'est plus en vigueur.' : 'This attestation was replaced by a new version (re-issue): it is no longer in force.'}</p>
!${next !== null ? html`<p>${fr ? 'Attestation en vigueur' : 'Attestation in force'}${colon(locale)} <a href="/verify/${next.code}?lang=${locale}" data-superseded-by="${next.code}"><code>${next.groupedCode}</code></a></p>` : ''}
</div>`
}

function content (a: PublicAttestation, locale: Locale): string {
  const fr = locale === 'fr'
  const d = a.details
  const row = (term: string, value: string): string => html`<dt>${term}</dt><dd>${value}</dd>`
  const facts = [
    row(fr ? 'Nom' : 'Name', a.name),
    row(fr ? 'Formation' : 'Training', a.trainingTitle),
    d === null ? '' : row(fr ? 'Organisme' : 'Organizer', d.organizer),
    row(fr ? 'Dates' : 'Dates', dates(a, locale)),
    d === null ? '' : row(fr ? 'Lieu' : 'Place', d.place),
    row(fr ? 'Heures de formation suivies' : 'Training hours attended', hoursText(locale, a.hours)),
    d === null ? '' : row(fr ? 'Unités d\'éducation continue (1 UEC = 10 h)' : 'Continuing education units (1 CEU = 10 h)', uecText(locale, d.uec)),
    d === null ? '' : row(fr ? 'Délivrée le' : 'Issued on', day(d.issuedAt, a.timezone, locale))
  ].join('')
  const sessions = d === null || d.sessions.length === 0
    ? ''
    : html`<h2 id="seances">${fr ? 'Séances suivies' : 'Sessions attended'}</h2>
<table aria-labelledby="seances">
<thead><tr><th scope="col">${fr ? 'Séance' : 'Session'}</th><th scope="col">${fr ? 'Date' : 'Date'}</th><th scope="col">${fr ? 'Durée' : 'Duration'}</th></tr></thead>
<tbody>!${d.sessions.map(s => html`<tr><td>${s.title}</td><td>${day(s.startsAt, a.timezone, locale)}</td><td>${duration(s.durationMinutes, locale)}</td></tr>`)}</tbody>
</table>`
  return html`<h2>${fr ? 'Contenu de l\'attestation' : 'Content of the attestation'}</h2>
<dl class="receipt">!${facts}</dl>
!${a.minimised ? html`<p class="muted">${fr ? 'Protection des renseignements personnels (Loi 25) : après la période de conservation, seuls le nom, la formation, les dates, les heures, le statut et l\'empreinte du document restent affichés.' : 'Privacy protection (Québec\'s Law 25): after the retention period, only the name, training, dates, hours, status and the document\'s fingerprint remain shown.'}</p>` : ''}
!${sessions}`
}

function checkForm (a: PublicAttestation, locale: Locale, error: string | null): string {
  const fr = locale === 'fr'
  return html`<h2 id="verifier-pdf">${fr ? 'Vérifier un document PDF' : 'Check a PDF document'}</h2>
<p>${fr ? 'Empreinte SHA-256 du PDF émis' : 'SHA-256 fingerprint of the issued PDF'}${colon(locale)} <code class="mono" data-sha256>${a.sha256}</code></p>
<p>${fr ? 'Vous avez reçu l\'attestation en PDF ? Déposez-la ici pour savoir si c\'est exactement le document émis. Le fichier est comparé puis oublié : rien n\'est conservé.' : 'Received the attestation as a PDF? Drop it here to know whether it is exactly the issued document. The file is compared, then forgotten: nothing is kept.'}</p>
!${error !== null ? html`<div class="error-box" role="alert"><p>${error}</p></div>` : ''}
<form class="stack" method="post" action="/verify/${a.code}/check?lang=${locale}" enctype="multipart/form-data" aria-labelledby="verifier-pdf">
<label>${fr ? 'Fichier PDF de l\'attestation' : 'PDF file of the attestation'} <span class="muted">(${fr ? `PDF, ${MAX_CHECK_BYTES / 1024 / 1024} Mo au plus` : `PDF, at most ${MAX_CHECK_BYTES / 1024 / 1024} MB`})</span>
<input type="file" name="file" accept="application/pdf,.pdf" required></label>
<button type="submit">${fr ? 'Vérifier le document' : 'Check the document'}</button>
</form>`
}

function checkOutcome (check: CheckResult, locale: Locale): string {
  const fr = locale === 'fr'
  if (!check.matches) {
    return html`<div class="scan-result refused" role="alert" data-check="mismatch">
<p class="big">${fr ? 'Ce document ne correspond pas à l\'attestation émise.' : 'This document does not match the issued attestation.'}</p>
<p>${fr ? 'Le fichier déposé n\'est pas identique, octet pour octet, au PDF émis : il a pu être modifié, ou il s\'agit d\'un autre document.' : 'The uploaded file is not identical, byte for byte, to the issued PDF: it may have been altered, or it is another document.'}</p>
<p>${fr ? 'Empreinte du fichier déposé' : 'Fingerprint of the uploaded file'}${colon(locale)} <code class="mono">${check.sha256Uploaded}</code></p>
</div>`
  }
  const caveat = check.status === 'valid'
    ? ''
    : check.status === 'revoked'
      ? (fr ? ' Attention : cette attestation a été révoquée depuis.' : ' Beware: this attestation has since been revoked.')
      : (fr ? ' Attention : cette attestation a depuis été remplacée par une nouvelle version.' : ' Beware: this attestation has since been replaced by a new version.')
  return html`<div class="scan-result ${check.status === 'valid' ? 'ok' : 'late'}" role="status" data-check="match">
<p class="big">${fr ? '✓ Ce document est exactement l\'attestation émise.' : '✓ This document is exactly the issued attestation.'}</p>
<p>${fr ? 'Son empreinte SHA-256 est identique à celle enregistrée lors de l\'émission.' : 'Its SHA-256 fingerprint is identical to the one recorded at issue.'}${caveat}</p>
</div>`
}

/** The public verification page of a code: status first, then the content, then the PDF check. */
export function verificationPage (locale: Locale, a: PublicAttestation, options: { check?: CheckResult, error?: string } = {}): string {
  const fr = locale === 'fr'
  const title = fr ? 'Vérification d\'une attestation de formation' : 'Verification of a certificate of training'
  return publicLayout({
    locale,
    path: `/verify/${a.code}`,
    title,
    body: html`<h1>${title}</h1>
<p class="lead">${fr ? 'Code de vérification' : 'Verification code'}${colon(locale)} <code>${a.groupedCode}</code></p>
!${options.check !== undefined ? checkOutcome(options.check, locale) : ''}
!${verdict(a, locale)}
!${content(a, locale)}
!${checkForm(a, locale, options.error ?? null)}`
  })
}

/** Where someone types the code printed on an attestation. */
export function verificationEntryPage (locale: Locale): string {
  const fr = locale === 'fr'
  const title = fr ? 'Vérifier une attestation de formation' : 'Verify a certificate of training'
  return publicLayout({
    locale,
    path: '/verify',
    title,
    body: html`<h1>${title}</h1>
<p>${fr ? 'Saisissez le code de vérification imprimé sous le code QR de l\'attestation (les tirets et les espaces ne comptent pas).' : 'Type the verification code printed under the attestation\'s QR code (dashes and spaces do not matter).'}</p>
<form class="stack" method="get" action="/verify">
<input type="hidden" name="lang" value="${locale}">
<label>${fr ? 'Code de vérification' : 'Verification code'}
<input name="code" class="code-input" required maxlength="60" autocomplete="off" autocapitalize="characters" spellcheck="false"></label>
<button type="submit">${fr ? 'Vérifier' : 'Verify'}</button>
</form>`
  })
}
