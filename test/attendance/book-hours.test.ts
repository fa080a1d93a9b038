import t from 'tap'
import { FixedClock } from '../../src/clock.js'
import { hoursSummary, type Cell, type GridSlot } from '../../src/attendance/book.js'
import { bandStep, hourBands, shorten } from '../../src/attendance/book-charts.js'
import { eligibility, type EligibilityPolicy } from '../../src/attestations/eligibility.js'
import { testApp, type TestApp } from '../helpers/app.js'
import { given, type Role } from '../helpers/given.js'
import { ORIGIN, signInWithLink } from '../helpers/session.js'

// Hours done against the hours the attestation requires ("Mes présences", /moi): the figures come
// from the attestation rule (src/attestations/eligibility.ts); the summary adds what is still to
// come, where the person stands, and the progress bar's share.

const hour = (day: number, h: number): Date => new Date(Date.UTC(2025, 9, day, h))
/** Four 2-hour slots on 20–21 October (8 h); the first two are held. */
const slots: GridSlot[] = [
  { id: 's1', key: 's1', startsAt: hour(20, 13), endsAt: hour(20, 15), hours: 2, held: true, sessions: [{ id: 'a', title: 'A' }] },
  { id: 's2', key: 's2', startsAt: hour(20, 16), endsAt: hour(20, 18), hours: 2, held: true, sessions: [{ id: 'b', title: 'B' }] },
  { id: 's3', key: 's3', startsAt: hour(21, 13), endsAt: hour(21, 15), hours: 2, held: false, sessions: [{ id: 'c', title: 'C' }] },
  { id: 's4', key: 's4', startsAt: hour(21, 16), endsAt: hour(21, 18), hours: 2, held: false, sessions: [{ id: 'd', title: 'D' }] }
]
const cell = (status: Cell['status'], sessionId: string | null = null): Cell =>
  (status === null ? { status: null, sessionId: null, excuse: null, completedLateAt: null } : { status, sessionId, excuse: null, completedLateAt: null }) as Cell
const duringEvent = hour(20, 20)
const afterEvent = hour(22, 0)
const rule: EligibilityPolicy = { minShare: 0.75, excusedCounts: false }
const summaryOf = (cells: Cell[], now = duringEvent, policy = rule, extra = { credited: false, grade: null as number | null }) =>
  hoursSummary(policy, eligibility(policy, slots, cells, now), slots, cells, extra)

t.test('hours done, required and to come; the progress bar is the share of the threshold done', async t => {
  const s = summaryOf([cell('present', 'a'), cell('late', 'b'), cell(null), cell(null)])
  t.match(s, { hoursAttended: 4, hoursCounted: 4, totalHours: 8, hoursRequired: 6, hoursUpcoming: 4, hoursMissing: 2, state: 'onTrack' })
  t.equal(s.progress, 4 / 6, 'two thirds of the way to the 6 h required')

  const reached = summaryOf([cell('present', 'a'), cell('present', 'b'), cell('present', 'c'), cell(null)])
  t.match(reached, { hoursCounted: 6, hoursMissing: 0, progress: 1, state: 'reached' }, 'the threshold reached: a full bar')

  const lost = summaryOf([cell('absent'), cell('absent'), cell(null), cell(null)])
  t.match(lost, { hoursCounted: 0, hoursUpcoming: 4, hoursMissing: 6, progress: 0, state: 'outOfReach' }, '4 h to come cannot make the 6 h missing')

  const over = summaryOf([cell('present', 'a'), cell('absent'), cell('present', 'c'), cell('absent')], afterEvent)
  t.match(over, { hoursCounted: 4, hoursUpcoming: 0, state: 'notReached' }, 'after the last slot: missed, for good')
})

t.test('an accepted excuse counts toward the threshold only when the attestation policy says so, and is not "to come"', async t => {
  const cells = [cell('present', 'a'), cell('present', 'b'), cell('excused'), cell(null)]
  const not = summaryOf(cells)
  t.match(not, { hoursAttended: 4, hoursCounted: 4, hoursExcused: 2, excusedCounts: false, hoursUpcoming: 2, hoursMissing: 2, state: 'onTrack' })
  const counted = summaryOf(cells, duringEvent, { minShare: 0.75, excusedCounts: true })
  t.match(counted, { hoursAttended: 4, hoursCounted: 6, excusedCounts: true, hoursMissing: 0, state: 'reached', progress: 1 })
})

t.test('the attendance grade shows for credited people only; an event without counted hours says so', async t => {
  const cells = [cell('present', 'a'), cell('absent'), cell(null), cell(null)]
  t.equal(summaryOf(cells, duringEvent, rule, { credited: true, grade: 0.5 }).grade, 0.5)
  t.equal(summaryOf(cells, duringEvent, rule, { credited: false, grade: 0.5 }).grade, null)
  const none = hoursSummary(rule, eligibility(rule, [], [], duringEvent), [], [], { credited: false, grade: null })
  t.match(none, { state: 'noHours', totalHours: 0, progress: 0 })
})

t.test('the hours chart: at most eight bands across the event, each person in one band', async t => {
  t.equal(bandStep(22.5), 3)
  t.equal(bandStep(8), 1)
  t.equal(bandStep(40), 5)
  const bands = hourBands([0, 2.9, 3, 16.875, 22.5, 21], 22.5)
  t.equal(bands.length, 8)
  t.same(bands.map(b => b.people), [2, 1, 0, 0, 0, 1, 0, 2], 'a band holds its start; the last one holds the total')
  t.same([bands[0]?.from, bands[7]?.to], [0, 24])
})

t.test('chart labels shorten at a word boundary (words stay whole), with an ellipsis', async t => {
  t.equal(shorten('Co-production and evaluation', 42), 'Co-production and evaluation')
  t.equal(shorten('Coproduction, adaptabilité organisationnelle et innovation publique', 42), 'Coproduction, adaptabilité…')
  t.equal(shorten('Mobiliser l’empathie pour concevoir des services publics inclusifs', 42), 'Mobiliser l’empathie pour concevoir des…')
})

// ---- The same figures as the attestation, on /presence and /moi.

// Tuesday 21 October 2025, 15:00 in Montréal.
const at = (local: string): Date => new Date(`2025-10-21T${local}:00-04:00`)

interface Ctx extends TestApp { eventId: string, register: (name: string, role: Role) => Promise<string> }
const setup = async (tt: Parameters<typeof testApp>[0]): Promise<Ctx> => {
  const ctx = await testApp(tt, { clock: new FixedClock(at('15:00')) })
  const g = given(ctx)
  const register = async (name: string, role: Role): Promise<string> => (await g.as(role, { name })).id
  return { ...ctx, eventId: await g.event(), register }
}

/** The person present at every counted slot held so far (Monday, and Tuesday until 14:45). */
const presentSoFar = async (ctx: Ctx, personId: string): Promise<number> => {
  const rows = await ctx.database.db.selectFrom('sessions as s').innerJoin('time_slots as t', 't.id', 's.slot_id')
    .select(['s.id', 's.slot_id', 't.starts_at', 't.ends_at']).where('t.counts_toward_attendance', '=', true).where('s.mode', '=', 'in_person')
    .where('t.ends_at', '<=', ctx.clock.now()).orderBy('t.starts_at').execute()
  const seen = new Set<string>()
  let hours = 0
  for (const r of rows) {
    if (seen.has(r.slot_id)) continue
    seen.add(r.slot_id)
    hours += (r.ends_at.getTime() - r.starts_at.getTime()) / 3600_000
    await given(ctx).checkedIn(personId, r.id, { method: 'room_code', at: r.starts_at })
  }
  return hours
}

t.test('the summary has the attestation\'s figures, follows its policy, and shows on /presence and /moi with a named progress bar', async t => {
  const ctx = await setup(t)
  const camille = await ctx.register('Camille', 'participant')
  const org = await ctx.register('Odile', 'organizer')
  const hours = await presentSoFar(ctx, camille)
  const summary = await ctx.services.book.mySummary(camille)
  const attestation = await ctx.services.attestations.eligibility(ctx.eventId, camille)
  t.match(summary, { hoursAttended: hours, hoursCounted: attestation.hoursCountedForEligibility, hoursRequired: attestation.hoursRequired, totalHours: attestation.totalHours, minShare: 0.75 }, 'the attestation\'s own numbers')
  t.equal(summary?.hoursRequired, Math.round(attestation.totalHours * 0.75 * 1000) / 1000)
  t.equal(summary?.state, 'onTrack')
  t.equal(summary?.progress, hours / attestation.hoursRequired)

  await ctx.services.attestationDecisions.setPolicy(org, ctx.eventId, { min_share: 0.5, excused_counts: false, auto_issue: true })
  const half = await ctx.services.book.mySummary(camille)
  t.equal(half?.hoursRequired, Math.round(attestation.totalHours * 0.5 * 1000) / 1000, 'the organizers\' threshold is the one shown')
  t.equal(half?.state, hours >= attestation.totalHours * 0.5 ? 'reached' : 'onTrack')
  t.equal(await ctx.services.book.mySummary(org), null, 'organizers attend nothing: no summary')

  const { cookie } = await signInWithLink(ctx.app, (await ctx.services.people.handoffLink(camille, 'phone')).url)
  const page = async (url: string) => (await ctx.app.inject({ url, headers: { cookie, accept: 'text/html', origin: ORIGIN } })).body
  const fr = new Intl.NumberFormat('fr-CA', { maximumFractionDigits: 2 })
  for (const url of ['/presence?lang=fr', '/moi?lang=fr']) {
    const body = await page(url)
    t.match(body, `${fr.format(hours)}\u00a0h faites sur ${fr.format(half!.hoursRequired)}\u00a0h requises`, `${url}: hours done of required`)
    t.match(body, new RegExp(`role="progressbar" aria-label="Heures faites pour l’attestation" aria-valuemin="0" aria-valuemax="${half!.hoursRequired}" aria-valuenow="${Math.min(hours, half!.hoursRequired)}" aria-valuetext="[^"]+"><span style="width: [\\d.]+%"></span></div>`), `${url}: the bar with its value`)
    t.match(body, 'L’attestation de formation demande 50\u00a0% des', `${url}: the rule in words`)
  }
  t.match(await page('/presence?lang=en'), `${hours} h done of ${half!.hoursRequired} h required`)
})
