import { createTransport } from 'nodemailer'
import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import type { FileStore } from '../files/store.js'
import * as repo from './repository.js'

/** Attempts before a message is given up as 'failed' (about seven hours of retries with the backoff below). */
export const MAX_ATTEMPTS = 10
/**
 * How long a claimed message is this worker's. Longer than the longest a send may take
 * (SEND_TIMEOUT_MS), so no other worker takes it up while it is still being sent.
 */
export const LEASE_MS = 5 * 60_000
const SEND_TIMEOUT_MS = 2 * 60_000

/** 30 s, 2 min, 10 min, then every hour. */
export function backoffMs (attempts: number): number {
  return [30_000, 2 * 60_000, 10 * 60_000][attempts - 1] ?? 60 * 60_000
}

/** Personal and sign-in links in a delivered message: the token no longer needs to be readable in the database. */
const PERSONAL_LINK = /\/(p|auth\/link)\/[A-Za-z0-9_-]{20,100}/g
export const redactLinks = (text: string): string => text.replace(PERSONAL_LINK, (_link, path: string) => `/${path}/[…]`)

export interface SenderLog {
  warn: (obj: object, msg: string) => void
  info: (obj: object, msg: string) => void
}

/**
 * Delivers 'pending' messages through SMTP (nodemailer), with retries.
 *
 * Each run claims due messages with a lease (repository.claimDue: no transaction is held
 * while talking to the SMTP server), sends them one by one and records the outcome. A message
 * marked 'sent' is never claimed again. The one gap: a crash (or a lost connection to the
 * database) after the server accepted a message and before 'sent' is recorded leaves it
 * pending; once its lease ends it is sent a second time. Hence at most one duplicate per such
 * crash, never a lost message; every attempt carries the same Message-ID, so mail clients that
 * deduplicate show it once.
 *
 * Logs name the message by id and kind only: never its body, subject or address, nor the
 * credentials of SMTP_URL (removed from error texts before they are logged or stored).
 */
export class MessageSender {
  readonly #transport: ReturnType<typeof createTransport>
  readonly #secrets: string[]
  readonly #domain: string

  constructor (
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly files: FileStore,
    private readonly smtp: { url: string, from: string },
    private readonly log: SenderLog,
    publicUrl: string
  ) {
    this.#transport = createTransport({ url: smtp.url, connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 60_000, dnsTimeout: 30_000 })
    this.#secrets = credentialsOf(smtp.url)
    this.#domain = new URL(publicUrl).hostname
  }

  /** Sends what is due now; returns how many were sent, will be retried, were given up. */
  async deliverDue (limit = 20): Promise<{ sent: number, retrying: number, failed: number }> {
    const now = this.clock.now()
    const claimed = await repo.claimDue(this.db, now, new Date(now.getTime() + LEASE_MS), limit)
    const outcome = { sent: 0, retrying: 0, failed: 0 }
    for (const message of claimed) {
      const attempts = message.attempts + 1
      try {
        await this.#send(message)
      } catch (err) {
        const error = this.#errorText(err)
        const giveUp = attempts >= MAX_ATTEMPTS
        await repo.markAttemptFailed(this.db, message.id, {
          attempts,
          error,
          nextAttemptAt: new Date(this.clock.now().getTime() + backoffMs(attempts)),
          giveUp
        })
        this.log.warn({
          messageId: message.id,
          kind: message.kind,
          attempts,
          err: error
        }, giveUp ? 'message not sent; giving up after the last attempt' : 'message not sent yet; will retry')
        if (giveUp) outcome.failed++
        else outcome.retrying++
        continue
      }
      await repo.markSent(this.db, message.id, { at: this.clock.now(), attempts, bodyText: redactLinks(message.body_text) })
      this.log.info({ messageId: message.id, kind: message.kind, attempts }, 'message sent')
      outcome.sent++
    }
    return outcome
  }

  close (): void { this.#transport.close() }

  async #send (message: repo.ClaimedMessage): Promise<void> {
    const attachments = []
    if (message.attachment_file_id !== null) {
      const file = await this.files.readAll(message.attachment_file_id)
      attachments.push({ filename: message.attachment_name ?? `piece-jointe.${file.kind}`, content: file.data, contentType: file.mediaType })
    }
    await this.#transport.sendMail({
      from: this.smtp.from,
      to: message.to_address,
      subject: message.subject,
      text: message.body_text,
      attachments,
      messageId: `<${message.id}@${this.#domain}>`,
      headers: { 'Auto-Submitted': 'auto-generated' },
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS)
    })
  }

  #errorText (err: unknown): string {
    const e = err as { code?: unknown, responseCode?: unknown, message?: unknown }
    let text = [typeof e.code === 'string' ? e.code : null, typeof e.responseCode === 'number' ? String(e.responseCode) : null, String(e.message ?? err)]
      .filter(part => part !== null).join(' ')
    for (const secret of this.#secrets) text = text.split(secret).join('***')
    return text.slice(0, 500)
  }
}

/** The user name and password of an SMTP URL, raw and decoded, to keep them out of error texts. */
function credentialsOf (url: string): string[] {
  const parsed = new URL(url)
  const parts = [parsed.username, parsed.password].filter(s => s !== '')
  const decoded = parts.map(s => { try { return decodeURIComponent(s) } catch { return s } })
  // Longest first, so a password containing the user name is removed whole.
  return [...new Set([...parts, ...decoded])].filter(s => s.length >= 3).sort((a, b) => b.length - a.length)
}
