import t from 'tap'
import { testApp } from '../helpers/app.js'
import { browserUnavailable, launchBrowser, seriousAxeViolations } from '../helpers/browser.js'

const skip = browserUnavailable()

t.test('in Chromium: the program page renders in French, switches to English, and passes axe', { skip }, async t => {
  const { app } = await testApp(t)
  const base = await app.listen({ host: '127.0.0.1', port: 0 })
  const browser = await launchBrowser(t)
  const context = await browser.newContext({ locale: 'fr-CA' })
  const page = await context.newPage()
  const errors: string[] = []
  page.on('console', m => { if (m.type() === 'error') errors.push(m.text()) })
  page.on('pageerror', e => errors.push(e.message))

  const res = await page.goto(`${base}/?jour=tout`)
  t.equal(res?.status(), 200)
  t.equal(await page.getAttribute('html', 'lang'), 'fr')
  t.equal(await page.textContent('h1'), 'École d\'automne sur la coproduction des services publics')
  t.equal(await page.locator('h2[id^="day-"]').count(), 5, 'the whole program: one heading per day')
  t.equal(await page.textContent('#day-2025-10-21'), 'mardi 21 octobre')
  t.equal(await page.locator('.parallel-note').count(), 6, 'six slots offer a choice of parallel sessions')
  t.equal(await page.locator('article.session').count(), 29, 'one card per session (breaks are listed plainly)')
  t.match(await page.textContent('#\\32 025-10-24-activite-synthese'), /En ligne/)
  t.match(await page.locator('#\\32 025-10-24-activite-synthese').textContent(), /Réservé aux étudiant·e·s inscrit·e·s au cours/)
  t.same(await seriousAxeViolations(page), [], 'no serious accessibility violation (fr)')

  await page.click('text=English')
  await page.waitForURL(/lang=en/)
  t.equal(await page.getAttribute('html', 'lang'), 'en')
  t.equal(await page.textContent('#day-2025-10-21'), 'Tuesday, October 21')
  t.same(await seriousAxeViolations(page), [], 'no serious accessibility violation (en)')

  const stylesheet = await page.evaluate(() => [...document.styleSheets].map(s => s.href))
  t.same(stylesheet, [`${base}/assets/site.css`], 'styles come from the app, no CDN')
  t.same(errors, [], 'no console errors')
})

t.test('in Chromium: the page is readable on a phone (no horizontal scrolling)', { skip }, async t => {
  const { app } = await testApp(t)
  const base = await app.listen({ host: '127.0.0.1', port: 0 })
  const browser = await launchBrowser(t)
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'en-CA' })
  const page = await context.newPage()
  await page.goto(`${base}/`)
  t.equal(await page.getAttribute('html', 'lang'), 'en', 'Accept-Language picks English')
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
  t.ok(overflow <= 0, `no horizontal overflow (${overflow}px)`)
  await page.screenshot({ path: `${process.env.TAP_CHILD_ID !== undefined ? '.tap' : '/tmp'}/program-phone.png`, fullPage: false })
  t.same(await seriousAxeViolations(page), [])
})

t.test('in Chromium: error pages are readable and accessible too', { skip }, async t => {
  const { app } = await testApp(t)
  const base = await app.listen({ host: '127.0.0.1', port: 0 })
  const browser = await launchBrowser(t)
  const page = await (await browser.newContext({ locale: 'fr-CA' })).newPage()
  const res = await page.goto(`${base}/events/inconnu`)
  t.equal(res?.status(), 404)
  t.equal(await page.textContent('h1'), 'Page introuvable')
  t.notMatch(await page.innerText('body'), /404|[0-9a-f]{8}-[0-9a-f]{4}/, 'no HTTP status or request id in the visible text (they are folded in the technical details)')
  t.match(await page.textContent('[role=alert]'), /Événement introuvable/)
  t.same(await seriousAxeViolations(page), [])
})

const PHONE = { width: 390, height: 844 }
const LAPTOP = { width: 1366, height: 900 }

t.test('in Chromium: day tabs switch days without JavaScript, at 390 and 1366 px', { skip }, async t => {
  const { app } = await testApp(t)
  const base = await app.listen({ host: '127.0.0.1', port: 0 })
  const browser = await launchBrowser(t)
  for (const viewport of [PHONE, LAPTOP]) {
    const context = await browser.newContext({ viewport, locale: 'fr-CA', javaScriptEnabled: false })
    const page = await context.newPage()
    await page.goto(`${base}/`)
    const tabs = page.getByRole('navigation', { name: 'Jours du programme' })
    t.same(await tabs.getByRole('link').allInnerTexts(), ['lun. 20', 'mar. 21', 'mer. 22', 'jeu. 23', 'ven. 24', 'Tout le programme'], `${viewport.width}px: short day names, then the whole program`)
    t.equal(await tabs.locator('[aria-current="page"]').innerText(), 'mar. 21', 'during the event, today is shown')
    t.same(await page.locator('h2[id^="day-"]').allInnerTexts(), ['mardi 21 octobre'])
    await tabs.getByRole('link', { name: 'jeu. 23' }).click()
    await page.waitForURL(/jour=2025-10-23/)
    t.equal(await tabs.locator('[aria-current="page"]').innerText(), 'jeu. 23', 'the clicked day becomes current')
    t.same(await page.locator('h2[id^="day-"]').allInnerTexts(), ['jeudi 23 octobre'], 'only that day is shown')
    t.equal(await page.locator('.marker').count(), 0, 'no "now" marker on another day than today')
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    t.ok(overflow <= 0, `${viewport.width}px: no sideways scrolling of the page (${overflow}px)`)
    const bar = await tabs.locator('ul').boundingBox()
    t.ok(bar !== null && bar.width <= viewport.width, 'the tab bar fits the screen (it scrolls inside itself if needed)')
    await tabs.getByRole('link', { name: 'Tout le programme' }).click()
    await page.waitForURL(/jour=tout/)
    t.equal(await page.locator('h2[id^="day-"]').count(), 5, 'the whole program, for printing')
    await context.close()
  }
})

t.test('in Chromium: parallel sessions side by side at 1366 px, stacked at 390 px; no room line when unknown', { skip }, async t => {
  const { app } = await testApp(t)
  const base = await app.listen({ host: '127.0.0.1', port: 0 })
  const browser = await launchBrowser(t)
  for (const viewport of [PHONE, LAPTOP]) {
    const page = await (await browser.newContext({ viewport, locale: 'fr-CA' })).newPage()
    await page.goto(`${base}/?jour=2025-10-21`)
    const slot = page.locator('section.slot', { has: page.locator('.parallel-note') }).first()
    const cards = await slot.locator('article.session').evaluateAll(nodes => nodes.map(n => { const r = n.getBoundingClientRect(); return { top: Math.round(r.top), left: Math.round(r.left), width: Math.round(r.width) } }))
    t.ok(cards.length >= 2, 'a slot with parallel sessions')
    const [a, b] = cards
    if (viewport === LAPTOP) {
      t.equal(a?.top, b?.top, '1366px: the first two parallel sessions on the same row')
      t.ok((b?.left ?? 0) > (a?.left ?? 0) + (a?.width ?? 0) - 1, '1366px: the second to the right of the first')
      t.ok((a?.width ?? 0) >= 18 * 16, 'columns at least 18rem wide')
    } else {
      t.equal(a?.left, b?.left, '390px: stacked, same left edge')
      t.ok((b?.top ?? 0) > (a?.top ?? 0), '390px: the second below the first')
    }
    t.match(await slot.locator('.parallel-note').innerText(), /choisissez-en une/, 'the "choose one" note is kept')
    t.notMatch(await page.locator('main').innerText(), /Salle à venir/, 'no "room to be announced" line')
    t.same(await seriousAxeViolations(page), [], `${viewport.width}px: axe clean with the tabs and the side-by-side sessions`)
    await page.context().close()
  }
})

t.test('in Chromium: during the event, "En cours" on the slot in progress, "À suivre" on the next, a link to jump there', { skip }, async t => {
  const { app, clock } = await testApp(t, { now: '2025-10-22T15:10:00Z' }) // Wednesday 22, 11:10 in Montréal
  const base = await app.listen({ host: '127.0.0.1', port: 0 })
  const browser = await launchBrowser(t)
  const page = await (await browser.newContext({ viewport: PHONE, locale: 'fr-CA' })).newPage()
  await page.goto(`${base}/`)
  const now = page.locator('section.slot.now')
  t.equal(await now.count(), 1)
  t.match(await now.locator('.when').innerText(), /^En cours\s+11\sh\s00/, 'the 11:00 slot is in progress')
  const next = page.locator('section.slot.next')
  t.equal(await next.count(), 1)
  t.match(await next.locator('.when').innerText(), /^À suivre\s+/)
  const nowStart = await now.locator('time').first().getAttribute('datetime')
  const nextStart = await next.locator('time').first().getAttribute('datetime')
  t.ok(nowStart !== null && nextStart !== null && Date.parse(nextStart) > Date.parse(nowStart), 'the next slot comes after')
  await page.getByRole('link', { name: 'Aller à maintenant' }).click()
  await page.waitForURL(/#maintenant$/)
  const box = await now.boundingBox()
  t.ok(box !== null && box.y >= -1 && box.y < PHONE.height, 'the link brings the slot in progress into view')
  t.same(await seriousAxeViolations(page), [], 'axe clean with the markers')
  const phoneHeight = await page.evaluate(() => document.documentElement.scrollHeight)
  t.comment(`height of Wednesday at 390×844: ${phoneHeight}px`)

  clock.set('2025-12-01T15:00:00Z')
  await page.goto(`${base}/events/ecole-automne-coproduction-2025`)
  t.equal(await page.locator('.marker').count(), 0, 'after the event: no marker')
  t.equal(await page.getByRole('link', { name: 'Aller à maintenant' }).count(), 0)
})

t.test('in Chromium: each day is far shorter than the whole program on a phone (390×844)', { skip }, async t => {
  const { app } = await testApp(t)
  const base = await app.listen({ host: '127.0.0.1', port: 0 })
  const browser = await launchBrowser(t)
  const page = await (await browser.newContext({ viewport: PHONE, locale: 'fr-CA' })).newPage()
  const heights: Record<string, number> = {}
  for (const day of ['2025-10-20', '2025-10-21', '2025-10-22', '2025-10-23', '2025-10-24', 'tout']) {
    await page.goto(`${base}/?jour=${day}`)
    heights[day] = await page.evaluate(() => document.documentElement.scrollHeight)
  }
  t.comment(`page heights at 390×844: ${JSON.stringify(heights)}`)
  const tallest = Math.max(...['2025-10-20', '2025-10-21', '2025-10-22', '2025-10-23', '2025-10-24'].map(d => heights[d] ?? Infinity))
  t.ok(tallest < (heights.tout ?? 0) / 2, `the tallest day (${tallest}px) is less than half the whole program (${heights.tout ?? 0}px)`)
})
