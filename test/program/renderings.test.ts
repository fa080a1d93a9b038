import t from 'tap'
import { readFileSync } from 'node:fs'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { parse, stringify } from 'yaml'
import { buildApp } from '../../src/app.js'
import { defaultProgramFile } from '../../src/paths.js'
import { ProgramRenderings } from '../../src/program/renderings.js'
import { testApp } from '../helpers/app.js'
import { given } from '../helpers/given.js'

// The program's page, JSON and feeds are rendered once per program version and kept: what is
// kept must be what a fresh rendering would give, for the right person, language and version.

const html = { accept: 'text/html' }

const ctx = await (async () => {
  const built = await testApp(t)
  const [event] = await built.services.program.listEvents()
  if (event === undefined) throw new Error('no event')
  const signedIn = async (name: string, email: string): Promise<string> => {
    const person = await given(built).participant({ name, email, locale: 'fr', event: event.id })
    const device = await built.services.people.openDeviceSession(person.id, 'test')
    return built.app.deviceSessionCookies(device).map(c => c.split(';')[0]).join('; ')
  }
  return { ...built, event, paule: await signedIn('Paule Émond', 'paule.emond@montreal.ca'), marc: await signedIn('Marc Ouellet', 'marc.ouellet@quebec.ca') }
})()
const { app, event } = ctx
const routes = {
  json: `/api/v1/events/${event.id}/program`,
  feed: `/api/v1/events/${event.id}/calendar.ics?lang=fr`,
  session: `/api/v1/events/${event.id}/sessions/2025-10-20-table-ronde-ouverture/calendar.ics?lang=en`,
  page: '/?lang=fr',
  eventPage: `/events/${event.key}?jour=tout&lang=en`
}

const header = (body: string): string => /<header class="site">[\s\S]*?<\/header>/.exec(body)?.[0] ?? ''

t.test('asked twice, each answer is the same with the same strong ETag; If-None-Match gets a 304 without a body', async t => {
  for (const [name, url] of Object.entries(routes)) {
    const first = await app.inject({ url, headers: html })
    const second = await app.inject({ url, headers: html })
    t.equal(first.statusCode, 200, `${name}: 200`)
    t.match(first.headers.etag, /^"[A-Za-z0-9_-]{32}"$/, `${name}: a strong ETag, a hash of the body`)
    t.equal(second.headers.etag, first.headers.etag, `${name}: the same ETag`)
    t.equal(second.body, first.body, `${name}: the same body`)
    t.match(first.headers.vary, /Accept-Encoding/, `${name}: varies with the encoding`)
    const revalidated = await app.inject({ url, headers: { ...html, 'if-none-match': first.headers.etag as string } })
    t.equal(revalidated.statusCode, 304, `${name}: 304 when unchanged`)
    t.equal(revalidated.body, '', `${name}: no body`)
    t.equal(revalidated.headers.etag, first.headers.etag, `${name}: the ETag again`)
    t.equal(revalidated.headers['cache-control'], first.headers['cache-control'], `${name}: the same cache rules`)
    const other = await app.inject({ url, headers: { ...html, 'if-none-match': '"something-else"' } })
    t.equal(other.statusCode, 200, `${name}: another ETag gets the body`)
  }
  t.equal((await app.inject(routes.json)).headers['cache-control'], 'public, max-age=60, must-revalidate', 'data: a minute, then asked again')
  t.equal((await app.inject(routes.feed)).headers['cache-control'], 'public, max-age=60, must-revalidate')
  t.equal((await app.inject({ url: routes.page, headers: html })).headers['cache-control'], 'no-cache', 'a page: asked again every time')
})

t.test('compressed answers decode to the same body; each encoding has its own ETag of the same content', async t => {
  for (const [name, url] of Object.entries(routes)) {
    const plain = await app.inject({ url, headers: html })
    const gzip = await app.inject({ url, headers: { ...html, 'accept-encoding': 'gzip' } })
    const br = await app.inject({ url, headers: { ...html, 'accept-encoding': 'gzip, deflate, br' } })
    t.equal(plain.headers['content-encoding'], undefined, `${name}: as is without Accept-Encoding`)
    t.equal(gzip.headers['content-encoding'], 'gzip', `${name}: gzip`)
    t.equal(br.headers['content-encoding'], 'br', `${name}: brotli when offered`)
    t.equal(gunzipSync(gzip.rawPayload).toString('utf8'), plain.body, `${name}: gzip decodes to the same body`)
    t.equal(brotliDecompressSync(br.rawPayload).toString('utf8'), plain.body, `${name}: brotli too`)
    if (plain.rawPayload.length > 10_000) t.ok(gzip.rawPayload.length < plain.rawPayload.length / 3, `${name}: a third or less of the size`)
    t.equal(Number(gzip.headers['content-length']), gzip.rawPayload.length, `${name}: the compressed length`)
    t.equal(gzip.headers.etag, (plain.headers.etag as string).replace(/"$/, '-gzip"'), `${name}: the content's hash, marked gzip`)
    const revalidated = await app.inject({ url, headers: { ...html, 'accept-encoding': 'gzip', 'if-none-match': gzip.headers.etag as string } })
    t.equal(revalidated.statusCode, 304, `${name}: the gzip ETag revalidates`)
  }
  const refused = await app.inject({ url: routes.json, headers: { 'accept-encoding': 'gzip;q=0, br;q=0' } })
  t.equal(refused.headers['content-encoding'], undefined, 'q=0: as is')
})

t.test('a signed-in viewer\'s page never reaches anyone else, and the shared copy never reaches them', async t => {
  const anonymous = await app.inject({ url: '/?lang=fr', headers: html })
  t.match(header(anonymous.body), 'Se connecter')
  const paule = await app.inject({ url: '/?lang=fr', headers: { ...html, cookie: ctx.paule } })
  t.match(header(paule.body), '<span class="who">Paule Émond</span>', 'after the shared copy was made: her own header')
  t.notMatch(header(paule.body), 'Se connecter')
  t.equal(paule.headers['cache-control'], 'private, no-cache', 'hers only')
  t.equal(paule.headers.etag, undefined, 'no ETag: a fresh form token each time')
  const marc = await app.inject({ url: '/?lang=fr', headers: { ...html, cookie: ctx.marc, 'accept-encoding': 'gzip' } })
  const marcPage = gunzipSync(marc.rawPayload).toString('utf8')
  t.equal(marc.headers['content-encoding'], 'gzip', 'compressed too')
  t.match(header(marcPage), '<span class="who">Marc Ouellet</span>', 'another person: his own')
  t.notMatch(marcPage, 'Paule Émond')
  t.match(marcPage, /<input type="hidden" name="_csrf" value="[^"]+">/, 'with his form token')
  const after = await app.inject({ url: '/?lang=fr', headers: html })
  t.notMatch(after.body, /Paule Émond|Marc Ouellet/, 'nobody\'s name on the shared copy')
  t.equal(after.body, anonymous.body)
  t.equal(after.headers.etag, anonymous.headers.etag)
  // The body between the header and the footer is the same for everyone.
  const main = (body: string): string => /<main[\s\S]*<\/main>/.exec(body)?.[0] ?? ''
  t.equal(main(paule.body), main(anonymous.body))
  // A revalidation with the shared copy's ETag by someone signed in gets their page.
  const revalidated = await app.inject({ url: '/?lang=fr', headers: { ...html, cookie: ctx.paule, 'if-none-match': anonymous.headers.etag as string } })
  t.equal(revalidated.statusCode, 200)
  t.match(header(revalidated.body), 'Paule Émond')
})

t.test('many requests at once, on a cold copy, all get the same whole answer', async t => {
  const built = await testApp(t)
  const [current] = await built.services.program.listEvents()
  const answers = await Promise.all(Array.from({ length: 12 }, async (_, i) =>
    await built.app.inject({ url: i % 2 === 0 ? `/api/v1/events/${current!.id}/calendar.ics?lang=en` : '/?lang=en', headers: html })))
  for (const res of answers) t.equal(res.statusCode, 200)
  t.equal(new Set(answers.filter((_, i) => i % 2 === 0).map(res => res.body)).size, 1, 'one feed')
  t.equal(new Set(answers.filter((_, i) => i % 2 === 1).map(res => res.headers.etag)).size, 1, 'one page')
})

t.test('French and English are kept apart, by ?lang= or by what the browser says', async t => {
  const fr = await app.inject(`/api/v1/events/${event.id}/calendar.ics?lang=fr`)
  const en = await app.inject(`/api/v1/events/${event.id}/calendar.ics?lang=en`)
  t.not(fr.headers.etag, en.headers.etag)
  t.match(fr.body, /PRODID:-\/\/ENAP\/\/Compagnon\/\/FR/)
  t.match(en.body, /PRODID:-\/\/ENAP\/\/Compagnon\/\/EN/)
  t.match(fr.body, /X-WR-CALNAME:École d'automne/)
  t.match(en.body, /X-WR-CALNAME:Fall School/)
  t.equal(fr.headers.vary, 'Accept-Encoding', 'the address says the language')
  const negotiated = await app.inject({ url: `/api/v1/events/${event.id}/calendar.ics`, headers: { 'accept-language': 'en-CA,en;q=0.9' } })
  t.equal(negotiated.body, en.body, 'Accept-Language: English')
  t.equal(negotiated.headers.vary, 'Accept-Encoding, Accept-Language, Cookie', 'the language came from the request\'s headers')
  const byCookie = await app.inject({ url: `/api/v1/events/${event.id}/calendar.ics`, headers: { cookie: 'lang=fr', 'accept-language': 'en' } })
  t.equal(byCookie.body, fr.body, 'the lang cookie: French')

  const pageFr = await app.inject({ url: '/?jour=2025-10-21', headers: { ...html, 'accept-language': 'fr' } })
  const pageEn = await app.inject({ url: '/?jour=2025-10-21', headers: { ...html, 'accept-language': 'en' } })
  t.match(pageFr.body, /<html lang="fr">/)
  t.match(pageEn.body, /<html lang="en">/)
  t.match(pageEn.body, /Tuesday, October 21/)
  t.notMatch(pageEn.body, /mardi 21 octobre/)
  t.not(pageFr.headers.etag, pageEn.headers.etag)
  const frAgain = await app.inject({ url: '/?jour=2025-10-21', headers: { ...html, 'accept-language': 'fr' } })
  t.equal(frAgain.body, pageFr.body, 'French again after English')
})

t.test('parameters the page does not read make no other copy of it', async t => {
  const page = await app.inject({ url: '/?lang=en&jour=2025-10-22', headers: html })
  const noisy = await app.inject({ url: '/?utm_source=mail&lang=en&x=1&jour=2025-10-22', headers: html })
  t.equal(noisy.statusCode, 200)
  t.equal(noisy.body, page.body)
  t.equal(noisy.headers.etag, page.headers.etag)
})

t.test('an import makes a new version: the next request gets the new program, with another ETag, on every instance', async t => {
  const built = await testApp(t)
  const [current] = await built.services.program.listEvents()
  // Another instance: its own app and kept copies, the same database.
  const other = await buildApp(built.config, { database: built.database, clock: built.clock, backgroundJobs: false })
  t.teardown(async () => { await other.app.close() })
  const urls = [
    `/api/v1/events/${current!.id}/program`,
    `/api/v1/events/${current!.id}/calendar.ics?lang=fr`,
    `/api/v1/events/${current!.id}/sessions/2025-10-21-etude-cas-cmr-sante-mentale/calendar.ics?lang=fr`,
    '/?lang=fr&jour=2025-10-21'
  ]
  const before = await Promise.all(urls.map(async url => await built.app.inject({ url, headers: html })))
  for (const [i, url] of urls.entries()) t.notMatch(before[i]!.body, 'Salle 4.110', `${url}: no room yet`)

  const doc = parse(readFileSync(defaultProgramFile, 'utf8'))
  doc.rooms = [{ key: 'salle-4-110', name: 'Salle 4.110', capacity: 60 }]
  doc.days[1].slots[3].sessions[1].room = 'salle-4-110'
  await other.services.program.importFromText(stringify(doc), 'edited.yaml', null)

  for (const [i, url] of urls.entries()) {
    const after = await built.app.inject({ url, headers: html })
    t.equal(after.statusCode, 200)
    t.match(after.body, 'Salle 4.110', `${url}: the room, at the next request on the instance that did not import`)
    t.not(after.headers.etag, before[i]!.headers.etag, `${url}: another ETag`)
    const stale = await built.app.inject({ url, headers: { ...html, 'if-none-match': before[i]!.headers.etag as string } })
    t.equal(stale.statusCode, 200, `${url}: the old ETag gets the new body`)
    const same = await other.app.inject({ url, headers: html })
    t.equal(same.headers.etag, after.headers.etag, `${url}: both instances render the same bytes`)
  }
  // Re-importing the same file is a version too: the content, and so the ETag, stay.
  const json = await built.app.inject(urls[0]!)
  await built.services.program.importFromText(stringify(doc), 'edited.yaml', null)
  t.equal((await built.app.inject(urls[0]!)).headers.etag, json.headers.etag, 'the same content: the same ETag')
})

t.test('what is kept stays within its bounds', async t => {
  const renderings = new ProgramRenderings(ctx.services.program, ctx.config.publicUrl, { maxEntries: 3, maxBytes: 10 * 1024 * 1024 })
  const v = await ctx.services.program.programVersion(event.id)
  for (const day of ['2025-10-20', '2025-10-21', '2025-10-22', '2025-10-23', '2025-10-24', 'tout']) {
    for (const lang of ['fr', 'en'] as const) await renderings.page(v, lang, `/?jour=${day}&lang=${lang}`, day)
  }
  t.equal(renderings.usage.entries, 3, 'no more entries than allowed')
  const small = new ProgramRenderings(ctx.services.program, ctx.config.publicUrl, { maxEntries: 100, maxBytes: 200 * 1024 })
  for (const lang of ['fr', 'en'] as const) {
    await small.calendar(v, lang)
    await small.page(v, lang, `/?jour=tout&lang=${lang}`, 'tout')
  }
  t.ok(small.usage.bytes <= 200 * 1024, `no more bytes than allowed (${small.usage.bytes})`)
  t.ok(small.usage.entries < 4, 'the least recently used went')
})
