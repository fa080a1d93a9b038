import t from 'tap'
import { testApp } from '../helpers/app.js'
import { given } from '../helpers/given.js'
import { browserUnavailable, launchBrowser, seriousAxeViolations } from '../helpers/browser.js'

const skip = browserUnavailable()

t.test('in Chromium: a page that needs a session leads to « M\'envoyer mon lien », whose answer page is the same for any address (axe-clean)', { skip }, async t => {
  const ctx = await testApp(t, { config: { smtp: { url: 'smtp://127.0.0.1:9', from: 'noreply@enap.ca' } } })
  const base = await ctx.app.listen({ host: '127.0.0.1', port: 0 })
  await given(ctx).person({ name: 'Paule Émond', email: 'paule@montreal.ca' })
  const browser = await launchBrowser(t)
  const page = await (await browser.newContext({ locale: 'fr-CA' })).newPage()

  // Straight to the form, which brings the person back to /moi once signed in.
  await page.goto(`${base}/moi`)
  t.equal(new URL(page.url()).pathname + new URL(page.url()).search, '/connexion?retour=%2Fmoi&lang=fr')
  t.same(await seriousAxeViolations(page), [], 'the form passes axe')
  await page.fill('input[name=email]', 'paule@montreal.ca')
  await page.click('button[type=submit]')
  await page.waitForSelector('.notice[role=status]')
  const known = await page.textContent('main, body')
  t.match(known, /Si un compte Compagnon utilise l’adresse paule@montreal\.ca, un lien de connexion vient d’y être envoyé/)
  t.same(await seriousAxeViolations(page), [], 'the answer passes axe')

  await page.click('text=Demander un lien pour une autre adresse')
  await page.fill('input[name=email]', 'personne@nulle-part.ca')
  await page.click('button[type=submit]')
  await page.waitForSelector('.notice[role=status]')
  t.equal((await page.textContent('main, body'))?.replace('personne@nulle-part.ca', 'X'), known?.replace('paule@montreal.ca', 'X'), 'an unknown address gets the same page')
  await ctx.services.selfServiceLinks.settled()
  t.equal((await ctx.database.db.selectFrom('outgoing_messages').select('to_address').execute()).map(m => m.to_address).join(), 'paule@montreal.ca')
})

t.test('in Chromium: two browsers with separate cookies link two accounts of one person by a code (axe-clean)', { skip }, async t => {
  const ctx = await testApp(t)
  const base = await ctx.app.listen({ host: '127.0.0.1', port: 0 })
  const db = ctx.database.db
  const student = (await given(ctx).person({ name: 'Léa Tremblay', email: null })).id
  const employee = (await given(ctx).person({ name: 'Léa Tremblay', email: 'lea@quebec.ca' })).id
  const browser = await launchBrowser(t)
  // Each account signed in in its own browser context: cookies are not shared, as between an LMS frame and a tab.
  const signedIn = async (personId: string) => {
    const page = await (await browser.newContext({ locale: 'fr-CA' })).newPage()
    const link = await ctx.services.people.handoffLink(personId, 'phone')
    await page.goto(`${base}${new URL(link.url).pathname}`)
    await page.click('button[type=submit]')
    await page.waitForLoadState()
    await page.goto(`${base}/moi`)
    return page
  }
  const lms = await signedIn(student)
  const tab = await signedIn(employee)

  t.same(await seriousAxeViolations(lms), [], '/moi with the linking section passes axe')
  await lms.click('text=Afficher un code de liaison')
  const code = (await lms.textContent('p.code code'))!
  t.match(code, /^[2-9A-Z]{4}-[2-9A-Z]{4}$/)
  t.same(await seriousAxeViolations(lms), [], 'the code page passes axe')

  await tab.fill('section[aria-labelledby=moi-liaison] input[name=code]', code)
  await tab.click('text=Continuer')
  await tab.waitForSelector('text=Relier les deux comptes ?')
  t.same(await seriousAxeViolations(tab), [], 'the confirmation passes axe')
  await tab.click('text=Relier les comptes')
  await tab.waitForSelector('.notice[role=status]')
  t.match(await tab.textContent('.notice[role=status]'), /Vos deux comptes n’en font plus qu’un/)

  await lms.goto(`${base}/moi`)
  t.match(lms.url(), /\/connexion\?retour=%2Fmoi/, 'the absorbed account\'s browser no longer opens a page as that account: it is asked to sign in')
  t.equal(await db.selectFrom('people').select('id').where('id', '=', student).executeTakeFirst(), undefined)
})
