import t, { type Test } from 'tap'
import Fastify from 'fastify'
import cookie from '@fastify/cookie'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import guide from '../../src/http/guide.js'
import errorHandler from '../../src/plugins/error-handler.js'
import locale from '../../src/plugins/locale.js'
import { testApp } from '../helpers/app.js'

/** A guide as `npm run docs:build` lays it out, in a folder of its own, beside a file it must never serve. */
async function builtGuide (t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'compagnon-guide-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const root = join(dir, 'aide')
  await mkdir(join(root, 'organisation'), { recursive: true })
  await mkdir(join(root, 'assets'))
  await writeFile(join(root, 'index.html'), '<h1>Accueil du guide</h1>')
  await writeFile(join(root, 'organisation', 'index.html'), '<h1>Organisation</h1>')
  await writeFile(join(root, 'organisation', 'messages.html'), '<h1>Messages</h1>')
  await writeFile(join(root, 'assets', 'app.Do0XIZJS.js'), 'console.log(1)\n')
  await writeFile(join(root, '.hidden'), 'not for the web')
  await writeFile(join(dir, 'secret.txt'), 'outside the guide')
  return root
}

/** The app's warnings, as log lines. */
type Warnings = Array<{ msg: string, guideRoot?: string }>

async function guideApp (t: Test, options: { root: string, docsUrl?: string, warnings?: Warnings }) {
  const warnings = options.warnings
  const app = Fastify(warnings === undefined ? {} : { logger: { level: 'warn', stream: { write: (line: string) => { warnings.push(JSON.parse(line)) } } } })
  await app.register(cookie)
  await app.register(locale, { defaultLocale: 'fr' })
  await app.register(errorHandler)
  await app.register(guide, { root: options.root, docsUrl: options.docsUrl })
  t.teardown(async () => { await app.close() })
  return app
}

t.test('the built guide is served at /aide/: pages, folders, pages without .html, assets kept for good', async t => {
  const app = await guideApp(t, { root: await builtGuide(t) })
  const home = await app.inject({ url: '/aide/' })
  t.equal(home.statusCode, 200)
  t.match(home.headers['content-type'], /^text\/html; charset=utf-8/)
  t.match(home.body, 'Accueil du guide')
  t.equal(home.headers['cache-control'], 'no-cache', 'pages are checked again: a new install serves its own guide')

  const bare = await app.inject({ url: '/aide' })
  t.equal(bare.statusCode, 301, 'without the slash, relative links in the pages would go wrong')
  t.equal(bare.headers.location, '/aide/')

  t.match((await app.inject({ url: '/aide/organisation/' })).body, '<h1>Organisation</h1>', 'a folder is its index.html')
  t.match((await app.inject({ url: '/aide/organisation/messages.html' })).body, 'Messages')
  t.match((await app.inject({ url: '/aide/organisation/messages' })).body, 'Messages', 'a page is found without .html')

  const asset = await app.inject({ url: '/aide/assets/app.Do0XIZJS.js' })
  t.equal(asset.statusCode, 200)
  t.match(asset.headers['content-type'], /^text\/javascript/)
  t.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable', 'assets are named by their content')
})

t.test('nothing outside the guide, no hidden file, and a page that does not exist, are answered 404 in words', async t => {
  const app = await guideApp(t, { root: await builtGuide(t) })
  for (const url of ['/aide/%2e%2e/secret.txt', '/aide/..%2fsecret.txt', '/aide/organisation/%2e%2e/%2e%2e/secret.txt', '/aide/.hidden', '/aide/a%00b', '/aide/nowhere.html', `/aide/${'x'.repeat(5000)}`]) {
    const res = await app.inject({ url, headers: { accept: 'text/html' } })
    const shown = url.length > 60 ? `${url.slice(0, 40)}… (${url.length} characters)` : url
    t.equal(res.statusCode, 404, shown)
    t.notMatch(res.body, /outside the guide|not for the web/, `${shown}: nothing of the file`)
  }
  const page = await app.inject({ url: '/aide/nowhere.html', headers: { accept: 'text/html' } })
  t.match(page.body, 'Aucune page ne correspond à cette adresse', 'the usual page-not-found words')
})

t.test('where the guide was not built, /aide/ says help is unavailable in plain words, and the log tells the operator how to build it, once', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'compagnon-no-guide-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const warnings: Warnings = []
  const app = await guideApp(t, { root: join(dir, 'aide'), warnings })
  await app.ready()
  const page = await app.inject({ url: '/aide/', headers: { accept: 'text/html' } })
  t.equal(page.statusCode, 404)
  t.match(page.body, 'L’aide n’est pas disponible sur ce serveur pour l’instant. Signalez-le à l’équipe d’organisation.')
  t.notMatch(page.body, /npm|DOCS_URL/, 'no command for the visitor')
  const api = await app.inject({ url: '/aide/organisation/', headers: { accept: 'application/json' } })
  t.match(api.json(), { statusCode: 404, message: /Help is not available on this server for now/, messageFr: /L’aide n’est pas disponible/ })
  const told = warnings.filter(w => w.msg.startsWith('guide not built'))
  t.equal(told.length, 1, 'said once, at start, not on every visit')
  t.match(told[0], { msg: /npm run docs:build.*DOCS_URL/, guideRoot: join(dir, 'aide') })

  const quiet: Warnings = []
  await (await guideApp(t, { root: await builtGuide(t), warnings: quiet })).ready()
  await (await guideApp(t, { root: join(dir, 'aide'), docsUrl: 'https://guide.example.org', warnings: quiet })).ready()
  t.same(quiet, [], 'nothing said where the guide is built, or published elsewhere')
})

t.test('with DOCS_URL, /aide/… redirects to the same page of the published copy', async t => {
  const app = await guideApp(t, { root: await builtGuide(t), docsUrl: 'https://guide.example.org/compagnon' })
  const res = await app.inject({ url: '/aide/admin/lms/moodle.html' })
  t.equal(res.statusCode, 302)
  t.equal(res.headers.location, 'https://guide.example.org/compagnon/admin/lms/moodle.html')
  t.equal((await app.inject({ url: '/aide/' })).headers.location, 'https://guide.example.org/compagnon/')
  t.equal((await app.inject({ url: '/aide/a%0d%0aSet-Cookie:%20x' })).headers.location, 'https://guide.example.org/compagnon/a%0D%0ASet-Cookie%3A%20x', 'nothing of the path reaches a header unescaped')
})

t.test('the app serves the guide to anyone, under the same security headers as every page', async t => {
  const built = await testApp(t, { program: false })
  const res = await built.app.inject({ url: '/aide/', headers: { accept: 'text/html' } })
  // Built by `npm ci` (prepare) or CI's own step; a checkout that never built it says so instead.
  t.ok(res.statusCode === 200 || (res.statusCode === 404 && res.body.includes('L’aide n’est pas disponible')), `answered ${res.statusCode}`)
  t.match(res.headers['content-security-policy'], /script-src 'self'/)
  t.equal(res.headers['referrer-policy'], 'no-referrer')

  const published = await testApp(t, { program: false, config: { docsUrl: 'https://guide.example.org' } })
  const moved = await published.app.inject({ url: '/aide/confidentialite.html' })
  t.equal(moved.statusCode, 302, 'DOCS_URL reaches the guide through the configuration')
  t.equal(moved.headers.location, 'https://guide.example.org/confidentialite.html')
})
