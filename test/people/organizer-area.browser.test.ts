import t from 'tap'
import type { Page } from 'playwright-core'
import { testApp } from '../helpers/app.js'
import { browserUnavailable, launchBrowser, seriousAxeViolations } from '../helpers/browser.js'

const skip = browserUnavailable()

const SIZES = [{ name: 'phone', width: 390, height: 844 }, { name: 'laptop', width: 1366, height: 900 }] as const

const overflow = async (page: Page): Promise<number> =>
  await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)

for (const size of SIZES) {
  t.test(`in Chromium at ${size.width}×${size.height}: the organizer area, one page per part with one navigation; search; send links to everyone`, { skip }, async t => {
    const { app, services, database } = await testApp(t)
    const base = await app.listen({ host: '127.0.0.1', port: 0 })
    const [event] = await services.program.listEvents()
    const eventId = event!.id
    const link = await services.people.bootstrapOrganizer('org@enap.ca', [eventId], 'Odile Organisatrice')
    const participants = services.people.participants
    const add = async (name: string, email: string, employer?: string): Promise<string> =>
      (await participants.add(link.personId, eventId, { name, email, employer })).participant.personId
    await add('Marie-Ève Tremblay-Laflamme', 'marie-eve.tremblay-laflamme@ministere-economie-innovation.gouv.qc.ca', 'Ministère de l’Économie, de l’Innovation et de l’Énergie')
    const jean = await add('Jean Côté', 'jean@montreal.ca', 'Ville de Montréal')
    const paule = await add('Paule Roy', 'paule@montreal.ca', 'Ville de Montréal')
    await add('Al Smith', 'al@canada.ca', 'ESDC')
    await participants.issueLink(link.personId, eventId, jean)
    await database.db.updateTable('people').set({ email: null }).where('id', '=', paule).execute()

    const browser = await launchBrowser(t)
    const page = await (await browser.newContext({ locale: 'fr-CA', viewport: { width: size.width, height: size.height } })).newPage()
    await page.goto(`${base}${new URL(link.url).pathname}`)
    await page.click('button[type=submit]')
    await page.waitForURL(/\/organisateurs/)

    // The hub: a card per part, with a status line.
    t.equal(await page.textContent('h1'), 'Espace organisation')
    t.match(await page.textContent('.organizer-cards'), /4 participant·e·s, 3 sans lien/)
    t.equal(await overflow(page), 0, 'the hub does not overflow')
    t.same(await seriousAxeViolations(page), [], 'the hub passes axe')

    await page.click('.organizer-cards a:text-is("Équipe")')
    await page.waitForURL(/\/equipe/)
    // Each part of the area: its own page, the same navigation with the part marked, no overflow.
    const parts = [['Équipe', /\/equipe/], ['Participant·e·s', /\/participants/], ['Programme', /\/programme/], ['LMS', /\/lms/]] as const
    for (const [name, url] of parts) {
      await page.click(`nav.organizer-nav a:text-is("${name}")`)
      await page.waitForURL(url)
      t.equal(await page.textContent('nav.organizer-nav a[aria-current=page]'), name, `${name}: the navigation marks it`)
      t.equal(await page.locator('nav.organizer-nav a').count(), 10, `${name}: every part in the navigation`)
      t.equal(await overflow(page), 0, `${name}: no sideways overflow`)
      t.same(await seriousAxeViolations(page), [], `${name}: axe clean`)
    }
    const navHrefs = await page.$$eval('nav.organizer-nav a', as => as.map(a => new URL((a as HTMLAnchorElement).href).pathname))
    t.same(navHrefs.slice(5), ['presences', 'attestations', 'messages', 'rapports', 'confidentialite'].map(p => `/organisateurs/${p}/${eventId}`), 'the other parts are the existing pages')

    // Participants: the action buttons stay visible, with their labels, at this width.
    await page.click('nav.organizer-nav a:text-is("Participant·e·s")')
    await page.waitForURL(/\/participants/)
    const emailButton = page.locator('button[aria-label="Envoyer le lien par courriel — Marie-Ève Tremblay-Laflamme"]')
    t.ok(await emailButton.isVisible(), 'the e-mail button is visible')
    t.equal(await emailButton.textContent(), 'Envoyer le lien par courriel')
    const box = await emailButton.boundingBox()
    t.ok(box !== null && box.x >= 0 && box.x + box.width <= size.width, 'and inside the window')
    t.match(await page.textContent('#participants-count'), /4 personnes affichées sur 4/)

    // Search and filter: on the server, kept in the address.
    await page.fill('input[name=q]', 'montreal')
    await page.click('form.filters button')
    await page.waitForURL(/q=montreal/)
    const names = async (): Promise<string[]> => await page.$$eval('table.participants tbody th', ths => ths.map(th => th.textContent ?? ''))
    t.same(await names(), ['Jean Côté', 'Paule Roy'], 'name, email or employer, accents aside')
    t.match(await page.textContent('#participants-count'), /2 personnes affichées sur 4/)
    await page.selectOption('select[name=lien]', 'sans-lien')
    await page.click('form.filters button')
    await page.waitForURL(/lien=sans-lien/)
    t.same(await names(), ['Paule Roy'])
    t.equal(await overflow(page), 0, 'the filtered list does not overflow')
    await page.click('a:text-is("Tout afficher")')
    await page.waitForURL(u => !u.search.includes('q='))
    t.same(await names(), ['Al Smith', 'Jean Côté', 'Marie-Ève Tremblay-Laflamme', 'Paule Roy'])

    // Send links to everyone without an active link: a confirmation with the count, then the result.
    await page.click('a.button:has-text("Envoyer les liens à toutes les personnes sans lien actif (3)")')
    await page.waitForURL(/envoi-des-liens\?qui=sans-lien/)
    t.equal(await page.textContent('h1'), 'Envoyer les liens personnels ?')
    t.match(await page.textContent('main'), /2 personnes sans lien actif recevront chacune un nouveau lien personnel par courriel\.[\s\S]*1 personne n’a pas d’adresse courriel/)
    t.equal(await overflow(page), 0, 'the confirmation does not overflow')
    t.same(await seriousAxeViolations(page), [], 'the confirmation passes axe')
    t.equal((await database.db.selectFrom('outgoing_messages').select('id').execute()).length, 0, 'nothing sent before confirming')
    await page.click('button:text-is("Envoyer 2 liens")')
    await page.waitForSelector('.notice[role=status]')
    t.equal((await page.textContent('.notice[role=status]'))?.trim(), '2 liens envoyés, 1 personne sans courriel.')
    t.equal(await page.textContent('nav.organizer-nav a[aria-current=page]'), 'Participant·e·s', 'back on the Participant·e·s page')
    const outbox = await database.db.selectFrom('outgoing_messages').select(['to_address', 'kind']).orderBy('to_address').execute()
    t.same(outbox, [
      { to_address: 'al@canada.ca', kind: 'personal_link' },
      { to_address: 'marie-eve.tremblay-laflamme@ministere-economie-innovation.gouv.qc.ca', kind: 'personal_link' }
    ], 'to the two people without a link who have an email; not to Jean (active link), not to Paule (no email)')
  })
}
