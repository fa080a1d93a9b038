import type { AccessPolicy } from '../access/policy.js'
import type { PeopleService } from '../people/service.js'
import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import { AppError, badRequest, conflict, forbidden, notFound } from '../errors.js'
import { isCourseInstructor, isCreditedLearner } from '../lti/roles.js'
import { DEFAULT_ELIGIBILITY_POLICY, eligibility, type Eligibility, type EligibilityPolicy } from '../attestations/eligibility.js'
import { rolesInEvent } from '../access/repository.js'
import { bilingual } from '../views/i18n.js'
import * as repo from './repository.js'
import * as bookRepo from './book-repository.js'
import type { PolicyRow, Status } from './repository.js'
import { byName } from '../util/by-name.js'

export interface GridSlot {
  id: string
  key: string
  startsAt: Date
  endsAt: Date
  hours: number
  held: boolean
  sessions: Array<{ id: string, title: string }>
}
export interface GridPerson { personId: string, name: string, email: string | null, credited: boolean, userSub: string | null }
/** `completedLateAt`: the check-in came from a scan before sign-in completed after its room code's validity (shown marked). */
export type Cell = { status: Status, sessionId: string | null, excuse: 'pending' | 'accepted' | 'refused' | null, completedLateAt: Date | null } |
  { status: null, sessionId: null, excuse: 'pending' | 'accepted' | 'refused' | null, completedLateAt: null }

export interface Grid {
  eventId: string
  timezone: string
  slots: GridSlot[]
  rows: Array<GridPerson & { cells: Cell[], hoursAttended: number, grade: number | null }>
  policy: PolicyRow
}

export type Who = 'all' | 'credited' | 'non_credit'

/**
 * One person's hours against the attestation's threshold, for "mes présences" and /moi: the
 * figures come from the attestation rule (src/attestations/eligibility.ts, with the event's
 * attestation policy); this adds what is still to come and where the person stands.
 */
export interface HoursSummary {
  /** Hours of the slots attended (present or late): the hours an attestation prints. */
  hoursAttended: number
  /** What the rule counts: attended, plus excused when the policy says so. */
  hoursCounted: number
  hoursExcused: number
  /** Whether accepted excuses count toward the threshold (the attestation policy). */
  excusedCounts: boolean
  /** The threshold: minShare of the counted in-person hours. */
  hoursRequired: number
  totalHours: number
  minShare: number
  /** Hours of counted slots not held yet and not already settled (attended or excused). */
  hoursUpcoming: number
  /** Hours still needed to reach the threshold (0 once reached). */
  hoursMissing: number
  /** Share of the threshold done, in [0, 1]: the progress bar. */
  progress: number
  /**
   * reached: eligible; onTrack: not yet, the slots to come can still make it; outOfReach: they
   * cannot any more; notReached: the event is over and the threshold was missed; noHours: the
   * event has no in-person counted hours.
   */
  state: 'reached' | 'onTrack' | 'outOfReach' | 'notReached' | 'noHours'
  /** Registered for credit (the attendance grade goes to the course). */
  credited: boolean
  /** The attendance grade in [0, 1] for credited people (null otherwise, or before any held slot). */
  grade: number | null
}

const round3 = (n: number): number => Math.round(n * 1000) / 1000

/** Where a person stands, from their eligibility (the attestation rule) and their row of the grid. */
export function hoursSummary (
  rule: EligibilityPolicy,
  result: Eligibility,
  slots: readonly GridSlot[],
  cells: readonly Cell[],
  extra: { credited: boolean, grade: number | null }
): HoursSummary {
  const hoursUpcoming = round3(slots.reduce((sum, slot, i) => {
    const status = cells[i]?.status ?? null
    return sum + (!slot.held && status === null ? slot.hours : 0)
  }, 0))
  const hoursMissing = round3(Math.max(0, result.hoursRequired - result.hoursCountedForEligibility))
  const state: HoursSummary['state'] = result.totalHours === 0
    ? 'noHours'
    : result.eligible
      ? 'reached'
      : result.finalised
        ? 'notReached'
        : hoursMissing <= hoursUpcoming + 1e-9 ? 'onTrack' : 'outOfReach'
  return {
    hoursAttended: result.hoursAttended,
    hoursCounted: result.hoursCountedForEligibility,
    hoursExcused: result.hoursExcused,
    excusedCounts: rule.excusedCounts,
    hoursRequired: result.hoursRequired,
    totalHours: result.totalHours,
    minShare: rule.minShare,
    hoursUpcoming,
    hoursMissing: result.eligible ? 0 : hoursMissing,
    progress: result.hoursRequired <= 0 ? (result.totalHours === 0 ? 0 : 1) : Math.min(1, result.hoursCountedForEligibility / result.hoursRequired),
    state,
    credited: extra.credited,
    grade: extra.credited ? extra.grade : null
  }
}

/** One of a participant's slots on their own page. */
export interface MySlot {
  id: string
  startsAt: Date
  endsAt: Date
  hours: number
  /** Started (check-in may be open): no more choosing ahead. */
  started: boolean
  held: boolean
  status: Status | null
  excuse: 'pending' | 'accepted' | 'refused' | null
  /** The session chosen in advance, if any. */
  chosen: string | null
  /** The session attended (present or late), if any. */
  attended: string | null
  sessions: Array<{ id: string, title: string, capacity: number | null, taken: number }>
}

/** The participant's page: their current event's slots and their hours against the threshold. */
export interface Mine { eventId: string | null, zone: string, slots: MySlot[], summary: HoursSummary | null }

/** Who an actor may correct in an event: everyone (organizers), or the learners of the courses they teach. */
export type Correctable = { all: true } | { all: false, people: ReadonlySet<string> }

/**
 * The attendance register: who attended which slot (with absentees), corrections with their
 * audit trail, excuses, advance choices of parallel sessions, and the attendance grade.
 */
export class AttendanceBook {
  constructor (private readonly db: Db, private readonly clock: Clock, private readonly access: AccessPolicy, private readonly people: PeopleService) {}

  async policy (eventId: string): Promise<PolicyRow> { return await repo.findPolicy(this.db, eventId) }

  /** The person themself, or an instructor or organizer of one of their events (the access policy's 'attendance.history'). */
  async assertCanSee (actorId: string, personId: string): Promise<void> {
    await this.access.assert({ personId: actorId }, 'attendance.history', { kind: 'person', personId })
  }

  /**
   * Everyone the actor may correct in an event, to draw the grid's correction links in one query:
   * everyone (organizers), or the credited learners of the event's LMS courses they teach (a
   * correction reaches that course's LMS grade, so teaching another course of the same event is
   * not enough). The same rule as the `corrector` predicate of 'attendance.correct' in
   * src/access/policy.ts, which decides each correction and excuse decision: change both together.
   */
  async correctable (actorId: string, eventId: string): Promise<Correctable> {
    if ((await rolesInEvent(this.db, actorId, eventId)).includes('organizer')) return { all: true }
    const rows = await repo.courseMatesOf(this.db, actorId, eventId)
    const people = new Set<string>()
    for (const r of rows) {
      if (r.person_id !== null && isCourseInstructor(r.actor_roles as string[]) && isCreditedLearner(r.person_roles as string[])) people.add(r.person_id)
    }
    return { all: false, people }
  }

  /** One person in one slot, for the correction page (organizers, and instructors of the person's course). */
  async cell (actorId: string, personId: string, slotId: string): Promise<{
    eventId: string
    organizer: boolean
    timezone: string
    startsAt: Date
    personId: string
    slotId: string
    name: string
    status: Status | null
    sessionId: string | null
    sessions: Array<{ id: string, title: string }>
    history: Array<{ action: string, before: unknown, after: unknown, reason: string | null, changedByName: string | null, changedAt: Date }>
  }> {
    const slot = await bookRepo.findSlotWithZone(this.db, slotId)
    if (slot === undefined) throw notFound(bilingual('attendance.slotNotFound'))
    await this.access.assert({ personId: actorId }, 'attendance.correct', { kind: 'attendance', personId, slotId })
    const name = (await this.people.getPerson(personId)).displayName
    const record = await bookRepo.findRecordStatus(this.db, slotId, personId)
    const excuse = await bookRepo.findExcuse(this.db, personId, slotId)
    const sessions = await bookRepo.scheduledSessionsOfSlot(this.db, slotId)
    const history = await bookRepo.historyWithNames(this.db, personId, slotId)
    const status = record !== undefined ? record.status : excuse?.status === 'accepted' ? 'excused' : null
    return {
      eventId: slot.event_id,
      organizer: (await rolesInEvent(this.db, actorId, slot.event_id)).includes('organizer'),
      timezone: slot.timezone,
      startsAt: slot.starts_at,
      personId,
      slotId,
      name,
      status,
      sessionId: record?.session_id ?? null,
      sessions,
      history: history.map(h => ({
        action: h.action,
        before: h.before,
        after: h.after,
        reason: h.reason,
        changedByName: h.display_name,
        changedAt: h.changed_at
      }))
    }
  }

  /** The event's attestation rule (its attestation policy), which decides the hours required. */
  async eligibilityRule (eventId: string): Promise<EligibilityPolicy> {
    return await repo.attestationRuleOf(this.db, eventId) ?? DEFAULT_ELIGIBILITY_POLICY
  }

  /** One grid row's hours against the threshold (the attestation rule applied now). */
  summaryOf (rule: EligibilityPolicy, grid: Grid, row: Grid['rows'][number]): HoursSummary {
    return hoursSummary(rule, eligibility(rule, grid.slots, row.cells, this.clock.now()), grid.slots, row.cells, { credited: row.credited, grade: row.grade })
  }

  /** A participant's own slots in their current event: status, chosen session and places left, excuse, and their hours. */
  async mine (personId: string): Promise<Mine> {
    const registration = await bookRepo.latestEventOf(this.db, personId)
    if (registration === undefined) return { eventId: null, zone: 'America/Montreal', slots: [], summary: null }
    const grid = await this.grid(registration.id, { personId })
    const row = grid.rows.find(r => r.personId === personId)
    const choices = await bookRepo.choicesOf(this.db, personId)
    const places = await this.places(registration.id)
    const sessions = await bookRepo.scheduledSessionsOfEvent(this.db, registration.id)
    const now = this.clock.now()
    return {
      eventId: registration.id,
      zone: registration.timezone,
      slots: grid.slots.map((slot, i) => {
        const cell = row?.cells[i]
        const status = cell?.status ?? (slot.held ? 'absent' : null)
        return {
          id: slot.id,
          startsAt: slot.startsAt,
          endsAt: slot.endsAt,
          hours: slot.hours,
          started: slot.startsAt <= now,
          held: slot.held,
          status,
          excuse: cell?.excuse ?? null,
          chosen: choices.find(c => c.slot_id === slot.id)?.session_id ?? null,
          attended: status === 'present' || status === 'late' ? cell?.sessionId ?? null : null,
          sessions: sessions.filter(s => s.slot_id === slot.id).map(s => ({
            id: s.id,
            title: s.title,
            capacity: places.get(s.id)?.capacity ?? null,
            taken: places.get(s.id)?.taken ?? 0
          }))
        }
      }),
      summary: row === undefined ? null : this.summaryOf(await this.eligibilityRule(registration.id), grid, row)
    }
  }

  /** A participant's hours in their current event (the summary on /moi), or null when they attend none. */
  async mySummary (personId: string): Promise<HoursSummary | null> {
    const registration = await bookRepo.latestEventOf(this.db, personId)
    if (registration === undefined) return null
    const grid = await this.grid(registration.id, { personId })
    const row = grid.rows.find(r => r.personId === personId)
    return row === undefined ? null : this.summaryOf(await this.eligibilityRule(registration.id), grid, row)
  }

  /** Everyone's hours in a grid against the threshold (the distribution chart), by the attestation rule. */
  async hoursAgainstThreshold (grid: Grid): Promise<{ hours: number[], hoursRequired: number, totalHours: number, minShare: number }> {
    const rule = await this.eligibilityRule(grid.eventId)
    const now = this.clock.now()
    const results = grid.rows.map(row => eligibility(rule, grid.slots, row.cells, now))
    const empty = eligibility(rule, grid.slots, [], now)
    return { hours: results.map(r => r.hoursCountedForEligibility), hoursRequired: empty.hoursRequired, totalHours: empty.totalHours, minShare: rule.minShare }
  }

  /** Instructors and organizers of the event read its register (the access policy's 'attendance.register'). */
  async assertTeacher (personId: string, eventId: string): Promise<void> {
    await this.access.assert({ personId }, 'attendance.register', { kind: 'event', eventId })
  }

  /** Organizers set the rules (check-in window, late threshold, grade weights). */
  async setPolicy (actorId: string, eventId: string, policy: PolicyRow): Promise<PolicyRow> {
    await this.access.assert({ personId: actorId }, 'attendance.set-policy', { kind: 'event', eventId })
    await bookRepo.savePolicy(this.db, eventId, policy, actorId, this.clock.now())
    return await this.policy(eventId)
  }

  /**
   * People × counted slots. People come from a course roster (NRPS, so absentees show) or, for
   * the whole event, from its registrations; each cell is present, late, excused, absent (the
   * slot ended with no record) or empty (not held yet).
   */
  async grid (eventId: string, options: { contextId?: string, who?: Who, personId?: string } = {}): Promise<Grid> {
    const now = this.clock.now()
    const event = await bookRepo.findEventZone(this.db, eventId)
    if (event === undefined) throw notFound(bilingual('attendance.eventNotFound'))
    const policy = await repo.findPolicy(this.db, eventId)
    const slotRows = await bookRepo.countedSlots(this.db, eventId)
    const sessionRows = await bookRepo.inPersonSessions(this.db, eventId)
    const slots: GridSlot[] = slotRows
      .map(s => ({
        id: s.id,
        key: s.key,
        startsAt: s.starts_at,
        endsAt: s.ends_at,
        hours: (s.ends_at.getTime() - s.starts_at.getTime()) / 3600_000,
        held: s.ends_at <= now,
        sessions: sessionRows.filter(x => x.slot_id === s.id).map(x => ({ id: x.id, title: x.title }))
      }))
      .filter(s => s.sessions.length > 0)

    const people = await this.#people(eventId, options.contextId)
    const chosen = people.filter(p => (options.who === undefined || options.who === 'all' || (options.who === 'credited') === p.credited) &&
      (options.personId === undefined || p.personId === options.personId))
    const ids = chosen.map(p => p.personId)
    const records = await bookRepo.recordsOf(this.db, eventId, ids)
    const excuses = await bookRepo.excusesOf(this.db, ids)
    const recordOf = new Map(records.map(r => [`${r.person_id}:${r.slot_id}`, r]))
    const excuseOf = new Map(excuses.map(e => [`${e.person_id}:${e.slot_id}`, e.status]))
    const rows = chosen.map(p => {
      const cells: Cell[] = slots.map(slot => {
        const record = recordOf.get(`${p.personId}:${slot.id}`)
        const excuse = excuseOf.get(`${p.personId}:${slot.id}`) ?? null
        if (record !== undefined) return { status: record.status, sessionId: record.session_id, excuse, completedLateAt: record.completed_late_at }
        if (excuse === 'accepted') return { status: 'excused', sessionId: null, excuse, completedLateAt: null }
        if (slot.held) return { status: 'absent', sessionId: null, excuse, completedLateAt: null }
        return { status: null, sessionId: null, excuse, completedLateAt: null }
      })
      const hoursAttended = slots.reduce((sum, slot, i) => sum + (cells[i]?.status === 'present' || cells[i]?.status === 'late' ? slot.hours : 0), 0)
      return { ...p, cells, hoursAttended, grade: gradeOf(cells, slots, policy) }
    })
    return { eventId, timezone: event.timezone, slots, rows, policy }
  }

  async #people (eventId: string, contextId?: string): Promise<GridPerson[]> {
    if (contextId !== undefined) {
      const members = await bookRepo.activeRosterMembers(this.db, contextId)
      // The roster's credited students by the strict LTI role table: instructors are not graded on attendance.
      return members
        .filter(m => isCreditedLearner(m.roles as string[]))
        .map(m => ({ personId: m.person_id ?? '', name: m.display_name, email: m.email, credited: true, userSub: m.user_sub }))
        .sort(byName)
    }
    const regs = await bookRepo.attendeeRegistrations(this.db, eventId)
    const byPerson = new Map<string, GridPerson>()
    for (const r of regs) {
      const known = byPerson.get(r.person_id)
      byPerson.set(r.person_id, {
        personId: r.person_id,
        name: r.display_name,
        email: r.email,
        credited: (known?.credited ?? false) || r.role === 'credited_student',
        userSub: null
      })
    }
    return [...byPerson.values()].sort(byName)
  }

  /**
   * An instructor or organizer sets a person's status in a slot, with a reason: every change is
   * kept (who, when, before, after). Absent removes the record; other statuses need a session.
   */
  async correct (actorId: string, input: { personId: string, slotId: string, status: Status, sessionId?: string | undefined, reason: string }): Promise<void> {
    const now = this.clock.now()
    const slot = await bookRepo.findSlot(this.db, input.slotId)
    if (slot === undefined) throw notFound(bilingual('attendance.slotNotFound'))
    await this.access.assert({ personId: actorId }, 'attendance.correct', { kind: 'attendance', personId: input.personId, slotId: slot.id })
    if (input.reason.trim().length < 3) throw badRequest(bilingual('attendance.correctionReasonMissing'))
    const registered = await rolesInEvent(this.db, input.personId, slot.event_id)
    if (registered.length === 0) throw notFound(bilingual('attendance.personNotRegistered'))
    const sessions = await bookRepo.scheduledSessionsOfSlot(this.db, slot.id)
    await this.db.transaction().execute(async trx => {
      await repo.lockPersonSlot(trx, input.personId, slot.id)
      const existing = await repo.lockRecord(trx, slot.id, input.personId)
      const before = existing === undefined ? null : { sessionId: existing.session_id, status: existing.status, method: existing.method }
      let after: Record<string, unknown> | null
      if (input.status === 'absent') {
        if (existing !== undefined) await repo.deleteRecord(trx, existing.id)
        after = null
      } else {
        const sessionId = input.sessionId ?? existing?.session_id ?? (sessions.length === 1 ? sessions[0]?.id : undefined)
        if (sessionId === undefined || !sessions.some(s => s.id === sessionId)) {
          throw badRequest(bilingual('attendance.chooseSessionOfSlot'))
        }
        if (existing === undefined) {
          await repo.insertRecord(trx, {
            event_id: slot.event_id,
            slot_id: slot.id,
            session_id: sessionId,
            person_id: input.personId,
            status: input.status,
            method: 'manual',
            recorded_at: now,
            device_time: null,
            received_at: now,
            recorded_by: actorId
          })
        } else {
          await repo.updateRecord(trx, existing.id, {
            session_id: sessionId,
            status: input.status,
            method: 'manual',
            recorded_by: actorId,
            received_at: now,
            completed_late_at: null
          })
        }
        after = { sessionId, status: input.status, method: 'manual' }
      }
      await repo.insertHistory(trx, {
        event_id: slot.event_id,
        slot_id: slot.id,
        person_id: input.personId,
        action: 'correction',
        before,
        after,
        reason: input.reason.trim(),
        changed_by: actorId,
        changed_at: now
      })
    })
  }

  async history (personId: string, slotId?: string): Promise<Array<{
    action: string
    before: unknown
    after: unknown
    reason: string | null
    changedBy: string | null
    changedAt: Date
    slotId: string
  }>> {
    return (await repo.historyOf(this.db, personId, slotId)).map(h => ({
      action: h.action,
      before: h.before,
      after: h.after,
      reason: h.reason,
      changedBy: h.changed_by,
      changedAt: h.changed_at,
      slotId: h.slot_id
    }))
  }

  /** A participant excuses themself for a slot (before or after), with a short reason. */
  async submitExcuse (personId: string, slotId: string, reason: string): Promise<{ id: string, status: string }> {
    const slot = await bookRepo.findSlot(this.db, slotId)
    if (slot === undefined || !slot.counts_toward_attendance) throw notFound(bilingual('attendance.slotNotFound'))
    if ((await rolesInEvent(this.db, personId, slot.event_id)).length === 0) throw forbidden(bilingual('attendance.notRegistered'))
    const text = reason.trim()
    if (text.length < 3 || text.length > 500) throw badRequest(bilingual('attendance.excuseReasonLength'))
    const existing = await bookRepo.findExcuse(this.db, personId, slotId)
    if (existing !== undefined && existing.status !== 'pending') throw conflict(bilingual('attendance.excuseAlreadyReviewed'))
    return await bookRepo.upsertExcuse(this.db, { person_id: personId, slot_id: slotId, reason: text, submitted_at: this.clock.now() })
  }

  async excuses (eventId: string, status?: bookRepo.ExcuseStatus): Promise<Array<{
    id: string
    personId: string
    name: string
    slotId: string
    slotStartsAt: Date
    reason: string
    status: string
    submittedAt: Date
  }>> {
    return (await bookRepo.excusesOfEvent(this.db, eventId, status)).map(x => ({
      id: x.id,
      personId: x.person_id,
      name: x.display_name,
      slotId: x.slot_id,
      slotStartsAt: x.starts_at,
      reason: x.reason,
      status: x.status,
      submittedAt: x.submitted_at
    }))
  }

  /** An organizer, or an instructor of the person's course, accepts or refuses an excuse; the decision is in the audit trail. */
  async decideExcuse (actorId: string, excuseId: string, accept: boolean): Promise<string> {
    const excuse = await bookRepo.findExcuseWithEvent(this.db, excuseId)
    if (excuse === undefined) throw notFound(bilingual('attendance.excuseNotFound'))
    await this.access.assert({ personId: actorId }, 'attendance.correct', { kind: 'excuse', excuseId })
    const now = this.clock.now()
    const status = accept ? 'accepted' : 'refused'
    await this.db.transaction().execute(async trx => {
      await bookRepo.setExcuseDecision(trx, excuseId, status, actorId, now)
      await repo.insertHistory(trx, {
        event_id: excuse.event_id,
        slot_id: excuse.slot_id,
        person_id: excuse.person_id,
        action: 'excuse',
        before: { excuse: excuse.status },
        after: { excuse: status },
        reason: null,
        changed_by: actorId,
        changed_at: now
      })
    })
    return excuse.event_id
  }

  /** A participant picks one of a slot's parallel sessions in advance, if its room has space. */
  async choose (personId: string, sessionId: string): Promise<{ sessionId: string, remaining: number | null }> {
    const session = await repo.findSession(this.db, sessionId)
    if (session === undefined) throw notFound(bilingual('attendance.sessionNotFound'))
    if ((await rolesInEvent(this.db, personId, session.event_id)).length === 0) throw forbidden(bilingual('attendance.notRegistered'))
    if (session.starts_at <= this.clock.now()) throw badRequest(bilingual('attendance.sessionStarted'))
    return await this.db.transaction().execute(async trx => {
      // Serialise choices for one session so the last place is given once.
      await repo.lockPersonSlot(trx, 'capacity', session.id)
      if (session.capacity !== null) {
        const { checkedIn, chosen } = await repo.sessionCounts(trx, session.id)
        const mine = await bookRepo.findChoice(trx, personId, session.slot_id)
        if (mine?.session_id !== session.id && checkedIn + chosen >= session.capacity) {
          throw new AppError('conflict', bilingual('attendance.sessionFullChooseAnother', { title: session.title, capacity: session.capacity }))
        }
      }
      await bookRepo.saveChoice(trx, { person_id: personId, slot_id: session.slot_id, session_id: session.id, chosen_at: this.clock.now() })
      const counts = await repo.sessionCounts(trx, session.id)
      return { sessionId: session.id, remaining: session.capacity === null ? null : Math.max(0, session.capacity - counts.checkedIn - counts.chosen) }
    })
  }

  async unchoose (personId: string, slotId: string): Promise<void> {
    await bookRepo.deleteChoice(this.db, personId, slotId)
  }

  /** Places left in each session of the event (parallel sessions show "full" before people walk there). */
  async places (eventId: string): Promise<Map<string, { capacity: number | null, taken: number }>> {
    // Taken: people checked in (present or late) plus advance choices not yet checked in.
    const rows = await bookRepo.sessionPlaces(this.db, eventId)
    return new Map(rows.map(r => [r.id, { capacity: r.capacity, taken: Number(r.checked_in) + Number(r.chosen) }]))
  }

  /** Check-ins per session across the week (charts): sessions in time order with their slot, and whether they have started. */
  async perSession (eventId: string): Promise<Array<{
    sessionId: string
    title: string
    slotId: string
    startsAt: Date
    count: number
    capacity: number | null
    started: boolean
  }>> {
    const now = this.clock.now()
    const rows = await bookRepo.sessionCheckIns(this.db, eventId)
    return rows.map(r => ({
      sessionId: r.id,
      title: r.title,
      slotId: r.slot_id,
      startsAt: r.starts_at,
      count: Number(r.count),
      capacity: r.capacity,
      started: r.starts_at <= now
    }))
  }
}

/**
 * The attendance grade in [0, 1]: weights per status over the slots held so far (or all of
 * them); an accepted excuse counts as present or is left out, as the policy says.
 */
export function gradeOf (cells: Cell[], slots: GridSlot[], policy: PolicyRow): number | null {
  let sum = 0
  let count = 0
  slots.forEach((slot, i) => {
    if (policy.over === 'held' && !slot.held) return
    const status = cells[i]?.status ?? 'absent'
    if (status === 'excused' && policy.excused === 'omit') return
    count++
    if (status === 'present' || status === 'excused') sum += policy.weight_present
    else if (status === 'late') sum += policy.weight_late
  })
  return count === 0 ? null : sum / count
}
