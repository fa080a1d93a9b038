import Fastify, { type FastifyInstance } from 'fastify'
import { randomUUID } from 'node:crypto'
import cookie from '@fastify/cookie'
import formbody from '@fastify/formbody'
import jwt from '@fastify/jwt'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler, type ZodTypeProvider } from '@fastify/type-provider-zod'
import type { ResolvedConfig } from './config.js'
import type { Clock } from './clock.js'
import type { Database } from './db/database.js'
import errorHandler, { frameworkError } from './plugins/error-handler.js'
import { loggerOptions } from './http/logging.js'
import security from './http/security.js'
import guide from './http/guide.js'
import { SESSION_COOKIE } from './http/cookies.js'
import metrics from './metrics/plugin.js'
import locale from './plugins/locale.js'
import { favicon, siteCss } from './views/layout.js'
import { healthRoutes } from './health/routes.js'
import { ProgramService } from './program/service.js'
import { programRoutes } from './program/routes.js'
import { PeopleService } from './people/service.js'
import authentication from './people/authentication.js'
import viewer from './people/viewer.js'
import access, { accessDeclarations } from './access/plugin.js'
import { AccessPolicy } from './access/policy.js'
import { ltiCourseRoles } from './lti/roles.js'
import { open } from './access/declare.js'
import { peopleRoutes } from './people/routes.js'
import lti from './lti/module.js'
import { ltiRoutes } from './lti/routes.js'
import { listPlatforms } from './lti/repository.js'
import { AttendanceService } from './attendance/service.js'
import { attendanceRoutes } from './attendance/routes.js'
import { myPageAttendanceSection } from './attendance/pages.js'
import { AttendanceBook } from './attendance/book.js'
import { AttendanceGrades } from './attendance/grades.js'
import { bookRoutes, myHoursSection } from './attendance/book-routes.js'
import { startAttendanceJobs } from './attendance/jobs.js'
import { FileStore } from './files/store.js'
import { SynthesisService } from './synthesis/service.js'
import { synthesisRoutes } from './synthesis/routes.js'
import { synthesisPageRoutes } from './synthesis/page-routes.js'
import { PreviewPool } from './synthesis/preview-pool.js'
import { every } from './util/periodic.js'
import { MessageOutbox } from './messages/outbox.js'
import { messageRoutes } from './messages/routes.js'
import { SelfServiceLinks } from './people/self-service.js'
import { selfServiceRoutes, signInRedirect } from './people/self-service-routes.js'
import { AccountLinks } from './people/account-links.js'
import { accountLinkRoutes } from './people/account-links-routes.js'
import { roleInvitationRoutes } from './people/role-invitation-routes.js'
import { AttestationService, InProcessRenderer } from './attestations/service.js'
import type { AttestationModuleDeps } from './attestations/module.js'
import { attestationRoutes } from './attestations/routes.js'
import { attestationPageRoutes } from './attestations/page-routes.js'
import { verificationRoutes } from './attestations/verification-routes.js'
import { attestationJobRoutes } from './attestations/job-routes.js'
import { reportRoutes } from './attestations/report-routes.js'
import type { PrivacyModuleDeps } from './privacy/module.js'
import { privacyRoutes } from './privacy/routes.js'
import { retentionRoutes } from './privacy/retention-routes.js'

export interface AppDeps {
  database: Database
  /** Every time rule reads this clock (tests and the demo set it). */
  clock: Clock
  /** Background work (grade delivery, purges); tests turn it off and drive it themselves. Default on. */
  backgroundJobs?: boolean
}

export interface App {
  app: FastifyInstance
  services: { program: ProgramService, people: PeopleService, attendance: AttendanceService, book: AttendanceBook, grades: AttendanceGrades, files: FileStore, synthesis: SynthesisService, previews: PreviewPool, messages: MessageOutbox, attestations: AttestationService }
}

/**
 * Builds the whole application. Everything is registered here, explicitly; server.ts only
 * reads the configuration, opens the database and listens.
 */
export async function buildApp (config: ResolvedConfig, deps: AppDeps): Promise<App> {
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

  const program = new ProgramService(deps.database.db, deps.clock)
  const messages = new MessageOutbox(deps.clock, config.smtp !== undefined)
  const policy = new AccessPolicy(deps.database.db, ltiCourseRoles, { privacyOfficerEmails: config.privacyOfficerEmails })
  const people = new PeopleService(deps.database.db, deps.clock, config, policy, messages)

  // Before any route: every route must say who may call it (src/access/plugin.ts).
  await app.register(accessDeclarations)
  await app.register(cookie, { secret: config.secrets.cookieSecret })
  // The LMS origins that may frame our pages: http/ reads them through this, never from lti/ itself.
  await app.register(security, { config, platforms: async () => await listPlatforms(deps.database.db) })
  await app.register(metrics, { config, db: deps.database.db })
  // Page forms (application/x-www-form-urlencoded).
  await app.register(formbody, { bodyLimit: 64 * 1024 })
  await app.register(jwt, {
    secret: config.secrets.sessionSecret,
    sign: { iss: config.publicUrl, aud: 'compagnon', expiresIn: '15m' },
    // fast-jwt checks iss/aud/exp only when present: a token without them must not pass.
    verify: { allowedIss: config.publicUrl, allowedAud: 'compagnon', requiredClaims: ['iss', 'aud', 'exp'], algorithms: ['HS256'] },
    cookie: { cookieName: SESSION_COOKIE, signed: false }
  })
  await app.register(locale, { defaultLocale: config.defaultLocale })
  await app.register(errorHandler)

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Compagnon API',
        description: 'ÉNAP fall school on the co-production of public services (ENP7009): program, attendance, synthesis, attestations.',
        version: '1'
      },
      servers: [{ url: config.publicUrl }],
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

  app.get('/assets/site.css', { schema: { hide: true }, config: { access: open('a stylesheet') } }, async (_request, reply) => {
    return await reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(siteCss)
  })
  app.get('/assets/favicon.svg', { schema: { hide: true }, config: { access: open('the site icon') } }, async (_request, reply) => {
    return await reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(favicon)
  })
  // Submits forms marked data-autosubmit (answers posted back to an LMS); CSP allows no inline script.
  app.get('/assets/autosubmit.js', { schema: { hide: true }, config: { access: open('a script') } }, async (_request, reply) => {
    return await reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600')
      .send("document.querySelectorAll('form[data-autosubmit]').forEach(function (f) { f.submit() })\n")
  })

  // The guide (docs/, built into dist/aide/ by npm ci) at /aide/, or DOCS_URL's copy.
  await app.register(guide, { docsUrl: config.docsUrl })

  await app.register(authentication, { people })
  // The header's person (before the policy's check: a refusal page knows who was refused too).
  await app.register(viewer, { people })
  // Browsers opening a page that needs a session go to the sign-in form, and come back after.
  await app.register(access, { policy, signInPage: signInRedirect(config.defaultLocale) })
  await app.register(healthRoutes, { database: deps.database })
  await app.register(programRoutes, { program, publicUrl: config.publicUrl })
  await app.register(peopleRoutes, { people, program, publicUrl: config.publicUrl })
  await app.register(lti, { db: deps.database.db, clock: deps.clock, config, people, program, backgroundJobs: deps.backgroundJobs ?? true })
  const files = new FileStore(deps.database.db, deps.clock)
  const synthesis = new SynthesisService(deps.database.db, deps.clock, files, app.gradeOutbox, app.lti, policy)
  await app.register(ltiRoutes, { people, program, lti: app.lti, publicUrl: config.publicUrl, synthesisCourses: async personId => await synthesis.learnerCourses(personId) })
  const attendance = new AttendanceService(deps.database.db, deps.clock, config.secrets.codeSecret, config.publicUrl, policy)
  const book = new AttendanceBook(deps.database.db, deps.clock, policy)
  people.myPageSections.push(async ({ locale }) => myPageAttendanceSection(locale))
  // Hours done against the attestation threshold, read as part of the attendance section.
  people.myPageSections.push(myHoursSection(book))
  await app.register(attendanceRoutes, { attendance, fontsDir: config.attestationAssetsDir })
  const grades = new AttendanceGrades(deps.database.db, deps.clock, book, app.gradeOutbox)
  await app.register(bookRoutes, { book, grades, lti: app.lti })
  if (deps.backgroundJobs ?? true) startAttendanceJobs(app, grades, attendance)

  // DOCX previews run in bounded threads, started on the first preview.
  const previews = new PreviewPool()
  app.addHook('onClose', async () => { await previews.close() })
  await app.register(synthesisRoutes, { synthesis, previews })
  await app.register(synthesisPageRoutes, { synthesis })
  // Bytes of uploads that never completed (dropped connections, crashes mid-upload).
  if (deps.backgroundJobs ?? true) every(app, 10 * 60_000, 'purge of unfinished uploads', async () => await files.purgePending(new Date(deps.clock.now().getTime() - 60 * 60_000)))

  const attestations = new AttestationService(deps.database.db, deps.clock, {
    access: policy, book, files, messages, people, renderer: new InProcessRenderer(config.attestationAssetsDir), publicUrl: config.publicUrl
  })
  const attestationDeps: AttestationModuleDeps = {
    db: deps.database.db, clock: deps.clock, config, access: policy, attestations, people, program, book, files, messages, backgroundJobs: deps.backgroundJobs ?? true
  }
  await app.register(attestationRoutes, attestationDeps)
  await app.register(attestationPageRoutes, attestationDeps)
  await app.register(verificationRoutes, attestationDeps)
  await app.register(attestationJobRoutes, attestationDeps)
  await app.register(reportRoutes, attestationDeps)
  await app.register(messageRoutes, attestationDeps)
  // "M'envoyer mon lien": links emailed outside any event; closing waits for requests under way.
  const selfService = new SelfServiceLinks(deps.database.db, deps.clock, messages, config, app.log)
  app.decorate('selfServiceLinks', selfService)
  app.addHook('onClose', async () => { await selfService.settled() })
  await app.register(selfServiceRoutes, { links: selfService })
  await app.register(accountLinkRoutes, { links: new AccountLinks(deps.database.db, deps.clock), people })
  await app.register(roleInvitationRoutes, { people })
  // Requests made before the end of the event are decided when its last counted slot ends.
  if (deps.backgroundJobs ?? true) every(app, 60_000, 'attestation decisions', async () => await attestations.decideWaiting())

  const privacyDeps: PrivacyModuleDeps = {
    db: deps.database.db, clock: deps.clock, config, access: policy, people, program, files, messages, backgroundJobs: deps.backgroundJobs ?? true
  }
  await app.register(privacyRoutes, privacyDeps)
  await app.register(retentionRoutes, privacyDeps)

  return { app, services: { program, people, attendance, book, grades, files, synthesis, previews, messages, attestations } }
}
