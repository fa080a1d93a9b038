// What anyone holding a verification code may learn about an attestation, and the check of a
// PDF against the one issued. Read-only: nothing here writes to the database.
import { createHash } from 'node:crypto'
import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import { AppError, badRequest, notFound } from '../errors.js'
import { bilingual } from '../views/i18n.js'
import * as repo from './repository.js'
import type { AttestationStatus } from './repository.js'
import { groupVerificationCode } from './snapshot.js'
import type { AttestationView } from './attestation.js'
import type { AttestationIssuance } from './issuance.js'

/** Largest PDF accepted by the check (issued attestations weigh well under 1 MB). */
export const MAX_CHECK_BYTES = 5 * 1024 * 1024
const PDF_MAGIC = Buffer.from('%PDF-', 'latin1')

export interface PublicAttestation {
  code: string
  groupedCode: string
  verifyUrl: string
  status: AttestationStatus
  /** Loi 25: after the retention period only name, title, dates, hours, status and hash remain. */
  minimised: boolean
  locale: 'fr' | 'en'
  name: string
  trainingTitle: string
  startDate: string
  endDate: string
  timezone: string
  hours: number
  sha256: string
  revokedAt: Date | null
  /** Withheld once minimised (it may say something about the person). */
  revocationReason: string | null
  supersededBy: { code: string, groupedCode: string, verifyUrl: string } | null
  /** Everything else shown during the retention period; null once minimised. */
  details: {
    organizer: string
    place: string
    uec: number
    issuedAt: Date
    sessions: Array<{ title: string, startsAt: Date, durationMinutes: number }>
  } | null
}

export interface CheckResult {
  matches: boolean
  sha256Uploaded: string
  sha256Issued: string
  status: AttestationStatus
}

/** Accepts the code as printed (groups, lower case, spaces) and returns it bare, or undefined. */
export function normaliseCode (code: string): string | undefined {
  const clean = code.toUpperCase().replace(/[\s-]/g, '')
  return /^[0-9A-HJKMNP-TV-Z]{20,40}$/.test(clean) ? clean : undefined
}

/** Why a code leads nowhere: malformed (cannot be a code) or unknown. Both answer 404. */
export function codeNotFound (code: string): AppError {
  const shown = code.length > 60 ? `${code.slice(0, 60)}…` : code
  if (normaliseCode(code) === undefined) {
    return notFound(bilingual('attestations.codeMalformed', { code: shown }))
  }
  return notFound(bilingual('attestations.codeUnknown', { code: groupVerificationCode(code) }))
}

export class VerificationService {
  constructor (
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly deps: { attestations: AttestationIssuance, detailsDays: number }
  ) {}

  /** What the public verification page shows for a code (grouped or not), or undefined. */
  async byCode (code: string): Promise<AttestationView | undefined> {
    const clean = normaliseCode(code)
    if (clean === undefined) return undefined
    const row = await repo.findAttestationByCode(this.db, clean)
    return row === undefined ? undefined : await this.deps.attestations.view(row)
  }

  /** The public view of a code as printed (groups, lower case, spaces), or a 404. */
  async view (code: string): Promise<PublicAttestation> {
    const view = await this.byCode(code)
    if (view === undefined) throw codeNotFound(code)
    const minimisedOn = await repo.minimisedAt(this.db, view.id)
    const retentionEnds = view.issuedAt.getTime() + this.deps.detailsDays * 86_400_000
    const minimised = minimisedOn !== null || this.clock.now().getTime() > retentionEnds
    const s = view.snapshot
    const next = view.supersededByCode
    return {
      code: view.code,
      groupedCode: view.groupedCode,
      verifyUrl: view.verifyUrl,
      status: view.status,
      minimised,
      locale: view.locale,
      name: s.name,
      trainingTitle: s.trainingTitle,
      startDate: s.startDate,
      endDate: s.endDate,
      timezone: s.timezone,
      hours: s.hours,
      sha256: view.sha256,
      revokedAt: view.revokedAt,
      revocationReason: minimised ? null : view.revocationReason,
      supersededBy: next === null ? null : { code: next, groupedCode: groupVerificationCode(next), verifyUrl: this.deps.attestations.verifyUrl(next) },
      details: minimised
        ? null
        : {
            organizer: s.organizer,
            place: s.place,
            uec: s.uec,
            issuedAt: view.issuedAt,
            sessions: (s.sessions ?? []).map(x => ({ title: x.title, startsAt: new Date(x.startsAt), durationMinutes: x.durationMinutes }))
          }
    }
  }

  /**
   * Whether an uploaded file is exactly the issued PDF (same SHA-256). The bytes are hashed as
   * they arrive and never kept. Not a PDF: 415; larger than MAX_CHECK_BYTES: 413; empty: 400.
   */
  async check (view: PublicAttestation, file: AsyncIterable<Buffer>): Promise<CheckResult & { view: PublicAttestation }> {
    const hash = createHash('sha256')
    let size = 0
    let head = Buffer.alloc(0)
    for await (const chunk of file) {
      if (head.length < PDF_MAGIC.length) {
        head = Buffer.concat([head, chunk.subarray(0, PDF_MAGIC.length - head.length)])
        if (head.length === PDF_MAGIC.length && !head.equals(PDF_MAGIC)) throw notPdf()
      }
      size += chunk.length
      if (size > MAX_CHECK_BYTES) throw tooBig()
      hash.update(chunk)
    }
    if (size === 0) throw noFile()
    if (!head.equals(PDF_MAGIC)) throw notPdf()
    const uploaded = hash.digest('hex')
    return { matches: uploaded === view.sha256, sha256Uploaded: uploaded, sha256Issued: view.sha256, status: view.status, view }
  }
}

export const noFile = (): AppError => badRequest(bilingual('attestations.checkNoFile'))
const notPdf = (): AppError => new AppError('unsupported_media_type', bilingual('attestations.checkNotPdf'))
const tooBig = (): AppError => new AppError('payload_too_large', bilingual('attestations.checkTooBig', { megabytes: MAX_CHECK_BYTES / 1024 / 1024 }))
