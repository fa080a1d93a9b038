import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import { badRequest, conflict, forbidden, notFound } from '../errors.js'
import type { PeopleService } from '../people/service.js'
import * as repo from './erasure-repository.js'
import type { Candidate, Counts, Kept, RequestRow } from './erasure-repository.js'

export type { Candidate, Counts, Kept, RequestRow } from './erasure-repository.js'
export const CHANNELS = ['email', 'phone', 'in_person', 'letter', 'other'] as const
export type Channel = typeof CHANNELS[number]

export interface ErasurePreview {
  person: Candidate
  /** What the erasure would delete or anonymise now, by kind. */
  erase: Counts
  kept: Kept
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
  audit: Array<{ action: string, actorName: string | null, at: Date }>
}

export interface EventInfo { id: string, title: { fr: string, en: string }, timezone: string }

/**
 * Erasure / anonymisation requests (Loi 25): an organizer of the event finds the person, sees
 * what will go and what must stay, records the request (when and how the person asked, why),
 * then confirms. The erasure runs in one transaction; confirming again changes nothing.
 */
export class ErasureService {
  constructor (private readonly db: Db, private readonly clock: Clock, private readonly people: PeopleService) {}

  async event (actorId: string, eventId: string): Promise<EventInfo> {
    const event = await repo.findEvent(this.db, eventId)
    if (event === undefined) throw notFound({ fr: 'Événement introuvable.', en: 'Event not found.' })
    if (!await this.people.hasRole(actorId, ['organizer'], eventId)) {
      throw forbidden({ fr: 'Réservé à l\'équipe d\'organisation de cet événement.', en: 'For the organizers of this event only.' })
    }
    return { id: event.id, title: { fr: event.title_fr, en: event.title_en }, timezone: event.timezone }
  }

  /** People registered in the event whose name or email contains `query` (at least 2 characters). */
  async find (actorId: string, eventId: string, query: string): Promise<Candidate[]> {
    await this.event(actorId, eventId)
    const q = query.trim()
    if (q.length < 2) {
      throw badRequest({ fr: 'Tapez au moins 2 caractères du nom ou du courriel.', en: 'Type at least 2 characters of the name or email.' })
    }
    return await repo.candidates(this.db, eventId, q, 30)
  }

  async preview (actorId: string, eventId: string, personId: string): Promise<ErasurePreview> {
    await this.event(actorId, eventId)
    return await this.#preview(eventId, personId)
  }

  async record (actorId: string, eventId: string, input: RequestInput): Promise<RequestView> {
    await this.event(actorId, eventId)
    const person = await this.#person(eventId, input.personId)
    const now = this.clock.now()
    if (person.anonymised_at !== null) throw alreadyErased()
    if (input.personId === actorId) {
      throw conflict({ fr: 'Vous ne pouvez pas effacer vos propres données ici : une autre personne de l\'organisation doit traiter la demande.', en: 'You cannot erase your own data here: another organizer must handle the request.' })
    }
    if (input.requestedAt.getTime() > now.getTime()) {
      throw badRequest({ fr: 'La date de la demande ne peut pas être dans le futur.', en: 'The date of the request cannot be in the future.' })
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
    return await this.#view(request)
  }

  async get (actorId: string, eventId: string, requestId: string): Promise<RequestView> {
    await this.event(actorId, eventId)
    return await this.#view(await this.#request(eventId, requestId))
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
    await this.#request(eventId, requestId)
    const now = this.clock.now()
    const outcome = await this.db.transaction().execute(async trx => {
      const request = await repo.lockRequest(trx, requestId)
      if (request === undefined) throw requestNotFound()
      if (request.status === 'done') {
        await repo.audit(trx, { requestId, action: 'confirmed_again', actorId, at: now })
        return { request, repeated: true }
      }
      if (request.person_id === null) throw conflict({ fr: 'La personne de cette demande n\'existe plus.', en: 'The person of this request no longer exists.' })
      const counts = await repo.anonymise(trx, request.person_id, now)
      const done = await repo.completeRequest(trx, requestId, actorId, now, counts)
      await repo.audit(trx, { requestId, action: 'confirmed', actorId, at: now, details: counts })
      return { request: done, repeated: false }
    })
    return { ...await this.#view(outcome.request), repeated: outcome.repeated }
  }

  async #preview (eventId: string, personId: string): Promise<ErasurePreview> {
    const person = await this.#person(eventId, personId)
    return { person, erase: await repo.plan(this.db, personId), kept: await repo.kept(this.db, personId) }
  }

  async #view (request: RequestRow): Promise<RequestView> {
    const person = request.person_id === null ? undefined : await repo.registeredPerson(this.db, request.event_id, request.person_id)
    const preview = request.status === 'done' || person === undefined ? undefined : await this.#preview(request.event_id, person.id)
    const audit = (await repo.auditOf(this.db, request.id)).map(a => ({ action: a.action, actorName: a.actor_name, at: a.at }))
    return { request, person, preview, audit }
  }

  async #person (eventId: string, personId: string): Promise<Candidate> {
    const person = await repo.registeredPerson(this.db, eventId, personId)
    if (person === undefined) {
      throw notFound({ fr: 'Aucune personne inscrite à cet événement ne correspond.', en: 'No person registered in this event matches.' })
    }
    return person
  }

  async #request (eventId: string, requestId: string): Promise<RequestRow> {
    const request = await repo.findRequest(this.db, eventId, requestId)
    if (request === undefined) throw requestNotFound()
    return request
  }
}

const requestNotFound = (): ReturnType<typeof notFound> => notFound({ fr: 'Demande d\'effacement introuvable pour cet événement.', en: 'Erasure request not found for this event.' })
const alreadyErased = (): ReturnType<typeof conflict> => conflict({ fr: 'Les données de cette personne ont déjà été effacées.', en: 'This person\'s data has already been erased.' })
