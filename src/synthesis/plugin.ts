import type { FastifyPluginAsync } from 'fastify'
import type { GradingService } from './grading.js'
import type { HandInService } from './hand-in.js'
import { synthesisPageRoutes } from './page-routes.js'
import type { PreviewPool } from './preview-pool.js'
import { synthesisRoutes } from './routes.js'

export interface SynthesisPluginOptions {
  services: { synthesisHandIn: HandInService, synthesisGrading: GradingService, previews: PreviewPool }
}

/** The course synthesis: students' hand-in, instructors' grading (API and pages), DOCX previews. */
const synthesis: FastifyPluginAsync<SynthesisPluginOptions> = async (app, { services }) => {
  await app.register(synthesisRoutes, { handIn: services.synthesisHandIn, grading: services.synthesisGrading, previews: services.previews })
  await app.register(synthesisPageRoutes, { handIn: services.synthesisHandIn, grading: services.synthesisGrading })
}
export default synthesis
