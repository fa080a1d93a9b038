import { z } from 'zod'
import { pathWithLang } from '../views/href.js'
import type { Locale } from '../views/i18n.js'

/** Longest return path kept (a page's address with its query string, not a document). */
const MAX_LENGTH = 500
const SITE = 'http://compagnon.invalid'

/** "M'envoyer mon lien / Send me my link" (src/people/self-service-routes.ts): the sign-in form. */
export const SIGN_IN_PATH = '/connexion'

/**
 * Pages a sign-in never returns to: the way in itself (the form, the one-time links) and the
 * personal links (/p/…), which open their own session.
 */
const NEVER_RETURN = /^\/(?:connexion|auth\/|p\/|p$)/

/**
 * Where to send someone back after signing in (`?retour=`), if it is a page of this site: a
 * path starting with exactly one `/`. Anything else (another site, `//host`, `/\host`, a scheme,
 * control characters or spaces browsers strip or fold into `//`) is dropped, never followed.
 * What is returned is the path as resolved (dot segments gone), so it is what was checked:
 * `/..//evil.example` resolves to `//evil.example`, which a Location would send off the site.
 */
export function safeReturnPath (value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_LENGTH) return undefined
  if (!/^\/(?![/\\])/.test(value)) return undefined
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f\\]/.test(value)) return undefined
  const resolved = new URL(value, SITE)
  if (resolved.origin !== SITE || /^\/[/\\]/.test(resolved.pathname) || NEVER_RETURN.test(resolved.pathname)) return undefined
  const path = resolved.pathname + resolved.search + resolved.hash
  return path.length > MAX_LENGTH ? undefined : path
}

/** `?retour=` (or a form's `retour`): the page to come back to after signing in; anything not a page of this site is ignored. */
export const returnPathField = z.string().optional().transform(value => safeReturnPath(value))
  .describe('A page of this site to come back to once signed in (a path starting with one "/"); anything else is ignored')

/**
 * The sign-in form in `locale` (for a Location header), bringing the person back to `returnPath`
 * once signed in when it is a page of this site a sign-in may return to (checked here).
 */
export function signInFormPath (locale: Locale, returnPath?: string): string {
  const back = safeReturnPath(returnPath)
  return pathWithLang(back === undefined ? SIGN_IN_PATH : `${SIGN_IN_PATH}?retour=${encodeURIComponent(back)}`, locale)
}
