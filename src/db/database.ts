import { Kysely, PostgresDialect, sql, type Dialect } from 'kysely'
import pg from 'pg'
import { PGlite } from '@electric-sql/pglite'
import { PGliteDialect } from 'kysely-pglite-dialect'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { DB } from './schema.js'
import { acquireDataDirLock, type DataDirLock } from './lock.js'

export type { DB } from './schema.js'
export type Db = Kysely<DB>

export type DatabaseTarget =
  | { kind: 'postgres', url: string, poolMax?: number, connectTimeoutMs?: number, statementTimeoutMs?: number }
  | { kind: 'embedded', dataDir: string, holder?: string }
  /** An already-open PGlite (tests load one from a migrated template dump). */
  | { kind: 'pglite', instance: PGlite }

export interface Database {
  db: Db
  kind: 'postgres' | 'embedded'
  /** Runs a multi-statement SQL script (migrations). */
  execScript: (db: Kysely<any>, script: string) => Promise<void>
  /** The PGlite instance in embedded mode (dumping a template in tests). */
  pglite?: PGlite
  /**
   * Calls `onNotify` with the payload of every NOTIFY on `channel`, from any instance (once the
   * notifying transaction commits); resolves to a function that stops listening. On PostgreSQL
   * this holds one connection of its own, reconnected when lost — then `onNotify('*')`: whatever
   * was notified meanwhile is not known.
   */
  listen: (channel: string, onNotify: (payload: string) => void) => Promise<() => Promise<void>>
  close: () => Promise<void>
}

/** Answers once the database does (the readiness probe); throws when it cannot be reached. */
export async function ping (db: Db): Promise<void> {
  await sql`select 1`.execute(db)
}

/** Opening a connection, or waiting for a free one in the pool, longer than this fails the request. */
export const CONNECT_TIMEOUT_MS = 2_000
export const STATEMENT_TIMEOUT_MS = 30_000

/**
 * Whether an error means "the database cannot be reached or is not accepting work right now"
 * (stopped, restarting, unreachable, out of connections, statement cancelled by a timeout),
 * as opposed to a bug or bad input: the request may succeed if tried again shortly. The pool
 * drops broken connections by itself, so the app recovers without a restart once PostgreSQL
 * is back.
 */
export function databaseUnavailable (err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e !== null && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string') {
      // Class 08: connection exception; 57P01–57P03: shutting down, crashed, starting up;
      // 53300: too many connections; 57014: statement_timeout.
      if (code.startsWith('08') || ['57P01', '57P02', '57P03', '53300', '57014'].includes(code)) return true
      if (UNREACHABLE.has(code)) return true
    }
    const message = (e as { message?: unknown }).message
    if (typeof message === 'string' && POOL_MESSAGES.some(m => message.startsWith(m))) return true
  }
  return false
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'])
/** pg and pg-pool report these as plain Errors, without a code. */
const POOL_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Query read timeout',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable'
]

const DATE_OID = 1082
const INT8_OID = 20
// Calendar dates stay 'YYYY-MM-DD' strings: pg would turn them into a Date at the
// server's local midnight, which shifts the day in other time zones.
const keepText = (value: string): string => value
// Counts (count(*) is int8) are far below 2^53 here.
const toNumber = (value: string): number => Number(value)

/** SQL texts PostgreSQL parses and plans once per connection, by name (see preparedStatement). */
const preparedNames = new Map<string, string>()

/**
 * Marks a fixed SQL text as a named prepared statement: on PostgreSQL, each pool connection
 * parses and plans it once, then only binds and executes it (for statements on hot paths, run
 * with `db.executeQuery(CompiledQuery.raw(text, parameters))`). PGlite runs it as usual.
 */
export function preparedStatement (name: string, text: string): string {
  preparedNames.set(text, name)
  return text
}

/** Kysely calls query(text, values): a registered text goes out as its named statement. */
class PreparingClient extends pg.Client {
  constructor (config?: string | pg.ClientConfig) {
    super(config)
    // A connection lost while the client is checked out (PostgreSQL restarting, between two
    // statements of a transaction) is emitted as 'error' on the client, and an 'error' event
    // nobody listens to ends the process. The failure reaches the caller through its next
    // query instead (a 503), and the pool drops the broken client when it comes back.
    this.on('error', () => {})
  }

  override query (config: unknown, values?: unknown, callback?: unknown): any {
    const query = super.query as (...args: unknown[]) => unknown
    const name = typeof config === 'string' && callback === undefined ? preparedNames.get(config) : undefined
    if (name === undefined) return query.call(this, config, values, callback)
    // Built from the text, then named: pg copies a { name, text } config property by property,
    // which costs more than the rest of the query on the client side.
    const named = new pg.Query(config as string, values as unknown[]) as pg.Query & { name: string, callback: (err: Error | null, result: unknown) => void }
    named.name = name
    return new Promise((resolve, reject) => {
      named.callback = (err, result) => { if (err === null || err === undefined) resolve(result); else reject(err) }
      query.call(this, named)
    })
  }
}

export async function openDatabase (target: DatabaseTarget): Promise<Database> {
  if (target.kind === 'postgres') {
    const pool = new pg.Pool({
      Client: PreparingClient,
      connectionString: target.url,
      max: target.poolMax ?? 10,
      // Also the longest wait for a free pooled connection: with PostgreSQL down or unreachable a
      // request fails within this (503, see databaseUnavailable) instead of hanging its client.
      connectionTimeoutMillis: target.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
      // PostgreSQL cancels a statement running (or waiting for a lock) longer than this, and the
      // connection stays usable; nothing the app runs comes near it. A migration that needs
      // longer says `SET LOCAL statement_timeout = 0` itself.
      statement_timeout: target.statementTimeoutMs ?? STATEMENT_TIMEOUT_MS,
      // The server cannot answer at all (host gone, network cut): give up on the client side a
      // little after the server would have cancelled the statement.
      query_timeout: (target.statementTimeoutMs ?? STATEMENT_TIMEOUT_MS) + 5_000,
      keepAlive: true,
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
          if (oid === DATE_OID) return keepText
          if (oid === INT8_OID) return toNumber
          return pg.types.getTypeParser(oid, format as 'text')
        }) as typeof pg.types.getTypeParser
      }
    })
    // An idle client losing its connection (server restart) must not crash the process.
    pool.on('error', () => {})
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) })
    return {
      db,
      kind: 'postgres',
      // Without parameters, pg uses the simple query protocol, which accepts several statements.
      execScript: async (conn, script) => { await sql.raw(script).execute(conn) },
      listen: async (channel, onNotify) => await listenOnPostgres(target.url, channel, onNotify),
      close: once(async () => { await db.destroy() })
    }
  }

  let lock: DataDirLock | undefined
  let instance: PGlite
  if (target.kind === 'embedded') {
    await mkdir(target.dataDir, { recursive: true })
    lock = await acquireDataDirLock(target.dataDir, target.holder ?? 'compagnon')
    try {
      instance = await PGlite.create({ dataDir: join(target.dataDir, 'pgdata'), parsers: pgliteParsers })
    } catch (err) {
      await lock.release()
      throw err
    }
  } else {
    instance = target.instance
  }
  const db = new Kysely<DB>({ dialect: new PGliteDialect(instance) as Dialect })
  return {
    db,
    kind: 'embedded',
    pglite: instance,
    // PGlite's query() takes one statement; exec() runs a script in the same session,
    // so it joins the migrator's open transaction.
    execScript: async (_conn, script) => { await instance.exec(script) },
    listen: async (channel, onNotify) => await instance.listen(channel, onNotify),
    close: once(async () => {
      await db.destroy()
      await lock?.release()
    })
  }
}

export const pgliteParsers = {
  [DATE_OID]: keepText,
  [INT8_OID]: toNumber
}

/**
 * LISTEN on a connection of its own (a pooled one goes back to the pool and stops hearing).
 * Lost (server restart, network): connects again after 1, 2, 4 … 30 s, LISTENs again and says
 * '*' so the listener looks for work it may have missed.
 */
async function listenOnPostgres (url: string, channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
  let stopped = false
  let client: pg.Client | undefined
  let retry: NodeJS.Timeout | undefined
  let delay = 1_000
  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url, keepAlive: true, connectionTimeoutMillis: CONNECT_TIMEOUT_MS })
    next.on('notification', message => { if (message.channel === channel) onNotify(message.payload ?? '') })
    const lost = (): void => {
      if (stopped || client !== next) return
      client = undefined
      next.end().catch(() => {})
      retry = setTimeout(() => { reconnect() }, delay)
      retry.unref()
      delay = Math.min(delay * 2, 30_000)
    }
    next.on('error', lost)
    next.on('end', lost)
    client = next
    await next.connect()
    await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`)
    delay = 1_000
  }
  const reconnect = (): void => {
    if (stopped) return
    connect().then(() => { onNotify('*') }, () => { client?.emit('error', new Error('LISTEN connection failed')) })
  }
  await connect()
  return async () => {
    stopped = true
    clearTimeout(retry)
    await client?.end().catch(() => {})
  }
}

/** Closing twice (a test teardown after an explicit close, a second signal) is harmless. */
function once (fn: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined
  return async () => { closing ??= fn(); await closing }
}
