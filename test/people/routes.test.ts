import t from 'tap'
import { readFileSync } from 'node:fs'
import { testApp } from '../helpers/app.js'
import { ORIGIN, signInWithLink } from '../helpers/session.js'
import { defaultProgramFile } from '../../src/paths.js'

const setup = async (t: { teardown: (fn: () => unknown) => void }) => {
  const ctx = await testApp(t)
  const [event] = await ctx.services.program.listEvents()
  const link = await ctx.services.people.bootstrapOrganizer('org@enap.ca', [event!.id], 'Odile Organisatrice')
  return { ...ctx, event: event!, link }
}

t.test('a first organizer signs in with the one-time link and reaches the organizer area', async t => {
  const { app, link, event } = await setup(t)
  t.match(link.url, /^http:\/\/127\.0\.0\.1:3000\/auth\/link\/[A-Za-z0-9_-]{43}$/)
  const page = await app.inject({ url: new URL(link.url).pathname, headers: { accept: 'text/html' } })
  t.equal(page.statusCode, 200)
  t.match(page.body, /<form class="stack" method="post" action="\/auth\/link\?lang=fr">/)
  t.equal(page.headers['referrer-policy'], 'no-referrer', 'the token in the address bar is not leaked by Referer')
  t.equal(page.headers['cache-control'], 'no-store')

  const { cookie, res } = await signInWithLink(app, link.url)
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, '/organisateurs?lang=fr')
  const session = res.cookies.find(c => c.name === 'compagnon_session')
  t.match(session, { httpOnly: true, secure: true, sameSite: 'None', path: '/' })
  t.ok(res.cookies.find(c => c.name === 'compagnon_device'), 'a device session is opened')

  const area = await app.inject({ url: '/organisateurs', headers: { cookie, accept: 'text/html' } })
  t.equal(area.statusCode, 200)
  t.match(area.body, /Odile Organisatrice/)
  t.match(area.body, /1 personne dans l’équipe/, 'the hub: a card per part of the event')
  const team = await app.inject({ url: `/organisateurs/evenements/${event.id}/equipe`, headers: { cookie, accept: 'text/html' } })
  t.match(team.body, /<th scope="row">Odile Organisatrice<\/th><td data-label="Courriel">org@enap.ca<\/td><td data-label="Rôle">Organisateur·trice<\/td>/)
})

t.test('a sign-in link works once, and never after it expires', async t => {
  const { app, link, services, clock, event } = await setup(t)
  await signInWithLink(app, link.url)
  const reused = await app.inject({ url: new URL(link.url).pathname, headers: { accept: 'text/html' } })
  t.equal(reused.statusCode, 400)
  t.match(reused.body, /Ce lien de connexion a déjà servi ou a expiré/)
  const replay = await app.inject({ method: 'POST', url: '/auth/link', headers: { origin: ORIGIN }, payload: { token: new URL(link.url).pathname.split('/').pop() } })
  t.equal(replay.statusCode, 400)
  t.notOk(replay.cookies.some(c => c.name === 'compagnon_device'), 'no session for a used link')

  const later = await services.people.bootstrapOrganizer('late@enap.ca', [event.id])
  clock.advance(25 * 60 * 60 * 1000)
  const expired = await app.inject({ url: new URL(later.url).pathname, headers: { accept: 'text/html' } })
  t.equal(expired.statusCode, 400)
})

t.test('the device session renews the short-lived session cookie', async t => {
  const { app, link, clock } = await setup(t)
  const { res } = await signInWithLink(app, link.url)
  const device = res.cookies.find(c => c.name === 'compagnon_device')!
  clock.advance(60 * 60 * 1000)
  const onlyDevice = `compagnon_device=${device.value}`
  const area = await app.inject({ url: '/organisateurs', headers: { cookie: onlyDevice, accept: 'text/html' } })
  t.equal(area.statusCode, 200)
  t.ok(area.cookies.find(c => c.name === 'compagnon_session'), 'a fresh session cookie is issued')
  const tampered = await app.inject({ url: '/organisateurs', headers: { cookie: `compagnon_device=${device.value.slice(0, -2)}xx`, accept: 'text/html' } })
  // Not signed in: a browser goes on to the sign-in form (src/access/plugin.ts), coming back here after.
  t.equal(tampered.statusCode, 303)
  t.equal(tampered.headers.location, '/connexion?retour=%2Forganisateurs&lang=fr')
})

t.test('signing out revokes the device session', async t => {
  const { app, link } = await setup(t)
  const { cookie, csrf, res } = await signInWithLink(app, link.url)
  const out = await app.inject({ method: 'POST', url: '/auth/sign-out', headers: { cookie, origin: ORIGIN, 'x-csrf-token': csrf } })
  t.equal(out.statusCode, 303)
  const device = res.cookies.find(c => c.name === 'compagnon_device')!
  const after = await app.inject({ url: '/organisateurs', headers: { cookie: `compagnon_device=${device.value}`, accept: 'text/html' } })
  t.equal(after.statusCode, 303, 'the old device cookie no longer works')
  t.match(after.headers.location, /^\/connexion\?/, 'on to the sign-in form')
})

t.test('anonymous and forged requests get 401 before their body is even validated', async t => {
  const { app, event } = await setup(t)
  const url = `/api/v1/events/${event.id}/invitations`
  const anonymous = await app.inject({ method: 'POST', url, payload: { email: 'not-an-email', role: 'king' } })
  t.equal(anonymous.statusCode, 401)
  t.match(anonymous.json(), { code: 'unauthorized', messageFr: /demande une session ouverte/ })
  const malformedJson = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: '{not json' })
  t.equal(malformedJson.statusCode, 401, 'not even parsed')
  const forged = await app.inject({ method: 'POST', url, headers: { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4Iiwic2lkIjoieSJ9.c2lnbmF0dXJl' }, payload: { email: 'x' } })
  t.equal(forged.statusCode, 401)
  t.match(forged.json(), { message: /^Invalid or expired session token\./ })
  const otherIssuer = app.jwt.sign({ sub: '00000000-0000-4000-8000-000000000000', sid: 'x' }, { iss: 'https://elsewhere.example' })
  t.equal((await app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${otherIssuer}` } })).statusCode, 401, 'issuer is checked')
  const cookieOnly = await app.inject({ url: '/api/v1/me', headers: { cookie: 'compagnon_session=whatever' } })
  t.equal(cookieOnly.statusCode, 401, 'the API takes bearer tokens only')
})

t.test('an organizer invites door staff through the API; door staff cannot enter the organizer area', async t => {
  const { app, event, link, services } = await setup(t)
  const { res } = await signInWithLink(app, link.url)
  const bearer = res.cookies.find(c => c.name === 'compagnon_session')!.value
  const me = await app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${bearer}` } })
  t.match(me.json(), { person: { displayName: 'Odile Organisatrice', email: 'org@enap.ca' }, roles: [{ eventId: event.id, role: 'organizer' }] })

  const bad = await app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/invitations`, headers: { authorization: `Bearer ${bearer}` }, payload: { email: 'nope', role: 'king' } })
  t.equal(bad.statusCode, 400)
  t.same(bad.json().details.map((d: { field: string }) => d.field).sort(), ['body.email', 'body.role'])

  const invited = await app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/invitations`, headers: { authorization: `Bearer ${bearer}` }, payload: { email: 'porte@enap.ca', name: 'Paul Porte', role: 'door_staff' } })
  t.equal(invited.statusCode, 201)
  t.match(invited.json(), { url: /\/auth\/link\// })
  t.same((await services.people.team(event.id)).map(m => [m.displayName, m.role]), [['Paul Porte', 'door_staff'], ['Odile Organisatrice', 'organizer']])

  const staff = await signInWithLink(app, invited.json().url)
  t.equal(staff.res.headers.location, '/accueil?lang=fr', 'door staff land on the door page')
  const refused = await app.inject({ url: '/organisateurs', headers: { cookie: staff.cookie, accept: 'text/html' } })
  t.equal(refused.statusCode, 403)
  t.match(refused.body, /Réservé aux équipes d’organisation/)
  const staffBearer = staff.res.cookies.find(c => c.name === 'compagnon_session')!.value
  const cannotInvite = await app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/invitations`, headers: { authorization: `Bearer ${staffBearer}` }, payload: { email: 'x@enap.ca', role: 'organizer' } })
  t.equal(cannotInvite.statusCode, 403)
  t.equal((await services.people.team(event.id)).length, 2, 'nothing was added')
})

t.test('page forms refuse requests from another origin', async t => {
  const { app, link, event } = await setup(t)
  const { cookie, csrf } = await signInWithLink(app, link.url)
  const crossSite = await app.inject({ method: 'POST', url: '/organisateurs/invitations', headers: { cookie, origin: 'https://evil.example', accept: 'text/html', 'x-csrf-token': csrf }, payload: { eventId: event.id, email: 'x@enap.ca', role: 'organizer' } })
  t.equal(crossSite.statusCode, 403)
  const noOrigin = await app.inject({ method: 'POST', url: '/auth/link', payload: { token: 'a'.repeat(43) } })
  t.equal(noOrigin.statusCode, 403)
  const fetchMetadata = await app.inject({ method: 'POST', url: '/organisateurs/invitations', headers: { cookie, origin: ORIGIN, 'sec-fetch-site': 'cross-site', accept: 'text/html', 'x-csrf-token': csrf }, payload: { eventId: event.id, email: 'x@enap.ca', role: 'organizer' } })
  t.equal(fetchMetadata.statusCode, 403, 'Sec-Fetch-Site: cross-site is refused even with a matching Origin')
  const nullOrigin = await app.inject({ method: 'POST', url: '/organisateurs/invitations', headers: { cookie, origin: 'null', 'sec-fetch-site': 'same-origin', accept: 'text/html', 'x-csrf-token': csrf }, payload: { eventId: event.id, email: 'y@enap.ca', role: 'organizer' } })
  t.equal(nullOrigin.statusCode, 200, 'our own form under no-referrer: Origin null, Sec-Fetch-Site same-origin')
  const sameSite = await app.inject({ method: 'POST', url: '/organisateurs/invitations', headers: { cookie, origin: ORIGIN, accept: 'text/html', 'x-csrf-token': csrf }, payload: { eventId: event.id, email: 'x@enap.ca', role: 'organizer' } })
  t.equal(sameSite.statusCode, 200)
  t.match(sameSite.body, /x@enap.ca — Lien d’invitation à usage unique/)
})

t.test('organizers update the program by API (YAML) and by the upload form; others cannot', async t => {
  const { app, link, event, services } = await setup(t)
  const { cookie, csrf, res } = await signInWithLink(app, link.url)
  const bearer = res.cookies.find(c => c.name === 'compagnon_session')!.value
  const text = readFileSync(defaultProgramFile, 'utf8').replace('rooms: []', 'rooms:\n  - { key: grand-salon, name: "Grand salon", capacity: 200 }')
    .replace(/(key: 2025-10-20-conference-ouverture\n(?:.*\n){5}\s+)room: null/, '$1room: grand-salon')

  const invalid = await app.inject({ method: 'PUT', url: '/api/v1/program', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/yaml' }, payload: 'version: 1\nevent: {}' })
  t.equal(invalid.statusCode, 400)
  t.match(invalid.json(), { code: 'invalid_program_file', details: [{ message: /event\.key/ }] })

  const viaApi = await app.inject({ method: 'PUT', url: '/api/v1/program', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/yaml' }, payload: text })
  t.equal(viaApi.statusCode, 200)
  t.match(viaApi.json(), { eventKey: 'ecole-automne-coproduction-2025', sessions: { updated: 1, unchanged: 39 } })
  const program = await services.program.getProgram(event.id)
  t.equal(program.days[0]!.slots[3]!.sessions[0]!.room, 'Grand salon')

  const boundary = 'xYz'
  const multipart = `--${boundary}\r\nContent-Disposition: form-data; name="program"; filename="programme.yaml"\r\nContent-Type: application/yaml\r\n\r\n${readFileSync(defaultProgramFile, 'utf8')}\r\n--${boundary}--\r\n`
  const viaForm = await app.inject({ method: 'POST', url: '/organisateurs/programme', headers: { cookie, origin: ORIGIN, accept: 'text/html', 'x-csrf-token': csrf, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: multipart })
  t.equal(viaForm.statusCode, 200)
  t.match(viaForm.body, /Programme importé/)

  const staffLink = await services.people.invite(link.personId, event.id, { email: 'porte@enap.ca', role: 'door_staff' })
  if (!staffLink.created) throw new Error('a new account comes with its link')
  const staff = await signInWithLink(app, staffLink.url)
  const staffBearer = staff.res.cookies.find(c => c.name === 'compagnon_session')!.value
  const refused = await app.inject({ method: 'PUT', url: '/api/v1/program', headers: { authorization: `Bearer ${staffBearer}`, 'content-type': 'application/yaml' }, payload: text })
  t.equal(refused.statusCode, 403)
})
