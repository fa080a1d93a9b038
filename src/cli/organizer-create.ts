import { parseArgs } from 'node:util'
import { z } from 'zod'
import { prepare, runCli } from '../bootstrap.js'
import { systemClock } from '../clock.js'
import { ConfigError } from '../config.js'
import { ProgramService } from '../program/service.js'
import { PeopleService } from '../people/service.js'
import { AccessPolicy } from '../access/policy.js'
import { ltiCourseRoles } from '../lti/roles.js'
import { defaultProgramFile } from '../paths.js'

runCli(async () => {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { event: { type: 'string' }, name: { type: 'string' } } })
  const email = z.email().safeParse(positionals[0])
  if (positionals.length !== 1 || !email.success) throw new ConfigError('Usage: npm run organizer:create -- EMAIL [--event EVENT_KEY] [--name "Full Name"]')
  const { config, database } = await prepare('npm run organizer:create')
  try {
    const program = new ProgramService(database.db, systemClock)
    await program.ensureLoaded(config.programFile ?? defaultProgramFile)
    const events = await program.listEvents()
    const chosen = values.event === undefined ? events : events.filter(e => e.key === values.event)
    if (chosen.length === 0) throw new ConfigError(`No event with key "${values.event ?? ''}". Known: ${events.map(e => e.key).join(', ')}`)
    const link = await new PeopleService(
      database.db,
      systemClock,
      config,
      new AccessPolicy(database.db, ltiCourseRoles),
      program
    ).bootstrapOrganizer(email.data, chosen.map(e => e.id), values.name)
    console.log(`Organizer ${email.data} of: ${chosen.map(e => e.key).join(', ')}`)
    console.log(`One-time sign-in link (valid until ${link.expiresAt.toISOString()}):`)
    console.log(link.url)
  } finally {
    await database.close()
  }
})
