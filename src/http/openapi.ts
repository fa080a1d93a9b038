import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { jsonSchemaTransform, jsonSchemaTransformObject } from '@fastify/type-provider-zod'
import { open } from '../access/declare.js'

/**
 * The OpenAPI document, built from the routes' zod schemas, and its viewer at /docs. Registered
 * before the routes, at the root: it sees every route registered after it.
 */
export default fp<{ publicUrl: string }>(async (app, { publicUrl }) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Compagnon API',
        description: 'ÉNAP fall school on the co-production of public services (ENP7009): program, attendance, synthesis, attestations.',
        version: '1'
      },
      servers: [{ url: publicUrl }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } }
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject
  })
  // The documentation is public; its routes are the plugin's own, so their scope declares it.
  await app.register(async scope => {
    scope.addHook('onRoute', route => { route.config = { ...route.config, access: open('the API documentation') } })
    await scope.register(swaggerUi, { routePrefix: '/docs', staticCSP: true })
  })
}, { name: 'compagnon-openapi' })
