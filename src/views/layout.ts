import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { html } from 'ghtml'
import { projectRoot } from '../paths.js'
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
    <li><a href="/moi?lang=${locale}">${t(locale, 'common.myPage')}</a></li>
    <li><a href="${switchHref}" lang="${other}" hreflang="${other}" title="${t(locale, 'common.switchLanguageLabel')}">${t(locale, 'common.switchLanguage')}</a></li>
  </ul></nav>
</div></header>
<main id="main" tabindex="-1">
!${body}
</main>
<footer class="site">
  <p>${t(locale, 'common.footerOrganization')} · <a href="/confidentialite?lang=${locale}">${t(locale, 'common.privacy')}</a> · <a href="${guideHref(locale, 'home')}">${t(locale, 'common.guide')}</a> · <a href="/docs">${t(locale, 'common.apiDocs')}</a></p>
</footer>
</body>
</html>`
}

/** The one stylesheet (public/site.css): tokens, frame, components. Read once. */
export const siteCss = readFileSync(join(projectRoot, 'public', 'site.css'), 'utf8')
/** The site's icon (public/favicon.svg), which organizers may replace. */
export const favicon = readFileSync(join(projectRoot, 'public', 'favicon.svg'), 'utf8')
