import { randomInt } from 'node:crypto'
import type { AccessPolicy } from '../access/policy.js'
import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import { AppError, forbidden, notFound, type Bilingual } from '../errors.js'
import type { FileStore, OpenedFile } from '../files/store.js'
import type { EventSummary, ProgramService } from '../program/service.js'
import { bilingual, locales, t, type Locale } from '../views/i18n.js'
import * as repo from './repository.js'
import * as jobsRepo from './jobs-repository.js'
import type { JobRow } from './jobs-repository.js'
import { EventZip, asciiName } from './event-zip.js'
import { bulkNotYet } from './format.js'
import type { AttestationIssuance, Candidate, StoredSnapshot } from './issuance.js'
import type { AttestationRenderer } from './renderer.js'

export type JobStatus = JobRow['status']

/** A bulk generation as organizers follow it. */
export interface JobView {
  id: string
  eventId: string
  status: JobStatus
  /** People to issue (known once the job has started). */
  total: number
  /** People processed so far: issued, skipped (got one meanwhile) or failed. */
  done: number
  issued: number
  /** Attestations that could not be made (their reasons are in `error`). */
  failed: number
  /** Why the job failed, or which attestations could not be made; null when all went well. */
  error: Bilingual | null
  zipFileId: string | null
  createdAt: Date
  startedAt: Date | null
  finishedAt: Date | null
}

export interface JobOptions {
  /** How long a claimed job is ours without news: a crashed instance's job is taken up after it. */
  leaseMs?: number
  /** Attestations in flight at once (snapshot → render → store): keeps every rendering thread busy while others are stored. */
  window?: number
  /** Progress (and the lease) is written every this many attestations. */
  progressEvery?: number
}

interface Log { info: (obj: object, msg: string) => void, warn: (obj: object, msg: string) => void, error: (obj: object, msg: string) => void }

/** The job is no longer ours (another instance took it after our lease ran out): stop quietly. */
class LeaseLost extends Error {}

interface Claimed { row: JobRow, lease: Date, resumed: boolean }

const FAILURES_LISTED = 5

/**
 * Bulk issue of attestations de formation as a background job: an organizer starts it, a
 * worker loop (on any instance) claims it by lease, issues an attestation to everyone eligible
 * without one — rendering in worker threads, storing each in its own short transaction — and
 * ends with a ZIP of every valid attestation of the event. Progress is in `attestation_jobs`.
 *
 * Crash-safe by construction: each attestation is stored with its request, audit and messages
 * in one transaction, and `candidates()` leaves out people with a valid attestation, so a job
 * taken up again after its lease expired simply continues with those still missing.
 */
export class AttestationJobs {
  readonly #leaseMs: number
  readonly #window: number
  readonly #progressEvery: number
  #running: Promise<number> | undefined
  #again = false
  #stopping = false
  /** Called after a job is created (the plugin wakes its loop). */
  onStarted: (() => void) | undefined

  constructor (
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly deps: {
      attestations: AttestationIssuance
      program: ProgramService
      files: FileStore
      access: AccessPolicy
      renderer: AttestationRenderer & { threads?: number, warm?: () => void }
      log?: Log
    },
    options: JobOptions = {}
  ) {
    this.#leaseMs = options.leaseMs ?? 60_000
    this.#window = options.window ?? Math.max(4, 4 * (deps.renderer.threads ?? 1))
    this.#progressEvery = options.progressEvery ?? 10
  }

  // ---------- organizers ----------

  /** Starts a bulk generation for the event, or returns the one already queued or running. */
  async start (actorId: string, eventId: string): Promise<JobView> {
    const event = await this.deps.program.getEvent(eventId)
    await this.deps.access.assert({ personId: actorId }, 'attestations.manage', { kind: 'event', eventId })
    const opens = await this.deps.attestations.bulkOpensAt(eventId)
    if (opens !== null) {
      throw new AppError('conflict', { fr: bulkNotYet(opens, event.timezone, 'fr'), en: bulkNotYet(opens, event.timezone, 'en') })
    }
    const row = await this.db.transaction().execute(async trx => {
      // Two organizers clicking at once get the same job: starts of one event take turns here.
      await jobsRepo.lockEventForJobStart(trx, eventId)
      const current = await jobsRepo.openJobOfEvent(trx, eventId)
      if (current !== undefined) return { row: current, created: false }
      const created = await jobsRepo.insertJob(trx, { event_id: eventId, requested_by: actorId, created_at: this.clock.now() })
      return { row: created, created: true }
    })
    if (row.created) this.onStarted?.()
    return viewOf(row.row)
  }

  async get (actorId: string, jobId: string): Promise<JobView> {
    const row = await this.#job(jobId)
    await this.deps.access.assert({ personId: actorId }, 'attestations.manage', { kind: 'attestation-job', jobId: row.id })
    return viewOf(row)
  }

  /** The job's event (for pages), checked like `get`. */
  async withEvent (actorId: string, jobId: string): Promise<{ job: JobView, event: EventSummary }> {
    const job = await this.get(actorId, jobId)
    return { job, event: await this.deps.program.getEvent(job.eventId) }
  }

  /** The ZIP of a finished job (404 until then), its bytes checked as they stream. */
  async zip (actorId: string, jobId: string): Promise<OpenedFile & { filename: string }> {
    const { job, event } = await this.withEvent(actorId, jobId)
    if (job.status !== 'done' || job.zipFileId === null) {
      throw notFound(bilingual('attestations.jobZipNotReady'))
    }
    const file = await this.deps.files.open(job.zipFileId)
    return { ...file, filename: `attestations-${asciiName(event.key) || 'evenement'}.zip` }
  }

  // ---------- the worker ----------

  /**
   * Runs every due job (queued, or running with an expired lease) to its end, one at a time;
   * returns how many were run. A call while a run is under way joins it (and makes it look for
   * due jobs once more before ending).
   */
  async runDue (): Promise<number> {
    if (this.#running !== undefined) {
      this.#again = true
      return await this.#running
    }
    this.#running = (async () => {
      let ran = 0
      do {
        this.#again = false
        while (!this.#stopping) {
          const claimed = await this.claim()
          if (claimed === undefined) break
          await this.#process(claimed)
          ran++
        }
      } while (this.#again && !this.#stopping)
      return ran
    })().finally(() => { this.#running = undefined })
    return await this.#running
  }

  /**
   * Takes the oldest due job: marks it running under a lease of ours. Exposed for tests that
   * play a crashed instance (claim, then never finish); the loop uses it through `runDue`.
   */
  async claim (): Promise<Claimed | undefined> {
    const now = this.clock.now()
    const lease = this.#newLease()
    const first = await jobsRepo.claimDueJob(this.db, now, lease)
    if (first === undefined) return undefined
    const { was, ...row } = first
    if (was === 'running') this.deps.log?.info({ jobId: row.id, done: row.done, total: row.total }, 'attestation job taken up again after its lease expired')
    return { row, lease, resumed: was === 'running' }
  }

  /** Resolves when the loop has no run under way (at once if none is): tests wait on it, not on a timer. */
  async settled (): Promise<void> {
    await this.#running?.catch(() => {})
  }

  /** Stops the loop after the attestations in flight (their progress written, the lease given back). */
  async close (): Promise<void> {
    this.#stopping = true
    await this.#running?.catch(() => {})
  }

  async #process ({ row: job, lease: firstLease, resumed }: Claimed): Promise<void> {
    let lease = firstLease
    const log = this.deps.log
    const counts = { done: 0, issued: 0, failed: 0 }
    const failures: Failure[] = []
    let zip: EventZip | undefined
    let zipFile: { id: string } | undefined
    /** Writes progress and extends the lease, only while the job is still ours. */
    const renew = async (extra: { total?: number } = {}): Promise<void> => {
      const next = this.#newLease()
      const ours = await jobsRepo.saveProgress(this.db, job.id, lease, {
        done: counts.done,
        issued: counts.issued,
        failed: counts.failed,
        ...extra,
        error: failureText(counts.failed, failures),
        lease_until: next
      })
      if (!ours) throw new LeaseLost()
      lease = next
    }
    try {
      const actorId = job.requested_by
      if (actorId === null) throw forbidden(bilingual('attestations.jobStarterGone'))
      this.deps.renderer.warm?.()
      const candidates = await this.deps.attestations.candidates(actorId, job.event_id)
      // Taken up again: what was issued stays counted; the rest is what is still missing now.
      counts.issued = resumed ? job.issued : 0
      counts.done = counts.issued
      await renew({ total: counts.issued + candidates.length })

      // Written as the attestations are made; completed at the end with those made before.
      zip = new EventZip(this.deps.files)
      const zipping = zip
      let next = 0
      let sinceProgress = 0
      const inFlight = new Set<Promise<void>>()
      const one = async (candidate: Candidate): Promise<void> => {
        try {
          const snapshot: StoredSnapshot = await this.deps.attestations.snapshotFor(job.event_id, candidate)
          const pdf = await this.deps.renderer.render(snapshot)
          const stored = await this.deps.attestations.store(job.event_id, candidate, snapshot, pdf, actorId)
          if (stored !== undefined) {
            counts.issued++
            zipping.addBytes({ id: stored.id, name: stored.snapshot.name, code: stored.code, issuedAt: stored.issuedAt }, pdf)
          }
        } catch (err) {
          counts.failed++
          if (failures.length < FAILURES_LISTED) {
            failures.push({
              who: candidate.input.name.trim() === '' ? candidate.personId : candidate.input.name,
              why: oneLine(err)
            })
          }
          log?.warn({ jobId: job.id, personId: candidate.personId, err }, 'attestation not made in a bulk job')
        } finally {
          counts.done++
          sinceProgress++
        }
      }
      try {
        while (next < candidates.length || inFlight.size > 0) {
          while (!this.#stopping && next < candidates.length && inFlight.size < this.#window) {
            const p: Promise<void> = one(candidates[next++]!).finally(() => inFlight.delete(p))
            inFlight.add(p)
          }
          if (inFlight.size === 0) break
          await Promise.race(inFlight)
          if (sinceProgress >= this.#progressEvery) {
            sinceProgress = 0
            await renew()
          }
          // Nothing at all could be made (broken assets, a database refusing every write): stop
          // rather than fail the same way for everyone.
          if (counts.issued === 0 && counts.failed === counts.done && counts.failed >= Math.min(candidates.length, this.#window)) {
            throw new AppError('bad_request', byLocale(locale => t(locale, 'attestations.jobNothingMade', { why: failures[0]?.why[locale] ?? '' })))
          }
        }
      } finally {
        // Never leave an attestation half-way behind us (stored after the job has moved on).
        await Promise.allSettled(inFlight)
      }
      if (this.#stopping) {
        // Shutting down: give the job back at once (lease in the past) for the next instance.
        await zip.abort()
        await renew()
        await jobsRepo.setLease(this.db, job.id, lease, new Date(this.clock.now().getTime() - 1))
        return
      }
      await renew()
      const file = zipFile = await this.#complete(zip, job.event_id, renew)
      await this.db.transaction().execute(async trx => {
        await this.deps.files.markStored(trx, [file.id])
        const ours = await jobsRepo.finishJob(trx, job.id, lease, {
          done: counts.done,
          issued: counts.issued,
          failed: counts.failed,
          status: 'done',
          zip_file_id: file.id,
          error: failureText(counts.failed, failures),
          finished_at: this.clock.now()
        })
        // Rolled back: the ZIP is not kept for a job someone else is finishing.
        if (!ours) throw new LeaseLost()
      })
      log?.info({ jobId: job.id, eventId: job.event_id, ...counts }, 'attestation job done')
    } catch (err) {
      // Not finished by us: the ZIP's pending file is deleted.
      await zip?.abort()
      if (zipFile !== undefined) await this.deps.files.discard([zipFile.id]).catch(() => {})
      if (err instanceof LeaseLost) {
        log?.warn({ jobId: job.id }, 'attestation job lease lost: another instance continues it')
        return
      }
      log?.error({ jobId: job.id, err }, 'attestation job failed')
      const text: Bilingual = err instanceof AppError
        ? err.text
        : byLocale(locale => t(locale, 'attestations.jobFailed', { why: oneLine(err)[locale] }))
      await jobsRepo.finishJob(this.db, job.id, lease, {
        done: counts.done,
        issued: counts.issued,
        failed: counts.failed,
        status: 'failed',
        error: JSON.stringify({ fr: text.fr, en: text.en } satisfies Bilingual),
        finished_at: this.clock.now()
      })
    }
  }

  /**
   * Completes the job's ZIP with every other valid attestation of the event (made before the job,
   * or by an earlier run of it), read back one file at a time and checked against its SHA-256.
   * One put in while the job ran and revoked since: the ZIP is made again from the stored files.
   */
  async #complete (zip: EventZip, eventId: string, renew: () => Promise<void>): Promise<{ id: string }> {
    const rows = (await repo.attestationsOfEvent(this.db, eventId)).filter(r => r.status === 'valid')
    const valid = new Set(rows.map(r => r.id))
    if ([...zip.ids].some(id => !valid.has(id))) {
      await zip.abort()
      zip = new EventZip(this.deps.files)
    }
    const later = rows.filter(r => !zip.has(r.id))
    const sizes = await jobsRepo.fileSizes(this.db, later.map(r => r.file_id))
    let added = 0
    for (const row of later) {
      const snapshot = row.snapshot as unknown as StoredSnapshot
      zip.addLater({ id: row.id, name: snapshot.name, code: row.code, issuedAt: row.issued_at }, sizes.get(row.file_id), async () => {
        // A long ZIP keeps the lease: renewed every hundred files.
        if (++added % 100 === 0) await renew()
        return (await this.deps.files.open(row.file_id)).stream
      })
    }
    return await zip.end()
  }

  #newLease (): Date {
    // A few random milliseconds: the lease value is also the token that says the job is ours.
    return new Date(this.clock.now().getTime() + this.#leaseMs + randomInt(1000))
  }

  async #job (jobId: string): Promise<JobRow> {
    const row = await jobsRepo.findJob(this.db, jobId)
    if (row === undefined) throw jobNotFound()
    return row
  }
}

function viewOf (row: JobRow): JobView {
  const error = row.error as Bilingual | null
  return {
    id: row.id,
    eventId: row.event_id,
    status: row.status,
    total: row.total,
    done: row.done,
    issued: row.issued,
    failed: row.failed,
    error: error === null ? null : { fr: error.fr, en: error.en },
    zipFileId: row.zip_file_id,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at
  }
}

/** A person the job could not issue to, and why (in both languages). */
interface Failure { who: string, why: Bilingual }

/** The same message built in each language. */
const byLocale = (text: (locale: Locale) => string): Bilingual => {
  const [fr, en] = locales.map(text) as [string, string]
  return { fr, en }
}

function failureText (failed: number, failures: Failure[]): string | null {
  if (failed === 0) return null
  const more = failed - failures.length
  return JSON.stringify(byLocale(locale => t(locale, 'attestations.jobSomeFailed', {
    failed,
    more,
    list: failures.map(f => t(locale, 'attestations.jobFailure', { who: f.who, why: f.why[locale] })).join(t(locale, 'attestations.jobFailureSeparator'))
  })) satisfies Bilingual)
}

/** An error's first line, short enough for a progress page, in both languages when it has them. */
function oneLine (err: unknown): Bilingual {
  const message = err instanceof Error ? err.message : String(err)
  const text: Bilingual = err instanceof AppError ? err.text : { fr: message, en: message }
  const first = (s: string): string => {
    const line = s.split('\n')[0] ?? ''
    return line.length > 200 ? `${line.slice(0, 199)}…` : line
  }
  return { fr: first(text.fr), en: first(text.en) }
}

const jobNotFound = (): AppError => notFound(bilingual('attestations.jobNotFound'))
