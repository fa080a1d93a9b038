import { html } from 'ghtml'
import { layout } from './layout.js'
import { colon, t, type Locale } from './i18n.js'

export function errorPage (props: { locale: Locale, statusCode: number, title: string, message: string, requestId: string, details?: string[], path: string }): string {
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
<p class="muted">${t(locale, 'errorRequestId')}${colon(locale)} <code>${props.requestId}</code></p>
<p><a href="/?lang=${locale}">${t(locale, 'errorBack')}</a></p>`
  })
}
