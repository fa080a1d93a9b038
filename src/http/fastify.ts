import Fastify from 'fastify'
import { randomUUID } from 'node:crypto'
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from '@fastify/type-provider-zod'
import type { ResolvedConfig } from '../config.js'
import { frameworkError } from '../plugins/error-handler.js'
import { loggerOptions } from './logging.js'

/** The Fastify instance of the app: our logger and request ids, body and proxy settings, zod schemas. */
export function createFastify (config: ResolvedConfig) {
  const app = Fastify({
    logger: loggerOptions(config),
    genReqId: () => randomUUID(),
    trustProxy: config.trustProxy,
    bodyLimit: 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true },
    frameworkErrors: frameworkError
  }).withTypeProvider<ZodTypeProvider>()
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  return app
}
