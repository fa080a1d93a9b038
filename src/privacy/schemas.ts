import { z } from 'zod'
import { UNPRINTABLE } from '../http/schemas.js'
import { personalDataKinds } from './access-log.js'

const text = (what: string, min: number, max: number) => z.string({ error: `${what} must be text` }).trim()
  .min(min, { error: `${what} must have at least ${min} character${min > 1 ? 's' : ''}` })
  .max(max, { error: `${what} must have at most ${max} characters` })
  .refine(v => !UNPRINTABLE.test(v.replace(/[\n\r\t]/g, '')), { error: `${what} must not contain control or invisible characters` })

const instant = (what: string) => z.iso.datetime({
  offset: true,
  error: `${what} must be a date and time with its offset, e.g. 2025-10-21T10:30:00-04:00`
}).transform(v => new Date(v))

export const riskLevels = ['to_assess', 'low', 'serious'] as const
export const incidentStatuses = ['open', 'contained', 'closed'] as const

const fields = {
  detectedAt: instant('detectedAt').describe('When the incident was detected'),
  description: text('description', 3, 5000).describe('What happened'),
  categories: text('categories', 1, 1000).describe('Categories of personal information concerned (e.g. names, emails, attendance, hand-ins)'),
  peopleAffected: z.number({ error: 'peopleAffected must be a whole number' })
    .int({ error: 'peopleAffected must be a whole number' }).min(0, { error: 'peopleAffected must be 0 or more' })
    .max(10_000_000, { error: 'peopleAffected is too large' }).nullable()
    .describe('Number of people concerned; null while unknown'),
  seriousInjuryRisk: z.enum(riskLevels, {
    error: 'seriousInjuryRisk must be to_assess, low or serious'
  }).describe('Risk of serious injury (préjudice sérieux): to_assess, low, or serious (the CAI and the people must then be notified promptly)'),
  riskAssessment: text('riskAssessment', 1, 5000).nullable().describe('How the risk was assessed (sensitivity, consequences, likelihood of misuse)'),
  measures: text('measures', 1, 5000).nullable().describe('Measures taken to reduce the risk and prevent recurrence'),
  caiNotifiedAt: instant('caiNotifiedAt').nullable().describe('When the Commission d\'accès à l\'information was notified'),
  peopleNotifiedAt: instant('peopleNotifiedAt').nullable().describe('When the people concerned were notified'),
  status: z.enum(incidentStatuses, { error: 'status must be open, contained or closed' })
}

/** A new incident: what happened is required, the rest can come later. */
export const incidentInput = z.strictObject({
  ...fields,
  peopleAffected: fields.peopleAffected.default(null),
  seriousInjuryRisk: fields.seriousInjuryRisk.default('to_assess'),
  riskAssessment: fields.riskAssessment.default(null),
  measures: fields.measures.default(null),
  caiNotifiedAt: fields.caiNotifiedAt.default(null),
  peopleNotifiedAt: fields.peopleNotifiedAt.default(null),
  status: fields.status.default('open')
}).meta({ id: 'NewPrivacyIncident' })

/** A change: any subset of the fields (no defaults: what is not sent stays as it is). */
export const incidentPatch = z.strictObject(fields).partial().meta({ id: 'PrivacyIncidentChanges' })
export type IncidentInput = z.output<typeof incidentInput>
export type IncidentPatch = z.output<typeof incidentPatch>

export const incidentSchema = z.object({
  id: z.uuid(),
  eventId: z.uuid(),
  detectedAt: z.date(),
  description: z.string(),
  categories: z.string(),
  peopleAffected: z.number().int().nullable(),
  seriousInjuryRisk: z.enum(riskLevels),
  riskAssessment: z.string().nullable(),
  measures: z.string().nullable(),
  caiNotifiedAt: z.date().nullable(),
  peopleNotifiedAt: z.date().nullable(),
  status: z.enum(incidentStatuses),
  createdBy: z.uuid().nullable(),
  createdAt: z.date(),
  updatedBy: z.uuid().nullable(),
  updatedAt: z.date(),
  history: z.array(z.object({
    action: z.enum(['created', 'updated']),
    changedBy: z.uuid().nullable(),
    changedByName: z.string().nullable(),
    changedAt: z.date(),
    changed: z.array(z.string()).describe('Fields changed (all of them on creation)')
  }))
}).meta({ id: 'PrivacyIncident' })

export const incidentListSchema = z.object({ eventId: z.uuid(), incidents: z.array(incidentSchema) }).meta({ id: 'PrivacyIncidentRegister' })

export const accessLogEntrySchema = z.object({
  id: z.number().int(),
  at: z.date(),
  actorId: z.uuid().nullable(),
  actorName: z.string().nullable(),
  actorRole: z.string().nullable().describe('organizer, instructor or door_staff'),
  dataKind: z.enum(personalDataKinds),
  subjectPersonId: z.uuid().nullable().describe('Null when the page concerns many people (a list, a grid, a report)'),
  subjectName: z.string().nullable(),
  contextId: z.uuid().nullable(),
  method: z.string(),
  route: z.string().describe('Route template, never the URL with its query'),
  statusCode: z.number().int(),
  requestId: z.string()
}).meta({ id: 'PrivacyAccessLogEntry' })

export const accessLogPageSchema = z.object({
  eventId: z.uuid(),
  entries: z.array(accessLogEntrySchema),
  next: z.number().int().nullable().describe('Pass as `before` for the next (older) page; null at the end')
}).meta({ id: 'PrivacyAccessLogPage' })

const rows = z.array(z.record(z.string(), z.unknown()))
export const exportSchema = z.object({
  format: z.literal('compagnon-personal-data/1'),
  generatedAt: z.date(),
  about: z.object({ fr: z.string(), en: z.string() }),
  person: z.record(z.string(), z.unknown()),
  registrations: rows,
  deviceSessions: rows.describe('Without token hashes'),
  signInLinks: rows.describe('Without token hashes'),
  personalLinks: rows.describe('Without token hashes'),
  roleInvitations: rows.describe('Roles offered to the person and not answered yet (they grant nothing until accepted); in the person\'s own export only'),
  lti: z.object({ identities: rows, rosterMemberships: rows, gradeDeliveries: rows, contentSelections: rows }),
  attendance: z.object({
    records: rows,
    history: rows,
    excuses: rows,
    choices: rows,
    codeAttempts: rows,
    pass: rows.describe('Issue date and version, not the code'),
    scans: rows
  }),
  synthesis: z.object({
    drafts: rows,
    submissions: rows.describe('Each with its files: name, media type, size, SHA-256 (not the bytes)'),
    extensions: rows,
    grades: rows,
    gradeHistory: rows
  }),
  attestations: z.object({ requests: rows, attestations: rows.describe('With the frozen snapshot'), audit: rows }),
  messages: rows,
  accessLog: rows.describe('Staff reads of this person\'s data'),
  accountAudit: rows.describe('Ways into the account handed out outside any event (a link the operator printed, ' +
    'a link the person asked for, account linking); organizers get it only for a person of their events alone'),
  scope: z.object({
    kind: z.enum(['person', 'organizer']).describe('person: the complete export, made by the person; organizer: made by an event\'s organizers'),
    eventIds: z.array(z.uuid()).describe('For an organizer: the events whose data the export holds'),
    account: z.boolean().describe('Whether account-wide parts (sessions, sign-in links, LMS identities, pass) ' +
      'are included: for an organizer, only when the person belongs to no other event'),
    note: z.object({ fr: z.string(), en: z.string() }).describe('What the export leaves out, in words')
  }).describe('Who the export was made for and what it leaves out (hand-in text goes only to its author and the course\'s instructors)')
}).meta({ id: 'PersonalDataExport' })
