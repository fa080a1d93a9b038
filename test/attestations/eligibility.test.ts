import t from 'tap'
import { FixedClock } from '../../src/clock.js'
import { AttendanceBook } from '../../src/attendance/book.js'
import { DEFAULT_ELIGIBILITY_POLICY, attendedHours, eligibility, eligibilityOf, eligibilityPolicySchema, type EligibilityCell, type EligibilitySlot } from '../../src/attestations/eligibility.js'
import { testApp } from '../helpers/app.js'
import { given } from '../helpers/given.js'

const at = (local: string, day: string): Date => new Date(`2025-10-${day}T${local}:00-04:00`)
const slot = (id: string, day: string, start: string, end: string, titles: string[], extra: Partial<EligibilitySlot> = {}): EligibilitySlot => ({
  id,
  startsAt: at(start, day),
  endsAt: at(end, day),
  hours: (at(end, day).getTime() - at(start, day).getTime()) / 3600_000,
  sessions: titles.map((title, i) => ({ id: `${id}-s${i}`, title })),
  ...extra
})

// A small week: 2 + 3 + 1.5 (parallel) + 2 + 1.5 = 10 counted hours, then the online synthesis (not counted).
const slots: EligibilitySlot[] = [
  slot('mon-am', '20', '09:00', '11:00', ['Conférence d\'ouverture']),
  slot('mon-pm', '20', '13:00', '16:00', ['Atelier : coproduction']),
  slot('tue-am', '21', '09:00', '10:30', ['Étude de cas A', 'Étude de cas B']),
  slot('tue-pm', '21', '13:00', '15:00', ['Table ronde']),
  slot('thu-pm', '23', '13:00', '14:30', ['Clôture']),
  slot('fri-syn', '24', '09:00', '12:15', ['Activité de synthèse'], { countsTowardAttendance: false })
]
const AFTER = at('18:00', '24')
const cell = (status: EligibilityCell['status'], sessionId: string | null = null): EligibilityCell => ({ status, sessionId })
const present = (i: number, k = 0): EligibilityCell => cell('present', slots[i]!.sessions[k]!.id)

t.test('policy schema: defaults, bounds and clear messages', async t => {
  t.same(eligibilityPolicySchema.parse({}), { minShare: 0.75, excusedCounts: false })
  t.same(DEFAULT_ELIGIBILITY_POLICY, { minShare: 0.75, excusedCounts: false })
  t.same(eligibilityPolicySchema.parse({ minShare: 0.5, excusedCounts: true }), { minShare: 0.5, excusedCounts: true })
  t.match(eligibilityPolicySchema.safeParse({ minShare: 75 }).error?.issues[0]?.message, /at most 1.*0\.75 for 75/)
  t.match(eligibilityPolicySchema.safeParse({ minShare: -0.1 }).error?.issues[0]?.message, /at least 0/)
  t.match(eligibilityPolicySchema.safeParse({ minShare: '0.75' }).error?.issues[0]?.message, /number between 0 and 1/)
  t.match(eligibilityPolicySchema.safeParse({ excusedCounts: 'yes' }).error?.issues[0]?.message, /true or false/)
  t.notOk(eligibilityPolicySchema.safeParse({ minShare: 0.75, other: 1 }).success, 'unknown keys refused')
})

t.test('attended hours: present and late count, once per slot; excused and absent add nothing', async t => {
  const cells = [present(0), cell('late', slots[1]!.sessions[0]!.id), present(2, 1), cell('excused'), cell('absent'), present(5)]
  const { hours, sessions } = attendedHours(slots, cells)
  t.equal(hours, 2 + 3 + 1.5, 'late counts as attended; excused, absent and the synthesis do not')
  t.same(sessions.map(s => [s.title, s.hours]), [['Conférence d\'ouverture', 2], ['Atelier : coproduction', 3], ['Étude de cas B', 1.5]], 'the parallel session actually attended')
  t.same(sessions[2]?.startsAt, at('09:00', '21'))

  // The same slot listed once per parallel session (as a caller might): still 1.5 h, once.
  const perSession = [slots[2]!, { ...slots[2]!, sessions: [slots[2]!.sessions[1]!] }]
  const twice = attendedHours(perSession, [present(2, 0), cell('present', slots[2]!.sessions[1]!.id)])
  t.equal(twice.hours, 1.5, 'a slot counts once')
  t.equal(twice.sessions.length, 1)
  t.equal(attendedHours(slots, []).hours, 0, 'no cells, no hours')
})

t.test('eligibility: the threshold, exactly 75 % is eligible', async t => {
  // 2 + 3 + 1.5 + 1.5 = 8 of 10 h.
  const e = eligibility(DEFAULT_ELIGIBILITY_POLICY, slots, [present(0), present(1), present(2), cell('absent'), present(4), present(5)], AFTER)
  t.match(e, { eligible: true, hoursAttended: 8, hoursCountedForEligibility: 8, totalHours: 10, hoursRequired: 7.5, share: 0.8, finalised: true })
  t.equal(e.reason.fr, '8 h sur 10 h (80\u00a0%) ; 7,5 h requises (75\u00a0%). Admissible à l’attestation.')
  t.equal(e.reason.en, '8 h of 10 h (80%); 7.5 h required (75%). Eligible for the attestation.')

  // Exactly 75 %: 7.5 of 10 h.
  const even = [slot('a', '20', '09:00', '11:30', ['A']), slot('b', '20', '13:00', '15:30', ['B']), slot('c', '21', '09:00', '11:30', ['C']), slot('d', '21', '13:00', '15:30', ['D'])]
  const three = eligibility(DEFAULT_ELIGIBILITY_POLICY, even, [cell('present', 'a-s0'), cell('late', 'b-s0'), cell('present', 'c-s0'), cell('absent')], AFTER)
  t.match(three, { eligible: true, share: 0.75, hoursAttended: 7.5, totalHours: 10 }, 'exactly 75 % is eligible')
  // 0.7 × 10 is 7.000000000000001 in floating point: 7 of 10 h at 70 % is still eligible.
  const exact = eligibility({ minShare: 0.7, excusedCounts: false }, [slot('x', '20', '09:00', '16:00', ['X']), slot('y', '21', '09:00', '12:00', ['Y'])], [cell('present', 'x-s0'), cell('absent')], AFTER)
  t.match(exact, { hoursAttended: 7, totalHours: 10, hoursRequired: 7, eligible: true }, 'no floating-point refusal at the threshold')
  const under = eligibility(DEFAULT_ELIGIBILITY_POLICY, even, [cell('present', 'a-s0'), cell('present', 'b-s0'), cell('absent'), cell('absent')], AFTER)
  t.match(under, { eligible: false, share: 0.5, finalised: true })
  t.match(under.reason.fr, /^5 h sur 10 h \(50\u00a0%\) ; 7,5 h requises \(75\u00a0%\)\. Non admissible/)
  t.match(under.reason.en, /Not eligible: an organizer may review/)
  t.match(eligibility({ minShare: 0.5, excusedCounts: false }, even, [cell('present', 'a-s0'), cell('present', 'b-s0')], AFTER), { eligible: true }, 'the policy sets the share')
})

t.test('excused absences count for eligibility when the policy says so, never in the hours', async t => {
  // 2 + 3 attended, 1.5 + 2 excused: 5 h attended, 8.5 h with the excuses.
  const cells = [present(0), present(1), cell('excused'), cell('excused'), cell('absent'), cell(null)]
  const strict = eligibility(DEFAULT_ELIGIBILITY_POLICY, slots, cells, AFTER)
  t.match(strict, { eligible: false, hoursAttended: 5, hoursExcused: 3.5, hoursCountedForEligibility: 5, share: 0.5 })
  const lenient = eligibility({ minShare: 0.75, excusedCounts: true }, slots, cells, AFTER)
  t.match(lenient, { eligible: true, hoursAttended: 5, hoursExcused: 3.5, hoursCountedForEligibility: 8.5, share: 0.85 })
  t.equal(lenient.sessions.length, 2, 'excused slots are not sessions attended')
  t.match(lenient.reason.fr, /^8,5 h \(dont 3,5 h d’absence justifiée\) sur 10 h/)
  t.match(lenient.reason.en, /^8\.5 h \(including 3\.5 h of excused absence\) of 10 h/)
})

t.test('finalised once the last counted slot has ended; the synthesis is left out', async t => {
  const cells = [present(0), present(1), present(2), present(3), cell(null), cell(null)]
  const thursday = eligibility(DEFAULT_ELIGIBILITY_POLICY, slots, cells, at('14:00', '23'))
  t.match(thursday, { finalised: false, eligible: true, totalHours: 10, hoursAttended: 8.5 }, 'eligible already, but not final')
  t.match(thursday.reason.en, /Provisional until the last time slot ends\.$/)
  t.match(thursday.reason.fr, /Provisoire jusqu’à la fin du dernier créneau\.$/)
  t.equal(eligibility(DEFAULT_ELIGIBILITY_POLICY, slots, cells, at('14:30', '23')).finalised, true, 'at the very end of the last in-person slot')
  t.equal(eligibility(DEFAULT_ELIGIBILITY_POLICY, slots, cells, at('10:00', '24')).finalised, true, 'the Friday synthesis is not waited for')
  const none = eligibility(DEFAULT_ELIGIBILITY_POLICY, [slots[5]!], [present(5)], AFTER)
  t.match(none, { eligible: false, totalHours: 0, hoursAttended: 0, share: 0, finalised: false })
  t.match(none.reason.en, /no in-person attendance hours/)
})

t.test('through the real AttendanceBook with the 2025 program', async t => {
  const clock = new FixedClock(at('14:00', '23'))
  const ctx = await testApp(t, { clock })
  const [event] = await ctx.services.program.listEvents()
  const eventId = event!.id
  const program = await ctx.services.program.getProgram(eventId)
  const book = new AttendanceBook(ctx.database.db, ctx.clock, ctx.app.access, ctx.services.people)
  const g = given(ctx)
  const person = await g.participant({ name: 'Dominique Côté' })

  const grid = await book.grid(eventId, { personId: person.id })
  const first = await eligibilityOf(book, eventId, person.id, DEFAULT_ELIGIBILITY_POLICY, clock.now())
  t.equal(first.totalHours, program.totals.inPersonAttendanceHours, `the counted in-person hours match the program's totals (${program.totals.inPersonAttendanceHours} h)`)
  t.equal(grid.slots.length, program.totals.attendanceSlots, 'same counted slots')
  t.match(first, { hoursAttended: 0, eligible: false, finalised: false })

  // Check in to the first session of every slot held so far, one parallel session per slot.
  const held = grid.slots.filter(s => s.held)
  for (const s of held) {
    await g.checkedIn(person.id, s.sessions[s.sessions.length - 1]!.id, { method: 'room_code', at: s.startsAt })
  }
  const heldHours = held.reduce((sum, s) => sum + s.hours, 0)
  const now = await eligibilityOf(book, eventId, person.id, DEFAULT_ELIGIBILITY_POLICY, clock.now())
  t.equal(now.hoursAttended, Math.round(heldHours * 1000) / 1000)
  t.equal(now.sessions.length, held.length, 'one session per attended slot')
  t.equal(now.finalised, false, 'Thursday afternoon: not final yet')
  t.equal((await book.grid(eventId, { personId: person.id })).rows[0]?.hoursAttended, now.hoursAttended, 'same hours as the grid')

  const lastEnd = new Date(Math.max(...grid.slots.map(s => s.endsAt.getTime())))
  clock.set(lastEnd)
  const done = await eligibilityOf(book, eventId, person.id, DEFAULT_ELIGIBILITY_POLICY, clock.now())
  t.equal(done.finalised, true, 'final once the last in-person slot has ended')
  t.equal(done.eligible, now.hoursAttended >= 0.75 * done.totalHours)

  const stranger = await g.person({ name: 'Inconnu' })
  await t.rejects(eligibilityOf(book, eventId, stranger.id, DEFAULT_ELIGIBILITY_POLICY, clock.now()), /not registered/)
})
