import closeWithGrace from 'close-with-grace'
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { buildApp } from '../app.js'
import { prepare, runCli } from '../bootstrap.js'
import { systemClock } from '../clock.js'
import { defaultProgramFile } from '../paths.js'
import { parseProgramFile, shiftProgramByWeeks, weeksUntilCurrentWeek } from '../program/data-file.js'
import { createHash } from 'node:crypto'

/**
 * `npm run demo`: the 2025 event is over, so the demo serves a copy moved to the current
 * week (same weekdays and local times; next week on weekends), on its own embedded database
 * (./data-demo unless DEMO_DATA_DIR is set), with real time: check-in windows, the synthesis
 * window and the like can be tried live. Also prints a sign-in link for a demo organizer.
 */
runCli(async () => {
  const dataDir = resolve(process.env.DEMO_DATA_DIR ?? './data-demo')
  const { DATABASE_URL: _ignored, ...env } = process.env
  // A demo runs on this machine, often beside an LMS in a container: dynamic registration may reach it.
  const { config, database } = await prepare('npm run demo', { ...env, DATA_DIR: dataDir, LTI_ALLOW_PRIVATE_URLS: env.LTI_ALLOW_PRIVATE_URLS ?? 'true' })
  const { app, services } = await buildApp(config, { database, clock: systemClock })
  const text = await readFile(config.programFile ?? defaultProgramFile, 'utf8')
  const original = parseProgramFile(text)
  const weeks = weeksUntilCurrentWeek(original, systemClock.now())
  const shifted = shiftProgramByWeeks(original, weeks)
  shifted.event = { ...shifted.event, title: { fr: `${shifted.event.title.fr} (démo)`, en: `${shifted.event.title.en} (demo)` } }
  const summary = await services.program.importProgram(shifted, {
    source: `demo: ${config.programFile ?? defaultProgramFile} + ${weeks} weeks`,
    sha256: createHash('sha256').update(text).update(String(weeks)).digest('hex'),
    importedBy: null
  })
  const link = await services.people.bootstrapOrganizer('organisation.demo@example.org', [summary.eventId], 'Organisation (démo)')
  closeWithGrace({ delay: 10_000 }, async () => {
    await app.close()
    await database.close()
  })
  await app.listen({ port: config.port, host: config.host })
  const days = shifted.days.map(d => d.date)
  console.log(`\nCompagnon demo: the ${original.days[0]?.date ?? ''} program moved ${weeks} weeks, to ${days[0] ?? ''} – ${days[days.length - 1] ?? ''}.`)
  console.log(`Program:   ${config.publicUrl}/`)
  console.log(`Organizer: ${link.url}  (one-time link)`)
  console.log(`API docs:  ${config.publicUrl}/docs`)
  console.log(`Data:      ${dataDir}  (delete it to start over)\n`)
})
