import type { FastifyPluginAsync } from 'fastify'
import type { ResolvedConfig } from '../config.js'
import { programRoutes } from './routes.js'
import type { ProgramService } from './service.js'

export interface ProgramPluginOptions {
  services: { program: ProgramService }
  config: ResolvedConfig
}

/** The program: events, sessions and slots (public pages, API, iCalendar). */
const program: FastifyPluginAsync<ProgramPluginOptions> = async (app, { services, config }) => {
  await app.register(programRoutes, { program: services.program, publicUrl: config.publicUrl })
}
export default program
