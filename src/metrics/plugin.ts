import fp from 'fastify-plugin'
import type { ResolvedConfig } from '../config.js'
import type { Db } from '../db/database.js'

export interface MetricsOptions { config: ResolvedConfig, db: Db }

/** GET /metrics in Prometheus text format (issue 7, operations). */
export default fp<MetricsOptions>(async () => {}, { name: 'compagnon-metrics' })
