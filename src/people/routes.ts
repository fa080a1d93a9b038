import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod'
import multipart from '@fastify/multipart'
import { z } from 'zod'
import { allow, anyEvent, body, eventParam, open, signedIn } from '../access/declare.js'
import { badRequest } from '../errors.js'
import { bilingual } from '../views/i18n.js'
import { errorResponses, langQuery } from '../http/schemas.js'
import { returnPathField } from '../http/return-path.js'
import { pathWithLang } from '../views/href.js'
import type { ProgramService } from '../program/service.js'
import type { LtiService } from '../lti/service.js'
import { importSummarySchema } from '../program/schemas.js'
import { parseProgramFile } from '../program/data-file.js'
import { assertSameOrigin } from '../http/same-origin.js'
import { grantedText, lmsPage, organizerPage, phoneLinkPage, programPage, signInPage, teamPage, type OrganizerView } from './pages.js'
import type { PeopleService } from './service.js'
import { qrSvg } from '../views/qr.js'
import { participantRoutes } from './participants-routes.js'
import { tokenShaped } from './tokens.js'

export interface PeopleRoutesOptions {
  people: PeopleService
  program: ProgramService
  /** The learning platforms, listed on the organizers' LMS page. */
  lti: Pick<LtiService, 'platforms'>
  publicUrl: string
}

const token = z.string().describe('The token of the one-time link (one that is cut or mistyped gets a page saying what to do)')
/** A sign-in link whose token is cut or mistyped: a page that says so and where to get a new one, not a field error. */
const assertSignInLinkShape = (value: string): void => { if (!tokenShaped(value)) throw badRequest(bilingual('people.signInLinkMalformed')) }
const email = z.email({ error: 'a valid email address is required' }).max(254)
const inviteBody = z.object({
  personId: z.uuid({ error: 'personId must be a UUID' }).optional()
    .describe('Instead of an email: someone registered in the event or on one of its courses\' class lists (an LMS account without an address here)'),
  // Empty only for door staff created by name (the form sends an empty field).
  email: z.union([email, z.literal('')]).optional().describe('The person\'s email; may be left out (or empty) for door staff, who are then created by name'),
  name: z.string().trim().min(1).max(200).optional().describe('Display name of a new account (required for door staff without email)'),
  role: z.enum(['organizer', 'door_staff'], { error: 'role must be organizer or door_staff' }).describe('The role given in this event')
})
const MAX_PROGRAM_BYTES = 2 * 1024 * 1024

/** Where a launch continues after a detour (a new window, when the LMS frame blocks cookies). */
export const landingSchema = z.string().regex(/^(cours|programme|presence|(contenu|synthese|presences):[0-9a-f-]{36})$/, 'unknown destination')
export function landingPath (landing: string | undefined, locale: string): string {
  if (landing === 'programme') return `/?lang=${locale}`
  if (landing?.startsWith('synthese:') === true) return `/cours/synthese/${landing.slice('synthese:'.length)}?lang=${locale}`
  if (landing === 'presence') return `/presence?lang=${locale}`
  if (landing?.startsWith('presences:') === true) return `/cours/presences/${landing.slice('presences:'.length)}?lang=${locale}`
  if (landing?.startsWith('contenu:') === true) return `/cours/contenu/${landing.slice('contenu:'.length)}?lang=${locale}`
  return `/cours?lang=${locale}`
}

const personSchema = z.object({ id: z.uuid(), displayName: z.string(), email: z.string().nullable(), preferredLocale: z.enum(['fr', 'en']) })
const createdInvitationSchema = z.object({
  created: z.literal(true).describe('A new account was created by this invitation'),
  personId: z.uuid().describe('The new account'),
  url: z.url().describe('Its one-time sign-in link (7 days), to pass on to the person'),
  expiresAt: z.date().describe('When the link stops working')
})
const grantedInvitationSchema = z.object({
  created: z.literal(false).describe('The address belongs to an existing account: no link is ever returned for it'),
  personId: z.uuid().describe('The existing account'),
  alreadyHeld: z.boolean().describe('The person already held this role in the event: nothing changed'),
  notified: z.boolean().describe('A message without any link tells the person of the role (sent, or stored when email is off)'),
  message: z.string().describe('What happened, in English'),
  messageFr: z.string().describe('What happened, in French')
})

/** Sign-in links, device sessions, and the organizer area (team invitations, program import). */
export const peopleRoutes: FastifyPluginAsyncZod<PeopleRoutesOptions> = async (app, { people, program, lti, publicUrl }) => {
  await app.register(multipart, { limits: { fileSize: MAX_PROGRAM_BYTES, files: 1, fields: 5 } })
  app.addContentTypeParser(
    ['application/yaml', 'application/x-yaml', 'text/yaml'],
    { parseAs: 'string', bodyLimit: MAX_PROGRAM_BYTES },
    (_request, body, done) => { done(null, body) }
  )

  /** Organizers may update an event they organize, or create a new one if they organize any. */
  const importAs = async (personId: string, text: string, source: string): Promise<z.infer<typeof importSummarySchema>> => {
    const file = parseProgramFile(text, source)
    const existing = (await program.listEvents()).find(e => e.key === file.event.key)
    await app.access.assert({ personId }, 'program.import', existing === undefined ? { kind: 'any-event' } : { kind: 'event', eventId: existing.id })
    return await program.importFromText(text, source, personId)
  }

  const organizerView = async (personId: string): Promise<OrganizerView> => {
    const roles = await people.roles(personId)
    const eventIds = [...new Set(roles.filter(r => r.role === 'organizer').map(r => r.eventId))]
    const events = await Promise.all(eventIds.map(async id => {
      const participants = await people.participants.list(id)
      return {
        event: await program.getEvent(id),
        teamCount: (await people.team(id)).length,
        participantCount: participants.length,
        withoutLink: participants.filter(p => p.link.status === 'none').length
      }
    }))
    return { person: await people.getPerson(personId), events, platforms: await lti.platforms() }
  }

  // Non-credit participants, personal links and /moi; their pages re-render the organizer area.
  await app.register(participantRoutes, { people, program })

  const html = 'text/html; charset=utf-8'
  const pageResponse = { 200: z.string(), 303: z.null(), ...errorResponses }

  app.get('/auth/link/:token', {
    config: { access: open('a one-time link is shown, not used: whoever holds it') },
    onRequest: app.rateLimits.personalLink,
    schema: {
      operationId: 'signInLinkPage',
      tags: ['pages'],
      summary: 'Confirmation page of a one-time sign-in link',
      params: z.object({ token }),
      querystring: langQuery.extend({ retour: returnPathField }),
      produces: ['text/html'],
      response: pageResponse
    }
  }, async (request, reply) => {
    // Shown, not consumed: mail scanners that prefetch links must not burn them.
    assertSignInLinkShape(request.params.token)
    await people.checkLink(request.params.token)
    reply.header('cache-control', 'no-store')
    // The language switch stays on this link, keeping only a checked way back.
    const { retour } = request.query
    const path = `/auth/link/${request.params.token}${retour === undefined ? '' : `?retour=${encodeURIComponent(retour)}`}`
    return await reply.type(html).send(signInPage(request.locale, request.params.token, path, retour))
  })

  app.post('/auth/link', {
    config: { access: open('the one-time link is the credential') },
    onRequest: async (request) => { assertSameOrigin(request) },
    preHandler: app.rateLimits.personalLink,
    schema: {
      operationId: 'exchangeSignInLink',
      tags: ['pages'],
      summary: 'Consumes a one-time link and opens a session on this device',
      body: z.object({ token, vers: landingSchema.optional(), retour: returnPathField }),
      querystring: langQuery,
      response: pageResponse
    }
  }, async (request, reply) => {
    assertSignInLinkShape(request.body.token)
    const session = await people.exchangeLink(request.body.token, request.headers['user-agent'])
    await app.startDeviceSession(reply, session)
    if (session.purpose === 'launch' || session.purpose === 'phone') return await reply.redirect(landingPath(request.body.vers, request.locale), 303)
    // Back to the page that asked for a session (checked: a page of this site).
    if (request.body.retour !== undefined) return await reply.redirect(pathWithLang(request.body.retour, request.locale), 303)
    // Organizers to their area, door staff to the door, everyone else to their own page.
    const landing = await people.hasRole(session.personId, ['organizer'])
      ? '/organisateurs'
      : await people.hasRole(session.personId, ['door_staff']) ? '/accueil' : '/moi'
    return await reply.redirect(`${landing}?lang=${request.locale}`, 303)
  })

  app.post('/auth/telephone', {
    config: { access: signedIn('a link to one\'s own session, for one\'s own phone') },
    schema: {
      operationId: 'phoneLinkPage',
      tags: ['pages'],
      summary: 'A one-time QR code that opens Compagnon, signed in, on the person\'s phone (10 minutes)',
      querystring: langQuery,
      response: pageResponse
    }
  }, async (request, reply) => {
    const link = await people.handoffLink(request.auth?.personId ?? '', 'phone')
    const qr = await qrSvg(`${link.url}?lang=${request.locale}`)
    reply.header('cache-control', 'no-store')
    return await reply.type(html).send(phoneLinkPage(request.locale, { url: `${link.url}?lang=${request.locale}`, expiresAt: link.expiresAt, qrSvg: qr }))
  })

  app.post('/auth/sign-out', {
    config: { access: signedIn('ends one\'s own device session') },
    schema: { operationId: 'signOut', tags: ['pages'], summary: 'Ends the session of this device', querystring: langQuery, response: pageResponse }
  }, async (request, reply) => {
    await app.endDeviceSession(request, reply)
    return await reply.redirect(`/?lang=${request.locale}`, 303)
  })

  app.get('/organisateurs', {
    config: { personalData: 'participants', access: allow('organizer-pages.open', anyEvent) },
    schema: {
      operationId: 'organizerPage',
      tags: ['pages'],
      summary: 'Organizer area',
      querystring: langQuery,
      produces: ['text/html'],
      response: pageResponse
    }
  }, async (request, reply) => {
    return await reply.type(html).send(organizerPage(request.locale, await organizerView(request.auth?.personId ?? ''), request.url))
  })

  const eventParams = z.object({ eventId: z.uuid({ error: 'eventId must be a UUID' }) })

  app.get('/organisateurs/evenements/:eventId/equipe', {
    config: { personalData: 'participants', access: allow('team.invite', eventParam()) },
    schema: {
      operationId: 'organizerTeamPage',
      tags: ['pages'],
      summary: 'Organizer area, Équipe: the event\'s team and the invitation form',
      params: eventParams,
      querystring: langQuery,
      produces: ['text/html'],
      response: pageResponse
    }
  }, async (request, reply) => {
    const { eventId } = request.params
    reply.header('cache-control', 'no-store')
    return await reply.type(html).send(teamPage(request.locale, { event: await program.getEvent(eventId), team: await people.team(eventId) }, request.url))
  })

  app.get('/organisateurs/evenements/:eventId/programme', {
    config: { access: allow('program.import', eventParam()) },
    schema: {
      operationId: 'organizerProgramPage',
      tags: ['pages'],
      summary: 'Organizer area, Programme: the program file upload',
      params: eventParams,
      querystring: langQuery,
      produces: ['text/html'],
      response: pageResponse
    }
  }, async (request, reply) => {
    return await reply.type(html).send(programPage(request.locale, { event: await program.getEvent(request.params.eventId) }, request.url))
  })

  app.get('/organisateurs/evenements/:eventId/lms', {
    // Reached from an event's navigation; the platforms it lists are shared by every event.
    config: { access: allow('team.invite', eventParam()) },
    schema: {
      operationId: 'organizerLmsPage',
      tags: ['pages'],
      summary: 'Organizer area, LMS: learning platforms (LTI 1.3) and the registration link',
      params: eventParams,
      querystring: langQuery,
      produces: ['text/html'],
      response: pageResponse
    }
  }, async (request, reply) => {
    const view = { event: await program.getEvent(request.params.eventId), platforms: await lti.platforms(), publicUrl }
    return await reply.type(html).send(lmsPage(request.locale, view, request.url))
  })

  app.post('/organisateurs/invitations', {
    config: { access: allow('team.invite', request => ({ kind: 'event', eventId: body(request, 'eventId') })) },
    schema: {
      operationId: 'inviteFromPage',
      tags: ['pages'],
      summary: 'Invites an organizer or door staff (form)',
      querystring: langQuery,
      body: inviteBody.extend({ eventId: z.uuid() }),
      response: pageResponse
    }
  }, async (request, reply) => {
    const personId = request.auth?.personId ?? ''
    const { eventId, ...invitee } = request.body
    const result = await people.invite(personId, eventId, invitee)
    reply.header('cache-control', 'no-store')
    const who = invitee.email !== undefined && invitee.email !== '' ? invitee.email : invitee.name ?? ''
    // Back on the Équipe page, with the new account's link shown once (hence a page, not a redirect).
    const view = { event: await program.getEvent(eventId), team: await people.team(eventId), invitation: { result, who } }
    return await reply.type(html).send(teamPage(request.locale, view, `/organisateurs/evenements/${eventId}/equipe`))
  })

  app.post('/organisateurs/programme', {
    // The file names its event: importAs checks the caller organizes it.
    config: { access: allow('program.import', anyEvent) },
    schema: {
      operationId: 'importProgramFromPage',
      tags: ['pages'],
      summary: 'Uploads a program file (form)',
      querystring: langQuery,
      consumes: ['multipart/form-data'],
      response: pageResponse
    }
  }, async (request, reply) => {
    if (!request.isMultipart()) throw badRequest(bilingual('people.chooseProgramFile'))
    const file = await request.file()
    if (file === undefined) throw badRequest(bilingual('people.chooseProgramFile'))
    const text = (await file.toBuffer()).toString('utf8')
    const personId = request.auth?.personId ?? ''
    const imported = await importAs(personId, text, `upload:${file.filename}`)
    // Back on the Programme page of the event the file named.
    const event = (await program.listEvents()).find(e => e.key === imported.eventKey)
    if (event === undefined) return await reply.redirect(`/organisateurs?lang=${request.locale}`, 303)
    return await reply.type(html).send(programPage(request.locale, { event, imported }, `/organisateurs/evenements/${event.id}/programme`))
  })

  app.get('/api/v1/me', {
    config: { access: signedIn('one\'s own account and roles') },
    schema: {
      operationId: 'getMe',
      tags: ['people'],
      summary: 'The signed-in person and their roles',
      security: [{ bearer: [] }],
      response: { 200: z.object({ person: personSchema, roles: z.array(z.object({ eventId: z.uuid(), role: z.string() })) }), 401: errorResponses[401] }
    }
  }, async (request) => {
    const personId = request.auth?.personId ?? ''
    return { person: await people.getPerson(personId), roles: await people.roles(personId) }
  })

  app.post('/api/v1/events/:eventId/invitations', {
    config: { access: allow('team.invite', eventParam()) },
    schema: {
      operationId: 'inviteTeamMember',
      tags: ['people'],
      summary: 'Invites an organizer or door staff: a new account comes with its one-time sign-in link (201); ' +
        'an existing account gets the role and a message, never a link (200)',
      security: [{ bearer: [] }],
      params: z.object({ eventId: z.uuid({ error: 'eventId must be a UUID' }) }),
      body: inviteBody,
      response: { 201: createdInvitationSchema, 200: grantedInvitationSchema, ...errorResponses }
    }
  }, async (request, reply) => {
    const result = await people.invite(request.auth?.personId ?? '', request.params.eventId, request.body)
    if (result.created) return await reply.code(201).send(result)
    const text = grantedText(result.alreadyHeld)
    return await reply.code(200).send({ ...result, message: text.en, messageFr: text.fr })
  })

  app.put('/api/v1/program', {
    // The file names its event: importAs checks the caller organizes it.
    config: { access: allow('program.import', anyEvent) },
    schema: {
      operationId: 'importProgram',
      tags: ['program'],
      summary: 'Creates or updates an event from a program file (YAML body, same format as `npm run program:import`)',
      security: [{ bearer: [] }],
      consumes: ['application/yaml'],
      body: z.string().min(1, 'send the program file as the request body (Content-Type: application/yaml)'),
      response: { 200: importSummarySchema, ...errorResponses }
    }
  }, async (request) => await importAs(request.auth?.personId ?? '', request.body, 'api'))
}
