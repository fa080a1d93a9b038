import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import { AppError, notFound } from '../errors.js'
import { bilingual, t } from '../views/i18n.js'
import type { MessageOutbox } from '../messages/outbox.js'
import * as repo from './repository.js'
import * as selfRepo from './self-service-repository.js'
import { hashToken, newToken } from './tokens.js'

const MINUTE = 60_000
/** A link a person asks for by email: long enough for a slow mail server, short for a forwarded mailbox. */
export const SELF_LINK_LIFETIME_MS = 60 * MINUTE
/** A link the operator prints: passed on by hand (a call, a chat), so it lives a day, like an organizer's first link. */
export const OPERATOR_LINK_LIFETIME_MS = 24 * 60 * MINUTE
/** How the operator at the server's console is named in the account audit. */
export const OPERATOR_LABEL = 'operator (CLI)'

export const emailUnavailable = (): AppError => new AppError('unavailable', bilingual('people.selfServiceUnavailableError'))

export interface OperatorLink { personId: string, displayName: string, url: string, expiresAt: Date }

/**
 * Sign-in links outside any event: "m'envoyer mon lien" (a person asks for a link to their own
 * inbox) and the operator's `npm run person:link`. Both leave a row in `account_audit`.
 *
 * A self-requested link is only ever emailed: never returned, never stored where staff read
 * messages (no event on the message; without SMTP nothing is written at all).
 */
export class SelfServiceLinks {
  readonly #pending = new Set<Promise<void>>()

  constructor (
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly outbox: MessageOutbox,
    private readonly config: { publicUrl: string },
    private readonly log: { error: (obj: object, msg: string) => void }
  ) {}

  /** True when links can be emailed (SMTP configured). */
  get available (): boolean { return this.outbox.sends }

  /**
   * Accepts a request for a link to this address and returns at once, before looking the
   * address up: the caller's answer, and its timing, are the same whether or not an account
   * uses it. The lookup and the message follow on their own (`settled` waits for them).
   */
  request (email: string, returnTo?: string): void {
    if (!this.available) throw emailUnavailable()
    const work = this.#emailLink(email, returnTo)
      .catch((err: unknown) => { this.log.error({ err }, 'self-service sign-in link not queued') })
      .finally(() => { this.#pending.delete(work) })
    this.#pending.add(work)
  }

  /** Resolves once every request accepted so far has been handled (tests; closing the app). */
  async settled (): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending])
  }

  /** `returnTo`: a page of this site (already checked) the link brings the person to once signed in. */
  async #emailLink (email: string, returnTo: string | undefined): Promise<void> {
    // After the answer has gone: nothing below is on the caller's clock.
    await new Promise(resolve => setImmediate(resolve))
    const owner = await selfRepo.findLinkOwner(this.db, email)
    if (owner === undefined) return
    const now = this.clock.now()
    const expiresAt = new Date(now.getTime() + SELF_LINK_LIFETIME_MS)
    const token = newToken()
    const locale = owner.preferred_locale === 'en' ? 'en' : 'fr'
    await this.db.transaction().execute(async trx => {
      await repo.insertSignInLink(trx, { person_id: owner.id, token_hash: hashToken(token), purpose: 'sign_in', created_by: owner.id, expires_at: expiresAt })
      await this.outbox.enqueue(trx, {
        eventId: null,
        personId: owner.id,
        kind: 'sign_in_link',
        to: owner.email,
        ...signInLinkText(locale, {
          name: owner.display_name,
          url: `${this.config.publicUrl}/auth/link/${token}?lang=${locale}${returnTo === undefined ? '' : `&retour=${encodeURIComponent(returnTo)}`}`
        })
      })
      await selfRepo.insertAccountAudit(trx, {
        at: now,
        actor_id: owner.id,
        actor_label: 'the person (by email)',
        action: 'sign_in_link_emailed',
        subject_person_id: owner.id,
        details: { expiresAt: expiresAt.toISOString() }
      })
    })
  }

  /**
   * A one-time sign-in link for the person with this email, for the server's operator to pass
   * on (someone who cannot use the LMS nor receive email). Audited as the operator's.
   */
  async operatorLink (email: string): Promise<OperatorLink> {
    const owner = await selfRepo.findLinkOwner(this.db, email)
    if (owner === undefined) {
      throw notFound(bilingual('people.noPersonWithEmail', { email }))
    }
    const now = this.clock.now()
    const expiresAt = new Date(now.getTime() + OPERATOR_LINK_LIFETIME_MS)
    const token = newToken()
    await this.db.transaction().execute(async trx => {
      await repo.insertSignInLink(trx, { person_id: owner.id, token_hash: hashToken(token), purpose: 'sign_in', created_by: null, expires_at: expiresAt })
      await selfRepo.insertAccountAudit(trx, {
        at: now,
        actor_id: null,
        actor_label: OPERATOR_LABEL,
        action: 'operator_sign_in_link',
        subject_person_id: owner.id,
        details: { expiresAt: expiresAt.toISOString() }
      })
    })
    return { personId: owner.id, displayName: owner.display_name, url: `${this.config.publicUrl}/auth/link/${token}`, expiresAt }
  }
}

/** The email carrying a self-requested link: what it opens, that it works once, for an hour (in the person's language). */
export function signInLinkText (locale: 'fr' | 'en', v: { name: string, url: string }): { subject: string, bodyText: string } {
  return { subject: t(locale, 'people.signInLinkSubject'), bodyText: t(locale, 'people.signInLinkBody', v) }
}
