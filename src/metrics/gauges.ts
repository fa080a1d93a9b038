import { Counter, Gauge, type Registry } from 'prom-client'
import type { Db } from '../db/database.js'
import { readBacklog, type Backlog } from './repository.js'

/** A scrape waits no longer than this for the database (Prometheus' default timeout is 10 s). */
const QUERY_TIMEOUT_MS = 3000

/**
 * Gauges of work waiting in the database, read when Prometheus scrapes (never on the request
 * path). Every gauge's collect() of one scrape shares one read of the backlog. When the
 * database does not answer, `compagnon_database_up` is 0 and the backlog gauges are reset
 * (no stale numbers); request metrics are still served.
 */
export function registerBacklogGauges (registry: Registry, db: Db): Array<Gauge<string>> {
  let current: Promise<Backlog | undefined> | undefined
  /** prom-client calls every collect() of a scrape in the same tick: the first one reads, the others wait for it. */
  const backlog = async (): Promise<Backlog | undefined> => {
    if (current === undefined) {
      current = withTimeout(readBacklog(db)).catch(() => undefined).finally(() => { current = undefined })
    }
    return await current
  }
  const registers = [registry]

  return [new Gauge({
    name: 'compagnon_database_up',
    help: '1 when the backlog queries of this scrape answered, 0 when the database did not',
    registers,
    async collect () { this.set((await backlog()) === undefined ? 0 : 1) }
  }), new Gauge({
    name: 'compagnon_grade_outbox_backlog',
    help: 'Grades waiting for the LMS (AGS), per line item (presence: attendance grades; ' +
      'synthese: the synthesis); state new = not tried yet, retrying = failed at least once',
    labelNames: ['line_item', 'state'] as const,
    registers,
    async collect () {
      this.reset()
      const b = await backlog()
      if (b === undefined) return
      for (const lineItem of ['presence', 'synthese']) for (const state of ['new', 'retrying'] as const) this.set({ line_item: lineItem, state }, 0)
      for (const row of b.grades) this.inc({ line_item: row.lineItem, state: row.state }, row.count)
    }
  }), new Gauge({
    name: 'compagnon_grade_outbox_oldest_seconds',
    help: 'Age in seconds of the oldest grade still waiting for the LMS (0 when none waits)',
    registers,
    async collect () { this.reset(); const b = await backlog(); if (b !== undefined) this.set(b.gradesOldestSeconds) }
  }), new Gauge({
    name: 'compagnon_message_outbox_backlog',
    help: 'Emails waiting for SMTP (state new or retrying) or given up after the last attempt (failed)',
    labelNames: ['state'] as const,
    registers,
    async collect () {
      this.reset()
      const b = await backlog()
      if (b === undefined) return
      for (const state of ['new', 'retrying', 'failed'] as const) this.set({ state }, 0)
      for (const row of b.messages) this.inc({ state: row.state }, row.count)
    }
  }), new Gauge({
    name: 'compagnon_message_outbox_oldest_seconds',
    help: 'Age in seconds of the oldest email still waiting for SMTP (0 when none waits)',
    registers,
    async collect () { this.reset(); const b = await backlog(); if (b !== undefined) this.set(b.messagesOldestSeconds) }
  }), new Gauge({
    name: 'compagnon_attestation_jobs',
    help: 'Bulk attestation jobs per status (queued, running, done, failed)',
    labelNames: ['status'] as const,
    registers,
    async collect () {
      this.reset()
      const b = await backlog()
      if (b === undefined) return
      for (const status of ['queued', 'running', 'done', 'failed']) this.set({ status }, 0)
      for (const row of b.attestationJobs) this.set({ status: row.status }, row.count)
    }
  }), new Gauge({
    name: 'compagnon_attestation_job_items_failed',
    help: 'Attestations that bulk jobs could not make (named in each job\'s error)',
    registers,
    async collect () {
      this.reset()
      const b = await backlog()
      if (b !== undefined) this.set(b.attestationJobs.reduce((sum, row) => sum + row.failedItems, 0))
    }
  }), new Gauge({
    name: 'compagnon_roster_sync_failing_courses',
    help: 'LMS courses whose last roster sync (NRPS) failed; retried with backoff',
    registers,
    async collect () { this.reset(); const b = await backlog(); if (b !== undefined) this.set(b.rosterFailing) }
  })]
}

/** Failed runs of background work (grade and roster outboxes, attendance grades, purges, jobs), by job. */
export function backgroundFailureCounter (registry: Registry): Counter<'job'> {
  return new Counter({
    name: 'compagnon_background_run_failures_total',
    help: 'Runs of periodic background work that failed (logged, retried at the next run), by job',
    labelNames: ['job'] as const,
    registers: [registry]
  })
}

async function withTimeout<T> (work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new Error('backlog query timed out')) }, QUERY_TIMEOUT_MS)
    timer.unref()
  })
  try {
    return await Promise.race([work, timeout])
  } finally {
    clearTimeout(timer)
  }
}
