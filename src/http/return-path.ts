import { z } from 'zod'

/** Longest return path kept (a page's address with its query string, not a document). */
const MAX_LENGTH = 500

/**
 * Where to send someone back after signing in (`?retour=`), if it is a page of this site: a
 * path starting with exactly one `/`. Anything else (another site, `//host`, `/\host`, a scheme,
 * control characters or spaces browsers strip or fold into `//`) is dropped, never followed.
 */
export function safeReturnPath (value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_LENGTH) return undefined
  if (!/^\/(?![/\\])/.test(value)) return undefined
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f\\]/.test(value)) return undefined
  // Belt and braces: resolved against this site, it must stay on it.
  const resolved = new URL(value, 'http://compagnon.invalid')
  return resolved.origin === 'http://compagnon.invalid' ? value : undefined
}

/** `?retour=` (or a form's `retour`): the page to come back to after signing in; anything not a page of this site is ignored. */
export const returnPathField = z.string().optional().transform(value => safeReturnPath(value))
  .describe('A page of this site to come back to once signed in (a path starting with one "/"); anything else is ignored')
