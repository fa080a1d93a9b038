import t from 'tap'
import { sql } from 'kysely'
import { WORK_CHANNEL, wakeWorkers } from '../../src/db/wakeups.js'
import { freshDatabase, usingPostgres } from '../helpers/database.js'

/** Payloads heard on the work channel, and a promise for the next one. */
function heard (): { payloads: string[], next: () => Promise<string>, hear: (payload: string) => void } {
  const payloads: string[] = []
  let waiting: Array<(payload: string) => void> = []
  return {
    payloads,
    next: async () => await new Promise<string>(resolve => { waiting.push(resolve) }),
    hear: payload => {
      payloads.push(payload)
      const ready = waiting
      waiting = []
      for (const resolve of ready) resolve(payload)
    }
  }
}

t.test('a transaction that queues work wakes the listeners when it commits, never when it rolls back', async t => {
  const database = await freshDatabase(t)
  const ears = heard()
  const stop = await database.listen(WORK_CHANNEL, ears.hear)
  t.teardown(stop)

  await t.rejects(database.db.transaction().execute(async trx => {
    await wakeWorkers(trx, 'messages')
    throw new Error('the message could not be recorded')
  }))
  const committed = ears.next()
  await database.db.transaction().execute(async trx => { await wakeWorkers(trx, 'grades') })
  t.equal(await committed, 'grades')
  t.same(ears.payloads, ['grades'], 'the rolled-back one woke nobody')
})

t.test('PostgreSQL: a lost listening connection comes back by itself, says so (*), and hears again', { skip: usingPostgres() ? false : 'PostgreSQL only: PGlite listens inside the process' }, async t => {
  const database = await freshDatabase(t)
  const ears = heard()
  const stop = await database.listen(WORK_CHANNEL, ears.hear)
  t.teardown(stop)

  const back = ears.next()
  // What a server restart or a cut network does to that connection.
  const { rows } = await sql<{ ended: boolean }>`SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
    WHERE datname = current_database() AND query LIKE 'LISTEN %'`.execute(database.db)
  t.same(rows, [{ ended: true }], 'the one listening connection was cut')
  t.equal(await back, '*', 'back: every worker is told to look')

  const woken = ears.next()
  await wakeWorkers(database.db, 'rosters')
  t.equal(await woken, 'rosters', 'notifications reach it again')
})
