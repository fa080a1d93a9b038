import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod'
import { z } from 'zod'
import { open } from '../access/declare.js'
import { ping, type Database } from '../db/database.js'
import { pendingMigrations } from '../db/migrate.js'

const readySchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  database: z.enum(['up', 'down']),
  pendingMigrations: z.array(z.string())
})

/** /health: the process answers. /ready: it can serve (database reachable, schema current). */
export const healthRoutes: FastifyPluginAsyncZod<{ database: Database }> = async (app, { database }) => {
  app.get('/health', {
    config: { access: open('liveness probes') },
    logLevel: 'warn',
    schema: { operationId: 'health', tags: ['operations'], summary: 'Liveness', response: { 200: z.object({ status: z.literal('ok') }) } }
  }, async () => ({ status: 'ok' as const }))

  app.get('/ready', {
    config: { access: open('readiness probes (says nothing about any person)') },
    logLevel: 'warn',
    schema: {
      operationId: 'ready',
      tags: ['operations'],
      summary: 'Readiness: database reachable and migrations applied',
      response: { 200: readySchema, 503: readySchema }
    }
  }, async (_request, reply) => {
    try {
      await ping(database.db)
      const pending = await pendingMigrations(database)
      if (pending.length > 0) return await reply.code(503).send({ status: 'not_ready', database: 'up', pendingMigrations: pending })
      return { status: 'ready' as const, database: 'up' as const, pendingMigrations: [] }
    } catch {
      // Load balancers take the instance out; it comes back by itself once PostgreSQL answers.
      return await reply.code(503).header('retry-after', '5').send({ status: 'not_ready', database: 'down', pendingMigrations: [] })
    }
  })
}
