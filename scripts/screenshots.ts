/**
 * `npm run screenshots`: the pictures of the main journeys in the README and the guide, into docs/images/.
 *
 * Compagnon in this process on the embedded database (a temporary DATA_DIR), the 2025 program,
 * a fixed clock inside the event (Tuesday 21 October 2025, 09:10 in Montréal: the morning keynote
 * is open for check-in), listening on 127.0.0.1. The people are made through the database and the
 * services as the tests make them (an organizer, door staff, a participant with two days of
 * attendance and a room of others); each signs in as a browser would, by opening a personal link.
 * Headless Chromium (Debian's, no network) then takes:
 * - checkin-phone.png    the participant's phone after typing the room code (390×844);
 * - projection.png       the projection kiosk, as door staff (1366×768);
 * - organizer-grid.png   the organizer's attendance grid (1366×900);
 * - attestation.png      page 1 of the participant's attestation PDF, asked for after the event
 *                        (pdf.js in unpdf drawing on @napi-rs/canvas).
 * Exits non-zero when a page does not answer 200 or an image is not written.
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { buildApp } from '../src/app.js'
import { prepare } from '../src/bootstrap.js'
import { FixedClock } from '../src/clock.js'
import { defaultProgramFile } from '../src/paths.js'

const DURING = '2025-10-21T09:10:00-04:00'
const AFTER = '2025-10-24T14:00:00-04:00'
const OUT = resolve(dirname(fileURLToPath(import.meta.url)), '../docs/images')
const started = performance.now()
const log = (line: string): void => { process.stderr.write(`screenshots: ${line}\n`) }

// pdf.js (in unpdf) calls ArrayBuffer#transferToFixedLength, missing on Node 20, when it decodes images.
const proto = ArrayBuffer.prototype as ArrayBuffer & { transferToFixedLength?: (n?: number) => ArrayBuffer }
if (proto.transferToFixedLength === undefined) {
  proto.transferToFixedLength = function (this: ArrayBuffer, n?: number) {
    const copy = new ArrayBuffer(n ?? this.byteLength)
    new Uint8Array(copy).set(new Uint8Array(this, 0, Math.min(this.byteLength, n ?? this.byteLength)))
    return copy
  }
}

/**
 * The address shown on the kiosk and in links, without a port: Chromium's resolver maps it to
 * the port this process listens on (--host-resolver-rules), nothing is looked up on a network.
 * A .localhost name, as browsers do not upgrade it to https (the pages' CSP upgrades requests).
 */
const HOST = 'compagnon.localhost'

/** A free port on 127.0.0.1 for the app. */
async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => { resolve(typeof address === 'object' && address !== null ? address.port : 0) })
    })
  })
}

const dataDir = await mkdtemp(join(tmpdir(), 'compagnon-screenshots-'))
const cleanups: Array<() => Promise<unknown>> = [async () => await rm(dataDir, { recursive: true, force: true })]
let failed = false

try {
  const port = await freePort()
  const { DATABASE_URL: _ignored, ...env } = process.env
  const { config, database } = await prepare('npm run screenshots', {
    ...env, DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: String(port), PUBLIC_URL: `http://${HOST}`, LOG_LEVEL: 'warn'
  })
  cleanups.unshift(async () => { await database.close() })
  const clock = new FixedClock(DURING)
  const { app, services } = await buildApp(config, { database, clock, backgroundJobs: false })
  cleanups.unshift(async () => { await app.close() })
  await services.program.importFromFile(defaultProgramFile)
  await app.listen({ host: '127.0.0.1', port })
  const base = config.publicUrl

  // ---- People and attendance ----------------------------------------------------------------
  const db = database.db
  const event = await db.selectFrom('events').select('id').executeTakeFirstOrThrow()
  const eventId = event.id
  let n = 0
  const person = async (name: string, role: 'participant' | 'organizer' | 'door_staff' | 'credited_student'): Promise<string> => {
    const email = `p${++n}.${name.normalize('NFD').replace(/[^A-Za-z]/g, '').toLowerCase()}@example.gouv.qc.ca`
    const row = await db.insertInto('people').values({ display_name: name, email, preferred_locale: 'fr' }).returning('id').executeTakeFirstOrThrow()
    await db.insertInto('registrations').values({ event_id: eventId, person_id: row.id, role }).execute()
    return row.id
  }
  const organizer = await person('Odile Organisatrice', 'organizer')
  const door = await person('Denis Accueil', 'door_staff')
  const paule = await person('Paule Émond-Lévesque', 'participant')
  const others = await Promise.all([
    'Amélie Tremblay', 'Benoît Gagnon', 'Chloé Roy', 'David Côté', 'Élodie Bouchard', 'François Gauthier',
    'Geneviève Morin', 'Hugo Lavoie', 'Isabelle Fortin', 'Jérôme Gagné', 'Karine Ouellet', 'Louis Pelletier'
  ].map(async (name, i) => await person(name, i % 3 === 0 ? 'credited_student' : 'participant')))

  // Counted slots, each with its in-person sessions, in time order.
  const slots = await db.selectFrom('time_slots').select(['id', 'starts_at', 'ends_at'])
    .where('event_id', '=', eventId).where('counts_toward_attendance', '=', true).orderBy('starts_at').execute()
  const sessions = await db.selectFrom('sessions').select(['id', 'slot_id']).where('event_id', '=', eventId)
    .where('status', '=', 'scheduled').where('mode', '=', 'in_person').orderBy('position').execute()
  const counted = slots.map(s => ({ ...s, sessions: sessions.filter(x => x.slot_id === s.id).map(x => x.id) })).filter(s => s.sessions.length > 0)
  const record = async (personId: string, slot: typeof counted[number], status: 'present' | 'late'): Promise<void> => {
    await db.insertInto('attendance_records').values({
      event_id: eventId, slot_id: slot.id, session_id: slot.sessions[0]!, person_id: personId, status, method: 'manual', recorded_at: slot.starts_at
    }).execute()
  }
  const before = counted.filter(s => s.ends_at.getTime() <= clock.now().getTime())
  // Monday for everyone, with a few gaps and late arrivals (the grid shows every status).
  for (const [i, id] of [paule, ...others].entries()) {
    for (const [j, slot] of before.entries()) {
      if ((i + j) % 7 === 3) continue
      await record(id, slot, (i + 2 * j) % 5 === 1 ? 'late' : 'present')
    }
  }
  // Most of the room has checked in to the session open now; Paule does it on her phone below.
  const open = (await services.attendance.openSessions()).find(s => s.event_id === eventId && counted.some(c => c.id === s.slot_id))
  if (open === undefined) throw new Error(`no counted session open for check-in at ${DURING}`)
  const openSlot = counted.find(c => c.id === open.slot_id)!
  for (const id of others.slice(0, 9)) {
    await db.insertInto('attendance_records').values({
      event_id: eventId, slot_id: openSlot.id, session_id: open.id, person_id: id, status: 'present', method: 'manual', recorded_at: clock.now()
    }).execute()
  }

  // ---- The browser ---------------------------------------------------------------------------
  const browser: Browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run',
      `--host-resolver-rules=MAP ${HOST} 127.0.0.1:${port}`]
  })
  cleanups.unshift(async () => { await browser.close() })
  await mkdir(OUT, { recursive: true })

  /** A browser context signed in as the person: their one-time link, opened and confirmed. */
  const signedIn = async (personId: string, viewport: { width: number, height: number }): Promise<{ context: BrowserContext, page: Page }> => {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1, locale: 'fr-CA', timezoneId: 'America/Montreal', isMobile: viewport.width < 500, hasTouch: viewport.width < 500 })
    const page = await context.newPage()
    const link = await services.people.handoffLink(personId, 'phone')
    await visit(page, `${link.url}?lang=fr`)
    await Promise.all([page.waitForURL(url => !url.pathname.startsWith('/auth/link')), page.click('form[action^="/auth/link"] button[type=submit]')])
    return { context, page }
  }
  const visit = async (page: Page, url: string): Promise<void> => {
    const res = await page.goto(url.startsWith('http') ? url : `${base}${url}`, { waitUntil: 'load' })
    if (res?.status() !== 200) throw new Error(`${url} answered ${res?.status() ?? 'nothing'}`)
  }
  const shoot = async (page: Page, file: string, fullPage = false): Promise<void> => {
    await page.evaluate(async () => { await document.fonts.ready })
    await page.screenshot({ path: join(OUT, file), fullPage, animations: 'disabled', caret: 'hide' })
    log(`${file} (${page.url().replace(base, '')})`)
  }

  // (2) The projection kiosk, as door staff; its typed code is what Paule types.
  const kiosk = await signedIn(door, { width: 1366, height: 768 })
  await visit(kiosk.page, `/presence/seance/${open.id}/projection?lang=fr`)
  const typed = (await services.attendance.roomCode(open.id)).typedCode

  // (1) Paule's phone: the typed-code form, then the page after checking in.
  const phone = await signedIn(paule, { width: 390, height: 844 })
  await visit(phone.page, '/presence/code?lang=fr')
  await phone.page.fill('input[name=code]', typed)
  const [answer] = await Promise.all([phone.page.waitForResponse(r => r.request().method() === 'POST'), phone.page.click('form[action^="/presence/code"] button[type=submit]')])
  if (answer.status() !== 200) throw new Error(`checking in with the typed code answered ${answer.status()}`)
  await phone.page.waitForLoadState('load')
  await shoot(phone.page, 'checkin-phone.png')

  // The kiosk again, with Paule counted.
  await visit(kiosk.page, `/presence/seance/${open.id}/projection?lang=fr`)
  await shoot(kiosk.page, 'projection.png')

  // (3) The organizer's attendance grid.
  const office = await signedIn(organizer, { width: 1366, height: 900 })
  await visit(office.page, `/organisateurs/presences/${eventId}?lang=fr`)
  await shoot(office.page, 'organizer-grid.png')

  // (4) After the event: Paule's hours count for Monday and Tuesday; she asks for her attestation.
  clock.set(AFTER)
  const tuesday = counted.filter(s => s.starts_at.getTime() < new Date('2025-10-22T00:00:00-04:00').getTime() && s.id !== openSlot.id && !before.includes(s))
  for (const slot of tuesday) await record(paule, slot, 'present')
  for (const slot of before.filter((_, j) => j % 7 === 3)) await record(paule, slot, 'present')
  const wednesday = counted.filter(s => s.starts_at.getTime() >= new Date('2025-10-22T00:00:00-04:00').getTime())
  for (const slot of wednesday) await record(paule, slot, 'present')
  const mine = await services.attestations.request(paule, eventId, { name: 'Paule Émond-Lévesque', locale: 'fr', employer: 'Ville de Montréal', hrEmail: null })
  if (mine.attestation === null) throw new Error(`no attestation issued: ${JSON.stringify(mine.request)}`)
  const pdf = await services.attestations.pdf(paule, mine.attestation.id)
  const { getDocumentProxy, renderPageAsImage } = await import('unpdf')
  const doc = await getDocumentProxy(new Uint8Array(pdf.data))
  const image = await renderPageAsImage(doc, 1, { canvasImport: async () => await import('@napi-rs/canvas'), scale: 1.5 })
  await writeFile(join(OUT, 'attestation.png'), Buffer.from(image))
  log('attestation.png (page 1 of the PDF, pdf.js + @napi-rs/canvas)')

  for (const file of ['checkin-phone.png', 'projection.png', 'organizer-grid.png', 'attestation.png']) {
    const size = (await stat(join(OUT, file)).catch(() => undefined))?.size ?? 0
    if (size === 0) throw new Error(`${file} was not written`)
  }
} catch (err) {
  log(`failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`)
  failed = true
} finally {
  for (const cleanup of cleanups) await cleanup().catch((err: unknown) => { log(`cleanup: ${String(err)}`) })
}
log(`${failed ? 'failed' : 'done'} in ${((performance.now() - started) / 1000).toFixed(1)} s`)
process.exit(failed ? 1 : 0)
