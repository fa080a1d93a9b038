// Attestations being asked for and issued: a participant's request, their standing and their PDF,
// and the issue itself (snapshot frozen, PDF stored with its SHA-256, messages queued, all in one
// transaction) that organizers' decisions (decisions.ts) and bulk jobs (jobs.ts) go through.
// Public verification is in verification.ts, reports in reports.ts.
import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import { AppError, conflict, forbidden, notFound } from '../errors.js'
import { bilingual, t } from '../views/i18n.js'
import type { AttendanceBook, Grid } from '../attendance/book.js'
import type { FileStore } from '../files/store.js'
import type { MessageOutbox } from '../messages/outbox.js'
import type { PeopleService } from '../people/service.js'
import type { EventSummary, ProgramService } from '../program/service.js'
import type { AccessPolicy } from '../access/policy.js'
import { buildSnapshot, pdfName, viewOf, type AttestationView, type StoredSnapshot } from './attestation.js'
import { eligibility, type Eligibility, type EligibilityPolicy } from './eligibility.js'
import { formatHours } from './format.js'
import { printedNameChanged } from './printed-name.js'
import type { InProcessRenderer } from './renderer.js'
import { groupVerificationCode, newVerificationCode } from './snapshot.js'
import * as repo from './repository.js'
import type { AttestationRow, PolicyRow, RequestInput, RequestRow } from './repository.js'

export type { AttestationRow, RequestRow, PolicyRow, RequestInput } from './repository.js'
export type { AttestationView, StoredSnapshot } from './attestation.js'

/** A person's attestation standing in an event, for their own page. */
export interface MyAttestation {
  eventId: string
  eligibility: Eligibility
  request: RequestRow | null
  attestation: AttestationView | null
  /** The latest revoked attestation when no valid one exists: the person sees why and when. */
  revoked: { revokedAt: Date | null, reason: string | null } | null
  /** When requests are decided (the end of the last counted slot). */
  decidesAt: Date | null
  /** The name on the person's record: a request printing another name is reviewed by the organizers. */
  nameOnRecord: string
}

export interface Candidate {
  personId: string
  request: RequestRow | null
  input: RequestInput
  eligibility: Eligibility
}

const policyOf = (row: PolicyRow): EligibilityPolicy => ({ minShare: row.min_share, excusedCounts: row.excused_counts })

export const alreadyIssued = (): AppError => conflict(bilingual('attestations.alreadyIssued'))

/**
 * Attestations de formation as participants ask for them and as they are issued: requests, the
 * eligibility rule, issue (snapshot frozen, PDF stored with its SHA-256, messages queued, all in
 * one transaction), the candidates and storage of bulk jobs, and the views everyone reads.
 */
export class AttestationIssuance {
  constructor (
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly deps: {
      access: AccessPolicy
      book: AttendanceBook
      files: FileStore
      messages: MessageOutbox
      people: PeopleService
      program: ProgramService
      renderer: InProcessRenderer
      publicUrl: string
    }
  ) {}

  get renderer (): InProcessRenderer { return this.deps.renderer }

  verifyUrl (code: string): string { return `${this.deps.publicUrl}/verify/${code}` }

  // ---------- policy ----------

  async policy (eventId: string): Promise<PolicyRow> {
    await this.#event(eventId)
    return await repo.findPolicy(this.db, eventId)
  }

  // ---------- a participant's side ----------

  /** The events where the person may ask for an attestation (registered as participant or credited student). */
  async eventsOf (personId: string): Promise<string[]> {
    const roles = await this.deps.people.roles(personId)
    return [...new Set(roles.filter(r => r.role === 'participant' || r.role === 'credited_student').map(r => r.eventId))]
  }

  async mine (personId: string, eventId: string): Promise<MyAttestation> {
    await this.#assertAttendee(personId, eventId)
    return await this.#mineWith(personId, eventId, await this.eligibility(eventId, personId))
  }

  /** `mine` for a caller that already checked the person and computed their eligibility (the whole attendance grid). */
  async #mineWith (personId: string, eventId: string, elig: Eligibility): Promise<MyAttestation> {
    const [request, valid, decidesAt, person] = [
      await repo.findRequest(this.db, eventId, personId),
      await repo.findValidAttestation(this.db, eventId, personId),
      await repo.lastCountedSlotEnd(this.db, eventId),
      await this.deps.people.getPerson(personId)
    ]
    const revoked = valid === undefined ? (await repo.attestationsOfPerson(this.db, eventId, personId)).find(a => a.status === 'revoked') : undefined
    return {
      eventId,
      eligibility: elig,
      request: request ?? null,
      attestation: valid === undefined ? null : await this.view(valid),
      revoked: revoked === undefined ? null : { revokedAt: revoked.revoked_at, reason: revoked.revocation_reason },
      decidesAt: decidesAt ?? null,
      nameOnRecord: person.displayName
    }
  }

  async eligibility (eventId: string, personId: string): Promise<Eligibility> {
    const [grid, policy] = [await this.deps.book.grid(eventId, { personId }), await repo.findPolicy(this.db, eventId)]
    const row = grid.rows.find(r => r.personId === personId)
    if (row === undefined) throw notRegistered()
    return eligibility(policyOf(policy), grid.slots, row.cells, this.clock.now())
  }

  /**
   * A person asks for their attestation (or changes their request before it is issued). After
   * the last counted slot it is decided at once: issued when eligible (and automatic issue is
   * on), else queued for organizers. Before, it waits for the end of the event. A request to
   * print a name other than the one on record is never issued automatically: it goes to the
   * organizers' queue at once, where they see both names.
   */
  async request (personId: string, eventId: string, input: RequestInput): Promise<MyAttestation> {
    await this.#assertAttendee(personId, eventId)
    if (await repo.findValidAttestation(this.db, eventId, personId) !== undefined) throw alreadyIssued()
    const now = this.clock.now()
    const policy = await repo.findPolicy(this.db, eventId)
    const elig = await this.eligibility(eventId, personId)
    // After a revocation only an organizer issues again: asking anew never undoes their decision.
    const revoked = (await repo.revokedPeople(this.db, eventId, personId)).size > 0
    const renamed = printedNameChanged(input.name, (await this.deps.people.getPerson(personId)).displayName)
    const automatic = elig.eligible && policy.auto_issue && !revoked && !renamed
    const status: repo.RequestStatus = !elig.finalised ? (revoked || renamed ? 'review' : 'waiting') : (automatic ? 'waiting' : 'review')
    const request = await this.db.transaction().execute(async trx => {
      const row = await repo.upsertRequest(trx, eventId, personId, input, status, now)
      await repo.audit(trx, {
        eventId,
        requestId: row.id,
        actorId: personId,
        action: 'requested',
        details: { locale: input.locale, status, ...(renamed ? { nameChanged: true } : {}) },
        at: now
      })
      return row
    })
    if (elig.finalised && automatic) {
      await this.issue({ personId, request, input, eligibility: elig }, eventId, null)
    }
    return await this.#mineWith(personId, eventId, elig)
  }

  /** The PDF, for its owner or an organizer of the event: the bytes stored at issue. */
  async pdf (actorId: string, attestationId: string): Promise<{ filename: string, data: Buffer, sha256: string }> {
    const row = await repo.findAttestation(this.db, attestationId)
    if (row === undefined) throw attestationNotFound()
    await this.deps.access.assert({ personId: actorId }, 'attestation.read', { kind: 'attestation', attestationId })
    const file = await this.deps.files.readAll(row.file_id)
    return { filename: pdfName(row), data: file.data, sha256: file.sha256 }
  }

  // ---------- bulk (jobs.ts) ----------

  /**
   * When bulk generation opens: the end of the event's last counted slot, or null once it has
   * ended. Before, hours still change by themselves: a ZIP made then would be wrong or empty.
   */
  async bulkOpensAt (eventId: string): Promise<Date | null> {
    const end = await repo.lastCountedSlotEnd(this.db, eventId)
    return end === undefined || end <= this.clock.now() ? null : end
  }

  /**
   * Everyone eligible without a valid attestation: requests as made, or (for those who asked
   * nothing) their name and language from their profile. Read once for the whole event.
   */
  async candidates (actorId: string, eventId: string): Promise<Candidate[]> {
    await this.assertOrganizer(actorId, eventId)
    const [grid, policy, attendees] = [await this.deps.book.grid(eventId), await repo.findPolicy(this.db, eventId), await repo.attendees(this.db, eventId)]
    const requests = new Map((await repo.requestsByStatus(this.db, eventId, ['waiting', 'review', 'refused'])).map(r => [r.person_id, r]))
    const issued = new Set((await repo.attestationsOfEvent(this.db, eventId)).filter(a => a.status === 'valid').map(a => a.person_id))
    const revoked = await repo.revokedPeople(this.db, eventId)
    const out: Candidate[] = []
    for (const person of attendees) {
      // Revoked: issued again only by an organizer's approval, one person at a time.
      if (issued.has(person.person_id) || revoked.has(person.person_id)) continue
      const request = requests.get(person.person_id) ?? null
      // A refusal is an organizer's decision: bulk issue does not overturn it.
      if (request?.status === 'refused') continue
      // Another printed name than the one on record is decided one request at a time, in the queue.
      if (request !== null && printedNameChanged(request.name_on_attestation, person.display_name)) continue
      const elig = this.eligibilityIn(grid, policy, person.person_id)
      if (elig?.eligible !== true) continue
      const input = request !== null
        ? inputOf(request)
        : { name: person.display_name, locale: person.preferred_locale === 'en' ? 'en' as const : 'fr' as const, employer: person.employer, hrEmail: null }
      out.push({ personId: person.person_id, request, input, eligibility: elig })
    }
    return out
  }

  /** Snapshot of a candidate, for rendering elsewhere (worker threads); then `store` it. */
  async snapshotFor (eventId: string, candidate: Candidate): Promise<StoredSnapshot> {
    const event = await this.#event(eventId)
    const assets = await this.deps.renderer.assets()
    return buildSnapshot(event, assets, candidate, newVerificationCode(), this.clock.now(), code => this.verifyUrl(code))
  }

  /**
   * Stores an attestation rendered elsewhere (bulk job). Returns undefined when the person got
   * a valid attestation in the meantime (nothing written).
   */
  async store (eventId: string, candidate: Candidate, snapshot: StoredSnapshot, pdf: Buffer, actorId: string | null): Promise<AttestationView | undefined> {
    return await this.#store(eventId, candidate, snapshot, pdf, actorId, {})
  }

  // ---------- inside, and for decisions.ts ----------

  /** Renders (in this thread) and stores one attestation: a request decided at once, an organizer's approval or re-issue. */
  async issue (candidate: Candidate, eventId: string, actorId: string | null, options: {
    replaces?: AttestationRow
    reason?: string | null
    quiet?: boolean
  } = {}): Promise<AttestationView | undefined> {
    const snapshot = await this.snapshotFor(eventId, candidate)
    const pdf = await this.deps.renderer.render(snapshot)
    return await this.#store(eventId, candidate, snapshot, pdf, actorId, options)
  }

  async #store (eventId: string, candidate: Candidate, snapshot: StoredSnapshot, pdf: Buffer, actorId: string | null, options: {
    replaces?: AttestationRow
    reason?: string | null
    quiet?: boolean
  }): Promise<AttestationView | undefined> {
    const now = this.clock.now()
    const person = await this.deps.people.getPerson(candidate.personId)
    const row = await this.db.transaction().execute(async trx => {
      let request = candidate.request
      if (request !== null) {
        const locked = await repo.lockRequest(trx, request.id)
        // Decided by someone else meanwhile (another instance, an organizer).
        if (locked === undefined || (locked.status === 'issued' && options.replaces === undefined)) return undefined
        request = locked
      }
      if (options.replaces !== undefined) {
        const old = await repo.lockAttestation(trx, options.replaces.id)
        if (old?.status !== 'valid') return undefined
      } else if (await repo.findValidAttestation(trx, eventId, candidate.personId) !== undefined) {
        return undefined
      }
      if (request === null) {
        request = await repo.upsertRequest(trx, eventId, candidate.personId, candidate.input, 'issued', now)
      }
      const file = await this.deps.files.put(trx, pdf, 'pdf')
      // The old one stops being 'valid' before the new one is inserted (one valid per person, by
      // index); it points to itself for this instant and to its successor just below.
      if (options.replaces !== undefined) await repo.supersedeAttestation(trx, options.replaces.id, options.replaces.id)
      const inserted = await repo.insertAttestation(trx, {
        event_id: eventId,
        person_id: candidate.personId,
        request_id: request.id,
        code: snapshot.verificationCode,
        locale: snapshot.locale,
        snapshot,
        file_id: file.id,
        sha256: file.sha256,
        issued_by: actorId,
        issued_at: new Date(snapshot.issuedAt)
      })
      if (options.replaces !== undefined) await repo.supersedeAttestation(trx, options.replaces.id, inserted.id)
      await repo.setRequestStatus(trx, request.id, 'issued', { by: actorId, at: now, reason: options.reason ?? null })
      await repo.audit(trx, {
        eventId,
        requestId: request.id,
        attestationId: inserted.id,
        actorId,
        action: options.replaces !== undefined ? 'reissued' : (actorId === null ? 'issued_automatically' : 'issued'),
        reason: options.reason ?? null,
        details: { hours: snapshot.hours, sha256: file.sha256, replaces: options.replaces?.code ?? null, eligible: candidate.eligibility.eligible },
        at: now
      })
      const attachment = { fileId: file.id, name: pdfName(inserted) }
      if (person.email !== null) {
        await this.deps.messages.enqueue(trx, {
          eventId,
          personId: candidate.personId,
          kind: 'attestation_issued',
          to: person.email,
          ...issuedText(snapshot, this.verifyUrl(snapshot.verificationCode)),
          attachment
        })
      }
      if (candidate.input.hrEmail !== null) {
        await this.deps.messages.enqueue(trx, {
          eventId,
          personId: candidate.personId,
          kind: 'attestation_hr_copy',
          to: candidate.input.hrEmail,
          ...hrCopyText(snapshot, this.verifyUrl(snapshot.verificationCode)),
          attachment
        })
      }
      return inserted
    })
    return row === undefined ? undefined : this.viewWith(row, null)
  }

  eligibilityIn (grid: Grid, policy: PolicyRow, personId: string): Eligibility | undefined {
    const row = grid.rows.find(r => r.personId === personId)
    return row === undefined ? undefined : eligibility(policyOf(policy), grid.slots, row.cells, this.clock.now())
  }

  async view (row: AttestationRow): Promise<AttestationView> {
    const next = row.superseded_by === null ? undefined : await repo.findAttestation(this.db, row.superseded_by)
    return this.viewWith(row, next?.code ?? null)
  }

  viewWith (row: AttestationRow, supersededByCode: string | null): AttestationView {
    return viewOf(row, supersededByCode, code => this.verifyUrl(code))
  }

  async #event (eventId: string): Promise<EventSummary> {
    return await this.deps.program.getEvent(eventId)
  }

  async assertOrganizer (actorId: string, eventId: string): Promise<void> {
    await this.#event(eventId)
    await this.deps.access.assert({ personId: actorId }, 'attestations.manage', { kind: 'event', eventId })
  }

  async #assertAttendee (personId: string, eventId: string): Promise<void> {
    await this.#event(eventId)
    await this.deps.access.assert({ personId }, 'attestation.own', { kind: 'event', eventId })
  }
}

export const inputOf = (r: RequestRow): RequestInput => ({ name: r.name_on_attestation, locale: r.locale, employer: r.employer, hrEmail: r.hr_email })

/** The figures a message gives: "22,5 h, 2,25 UEC" in the attestation's language. */
const figuresOf = (s: StoredSnapshot): { hours: string, uec: string } => ({ hours: formatHours(s.hours, s.locale), uec: formatHours(s.uec, s.locale) })

function issuedText (s: StoredSnapshot, url: string): { subject: string, bodyText: string } {
  return {
    subject: t(s.locale, 'attestations.emailIssuedSubject', { title: s.trainingTitle }),
    bodyText: t(s.locale, 'attestations.emailIssuedBody', {
      name: s.name,
      title: s.trainingTitle,
      ...figuresOf(s),
      code: groupVerificationCode(s.verificationCode),
      url,
      organizer: s.organizer
    })
  }
}

function hrCopyText (s: StoredSnapshot, url: string): { subject: string, bodyText: string } {
  return {
    subject: t(s.locale, 'attestations.emailHrSubject', { name: s.name, title: s.trainingTitle }),
    bodyText: t(s.locale, 'attestations.emailHrBody', { name: s.name, title: s.trainingTitle, ...figuresOf(s), url, organizer: s.organizer })
  }
}

const notRegistered = (): AppError => forbidden(bilingual('attestations.notRegistered'))
export const attestationNotFound = (): AppError => notFound(bilingual('attestations.attestationNotFound'))
