// What a person reads on a page, checked for glitches that only show once rendered: markup
// escaped into visible text (a nested template inserted as text shows "<strong>65 / 100</strong>"
// literally) and doubled punctuation after English times ("5:00 p.m..").

/** The visible text of an HTML page: without scripts, styles, textareas (typed text may hold anything) and tags with their attribute values. */
export function visibleText (html: string): string {
  return html
    .replace(/<(script|style|textarea)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    // Tags go without a trace, so "p.m.</time>." reads as the "p.m.." a person sees.
    .replace(/<[^>]*>/g, '')
}

/** An escaped tag read as text: `&lt;strong&gt;`, `&lt;/p>`, `&lt;a href…` (an escaped e-mail address, `&lt;ana@…&gt;`, is not). */
const ESCAPED_TAG = /&lt;\/?[a-z][a-z0-9-]*(?:[\s/>]|&gt;)/gi
/** A period after an English time that already ends with one ("p.m.."), or a same-day range ("6–6, 2026"). */
const GLITCHES = [/\b[ap]\.m\.\./gi, /\b(\d{1,2})\s?–\s?\1\b(?!:)/g]

/** The problems of one HTML page, each with a little of its text around it (empty when none). */
export function pageTextProblems (html: string): string[] {
  const text = visibleText(html)
  const around = (index: number): string => text.slice(Math.max(0, index - 40), index + 40).replace(/\s+/g, ' ').trim()
  return [
    ...[...text.matchAll(ESCAPED_TAG)].map(m => `escaped markup shown as text: «${around(m.index)}»`),
    ...GLITCHES.flatMap(re => [...text.matchAll(re)].map(m => `text glitch «${m[0]}»: «${around(m.index)}»`))
  ]
}

/**
 * The first `<tag …>…</tag>` of an HTML page (not nested in itself), throwing when the page has
 * none: a check on a missing part would otherwise pass on nothing (`notMatch(undefined, …)`).
 */
export function elementOf (html: string, tag: string): string {
  const found = new RegExp(`<${tag}\\b[^>]*>[\\s\\S]*?</${tag}\\s*>`, 'i').exec(html)?.[0]
  if (found === undefined) throw new Error(`no <${tag}> in the page: ${html.slice(0, 300)}`)
  return found
}

/**
 * The page's own content, `<main>…</main>` (not the header, which names who is signed in and
 * offers « Se déconnecter »); throws when the page has none.
 */
export const mainOf = (html: string): string => elementOf(html, 'main')
