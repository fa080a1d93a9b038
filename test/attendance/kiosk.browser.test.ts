import t from 'tap'
import jsQRModule from 'jsqr'
import { extractText, getDocumentProxy, getResolvedPDFJS } from 'unpdf'
import { FixedClock } from '../../src/clock.js'
import { testApp } from '../helpers/app.js'
import { given, type Role } from '../helpers/given.js'
import { browserUnavailable, launchBrowser, seriousAxeViolations } from '../helpers/browser.js'
import { freePort } from '../helpers/process.js'

// The event-day screens and prints, as door staff and organizers use them: the projector page
// as a kiosk (full screen, nothing to scroll, large code, address, countdown, live count against
// capacity), the door posters (A4 PDF) and the pass sheets, read back as text and as QR codes.
const skip = browserUnavailable()
// The kiosk waits for one real code rotation (30 s windows).
t.setTimeout(240_000)

// pdf.js (in unpdf) calls ArrayBuffer#transferToFixedLength, missing on Node 20.
const proto = ArrayBuffer.prototype as ArrayBuffer & { transferToFixedLength?: (n?: number) => ArrayBuffer }
if (proto.transferToFixedLength === undefined) {
  proto.transferToFixedLength = function (this: ArrayBuffer, n?: number) {
    const copy = new ArrayBuffer(n ?? this.byteLength)
    new Uint8Array(copy).set(new Uint8Array(this, 0, Math.min(this.byteLength, n ?? this.byteLength)))
    return copy
  }
}

const jsQR = ((jsQRModule as unknown as { default?: typeof jsQRModule }).default ?? jsQRModule) as unknown as (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null

const START = Date.parse('2025-10-21T17:25:00Z')

/**
 * The app on a real port with a clock that runs from Tuesday 21 October 2025, 13:25 in Montréal
 * (the 13:30 case studies are open for check-in; room codes rotate as they would), the case study
 * in room "Salle 4114" (40 places) with another session of that day, and Chromium.
 */
async function scene (t: Parameters<typeof testApp>[0]) {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const began = Date.now()
  const clock = Object.assign(new FixedClock(new Date(START)), { now: () => new Date(START + Date.now() - began) })
  const ctx = await testApp(t, { clock, config: { publicUrl: base } })
  const { services, database } = ctx
  const db = database.db
  const [event] = await services.program.listEvents()
  const session = await db.selectFrom('sessions').select(['id', 'slot_id', 'title']).where('key', '=', '2025-10-21-etude-cas-experimentation-reglementaire').executeTakeFirstOrThrow()
  const morning = await db.selectFrom('sessions as s').innerJoin('time_slots as ts', 'ts.id', 's.slot_id')
    .select(['s.id', 's.title']).where('s.event_id', '=', event!.id).where('s.mode', '=', 'in_person').where('s.status', '=', 'scheduled')
    .where('ts.starts_at', '>=', new Date('2025-10-21T12:00:00Z')).where('ts.starts_at', '<', new Date('2025-10-21T16:00:00Z'))
    .orderBy('ts.starts_at').executeTakeFirstOrThrow()
  const g = given(ctx)
  await g.room({ key: 'salle-4114', name: 'Salle 4114', capacity: 40, sessions: [session.id, morning.id] })
  await ctx.app.listen({ host: '127.0.0.1', port })
  const register = async (name: string, role: Role): Promise<string> => (await g.as(role, { name })).id
  const browser = await launchBrowser(t)
  /** A browser context signed in as the person (their one-time phone link). */
  const signedIn = async (personId: string) => {
    const context = await browser.newContext({ locale: 'fr-CA' })
    const page = await context.newPage()
    await page.goto((await services.people.handoffLink(personId, 'phone')).url)
    await page.click('button[type=submit]')
    await page.waitForURL(/\/cours|\/moi|\/organisateurs|\/accueil/)
    return page
  }
  /** Checks the person in with the code the projector shows now (as their phone would). */
  const checkIn = async (personId: string): Promise<void> => {
    const [window, token] = (services.attendance.roomCode(session.id).url.split('/').pop() ?? '').split('.')
    await services.attendance.checkInByRoomCode({ personId, sessionId: session.id, window: Number(window), token: token ?? '' })
  }
  return { ...ctx, port, base, eventId: event!.id, session, morning, register, signedIn, checkIn }
}

/** Text as a person reads it: any run of spaces (non-breaking ones included) as one space. */
const words = (text: string | null): string => (text ?? '').replace(/[\s\u00a0\u202f]+/g, ' ').trim()

async function pdfText (bytes: Uint8Array): Promise<{ text: string, pages: number, info: Record<string, unknown> }> {
  const doc = await getDocumentProxy(new Uint8Array(bytes))
  const { text, totalPages } = await extractText(doc, { mergePages: true })
  const meta = await doc.getMetadata()
  return { text: words(text), pages: totalPages, info: meta.info as Record<string, unknown> }
}

type Matrix = [number, number, number, number, number, number]
const multiply = (m: Matrix, n: Matrix): Matrix => [
  m[0] * n[0] + m[1] * n[2], m[0] * n[1] + m[1] * n[3],
  m[2] * n[0] + m[3] * n[2], m[2] * n[1] + m[3] * n[3],
  m[4] * n[0] + m[5] * n[2] + n[4], m[4] * n[1] + m[5] * n[3] + n[5]
]

/**
 * The QR code drawn on a PDF page, decoded with jsQR: the page's black filled paths (read from
 * pdf.js's operator list, each with its transformation) painted into a bitmap, 3 px per point,
 * within `area` (PDF points from the bottom-left) when given.
 */
async function qrOnPage (bytes: Uint8Array, pageNumber = 1, area?: { x0: number, y0: number, x1: number, y1: number }): Promise<string | null> {
  const doc = await getDocumentProxy(new Uint8Array(bytes))
  const page = await doc.getPage(pageNumber)
  const { OPS } = await getResolvedPDFJS()
  const ops = await page.getOperatorList()
  const [, , pageW = 0, pageH = 0] = page.view
  const box = area ?? { x0: 0, y0: 0, x1: pageW, y1: pageH }
  const scale = 3
  const w = Math.ceil((box.x1 - box.x0) * scale)
  const h = Math.ceil((box.y1 - box.y0) * scale)
  const pixels = new Uint8ClampedArray(w * h * 4).fill(255)
  let ctm: Matrix = [1, 0, 0, 1, 0, 0]
  let fill = '#000000'
  const stack: Array<[Matrix, string]> = []
  const at = (x: number, y: number): [number, number] => [ctm[0] * x + ctm[2] * y + ctm[4], ctm[1] * x + ctm[3] * y + ctm[5]]
  ops.fnArray.forEach((fn, i) => {
    const args = ops.argsArray[i] as unknown[]
    if (fn === OPS.save) stack.push([ctm, fill])
    else if (fn === OPS.restore) [ctm, fill] = stack.pop() ?? [[1, 0, 0, 1, 0, 0], '#000000']
    else if (fn === OPS.transform) ctm = multiply(args as Matrix, ctm)
    else if (fn === OPS.setFillRGBColor) fill = String(args[0])
    else if (fn === OPS.constructPath && args[0] === OPS.fill && fill === '#000000') {
      const mm = args[2] as ArrayLike<number>
      const [ax, ay] = at(mm[0]!, mm[1]!)
      const [bx, by] = at(mm[2]!, mm[3]!)
      const left = Math.round((Math.min(ax, bx) - box.x0) * scale)
      const right = Math.round((Math.max(ax, bx) - box.x0) * scale)
      const top = Math.round((box.y1 - Math.max(ay, by)) * scale)
      const bottom = Math.round((box.y1 - Math.min(ay, by)) * scale)
      for (let y = Math.max(0, top); y < Math.min(h, bottom); y++) {
        for (let x = Math.max(0, left); x < Math.min(w, right); x++) pixels.fill(0, (y * w + x) * 4, (y * w + x) * 4 + 3)
      }
    }
  })
  return jsQR(pixels, w, h)?.data ?? null
}

t.test('in Chromium: the projection is a kiosk at 1366×768, 1920×1080 and 1366×900: no scrolling, large code and QR, the address, a countdown, the count in words against capacity', { skip }, async t => {
  const { port, base, services, clock, session, register, signedIn, checkIn } = await scene(t)
  const kiosk = await signedIn(await register('Odile Organisatrice', 'organizer'))
  const url = `${base}/presence/seance/${session.id}/projection?lang=fr`

  for (const [width, height] of [[1366, 768], [1920, 1080], [1366, 900]] as const) {
    await kiosk.setViewportSize({ width, height })
    await kiosk.goto(url)
    const at = `at ${width}×${height}`
    const fit = await kiosk.evaluate(() => {
      const root = document.documentElement
      return { tall: root.scrollHeight, high: root.clientHeight, wide: root.scrollWidth, across: root.clientWidth }
    })
    t.ok(fit.tall <= fit.high, `${at}: nothing to scroll down (${fit.tall} px in ${fit.high} px)`)
    t.ok(fit.wide <= fit.across, `${at}: nothing sticks out sideways (${fit.wide} px in ${fit.across} px)`)
    t.equal(await kiosk.locator('header.site, footer.site, nav[aria-label="Navigation principale"]').count(), 0, `${at}: no site header or footer`)
    t.equal(words(await kiosk.textContent('h1')), session.title, `${at}: the session's title`)
    t.match(words(await kiosk.textContent('.kiosk-when')), /^13 h 30 – 14 h 45 · Salle 4114$/, `${at}: its time and room`)
    t.equal(await kiosk.textContent('[data-typed-code]'), services.attendance.roomCode(session.id).typedCode, `${at}: the code of now`)
    t.equal(await kiosk.textContent('.kiosk-address'), `127.0.0.1:${port}/presence/code`, `${at}: the address to type it on, without its scheme`)
    t.match(words(await kiosk.textContent('.kiosk-help')), /^Scannez avec l’appareil photo de votre téléphone, ou entrez ce code sur 127\.0\.0\.1:\d+\/presence\/code :$/)
    t.equal(words(await kiosk.textContent('.kiosk-count')), '0 personne présente sur 40 places', `${at}: the count against capacity`)
    const sizes = await kiosk.evaluate(() => ({
      code: parseFloat(getComputedStyle(document.querySelector('[data-typed-code]')!).fontSize),
      qr: document.querySelector('[data-qr] svg')!.getBoundingClientRect().height,
      title: parseFloat(getComputedStyle(document.querySelector('h1')!).fontSize)
    }))
    t.ok(sizes.code >= height * 0.1, `${at}: the code is large (${sizes.code} px)`)
    t.ok(sizes.qr >= height * 0.45, `${at}: the QR code is large (${Math.round(sizes.qr)} px)`)
    t.ok(sizes.title >= 28, `${at}: the title reads from afar (${sizes.title} px)`)
    if (width === 1366 && height === 768) t.same(await seriousAxeViolations(kiosk), [], `${at}: axe clean`)
  }

  // The countdown follows the server's clock and goes down; at 0 the page shows the next code.
  const seconds = async (): Promise<number> => {
    const text = words(await kiosk.textContent('.kiosk-countdown'))
    t.match(text, /^Nouveau code dans \d+ secondes?$/)
    return Number(/\d+/.exec(text)?.[0])
  }
  await kiosk.waitForFunction(() => Number(/\d+/.exec(document.querySelector('.kiosk-countdown')?.textContent ?? '')?.[0]) >= 4, undefined, { timeout: 35_000 })
  const first = await seconds()
  const expected = (services.attendance.roomCode(session.id).changesAt.getTime() - clock.now().getTime()) / 1000
  t.ok(Math.abs(first - expected) <= 2, `the countdown (${first} s) says when the server changes the code (${expected.toFixed(1)} s)`)
  await kiosk.waitForTimeout(2100)
  const later = await seconds()
  t.ok(later < first, `the countdown goes down (${first} s, then ${later} s)`)
  const before = await kiosk.textContent('[data-typed-code]')
  await kiosk.waitForFunction(code => document.querySelector('[data-typed-code]')?.textContent !== code, before, { timeout: 40_000 })
  t.equal(await kiosk.textContent('[data-typed-code]'), services.attendance.roomCode(session.id).typedCode, 'the next code shows when the countdown ends')
  t.ok(await seconds() >= 20, 'and the countdown starts again')

  // People check in on their phones: the count follows, in words.
  await checkIn(await register('Camille Participante', 'participant'))
  await kiosk.waitForFunction(() => document.querySelector('.kiosk-count')?.textContent === '1 personne présente sur 40 places', undefined, { timeout: 10_000 })
  t.pass('one check-in: "1 personne présente sur 40 places"')
  await checkIn(await register('Dominique Participant', 'participant'))
  await kiosk.waitForFunction(() => document.querySelector('.kiosk-count')?.textContent === '2 personnes présentes sur 40 places', undefined, { timeout: 10_000 })
  t.pass('two: "2 personnes présentes sur 40 places"')
  t.equal(await kiosk.evaluate(() => (document.querySelector('[data-occupancy] > span') as HTMLElement).style.width), '5%', 'the occupancy bar follows (2 of 40)')

  await kiosk.goto(url.replace('lang=fr', 'lang=en'))
  t.equal(words(await kiosk.textContent('.kiosk-count')), '2 people present out of 40 seats', 'in English')
  t.match(words(await kiosk.textContent('.kiosk-countdown')), /^New code in \d+ seconds?$/)
  t.match(words(await kiosk.textContent('.kiosk-when')), /^1:30 p\.m\. – 2:45 p\.m\. · Salle 4114$/)
  t.equal(await kiosk.getAttribute('a[hreflang=fr]', 'href'), `/presence/seance/${session.id}/projection?lang=fr`, 'the kiosk has its own language switch')

  await kiosk.setViewportSize({ width: 390, height: 844 })
  await kiosk.goto(url)
  t.ok(await kiosk.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth), 'on a phone, nothing sticks out sideways')
  t.same(await seriousAxeViolations(kiosk), [], 'on a phone, axe clean')
})

t.test('door posters (A4 PDF) from the scanner and projection pages: the title, day, time, room and address in words, and a QR code to the typed-code page', { skip }, async t => {
  const { port, base, session, morning, register, signedIn } = await scene(t)
  const door = await signedIn(await register('Paul Porte', 'door_staff'))
  await door.goto(`${base}/accueil/${session.id}?lang=fr`)
  const poster = await door.getAttribute('a:has-text("Affiche de porte (PDF)")', 'href')
  const roomPoster = await door.getAttribute('a:has-text("Affiche de la salle pour la journée (PDF)")', 'href')
  t.equal(poster, `/presence/seance/${session.id}/affiche.pdf?lang=fr`, 'the scanner page links the session\'s poster')
  t.equal(roomPoster, `/presence/seance/${session.id}/affiche.pdf?salle=journee&lang=fr`, 'and its room\'s poster for the day')
  t.equal(await door.locator('a:has-text("Laissez-passer de l’événement")').count(), 0, 'door staff are not offered the pass sheets')

  const res = await door.request.get(`${base}${poster ?? ''}`)
  t.equal(res.status(), 200)
  t.equal(res.headers()['content-type'], 'application/pdf')
  const bytes = await res.body()
  const read = await pdfText(bytes)
  t.equal(read.pages, 1, 'one A4 page')
  for (const part of ['Enregistrez votre présence', session.title, 'Mardi 21 octobre, de 13 h 30 à 14 h 45', 'Salle 4114', `127.0.0.1:${port}/presence/code`, 'puis entrez le code à 6 chiffres affiché à l’écran de la salle.', 'Pas de téléphone ? Montrez votre laissez-passer à l’accueil.']) {
    t.ok(read.text.includes(words(part)), `the poster says «${part}»`)
  }
  t.match(read.info, { Title: `Affiche — ${session.title}`, Language: 'fr-CA' })
  t.equal(await qrOnPage(bytes), `${base}/presence/code`, 'its QR code opens the typed-code page (a poster cannot carry a rotating code)')

  const room = await door.request.get(`${base}${roomPoster ?? ''}`)
  t.equal(room.status(), 200)
  const roomBytes = await room.body()
  const roomText = (await pdfText(roomBytes)).text
  for (const part of ['Salle 4114', 'Mardi 21 octobre', 'Séances de la journée dans cette salle', session.title, morning.title, '13 h 30 – 14 h 45', `127.0.0.1:${port}/presence/code`]) {
    t.ok(roomText.includes(words(part)), `the room's poster says «${part}»`)
  }
  t.equal(await qrOnPage(roomBytes), `${base}/presence/code`, 'the room poster\'s QR code too')

  const english = await pdfText(await (await door.request.get(`${base}/presence/seance/${session.id}/affiche.pdf?lang=en`)).body())
  for (const part of ['Record your attendance', 'Tuesday, October 21, 1:30 p.m. to 2:45 p.m.', 'then enter the 6-digit code shown on the room’s screen.']) {
    t.ok(english.text.includes(part), `in English: «${part}»`)
  }

  const organizer = await signedIn(await register('Odile Organisatrice', 'organizer'))
  await organizer.goto(`${base}/presence/seance/${session.id}/projection?lang=fr`)
  t.equal(await organizer.getAttribute('a:has-text("Affiche de porte (PDF)")', 'href'), `/presence/seance/${session.id}/affiche.pdf?lang=fr`, 'the projection page links the poster')
  const participant = await signedIn(await register('Camille Participante', 'participant'))
  t.equal((await participant.request.get(`${base}${poster ?? ''}`)).status(), 403, 'a participant cannot print it')
})

t.test('pass sheets (A4 PDF, organizers): the people of the event by name, each with the pass code and QR code of their own pass', { skip }, async t => {
  const { base, services, eventId, session, register, signedIn } = await scene(t)
  const zoe = await register('Zoé Zhang', 'participant')
  const beatrice = await register('Béatrice Archambault', 'credited_student')
  const emile = await register('Émile Côté', 'participant')
  // Béatrice opened her pass already; the others never did.
  const hers = await services.attendance.pass(beatrice)
  const organizer = await signedIn(await register('Odile Organisatrice', 'organizer'))
  await organizer.goto(`${base}/accueil/${session.id}?lang=fr`)
  const href = await organizer.getAttribute('a:has-text("Laissez-passer de l’événement à imprimer (PDF)")', 'href')
  t.equal(href, `/organisateurs/evenements/${eventId}/laissez-passer.pdf?lang=fr`, 'organizers find the pass sheets on the scanner page')
  const res = await organizer.request.get(`${base}${href ?? ''}`)
  t.equal(res.status(), 200)
  const bytes = await res.body()
  const { text, info } = await pdfText(bytes)
  const passes = { beatrice: hers, emile: await services.attendance.pass(emile), zoe: await services.attendance.pass(zoe) }
  t.equal(passes.beatrice.code, hers.code, 'printing did not replace a pass already in use')
  const grouped = (code: string): string => `${code.slice(0, 5)}-${code.slice(5)}`
  const order = ['Béatrice Archambault', 'Émile Côté', 'Zoé Zhang'].map(name => text.indexOf(name))
  t.ok(order.every((i, n) => i >= 0 && (n === 0 || i > order[n - 1]!)), 'everyone, in alphabetical order (accents sorted as letters)')
  for (const pass of Object.values(passes)) t.ok(text.includes(grouped(pass.code)), `the pass code ${grouped(pass.code)} is printed`)
  t.notOk(text.includes('Odile'), 'only the people who attend (not the team)')
  t.ok(text.includes('À montrer à l’accueil de chaque séance.'))
  t.match(info, { Title: /^Laissez-passer — /, Language: 'fr-CA' })
  // The first card (top left) is Béatrice's: its QR code is her pass.
  t.equal(await qrOnPage(bytes, 1, { x0: 28, y0: 841.89 - 28 - 190, x1: 297, y1: 841.89 - 28 }), passes.beatrice.url, 'the first card\'s QR code is her pass')

  const door = await signedIn(await register('Paul Porte', 'door_staff'))
  t.equal((await door.request.get(`${base}${href ?? ''}`)).status(), 403, 'door staff cannot print everyone\'s passes')
})
