import t from 'tap'
import { sql } from 'kysely'
import { hit, purgeEnded } from '../../src/db/rate-limit-repository.js'
import { freshDatabase } from '../helpers/database.js'

t.test('shared counters: each hit counts in its window, keys apart; an ended window starts again at 1 and is purged', async t => {
  const { db } = await freshDatabase(t)
  const counts = []
  for (let i = 0; i < 3; i++) counts.push((await hit(db, 'link:a', 60_000)).hits)
  t.same(counts, [1, 2, 3])
  t.equal((await hit(db, 'link:b', 60_000)).hits, 1, 'another key has its own count')
  const { ttlMs } = await hit(db, 'link:a', 60_000)
  t.ok(ttlMs > 0 && ttlMs <= 60_000, `what is left of the window (${ttlMs} ms)`)

  // A window that ended (moved into the past rather than waited for).
  await sql`UPDATE rate_limit_counters SET resets_at = now() - interval '1 second' WHERE key = 'link:a'`.execute(db)
  t.equal(await purgeEnded(db), 1, 'the ended window is forgotten')
  t.same((await db.selectFrom('rate_limit_counters').select('key').execute()).map(r => r.key), ['link:b'])
  await sql`UPDATE rate_limit_counters SET resets_at = now() - interval '1 second' WHERE key = 'link:b'`.execute(db)
  t.equal((await hit(db, 'link:b', 60_000)).hits, 1, 'a hit after the window ended opens a new one')
})

t.test('hits at once on the same key each get their own count', async t => {
  const { db } = await freshDatabase(t)
  const counts = await Promise.all(Array.from({ length: 8 }, async () => (await hit(db, 'sign-in:x', 60_000)).hits))
  t.same(counts.sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8])
})
