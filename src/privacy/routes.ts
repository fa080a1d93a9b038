import type { FastifyReply, FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod'
import { DateTime } from 'luxon'
import { z } from 'zod'
import { UNPRINTABLE } from '../http/schemas.js'
import { allow, eventParam, open, signedIn } from '../access/declare.js'
import { AppError, type Bilingual } from '../errors.js'
import { bilingual, type TextKey } from '../views/i18n.js'
import { errorResponses, langQuery } from '../http/schemas.js'
import { assertSameOrigin } from '../http/same-origin.js'
import type { Incident, IncidentService } from './incidents.js'
import {
  accessLogPage, incidentsPage, noticePage, privacyHubPage,
  type IncidentField, type IncidentFieldErrors, type IncidentFormValues
} from './pages.js'
import type { AccessLogEntry } from './repository.js'
import { NOTICE_PATH } from '../views/privacy-notice.js'
import {
  accessLogPageSchema, exportSchema, incidentInput, incidentListSchema, incidentPatch, incidentSchema,
  incidentStatuses, riskLevels, type IncidentInput
} from './schemas.js'
import type { PrivacyService } from './service.js'
import type { ProgramService } from '../program/service.js'
import type { PersonalDataExport } from './export.js'

const html = 'text/html; charset=utf-8'
const uuid = (what: string) => z.uuid({ error: `${what} must be a UUID` })
const eventParams = z.object({ eventId: uuid('eventId') })
const personParams = eventParams.extend({ personId: uuid('personId') })
const incidentParams = eventParams.extend({ incidentId: uuid('incidentId') })
const page = { 200: z.string(), ...errorResponses }
const formAnswer = { 200: z.string(), 303: z.null(), ...errorResponses }
const field = z.string().optional()

const noticeSchema = z.object({
  officer: z.object({
    name: z.string(),
    email: z.string().nullable().describe('PRIVACY_OFFICER_EMAIL, or the event\'s contact email'),
    phone: z.string().nullable()
  }),
  retentionDays: z.object({
    attendance: z.number().int(),
    submissions: z.number().int(),
    messages: z.number().int(),
    people: z.number().int(),
    accessLog: z.number().int()
  }).describe('Days after the end of the event'),
  attestationDetailsDays: z.number().int(),
  ipAddressesStored: z.literal(false),
  complaints: z.url()
}).meta({ id: 'PrivacyNotice' })

function download (reply: FastifyReply, data: PersonalDataExport): PersonalDataExport {
  const id = String(data.person.id ?? 'personne')
  reply.header('content-disposition', `attachment; filename="compagnon-donnees-${id.replace(/[^\w-]/g, '')}.json"`)
  reply.header('cache-control', 'no-store')
  return data
}

const entryJson = (e: AccessLogEntry): z.infer<typeof accessLogPageSchema>['entries'][number] => ({
  id: e.id,
  at: e.at,
  actorId: e.actor_id,
  actorName: e.actor_name,
  actorRole: e.actor_role,
  dataKind: e.data_kind as z.infer<typeof accessLogPageSchema>['entries'][number]['dataKind'],
  subjectPersonId: e.subject_person_id,
  subjectName: e.subject_name,
  contextId: e.context_id,
  method: e.method,
  route: e.route,
  statusCode: e.status_code,
  requestId: e.request_id
})

// ---- The incident form (pages): typed in the event's time zone, checked field by field ----------

const FORM_FIELDS: IncidentField[] = [
  'detectedAt', 'description', 'categories', 'peopleAffected', 'seriousInjuryRisk', 'riskAssessment', 'measures', 'caiNotifiedAt', 'peopleNotifiedAt', 'status'
]

export function incidentFromForm (values: IncidentFormValues, zone: string): { input: IncidentInput, errors: IncidentFieldErrors } {
  const errors: IncidentFieldErrors = {}
  const when = (f: IncidentField, required: boolean): Date | null => {
    const v = values[f].trim()
    if (v === '') {
      if (required) errors[f] = bilingual('privacy.enterDateTime')
      return null
    }
    const dt = DateTime.fromISO(v, { zone })
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(v) || !dt.isValid) {
      errors[f] = bilingual('privacy.notDateTime', { value: v.slice(0, 30) })
      return null
    }
    return dt.toJSDate()
  }
  const textOf = (f: IncidentField, min: number, max: number): string | null => {
    const v = values[f].trim()
    if (v === '') {
      if (min > 0) errors[f] = bilingual('privacy.required')
      return null
    }
    if (v.length < min) errors[f] = bilingual('privacy.tooShort', { min })
    else if (v.length > max) errors[f] = bilingual('privacy.tooLong', { max, length: v.length })
    else if (UNPRINTABLE.test(v.replace(/[\n\r\t]/g, ''))) errors[f] = bilingual('privacy.invisibleCharacters')
    return v
  }
  const detectedAt = when('detectedAt', true)
  const description = textOf('description', 3, 5000)
  const categories = textOf('categories', 1, 1000)
  const count = values.peopleAffected.trim()
  let peopleAffected: number | null = null
  if (count !== '') {
    if (/^\d{1,8}$/.test(count)) peopleAffected = Number(count)
    else errors.peopleAffected = bilingual('privacy.notWholeNumber', { value: count.slice(0, 20) })
  }
  const risk = values.seriousInjuryRisk
  if (!(riskLevels as readonly string[]).includes(risk)) errors.seriousInjuryRisk = bilingual('privacy.chooseRisk')
  const status = values.status
  if (!(incidentStatuses as readonly string[]).includes(status)) errors.status = bilingual('privacy.chooseStatus')
  const input: IncidentInput = {
    detectedAt: detectedAt ?? new Date(0),
    description: description ?? '',
    categories: categories ?? '',
    peopleAffected,
    seriousInjuryRisk: risk as IncidentInput['seriousInjuryRisk'],
    riskAssessment: textOf('riskAssessment', 0, 5000),
    measures: textOf('measures', 0, 5000),
    caiNotifiedAt: when('caiNotifiedAt', false),
    peopleNotifiedAt: when('peopleNotifiedAt', false),
    status: status as IncidentInput['status']
  }
  return { input, errors }
}

/** The service's own refusals (dates in the future, notified before detection) as field errors. */
function fieldErrorsOf (error: AppError): IncidentFieldErrors | null {
  if (error.code !== 'bad_request' || !Array.isArray(error.details)) return null
  const errors: IncidentFieldErrors = {}
  for (const d of error.details as Array<{ field?: string }>) {
    if (d.field !== undefined && (FORM_FIELDS as string[]).includes(d.field)) errors[d.field as IncidentField] = error.text
  }
  return Object.keys(errors).length > 0 ? errors : null
}

const incidentNotices = {
  consigne: 'privacy.incidentRecorded',
  modifie: 'privacy.incidentUpdated'
} as const satisfies Record<string, TextKey>

export interface PrivacyRoutesOptions { service: PrivacyService, incidents: IncidentService, program: ProgramService }

/** The privacy notice, and each event's privacy pages and API (exports, access log, incidents). */
export const privacyRoutes: FastifyPluginAsyncZod<PrivacyRoutesOptions> = async (app, { service, incidents, program }) => {
  const personOf = (request: FastifyRequest): string => request.auth?.personId ?? ''
  const sameOrigin = async (request: FastifyRequest): Promise<void> => { assertSameOrigin(request) }
  // The event's organizers manage its privacy (exports, access log, incidents).
  const manage = allow('privacy.manage', eventParam())

  // ---- Public notice ----------------------------------------------------------------------------

  app.get(NOTICE_PATH, {
    config: { access: open('the privacy notice is for everyone') },
    schema: {
      operationId: 'privacyNoticePage',
      tags: ['pages'],
      summary: 'The privacy notice (Loi 25): person in charge, what is collected, why, where, for how long, who sees it, rights',
      querystring: langQuery,
      produces: ['text/html'],
      response: page
    }
  }, async (request, reply) => {
    return await reply.type(html).send(noticePage(request.locale, await service.notice(), request.url))
  })

  app.get('/privacy', {
    config: { access: open('the privacy notice is for everyone') },
    schema: { operationId: 'privacyNoticeEnglish', tags: ['pages'], summary: 'The privacy notice in English (redirects)', response: { 301: z.null() } }
  }, async (_request, reply) => await reply.redirect(`${NOTICE_PATH}?lang=en`, 301))

  app.get('/api/v1/privacy-notice', {
    config: { access: open('the privacy notice is for everyone') },
    schema: {
      operationId: 'getPrivacyNotice',
      tags: ['privacy'],
      summary: 'The facts of the privacy notice: person in charge, retention periods in force',
      response: { 200: noticeSchema, ...errorResponses }
    }
  }, async () => {
    const notice = await service.notice()
    const r = notice.retention
    return {
      officer: notice.officer,
      retentionDays: {
        attendance: r.attendanceDays,
        submissions: r.submissionsDays,
        messages: r.messagesDays,
        people: r.peopleDays,
        accessLog: r.accessLogDays
      },
      attestationDetailsDays: notice.attestationDetailsDays,
      ipAddressesStored: false as const,
      complaints: 'https://www.cai.gouv.qc.ca/'
    }
  })

  // ---- A person's own data ----------------------------------------------------------------------

  app.get('/api/v1/me/export', {
    config: { access: signedIn('one\'s own data') },
    schema: {
      operationId: 'exportMyData',
      tags: ['privacy'],
      summary: 'Everything Compagnon holds about the caller, as a JSON download (right of access)',
      security: [{ bearer: [] }],
      response: { 200: exportSchema, ...errorResponses }
    }
  }, async (request, reply) => download(reply, await service.exportMine(personOf(request))))

  app.get('/moi/donnees', {
    config: { access: signedIn('one\'s own data') },
    schema: {
      operationId: 'exportMyDataFromPage',
      tags: ['pages'],
      summary: 'The same export, downloaded from /moi (cookie session)',
      querystring: langQuery,
      produces: ['application/json'],
      response: { 200: exportSchema, ...errorResponses }
    }
  }, async (request, reply) => download(reply, await service.exportMine(personOf(request))))

  // ---- Organizers -------------------------------------------------------------------------------

  app.get('/api/v1/events/:eventId/people/:personId/export', {
    config: { personalData: 'data_export', access: manage },
    schema: {
      operationId: 'exportPersonData',
      tags: ['privacy'],
      summary: 'Everything Compagnon holds about a person registered in the event (organizers; logged in the access log)',
      security: [{ bearer: [] }],
      params: personParams,
      response: { 200: exportSchema, ...errorResponses }
    }
  }, async (request, reply) => download(reply, await service.exportFor(personOf(request), request.params.eventId, request.params.personId)))

  app.get('/organisateurs/confidentialite/:eventId', {
    config: { personalData: 'participants', access: manage },
    schema: {
      operationId: 'privacyHubPage',
      tags: ['pages'],
      summary: 'An event\'s privacy page (organizers): export a person\'s data, links to the access log and the incident register',
      params: eventParams,
      querystring: langQuery,
      produces: ['text/html'],
      response: page
    }
  }, async (request, reply) => {
    const { eventId } = request.params
    const people = await service.people(personOf(request), eventId)
    reply.header('cache-control', 'no-store')
    return await reply.type(html).send(privacyHubPage(request.locale, { event: await program.getEvent(eventId), people }, request.url))
  })

  app.get('/organisateurs/confidentialite/:eventId/exportation', {
    config: { personalData: 'data_export', access: manage },
    schema: {
      operationId: 'exportPersonDataFromPage',
      tags: ['pages'],
      summary: 'A person\'s data export downloaded from the privacy page (organizers)',
      params: eventParams,
      querystring: langQuery.extend({ personne: uuid('personne') }),
      produces: ['application/json'],
      response: { 200: exportSchema, ...errorResponses }
    }
  }, async (request, reply) => download(reply, await service.exportFor(personOf(request), request.params.eventId, request.query.personne)))

  const logQuery = z.object({
    personId: uuid('personId').optional().describe('Only reads about this person'),
    before: z.coerce.number({ error: 'before must be a number' }).int({ error: 'before must be a whole number' })
      .min(1, { error: 'before must be 1 or more' }).optional().describe('The `next` of the previous page'),
    limit: z.coerce.number({ error: 'limit must be a number' }).int({ error: 'limit must be a whole number' })
      .min(1, { error: 'limit must be from 1 to 500' }).max(500, { error: 'limit must be from 1 to 500' }).default(100)
  })

  app.get('/api/v1/events/:eventId/privacy/access-log', {
    config: { personalData: 'access_log', access: manage },
    schema: {
      operationId: 'listPrivacyAccessLog',
      tags: ['privacy'],
      summary: 'Staff reads of personal data in the event, newest first (organizers)',
      security: [{ bearer: [] }],
      params: eventParams,
      querystring: logQuery,
      response: { 200: accessLogPageSchema, ...errorResponses }
    }
  }, async (request, reply) => {
    const { eventId } = request.params
    const view = await service.accessLog(personOf(request), eventId, {
      personId: request.query.personId,
      before: request.query.before,
      limit: request.query.limit
    })
    reply.header('cache-control', 'no-store')
    return { eventId, entries: view.entries.map(entryJson), next: view.next }
  })

  app.get('/organisateurs/confidentialite/:eventId/acces', {
    config: { personalData: 'access_log', access: manage },
    schema: {
      operationId: 'privacyAccessLogPage',
      tags: ['pages'],
      summary: 'Staff reads of personal data in the event (organizers), filtered by person, 100 per page',
      params: eventParams,
      querystring: langQuery.extend({
        personne: z.union([z.literal(''), uuid('personne')]).optional(),
        avant: z.coerce.number({ error: 'avant must be a number' }).int({ error: 'avant must be a whole number' })
          .min(1, { error: 'avant must be 1 or more' }).optional()
      }),
      produces: ['text/html'],
      response: page
    }
  }, async (request, reply) => {
    const { eventId } = request.params
    const personId = request.query.personne === '' ? undefined : request.query.personne
    const view = await service.accessLog(personOf(request), eventId, { personId, before: request.query.avant, limit: 100 })
    const people = await service.people(personOf(request), eventId)
    reply.header('cache-control', 'no-store')
    return await reply.type(html).send(accessLogPage(request.locale, {
      event: await program.getEvent(eventId),
      entries: view.entries,
      next: view.next,
      people,
      personId
    }, request.url))
  })

  // ---- Incident register ------------------------------------------------------------------------

  const incidentJson = (i: Incident): z.infer<typeof incidentSchema> => i

  app.get('/api/v1/events/:eventId/privacy/incidents', {
    config: { access: manage },
    schema: {
      operationId: 'listPrivacyIncidents',
      tags: ['privacy'],
      summary: 'The event\'s register of confidentiality incidents, with each one\'s change history (organizers)',
      security: [{ bearer: [] }],
      params: eventParams,
      response: { 200: incidentListSchema, ...errorResponses }
    }
  }, async (request, reply) => {
    reply.header('cache-control', 'no-store')
    return { eventId: request.params.eventId, incidents: (await incidents.list(personOf(request), request.params.eventId)).map(incidentJson) }
  })

  app.post('/api/v1/events/:eventId/privacy/incidents', {
    config: { access: manage },
    schema: {
      operationId: 'recordPrivacyIncident',
      tags: ['privacy'],
      summary: 'Records a confidentiality incident (organizers); refused fields answer 400 and nothing is written',
      security: [{ bearer: [] }],
      params: eventParams,
      body: incidentInput,
      response: { 201: incidentSchema, ...errorResponses }
    }
  }, async (request, reply) => {
    const incident = await incidents.create(personOf(request), request.params.eventId, request.body)
    return await reply.code(201).send(incidentJson(incident))
  })

  app.patch('/api/v1/events/:eventId/privacy/incidents/:incidentId', {
    config: { access: manage },
    schema: {
      operationId: 'updatePrivacyIncident',
      tags: ['privacy'],
      summary: 'Changes some fields of an incident (organizers); the change is kept in its history',
      security: [{ bearer: [] }],
      params: incidentParams,
      body: incidentPatch,
      response: { 200: incidentSchema, ...errorResponses }
    }
  }, async (request) => incidentJson(await incidents.update(personOf(request), request.params.eventId, request.params.incidentId, request.body)))

  const incidentsView = async (request: FastifyRequest, reply: FastifyReply, eventId: string, options: {
    notice?: Bilingual
    typed?: { form: string, values: IncidentFormValues, errors: IncidentFieldErrors }
    statusCode?: number
  } = {}): Promise<FastifyReply> => {
    const list = await incidents.list(personOf(request), eventId)
    reply.header('cache-control', 'no-store')
    return await reply.code(options.statusCode ?? 200).type(html).send(incidentsPage(request.locale, {
      event: await program.getEvent(eventId), incidents: list, notice: options.notice ?? null, typed: options.typed ?? null
    }, `/organisateurs/confidentialite/${eventId}/incidents?lang=${request.locale}`))
  }

  app.get('/organisateurs/confidentialite/:eventId/incidents', {
    config: { access: manage },
    schema: {
      operationId: 'privacyIncidentsPage',
      tags: ['pages'],
      summary: 'The register of confidentiality incidents (organizers): list, history, record, update',
      params: eventParams,
      querystring: langQuery.extend({ fait: z.enum(['consigne', 'modifie']).optional() }),
      produces: ['text/html'],
      response: page
    }
  }, async (request, reply) => {
    const notice = request.query.fait === undefined ? undefined : bilingual(incidentNotices[request.query.fait])
    return await incidentsView(request, reply, request.params.eventId, notice === undefined ? {} : { notice })
  })

  const formBody = z.object(Object.fromEntries(FORM_FIELDS.map(f => [f, field])) as Record<IncidentField, typeof field>)
  const valuesOf = (body: Partial<Record<IncidentField, string>>): IncidentFormValues =>
    Object.fromEntries(FORM_FIELDS.map(f => [f, body[f] ?? ''])) as IncidentFormValues

  /** Saves a form; a refused one comes back (400) with what was typed and the messages, nothing written. */
  const saveForm = async (
    request: FastifyRequest,
    reply: FastifyReply,
    eventId: string,
    form: string,
    save: (input: IncidentInput) => Promise<unknown>,
    done: string
  ): Promise<FastifyReply> => {
    // The route asked the policy (privacy.manage) before this runs, and every incidents call below asks again.
    const event = await program.getEvent(eventId)
    const values = valuesOf(request.body as Partial<Record<IncidentField, string>>)
    const { input, errors } = incidentFromForm(values, event.timezone)
    if (Object.keys(errors).length > 0) return await incidentsView(request, reply, eventId, { typed: { form, values, errors }, statusCode: 400 })
    try {
      await save(input)
    } catch (error) {
      const fieldErrors = error instanceof AppError ? fieldErrorsOf(error) : null
      if (fieldErrors === null) throw error
      return await incidentsView(request, reply, eventId, { typed: { form, values, errors: fieldErrors }, statusCode: 400 })
    }
    return await reply.redirect(`/organisateurs/confidentialite/${eventId}/incidents?fait=${done}&lang=${request.locale}`, 303)
  }

  app.post('/organisateurs/confidentialite/:eventId/incidents', {
    config: { access: manage },
    onRequest: sameOrigin,
    schema: {
      operationId: 'recordPrivacyIncidentFromPage',
      tags: ['pages'],
      summary: 'Records an incident (form, times in the event\'s zone); refused fields come back in the form, nothing saved',
      params: eventParams,
      querystring: langQuery,
      body: formBody,
      response: formAnswer
    }
  }, async (request, reply) => {
    const { eventId } = request.params
    return await saveForm(request, reply, eventId, 'new', async input => await incidents.create(personOf(request), eventId, input), 'consigne')
  })

  app.post('/organisateurs/confidentialite/:eventId/incidents/:incidentId', {
    config: { access: manage },
    onRequest: sameOrigin,
    schema: {
      operationId: 'updatePrivacyIncidentFromPage',
      tags: ['pages'],
      summary: 'Updates an incident (form); refused fields come back in the form, nothing saved',
      params: incidentParams,
      querystring: langQuery,
      body: formBody,
      response: formAnswer
    }
  }, async (request, reply) => {
    const { eventId, incidentId } = request.params
    return await saveForm(request, reply, eventId, incidentId, async input => await incidents.update(personOf(request), eventId, incidentId, input), 'modifie')
  })
}
