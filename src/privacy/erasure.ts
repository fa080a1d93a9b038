import type { AccessPolicy } from '../access/policy.js'
import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import { AppError, badRequest, conflict, notFound, type Bilingual } from '../errors.js'
import { bilingual, intlLocale, t, type Locale } from '../views/i18n.js'
import type { ProgramService } from '../program/service.js'
import * as repo from './erasure-repository.js'
import { insertTombstones } from './tombstone-repository.js'
import { tombstoneHash } from './tombstones.js'
import type { Candidate, Counts, Kept, RequestRow } from './erasure-repository.js'

export type { Candidate, Counts, Kept, RequestRow } from './erasure-repository.js'
/** How a request reached the organizers, as erasure_requests stores it. */
export type Channel = RequestRow['channel']
export const CHANNELS = ['email', 'phone', 'in_person', 'letter', 'other'] as const satisfies readonly Channel[]

export interface ErasurePreview {
  person: Candidate
  /** What the erasure would delete or anonymise now, by kind. */
  erase: Counts
  kept: Kept
  /**
   * Set when the caller may not confirm: the person also belongs to events the caller does not
   * organize (their organizers must agree, then a privacy officer erases), with the message shown.
   */
  blocked: Blocked | null
}

export interface Blocked {
  /** Events the caller does not organize, by title. */
  events: Array<{ id: string, title: Bilingual }>
  /** LMS courses linked to no event. */
  courses: string[]
  message: Bilingual
}

export interface ErasureOptions {
  /** Lower-case emails of the privacy officers (PRIVACY_OFFICER_EMAILS): they may erase across events. */
  officerEmails: string[]
  /** Shown in the refusal: who erases once the other events agree. */
  officer: { name: string, email: string | undefined }
  /** Key of the sealed tombstones (tombstones.ts). */
  tombstoneKey: Buffer
}

export interface RequestInput {
  personId: string
  requestedAt: Date
  channel: Channel
  reason: string | null
}

export interface RequestView {
  request: RequestRow
  person: Candidate | undefined
  /** While the request waits for confirmation: what it will do. */
  preview: ErasurePreview | undefined
  audit: Array<{ action: repo.AuditAction, actorName: string | null, at: Date }>
}

export interface EventInfo { id: string, title: { fr: string, en: string }, timezone: string }

/**
 * Erasure / anonymisation requests (Loi 25): an organizer of the event finds the person, sees
 * what will go and what must stay, records the request (when and how the person asked, why),
 * then confirms. The erasure runs in one transaction; confirming again changes nothing.
 */
export class ErasureService {
  constructor (
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly access: AccessPolicy,
    private readonly program: ProgramService,
    private readonly options: ErasureOptions
  ) {}

  /** Organizers of the event, and privacy officers (who answer for every event): the access policy decides (privacy.erase). */
  async event (actorId: string, eventId: string): Promise<EventInfo> {
    const event = await this.program.getEvent(eventId)
    await this.access.assert({ personId: actorId }, 'privacy.erase', { kind: 'event', eventId })
    return { id: event.id, title: event.title, timezone: event.timezone }
  }

  /** People registered in the event whose name or email contains `query` (at least 2 characters). */
  async find (actorId: string, eventId: string, query: string): Promise<Candidate[]> {
    await this.event(actorId, eventId)
    const q = query.trim()
    if (q.length < 2) {
      throw badRequest(bilingual('privacy.searchTooShort', { min: 2 }))
    }
    return await repo.candidates(this.db, eventId, q, 30)
  }

  async preview (actorId: string, eventId: string, personId: string): Promise<ErasurePreview> {
    await this.event(actorId, eventId)
    return await this.#preview(eventId, personId, actorId)
  }

  /**
   * A privacy officer's account: its email is in PRIVACY_OFFICER_EMAILS and it is not one an
   * event's staff created and held the first link of (whoever made an account with that
   * address would otherwise become the officer).
   */
  async isOfficer (actorId: string): Promise<boolean> {
    if (this.options.officerEmails.length === 0) return false
    const email = await repo.ownEmailOf(this.db, actorId)
    return email !== null && this.options.officerEmails.includes(email.toLowerCase())
  }

  /**
   * What stops this actor from erasing the person: events they do not organize (registrations,
   * LMS courses linked to them, attendance, hand-ins, attestation requests) and LMS courses
   * linked to no event. Null when nothing does, and always for a privacy officer.
   */
  async blockers (actorId: string, personId: string): Promise<Blocked | null> {
    if (await this.isOfficer(actorId)) return null
    const mine = new Set(await repo.organizedEvents(this.db, actorId))
    const events = (await repo.eventsOfPerson(this.db, personId)).filter(e => !mine.has(e.id))
      .map(e => ({ id: e.id, title: { fr: e.title_fr, en: e.title_en } }))
    const courses = (await repo.unlinkedCoursesOf(this.db, personId)).map(c => c.title ?? c.label ?? c.context_id)
    if (events.length === 0 && courses.length === 0) return null
    const officer = this.options.officer
    const who = officer.email === undefined ? officer.name : `${officer.name} (${officer.email})`
    const message = (locale: Locale): string => {
      const titles = (list: string[]): string => new Intl.ListFormat(intlLocale[locale], { type: 'conjunction' })
        .format(list.map(title => t(locale, 'privacy.quoted', { title })))
      const byEvents = events.length > 0 ? t(locale, 'privacy.agreeEvents', { count: events.length, titles: titles(events.map(e => e.title[locale])) }) : null
      const byCourses = courses.length > 0 ? t(locale, 'privacy.agreeCourses', { count: courses.length, titles: titles(courses) }) : null
      const agree = byEvents !== null && byCourses !== null
        ? t(locale, 'privacy.agreeBoth', { events: byEvents, courses: byCourses })
        : byEvents ?? byCourses ?? ''
      return t(locale, 'privacy.erasureBlocked', { agree, officer: who })
    }
    return { events, courses, message: { fr: message('fr'), en: message('en') } }
  }

  async record (actorId: string, eventId: string, input: RequestInput): Promise<RequestView> {
    await this.event(actorId, eventId)
    const person = await this.#person(eventId, input.personId)
    const now = this.clock.now()
    if (person.anonymised_at !== null) throw alreadyErased()
    if (input.personId === actorId) {
      throw conflict(bilingual('privacy.ownErasure'))
    }
    if (input.requestedAt.getTime() > now.getTime()) {
      throw badRequest(bilingual('privacy.requestDateInFuture'))
    }
    const request = await this.db.transaction().execute(async trx => {
      const row = await repo.insertRequest(trx, {
        event_id: eventId,
        person_id: input.personId,
        requested_at: input.requestedAt,
        channel: input.channel,
        reason: input.reason,
        recorded_by: actorId,
        recorded_at: now
      })
      await repo.audit(trx, { requestId: row.id, action: 'recorded', actorId, at: now, details: { channel: input.channel } })
      return row
    })
    return await this.#view(request, actorId)
  }

  async get (actorId: string, eventId: string, requestId: string): Promise<RequestView> {
    await this.event(actorId, eventId)
    return await this.#view(await this.#request(eventId, requestId), actorId)
  }

  async list (actorId: string, eventId: string): Promise<Array<RequestRow & { person_name: string | null }>> {
    await this.event(actorId, eventId)
    return await repo.listRequests(this.db, eventId)
  }

  /**
   * Erases the person of a recorded request, in one transaction, and marks the request done with
   * the counts. A request already done answers the same counts (and the repeat is audited).
   */
  async confirm (actorId: string, eventId: string, requestId: string): Promise<RequestView & { repeated: boolean }> {
    await this.event(actorId, eventId)
    const recorded = await this.#request(eventId, requestId)
    const now = this.clock.now()
    if (recorded.status !== 'done' && recorded.person_id !== null) {
      const blocked = await this.blockers(actorId, recorded.person_id)
      if (blocked !== null) {
        // Refused and accountable: the request's log says who tried and which events must agree.
        await repo.audit(this.db, {
          requestId,
          action: 'refused',
          actorId,
          at: now,
          details: { events: blocked.events.map(e => e.title.fr), courses: blocked.courses }
        })
        throw new AppError('forbidden', blocked.message, { events: blocked.events, courses: blocked.courses })
      }
    }
    const outcome = await this.db.transaction().execute(async trx => {
      const request = await repo.lockRequest(trx, requestId)
      if (request === undefined) throw requestNotFound()
      if (request.status === 'done') {
        await repo.audit(trx, { requestId, action: 'confirmed_again', actorId, at: now })
        return { request, repeated: true }
      }
      if (request.person_id === null) throw conflict(bilingual('privacy.requestPersonGone'))
      // Sealed tombstones first (the identities go with the erasure): the LMS will not bring the person back.
      const identities = await repo.identitiesOf(trx, request.person_id)
      await insertTombstones(trx, identities.map(i => tombstoneHash(this.options.tombstoneKey, i.issuer, i.subject)), now)
      const counts = await repo.anonymise(trx, request.person_id, now)
      const done = await repo.completeRequest(trx, requestId, actorId, now, counts)
      await repo.audit(trx, { requestId, action: 'confirmed', actorId, at: now, details: counts })
      return { request: done, repeated: false }
    })
    return { ...await this.#view(outcome.request, actorId), repeated: outcome.repeated }
  }

  async #preview (eventId: string, personId: string, actorId: string): Promise<ErasurePreview> {
    const person = await this.#person(eventId, personId)
    return { person, erase: await repo.plan(this.db, personId), kept: await repo.kept(this.db, personId), blocked: await this.blockers(actorId, personId) }
  }

  async #view (request: RequestRow, actorId: string): Promise<RequestView> {
    const person = request.person_id === null ? undefined : await repo.registeredPerson(this.db, request.event_id, request.person_id)
    const preview = request.status === 'done' || person === undefined ? undefined : await this.#preview(request.event_id, person.id, actorId)
    const audit = (await repo.auditOf(this.db, request.id)).map(a => ({ action: a.action, actorName: a.actor_name, at: a.at }))
    return { request, person, preview, audit }
  }

  async #person (eventId: string, personId: string): Promise<Candidate> {
    const person = await repo.registeredPerson(this.db, eventId, personId)
    if (person === undefined) {
      throw notFound(bilingual('privacy.personNotInEvent'))
    }
    return person
  }

  async #request (eventId: string, requestId: string): Promise<RequestRow> {
    const request = await repo.findRequest(this.db, eventId, requestId)
    if (request === undefined) throw requestNotFound()
    return request
  }
}

const requestNotFound = (): ReturnType<typeof notFound> => notFound(bilingual('privacy.erasureRequestNotFound'))
const alreadyErased = (): ReturnType<typeof conflict> => conflict(bilingual('privacy.alreadyErased'))
