import { Migrator, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { migrationsDir } from '../paths.js'
import type { Database } from './database.js'

const MIGRATION_FILE = /^\d{14}_[a-z0-9_]+\.sql$/

/** Plain SQL files in migrations/, applied in name (timestamp) order, forward only. */
class SqlFileMigrationProvider implements MigrationProvider {
  constructor (private readonly dir: string, private readonly execScript: Database['execScript']) {}

  async getMigrations (): Promise<Record<string, Migration>> {
    const files = (await readdir(this.dir)).filter(f => f.endsWith('.sql')).sort()
    const migrations: Record<string, Migration> = {}
    for (const file of files) {
      if (!MIGRATION_FILE.test(file)) throw new Error(`Migration file name must look like 20251001000000_name.sql: ${file}`)
      const script = await readFile(join(this.dir, file), 'utf8')
      migrations[file.replace(/\.sql$/, '')] = {
        up: async (db: Kysely<any>) => { await this.execScript(db, script) }
      }
    }
    return migrations
  }
}

export function migrator (database: Database, dir = migrationsDir): Migrator {
  return new Migrator({
    db: database.db,
    provider: new SqlFileMigrationProvider(dir, database.execScript),
    migrationTableName: 'schema_migrations',
    migrationLockTableName: 'schema_migrations_lock'
  })
}

export class MigrationError extends Error {
  constructor (message: string, readonly results: MigrationResultSet['results']) {
    super(message)
    this.name = 'MigrationError'
  }
}

/** Applies pending migrations; returns the names applied now. */
export async function migrateToLatest (database: Database, dir = migrationsDir): Promise<string[]> {
  const { error, results } = await migrator(database, dir).migrateToLatest()
  if (error !== undefined) {
    const failed = results?.find(r => r.status === 'Error')?.migrationName
    throw new MigrationError(`Migration ${failed ?? ''} failed: ${(error as Error).message}`, results)
  }
  return (results ?? []).filter(r => r.status === 'Success').map(r => r.migrationName)
}

/** Names of migrations in migrations/ not yet applied (readiness check). */
export async function pendingMigrations (database: Database, dir = migrationsDir): Promise<string[]> {
  const all = await migrator(database, dir).getMigrations()
  return all.filter(m => m.executedAt === undefined).map(m => m.name)
}
