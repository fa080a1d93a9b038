import { html } from 'ghtml'
import { DateTime } from 'luxon'
import { layout } from '../views/layout.js'
import type { Locale } from '../views/i18n.js'
import type { Bilingual } from '../errors.js'
import { formatPassCode } from './codes.js'
import { privacyNoticeLine } from '../privacy/pages.js'

const time = (d: Date, zone: string): string => DateTime.fromJSDate(d, { zone }).toFormat('HH:mm')

/**
 * What the phone shows when it opens a room QR code: the session, and one button that records
 * the check-in (the GET changes nothing). Signed in, it says who will be checked in, and if the
 * person is already recorded in this slot, where.
 */
export function checkInConfirmPage (locale: Locale, view: { action: string, sessionId: string, title: string, room: string | null, startsAt: Date, endsAt: Date, timezone: string, name: string | null, current: { id: string, title: string } | null }, path: string): string {
  const fr = locale === 'fr'
  const already = view.current !== null && view.current.id === view.sessionId
  const note = view.name === null
    ? (fr ? 'Vous n\'êtes pas connecté·e sur ce téléphone : après avoir confirmé, ouvrez votre lien personnel ou lancez Compagnon depuis votre cours dans le LMS, sur ce téléphone, dans les 2 minutes.' : 'You are not signed in on this phone: after confirming, open your personal link or launch Compagnon from your course in the LMS, on this phone, within 2 minutes.')
    : already
      ? (fr ? `Vous êtes déjà enregistré·e à cette séance (${view.name}).` : `You are already checked in to this session (${view.name}).`)
      : view.current !== null
        ? (fr ? `Vous êtes enregistré·e à « ${view.current.title} » dans ce créneau : confirmer y déplace votre présence (${view.name}).` : `You are checked in to "${view.current.title}" in this slot: confirming moves your attendance here (${view.name}).`)
        : (fr ? `Présence de : ${view.name}` : `Attendance of: ${view.name}`)
  return layout({
    locale,
    path,
    title: fr ? 'Confirmer ma présence' : 'Confirm my attendance',
    body: html`<div class="checkin confirm">
<h1>${view.title}</h1>
<p class="big">${time(view.startsAt, view.timezone)}–${time(view.endsAt, view.timezone)} · ${view.room ?? (fr ? 'Salle à venir' : 'Room to be announced')}</p>
<p>${note}</p>
<form method="post" action="${view.action}?lang=${locale}">
<button type="submit" class="big">${fr ? 'Confirmer ma présence' : 'Confirm my attendance'}</button>
</form>
</div>
!${privacyNoticeLine(locale)}`
  })
}

/** What the phone shows after confirming a room code (or typing its code). */
export function checkInResultPage (locale: Locale, view: { result: 'created' | 'moved' | 'already' | 'pending', message: Bilingual, late: boolean }, path: string): string {
  const fr = locale === 'fr'
  const title = view.result === 'pending'
    ? (fr ? 'Connectez-vous pour confirmer' : 'Sign in to confirm')
    : view.result === 'already' ? (fr ? 'Déjà enregistré·e' : 'Already checked in') : (fr ? 'Présence enregistrée' : 'Checked in')
  return layout({
    locale,
    path,
    title,
    body: html`<div class="checkin ${view.result === 'pending' ? 'pending' : view.late ? 'late' : 'ok'}" role="status">
<h1>${title}</h1>
<p class="big">${view.message[locale]}</p>
</div>
!${view.result === 'pending'
  ? html`<p>${fr ? 'Dans les 2 minutes, ouvrez votre lien personnel (reçu par courriel) ou lancez Compagnon depuis votre cours dans le LMS, sur ce téléphone : ce scan sera alors compté. Plus tard, scannez de nouveau le code affiché dans la salle.' : 'Within 2 minutes, open your personal link (received by email) or launch Compagnon from your course in the LMS, on this phone: this scan will then count. Later, scan the code shown in the room again.'}</p>`
  : html`<p><a href="/presence/code?lang=${locale}">${fr ? 'Entrer un autre code' : 'Enter another code'}</a> · <a href="/?lang=${locale}">${fr ? 'Programme' : 'Program'}</a></p>`}
!${privacyNoticeLine(locale)}`
  })
}

/** For people who cannot scan: the 6 digits shown under the QR code. */
export function typedCodePage (locale: Locale, path: string): string {
  const fr = locale === 'fr'
  return layout({
    locale,
    path,
    title: fr ? 'Entrer le code de la salle' : 'Enter the room code',
    body: html`<h1>${fr ? 'Entrer le code de la salle' : 'Enter the room code'}</h1>
<form class="stack" method="post" action="/presence/code?lang=${locale}">
<label>${fr ? 'Code à 6 chiffres affiché sous le code QR' : '6-digit code shown under the QR code'}
<input name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required class="code-input"></label>
<button type="submit">${fr ? 'Enregistrer ma présence' : 'Check me in'}</button>
</form>
!${privacyNoticeLine(locale)}`
  })
}

/** The projector page of a session: rotating QR, typed code, live count against capacity. */
export function projectionPage (locale: Locale, view: { sessionId: string, title: string, room: string | null, startsAt: Date, timezone: string, qrSvg: string, typedCode: string, checkedIn: number, chosen: number, capacity: number | null }, path: string): string {
  const fr = locale === 'fr'
  return layout({
    locale,
    path,
    title: view.title,
    body: html`<div class="projection" data-projection="/presence/seance/${view.sessionId}/etat">
<h1>${view.title}</h1>
<p>${view.room ?? (fr ? 'Salle à venir' : 'Room to be announced')} · ${time(view.startsAt, view.timezone)}</p>
<figure class="qr" role="img" aria-label="${fr ? 'Code QR de présence (change toutes les 30 secondes)' : 'Attendance QR code (changes every 30 seconds)'}" data-qr>!${view.qrSvg}</figure>
<p>${fr ? 'Scannez avec l\'appareil photo de votre téléphone, ou entrez ce code sur' : 'Scan with your phone\'s camera, or enter this code at'} <strong>/presence/code</strong>${fr ? '\u00a0:' : ':'}</p>
<p class="typed-code" data-typed-code aria-live="polite">${view.typedCode}</p>
<p class="count" aria-live="polite"><span data-count>${view.checkedIn}</span>!${view.capacity !== null ? html` / <span>${view.capacity}</span>` : ''} ${fr ? 'présent·e·s' : 'checked in'}!${view.chosen > 0 ? html` · <span data-chosen>${view.chosen}</span> ${fr ? 'autres attendu·e·s' : 'more expected'}` : ''}</p>
</div>
<script src="/assets/projection.js"></script>`
  })
}

/** The door scanner: typed pass codes (and the camera where the browser can read QR codes), queued offline. */
export function scannerPage (locale: Locale, view: { sessionId: string, title: string, room: string | null, serverTime: Date }, path: string): string {
  const fr = locale === 'fr'
  return layout({
    locale,
    path,
    title: fr ? `Accueil — ${view.title}` : `Door — ${view.title}`,
    body: html`<div class="scanner" data-scanner="/accueil/${view.sessionId}/scans" data-session="${view.sessionId}" data-locale="${locale}" data-server-time="${view.serverTime.toISOString()}">
<h1>${view.title}</h1>
<p>${view.room ?? (fr ? 'Salle à venir' : 'Room to be announced')}</p>
<video data-camera hidden playsinline muted aria-hidden="true"></video>
<button type="button" data-start-camera hidden>${fr ? 'Scanner avec la caméra' : 'Scan with the camera'}</button>
<form class="stack" data-typed>
<label>${fr ? 'Code du laissez-passer (10 caractères)' : 'Pass code (10 characters)'}
<input name="code" autocomplete="off" autocapitalize="characters" spellcheck="false" required maxlength="40" class="code-input"></label>
<button type="submit">${fr ? 'Enregistrer' : 'Check in'}</button>
</form>
<div class="scan-result" data-result role="status" aria-live="assertive"></div>
<p class="muted" data-queue aria-live="polite"></p>
</div>
<script src="/assets/jsqr.js"></script>
<script src="/assets/scanner.js"></script>`
  })
}

/** A person's pass, to show at the door or print on a badge. It opens nothing by itself. */
export function passPage (locale: Locale, view: { name: string, code: string, qrSvg: string }, path: string): string {
  const fr = locale === 'fr'
  return layout({
    locale,
    path,
    title: fr ? 'Mon laissez-passer' : 'My pass',
    body: html`<h1>${fr ? 'Mon laissez-passer' : 'My pass'}</h1>
<p>${view.name}</p>
<figure class="qr" role="img" aria-label="${fr ? 'Code QR du laissez-passer' : 'Pass QR code'}">!${view.qrSvg}</figure>
<p class="typed-code">${formatPassCode(view.code)}</p>
<p class="muted">${fr ? 'Montrez-le à l\'accueil : seul le personnel d\'accueil peut le scanner. Il ne donne accès à rien d\'autre.' : 'Show it at the door: only door staff can scan it. It gives access to nothing else.'}</p>`
  })
}

/** What a phone camera shows when it opens a pass code: nothing about the person. */
export function passInfoPage (locale: Locale, path: string): string {
  const fr = locale === 'fr'
  return layout({
    locale,
    path,
    title: fr ? 'Laissez-passer Compagnon' : 'Compagnon pass',
    body: html`<h1>${fr ? 'Laissez-passer Compagnon' : 'Compagnon pass'}</h1>
<p>${fr ? 'Ce code sert à enregistrer la présence à l\'accueil des séances. Seul le personnel d\'accueil peut le scanner, avec la page de numérisation de Compagnon.' : 'This code records attendance at the session door. Only door staff can scan it, with Compagnon\'s scanner page.'}</p>`
  })
}

/** Door staff pick the session they are scanning for. */
export function scannerChoicePage (locale: Locale, sessions: Array<{ id: string, title: string, room: string | null, startsAt: Date, timezone: string }>, path: string): string {
  const fr = locale === 'fr'
  return layout({
    locale,
    path,
    title: fr ? 'Accueil : choisir la séance' : 'Door: choose the session',
    body: html`<h1>${fr ? 'Accueil : choisir la séance' : 'Door: choose the session'}</h1>
!${sessions.length === 0
  ? html`<p>${fr ? 'Aucune séance en salle n\'est ouverte aux présences en ce moment.' : 'No in-person session is open for check-in right now.'}</p>`
  : html`<ul class="links">!${sessions.map(s => html`<li><a href="/accueil/${s.id}?lang=${locale}">${time(s.startsAt, s.timezone)} — ${s.title}${s.room !== null ? ` (${s.room})` : ''}</a> · <a href="/presence/seance/${s.id}/projection?lang=${locale}">${fr ? 'projection' : 'projector'}</a> · <a href="/presence/seance/${s.id}/liste?lang=${locale}">${fr ? 'liste des présents' : 'who is in'}</a></li>`)}</ul>`}`
  })
}

/** The session team's live list: who is in, when, how, and who came without choosing it ahead. */
export function attendeesPage (locale: Locale, view: { sessionId: string, title: string, room: string | null, timezone: string, checkedIn: number, chosen: number, capacity: number | null, attendees: Array<{ name: string, status: string, method: string, recordedAt: Date, walkIn: boolean }> }, path: string): string {
  const fr = locale === 'fr'
  const methods: Record<string, string> = { room_code: fr ? 'code QR' : 'QR code', typed_code: fr ? 'code tapé' : 'typed code', pass: fr ? 'laissez-passer' : 'pass', manual: fr ? 'correction' : 'correction' }
  return layout({
    locale,
    path,
    title: fr ? `Présents — ${view.title}` : `Checked in — ${view.title}`,
    body: html`<div data-attendees="/presence/seance/${view.sessionId}/presents" data-locale="${locale}">
<h1>${view.title}</h1>
<p>${view.room ?? (fr ? 'Salle à venir' : 'Room to be announced')} · <a href="/presence/seance/${view.sessionId}/projection?lang=${locale}">${fr ? 'Projection du code' : 'Project the code'}</a> · <a href="/accueil/${view.sessionId}?lang=${locale}">${fr ? 'Numériser les laissez-passer' : 'Scan passes'}</a></p>
<p class="count" aria-live="polite"><span data-count>${view.checkedIn}</span>!${view.capacity !== null ? html` / ${view.capacity}` : ''} ${fr ? 'présent·e·s' : 'checked in'} · <span data-chosen>${view.chosen}</span> ${fr ? 'attendu·e·s (choix préalable)' : 'expected (chosen ahead)'}</p>
<table><thead><tr><th scope="col">${fr ? 'Personne' : 'Person'}</th><th scope="col">${fr ? 'Heure' : 'Time'}</th><th scope="col">${fr ? 'État' : 'Status'}</th><th scope="col">${fr ? 'Moyen' : 'How'}</th><th scope="col">${fr ? 'Sans réservation' : 'Walk-in'}</th></tr></thead>
<tbody data-rows>!${view.attendees.map(a => html`<tr><td>${a.name}</td><td>${time(a.recordedAt, view.timezone)}</td><td>${a.status === 'late' ? (fr ? 'en retard' : 'late') : (fr ? 'présent·e' : 'present')}</td><td>${methods[a.method] ?? a.method}</td><td>${a.walkIn ? (fr ? 'oui' : 'yes') : ''}</td></tr>`)}</tbody></table>
</div>
<script src="/assets/attendees.js"></script>`
  })
}

/** The attendance part of /moi: where to check in, the pass, choices and excuses. */
export function myPageAttendanceSection (locale: Locale): string {
  const fr = locale === 'fr'
  return html`<section aria-labelledby="my-attendance">
<h2 id="my-attendance">${fr ? 'Présences' : 'Attendance'}</h2>
<p>${fr ? 'À l\'entrée de chaque séance, scannez le code QR projeté avec l\'appareil photo de ce téléphone, ou montrez votre laissez-passer à l\'accueil.' : 'At each session, scan the projected QR code with this phone\'s camera, or show your pass at the door.'}</p>
<ul class="links">
<li><a href="/presence/laissez-passer?lang=${locale}">${fr ? 'Mon laissez-passer' : 'My pass'}</a></li>
<li><a href="/presence/code?lang=${locale}">${fr ? 'Entrer le code d\'une salle' : 'Enter a room code'}</a></li>
<li><a href="/presence?lang=${locale}">${fr ? 'Mes présences, choix de séances et justifications' : 'My attendance, session choices and excuses'}</a></li>
</ul>
</section>`
}
