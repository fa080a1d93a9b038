import { z } from 'zod'

export const sessionParams = z.object({ sessionId: z.uuid({ error: 'this is not a session address' }) })

/** `<window>.<token>` from a room QR URL. */
export const roomCodeSchema = z.string().regex(/^\d{1,12}\.[A-Za-z0-9_-]{16}$/, 'this is not a Compagnon room code')
export const typedCodeSchema = z.string().trim().regex(/^\d{6}$/, 'the room code has 6 digits')
export const passCodeSchema = z.string().trim().min(1, 'the pass code is empty').max(200, 'this is not a pass code')

const statusSchema = z.enum(['present', 'late', 'excused', 'absent'])
const bilingual = z.object({ fr: z.string(), en: z.string() })

export const checkInSchema = z.object({
  result: z.enum(['created', 'moved', 'already', 'pending']),
  session: z.object({ id: z.uuid(), title: z.string(), room: z.string().nullable(), timezone: z.string() }),
  record: z.object({ status: statusSchema, recordedAt: z.date(), method: z.enum(['room_code', 'typed_code', 'pass', 'manual']) }).nullable(),
  movedFrom: z.object({ id: z.uuid(), title: z.string() }).optional(),
  message: bilingual
}).meta({ id: 'CheckIn' })

export const scansBody = z.object({
  scans: z.array(z.object({
    scanId: z.uuid({ error: 'each scan needs a unique id (UUID)' }),
    sessionId: z.uuid().optional(),
    code: passCodeSchema,
    deviceTime: z.iso.datetime({ offset: true, error: 'deviceTime must be an ISO 8601 date-time' })
  }).strict()).min(1, 'send at least one scan').max(500, 'send at most 500 scans at once')
}).strict()

export const scanOutcomeSchema = z.object({
  scanId: z.uuid(),
  result: z.enum(['created', 'moved', 'already', 'refused']),
  person: z.object({ id: z.uuid(), name: z.string() }).nullable(),
  status: statusSchema.nullable(),
  recordedAt: z.date().nullable(),
  message: bilingual
}).meta({ id: 'ScanOutcome' })

export const sessionStateSchema = z.object({
  typedCode: z.string(),
  url: z.url(),
  changesAt: z.date(),
  qrSvg: z.string(),
  checkedIn: z.number().int(),
  chosen: z.number().int(),
  capacity: z.number().int().nullable()
})

export const attendanceSchema = z.object({
  checkedIn: z.number().int(),
  chosen: z.number().int(),
  capacity: z.number().int().nullable(),
  attendees: z.array(z.object({ personId: z.uuid(), name: z.string(), status: z.string(), method: z.string(), recordedAt: z.date(), walkIn: z.boolean() }))
})
