import fp from 'fastify-plugin'
import fastifyMetrics from 'fastify-metrics'
import * as promClient from 'prom-client'
import { open } from '../access/declare.js'
import type { ResolvedConfig } from '../config.js'
import type { Database } from '../db/database.js'
import { metricsAccess } from './access.js'
import { backgroundFailureCounter, registerBacklogGauges } from './gauges.js'

export interface MetricsOptions { services: { database: Database }, config: ResolvedConfig }

declare module 'fastify' {
  interface FastifyInstance {
    /** Counts a failed run of periodic background work (src/util/periodic.ts), by its name. */
    countBackgroundFailure: (job: string) => void
  }
}

/** Seconds. Fine below 100 ms, where the check-in path lives (p99 target 50 ms). */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

let processRegistry: promClient.Registry | undefined
/**
 * Node.js process metrics (CPU, memory, event loop lag, GC) belong to the process, not to an
 * app: collected once per process however many apps it builds (tests build dozens), each with
 * its own timers and observers otherwise.
 */
function processMetrics (): promClient.Registry {
  if (processRegistry === undefined) {
    processRegistry = new promClient.Registry()
    promClient.collectDefaultMetrics({ register: processRegistry })
  }
  return processRegistry
}

/**
 * GET /metrics in Prometheus text format (issue 7, operations), through fastify-metrics: a
 * request-duration histogram per route template (its `_count` gives request rates), labelled
 * by method, route and status — the template (`/p/:token`), never the URL, so no token or
 * identifier reaches a label. Plus the backlog of durable work read from the database at
 * scrape time (src/metrics/gauges.ts), and the process metrics.
 *
 * One registry per app: the global one would refuse a second app in the same process.
 */
export default fp<MetricsOptions>(async (app, { services, config }) => {
  const registry = new promClient.Registry()
  // A CommonJS module whose plugin is its `default` export.
  await app.register(fastifyMetrics.default, {
    // fastify-metrics exposes `client.register`; ours is per app, and we serve it ourselves below.
    promClient: { ...promClient, register: registry },
    endpoint: null,
    name: 'prometheus',
    defaultMetrics: { enabled: false },
    routeMetrics: {
      // The summary computes quantiles on every request; histograms aggregate across instances.
      enabled: { histogram: true, summary: false },
      registeredRoutesOnly: true,
      overrides: {
        // Fastify builds `routeOptions` afresh on each read: read it once (the default reads it twice).
        labels: { getRouteLabel: request => request.routeOptions.url ?? 'unmatched' },
        histogram: {
          name: 'http_request_duration_seconds',
          help: 'Request duration in seconds, per route template, method and status',
          buckets: LATENCY_BUCKETS,
          registers: [registry]
        },
        summary: { registers: [registry] }
      }
    }
  })
  // Created anyway by fastify-metrics, never observed: not published.
  registry.removeSingleMetric('http_request_summary_seconds')
  registerBacklogGauges(registry, services.database.db)
  const failures = backgroundFailureCounter(registry)
  app.decorate('countBackgroundFailure', (job: string) => { failures.inc({ job }) })

  app.get('/metrics', {
    onRequest: metricsAccess(config.metricsToken),
    schema: { hide: true },
    // Scrapes are neither measured nor logged at info (one every 15 s would drown the log).
    config: { disableMetrics: true, access: open('Prometheus scrapes: its own token check (METRICS_TOKEN, metricsAccess)') },
    logLevel: 'warn',
    exposeHeadRoute: false
  }, async (_request, reply) => {
    const merged = promClient.Registry.merge([processMetrics(), registry])
    const text = await merged.metrics()
    return await reply.type(merged.contentType).header('cache-control', 'no-store').send(text)
  })
}, { name: 'compagnon-metrics' })
