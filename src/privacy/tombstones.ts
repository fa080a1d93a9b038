import { createHmac, hkdfSync } from 'node:crypto'
import type { Secrets } from '../config.js'

/**
 * The key of erasure tombstones, derived from CODE_SECRET (kept outside the database): a
 * database copy alone cannot confirm that a given LMS account was erased. Rotating CODE_SECRET
 * makes existing tombstones unrecognisable (docs/confidentialite.md: keep it).
 */
export const tombstoneKey = (secrets: Pick<Secrets, 'codeSecret'>): Buffer =>
  Buffer.from(hkdfSync('sha256', secrets.codeSecret, 'compagnon', 'erasure tombstones', 32))

/** HMAC-SHA256 of (issuer, subject): an LTI subject is unique per issuer (LTI 1.3 §5.1.2). */
export const tombstoneHash = (key: Buffer, issuer: string, subject: string): string =>
  createHmac('sha256', key).update(JSON.stringify([issuer, subject])).digest('hex')
