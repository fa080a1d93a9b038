import t from 'tap'
import { readFileSync } from 'node:fs'
import { realTime, testApp } from '../helpers/app.js'
import { browserUnavailable, fillSynthesisSettings, launchBrowser, seriousAxeViolations } from '../helpers/browser.js'
import { freePort } from '../helpers/process.js'
import { ROLES, startPlatform } from '../helpers/lti-platform.js'
import { sha256 } from '../helpers/synthesis.js'

const skip = browserUnavailable()

// A real PDF (LibreOffice), as a student would attach it.
const pdf = readFileSync(new URL('../fixtures/files/synthese.pdf', import.meta.url))
const ZONE = 'America/Montreal'

t.test('in Chromium: an instructor and a student launched from the LMS; the student writes (autosaved, kept offline), hands in a PDF and gets the receipt; the instructor grades with the rubric and publishes; the LMS receives the score', { skip }, async t => {
  // ltijs checks launch tokens against the real time: the app runs on it too.
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const { app, services, database } = await testApp(t, { clock: realTime(), config: { publicUrl: base } })
  await app.listen({ host: '127.0.0.1', port })
  const platform = await startPlatform(t)
  platform.setTool({ jwksUrl: `${base}/lti/keys` })
  const { deploymentId, ...registration } = platform.registration()
  await services.lti.registerPlatform({ ...registration, deploymentIds: [deploymentId] })
  const browser = await launchBrowser(t)
  const custom = { compagnon_target: 'synthesis' }

  // --- the instructor: launch, settings (dates around now, a rubric) ---------------------------
  const profContext = await browser.newContext({ locale: 'fr-CA' })
  const prof = await profContext.newPage()
  await prof.goto(platform.loginUrl(base, { user: { sub: 'moodle-elise', name: 'Élise Enseignante' }, roles: [ROLES.Instructor], custom }))
  await prof.waitForURL(/\/cours\/synthese\/[0-9a-f-]{36}\/remises\?lang=fr$/)
  const contextId = /synthese\/([0-9a-f-]{36})/.exec(prof.url())?.[1] ?? ''
  t.match(await prof.textContent('h1'), /^Remises et notes — /, 'the synthesis link of the LMS leads an instructor to the list')
  t.same(await seriousAxeViolations(prof), [], 'the list passes axe')

  await prof.click('text=Paramètres de la synthèse')
  await prof.waitForURL(/\/parametres/)
  t.same(await seriousAxeViolations(prof), [], 'the settings page passes axe')
  await fillSynthesisSettings(prof, ZONE)

  // --- the student: launch, autosave, offline copy, hand-in with a PDF, receipt ----------------
  const studentContext = await browser.newContext({ locale: 'fr-CA' })
  let student = await studentContext.newPage()
  await student.goto(platform.loginUrl(base, { user: { sub: 'moodle-anais', name: 'Anaïs Étudiante' }, roles: [ROLES.Learner], custom }))
  await student.waitForURL(new RegExp(`/cours/synthese/${contextId}\\?lang=fr$`))
  t.match(await student.textContent('#instructions + div'), /Faites la synthèse de la semaine/)
  t.same(await seriousAxeViolations(student), [], 'the student page passes axe')
  const status = '[data-autosave-status]'
  await student.fill('#text', 'Premier jet de ma synthèse.')
  await student.waitForFunction(s => /^Brouillon enregistré à \d\d:\d\d$/.test(document.querySelector(s)?.textContent ?? ''), status, { timeout: 10_000 })
  t.pass('the draft is saved and says when')
  const person = await database.db.selectFrom('people').select('id').where('display_name', '=', 'Anaïs Étudiante').executeTakeFirstOrThrow()
  const draft = async (): Promise<string | undefined> => (await database.db.selectFrom('synthesis_drafts').select('text').where('person_id', '=', person.id).executeTakeFirst())?.text
  t.equal(await draft(), 'Premier jet de ma synthèse.')

  await studentContext.setOffline(true)
  const text = 'Premier jet de ma synthèse.\nAjouté hors ligne, juste avant de fermer l\'onglet.'
  await student.fill('#text', text)
  await student.waitForFunction(s => /gardé dans ce navigateur/.test(document.querySelector(s)?.textContent ?? ''), status, { timeout: 10_000 })
  await student.close()
  t.equal(await draft(), 'Premier jet de ma synthèse.', 'nothing reached the server while offline')
  await studentContext.setOffline(false)
  student = await studentContext.newPage()
  await student.goto(`${base}/cours/synthese/${contextId}?lang=fr`)
  t.equal(await student.inputValue('#text'), text, 'the text typed offline comes back in a new tab')
  await student.waitForFunction(s => /^Brouillon enregistré à/.test(document.querySelector(s)?.textContent ?? ''), status, { timeout: 10_000 })
  t.equal(await draft(), text, 'and reaches the server')

  await student.setInputFiles('#files', { name: 'Synthèse Anaïs.pdf', mimeType: 'application/pdf', buffer: pdf })
  await student.click('form[enctype="multipart/form-data"] button[type=submit]')
  await student.waitForURL(/\?recu=[0-9a-f-]{36}&lang=fr$/)
  t.match(await student.textContent('#receipt-notice'), /Remise reçue — version 1/)
  t.equal(await student.getAttribute('#receipt-notice', 'role'), 'status')
  t.equal(await student.textContent('.receipt.highlight code[data-sha256="file-0"]'), sha256(pdf), 'the receipt shows the SHA-256 of the PDF')
  // Browsers send a textarea's line breaks as CRLF: the hash is of the text as received.
  t.equal(await student.textContent('.receipt.highlight code[data-sha256="text"]'), sha256(text.replace(/\n/g, '\r\n')))
  t.same(await seriousAxeViolations(student), [], 'the page with the receipt passes axe')
  const [download] = await Promise.all([student.waitForEvent('download'), student.click('#receipt-notice a[download]')])
  const receipt = readFileSync(await download.path(), 'utf8')
  t.match(receipt, `Synthèse Anaïs.pdf (${pdf.length.toLocaleString('fr-CA')} octets, application/pdf) SHA-256 ${sha256(pdf)}`, 'the downloaded receipt names the file and its hash')

  // --- the instructor grades with the rubric and publishes ----------------------------------
  await prof.goto(`${base}/cours/synthese/${contextId}/remises?lang=fr`)
  t.match(await prof.textContent('tbody tr'), /Anaïs Étudiante\s*Remis/)
  await prof.click('text=Anaïs Étudiante')
  await prof.waitForURL(/\/remises\/[0-9a-f-]{36}\?lang=fr$/)
  t.match(await prof.textContent('.answer'), /Ajouté hors ligne/)
  t.same(await seriousAxeViolations(prof), [], 'the grading page passes axe')
  await prof.check('input[name="rubric.analyse"][value="solide"]')
  await prof.check('input[name="rubric.ecriture"][value="faible"]')
  await prof.fill('#feedback', 'Analyse solide ; soignez l\'écriture.')
  await prof.click('button[name=publish][value="1"]')
  await prof.waitForSelector('text=Note publiée')
  t.match(await prof.textContent('#grading + p'), /65 \/ 100/)

  const delivered = await services.gradeOutbox.deliverDue()
  t.ok(delivered.delivered >= 1, 'the grade left the outbox')
  const final = platform.received.scores.map(s => s.body).filter(b => b.userId === 'moodle-anais' && b.gradingProgress === 'FullyGraded')
  t.match(final, [{ scoreGiven: 65, scoreMaximum: 100, comment: 'Analyse solide ; soignez l\'écriture.', activityProgress: 'Completed', gradingProgress: 'FullyGraded' }], 'the LMS received the score and comment')

  await student.reload()
  t.match(await student.textContent('#grade ~ p.big'), /65 \/ 100/, 'the student sees the published grade')
  t.same(await seriousAxeViolations(student), [], 'the page with the grade passes axe')
})
