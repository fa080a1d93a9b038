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

  const res = await page.goto(`${base}/`)
  t.equal(res?.status(), 200)
  t.equal(await page.getAttribute('html', 'lang'), 'fr')
  t.equal(await page.textContent('h1'), 'École d\'automne sur la coproduction des services publics')
  t.equal(await page.locator('h2[id^="day-"]').count(), 5, 'one heading per day')
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
