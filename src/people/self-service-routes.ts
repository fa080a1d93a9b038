import type { FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod'
import { z } from 'zod'
import { open } from '../access/declare.js'
import { bilingual, type Locale } from '../views/i18n.js'
import { localeOf } from '../plugins/locale.js'
import { errorResponses, errorSchema, langQuery } from '../http/schemas.js'
import { returnPathField, SIGN_IN_PATH, signInFormPath } from '../http/return-path.js'
import { assertSameOrigin } from '../http/same-origin.js'
import { emailUnavailable, type SelfServiceLinks } from './self-service.js'
import { selfServicePage } from './self-service-pages.js'

export interface SelfServiceRoutesOptions { links: SelfServiceLinks }

const html = 'text/html; charset=utf-8'
const emailBody = z.object({
  email: z.email({ error: 'a valid email address is required' }).max(254).describe('The email address of the account: the link goes there, and only there')
})
const accepted = bilingual('people.selfServiceAccepted')
const answerSchema = z.object({
  accepted: z.boolean().describe('True: a link goes to the address if an account uses it (the answer is the same either way). ' +
    'False: links cannot be emailed now (no SMTP server), nothing was done'),
  message: z.string().describe('What happens, in English'),
  messageFr: z.string().describe('Ce qui se passe, en français')
})

/**
 * Where a browser without a session is sent from a page that needs one (src/access/plugin.ts):
 * the sign-in form, in the page's language, which brings the person back to that page.
 */
export const signInRedirect = (defaultLocale: Locale) => (request: FastifyRequest): string => {
  const page = new URL(request.url, 'http://compagnon.invalid')
  page.searchParams.delete('lang')
  return signInFormPath(localeOf(request, defaultLocale), page.pathname + page.search)
}

/**
 * "M'envoyer mon lien / Send me my link": public, the same answer whether or not the address is
 * known, rate-limited per email address and per client address (src/http/rate-limits.ts).
 */
export const selfServiceRoutes: FastifyPluginAsyncZod<SelfServiceRoutesOptions> = async (app, { links }) => {
  const pageResponse = { 200: z.string(), ...errorResponses, 429: errorSchema }

  app.get(SIGN_IN_PATH, {
    config: { access: open('the form to ask for one\'s sign-in link') },
    schema: {
      operationId: 'selfServiceLinkPage',
      tags: ['pages'],
      summary: 'The "send me my sign-in link" form (or, without SMTP, where else to get a link); pages that need a session send browsers here',
      querystring: langQuery.extend({ retour: returnPathField }),
      produces: ['text/html'],
      response: pageResponse
    }
  }, async (request, reply) => {
    const { retour } = request.query
    // The language switch keeps the way back only once checked (never another site's address).
    const path = signInFormPath(request.locale, retour)
    return await reply.type(html).send(selfServicePage(request.locale, { available: links.available, returnTo: retour }, path))
  })

  app.post(SIGN_IN_PATH, {
    config: { access: open('a link only ever goes to the address\'s own inbox') },
    onRequest: async (request) => { assertSameOrigin(request) },
    preHandler: app.rateLimits.signInRequest,
    schema: {
      operationId: 'requestSelfServiceLinkFromPage',
      tags: ['pages'],
      summary: 'Emails a one-time sign-in link to the account with this address, if any (form)',
      querystring: langQuery,
      body: emailBody.extend({ retour: returnPathField }),
      response: pageResponse
    }
  }, async (request, reply) => {
    reply.header('cache-control', 'no-store')
    if (!links.available) return await reply.type(html).send(selfServicePage(request.locale, { available: false }, SIGN_IN_PATH))
    links.request(request.body.email, request.body.retour)
    return await reply.type(html).send(selfServicePage(request.locale, { available: true, sentTo: request.body.email }, SIGN_IN_PATH))
  })

  app.post('/api/v1/sign-in-links', {
    config: { access: open('a link only ever goes to the address\'s own inbox') },
    preHandler: app.rateLimits.signInRequest,
    schema: {
      operationId: 'requestSelfServiceLink',
      tags: ['people'],
      summary: 'Emails a one-time sign-in link (valid one hour) to the account with this address, ' +
        'if any; the answer is the same whether or not the address is known',
      body: emailBody,
      response: { 202: answerSchema, 200: answerSchema, ...errorResponses, 429: errorSchema }
    }
  }, async (request, reply) => {
    if (!links.available) {
      const text = emailUnavailable().text
      return await reply.code(200).send({ accepted: false, message: text.en, messageFr: text.fr })
    }
    links.request(request.body.email)
    return await reply.code(202).send({ accepted: true, message: accepted.en, messageFr: accepted.fr })
  })
}
