import t from 'tap'
import { EventEmitter } from 'node:events'
import { request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import { sql } from 'kysely'
import { stopServer } from '../helpers/process.js'
import { FAULT_FILE_TIMEOUT_MS, bearer, bearers, checkIn, count, faultTestsSkipped, openSessionNow, participants, startApp, startCluster, testDatabase, until, type Answer } from '../helpers/cluster.js'
import { given } from '../helpers/given.js'

// One private cluster and one app (a child process) for the file: starting them is the slow
// part. The outage comes first; the shutdown test ends the app.
const skip = faultTestsSkipped()
// Child processes and a cluster: more than tap's 120 s per file when the machine is busy.
t.setTimeout(FAULT_FILE_TIMEOUT_MS)
const PORT = 55440
/** Phones checking in at once, each going through people one after another. */
const PHONES = 8
/** The phones' own patience: a request without an answer after this counts as hung. */
const CLIENT_TIMEOUT_MS = 10_000

let shared: ReturnType<typeof setup> | undefined
async function setup () {
  const cluster = await startCluster(t, PORT)
  const app = await startApp(t, cluster)
  const database = await testDatabase(t, cluster)
  const session = await openSessionNow(database)
  return { cluster, app, database, session }
}
const ctx = async (): Promise<Awaited<ReturnType<typeof setup>>> => await (shared ??= setup())

type Phase = 'before' | 'down' | 'after'
interface Outcome { phase: Phase, status: number | 'timeout' | 'error', ms: number, answer?: Answer }

t.test('PostgreSQL stopped and restarted under a stream of check-ins: 503 with Retry-After while down, no hang, recovery without restart, every acknowledged check-in stored once', { skip }, async t => {
  const { cluster, app, database, session } = await ctx()
  const people = await participants(database, session.eventId, 4000)
  const tokens = await bearers(database, app.base, people)

  let phase: Phase = 'before'
  const load = { stopping: false, next: 0 }
  const outcomes: Outcome[] = []
  /** Person → phase in which their check-in was acknowledged (201 created, or 200 already recorded). */
  const acked = new Map<string, Phase>()
  const unexpected: Outcome[] = []
  /** Each answer a phone gets is announced: the test waits on answers, not on a timer. */
  const answers = new EventEmitter()
  const whenAnswered = async (what: string, condition: () => boolean): Promise<void> => {
    await new Promise<void>((resolve, reject) => {
      // A limit, not a wait: answers stop coming only if the app hangs.
      const limit = setTimeout(() => { answers.off('answer', check); reject(new Error(`no ${what} within 30 s`)) }, 30_000)
      const check = (): void => { if (condition()) { clearTimeout(limit); answers.off('answer', check); resolve() } }
      answers.on('answer', check)
      check()
    })
  }

  const phone = async (): Promise<void> => {
    while (!load.stopping && load.next < people.length) {
      const i = load.next++
      // A phone retries the same person until the check-in is acknowledged: the API is
      // idempotent per person and slot (a repeat answers 200 "already").
      for (;;) {
        const started = performance.now()
        const answer = await checkIn(app.base, tokens[i]!, session, CLIENT_TIMEOUT_MS)
        const outcome: Outcome = { phase, status: answer.status, ms: performance.now() - started, ...('body' in answer ? { answer } : {}) }
        outcomes.push(outcome)
        const acknowledged = answer.status === 201 || answer.status === 200
        if (acknowledged) acked.set(people[i]!, outcome.phase)
        else if (answer.status !== 503) unexpected.push(outcome)
        answers.emit('answer')
        if (acknowledged || (typeof answer.status === 'number' && answer.status !== 503)) break
        // Refused for now (503): asks again shortly, as a phone does (the answer's Retry-After,
        // 5 s, compressed). Whether the database is back only the app, another process, can tell.
        await new Promise(resolve => setTimeout(resolve, 50))
      }
    }
  }
  const phones = Promise.all(Array.from({ length: PHONES }, phone))

  await whenAnswered('100 check-ins acknowledged', () => acked.size >= 100)
  await cluster.stop()
  phase = 'down'
  const ackedBefore = [...acked.keys()]

  const ready = await fetch(`${app.base}/ready`)
  t.equal(ready.status, 503, '/ready says not ready')
  t.same(await ready.json(), { status: 'not_ready', database: 'down', pendingMigrations: [] })
  t.equal(ready.headers.get('retry-after'), '5')
  const page = await fetch(`${app.base}/presence`, { headers: { accept: 'text/html', authorization: `Bearer ${tokens[0]!}` } })
  t.equal(page.status, 503, 'a page too')
  t.equal(page.headers.get('retry-after'), '5')
  t.match(await page.text(), /la base de données ne répond pas/)

  await whenAnswered('30 check-ins refused while the database is down', () => outcomes.filter(o => o.phase === 'down' && o.status === 503).length >= 30)
  t.equal(app.child.exitCode, null, 'the app keeps running')
  await cluster.start()
  phase = 'after'
  await until('the app ready again', async () => (await fetch(`${app.base}/ready`)).status === 200)
  const afterRestart = acked.size
  await whenAnswered('100 more check-ins acknowledged', () => acked.size >= afterRestart + 100)
  load.stopping = true
  await phones
  t.equal(app.child.exitCode, null, 'recovered without a restart')

  const refused = outcomes.filter(o => o.phase === 'down' && o.status === 503)
  t.ok(refused.length >= 30, `${refused.length} check-ins answered 503 while the database was down`)
  t.same(unexpected.map(o => o.status), [], 'no 500, no other error, no request left without an answer within the client\'s timeout')
  const body = JSON.parse(refused[0]!.answer!.body) as Record<string, unknown>
  t.match(body, {
    statusCode: 503,
    code: 'database_unavailable',
    message: /database is not answering\. Please try again in a few seconds/,
    messageFr: /la base de données ne répond pas\. Réessayez dans quelques secondes/
  })
  t.notMatch(refused[0]!.answer!.body, /ECONNREFUSED|terminat|postgres|stack/i, 'no driver detail in the answer')
  t.ok(refused.every(o => o.answer?.headers.get('retry-after') === '5'), 'every 503 says when to retry')
  t.comment(`503 answered in at most ${Math.max(...refused.map(o => o.ms)).toFixed(0)} ms (client timeout ${CLIENT_TIMEOUT_MS} ms)`)
  t.ok([...acked.values()].includes('after'), `${acked.size} check-ins acknowledged in all, some after the restart`)

  const rows = await database.db.selectFrom('attendance_records').select('person_id').where('session_id', '=', session.sessionId).execute()
  const stored = new Set(rows.map(r => r.person_id))
  t.equal(rows.length, stored.size, 'no one twice')
  t.ok(ackedBefore.every(id => stored.has(id)), `all ${ackedBefore.length} check-ins acknowledged before the failure are there`)
  t.same([...stored].sort(), [...acked.keys()].sort(), `rows = acks: ${rows.length} = ${acked.size}`)
  t.equal(await count(database, sql<{ n: number }>`SELECT count(*) AS n FROM attendance_history`), 0, 'no moves, no corrections: each check-in written once')
})

/** A POST whose body the test sends in two halves, the second when it chooses. */
function slowUpload (url: string, headers: Record<string, string>, body: Buffer): { sendRest: () => void, answer: Promise<{ status: number, body: string }> } {
  const req = httpRequest(url, { method: 'POST', headers: { ...headers, 'content-length': String(body.length) } })
  const answer = new Promise<{ status: number, body: string }>((resolve, reject) => {
    req.on('response', res => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { text += chunk })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body: text }) })
    })
    req.on('error', reject)
  })
  const half = Math.floor(body.length / 2)
  req.write(body.subarray(0, half))
  return { sendRest: () => { req.end(body.subarray(half)) }, answer }
}

t.test('SIGTERM drains requests in flight: a half-sent upload and check-ins waiting on the database finish with their normal answers, new connections are refused, the process exits 0', { skip }, async t => {
  const { app, database, session } = await ctx()
  const [organizer] = await participants(database, session.eventId, 1, 'Organisatrice')
  await given({ database }).registered(organizer!, 'organizer', session.eventId)
  const people = await participants(database, session.eventId, 6, 'Retardataire')
  const tokens = await bearers(database, app.base, people)
  const csv = Buffer.from(['nom;courriel;langue', ...Array.from({ length: 2000 }, (_, i) => `Personne ${i};personne.${i}@example.ca;fr`)].join('\n'))
  const exited = new Promise<number | null>(resolve => { app.child.once('exit', code => { resolve(code) }) })

  // Check-ins that wait on the database: the test holds a lock their INSERT needs.
  const locker = await database.db.transaction().execute(async trx => {
    await sql`LOCK TABLE attendance_records IN SHARE MODE`.execute(trx)
    const upload = slowUpload(`${app.base}/api/v1/events/${session.eventId}/participants/import`,
      { authorization: `Bearer ${await bearer(database, app.base, organizer!)}`, 'content-type': 'text/csv; charset=utf-8' }, csv)
    const checkIns = tokens.map(async token => await checkIn(app.base, token, session, 30_000))
    await until('the check-ins waiting on the lock', async () => await count(database, sql<{ n: number }>`
      SELECT count(*) AS n FROM pg_locks WHERE NOT granted AND relation = 'attendance_records'::regclass`) === people.length)

    app.child.kill('SIGTERM')
    const refused = await until('new connections refused', async () => await new Promise<string | false>(resolve => {
      const socket = connect(Number(new URL(app.base).port), '127.0.0.1')
      socket.once('connect', () => { socket.destroy(); resolve(false) })
      // A connection caught in the backlog while the socket closes is reset; try again until the port is closed.
      socket.once('error', (err: NodeJS.ErrnoException) => { resolve(err.code === 'ECONNRESET' ? false : err.code ?? 'error') })
    }))
    t.equal(refused, 'ECONNREFUSED', 'a new connection is refused once shutting down')
    t.equal(app.child.exitCode, null, 'still running: requests are in flight')
    upload.sendRest()
    return { upload, checkIns }
  })
  // The lock is released: the check-ins go through.

  const answers = await Promise.all(locker.checkIns)
  t.same(answers.map(a => a.status), people.map(() => 201), 'every waiting check-in answered 201')
  const imported = await locker.upload.answer
  t.equal(imported.status, 200, 'the upload finished with its normal answer')
  t.match(JSON.parse(imported.body), { rows: 2000, added: 2000, errors: [] })
  t.equal(await exited, 0, 'exit code 0')
  t.equal(await stopServer(app.child), 0)

  t.equal(await count(database, sql<{ n: number }>`SELECT count(*) AS n FROM attendance_records WHERE person_id = ANY(${people}::uuid[])`), people.length, 'the check-ins are stored')
})
