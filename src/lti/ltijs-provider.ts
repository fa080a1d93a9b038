import { hkdfSync } from 'node:crypto'
import type { LtijsProvider } from 'ltijs'
import type { Secrets } from '../config.js'

export const TOKEN_MAX_AGE_SECONDS = 60
export const CLOCK_SKEW_SECONDS = 5

/** The key ltijs seals its storage and state cookies with, derived from COOKIE_SECRET. */
export const ltijsKey = (secrets: Pick<Secrets, 'cookieSecret'>): string =>
  Buffer.from(hkdfSync('sha256', secrets.cookieSecret, 'compagnon', 'ltijs storage and state cookies', 32)).toString('base64url')

/**
 * ltijs' provider of one app. Services use it (deep-linking answers, platform updates); the LTI
 * plugin (src/lti/launch.ts) says how it starts, since its launch handlers are HTTP glue that
 * needs the app. Started on first use; a failed start is tried again next time.
 */
export class Ltijs {
  /** The key its storage and state cookies are sealed with (ltijsKey); the platform client reads tokens with it too. */
  constructor (readonly key: string) {}

  #start: (() => Promise<LtijsProvider>) | undefined
  #started: Promise<LtijsProvider> | undefined

  /** Set once, by the LTI plugin as it registers. */
  startWith (start: () => Promise<LtijsProvider>): void { this.#start = start }

  async provider (): Promise<LtijsProvider> {
    const start = this.#start
    if (start === undefined) throw new Error('ltijs is started by the LTI plugin (src/lti/plugin.ts), which this app did not register')
    this.#started ??= start().catch((err: unknown) => { this.#started = undefined; throw err })
    return await this.#started
  }
}
