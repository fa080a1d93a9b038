// `npm run test:lms`: Compagnon against a real Moodle 4.5 (../shared/lms), registered by Moodle's
// own dynamic registration, driven in headless Chromium as an administrator, an organizer, a
// teacher and two students would. Named *.lms.ts so that `npm test` (test/**/*.test.ts) leaves it out.
import t from 'tap'
import { join } from 'node:path'
import type { Browser, Frame, Page } from 'playwright-core'
import { fillSynthesisSettings, launchBrowser } from '../helpers/browser.js'
import { ADMIN, COURSE, STUDENTS, TEACHER, lmsUnavailable, startCompagnon, startMoodle, type Compagnon, type Moodle } from './moodle.js'

// Run by node, not by tap's runner: the root test's 30 s default would stop the Moodle install.
t.setTimeout(20 * 60_000)
const skip = lmsUnavailable()
if (skip !== undefined) process.stderr.write(`# skipping the real-LMS test: ${skip}\n`)

const STEP = { timeout: 300_000 }
// Graded activities are named after their column (Moodle names the column after the activity).
const titles = { synthesis: 'Synthèse', attendance: 'Présence', program: 'Programme de l’École d’automne' }

interface Gradebook { courseId: number, items: Array<{ name: string | null, type: string, module: string | null, max: number, grades: Array<{ username: string, grade: number | null, feedback: string | null }> }> }

/** With LMS_SCREENSHOTS=<dir>, steps save what the person sees there (the pictures of docs/admin/lms/moodle.md: LMS_SCREENSHOTS=docs/admin/lms/moodle). */
async function shot (page: Page, name: string): Promise<void> {
  const dir = process.env.LMS_SCREENSHOTS
  if (dir !== undefined && dir !== '') await page.screenshot({ path: join(dir, `${name}.png`) })
}

/**
 * Opens a Compagnon page in a frame that is already there. A navigation the frame's page was still
 * making (a redirect, a form answer) aborts ours: wait for it to settle, then once more.
 */
async function openIn (frame: Frame, url: string): Promise<void> {
  try {
    await frame.goto(url)
  } catch (err) {
    if (!String(err).includes('ERR_ABORTED')) throw err
    await frame.waitForLoadState('load')
    await frame.goto(url)
  }
}

/** Polls a real system (Moodle, Compagnon's workers) until the condition holds, for at most 30 s. */
async function eventually (condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!await condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise(resolve => setTimeout(resolve, 500))
  }
}

/**
 * Moodle's login form. Under `php -S`, a login posted while the page's own requests are still
 * running is now and then refused as "Invalid login" (Moodle logs user_login_failed, reason 3: its
 * one-time login token did not match the session): wait for them, and start over with fresh cookies.
 */
async function moodleLogin (page: Page, moodle: Moodle, who: { username: string, password: string }): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await page.goto(`${moodle.base}/login/index.php`, { waitUntil: 'networkidle' })
    await page.fill('#username', who.username)
    await page.fill('#password', who.password)
    await Promise.all([page.waitForLoadState('load'), page.click('#loginbtn')])
    await page.waitForLoadState('load')
    if (!page.url().includes('/login/')) return
    if (attempt === 4) throw new Error(`${who.username} could not log in to Moodle: ${(await page.textContent('#loginerrormessage').catch(() => null)) ?? page.url()}`)
    await page.context().clearCookies()
  }
}

/** The Compagnon page inside Moodle's frame, once the launch (through Moodle's own pages) reached it. */
async function toolFrame (page: Page, selector: string, compagnon: Compagnon): Promise<Frame> {
  const frame = await (await page.waitForSelector(selector, { state: 'attached' })).contentFrame()
  if (frame === null) throw new Error(`${selector} is not a frame`)
  await frame.waitForURL(url => url.href.startsWith(compagnon.base), { timeout: 60_000 })
  return frame
}

// One Moodle and one Compagnon for the whole journey; each step below is a test of its own, run in order.
const start = async () => {
  const startedAt = Date.now()
  const moodle = await startMoodle(t)
  const compagnon = await startCompagnon(t, moodle)
  const courseId = Number(/^course (\d+)$/m.exec(await moodle.php('course.php', COURSE))?.[1])
  t.comment(`Moodle and Compagnon up in ${Math.round((Date.now() - startedAt) / 1000)} s`)
  const browser: Browser = await launchBrowser(t)
  const person = async (): Promise<Page> => await (await browser.newContext({ locale: 'fr-CA', viewport: { width: 1280, height: 900 } })).newPage()
  return { startedAt, moodle, compagnon, courseId, person, admin: await person(), organizer: await person() }
}
// Skipped: the steps do not run, and nothing of this is used.
const { startedAt, moodle, compagnon, courseId, person, admin, organizer } = skip === undefined ? await start() : {} as Awaited<ReturnType<typeof start>>
let typeId = 0
let editUrl = ''
let pending: { activities: Record<keyof typeof titles, number> } | undefined

await t.test('the administrator registers Compagnon with "Add LTI Advantage", the organizer approves it, the administrator activates it', { ...STEP, skip }, async t => {
  await organizer.goto(compagnon.organizerLink)
  await Promise.all([organizer.waitForURL(/\/organisateurs/), organizer.click('main button[type=submit]')])
  // The organizer area's LMS part (its hub links to each part of the event).
  await Promise.all([organizer.waitForURL(/\/organisateurs\/evenements\/[0-9a-f-]{36}\/lms/), organizer.click('main a[href*="/lms"]')])
  const lmsPage = organizer.url()
  await organizer.click('form[action^="/organisateurs/plateformes/lien"] button')
  const registrationUrl = (await organizer.textContent('.notice code'))?.trim() ?? ''
  t.match(registrationUrl, /^http:\/\/127\.0\.0\.1:\d+\/lti\/register\?compagnon_token=/, 'the organizer has a one-time registration link')

  await moodleLogin(admin, moodle, ADMIN)
  await admin.goto(`${moodle.base}/mod/lti/toolconfigure.php`)
  await admin.fill('#tool-url', registrationUrl)
  await admin.click('#tool-create-button')
  const dialog = await toolFrame(admin, '#external-registration-template-container iframe', compagnon)
  t.equal((await dialog.textContent('h1'))?.trim(), 'Enregistrer Compagnon dans votre LMS', 'Compagnon\'s confirmation page opens in Moodle\'s dialog (browser language: French)')
  await shot(admin, 'moodle-1-register')
  await dialog.click('main button[type=submit]')
  await dialog.waitForSelector('text=Compagnon est enregistré')
  await dialog.click('button[data-lti-close]')
  await admin.waitForSelector('#external-registration-template-container iframe', { state: 'detached' })

  // The tool card Moodle shows once the dialog closed.
  const card = admin.locator('#tool-list-container .tool-card', { hasText: 'Compagnon' })
  await card.waitFor()
  typeId = Number(await card.getAttribute('data-type-id'))
  editUrl = await card.locator('a.edit').getAttribute('href') ?? ''
  t.ok(typeId > 0, `Moodle created tool type ${typeId}`)

  // Compagnon keeps the platform inactive until an organizer approves it.
  await organizer.goto(lmsPage)
  const row = organizer.locator('tr', { hasText: moodle.base })
  t.match(await row.textContent(), /En attente/, 'the new platform waits for approval in Compagnon')
  const deploymentField = row.locator('input[name=deploymentId]')
  if (await deploymentField.count() > 0) await deploymentField.fill(String(typeId))
  await Promise.all([organizer.waitForURL(/\/organisateurs\/evenements\/[0-9a-f-]{36}\/lms/), row.locator('button', { hasText: 'Approuver' }).click()])
  t.match(await organizer.locator('tr', { hasText: moodle.base }).textContent(), /Active/, 'approved')

  const activate = card.locator('a.activate')
  if (await activate.count() > 0) {
    await activate.click()
    await activate.waitFor({ state: 'detached' })
  }
  t.equal(await card.locator('a.activate').count(), 0, 'the tool is active in Moodle')
})

await t.test('the administrator shows the tool in the activity chooser and lets it return grades and read the class list', { ...STEP, skip }, async t => {
  await admin.goto(editUrl)
  await admin.click('a.collapseexpand')
  t.equal(await admin.inputValue('#id_lti_coursevisible'), '1', 'dynamic registration left it "Show as preconfigured tool when adding an External tool"')
  // Left as it is (docs/admin/lms/moodle.md): only items that say they are graded (lineItem) get a column.
  t.equal(await admin.inputValue('#id_lti_acceptgrades'), '2', 'dynamic registration left "Accept grades" on "Delegate to teacher"')
  await admin.selectOption('#id_lti_coursevisible', '2')
  await admin.selectOption('#id_lti_sendname', '1')
  await admin.selectOption('#id_lti_sendemailaddr', '1')
  await admin.selectOption('#id_ltiservice_gradesynchronization', '2')
  await admin.selectOption('#id_ltiservice_memberships', '1')
  await admin.locator('#id_lti_acceptgrades').scrollIntoViewIfNeeded()
  await shot(admin, 'moodle-2-tool-settings')
  await Promise.all([admin.waitForURL(/toolconfigure\.php/), admin.click('#id_submitbutton')])
  t.pass('saved')
})

await t.test('the teacher adds the three activities from the activity chooser with "Select content" (deep linking, cross-site dialog)', { ...STEP, skip }, async t => {
  const teacher = await person()
  await moodleLogin(teacher, moodle, TEACHER)
  await teacher.goto(`${moodle.base}/course/modedit.php?add=lti&typeid=${typeId}&course=${courseId}&section=1&return=0`)
  await teacher.click('#id_selectcontent')
  const chooser = await toolFrame(teacher, '#contentitem-page-iframe', compagnon)
  t.equal((await chooser.textContent('h1'))?.trim(), 'Ajouter Compagnon au cours', 'Compagnon\'s deep-linking page, in Moodle\'s dialog on another site')
  t.ok(await chooser.evaluate(() => window.top !== window.self), 'inside a frame')
  for (const box of await chooser.locator('input[name=items]').all()) await box.check()
  await shot(teacher, 'moodle-3-select-content')
  await chooser.click('main button[type=submit]')
  await teacher.waitForSelector('#contentitem-page-iframe', { state: 'detached', timeout: 30_000 })
  await Promise.all([teacher.waitForURL(/course\/view\.php/), teacher.click('#id_submitbutton2')])
  const found: Record<string, number> = {}
  for (const [key, title] of Object.entries(titles)) {
    const link = teacher.locator('a[href*="/mod/lti/view.php"]', { hasText: title })
    t.equal(await link.count(), 1, `the course shows "${title}"`)
    found[key] = Number(new URL(await link.first().getAttribute('href') ?? '', moodle.base).searchParams.get('id'))
  }
  pending = { activities: found as Record<keyof typeof titles, number> }
})

/** A person logged in to Moodle, with the Compagnon page of one of the activities open in Moodle's frame. */
const launch = async (who: { username: string, password: string }, activity: keyof typeof titles): Promise<{ page: Page, tool: Frame }> => {
  if (pending === undefined) throw new Error('the activities were not added')
  const page = await person()
  await moodleLogin(page, moodle, who)
  await page.goto(`${moodle.base}/mod/lti/view.php?id=${pending.activities[activity]}`)
  return { page, tool: await toolFrame(page, 'iframe#contentframe', compagnon) }
}
let teacherTool: Frame | undefined
let contextId = ''

await t.test('the teacher opens the synthesis activity in the frame and sets its dates and rubric', { ...STEP, skip }, async t => {
  const { tool } = await launch(TEACHER, 'synthesis')
  teacherTool = tool
  await tool.waitForURL(/\/cours\/synthese\/[0-9a-f-]{36}\/remises/).catch(async (err: unknown) => {
    throw new Error(`the teacher is on ${tool.url()} («${(await tool.textContent('h1').catch(() => '')) ?? ''}»), not the hand-ins list`, { cause: err })
  })
  contextId = /synthese\/([0-9a-f-]{36})/.exec(tool.url())?.[1] ?? ''
  t.match(await tool.textContent('h1'), /^Remises et notes — /, 'a teacher lands on the hand-ins list')
  await tool.click('text=Paramètres de la synthèse')
  await tool.waitForURL(/\/parametres/)
  await fillSynthesisSettings(tool, 'America/Montreal')
  t.pass('settings saved')
})

await t.test('the organizer projects the room code; the first student opens the attendance activity and checks in with it, in the frame', { ...STEP, skip }, async t => {
  await organizer.goto(`${compagnon.base}/accueil?lang=fr`)
  await organizer.locator('li', { hasText: 'Conférence ouverte maintenant' }).locator('a', { hasText: 'projection' }).click()
  const code = (await organizer.textContent('[data-typed-code]'))?.trim() ?? ''
  t.match(code, /^\d{6}$/, 'the projector shows a 6-digit code')
  const { tool } = await launch(STUDENTS[0]!, 'attendance')
  t.match(tool.url(), /\/presence\?lang=fr$/, 'a student lands on their attendance page')
  await openIn(tool, `${compagnon.base}/presence/code?lang=fr`)
  await tool.fill('input[name=code]', code)
  await tool.click('form[action^="/presence/code"] button[type=submit]')
  await tool.waitForSelector('h1:has-text("Bienvenue")')
  t.pass('checked in')
  await organizer.waitForFunction(() => document.querySelector('[data-count]')?.textContent === '1', undefined, { timeout: 15_000 })
  t.pass('the projector count went up')
  await tool.page().context().close()
})

await t.test('both students hand in their synthesis from the frame and get a receipt; each sees only their own', { ...STEP, skip }, async t => {
  for (const [i, who] of STUDENTS.entries()) {
    const { page, tool } = await launch(who, 'synthesis')
    if (i === 0) {
      t.ok(await tool.evaluate(() => window.top !== window.self), 'the Compagnon page is inside Moodle\'s frame')
      t.equal(new URL(page.url()).hostname, 'localhost', 'Moodle is on localhost, Compagnon on 127.0.0.1: another site')
    }
    t.match(tool.url(), new RegExp(`/cours/synthese/${contextId}\\?`), `${who.name} lands on the synthesis page, signed in`)
    t.notMatch(await tool.textContent('body'), /Synthèse de (Sam|Léa)/, 'no one else\'s text on the page')
    await tool.fill('#text', `Synthèse de ${who.name.split(' ')[0]!} : la coproduction demande du temps.`)
    await tool.click('form[enctype="multipart/form-data"] button[type=submit]')
    await tool.waitForURL(/\?recu=[0-9a-f-]{36}&lang=fr$/).catch(async (err: unknown) => {
      throw new Error(`${who.name}'s hand-in ended on ${tool.url()}: «${((await tool.textContent('main').catch(() => '')) ?? '').replace(/\s+/g, ' ').slice(0, 400)}»`, { cause: err })
    })
    t.match(await tool.textContent('#receipt-notice'), /Remise reçue — version 1/, `${who.name} gets the receipt`)
    if (i === 0) await shot(page, 'moodle-4-hand-in-in-frame')
    await page.context().close()
  }
})

await t.test('the teacher syncs the class list (NRPS) from Compagnon\'s course page in the frame', { ...STEP, skip }, async t => {
  if (teacherTool === undefined) { t.fail('no teacher frame'); return }
  const tool = teacherTool
  await openIn(tool, `${compagnon.base}/cours?lang=fr`)
  // The form's answer (303 to the course page) must land before the next navigation, or it aborts it.
  await Promise.all([tool.page().waitForEvent('framenavigated', { predicate: f => f === tool }), tool.click('form[action^="/cours/liste/"] button')])
  const section = tool.locator('section', { has: tool.locator('form[action^="/cours/liste/"]') })
  // The sync is durable work a worker runs within seconds of the click.
  await eventually(async () => {
    await openIn(tool, `${compagnon.base}/cours?lang=fr`)
    return /synchronisée le/.test(await section.textContent() ?? '')
  })
  t.match(await section.textContent(), /3 personnes actives/, 'the teacher and both students are on the class list')
})

/** Moodle's gradebook (its PHP API), read until Sam has a grade in that column: grades come from Compagnon's workers. */
/** Moodle's gradebook once this column has a grade for each of these students (sent one by one, in no promised order). */
const gradebookOnceGraded = async (column: string, students: ReadonlyArray<{ username: string }>): Promise<Gradebook> => {
  let gradebook: Gradebook = { courseId: 0, items: [] }
  await eventually(async () => {
    gradebook = JSON.parse(await moodle.php('grades.php', COURSE)) as Gradebook
    return gradebook.items.some(i => i.name === column && students.every(s => i.grades.some(g => g.username === s.username && g.grade !== null)))
  })
  return gradebook
}

await t.test('the teacher sends the attendance grades; Moodle\'s gradebook shows one "Présence" column with the late check-in\'s grade and its comment', { ...STEP, skip }, async t => {
  if (teacherTool === undefined) { t.fail('no teacher frame'); return }
  const tool = teacherTool
  await openIn(tool, `${compagnon.base}/cours?lang=fr`)
  // The form's answer (303 to the course page) must land before the next navigation, or it aborts it.
  await Promise.all([tool.page().waitForEvent('framenavigated', { predicate: f => f === tool }), tool.click('form[action*="/notes"] button')])
  const gradebook = await gradebookOnceGraded('Présence', STUDENTS)
  const presence = gradebook.items.filter(i => i.name === 'Présence')
  t.equal(presence.length, 1, 'one "Présence" column')
  const { grade, held } = compagnon.presence
  t.match(presence[0]?.grades.find(g => g.username === STUDENTS[0]!.username), { grade, feedback: new RegExp(`^Présence à 1 des ${held} créneaux`) }, `Sam: ${grade} (late in one of ${held} held slots), with the comment`)
  t.match(presence[0]?.grades.find(g => g.username === STUDENTS[1]!.username), { grade: 0 }, 'Léa, who did not come: 0')
})

await t.test('the teacher grades with the rubric and publishes; Moodle\'s gradebook shows one "Synthèse" column with the grade and the comment', { ...STEP, skip }, async t => {
  if (teacherTool === undefined) { t.fail('no teacher frame'); return }
  const tool = teacherTool
  await openIn(tool, `${compagnon.base}/cours/synthese/${contextId}/remises?lang=fr`)
  await tool.click(`text=${STUDENTS[0]!.name}`)
  await tool.waitForURL(/\/remises\/[0-9a-f-]{36}\?lang=fr$/)
  await tool.check('input[name="rubric.analyse"][value="solide"]')
  await tool.check('input[name="rubric.ecriture"][value="faible"]')
  await tool.fill('#feedback', 'Analyse solide ; soignez l\'écriture.')
  await tool.click('button[name=publish][value="1"]')
  await tool.waitForSelector('text=Note publiée')
  const gradebook = await gradebookOnceGraded('Synthèse', [STUDENTS[0]!])
  const synthese = gradebook.items.filter(i => i.name === 'Synthèse')
  t.equal(synthese.length, 1, 'one "Synthèse" column')
  t.match(synthese[0]?.grades.find(g => g.username === STUDENTS[0]!.username), { grade: 65, feedback: /Analyse solide ; soignez l'écriture\./ }, 'Sam: 65 with the comment')
  t.equal(synthese[0]?.max, 100)
  t.comment(`Moodle's grade items: ${gradebook.items.map(i => `${i.name ?? '?'} (${i.type}${i.module !== null ? `/${i.module}` : ''}, ${i.grades.filter(g => g.grade !== null).length} graded)`).join('; ')}`)
  const columns = gradebook.items.filter(i => i.module === 'lti' || i.name === 'Synthèse' || i.name === 'Présence')
  t.same(columns.map(i => i.name).sort(), ['Présence', 'Synthèse'], 'exactly two Compagnon columns: no empty one for the program or a parallel one')
  t.ok(columns.every(i => i.grades.some(g => g.grade !== null)), 'every Compagnon column holds grades')
})

await t.test('in Moodle\'s grader report the teacher sees the "Synthèse" and "Présence" columns with the grades, and no column for the program', { ...STEP, skip }, async t => {
  if (teacherTool === undefined) { t.fail('no teacher frame'); return }
  const page = teacherTool.page()
  await page.goto(`${moodle.base}/grade/report/grader/index.php?id=${courseId}`)
  const report = page.locator('table#user-grades')
  await report.waitFor()
  const text = (await report.textContent()) ?? ''
  t.match(text, /Synthèse/)
  t.match(text, /Présence/)
  t.notMatch(text, /Programme de l’École/, 'no column for the program')
  t.match(text, /65\.00/, 'Sam\'s synthesis grade')
  await shot(page, 'moodle-5-gradebook')
})

if (skip === undefined) t.comment(`wall time ${Math.round((Date.now() - startedAt) / 1000)} s`)
