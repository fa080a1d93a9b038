import { html } from 'ghtml'
import { layout } from '../views/layout.js'
import type { Locale } from '../views/i18n.js'

/**
 * A Word document as HTML, for graders who want to read it in the browser without downloading
 * it (PDFs open in the browser's own viewer). mammoth keeps the structure (headings, lists,
 * tables, emphasis) and escapes all text; images become data: URLs, which the CSP allows, and
 * no script can run (the CSP forbids inline scripts and javascript: links).
 */
export async function docxToHtml (bytes: Buffer): Promise<string> {
  // Loaded on first use: few hand-ins are Word files.
  const { default: mammoth } = await import('mammoth')
  const result = await mammoth.convertToHtml({ buffer: bytes })
  return result.value
}

export function previewPage (locale: Locale, view: { filename: string, body: string, downloadHref: string, backHref: string }, path: string): string {
  const fr = locale === 'fr'
  return layout({
    locale,
    path,
    title: view.filename,
    body: html`<p><a href="${view.backHref}">${fr ? '← Retour à la remise' : '← Back to the hand-in'}</a> · <a href="${view.downloadHref}">${fr ? 'Télécharger le fichier original' : 'Download the original file'}</a></p>
<h1>${view.filename}</h1>
<p class="muted">${fr ? 'Aperçu du texte du document (la mise en page exacte est dans le fichier original).' : 'Preview of the document\'s text (the exact layout is in the original file).'}</p>
<article class="document-preview">!${view.body}</article>`
  })
}
