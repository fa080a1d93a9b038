import t from 'tap'
import { FixedClock } from '../../src/clock.js'
import { testApp } from '../helpers/app.js'
import { given } from '../helpers/given.js'
import { AFTER_EVENT } from '../helpers/attestations.js'
import { browserUnavailable, launchBrowser, seriousAxeViolations } from '../helpers/browser.js'
import { freePort } from '../helpers/process.js'

const skip = browserUnavailable()

t.test('in Chromium: an organizer reads the stored messages, opens one and downloads its attachment; the pages pass axe', { skip }, async t => {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const ctx = await testApp(t, { clock: new FixedClock(AFTER_EVENT), config: { publicUrl: base } })
  await ctx.app.listen({ host: '127.0.0.1', port })
  const g = given(ctx)
  const eventId = await g.event()
  const organizer = (await g.organizer({ name: 'Odile Organisatrice', email: 'odile@example.gouv.qc.ca' })).id
  const paule = (await g.participant({ name: 'Paule Émond', email: 'paule@example.gouv.qc.ca' })).id
  // Present at every counted slot: her attestation is issued at once.
  for (const slot of await g.countedSlots()) await g.checkedIn(paule, slot.id)
  await ctx.services.attestations.request(paule, eventId, { name: 'Paule Émond', locale: 'fr', employer: null, hrEmail: 'rh@montreal.ca' })

  const browser = await launchBrowser(t)
  const context = await browser.newContext({ locale: 'fr-CA', acceptDownloads: true })
  const page = await context.newPage()
  await page.goto((await ctx.services.people.handoffLink(organizer, 'phone')).url)
  await page.click('button[type=submit]')
  await page.waitForURL(/\/cours/)

  await page.goto(`${base}/organisateurs/messages/${eventId}?lang=fr`)
  t.match(await page.textContent('main'), 'Compagnon n’envoie pas de courriels pour le moment : chaque message est conservé ici, dans « Messages envoyés », pour que vous le transmettiez vous-même')
  t.equal(await page.locator('tbody tr').count(), 2)
  t.same(await seriousAxeViolations(page), [], 'the messages page passes axe')

  await page.click('text=Votre attestation de formation')
  await page.waitForURL(new RegExp(`/organisateurs/messages/${eventId}/[0-9a-f-]{36}`))
  t.match(await page.textContent('.answer'), `${base}/verify/`)
  t.same(await seriousAxeViolations(page), [], 'a message\'s page passes axe')
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[download]')])
  t.match(download.suggestedFilename(), /^attestation-formation-[0-9A-Z]{8}\.pdf$/)

  await page.goto(`${base}/organisateurs/rapports/${eventId}?lang=en`)
  t.match(await page.textContent('h1'), 'Reports — Fall School')
  t.same(await seriousAxeViolations(page), [], 'the reports page passes axe')
  const [csv] = await Promise.all([page.waitForEvent('download'), page.click('a[aria-label="Attendance per participant — CSV"]')])
  t.equal(csv.suggestedFilename(), 'participant-attendance-ecole-automne-coproduction-2025.csv')
})
