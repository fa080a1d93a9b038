import { DateTime } from 'luxon'
import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import { AppError, badRequest, conflict, forbidden, notFound } from '../errors.js'
import { bilingual, t } from '../views/i18n.js'
import type { AttendanceBook, Grid } from '../attendance/book.js'
import type { FileStore } from '../files/store.js'
import type { MessageOutbox } from '../messages/outbox.js'
import type { PeopleService } from '../people/service.js'
import type { AccessPolicy } from '../access/policy.js'
import { eligibility, type Eligibility, type EligibilityPolicy } from './eligibility.js'
import { formatHours, titleIn } from './format.js'
import { printedNameChanged } from './printed-name.js'
import type { AttestationAssets } from './pdf.js'
import { groupVerificationCode, newVerificationCode, type AttestationSnapshot } from './snapshot.js'
import * as repo from './repository.js'
import type { AttestationRow, PolicyRow, RequestInput, RequestRow } from './repository.js'

export type { AttestationRow, RequestRow, PolicyRow, RequestInput } from './repository.js'

/** Turns a snapshot into PDF bytes. In process by default; the bulk job hands it worker threads. */
export interface AttestationRenderer {
  render: (snapshot: AttestationSnapshot) => Promise<Buffer>
}

/** Renders in this thread with the assets of reports/attestation, loaded (fonts subset) on first use. */
export class InProcessRenderer implements AttestationRenderer {
  #assets: Promise<AttestationAssets> | undefined
  constructor (private readonly assetsDir: string) {}
  assets (): Promise<AttestationAssets> {
    // The renderer (pdf-lib, fontkit) is loaded on first use: most processes never draw a PDF.
    this.#assets ??= import('./pdf.js').then(async pdf => await pdf.loadAttestationAssets(this.assetsDir))
    // A broken asset folder is reported each time (and fixed without a restart), not cached as a failure.
    this.#assets.catch(() => { this.#assets = undefined })
    return this.#assets
  }

  async render (snapshot: AttestationSnapshot): Promise<Buffer> {
    const assets = await this.assets()
    const { renderAttestation } = await import('./pdf.js')
    return await renderAttestation(snapshot, assets)
  }
}

/** What is frozen at issue: the PDF's snapshot plus what the PDF does not print. */
export interface StoredSnapshot extends AttestationSnapshot {
  employer: string | null
  /** Continuing-education units (1 UEC = 10 h), as printed. */
  uec: number
  eventKey: string
}

export interface AttestationView {
  id: string
  code: string
  groupedCode: string
  status: repo.AttestationStatus
  locale: 'fr' | 'en'
  name: string
  hours: number
  uec: number
  sha256: string
  issuedAt: Date
  issuedAutomatically: boolean
  revokedAt: Date | null
  revocationReason: string | null
  supersededByCode: string | null
  verifyUrl: string
  snapshot: StoredSnapshot
}

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
const uecOf = (hours: number): number => Math.round(hours * 10) / 100

const alreadyIssued = (): AppError => conflict(bilingual('attestations.alreadyIssued'))

/**
 * Attestations de formation: requests, the eligibility rule, issue (snapshot frozen, PDF stored
 * with its SHA-256, messages queued, all in one transaction), the organizers' queue,
 * revocation and re-issue (audited), and what the public verification reads.
 */
export class AttestationService {
  constructor (
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly deps: { access: AccessPolicy, book: AttendanceBook, files: FileStore, messages: MessageOutbox, people: PeopleService, renderer: InProcessRenderer, publicUrl: string }
  ) {}

  get renderer (): InProcessRenderer { return this.deps.renderer }

  verifyUrl (code: string): string { return `${this.deps.publicUrl}/verify/${code}` }

  // ---------- policy ----------

  async policy (eventId: string): Promise<PolicyRow> {
    await this.#event(eventId)
    return await repo.findPolicy(this.db, eventId)
  }

  async setPolicy (actorId: string, eventId: string, policy: PolicyRow): Promise<PolicyRow> {
    await this.#assertOrganizer(actorId, eventId)
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
      attestation: valid === undefined ? null : await this.#view(valid),
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
      await repo.audit(trx, { eventId, requestId: row.id, actorId: personId, action: 'requested', details: { locale: input.locale, status, ...(renamed ? { nameChanged: true } : {}) }, at: now })
      return row
    })
    if (elig.finalised && automatic) {
      await this.#issueFor({ personId, request, input, eligibility: elig }, eventId, null, this.deps.renderer)
    }
    return await this.#mineWith(personId, eventId, elig)
  }

  // ---------- decisions ----------

  /**
   * When bulk generation opens: the end of the event's last counted slot, or null once it has
   * ended. Before, hours still change by themselves: a ZIP made then would be wrong or empty.
   */
  async bulkOpensAt (eventId: string): Promise<Date | null> {
    const end = await repo.lastCountedSlotEnd(this.db, eventId)
    return end === undefined || end <= this.clock.now() ? null : end
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
        const elig = this.#eligibilityIn(grid, policy, request.person_id)
        if (elig === undefined) continue
        const renamed = printedNameChanged(request.name_on_attestation, request.display_name)
        if (elig.eligible && policy.auto_issue && !revoked.has(request.person_id) && !renamed) {
          const done = await this.#issueFor({ personId: request.person_id, request, input: inputOf(request), eligibility: elig }, eventId, null, this.deps.renderer, { quiet: true })
          if (done !== undefined) issued++
        } else {
          await this.db.transaction().execute(async trx => {
            const locked = await repo.lockRequest(trx, request.id)
            if (locked?.status !== 'waiting') return
            await repo.setRequestStatus(trx, request.id, 'review', { by: null, at: now, reason: null })
            await repo.audit(trx, { eventId, requestId: request.id, actorId: null, action: 'queued_for_review', details: { eligible: elig.eligible, hours: elig.hoursAttended, ...(renamed ? { nameChanged: true } : {}) }, at: now })
          })
          queued++
        }
      }
    }
    return { issued, queued }
  }

  /** The organizers' queue: requests to approve or refuse, with each person's figures. */
  async queue (actorId: string, eventId: string): Promise<Array<{ request: RequestRow & { display_name: string, email: string | null }, eligibility: Eligibility }>> {
    await this.#assertOrganizer(actorId, eventId)
    const [requests, policy, grid] = [await repo.requestsByStatus(this.db, eventId, ['review', 'waiting', 'refused']), await repo.findPolicy(this.db, eventId), await this.deps.book.grid(eventId)]
    return requests.flatMap(request => {
      const elig = this.#eligibilityIn(grid, policy, request.person_id)
      return elig === undefined ? [] : [{ request, eligibility: elig }]
    })
  }

  /** An organizer issues a queued (or refused, or waiting) request, whatever the figures say. */
  async approve (actorId: string, requestId: string, reason: string | null): Promise<AttestationView> {
    const request = await repo.findRequestById(this.db, requestId)
    if (request === undefined) throw requestNotFound()
    await this.#assertOrganizer(actorId, request.event_id)
    if (request.status === 'issued') throw alreadyIssued()
    const elig = await this.eligibility(request.event_id, request.person_id)
    const issued = await this.#issueFor({ personId: request.person_id, request, input: inputOf(request), eligibility: elig }, request.event_id, actorId, this.deps.renderer, { reason })
    if (issued === undefined) throw alreadyIssued()
    return issued
  }

  async refuse (actorId: string, requestId: string, reason: string): Promise<RequestRow> {
    const request = await repo.findRequestById(this.db, requestId)
    if (request === undefined) throw requestNotFound()
    await this.#assertOrganizer(actorId, request.event_id)
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
        await this.deps.messages.enqueue(trx, { eventId: request.event_id, personId: request.person_id, kind: 'attestation_refused', to: person.email, ...text })
      }
      return { ...locked, status: 'refused', decided_by: actorId, decided_at: now, decision_reason: reason }
    })
  }

  /** Revokes a valid attestation: the verification page says so, with the reason and date. */
  async revoke (actorId: string, attestationId: string, reason: string): Promise<AttestationView> {
    const row = await repo.findAttestation(this.db, attestationId)
    if (row === undefined) throw attestationNotFound()
    await this.#assertOrganizer(actorId, row.event_id)
    const now = this.clock.now()
    const email = row.person_id === null ? null : (await this.deps.people.getPerson(row.person_id)).email
    await this.db.transaction().execute(async trx => {
      const locked = await repo.lockAttestation(trx, attestationId)
      if (locked?.status !== 'valid') throw conflict(bilingual('attestations.onlyValidRevoked'))
      await repo.revokeAttestation(trx, attestationId, actorId, now, reason)
      await repo.audit(trx, { eventId: row.event_id, attestationId, requestId: row.request_id, actorId, action: 'revoked', reason, at: now })
      if (email !== null && row.person_id !== null) {
        await this.deps.messages.enqueue(trx, { eventId: row.event_id, personId: row.person_id, kind: 'attestation_revoked', to: email, ...revocationText(row.locale, groupVerificationCode(row.code), reason) })
      }
    })
    return await this.#view((await repo.findAttestation(this.db, attestationId))!)
  }

  /**
   * Re-issues a valid attestation with today's figures and, if given, a corrected name or
   * another language: a new code and PDF; the old one is marked superseded and points to it.
   */
  async reissue (actorId: string, attestationId: string, reason: string, changes: { name?: string | undefined, locale?: 'fr' | 'en' | undefined } = {}): Promise<AttestationView> {
    const old = await repo.findAttestation(this.db, attestationId)
    if (old === undefined) throw attestationNotFound()
    await this.#assertOrganizer(actorId, old.event_id)
    if (old.status !== 'valid' || old.person_id === null) throw conflict(bilingual('attestations.onlyValidReissued'))
    const snapshot = old.snapshot as unknown as StoredSnapshot
    const request = old.request_id === null ? null : (await repo.findRequestById(this.db, old.request_id)) ?? null
    const input: RequestInput = {
      name: changes.name ?? snapshot.name,
      locale: changes.locale ?? old.locale,
      employer: snapshot.employer,
      hrEmail: request?.hr_email ?? null
    }
    const elig = await this.eligibility(old.event_id, old.person_id)
    const issued = await this.#issueFor({ personId: old.person_id, request, input, eligibility: elig }, old.event_id, actorId, this.deps.renderer, { replaces: old, reason })
    if (issued === undefined) throw alreadyIssued()
    return issued
  }

  // ---------- bulk ----------

  /**
   * Everyone eligible without a valid attestation: requests as made, or (for those who asked
   * nothing) their name and language from their profile. Read once for the whole event.
   */
  async candidates (actorId: string, eventId: string): Promise<Candidate[]> {
    await this.#assertOrganizer(actorId, eventId)
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
      const elig = this.#eligibilityIn(grid, policy, person.person_id)
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

  // ---------- reading ----------

  async list (actorId: string, eventId: string): Promise<AttestationView[]> {
    await this.#assertOrganizer(actorId, eventId)
    const rows = await repo.attestationsOfEvent(this.db, eventId)
    const codes = new Map(rows.map(r => [r.id, r.code]))
    return rows.map(r => this.#viewWith(r, r.superseded_by === null ? null : codes.get(r.superseded_by) ?? null))
  }

  async audit (actorId: string, eventId: string, filter: { attestationId?: string, requestId?: string } = {}): ReturnType<typeof repo.auditOf> {
    await this.#assertOrganizer(actorId, eventId)
    return await repo.auditOf(this.db, eventId, filter)
  }

  /** The PDF, for its owner or an organizer of the event: the bytes stored at issue. */
  async pdf (actorId: string, attestationId: string): Promise<{ filename: string, data: Buffer, sha256: string }> {
    const row = await repo.findAttestation(this.db, attestationId)
    if (row === undefined) throw attestationNotFound()
    await this.deps.access.assert({ personId: actorId }, 'attestation.read', { kind: 'attestation', attestationId })
    const file = await this.deps.files.readAll(row.file_id)
    return { filename: pdfName(row), data: file.data, sha256: file.sha256 }
  }

  /** What the public verification page shows for a code (grouped or not), or undefined. */
  async byCode (code: string): Promise<AttestationView | undefined> {
    const clean = normaliseCode(code)
    if (clean === undefined) return undefined
    const row = await repo.findAttestationByCode(this.db, clean)
    return row === undefined ? undefined : await this.#view(row)
  }

  /** The stored PDF of a code (public: anyone holding the code may check the document). */
  async pdfByCode (code: string): Promise<{ filename: string, data: Buffer } | undefined> {
    const clean = normaliseCode(code)
    const row = clean === undefined ? undefined : await repo.findAttestationByCode(this.db, clean)
    if (row === undefined) return undefined
    return { filename: pdfName(row), data: (await this.deps.files.readAll(row.file_id)).data }
  }

  // ---------- inside ----------

  async #issueFor (candidate: Candidate, eventId: string, actorId: string | null, renderer: AttestationRenderer, options: { replaces?: AttestationRow, reason?: string | null, quiet?: boolean } = {}): Promise<AttestationView | undefined> {
    const snapshot = await this.snapshotFor(eventId, candidate)
    const pdf = await renderer.render(snapshot)
    return await this.#store(eventId, candidate, snapshot, pdf, actorId, options)
  }

  async #store (eventId: string, candidate: Candidate, snapshot: StoredSnapshot, pdf: Buffer, actorId: string | null, options: { replaces?: AttestationRow, reason?: string | null, quiet?: boolean }): Promise<AttestationView | undefined> {
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
        await this.deps.messages.enqueue(trx, { eventId, personId: candidate.personId, kind: 'attestation_issued', to: person.email, ...issuedText(snapshot, this.verifyUrl(snapshot.verificationCode)), attachment })
      }
      if (candidate.input.hrEmail !== null) {
        await this.deps.messages.enqueue(trx, { eventId, personId: candidate.personId, kind: 'attestation_hr_copy', to: candidate.input.hrEmail, ...hrCopyText(snapshot, this.verifyUrl(snapshot.verificationCode)), attachment })
      }
      return inserted
    })
    return row === undefined ? undefined : this.#viewWith(row, null)
  }

  #eligibilityIn (grid: Grid, policy: PolicyRow, personId: string): Eligibility | undefined {
    const row = grid.rows.find(r => r.personId === personId)
    return row === undefined ? undefined : eligibility(policyOf(policy), grid.slots, row.cells, this.clock.now())
  }

  async #view (row: AttestationRow): Promise<AttestationView> {
    const next = row.superseded_by === null ? undefined : await repo.findAttestation(this.db, row.superseded_by)
    return this.#viewWith(row, next?.code ?? null)
  }

  #viewWith (row: AttestationRow, supersededByCode: string | null): AttestationView {
    const snapshot = row.snapshot as unknown as StoredSnapshot
    return {
      id: row.id,
      code: row.code,
      groupedCode: groupVerificationCode(row.code),
      status: row.status,
      locale: row.locale,
      name: snapshot.name,
      hours: snapshot.hours,
      uec: snapshot.uec,
      sha256: row.sha256,
      issuedAt: row.issued_at,
      issuedAutomatically: row.issued_by === null,
      revokedAt: row.revoked_at,
      revocationReason: row.revocation_reason,
      supersededByCode,
      verifyUrl: this.verifyUrl(row.code),
      snapshot
    }
  }

  async #event (eventId: string): Promise<repo.EventRow> {
    const event = await repo.findEvent(this.db, eventId)
    if (event === undefined) throw notFound(bilingual('attestations.eventNotFound'))
    return event
  }

  async #assertOrganizer (actorId: string, eventId: string): Promise<void> {
    await this.#event(eventId)
    await this.deps.access.assert({ personId: actorId }, 'attestations.manage', { kind: 'event', eventId })
  }

  async #assertAttendee (personId: string, eventId: string): Promise<void> {
    await this.#event(eventId)
    await this.deps.access.assert({ personId }, 'attestation.own', { kind: 'event', eventId })
  }
}

const inputOf = (r: RequestRow): RequestInput => ({ name: r.name_on_attestation, locale: r.locale, employer: r.employer, hrEmail: r.hr_email })

/** Accepts the code as printed (groups, lower case, spaces) and returns it bare, or undefined. */
export function normaliseCode (code: string): string | undefined {
  const clean = code.toUpperCase().replace(/[\s-]/g, '')
  return /^[0-9A-HJKMNP-TV-Z]{20,40}$/.test(clean) ? clean : undefined
}

export function buildSnapshot (event: repo.EventRow, assets: AttestationAssets, candidate: Candidate, code: string, now: Date, verifyUrl: (code: string) => string): StoredSnapshot {
  const locale = candidate.input.locale
  const zone = event.timezone
  const hours = candidate.eligibility.hoursAttended
  return {
    locale,
    name: candidate.input.name,
    trainingTitle: titleIn(event, locale),
    organizer: assets.layout.issuer.organization[locale],
    place: assets.layout.issuer.place?.[locale] ?? event.location ?? '—',
    startDate: DateTime.fromISO(event.starts_on, { zone }).toISO()!,
    endDate: DateTime.fromISO(event.ends_on, { zone }).toISO()!,
    timezone: zone,
    hours,
    sessions: candidate.eligibility.sessions.map(s => ({ title: s.title, startsAt: s.startsAt.toISOString(), durationMinutes: Math.round(s.hours * 60) })),
    issuedAt: now.toISOString(),
    verificationCode: code,
    verifyUrl: verifyUrl(code),
    employer: candidate.input.employer,
    uec: uecOf(hours),
    eventKey: event.key
  }
}

const pdfName = (row: Pick<AttestationRow, 'code' | 'locale'>): string => `${row.locale === 'en' ? 'attestation-training' : 'attestation-formation'}-${row.code.slice(0, 8)}.pdf`

/** The figures a message gives: "22,5 h, 2,25 UEC" in the attestation's language. */
const figuresOf = (s: StoredSnapshot): { hours: string, uec: string } => ({ hours: formatHours(s.hours, s.locale), uec: formatHours(s.uec, s.locale) })

function issuedText (s: StoredSnapshot, url: string): { subject: string, bodyText: string } {
  return {
    subject: t(s.locale, 'attestations.emailIssuedSubject', { title: s.trainingTitle }),
    bodyText: t(s.locale, 'attestations.emailIssuedBody', { name: s.name, title: s.trainingTitle, ...figuresOf(s), code: groupVerificationCode(s.verificationCode), url, organizer: s.organizer })
  }
}

function hrCopyText (s: StoredSnapshot, url: string): { subject: string, bodyText: string } {
  return {
    subject: t(s.locale, 'attestations.emailHrSubject', { name: s.name, title: s.trainingTitle }),
    bodyText: t(s.locale, 'attestations.emailHrBody', { name: s.name, title: s.trainingTitle, ...figuresOf(s), url, organizer: s.organizer })
  }
}

function refusalText (locale: 'fr' | 'en', name: string, reason: string): { subject: string, bodyText: string } {
  return { subject: t(locale, 'attestations.emailRefusedSubject'), bodyText: t(locale, 'attestations.emailRefusedBody', { name, reason }) }
}

function revocationText (locale: 'fr' | 'en', code: string, reason: string): { subject: string, bodyText: string } {
  return { subject: t(locale, 'attestations.emailRevokedSubject'), bodyText: t(locale, 'attestations.emailRevokedBody', { code, reason }) }
}

const notRegistered = (): AppError => forbidden(bilingual('attestations.notRegistered'))
const requestNotFound = (): AppError => notFound(bilingual('attestations.requestNotFound'))
const attestationNotFound = (): AppError => notFound(bilingual('attestations.attestationNotFound'))
