import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod'
import type { AttestationModuleDeps } from './module.js'

// Placeholder: filled in by the work on issue 6 (see src/attestations/module.ts for the deps).
export const attestationPageRoutes: FastifyPluginAsyncZod<AttestationModuleDeps> = async () => {}
