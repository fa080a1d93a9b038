import t from 'tap'
import { FixedClock } from '../../src/clock.js'
import { testApp } from '../helpers/app.js'
import { AFTER_EVENT } from '../helpers/attestations.js'
import { browserUnavailable, launchBrowser, seriousAxeViolations } from '../helpers/browser.js'
import { freePort } from '../helpers/process.js'

const skip = browserUnavailable()

t.test('in Chromium: an organizer reads the stored messages, opens one and downloads its attachment; the pages pass axe', { skip }, async t => {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const ctx = await testApp(t, { clock: new FixedClock(AFTER_EVENT), config: { publicUrl: base } })
  await ctx.app.listen({ host: '127.0.0.1', port })
  const db = ctx.database.db
  const eventId = (await ctx.services.program.listEvents())[0]!.id
  const register = async (name: string, role: string): Promise<string> => {
    const row = await db.insertInto('people').values({ display_name: name, email: `${name.split(' ')[0]!.toLowerCase()}@example.gouv.qc.ca` }).returning('id').executeTakeFirstOrThrow()
    await db.insertInto('registrations').values({ event_id: eventId, person_id: row.id, role }).execute()
    return row.id
  }
  const organizer = await register('Odile Organisatrice', 'organizer')
  const paule = await register('Paule Émond', 'participant')
  const slots = await db.selectFrom('time_slots as s').innerJoin('sessions as x', 'x.slot_id', 's.id').select(['s.id', 's.starts_at', 'x.id as session_id'])
    .where('s.event_id', '=', eventId).where('s.counts_toward_attendance', '=', true).where('x.mode', '=', 'in_person').where('x.status', '=', 'scheduled').execute()
  const seen = new Set<string>()
  for (const s of slots) {
    if (seen.has(s.id)) continue
    seen.add(s.id)
    await db.insertInto('attendance_records').values({ event_id: eventId, slot_id: s.id, session_id: s.session_id, person_id: paule, status: 'present', method: 'manual', recorded_at: s.starts_at }).execute()
  }
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
