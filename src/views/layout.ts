import { html } from 'ghtml'
import { t, type Locale } from './i18n.js'

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
<link rel="icon" href="data:,">
</head>
<body>
<a class="skip" href="#main">${t(locale, 'common.skipToContent')}</a>
<header class="site">
  <a class="brand" href="/?lang=${locale}">${t(locale, 'common.appName')}</a>
  <nav aria-label="${locale === 'fr' ? 'Langue' : 'Language'}">
    <a href="${switchHref}" lang="${other}" hreflang="${other}" title="${t(locale, 'common.switchLanguageLabel')}">${t(locale, 'common.switchLanguage')}</a>
  </nav>
</header>
<main id="main" tabindex="-1">
!${body}
</main>
<footer class="site">
  <p>ÉNAP · <a href="/confidentialite?lang=${locale}">${locale === 'fr' ? 'Confidentialité' : 'Privacy'}</a> · <a href="/docs">${t(locale, 'common.apiDocs')}</a></p>
</footer>
</body>
</html>`
}

export const siteCss = `
:root { --ink: #1b1f24; --muted: #4a5260; --line: #d5d9e0; --bg: #ffffff; --soft: #f3f5f8; --accent: #0b4f8a; --accent-ink: #ffffff; --warn: #8a3b00; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: var(--bg); line-height: 1.5; font-size: 1rem; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible { outline: 3px solid #e0a100; outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--accent); color: var(--accent-ink); padding: .5rem 1rem; }
.skip:focus { left: 0; }
header.site { display: flex; justify-content: space-between; align-items: center; padding: .75rem 1rem; background: var(--accent); color: var(--accent-ink); }
header.site a { color: var(--accent-ink); }
.brand { font-weight: 700; text-decoration: none; font-size: 1.15rem; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem; }
main:focus { outline: none; }
footer.site { max-width: 60rem; margin: 2rem auto 1rem; padding: 0 1rem; color: var(--muted); font-size: .9rem; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: .5rem 0 1rem; }
h2 { font-size: 1.3rem; margin: 2rem 0 .75rem; padding-bottom: .25rem; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.05rem; margin: 0 0 .25rem; }
.lead { color: var(--muted); }
.facts { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; padding: 0; list-style: none; }
.slot { display: grid; grid-template-columns: 9rem 1fr; gap: .75rem; padding: .75rem 0; border-bottom: 1px solid var(--line); }
.slot time { font-variant-numeric: tabular-nums; font-weight: 600; }
.slot .when small { display: block; color: var(--muted); font-weight: 400; }
.sessions { display: grid; gap: .75rem; }
.parallel-note { margin: 0; font-size: .9rem; color: var(--warn); font-weight: 600; }
.session { background: var(--soft); border-radius: .5rem; padding: .75rem; }
.session.minor { background: transparent; padding: 0; }
.session.cancelled h3 { text-decoration: line-through; }
.tags { display: flex; flex-wrap: wrap; gap: .35rem; margin: .35rem 0; padding: 0; list-style: none; font-size: .85rem; }
.tags li { border: 1px solid var(--line); background: var(--bg); border-radius: 999px; padding: 0 .6rem; }
.tags li.kind { background: var(--accent); color: var(--accent-ink); border-color: var(--accent); }
.tags li.alert { border-color: var(--warn); color: var(--warn); }
.speakers { margin: .35rem 0; padding-left: 1.1rem; font-size: .95rem; }
.speakers span { color: var(--muted); }
details summary { cursor: pointer; color: var(--accent); }
.muted { color: var(--muted); }
form.stack { display: grid; gap: .75rem; max-width: 28rem; }
label { font-weight: 600; display: grid; gap: .25rem; }
label.choice { display: flex; gap: .5rem; align-items: center; font-weight: 400; }
fieldset { border: 1px solid var(--line); border-radius: .35rem; display: grid; gap: .5rem; }
input, select, button { font: inherit; padding: .5rem .6rem; border: 1px solid #767f8c; border-radius: .35rem; }
button { background: var(--accent); color: var(--accent-ink); border-color: var(--accent); cursor: pointer; font-weight: 600; }
.notice { border-left: 4px solid var(--accent); background: var(--soft); padding: .75rem 1rem; overflow-wrap: anywhere; }
.error-box { border-left: 4px solid #b00020; background: #fff1f2; padding: .75rem 1rem; }
code, .token { overflow-wrap: anywhere; }
.qr { margin: 1rem 0; max-width: 20rem; background: #fff; }
.qr svg { display: block; width: 100%; height: auto; }
.big { font-size: 1.6rem; font-weight: 700; margin: .5rem 0; }
.checkin, .scan-result { border-left: 8px solid var(--line); padding: .5rem 1rem; margin: 1rem 0; }
.checkin.ok, .scan-result.ok { border-color: #1b7f3b; background: #eefaf1; }
.checkin.late, .scan-result.late { border-color: #9a6700; background: #fff8e6; }
.checkin.pending { border-color: var(--accent); background: var(--soft); }
.scan-result.refused { border-color: #b00020; background: #fff1f2; }
.typed-code { font-size: 2.5rem; font-weight: 700; letter-spacing: .2em; font-variant-numeric: tabular-nums; margin: .25rem 0; }
.code-input { font-size: 1.5rem; letter-spacing: .15em; max-width: 14em; }
.count { font-size: 2rem; font-weight: 700; }
.projection .qr { max-width: min(70vh, 32rem); }
table { border-collapse: collapse; width: 100%; font-size: .95rem; display: block; overflow-x: auto; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
textarea { font: inherit; padding: .5rem .6rem; border: 1px solid #767f8c; border-radius: .35rem; width: 100%; }
form.stack.wide { max-width: 48rem; }
button.secondary { background: var(--bg); color: var(--accent); }
.answer { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--soft); border-radius: .35rem; padding: .75rem 1rem; }
.receipt { border-left: 4px solid var(--line); padding: .25rem 1rem; margin: 1rem 0; }
.receipt.highlight { border-color: #1b7f3b; background: #eefaf1; }
.receipt dt { font-weight: 600; }
.receipt dd { margin: 0 0 .5rem; }
.tag-late { border: 1px solid var(--warn); color: var(--warn); border-radius: 999px; padding: 0 .6rem; font-size: .85rem; font-weight: 600; }
.mono { font-family: ui-monospace, monospace; }
@media (max-width: 36rem) { .slot { grid-template-columns: 1fr; gap: .25rem; } h1 { font-size: 1.35rem; } }
`
