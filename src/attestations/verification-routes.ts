import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod'
import multipart from '@fastify/multipart'
import rateLimit from '@fastify/rate-limit'
import { z } from 'zod'
import { allow, open, param } from '../access/declare.js'
import { AppError, badRequest } from '../errors.js'
import { errorResponses, errorSchema, langQuery } from '../http/schemas.js'
import { drainRequest } from '../http/drain.js'
import { bilingual } from '../views/i18n.js'
import { VC_JWT_TYPE, type CredentialService } from './credentials.js'
import { verificationEntryPage, verificationPage } from './verification-pages.js'
import { MAX_CHECK_BYTES, noFile, type CheckResult, type PublicAttestation, type VerificationService } from './verification.js'

/** Request limits of the public verification routes (per instance: counters live in memory). */
export interface VerificationLimits {
  /** Requests per window for one code on one route: guessing or hammering one code. */
  perCode: number
  /**
   * Requests per window from one address, over all these routes: generous, as a whole room
   * behind one Wi-Fi (one public address) may verify at once.
   */
  perIp: number
  windowMs: number
}

export const defaultVerificationLimits: VerificationLimits = { perCode: 30, perIp: 300, windowMs: 60_000 }

export interface VerificationRoutesOptions { verification: VerificationService, credentials: CredentialService, limits?: Partial<VerificationLimits> }

const html = 'text/html; charset=utf-8'
// No length rule here: any text that is not an issued code is a 404 (the router caps params at 100 characters).
const codeParams = z.object({ code: z.string() })
const tags = ['verification']
const page = { 200: z.string(), ...errorResponses, 429: errorSchema }
const uploadErrors = { ...errorResponses, 413: errorSchema, 415: errorSchema, 429: errorSchema }

const statusEnum = z.enum(['valid', 'revoked', 'superseded'])
const publicAttestationSchema = z.object({
  code: z.string(),
  groupedCode: z.string(),
  verifyUrl: z.string(),
  status: statusEnum,
  minimised: z.boolean().describe('Loi 25: true after the retention period (only name, title, dates, hours, status and hash)'),
  locale: z.enum(['fr', 'en']),
  name: z.string(),
  trainingTitle: z.string(),
  startDate: z.string(),
  endDate: z.string(),
  timezone: z.string(),
  hours: z.number(),
  sha256: z.string().describe('SHA-256 of the issued PDF (hex)'),
  revokedAt: z.date().nullable(),
  revocationReason: z.string().nullable(),
  supersededBy: z.object({ code: z.string(), groupedCode: z.string(), verifyUrl: z.string() }).nullable(),
  details: z.object({
    organizer: z.string(),
    place: z.string(),
    uec: z.number().describe('Continuing-education units (1 UEC/CEU = 10 h)'),
    issuedAt: z.date(),
    sessions: z.array(z.object({ title: z.string(), startsAt: z.date(), durationMinutes: z.number() }))
  }).nullable()
}).meta({ id: 'PublicAttestation' })
const checkSchema = z.object({
  matches: z.boolean().describe('true when the uploaded file is byte for byte the issued PDF'),
  sha256Uploaded: z.string(),
  sha256Issued: z.string(),
  status: statusEnum
}).meta({ id: 'AttestationCheck' })
const jwkSchema = z.object({ kty: z.string(), crv: z.string(), x: z.string(), y: z.string(), kid: z.string(), alg: z.string(), use: z.literal('sig') })

const tooMany = (seconds: number): AppError => new AppError('too_many_requests', bilingual('attestations.checkTooMany', { seconds }))

const malformedForm = (): AppError => badRequest(bilingual('attestations.checkFormUnreadable'))
const tooManyParts = (): AppError => new AppError('payload_too_large', bilingual('attestations.checkFormTooManyParts'))

/** The rate-limit key of a code: as normalised as possible, so "abcd-…" and "ABCD…" share one counter. */
const codeKey = (code: string): string => code.toUpperCase().replace(/[\s-]/g, '').slice(0, 64)

const drain = async (request: FastifyRequest): Promise<void> => { await drainRequest(request.raw) }

/**
 * Public verification of attestations (no sign-in): the page `/verify/:code` with the PDF
 * check, their JSON twins, and the Open Badges side (JWKS, status lists, a person's credential).
 */
export const verificationRoutes: FastifyPluginAsyncZod<VerificationRoutesOptions> = async (app, { verification, credentials, ...options }) => {
  const limits = { ...defaultVerificationLimits, ...options.limits }
  // The signing key exists before the first request (not created on a request path).
  app.addHook('onReady', async () => { await credentials.ready() })

  // Sizes are counted by the check itself (a clear 413), not by the parser.
  await app.register(multipart, { throwFileSizeLimit: false })
  // In this scope only; the two limits are applied by our own hook (a route config holds one).
  await app.register(rateLimit, { global: false })
  const perIp = app.createRateLimit({ max: limits.perIp, timeWindow: limits.windowMs })
  // Guessing codes through several instances: counted by all of them together on PostgreSQL.
  const perCode = app.createRateLimit({
    shared: 'verification-code',
    max: limits.perCode,
    timeWindow: limits.windowMs,
    keyGenerator: request => `${request.routeOptions.url ?? ''} ${codeKey((request.params as { code?: string }).code ?? '')}`
  })
  const limit = (limiters: Array<typeof perIp>): onRequestAsyncHookHandler => async function rateLimited (request: FastifyRequest, reply: FastifyReply) {
    for (const limiter of limiters) {
      const result = await limiter(request)
      if (!result.isAllowed && result.isExceeded) {
        reply.header('retry-after', result.ttlInSeconds)
        throw tooMany(result.ttlInSeconds)
      }
    }
  }
  const publicHeaders = async (_request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    reply.header('x-robots-tag', 'noindex, nofollow').header('cache-control', 'no-store')
  }
  const verifyHooks = [publicHeaders, limit([perIp, perCode])]

  /** The uploaded `file` part, hashed as it streams; other parts are skipped. */
  const checkUpload = async (request: FastifyRequest, code: string): Promise<CheckResult & { view: PublicAttestation }> => {
    // Unknown code: answered before reading the upload.
    const view = await verification.view(code)
    if (!request.isMultipart()) {
      throw new AppError('unsupported_media_type', bilingual('attestations.checkFormNeeded'))
    }
    let result: (CheckResult & { view: PublicAttestation }) | undefined
    try {
      // The parser's limit sits one byte above ours, so our clearer refusal comes first.
      for await (const part of request.parts({ limits: { fileSize: MAX_CHECK_BYTES + 1, files: 3, fields: 10, fieldSize: 1024 } })) {
        if (part.type !== 'file') continue
        // A form sent without a chosen file still carries an empty part.
        if (part.fieldname !== 'file' || result !== undefined || part.filename === '') {
          part.file.resume()
          continue
        }
        result = await verification.check(view, part.file)
      }
    } catch (err) {
      if (err instanceof AppError) throw err
      // Only the parser fails here (the check itself only hashes): a broken or oversized form.
      if ((err as { statusCode?: number }).statusCode === 413) throw tooManyParts()
      throw malformedForm()
    }
    if (result === undefined) throw noFile()
    return result
  }

  // ---------- pages ----------

  app.get('/verify', {
    config: { access: open('anyone checks an attestation by its printed code') },
    onRequest: publicHeaders,
    schema: {
      operationId: 'verificationEntryPage',
      tags: ['pages'],
      summary: 'Where someone types the code printed on an attestation (then led to its page)',
      querystring: langQuery.extend({ code: z.string().max(100).optional() }),
      produces: ['text/html'],
      response: { ...page, 303: z.null() }
    }
  }, async (request, reply) => {
    const code = request.query.code?.trim()
    if (code !== undefined && code !== '') return await reply.redirect(`/verify/${encodeURIComponent(code)}?lang=${request.locale}`, 303)
    return await reply.type(html).send(verificationEntryPage(request.locale))
  })

  app.get('/verify/:code', {
    config: { access: open('the verification code is the credential') },
    onRequest: verifyHooks,
    schema: {
      operationId: 'verificationPage',
      tags: ['pages'],
      summary: 'Public verification page of an attestation: status (valid, revoked, superseded), content, PDF check',
      description: 'The code is accepted as printed (groups, dashes, spaces, any case). ' +
        'Unknown or malformed codes answer 404. Not indexed (X-Robots-Tag, meta robots), never cached.',
      params: codeParams,
      querystring: langQuery,
      produces: ['text/html'],
      response: page
    }
  }, async (request, reply) => {
    const view = await verification.view(request.params.code)
    return await reply.type(html).send(verificationPage(request.locale, view))
  })

  app.post('/verify/:code/check', {
    config: { access: open('the verification code is the credential') },
    onRequest: verifyHooks,
    schema: {
      operationId: 'checkAttestationPdfFromPage',
      tags: ['pages'],
      summary: 'The page\'s PDF check (multipart, field `file`): the page again, saying whether the file is exactly the issued PDF',
      description: `Nothing is stored. Not a PDF: 415; over ${MAX_CHECK_BYTES} bytes: 413; no file: 400 (the page again, with the message).`,
      params: codeParams,
      querystring: langQuery,
      consumes: ['multipart/form-data'],
      produces: ['text/html'],
      response: { ...page, 413: errorSchema, 415: errorSchema }
    }
  }, async (request, reply) => {
    try {
      const result = await checkUpload(request, request.params.code)
      return await reply.type(html).send(verificationPage(request.locale, result.view, { check: result }))
    } catch (err) {
      await drain(request)
      // A refused file: the same page, with the reason next to the form, so the person can try again.
      if (err instanceof AppError && [400, 413, 415].includes(err.statusCode)) {
        const view = await verification.view(request.params.code)
        return await reply.code(err.statusCode).type(html).send(verificationPage(request.locale, view, { error: err.text[request.locale] }))
      }
      throw err
    }
  })

  // ---------- JSON twins ----------

  app.get('/api/v1/verify/:code', {
    config: { access: open('the verification code is the credential') },
    onRequest: verifyHooks,
    schema: {
      operationId: 'verifyAttestation',
      tags,
      summary: 'Public view of an attestation by its verification code (same minimisation as the page)',
      params: codeParams,
      response: { 200: publicAttestationSchema, ...errorResponses, 429: errorSchema }
    }
  }, async request => await verification.view(request.params.code))

  app.post('/api/v1/verify/:code/check', {
    config: { access: open('the verification code is the credential') },
    onRequest: verifyHooks,
    schema: {
      operationId: 'checkAttestationPdf',
      tags,
      summary: 'Whether a PDF (multipart, field `file`) is exactly the issued one (same SHA-256). Nothing is stored',
      params: codeParams,
      consumes: ['multipart/form-data'],
      response: { 200: checkSchema, ...uploadErrors }
    }
  }, async request => {
    try {
      const { view: _view, ...result } = await checkUpload(request, request.params.code)
      return result
    } catch (err) {
      await drain(request)
      throw err
    }
  })

  // ---------- Open Badges 3.0 ----------

  app.get('/.well-known/jwks.json', {
    config: { access: open('public keys, for anyone verifying a credential') },
    onRequest: limit([perIp]),
    schema: {
      operationId: 'credentialJwks',
      tags,
      summary: 'Public keys that sign Open Badges credentials and status lists (retired ones included)',
      response: { 200: z.object({ keys: z.array(jwkSchema) }), 429: errorSchema }
    }
  }, async (_request, reply) => {
    reply.type('application/jwk-set+json; charset=utf-8').header('cache-control', 'public, max-age=300')
    return await credentials.jwks()
  })

  app.get('/credentials/status/:eventId', {
    config: { access: open('revocation list, for anyone verifying a credential') },
    onRequest: limit([perIp]),
    schema: {
      operationId: 'credentialStatusList',
      tags,
      summary: 'The event\'s revocation list (BitstringStatusListCredential as VC-JWT, application/vc+jwt)',
      description: 'credentialSubject.encodedList: multibase base64url (prefix u) of the GZIP-compressed bitstring (at least 131072 bits); ' +
        'bit i set when the attestation with statusListIndex i is revoked or superseded.',
      params: z.object({ eventId: z.uuid({ error: 'eventId must be a UUID' }) }),
      produces: [VC_JWT_TYPE],
      response: { 200: z.string(), ...errorResponses, 429: errorSchema }
    }
  }, async (request, reply) => {
    const jwt = await credentials.statusList(request.params.eventId)
    return await reply.type(VC_JWT_TYPE).header('cache-control', 'public, max-age=60').send(jwt)
  })

  const credentialAccess = { access: allow('attestation.read', request => ({ kind: 'attestation', attestationId: param(request, 'attestationId') })) }
  const credentialSchema = {
    params: z.object({ attestationId: z.uuid({ error: 'attestationId must be a UUID' }) }),
    produces: [VC_JWT_TYPE],
    response: { 200: z.string(), ...errorResponses }
  }
  const sendCredential = async (
    request: FastifyRequest<{ Params: { attestationId: string } }>,
    reply: FastifyReply,
    download: boolean
  ): Promise<FastifyReply> => {
    const { jwt, filename } = await credentials.credential(request.auth?.personId ?? '', request.params.attestationId)
    if (download) reply.header('content-disposition', `attachment; filename="${filename}"`)
    return await reply.type(VC_JWT_TYPE).header('cache-control', 'private, no-store').send(jwt)
  }

  app.get('/api/v1/attestations/:attestationId/credential', {
    config: credentialAccess,
    schema: {
      operationId: 'getAttestationCredential',
      tags,
      security: [{ bearer: [] }],
      summary: 'The attestation as an Open Badges 3.0 credential (VC-JWT, application/vc+jwt), for its owner or an organizer of its event',
      description: 'Header {alg: ES256, kid, typ: vc+jwt}, verified with /.well-known/jwks.json; ' +
        'the payload is the credential (VCDM 2.0 + OB 3.0) with iss, jti/sub (the verification URL), ' +
        'iat/nbf (issue time). credentialStatus points to /credentials/status/{eventId}. Only valid attestations (409 otherwise).',
      ...credentialSchema
    }
  }, async (request, reply) => await sendCredential(request, reply, false))

  // The same file from the participant's page (cookie session): a download.
  app.get('/attestations/:attestationId/credential.jwt', {
    config: credentialAccess,
    schema: {
      operationId: 'downloadAttestationCredential',
      tags: ['pages'],
      summary: 'Downloads the Open Badges 3.0 credential (VC-JWT file) from the participant\'s page',
      querystring: langQuery,
      ...credentialSchema
    }
  }, async (request, reply) => await sendCredential(request, reply, true))
}
