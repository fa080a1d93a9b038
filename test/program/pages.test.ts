import t from 'tap'
import { testApp } from '../helpers/app.js'

// Markup that was escaped instead of rendered (a nested template interpolated without `!`).
const doubleEscaped = /&#60;\/?(p|div|li|ul|h2|h3|a|strong|span|code|details|section|article|time|small)\b/

t.test('the home page shows the program in French by default, with the parallel choices', async t => {
  const { app } = await testApp(t)
  const res = await app.inject({ url: '/', headers: { accept: 'text/html' } })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/html/)
  t.notMatch(res.body, doubleEscaped)
  t.match(res.body, /<html lang="fr">/)
  t.match(res.body, /<h2 id="day-2025-10-20">lundi 20 octobre<\/h2>/)
  t.match(res.body, /Activités en parallèle : choisissez-en une \(3\)/)
  t.match(res.body, /<li class="kind">Conférence<\/li><li class="">En anglais<\/li>/)
  t.match(res.body, /Salle à venir/)
  t.match(res.body, /21 heures de formation en présentiel/)
  t.match(res.body, /Réservé aux étudiant·e·s inscrit·e·s au cours/)
  t.match(res.body, /Mot d&#39;ouverture\u00a0: <strong>Hugo Cyr<\/strong>/)
  t.match(res.body, /<a href="\/api\/v1\/events\/[0-9a-f-]{36}\/calendar\.ics\?lang=fr">/)
})

t.test('English with ?lang=en or Accept-Language, and the switch link keeps the page', async t => {
  const { app } = await testApp(t)
  const en = await app.inject({ url: '/?lang=en', headers: { accept: 'text/html' } })
  t.match(en.body, /<html lang="en">/)
  t.match(en.body, /<h2 id="day-2025-10-20">Monday, October 20<\/h2>/)
  t.match(en.body, /Parallel activities: choose one \(3\)/)
  t.match(en.body, /<a href="\/\?lang(=|&#61;)fr" lang="fr" hreflang="fr"/)
  t.notMatch(en.body, doubleEscaped)
  const negotiated = await app.inject({ url: '/', headers: { accept: 'text/html', 'accept-language': 'en-CA,en;q=0.9,fr;q=0.5' } })
  t.match(negotiated.body, /<html lang="en">/)
  const byKey = await app.inject({ url: '/events/ecole-automne-coproduction-2025?lang=en', headers: { accept: 'text/html' } })
  t.equal(byKey.statusCode, 200)
  t.match(byKey.body, /Fall School on the Co-production of Public Services/)
})

t.test('bad input to pages gets a readable error page in the reader\'s language, never a 500', async t => {
  const { app } = await testApp(t)
  const badLang = await app.inject({ url: '/?lang=de', headers: { accept: 'text/html' } })
  t.equal(badLang.statusCode, 400)
  t.match(badLang.body, /<h1>Demande invalide/)
  t.match(badLang.body, /lang must be &#34;fr&#34; or &#34;en&#34;/)
  t.notMatch(badLang.body, doubleEscaped)
  const unknown = await app.inject({ url: '/events/no-such-event?lang=en', headers: { accept: 'text/html' } })
  t.equal(unknown.statusCode, 404)
  t.match(unknown.body, /<h1>Page not found/)
  t.match(unknown.body, /Event not found\./)
  const malformed = await app.inject({ url: '/events/NOT%20A%20KEY', headers: { accept: 'text/html', 'accept-language': 'fr' } })
  t.equal(malformed.statusCode, 400)
  const nowhere = await app.inject({ url: '/nulle-part', headers: { accept: 'text/html', 'accept-language': 'en' } })
  t.equal(nowhere.statusCode, 404)
  t.match(nowhere.body, /<html lang="en">/)
  t.match(nowhere.body, /Request reference: <code>[0-9a-f-]{36}<\/code>/)
  const json = await app.inject('/nulle-part')
  t.match(json.json(), { statusCode: 404, code: 'not_found', requestId: /[0-9a-f-]{36}/ })
})

t.test('the stylesheet is served from the app itself (no CDN)', async t => {
  const { app } = await testApp(t, { program: false })
  const css = await app.inject('/assets/site.css')
  t.equal(css.statusCode, 200)
  t.match(css.headers['content-type'], /^text\/css/)
  const home = await app.inject({ url: '/', headers: { accept: 'text/html' } })
  t.match(home.body, /Aucun événement n&#39;est encore publié/)
  t.notMatch(home.body, /https?:\/\/(?!127\.0\.0\.1)/, 'no external URL in the page')
})
