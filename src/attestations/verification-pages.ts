import { html } from 'ghtml'
import { layout } from '../views/layout.js'
import { colon, t, type Locale } from '../views/i18n.js'
import { breadcrumbs } from '../views/breadcrumbs.js'
import { formatDate, formatDateTime, formatDays, formatDuration, formatHours, hoursText } from './format.js'
import type { CheckResult, PublicAttestation } from './verification.js'
import { MAX_CHECK_BYTES } from './verification.js'

/** Verification pages must never be indexed: the layout gets the robots tag (the header says it too). */
function publicLayout (props: Parameters<typeof layout>[0]): string {
  return layout(props).replace('<head>\n', '<head>\n<meta name="robots" content="noindex">\n')
}

function verdict (a: PublicAttestation, locale: Locale): string {
  if (a.status === 'valid') {
    return html`<div class="scan-result ok" role="status" data-status="valid">
<p class="big">${t(locale, 'attestations.verdictValid')}</p>
<p>${t(locale, 'attestations.verdictValidText')}</p>
</div>`
  }
  if (a.status === 'revoked') {
    return html`<div class="scan-result refused" role="status" data-status="revoked">
<p class="big">${t(locale, 'attestations.verdictRevoked')}</p>
<p>${a.revokedAt === null
  ? t(locale, 'attestations.verdictRevokedText')
  : t(locale, 'attestations.verdictRevokedOn', { when: formatDateTime(a.revokedAt, a.timezone, locale) })}</p>
!${a.revocationReason !== null ? html`<p>${t(locale, 'attestations.colReason')}${colon(locale)} <strong>${a.revocationReason}</strong></p>` : ''}
</div>`
  }
  const next = a.supersededBy
  return html`<div class="scan-result late" role="status" data-status="superseded">
<p class="big">${t(locale, 'attestations.verdictSuperseded')}</p>
<p>${t(locale, 'attestations.verdictSupersededText')}</p>
!${next !== null
  ? html`<p>${t(locale, 'attestations.attestationInForce')}${colon(locale)} ` +
    html`<a href="/verify/${next.code}?lang=${locale}" data-superseded-by="${next.code}"><code>${next.groupedCode}</code></a></p>`
  : ''}
</div>`
}

function content (a: PublicAttestation, locale: Locale): string {
  const d = a.details
  const row = (term: string, value: string): string => html`<dt>${term}</dt><dd>${value}</dd>`
  const facts = [
    row(t(locale, 'common.name'), a.name),
    row(t(locale, 'attestations.training'), a.trainingTitle),
    d === null ? '' : row(t(locale, 'attestations.organizer'), d.organizer),
    row(t(locale, 'attestations.dates'), formatDays(a.startDate, a.endDate, a.timezone, locale)),
    d === null ? '' : row(t(locale, 'attestations.place'), d.place),
    row(t(locale, 'attestations.hoursAttendedLong'), hoursText(a.hours, locale)),
    d === null ? '' : row(t(locale, 'attestations.uecRule'), t(locale, 'attestations.uecValue', { uec: formatHours(d.uec, locale) })),
    d === null ? '' : row(t(locale, 'attestations.issuedOnShort'), formatDate(d.issuedAt, a.timezone, locale))
  ].join('')
  const sessions = d === null || d.sessions.length === 0
    ? ''
    : html`<h2 id="seances">${t(locale, 'attestations.sessionsAttended')}</h2>
<table aria-labelledby="seances">
<thead><tr><th scope="col">${t(locale, 'attestations.colSession')}</th><th scope="col">${t(locale, 'attestations.colDate')}</th>` +
  html`<th scope="col">${t(locale, 'attestations.colDuration')}</th></tr></thead>
<tbody>!${d.sessions.map(s => html`<tr><td>${s.title}</td><td>${formatDate(s.startsAt, a.timezone, locale)}</td>` +
  html`<td>${formatDuration(s.durationMinutes)}</td></tr>`)}</tbody>
</table>`
  return html`<h2>${t(locale, 'attestations.contentHeading')}</h2>
<dl class="receipt">!${facts}</dl>
!${a.minimised ? html`<p class="muted">${t(locale, 'attestations.minimisedNote')}</p>` : ''}
!${sessions}`
}

function checkForm (a: PublicAttestation, locale: Locale, error: string | null): string {
  return html`<h2 id="verifier-pdf">${t(locale, 'attestations.checkHeading')}</h2>
<p>${t(locale, 'attestations.checkFingerprint')}${colon(locale)} <code class="mono" data-sha256>${a.sha256}</code></p>
<p>${t(locale, 'attestations.checkIntro')}</p>
!${error !== null ? html`<div class="error-box" role="alert"><p>${error}</p></div>` : ''}
<form class="stack" method="post" action="/verify/${a.code}/check?lang=${locale}" enctype="multipart/form-data" aria-labelledby="verifier-pdf">
<label>${t(locale, 'attestations.checkFileLabel')} ` +
  html`<span class="muted">(${t(locale, 'attestations.checkFileLimit', { megabytes: MAX_CHECK_BYTES / 1024 / 1024 })})</span>
<input type="file" name="file" accept="application/pdf,.pdf" required></label>
<button type="submit">${t(locale, 'attestations.checkButton')}</button>
</form>`
}

function checkOutcome (check: CheckResult, locale: Locale): string {
  if (!check.matches) {
    return html`<div class="scan-result refused" role="alert" data-check="mismatch">
<p class="big">${t(locale, 'attestations.checkMismatch')}</p>
<p>${t(locale, 'attestations.checkMismatchText')}</p>
<p>${t(locale, 'attestations.checkUploadedFingerprint')}${colon(locale)} <code class="mono">${check.sha256Uploaded}</code></p>
</div>`
  }
  const caveat = check.status === 'valid'
    ? ''
    : ` ${t(locale, check.status === 'revoked' ? 'attestations.checkSinceRevoked' : 'attestations.checkSinceSuperseded')}`
  return html`<div class="scan-result ${check.status === 'valid' ? 'ok' : 'late'}" role="status" data-check="match">
<p class="big">${t(locale, 'attestations.checkMatch')}</p>
<p>${t(locale, 'attestations.checkMatchText')}${caveat}</p>
</div>`
}

/** The public verification page of a code: status first, then the content, then the PDF check. */
export function verificationPage (locale: Locale, a: PublicAttestation, options: { check?: CheckResult, error?: string } = {}): string {
  const title = t(locale, 'attestations.verifyTitle')
  return publicLayout({
    locale,
    path: `/verify/${a.code}`,
    title,
    body: html`!${breadcrumbs(locale, [{ label: t(locale, 'attestations.verifyEntryTitle'), href: '/verify' }])}
<h1>${title}</h1>
<p class="lead">${t(locale, 'attestations.verificationCode')}${colon(locale)} <code>${a.groupedCode}</code></p>
!${options.check !== undefined ? checkOutcome(options.check, locale) : ''}
!${verdict(a, locale)}
!${content(a, locale)}
!${checkForm(a, locale, options.error ?? null)}`
  })
}

/** Where someone types the code printed on an attestation. */
export function verificationEntryPage (locale: Locale): string {
  const title = t(locale, 'attestations.verifyEntryTitle')
  return publicLayout({
    locale,
    path: '/verify',
    title,
    body: html`<h1>${title}</h1>
<p>${t(locale, 'attestations.verifyEntryIntro')}</p>
<form class="stack" method="get" action="/verify">
<input type="hidden" name="lang" value="${locale}">
<label>${t(locale, 'attestations.verificationCode')}
<input name="code" class="code-input" required maxlength="60" autocomplete="off" autocapitalize="characters" spellcheck="false"></label>
<button type="submit">${t(locale, 'attestations.verifyButton')}</button>
</form>`
  })
}
