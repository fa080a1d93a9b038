import type { FastifyInstance } from 'fastify'
import type { PrivacyModuleDeps } from './module.js'

/** Retention purge (scheduled) and erasure / anonymisation requests (Loi 25). */
export async function retentionRoutes (_app: FastifyInstance, _deps: PrivacyModuleDeps): Promise<void> {}
