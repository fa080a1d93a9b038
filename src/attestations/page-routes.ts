import type { FastifyReply, FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod'
import { z } from 'zod'
import { allow, eventParam, open, param, self } from '../access/declare.js'
import type { Resource } from '../access/policy.js'
import { AppError, forbidden, type Bilingual } from '../errors.js'
import { errorResponses, langQuery } from '../http/schemas.js'
import { assertSameOrigin } from '../http/same-origin.js'
import { bilingual, type Locale, type TextKey } from '../views/i18n.js'
import { UNPRINTABLE } from '../http/schemas.js'
import {
  attestationsCss, myAttestationsPage, organizerAttestationsPage,
  type FieldErrors, type MyEventView, type OrganizerFormError, type RequestField, type RequestFormValues
} from './pages.js'
import type { AttestationDecisions } from './decisions.js'
import type { AttestationIssuance, RequestInput } from './issuance.js'
import type { Clock } from '../clock.js'
import type { PeopleService } from '../people/service.js'
import type { ProgramService } from '../program/service.js'

const html = 'text/html; charset=utf-8'
const tags = ['pages']
const uuid = (what: string) => z.uuid({ error: `${what} must be a UUID` })
const eventParams = z.object({ eventId: uuid('eventId') })
const requestParams = z.object({ requestId: uuid('requestId') })
const attestationParams = z.object({ attestationId: uuid('attestationId') })
const page = { 200: z.string(), ...errorResponses }
const formAnswer = { 200: z.string(), 303: z.null(), ...errorResponses }
/** A text field of a form: absent and empty are the same; repeated fields are refused by the schema. */
const field = z.string().optional()

const attestation = (request: FastifyRequest): Resource => ({ kind: 'attestation', attestationId: param(request, 'attestationId') })
const attestationRequest = (request: FastifyRequest): Resource => ({ kind: 'attestation-request', requestId: param(request, 'requestId') })

// Control and invisible format characters never belong on a printed document or in a reason
// shown to the public (same set as the API's schemas).
const controlChars = (): Bilingual => bilingual('attestations.controlChars')
/** Longest name, employer and reason accepted (the inputs say so too). */
const MAX_NAME = 200
const MAX_REASON = 1000
const MIN_REASON = 3

/** The participant's form, checked field by field: the request to send, or what is wrong where. */
export function requestFromForm (v: RequestFormValues): { input: RequestInput, errors: FieldErrors<RequestField> } {
  const errors: FieldErrors<RequestField> = {}
  const name = v.name.trim()
  if (name === '') errors.name = bilingual('attestations.nameMissing')
  else if (name.length > MAX_NAME) errors.name = bilingual('attestations.nameTooLong', { count: name.length, max: MAX_NAME })
  else if (UNPRINTABLE.test(name)) errors.name = controlChars()
  if (v.locale !== 'fr' && v.locale !== 'en') errors.locale = bilingual('attestations.languageChoose')
  const employer = v.employer.trim()
  if (employer.length > MAX_NAME) errors.employer = bilingual('attestations.employerTooLong', { count: employer.length, max: MAX_NAME })
  else if (UNPRINTABLE.test(employer)) errors.employer = controlChars()
  const hrEmail = v.hrEmail.trim()
  if (hrEmail !== '' && (hrEmail.length > 254 || !z.email().safeParse(hrEmail).success)) {
    errors.hrEmail = bilingual('attestations.hrEmailInvalid', { email: hrEmail.slice(0, 80) })
  }
  return {
    input: { name, locale: v.locale === 'en' ? 'en' : 'fr', employer: employer === '' ? null : employer, hrEmail: hrEmail === '' ? null : hrEmail },
    errors
  }
}

/** A reason typed by an organizer (refusal, revocation, re-issue): 3 to 1000 printable characters. */
function reasonError (value: string, required: boolean): Bilingual | undefined {
  const text = value.trim()
  if (text === '') return required ? bilingual('attestations.reasonMissing') : undefined
  if (text.length < MIN_REASON && required) return bilingual('attestations.reasonTooShort', { min: MIN_REASON })
  if (text.length > MAX_REASON) return bilingual('attestations.reasonTooLong', { count: text.length, max: MAX_REASON })
  if (UNPRINTABLE.test(text)) return controlChars()
  return undefined
}

/** "75", "75 %", "82,5": a percentage from 0 to 100, or a message. */
export function percentFromForm (value: string): { share: number } | { error: Bilingual } {
  const text = value.trim().replace(/\s*%$/, '').replace(',', '.')
  const n = /^\d{1,3}(\.\d+)?$/.test(text) ? Number(text) : Number.NaN
  if (!Number.isFinite(n) || n < 0 || n > 100) {
    return { error: bilingual('attestations.percentInvalid', { value: value.slice(0, 20) }) }
  }
  return { share: Math.round(n * 100) / 10000 }
}

/** What a participant's form did (the `fait` of the address it leads to). */
const PARTICIPANT_NOTICES = {
  delivree: 'attestations.noticeIssued',
  attente: 'attestations.noticeWaiting',
  examen: 'attestations.noticeReview'
} as const satisfies Record<string, TextKey>

/** What an organizer's form did. */
const ORGANIZER_NOTICES = {
  politique: 'attestations.noticeRuleSaved',
  delivree: 'attestations.noticeIssuedByYou',
  refusee: 'attestations.noticeRefused',
  revoquee: 'attestations.noticeRevoked',
  reemise: 'attestations.noticeReissued'
} as const satisfies Record<string, TextKey>

export interface AttestationPageRoutesOptions {
  attestations: AttestationIssuance
  decisions: AttestationDecisions
  people: PeopleService
  program: ProgramService
  clock: Clock
}

/**
 * The attestation pages (cookie sessions): a participant's /attestation (figures, request
 * form, the issued PDF; its section on /moi is listed in src/services.ts), and the organizers'
 * page of an event (rule, queue, decisions, issued list with revoke and re-issue, log). The
 * JSON API is in routes.ts.
 */
export const attestationPageRoutes: FastifyPluginAsyncZod<AttestationPageRoutesOptions> = async (app, { attestations, decisions, people, program, clock }) => {
  const personOf = (request: FastifyRequest): string => request.auth?.personId ?? ''
  const sameOrigin = async (request: FastifyRequest): Promise<void> => { assertSameOrigin(request) }

  app.get('/assets/attestations.css', { config: { access: open('a stylesheet') }, schema: { hide: true } }, async (_request, reply) =>
    await reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(attestationsCss))

  // ---- A participant ----------------------------------------------------------------------

  const myPage = async (request: FastifyRequest, reply: FastifyReply, options: {
    notice?: Bilingual
    typed?: { eventId: string, values: RequestFormValues, errors: FieldErrors<RequestField> }
    statusCode?: number
  } = {}): Promise<FastifyReply> => {
    const personId = personOf(request)
    const eventIds = await attestations.eventsOf(personId)
    if (eventIds.length === 0) {
      throw forbidden(bilingual('attestations.notRegistered'))
    }
    const profile = await people.getProfile(personId)
    const events: MyEventView[] = []
    for (const eventId of eventIds) {
      const mine = await attestations.mine(personId, eventId)
      const r = mine.request
      const known: RequestFormValues = r !== null
        ? { name: r.name_on_attestation, locale: r.locale, employer: r.employer ?? '', hrEmail: r.hr_email ?? '' }
        : { name: profile.displayName, locale: profile.preferredLocale, employer: profile.employer ?? '', hrEmail: '' }
      const typed = options.typed?.eventId === eventId ? options.typed : undefined
      events.push({ event: await program.getEvent(eventId), mine, values: typed?.values ?? known, errors: typed?.errors ?? {} })
    }
    reply.header('cache-control', 'no-store')
    // The language link leads to /attestation, also from a form refused at /attestation/<event>.
    return await reply.code(options.statusCode ?? 200).type(html)
      .send(myAttestationsPage(request.locale, { events, now: clock.now(), notice: options.notice ?? null }, `/attestation?lang=${request.locale}`))
  }

  app.get('/attestation', {
    config: { access: allow('attestation.own-any', self) },
    schema: {
      operationId: 'myAttestationPage',
      tags,
      summary: 'A participant\'s attestation page: hours attended, the rule, the request form or the issued attestation (PDF, verification link)',
      querystring: langQuery.extend({ fait: z.enum(['delivree', 'attente', 'examen']).optional() }),
      produces: ['text/html'],
      response: page
    }
  }, async (request, reply) => {
    const fait = request.query.fait
    return await myPage(request, reply, fait === undefined ? {} : { notice: bilingual(PARTICIPANT_NOTICES[fait]) })
  })

  app.post('/attestation/:eventId', {
    config: { access: allow('attestation.own', eventParam()) },
    onRequest: [sameOrigin],
    schema: {
      operationId: 'requestAttestationFromPage',
      tags,
      summary: 'A participant asks for (or corrects) their attestation (form: name, locale, ' +
        'employer, hrEmail); refused fields come back in the form, nothing saved',
      params: eventParams,
      querystring: langQuery,
      body: z.object({ name: field, locale: field, employer: field, hrEmail: field }),
      produces: ['text/html'],
      response: formAnswer
    }
  }, async (request, reply) => {
    const personId = personOf(request)
    const { eventId } = request.params
    const values: RequestFormValues = {
      name: request.body.name ?? '',
      locale: request.body.locale ?? '',
      employer: request.body.employer ?? '',
      hrEmail: request.body.hrEmail ?? ''
    }
    const { input, errors } = requestFromForm(values)
    if (Object.keys(errors).length > 0) return await myPage(request, reply, { typed: { eventId, values, errors }, statusCode: 400 })
    const after = await attestations.request(personId, eventId, input)
    const fait = after.attestation !== null ? 'delivree' : after.request?.status === 'waiting' ? 'attente' : 'examen'
    return await reply.redirect(`/attestation?fait=${fait}&lang=${request.locale}#att-${eventId}`, 303)
  })

  app.get('/attestation/:attestationId/pdf', {
    config: { personalData: 'attestation_file', access: allow('attestation.read', attestation) },
    schema: {
      operationId: 'downloadAttestationPdfFromPage',
      tags,
      summary: 'The attestation\'s PDF as issued (its owner or the event\'s organizers): the same bytes every time',
      params: attestationParams,
      querystring: langQuery,
      produces: ['application/pdf'],
      response: { 200: z.any().describe('application/pdf'), ...errorResponses }
    }
  }, async (request, reply) => {
    const pdf = await attestations.pdf(personOf(request), request.params.attestationId)
    return await reply.type('application/pdf').header('content-disposition', `attachment; filename="${pdf.filename}"`)
      .header('x-content-sha256', pdf.sha256).header('cache-control', 'private, no-store').send(pdf.data)
  })

  // ---- Organizers ---------------------------------------------------------------------------

  const organizerPage = async (request: FastifyRequest, reply: FastifyReply, eventId: string, options: {
    notice?: Bilingual
    formError?: OrganizerFormError
    statusCode?: number
  } = {}): Promise<FastifyReply> => {
    const personId = personOf(request)
    const queue = await decisions.queue(personId, eventId)
    const view = {
      event: await program.getEvent(eventId),
      policy: await attestations.policy(eventId),
      queue,
      attestations: await decisions.list(personId, eventId),
      audit: await decisions.audit(personId, eventId),
      bulkOpensAt: await attestations.bulkOpensAt(eventId),
      notice: options.notice ?? null,
      formError: options.formError ?? null
    }
    reply.header('cache-control', 'no-store')
    return await reply.code(options.statusCode ?? 200).type(html)
      .send(organizerAttestationsPage(request.locale, view, `/organisateurs/attestations/${eventId}?lang=${request.locale}`))
  }
  const backTo = (eventId: string, fait: string, locale: Locale): string => `/organisateurs/attestations/${eventId}?fait=${fait}&lang=${locale}`

  /**
   * Runs an organizer's form: refused input, or the service refusing the action (a conflict,
   * a bad value), comes back on the page next to that form, with its status.
   */
  const decide = async (
    request: FastifyRequest,
    reply: FastifyReply,
    eventId: string,
    form: OrganizerFormError,
    act: () => Promise<string>
  ): Promise<FastifyReply> => {
    if (Object.keys(form.errors).length > 0) return await organizerPage(request, reply, eventId, { formError: form, statusCode: 400 })
    try {
      return await reply.redirect(backTo(eventId, await act(), request.locale), 303)
    } catch (err) {
      if (err instanceof AppError && (err.statusCode === 400 || err.statusCode === 409)) {
        return await organizerPage(request, reply, eventId, { formError: { ...form, errors: { form: err.text } }, statusCode: err.statusCode })
      }
      throw err
    }
  }
  const organizerOfEvent = { config: { access: allow('attestations.manage', eventParam()) }, onRequest: [sameOrigin] }
  const withEvent = { eventId: uuid('eventId') }

  app.get('/organisateurs/attestations/:eventId', {
    config: { personalData: 'attestation_requests', access: allow('attestations.manage', eventParam()) },
    schema: {
      operationId: 'organizerAttestationsPage',
      tags,
      summary: 'Organizers: the eligibility rule, the queue to approve or refuse, bulk issue, the attestations issued (revoke, re-issue) and the log',
      params: eventParams,
      querystring: langQuery.extend({ fait: z.enum(['politique', 'delivree', 'refusee', 'revoquee', 'reemise']).optional() }),
      produces: ['text/html'],
      response: page
    }
  }, async (request, reply) => {
    const fait = request.query.fait
    return await organizerPage(request, reply, request.params.eventId, fait === undefined ? {} : { notice: bilingual(ORGANIZER_NOTICES[fait]) })
  })

  app.post('/organisateurs/attestations/:eventId/politique', {
    ...organizerOfEvent,
    schema: {
      operationId: 'setAttestationPolicyFromPage',
      tags,
      summary: 'Organizers save the eligibility rule (form: minPercent 0–100, excusedCounts and autoIssue yes/no)',
      params: eventParams,
      querystring: langQuery,
      body: z.object({ minPercent: field, excusedCounts: field, autoIssue: field }),
      produces: ['text/html'],
      response: formAnswer
    }
  }, async (request, reply) => {
    const { eventId } = request.params
    const values = { minPercent: request.body.minPercent ?? '', excusedCounts: request.body.excusedCounts ?? '', autoIssue: request.body.autoIssue ?? '' }
    const errors: Record<string, Bilingual> = {}
    const percent = percentFromForm(values.minPercent)
    if ('error' in percent) errors.minPercent = percent.error
    const yesNo = bilingual('attestations.answerYesNo')
    if (values.excusedCounts !== 'yes' && values.excusedCounts !== 'no') errors.excusedCounts = yesNo
    if (values.autoIssue !== 'yes' && values.autoIssue !== 'no') errors.autoIssue = yesNo
    const share = 'share' in percent ? percent.share : Number.NaN
    return await decide(request, reply, eventId, { form: 'policy', values, errors }, async () => {
      await decisions.setPolicy(personOf(request), eventId, {
        min_share: share,
        excused_counts: values.excusedCounts === 'yes',
        auto_issue: values.autoIssue === 'yes'
      })
      return 'politique'
    })
  })

  app.post('/organisateurs/attestations/demandes/:requestId/approbation', {
    config: { access: allow('attestations.manage', attestationRequest) },
    onRequest: [sameOrigin],
    schema: {
      operationId: 'approveAttestationRequestFromPage',
      tags,
      summary: 'Organizers issue a request, whatever the figures say (form: optional note)',
      params: requestParams,
      querystring: langQuery,
      body: z.object({ ...withEvent, note: field }),
      produces: ['text/html'],
      response: formAnswer
    }
  }, async (request, reply) => {
    const { eventId, note = '' } = request.body
    const { requestId } = request.params
    const error = reasonError(note, false)
    return await decide(request, reply, eventId, {
      form: `approve:${requestId}`,
      values: { note },
      errors: error === undefined ? {} : { note: error }
    }, async () => {
      await decisions.approve(personOf(request), requestId, note.trim() === '' ? null : note.trim())
      return 'delivree'
    })
  })

  app.post('/organisateurs/attestations/demandes/:requestId/refus', {
    config: { access: allow('attestations.manage', attestationRequest) },
    onRequest: [sameOrigin],
    schema: {
      operationId: 'refuseAttestationRequestFromPage',
      tags,
      summary: 'Organizers refuse a request (form: reason, required, sent to the person)',
      params: requestParams,
      querystring: langQuery,
      body: z.object({ ...withEvent, reason: field }),
      produces: ['text/html'],
      response: formAnswer
    }
  }, async (request, reply) => {
    const { eventId, reason = '' } = request.body
    const { requestId } = request.params
    const error = reasonError(reason, true)
    return await decide(request, reply, eventId, {
      form: `refuse:${requestId}`,
      values: { reason },
      errors: error === undefined ? {} : { reason: error }
    }, async () => {
      await decisions.refuse(personOf(request), requestId, reason.trim())
      return 'refusee'
    })
  })

  app.post('/organisateurs/attestations/:attestationId/revocation', {
    config: { access: allow('attestations.manage', attestation) },
    onRequest: [sameOrigin],
    schema: {
      operationId: 'revokeAttestationFromPage',
      tags,
      summary: 'Organizers revoke an attestation (form: reason, required, shown on the verification page)',
      params: attestationParams,
      querystring: langQuery,
      body: z.object({ ...withEvent, reason: field }),
      produces: ['text/html'],
      response: formAnswer
    }
  }, async (request, reply) => {
    const { eventId, reason = '' } = request.body
    const { attestationId } = request.params
    const error = reasonError(reason, true)
    return await decide(request, reply, eventId, {
      form: `revoke:${attestationId}`,
      values: { reason },
      errors: error === undefined ? {} : { reason: error }
    }, async () => {
      await decisions.revoke(personOf(request), attestationId, reason.trim())
      return 'revoquee'
    })
  })

  app.post('/organisateurs/attestations/:attestationId/reemission', {
    config: { access: allow('attestations.manage', attestation) },
    onRequest: [sameOrigin],
    schema: {
      operationId: 'reissueAttestationFromPage',
      tags,
      summary: 'Organizers re-issue an attestation (form: reason, required; optional corrected name and language)',
      params: attestationParams,
      querystring: langQuery,
      body: z.object({ ...withEvent, reason: field, name: field, locale: field }),
      produces: ['text/html'],
      response: formAnswer
    }
  }, async (request, reply) => {
    const { eventId, reason = '', name = '', locale = '' } = request.body
    const { attestationId } = request.params
    const errors: Record<string, Bilingual> = {}
    const reasonProblem = reasonError(reason, true)
    if (reasonProblem !== undefined) errors.reason = reasonProblem
    const corrected = name.trim()
    if (corrected.length > MAX_NAME) errors.name = bilingual('attestations.nameTooLong', { count: corrected.length, max: MAX_NAME })
    else if (UNPRINTABLE.test(corrected)) errors.name = controlChars()
    if (locale !== '' && locale !== 'fr' && locale !== 'en') errors.locale = bilingual('attestations.languageChooseOrUnchanged')
    return await decide(request, reply, eventId, { form: `reissue:${attestationId}`, values: { reason, name, locale }, errors }, async () => {
      await decisions.reissue(personOf(request), attestationId, reason.trim(), {
        ...(corrected !== '' ? { name: corrected } : {}),
        ...(locale === 'fr' || locale === 'en' ? { locale } : {})
      })
      return 'reemise'
    })
  })
}
