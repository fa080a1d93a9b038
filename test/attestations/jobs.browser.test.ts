import t from 'tap'
import { AttestationJobs } from '../../src/attestations/jobs.js'
import { RenderPool } from '../../src/attestations/render-pool.js'
import { attestationSetup } from '../helpers/attestations.js'
import { browserUnavailable, launchBrowser, seriousAxeViolations } from '../helpers/browser.js'
import { freePort } from '../helpers/process.js'

const skip = browserUnavailable()

t.test('in Chromium: the organizer follows a bulk generation, downloads the ZIP and starts it again; the pages pass axe', { skip }, async t => {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const ctx = await attestationSetup(t)
  await ctx.app.listen({ host: '127.0.0.1', port })
  for (const name of ['Rosalie Roy', 'Samuel Séguin']) await ctx.attendHours((await ctx.person(name)).id, 17)
  const renderer = new RenderPool(ctx.config.attestationAssetsDir, 1)
  t.teardown(async () => { await renderer.close() })
  const jobs = new AttestationJobs(ctx.database.db, ctx.clock, { attestations: ctx.services.attestations, program: ctx.services.program, files: ctx.services.files, access: ctx.app.access, renderer })
  const job = await jobs.start(ctx.organizer.id, ctx.eventId)

  const browser = await launchBrowser(t)
  const context = await browser.newContext({ locale: 'fr-CA', acceptDownloads: true })
  const page = await context.newPage()
  await page.goto(new URL(new URL((await ctx.services.people.handoffLink(ctx.organizer.id, 'phone')).url).pathname, base).toString())
  await page.click('button[type=submit]')
  await page.waitForURL(/\/cours|\/moi|\/organisateurs/)

  await page.goto(`${base}/organisateurs/attestations/generation/${job.id}?lang=fr&auto=0`)
  t.match(await page.textContent('main'), 'En attente de démarrage')
  t.same(await seriousAxeViolations(page), [], 'the page of a waiting job passes axe')

  await jobs.runDue()
  await page.goto(`${base}/organisateurs/attestations/generation/${job.id}?lang=fr`)
  t.match(await page.textContent('main'), '2 sur 2')
  t.equal(await page.getAttribute('progress', 'value'), '2')
  t.same(await seriousAxeViolations(page), [], 'the page of a finished job passes axe')
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[download]')])
  t.match(download.suggestedFilename(), /^attestations-.+\.zip$/)

  // The form on the page, posted by the browser itself (same-origin check, 303 to the new job).
  await page.click('main form button[type=submit]')
  await page.waitForURL(url => /\/organisateurs\/attestations\/generation\/[0-9a-f-]{36}\?lang=fr$/.test(url.pathname + url.search) && !url.pathname.endsWith(job.id))
  t.match(await page.textContent('main'), 'En attente de démarrage', 'a new job, waiting')
})
