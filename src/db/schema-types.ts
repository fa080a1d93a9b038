import { PGlite } from '@electric-sql/pglite'
import { generate, PostgresDialect } from 'kysely-codegen'
import { openDatabase, pgliteParsers } from './database.js'
import { migrateToLatest } from './migrate.js'

/**
 * The text of src/db/schema.ts as kysely-codegen derives it from a database migrated from
 * scratch. `npm run db:types` writes it; a test fails when the committed file differs.
 * Development-only: kysely-codegen is a devDependency.
 */
export async function generateSchemaTypes (): Promise<string> {
  const database = await openDatabase({ kind: 'pglite', instance: await PGlite.create({ parsers: pgliteParsers }) })
  try {
    await migrateToLatest(database)
    const text = await generate({
      db: database.db as never,
      dialect: new PostgresDialect(),
      excludePattern: 'schema_migrations*',
      // Our parsers return calendar dates as 'YYYY-MM-DD' strings and int8 as numbers.
      typeMapping: { date: 'string', int8: 'number' },
      camelCase: false,
      logger: { debug () {}, error () {}, info () {}, log () {}, success () {}, warn () {} } as never
    })
    return '// Generated from migrations/ by `npm run db:types` (kysely-codegen). Do not edit by hand.\n' + text
  } finally {
    await database.close()
  }
}
