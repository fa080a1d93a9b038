import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { html } from 'ghtml'
import { projectRoot } from '../paths.js'
import { currentViewer, type Viewer } from '../http/viewer.js'
import { signInFormPath } from '../http/return-path.js'
import { hrefOf, withLang } from './href.js'
import { t, type Locale } from './i18n.js'
import { guideHref } from './guide-links.js'

export interface LayoutProps {
  locale: Locale
  title: string
  /** Already-rendered HTML of the page body (from `html` templates). */
  body: string
  /** Path of this page, for the language switch link. */
  path: string
  description?: string
}

/** The small layout every server-rendered page uses: no external assets, readable on a phone. */
export function layout ({ locale, title, body, path, description }: LayoutProps): string {
  const other: Locale = locale === 'fr' ? 'en' : 'fr'
  const url = new URL(path, 'http://x')
  url.searchParams.set('lang', other)
  const switchHref = url.pathname + url.search
  return '<!doctype html>' + html`<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · ${t(locale, 'common.appName')}</title>
!${description !== undefined ? html`<meta name="description" content="${description}">` : ''}
<link rel="stylesheet" href="/assets/site.css">
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
</head>
<body>
<a class="skip" href="#main">${t(locale, 'common.skipToContent')}</a>
<header class="site"><div class="bar">
  <a class="brand" href="/?lang=${locale}"><img src="/assets/favicon.svg" alt="" width="26" height="26">${t(locale, 'common.appName')}</a>
  <nav aria-label="${t(locale, 'common.mainNavigation')}"><ul>
    <li><a href="/?lang=${locale}">${t(locale, 'common.program')}</a></li>
    <li><a href="${switchHref}" lang="${other}" hreflang="${other}" title="${t(locale, 'common.switchLanguageLabel')}">` +
      html`${t(locale, 'common.switchLanguage')}</a></li>
    !${account(locale, currentViewer(), url)}
  </ul></nav>
</div></header>
<main id="main" tabindex="-1">
!${body}
</main>
<footer class="site">
  <p>${t(locale, 'common.footerOrganization')} · <a href="/confidentialite?lang=${locale}">${t(locale, 'common.privacy')}</a> · ` +
    html`<a href="${guideHref(locale, 'home')}">${t(locale, 'common.guide')}</a> · <a href="/docs">${t(locale, 'common.apiDocs')}</a></p>
</footer>
</body>
</html>`
}

/**
 * Pages a sign-in lands on anyway (the program, one's own page): the way in does not bring the
 * person back to them. Pages a sign-in never returns to are refused by safeReturnPath.
 */
const LANDS_ANYWAY = /^\/(?:$|moi$)/

/**
 * The header's last item. Signed in: the person's name opening a menu (a disclosure, no script)
 * with their page, the event worth going back to, and signing out. Otherwise the way in, which
 * brings the person back to this page once signed in.
 */
function account (locale: Locale, viewer: Viewer | undefined, here: URL): string {
  if (viewer === undefined) {
    const back = new URL(here)
    back.searchParams.delete('lang')
    const href = signInFormPath(locale, LANDS_ANYWAY.test(back.pathname) ? undefined : back.pathname + back.search)
    return html`<li><a href="!${hrefOf(href)}">${t(locale, 'common.headerSignIn')}</a></li>`
  }
  return html`<li class="account"><details><summary><span class="who">${viewer.name}</span>` +
    html`<span class="visually-hidden"> — ${t(locale, 'common.accountMenu')}</span></summary>
<ul class="account-menu">
  <li><a href="/moi?lang=${locale}">${t(locale, 'common.myPage')}</a></li>
  !${viewer.events.map(e => html`<li><a href="!${withLang(e.href, locale)}">${e.label[locale]}</a></li>`)}
  <li><form method="post" action="/auth/sign-out?lang=${locale}"><button type="submit" class="link">${t(locale, 'common.signOut')}</button></form></li>
</ul></details></li>`
}

/** The one stylesheet (public/site.css): tokens, frame, components. Read once. */
export const siteCss = readFileSync(join(projectRoot, 'public', 'site.css'), 'utf8')
/** The site's icon (public/favicon.svg), which organizers may replace. */
export const favicon = readFileSync(join(projectRoot, 'public', 'favicon.svg'), 'utf8')
