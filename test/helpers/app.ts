import type { FastifyInstance } from 'fastify'
import { buildApp, type App } from '../../src/app.js'
import { FixedClock } from '../../src/clock.js'
import { loadConfig, type ResolvedConfig } from '../../src/config.js'
import type { Database } from '../../src/db/database.js'
import { freshDatabase } from './database.js'

interface TestContext { teardown: (fn: () => unknown) => void }

export const testSecrets = {
  sessionSecret: 'test-session-secret-0123456789abcdef0123456789',
  cookieSecret: 'test-cookie-secret-0123456789abcdef0123456789',
  codeSecret: 'test-code-secret-0123456789abcdef0123456789ab'
}

// Platforms registered by tests get 2048-bit tool keys: a 4096-bit key costs about 2.3 s of CPU
// to make (0.25 s for 2048), and the suite registers about forty platforms per run.
export const TEST_LTI_KEY_BITS = '2048'

export function testConfig (overrides: Partial<ResolvedConfig> = {}): ResolvedConfig {
  // The simulated LMSs listen on 127.0.0.1 over http: dynamic registration may reach them in tests.
  const base = loadConfig({
    LOG_LEVEL: 'silent',
    PUBLIC_URL: 'http://127.0.0.1:3000',
    DATA_DIR: '/nonexistent',
    LTI_KEY_BITS: TEST_LTI_KEY_BITS,
    LTI_ALLOW_PRIVATE_URLS: 'true'
  })
  return { ...base, secrets: testSecrets, ...overrides }
}

/** During the event: Tuesday 21 October 2025, 10:00 in Montréal. */
export const DURING_EVENT = '2025-10-21T14:00:00Z'

export interface TestApp extends App {
  app: FastifyInstance
  database: Database
  clock: FixedClock
  config: ResolvedConfig
}

/**
 * Real time, for flows where a library reads Date.now() itself (ltijs verifying id_tokens). A test
 * may still move it (`advance`, `set`): every check of ours reads this clock, so "11 s later" for
 * them is a step of the clock, not a wait. What the library reads does not move.
 */
export class RealTimeClock extends FixedClock {
  #offsetMs = 0
  constructor () { super(new Date()) }
  override now (): Date { return new Date(Date.now() + this.#offsetMs) }
  override set (at: Date | string): void { this.#offsetMs = new Date(at).getTime() - Date.now() }
  override advance (ms: number): void { this.#offsetMs += ms }
}

export const realTime = (): RealTimeClock => new RealTimeClock()

/** The whole app on a fresh database, with a fixed clock and (by default) the 2025 program loaded. */
export async function testApp (t: TestContext, options: {
  now?: string
  clock?: FixedClock
  program?: boolean
  config?: Partial<ResolvedConfig>
} = {}): Promise<TestApp> {
  const program = options.program !== false
  const database = await freshDatabase(t, { program })
  const clock = options.clock ?? new FixedClock(options.now ?? DURING_EVENT)
  const config = testConfig(options.config)
  const built = await buildApp(config, { database, clock, backgroundJobs: false })
  t.teardown(async () => { await built.app.close() })
  return { ...built, database, clock, config }
}
