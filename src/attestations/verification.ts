// What anyone holding a verification code may learn about an attestation, and the check of a
// PDF against the one issued. Read-only: nothing here writes to the database.
import { createHash } from 'node:crypto'
import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import { AppError, badRequest, notFound } from '../errors.js'
import type { AttestationStatus } from './repository.js'
import { groupVerificationCode } from './snapshot.js'
import { normaliseCode, type AttestationService } from './service.js'

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

/** Why a code leads nowhere: malformed (cannot be a code) or unknown. Both answer 404. */
export function codeNotFound (code: string): AppError {
  const shown = code.length > 60 ? `${code.slice(0, 60)}…` : code
  if (normaliseCode(code) === undefined) {
    return notFound({
      fr: `« ${shown} » n'est pas un code de vérification. Un code compte 26 caractères (chiffres et lettres, sans I, L, O ni U), imprimés en groupes de 4 sous le code QR de l'attestation.`,
      en: `"${shown}" is not a verification code. A code has 26 characters (digits and letters, without I, L, O or U), printed in groups of 4 under the attestation's QR code.`
    })
  }
  return notFound({
    fr: `Aucune attestation ne correspond au code « ${groupVerificationCode(code)} ». Vérifiez le code imprimé sur l'attestation (les tirets, les espaces et la casse ne comptent pas).`,
    en: `No attestation matches the code "${groupVerificationCode(code)}". Check the code printed on the attestation (dashes, spaces and case do not matter).`
  })
}

export class VerificationService {
  constructor (
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly deps: { attestations: AttestationService, detailsDays: number }
  ) {}

  /** The public view of a code as printed (groups, lower case, spaces), or a 404. */
  async view (code: string): Promise<PublicAttestation> {
    const view = await this.deps.attestations.byCode(code)
    if (view === undefined) throw codeNotFound(code)
    const row = await this.db.selectFrom('attestations').select('minimised_at').where('id', '=', view.id).executeTakeFirstOrThrow()
    const retentionEnds = view.issuedAt.getTime() + this.deps.detailsDays * 86_400_000
    const minimised = row.minimised_at !== null || this.clock.now().getTime() > retentionEnds
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

export const noFile = (): AppError => badRequest({
  fr: 'Aucun fichier reçu : choisissez le fichier PDF de l\'attestation (champ « file »).',
  en: 'No file received: choose the attestation\'s PDF file (field "file").'
})
const notPdf = (): AppError => new AppError('unsupported_media_type', {
  fr: 'Ce fichier n\'est pas un PDF : seule une attestation au format PDF peut être vérifiée.',
  en: 'This file is not a PDF: only an attestation in PDF format can be checked.'
})
const tooBig = (): AppError => new AppError('payload_too_large', {
  fr: `Ce fichier dépasse ${MAX_CHECK_BYTES / 1024 / 1024} Mo : une attestation émise par Compagnon est bien plus petite, ce n'est donc pas elle.`,
  en: `This file is larger than ${MAX_CHECK_BYTES / 1024 / 1024} MB: an attestation issued by Compagnon is much smaller, so it is not this one.`
})
