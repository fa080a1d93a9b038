import { z } from 'zod'
import { langQuery } from '../http/schemas.js'
import { sessionKinds, speakerRoles } from './data-file.js'

const bilingual = z.object({ fr: z.string(), en: z.string() })

export const eventIdParams = z.object({
  eventId: z.uuid({ error: 'eventId must be a UUID' })
})

export const eventKeyParams = z.object({
  eventKey: z.string().regex(/^[a-z0-9][a-z0-9-]{0,99}$/, 'eventKey must be lowercase letters, digits and dashes')
})

export const sessionCalendarParams = eventIdParams.extend({
  sessionKey: z.string().regex(/^[a-z0-9][a-z0-9-]{0,199}$/, 'sessionKey must be lowercase letters, digits and dashes')
})

/** The program page's query: the language, and the day shown (`tout`: the whole program, for printing). */
export const programPageQuery = langQuery.extend({
  jour: z.union([z.iso.date(), z.literal('tout')], { error: 'jour must be a date (YYYY-MM-DD) or "tout"' }).optional()
})

export const eventSchema = z.object({
  id: z.uuid(),
  key: z.string(),
  title: bilingual,
  timezone: z.string(),
  startsOn: z.iso.date(),
  endsOn: z.iso.date(),
  location: z.string().nullable(),
  contact: z.object({ phone: z.string().nullable(), email: z.string().nullable() }),
  course: z.object({ code: z.string(), title: z.string(), credits: z.number().int() }).nullable(),
  description: bilingual.nullable(),
  objectives: z.object({ fr: z.array(z.string()), en: z.array(z.string()) }),
  attestation: bilingual.nullable()
}).meta({ id: 'Event' })

export const sessionSchema = z.object({
  id: z.uuid(),
  key: z.string().describe('Stable identifier from the program file'),
  kind: z.enum(sessionKinds),
  title: z.string(),
  language: z.enum(['fr', 'en']),
  room: z.string().nullable().describe('null until the room is known'),
  capacity: z.number().int().nullable(),
  description: z.string().nullable().describe('null until the description is known'),
  descriptionProvisional: z.boolean(),
  speakers: z.array(z.object({ name: z.string(), affiliation: z.string().nullable(), role: z.enum(speakerRoles) })),
  speakersToBeConfirmed: z.boolean(),
  mode: z.enum(['in_person', 'online']),
  audience: z.enum(['everyone', 'credited']),
  parallel: z.boolean().describe('true when other sessions run at the same time: a participant attends one'),
  status: z.enum(['scheduled', 'cancelled'])
}).meta({ id: 'Session' })

export const slotSchema = z.object({
  id: z.uuid(),
  key: z.string(),
  start: z.iso.datetime({ offset: true }),
  end: z.iso.datetime({ offset: true }),
  durationMinutes: z.number().int(),
  countsTowardAttendance: z.boolean(),
  sessions: z.array(sessionSchema)
}).meta({ id: 'TimeSlot' })

export const programSchema = z.object({
  event: eventSchema,
  days: z.array(z.object({ date: z.iso.date(), slots: z.array(slotSchema) })),
  totals: z.object({
    attendanceSlots: z.number().int(),
    inPersonAttendanceMinutes: z.number().int(),
    inPersonAttendanceHours: z.number()
  })
}).meta({ id: 'Program' })

export const eventsSchema = z.object({ events: z.array(eventSchema) })

export const importSummarySchema = z.object({
  eventId: z.uuid(),
  eventKey: z.string(),
  event: z.enum(['created', 'updated']),
  sessions: z.object({ created: z.number(), updated: z.number(), unchanged: z.number(), cancelled: z.number(), deleted: z.number() }),
  slots: z.number(),
  speakers: z.number(),
  rooms: z.number()
}).meta({ id: 'ProgramImportSummary' })
