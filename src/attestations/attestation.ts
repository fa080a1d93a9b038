// An issued attestation: the snapshot frozen at issue (built from the event, the layout and the
// person's request and figures), and the view of it every reader shares (the participant's and
// organizers' pages, the API, public verification, Open Badges, reports).
import { DateTime } from 'luxon'
import type { Eligibility } from './eligibility.js'
import type { AttestationAssets } from './pdf.js'
import { groupVerificationCode, type AttestationSnapshot } from './snapshot.js'
import type { EventSummary } from '../program/service.js'
import type { AttestationRow, AttestationStatus, RequestInput } from './repository.js'

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
  status: AttestationStatus
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

const uecOf = (hours: number): number => Math.round(hours * 10) / 100

export function buildSnapshot (
  event: EventSummary,
  assets: AttestationAssets,
  candidate: { input: RequestInput, eligibility: Eligibility },
  code: string,
  now: Date,
  verifyUrl: (code: string) => string
): StoredSnapshot {
  const locale = candidate.input.locale
  const zone = event.timezone
  const hours = candidate.eligibility.hoursAttended
  return {
    locale,
    name: candidate.input.name,
    trainingTitle: event.title[locale],
    organizer: assets.layout.issuer.organization[locale],
    place: assets.layout.issuer.place?.[locale] ?? event.location ?? '—',
    startDate: DateTime.fromISO(event.startsOn, { zone }).toISO()!,
    endDate: DateTime.fromISO(event.endsOn, { zone }).toISO()!,
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

/** The view of a stored attestation that pages, the API, verification, credentials and reports read. */
export function viewOf (row: AttestationRow, supersededByCode: string | null, verifyUrl: (code: string) => string): AttestationView {
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
    verifyUrl: verifyUrl(row.code),
    snapshot
  }
}

export const pdfName = (row: Pick<AttestationRow, 'code' | 'locale'>): string =>
  `${row.locale === 'en' ? 'attestation-training' : 'attestation-formation'}-${row.code.slice(0, 8)}.pdf`
