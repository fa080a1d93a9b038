import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { DateTime } from 'luxon'
import type { Db } from '../db/database.js'
import type { Clock } from '../clock.js'
import { notFound } from '../errors.js'
import { bilingual } from '../views/i18n.js'
import { localInstant, parseProgramFile, type ProgramFile, type SessionKind, type SpeakerRole } from './data-file.js'
import * as repo from './repository.js'
import { localDate } from './local-date.js'
import { groupBy } from '../util/group-by.js'

export interface ImportSummary {
  eventId: string
  eventKey: string
  event: 'created' | 'updated'
  sessions: { created: number, updated: number, unchanged: number, cancelled: number, deleted: number }
  slots: number
  speakers: number
  rooms: number
}

export interface EventSummary {
  id: string
  key: string
  title: { fr: string, en: string }
  timezone: string
  startsOn: string
  endsOn: string
  location: string | null
  contact: { phone: string | null, email: string | null }
  course: { code: string, title: string, credits: number } | null
  description: { fr: string, en: string } | null
  objectives: { fr: string[], en: string[] }
  attestation: { fr: string, en: string } | null
}

export interface ProgramSession {
  id: string
  key: string
  kind: SessionKind
  title: string
  language: 'fr' | 'en'
  room: string | null
  capacity: number | null
  description: string | null
  descriptionProvisional: boolean
  speakers: Array<{ name: string, affiliation: string | null, role: SpeakerRole }>
  speakersToBeConfirmed: boolean
  mode: 'in_person' | 'online'
  audience: 'everyone' | 'credited'
  parallel: boolean
  status: 'scheduled' | 'cancelled'
}

export interface ProgramSlot {
  id: string
  key: string
  start: string
  end: string
  durationMinutes: number
  countsTowardAttendance: boolean
  sessions: ProgramSession[]
}

export interface Program {
  event: EventSummary
  days: Array<{ date: string, slots: ProgramSlot[] }>
  totals: { attendanceSlots: number, inPersonAttendanceMinutes: number, inPersonAttendanceHours: number }
}

/**
 * An event's program version, one more at every import, and when that import was made: what
 * rendered copies of the program are kept by (src/program/renderings.ts).
 */
export interface ProgramVersion {
  eventId: string
  eventKey: string
  version: number
  revisedAt: Date
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')

const programVersion = (row: repo.ProgramVersionRow): ProgramVersion => ({
  eventId: row.id,
  eventKey: row.key,
  version: row.program_version,
  revisedAt: row.updated_at
})

export function toEventSummary (row: repo.EventRow): EventSummary {
  const list = (v: unknown): string[] => Array.isArray(v) ? v.map(String) : []
  return {
    id: row.id,
    key: row.key,
    title: { fr: row.title_fr, en: row.title_en },
    timezone: row.timezone,
    startsOn: row.starts_on,
    endsOn: row.ends_on,
    location: row.location,
    contact: { phone: row.contact_phone, email: row.contact_email },
    course: row.course_code !== null && row.course_title !== null ? { code: row.course_code, title: row.course_title, credits: row.course_credits ?? 0 } : null,
    description: row.description_fr !== null && row.description_en !== null ? { fr: row.description_fr, en: row.description_en } : null,
    objectives: { fr: list(row.objectives_fr), en: list(row.objectives_en) },
    attestation: row.attestation_fr !== null && row.attestation_en !== null ? { fr: row.attestation_fr, en: row.attestation_en } : null
  }
}

export class ProgramService {
  /** Version reads in flight, by what they ask: requests arriving meanwhile share the answer. */
  readonly #versionReads = new Map<string, Promise<ProgramVersion | undefined>>()
  /** Every event's version, kept until the next import's notification (keepVersionsUntilImport), or undefined: read per request. */
  #keptVersions: Promise<repo.ProgramVersionListRow[]> | undefined
  #keepingVersions = false

  constructor (private readonly db: Db, private readonly clock: Clock) {}

  async listEvents (): Promise<EventSummary[]> {
    return (await repo.listEvents(this.db)).map(toEventSummary)
  }

  async getEvent (eventId: string): Promise<EventSummary> {
    const row = await repo.findEventById(this.db, eventId)
    if (row === undefined) throw notFound(bilingual('program.eventNotFound'))
    return toEventSummary(row)
  }

  async getEventByKey (key: string): Promise<EventSummary> {
    const row = await repo.findEventByKey(this.db, key)
    if (row === undefined) throw notFound(bilingual('program.eventNotFound'))
    return toEventSummary(row)
  }

  /**
   * Read for every request served from a rendered copy (one small query), so that an import
   * through any instance shows at the next request. A request arriving while the same read is
   * in flight shares its answer: under load one query answers many requests, alone each asks.
   */
  async #readVersion (
    what: string,
    read: () => Promise<repo.ProgramVersionRow | undefined>,
    kept: (rows: repo.ProgramVersionListRow[]) => repo.ProgramVersionRow | undefined
  ): Promise<ProgramVersion | undefined> {
    if (this.#keepingVersions) {
      const found = kept(await this.#versionList())
      return found === undefined ? undefined : programVersion(found)
    }
    let pending = this.#versionReads.get(what)
    if (pending === undefined) {
      pending = read().then(row => row === undefined ? undefined : programVersion(row)).finally(() => { this.#versionReads.delete(what) })
      this.#versionReads.set(what, pending)
    }
    return await pending
  }

  async programVersion (eventId: string): Promise<ProgramVersion> {
    const version = await this.#readVersion(
      `id ${eventId}`,
      async () => await repo.findProgramVersion(this.db, eventId),
      rows => rows.find(r => r.id === eventId)
    )
    if (version === undefined) throw notFound(bilingual('program.eventNotFound'))
    return version
  }

  async programVersionByKey (key: string): Promise<ProgramVersion> {
    const version = await this.#readVersion(`key ${key}`, async () => await repo.findProgramVersionByKey(this.db, key), rows => rows.find(r => r.key === key))
    if (version === undefined) throw notFound(bilingual('program.eventNotFound'))
    return version
  }

  /** The program version of the current event (as currentEvent chooses it), or undefined without any event. */
  async currentProgramVersion (): Promise<ProgramVersion | undefined> {
    const current = (rows: repo.ProgramVersionListRow[]): repo.ProgramVersionRow | undefined =>
      this.#current(rows.map(row => ({ ...row, startsOn: row.starts_on, endsOn: row.ends_on })))
    // Kept or not, the choice is made now: it moves with the clock.
    return await this.#readVersion('current', async () => current(await repo.listProgramVersions(this.db)), current)
  }

  async #versionList (): Promise<repo.ProgramVersionListRow[]> {
    const list = this.#keptVersions ?? repo.listProgramVersions(this.db)
    this.#keptVersions = list
    try {
      return await list
    } catch (err) {
      if (this.#keptVersions === list) this.#keptVersions = undefined
      throw err
    }
  }

  /**
   * On the embedded database: keeps every event's version in memory, forgotten at each import's
   * notification (sent on commit, before the import returns), instead of a query per request —
   * each costs ~0.7 ms of PGlite, more than the rest of the answer. Only there: its data
   * directory is locked to one process, so every import is made in this process and heard at
   * once. PostgreSQL keeps one read per request (another instance's import, whatever becomes
   * of a LISTEN connection). Resolves to a function that stops.
   */
  async keepVersionsUntilImport (listen: (channel: string, onNotify: (payload: string) => void) => Promise<() => Promise<void>>): Promise<() => Promise<void>> {
    const stop = await listen(repo.PROGRAM_CHANNEL, () => { this.#keptVersions = undefined })
    this.#keptVersions = undefined
    this.#keepingVersions = true
    return async () => {
      this.#keepingVersions = false
      this.#keptVersions = undefined
      await stop()
    }
  }

  /** The current instant, from the injected clock (the program page's "now / next" marker). */
  now (): Date {
    return this.clock.now()
  }

  /** The event shown on the home page: the one running or coming next, else the latest. */
  async currentEvent (): Promise<EventSummary | undefined> {
    return this.#current(await this.listEvents())
  }

  /** Of events latest first, the one running or coming next, else the latest. */
  #current<E extends { timezone: string, startsOn: string, endsOn: string }> (events: E[]): E | undefined {
    const now = this.clock.now()
    // "Today" where the event takes place, not where the server runs.
    const notOver = (e: E): boolean => e.endsOn >= localDate(now, e.timezone)
    const upcoming = events.filter(notOver).sort((a, b) => a.startsOn.localeCompare(b.startsOn))
    return upcoming[0] ?? events[0]
  }

  async getProgram (eventId: string): Promise<Program> {
    const event = await this.getEvent(eventId)
    const [days, slots, sessions, speakers] = await Promise.all([
      repo.listDays(this.db, eventId),
      repo.listSlots(this.db, eventId),
      repo.listSessionsWithRooms(this.db, eventId),
      repo.listSpeakersOfSessions(this.db, eventId)
    ])
    const iso = (d: Date): string => DateTime.fromJSDate(d, { zone: event.timezone }).toISO({ suppressMilliseconds: true }) ?? d.toISOString()
    const speakersBySession = groupBy(speakers, s => s.session_id)
    const sessionsBySlot = groupBy(sessions, s => s.slot_id)
    let attendanceSlots = 0
    let inPersonMinutes = 0
    const slotsByDay = groupBy(slots.map((slot): ProgramSlot & { dayId: string } => {
      const rows = sessionsBySlot.get(slot.id) ?? []
      const scheduled = rows.filter(s => s.status === 'scheduled')
      const durationMinutes = Math.round((slot.ends_at.getTime() - slot.starts_at.getTime()) / 60_000)
      if (slot.counts_toward_attendance && scheduled.length > 0) {
        attendanceSlots++
        if (scheduled.some(s => s.mode === 'in_person' && s.audience === 'everyone')) inPersonMinutes += durationMinutes
      }
      return {
        dayId: slot.day_id,
        id: slot.id,
        key: slot.key,
        start: iso(slot.starts_at),
        end: iso(slot.ends_at),
        durationMinutes,
        countsTowardAttendance: slot.counts_toward_attendance,
        sessions: rows.map(s => ({
          id: s.id,
          key: s.key,
          kind: s.kind,
          title: s.title,
          language: s.language,
          room: s.room_name,
          capacity: s.room_capacity,
          description: s.description,
          descriptionProvisional: s.description_provisional,
          speakers: (speakersBySession.get(s.id) ?? []).map(sp => ({ name: sp.name, affiliation: sp.affiliation, role: sp.role })),
          speakersToBeConfirmed: s.speakers_to_be_confirmed,
          mode: s.mode,
          audience: s.audience,
          parallel: scheduled.length > 1 && s.status === 'scheduled',
          status: s.status
        }))
      }
    }), s => s.dayId)
    return {
      event,
      days: days.map(day => ({ date: day.date, slots: (slotsByDay.get(day.id) ?? []).map(({ dayId: _d, ...slot }) => slot) })),
      totals: {
        attendanceSlots,
        inPersonAttendanceMinutes: inPersonMinutes,
        inPersonAttendanceHours: Math.round(inPersonMinutes / 6) / 10
      }
    }
  }

  async importFromFile (path: string, importedBy: string | null = null): Promise<ImportSummary> {
    const text = await readFile(path, 'utf8')
    return await this.importProgram(parseProgramFile(text, path), { source: path, sha256: sha256(text), importedBy })
  }

  async importFromText (text: string, source: string, importedBy: string | null): Promise<ImportSummary> {
    return await this.importProgram(parseProgramFile(text, source), { source, sha256: sha256(text), importedBy })
  }

  /**
   * Creates or updates an event from a program file, in one transaction, keyed by the stable
   * keys of the file: re-importing the same file changes nothing; a session removed from the
   * file is deleted, unless attendance was already recorded for it — then it is cancelled.
   */
  async importProgram (file: ProgramFile, meta: { source: string, sha256: string, importedBy: string | null }): Promise<ImportSummary> {
    const now = this.clock.now()
    const { event: e } = file
    const dates = file.days.map(d => d.date).sort()
    return await this.db.transaction().execute(async trx => {
      const { id: eventId, created } = await repo.upsertEvent(trx, {
        key: e.key,
        title_fr: e.title.fr,
        title_en: e.title.en,
        timezone: e.timezone,
        location: e.location ?? null,
        contact_phone: e.contact?.phone ?? null,
        contact_email: e.contact?.email ?? null,
        course_code: e.course?.code ?? null,
        course_title: e.course?.title ?? null,
        course_credits: e.course?.credits ?? null,
        description_fr: e.description?.fr ?? null,
        description_en: e.description?.en ?? null,
        objectives_fr: JSON.stringify(e.objectives?.fr ?? []),
        objectives_en: JSON.stringify(e.objectives?.en ?? []),
        attestation_fr: e.attestation?.fr ?? null,
        attestation_en: e.attestation?.en ?? null,
        starts_on: dates[0] ?? '',
        ends_on: dates[dates.length - 1] ?? ''
      })
      const roomIds = new Map<string, string>()
      for (const room of file.rooms) roomIds.set(room.key, await repo.upsertRoom(trx, eventId, room))
      const speakerIds = new Map<string, string>()
      for (const sp of file.speakers) speakerIds.set(sp.key, await repo.upsertSpeaker(trx, eventId, sp))

      const existing = new Map((await repo.listSessionsForEvent(trx, eventId)).map(s => [s.key, s]))
      const existingSpeakers = groupBy(await repo.listSessionSpeakers(trx, eventId), s => s.session_id)
      const counts = { created: 0, updated: 0, unchanged: 0, cancelled: 0, deleted: 0 }
      const seen = new Set<string>()
      let slotCount = 0
      for (const day of file.days) {
        const dayId = await repo.upsertDay(trx, eventId, day.date)
        for (const slot of day.slots) {
          slotCount++
          const slotId = await repo.upsertSlot(trx, {
            event_id: eventId,
            day_id: dayId,
            key: slot.key,
            starts_at: localInstant(day.date, slot.start, e.timezone),
            ends_at: localInstant(day.date, slot.end, e.timezone),
            counts_toward_attendance: slot.countsTowardAttendance
          })
          for (const [position, s] of slot.sessions.entries()) {
            seen.add(s.key)
            const values: repo.SessionValues = {
              event_id: eventId,
              slot_id: slotId,
              key: s.key,
              kind: s.kind,
              title: s.title,
              language: s.language,
              mode: s.mode,
              audience: s.audience,
              room_id: s.room === null ? null : roomIds.get(s.room) ?? null,
              description: s.description,
              description_provisional: s.descriptionProvisional,
              speakers_to_be_confirmed: s.speakersToBeConfirmed,
              position
            }
            const speakers = s.speakers.map((sp, i) => ({
              speaker_id: speakerIds.get(sp.speaker) ?? '',
              position: i,
              role: sp.role,
              affiliation: sp.affiliation ?? null
            }))
            const before = existing.get(s.key)
            if (before === undefined) {
              const id = await repo.insertSession(trx, values)
              await repo.replaceSessionSpeakers(trx, id, speakers)
              counts.created++
              continue
            }
            const sameSession = before.status === 'scheduled' && Object.entries(values).every(([k, v]) => before[k as keyof typeof before] === v)
            const beforeSpeakers = (existingSpeakers.get(before.id) ?? []).sort((a, b) => a.position - b.position)
              .map(({ session_id: _s, ...rest }) => rest)
            const sameSpeakers = JSON.stringify(beforeSpeakers) === JSON.stringify(speakers)
            if (sameSession && sameSpeakers) {
              counts.unchanged++
              continue
            }
            if (!sameSession) await repo.updateSession(trx, before.id, values)
            if (!sameSpeakers) await repo.replaceSessionSpeakers(trx, before.id, speakers)
            counts.updated++
          }
        }
      }
      const attended = await repo.sessionIdsWithAttendance(trx, eventId)
      const toDelete: string[] = []
      for (const [key, row] of existing) {
        if (seen.has(key)) continue
        if (attended.has(row.id)) {
          if (row.status !== 'cancelled') {
            await repo.cancelSession(trx, row.id, now)
            counts.cancelled++
          }
        } else {
          toDelete.push(row.id)
        }
      }
      await repo.deleteSessions(trx, toDelete)
      counts.deleted = toDelete.length
      await repo.pruneEvent(trx, eventId, { rooms: file.rooms.map(r => r.key), speakers: file.speakers.map(s => s.key) })
      const summary: ImportSummary = {
        eventId,
        eventKey: e.key,
        event: created ? 'created' : 'updated',
        sessions: counts,
        slots: slotCount,
        speakers: file.speakers.length,
        rooms: file.rooms.length
      }
      await repo.recordImport(trx, { event_id: eventId, source: meta.source, sha256: meta.sha256, imported_by: meta.importedBy, summary })
      await repo.notifyImported(trx, eventId)
      return summary
    })
  }

  /** At start: an empty database gets the configured program file. */
  async ensureLoaded (programFile: string): Promise<ImportSummary | undefined> {
    if (await repo.countEvents(this.db) > 0) return undefined
    return await this.importFromFile(programFile)
  }
}
