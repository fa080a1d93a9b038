import type { Locale } from './i18n.js'

/** A same-site path in the page's language: `lang` set in its query, a #fragment kept last (for a Location header). */
export function pathWithLang (href: string, locale: Locale): string {
  const url = new URL(href, 'http://compagnon.invalid')
  url.searchParams.set('lang', locale)
  return url.pathname + url.search + url.hash
}

/**
 * The same, ready for an href attribute. The URL parser percent-encodes quotes and angle
 * brackets, so only `&` needs an entity (and '=' stays readable, where ghtml's escaping would
 * write '&#61;').
 */
export function withLang (href: string, locale: Locale): string {
  return pathWithLang(href, locale).replace(/&/g, '&amp;')
}
