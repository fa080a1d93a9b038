import t from 'tap'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { extractText, getDocumentProxy } from 'unpdf'
import { attestationSetup } from '../helpers/attestations.js'
import type { Page } from 'playwright-core'
import { browserUnavailable, launchBrowser, seriousAxeViolations } from '../helpers/browser.js'

const skip = browserUnavailable()
/** Phones: the page itself never scrolls sideways (wide tables scroll inside their own box). */
const phoneSize = { width: 375, height: 800 }
const fitsWidth = async (page: Page): Promise<boolean> => await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)

t.test('in Chromium: a participant opens their personal link, requests the attestation in English, downloads the PDF; the verification page says valid, then revoked once an organizer revokes it (axe-clean pages)', { skip }, async t => {
  const ctx = await attestationSetup(t)
  const base = await ctx.app.listen({ host: '127.0.0.1', port: 0 })
  const zoe = await ctx.person('Zoé Côté-Bérubé', 'participant', 'fr')
  const hours = await ctx.attendHours(zoe.id, 17)
  const link = await ctx.services.people.participants.issueLink(ctx.organizer.id, ctx.eventId, zoe.id)
  const browser = await launchBrowser(t)

  // --- the participant: personal link, /moi, /attestation -----------------------------------
  const context = await browser.newContext({ locale: 'fr-CA', acceptDownloads: true, viewport: phoneSize })
  const phone = await context.newPage()
  await phone.goto(`${base}${new URL(link.url).pathname}`)
  await phone.click('button[type=submit]')
  await phone.waitForURL(/\/moi\?lang=fr$/)
  await phone.click('a[href="/attestation?lang=fr"]')
  await phone.waitForURL(/\/attestation\?lang=fr$/)
  t.equal(await phone.textContent('h1'), 'Mon attestation de formation')
  t.match(await phone.textContent('dl.figures'), /Heures de présence\s*17,25\sh/)
  t.equal(await phone.inputValue('input[name=name]'), 'Zoé Côté-Bérubé', 'prefilled with the display name')
  t.ok(await phone.isChecked('input[name=locale][value=fr]'), 'prefilled with the preferred language')
  t.same(await seriousAxeViolations(phone), [], '/attestation in French passes axe')

  // An error first: the message sits next to the field, what was typed stays.
  await phone.fill('input[name=hrEmail]', 'rh@')
  await phone.click('form[action^="/attestation/"] button[type=submit]')
  await phone.waitForSelector('.field-error')
  t.match(await phone.textContent(`#hrEmail-${ctx.eventId}-error`), /« rh@ » n’est pas une adresse courriel/)
  t.equal(await phone.getAttribute('input[name=hrEmail]', 'aria-invalid'), 'true')
  t.same(await seriousAxeViolations(phone), [], 'the form with its errors passes axe')

  await phone.click('text=English')
  await phone.waitForURL(/lang=en/)
  t.equal(await phone.textContent('h1'), 'My training attestation')
  t.same(await seriousAxeViolations(phone), [], '/attestation in English passes axe')
  await phone.fill('input[name=name]', 'Zoé Côté-Bérubé')
  await phone.check('input[name=locale][value=en]')
  await phone.fill('input[name=employer]', 'Ministère de la Santé')
  await phone.fill('input[name=hrEmail]', 'rh@msss.gouv.qc.ca')
  await phone.click('form[action^="/attestation/"] button[type=submit]')
  await phone.waitForURL(/\/attestation\?fait=delivree&lang=en/)
  t.equal(await phone.textContent('.notice[role=status]'), 'Your attestation is issued.')
  const stored = await ctx.database.db.selectFrom('attestations').select(['id', 'code', 'sha256', 'locale']).where('person_id', '=', zoe.id).executeTakeFirstOrThrow()
  t.equal(stored.locale, 'en')
  t.equal(await phone.getAttribute('code.code', 'data-code'), stored.code)
  t.match(await phone.textContent('dl.attestation'), /Name printed\s*Zoé Côté-Bérubé[\s\S]*Training hours\s*17\.25\sh[\s\S]*\(CEU\)\s*1\.73/)
  t.same(await seriousAxeViolations(phone), [], 'the issued attestation passes axe')
  t.ok(await fitsWidth(phone), '/attestation fits a phone\'s width')

  const [download] = await Promise.all([phone.waitForEvent('download'), phone.click('text=Download the PDF')])
  t.match(download.suggestedFilename(), /^attestation-training-[0-9A-Z]{8}\.pdf$/)
  const pdf = await readFile((await download.path())!)
  t.equal(pdf.subarray(0, 4).toString(), '%PDF')
  t.equal(createHash('sha256').update(pdf).digest('hex'), stored.sha256, 'the bytes downloaded are the ones stored at issue')
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf)), { mergePages: true })
  t.match(text, 'Zoé Côté-Bérubé', 'the name, accents intact')
  t.match(text, `${hours} hours`, 'the hours attended')
  t.match(text, '1.73 CEU')

  // --- the public verification page: valid --------------------------------------------------
  await phone.click('text=Public verification page')
  await phone.waitForURL(new RegExp(`/verify/${stored.code}`))
  await phone.waitForSelector('[data-status]')
  t.equal(await phone.getAttribute('[data-status]', 'data-status'), 'valid')
  t.match(await phone.textContent('main'), /Valid attestation[\s\S]*Zoé Côté-Bérubé/)

  // --- an organizer revokes it from their page ----------------------------------------------
  const organizerContext = await browser.newContext({ locale: 'fr-CA', viewport: phoneSize })
  const desk = await organizerContext.newPage()
  const signIn = await ctx.services.people.handoffLink(ctx.organizer.id, 'phone')
  await desk.goto(`${base}${new URL(signIn.url).pathname}`)
  await desk.click('button[type=submit]')
  await desk.waitForLoadState()
  await desk.goto(`${base}/organisateurs/attestations/${ctx.eventId}?lang=fr`)
  t.equal(await desk.textContent('h1'), 'Attestations de formation')
  t.match(await desk.textContent(`tr[data-attestation="${stored.id}"]`), /Zoé Côté-Bérubé[\s\S]*Valide[\s\S]*17,25\sh[\s\S]*automatiquement/)
  t.same(await seriousAxeViolations(desk), [], 'the organizer page passes axe')
  t.ok(await fitsWidth(desk), 'the organizer page fits a phone\'s width')
  const row = `tr[data-attestation="${stored.id}"]`
  await desk.click(`${row} details:first-of-type summary`)
  await desk.click(`${row} form[action*="/revocation"] button[type=submit]`)
  await desk.waitForSelector('.field-error')
  t.match(await desk.textContent(`#revoke-${stored.id}-reason-error`), 'Donnez un motif')
  t.same(await seriousAxeViolations(desk), [], 'the organizer page with an error passes axe')
  t.ok(await desk.isVisible(`${row} form[action*="/revocation"] input[name=reason]`), 'the form with the error stays open')
  await desk.fill(`${row} form[action*="/revocation"] input[name=reason]`, 'Présence mal saisie')
  await desk.click(`${row} form[action*="/revocation"] button[type=submit]`)
  await desk.waitForURL(/fait=revoquee/)
  t.match(await desk.textContent(row), /Révoquée[\s\S]*Présence mal saisie/)
  t.match(await desk.textContent('table.audit'), /Révoquée\s*Zoé Côté-Bérubé\s*Odile Organisatrice\s*Présence mal saisie/)
  const desktopEnglish = await organizerContext.newPage()
  await desktopEnglish.goto(`${base}/organisateurs/attestations/${ctx.eventId}?lang=en`)
  t.same(await seriousAxeViolations(desktopEnglish), [], 'the organizer page in English passes axe')

  // --- the verification page now says revoked, with the reason ------------------------------
  await phone.reload()
  await phone.waitForSelector('[data-status]')
  t.equal(await phone.getAttribute('[data-status]', 'data-status'), 'revoked')
  t.match(await phone.textContent('[data-status]'), /Revoked attestation[\s\S]*Présence mal saisie/)
  await phone.goto(`${base}/attestation?lang=en`)
  t.match(await phone.textContent('main'), /Your attestation is no longer valid \(it was revoked on [^)]+\): Présence mal saisie\./, 'with the date and the reason')
})
