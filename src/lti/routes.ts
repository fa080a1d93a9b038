import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod'
import { allow, anyEvent, courseParam, open, param, signedIn } from '../access/declare.js'
import { tooManyRequests } from '../http/rate-limits.js'
import { z } from 'zod'
import { errorResponses, errorSchema, langQuery } from '../http/schemas.js'
import { AppError, forbidden, type Bilingual } from '../errors.js'
import { bilingual } from '../views/i18n.js'
import type { PeopleService } from '../people/service.js'
import type { ProgramService } from '../program/service.js'
import { coursePage, deepLinkPage, gradebookPage, deepLinkReturnPage, registrationConfirmPage, registrationDonePage, registrationLinkPage } from './pages.js'
import { assertSameOrigin } from '../http/same-origin.js'
import { cookiesBlockedPage } from '../people/pages.js'
import { landingPath, landingSchema } from '../people/routes.js'
import { deepLinkTargets, type LtiService } from './service.js'
import type { DynamicRegistration } from './dynamic-registration.js'
import type { GradeOutbox } from './outbox.js'
import type { RosterSync } from './roster.js'
import { projectRoot } from '../paths.js'

/** Previews and attempts of one registration link (and from one client address) per window. */
export const REGISTRATION_PER_LINK = 10
export const REGISTRATION_PER_ADDRESS = 30
const REGISTRATION_WINDOW_MS = 10 * 60_000
const storageScript = readFileSync(join(projectRoot, 'public', 'lti-storage.js'), 'utf8')

/** Where an LTI launch lands: the person's course page, in our own session. */
export const ltiRoutes: FastifyPluginAsyncZod<{
  people: PeopleService
  program: ProgramService
  lti: LtiService
  /** LTI Dynamic Registration through organizers' one-time links. */
  registration: DynamicRegistration
  /** Grades waiting for (or delivered to) the LMS gradebooks. */
  outbox: GradeOutbox
  /** Course rosters from the LMS (NRPS). */
  roster: RosterSync
  publicUrl: string
  /** Courses where the person hands in a synthesis (links on the course page). */
  synthesisCourses?: (personId: string) => Promise<Array<{ id: string, title: string }>>
}> = async (app, { people, program, lti, registration, outbox, roster, publicUrl, synthesisCourses }) => {
  const html = 'text/html; charset=utf-8'

  // LTI Dynamic Registration: the platform opens our URL (with an organizer's one-time token)
  // and adds openid_configuration and registration_token to it.
  const registrationFields = z.object({
    compagnon_token: z.string().regex(/^[A-Za-z0-9_-]{20,100}$/, 'this registration link is incomplete: ask the organizers for a new one'),
    openid_configuration: z.string().min(1, 'the platform did not send its configuration address (openid_configuration)').max(2000),
    registration_token: z.string().max(4000).optional()
  })
  const registrationRequest = (fields: z.infer<typeof registrationFields>): {
    token: string
    openidConfiguration: string
    registrationToken: string | undefined
  } =>
    ({ token: fields.compagnon_token, openidConfiguration: fields.openid_configuration, registrationToken: fields.registration_token })

  // Each preview and attempt makes Compagnon call the address the request names: a few per link
  // and per client address, counted by every instance together on PostgreSQL (http/rate-limits.ts).
  const registrationLimit = (shared: string, max: number, key: (request: FastifyRequest) => string, text: (seconds: number) => Bilingual) => {
    const limiter = app.createRateLimit({ shared, max, timeWindow: REGISTRATION_WINDOW_MS, keyGenerator: key, allowList: (_request, k) => k === '' })
    return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
      const result = await limiter(request)
      if (!result.isAllowed && result.isExceeded) {
        reply.header('retry-after', result.ttlInSeconds)
        throw tooManyRequests(result.ttlInSeconds, text(result.ttlInSeconds))
      }
    }
  }
  const registrationToken = (request: FastifyRequest): string => {
    const fields = { ...(request.query as Record<string, unknown>), ...(request.body as Record<string, unknown> | null | undefined) }
    const token = fields.compagnon_token
    return typeof token === 'string' && token !== '' ? `registration:${createHash('sha256').update(token).digest('base64url')}` : ''
  }
  const registrationRateLimits = [
    registrationLimit('registration-link', REGISTRATION_PER_LINK, registrationToken, seconds =>
      bilingual('lti.registrationTooOftenLink', { minutes: Math.ceil(seconds / 60) })),
    registrationLimit(
      'registration-address',
      REGISTRATION_PER_ADDRESS,
      request => /^(127\.|::1$|::ffff:127\.)/.test(request.ip) ? '' : `registration-ip:${request.ip}`,
      seconds => bilingual('lti.registrationTooOftenAddress', { minutes: Math.ceil(seconds / 60) })
    )
  ]

  app.get('/lti/register', {
    config: { access: open('opened by the LMS; the organizer\'s one-time token is the credential') },
    preHandler: registrationRateLimits,
    schema: {
      operationId: 'dynamicRegistrationPage',
      tags: ['lti'],
      summary: 'LTI Dynamic Registration, opened by the LMS: shows what will be registered',
      querystring: registrationFields.extend(langQuery.shape),
      produces: ['text/html'],
      response: { 200: z.string(), ...errorResponses, 503: errorSchema }
    }
  }, async (request, reply) => {
    const configuration = await registration.preview(registrationRequest(request.query))
    reply.header('cache-control', 'no-store')
    return await reply.type(html).send(registrationConfirmPage(request.locale, {
      issuer: configuration.issuer,
      product: configuration['https://purl.imsglobal.org/spec/lti-platform-configuration']?.product_family_code ?? null,
      token: request.query.compagnon_token,
      openidConfiguration: request.query.openid_configuration,
      registrationToken: request.query.registration_token,
      publicUrl
    }))
  })

  app.post('/lti/register', {
    config: { access: open('opened by the LMS; the organizer\'s one-time token is the credential') },
    onRequest: async (request) => { assertSameOrigin(request) },
    preHandler: registrationRateLimits,
    schema: {
      operationId: 'dynamicRegistration',
      tags: ['lti'],
      summary: 'LTI Dynamic Registration: registers with the platform; the platform stays inactive until approved',
      querystring: langQuery,
      body: registrationFields,
      produces: ['text/html'],
      response: { 200: z.string(), ...errorResponses, 503: errorSchema }
    }
  }, async (request, reply) => {
    const result = await registration.register(registrationRequest(request.body))
    request.log.info({ issuer: result.issuer, clientId: result.clientId }, 'platform registered dynamically; waiting for approval')
    reply.header('cache-control', 'no-store')
    return await reply.type(html).send(registrationDonePage(request.locale, result))
  })

  // Tells the LMS the registration dialog can close (LTI DR); CSP allows no inline script.
  app.get('/assets/lti-close.js', { schema: { hide: true }, config: { access: open('a script') } }, async (_request, reply) => {
    return await reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600')
      .send("document.querySelectorAll('[data-lti-close]').forEach(function (b) { b.addEventListener('click', function () " +
        "{ (window.opener || window.parent).postMessage({ subject: 'org.imsglobal.lti.close' }, '*') }) })\n")
  })

  // Platform storage at login and launch (LTI Client Side postMessages, launch.ts); CSP allows no inline script.
  app.get('/assets/lti-storage.js', { schema: { hide: true }, config: { access: open('a script') } }, async (_request, reply) =>
    await reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(storageScript))

  app.post('/organisateurs/plateformes/lien', {
    config: { access: allow('platforms.manage', anyEvent) },
    schema: {
      operationId: 'createRegistrationLinkFromPage',
      tags: ['pages'],
      summary: 'Creates a one-time LTI Dynamic Registration link (form)',
      querystring: langQuery,
      response: { 200: z.string(), ...errorResponses }
    }
  }, async (request, reply) => {
    const link = await registration.createLink(request.auth?.personId ?? '')
    reply.header('cache-control', 'no-store')
    return await reply.type(html).send(registrationLinkPage(request.locale, link))
  })

  app.post('/api/v1/lti/registration-links', {
    config: { access: allow('platforms.manage', anyEvent) },
    schema: {
      operationId: 'createRegistrationLink',
      tags: ['lti'],
      summary: 'Creates a one-time LTI Dynamic Registration URL for an LMS administrator (organizers)',
      security: [{ bearer: [] }],
      response: { 201: z.object({ url: z.url(), expiresAt: z.date() }), ...errorResponses }
    }
  }, async (request, reply) => await reply.code(201).send(await registration.createLink(request.auth?.personId ?? '')))

  app.post('/organisateurs/plateformes/statut', {
    config: { access: allow('platforms.manage', anyEvent) },
    schema: {
      operationId: 'setPlatformStatus',
      tags: ['pages'],
      summary: 'Approves or suspends a platform (form)',
      querystring: langQuery,
      body: z.object({
        issuer: z.string().min(1).max(500),
        clientId: z.string().min(1).max(500),
        action: z.enum(['approve', 'suspend'], { error: 'action must be approve or suspend' }),
        deploymentId: z.string().trim().max(500).optional(),
        eventId: z.uuid().optional().describe('The event whose LMS page holds the form: the answer returns there')
      }),
      response: { 303: z.null(), ...errorResponses }
    }
  }, async (request, reply) => {
    const { issuer, clientId, action, deploymentId, eventId } = request.body
    if (action === 'approve') {
      await registration.approve(issuer, clientId, request.auth?.personId ?? '', deploymentId === '' ? undefined : deploymentId)
    } else {
      await lti.setPlatformActive(issuer, clientId, false)
    }
    return await reply.redirect(
      eventId !== undefined ? `/organisateurs/evenements/${eventId}/lms?lang=${request.locale}` : `/organisateurs?lang=${request.locale}`,
      303
    )
  })

  app.get('/cours', {
    config: { access: signedIn('one\'s own courses and events') },
    schema: {
      operationId: 'coursePage',
      tags: ['pages'],
      summary: 'Course home after an LTI launch',
      querystring: langQuery,
      produces: ['text/html'],
      response: { 200: z.string(), ...errorResponses }
    }
  }, async (request, reply) => {
    const personId = request.auth?.personId ?? ''
    const roles = await people.roles(personId)
    const events = await Promise.all([...new Set(roles.map(r => r.eventId))].map(async id => await program.getEvent(id)))
    const taught = await Promise.all((await lti.taughtCourses(personId)).map(async course => ({ ...course, grades: await outbox.state(course.id) })))
    reply.header('cache-control', 'no-store')
    return await reply.type('text/html; charset=utf-8').send(coursePage(request.locale, {
      person: await people.getPerson(personId),
      roles,
      events,
      taught,
      learning: await synthesisCourses?.(personId) ?? []
    }, request.url))
  })

  app.get('/cours/suite/:token', {
    config: { access: open('the launch token is the credential; cookies are checked in the handler') },
    onRequest: app.rateLimits.personalLink,
    schema: {
      operationId: 'continueLaunch',
      tags: ['pages'],
      summary: 'After an LTI launch: on to the page if the browser kept our cookies, else an offer to continue in a new window',
      params: z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{20,100}$/, 'this is not a Compagnon launch address') }),
      querystring: langQuery.extend({ vers: landingSchema.optional() }),
      produces: ['text/html'],
      response: { 200: z.string(), 303: z.null(), ...errorResponses }
    }
  }, async (request, reply) => {
    const { token } = request.params
    reply.header('cache-control', 'no-store')
    // No cookies came back (blocked in the frame): anonymous.
    await app.optionalSignIn(request, reply)
    const personId = request.auth?.personId
    // The cookies work: the new-window token is not needed any more.
    if (personId !== undefined && await people.discardLink(token, personId)) return await reply.redirect(landingPath(request.query.vers, request.locale), 303)
    await people.checkLink(token)
    return await reply.type(html).send(cookiesBlockedPage(request.locale, token, request.query.vers))
  })

  app.get('/cours/notes/:contextId', {
    config: { personalData: 'grades', access: allow('course.teach', courseParam()) },
    schema: {
      operationId: 'gradebookPage',
      tags: ['pages'],
      summary: 'An instructor compares the LMS gradebook (AGS results) with the grades Compagnon gave',
      params: z.object({ contextId: z.uuid({ error: 'this is not a course address' }) }),
      querystring: langQuery,
      produces: ['text/html'],
      response: { 200: z.string(), ...errorResponses, 503: errorSchema }
    }
  }, async (request, reply) => {
    const course = (await lti.taughtCourses(request.auth?.personId ?? '')).find(c => c.id === request.params.contextId)
    if (course === undefined) throw forbidden(bilingual('lti.gradebookInstructorsOnly'))
    let sections
    try {
      sections = await outbox.gradebook(course.id)
    } catch (err) {
      request.log.warn({ err }, 'gradebook read failed')
      throw new AppError('unavailable', bilingual('lti.gradebookUnavailable'))
    }
    reply.header('cache-control', 'no-store')
    return await reply.type(html).send(gradebookPage(request.locale, course.title, sections))
  })

  app.post('/cours/liste/:contextId', {
    config: { access: allow('course.teach', courseParam()) },
    onRequest: async (request) => { assertSameOrigin(request) },
    schema: {
      operationId: 'syncRoster',
      tags: ['pages'],
      summary: 'An instructor refreshes the class list from the LMS (NRPS); failures are retried in the background',
      params: z.object({ contextId: z.uuid({ error: 'this is not a course address' }) }),
      querystring: langQuery,
      response: { 303: z.null(), ...errorResponses }
    }
  }, async (request, reply) => {
    if (!await lti.teaches(request.auth?.personId ?? '', request.params.contextId)) throw forbidden(bilingual('lti.rosterInstructorsOnly'))
    // Runs now; if the LMS does not answer, the course stays due and the worker retries with
    // backoff. Either way the course page tells the instructor where things stand.
    await roster.runNow(request.params.contextId)
    return await reply.redirect(`/cours?lang=${request.locale}`, 303)
  })

  const requestParams = z.object({ requestId: z.uuid({ error: 'this is not a content selection address' }) })
  // A content choice belongs to the instructor who launched it; anyone else: not found.
  const chooser = allow('deep-linking.choose', request => ({ kind: 'deep-link-request', requestId: param(request, 'requestId') }))

  app.get('/cours/contenu/:requestId', {
    config: { access: chooser },
    schema: {
      operationId: 'deepLinkingPage',
      tags: ['pages'],
      summary: 'Deep Linking: the instructor chooses what to place in the course',
      params: requestParams,
      querystring: langQuery,
      produces: ['text/html'],
      response: { 200: z.string(), ...errorResponses }
    }
  }, async (request, reply) => {
    const { acceptMultiple } = await lti.deepLinkRequest(request.params.requestId, request.auth?.personId ?? '')
    reply.header('cache-control', 'no-store')
    return await reply.type(html).send(deepLinkPage(request.locale, request.params.requestId, acceptMultiple, request.url))
  })

  app.post('/cours/contenu/:requestId', {
    config: { access: chooser },
    onRequest: async (request) => { assertSameOrigin(request) },
    schema: {
      operationId: 'answerDeepLinking',
      tags: ['pages'],
      summary: 'Deep Linking: signs the chosen items and posts them back to the platform',
      params: requestParams,
      querystring: langQuery,
      body: z.object({
        items: z.union([z.enum(deepLinkTargets), z.array(z.enum(deepLinkTargets)).min(1)], { error: 'choose at least one item' })
      }),
      response: { 200: z.string(), ...errorResponses }
    }
  }, async (request, reply) => {
    const items = Array.isArray(request.body.items) ? [...new Set(request.body.items)] : [request.body.items]
    const answer = await lti.answerDeepLinking(request.params.requestId, request.auth?.personId ?? '', items, request.locale)
    reply.header('cache-control', 'no-store')
    // This page's one form posts to the platform: allow exactly that origin as a form target. Only
    // the platform that asked may frame it (its issuer and login origins, as registered).
    const ancestors = answer.frameAncestors.length > 0 ? answer.frameAncestors.join(' ') : '\'self\''
    reply.header('content-security-policy', "default-src 'self'; base-uri 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
      `object-src 'none'; frame-ancestors ${ancestors}; form-action 'self' ${new URL(answer.returnUrl).origin}`)
    return await reply.type(html).send(deepLinkReturnPage(request.locale, answer.returnUrl, answer.jwt))
  })
}
