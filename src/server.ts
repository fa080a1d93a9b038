import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'
import { prepare, runCli } from './bootstrap.js'
import { systemClock } from './clock.js'
import { defaultProgramFile } from './paths.js'
import { readPlatformsFile } from './lti/platforms-file.js'

runCli(async () => {
  const { config, database } = await prepare('compagnon server')
  const { app, services } = await buildApp(config, { database, clock: systemClock })
  const loaded = await services.program.ensureLoaded(config.programFile ?? defaultProgramFile)
  if (loaded !== undefined) app.log.info({ event: loaded.eventKey, sessions: loaded.sessions.created }, 'program loaded into the empty database')
  if (config.ltiPlatformsFile !== undefined) {
    // Before listening: registering a new platform generates its 4096-bit key (seconds of CPU).
    await app.ready()
    for (const platform of await readPlatformsFile(config.ltiPlatformsFile)) await app.lti.registerPlatform(platform)
  }
  closeWithGrace({ delay: 10_000 }, async ({ err, signal }) => {
    if (err !== undefined) app.log.error({ err }, 'shutting down after an error')
    else app.log.info({ signal }, 'shutting down')
    await app.close()
    await database.close()
  })
  await app.listen({ port: config.port, host: config.host })
  app.log.info(`Compagnon ready on ${config.publicUrl} (${database.kind === 'embedded' ? `embedded database in ${config.dataDir}` : 'PostgreSQL'})`)
})
