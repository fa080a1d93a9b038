import t from 'tap'
import { readFileSync } from 'node:fs'
import { parse, stringify } from 'yaml'
import { testApp } from '../helpers/app.js'
import { given } from '../helpers/given.js'
import { defaultProgramFile } from '../../src/paths.js'
import type { ProgramService } from '../../src/program/service.js'

const original = readFileSync(defaultProgramFile, 'utf8')
const edited = (mutate: (doc: any) => void): string => {
  const doc = parse(original)
  mutate(doc)
  return stringify(doc)
}
const sessionByKey = async (program: ProgramService, eventId: string, key: string) =>
  (await program.getProgram(eventId)).days.flatMap(d => d.slots.flatMap(s => s.sessions)).find(s => s.key === key)

t.test('importing the 2025 program into an empty database creates every session once', async t => {
  const { services } = await testApp(t, { program: false })
  const summary = await services.program.importFromFile(defaultProgramFile)
  t.equal(summary.event, 'created')
  t.same(summary.sessions, { created: 40, updated: 0, unchanged: 0, cancelled: 0, deleted: 0 })
  t.equal(summary.slots, 28)
  t.equal(summary.speakers, 31)
})

t.test('re-importing the same file changes nothing', async t => {
  const { services } = await testApp(t)
  const [event] = await services.program.listEvents()
  const before = await services.program.getProgram(event!.id)
  const summary = await services.program.importFromFile(defaultProgramFile)
  t.equal(summary.event, 'updated')
  t.same(summary.sessions, { created: 0, updated: 0, unchanged: 40, cancelled: 0, deleted: 0 })
  t.same(await services.program.getProgram(event!.id), before, 'same ids, same content')
})

t.test('a room becoming known is applied to the session with the same key', async t => {
  const { services } = await testApp(t)
  const summary = await services.program.importFromText(edited(doc => {
    doc.rooms = [{ key: 'salle-4-110', name: 'Salle 4.110', capacity: 60 }]
    doc.days[1].slots[3].sessions[1].room = 'salle-4-110'
  }), 'edited.yaml', null)
  t.same(summary.sessions, { created: 0, updated: 1, unchanged: 39, cancelled: 0, deleted: 0 })
  const session = await sessionByKey(services.program, summary.eventId, '2025-10-21-etude-cas-cmr-sante-mentale')
  t.equal(session?.room, 'Salle 4.110')
  t.equal(session?.capacity, 60)
})

t.test('a speaker change counts as an update of that session only', async t => {
  const { services } = await testApp(t)
  const summary = await services.program.importFromText(edited(doc => {
    doc.days[0].slots[7].sessions[0].speakersToBeConfirmed = false
    doc.days[0].slots[7].sessions[0].speakers.push({ speaker: 'audrey-lesperance', role: 'panelist' })
  }), 'edited.yaml', null)
  t.same(summary.sessions, { created: 0, updated: 1, unchanged: 39, cancelled: 0, deleted: 0 })
  const session = await sessionByKey(services.program, summary.eventId, '2025-10-20-table-ronde-ouverture')
  t.same(session?.speakers.map(s => [s.name, s.role]), [['Hugo Cyr', 'opening_remarks'], ["Audrey L'Espérance", 'panelist']])
})

t.test('a removed session without attendance is deleted; with attendance it is cancelled, never deleted', async t => {
  const ctx = await testApp(t)
  const { services } = ctx
  const [event] = await services.program.listEvents()
  const program = await services.program.getProgram(event!.id)
  const tuesdayCaseStudies = program.days[1]!.slots[3]!
  const [attended, , unattended] = tuesdayCaseStudies.sessions
  await given(ctx).person().checkedIn(attended!.id)

  const removed = edited(doc => { doc.days[1].slots[3].sessions = [doc.days[1].slots[3].sessions[1]] })
  const summary = await services.program.importFromText(removed, 'removed.yaml', null)
  t.same(summary.sessions, { created: 0, updated: 1, unchanged: 37, cancelled: 1, deleted: 1 }, 'the remaining case study moves up: an update')
  const slot = (await services.program.getProgram(event!.id)).days[1]!.slots[3]!
  t.same(slot.sessions.map(s => [s.key, s.status]), [[tuesdayCaseStudies.sessions[1]!.key, 'scheduled'], [attended!.key, 'cancelled']], 'cancelled sessions come last')
  t.notOk(slot.sessions.some(s => s.key === unattended!.key), 'the unattended session is gone')
  t.equal(slot.sessions.find(s => s.status === 'scheduled')?.parallel, false, 'one scheduled session left: no longer parallel')

  const again = await services.program.importFromText(removed, 'removed.yaml', null)
  t.same(again.sessions, { created: 0, updated: 0, unchanged: 38, cancelled: 0, deleted: 0 }, 'idempotent after cancelling')

  const restored = await services.program.importFromFile(defaultProgramFile)
  t.same(restored.sessions, { created: 1, updated: 2, unchanged: 37, cancelled: 0, deleted: 0 }, 'putting it back restores the cancelled session')
  t.equal((await sessionByKey(services.program, event!.id, attended!.key))?.status, 'scheduled')
})

t.test('a refused file changes nothing', async t => {
  const { services } = await testApp(t)
  const [event] = await services.program.listEvents()
  const before = await services.program.getProgram(event!.id)
  await t.rejects(services.program.importFromText(edited(doc => { doc.days[0].slots[0].sessions[0].room = 'nowhere' }), 'bad.yaml', null), /unknown room "nowhere"/)
  t.same(await services.program.getProgram(event!.id), before)
})

t.test('every import is recorded with its source and checksum', async t => {
  const { services, database } = await testApp(t)
  await services.program.importFromFile(defaultProgramFile)
  const rows = await database.db.selectFrom('program_imports').select(['source', 'sha256']).execute()
  t.equal(rows.length, 2)
  t.match(rows[0], { source: defaultProgramFile, sha256: /^[0-9a-f]{64}$/ })
})
