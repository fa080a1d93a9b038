import { FixedClock } from '../../src/clock.js'
import { testApp, type TestApp } from './app.js'
import { bearerFor } from './session.js'

/** Friday 24 October 2025 in Montréal: the last counted (in-person) slot ended Thursday 16:15. */
export const AFTER_EVENT = new Date('2025-10-24T14:00:00-04:00')
/** Tuesday 21 October 2025, 10:00 in Montréal: the event is under way. */
export const DURING_EVENT_MTL = new Date('2025-10-21T10:00:00-04:00')

export interface Someone { id: string, name: string, email: string, bearer: string }

export interface AttestationCtx extends TestApp {
  eventId: string
  /** Counted slots in time order, each with its scheduled in-person sessions (parallel ones share a slot). */
  slots: Array<{ id: string, startsAt: Date, endsAt: Date, hours: number, sessions: string[] }>
  organizer: Someone
  /** A registered person (participant by default), with a bearer token for the API. */
  person: (name: string, role?: 'participant' | 'credited_student' | 'instructor' | 'organizer' | 'door_staff', locale?: 'fr' | 'en') => Promise<Someone>
  /** Records the person present in these slots (indexes into `slots`), in the slot's first session unless told. */
  attend: (personId: string, slotIndexes: number[], options?: { status?: 'present' | 'late', session?: (slot: AttestationCtx['slots'][number]) => string }) => Promise<void>
  /** Records attendance in the first slots until at least `hours` hours. */
  attendHours: (personId: string, hours: number) => Promise<number>
}

/**
 * The 2025 program with an organizer; `person` registers more people. The clock is after the
 * event unless told: requests are decided at once. 21 counted hours in 16 slots.
 */
export async function attestationSetup (t: Parameters<typeof testApp>[0], at: Date = AFTER_EVENT): Promise<AttestationCtx> {
  const ctx = await testApp(t, { clock: new FixedClock(at) })
  const [event] = await ctx.services.program.listEvents()
  const eventId = event!.id
  const db = ctx.database.db
  const slotRows = await db.selectFrom('time_slots').select(['id', 'starts_at', 'ends_at'])
    .where('event_id', '=', eventId).where('counts_toward_attendance', '=', true).orderBy('starts_at').execute()
  const sessionRows = await db.selectFrom('sessions').select(['id', 'slot_id']).where('event_id', '=', eventId)
    .where('status', '=', 'scheduled').where('mode', '=', 'in_person').orderBy('position').execute()
  const slots = slotRows.map(s => ({
    id: s.id,
    startsAt: s.starts_at,
    endsAt: s.ends_at,
    hours: (s.ends_at.getTime() - s.starts_at.getTime()) / 3600_000,
    sessions: sessionRows.filter(x => x.slot_id === s.id).map(x => x.id)
  })).filter(s => s.sessions.length > 0)
  let n = 0
  const person: AttestationCtx['person'] = async (name, role = 'participant', locale = 'fr') => {
    const email = `p${++n}.${name.normalize('NFD').replace(/[^A-Za-z]/g, '').toLowerCase()}@example.gouv.qc.ca`
    const row = await db.insertInto('people').values({ display_name: name, email, preferred_locale: locale }).returning('id').executeTakeFirstOrThrow()
    await db.insertInto('registrations').values({ event_id: eventId, person_id: row.id, role }).execute()
    return { id: row.id, name, email, bearer: await bearerFor(ctx, row.id) }
  }
  const attend: AttestationCtx['attend'] = async (personId, indexes, options = {}) => {
    for (const i of indexes) {
      const slot = slots[i]
      if (slot === undefined) throw new Error(`no counted slot ${i}`)
      await db.insertInto('attendance_records').values({
        event_id: eventId,
        slot_id: slot.id,
        session_id: options.session?.(slot) ?? slot.sessions[0]!,
        person_id: personId,
        status: options.status ?? 'present',
        method: 'manual',
        recorded_at: slot.startsAt
      }).execute()
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
