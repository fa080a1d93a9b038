import { html } from 'ghtml'
import { layout } from '../views/layout.js'
import { breadcrumbs, myPageCrumb } from '../views/breadcrumbs.js'
import { formatTime, markup, t, type Locale } from '../views/i18n.js'
import type { LinkCode, LinkPreview, LinkResult } from './account-links.js'
import { LINK_ZONE } from './pages.js'
import { hrefOf } from '../views/href.js'
import { signInFormPath } from '../http/return-path.js'

const BASE = '/moi/liaison'

/** The section of /moi: show a code here, or type the one the other account shows. */
export function linkSection (locale: Locale): string {
  return html`<section aria-labelledby="moi-liaison">
<h2 id="moi-liaison">${t(locale, 'people.linkAnotherAccount')}</h2>
<p>${t(locale, 'people.linkIntro')}</p>
<form method="post" action="${BASE}/code?lang=${locale}"><button type="submit">${t(locale, 'people.linkShowCode')}</button></form>
<form class="stack" method="post" action="${BASE}?lang=${locale}">
  <label>${t(locale, 'people.linkCodeFromOther')}<input type="text" name="code" required maxlength="20" autocomplete="off" autocapitalize="characters" ` +
    html`spellcheck="false"></label>
  <button type="submit">${t(locale, 'people.linkContinue')}</button>
</form>
</section>`
}

export function codePage (locale: Locale, code: LinkCode, path: string): string {
  const until = formatTime(code.expiresAt.toISOString(), locale, LINK_ZONE)
  const title = t(locale, 'people.linkCodeTitle')
  return layout({
    locale,
    path,
    title,
    body: html`!${breadcrumbs(locale, [myPageCrumb(locale)])}
<h1>${title}</h1>
<p class="code" aria-label="${t(locale, 'people.linkCodeLabel')}"><strong><code>${code.code}</code></strong></p>
<p>${t(locale, 'people.linkCodeHowTo', { time: until })}</p>
<div class="notice" role="note"><p>${t(locale, 'people.linkCodeWarning')}</p></div>`
  })
}

export function confirmPage (locale: Locale, view: {
  code: string
  preview: LinkPreview
  self: { displayName: string, email: string | null }
}, path: string): string {
  const who = (p: { displayName: string, email: string | null }): string => p.email === null ? p.displayName : `${p.displayName} (${p.email})`
  const title = t(locale, 'people.linkConfirmTitle')
  return layout({
    locale,
    path,
    title,
    body: html`!${breadcrumbs(locale, [myPageCrumb(locale)])}
<h1>${title}</h1>
<p>${t(locale, 'people.linkConfirmMerge', { other: who(view.preview.other), self: who(view.self) })}</p>
<p>${t(locale, 'people.linkConfirmOnlyYours')}</p>
<form method="post" action="${BASE}/confirmation?lang=${locale}">
  <input type="hidden" name="code" value="${view.code}">
  <button type="submit">${t(locale, 'people.linkConfirmButton')}</button>
</form>
<p><a href="/moi?lang=${locale}">${t(locale, 'people.linkCancel')}</a></p>`
  })
}

export function linkedPage (locale: Locale, result: LinkResult, path: string): string {
  const title = t(locale, 'people.linkedTitle')
  const dropped = result.dropped.attendance_records
  return layout({
    locale,
    path,
    title,
    body: html`<h1>${title}</h1>
<div class="notice" role="status"><p>${t(locale, 'people.linkedDone')}</p>
!${result.keptAccountSignedOut
? html`<p>!${markup(locale, 'people.linkedSignedOut', {}, { link: words => html`<a href="!${hrefOf(signInFormPath(locale))}">${words}</a>` })}</p>`
: ''}
!${dropped !== undefined ? html`<p>${t(locale, 'people.linkedDroppedAttendance', { count: dropped })}</p>` : ''}</div>
<p><a href="/moi?lang=${locale}">${t(locale, 'common.myPage')}</a></p>`
  })
}
