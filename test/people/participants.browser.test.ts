import t from 'tap'
import { testApp } from '../helpers/app.js'
import { browserUnavailable, launchBrowser, seriousAxeViolations } from '../helpers/browser.js'

const skip = browserUnavailable()

t.test('in Chromium: an organizer uploads a French Excel CSV, sees the participants and issues a personal link; the participant opens /moi with it (axe-clean)', { skip }, async t => {
  const { app, services, config } = await testApp(t)
  const base = await app.listen({ host: '127.0.0.1', port: 0 })
  const [event] = await services.program.listEvents()
  const link = await services.people.bootstrapOrganizer('org@enap.ca', [event!.id], 'Odile Organisatrice')

  const browser = await launchBrowser(t)
  const organizer = await (await browser.newContext({ locale: 'fr-CA' })).newPage()
  await organizer.goto(`${base}${new URL(link.url).pathname}`)
  await organizer.click('button[type=submit]')
  await organizer.waitForURL(/\/organisateurs/)
  await organizer.click('.organizer-cards a:text-is("Participant·e·s")')
  await organizer.waitForURL(/\/participants/)
  t.match(await organizer.textContent('main'), /Aucune personne inscrite/)

  const csv = Buffer.from('\uFEFFNom;Courriel;Employeur;Langue\r\n' +
    '"Tremblay, Marie";marie@quebec.ca;"Ministère de l\'Économie ""MEIE""";français\r\n' +
    'Jean Côté;jean@;Ville de Montréal;fr\r\n' +
    'Al Smith;al@canada.ca;ESDC;English\r\n', 'utf8')
  await organizer.setInputFiles('input[name=participants]', { name: 'participants.csv', mimeType: 'text/csv', buffer: csv })
  await organizer.click('form[action*="/participants/import"] button')
  await organizer.waitForSelector('table.participants')
  t.match(await organizer.textContent('.notice[role=status]'), /Liste importée\s*: 2 ajoutées, 0 mise à jour, 0 inchangée, 0 compte existant conservé, 1 ligne en erreur/)
  t.match(await organizer.textContent('.notice[role=status] li'), /Ligne 3 — Courriel\s*: Adresse courriel invalide/)
  const rows = await organizer.$$eval('table.participants tbody tr', trs => trs.map(tr => [...tr.querySelectorAll('th, td')].slice(0, 5).map(c => c.textContent?.trim())))
  t.same(rows, [
    ['Al Smith', 'al@canada.ca', 'ESDC', 'Anglais', 'Aucun'],
    ['Tremblay, Marie', 'marie@quebec.ca', 'Ministère de l\'Économie "MEIE"', 'Français', 'Aucun']
  ], 'the list shows the participants, accents and quotes intact')
  t.same(await seriousAxeViolations(organizer), [], 'organizer area with participants passes axe')

  await organizer.click('button[aria-label="Créer le lien — Tremblay, Marie"]')
  await organizer.waitForSelector('.notice code.token')
  const personal = (await organizer.textContent('.notice code.token'))!
  t.match(personal, new RegExp(`^${config.publicUrl}/p/[A-Za-z0-9_-]{43}$`))
  t.match(await organizer.textContent('table.participants tbody tr:nth-child(2) td:nth-child(5)'), /Actif depuis le 21 octobre 2025/)

  const phone = await (await browser.newContext({ locale: 'en-CA' })).newPage()
  await phone.goto(`${base}${new URL(personal).pathname}`)
  t.equal(await phone.textContent('h1'), 'Ouvrir ma page', 'in the language the organizers recorded')
  t.same(await seriousAxeViolations(phone), [], 'personal link confirmation passes axe')
  await phone.click('button[type=submit]')
  await phone.waitForURL(/\/moi/)
  t.notMatch(phone.url(), /\/p\//, 'the token is no longer in the address bar')
  t.equal(await phone.textContent('h1'), 'Ma page')
  t.match(await phone.textContent('dl'), /Tremblay, Marie[\s\S]*marie@quebec\.ca[\s\S]*Ministère de l'Économie "MEIE"[\s\S]*Français/)
  t.same(await seriousAxeViolations(phone), [], '/moi passes axe')
  await phone.click('text=English')
  await phone.waitForURL(/lang=en/)
  t.equal(await phone.textContent('h1'), 'My page')
  t.same(await seriousAxeViolations(phone), [], '/moi in English passes axe')
})
