import { html } from 'ghtml'
import { layout } from '../views/layout.js'
import type { Locale } from '../views/i18n.js'
import type { LinkCode, LinkPreview, LinkResult } from './account-links.js'

const BASE = '/moi/liaison'

/** The section of /moi: show a code here, or type the one the other account shows. */
export function linkSection (locale: Locale): string {
  const fr = locale === 'fr'
  return html`<section aria-labelledby="moi-liaison">
<h2 id="moi-liaison">${fr ? 'Relier un autre compte' : 'Link another account'}</h2>
<p>${fr
    ? 'Vous avez deux comptes Compagnon (par exemple, celui du cours dans le LMS et celui d\'une inscription comme employé·e) ? Reliez-les : affichez un code dans l\'un, tapez-le dans l\'autre. Le compte où vous tapez le code garde tout ; l\'autre y est fusionné puis fermé.'
    : 'Do you have two Compagnon accounts (say, the course one in the LMS and one from a registration as an employee)? Link them: show a code in one, type it in the other. The account where you type the code keeps everything; the other is merged into it, then closed.'}</p>
<form method="post" action="${BASE}/code?lang=${locale}"><button type="submit">${fr ? 'Afficher un code de liaison' : 'Show a linking code'}</button></form>
<form class="stack" method="post" action="${BASE}?lang=${locale}">
  <label>${fr ? 'Code affiché dans l\'autre compte' : 'Code shown in the other account'}<input type="text" name="code" required maxlength="20" autocomplete="off" autocapitalize="characters" spellcheck="false"></label>
  <button type="submit">${fr ? 'Continuer' : 'Continue'}</button>
</form>
</section>`
}

export function codePage (locale: Locale, code: LinkCode, path: string): string {
  const fr = locale === 'fr'
  const until = code.expiresAt.toLocaleTimeString(fr ? 'fr-CA' : 'en-CA', { timeZone: 'America/Montreal', hour: '2-digit', minute: '2-digit' })
  const title = fr ? 'Code de liaison' : 'Linking code'
  return layout({
    locale,
    path,
    title,
    body: html`<h1>${title}</h1>
<p class="code" aria-label="${fr ? 'Code' : 'Code'}"><strong><code>${code.code}</code></strong></p>
<p>${fr
    ? `Signez-vous dans votre autre compte (l'autre fenêtre, ou Compagnon ouvert depuis le LMS), ouvrez « Ma page », puis tapez ce code sous « Relier un autre compte ». Il ne sert qu'une fois et expire à ${until} (10 minutes).`
    : `Sign in to your other account (the other window, or Compagnon opened from the LMS), open "My page", then type this code under "Link another account". It works once and expires at ${until} (10 minutes).`}</p>
<div class="notice" role="note"><p>${fr
    ? 'Ne donnez ce code à personne : le compte où il est tapé reçoit tout ce que contient celui-ci (inscriptions, présences, demandes d\'attestation), et celui-ci est fermé.'
    : 'Give this code to nobody: the account where it is typed receives everything this one holds (registrations, attendance, attestation requests), and this one is closed.'}</p></div>
<p><a href="/moi?lang=${locale}">${fr ? 'Retour à ma page' : 'Back to my page'}</a></p>`
  })
}

export function confirmPage (locale: Locale, view: { code: string, preview: LinkPreview, self: { displayName: string, email: string | null } }, path: string): string {
  const fr = locale === 'fr'
  const who = (p: { displayName: string, email: string | null }): string => p.email === null ? p.displayName : `${p.displayName} (${p.email})`
  const title = fr ? 'Relier les deux comptes ?' : 'Link the two accounts?'
  return layout({
    locale,
    path,
    title,
    body: html`<h1>${title}</h1>
<p>${fr
    ? `Le compte « ${who(view.preview.other)} » sera fusionné dans celui où vous êtes connecté·e ici, « ${who(view.self)} ». Ses inscriptions, présences (une par créneau : la plus ancienne est gardée), demandes d'attestation, identités LMS et remises passent à ce compte ; ses sessions sont fermées, puis il est supprimé. Cela ne peut pas être défait.`
    : `The account "${who(view.preview.other)}" will be merged into the one you are signed in with here, "${who(view.self)}". Its registrations, attendance (one per time slot: the earliest is kept), attestation requests, LMS identities and hand-ins move to this account; its sessions are closed, then it is deleted. This cannot be undone.`}</p>
<p>${fr ? 'Continuez seulement si les deux comptes sont à vous.' : 'Continue only if both accounts are yours.'}</p>
<form method="post" action="${BASE}/confirmation?lang=${locale}">
  <input type="hidden" name="code" value="${view.code}">
  <button type="submit">${fr ? 'Relier les comptes' : 'Link the accounts'}</button>
</form>
<p><a href="/moi?lang=${locale}">${fr ? 'Annuler' : 'Cancel'}</a></p>`
  })
}

export function linkedPage (locale: Locale, result: LinkResult, path: string): string {
  const fr = locale === 'fr'
  const title = fr ? 'Comptes reliés' : 'Accounts linked'
  return layout({
    locale,
    path,
    title,
    body: html`<h1>${title}</h1>
<div class="notice" role="status"><p>${fr
    ? 'Vos deux comptes n\'en font plus qu\'un : celui-ci. L\'autre a été fermé ; s\'il était ouvert dans une autre fenêtre ou dans le LMS, relancez Compagnon depuis le cours.'
    : 'Your two accounts are now one: this one. The other was closed; if it was open in another window or in the LMS, launch Compagnon again from the course.'}</p>
!${result.keptAccountSignedOut
? html`<p>${fr
    ? 'Ce compte avait été créé par l\'équipe d\'un événement : par prudence, ses sessions ont aussi été fermées. Ouvrez de nouveau Compagnon depuis votre cours dans le LMS, ou demandez un lien à votre adresse courriel :'
    : 'This account had been created by an event\'s staff: to be safe, its sessions were closed too. Open Compagnon again from your course in the LMS, or ask for a link to your email address:'} <a href="/connexion?lang=${locale}">${fr ? 'M\'envoyer mon lien' : 'Send me my link'}</a></p>`
: ''}
!${result.dropped.attendance_records !== undefined ? html`<p>${fr ? `Présences en double (même créneau) : ${result.dropped.attendance_records} retirée(s), la plus ancienne gardée.` : `Duplicate attendance (same time slot): ${result.dropped.attendance_records} removed, the earliest kept.`}</p>` : ''}</div>
<p><a href="/moi?lang=${locale}">${fr ? 'Ma page' : 'My page'}</a></p>`
  })
}
