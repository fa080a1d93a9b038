import { z } from 'zod'
import { parse as parseYaml, YAMLParseError } from 'yaml'
import { DateTime } from 'luxon'
import { ProgramFileError } from '../errors.js'

/** The program data file (format: src/program/data/FORMAT.md). */
const key = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lowercase letters, digits and dashes')
const bilingual = z.object({ fr: z.string().min(1), en: z.string().min(1) }).strict()
const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24 h)')
const date = z.iso.date({ error: 'must be a date YYYY-MM-DD' })

export const sessionKinds = ['opening_activity', 'keynote', 'round_table', 'case_study', 'workshop', 'synthesis',
  'welcome', 'break', 'meal', 'networking'] as const
export const speakerRoles = ['speaker', 'panelist', 'facilitator', 'opening_remarks'] as const
export type SessionKind = typeof sessionKinds[number]
export type SpeakerRole = typeof speakerRoles[number]

const sessionSchema = z.object({
  key,
  kind: z.enum(sessionKinds),
  title: z.string().min(1),
  language: z.enum(['fr', 'en']),
  mode: z.enum(['in_person', 'online']),
  audience: z.enum(['everyone', 'credited']),
  room: key.nullable().default(null),
  description: z.string().min(1).nullable().default(null),
  descriptionProvisional: z.boolean().default(false),
  speakersToBeConfirmed: z.boolean().default(false),
  speakers: z.array(z.object({
    speaker: key,
    role: z.enum(speakerRoles),
    affiliation: z.string().min(1).optional()
  }).strict()).default([])
}).strict()

const slotSchema = z.object({
  key,
  start: time,
  end: time,
  countsTowardAttendance: z.boolean(),
  sessions: z.array(sessionSchema).min(1, 'a time slot needs at least one session')
}).strict()

export const programFileSchema = z.object({
  version: z.literal(1, { error: 'only version 1 of the program format is supported' }),
  event: z.object({
    key,
    title: bilingual,
    timezone: z.string().refine(zone => DateTime.local().setZone(zone).isValid, 'must be an IANA time zone such as America/Montreal'),
    location: z.string().min(1).optional(),
    contact: z.object({ phone: z.string().optional(), email: z.email().optional() }).strict().optional(),
    course: z.object({ code: z.string().min(1), title: z.string().min(1), credits: z.number().int().min(0) }).strict().optional(),
    attestation: bilingual.optional(),
    description: bilingual.optional(),
    objectives: z.object({ fr: z.array(z.string().min(1)), en: z.array(z.string().min(1)) }).strict().optional()
  }).strict(),
  rooms: z.array(z.object({ key, name: z.string().min(1), capacity: z.number().int().positive().nullable().default(null) }).strict()).default([]),
  speakers: z.array(z.object({ key, name: z.string().min(1), affiliation: z.string().min(1).nullable().default(null) }).strict()).default([]),
  days: z.array(z.object({ date, slots: z.array(slotSchema).min(1) }).strict()).min(1, 'the program needs at least one day')
}).strict().superRefine((file, ctx) => {
  const problem = (path: Array<string | number>, message: string): void => { ctx.addIssue({ code: 'custom', path, message }) }
  const unique = (what: string, entries: Array<[string, Array<string | number>]>): void => {
    const seen = new Map<string, string>()
    for (const [value, path] of entries) {
      if (seen.has(value)) problem(path, `duplicate ${what} "${value}" (also at ${seen.get(value) ?? ''})`)
      else seen.set(value, path.join('.'))
    }
  }
  unique('room key', file.rooms.map((r, i) => [r.key, ['rooms', i, 'key']]))
  unique('speaker key', file.speakers.map((s, i) => [s.key, ['speakers', i, 'key']]))
  unique('date', file.days.map((d, i) => [d.date, ['days', i, 'date']]))
  const rooms = new Set(file.rooms.map(r => r.key))
  const speakers = new Set(file.speakers.map(s => s.key))
  const slotKeys: Array<[string, Array<string | number>]> = []
  const sessionKeys: Array<[string, Array<string | number>]> = []
  file.days.forEach((day, d) => {
    let previousEnd = ''
    day.slots.forEach((slot, s) => {
      const at = ['days', d, 'slots', s]
      slotKeys.push([slot.key, [...at, 'key']])
      if (slot.end <= slot.start) problem([...at, 'end'], `ends (${slot.end}) before it starts (${slot.start})`)
      if (previousEnd !== '' && slot.start < previousEnd) {
        problem([...at, 'start'], `starts (${slot.start}) before the previous slot ends (${previousEnd}); slots must be in order and not overlap`)
      }
      previousEnd = slot.end
      slot.sessions.forEach((session, n) => {
        sessionKeys.push([session.key, [...at, 'sessions', n, 'key']])
        if (session.room !== null && !rooms.has(session.room)) problem([...at, 'sessions', n, 'room'], `unknown room "${session.room}" (not in rooms)`)
        session.speakers.forEach((sp, k) => {
          if (!speakers.has(sp.speaker)) problem([...at, 'sessions', n, 'speakers', k, 'speaker'], `unknown speaker "${sp.speaker}" (not in speakers)`)
        })
      })
    })
  })
  unique('time slot key', slotKeys)
  unique('session key', sessionKeys)
})

export type ProgramFile = z.infer<typeof programFileSchema>

/** Parses and validates YAML (or JSON, a subset of YAML) text; errors name the place in the file. */
export function parseProgramFile (text: string, source = 'program file'): ProgramFile {
  let raw: unknown
  try {
    raw = parseYaml(text, { prettyErrors: true, uniqueKeys: true })
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos !== undefined ? ` (line ${err.linePos[0].line})` : ''
    throw new ProgramFileError(source, [`not valid YAML${where}: ${(err as Error).message.split('\n')[0] ?? ''}`])
  }
  const parsed = programFileSchema.safeParse(raw)
  if (!parsed.success) {
    throw new ProgramFileError(source, parsed.error.issues.map(i => `${i.path.length > 0 ? i.path.join('.') : '(file)'}: ${i.message}`))
  }
  return parsed.data
}

/** Instant of a local date and time in the event's time zone. */
export function localInstant (dateText: string, timeText: string, zone: string): Date {
  return DateTime.fromISO(`${dateText}T${timeText}`, { zone }).toJSDate()
}

/**
 * A copy of the program moved by whole weeks, so weekdays and local times stay the same
 * (used by `npm run demo` to place the 2025 event in the current week).
 */
export function shiftProgramByWeeks (file: ProgramFile, weeks: number): ProgramFile {
  const shift = (d: string): string => DateTime.fromISO(d).plus({ weeks }).toISODate() ?? d
  const rekey = (k: string): string => k.replace(/^(\d{4}-\d{2}-\d{2})/, (_m, d: string) => shift(d))
  return {
    ...file,
    days: file.days.map(day => ({
      date: shift(day.date),
      slots: day.slots.map(slot => ({
        ...slot,
        key: rekey(slot.key),
        sessions: slot.sessions.map(s => ({ ...s, key: rekey(s.key) }))
      }))
    }))
  }
}

/** Whole weeks from the event's first week to the week to show (Mon–Fri: this week; weekend: next). */
export function weeksUntilCurrentWeek (file: ProgramFile, now: Date): number {
  const zone = file.event.timezone
  const first = DateTime.fromISO(file.days[0]?.date ?? '', { zone }).startOf('week')
  let target = DateTime.fromJSDate(now, { zone }).startOf('week')
  if (DateTime.fromJSDate(now, { zone }).weekday > 5) target = target.plus({ weeks: 1 })
  return Math.round(target.diff(first, 'weeks').weeks)
}
