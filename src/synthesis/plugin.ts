import type { FastifyPluginAsync } from 'fastify'
import { synthesisPageRoutes } from './page-routes.js'
import type { PreviewPool } from './preview-pool.js'
import { synthesisRoutes } from './routes.js'
import type { SynthesisService } from './service.js'

export interface SynthesisPluginOptions {
  services: { synthesis: SynthesisService, previews: PreviewPool }
}

/** The course synthesis: students' hand-in, instructors' grading (API and pages), DOCX previews. */
const synthesis: FastifyPluginAsync<SynthesisPluginOptions> = async (app, { services }) => {
  await app.register(synthesisRoutes, { synthesis: services.synthesis, previews: services.previews })
  await app.register(synthesisPageRoutes, { synthesis: services.synthesis })
}
export default synthesis
