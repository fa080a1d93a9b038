import { loadConfig, ConfigError, type ResolvedConfig } from './config.js'
import { resolveSecrets } from './secrets.js'
import { openDatabase, type Database } from './db/database.js'
import { migrateToLatest, MigrationError } from './db/migrate.js'
import { AppError, ProgramFileError } from './errors.js'

/**
 * What the server and every CLI tool do first: read the configuration once, fill in the
 * embedded secrets, open the database (taking the embedded lock) and migrate it.
 */
export async function prepare (holder: string, environment: Record<string, string | undefined> = process.env): Promise<{
  config: ResolvedConfig
  database: Database
  migrated: string[]
}> {
  const config = await resolveSecrets(loadConfig(environment))
  const database = await openDatabase(config.database.kind === 'postgres'
    ? { kind: 'postgres', url: config.database.url, poolMax: config.database.poolMax }
    : { kind: 'embedded', dataDir: config.database.dataDir, holder })
  try {
    const migrated = await migrateToLatest(database)
    return { config, database, migrated }
  } catch (err) {
    await database.close()
    throw err
  }
}

/** Runs a command-line tool: known failures print a readable message, not a stack trace. */
export function runCli (main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    if (err instanceof ConfigError || err instanceof ProgramFileError || err instanceof MigrationError) {
      process.stderr.write(`${err.message}\n`)
      process.exitCode = 2
    } else if (err instanceof AppError) {
      process.stderr.write(`${err.text.en}\n${err.text.fr}\n`)
      process.exitCode = 2
    } else {
      process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
      process.exitCode = 1
    }
  })
}
