import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { attestationSetup } from '../helpers/attestations.js'
import { browserUnavailable, launchBrowser, seriousAxeViolations } from '../helpers/browser.js'

const skip = browserUnavailable()

t.test('in Chromium: someone types a printed code, reads the attestation, checks the genuine PDF and a forged one; revoked, superseded and unknown codes say so; every page passes axe', { skip }, async t => {
  const ctx = await attestationSetup(t)
  const { attestations, attestationDecisions } = ctx.services
  const p = await ctx.person('Paule Émond')
  await ctx.attendHours(p.id, 17)
  const a = (await attestations.request(p.id, ctx.eventId, { name: 'Paule Émond', locale: 'fr', employer: null, hrEmail: null })).attestation!
  const dir = mkdtempSync(join(tmpdir(), 'compagnon-verify-'))
  const genuine = join(dir, 'attestation.pdf')
  const pdf = (await attestations.pdf(p.id, a.id)).data
  writeFileSync(genuine, pdf)
  const forged = join(dir, 'attestation-modifiee.pdf')
  const altered = Buffer.from(pdf)
  altered[altered.length >> 1]! ^= 0x20
  writeFileSync(forged, altered)
  const notPdf = join(dir, 'attestation.pdf.txt')
  writeFileSync(notPdf, 'Ceci n\'est pas un PDF')

  const base = await ctx.app.listen({ host: '127.0.0.1', port: 0 })
  const browser = await launchBrowser(t)
  const page = await (await browser.newContext({ locale: 'fr-CA' })).newPage()

  await page.goto(`${base}/verify`)
  t.same(await seriousAxeViolations(page), [], 'the entry page passes axe')
  await page.fill('input[name=code]', a.groupedCode.toLowerCase().replace(/-/g, ' '))
  await page.click('button[type=submit]')
  await page.waitForSelector('[data-status="valid"]')
  t.match(await page.textContent('[role=status]'), 'Attestation valide')
  t.match(await page.textContent('main'), 'Paule Émond')
  t.equal(await page.getAttribute('meta[name=robots]', 'content'), 'noindex')
  t.same(await seriousAxeViolations(page), [], 'the verification page passes axe')

  await page.setInputFiles('input[name=file]', genuine)
  await page.click('form[enctype="multipart/form-data"] button[type=submit]')
  await page.waitForSelector('[data-check="match"]')
  t.match(await page.textContent('[data-check]'), 'Ce document est exactement l’attestation délivrée')
  t.same(await seriousAxeViolations(page), [], 'the check result passes axe')

  await page.setInputFiles('input[name=file]', forged)
  await page.click('form[enctype="multipart/form-data"] button[type=submit]')
  await page.waitForSelector('[data-check="mismatch"]')
  t.match(await page.textContent('[data-check]'), 'Ce document ne correspond pas à l’attestation délivrée')

  await page.setInputFiles('input[name=file]', notPdf)
  const refused = page.waitForResponse(r => r.request().method() === 'POST')
  await page.click('form[enctype="multipart/form-data"] button[type=submit]')
  t.equal((await refused).status(), 415)
  await page.waitForSelector('.error-box')
  t.match(await page.textContent('.error-box'), 'Ce fichier n’est pas un PDF')
  t.same(await seriousAxeViolations(page), [], 'the refusal passes axe')

  ctx.clock.set('2025-10-27T15:00:00Z')
  const next = await attestationDecisions.reissue(ctx.organizer.id, a.id, 'Correction du nom', { name: 'Paule Émond-Lévesque' })
  await page.goto(`${base}/verify/${a.code}?lang=en`)
  t.match(await page.textContent('[role=status]'), 'Superseded attestation')
  await page.click(`a[data-superseded-by="${next.code}"]`)
  await page.waitForSelector('[data-status="valid"]')
  t.match(await page.textContent('main'), 'Paule Émond-Lévesque')

  await attestationDecisions.revoke(ctx.organizer.id, next.id, 'Délivrée par erreur')
  await page.reload()
  await page.waitForSelector('[data-status="revoked"]')
  t.match(await page.textContent('[role=status]'), /Revoked attestation[\s\S]*October 27, 2025 at 11:00\sa\.m\.[\s\S]*Délivrée par erreur/)
  t.same(await seriousAxeViolations(page), [], 'a revoked attestation\'s page passes axe')

  const unknown = await page.goto(`${base}/verify/ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-23`)
  t.equal(unknown?.status(), 404)
  t.match(await page.textContent('main'), 'Aucune attestation ne correspond au code')
  t.same(await seriousAxeViolations(page), [], 'the 404 page passes axe')
})
