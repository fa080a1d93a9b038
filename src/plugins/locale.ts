import fp from 'fastify-plugin'
import accepts from '@fastify/accepts'
import type { FastifyRequest } from 'fastify'
import '@fastify/cookie'
import { isLocale, type Locale } from '../views/i18n.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** fr or en: `?lang=`, then the `lang` cookie, then Accept-Language, then DEFAULT_LOCALE. */
    locale: Locale
  }
}

export function localeOf (request: FastifyRequest, fallback: Locale): Locale {
  const query = request.query as Record<string, unknown> | undefined
  if (isLocale(query?.lang)) return query.lang
  const cookie = request.cookies?.lang
  if (isLocale(cookie)) return cookie
  const preferred = request.languages?.(['fr', 'en'])
  return isLocale(preferred) ? preferred : fallback
}

export default fp<{ defaultLocale: Locale }>(async (app, opts) => {
  await app.register(accepts)
  app.decorateRequest('locale', 'fr')
  // preValidation: the query string is parsed by then, and an invalid `lang` is still refused by
  // the route's schema; onRequest-time errors fall back to localeOf() in the error handler.
  app.addHook('preValidation', async (request) => {
    request.locale = localeOf(request, opts.defaultLocale)
  })
}, { name: 'compagnon-locale', dependencies: ['@fastify/cookie'] })
