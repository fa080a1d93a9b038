import { html } from 'ghtml'
import { layout } from './layout.js'
import { t, type Locale } from './i18n.js'
import { hrefOf } from './href.js'
import { signInFormPath } from '../http/return-path.js'

/** A person's own page; without a session it leads to the sign-in form. */
const MY_PAGE_PATH = '/moi'

/**
 * An error as people read it: what happened (title), why (message), what to do next (links).
 * The HTTP status and the request's reference stay in a folded "technical details" line.
 */
export function errorPage (props: {
  locale: Locale
  statusCode: number
  title: string
  message: string
  requestId: string
  details?: string[]
  path: string
  signInHelp?: boolean
}): string {
  const { locale } = props
  const signIn = props.signInHelp === true || props.statusCode === 401
  const next = [
    ...(signIn
      ? [
          html`<li><a href="!${hrefOf(signInFormPath(locale))}">${t(locale, 'system.nextSignIn')}</a></li>`,
          html`<li>${t(locale, 'system.nextFromCourse')}</li>`
        ]
      : [html`<li><a href="${MY_PAGE_PATH}?lang=${locale}">${t(locale, 'system.nextMyPage')}</a></li>`]),
    html`<li><a href="/?lang=${locale}">${t(locale, 'system.nextProgram')}</a></li>`
  ]
  return layout({
    locale,
    path: props.path,
    title: props.title,
    body: html`
<h1>${props.title}</h1>
<div class="error-box" role="alert">
  <p>${props.message}</p>
  !${props.details !== undefined && props.details.length > 0 ? html`<ul>!${props.details.map(d => html`<li>${d}</li>`)}</ul>` : ''}
</div>
<h2 class="next-steps">${t(locale, 'system.nextSteps')}</h2>
<ul class="next-steps">!${next}</ul>
<details class="technical"><summary>${t(locale, 'system.technicalDetails')}</summary>
<p>${t(locale, 'system.technicalLine', { status: String(props.statusCode), requestId: props.requestId })}</p></details>`
  })
}
