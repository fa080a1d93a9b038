import { html } from 'ghtml'
import { layout } from '../views/layout.js'
import type { Locale } from '../views/i18n.js'
import type { PreviewOutcome } from './preview-pool.js'

/**
 * The page for a Word document shown as HTML, for graders who want to read it in the browser
 * without downloading it (PDFs open in the browser's own viewer). The HTML comes from mammoth in
 * a bounded thread (preview-pool.ts): it keeps the structure (headings, lists, tables, emphasis)
 * and escapes all text; images become data: URLs, which the CSP allows, and no script can run
 * (the CSP forbids inline scripts and javascript: links). A file past the pool's limits gets a
 * notice instead, and the download link.
 */
export function previewPage (locale: Locale, view: { filename: string, outcome: PreviewOutcome, downloadHref: string, backHref: string }, path: string): string {
  const fr = locale === 'fr'
  return layout({
    locale,
    path,
    title: view.filename,
    body: html`<p><a href="${view.backHref}">${fr ? '← Retour à la remise' : '← Back to the hand-in'}</a> · <a href="${view.downloadHref}">${fr ? 'Télécharger le fichier original' : 'Download the original file'}</a></p>
<h1>${view.filename}</h1>
!${view.outcome.ok
  ? html`<p class="muted">${fr ? 'Aperçu du texte du document (la mise en page exacte est dans le fichier original).' : 'Preview of the document\'s text (the exact layout is in the original file).'}</p>
<article class="document-preview">!${view.outcome.html}</article>`
  : html`<p class="notice" role="status">${refusalText(view.outcome.reason, fr)}</p>`}`
  })
}

function refusalText (reason: Exclude<PreviewOutcome, { ok: true }>['reason'], fr: boolean): string {
  if (reason === 'unreadable') {
    return fr ? 'Ce document ne peut pas être affiché dans le navigateur (fichier illisible ou protégé) : téléchargez le fichier original.' : 'This document cannot be shown in the browser (the file is unreadable or protected): download the original file.'
  }
  return fr
    ? 'Ce document ne peut pas être affiché dans le navigateur : il est trop volumineux ou trop complexe pour un aperçu. Téléchargez le fichier original pour le lire.'
    : 'This document cannot be shown in the browser: it is too large or too complex to preview. Download the original file to read it.'
}
