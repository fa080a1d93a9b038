import { randomInt } from 'node:crypto'
import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import { badRequest, conflict, type Bilingual } from '../errors.js'
import { bilingual, intlLocale, locales, t, type TextKey } from '../views/i18n.js'
import * as repo from './account-links-repository.js'
import { insertAccountAudit } from './self-service-repository.js'
import { hashToken } from './tokens.js'

export const LINK_CODE_LIFETIME_MS = 10 * 60_000
/** No 0/O, 1/I/L: read aloud or copied from one window to another without doubt. 32 signs, 8 of them: 40 bits. */
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ'
const CODE_LENGTH = 8

export interface LinkCode { code: string, expiresAt: Date }
export interface LinkPreview { other: { displayName: string, email: string | null } }
export interface LinkResult {
  absorbedId: string
  moved: Record<string, number>
  dropped: Record<string, number>
  sessionsEnded: number
  /** The kept account had been created by event staff: its own sessions ended too. */
  keptAccountSignedOut: boolean
}

const codeUnusable = () => badRequest(bilingual('people.linkCodeUnusable'))

/** A message naming several things (events, courses), each language listing them its own way: "« A » et « B »", "“A” and “B”". */
function naming (key: TextKey, names: string[], value: string): Bilingual {
  const [fr, en] = locales.map(locale => {
    const quoted = names.map(n => t(locale, 'people.quoted', { name: n }))
    return t(locale, key, { [value]: new Intl.ListFormat(intlLocale[locale], { type: 'conjunction' }).format(quoted), count: names.length })
  }) as [string, string]
  return { fr, en }
}

/** Typed with or without its dash, spaces, in any case. */
export function normalizeCode (typed: string): string {
  return typed.toUpperCase().replace(/[^0-9A-Z]/g, '')
}

/**
 * Two accounts of one person become one: a code shown while signed in as one (valid 10
 * minutes, once) is typed while signed in as the other. The account typing the code stays;
 * the other is merged into it — every row that names it (registrations, check-ins: one per
 * slot, the earliest kept; attestation requests; LMS identities; hand-ins...) — its sessions
 * and links end, and it is deleted, in one transaction, audited.
 */
export class AccountLinks {
  constructor (private readonly db: Db, private readonly clock: Clock) {}

  async createCode (personId: string): Promise<LinkCode> {
    const now = this.clock.now()
    const raw = Array.from({ length: CODE_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join('')
    const expiresAt = new Date(now.getTime() + LINK_CODE_LIFETIME_MS)
    await this.db.transaction().execute(async trx => {
      await repo.replaceCode(trx, { person_id: personId, code_hash: hashToken(raw), created_at: now, expires_at: expiresAt })
    })
    return { code: `${raw.slice(0, 4)}-${raw.slice(4)}`, expiresAt }
  }

  /** What typing the code would do, for the confirmation page; changes nothing, uses nothing. */
  async preview (personId: string, typed: string): Promise<LinkPreview> {
    return await this.db.transaction().execute(async trx => {
      const { other } = await this.#check(trx, personId, typed, false)
      return { other: { displayName: other.display_name, email: other.email } }
    })
  }

  async link (personId: string, typed: string): Promise<LinkResult> {
    const now = this.clock.now()
    return await this.db.transaction().execute(async trx => {
      const { code, self, other } = await this.#check(trx, personId, typed, true)
      await repo.useCode(trx, code.id, now)
      const sessionsEnded = await repo.endSessions(trx, other.id, now)
      const dropped = await repo.dropDuplicates(trx, other.id, self.id)
      await repo.completeIdentity(trx, self, other, now)
      const moved = await repo.moveReferences(trx, await repo.personColumns(trx), other.id, self.id)
      await repo.deletePerson(trx, other.id)
      // Staff held this account's first link: they must not reach what it now holds.
      const keptAccountSignedOut = self.staff_provisioned_at !== null
      if (keptAccountSignedOut) await repo.sealProvisioned(trx, self.id, now)
      await insertAccountAudit(trx, {
        at: now,
        actor_id: self.id,
        actor_label: 'the person (linking code)',
        action: 'accounts_merged',
        subject_person_id: self.id,
        details: { absorbedPersonId: other.id, moved, dropped, sessionsEnded, keptAccountSignedOut }
      })
      return { absorbedId: other.id, moved, dropped, sessionsEnded, keptAccountSignedOut }
    })
  }

  async #check (trx: Db, personId: string, typed: string, lock: boolean): Promise<{
    code: { id: string, person_id: string }
    self: repo.LinkablePerson
    other: repo.LinkablePerson
  }> {
    const normalized = normalizeCode(typed)
    if (normalized.length !== CODE_LENGTH) throw codeUnusable()
    const code = await repo.findLiveCode(trx, hashToken(normalized), this.clock.now(), lock)
    if (code === undefined) throw codeUnusable()
    if (code.person_id === personId) {
      throw badRequest(bilingual('people.linkCodeOwnAccount'))
    }
    const people = await repo.findPeople(trx, [personId, code.person_id], lock)
    const self = people.find(p => p.id === personId)
    const other = people.find(p => p.id === code.person_id)
    if (self === undefined || other === undefined || self.anonymised_at !== null || other.anonymised_at !== null) throw codeUnusable()
    const events = await repo.sharedAttestationEvents(trx, self.id, other.id)
    if (events.length > 0) {
      throw conflict(naming('people.linkSharedAttestations', events, 'events'))
    }
    const courses = await repo.sharedSynthesisCourses(trx, self.id, other.id)
    if (courses.length > 0) {
      throw conflict(naming('people.linkSharedSyntheses', courses, 'courses'))
    }
    return { code, self, other }
  }
}
