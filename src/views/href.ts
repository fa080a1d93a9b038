import type { Locale } from './i18n.js'

/**
 * A same-site path in the page's language: `lang` set in its query, a #fragment kept last (for a
 * Location header). A path that resolves to `//host` or `/\host` (`/..//host`) would leave the
 * site: it keeps one leading slash and stays here.
 */
export function pathWithLang (href: string, locale: Locale): string {
  const url = new URL(href, 'http://compagnon.invalid')
  url.searchParams.set('lang', locale)
  return url.pathname.replace(/^[/\\]+/, '/') + url.search + url.hash
}

/**
 * A path made by pathWithLang, ready for an href attribute. The URL parser percent-encodes quotes
 * and angle brackets, so only `&` needs an entity (and '=' stays readable, where ghtml's escaping
 * would write '&#61;').
 */
export function hrefOf (path: string): string {
  return path.replace(/&/g, '&amp;')
}

/** The same path in the page's language, ready for an href attribute. */
export function withLang (href: string, locale: Locale): string {
  return hrefOf(pathWithLang(href, locale))
}
