import t from 'tap'
import { createHash } from 'node:crypto'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { testApp } from '../helpers/app.js'
import { ORIGIN, bearerFor, cookieHeader, sentToSignIn, signInWithLink } from '../helpers/session.js'
import { given } from '../helpers/given.js'

interface Ctx { teardown: (fn: () => unknown) => void }

const setup = async (t: Ctx) => {
  const ctx = await testApp(t)
  const [event] = await ctx.services.program.listEvents()
  const link = await ctx.services.people.bootstrapOrganizer('org@enap.ca', [event!.id], 'Odile Organisatrice')
  const { cookie, csrf, res } = await signInWithLink(ctx.app, link.url)
  const bearer = res.cookies.find(c => c.name === 'compagnon_session')!.value
  return { ...ctx, event: event!, organizerId: link.personId, cookie, csrf, auth: { authorization: `Bearer ${bearer}` } }
}

const importCsv = async (app: FastifyInstance, eventId: string, headers: Record<string, string>, csv: string | Buffer, contentType = 'text/csv'): Promise<LightMyRequestResponse> =>
  await app.inject({ method: 'POST', url: `/api/v1/events/${eventId}/participants/import`, headers: { ...headers, 'content-type': contentType }, payload: csv })

const multipart = (field: string, filename: string, content: string | Buffer): { payload: Buffer, contentType: string } => {
  const boundary = 'participantsBoundary'
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: text/csv\r\n\r\n`),
    Buffer.isBuffer(content) ? content : Buffer.from(content),
    Buffer.from(`\r\n--${boundary}--\r\n`)
  ])
  return { payload, contentType: `multipart/form-data; boundary=${boundary}` }
}

/** Follows a personal link the way a browser does: the confirmation page, then the form. */
const usePersonalLink = async (app: FastifyInstance, url: string): Promise<LightMyRequestResponse> => {
  const token = new URL(url).pathname.split('/').pop() ?? ''
  return await app.inject({ method: 'POST', url: '/p', headers: { origin: ORIGIN, accept: 'text/html' }, payload: { token } })
}

const countPeople = async (ctx: { database: { db: any } }, email: string): Promise<number> =>
  (await ctx.database.db.selectFrom('people').select('id').where((eb: any) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase())).execute()).length

t.test('a CSV with bad lines imports the valid ones and reports each bad line (number, field, FR and EN message)', async t => {
  const ctx = await setup(t)
  const { app, event, auth, services } = ctx
  const csv = '\uFEFFNom;Adresse courriel;Employeur;Langue\r\n' +
    '"Tremblay, Marie";marie.tremblay@quebec.ca;"Ministère de l\'Économie; direction ""Innovation""";français\r\n' + // 2
    'Jean Côté;;Ville de Montréal;fr\r\n' + //                         3: email missing
    'Luc Roy;luc.roy@;MAMH;en\r\n' + //                                4: bad email
    'Ana Souza;ana@gouv.qc.ca;;es\r\n' + //                            5: unknown language
    ';;;\r\n' + //                                                     6: Excel's blank row, skipped
    'Marie T.;MARIE.TREMBLAY@quebec.ca;;fr\r\n' + //                   7: duplicate of line 2
    '"Émilie\r\nGagnon";emilie.gagnon@ville.quebec.qc.ca;Ville de Québec;English\r\n' + // 8–9
    'Paul Nguyen;paul.nguyen@canada.ca;Emploi et Développement social Canada;\r\n' + // 10: French by default
    'Zoé;zoe@;x;fr\r\n' //                                             11: bad email after a two-line record
  const res = await importCsv(app, event.id, auth, csv)
  t.equal(res.statusCode, 200)
  const report = res.json()
  t.match(report, { rows: 8, added: 3, updated: 0, unchanged: 0, delimiter: ';', encoding: 'utf-8', ignoredColumns: [] })
  t.same(report.errors.map((e: { line: number, field: string }) => [e.line, e.field]), [[3, 'email'], [4, 'email'], [5, 'language'], [7, 'email'], [11, 'email']])
  t.match(report.errors[0], { message: 'Email missing.', messageFr: 'Courriel manquant.' })
  t.match(report.errors[2], { message: /Unknown language: “es”/, messageFr: /Langue inconnue : « es »/ })
  t.match(report.errors[3], { message: 'Duplicate email: already on line 2.', messageFr: 'Courriel en double : déjà à la ligne 2.' })

  const list = await services.people.participants.list(event.id)
  t.same(list.map(p => [p.name, p.email, p.employer, p.preferredLocale]), [
    ['Émilie Gagnon', 'emilie.gagnon@ville.quebec.qc.ca', 'Ville de Québec', 'en'],
    ['Paul Nguyen', 'paul.nguyen@canada.ca', 'Emploi et Développement social Canada', 'fr'],
    ['Tremblay, Marie', 'marie.tremblay@quebec.ca', 'Ministère de l\'Économie; direction "Innovation"', 'fr']
  ], 'accents, quoted delimiters and doubled quotes come through')
  t.ok(list.every(p => p.link.status === 'none'))
  const roles = await services.people.roles(list[0]!.personId)
  t.same(roles, [{ eventId: event.id, role: 'participant' }], 'each imported person is registered as participant of the event')
})

t.test('re-importing is idempotent by email (any case): it updates name, employer and language and creates nothing twice', async t => {
  const ctx = await setup(t)
  const { app, event, auth, services } = ctx
  const first = 'name,email,employer,language\nMarie Tremblay,marie@quebec.ca,MCE,fr\nAl Smith,al@canada.ca,ESDC,en\n'
  t.match((await importCsv(app, event.id, auth, first)).json(), { added: 2, updated: 0, unchanged: 0 })
  const again = await importCsv(app, event.id, auth, first)
  t.match(again.json(), { added: 0, updated: 0, unchanged: 2, errors: [] }, 'the same file twice changes nothing')

  const changed = 'name,email,employer,language\nMarie Tremblay-Roy,MARIE@Quebec.ca,Ministère de la Cybersécurité,english\nAl Smith,al@canada.ca,,\n'
  t.match((await importCsv(app, event.id, auth, changed)).json(), { added: 0, updated: 1, unchanged: 1 })
  t.equal(await countPeople(ctx, 'marie@quebec.ca'), 1, 'one person per email')
  const regs = await ctx.database.db.selectFrom('registrations').select('role').where('event_id', '=', event.id).where('role', '=', 'participant').execute()
  t.equal(regs.length, 2, 'one registration per person')
  const list = await services.people.participants.list(event.id)
  t.same(list.map(p => [p.name, p.email, p.employer, p.preferredLocale]), [
    ['Al Smith', 'al@canada.ca', 'ESDC', 'en'],
    ['Marie Tremblay-Roy', 'marie@quebec.ca', 'Ministère de la Cybersécurité', 'en']
  ], 'empty cells leave what is known; the first spelling of the email is kept')

  const latin = Buffer.from('nom;courriel;employeur\nHélène Côté;helene@quebec.ca;Santé Québec\n', 'latin1')
  const excel = await importCsv(app, event.id, auth, latin)
  t.match(excel.json(), { added: 1, encoding: 'windows-1252' })
  t.ok((await services.people.participants.list(event.id)).some(p => p.name === 'Hélène Côté' && p.employer === 'Santé Québec'), 'Windows-1252 accents survive')
})

t.test('bad input gets a clear 4xx and changes nothing', async t => {
  const ctx = await setup(t)
  const { app, event, auth, services } = ctx
  const allBad = await importCsv(app, event.id, auth, 'nom;courriel\nA;pas-un-courriel\n;b@b.ca\n')
  t.equal(allBad.statusCode, 400)
  t.match(allBad.json(), { code: 'bad_request', messageFr: /Aucune ligne n’a pu être importée \(2 erreurs\)/, details: [{ field: 'line 2.email' }, { field: 'line 3.name' }] })
  const noEmail = await importCsv(app, event.id, auth, 'nom;employeur\nA;B\n')
  t.equal(noEmail.statusCode, 400)
  t.match(noEmail.json(), { messageFr: /Colonne introuvable/ })
  const headerOnly = await importCsv(app, event.id, auth, 'nom;courriel\n')
  t.equal(headerOnly.statusCode, 400)
  const brokenQuotes = await importCsv(app, event.id, auth, 'nom;courriel\nA;a@b.ca\n"B;b@b.ca\n')
  t.equal(brokenQuotes.statusCode, 400)
  t.match(brokenQuotes.json(), { message: /malformed from line 3/ })
  const json = await app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/participants/import`, headers: auth, payload: { csv: 'nom;courriel' } })
  t.equal(json.statusCode, 400, 'a JSON body is not a CSV file')
  const badAdd = await app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/participants`, headers: auth, payload: { name: '', email: 'nope', language: 'es' } })
  t.equal(badAdd.statusCode, 400)
  t.same(badAdd.json().details.map((d: { field: string }) => d.field).sort(), ['body.email', 'body.language', 'body.name'])
  const unknownPerson = await app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/participants/00000000-0000-4000-8000-000000000000/personal-link`, headers: auth })
  t.equal(unknownPerson.statusCode, 404)
  t.equal((await services.people.participants.list(event.id)).length, 0, 'nothing was imported')
})

t.test('oversize lists are refused with 413 and a message naming the limit', async t => {
  const ctx = await setup(t)
  const { app, event, auth, cookie, csrf, services } = ctx
  const big = 'nom;courriel\n' + `${'x'.repeat(100)};a@b.ca\n`.repeat(11_000)
  const tooBig = await importCsv(app, event.id, auth, big)
  t.equal(tooBig.statusCode, 413)
  t.match(tooBig.json(), { code: 'payload_too_large', message: /exceeds 1 MB/, messageFr: /dépasse 1 Mo/ })
  const tooMany = await importCsv(app, event.id, auth, 'nom;courriel\n' + Array.from({ length: 5001 }, (_, i) => `P${i};p${i}@b.ca`).join('\n'))
  t.equal(tooMany.statusCode, 413)
  t.match(tooMany.json(), { messageFr: /5\u00a0001 participant·e·s ; la limite est de 5\u00a0000/ })
  const { payload, contentType } = multipart('participants', 'liste.csv', big)
  const upload = await app.inject({ method: 'POST', url: `/organisateurs/evenements/${event.id}/participants/import`, headers: { cookie, 'x-csrf-token': csrf, origin: ORIGIN, accept: 'text/html', 'content-type': contentType }, payload })
  t.equal(upload.statusCode, 413)
  t.match(upload.body, /Le fichier dépasse 1 Mo/)
  t.match(upload.body, /aria-current="page">Participant·e·s</, 'the organizer stays on the Participant·e·s page')
  t.equal((await services.people.participants.list(event.id)).length, 0)
})

t.test('only organizers of the event manage its participants: others get 403, anonymous callers 401', async t => {
  const ctx = await setup(t)
  const { app, event, services, organizerId, auth } = ctx
  await importCsv(app, event.id, auth, 'nom;courriel\nMarie;marie@quebec.ca\n')
  const marie = (await services.people.participants.list(event.id))[0]!
  const staffLink = await services.people.invite(organizerId, event.id, { email: 'porte@enap.ca', role: 'door_staff' })
  if (!staffLink.created) throw new Error('a new account comes with its link')
  const staff = await signInWithLink(app, staffLink.url)
  const staffAuth = { authorization: `Bearer ${staff.res.cookies.find(c => c.name === 'compagnon_session')!.value}` }
  const base = `/api/v1/events/${event.id}/participants`
  t.equal((await importCsv(app, event.id, staffAuth, 'nom;courriel\nX;x@x.ca\n')).statusCode, 403)
  t.equal((await app.inject({ url: base, headers: staffAuth })).statusCode, 403)
  t.equal((await app.inject({ method: 'POST', url: base, headers: staffAuth, payload: { name: 'X', email: 'x@x.ca' } })).statusCode, 403)
  t.equal((await app.inject({ method: 'POST', url: `${base}/${marie.personId}/personal-link`, headers: staffAuth })).statusCode, 403)
  t.equal((await app.inject({ method: 'DELETE', url: `${base}/${marie.personId}/personal-link`, headers: staffAuth })).statusCode, 403)
  const page = await app.inject({ method: 'POST', url: `/organisateurs/evenements/${event.id}/participants/${marie.personId}/lien`, headers: { cookie: staff.cookie, 'x-csrf-token': staff.csrf, origin: ORIGIN, accept: 'text/html' } })
  t.equal(page.statusCode, 403)
  t.equal((await importCsv(app, event.id, {}, 'nom;courriel\nX;x@x.ca\n')).statusCode, 401)
  const otherEvent = await given(ctx).newEvent()
  t.equal((await app.inject({ url: `/api/v1/events/${otherEvent}/participants`, headers: auth })).statusCode, 403, 'organizing one event gives nothing on another')
  t.equal((await app.inject({ url: '/api/v1/events/00000000-0000-4000-8000-000000000000/participants', headers: auth })).statusCode, 404, 'an unknown event is not found')
  const direct = await services.people.participants.issueLink(staffLink.personId, event.id, marie.personId).catch((err: unknown) => err)
  t.match(direct, { statusCode: 403 }, 'the service checks too')
  t.equal((await services.people.participants.list(event.id)).length, 1, 'nothing was added')
  t.equal(marie.link.status, 'none')
})

t.test('organizers add one participant by API and by form, idempotent by email', async t => {
  const ctx = await setup(t)
  const { app, event, auth, cookie, csrf, services } = ctx
  const base = `/api/v1/events/${event.id}/participants`
  const created = await app.inject({ method: 'POST', url: base, headers: auth, payload: { name: 'Marie Tremblay', email: 'Marie@Quebec.ca', employer: 'MCE', language: 'en' } })
  t.equal(created.statusCode, 201)
  t.match(created.json(), { outcome: 'added', participant: { name: 'Marie Tremblay', email: 'Marie@Quebec.ca', employer: 'MCE', preferredLocale: 'en', link: { status: 'none' } } })
  const same = await app.inject({ method: 'POST', url: base, headers: auth, payload: { name: 'Marie Tremblay', email: 'marie@quebec.ca' } })
  t.equal(same.statusCode, 200)
  t.match(same.json(), { outcome: 'unchanged', participant: { employer: 'MCE', preferredLocale: 'en' } })

  const form = await app.inject({ method: 'POST', url: `/organisateurs/evenements/${event.id}/participants?lang=fr`, headers: { cookie, 'x-csrf-token': csrf, origin: ORIGIN, accept: 'text/html' }, payload: { name: 'Jean Côté', email: 'jean@montreal.ca', employer: '', language: 'fr' } })
  t.equal(form.statusCode, 200)
  t.match(form.body, /Jean Côté est inscrit·e comme participant·e/)
  t.match(form.body, /<th scope="row">Jean Côté<\/th><td data-label="Courriel">jean@montreal.ca<\/td><td data-label="Employeur"><\/td><td data-label="Langue préférée">Français<\/td><td data-label="Lien personnel">Aucun<\/td>/)
  const update = await app.inject({ method: 'POST', url: `/organisateurs/evenements/${event.id}/participants?lang=en`, headers: { cookie, 'x-csrf-token': csrf, origin: ORIGIN, accept: 'text/html' }, payload: { name: 'Jean Côté', email: 'JEAN@montreal.ca', employer: 'Ville de Montréal', language: 'fr' } })
  t.match(update.body, /Jean Côté’s details are updated/)
  t.equal(await countPeople(ctx, 'jean@montreal.ca'), 1)

  const listed = await app.inject({ url: base, headers: auth })
  t.equal(listed.statusCode, 200)
  t.same(listed.json().participants.map((p: { name: string, employer: string }) => [p.name, p.employer]), [['Jean Côté', 'Ville de Montréal'], ['Marie Tremblay', 'MCE']])
  t.equal((await services.people.participants.list(event.id)).length, 2)
})

t.test('a personal link: the confirmation page does not use it; confirming opens a device session and lands on /moi; it works on a second device', async t => {
  const ctx = await setup(t)
  const { app, event, auth, services } = ctx
  await importCsv(app, event.id, auth, 'nom;courriel;employeur;langue\nMarie Tremblay;marie@quebec.ca;Ministère de la Culture;fr\n')
  const marie = (await services.people.participants.list(event.id))[0]!
  const issued = await app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/participants/${marie.personId}/personal-link`, headers: auth })
  t.equal(issued.statusCode, 201)
  const link = issued.json()
  t.match(link, { personId: marie.personId, eventId: event.id, url: /^http:\/\/127\.0\.0\.1:3000\/p\/[A-Za-z0-9_-]{43}$/, expiresAt: '2025-12-24T05:00:00.000Z' })
  const token = new URL(link.url).pathname.split('/').pop()!
  const stored = await ctx.database.db.selectFrom('personal_links').selectAll().execute()
  t.equal(stored.length, 1)
  t.equal(stored[0]!.token_hash, createHash('sha256').update(token).digest('hex'), 'only a SHA-256 of the token is stored')
  t.notOk(JSON.stringify(stored).includes(token))

  for (let i = 0; i < 2; i++) {
    const page = await app.inject({ url: `/p/${token}`, headers: { accept: 'text/html' } })
    t.equal(page.statusCode, 200, 'a mail scanner can open the page as often as it likes')
    t.equal(page.headers['cache-control'], 'no-store')
    t.equal(page.headers['referrer-policy'], 'no-referrer')
    t.match(page.body, /<form class="stack" method="post" action="\/p\?lang=fr">/)
    t.notMatch(page.body, /Marie/, 'the page names no one')
    t.equal(page.cookies.length, 0, 'no session is opened by GET')
  }
  const sessionsBefore = await ctx.database.db.selectFrom('device_sessions').select('id').where('person_id', '=', marie.personId).execute()
  t.equal(sessionsBefore.length, 0)

  const phone = await usePersonalLink(app, link.url)
  t.equal(phone.statusCode, 303)
  t.equal(phone.headers.location, '/moi?lang=fr', 'redirected, so the token leaves the address bar')
  t.ok(phone.cookies.find(c => c.name === 'compagnon_device'), 'a device session is opened')
  const moi = await app.inject({ url: '/moi', headers: { cookie: cookieHeader(phone), accept: 'text/html' } })
  t.equal(moi.statusCode, 200)
  t.match(moi.body, /Marie Tremblay/)
  t.match(moi.body, /Ministère de la Culture/)

  const laptop = await usePersonalLink(app, link.url)
  t.equal(laptop.statusCode, 303, 'the same link opens a second device')
  const sessions = await ctx.database.db.selectFrom('device_sessions').selectAll().where('person_id', '=', marie.personId).execute()
  t.equal(sessions.length, 2)
  t.ok(sessions.every((s: { expires_at: Date }) => s.expires_at.getTime() <= new Date(link.expiresAt).getTime()), 'the sessions end no later than the link')
  const listed = (await services.people.participants.list(event.id))[0]!
  t.match(listed.link, { status: 'active', lastUsedAt: ctx.clock.now() })

  ctx.clock.set('2025-12-24T05:00:00Z')
  t.equal((await app.inject({ url: `/p/${token}`, headers: { accept: 'text/html' } })).statusCode, 400, 'expired 60 days after the event')
  t.ok(sentToSignIn(await app.inject({ url: '/moi', headers: { cookie: `compagnon_device=${phone.cookies.find(c => c.name === 'compagnon_device')!.value}`, accept: 'text/html' } }), '/moi'), 'and so are its sessions')
  const late = await app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/participants/${marie.personId}/personal-link`, headers: { authorization: await bearerFor(ctx, ctx.organizerId) } })
  t.equal(late.statusCode, 409, 'no new link once the retention period is over')
})

t.test('re-issuing kills the old URL; revoking kills the current one and, if asked, every session of the person', async t => {
  const ctx = await setup(t)
  const { app, event, auth, services } = ctx
  await importCsv(app, event.id, auth, 'nom;courriel\nMarie;marie@quebec.ca\n')
  const marie = (await services.people.participants.list(event.id))[0]!
  const url = `/api/v1/events/${event.id}/participants/${marie.personId}/personal-link`
  const first = (await app.inject({ method: 'POST', url, headers: auth })).json()
  const phone = await usePersonalLink(app, first.url)
  t.equal(phone.statusCode, 303)

  const second = (await app.inject({ method: 'POST', url, headers: auth })).json()
  t.not(second.url, first.url)
  const old = await app.inject({ url: new URL(first.url).pathname, headers: { accept: 'text/html' } })
  t.equal(old.statusCode, 400)
  t.match(old.body, /Ce lien personnel ne fonctionne plus/)
  t.equal((await usePersonalLink(app, first.url)).statusCode, 400, 'the old token cannot be exchanged either')
  t.equal((await usePersonalLink(app, second.url)).statusCode, 303, 'the new one works')
  t.equal((await app.inject({ url: '/moi', headers: { cookie: cookieHeader(phone), accept: 'text/html' } })).statusCode, 200, 're-issuing keeps existing sessions')

  const revoked = await app.inject({ method: 'DELETE', url, headers: auth })
  t.same(revoked.json(), { revoked: true, devicesSignedOut: 0 })
  t.equal((await usePersonalLink(app, second.url)).statusCode, 400, 'revoked')
  t.match((await services.people.participants.list(event.id))[0]!.link, { status: 'revoked', revokedAt: ctx.clock.now() })
  const device = `compagnon_device=${phone.cookies.find(c => c.name === 'compagnon_device')!.value}`
  t.equal((await app.inject({ url: '/moi', headers: { cookie: device, accept: 'text/html' } })).statusCode, 200, 'without the option, devices stay signed in')

  const third = (await app.inject({ method: 'POST', url, headers: auth })).json()
  await usePersonalLink(app, third.url)
  const everywhere = await app.inject({ method: 'DELETE', url: `${url}?signOutEverywhere=true`, headers: auth })
  t.same(everywhere.json(), { revoked: true, devicesSignedOut: 3 })
  t.ok(sentToSignIn(await app.inject({ url: '/moi', headers: { cookie: device, accept: 'text/html' } }), '/moi'), 'signed out on every device')
  t.same((await app.inject({ method: 'DELETE', url, headers: auth })).json(), { revoked: false, devicesSignedOut: 0 }, 'revoking twice is harmless')
})

t.test('the organizer page lists participants, shows a new link once, and revokes with sign-out from the form', async t => {
  const ctx = await setup(t)
  const { app, event, cookie, csrf, services } = ctx
  const headers = { cookie, 'x-csrf-token': csrf, origin: ORIGIN, accept: 'text/html' }
  const { payload, contentType } = multipart('participants', 'liste.csv', 'nom;courriel;employeur;langue\nMarie Tremblay;marie@quebec.ca;MCE;fr\nAl Smith;al@;ESDC;en\n')
  const upload = await app.inject({ method: 'POST', url: `/organisateurs/evenements/${event.id}/participants/import?lang=fr`, headers: { ...headers, 'content-type': contentType }, payload })
  t.equal(upload.statusCode, 200)
  t.match(upload.body, /Liste importée<\/strong>\u00a0: 1 ajoutée, 0 mise à jour, 0 inchangée, 0 compte existant conservé, 1 ligne en erreur/)
  t.match(upload.body, /Ligne 3 — Courriel\u00a0: Adresse courriel invalide : « al@ »/)
  const rejectedFile = multipart('participants', 'liste.csv', 'nom;courriel\nX;pas-un-courriel\n')
  const rejected = await app.inject({ method: 'POST', url: `/organisateurs/evenements/${event.id}/participants/import?lang=en`, headers: { ...headers, 'content-type': rejectedFile.contentType }, payload: rejectedFile.payload })
  t.equal(rejected.statusCode, 400)
  t.match(rejected.body, /List refused<\/strong>: 0 added, 0 updated, 0 unchanged, 0 existing accounts kept, 1 line with errors\. Nothing changed\./)

  const marie = (await services.people.participants.list(event.id))[0]!
  const issued = await app.inject({ method: 'POST', url: `/organisateurs/evenements/${event.id}/participants/${marie.personId}/lien?lang=fr`, headers })
  t.equal(issued.statusCode, 200)
  t.equal(issued.headers['cache-control'], 'no-store')
  const shown = /<code class="token">(http:\/\/127\.0\.0\.1:3000\/p\/[A-Za-z0-9_-]{43})<\/code>/.exec(issued.body)
  t.ok(shown, 'the URL is shown')
  t.match(issued.body, /Lien personnel de Marie Tremblay, valide jusqu’au 23 décembre 2025 inclusivement/)
  t.match(issued.body, /Actif depuis le 21 octobre 2025 \(jusqu’au 23 décembre 2025\)/)
  const again = await app.inject({ url: `/organisateurs/evenements/${event.id}/participants`, headers })
  t.notMatch(again.body, /\/p\/[A-Za-z0-9_-]{43}/, 'and never again')
  t.match(again.body, /aria-label="Remplacer le lien — Marie Tremblay"/)

  const revoke = await app.inject({ method: 'POST', url: `/organisateurs/evenements/${event.id}/participants/${marie.personId}/revocation?lang=fr`, headers, payload: { signOut: 'on' } })
  t.equal(revoke.statusCode, 200)
  t.match(revoke.body, /Lien personnel révoqué\. Aucune session n’était ouverte\./)
  t.match(revoke.body, /Révoqué le 21 octobre 2025/)
  t.equal((await usePersonalLink(app, shown![1]!)).statusCode, 400)
})

t.test('personal links never open the account of a team member or credited student', async t => {
  const ctx = await setup(t)
  const { app, event, auth, services, organizerId } = ctx
  await importCsv(app, event.id, auth, 'nom;courriel\nOdile;org@enap.ca\nMarie;marie@quebec.ca\n')
  const refused = await app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/participants/${organizerId}/personal-link`, headers: auth })
  t.equal(refused.statusCode, 409)
  t.match(refused.json(), { messageFr: /ne relève pas que de vos événements \(inscription à un autre événement, rôle dans une équipe ou compte du LMS\)/ })
  const signOut = await app.inject({ method: 'DELETE', url: `/api/v1/events/${event.id}/participants/${organizerId}/personal-link?signOutEverywhere=true`, headers: auth })
  t.equal(signOut.statusCode, 409, 'nor sign them out everywhere')

  const marie = (await services.people.participants.list(event.id)).find(p => p.name === 'Marie')!
  const link = (await app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/participants/${marie.personId}/personal-link`, headers: auth })).json()
  await services.people.invite(organizerId, event.id, { email: 'marie@quebec.ca', role: 'door_staff' })
  const later = await usePersonalLink(app, link.url)
  t.equal(later.statusCode, 403, 'joining the team after the link was issued disables it')
  t.notOk(later.cookies.some(c => c.name === 'compagnon_device'))
})

t.test('/moi shows the signed-in person, their registrations with links to the program, sections from other domains, and sign-out', async t => {
  const ctx = await setup(t)
  const { app, event, auth, services } = ctx
  await importCsv(app, event.id, auth, 'name,email,employer,language\nAl Smith,al@canada.ca,Employment and Social Development Canada,en\n')
  const al = (await services.people.participants.list(event.id))[0]!
  const link = await services.people.participants.issueLink(ctx.organizerId, event.id, al.personId)
  const confirm = await app.inject({ url: new URL(link.url).pathname, headers: { accept: 'text/html' } })
  t.match(confirm.body, /<html lang="en">/, 'the confirmation page speaks the person\'s language')
  services.people.myPageSections.push(async ({ personId, locale }) => personId === al.personId ? `<section aria-labelledby="x"><h2 id="x">Attendance pass (${locale})</h2></section>` : null)
  const res = await usePersonalLink(app, link.url)
  t.equal(res.headers.location, '/moi?lang=en')
  const page = await app.inject({ url: '/moi?lang=en', headers: { cookie: cookieHeader(res), accept: 'text/html' } })
  t.equal(page.statusCode, 200)
  t.equal(page.headers['cache-control'], 'no-store')
  t.match(page.body, /<dt>Name<\/dt><dd>Al Smith<\/dd>/)
  t.match(page.body, /<dt>Email<\/dt><dd>al@canada.ca<\/dd>/)
  t.match(page.body, /<dt>Employer<\/dt><dd>Employment and Social Development Canada<\/dd>/)
  t.match(page.body, /<dt>Preferred language<\/dt><dd>English<\/dd>/)
  t.match(page.body, new RegExp(`${event.title.en}</strong> — October 20–24, 2025<br>\\s*Participant \\(no credit\\) · <a href="/events/${event.key}\\?lang=en">Program</a>`))
  t.match(page.body, /<h2 id="x">Attendance pass \(en\)<\/h2><\/section>\s*<form method="post" action="\/auth\/sign-out\?lang=en">/, 'extra sections come after the basic ones, before sign-out')
  const french = await app.inject({ url: '/moi?lang=fr', headers: { cookie: cookieHeader(res), accept: 'text/html' } })
  t.match(french.body, /<h1>Ma page<\/h1>/)
  t.match(french.body, /Participant·e \(sans crédit\)/)
  const anonymous = await app.inject({ url: '/moi', headers: { accept: 'text/html' } })
  t.ok(sentToSignIn(anonymous, '/moi'), 'without a session: the sign-in form')
  const crossSite = await app.inject({ method: 'POST', url: '/p', headers: { origin: 'https://evil.example', accept: 'text/html' }, payload: { token: new URL(link.url).pathname.split('/').pop() } })
  t.equal(crossSite.statusCode, 403, 'another site cannot post the link')
})
