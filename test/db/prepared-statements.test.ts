import t from 'tap'
import { CompiledQuery } from 'kysely'
import pg from 'pg'
import { preparedStatement } from '../../src/db/database.js'
import { freshDatabase, usingPostgres } from '../helpers/database.js'

const HALF = preparedStatement('test_prepared_half', 'SELECT 10 / $1::int AS n')

t.test('a prepared statement answers like any query, errors included, on both engines', async t => {
  const database = await freshDatabase(t)
  const names: Array<string | undefined> = []
  const query = pg.Client.prototype.query
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    names.push((args[0] as { name?: string }).name)
    return (query as (...a: unknown[]) => unknown).apply(this, args)
  } as typeof query
  t.teardown(() => { pg.Client.prototype.query = query })

  for (const divisor of [2, 5, 2]) {
    const result = await database.db.executeQuery<{ n: number }>(CompiledQuery.raw(HALF, [divisor]))
    t.same(result.rows, [{ n: 10 / divisor }])
  }
  await t.rejects(database.db.executeQuery(CompiledQuery.raw(HALF, [0])), /division by zero/)
  t.same((await database.db.executeQuery<{ n: number }>(CompiledQuery.raw(HALF, [1]))).rows, [{ n: 10 }], 'the connection still works after an error')
  // Inside a transaction too (the door scans run check-ins in one).
  await database.db.transaction().execute(async trx => {
    t.same((await trx.executeQuery<{ n: number }>(CompiledQuery.raw(HALF, [10]))).rows, [{ n: 1 }])
  })
  if (usingPostgres()) t.ok(names.includes('test_prepared_half'), 'sent to PostgreSQL by name')
})
