import type { FastifyInstance } from 'fastify'
import type { Services } from './services.js'
import { every } from './util/periodic.js'

/** Background work run every `everyMs` (src/util/periodic.ts); /metrics counts its failures by `name`. */
export interface Job {
  name: string
  everyMs: number
  run: () => Promise<unknown>
  /** For work that may also start at once between ticks: hands the service a way to do so. */
  wakeWith?: (wake: () => void) => void
}

const MINUTE = 60_000

/** Every background job of the app. Several instances may run them: the work they take is leased or idempotent. */
export function jobs (s: Services): Job[] {
  const sender = s.messageSender
  return [
    // Grades go out every few seconds; several instances share the work (rows are leased).
    { name: 'grade outbox run', everyMs: 5_000, run: async () => await s.gradeOutbox.deliverDue() },
    // Rosters due (first launch, "sync now" retries, periodic refresh): an indexed look every 5 s,
    // so an instructor's class list follows their first launch within seconds.
    { name: 'roster sync run', everyMs: 5_000, run: async () => await s.roster.runDue() },
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
      wakeWith: wake => { s.attestationJobs.onStarted = wake }
    },
    // Requests made before the end of the event are decided when its last counted slot ends.
    { name: 'attestation decisions', everyMs: MINUTE, run: async () => await s.attestationDecisions.decideWaiting() },
    // The sender exists only when SMTP is configured; messages are stored for organizers otherwise.
    ...(sender === undefined ? [] : [{ name: 'message delivery', everyMs: 15_000, run: async () => await sender.deliverDue() }]),
    // Loi 25: what is past its retention period is deleted, anonymised or minimised.
    { name: 'retention purge', everyMs: 60 * MINUTE, run: async () => await s.retention.purge('schedule') }
  ]
}

/** Starts each job in the background of the app (stopped when it closes). */
export function startJobs (app: FastifyInstance, all: Job[]): void {
  for (const job of all) {
    every(app, job.everyMs, job.name, job.run)
    job.wakeWith?.(() => { job.run().catch((err: unknown) => { app.log.warn({ err }, `${job.name} failed`) }) })
  }
}
