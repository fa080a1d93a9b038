import type { FastifyReply, FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod'
import { z } from 'zod'
import { allow, eventParam, open, signedIn } from '../access/declare.js'
import { AppError, badRequest } from '../errors.js'
import { errorResponses, errorSchema, langQuery } from '../http/schemas.js'
import type { ProgramService } from '../program/service.js'
import { bilingual, type Locale, type TextKey } from '../views/i18n.js'
import { assertSameOrigin } from '../http/same-origin.js'
import { MAX_CSV_BYTES, assertCsvSize } from './csv.js'
import { LINK_FILTERS, bulkLinksConfirmPage, myPage, participantsPage, personalLinkPage, type LinkFilter, type ParticipantsNotice } from './pages.js'
import { ParticipantImportRejected, type BulkLinkAudience, type Outcome, type ParticipantImportReport } from './participants.js'
import type { PeopleService, Role } from './service.js'
import { tokenShaped } from './tokens.js'

export interface ParticipantRoutesOptions {
  people: PeopleService
  program: ProgramService
}

const eventParams = z.object({ eventId: z.uuid({ error: 'eventId must be a UUID' }) })
const participantParams = eventParams.extend({ personId: z.uuid({ error: 'personId must be a UUID' }) })
const token = z.string().describe('The token of the personal link (one that is cut or mistyped gets a page saying what to do)')
/** A personal link whose token is cut or mistyped: the same page as any other link that does not work. */
const assertPersonalLinkShape = (value: string): void => { if (!tokenShaped(value)) throw badRequest(bilingual('people.personalLinkMalformed')) }
const participantBody = z.object({
  name: z.string().trim().min(1, 'a name is required').max(200),
  email: z.email({ error: 'a valid email address is required' }).max(254),
  employer: z.string().trim().max(200).optional().describe('Empty or absent: what is known stays'),
  language: z.enum(['fr', 'en'], { error: 'language must be fr or en' }).optional().describe('Absent: French for someone new, unchanged otherwise')
})

const linkStateSchema = z.object({
  status: z.enum(['none', 'active', 'revoked', 'expired']),
  issuedAt: z.date().nullable(),
  expiresAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
  lastUsedAt: z.date().nullable()
})
const participantSchema = z.object({
  personId: z.uuid(),
  name: z.string(),
  email: z.string().nullable(),
  employer: z.string().nullable(),
  preferredLocale: z.enum(['fr', 'en']),
  link: linkStateSchema
}).meta({ id: 'NonCreditParticipant' })
const importReportSchema = z.object({
  eventId: z.uuid(),
  rows: z.number().int().describe('Data lines read, blank lines aside'),
  added: z.number().int().describe('Newly registered as participants of the event'),
  updated: z.number().int().describe('Already participants; name, employer or language changed'),
  unchanged: z.number().int().describe('Already participants; nothing changed'),
  kept: z.number().int().describe('Existing accounts that also belong elsewhere (another event, a team role, an LMS): ' +
    'registered as participants, their name, employer and language left as they are'),
  errors: z.array(z.object({
    line: z.number().int(),
    field: z.enum(['name', 'email', 'employer', 'language']).nullable(),
    message: z.string(),
    messageFr: z.string()
  })).describe('Lines not imported, and why'),
  ignoredColumns: z.array(z.string()),
  delimiter: z.enum([',', ';', '\t']),
  encoding: z.enum(['utf-8', 'windows-1252'])
}).meta({ id: 'ParticipantImportReport' })
const personalLinkSchema = z.object({
  personId: z.uuid(),
  eventId: z.uuid(),
  url: z.url().describe('Shown once: only its hash is stored'),
  issuedAt: z.date(),
  expiresAt: z.date()
}).meta({ id: 'PersonalLink' })

const importReportJson = (report: ParticipantImportReport): z.infer<typeof importReportSchema> => ({
  ...report,
  errors: report.errors.map(e => ({ line: e.line, field: e.field, message: e.message.en, messageFr: e.message.fr }))
})

const tooLargeResponses = { 413: errorSchema }

/** What the organizer is told once a participant is added from the form. */
const OUTCOME_TEXT = {
  added: 'people.participantAdded',
  updated: 'people.participantUpdated',
  kept: 'people.participantKept',
  unchanged: 'people.participantUnchanged'
} as const satisfies Record<Outcome, TextKey>

/**
 * Non-credit participants: CSV import and one-by-one (pages and API), personal links (issue,
 * revoke, and the `/p/<token>` link itself), and every signed-in person's own page, /moi.
 * Registered inside peopleRoutes, whose multipart plugin it shares.
 */
export const participantRoutes: FastifyPluginAsyncZod<ParticipantRoutesOptions> = async (app, { people, program }) => {
  const participants = people.participants
  const html = 'text/html; charset=utf-8'
  const pageResponse = { 200: z.string(), 303: z.null(), ...errorResponses }

  // Twice the file limit: between the two, the service answers 413 with the limit in words.
  app.addContentTypeParser('text/csv', { parseAs: 'buffer', bodyLimit: 2 * MAX_CSV_BYTES }, (_request, body, done) => { done(null, body) })

  /** After a form of the Participant·e·s page: that page again, with what the form did (a link is shown once: a page, not a redirect). */
  const renderParticipants = async (
    request: FastifyRequest,
    reply: FastifyReply,
    eventId: string,
    notice: ParticipantsNotice | undefined,
    statusCode = 200
  ): Promise<FastifyReply> => {
    const view = { event: await program.getEvent(eventId), participants: await participants.list(eventId), search: {}, notice }
    reply.header('cache-control', 'no-store')
    return await reply.code(statusCode).type(html).send(participantsPage(request.locale, view, `/organisateurs/evenements/${eventId}/participants`))
  }

  // ---- The personal link: GET shows a confirmation (scanners must not open sessions), POST uses it.

  app.get('/p/:token', {
    config: { access: open('a personal link is shown, not used: whoever holds it') },
    onRequest: app.rateLimits.personalLink,
    schema: {
      operationId: 'personalLinkPage',
      tags: ['pages'],
      summary: 'Confirmation page of a participant\'s personal link (does not use it)',
      params: z.object({ token }),
      querystring: langQuery,
      produces: ['text/html'],
      response: pageResponse
    }
  }, async (request, reply) => {
    assertPersonalLinkShape(request.params.token)
    const { preferredLocale } = await participants.checkLink(request.params.token)
    // The language the organizers recorded for the person, unless the page was switched.
    const locale: Locale = request.query.lang ?? preferredLocale
    reply.header('cache-control', 'no-store')
    return await reply.type(html).send(personalLinkPage(locale, request.params.token, request.url))
  })

  app.post('/p', {
    config: { access: open('the personal link is the credential') },
    onRequest: async (request) => { assertSameOrigin(request) },
    preHandler: app.rateLimits.personalLink,
    schema: {
      operationId: 'exchangePersonalLink',
      tags: ['pages'],
      summary: 'Uses a personal link: opens a session on this device and goes to /moi (the link stays usable on other devices)',
      body: z.object({ token }),
      querystring: langQuery,
      response: pageResponse
    }
  }, async (request, reply) => {
    assertPersonalLinkShape(request.body.token)
    const session = await participants.exchangeLink(request.body.token, request.headers['user-agent'])
    await app.startDeviceSession(reply, session)
    return await reply.redirect(`/moi?lang=${request.query.lang ?? session.preferredLocale}`, 303)
  })

  // ---- /moi: any signed-in person's own page.

  app.get('/moi', {
    config: { access: signedIn('one\'s own page') },
    schema: {
      operationId: 'myPage',
      tags: ['pages'],
      summary: 'The signed-in person\'s own page: details, registrations, sign-out',
      querystring: langQuery,
      produces: ['text/html'],
      response: { 200: z.string(), ...errorResponses }
    }
  }, async (request, reply) => {
    const personId = request.auth?.personId ?? ''
    const profile = await people.getProfile(personId)
    const byEvent = new Map<string, Role[]>()
    for (const { eventId, role } of await people.roles(personId)) byEvent.set(eventId, [...byEvent.get(eventId) ?? [], role])
    const registrations = await Promise.all([...byEvent].map(async ([eventId, roles]) => ({ event: await program.getEvent(eventId), roles })))
    const extra = (await Promise.all(
      people.myPageSections.map(async section => await section({ personId, locale: request.locale }))
    )).filter((s): s is string => s !== null && s !== '')
    reply.header('cache-control', 'no-store')
    return await reply.type(html).send(myPage(request.locale, { profile, registrations }, request.url, extra))
  })

  // ---- Organizer area forms (the event is in the path).

  const organizerOfEvent = { config: { access: allow('participants.manage', eventParam()) } }

  const searchQuery = langQuery.extend({
    q: z.string().trim().max(200).optional().transform(v => v === '' ? undefined : v).describe('Words to find in the name, email or employer'),
    lien: z.union([z.enum(Object.keys(LINK_FILTERS) as [LinkFilter, ...LinkFilter[]]), z.literal('')]).optional()
      .transform(v => v === '' ? undefined : v).describe('Personal link status: sans-lien, actif, expire, revoque')
  })
  const audienceOf = (qui: 'sans-lien' | 'tous'): BulkLinkAudience => qui === 'tous' ? 'all' : 'without-active-link'
  const quiSchema = z.enum(
    ['sans-lien', 'tous'],
    { error: 'qui must be sans-lien or tous' }
  ).describe('sans-lien: participants without an active link; tous: every participant (active links replaced)')

  app.get('/organisateurs/evenements/:eventId/participants', {
    config: { personalData: 'participants', ...organizerOfEvent.config },
    schema: {
      operationId: 'organizerParticipantsPage',
      tags: ['pages'],
      summary: 'Organizer area, Participant·e·s: search and filter, personal links, CSV import, add one',
      params: eventParams,
      querystring: searchQuery,
      produces: ['text/html'],
      response: pageResponse
    }
  }, async (request, reply) => {
    const { eventId } = request.params
    const view = {
      event: await program.getEvent(eventId),
      participants: await participants.list(eventId),
      search: { q: request.query.q, lien: request.query.lien }
    }
    reply.header('cache-control', 'no-store')
    return await reply.type(html).send(participantsPage(request.locale, view, request.url))
  })

  app.get('/organisateurs/evenements/:eventId/participants/envoi-des-liens', {
    config: { personalData: 'participants', ...organizerOfEvent.config },
    schema: {
      operationId: 'bulkPersonalLinksConfirmPage',
      tags: ['pages'],
      summary: '"Send links to everyone", second step: whom and how many, before anything is sent',
      params: eventParams,
      querystring: langQuery.extend({ qui: quiSchema }),
      produces: ['text/html'],
      response: pageResponse
    }
  }, async (request, reply) => {
    const { eventId } = request.params
    const view = { event: await program.getEvent(eventId), audience: audienceOf(request.query.qui), participants: await participants.list(eventId) }
    reply.header('cache-control', 'no-store')
    return await reply.type(html).send(bulkLinksConfirmPage(request.locale, view, request.url))
  })

  app.post('/organisateurs/evenements/:eventId/participants/envoi-des-liens', {
    ...organizerOfEvent,
    schema: {
      operationId: 'sendPersonalLinksFromPage',
      tags: ['pages'],
      summary: 'Sends a new personal link by email to each participant without an active link, ' +
        'or to all (form); answers with the Participant·e·s page and the counts',
      params: eventParams,
      querystring: langQuery,
      body: z.object({ qui: quiSchema }),
      response: pageResponse
    }
  }, async (request, reply) => {
    const { eventId } = request.params
    const result = await participants.sendLinks(request.auth?.personId ?? '', eventId, audienceOf(request.body.qui))
    return await renderParticipants(request, reply, eventId, { kind: 'text', text: bilingual('people.bulkSent', { ...result }) })
  })

  app.post('/organisateurs/evenements/:eventId/participants/import', {
    ...organizerOfEvent,
    schema: {
      operationId: 'importParticipantsFromPage',
      tags: ['pages'],
      summary: 'Uploads a CSV list of non-credit participants (form)',
      params: eventParams,
      querystring: langQuery,
      consumes: ['multipart/form-data'],
      response: { ...pageResponse, ...tooLargeResponses }
    }
  }, async (request, reply) => {
    const chooseFile = badRequest(bilingual('people.chooseCsvFile'))
    const { eventId } = request.params
    try {
      if (!request.isMultipart()) throw chooseFile
      const file = await request.file({ limits: { fileSize: MAX_CSV_BYTES, files: 1 } })
      if (file === undefined) throw chooseFile
      let bytes: Buffer
      try {
        bytes = await file.toBuffer()
      } catch (err) {
        if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') assertCsvSize(MAX_CSV_BYTES + 1)
        throw err
      }
      if (bytes.length === 0) throw chooseFile
      const report = await participants.importCsv(request.auth?.personId ?? '', eventId, bytes)
      return await renderParticipants(request, reply, eventId, { kind: 'import', report, rejected: false })
    } catch (err) {
      // The organizer stays on their page, with what went wrong next to the form.
      if (err instanceof ParticipantImportRejected) {
        return await renderParticipants(request, reply, eventId, {
          kind: 'import',
          report: err.report,
          rejected: true
        }, 400)
      }
      if (err instanceof AppError && (err.statusCode === 400 || err.statusCode === 413)) {
        return await renderParticipants(
          request,
          reply,
          eventId,
          { kind: 'error', text: err.text },
          err.statusCode
        )
      }
      throw err
    }
  })

  app.post('/organisateurs/evenements/:eventId/participants', {
    ...organizerOfEvent,
    schema: {
      operationId: 'addParticipantFromPage',
      tags: ['pages'],
      summary: 'Adds or updates one non-credit participant (form)',
      params: eventParams,
      querystring: langQuery,
      body: participantBody,
      response: pageResponse
    }
  }, async (request, reply) => {
    const { eventId } = request.params
    const { participant, outcome } = await participants.add(request.auth?.personId ?? '', eventId, formInput(request.body))
    const text = bilingual(OUTCOME_TEXT[outcome], { name: participant.name })
    return await renderParticipants(request, reply, eventId, { kind: 'text', text })
  })

  app.post('/organisateurs/evenements/:eventId/participants/:personId/lien', {
    ...organizerOfEvent,
    schema: {
      operationId: 'issuePersonalLinkFromPage',
      tags: ['pages'],
      summary: 'Issues or replaces a participant\'s personal link; the page shows it once (form)',
      params: participantParams,
      querystring: langQuery,
      response: pageResponse
    }
  }, async (request, reply) => {
    const { eventId, personId } = request.params
    const link = await participants.issueLink(request.auth?.personId ?? '', eventId, personId)
    const participant = (await participants.list(eventId)).find(p => p.personId === personId)
    return await renderParticipants(request, reply, eventId, { kind: 'link', name: participant?.name ?? '', link })
  })

  app.post('/organisateurs/evenements/:eventId/participants/:personId/revocation', {
    ...organizerOfEvent,
    schema: {
      operationId: 'revokePersonalLinkFromPage',
      tags: ['pages'],
      summary: 'Revokes a participant\'s personal link, optionally signing them out on every device (form)',
      params: participantParams,
      querystring: langQuery,
      body: z.object({ signOut: z.literal('on').optional() }).optional(),
      response: pageResponse
    }
  }, async (request, reply) => {
    const { eventId, personId } = request.params
    const signOutEverywhere = request.body?.signOut === 'on'
    const result = await participants.revokeLink(request.auth?.personId ?? '', eventId, personId, { signOutEverywhere })
    const text = bilingual('people.personalLinkRevoked', {
      revoked: result.revoked ? 'yes' : 'no',
      signedOut: signOutEverywhere ? 'yes' : 'no',
      devices: result.devicesSignedOut
    })
    return await renderParticipants(request, reply, eventId, { kind: 'text', text })
  })

  // ---- API

  const organizerApi = { config: { access: allow('participants.manage', eventParam()) } }

  app.get('/api/v1/events/:eventId/participants', {
    config: { personalData: 'participants', ...organizerApi.config },
    schema: {
      operationId: 'listParticipants',
      tags: ['people'],
      summary: 'Non-credit participants of an event, with the state of their personal link (organizers)',
      security: [{ bearer: [] }],
      params: eventParams,
      response: { 200: z.object({ participants: z.array(participantSchema) }), ...errorResponses }
    }
  }, async (request) => {
    // The policy leaves an unknown event to the handler: 404, not an empty list.
    await program.getEvent(request.params.eventId)
    return { participants: await participants.list(request.params.eventId) }
  })

  app.post('/api/v1/events/:eventId/participants', {
    ...organizerApi,
    schema: {
      operationId: 'addParticipant',
      tags: ['people'],
      summary: 'Adds one non-credit participant, or updates them (idempotent by email, case-insensitive)',
      description: '201 when the person became a participant of the event with details from this request, 200 when they already were, ' +
        'or when their existing account also belongs elsewhere (outcome kept: registered, details untouched).',
      security: [{ bearer: [] }],
      params: eventParams,
      body: participantBody,
      response: {
        200: z.object({
          participant: participantSchema,
          outcome: z.enum(['updated', 'unchanged', 'kept']).describe(
            'kept: an existing account that also belongs elsewhere; registered if it was not, its details untouched'
          )
        }),
        201: z.object({ participant: participantSchema, outcome: z.literal('added') }),
        ...errorResponses
      }
    }
  }, async (request, reply) => {
    const { participant, outcome } = await participants.add(request.auth?.personId ?? '', request.params.eventId, formInput(request.body))
    return await reply.code(outcome === 'added' ? 201 : 200).send({ participant, outcome })
  })

  app.post('/api/v1/events/:eventId/participants/import', {
    ...organizerApi,
    schema: {
      operationId: 'importParticipants',
      tags: ['people'],
      summary: 'Imports a CSV list of non-credit participants (body: the file, Content-Type: text/csv)',
      description: 'Columns nom/name, courriel/email, employeur/employer, langue/language (fr, en; French by default), ' +
        'comma or semicolon separated, UTF-8 (BOM or not) or Windows-1252. ' +
        'Lines with errors are reported and skipped, the others imported; idempotent by email. ' +
        'A file none of whose lines is valid is refused (400) and changes nothing. At most 1 MB and 5,000 lines (413).',
      security: [{ bearer: [] }],
      consumes: ['text/csv'],
      params: eventParams,
      body: z.custom<Buffer>(
        value => Buffer.isBuffer(value),
        'send the CSV file as the request body (Content-Type: text/csv)'
      ).meta({ description: 'The CSV file' }),
      response: { 200: importReportSchema, ...errorResponses, ...tooLargeResponses }
    }
  }, async (request) => {
    const charset = /charset=([^;]+)/i.exec(request.headers['content-type'] ?? '')?.[1]?.trim().replace(/^"|"$/g, '')
    return importReportJson(await participants.importCsv(request.auth?.personId ?? '', request.params.eventId, request.body, charset))
  })

  app.post('/api/v1/events/:eventId/participants/:personId/personal-link', {
    ...organizerApi,
    schema: {
      operationId: 'issuePersonalLink',
      tags: ['people'],
      summary: 'Issues or replaces a participant\'s personal link; the URL is returned once (the old one stops working)',
      security: [{ bearer: [] }],
      params: participantParams,
      response: { 201: personalLinkSchema, ...errorResponses }
    }
  }, async (request, reply) => {
    const { eventId, personId } = request.params
    return await reply.code(201).send(await participants.issueLink(request.auth?.personId ?? '', eventId, personId))
  })

  app.delete('/api/v1/events/:eventId/participants/:personId/personal-link', {
    ...organizerApi,
    schema: {
      operationId: 'revokePersonalLink',
      tags: ['people'],
      summary: 'Revokes a participant\'s personal link; with signOutEverywhere=true, also ends every device session of the person',
      security: [{ bearer: [] }],
      params: participantParams,
      querystring: z.object({ signOutEverywhere: z.enum(['true', 'false'], { error: 'signOutEverywhere must be true or false' }).optional() }),
      response: { 200: z.object({ revoked: z.boolean().describe('False when there was no live link'), devicesSignedOut: z.number().int() }), ...errorResponses }
    }
  }, async (request) => {
    const { eventId, personId } = request.params
    return await participants.revokeLink(request.auth?.personId ?? '', eventId, personId, { signOutEverywhere: request.query.signOutEverywhere === 'true' })
  })
}

/** Form and JSON bodies: an empty employer means "not stated". */
function formInput (body: z.infer<typeof participantBody>): { name: string, email: string, employer?: string, language?: 'fr' | 'en' } {
  return {
    name: body.name,
    email: body.email,
    ...(body.employer !== undefined && body.employer !== '' ? { employer: body.employer } : {}),
    ...(body.language !== undefined ? { language: body.language } : {})
  }
}
