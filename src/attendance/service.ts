import { createHash } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import type { AccessPolicy } from '../access/policy.js'
import { rolesInEvent } from '../access/repository.js'
import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import { AppError, forbidden, notFound, type Bilingual } from '../errors.js'
import { bilingual, formatDay, formatTime, t, type Locale, type TextKey, type TextValues } from '../views/i18n.js'
import { checkRoomToken, codeValidUntil, passCode, roomToken, typedCode, windowEndsAt, windowOf } from './codes.js'
import * as repo from './repository.js'
import * as eventDay from './event-day-repository.js'
import type { Method, RecordRow, SessionForCheckIn, Status } from './repository.js'
import { byName } from '../util/by-name.js'

/** Wrong typed codes allowed per person in TYPED_CODE_PERIOD_MS before they must wait. */
export const MAX_TYPED_CODE_ATTEMPTS = 5
const TYPED_CODE_PERIOD_MS = 10 * 60_000
/** Offline scans may arrive late, but not from the future or from long ago. */
const MAX_DEVICE_CLOCK_AHEAD_MS = 2 * 60_000
const MAX_OFFLINE_AGE_MS = 24 * 3600_000

const SETTINGS_TTL_MS = 5000
/**
 * A scan made before signing in completes only until this long after its room code stopped
 * being valid: enough to open one's personal link on the phone, too short for the scan to be
 * handed to someone who is not in the room.
 */
export const PENDING_SCAN_GRACE_MS = 2 * 60_000

/** Who may attend a session reserved to the credited course. */
const CREDITED_ROLES = ['credited_student', 'instructor', 'organizer']

export type CheckInResult = 'created' | 'moved' | 'already' | 'pending'

export interface CheckIn {
  result: CheckInResult
  session: { id: string, title: string, room: string | null, timezone: string }
  record: { status: Status, recordedAt: Date, method: Method } | null
  /** The session the person was moved from (one session per slot). */
  movedFrom?: { id: string, title: string } | undefined
}

/**
 * The browser that scanned a room code before signing in, as its two cookies tell it: the scan
 * cookie names its pending scans, the device nonce (a cookie of its own) binds them to this
 * browser. Both are random, signed, httpOnly and partitioned; a scan cookie replayed alone in
 * another browser completes nothing.
 */
export interface ScanDevice { scanKey: string, deviceNonce: string }

export interface ScanInput { scanId: string, sessionId: string, code: string, deviceTime: Date }
export interface ScanOutcome {
  scanId: string
  result: 'created' | 'moved' | 'already' | 'refused'
  person: { id: string, name: string } | null
  status: Status | null
  recordedAt: Date | null
  message: Bilingual
}

const deviceHash = (deviceKey: string): string => createHash('sha256').update(`device:${deviceKey}`).digest('hex')
const bindingHash = (nonce: string): string => createHash('sha256').update(`scan-device:${nonce}`).digest('hex')

const refuse = (text: Bilingual): AppError => new AppError('bad_request', text)

export class AttendanceService {
  constructor (
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly secret: string,
    readonly publicUrl: string,
    private readonly access: AccessPolicy
  ) {}

  /**
   * Sessions and rules change rarely and every check-in reads them: each instance keeps them a
   * few seconds (a program import or a policy change shows within SETTINGS_TTL_MS everywhere).
   */
  readonly #sessions = new LRUCache<string, SessionForCheckIn>({ max: 2000, ttl: SETTINGS_TTL_MS })
  readonly #policies = new LRUCache<string, repo.PolicyRow>({ max: 100, ttl: SETTINGS_TTL_MS })

  async session (sessionId: string): Promise<SessionForCheckIn> {
    const cached = this.#sessions.get(sessionId)
    if (cached !== undefined) return cached
    const session = await repo.findSession(this.db, sessionId)
    if (session === undefined) throw notFound(bilingual('attendance.sessionNotFound'))
    this.#sessions.set(sessionId, session)
    return session
  }

  async #policy (eventId: string): Promise<repo.PolicyRow> {
    const cached = this.#policies.get(eventId)
    if (cached !== undefined) return cached
    const policy = await repo.findPolicy(this.db, eventId)
    this.#policies.set(eventId, policy)
    return policy
  }

  /**
   * 403 unless the access policy lets the person do this at the session: host it (the session
   * team: door staff, instructors, organizers of its event) or scan passes at its door.
   */
  async assertMay (personId: string, session: SessionForCheckIn, action: 'attendance.host' | 'attendance.scan-passes'): Promise<void> {
    await this.access.assert({ personId }, action, { kind: 'session', sessionId: session.id })
  }

  /** In-person sessions open for check-in now (door staff choose one). */
  async openSessions (): Promise<SessionForCheckIn[]> {
    const now = this.clock.now()
    const candidates = await repo.sessionsStartingBetween(this.db, new Date(now.getTime() - 8 * 3600_000), new Date(now.getTime() + 4 * 3600_000))
    const open: SessionForCheckIn[] = []
    for (const s of candidates) {
      const policy = await this.#policy(s.event_id)
      if (now >= this.#opensAt(s, policy) && now <= this.#closesAt(s, policy)) open.push(s)
    }
    return open
  }

  /** What the projector shows now: the QR URL, the typed code, and when they change. */
  roomCode (sessionId: string): { url: string, typedCode: string, window: number, changesAt: Date } {
    const window = windowOf(this.clock.now())
    return {
      url: `${this.publicUrl}/presence/${sessionId}/${window}.${roomToken(this.secret, sessionId, window)}`,
      typedCode: typedCode(this.secret, sessionId, window),
      window,
      changesAt: windowEndsAt(window)
    }
  }

  async counts (sessionId: string): Promise<{ checkedIn: number, chosen: number, capacity: number | null }> {
    const session = await this.session(sessionId)
    return { ...await repo.sessionCounts(this.db, sessionId), capacity: session.capacity }
  }

  /** Who is checked in, newest first; walk-ins are those who had not chosen this session in advance. */
  async attendees (sessionId: string): Promise<Array<{ personId: string, name: string, status: string, method: string, recordedAt: Date, walkIn: boolean }>> {
    return (await repo.sessionAttendees(this.db, sessionId)).map(a => ({
      personId: a.person_id,
      name: a.display_name,
      status: a.status,
      method: a.method,
      recordedAt: a.recorded_at,
      walkIn: !a.chosen
    }))
  }

  /** The session a room code opens, if the code is current and the session open now: what the confirmation page shows. */
  async roomCodeSession (input: { sessionId: string, window: number, token: string }): Promise<SessionForCheckIn> {
    const now = this.clock.now()
    const session = await this.session(input.sessionId)
    this.#assertCodeValid(session, input.window, input.token, now)
    this.#assertOpen(session, await this.#policy(session.event_id), now)
    return session
  }

  /** The session where the person is recorded in a slot, if any (the confirmation says "already" or "moves"). */
  async recordedIn (personId: string, slotId: string): Promise<{ id: string, title: string } | null> {
    return await repo.recordedSession(this.db, slotId, personId) ?? null
  }

  #assertCodeValid (session: SessionForCheckIn, window: number, token: string, now: Date): void {
    const check = checkRoomToken(this.secret, session.id, window, token, now)
    if (check === 'invalid') throw refuse(bilingual('attendance.codeInvalid'))
    if (check === 'expired') throw refuse(bilingual('attendance.codeExpired'))
  }

  /**
   * A person confirmed a room code (the POST of the confirmation page, or the API). Signed in:
   * the check-in is recorded. Not signed in: the scan waits for a sign-in on this browser
   * (`device`), at most PENDING_SCAN_GRACE_MS after the code stopped being valid.
   */
  async checkInByRoomCode (input: {
    personId: string | null
    device?: ScanDevice | undefined
    sessionId: string
    window: number
    token: string
  }): Promise<CheckIn> {
    const now = this.clock.now()
    const session = await this.session(input.sessionId)
    this.#assertCodeValid(session, input.window, input.token, now)
    const policy = await this.#policy(session.event_id)
    this.#assertOpen(session, policy, now)
    if (input.personId === null) {
      if (input.device === undefined) throw refuse(bilingual('attendance.signInToCheckIn'))
      const validUntil = codeValidUntil(input.window)
      const closes = this.#closesAt(session, policy)
      const until = new Date(Math.min(validUntil.getTime() + PENDING_SCAN_GRACE_MS, closes.getTime()))
      await repo.insertPendingScan(this.db, {
        device_hash: deviceHash(input.device.scanKey),
        device_binding: bindingHash(input.device.deviceNonce),
        session_id: session.id,
        scanned_at: now,
        code_valid_until: validUntil,
        expires_at: until
      })
      return { result: 'pending', session: { id: session.id, title: session.title, room: session.room_name, timezone: session.timezone }, record: null }
    }
    return await this.#checkIn(session, policy, { personId: input.personId, at: now, method: 'room_code', deviceTime: null, recordedBy: null })
  }

  /**
   * After a sign-in on a browser: its room scans made before count now, at the time of the
   * scan, if they were made on this browser and their code is at most PENDING_SCAN_GRACE_MS
   * past its validity. Those completed after the code's validity are marked on the record.
   */
  async completePendingScans (personId: string, device: ScanDevice): Promise<{ done: CheckIn[], refused: number }> {
    const now = this.clock.now()
    const pending = await repo.takePendingScans(this.db, deviceHash(device.scanKey), bindingHash(device.deviceNonce), now)
    // Scans of this cookie that do not count here (another browser, too late): the caller logs them.
    const refused = await repo.unusablePendingScans(this.db, deviceHash(device.scanKey), bindingHash(device.deviceNonce), now)
    const done: CheckIn[] = []
    for (const scan of pending) {
      const session = await this.session(scan.session_id).catch(() => undefined)
      if (session === undefined) continue
      const policy = await this.#policy(session.event_id)
      const input = { personId, at: scan.scanned_at, method: 'room_code' as const, deviceTime: scan.scanned_at, recordedBy: null }
      try {
        if (now <= scan.code_valid_until) {
          done.push(await this.#checkIn(session, policy, input))
        } else {
          done.push(await this.db.transaction().execute(async trx => {
            const checkIn = await this.#checkIn(session, policy, input, trx)
            if (checkIn.result !== 'already') await repo.markCompletedLate(trx, session.slot_id, personId, now)
            return checkIn
          }))
        }
      } catch (err) {
        // A pending scan the person may not use (audience) is dropped, like the scan itself would be.
        if (!(err instanceof AppError)) throw err
      }
    }
    return { done, refused }
  }

  /** The 6-digit code under the QR, typed on a signed-in phone; wrong guesses are capped. */
  async checkInByTypedCode (personId: string, code: string): Promise<CheckIn> {
    const now = this.clock.now()
    const attempts = await repo.recentFailedAttempts(this.db, personId, new Date(now.getTime() - TYPED_CODE_PERIOD_MS))
    if (attempts.count >= MAX_TYPED_CODE_ATTEMPTS) {
      const wait = Math.max(1, Math.ceil(((attempts.oldest?.getTime() ?? now.getTime()) + TYPED_CODE_PERIOD_MS - now.getTime()) / 60_000))
      throw new AppError('too_many_requests', bilingual('attendance.tooManyWrongCodes', { minutes: wait }))
    }
    // Sessions open now: starting within the longest opening window around now.
    const candidates = await repo.sessionsStartingBetween(this.db, new Date(now.getTime() - 8 * 3600_000), new Date(now.getTime() + 4 * 3600_000))
    const current = windowOf(now)
    const match = candidates.find(s => [current, current - 1].some(w => typedCode(this.secret, s.id, w) === code))
    if (match === undefined) {
      await repo.insertFailedAttempt(this.db, personId, now)
      const left = MAX_TYPED_CODE_ATTEMPTS - attempts.count - 1
      throw refuse(bilingual('attendance.unknownCode', { left }))
    }
    const policy = await this.#policy(match.event_id)
    this.#assertOpen(match, policy, now)
    return await this.#checkIn(match, policy, { personId, at: now, method: 'typed_code', deviceTime: null, recordedBy: null })
  }

  now (): Date { return this.clock.now() }

  async purgeExpired (): Promise<void> { await repo.purgeExpired(this.db, this.clock.now()) }

  /** A person's pass: scan-only, for door staff. Issued on first use; re-issuing voids the old one. */
  async pass (personId: string, reissue = false): Promise<{ code: string, url: string }> {
    const existing = await repo.findPass(this.db, personId)
    if (existing !== undefined && !reissue) return { code: existing.code, url: `${this.publicUrl}/pass/${existing.code}` }
    const version = (existing?.version ?? 0) + 1
    const code = passCode(this.secret, personId, version)
    await repo.savePass(this.db, { person_id: personId, version, code, issued_at: this.clock.now() })
    return { code, url: `${this.publicUrl}/pass/${code}` }
  }

  /** The sessions held in this session's room on its day (the room's door poster); empty without a room. */
  async roomDay (sessionId: string): Promise<eventDay.RoomDaySession[]> {
    return await eventDay.roomDaySessions(this.db, sessionId)
  }

  /**
   * The passes of the people registered to attend an event that the organizer may print, by name,
   * and how many were left out (registered at an event the organizer does not run: their pass
   * opens that event's doors too). A pass never opened is issued here: a first version is derived
   * from the secret and the person, the code they would get by opening it themselves.
   */
  async eventPasses (organizerId: string, eventId: string): Promise<{ passes: Array<{ name: string, code: string, url: string }>, leftOut: number }> {
    const { printable, leftOut } = await eventDay.attendeesOfEvent(this.db, eventId, organizerId)
    const ids = printable.map(p => p.id)
    let stored = await repo.findPasses(this.db, ids)
    const issuedAt = this.clock.now()
    const fresh = printable.filter(p => !stored.has(p.id)).map(p => ({ person_id: p.id, code: passCode(this.secret, p.id, 1), issued_at: issuedAt }))
    if (fresh.length > 0) {
      await repo.saveFirstPasses(this.db, fresh)
      // Read again: a pass the person reissued meanwhile is the one that opens doors.
      stored = await repo.findPasses(this.db, ids)
    }
    const passes = printable.map(p => {
      const code = stored.get(p.id) ?? ''
      return { name: p.name, code, url: `${this.publicUrl}/pass/${code}` }
    }).sort(byName)
    return { passes, leftOut }
  }

  /**
   * Door scans of personal passes, one by one or as a batch uploaded after a network outage.
   * Each scan id is processed once; a retried upload answers the stored outcome again.
   */
  async scanPasses (staffId: string, scans: ScanInput[]): Promise<ScanOutcome[]> {
    const outcomes: ScanOutcome[] = []
    // The policy is asked once per session of the batch (a batch is usually one session).
    const mayScan = new Set<string>()
    for (const scan of scans) {
      const session = await this.session(scan.sessionId)
      if (!mayScan.has(session.id)) {
        await this.assertMay(staffId, session, 'attendance.scan-passes')
        mayScan.add(session.id)
      }
      outcomes.push(await this.#scanPass(staffId, session, scan))
    }
    return outcomes
  }

  async #scanPass (staffId: string, session: SessionForCheckIn, scan: ScanInput): Promise<ScanOutcome> {
    const now = this.clock.now()
    const deviceTime = new Date(Math.min(scan.deviceTime.getTime(), now.getTime()))
    if (scan.deviceTime.getTime() > now.getTime() + MAX_DEVICE_CLOCK_AHEAD_MS || scan.deviceTime.getTime() < now.getTime() - MAX_OFFLINE_AGE_MS) {
      throw refuse(bilingual('attendance.scannerClockWrong'))
    }
    // Read before the transaction: PGlite has one connection, which the transaction holds.
    const policy = await this.#policy(session.event_id)
    return await this.db.transaction().execute(async trx => {
      if (!await repo.claimScan(trx, {
        scan_id: scan.scanId,
        scanned_by: staffId,
        session_id: session.id,
        pass_code: scan.code,
        device_time: scan.deviceTime,
        received_at: now
      })) {
        const stored = await repo.scanOutcome(trx, scan.scanId)
        if (stored?.scanned_by !== staffId) throw refuse(bilingual('attendance.scanSentByOther'))
        return reviveOutcome(stored.outcome)
      }
      const passHolder = await repo.findPassByCode(trx, scan.code)
      let outcome: ScanOutcome
      if (passHolder === undefined) {
        outcome = { scanId: scan.scanId, result: 'refused', person: null, status: null, recordedAt: null, message: bilingual('attendance.passUnknown') }
      } else {
        try {
          this.#assertOpen(session, policy, deviceTime)
          const done = await this.#checkIn(session, policy, {
            personId: passHolder.person_id,
            at: deviceTime,
            method: 'pass',
            deviceTime: scan.deviceTime,
            recordedBy: staffId
          }, trx)
          outcome = {
            scanId: scan.scanId,
            result: done.result === 'pending' ? 'refused' : done.result,
            person: { id: passHolder.person_id, name: passHolder.display_name },
            status: done.record?.status ?? null,
            recordedAt: done.record?.recordedAt ?? null,
            message: messageOf(done, session.timezone)
          }
        } catch (err) {
          if (!(err instanceof AppError)) throw err
          outcome = {
            scanId: scan.scanId,
            result: 'refused',
            person: { id: passHolder.person_id, name: passHolder.display_name },
            status: null,
            recordedAt: null,
            message: err.text
          }
        }
      }
      await repo.saveScanOutcome(trx, scan.scanId, outcome)
      return outcome
    })
  }

  #opensAt (session: SessionForCheckIn, policy: repo.PolicyRow): Date {
    return new Date(session.starts_at.getTime() - policy.open_before_minutes * 60_000)
  }

  #closesAt (session: SessionForCheckIn, policy: repo.PolicyRow): Date {
    return new Date(session.starts_at.getTime() + policy.close_after_minutes * 60_000)
  }

  #assertOpen (session: SessionForCheckIn, policy: repo.PolicyRow, at: Date): void {
    if (session.status !== 'scheduled') throw refuse(bilingual('attendance.sessionCancelled'))
    if (session.mode !== 'in_person') throw refuse(bilingual('attendance.sessionOnline'))
    const opens = this.#opensAt(session, policy)
    if (at < opens) {
      throw refuse(inBoth('attendance.checkInNotOpenYet', locale => ({
        title: session.title,
        day: formatDay(opens.toISOString(), locale, session.timezone),
        time: clockTime(opens, session.timezone, locale)
      })))
    }
    const closes = this.#closesAt(session, policy)
    if (at > closes) {
      throw refuse(inBoth('attendance.checkInClosed', locale => ({ title: session.title, time: clockTime(closes, session.timezone, locale) })))
    }
  }

  /** One record per person and slot: a check-in to another parallel session moves it. */
  async #checkIn (session: SessionForCheckIn, policy: repo.PolicyRow, input: {
    personId: string
    at: Date
    method: Method
    deviceTime: Date | null
    recordedBy: string | null
  }, db: Db = this.db): Promise<CheckIn> {
    const status: Status = input.at.getTime() > session.starts_at.getTime() + policy.late_after_minutes * 60_000 ? 'late' : 'present'
    const created = await repo.insertFirstCheckIn(db, {
      event_id: session.event_id,
      slot_id: session.slot_id,
      session_id: session.id,
      person_id: input.personId,
      status,
      method: input.method,
      recorded_at: input.at,
      device_time: input.deviceTime,
      received_at: this.clock.now(),
      recorded_by: input.recordedBy,
      roles: session.audience === 'credited' ? CREDITED_ROLES : null
    })
    if (created) {
      return {
        result: 'created',
        session: { id: session.id, title: session.title, room: session.room_name, timezone: session.timezone },
        record: { status, recordedAt: input.at, method: input.method }
      }
    }
    return await this.#checkInCarefully(session, status, input, db)
  }

  /** Already in this slot (same session: "already"; another: a move), or not allowed: say which, under locks. */
  async #checkInCarefully (session: SessionForCheckIn, status: Status, input: {
    personId: string
    at: Date
    method: Method
    deviceTime: Date | null
    recordedBy: string | null
  }, db: Db): Promise<CheckIn> {
    const roles = await rolesInEvent(db, input.personId, session.event_id)
    if (roles.length === 0) throw forbidden(bilingual('attendance.notRegistered'))
    if (session.audience === 'credited' && !roles.some(r => CREDITED_ROLES.includes(r))) {
      throw forbidden(bilingual('attendance.creditedOnly'))
    }
    const now = this.clock.now()
    const run = async (trx: Db): Promise<CheckIn> => {
      await repo.lockPersonSlot(trx, input.personId, session.slot_id)
      const existing = await repo.lockRecord(trx, session.slot_id, input.personId)
      const here = { id: session.id, title: session.title, room: session.room_name, timezone: session.timezone }
      const view = (r: RecordRow): CheckIn['record'] => ({ status: r.status, recordedAt: r.recorded_at, method: r.method })
      if (existing !== undefined && existing.session_id === session.id) return { result: 'already', session: here, record: view(existing) }
      const values = { status, method: input.method, recorded_at: input.at, device_time: input.deviceTime, received_at: now, recorded_by: input.recordedBy }
      if (existing !== undefined) {
        // A new check-in replaces the record, and with it any "completed late" mark (set again by the caller if it applies).
        const from = await repo.findSession(trx, existing.session_id)
        const moved = await repo.updateRecord(trx, existing.id, { session_id: session.id, ...values, completed_late_at: null })
        await repo.insertHistory(trx, {
          event_id: session.event_id,
          slot_id: session.slot_id,
          person_id: input.personId,
          action: 'move',
          before: snapshot(existing),
          after: snapshot(moved),
          reason: null,
          changed_by: input.recordedBy ?? input.personId,
          changed_at: now
        })
        return { result: 'moved', session: here, record: view(moved), movedFrom: from === undefined ? undefined : { id: from.id, title: from.title } }
      }
      const created = await repo.insertRecord(trx, {
        event_id: session.event_id,
        slot_id: session.slot_id,
        session_id: session.id,
        person_id: input.personId,
        ...values
      })
      // A first check-in of the same person committed meanwhile (a double tap): look again.
      if (created === undefined) return await run(trx)
      return { result: 'created', session: here, record: view(created) }
    }
    return db.isTransaction ? await run(db) : await db.transaction().execute(run)
  }
}

const snapshot = (r: RecordRow): Record<string, unknown> => ({
  sessionId: r.session_id,
  status: r.status,
  method: r.method,
  recordedAt: r.recorded_at.toISOString()
})

function reviveOutcome (stored: unknown): ScanOutcome {
  const o = stored as ScanOutcome & { recordedAt: string | null }
  return { ...o, recordedAt: o.recordedAt === null ? null : new Date(o.recordedAt) }
}

const clockTimes = new LRUCache<string, string>({ max: 5000 })
/** "13 h 05" / "1:05 p.m." in the event's time zone; every check-in of a minute shares its answer (formatting is costly). */
function clockTime (at: Date, timezone: string, locale: Locale): string {
  const key = `${locale}:${timezone}:${Math.floor(at.getTime() / 60_000)}`
  let text = clockTimes.get(key)
  if (text === undefined) {
    text = formatTime(at.toISOString(), locale, timezone)
    clockTimes.set(key, text)
  }
  return text
}

/** A message in both languages, each with its own way of writing times and days. */
const inBoth = (key: TextKey, values: (locale: Locale) => TextValues): Bilingual => ({ fr: t('fr', key, values('fr')), en: t('en', key, values('en')) })

/** What a check-in says to the person (or to the door staff). */
export function messageOf (done: CheckIn, timezone: string): Bilingual {
  const at = (locale: Locale): string => done.record === null ? '' : clockTime(done.record.recordedAt, timezone, locale)
  const title = done.session.title
  switch (done.result) {
    case 'already': return inBoth('attendance.alreadyCheckedIn', locale => ({ time: at(locale), title }))
    case 'moved': return bilingual('attendance.movedCheckIn', { from: done.movedFrom?.title ?? '', title, late: done.record?.status === 'late' ? 'yes' : 'no' })
    case 'pending': return bilingual('attendance.pendingCheckIn', { title })
    default: return inBoth(done.record?.status === 'late' ? 'attendance.checkedInLate' : 'attendance.checkedIn', locale => ({ time: at(locale), title }))
  }
}
