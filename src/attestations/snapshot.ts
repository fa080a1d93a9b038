// What an attestation is made from, frozen at issue: the snapshot and its verification code.
// Kept apart from the renderer (pdf.ts) so that the app loads pdf-lib and fontkit only when it
// first renders a PDF.
import { randomBytes } from 'node:crypto'
import { DateTime } from 'luxon'
import { z } from 'zod'

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

/** 26 Crockford base32 characters: 130 random bits. */
export function newVerificationCode (): string {
  const bytes = randomBytes(17)
  let bits = 0n
  for (const b of bytes) bits = (bits << 8n) | BigInt(b)
  let out = ''
  for (let i = 0; i < 26; i++) out += CROCKFORD[Number((bits >> BigInt(5 * i)) & 31n)]
  return out
}

/** The code as printed: groups of 4 joined by '-' (e.g. "7K3M-9QXA-…-ZP"). */
export function groupVerificationCode (code: string): string {
  const clean = code.toUpperCase().replace(/[^0-9A-Z]/g, '')
  return (clean.match(/.{1,4}/g) ?? []).join('-')
}

const isoDateTime = z.string().refine((s) => DateTime.fromISO(s, { setZone: true }).isValid, 'not an ISO date')

export const attestationSnapshotSchema = z.object({
  locale: z.enum(['fr', 'en']),
  name: z.string().min(1),
  trainingTitle: z.string().min(1),
  organizer: z.string().min(1),
  place: z.string().min(1),
  startDate: isoDateTime,
  endDate: isoDateTime,
  timezone: z.string().refine((tz) => DateTime.now().setZone(tz).isValid, 'unknown time zone'),
  hours: z.number().nonnegative(),
  sessions: z.array(z.object({
    title: z.string().min(1),
    startsAt: isoDateTime,
    durationMinutes: z.number().int().nonnegative()
  })),
  issuedAt: isoDateTime,
  // at least 100 bits: 20 Crockford base32 characters (separators allowed)
  verificationCode: z.string().refine((s) => /^[0-9A-HJKMNP-TV-Z]{20,}$/.test(s.toUpperCase().replace(/[-\s]/g, '')),
    'at least 20 Crockford base32 characters (100 bits)'),
  verifyUrl: z.string().url()
})
export type AttestationSnapshot = z.infer<typeof attestationSnapshotSchema>
