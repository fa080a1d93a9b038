import { z } from 'zod'
import { CHANNELS } from './erasure.js'

const uuid = (what: string) => z.uuid({ error: `${what} must be a UUID` })
export const eventParams = z.object({ eventId: uuid('eventId') })
export const requestParams = eventParams.extend({ requestId: uuid('requestId') })

const counts = z.record(z.string(), z.number().int())

export const purgeReportSchema = z.object({
  runId: z.uuid().nullable().describe('Null for a dry run'),
  at: z.date(),
  dryRun: z.boolean(),
  counts: counts.describe('Rows deleted, anonymised or minimised, by kind (the guide, docs/confidentialite.md: retention table)'),
  periods: z.object({
    attendanceDays: z.number().int(),
    submissionsDays: z.number().int(),
    messagesDays: z.number().int(),
    peopleDays: z.number().int(),
    accessLogDays: z.number().int(),
    attestationDetailsDays: z.number().int()
  }).describe('Days after the end of each event (attestations: after issue)')
}).meta({ id: 'RetentionPurgeReport' })

export const personSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  email: z.string().nullable(),
  roles: z.array(z.string()),
  anonymised: z.boolean()
}).meta({ id: 'ErasurePerson' })

export const previewSchema = z.object({
  person: personSchema,
  erase: counts.describe('What the erasure deletes or anonymises, by kind (attendance_records: kept, tied to the nameless person)'),
  kept: z.object({
    attestations: z.number().int().describe('Issued attestations: kept, minimised, still verifiable by their code'),
    pendingGrades: z.number().int().describe('Grades still to deliver to the LMS: only their score is kept until delivered'),
    deliveredGrades: z.number().int().describe('Grades in the LMS gradebook: the university\'s record'),
    registrations: z.number().int(),
    accessLog: z.number().int().describe('Staff accesses to this person\'s data: kept for RETENTION_ACCESS_LOG_DAYS'),
    activeCourses: z.array(z.object({ title: z.string().nullable(), label: z.string().nullable() }))
  }),
  blocked: z.object({
    events: z.array(z.object({
      id: z.uuid(),
      title: z.object({ fr: z.string(), en: z.string() })
    })).describe('Events the caller does not organize that the person belongs to: their organizers must agree'),
    courses: z.array(z.string()).describe('LMS courses of the person linked to no event'),
    messageFr: z.string().describe('Why confirming is refused, and who must agree (French)'),
    messageEn: z.string().describe('Why confirming is refused, and who must agree (English)')
  }).nullable().describe('Null when the caller may confirm; otherwise only a privacy officer (PRIVACY_OFFICER_EMAILS) can, once the other events agree')
}).meta({ id: 'ErasurePreview' })

export const requestSchema = z.object({
  id: z.uuid(),
  eventId: z.uuid(),
  personId: z.uuid().nullable(),
  requestedAt: z.date(),
  channel: z.enum(CHANNELS),
  reason: z.string().nullable(),
  status: z.enum(['recorded', 'done']),
  recordedAt: z.date(),
  completedAt: z.date().nullable(),
  counts: counts.nullable().describe('Once done: rows erased or anonymised, by kind'),
  person: personSchema.nullable(),
  preview: previewSchema.nullable().describe('While recorded: what confirming will do'),
  audit: z.array(z.object({
    action: z.enum([
      'recorded', 'confirmed', 'confirmed_again', 'refused'
    ]).describe('refused: a confirmation refused because the person belongs to other events'),
    actorName: z.string().nullable(),
    at: z.date()
  }))
}).meta({ id: 'ErasureRequest' })

export const requestBody = z.object({
  personId: uuid('personId'),
  requestedAt: z.iso.datetime({ offset: true, error: 'requestedAt must be an ISO 8601 date and time with an offset' }).transform(s => new Date(s)),
  channel: z.enum(CHANNELS, { error: `channel must be one of ${CHANNELS.join(', ')}` }),
  reason: z.string().trim().max(1000, { error: 'reason must be at most 1000 characters' }).optional()
}).strict()
