import { FixedClock } from '../../src/clock.js'
import { testApp, type TestApp } from './app.js'
import { given, type Role, type Slot } from './given.js'

/** Friday 24 October 2025 in Montréal: the last counted (in-person) slot ended Thursday 16:15. */
export const AFTER_EVENT = new Date('2025-10-24T14:00:00-04:00')
/** Tuesday 21 October 2025, 10:00 in Montréal: the event is under way. */
export const DURING_EVENT_MTL = new Date('2025-10-21T10:00:00-04:00')

export interface Someone { id: string, name: string, email: string, bearer: string }

export interface AttestationCtx extends TestApp {
  eventId: string
  /** Counted slots in time order, each with its scheduled in-person sessions (parallel ones share a slot). */
  slots: Slot[]
  organizer: Someone
  /** A registered person (participant by default), with a bearer token for the API. */
  person: (name: string, role?: Role, locale?: 'fr' | 'en') => Promise<Someone>
  /** Records the person present in these slots (indexes into `slots`), in the slot's first session unless told. */
  attend: (personId: string, slotIndexes: number[], options?: {
    status?: 'present' | 'late'
    session?: (slot: AttestationCtx['slots'][number]) => string
  }) => Promise<void>
  /** Records attendance in the first slots until at least `hours` hours. */
  attendHours: (personId: string, hours: number) => Promise<number>
}

/**
 * The 2025 program with an organizer; `person` registers more people. The clock is after the
 * event unless told: requests are decided at once. 21 counted hours in 16 slots.
 */
export async function attestationSetup (t: Parameters<typeof testApp>[0], at: Date = AFTER_EVENT): Promise<AttestationCtx> {
  const ctx = await testApp(t, { clock: new FixedClock(at) })
  const g = given(ctx)
  const eventId = await g.event()
  const slots = await g.countedSlots(eventId)
  const person: AttestationCtx['person'] = async (name, role = 'participant', locale = 'fr') => {
    const p = await g.as(role, { name, locale }).withBearer()
    return { id: p.id, name, email: p.email!, bearer: p.bearer }
  }
  const attend: AttestationCtx['attend'] = async (personId, indexes, options = {}) => {
    for (const i of indexes) {
      const slot = slots[i]
      if (slot === undefined) throw new Error(`no counted slot ${i}`)
      await g.checkedIn(personId, options.session?.(slot) ?? slot.sessions[0]!, { status: options.status ?? 'present' })
    }
  }
  const attendHours: AttestationCtx['attendHours'] = async (personId, hours) => {
    const indexes: number[] = []
    let total = 0
    for (let i = 0; i < slots.length && total < hours - 1e-9; i++) { indexes.push(i); total += slots[i]!.hours }
    await attend(personId, indexes)
    return total
  }
  const organizer = await person('Odile Organisatrice', 'organizer')
  return { ...ctx, eventId, slots, organizer, person, attend, attendHours }
}
