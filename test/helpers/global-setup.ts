// Runs once before the test files (tap's `before`): migrates one template database that every
// test file then clones, instead of migrating a database per file.
import { existsSync } from 'node:fs'
import { rename, writeFile } from 'node:fs/promises'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { openDatabase, pgliteParsers } from '../../src/db/database.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import { adminUrl, databaseUrl, pgliteTemplateFile, pgTemplateName } from './template.js'

const admin = adminUrl()
if (admin === undefined) {
  const file = pgliteTemplateFile()
  if (!existsSync(file)) {
    const instance = await PGlite.create({ parsers: pgliteParsers })
    const database = await openDatabase({ kind: 'pglite', instance })
    await migrateToLatest(database)
    const dump = await instance.dumpDataDir('gzip')
    await database.close()
    const tmp = `${file}.${process.pid}`
    await writeFile(tmp, Buffer.from(await dump.arrayBuffer()))
    await rename(tmp, file)
  }
} else {
  const name = pgTemplateName()
  const client = new pg.Client({ connectionString: admin })
  await client.connect()
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
    if (exists.rowCount === 0) {
      await client.query(`CREATE DATABASE ${name}`)
      const database = await openDatabase({ kind: 'postgres', url: databaseUrl(admin, name), poolMax: 2 })
      await migrateToLatest(database)
      await database.close()
      await client.query(`ALTER DATABASE ${name} WITH is_template = true`)
    }
  } finally {
    await client.end()
  }
}
