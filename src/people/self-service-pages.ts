import { html } from 'ghtml'
import { layout } from '../views/layout.js'
import type { Locale } from '../views/i18n.js'
import { privacyNoticeLine } from '../privacy/pages.js'

export const SELF_SERVICE_PATH = '/connexion'

/**
 * "M'envoyer mon lien": the form, the answer after sending (the same whether or not the address
 * is known), or, without SMTP, where else to get in.
 */
export function selfServicePage (locale: Locale, view: { available: boolean, sentTo?: string }, path: string): string {
  const fr = locale === 'fr'
  const title = fr ? 'M\'envoyer mon lien de connexion' : 'Send me my sign-in link'
  const lms = html`<p>${fr ? 'Inscrit·e au cours crédité ? Ouvrez Compagnon depuis votre cours dans le LMS (Moodle) : vous y êtes connecté·e sans lien.' : 'Enrolled in the credited course? Open Compagnon from your course in the LMS (Moodle): you are signed in there without a link.'}</p>`
  let body: string
  if (!view.available) {
    body = html`<div class="notice" role="status"><p>${fr
      ? 'Compagnon ne peut pas envoyer de liens par courriel pour le moment.'
      : 'Compagnon cannot send links by email right now.'}</p>
<p>${fr
      ? 'Demandez un lien à l\'équipe d\'organisation de votre événement (à l\'accueil ou par courriel), ou ouvrez Compagnon depuis votre cours dans le LMS (Moodle).'
      : 'Ask the organizers of your event for a link (at the door or by email), or open Compagnon from your course in the LMS (Moodle).'}</p></div>`
  } else if (view.sentTo !== undefined) {
    body = html`<div class="notice" role="status"><p>${fr
      ? `Si un compte Compagnon utilise l'adresse ${view.sentTo}, un lien de connexion vient d'y être envoyé. Il ne sert qu'une fois et reste valide une heure.`
      : `If a Compagnon account uses the address ${view.sentTo}, a sign-in link has just been sent to it. It works once and remains valid for one hour.`}</p>
<p>${fr
      ? 'Rien reçu d\'ici quelques minutes ? Vérifiez vos courriels indésirables et l\'orthographe de l\'adresse, ou demandez à l\'équipe d\'organisation quelle adresse elle a pour vous.'
      : 'Nothing within a few minutes? Check your spam folder and the spelling of the address, or ask the organizers which address they have for you.'}</p></div>
<p><a href="${SELF_SERVICE_PATH}?lang=${locale}">${fr ? 'Demander un lien pour une autre adresse' : 'Ask for a link to another address'}</a></p>`
  } else {
    body = html`<p>${fr
      ? 'Entrez l\'adresse courriel de votre compte Compagnon : vous y recevrez un lien de connexion à usage unique, valide une heure. Il ouvre votre session sur l\'appareil où vous le confirmez.'
      : 'Enter the email address of your Compagnon account: you will receive a one-time sign-in link there, valid for one hour. It opens your session on the device where you confirm it.'}</p>
<form class="stack" method="post" action="${SELF_SERVICE_PATH}?lang=${locale}">
  <label>${fr ? 'Adresse courriel' : 'Email address'}<input type="email" name="email" required maxlength="254" autocomplete="email"></label>
  <button type="submit">${fr ? 'M\'envoyer mon lien' : 'Send me my link'}</button>
</form>`
  }
  return layout({
    locale,
    path,
    title,
    body: html`<h1>${title}</h1>
!${body}
!${lms}
!${privacyNoticeLine(locale)}`
  })
}
