import { PGlite } from '@electric-sql/pglite'
import { sql, type Kysely } from 'kysely'
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
      overrides: { columns: await listedValueColumns(database.db as Kysely<unknown>) },
      camelCase: false,
      logger: { debug () {}, error () {}, info () {}, log () {}, success () {}, warn () {} } as never
    })
    return '// Generated from migrations/ by `npm run db:types` (kysely-codegen). Do not edit by hand.\n' + text
  } finally {
    await database.close()
  }
}

/**
 * Text columns whose CHECK lists their values (`status IN ('queued', 'running')`), typed as that
 * union ("queued" | "running") rather than string, so the migrations stay the one source of
 * the values. Keys are kysely-codegen's column overrides ('table.column'); an override replaces
 * the whole type, so null and Generated<> (a default) are added here. Checks on several columns,
 * and single-column checks of another shape (length, regex, <>), leave the column a string.
 */
export async function listedValueColumns (db: Kysely<unknown>): Promise<Record<string, string>> {
  const { rows } = await sql<{ table: string, column: string, definition: string, nullable: boolean, defaulted: boolean }>`
    SELECT t.relname AS table, a.attname AS column, pg_get_constraintdef(c.oid) AS definition,
      NOT a.attnotnull AS nullable, a.atthasdef AS defaulted
    FROM pg_constraint c
    JOIN pg_class t ON t.oid = c.conrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
    WHERE c.contype = 'c' AND n.nspname = 'public' AND cardinality(c.conkey) = 1 AND a.atttypid = 'text'::regtype
    ORDER BY t.relname, a.attname, c.conname`.execute(db)
  const listed = new Map<string, { values: string[], nullable: boolean, defaulted: boolean }>()
  for (const row of rows) {
    const values = listedValues(row.definition, row.column)
    if (values === undefined) continue
    const key = `${row.table}.${row.column}`
    const before = listed.get(key)
    // Two lists on one column: only values both allow can be stored.
    listed.set(key, { ...row, values: before === undefined ? values : before.values.filter(v => values.includes(v)) })
  }
  const columns: Record<string, string> = {}
  for (const [key, { values, nullable, defaulted }] of listed) {
    const union = [...values.map(v => JSON.stringify(v)), ...(nullable ? ['null'] : [])].join(' | ')
    // No value allowed (two disjoint lists) is `never`, which a NOT NULL column with such a check is.
    const type = union === '' ? 'never' : union
    columns[key] = defaulted ? `Generated<${type}>` : type
  }
  return columns
}

/**
 * The values a CHECK allows its column, as PostgreSQL prints it back (pg_get_constraintdef):
 * `col IN ('a', 'b')` and `col = ANY (ARRAY['a', 'b'])` both read `((col = ANY (ARRAY['a'::text, 'b'::text])))`,
 * `col IN ('a')` reads `((col = 'a'::text))`, `col = ANY ('{a,b}')` reads `((col = ANY ('{a,b}'::text[])))`.
 * Anything else (another column, OR, NOT IN, E'' escapes) is undefined: the column stays a string.
 */
export function listedValues (definition: string, column: string): string[] | undefined {
  const check = /^CHECK \(\(("(?:[^"]|"")+"|[a-z_][a-z0-9_$]*) = (.*)\)\)$/.exec(definition)
  if (check === null) return undefined
  const name = check[1]!.startsWith('"') ? check[1]!.slice(1, -1).replaceAll('""', '"') : check[1]!
  if (name !== column) return undefined
  const right = check[2]!
  const array = /^ANY \(ARRAY\[(.*)\]\)$/.exec(right)
  if (array !== null) return textLiterals(array[1]!)
  const arrayLiteral = /^ANY \('((?:[^']|'')*)'::text\[\]\)$/.exec(right)
  if (arrayLiteral !== null) return arrayElements(arrayLiteral[1]!.replaceAll("''", "'"))
  return textLiterals(right)
}

/** `'a'::text, 'b''s'::text` → ['a', "b's"]; undefined unless the whole text is such a list. */
function textLiterals (text: string): string[] | undefined {
  const literal = /'((?:[^']|'')*)'::text(?:, |$)/y
  const values: string[] = []
  while (literal.lastIndex < text.length) {
    const at = literal.lastIndex
    const match = literal.exec(text)
    if (match === null || match.index !== at) return undefined
    values.push(match[1]!.replaceAll("''", "'"))
  }
  return values.length > 0 ? values : undefined
}

/** The elements of a one-dimensional array literal, `{a,"b c","d\"e"}`; undefined for NULL elements or nesting. */
function arrayElements (text: string): string[] | undefined {
  if (!text.startsWith('{') || !text.endsWith('}') || text === '{}') return undefined
  const element = /(?:"((?:[^"\\]|\\.)*)"|([^",{}\\]+))(?:,|$)/y
  const inner = text.slice(1, -1)
  const values: string[] = []
  while (element.lastIndex < inner.length) {
    const match = element.exec(inner)
    if (match === null) return undefined
    if (match[1] !== undefined) values.push(match[1].replace(/\\(.)/g, '$1'))
    else if (match[2]!.trim().toUpperCase() === 'NULL') return undefined
    else values.push(match[2]!.trim())
  }
  return values
}
