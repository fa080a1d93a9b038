import { z } from 'zod'
import { UNPRINTABLE } from '../http/schemas.js'
import type { Eligibility } from './eligibility.js'
import type { AttestationView, MyAttestation, RequestRow } from './issuance.js'

const printable = (s: string): boolean => !UNPRINTABLE.test(s)

const optionalText = (max: number, what: string) => z.string({ error: `${what} must be text` }).trim()
  .max(max, `${what} must be at most ${max} characters`)
  .refine(printable, `${what} must not contain control characters`)
  .nullish().transform(v => v === undefined || v === null || v === '' ? null : v)

/** What a person asks to be printed: shared by the API and the page form. */
export const requestInputSchema = z.object({
  name: z.string({ error: 'name is required: the name as it should appear on the attestation' }).trim()
    .min(1, 'name is required: the name as it should appear on the attestation')
    .max(200, 'name must be at most 200 characters')
    .refine(printable, 'name must not contain control characters'),
  locale: z.enum(['fr', 'en'], { error: 'locale must be "fr" or "en"' }),
  employer: optionalText(200, 'employer'),
  hrEmail: z.string({ error: 'hrEmail must be text' }).trim().max(320, 'hrEmail must be at most 320 characters').nullish()
    .transform(v => v === undefined || v === null || v === '' ? null : v)
    .refine(v => v === null || z.email().safeParse(v).success, 'hrEmail must be an email address, e.g. rh@organisme.gouv.qc.ca')
}).strict().meta({ id: 'AttestationRequestBody' })

export const reasonSchema = z.string({ error: 'reason is required' }).trim()
  .min(3, 'reason is required (at least 3 characters)').max(1000, 'reason must be at most 1000 characters')

export const policySchema = z.object({
  minShare: z.number({
    error: 'minShare must be a number between 0 and 1 (e.g. 0.75 for 75 %)'
  }).min(0, 'minShare must be at least 0').max(1, 'minShare must be at most 1 (write 0.75 for 75 %)'),
  excusedCounts: z.boolean({ error: 'excusedCounts must be true or false' }),
  autoIssue: z.boolean({ error: 'autoIssue must be true or false' })
}).strict().meta({ id: 'AttestationPolicy' })

const bilingual = z.object({ fr: z.string(), en: z.string() })

export const eligibilitySchema = z.object({
  eligible: z.boolean(),
  hoursAttended: z.number(),
  hoursCountedForEligibility: z.number(),
  hoursExcused: z.number(),
  totalHours: z.number(),
  hoursRequired: z.number(),
  share: z.number(),
  finalised: z.boolean().describe('true once the last counted slot has ended'),
  reason: bilingual,
  sessions: z.array(z.object({
    slotId: z.string(),
    sessionId: z.string().nullable(),
    title: z.string(),
    startsAt: z.date(),
    endsAt: z.date(),
    hours: z.number()
  }))
}).meta({ id: 'AttestationEligibility' })

export const requestSchema = z.object({
  id: z.uuid(),
  eventId: z.uuid(),
  personId: z.uuid(),
  name: z.string(),
  locale: z.enum(['fr', 'en']),
  employer: z.string().nullable(),
  hrEmail: z.string().nullable(),
  status: z.enum(['waiting', 'review', 'issued', 'refused']),
  decidedAt: z.date().nullable(),
  decisionReason: z.string().nullable(),
  createdAt: z.date(),
  updatedAt: z.date()
}).meta({ id: 'AttestationRequest' })

export const attestationSchema = z.object({
  id: z.uuid(),
  code: z.string(),
  groupedCode: z.string(),
  status: z.enum(['valid', 'revoked', 'superseded']),
  locale: z.enum(['fr', 'en']),
  name: z.string(),
  hours: z.number(),
  uec: z.number().describe('continuing-education units (1 UEC = 10 hours)'),
  sha256: z.string().describe('SHA-256 of the PDF as issued'),
  issuedAt: z.date(),
  issuedAutomatically: z.boolean(),
  revokedAt: z.date().nullable(),
  revocationReason: z.string().nullable(),
  supersededByCode: z.string().nullable(),
  verifyUrl: z.string(),
  pdfUrl: z.string()
}).meta({ id: 'Attestation' })

export const myAttestationSchema = z.object({
  eventId: z.uuid(),
  eligibility: eligibilitySchema,
  request: requestSchema.nullable(),
  attestation: attestationSchema.nullable(),
  revoked: z.object({
    revokedAt: z.date().nullable(),
    reason: z.string().nullable()
  }).nullable().describe('the latest revoked attestation, when none is valid'),
  decidesAt: z.date().nullable(),
  nameOnRecord: z.string().describe(
    'the name on the person\'s record; a request printing another name goes to the organizers\' review instead of automatic issue'
  )
}).meta({ id: 'MyAttestation' })

export const queueItemSchema = z.object({
  request: requestSchema.extend({
    personName: z.string().describe('the name on the person\'s record'),
    personEmail: z.string().nullable(),
    nameChanged: z.boolean().describe('the printed name asked (`name`) differs from the name on record: check it before issuing')
  }),
  eligibility: eligibilitySchema
}).meta({ id: 'AttestationQueueItem' })

export const auditEntrySchema = z.object({
  action: z.string(),
  reason: z.string().nullable(),
  actorName: z.string().nullable().describe('null: done by Compagnon itself'),
  at: z.date(),
  attestationId: z.string().nullable(),
  requestId: z.string().nullable()
}).meta({ id: 'AttestationAuditEntry' })

export const requestJson = (r: RequestRow): z.infer<typeof requestSchema> => ({
  id: r.id,
  eventId: r.event_id,
  personId: r.person_id,
  name: r.name_on_attestation,
  locale: r.locale,
  employer: r.employer,
  hrEmail: r.hr_email,
  status: r.status,
  decidedAt: r.decided_at,
  decisionReason: r.decision_reason,
  createdAt: r.created_at,
  updatedAt: r.updated_at
})

export const attestationJson = (a: AttestationView): z.infer<typeof attestationSchema> => ({
  id: a.id,
  code: a.code,
  groupedCode: a.groupedCode,
  status: a.status,
  locale: a.locale,
  name: a.name,
  hours: a.hours,
  uec: a.uec,
  sha256: a.sha256,
  issuedAt: a.issuedAt,
  issuedAutomatically: a.issuedAutomatically,
  revokedAt: a.revokedAt,
  revocationReason: a.revocationReason,
  supersededByCode: a.supersededByCode,
  verifyUrl: a.verifyUrl,
  pdfUrl: `/api/v1/attestations/${a.id}/pdf`
})

export const eligibilityJson = (e: Eligibility): z.infer<typeof eligibilitySchema> => e

export const myAttestationJson = (m: MyAttestation): z.infer<typeof myAttestationSchema> => ({
  eventId: m.eventId,
  eligibility: eligibilityJson(m.eligibility),
  request: m.request === null ? null : requestJson(m.request),
  attestation: m.attestation === null ? null : attestationJson(m.attestation),
  revoked: m.revoked,
  decidesAt: m.decidesAt,
  nameOnRecord: m.nameOnRecord
})
