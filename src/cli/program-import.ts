import { parseArgs } from 'node:util'
import { resolve } from 'node:path'
import { readFile } from 'node:fs/promises'
import { prepare, runCli } from '../bootstrap.js'
import { systemClock } from '../clock.js'
import { ProgramService } from '../program/service.js'
import { ConfigError } from '../config.js'
import { parseProgramFile } from '../program/data-file.js'

runCli(async () => {
  const { positionals } = parseArgs({ allowPositionals: true, options: {} })
  if (positionals.length !== 1) throw new ConfigError('Usage: npm run program:import -- FILE.yaml')
  const file = resolve(positionals[0] ?? '')
  const text = await readFile(file, 'utf8').catch(() => { throw new ConfigError(`Program file not found: ${file}`) })
  // Checked before the database is opened: a mistaken file is refused at once and an empty
  // DATA_DIR stays empty.
  parseProgramFile(text, file)
  const { database } = await prepare('npm run program:import')
  try {
    const summary = await new ProgramService(database.db, systemClock).importFromText(text, file, null)
    const s = summary.sessions
    console.log(`Event ${summary.eventKey} ${summary.event}: ${summary.slots} time slots; sessions created ${s.created}, updated ${s.updated}, unchanged ` +
      `${s.unchanged}, cancelled ${s.cancelled}, removed ${s.deleted}.`)
  } finally {
    await database.close()
  }
})
