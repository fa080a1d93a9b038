import type { FastifyInstance } from 'fastify'
import type { PrivacyModuleDeps } from './module.js'

/** Privacy notice, personal data export, staff access log, incident register (Loi 25). */
export async function privacyRoutes (_app: FastifyInstance, _deps: PrivacyModuleDeps): Promise<void> {}
