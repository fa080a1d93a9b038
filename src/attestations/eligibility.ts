import { z } from 'zod'
import { notFound } from '../errors.js'
import { bilingual, t, type Locale } from '../views/i18n.js'
import { formatHours, formatPercent } from './format.js'

/**
 * Who may receive an attestation de formation: a share of the in-person attendance hours.
 * Pure computation over plain data shaped like AttendanceBook.grid (its slots and one row's
 * cells), so a grid row can be passed as is; `eligibilityOf` reads that row from the book.
 */

export interface EligibilityPolicy {
  /** Share of the in-person counted hours needed, in [0, 1]. */
  minShare: number
  /** Whether accepted excuses count toward eligibility (they never add to the hours printed). */
  excusedCounts: boolean
}

export const DEFAULT_ELIGIBILITY_POLICY: EligibilityPolicy = Object.freeze({ minShare: 0.75, excusedCounts: false })

export const eligibilityPolicySchema = z.object({
  minShare: z.number({ error: 'minShare must be a number between 0 and 1 (e.g. 0.75 for 75 %)' })
    .min(0, 'minShare must be at least 0 (0 %)')
    .max(1, 'minShare must be at most 1 (100 %); write 0.75 for 75 %')
    .default(DEFAULT_ELIGIBILITY_POLICY.minShare),
  excusedCounts: z.boolean({ error: 'excusedCounts must be true or false' }).default(DEFAULT_ELIGIBILITY_POLICY.excusedCounts)
}).strict()

/** A time slot as AttendanceBook.grid returns it (GridSlot fits). Parallel sessions share one slot. */
export interface EligibilitySlot {
  id: string
  startsAt: Date
  endsAt: Date
  /** Duration in hours; computed from startsAt/endsAt when left out. */
  hours?: number
  sessions: Array<{ id: string, title: string }>
  /**
   * The grid only returns slots that count toward attendance (in-person sessions); a slot marked
   * false here (the Friday online synthesis) is left out of every total. Default true.
   */
  countsTowardAttendance?: boolean
}

/** One person's status in a slot, as in a grid row's cells (same order as the slots). */
export interface EligibilityCell {
  status: 'present' | 'late' | 'excused' | 'absent' | null
  sessionId: string | null
}

export interface AttendedSession { slotId: string, sessionId: string | null, title: string, startsAt: Date, endsAt: Date, hours: number }

export interface Bilingual { fr: string, en: string }

export interface Eligibility {
  eligible: boolean
  /** Hours actually attended (present or late), once per slot: the hours printed. */
  hoursAttended: number
  /** Attended plus excused when the policy says so: for the rule only, never printed. */
  hoursCountedForEligibility: number
  hoursExcused: number
  /** In-person hours of the slots that count toward attendance. */
  totalHours: number
  hoursRequired: number
  /** hoursCountedForEligibility / totalHours, in [0, 1] (0 when there is nothing to attend). */
  share: number
  /** True once the last counted slot has ended: the figures no longer change by themselves. */
  finalised: boolean
  reason: Bilingual
  sessions: AttendedSession[]
}

const round = (n: number): number => Math.round(n * 1000) / 1000
const hoursOf = (slot: EligibilitySlot): number => slot.hours ?? (slot.endsAt.getTime() - slot.startsAt.getTime()) / 3600_000
const attended = (cell: EligibilityCell | undefined): boolean => cell?.status === 'present' || cell?.status === 'late'

/** The counted slots with their cell, each slot once (a slot listed twice keeps the attended cell). */
function countedSlots (slots: readonly EligibilitySlot[], cells: readonly (EligibilityCell | undefined)[]): Array<{
  slot: EligibilitySlot
  cell: EligibilityCell | undefined
}> {
  const bySlot = new Map<string, { slot: EligibilitySlot, cell: EligibilityCell | undefined }>()
  slots.forEach((slot, i) => {
    if (slot.countsTowardAttendance === false) return
    const cell = cells[i]
    const known = bySlot.get(slot.id)
    if (known === undefined) bySlot.set(slot.id, { slot, cell })
    else if (!attended(known.cell) && (attended(cell) || (known.cell?.status !== 'excused' && cell?.status === 'excused'))) known.cell = cell
  })
  return [...bySlot.values()].sort((a, b) => a.slot.startsAt.getTime() - b.slot.startsAt.getTime())
}

/**
 * Hours from the durations of the slots actually attended (present or late), each slot once;
 * excused slots add nothing. With the sessions attended (title, start, duration) for the PDF.
 */
export function attendedHours (
  slots: readonly EligibilitySlot[],
  cells: readonly (EligibilityCell | undefined)[]
): { hours: number, sessions: AttendedSession[] } {
  const sessions: AttendedSession[] = []
  for (const { slot, cell } of countedSlots(slots, cells)) {
    if (!attended(cell)) continue
    const session = slot.sessions.find(s => s.id === cell?.sessionId) ?? (slot.sessions.length === 1 ? slot.sessions[0] : undefined)
    sessions.push({
      slotId: slot.id,
      sessionId: session?.id ?? null,
      title: session?.title ?? slot.sessions.map(s => s.title).join(' / '),
      startsAt: slot.startsAt,
      endsAt: slot.endsAt,
      hours: hoursOf(slot)
    })
  }
  return { hours: round(sessions.reduce((sum, s) => sum + s.hours, 0)), sessions }
}

/** The rule applied to one person's attendance at `now`. */
export function eligibility (
  policy: EligibilityPolicy,
  slots: readonly EligibilitySlot[],
  cells: readonly (EligibilityCell | undefined)[],
  now: Date
): Eligibility {
  const counted = countedSlots(slots, cells)
  const totalHours = round(counted.reduce((sum, { slot }) => sum + hoursOf(slot), 0))
  const { hours: hoursAttended, sessions } = attendedHours(slots, cells)
  const hoursExcused = round(counted.reduce((sum, { slot, cell }) => sum + (cell?.status === 'excused' ? hoursOf(slot) : 0), 0))
  const hoursCountedForEligibility = round(hoursAttended + (policy.excusedCounts ? hoursExcused : 0))
  const hoursRequired = round(totalHours * policy.minShare)
  const share = totalHours === 0 ? 0 : hoursCountedForEligibility / totalHours
  // A small tolerance so that exactly the threshold (e.g. 16.875 of 22.5 h) is eligible despite floating point.
  const eligible = totalHours > 0 && hoursCountedForEligibility + 1e-9 >= hoursRequired
  const lastEnd = counted.reduce((max, { slot }) => Math.max(max, slot.endsAt.getTime()), -Infinity)
  const finalised = counted.length > 0 && lastEnd <= now.getTime()

  const text = (locale: Locale): string => {
    if (totalHours === 0) return t(locale, 'attestations.ruleNoHours')
    const n = (x: number): string => formatHours(x, locale)
    const figures = {
      counted: n(hoursCountedForEligibility),
      total: n(totalHours),
      share: formatPercent(share, locale),
      required: n(hoursRequired),
      minShare: formatPercent(policy.minShare, locale)
    }
    return [
      policy.excusedCounts && hoursExcused > 0
        ? t(locale, 'attestations.ruleFiguresWithExcused', { ...figures, excused: n(hoursExcused) })
        : t(locale, 'attestations.ruleFigures', figures),
      t(locale, eligible ? 'attestations.ruleEligible' : finalised ? 'attestations.ruleNotEligible' : 'attestations.ruleNotYetEligible'),
      finalised ? '' : t(locale, 'attestations.ruleProvisional')
    ].filter(s => s !== '').join(' ')
  }

  return {
    eligible,
    hoursAttended,
    hoursCountedForEligibility,
    hoursExcused,
    totalHours,
    hoursRequired,
    share,
    finalised,
    reason: { fr: text('fr'), en: text('en') },
    sessions
  }
}

/**
 * What `eligibilityOf` reads from the attendance book: its grid, one person's row. Said here rather
 * than imported, since the book itself uses this rule (hours on « Mes présences »).
 */
export interface GridSource {
  grid: (eventId: string, options: { personId: string }) => Promise<{ slots: EligibilitySlot[], rows: Array<{ personId: string, cells: EligibilityCell[] }> }>
}

/** One person's eligibility in an event, read from the attendance grid (their registrations). */
export async function eligibilityOf (book: GridSource, eventId: string, personId: string, policy: EligibilityPolicy, now: Date): Promise<Eligibility> {
  const grid = await book.grid(eventId, { personId })
  const row = grid.rows.find(r => r.personId === personId)
  if (row === undefined) throw notFound(bilingual('attestations.personNotRegistered'))
  return eligibility(policy, grid.slots, row.cells, now)
}
