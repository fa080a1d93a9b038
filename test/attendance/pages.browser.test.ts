import t from 'tap'
import { FixedClock } from '../../src/clock.js'
import { testApp } from '../helpers/app.js'
import { given, type Role } from '../helpers/given.js'
import { browserUnavailable, launchBrowser, seriousAxeViolations } from '../helpers/browser.js'
import { freePort } from '../helpers/process.js'

const skip = browserUnavailable()

/**
 * The app on a real port at Tuesday 21 October 2025, 13:25 in Montréal (the 13:30 case studies
 * are open for check-in), Chromium, and ways to register people and sign them in.
 */
async function scene (t: Parameters<typeof testApp>[0]) {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const ctx = await testApp(t, { clock: new FixedClock('2025-10-21T17:25:00Z'), config: { publicUrl: base } })
  await ctx.app.listen({ host: '127.0.0.1', port })
  const { services, database } = ctx
  const [event] = await services.program.listEvents()
  const session = await database.db.selectFrom('sessions').select(['id', 'slot_id', 'title']).where('key', '=', '2025-10-21-etude-cas-experimentation-reglementaire').executeTakeFirstOrThrow()
  const g = given(ctx)
  const register = async (name: string, role: Role): Promise<string> => (await g.as(role, { name })).id
  const browser = await launchBrowser(t)
  /** A browser context signed in as the person (their one-time phone link). */
  const signedIn = async (personId: string, options: { isMobile?: boolean } = {}) => {
    const context = await browser.newContext({ locale: 'fr-CA', ...(options.isMobile === true ? { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } : {}) })
    const page = await context.newPage()
    await page.goto((await services.people.handoffLink(personId, 'phone')).url)
    await page.click('button[type=submit]')
    await page.waitForURL(/\/cours|\/moi|\/organisateurs|\/accueil/)
    return { context, page }
  }
  return { ...ctx, base, eventId: event!.id, session, register, signedIn, browser }
}

t.test('in Chromium: a phone scans the projected QR and the projector count goes up; the door scanner queues a typed pass offline and syncs', { skip }, async t => {
  const { base, services, database, session, register, signedIn } = await scene(t)
  const organizer = await signedIn(await register('Odile Organisatrice', 'organizer'))
  const projector = organizer.page
  await projector.goto(`${base}/presence/seance/${session.id}/projection?lang=fr`)
  await projector.waitForSelector('figure.qr svg')
  t.equal(await projector.textContent('[data-count]'), '0')
  t.match(await projector.textContent('[data-typed-code]'), /^\d{6}$/)
  t.same(await seriousAxeViolations(projector), [], 'the projector page passes axe')

  const phone = await signedIn(await register('Camille Participante', 'participant'), { isMobile: true })
  await phone.page.goto(services.attendance.roomCode(session.id).url)
  t.equal(await phone.page.textContent('h1'), session.title, 'opening the code shows the session to confirm')
  t.same(await seriousAxeViolations(phone.page), [], 'the phone\'s confirmation page passes axe')
  t.equal(Number((await database.db.selectFrom('attendance_records').select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n), 0, 'opening the code records nothing')
  await phone.page.click('button:has-text("Confirmer ma présence")')
  await phone.page.waitForSelector('h1:has-text("Bienvenue")')
  t.same(await seriousAxeViolations(phone.page), [], 'the phone\'s answer passes axe')
  await projector.waitForFunction(() => document.querySelector('[data-count]')?.textContent === '1', undefined, { timeout: 10_000 })
  t.pass('the projector count went up without a reload')

  const guestId = await register('Gaston Invité', 'participant')
  const pass = await services.attendance.pass(guestId)
  const door = await signedIn(await register('Paul Porte', 'door_staff'), { isMobile: true })
  await door.page.goto(`${base}/accueil/${session.id}?lang=fr`)
  t.same(await seriousAxeViolations(door.page), [], 'the scanner page passes axe')
  await door.context.setOffline(true)
  await door.page.fill('input[name=code]', pass.code.toLowerCase().replace(/(.{5})/, '$1-'))
  await door.page.click('form[data-typed] button')
  await door.page.waitForFunction(() => /1 scan en attente/.test(document.querySelector('[data-queue]')?.textContent ?? ''))
  t.equal(Number((await database.db.selectFrom('attendance_records').select(eb => eb.fn.countAll().as('n')).where('person_id', '=', guestId).executeTakeFirstOrThrow()).n), 0, 'nothing reached the server while offline')
  await door.context.setOffline(false)
  await door.page.evaluate(() => { window.dispatchEvent(new Event('online')) })
  await door.page.waitForFunction(() => document.querySelector('[data-result] .big')?.textContent === 'Gaston Invité', undefined, { timeout: 15_000 })
  t.match(await door.page.textContent('[data-result]'), /Présence enregistrée à 13\u00a0h\u00a02\d/)
  t.equal(await door.page.textContent('[data-queue]'), '', 'the queue is empty once synced')
  const record = await database.db.selectFrom('attendance_records').select(['method', 'recorded_by']).where('person_id', '=', guestId).executeTakeFirstOrThrow()
  t.equal(record.method, 'pass')
})

t.test('in Chromium: the attendance grid, a correction with its history, the live list and a participant\'s page pass axe', { skip }, async t => {
  const { base, services, eventId, session, register, signedIn: open } = await scene(t)
  const signedIn = async (personId: string) => (await open(personId)).page
  const camille = await register('Camille', 'participant')
  await register('Dominique', 'participant')
  const organizer = await signedIn(await register('Odile', 'organizer'))

  await organizer.goto(`${base}/presence/seance/${session.id}/liste?lang=fr`)
  t.same(await seriousAxeViolations(organizer), [], 'the live list passes axe')
  // Camille scans the room code on her phone meanwhile.
  const [window, token] = (services.attendance.roomCode(session.id).url.split('/').pop() ?? '').split('.')
  await services.attendance.checkInByRoomCode({ personId: camille, sessionId: session.id, window: Number(window), token: token ?? '' })
  await organizer.waitForFunction(() => document.querySelector('[data-rows]')?.textContent?.includes('Camille') === true, undefined, { timeout: 10_000 })
  t.equal(await organizer.textContent('[data-count]'), '1', 'the list updated without a reload')

  await organizer.goto(`${base}/organisateurs/presences/${eventId}?lang=fr`)
  t.match(await organizer.textContent('h1'), /^Présences — /)
  t.same(await seriousAxeViolations(organizer), [], 'the grid passes axe')
  await organizer.click('a[aria-label$="Dominique, mardi 21 octobre à 13\u00a0h\u00a030"]')
  await organizer.check('input[value=late]')
  await organizer.selectOption('select[name=sessionId]', session.id)
  await organizer.fill('input[name=reason]', 'Arrivée après le scan')
  await organizer.click('form[action^="/presences/correction"] button')
  await organizer.waitForSelector('text=Arrivée après le scan')
  t.same(await seriousAxeViolations(organizer), [], 'the correction page passes axe')

  const participant = await signedIn(camille)
  await participant.goto(`${base}/presence?lang=fr`)
  t.equal(await participant.textContent('h1'), 'Mes présences')
  t.same(await seriousAxeViolations(participant), [], 'the participant\'s page passes axe')
})

t.test('in Chromium: a phone not signed in confirms the room code, signs in on it within 2 min, and counts at the scan time, marked for the organizers', { skip }, async t => {
  const { base, clock, services, database, eventId, session, register, signedIn, browser } = await scene(t)
  const context = await browser.newContext({ locale: 'fr-CA', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })
  const phone = await context.newPage()
  await phone.goto(services.attendance.roomCode(session.id).url)
  await phone.click('button:has-text("Confirmer ma présence")')
  await phone.waitForSelector('h1:has-text("Connectez-vous pour confirmer")')
  t.same(await seriousAxeViolations(phone), [], 'the waiting page passes axe')

  // 90 s later: the code (valid until 13:26:00) has expired, its 2-min grace has not.
  clock.advance(90_000)
  const camille = await register('Camille Tardive', 'participant')
  await phone.goto((await services.people.handoffLink(camille, 'phone')).url)
  await phone.click('button[type=submit]')
  await phone.waitForURL(/\/cours|\/moi/)
  const record = await database.db.selectFrom('attendance_records').select(['recorded_at', 'completed_late_at']).where('person_id', '=', camille).executeTakeFirstOrThrow()
  t.same(record, { recorded_at: new Date('2025-10-21T17:25:00Z'), completed_late_at: new Date('2025-10-21T17:26:30Z') }, 'counted at the scan time, completed late')

  const organizer = (await signedIn(await register('Odile', 'organizer'))).page
  await organizer.goto(`${base}/organisateurs/presences/${eventId}?lang=fr`)
  const mark = organizer.locator('small.completed-late')
  t.equal(await mark.textContent(), '† confirmé tard')
  t.match(await mark.getAttribute('title'), /confirmé à 13\u00a0h\u00a026, après l’expiration du code/)
  t.same(await seriousAxeViolations(organizer), [], 'the grid with the mark passes axe')
})
