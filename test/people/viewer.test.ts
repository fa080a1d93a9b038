import t from 'tap'
import { testApp } from '../helpers/app.js'
import { given } from '../helpers/given.js'
import { ORIGIN, signInWithLink, withCookies } from '../helpers/session.js'

// The site's header knows who is looking: their name and menu on every page, public ones included;
// the way in otherwise.

const html = { accept: 'text/html' }

const ctx = await (async () => {
  const built = await testApp(t)
  const [event] = await built.services.program.listEvents()
  if (event === undefined) throw new Error('no event')
  const link = await built.services.people.bootstrapOrganizer('odile@enap.ca', [event.id], 'Odile Organisatrice')
  const organizer = await signInWithLink(built.app, link.url)
  // A participant of the event, signed in on a device of their own.
  const participant = await given(built).participant({ name: 'Paule Émond', email: 'paule.emond@montreal.ca', locale: 'fr', event: event.id })
  const device = await built.services.people.openDeviceSession(participant.id, 'test')
  const participantCookie = built.app.deviceSessionCookies(device).map(c => c.split(';')[0]).join('; ')
  return { ...built, event, organizer, organizerId: link.personId, participantCookie }
})()
const { app, event, organizer, participantCookie } = ctx

/** The site's header, as served. */
const header = (body: string): string => /<header class="site">[\s\S]*?<\/header>/.exec(body)?.[0] ?? ''

t.test('without a session the header offers the way in, coming back to the page once signed in', async t => {
  const home = await app.inject({ url: '/?lang=fr', headers: html })
  t.match(header(home.body), '<a href="/connexion?lang=fr">Se connecter</a>', 'from the program: the form (a sign-in lands on the person\'s page)')
  t.notMatch(header(home.body), 'class="account"')
  const notice = await app.inject({ url: '/confidentialite?lang=en', headers: html })
  t.match(header(notice.body), '<a href="/connexion?retour=%2Fconfidentialite&amp;lang=en">Sign in</a>', 'from another page: back to it')
  const stale = await app.inject({ url: '/', headers: { ...html, cookie: 'compagnon_session=forged; compagnon_device=forged' } })
  t.equal(stale.statusCode, 200, 'stale or forged cookies on a public page: still the page')
  t.match(header(stale.body), 'Se connecter')
})

t.test('signed in, every page\'s header shows the person and their menu, public pages included', async t => {
  for (const url of ['/?lang=fr', '/confidentialite', '/nulle-part', '/moi', `/organisateurs/evenements/${event.id}/equipe`]) {
    const res = await app.inject({ url, headers: { ...html, cookie: organizer.cookie } })
    const top = header(res.body)
    t.match(top, '<span class="who">Odile Organisatrice</span>', `${url}: the name`)
    t.match(top, '<a href="/moi?lang=fr">Ma page</a>', `${url}: their page`)
    t.match(top, `<a href="/organisateurs?lang=fr#ev-${event.id}">${event.title.fr} — organisation</a>`.replace(/'/g, '&#39;'), `${url}: their one event, where their role takes them`)
    t.match(top, /<form method="post" action="\/auth\/sign-out\?lang=fr"><button type="submit" class="link">Se déconnecter<\/button><input type="hidden" name="_csrf" value="[^"]+"><\/form>/, `${url}: signing out, with the form's token`)
    t.notMatch(top, 'Se connecter')
  }
  // The program page says more (asked again every time: its "now / next" marks move).
  const home = await app.inject({ url: '/', headers: { ...html, cookie: organizer.cookie } })
  t.equal(home.headers['cache-control'], 'private, no-cache', 'a public page with a name in it is not for shared caches')
  const anonymous = await app.inject({ url: '/', headers: html })
  t.equal(anonymous.headers['cache-control'], 'no-cache', 'the same page for everyone stays cacheable, checked again each time')
})

t.test('a participant\'s menu leads to their event\'s program', async t => {
  const res = await app.inject({ url: '/presence?lang=en', headers: { ...html, cookie: participantCookie } })
  const top = header(res.body)
  t.match(top, '<span class="who">Paule Émond</span>')
  t.match(top, `<a href="/events/${event.key}?lang=en">${event.title.en} — program</a>`.replace(/'/g, '&#39;'))
  t.match(top, 'Sign out')
})

t.test('the header\'s sign-out form signs out', async t => {
  const link = await ctx.services.people.bootstrapOrganizer('olivier@enap.ca', [event.id], 'Olivier')
  const signedIn = await signInWithLink(app, link.url)
  const home = await app.inject({ url: '/', headers: { ...html, cookie: signedIn.cookie } })
  const token = /action="\/auth\/sign-out\?lang=fr"><button type="submit" class="link">Se déconnecter<\/button><input type="hidden" name="_csrf" value="([^"]+)">/.exec(home.body)?.[1]
  t.ok(token, 'the form carries its token')
  const cookie = withCookies(signedIn.cookie, home)
  const out = await app.inject({ method: 'POST', url: '/auth/sign-out?lang=fr', headers: { ...html, cookie, origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ _csrf: token ?? '' }).toString() })
  t.equal(out.statusCode, 303)
  const after = await app.inject({ url: '/', headers: { ...html, cookie: withCookies(cookie, out) } })
  t.match(header(after.body), 'Se connecter', 'signed out: the way in again')
})

t.test('a page with the person\'s name is never for shared caches, and a page that says no-store keeps it', async t => {
  for (const [url, status] of [['/organisateurs', 200], ['/nulle-part', 404]] as const) {
    const res = await app.inject({ url, headers: { ...html, cookie: organizer.cookie } })
    t.equal(res.statusCode, status, url)
    t.equal(res.headers['cache-control'], 'private', `${url}: a signed-in page that says nothing of caching`)
  }
  const mine = await app.inject({ url: '/moi', headers: { ...html, cookie: organizer.cookie } })
  t.equal(mine.headers['cache-control'], 'no-store', 'the person\'s own page says more')
  const grid = await app.inject({ url: `/organisateurs/presences/${event.id}`, headers: { ...html, cookie: organizer.cookie } })
  t.equal(grid.statusCode, 200)
  t.match(header(grid.body), 'Odile Organisatrice')
  t.equal(grid.headers['cache-control'], 'no-store', 'the page\'s own word wins')
})

t.test('a role given to the person shows in their header at once', async t => {
  const before = await app.inject({ url: '/moi', headers: { ...html, cookie: participantCookie } })
  t.match(header(before.body), '— programme')
  const invited = await ctx.services.people.invite(ctx.organizerId, event.id, { email: 'paule.emond@montreal.ca', role: 'door_staff' })
  t.match(invited, { created: false, notified: true }, 'someone the organizer sees: the role at once')
  const after = await app.inject({ url: '/moi', headers: { ...html, cookie: participantCookie } })
  t.match(header(after.body), `<a href="/accueil?lang=fr">${event.title.fr} — accueil</a>`.replace(/'/g, '&#39;'), 'the door, where the new role takes them')
})

t.test('the header\'s name and events are looked up once per person for a few seconds, not on every page', async t => {
  const person = await given(ctx).participant({ name: 'Rémi Roy', email: 'remi.roy@montreal.ca', locale: 'fr', event: event.id })
  const device = await ctx.services.people.openDeviceSession(person.id, 'test')
  const cookie = app.deviceSessionCookies(device).map(c => c.split(';')[0]).join('; ')
  const who = async (): Promise<string | undefined> => {
    const res = await app.inject({ url: '/moi', headers: { ...html, cookie } })
    return /<span class="who">([^<]+)<\/span>/.exec(header(res.body))?.[1]
  }
  t.equal(await who(), 'Rémi Roy')
  // Renamed elsewhere (an LMS launch, an import; possibly on another instance).
  await ctx.database.db.updateTable('people').set({ display_name: 'Rémi Roy-Tremblay' }).where('id', '=', person.id).execute()
  t.equal(await who(), 'Rémi Roy', 'the next page within seconds: as looked up')
  ctx.clock.advance(5001)
  t.equal(await who(), 'Rémi Roy-Tremblay', 'a few seconds later: looked up again')
})
