import type { FastifyInstance } from 'fastify'
import type { Database } from './db/database.js'
import { purgeEnded } from './db/rate-limit-repository.js'
import { WORK_CHANNEL, type Work } from './db/wakeups.js'
import type { Services } from './services.js'
import { every } from './util/periodic.js'

/** Background work run every `everyMs` (src/util/periodic.ts); /metrics counts its failures by `name`. */
export interface Job {
  name: string
  everyMs: number
  run: () => Promise<unknown>
  /** For work that may also start at once between ticks: hands the service a way to do so. */
  wakeWith?: (wake: () => void) => void
  /**
   * Queued work this job does: a transaction that queues it (src/db/wakeups.ts) wakes the job on
   * every instance, and its tick slows to IDLE_EVERY_MS: it then only finds work due later (retries).
   */
  wakeOn?: Work
}

/** How often a job woken by notifications still looks by itself (retries due later, a missed notification). */
const IDLE_EVERY_MS = 30_000

const MINUTE = 60_000

/** Every background job of the app. Several instances may run them: the work they take is leased or idempotent. */
export function jobs (s: Services): Job[] {
  const sender = s.messageSender
  return [
    // Grades go out every few seconds; several instances share the work (rows are leased).
    { name: 'grade outbox run', everyMs: 5_000, run: async () => await s.gradeOutbox.deliverDue(), wakeOn: 'grades' },
    // Rosters due (first launch, "sync now" retries, periodic refresh): an indexed look every 5 s,
    // so an instructor's class list follows their first launch within seconds.
    { name: 'roster sync run', everyMs: 5_000, run: async () => await s.roster.runDue(), wakeOn: 'rosters' },
    // Nothing like Mongo's TTL indexes runs for us: purge expired LTI rows now and then.
    { name: 'LTI purge', everyMs: 10 * MINUTE, run: async () => await Promise.all([s.ltiStorage.purgeExpired(), s.lti.purgeExpired()]) },
    // Attendance grades recomputed (a slot that ends changes everyone's grade) and sent when they
    // change; expired pending scans and old typed-code attempts purged.
    { name: 'attendance background run', everyMs: MINUTE, run: async () => await Promise.all([s.grades.syncAll(), s.attendance.purgeExpired()]) },
    // Bytes of uploads that never completed (dropped connections, crashes mid-upload).
    { name: 'purge of unfinished uploads', everyMs: 10 * MINUTE, run: async () => await s.files.purgePending(new Date(s.clock.now().getTime() - 60 * MINUTE)) },
    // Bulk attestations: a job just started runs at once; the tick takes up jobs started on
    // another instance, or left by one that crashed.
    {
      name: 'attestation jobs',
      everyMs: 5_000,
      run: async () => { await s.attestationJobs.runDue() },
      wakeWith: wake => { s.attestationJobs.onStarted = wake },
      wakeOn: 'attestation-jobs'
    },
    // Requests made before the end of the event are decided when its last counted slot ends.
    { name: 'attestation decisions', everyMs: MINUTE, run: async () => await s.attestationDecisions.decideWaiting() },
    // The sender exists only when SMTP is configured; messages are stored for organizers otherwise.
    ...(sender === undefined ? [] : [{ name: 'message delivery', everyMs: 15_000, run: async () => await sender.deliverDue(), wakeOn: 'messages' as const }]),
    // The shared request counters (PostgreSQL only) whose window has ended.
    ...(s.database.kind === 'postgres' ? [{ name: 'rate limit purge', everyMs: 10 * MINUTE, run: async () => await purgeEnded(s.database.db) }] : []),
    // Loi 25: what is past its retention period is deleted, anonymised or minimised.
    { name: 'retention purge', everyMs: 60 * MINUTE, run: async () => await s.retention.purge('schedule') }
  ]
}

/**
 * Starts each job in the background of the app (stopped when it closes). Jobs with `wakeOn` also
 * run when a transaction on any instance queues their work (LISTEN on the database), and then
 * tick only every IDLE_EVERY_MS.
 */
export async function startJobs (app: FastifyInstance, all: Job[], database: Pick<Database, 'listen'>): Promise<void> {
  const woken = new Map<Work, () => void>()
  for (const job of all) {
    const run = singleFlight(job.run)
    every(app, job.wakeOn === undefined ? job.everyMs : Math.max(job.everyMs, IDLE_EVERY_MS), job.name, run)
    const wake = (): void => { run().catch((err: unknown) => { app.countBackgroundFailure(job.name); app.log.warn({ err }, `${job.name} failed`) }) }
    job.wakeWith?.(wake)
    if (job.wakeOn !== undefined) woken.set(job.wakeOn, wake)
  }
  if (woken.size === 0) return
  // '*': the listening connection came back; anything may have been queued meanwhile.
  const stop = await database.listen(WORK_CHANNEL, payload => {
    if (payload === '*') for (const wake of woken.values()) wake()
    else woken.get(payload as Work)?.()
  })
  app.addHook('onClose', async () => { await stop() })
}

/** Never two runs of `run` at once: a call during a run waits for one more run after it (work queued meanwhile is seen). */
function singleFlight (run: () => Promise<unknown>): () => Promise<unknown> {
  let running: Promise<unknown> | undefined
  let again = false
  return async () => {
    if (running !== undefined) {
      again = true
      return await running
    }
    running = (async () => {
      let result: unknown
      do {
        again = false
        result = await run()
      } while (again)
      return result
    })().finally(() => { running = undefined })
    return await running
  }
}
