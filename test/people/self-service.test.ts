import t from 'tap'
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'
import { MessageSender } from '../../src/messages/sender.js'
import { testApp, type TestApp } from '../helpers/app.js'
import { given } from '../helpers/given.js'
import { mainOf } from '../helpers/page-text.js'
import { countRows, rowDeltas } from '../helpers/rows.js'
import { bearerFor, sentToSignIn, signInWithLink } from '../helpers/session.js'

interface Ctx { teardown: (fn: () => unknown) => void }

const html = { accept: 'text/html' }
const formHeaders = { 'sec-fetch-site': 'same-origin', accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }
/** Client addresses from the documentation ranges: loopback (inject's default) is not counted per address. */
const ADDRESS = '203.0.113.7'
const OTHER_ADDRESS = '198.51.100.20'
/** What a link request may write: the link, its message, the audit row. */
const TABLES = ['sign_in_links', 'outgoing_messages', 'account_audit', 'device_sessions', 'people']

/** An SMTP server on 127.0.0.1 that keeps what it receives. */
async function smtpServer (t: Ctx): Promise<{ url: string, received: Array<{ to: string[], raw: string }> }> {
  const received: Array<{ to: string[], raw: string }> = []
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    onData (stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map(a => a.address), raw: Buffer.concat(chunks).toString('latin1') })
        callback()
      })
    }
  })
  await new Promise<void>((resolve, reject) => { server.server.once('error', reject); server.listen(0, '127.0.0.1', () => { resolve() }) })
  t.teardown(async () => { await new Promise<void>(resolve => { server.close(() => { resolve() }) }) })
  return { url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`, received }
}

/** An app that sends email (SMTP_URL set; nothing listens unless `smtpUrl` is given), with one known person. */
async function setup (t: Ctx, options: { smtp?: boolean, smtpUrl?: string } = {}): Promise<TestApp & { paule: { id: string, email: string } }> {
  const smtp = options.smtp === false ? undefined : { url: options.smtpUrl ?? 'smtp://127.0.0.1:9', from: 'noreply@enap.ca' }
  const ctx = await testApp(t, { config: { smtp } })
  const paule = await given(ctx).person({ name: 'Paule Émond', email: 'paule.emond@montreal.ca', locale: 'fr' })
  return { ...ctx, paule: { id: paule.id, email: paule.email! } }
}

const ask = async (ctx: TestApp, email: string, remoteAddress = ADDRESS, lang = 'fr') =>
  await ctx.app.inject({ method: 'POST', url: `/connexion?lang=${lang}`, remoteAddress, headers: formHeaders, payload: new URLSearchParams({ email }).toString() })
const askApi = async (ctx: TestApp, email: string, remoteAddress = ADDRESS) =>
  await ctx.app.inject({ method: 'POST', url: '/api/v1/sign-in-links', remoteAddress, payload: { email } })

t.test('the answer is the same for a known and an unknown email address, on the page and in the API', async t => {
  const ctx = await setup(t)
  const known = await ask(ctx, ctx.paule.email)
  const unknown = await ask(ctx, 'personne@nulle-part.ca')
  t.equal(known.statusCode, 200)
  t.equal(unknown.statusCode, known.statusCode)
  t.match(known.body, 'Si un compte Compagnon utilise l’adresse paule.emond@montreal.ca, un lien de connexion vient d’y être envoyé.')
  t.equal(unknown.body.replace('personne@nulle-part.ca', 'X'), known.body.replace(ctx.paule.email, 'X'), 'the same page but for the address typed')
  t.equal(known.headers['cache-control'], 'no-store')

  const knownApi = await askApi(ctx, ctx.paule.email.toUpperCase())
  const unknownApi = await askApi(ctx, 'quelqu.un@ailleurs.ca')
  t.equal(knownApi.statusCode, 202)
  t.equal(unknownApi.statusCode, 202)
  t.same(knownApi.json(), unknownApi.json())
  t.match(knownApi.json(), { accepted: true, message: /If a Compagnon account uses this address, a sign-in link/, messageFr: /Si un compte Compagnon utilise cette adresse/ })
  await ctx.services.selfServiceLinks.settled()
})

t.test('a link lands in the outbox only for the existing person, and in no event\'s list of messages', async t => {
  const ctx = await setup(t)
  const db = ctx.database.db
  const before = await countRows(db, TABLES)
  await ask(ctx, 'inconnu@exemple.ca')
  await askApi(ctx, 'autre.inconnu@exemple.ca')
  await ctx.services.selfServiceLinks.settled()
  t.same(rowDeltas(before, await countRows(db, TABLES)), {}, 'an unknown address writes nothing')

  await ask(ctx, 'Paule.Emond@Montreal.ca')
  await ctx.services.selfServiceLinks.settled()
  t.same(rowDeltas(before, await countRows(db, TABLES)), { sign_in_links: 1, outgoing_messages: 1, account_audit: 1 })
  const message = await db.selectFrom('outgoing_messages').selectAll().executeTakeFirstOrThrow()
  t.match(message, { kind: 'sign_in_link', event_id: null, person_id: ctx.paule.id, to_address: ctx.paule.email, status: 'pending', subject: 'Votre lien de connexion à Compagnon' })
  t.match(message.body_text, /Bonjour Paule Émond,[\s\S]*http:\/\/127\.0\.0\.1:3000\/auth\/link\/[A-Za-z0-9_-]{43}\?lang=fr[\s\S]*valide une heure/)
  const link = await db.selectFrom('sign_in_links').selectAll().executeTakeFirstOrThrow()
  t.match(link, { person_id: ctx.paule.id, purpose: 'sign_in', used_at: null })
  t.equal(link.expires_at.getTime() - ctx.clock.now().getTime(), 60 * 60_000, 'valid one hour')
  t.match(await db.selectFrom('account_audit').selectAll().executeTakeFirstOrThrow(), { action: 'sign_in_link_emailed', actor_id: ctx.paule.id, subject_person_id: ctx.paule.id, at: ctx.clock.now() })

  // The organizers of the event read the event's messages: this one is not among them.
  const [event] = await ctx.services.program.listEvents()
  const organizer = await ctx.services.people.bootstrapOrganizer('odile@enap.ca', [event!.id], 'Odile')
  const list = await ctx.app.inject({ url: `/api/v1/events/${event!.id}/messages`, headers: { authorization: await bearerFor(ctx, organizer.personId) } })
  t.equal(list.statusCode, 200)
  t.notMatch(list.body, ctx.paule.email)
  t.notMatch(list.body, '/auth/link/')
})

t.test('the emailed link signs its owner in once, and the sent message no longer holds it', async t => {
  const smtp = await smtpServer(t)
  const ctx = await setup(t, { smtpUrl: smtp.url })
  await ask(ctx, ctx.paule.email)
  await ctx.services.selfServiceLinks.settled()
  const sender = new MessageSender(ctx.database.db, ctx.clock, ctx.services.files, { url: smtp.url, from: 'noreply@enap.ca' }, { warn: () => {}, info: () => {} }, ctx.config.publicUrl)
  t.same(await sender.deliverDue(), { sent: 1, retrying: 0, failed: 0 })
  t.same(smtp.received.map(r => r.to), [[ctx.paule.email]], 'to the person\'s own address only')
  // Quoted-printable: soft line breaks joined, then the link read as the person would click it.
  const text = smtp.received[0]!.raw.replace(/=\r?\n/g, '')
  const url = /http:\/\/127\.0\.0\.1:3000\/auth\/link\/[A-Za-z0-9_-]{43}/.exec(text)?.[0]
  t.ok(url, 'the mail carries the link')

  const first = await signInWithLink(ctx.app, url!)
  t.equal(first.res.statusCode, 303)
  t.equal(first.res.headers.location, '/moi?lang=fr')
  const me = await ctx.app.inject({ url: '/moi', headers: { ...html, cookie: first.cookie } })
  t.match(me.body, 'Paule Émond')

  const again = await ctx.app.inject({ url: new URL(url!).pathname, headers: html })
  t.equal(again.statusCode, 400, 'a link works once')
  t.match(again.body, 'href="/connexion?lang=fr"', 'and the refusal points to the form for a new one')

  const stored = await ctx.database.db.selectFrom('outgoing_messages').select(['status', 'body_text']).executeTakeFirstOrThrow()
  t.equal(stored.status, 'sent')
  t.notMatch(stored.body_text, /\/auth\/link\/[A-Za-z0-9_-]{20}/, 'the token is not kept readable once sent')
  t.match(stored.body_text, '/auth/link/[…]')
})

t.test('staff and LMS accounts get their link too: it goes to their own inbox', async t => {
  const ctx = await setup(t)
  const [event] = await ctx.services.program.listEvents()
  const organizer = await ctx.services.people.bootstrapOrganizer('odile@enap.ca', [event!.id], 'Odile')
  await ctx.database.db.updateTable('people').set({ preferred_locale: 'en' }).where('id', '=', organizer.personId).execute()
  await ask(ctx, 'odile@enap.ca')
  await ctx.services.selfServiceLinks.settled()
  const message = await ctx.database.db.selectFrom('outgoing_messages').selectAll().where('kind', '=', 'sign_in_link').executeTakeFirstOrThrow()
  t.match(message, { to_address: 'odile@enap.ca', person_id: organizer.personId, event_id: null, subject: 'Your Compagnon sign-in link' })
  const url = /http:\/\/127\.0\.0\.1:3000\/auth\/link\/[A-Za-z0-9_-]{43}/.exec(message.body_text)![0]
  const signedIn = await signInWithLink(ctx.app, url)
  t.equal(signedIn.res.headers.location, '/organisateurs?lang=fr', 'an organizer lands in the organizer area')
})

t.test('requests are limited per email address, whoever asks and whether or not the address is known', async t => {
  const ctx = await setup(t)
  for (const [i, email] of [ctx.paule.email, 'PAULE.EMOND@montreal.ca', ctx.paule.email].entries()) {
    t.equal((await ask(ctx, email, `192.0.2.${i + 1}`)).statusCode, 200, `request ${i + 1} of 3`)
  }
  const fourth = await ask(ctx, ctx.paule.email, OTHER_ADDRESS)
  t.equal(fourth.statusCode, 429, 'the fourth in 15 minutes, even from another address')
  t.match(fourth.body, 'Un lien a déjà été demandé plusieurs fois pour cette adresse')
  t.ok(Number(fourth.headers['retry-after']) > 0)
  t.equal((await askApi(ctx, ctx.paule.email, OTHER_ADDRESS)).statusCode, 429, 'the API shares the count')
  for (let i = 0; i < 3; i++) await ask(ctx, 'inconnu@exemple.ca', `192.0.2.${10 + i}`)
  t.equal((await ask(ctx, 'inconnu@exemple.ca', OTHER_ADDRESS)).statusCode, 429, 'an unknown address is limited the same way')
  t.equal((await ask(ctx, 'autre@exemple.ca', OTHER_ADDRESS)).statusCode, 200, 'another address is not')
  await ctx.services.selfServiceLinks.settled()
  t.equal((await ctx.database.db.selectFrom('outgoing_messages').select('id').execute()).length, 3, 'three messages for the three accepted requests')
})

t.test('requests are limited per client address', async t => {
  const ctx = await setup(t)
  for (let i = 0; i < 10; i++) t.equal((await ask(ctx, `personne${i}@exemple.ca`)).statusCode, 200)
  const refused = await ask(ctx, 'personne10@exemple.ca', ADDRESS, 'en')
  t.equal(refused.statusCode, 429, 'the eleventh in 15 minutes from one address')
  t.match(refused.body, 'Too many link requests from this connection')
  const api = await askApi(ctx, ctx.paule.email)
  t.equal(api.statusCode, 429)
  t.match(api.json(), { code: 'too_many_requests', messageFr: /Trop de demandes de lien depuis cette connexion/ })
  t.equal((await ask(ctx, 'personne10@exemple.ca', OTHER_ADDRESS)).statusCode, 200, 'another client is not affected')
  await ctx.services.selfServiceLinks.settled()
  t.same(await ctx.database.db.selectFrom('outgoing_messages').select('id').execute(), [], 'the refused request for a known address queued nothing')
})

t.test('without SMTP, the page says links cannot be emailed now, and nothing is stored for staff to read', async t => {
  const ctx = await setup(t, { smtp: false })
  const before = await countRows(ctx.database.db, TABLES)
  const page = await ctx.app.inject({ url: '/connexion', headers: html })
  t.equal(page.statusCode, 200)
  t.match(page.body, 'Compagnon ne peut pas envoyer de liens par courriel pour le moment.')
  t.match(page.body, 'ouvrez Compagnon depuis votre cours dans le LMS (Moodle)')
  t.notMatch(page.body, 'name="email"', 'no form to fill in vain')

  const posted = await ask(ctx, ctx.paule.email)
  t.equal(posted.statusCode, 200)
  t.match(posted.body, 'Demandez un lien à l’équipe d’organisation')
  const api = await askApi(ctx, ctx.paule.email, OTHER_ADDRESS)
  t.equal(api.statusCode, 200)
  t.match(api.json(), { accepted: false, message: /cannot send links by email right now/ })
  await ctx.services.selfServiceLinks.settled()
  t.same(rowDeltas(before, await countRows(ctx.database.db, TABLES)), {}, 'no link, no message, nothing')
})

t.test('with SMTP, the form asks for an email address, in French or English', async t => {
  const ctx = await setup(t)
  const fr = await ctx.app.inject({ url: '/connexion', headers: html })
  t.match(fr.body, '<form class="stack" method="post" action="/connexion?lang=fr">')
  t.match(fr.body, '<input type="email" name="email" required maxlength="254" autocomplete="email">')
  t.match(fr.body, 'M’envoyer mon lien</button>')
  const en = await ctx.app.inject({ url: '/connexion?lang=en', headers: html })
  t.match(en.body, 'Send me my sign-in link')
  t.match(en.body, 'valid for one hour')
})

t.test('pages that need a session point to the form', async t => {
  const ctx = await setup(t)
  // A browser goes straight to the form, in the page's language (test/people/sign-in-return.test.ts follows it).
  const me = await ctx.app.inject({ url: '/moi', headers: html })
  t.ok(sentToSignIn(me, '/moi'))
  t.equal(me.headers.location, '/connexion?retour=%2Fmoi&lang=fr')
  const en = await ctx.app.inject({ url: '/organisateurs?lang=en', headers: html })
  t.equal(en.headers.location, '/connexion?retour=%2Forganisateurs&lang=en')
  const unknownLink = await ctx.app.inject({ url: `/auth/link/${'x'.repeat(43)}`, headers: html })
  t.equal(unknownLink.statusCode, 400)
  t.match(unknownLink.body, 'href="/connexion?lang=fr"')
  const elsewhere = await ctx.app.inject({ url: '/events/inconnu', headers: html })
  t.notMatch(mainOf(elsewhere.body), 'href="/connexion', 'not on unrelated errors (the header keeps its way in)')
})

t.test('bad input gets a clear refusal and changes nothing', async t => {
  const ctx = await setup(t)
  const before = await countRows(ctx.database.db, TABLES)
  const notEmail = await ask(ctx, 'paule.emond')
  t.equal(notEmail.statusCode, 400)
  t.match(notEmail.body, 'Une valeur du formulaire est à corriger.')
  const api = await askApi(ctx, '')
  t.equal(api.statusCode, 400)
  t.match(api.json(), { code: 'validation_failed', messageFr: 'Une valeur du formulaire est à corriger.' })
  const crossSite = await ctx.app.inject({ method: 'POST', url: '/connexion', remoteAddress: ADDRESS, headers: { ...formHeaders, 'sec-fetch-site': 'cross-site' }, payload: `email=${encodeURIComponent(ctx.paule.email)}` })
  t.equal(crossSite.statusCode, 403, 'a form posted from another site is refused')
  await ctx.services.selfServiceLinks.settled()
  t.same(rowDeltas(before, await countRows(ctx.database.db, TABLES)), {})
})
