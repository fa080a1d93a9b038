// Organizers' decisions on attestations: the event's policy, the queue of requests to approve or
// refuse, revocation and re-issue (audited, the person told by email), the list and audit trail,
// and the minute job deciding requests that waited for the end of the event. Each issue goes
// through AttestationIssuance (issuance.ts).
import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import { badRequest, conflict, notFound, type AppError } from '../errors.js'
import { bilingual, t } from '../views/i18n.js'
import type { AttendanceBook } from '../attendance/book.js'
import type { MessageOutbox } from '../messages/outbox.js'
import type { PeopleService } from '../people/service.js'
import type { Eligibility } from './eligibility.js'
import { printedNameChanged } from './printed-name.js'
import { groupVerificationCode } from './snapshot.js'
import * as repo from './repository.js'
import type { AuditRow, PolicyRow, RequestInput, RequestRow } from './repository.js'
import { alreadyIssued, attestationNotFound, inputOf, type AttestationIssuance, type AttestationView, type StoredSnapshot } from './issuance.js'

export type { AuditRow }

/**
 * What organizers decide about an event's attestations, and the automatic decision once the
 * event has ended. Revocation and re-issue are audited and the person is told.
 */
export class AttestationDecisions {
  constructor (
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly deps: { issuance: AttestationIssuance, book: AttendanceBook, messages: MessageOutbox, people: PeopleService }
  ) {}

  async setPolicy (actorId: string, eventId: string, policy: PolicyRow): Promise<PolicyRow> {
    await this.deps.issuance.assertOrganizer(actorId, eventId)
    if (!(policy.min_share >= 0 && policy.min_share <= 1)) {
      throw badRequest(bilingual('attestations.minShareRange'))
    }
    const before = await repo.findPolicy(this.db, eventId)
    const now = this.clock.now()
    await this.db.transaction().execute(async trx => {
      await repo.savePolicy(trx, eventId, policy, actorId, now)
      await repo.audit(trx, { eventId, actorId, action: 'policy_changed', details: { before, after: policy }, at: now })
    })
    return policy
  }

  /**
   * Requests waiting for the end of the event are decided once its last counted slot has
   * ended: eligible ones issued (automatic issue on), the others put in the organizers' queue,
   * as are those asking for a name other than the one on record (changed since they asked, or
   * asked before that rule). Run every minute by the background job; safe to run on several instances at once.
   */
  async decideWaiting (): Promise<{ issued: number, queued: number }> {
    let issued = 0
    let queued = 0
    const now = this.clock.now()
    for (const eventId of await repo.eventsWithWaitingRequests(this.db)) {
      const end = await repo.lastCountedSlotEnd(this.db, eventId)
      if (end === undefined || end > now) continue
      const policy = await repo.findPolicy(this.db, eventId)
      const grid = await this.deps.book.grid(eventId)
      const revoked = await repo.revokedPeople(this.db, eventId)
      for (const request of await repo.requestsByStatus(this.db, eventId, ['waiting'])) {
        const elig = this.deps.issuance.eligibilityIn(grid, policy, request.person_id)
        if (elig === undefined) continue
        const renamed = printedNameChanged(request.name_on_attestation, request.display_name)
        if (elig.eligible && policy.auto_issue && !revoked.has(request.person_id) && !renamed) {
          const done = await this.deps.issuance.issue({
            personId: request.person_id,
            request,
            input: inputOf(request),
            eligibility: elig
          }, eventId, null, { quiet: true })
          if (done !== undefined) issued++
        } else {
          await this.db.transaction().execute(async trx => {
            const locked = await repo.lockRequest(trx, request.id)
            if (locked?.status !== 'waiting') return
            await repo.setRequestStatus(trx, request.id, 'review', { by: null, at: now, reason: null })
            await repo.audit(trx, {
              eventId,
              requestId: request.id,
              actorId: null,
              action: 'queued_for_review',
              details: { eligible: elig.eligible, hours: elig.hoursAttended, ...(renamed ? { nameChanged: true } : {}) },
              at: now
            })
          })
          queued++
        }
      }
    }
    return { issued, queued }
  }

  /** The organizers' queue: requests to approve or refuse, with each person's figures. */
  async queue (actorId: string, eventId: string): Promise<Array<{
    request: RequestRow & { display_name: string, email: string | null }
    eligibility: Eligibility
  }>> {
    await this.deps.issuance.assertOrganizer(actorId, eventId)
    const [requests, policy, grid] = [
      await repo.requestsByStatus(this.db, eventId, ['review', 'waiting', 'refused']),
      await repo.findPolicy(this.db, eventId),
      await this.deps.book.grid(eventId)
    ]
    return requests.flatMap(request => {
      const elig = this.deps.issuance.eligibilityIn(grid, policy, request.person_id)
      return elig === undefined ? [] : [{ request, eligibility: elig }]
    })
  }

  /** An organizer issues a queued (or refused, or waiting) request, whatever the figures say. */
  async approve (actorId: string, requestId: string, reason: string | null): Promise<AttestationView> {
    const request = await repo.findRequestById(this.db, requestId)
    if (request === undefined) throw requestNotFound()
    await this.deps.issuance.assertOrganizer(actorId, request.event_id)
    if (request.status === 'issued') throw alreadyIssued()
    const elig = await this.deps.issuance.eligibility(request.event_id, request.person_id)
    const issued = await this.deps.issuance.issue({
      personId: request.person_id,
      request,
      input: inputOf(request),
      eligibility: elig
    }, request.event_id, actorId, { reason })
    if (issued === undefined) throw alreadyIssued()
    return issued
  }

  async refuse (actorId: string, requestId: string, reason: string): Promise<RequestRow> {
    const request = await repo.findRequestById(this.db, requestId)
    if (request === undefined) throw requestNotFound()
    await this.deps.issuance.assertOrganizer(actorId, request.event_id)
    const now = this.clock.now()
    const person = await this.deps.people.getPerson(request.person_id)
    return await this.db.transaction().execute(async trx => {
      const locked = await repo.lockRequest(trx, requestId)
      if (locked === undefined) throw requestNotFound()
      if (locked.status === 'issued') throw alreadyIssued()
      await repo.setRequestStatus(trx, requestId, 'refused', { by: actorId, at: now, reason })
      await repo.audit(trx, { eventId: request.event_id, requestId, actorId, action: 'refused', reason, at: now })
      if (person.email !== null) {
        const text = refusalText(request.locale, request.name_on_attestation, reason)
        await this.deps.messages.enqueue(trx, {
          eventId: request.event_id,
          personId: request.person_id,
          kind: 'attestation_refused',
          to: person.email,
          ...text
        })
      }
      return { ...locked, status: 'refused', decided_by: actorId, decided_at: now, decision_reason: reason }
    })
  }

  /** Revokes a valid attestation: the verification page says so, with the reason and date. */
  async revoke (actorId: string, attestationId: string, reason: string): Promise<AttestationView> {
    const row = await repo.findAttestation(this.db, attestationId)
    if (row === undefined) throw attestationNotFound()
    await this.deps.issuance.assertOrganizer(actorId, row.event_id)
    const now = this.clock.now()
    const email = row.person_id === null ? null : (await this.deps.people.getPerson(row.person_id)).email
    await this.db.transaction().execute(async trx => {
      const locked = await repo.lockAttestation(trx, attestationId)
      if (locked?.status !== 'valid') throw conflict(bilingual('attestations.onlyValidRevoked'))
      await repo.revokeAttestation(trx, attestationId, actorId, now, reason)
      await repo.audit(trx, { eventId: row.event_id, attestationId, requestId: row.request_id, actorId, action: 'revoked', reason, at: now })
      if (email !== null && row.person_id !== null) {
        await this.deps.messages.enqueue(trx, {
          eventId: row.event_id,
          personId: row.person_id,
          kind: 'attestation_revoked',
          to: email,
          ...revocationText(row.locale, groupVerificationCode(row.code), reason)
        })
      }
    })
    return await this.deps.issuance.view((await repo.findAttestation(this.db, attestationId))!)
  }

  /**
   * Re-issues a valid attestation with today's figures and, if given, a corrected name or
   * another language: a new code and PDF; the old one is marked superseded and points to it.
   */
  async reissue (actorId: string, attestationId: string, reason: string, changes: {
    name?: string | undefined
    locale?: 'fr' | 'en' | undefined
  } = {}): Promise<AttestationView> {
    const old = await repo.findAttestation(this.db, attestationId)
    if (old === undefined) throw attestationNotFound()
    await this.deps.issuance.assertOrganizer(actorId, old.event_id)
    if (old.status !== 'valid' || old.person_id === null) throw conflict(bilingual('attestations.onlyValidReissued'))
    const snapshot = old.snapshot as unknown as StoredSnapshot
    const request = old.request_id === null ? null : (await repo.findRequestById(this.db, old.request_id)) ?? null
    const input: RequestInput = {
      name: changes.name ?? snapshot.name,
      locale: changes.locale ?? old.locale,
      employer: snapshot.employer,
      hrEmail: request?.hr_email ?? null
    }
    const elig = await this.deps.issuance.eligibility(old.event_id, old.person_id)
    const issued = await this.deps.issuance.issue({
      personId: old.person_id,
      request,
      input,
      eligibility: elig
    }, old.event_id, actorId, { replaces: old, reason })
    if (issued === undefined) throw alreadyIssued()
    return issued
  }

  // ---------- reading ----------

  async list (actorId: string, eventId: string): Promise<AttestationView[]> {
    await this.deps.issuance.assertOrganizer(actorId, eventId)
    const rows = await repo.attestationsOfEvent(this.db, eventId)
    const codes = new Map(rows.map(r => [r.id, r.code]))
    return rows.map(r => this.deps.issuance.viewWith(r, r.superseded_by === null ? null : codes.get(r.superseded_by) ?? null))
  }

  async audit (actorId: string, eventId: string, filter: { attestationId?: string, requestId?: string } = {}): Promise<AuditRow[]> {
    await this.deps.issuance.assertOrganizer(actorId, eventId)
    return await repo.auditOf(this.db, eventId, filter)
  }
}

function refusalText (locale: 'fr' | 'en', name: string, reason: string): { subject: string, bodyText: string } {
  return { subject: t(locale, 'attestations.emailRefusedSubject'), bodyText: t(locale, 'attestations.emailRefusedBody', { name, reason }) }
}

function revocationText (locale: 'fr' | 'en', code: string, reason: string): { subject: string, bodyText: string } {
  return { subject: t(locale, 'attestations.emailRevokedSubject'), bodyText: t(locale, 'attestations.emailRevokedBody', { code, reason }) }
}

const requestNotFound = (): AppError => notFound(bilingual('attestations.requestNotFound'))
