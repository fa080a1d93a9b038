import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'
import { prepare, runCli } from './bootstrap.js'
import { systemClock } from './clock.js'
import { defaultProgramFile } from './paths.js'
import { readPlatformsFile } from './lti/platforms-file.js'

/** How long a shutdown may take to drain requests and background work. */
const SHUTDOWN_GRACE_MS = 10_000

runCli(async () => {
  const { config, database } = await prepare('compagnon server')
  const { app, services } = await buildApp(config, { database, clock: systemClock })
  // While draining, answers say `Connection: close`: a keep-alive connection whose request
  // ends during the drain would otherwise hold the shutdown until its idle timeout.
  let draining = false
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) reply.header('connection', 'close')
    done(null, payload)
  })
  const loaded = await services.program.ensureLoaded(config.programFile ?? defaultProgramFile)
  if (loaded !== undefined) app.log.info({ event: loaded.eventKey, sessions: loaded.sessions.created }, 'program loaded into the empty database')
  if (config.ltiPlatformsFile !== undefined) {
    // Before listening: registering a new platform generates its tool key (seconds of CPU at 4096 bits).
    await app.ready()
    for (const platform of await readPlatformsFile(config.ltiPlatformsFile)) await services.lti.registerPlatform(platform)
  }
  // SIGTERM/SIGINT: stop listening (new connections are refused), let the requests in flight
  // finish, stop the background work, close the pool, exit 0. Past SHUTDOWN_GRACE_MS the
  // process exits 1 anyway; leased background work is taken up again after a restart.
  closeWithGrace({ delay: SHUTDOWN_GRACE_MS }, async ({ err, signal }) => {
    if (err !== undefined) app.log.error({ err }, 'shutting down after an error')
    else app.log.info({ signal }, 'shutting down')
    draining = true
    // Connections left idle by a finished request close at once, not at their keep-alive timeout.
    const sweep = setInterval(() => { app.server.closeIdleConnections() }, 100)
    try {
      await app.close()
    } finally {
      clearInterval(sweep)
    }
    await database.close()
  })
  await app.listen({ port: config.port, host: config.host })
  app.log.info(`Compagnon ready on ${config.publicUrl} (${database.kind === 'embedded' ? `embedded database in ${config.dataDir}` : 'PostgreSQL'})`)
})
