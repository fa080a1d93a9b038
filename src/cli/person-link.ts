import { z } from 'zod'
import { prepare, runCli } from '../bootstrap.js'
import { systemClock } from '../clock.js'
import { ConfigError } from '../config.js'
import { MessageOutbox } from '../messages/outbox.js'
import { SelfServiceLinks } from '../people/self-service.js'

// For the server's operator: a one-time sign-in link for an existing person who can neither use
// the LMS nor receive email (or an organizer locked out). Printed, never stored; audited.
runCli(async () => {
  const args = process.argv.slice(2)
  const email = z.email().max(254).safeParse(args[0])
  if (args.length !== 1 || !email.success) throw new ConfigError('Usage: npm run person:link -- EMAIL')
  const { config, database } = await prepare('npm run person:link')
  try {
    const links = new SelfServiceLinks(database.db, systemClock, new MessageOutbox(systemClock, config.smtp !== undefined), config, { error: () => {} })
    const link = await links.operatorLink(email.data)
    console.log(`${link.displayName} <${email.data}>`)
    console.log(`One-time sign-in link (valid until ${link.expiresAt.toISOString()}; recorded in account_audit as "operator (CLI)"):`)
    console.log(link.url)
  } finally {
    await database.close()
  }
})
