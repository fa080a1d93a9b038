import { html } from 'ghtml'
import { layout } from '../views/layout.js'
import { t, type Locale } from '../views/i18n.js'
import { hrefOf } from '../views/href.js'
import { privacyNoticeLine } from '../views/privacy-notice.js'
import { signInFormPath } from '../http/return-path.js'

/**
 * "M'envoyer mon lien": the form, the answer after sending (the same whether or not the address
 * is known), or, without SMTP, where else to get in.
 */
export function selfServicePage (locale: Locale, view: { available: boolean, sentTo?: string, returnTo?: string | undefined }, path: string): string {
  const title = t(locale, 'people.selfServiceTitle')
  const lms = html`<p>${t(locale, 'people.selfServiceLms')}</p>`
  let body: string
  if (!view.available) {
    body = html`<div class="notice" role="status"><p>${t(locale, 'people.selfServiceUnavailable')}</p>
<p>${t(locale, 'people.selfServiceUnavailableHelp')}</p></div>`
  } else if (view.sentTo !== undefined) {
    body = html`<div class="notice" role="status"><p>${t(locale, 'people.selfServiceSent', { email: view.sentTo })}</p>
<p>${t(locale, 'people.selfServiceNothingReceived')}</p></div>
<p><a href="!${hrefOf(signInFormPath(locale))}">${t(locale, 'people.selfServiceAnotherAddress')}</a></p>`
  } else {
    body = html`!${view.returnTo !== undefined ? html`<p class="notice" role="status">${t(locale, 'people.selfServiceReturn')}</p>` : ''}
<p>${t(locale, 'people.selfServiceIntro')}</p>
<form class="stack" method="post" action="!${hrefOf(signInFormPath(locale))}">
  !${view.returnTo !== undefined ? html`<input type="hidden" name="retour" value="${view.returnTo}">` : ''}
  <label>${t(locale, 'people.selfServiceEmailLabel')}<input type="email" name="email" required maxlength="254" autocomplete="email"></label>
  <button type="submit">${t(locale, 'people.selfServiceButton')}</button>
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
