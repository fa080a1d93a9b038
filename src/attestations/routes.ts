import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod'
import type { FastifyRequest } from 'fastify'
import { allow, eventParam, param, signedIn } from '../access/declare.js'
import type { Resource } from '../access/policy.js'
import { z } from 'zod'
import { printedNameChanged } from './printed-name.js'
import { errorResponses } from '../http/schemas.js'
import type { AttestationDecisions } from './decisions.js'
import type { AttestationIssuance } from './issuance.js'
import {
  attestationJson, attestationSchema, auditEntrySchema, myAttestationJson, myAttestationSchema, policySchema, queueItemSchema,
  reasonSchema, requestInputSchema, requestJson, requestSchema
} from './schemas.js'

const uuid = (what: string) => z.uuid({ error: `${what} must be a UUID` })
const eventParams = z.object({ eventId: uuid('eventId') })
const requestParams = z.object({ requestId: uuid('requestId') })
const attestationParams = z.object({ attestationId: uuid('attestationId') })
const tags = ['attestations']
const security = [{ bearer: [] }]

/**
 * The attestations JSON API (bearer tokens): a participant's own request and attestation, and
 * the organizers' policy, queue, decisions, list and audit. The pages call the same service.
 */
export const attestationRoutes: FastifyPluginAsyncZod<{
  attestations: AttestationIssuance
  decisions: AttestationDecisions
}> = async (app, { attestations, decisions }) => {
  const me = (request: { auth: { personId: string } | null }): string => request.auth?.personId ?? ''
  const attestation = (request: FastifyRequest): Resource => ({ kind: 'attestation', attestationId: param(request, 'attestationId') })
  const attestationRequest = (request: FastifyRequest): Resource => ({ kind: 'attestation-request', requestId: param(request, 'requestId') })

  app.get('/api/v1/events/:eventId/attestation', {
    config: { access: allow('attestation.own', eventParam()) },
    schema: {
      operationId: 'getMyAttestation',
      tags,
      security,
      summary: 'My eligibility, request and attestation for an event',
      params: eventParams,
      response: { 200: myAttestationSchema, ...errorResponses }
    }
  }, async request => myAttestationJson(await attestations.mine(me(request), request.params.eventId)))

  app.put('/api/v1/events/:eventId/attestation/request', {
    config: { access: allow('attestation.own', eventParam()) },
    schema: {
      operationId: 'requestAttestation',
      tags,
      security,
      summary: 'Ask for (or change) my attestation request',
      description: 'After the last in-person slot an eligible request is issued at once (automatic issue on); ' +
        'otherwise it waits for the end of the event or goes to the organizers.',
      params: eventParams,
      body: requestInputSchema,
      response: { 200: myAttestationSchema, ...errorResponses }
    }
  }, async request => myAttestationJson(await attestations.request(me(request), request.params.eventId, request.body)))

  app.get('/api/v1/events/:eventId/attestation-policy', {
    config: { access: signedIn('the rule is no secret (the participants\' page states it)') },
    schema: { operationId: 'getAttestationPolicy', tags, security, params: eventParams, response: { 200: policySchema, ...errorResponses } }
  }, async request => {
    const p = await attestations.policy(request.params.eventId)
    return { minShare: p.min_share, excusedCounts: p.excused_counts, autoIssue: p.auto_issue }
  })

  app.put('/api/v1/events/:eventId/attestation-policy', {
    config: { access: allow('attestations.manage', eventParam()) },
    schema: {
      operationId: 'setAttestationPolicy',
      tags,
      security,
      summary: 'Organizers: the eligibility rule',
      params: eventParams,
      body: policySchema,
      response: { 200: policySchema, ...errorResponses }
    }
  }, async request => {
    const b = request.body
    await decisions.setPolicy(me(request), request.params.eventId, { min_share: b.minShare, excused_counts: b.excusedCounts, auto_issue: b.autoIssue })
    return b
  })

  app.get('/api/v1/events/:eventId/attestation-requests', {
    config: { personalData: 'attestation_requests', access: allow('attestations.manage', eventParam()) },
    schema: {
      operationId: 'listAttestationRequests',
      tags,
      security,
      summary: 'Organizers: requests waiting, in review or refused, with each person\'s figures',
      params: eventParams,
      response: { 200: z.array(queueItemSchema), ...errorResponses }
    }
  }, async request => (await decisions.queue(me(request), request.params.eventId)).map(q => ({
    request: {
      ...requestJson(q.request),
      personName: q.request.display_name,
      personEmail: q.request.email,
      nameChanged: printedNameChanged(q.request.name_on_attestation, q.request.display_name)
    },
    eligibility: q.eligibility
  })))

  app.post('/api/v1/attestation-requests/:requestId/approval', {
    config: { access: allow('attestations.manage', attestationRequest) },
    schema: {
      operationId: 'approveAttestationRequest',
      tags,
      security,
      summary: 'Organizers: issue a request, whatever the figures say',
      params: requestParams,
      body: z.object({ reason: z.string().trim().max(1000, 'reason must be at most 1000 characters').optional() }).strict().default({}),
      response: { 201: attestationSchema, ...errorResponses }
    }
  }, async (request, reply) => await reply.code(201).send(
    attestationJson(await decisions.approve(me(request), request.params.requestId, request.body.reason ?? null))
  ))

  app.post('/api/v1/attestation-requests/:requestId/refusal', {
    config: { access: allow('attestations.manage', attestationRequest) },
    schema: {
      operationId: 'refuseAttestationRequest',
      tags,
      security,
      summary: 'Organizers: refuse a request with a reason (the person is told)',
      params: requestParams,
      body: z.object({ reason: reasonSchema }).strict(),
      response: { 200: requestSchema, ...errorResponses }
    }
  }, async request => requestJson(await decisions.refuse(me(request), request.params.requestId, request.body.reason)))

  app.get('/api/v1/events/:eventId/attestations', {
    config: { personalData: 'attestations', access: allow('attestations.manage', eventParam()) },
    schema: {
      operationId: 'listAttestations',
      tags,
      security,
      summary: 'Organizers: every attestation of the event',
      params: eventParams,
      response: { 200: z.array(attestationSchema), ...errorResponses }
    }
  }, async request => (await decisions.list(me(request), request.params.eventId)).map(attestationJson))

  app.get('/api/v1/attestations/:attestationId/pdf', {
    config: { personalData: 'attestation_file', access: allow('attestation.read', attestation) },
    schema: {
      operationId: 'downloadAttestationPdf',
      tags,
      security,
      summary: 'The PDF as issued (its owner or the event\'s organizers): the same bytes every time',
      params: attestationParams,
      response: { 200: z.any().describe('application/pdf'), ...errorResponses }
    }
  }, async (request, reply) => {
    const pdf = await attestations.pdf(me(request), request.params.attestationId)
    return await reply.type('application/pdf').header('content-disposition', `attachment; filename="${pdf.filename}"`)
      .header('x-content-sha256', pdf.sha256).header('cache-control', 'private, no-store').send(pdf.data)
  })

  app.post('/api/v1/attestations/:attestationId/revocation', {
    config: { access: allow('attestations.manage', attestation) },
    schema: {
      operationId: 'revokeAttestation',
      tags,
      security,
      summary: 'Organizers: revoke with a reason (shown on the verification page)',
      params: attestationParams,
      body: z.object({ reason: reasonSchema }).strict(),
      response: { 200: attestationSchema, ...errorResponses }
    }
  }, async request => attestationJson(await decisions.revoke(me(request), request.params.attestationId, request.body.reason)))

  app.post('/api/v1/attestations/:attestationId/reissue', {
    config: { access: allow('attestations.manage', attestation) },
    schema: {
      operationId: 'reissueAttestation',
      tags,
      security,
      summary: 'Organizers: a new attestation (new code, today\'s figures, optionally a corrected name or language); the old one is superseded',
      params: attestationParams,
      body: z.object({
        reason: reasonSchema,
        name: requestInputSchema.shape.name.optional(),
        locale: z.enum(['fr', 'en'], { error: 'locale must be "fr" or "en"' }).optional()
      }).strict(),
      response: { 201: attestationSchema, ...errorResponses }
    }
  }, async (request, reply) => {
    const { reason, name, locale } = request.body
    return await reply.code(201).send(attestationJson(await decisions.reissue(me(request), request.params.attestationId, reason, { name, locale })))
  })

  app.get('/api/v1/events/:eventId/attestation-audit', {
    config: { personalData: 'attestation_audit', access: allow('attestations.manage', eventParam()) },
    schema: {
      operationId: 'listAttestationAudit',
      tags,
      security,
      summary: 'Organizers: who did what to requests and attestations',
      params: eventParams,
      response: { 200: z.array(auditEntrySchema), ...errorResponses }
    }
  }, async request => (await decisions.audit(me(request), request.params.eventId)).map(a => ({
    action: a.action, reason: a.reason, actorName: a.actor_name, at: a.at, attestationId: a.attestation_id, requestId: a.request_id
  })))
}
