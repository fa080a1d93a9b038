import t from 'tap'
import { testApp } from '../helpers/app.js'
import { browserUnavailable, launchBrowser, seriousAxeViolations } from '../helpers/browser.js'

const skip = browserUnavailable()

t.test('in Chromium: a one-time link signs an organizer in (secure cookies on 127.0.0.1), who invites door staff', { skip }, async t => {
  const { app, services, config } = await testApp(t)
  const base = await app.listen({ host: '127.0.0.1', port: 0 })
  const [event] = await services.program.listEvents()
  const link = await services.people.bootstrapOrganizer('org@enap.ca', [event!.id], 'Odile Organisatrice')
  const path = new URL(link.url).pathname

  const browser = await launchBrowser(t)
  const context = await browser.newContext({ locale: 'fr-CA' })
  const page = await context.newPage()
  await page.goto(`${base}${path}`)
  t.equal(await page.textContent('h1'), 'Connexion')
  t.same(await seriousAxeViolations(page), [], 'sign-in page passes axe')
  await page.click('button[type=submit]')
  await page.waitForURL(/\/organisateurs/)
  t.notMatch(page.url(), /auth\/link/, 'the token is no longer in the address bar')
  t.equal(await page.textContent('h1'), 'Espace organisation')
  const cookies = await context.cookies()
  t.same(cookies.map(c => c.name).sort(), ['compagnon_csrf', 'compagnon_device', 'compagnon_session'], 'Chromium kept the three cookies (the CSRF secret comes with the session)')
  t.same(await seriousAxeViolations(page), [], 'organizer area passes axe')

  await page.click('.organizer-cards a:text-is("Équipe")')
  await page.waitForURL(/\/equipe/)
  t.equal(await page.textContent('h1'), 'Équipe')
  await page.fill('input[name=email]', 'porte@enap.ca')
  await page.fill('input[name=name]', 'Paul Porte')
  await page.selectOption('select[name=role]', 'door_staff')
  await page.click('form[action^="/organisateurs/invitations"] button')
  await page.waitForSelector('.notice code')
  t.match(await page.textContent('.notice code'), new RegExp(`^${config.publicUrl}/auth/link/[A-Za-z0-9_-]{43}$`), 'links use PUBLIC_URL')
  t.match(await page.textContent('table.team'), /Paul Porte\s*porte@enap\.ca\s*Accueil \(numérisation seulement\)/)
  t.equal(await page.textContent('h1'), 'Équipe', 'the invitation answers with the Équipe page')

  const reused = await (await browser.newContext({ locale: 'fr-CA' })).newPage()
  const res = await reused.goto(`${base}${path}`)
  t.equal(res?.status(), 400, 'the link works once')
  t.match(await reused.textContent('[role=alert]'), /déjà servi ou a expiré/)
})
