// Open Badges 3.0 credentials for attestations, secured as VC-JWT (VCDM 2.0, typ vc+jwt), the
// signing keys (published at /.well-known/jwks.json) and the revocation status list of each
// event (Bitstring Status List). Keys live in credential_keys: the private JWK sealed with
// AES-256-GCM under a key derived from SESSION_SECRET, so every instance can sign.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose'
import type { Clock } from '../clock.js'
import type { AccessPolicy } from '../access/policy.js'
import { eventExists } from '../access/repository.js'
import type { Db } from '../db/database.js'
import { conflict, notFound, type AppError } from '../errors.js'
import { bilingual, t } from '../views/i18n.js'
import { datesText, formatHours } from './format.js'
import * as repo from './repository.js'
import type { AttestationView } from './attestation.js'
import type { VerificationService } from './verification.js'

export const VC_CONTEXT = 'https://www.w3.org/ns/credentials/v2'
export const OB_CONTEXT = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'
export const VC_JWT_TYPE = 'application/vc+jwt'
const ALG = 'ES256'
/** The Bitstring Status List's minimum size (16 KB), so a list says little about how many were issued. */
export const MIN_STATUS_BITS = 131_072

export interface PublicJwk { kty: string, crv: string, x: string, y: string, kid: string, alg: string, use: 'sig' }

interface Signer { kid: string, key: CryptoKey | Uint8Array }

// ---------- sealing ----------

/** The AES key that seals private JWKs: derived, so the session secret itself never encrypts data. */
function sealingKey (secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'compagnon credential keys', 32))
}

/** `v1.<iv>.<tag>.<ciphertext>` (base64url); the kid is authenticated data, so a sealed key cannot be moved to another row. */
export function sealJwk (jwk: JWK, kid: string, secret: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', sealingKey(secret), iv)
  cipher.setAAD(Buffer.from(kid, 'utf8'))
  const data = Buffer.concat([cipher.update(JSON.stringify(jwk), 'utf8'), cipher.final()])
  return ['v1', iv, cipher.getAuthTag(), data].map(p => typeof p === 'string' ? p : p.toString('base64url')).join('.')
}

export function openJwk (sealed: string, kid: string, secret: string): JWK {
  const [version, iv, tag, data] = sealed.split('.')
  if (version !== 'v1' || iv === undefined || tag === undefined || data === undefined) throw new Error('unknown sealed key format')
  const decipher = createDecipheriv('aes-256-gcm', sealingKey(secret), Buffer.from(iv, 'base64url'))
  decipher.setAAD(Buffer.from(kid, 'utf8'))
  decipher.setAuthTag(Buffer.from(tag, 'base64url'))
  return JSON.parse(Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8')) as JWK
}

// ---------- status list ----------

/** Bitstring Status List: bit 0 is the left-most bit of the first byte; GZIP, then multibase base64url ('u'). */
export function encodeStatusList (setIndexes: Iterable<number>, highestIndex: number): string {
  const bits = Math.max(MIN_STATUS_BITS, Math.ceil((highestIndex + 1) / 8) * 8)
  const bytes = Buffer.alloc(bits / 8)
  for (const i of setIndexes) bytes[i >> 3]! |= 0x80 >> (i & 7)
  return 'u' + gzipSync(bytes).toString('base64url')
}

// ---------- the service ----------

const attestationNotFound = (): AppError => notFound(bilingual('attestations.attestationNotFound'))

/**
 * Signs Open Badges 3.0 credentials and status lists. `ready()` makes sure a signing key exists
 * (run once at start, see verification-routes.ts); several instances on one database agree on
 * the same key: the oldest one still in service that they can open.
 */
export class CredentialService {
  #signer: Promise<Signer> | undefined

  constructor (
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly deps: { verification: VerificationService, access: AccessPolicy, publicUrl: string, secret: string }
  ) {}

  statusListUrl (eventId: string): string { return `${this.deps.publicUrl}/credentials/status/${eventId}` }

  /** The signing key, created on first use when none exists. Memoised; a failure is retried next time. */
  ready (): Promise<Signer> {
    this.#signer ??= this.#ensureKey()
    this.#signer.catch(() => { this.#signer = undefined })
    return this.#signer
  }

  async #ensureKey (): Promise<Signer> {
    const existing = await this.#usableKey(this.db)
    if (existing !== undefined) return existing
    const pair = await generateKeyPair(ALG, { extractable: true })
    const publicJwk = await exportJWK(pair.publicKey)
    const kid = await calculateJwkThumbprint(publicJwk)
    const privateJwk = await exportJWK(pair.privateKey)
    return await this.db.transaction().execute(async trx => {
      // Two instances starting together: the second waits, then finds the first one's key.
      await repo.lockCredentialKeys(trx)
      const found = await this.#usableKey(trx)
      if (found !== undefined) return found
      await repo.insertCredentialKey(trx, {
        kid,
        alg: ALG,
        public_jwk: { ...publicJwk, kid, alg: ALG, use: 'sig' },
        private_jwk_sealed: sealJwk(privateJwk, kid, this.deps.secret),
        created_at: this.clock.now()
      })
      const created = await this.#usableKey(trx)
      if (created === undefined) throw new Error('credential key could not be stored')
      return created
    })
  }

  /**
   * The oldest key in service that this instance can open. A key sealed under another
   * SESSION_SECRET is skipped, not retired: the instances that share its secret still use it.
   */
  async #usableKey (db: Db): Promise<Signer | undefined> {
    for (const row of await repo.keysInService(db, ALG)) {
      let jwk: JWK
      try {
        jwk = openJwk(row.private_jwk_sealed, row.kid, this.deps.secret)
      } catch {
        continue
      }
      return { kid: row.kid, key: await importJWK(jwk, ALG) }
    }
    return undefined
  }

  /** Every key, retired ones included (credentials they signed still verify); public parts only. */
  async jwks (): Promise<{ keys: PublicJwk[] }> {
    const rows = await repo.publicKeys(this.db)
    return {
      keys: rows.map(r => {
        const jwk = r.public_jwk as unknown as Record<string, string>
        return { kty: jwk.kty!, crv: jwk.crv!, x: jwk.x!, y: jwk.y!, kid: r.kid, alg: r.alg, use: 'sig' as const }
      })
    }
  }

  /**
   * The Open Badges 3.0 credential of a valid attestation, as a VC-JWT, for its owner or an
   * organizer of its event (anyone else: not found, as for the PDF). Nothing in it identifies
   * the person beyond the name printed on the attestation (no email, no internal id).
   */
  async credential (actorId: string, attestationId: string): Promise<{ jwt: string, filename: string }> {
    const row = await repo.findCredentialFacts(this.db, attestationId)
    if (row === undefined) throw attestationNotFound()
    // Its owner or an organizer of its event; anyone else is told it does not exist (hidden rule).
    await this.deps.access.assert({ personId: actorId }, 'attestation.read', { kind: 'attestation', attestationId: row.id })
    if (row.status !== 'valid') {
      throw conflict(bilingual('attestations.credentialNotValid'))
    }
    const view = await this.deps.verification.byCode(row.code)
    if (view === undefined) throw attestationNotFound()
    const payload = openBadgeCredential(view, {
      issuerUrl: this.deps.publicUrl,
      statusListUrl: this.statusListUrl(row.event_id),
      statusIndex: row.status_index
    })
    const at = Math.floor(view.issuedAt.getTime() / 1000)
    const signer = await this.ready()
    const jwt = await new SignJWT(payload)
      .setProtectedHeader({ alg: ALG, kid: signer.kid, typ: 'vc+jwt' })
      .setIssuer(this.deps.publicUrl)
      .setJti(view.verifyUrl)
      .setSubject(view.verifyUrl)
      .setIssuedAt(at)
      .setNotBefore(at)
      .sign(signer.key)
    const filename = `${view.locale === 'en' ? 'badge-training' : 'badge-formation'}-${view.code.slice(0, 8)}.jwt`
    return { jwt, filename }
  }

  /**
   * The event's revocation list as a BitstringStatusListCredential (VC-JWT): bit i is set when
   * the attestation with status_index i is revoked or superseded (a re-issue replaces the
   * credential; the old one must stop verifying).
   */
  async statusList (eventId: string): Promise<string> {
    if (!await eventExists(this.db, eventId)) throw notFound(bilingual('attestations.eventNotFound'))
    const rows = await repo.statusIndexes(this.db, eventId)
    const highest = rows.reduce((max, r) => Math.max(max, r.status_index), -1)
    const encodedList = encodeStatusList(rows.filter(r => r.status !== 'valid').map(r => r.status_index), highest)
    const url = this.statusListUrl(eventId)
    const now = this.clock.now()
    const signer = await this.ready()
    return await new SignJWT({
      '@context': [VC_CONTEXT],
      id: url,
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      issuer: this.deps.publicUrl,
      validFrom: now.toISOString(),
      credentialSubject: { id: `${url}#list`, type: 'BitstringStatusList', statusPurpose: 'revocation', encodedList }
    })
      .setProtectedHeader({ alg: ALG, kid: signer.kid, typ: 'vc+jwt' })
      .setIssuer(this.deps.publicUrl)
      .setJti(url)
      .setSubject(`${url}#list`)
      .setIssuedAt(Math.floor(now.getTime() / 1000))
      .sign(signer.key)
  }
}

/** The credential itself (VCDM 2.0 + Open Badges 3.0), from the attestation's frozen snapshot. */
export function openBadgeCredential (view: AttestationView, at: { issuerUrl: string, statusListUrl: string, statusIndex: number }): Record<string, unknown> {
  const s = view.snapshot
  const locale = s.locale
  const hours = formatHours(s.hours, locale)
  const uec = formatHours(s.uec, locale)
  const dates = datesText(s.startDate, s.endDate, s.timezone, locale)
  const hoursId = `${view.verifyUrl}#hours`
  return {
    '@context': [VC_CONTEXT, OB_CONTEXT],
    id: view.verifyUrl,
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    issuer: { id: at.issuerUrl, type: ['Profile'], name: s.organizer },
    validFrom: view.issuedAt.toISOString(),
    name: s.trainingTitle,
    credentialSubject: {
      type: ['AchievementSubject'],
      name: s.name,
      // Open Badges asks for an id or an identifier: the name as printed, never an email.
      identifier: [{ type: 'IdentityObject', identityHash: s.name, identityType: 'name', hashed: false }],
      achievement: {
        id: `${view.verifyUrl}#achievement`,
        type: ['Achievement'],
        achievementType: 'CertificateOfCompletion',
        name: s.trainingTitle,
        description: t(locale, 'attestations.badgeDescription', { hours, uec, dates, place: s.place }),
        criteria: { narrative: t(locale, 'attestations.badgeCriteria', { url: view.verifyUrl }) },
        resultDescription: [{ id: hoursId, type: ['ResultDescription'], name: t(locale, 'attestations.hoursAttendedLong'), resultType: 'ext:Hours' }]
      },
      result: [{ type: ['Result'], resultDescription: hoursId, value: String(s.hours) }]
    },
    credentialStatus: {
      id: `${at.statusListUrl}#${at.statusIndex}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: String(at.statusIndex),
      statusListCredential: at.statusListUrl
    }
  }
}
