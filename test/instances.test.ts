import t from 'tap'
import { readFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'
import { buildApp, type App } from '../src/app.js'
import { openDatabase } from '../src/db/database.js'
import { migrateToLatest } from '../src/db/migrate.js'
import { defaultProgramFile } from '../src/paths.js'
import { testConfig, realTime } from './helpers/app.js'
import { until } from './helpers/cluster.js'
import { freshDatabaseUrl, usingPostgres } from './helpers/database.js'
import { given } from './helpers/given.js'

// Three instances of Compagnon on one PostgreSQL, as behind a load balancer: each its own pool,
// memory (limits' in-memory counters, rendered program copies) and background workers.
t.test('three instances on one PostgreSQL behave as one', { skip: usingPostgres() ? false : 'PostgreSQL only (TEST_DATABASE_URL): the embedded database has one instance by construction' }, async t => {
  const url = (await freshDatabaseUrl(t))!
  const smtp = await smtpSink(t)
  const clock = realTime()
  const config = testConfig({ smtp: { url: `smtp://127.0.0.1:${smtp.port}`, from: 'Compagnon <no-reply@localhost>' } })
  const instances: App[] = []
  for (let i = 0; i < 3; i++) {
    const database = await openDatabase({ kind: 'postgres', url, poolMax: 4 })
    if (i === 0) await migrateToLatest(database)
    // Background jobs on: each instance runs its own message sender, woken by LISTEN/NOTIFY.
    const app = await buildApp(config, { database, clock, backgroundJobs: true })
    t.teardown(async () => { await app.app.close(); await database.close() })
    instances.push(app)
  }
  const [a, b, c] = instances as [App, App, App]
  await a.services.program.importFromFile(defaultProgramFile)
  const g = given({ database: a.services.database, clock, app: a.app, services: a.services })
  await g.participant({ name: 'Paule Partout', email: 'paule@example.org' })

  t.test('a shared limit holds across instances: three sign-in links per address, not three per instance', async t => {
    const ask = async (app: App): Promise<number> => (await app.app.inject({ method: 'POST', url: '/api/v1/sign-in-links', payload: { email: 'personne@example.org' } })).statusCode
    t.same([await ask(a), await ask(b), await ask(c)], [202, 202, 202])
    t.same([await ask(a), await ask(b), await ask(c)], [429, 429, 429], 'the fourth, on any instance, is refused')
  })

  t.test('a program imported through one instance is what the others serve at their next request', async t => {
    const [event] = await b.services.program.listEvents()
    const paths = [`/api/v1/events/${event!.id}/program`, `/api/v1/events/${event!.id}/calendar.ics`, '/']
    // Read (and kept) by every instance first.
    for (const app of instances) for (const path of paths) t.notMatch((await app.app.inject({ url: path })).body, 'Mot de bienvenue renouvelé')
    const text = (await readFile(defaultProgramFile, 'utf8')).replace('title: "Accueil"', 'title: "Mot de bienvenue renouvelé"')
    await a.services.program.importFromText(text, 'test', null)
    for (const [i, app] of [b, c, a].entries()) {
      for (const path of paths) t.match((await app.app.inject({ url: path })).body, 'Mot de bienvenue renouvelé', `instance ${'bca'[i]!}: ${path}`)
    }
  })

  t.test('a queued message is delivered exactly once, the three senders woken by the transaction that queued it', { timeout: 20_000 }, async t => {
    const before = smtp.received.length
    const delivered = smtp.next()
    t.equal((await b.app.inject({ method: 'POST', url: '/api/v1/sign-in-links', payload: { email: 'paule@example.org' } })).statusCode, 202)
    // Woken by NOTIFY: without it the senders look only every 30 s, longer than this test may take.
    await delivered
    // The sender marks the row sent after the SMTP server's acceptance, in another instance's background run.
    const rows = await until('the message marked sent', async () => {
      const found = await a.services.database.db.selectFrom('outgoing_messages').select(['status', 'attempts']).where('to_address', '=', 'paule@example.org').execute()
      return found.every(r => r.status !== 'pending') && found
    }, 15_000)
    t.same(rows, [{ status: 'sent', attempts: 1 }], 'sent once, at the first attempt')
    // Once sent, no sender can claim it again: every instance looking now sends nothing.
    await Promise.all(instances.map(async i => await i.services.messageSender?.deliverDue()))
    t.equal(smtp.received.length - before, 1, 'one email')
    t.same(smtp.received.at(-1)!.to, ['paule@example.org'])
  })
})

interface Sink { port: number, received: Array<{ to: string[] }>, next: () => Promise<void> }

/** A real SMTP server on 127.0.0.1 collecting what it receives; `next()` resolves at the next message. */
async function smtpSink (t: { teardown: (fn: () => Promise<void>) => void }): Promise<Sink> {
  const received: Array<{ to: string[] }> = []
  let waiting: Array<() => void> = []
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    onData (stream, session, callback) {
      stream.resume()
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map(r => r.address) })
        const ready = waiting
        waiting = []
        for (const resolve of ready) resolve()
        callback()
      })
    }
  })
  await new Promise<void>((resolve, reject) => { server.server.once('error', reject); server.listen(0, '127.0.0.1', () => { resolve() }) })
  t.teardown(async () => { await new Promise<void>(resolve => { server.close(() => { resolve() }) }) })
  return {
    port: (server.server.address() as AddressInfo).port,
    received,
    next: async () => { await new Promise<void>(resolve => { waiting.push(resolve) }) }
  }
}
