import fp from 'fastify-plugin'
import type { Clock } from '../clock.js'
import type { ProgramService } from '../program/service.js'
import type { AccessLog } from './access-log.js'
import type { ErasureService } from './erasure.js'
import type { IncidentService } from './incidents.js'
import type { RetentionService } from './retention.js'
import { retentionRoutes } from './retention-routes.js'
import { privacyRoutes } from './routes.js'
import type { PrivacyService } from './service.js'

export interface PrivacyPluginOptions {
  services: {
    clock: Clock
    privacyAccessLog: AccessLog
    privacy: PrivacyService
    incidents: IncidentService
    retention: RetentionService
    erasure: ErasureService
    program: ProgramService
  }
}

/**
 * Privacy (Loi 25): the notice, exports, access log, incidents, retention and erasure. Not
 * encapsulated: its onResponse hook must see every route, so any route flagged
 * `config: { personalData }` is logged in the staff access log.
 */
export default fp<PrivacyPluginOptions>(async (app, { services }) => {
  app.addHook('onResponse', services.privacyAccessLog.onResponse)
  await app.register(privacyRoutes, { service: services.privacy, incidents: services.incidents, program: services.program })
  await app.register(retentionRoutes, { retention: services.retention, erasure: services.erasure, clock: services.clock })
}, { name: 'compagnon-privacy' })
