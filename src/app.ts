import type { FastifyInstance, FastifyPluginAsync, FastifyPluginCallback } from 'fastify'
import cookie from '@fastify/cookie'
import formbody from '@fastify/formbody'
import type { ResolvedConfig } from './config.js'
import type { Clock } from './clock.js'
import type { Database } from './db/database.js'
import { createServices, closeServices, type Services } from './services.js'
import { jobs, startJobs } from './jobs.js'
import { createFastify } from './http/fastify.js'
import security from './http/security.js'
import sessionToken from './http/session-token.js'
import openapi from './http/openapi.js'
import guide from './http/guide.js'
import errorHandler from './plugins/error-handler.js'
import locale from './plugins/locale.js'
import assets from './views/assets.js'
import access, { accessDeclarations } from './access/plugin.js'
import authentication from './people/authentication.js'
import viewer from './people/viewer.js'
import { signInRedirect } from './people/self-service-routes.js'
import metrics from './metrics/plugin.js'
import health from './health/plugin.js'
import program from './program/plugin.js'
import people from './people/plugin.js'
import lti from './lti/plugin.js'
import attendance from './attendance/plugin.js'
import synthesis from './synthesis/plugin.js'
import attestations from './attestations/plugin.js'
import messages from './messages/plugin.js'
import privacy from './privacy/plugin.js'

export interface AppDeps {
  database: Database
  /** Every time rule reads this clock (tests and the demo set it). */
  clock: Clock
  /** Background work (src/jobs.ts); tests turn it off and drive it themselves. Default on. */
  backgroundJobs?: boolean
}

export interface App { app: FastifyInstance, services: Services }

/**
 * The whole application: every service built once (src/services.ts), the plugins every request
 * goes through, one plugin per domain (src/<domain>/plugin.ts), the background jobs (src/jobs.ts).
 */
export async function buildApp (config: ResolvedConfig, deps: AppDeps): Promise<App> {
  const app = createFastify(config)
  const services = createServices({ database: deps.database, clock: deps.clock, config, log: app.log })
  const domain = { services, config }

  // Before any route: every route must say who may call it (src/access/plugin.ts).
  await app.register(accessDeclarations)
  await app.register(cookie, { secret: config.secrets.cookieSecret })
  // The LMS origins that may frame our pages: http/ reads them through this, never from lti/ itself.
  await app.register(security, {
    config,
    platforms: async () => await services.lti.framingPlatforms(),
    sharedCounters: deps.database.kind === 'postgres' ? deps.database.db : undefined
  })
  await app.register(metrics, domain)
  // Page forms (application/x-www-form-urlencoded).
  await app.register(formbody, { bodyLimit: 64 * 1024 })
  await app.register(sessionToken, { config })
  await app.register(locale, { defaultLocale: config.defaultLocale })
  await app.register(errorHandler)
  await app.register(openapi, { publicUrl: config.publicUrl })
  await app.register(assets)
  // The guide (docs/, built into dist/aide/ by npm ci) at /aide/, or DOCS_URL's copy.
  await app.register(guide, { docsUrl: config.docsUrl })
  await app.register(authentication, { people: services.people })
  // The header's person (before the policy's check: a refusal page knows who was refused too).
  await app.register(viewer, { people: services.people })
  // Browsers opening a page that needs a session go to the sign-in form, and come back after.
  await app.register(access, { policy: services.access, signInPage: signInRedirect(config.defaultLocale) })

  // The domains, in this order. Privacy is last (as always): its access log hook is on the whole app.
  type DomainPlugin = FastifyPluginAsync<typeof domain> | FastifyPluginCallback<typeof domain>
  const domains: DomainPlugin[] = [health, program, people, lti, attendance, synthesis, attestations, messages, privacy]
  for (const plugin of domains) await app.register(plugin, domain)

  app.addHook('onClose', async () => { await closeServices(services) })
  if (deps.backgroundJobs !== false) await startJobs(app, jobs(services), deps.database)
  return { app, services }
}
