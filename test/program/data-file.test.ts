import t from 'tap'
import { readFileSync } from 'node:fs'
import { DateTime } from 'luxon'
import { parseProgramFile, shiftProgramByWeeks, weeksUntilCurrentWeek, localInstant } from '../../src/program/data-file.js'
import { ProgramFileError } from '../../src/errors.js'
import { defaultProgramFile } from '../../src/paths.js'

const text = readFileSync(defaultProgramFile, 'utf8')

t.test('the 2025 program file is valid and transcribes every day of the document', async t => {
  const file = parseProgramFile(text)
  t.equal(file.event.key, 'ecole-automne-coproduction-2025')
  t.same(file.days.map(d => d.date), ['2025-10-20', '2025-10-21', '2025-10-22', '2025-10-23', '2025-10-24'])
  t.same(file.days.map(d => d.slots.length), [9, 6, 6, 6, 1])
  t.equal(file.days.flatMap(d => d.slots.flatMap(s => s.sessions)).length, 40)
})

const broken = (mutate: (doc: any) => void): string => {
  const doc = parseProgramFile(text) as any
  mutate(doc)
  return JSON.stringify(doc)
}

const problemsOf = (source: string): string[] => {
  try {
    parseProgramFile(source, 'test.yaml')
  } catch (err) {
    if (err instanceof ProgramFileError) return err.problems
    throw err
  }
  throw new Error('expected the file to be refused')
}

t.test('errors name the place in the file and the reason', async t => {
  t.match(problemsOf('version: 1\nevent: [unclosed'), [/not valid YAML \(line \d+\)/])
  t.match(problemsOf(broken(d => { d.days[1].slots[3].sessions[0].speakers[0].speaker = 'nobody' })),
    ['days.1.slots.3.sessions.0.speakers.0.speaker: unknown speaker "nobody" (not in speakers)'])
  t.match(problemsOf(broken(d => { d.days[2].slots[0].sessions[0].key = d.days[1].slots[0].sessions[0].key })),
    [/days\.2\.slots\.0\.sessions\.0\.key: duplicate session key "2025-10-21-[a-z-]+" \(also at days\.1\.slots\.0\.sessions\.0\.key\)/])
  t.match(problemsOf(broken(d => { d.days[0].slots[1].start = '08:45' })), [/days\.0\.slots\.1\.start: starts \(08:45\) before the previous slot ends \(09:00\)/])
  t.match(problemsOf(broken(d => { d.days[0].slots[0].end = '8h30' })), ['days.0.slots.0.end: must be HH:MM (24 h)'])
  t.match(problemsOf(broken(d => { d.days[0].slots[0].sessions[0].kind = 'party' })), [/days\.0\.slots\.0\.sessions\.0\.kind/])
  t.match(problemsOf(broken(d => { d.event.timezone = 'Mars/Olympus' })), [/event\.timezone: must be an IANA time zone/])
  t.match(problemsOf(broken(d => { d.version = 2 })), ['version: only version 1 of the program format is supported'])
})

t.test('local times are read in the event time zone (EDT in October)', async t => {
  t.equal(localInstant('2025-10-20', '09:00', 'America/Montreal').toISOString(), '2025-10-20T13:00:00.000Z')
  t.equal(localInstant('2025-11-03', '09:00', 'America/Montreal').toISOString(), '2025-11-03T14:00:00.000Z', 'after the switch to EST')
})

t.test('the demo copy moves the event by whole weeks, keeping weekdays and times', async t => {
  const file = parseProgramFile(text)
  const weeks = weeksUntilCurrentWeek(file, new Date('2026-11-25T15:00:00Z'))
  t.equal(weeks, 57)
  const shifted = shiftProgramByWeeks(file, weeks)
  t.same(shifted.days.map(d => DateTime.fromISO(d.date).weekdayLong), ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'])
  t.equal(shifted.days[0]?.date, '2026-11-23')
  t.equal(shifted.days[0]?.slots[1]?.start, '09:00')
  t.match(shifted.days[0]?.slots[1]?.sessions[0]?.key, /^2026-11-23-/)
  t.equal(weeksUntilCurrentWeek(file, new Date('2026-11-28T15:00:00Z')), 58, 'on a Saturday the demo uses next week')
})
