import { html } from 'ghtml'
import { layout } from './layout.js'
import { colon, t, type Locale } from './i18n.js'

/** "M'envoyer mon lien" (src/people/self-service-routes.ts), offered where a session or a link is missing. */
const SELF_SERVICE_PATH = '/connexion'

export function errorPage (props: { locale: Locale, statusCode: number, title: string, message: string, requestId: string, details?: string[], path: string, signInHelp?: boolean }): string {
  const { locale } = props
  return layout({
    locale,
    path: props.path,
    title: props.title,
    body: html`
<h1>${props.title} <span class="muted">(${props.statusCode})</span></h1>
<div class="error-box" role="alert">
  <p>${props.message}</p>
  !${props.details !== undefined && props.details.length > 0 ? html`<ul>!${props.details.map(d => html`<li>${d}</li>`)}</ul>` : ''}
</div>
!${props.signInHelp === true ? html`<p>${locale === 'fr' ? 'Pas de session, ou un lien qui ne fonctionne plus ?' : 'No session, or a link that no longer works?'} <a href="${SELF_SERVICE_PATH}?lang=${locale}">${locale === 'fr' ? 'Recevoir un lien de connexion par courriel' : 'Get a sign-in link by email'}</a></p>` : ''}
<p class="muted">${t(locale, 'common.errorRequestId')}${colon(locale)} <code>${props.requestId}</code></p>
<p><a href="/?lang=${locale}">${t(locale, 'common.errorBack')}</a></p>`
  })
}
