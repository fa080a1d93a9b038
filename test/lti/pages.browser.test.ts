import t from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { realTime, testApp } from '../helpers/app.js'
import { given } from '../helpers/given.js'
import { browserUnavailable, launchBrowser, seriousAxeViolations } from '../helpers/browser.js'
import { freePort } from '../helpers/process.js'
import { startPlatform } from '../helpers/lti-platform.js'
import { startRegistrationEndpoint } from '../helpers/lti-dynamic-registration.js'

const skip = browserUnavailable()

/** An app reachable at PUBLIC_URL (the links it prints must open in the browser). */
const listening = async (t: Parameters<typeof testApp>[0]) => {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const built = await testApp(t, { clock: realTime(), config: { publicUrl: base } })
  await built.app.listen({ host: '127.0.0.1', port })
  return { ...built, base }
}

t.test('in Chromium: a frame that lost our cookies continues in a new window, signed in; the phone QR page signs a phone in', { skip }, async t => {
  const ctx = await listening(t)
  const { base, services } = ctx
  const person = await given(ctx).person({ name: 'Sam Safari', email: 'sam@etu.enap.ca' })
  const handoff = await services.people.handoffLink(person.id, 'launch')

  const browser = await launchBrowser(t)
  const frame = await (await browser.newContext({ locale: 'fr-CA' })).newPage()
  await frame.goto(`${base}/cours/suite/${handoff.token}?lang=fr`)
  t.equal(await frame.textContent('h1'), 'Ouvrir Compagnon dans une nouvelle fenêtre')
  t.same(await seriousAxeViolations(frame), [], 'the fallback page passes axe')
  const [opened] = await Promise.all([frame.context().waitForEvent('page'), frame.click('button[type=submit]')])
  await opened.waitForURL(/\/cours\?lang=fr$/)
  t.equal(await opened.textContent('h1'), 'Bonjour, Sam Safari', 'the new window is signed in')
  t.same(await seriousAxeViolations(opened), [], 'the course page passes axe')

  await opened.click('form[action^="/auth/telephone"] button')
  await opened.waitForSelector('figure.qr svg')
  t.same(await seriousAxeViolations(opened), [], 'the QR page passes axe')
  const box = await opened.locator('figure.qr svg').boundingBox()
  t.ok(box !== null && box.width >= 150, 'the QR code is large enough to scan')
  await opened.click('summary')
  const link = (await opened.textContent('details code')) ?? ''
  t.match(link, new RegExp(`^${base}/auth/link/[A-Za-z0-9_-]{43}\\?lang=fr$`))

  const phone = await (await browser.newContext({ locale: 'fr-CA', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })).newPage()
  await phone.goto(link)
  await phone.click('button[type=submit]')
  await phone.waitForURL(/\/cours\?lang=fr$/)
  t.equal(await phone.textContent('h1'), 'Bonjour, Sam Safari', 'the phone is signed in')
  t.notMatch(phone.url(), /auth\/link/, 'the token is gone from the address bar')
})

t.test('in Chromium: dynamic registration inside the LMS dialog, and "Terminer" tells the LMS to close it', { skip }, async t => {
  const { services } = await listening(t)
  const [event] = await services.program.listEvents()
  const organizer = await services.people.bootstrapOrganizer('org@enap.ca', [event!.id], 'Odile')
  const link = await services.ltiRegistration.createLink(organizer.personId)
  const platform = await startPlatform(t, { clientId: 'browser-dyn' })
  const lms = await startRegistrationEndpoint(t, platform)
  const toolUrl = new URL(link.url)
  toolUrl.searchParams.set('openid_configuration', lms.openidConfigurationUrl)
  toolUrl.searchParams.set('registration_token', lms.registrationToken)
  // The LMS page on another site ('localhost' vs '127.0.0.1') opens the tool in a frame and listens for its message.
  const lmsPage = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><html lang="fr"><title>LMS</title>
<script>window.received = []; addEventListener('message', function (e) { window.received.push(e.data) })</script>
<iframe title="Compagnon" src="${toolUrl.toString().replace('127.0.0.1', 'localhost')}" width="800" height="600"></iframe></html>`)
  })
  await new Promise<void>(resolve => lmsPage.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { lmsPage.close() })

  const browser = await launchBrowser(t)
  const page = await (await browser.newContext({ locale: 'fr-CA' })).newPage()
  await page.goto(`http://127.0.0.1:${(lmsPage.address() as AddressInfo).port}/`)
  const tool = page.frameLocator('iframe')
  await tool.locator('h1').waitFor()
  t.equal(await tool.locator('h1').textContent(), 'Enregistrer Compagnon dans votre LMS')
  await tool.locator('button[type=submit]').click()
  await tool.locator('text=Compagnon est enregistré').waitFor()
  await tool.locator('button[data-lti-close]').click()
  await page.waitForFunction(() => (window as unknown as { received: unknown[] }).received.length > 0)
  t.same(await page.evaluate(() => (window as unknown as { received: unknown[] }).received), [{ subject: 'org.imsglobal.lti.close' }])
  t.match((await services.lti.platforms()).find(p => p.clientId === 'browser-dyn'), { active: false })
  const frame = page.frames().find(f => f.url().includes('/lti/register'))
  t.ok(frame, 'the tool frame')
  if (frame !== undefined) t.same(await seriousAxeViolations(frame), [], 'the registration page passes axe')
})
