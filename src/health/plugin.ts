import type { FastifyPluginAsync } from 'fastify'
import type { Database } from '../db/database.js'
import { healthRoutes } from './routes.js'

export interface HealthPluginOptions {
  services: { database: Database }
}

/** Probes for orchestrators and load balancers: liveness and readiness. */
const health: FastifyPluginAsync<HealthPluginOptions> = async (app, { services }) => {
  await app.register(healthRoutes, { database: services.database })
}
export default health
