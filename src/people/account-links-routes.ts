import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod'
import { z } from 'zod'
import { signedIn } from '../access/declare.js'
import { errorResponses, langQuery } from '../http/schemas.js'
import type { AccountLinks } from './account-links.js'
import { codePage, confirmPage, linkedPage } from './account-links-pages.js'
import type { PeopleService } from './service.js'

export interface AccountLinkRoutesOptions { links: AccountLinks, people: PeopleService }

const html = 'text/html; charset=utf-8'
const codeBody = z.object({
  code: z.string().trim().min(1, 'type the code shown in the other account').max(20, 'a linking code has 8 characters')
    .describe('The code shown in the other account (8 characters; dash and spaces ignored)')
})

/** Linking two accounts of one person: a code shown in one, typed in the other (pages of /moi; its section there is listed in src/services.ts). */
export const accountLinkRoutes: FastifyPluginAsyncZod<AccountLinkRoutesOptions> = async (app, { links, people }) => {
  const pageResponse = { 200: z.string(), ...errorResponses }

  app.post('/moi/liaison/code', {
    config: { access: signedIn('a code that links another of one\'s accounts to this one') },
    onRequest: app.rateLimits.linkCode,
    schema: {
      operationId: 'accountLinkCodePage',
      tags: ['pages'],
      summary: 'Shows a one-time code (10 minutes) to type in one\'s other account, to link the two',
      querystring: langQuery,
      response: pageResponse
    }
  }, async (request, reply) => {
    const code = await links.createCode(request.auth?.personId ?? '')
    reply.header('cache-control', 'no-store')
    return await reply.type(html).send(codePage(request.locale, code, '/moi/liaison/code'))
  })

  app.post('/moi/liaison', {
    config: { access: signedIn('the code typed, not the role, is the credential') },
    onRequest: app.rateLimits.linkCode,
    schema: {
      operationId: 'accountLinkPreviewPage',
      tags: ['pages'],
      summary: 'Checks a linking code and asks to confirm which account is merged into which (changes nothing)',
      querystring: langQuery,
      body: codeBody,
      response: pageResponse
    }
  }, async (request, reply) => {
    const personId = request.auth?.personId ?? ''
    const preview = await links.preview(personId, request.body.code)
    const self = await people.getPerson(personId)
    reply.header('cache-control', 'no-store')
    return await reply.type(html).send(confirmPage(request.locale, { code: request.body.code, preview, self }, '/moi/liaison'))
  })

  app.post('/moi/liaison/confirmation', {
    config: { access: signedIn('the code typed, not the role, is the credential') },
    onRequest: app.rateLimits.linkCode,
    schema: {
      operationId: 'linkAccounts',
      tags: ['pages'],
      summary: 'Merges the account that showed the code into the signed-in one, in one transaction; the other account\'s sessions end',
      querystring: langQuery,
      body: codeBody,
      response: pageResponse
    }
  }, async (request, reply) => {
    const result = await links.link(request.auth?.personId ?? '', request.body.code)
    reply.header('cache-control', 'no-store')
    return await reply.type(html).send(linkedPage(request.locale, result, '/moi/liaison/confirmation'))
  })
}
