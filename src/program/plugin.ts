import type { FastifyPluginAsync } from 'fastify'
import type { ResolvedConfig } from '../config.js'
import type { Database } from '../db/database.js'
import { ProgramRenderings } from './renderings.js'
import { programRoutes } from './routes.js'
import type { ProgramService } from './service.js'

export interface ProgramPluginOptions {
  services: { program: ProgramService, database: Database }
  config: ResolvedConfig
}

/** The program: events, sessions and slots (public pages, API, iCalendar). */
const program: FastifyPluginAsync<ProgramPluginOptions> = async (app, { services, config }) => {
  // One per app: the rendered answers this instance keeps (bounded; keyed by the program's version).
  const renderings = new ProgramRenderings(services.program, config.publicUrl)
  if (services.database.kind === 'embedded') {
    const stop = await services.program.keepVersionsUntilImport(services.database.listen)
    // A database closed first (tests close theirs in any order) has stopped listening already.
    app.addHook('onClose', async () => { await stop().catch(() => {}) })
  }
  await app.register(programRoutes, { program: services.program, renderings })
}
export default program
