import { html } from 'ghtml'
import { layout } from '../views/layout.js'
import { t, type Locale, type TextKey } from '../views/i18n.js'
import { breadcrumbs, coursesCrumb } from '../views/breadcrumbs.js'
import type { PreviewOutcome, PreviewRefusal } from './preview-pool.js'

/** Why a document is not shown: unreadable, or past the pool's limits (size, time, memory). */
const REFUSAL_TEXT = {
  unreadable: 'synthesis.previewUnreadable',
  entries: 'synthesis.previewTooLarge',
  size: 'synthesis.previewTooLarge',
  ratio: 'synthesis.previewTooLarge',
  time: 'synthesis.previewTooLarge',
  memory: 'synthesis.previewTooLarge'
} as const satisfies Record<PreviewRefusal, TextKey>

/**
 * The page for a Word document shown as HTML, for graders who want to read it in the browser
 * without downloading it (PDFs open in the browser's own viewer). The HTML comes from mammoth in
 * a bounded thread (preview-pool.ts): it keeps the structure (headings, lists, tables, emphasis)
 * and escapes all text; images become data: URLs, which the CSP allows, and no script can run
 * (the CSP forbids inline scripts and javascript: links). A file past the pool's limits gets a
 * notice instead, and the download link.
 */
export function previewPage (locale: Locale, view: {
  filename: string
  outcome: PreviewOutcome
  downloadHref: string
  backHref: string
}, path: string): string {
  return layout({
    locale,
    path,
    title: view.filename,
    body: html`!${breadcrumbs(locale, [coursesCrumb(locale), { label: t(locale, 'synthesis.activityTitle'), href: view.backHref }])}
<h1>${view.filename}</h1>
<p><a href="${view.downloadHref}">${t(locale, 'synthesis.downloadOriginal')}</a></p>
!${view.outcome.ok
  ? html`<p class="muted">${t(locale, 'synthesis.previewNote')}</p>
<article class="document-preview">!${view.outcome.html}</article>`
  : html`<p class="notice" role="status">${t(locale, REFUSAL_TEXT[view.outcome.reason])}</p>`}`
  })
}
