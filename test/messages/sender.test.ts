import t from 'tap'
import { createHash } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'
import { FixedClock } from '../../src/clock.js'
import { claimDue } from '../../src/messages/repository.js'
import { LEASE_MS, MAX_ATTEMPTS, MessageSender, backoffMs } from '../../src/messages/sender.js'
import { testApp } from '../helpers/app.js'
import { given, type Role } from '../helpers/given.js'
import { AFTER_EVENT } from '../helpers/attestations.js'
import { ORIGIN, cookieHeader } from '../helpers/session.js'

interface Ctx { teardown: (fn: () => unknown) => void }

// ---- a real SMTP server on 127.0.0.1 -------------------------------------------------------------

interface Received { from: string, to: string[], raw: string, auth: string | null }

interface Smtp { port: number, received: Received[], stop: () => Promise<void>, start: () => Promise<void> }

/** An SMTP server collecting what it receives; stop() and start() again on the same port. */
async function smtpServer (t: Ctx, options: { user?: string, password?: string } = {}): Promise<Smtp> {
  const received: Received[] = []
  let server: SMTPServer | undefined
  let port = 0
  const start = async (): Promise<void> => {
    const s = new SMTPServer({
      logger: false,
      disabledCommands: options.user === undefined ? ['STARTTLS', 'AUTH'] : ['STARTTLS'],
      authOptional: true,
      allowInsecureAuth: true,
      onAuth (auth, _session, callback) {
        if (auth.username === options.user && auth.password === options.password) callback(null, { user: auth.username })
        else callback(new Error('Invalid username or password'))
      },
      onData (stream, session, callback) {
        const chunks: Buffer[] = []
        stream.on('data', (c: Buffer) => chunks.push(c))
        stream.on('end', () => {
          received.push({
            from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
            to: session.envelope.rcptTo.map(a => a.address),
            raw: Buffer.concat(chunks).toString('latin1'),
            auth: typeof session.user === 'string' ? session.user : null
          })
          callback()
        })
      }
    })
    await new Promise<void>((resolve, reject) => { s.server.once('error', reject); s.listen(port, '127.0.0.1', () => { resolve() }) })
    port = (s.server.address() as AddressInfo).port
    server = s
  }
  const stop = async (): Promise<void> => {
    const s = server
    server = undefined
    if (s !== undefined) await new Promise<void>(resolve => { s.close(() => { resolve() }) })
  }
  await start()
  t.teardown(stop)
  return { get port () { return port }, received, stop, start }
}

// ---- reading the raw MIME message (no mail parser installed: enough for these checks) ------------

const unfold = (headers: string): string => headers.replace(/\r\n[ \t]+/g, ' ')
const decodeWords = (value: string): string => value
  .replace(/(=\?[^?]+\?[QqBb]\?[^?]*\?=)\s+(?==\?)/g, '$1')
  .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_all, _charset: string, enc: string, text: string) => enc.toUpperCase() === 'B'
    ? Buffer.from(text, 'base64').toString('utf8')
    : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'))
const header = (block: string, name: string): string | undefined => {
  const line = unfold(block).split('\r\n').find(l => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
  return line === undefined ? undefined : decodeWords(line.slice(name.length + 1).trim())
}
const decodeBody = (headers: string, body: string): Buffer => {
  const encoding = (header(headers, 'Content-Transfer-Encoding') ?? '7bit').toLowerCase()
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64')
  if (encoding === 'quoted-printable') {
    return Buffer.from(body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1')
  }
  return Buffer.from(body, 'latin1')
}

interface Mail { to: string | undefined, subject: string | undefined, messageId: string | undefined, text: string, attachments: Array<{ filename: string, data: Buffer }> }

function parseMail (raw: string): Mail {
  const split = raw.indexOf('\r\n\r\n')
  const head = raw.slice(0, split)
  const body = raw.slice(split + 4)
  const type = header(head, 'Content-Type') ?? 'text/plain'
  const mail: Mail = { to: header(head, 'To'), subject: header(head, 'Subject'), messageId: header(head, 'Message-ID'), text: '', attachments: [] }
  const boundary = /boundary="?([^";]+)"?/.exec(type)?.[1]
  if (boundary === undefined) { mail.text = decodeBody(head, body).toString('utf8'); return mail }
  for (const part of body.split(`--${boundary}`).slice(1)) {
    if (part.startsWith('--')) break
    const p = part.replace(/^\r\n/, '')
    const cut = p.indexOf('\r\n\r\n')
    const partHead = p.slice(0, cut)
    const partBody = p.slice(cut + 4).replace(/\r\n$/, '')
    const disposition = header(partHead, 'Content-Disposition') ?? ''
    const filename = /filename="?([^";]+)"?/.exec(disposition)?.[1]
    if (filename !== undefined) mail.attachments.push({ filename, data: decodeBody(partHead, partBody) })
    else if ((header(partHead, 'Content-Type') ?? '').startsWith('text/plain')) mail.text += decodeBody(partHead, partBody).toString('utf8')
  }
  return mail
}

// ---- the app with SMTP configured --------------------------------------------------------------

const FROM = 'Compagnon <noreply@enap.ca>'

async function setup (t: Ctx, smtpUrl: string) {
  const ctx = await testApp(t, { clock: new FixedClock(AFTER_EVENT), config: { smtp: { url: smtpUrl, from: FROM } } })
  const db = ctx.database.db
  const g = given(ctx)
  const eventId = await g.event()
  const slots = await g.countedSlots(eventId)
  const person = async (name: string, role: Role = 'participant', locale: 'fr' | 'en' = 'fr') => {
    const email = `${name.normalize('NFD').replace(/[^A-Za-z]/g, '').toLowerCase()}@example.gouv.qc.ca`
    const { id, bearer } = await g.as(role, { name, email, locale }).withBearer()
    return { id, name, email, bearer }
  }
  /** Present in the first slots until at least `hours` hours. */
  const attendHours = async (personId: string, hours: number): Promise<void> => {
    let total = 0
    for (const slot of slots) {
      if (total >= hours) break
      await g.checkedIn(personId, slot.id)
      total += slot.hours
    }
  }
  const logs: Array<{ obj: object, msg: string }> = []
  const log = { warn: (obj: object, msg: string) => { logs.push({ obj, msg }) }, info: (obj: object, msg: string) => { logs.push({ obj, msg }) } }
  const sender = new MessageSender(db, ctx.clock, ctx.services.files, { url: smtpUrl, from: FROM }, log, ctx.config.publicUrl)
  t.teardown(() => { sender.close() })
  const organizer = await person('Odile Organisatrice', 'organizer')
  const messages = async () => await db.selectFrom('outgoing_messages').selectAll().orderBy('kind').execute()
  return { ...ctx, db, eventId, person, attendHours, sender, logs, organizer, messages }
}

t.test('with SMTP configured, an issued attestation reaches the person and HR with the PDF attached, and is marked sent once', async t => {
  const smtp = await smtpServer(t)
  const ctx = await setup(t, `smtp://127.0.0.1:${smtp.port}`)
  const paule = await ctx.person('Paule Émond-Lévesque')
  await ctx.attendHours(paule.id, 17)
  const mine = await ctx.services.attestations.request(paule.id, ctx.eventId, { name: 'Paule Émond-Lévesque', locale: 'fr', employer: 'Ville de Montréal', hrEmail: 'rh@montreal.ca' })
  const attestation = mine.attestation!
  t.same((await ctx.messages()).map(m => m.status), ['pending', 'pending'], 'queued for the sender, not stored')

  t.same(await ctx.sender.deliverDue(), { sent: 2, retrying: 0, failed: 0 })
  t.equal(smtp.received.length, 2)
  const byTo = new Map(smtp.received.map(r => [r.to[0], r]))
  t.same([...byTo.keys()].sort(), [paule.email, 'rh@montreal.ca'].sort(), 'one message to each address')
  for (const r of smtp.received) {
    t.equal(r.from, 'noreply@enap.ca', 'envelope sender from MAIL_FROM')
    const mail = parseMail(r.raw)
    t.match(mail.text, attestation.verifyUrl, 'the body gives the verification URL')
    t.equal(mail.attachments.length, 1)
    t.match(mail.attachments[0]!.filename, /^attestation-formation-[0-9A-Z]{8}\.pdf$/)
    t.equal(createHash('sha256').update(mail.attachments[0]!.data).digest('hex'), attestation.sha256, 'the attached PDF is the stored one, byte for byte')
  }
  const toPerson = parseMail(byTo.get(paule.email)!.raw)
  t.match(toPerson.to, paule.email)
  t.match(toPerson.subject, /^Votre attestation de formation — /)
  t.match(parseMail(byTo.get('rh@montreal.ca')!.raw).subject, /^Attestation de formation de Paule Émond-Lévesque/)
  t.match(toPerson.text, 'Paule Émond-Lévesque', 'accents survive the trip')

  const rows = await ctx.messages()
  t.same(rows.map(m => [m.status, m.attempts, m.last_error]), [['sent', 1, null], ['sent', 1, null]])
  t.same(rows.map(m => m.sent_at?.toISOString()), [AFTER_EVENT.toISOString(), AFTER_EVENT.toISOString()])

  ctx.clock.advance(24 * 3600_000)
  t.same(await ctx.sender.deliverDue(), { sent: 0, retrying: 0, failed: 0 }, 'nothing left to send')
  t.equal(smtp.received.length, 2, 'never sent twice')
})

t.test('SMTP server down: retried with backoff, delivered once when it is back, never twice; no secret in errors or logs', async t => {
  const smtp = await smtpServer(t, { user: 'compagnon', password: 'S3cret-Pa55word' })
  const port = smtp.port
  await smtp.stop()
  const ctx = await setup(t, `smtp://compagnon:S3cret-Pa55word@127.0.0.1:${port}`)
  const p = await ctx.person('Rémi Dubé')
  await ctx.attendHours(p.id, 17)
  await ctx.services.attestations.request(p.id, ctx.eventId, { name: 'Rémi Dubé', locale: 'en', employer: null, hrEmail: null })
  const start = ctx.clock.now().getTime()

  t.same(await ctx.sender.deliverDue(), { sent: 0, retrying: 1, failed: 0 })
  let [row] = await ctx.messages()
  t.match(row, { status: 'pending', attempts: 1, last_error: /ECONNREFUSED|ESOCKET|ECONNECTION/ })
  t.equal(row!.next_attempt_at.getTime(), start + 30_000, 'first retry after 30 s')
  t.same(await ctx.sender.deliverDue(), { sent: 0, retrying: 0, failed: 0 }, 'not retried before its time')

  ctx.clock.advance(30_000)
  t.same(await ctx.sender.deliverDue(), { sent: 0, retrying: 1, failed: 0 })
  ;[row] = await ctx.messages()
  t.equal(row!.attempts, 2)
  t.equal(row!.next_attempt_at.getTime(), start + 30_000 + 2 * 60_000, 'then after 2 min')

  await smtp.start()
  ctx.clock.advance(60_000)
  t.same(await ctx.sender.deliverDue(), { sent: 0, retrying: 0, failed: 0 }, 'back, but the retry is not due yet')
  ctx.clock.advance(60_000)
  t.same(await ctx.sender.deliverDue(), { sent: 1, retrying: 0, failed: 0 })
  t.equal(smtp.received.length, 1)
  t.equal(smtp.received[0]!.auth, 'compagnon', 'authenticated with the credentials of SMTP_URL')
  const mail = parseMail(smtp.received[0]!.raw)
  t.match(mail.subject, /^Your training attestation — /, 'in the language of the attestation')
  ;[row] = await ctx.messages()
  t.match(row, { status: 'sent', attempts: 3, last_error: null })

  for (let i = 0; i < 5; i++) {
    ctx.clock.advance(60 * 60_000)
    await ctx.sender.deliverDue()
  }
  t.equal(smtp.received.length, 1, 'delivered exactly once')

  const logged = JSON.stringify(ctx.logs)
  t.notMatch(logged, 'S3cret-Pa55word', 'the SMTP password is never logged')
  t.notMatch(logged, 'Rémi', 'nor the body or subject')
  t.ok(ctx.logs.some(l => l.msg === 'message not sent yet; will retry'))
})

t.test('a worker that crashed after claiming: the message waits for the lease, then goes once', async t => {
  const smtp = await smtpServer(t)
  const ctx = await setup(t, `smtp://127.0.0.1:${smtp.port}`)
  const p = await ctx.person('Zoé Lafleur')
  await ctx.attendHours(p.id, 17)
  await ctx.services.attestations.request(p.id, ctx.eventId, { name: 'Zoé Lafleur', locale: 'fr', employer: null, hrEmail: null })
  const now = ctx.clock.now()
  // A worker claims the message, then dies before sending it or recording anything.
  t.equal((await claimDue(ctx.db, now, new Date(now.getTime() + LEASE_MS), 10)).length, 1)
  t.same(await ctx.sender.deliverDue(), { sent: 0, retrying: 0, failed: 0 }, 'another worker leaves a leased message alone')
  ctx.clock.advance(LEASE_MS)
  t.same(await ctx.sender.deliverDue(), { sent: 1, retrying: 0, failed: 0 }, 'taken up again once the lease has ended')
  t.equal(smtp.received.length, 1)
})

t.test('a message the server never accepts is given up after the last attempt', async t => {
  const smtp = await smtpServer(t)
  const port = smtp.port
  await smtp.stop()
  const ctx = await setup(t, `smtp://127.0.0.1:${port}`)
  const p = await ctx.person('Luc Roy')
  await ctx.attendHours(p.id, 17)
  await ctx.services.attestations.request(p.id, ctx.eventId, { name: 'Luc Roy', locale: 'fr', employer: null, hrEmail: null })
  const outcomes = []
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    outcomes.push(await ctx.sender.deliverDue())
    ctx.clock.advance(backoffMs(attempt))
  }
  t.same(outcomes.at(-1), { sent: 0, retrying: 0, failed: 1 })
  t.equal(outcomes.filter(o => o.retrying === 1).length, MAX_ATTEMPTS - 1)
  const [row] = await ctx.messages()
  t.match(row, { status: 'failed', attempts: MAX_ATTEMPTS })
  ctx.clock.advance(24 * 3600_000)
  t.same(await ctx.sender.deliverDue(), { sent: 0, retrying: 0, failed: 0 }, 'a failed message is not tried again')
})

t.test('a personal link by email: a new link, sent in the person\'s language, that signs them in; masked once sent', async t => {
  const smtp = await smtpServer(t)
  const ctx = await setup(t, `smtp://127.0.0.1:${smtp.port}`)
  const ana = await ctx.person('Ana Souza', 'participant', 'en')
  const old = await ctx.services.people.participants.issueLink(ctx.organizer.id, ctx.eventId, ana.id)

  const res = await ctx.app.inject({ method: 'POST', url: `/organisateurs/evenements/${ctx.eventId}/participants/${ana.id}/lien-courriel?lang=fr`, headers: { authorization: ctx.organizer.bearer, origin: ORIGIN, accept: 'text/html' } })
  t.equal(res.statusCode, 303)
  t.match(res.headers.location, new RegExp(`^/organisateurs/messages/${ctx.eventId}\\?envoi=[0-9a-f-]{36}&lang=fr$`))
  const page = await ctx.app.inject({ url: res.headers.location as string, headers: { authorization: ctx.organizer.bearer, accept: 'text/html' } })
  t.match(page.body, 'Un nouveau lien personnel a été créé pour Ana Souza')
  t.match(page.body, 'Il part par courriel à ana')

  t.same(await ctx.sender.deliverDue(), { sent: 1, retrying: 0, failed: 0 })
  const mail = parseMail(smtp.received[0]!.raw)
  t.equal(smtp.received[0]!.to[0], ana.email)
  t.match(mail.subject, /^Your personal link — /)
  t.match(mail.text, /yours alone/)
  t.match(mail.text, /It remains valid until December 23, 2025 inclusive/)
  const url = /http:\/\/127\.0\.0\.1:3000\/p\/[A-Za-z0-9_-]+/.exec(mail.text)?.[0]
  t.ok(url, 'the mail carries the link')
  const token = new URL(url!).pathname.split('/').pop()!

  const confirm = await ctx.app.inject({ url: `/p/${token}`, headers: { accept: 'text/html' } })
  t.equal(confirm.statusCode, 200, 'the link opens its confirmation page')
  const signIn = await ctx.app.inject({ method: 'POST', url: '/p', headers: { origin: ORIGIN, accept: 'text/html' }, payload: { token } })
  t.equal(signIn.statusCode, 303)
  const me = await ctx.app.inject({ url: '/moi', headers: { cookie: cookieHeader(signIn), accept: 'text/html' } })
  t.equal(me.statusCode, 200)
  t.match(me.body, 'Ana Souza', 'signed in as the participant')
  const oldToken = new URL(old.url).pathname.split('/').pop()
  t.equal((await ctx.app.inject({ url: `/p/${oldToken}`, headers: { accept: 'text/html' } })).statusCode, 400, 'the previous link stopped working')

  const [row] = await ctx.messages()
  t.equal(row!.status, 'sent')
  t.notMatch(row!.body_text, token, 'once sent, the token is no longer readable in the database')
  t.match(row!.body_text, '/p/[…]')
})
