import t from 'tap'
import { testApp } from '../helpers/app.js'
import { ORIGIN, csrfFor, signInWithLink } from '../helpers/session.js'
import { withCsrfToken } from '../../src/http/csrf.js'

const ctx = await (async () => {
  const built = await testApp(t)
  const [event] = await built.services.program.listEvents()
  if (event === undefined) throw new Error('no event')
  const link = await built.services.people.bootstrapOrganizer('org@enap.ca', [event.id], 'Odile Organisatrice')
  const organizer = await signInWithLink(built.app, link.url)
  const bearer = `Bearer ${organizer.res.cookies.find(c => c.name === 'compagnon_session')?.value ?? ''}`
  return { ...built, eventId: event.id, organizerId: link.personId, organizer, bearer }
})()
const { app, eventId, organizerId, organizer, services } = ctx

const html = { accept: 'text/html', 'accept-language': 'fr-CA', origin: ORIGIN }
const teamSize = async (): Promise<number> => (await services.people.team(eventId)).length
const invite = async (headers: Record<string, string>, payload: Record<string, string> = {}) =>
  await app.inject({ method: 'POST', url: '/organisateurs/invitations', headers: { ...html, ...headers }, payload: { eventId, email: 'porte@enap.ca', role: 'door_staff', ...payload } })

t.test('the API authenticates by bearer token only: our session cookies never open it', async t => {
  const withCookie = await app.inject({ url: '/api/v1/me/pass', headers: { cookie: organizer.cookie } })
  t.equal(withCookie.statusCode, 401, 'a valid session cookie is not an API credential')
  const post = await app.inject({ method: 'POST', url: `/api/v1/events/${eventId}/invitations`, headers: { cookie: organizer.cookie, 'x-csrf-token': organizer.csrf, origin: ORIGIN }, payload: { email: 'x@enap.ca', role: 'organizer' } })
  t.equal(post.statusCode, 401, 'not even with a CSRF token')
  t.equal((await app.inject({ url: '/api/v1/me/pass', headers: { authorization: ctx.bearer } })).statusCode, 200, 'the bearer token works')
})

t.test('signed-in pages carry the token: a meta tag for scripts, a hidden field in each form posting to us', async t => {
  // The participants page: adding one, importing a list (multipart), a link per person.
  const page = await app.inject({ url: `/organisateurs/evenements/${eventId}/participants`, headers: { cookie: organizer.cookie, accept: 'text/html' } })
  t.equal(page.statusCode, 200)
  t.match(page.body, /<meta name="csrf-token" content="[\w-]+">\n<\/head>/)
  const forms = page.body.match(/<form\b[^>]*method="post"[\s\S]*?<\/form>/g) ?? []
  t.ok(forms.length >= 2, 'the participants page has several forms')
  t.ok(forms.some(f => /enctype="multipart\/form-data"/.test(f)) && forms.some(f => !/enctype="multipart/.test(f)), 'plain and multipart forms both')
  for (const form of forms) {
    if (/enctype="multipart\/form-data"/.test(form)) t.match(form, /action="[^"]*[?&](amp;)?_csrf=[\w-]+/, 'multipart: in the action (the body is read by the handler)')
    else t.match(form, /<input type="hidden" name="_csrf" value="[\w-]+"><\/form>$/, 'in the form, last')
  }
  const anonymous = await app.inject({ url: '/', headers: { accept: 'text/html' } })
  t.notMatch(anonymous.body, /csrf/, 'anonymous pages carry none')
})

t.test('the token is added only to forms posting to Compagnon, and survives query strings and fragments', async t => {
  const page = '<html><head><title>x</title></head><body>' +
    '<form method="post" action="/a?lang=fr"><button>A</button></form>' +
    '<form method="post" action="https://lms.example/deep-link" data-autosubmit><input name="JWT" value="x"></form>' +
    '<form method="get" action="/search"><input name="q"></form>' +
    '<form class="stack" method="post" action="/up?lang=en#list" enctype="multipart/form-data"><input type="file" name="f"></form>' +
    '<form method="post" action="http://127.0.0.1:3000/b"></form></body></html>'
  const out = withCsrfToken(page, 'tok-1', 'http://127.0.0.1:3000')
  t.match(out, '<form method="post" action="/a?lang=fr"><button>A</button><input type="hidden" name="_csrf" value="tok-1"></form>')
  t.match(out, '<form method="post" action="https://lms.example/deep-link" data-autosubmit><input name="JWT" value="x"></form>', 'never sent to the LMS')
  t.match(out, '<form method="get" action="/search"><input name="q"></form>')
  t.match(out, '<form class="stack" method="post" action="/up?lang=en&amp;_csrf=tok-1#list" enctype="multipart/form-data">')
  t.match(out, '<form method="post" action="http://127.0.0.1:3000/b"><input type="hidden" name="_csrf" value="tok-1"></form>')
  t.match(out, '<meta name="csrf-token" content="tok-1">\n</head>')
})

t.test('a form posted with our cookies but without a valid token is refused (403, FR/EN) and changes nothing', async t => {
  const before = await teamSize()
  const missing = await invite({ cookie: organizer.cookie })
  t.equal(missing.statusCode, 403)
  t.match(missing.body, /Ce formulaire a expiré \(ou il lui manque son jeton de sécurité\)/)
  const json = await invite({ cookie: organizer.cookie, accept: 'application/json', 'x-csrf-token': 'forged-token' })
  t.equal(json.statusCode, 403)
  t.match(json.json(), { code: 'forbidden', messageFr: /jeton de sécurité/, message: /lacks its security token/ })

  // Another session's token (another person, or the same person on another device) does not fit.
  const otherDevice = await signInWithLink(app, (await services.people.handoffLink(organizerId, 'phone')).url)
  t.equal((await invite({ cookie: organizer.cookie, 'x-csrf-token': otherDevice.csrf })).statusCode, 403, 'bound to the device session')
  const noSecret = organizer.cookie.split('; ').filter(c => !c.startsWith('compagnon_csrf=')).join('; ')
  t.equal((await invite({ cookie: noSecret, 'x-csrf-token': organizer.csrf })).statusCode, 403, 'and to the secret cookie')
  t.equal(await teamSize(), before, 'nothing was written')
})

t.test('the token is accepted as the form field, the header or (multipart) the query string', async t => {
  const asField = await invite({ cookie: organizer.cookie }, { _csrf: organizer.csrf, email: 'a@enap.ca' })
  t.equal(asField.statusCode, 200, 'the field is removed before validation')
  t.equal((await invite({ cookie: organizer.cookie, 'x-csrf-token': organizer.csrf }, { email: 'b@enap.ca' })).statusCode, 200)
  const page = await app.inject({ url: `/organisateurs/evenements/${eventId}/programme?lang=fr`, headers: { cookie: organizer.cookie, accept: 'text/html' } })
  const action = /<form class="stack" method="post" action="(\/organisateurs\/programme[^"]*)"/.exec(page.body)?.[1]?.replace(/&amp;/g, '&') ?? ''
  t.match(action, /^\/organisateurs\/programme\?lang=fr&_csrf=[\w-]+$/)
  const boundary = 'b0undary'
  const upload = await app.inject({
    method: 'POST',
    url: action,
    headers: { ...html, cookie: organizer.cookie, 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: `--${boundary}\r\nContent-Disposition: form-data; name="program"; filename="p.yaml"\r\nContent-Type: application/yaml\r\n\r\nversion: 1\r\n--${boundary}--\r\n`
  })
  t.equal(upload.statusCode, 400, 'past the CSRF check: the (invalid) program file is what is refused')
  t.match(upload.body, /fichier de programme est invalide/)
})

t.test('bearer-authenticated and anonymous requests need no token', async t => {
  const res = await invite({ authorization: ctx.bearer }, { email: 'c@enap.ca' })
  t.equal(res.statusCode, 200, 'a page form called with a bearer token (no cookie speaks for it)')
  const link = await services.people.invite(organizerId, eventId, { email: 'd@enap.ca', role: 'door_staff' })
  if (!link.created) throw new Error('a new account comes with its link')
  const signIn = await app.inject({ method: 'POST', url: '/auth/link', headers: html, payload: { token: new URL(link.url).pathname.split('/').pop() } })
  t.equal(signIn.statusCode, 303, 'signing in with a one-time link (the token in the form is the proof)')
})

t.test('the CSRF secret cookie is set with the session, like it: Secure, SameSite=None, Partitioned, HttpOnly, signed', async t => {
  const secret = organizer.res.cookies.find(c => c.name === 'compagnon_csrf')
  t.match(secret, { httpOnly: true, secure: true, sameSite: 'None', path: '/', partitioned: true })
  t.match(organizer.res.headers['set-cookie'], /compagnon_csrf=[^;]+\.[^;]+;.*Partitioned/)
  // The page reuses it: several pages opened at once (tabs, the LMS frame) share one secret.
  const again = await csrfFor(app, organizer.cookie)
  t.equal(again.cookie, organizer.cookie, 'no new secret')
  t.not(again.csrf, organizer.csrf, 'each page gets its own token (salted)')
  t.equal((await invite({ cookie: organizer.cookie, 'x-csrf-token': again.csrf }, { email: 'e@enap.ca' })).statusCode, 200)
})
