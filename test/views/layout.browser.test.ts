import t from 'tap'
import { browserUnavailable, launchBrowser, seriousAxeViolations } from '../helpers/browser.js'
import { accessWorld } from '../helpers/identities.js'

// The site's header in Chromium: the person's menu opens without script, stays on screen at a
// phone's and a laptop's width, is axe clean open, and signs out; without a session, a page that
// needs one opens the sign-in form, and the header's way in is there.
const skip = browserUnavailable()
t.setTimeout(5 * 60_000)

const VIEWPORTS = [{ name: 'phone', width: 390, height: 844 }, { name: 'laptop', width: 1366, height: 900 }] as const

t.test('the person\'s menu opens on screen at 390 and 1366 px, axe clean, and signs out', { skip }, async t => {
  const w = await accessWorld(t)
  const browser = await launchBrowser(t)
  const context = await browser.newContext({ locale: 'fr-CA' })
  const cookie = w.identities.organizer.cookie ?? ''
  await context.addCookies(cookie.split(/;\s*/).filter(Boolean).map(pair => ({ name: pair.slice(0, pair.indexOf('=')), value: pair.slice(pair.indexOf('=') + 1), url: w.base })))
  const page = await context.newPage()
  for (const viewport of VIEWPORTS) {
    await page.setViewportSize({ width: viewport.width, height: viewport.height })
    for (const path of ['/', '/moi', `/organisateurs/evenements/${w.eventId}/participants`]) {
      await page.goto(`${w.base}${path}`)
      const where = `${path} at ${viewport.name}`
      const summary = page.locator('header.site .account summary')
      t.equal(await page.locator('header.site .account-menu').isVisible(), false, `${where}: the menu starts closed`)
      await summary.click()
      const menu = page.locator('header.site .account-menu')
      t.ok(await menu.isVisible(), `${where}: a click opens it`)
      const box = await menu.boundingBox()
      t.ok(box !== null && box.x >= 0 && box.x + box.width <= viewport.width, `${where}: the menu is within the screen (${JSON.stringify(box)})`)
      t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth), `${where}: nothing sticks out sideways`)
      t.ok(await page.getByRole('link', { name: 'Ma page' }).first().isVisible(), `${where}: their page`)
      t.same(await seriousAxeViolations(page), [], `${where}: axe clean with the menu open`)
      await summary.click()
      t.equal(await menu.isVisible(), false, `${where}: and closes again`)
    }
  }
  await page.goto(`${w.base}/`)
  await page.locator('header.site .account summary').click()
  await Promise.all([page.waitForURL(/\/\?lang=fr$/), page.getByRole('button', { name: 'Se déconnecter' }).click()])
  t.ok(await page.locator('header.site').getByRole('link', { name: 'Se connecter' }).isVisible(), 'signed out: the way in')
})

t.test('without a session, a personal page opens the sign-in form in the browser', { skip }, async t => {
  const w = await accessWorld(t)
  const browser = await launchBrowser(t)
  const page = await (await browser.newContext({ locale: 'fr-CA' })).newPage()
  for (const viewport of VIEWPORTS) {
    await page.setViewportSize({ width: viewport.width, height: viewport.height })
    const res = await page.goto(`${w.base}/presence/laissez-passer`)
    t.equal(res?.status(), 200)
    t.equal(new URL(page.url()).pathname + new URL(page.url()).search, '/connexion?retour=%2Fpresence%2Flaissez-passer&lang=fr', `at ${viewport.name}: on the form, the way back kept`)
    t.equal((await page.locator('h1').textContent())?.trim(), 'M’envoyer mon lien de connexion')
    t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth), `at ${viewport.name}: nothing sticks out sideways`)
    t.same(await seriousAxeViolations(page), [], `at ${viewport.name}: axe clean`)
  }
})
