import type { FastifyPluginAsync } from 'fastify'
import type { ResolvedConfig } from '../config.js'
import { ProgramRenderings } from './renderings.js'
import { programRoutes } from './routes.js'
import type { ProgramService } from './service.js'

export interface ProgramPluginOptions {
  services: { program: ProgramService }
  config: ResolvedConfig
}

/** The program: events, sessions and slots (public pages, API, iCalendar). */
const program: FastifyPluginAsync<ProgramPluginOptions> = async (app, { services, config }) => {
  // One per app: the rendered answers this instance keeps (bounded; keyed by the program's version).
  const renderings = new ProgramRenderings(services.program, config.publicUrl)
  await app.register(programRoutes, { program: services.program, renderings })
}
export default program
