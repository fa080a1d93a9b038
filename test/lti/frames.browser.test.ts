import t from 'tap'
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Frame, type Page } from 'playwright-core'
import { realTime, testApp } from '../helpers/app.js'
import { CHROMIUM, browserUnavailable, launchBrowser, seriousAxeViolations } from '../helpers/browser.js'
import { freePort } from '../helpers/process.js'
import { ROLES, startPlatform, type PlatformOptions } from '../helpers/lti-platform.js'

// Launches from an LMS course page that frames Compagnon (Moodle's default "embed" container), in
// headless Chromium: the LMS on the same site, on another site, and with third-party cookies blocked.
const skip = browserUnavailable()

const ctx = skip !== undefined
  ? undefined
  : await (async () => {
    const port = await freePort()
    const base = `http://127.0.0.1:${port}`
    const built = await testApp(t, { clock: realTime(), config: { publicUrl: base } })
    await built.app.listen({ host: '127.0.0.1', port })
    return { ...built, base }
  })()

/** A simulated LMS registered in Compagnon (and allowed to frame it). */
const lms = async (t: Parameters<typeof startPlatform>[0], options: PlatformOptions) => {
  if (ctx === undefined) throw new Error('no app')
  const platform = await startPlatform(t, options)
  platform.setTool({ jwksUrl: `${ctx.base}/lti/keys` })
  await ctx.services.lti.registerPlatform({ ...platform.registration(), deploymentIds: [platform.deploymentId] })
  await ctx.app.refreshFrameAncestors()
  return platform
}

const student = (n: number) => ({ user: { sub: `frame-student-${n}`, name: `Alex Cadre ${n}` }, roles: [ROLES.Learner] })

/** The Compagnon frame of the course page, once it shows a page with this heading. */
const toolFrame = async (page: Page, heading: RegExp): Promise<Frame> => {
  const frame = page.frameLocator('iframe[title="Compagnon"]')
  // 30 s: under a loaded CI the platform-storage round trips (each waits up to 2 s) add up.
  await frame.locator('h1', { hasText: heading }).waitFor({ timeout: 30_000 }).catch(async (err: unknown) => {
    const where = await Promise.all(page.frames().map(async f => `${f.url()} «${(await f.content().catch(() => '')).replace(/\s+/g, ' ').slice(0, 1500)}»`))
    throw new Error(`no page headed ${String(heading)} in the Compagnon frame; the frames show: ${where.join(' | ')}`, { cause: err })
  })
  const found = page.frames().find(f => f !== page.mainFrame() && f.url().startsWith(ctx?.base ?? '-'))
  if (found === undefined) throw new Error('no Compagnon frame')
  return found
}

t.test('in Chromium: a launch framed by an LMS page on the same site ends signed in, in the frame', { skip }, async t => {
  const platform = await lms(t, { clientId: 'frame-same-site' })
  const browser = await launchBrowser(t)
  const page = await (await browser.newContext({ locale: 'fr-CA' })).newPage()
  await page.goto(platform.coursePageUrl(ctx?.base ?? '', student(1)))
  const frame = await toolFrame(page, /Bonjour/)
  t.equal(await frame.textContent('h1'), 'Bonjour, Alex Cadre 1')
  t.match(frame.url(), /\/cours\?lang=fr$/)
  t.equal(await frame.evaluate(() => window.top !== window.self), true, 'the tool page is inside a frame')
})

t.test('in Chromium: a launch framed by an LMS page on another site ends signed in (Partitioned cookies); the test proves its setup', { skip }, async t => {
  const platform = await lms(t, { clientId: 'frame-cross-site', issuerHost: 'localhost' })
  const browser = await launchBrowser(t)
  const page = await (await browser.newContext({ locale: 'fr-CA' })).newPage()
  const course = platform.coursePageUrl(ctx?.base ?? '', student(2), 'localhost')
  t.match(course, /^http:\/\/localhost:\d+\/course\//, 'the LMS page is on localhost, Compagnon on 127.0.0.1: two sites')
  await page.goto(course)
  const frame = await toolFrame(page, /Bonjour/)
  t.equal(await frame.textContent('h1'), 'Bonjour, Alex Cadre 2', 'signed in inside the cross-site frame')
  t.equal(await frame.evaluate(() => window.top !== window.self), true, 'the tool page is inside a frame')
  // What the browser does with cookies in this frame: one without Partitioned is dropped, one with it kept.
  const stored = await frame.evaluate(() => {
    document.cookie = 'control_plain=1; Path=/; Secure; SameSite=None'
    document.cookie = 'control_partitioned=1; Path=/; Secure; SameSite=None; Partitioned'
    return document.cookie
  })
  t.notMatch(stored, /control_plain=1/, 'a SameSite=None; Secure cookie without Partitioned is NOT stored in this frame')
  t.match(stored, /control_partitioned=1/, 'the same cookie with Partitioned is stored')
  t.same(await seriousAxeViolations(frame), [], 'the framed course page passes axe')
})

/**
 * A Chromium whose profile blocks third-party cookies and refuses Compagnon's cookies under the
 * LMS's site (a site exception, as a person or a managed policy sets it): partitioned ones
 * included, so nothing the tool sets inside the frame comes back. The block setting alone lets
 * Partitioned cookies through in this Chromium; the tests check that the frame really keeps none.
 */
const cookielessFrames = async (t: Parameters<typeof launchBrowser>[0]): Promise<BrowserContext> => {
  const profile = await mkdtemp(join(tmpdir(), 'compagnon-chromium-'))
  t.teardown(async () => { await rm(profile, { recursive: true, force: true }) })
  await mkdir(join(profile, 'Default'))
  await writeFile(join(profile, 'Default', 'Preferences'), JSON.stringify({ profile: { cookie_controls_mode: 1, block_third_party_cookies: true, content_settings: { exceptions: { cookies: { 'http://127.0.0.1:*,http://localhost:*': { setting: 2 } } } } } }))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    locale: 'fr-CA',
    // Frames share their page's process: with site isolation, a frame that goes tool → LMS → tool
    // (platform storage: login page, platform /auth, launch) is moved out of process twice, and
    // under CPU load Playwright missed the second move — the browser's network log showed the
    // handoff page loaded while Playwright's frame stayed on /auth. Cookie partitioning is keyed
    // on the top-level site, not the process: the frames still keep no cookie (checked below).
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run',
      '--disable-site-isolation-trials', '--disable-features=IsolateOrigins,site-per-process']
  })
  t.teardown(async () => { await context.close() })
  return context
}

/** Whether this frame keeps a cookie, even a Partitioned one. */
const keepsCookies = async (frame: Frame): Promise<boolean> => await frame.evaluate(() => {
  document.cookie = 'control_partitioned=1; Path=/; Secure; SameSite=None; Partitioned'
  return document.cookie.includes('control_partitioned')
})

t.test('in Chromium with third-party cookies blocked: the launch fails in the frame and the new-window button completes it', { skip }, async t => {
  const context = await cookielessFrames(t)

  const platforms: Array<[string, PlatformOptions]> = [
    // Canvas-like: the platform answers the same login initiation again.
    ['a platform that answers the same login again', { clientId: 'frame-blocked', issuerHost: 'localhost', quirks: { reusableLoginHint: true } }],
    // Moodle-like: a launch id is answered once; the relaunch goes through the activity's launch page.
    ['Moodle (launch ids used once)', { clientId: 'frame-blocked-moodle', issuerHost: 'localhost', quirks: { postLoginInitiation: true, moodleLaunchIds: true } }]
  ]
  let n = 3
  for (const [name, options] of platforms) {
    const platform = await lms(t, options)
    const page = await context.newPage()
    const who = student(n)
    await page.goto(platform.coursePageUrl(ctx?.base ?? '', who, 'localhost'))
    const frame = await toolFrame(page, /Ouvrir Compagnon dans une nouvelle fenêtre/)
    t.equal(await keepsCookies(frame), false, `${name}: this frame keeps no cookie, not even a Partitioned one`)
    if (n === 3) t.same(await seriousAxeViolations(frame), [], 'the error page passes axe')
    const [opened] = await Promise.all([context.waitForEvent('page'), frame.click('button[type=submit]')])
    await opened.waitForURL(/\/cours\?lang=fr$/, { timeout: 15_000 })
    t.equal(await opened.textContent('h1'), `Bonjour, ${who.user.name}`, `${name}: the new window completed the launch, signed in`)
    t.equal(await opened.evaluate(() => window.top === window.self), true, `${name}: top-level`)
    n++
  }
})

t.test('in Chromium, in a frame that keeps no cookie: a platform offering its storage (lti_storage_target) keeps the login there, and the launch is accepted', {
  skip
}, async t => {
  const context = await cookielessFrames(t)
  const platform = await lms(t, { clientId: 'frame-storage', issuerHost: 'localhost', quirks: { platformStorage: true } })
  const page = await context.newPage()
  const who = student(5)
  const course = platform.coursePageUrl(ctx?.base ?? '', who, 'localhost')
  t.match(course, /^http:\/\/localhost:\d+\/course\//, 'the LMS page is on localhost, Compagnon on 127.0.0.1: two sites')
  await page.goto(course)
  // Our session cookies are refused in this frame too: the launch ends on the handoff page, which offers a new window.
  const frame = await toolFrame(page, /Ouvrir Compagnon dans une nouvelle fenêtre/)
  t.match(frame.url(), /\/cours\/suite\/[A-Za-z0-9_-]{43}\?lang=fr/, 'the launch was ACCEPTED: on to the handoff page, not the 401 "login cookie" page')
  t.notMatch(await frame.textContent('body'), /témoin \(cookie\) de connexion/, 'no "login cookie" refusal')
  t.equal(await keepsCookies(frame), false, 'this frame keeps no cookie, not even a Partitioned one: platform storage carried the login')
  t.equal(await frame.evaluate(() => window.top !== window.self), true, 'the tool page is inside a frame')

  const seen = await page.evaluate(() => {
    const storage = (window as unknown as { platformStorage: { messages: Array<{ subject: string, key: string, origin: string, answered: boolean }>, keys: () => string[] } }).platformStorage
    return { messages: storage.messages, keys: storage.keys() }
  })
  const toolOrigin = new URL(ctx?.base ?? '').origin
  t.match(seen.keys, [/^compagnon_state_[0-9a-f]+$/], 'the platform\'s storage holds the login\'s entry')
  t.same(seen.messages.map(m => m.subject), ['lti.put_data', 'lti.get_data'], 'put at login, read back at launch')
  t.ok(seen.messages.every(m => m.origin === toolOrigin && m.answered && m.key === seen.keys[0]), `every message came from ${toolOrigin} only`)

  const [opened] = await Promise.all([context.waitForEvent('page'), frame.click('button[type=submit]')])
  await opened.waitForURL(/\/cours\?lang=fr$/, { timeout: 15_000 })
  t.equal(await opened.textContent('h1'), `Bonjour, ${who.user.name}`, 'the handoff\'s new window is signed in')
})

t.test('in Chromium: the tool ignores a platform-storage answer from another origin than the platform\'s auth endpoint, even with the right value', {
  skip
}, async t => {
  const context = await cookielessFrames(t)
  const platform = await lms(t, { clientId: 'frame-storage-other-origin', issuerHost: 'localhost', quirks: { platformStorage: true } })
  const page = await context.newPage()
  await page.goto(platform.coursePageUrl(ctx?.base ?? '', { ...student(6), answerFromOtherOrigin: true }, 'localhost'))
  // The answer came from http://127.0.0.1:<platform port>, a frame beside the tool's: ignored, so no secret went back.
  const frame = await toolFrame(page, /Ouvrir Compagnon dans une nouvelle fenêtre/)
  t.match(frame.url(), /\/lti\/launch\?lang=fr$/, 'the launch was not accepted on that answer')
  t.match(await frame.textContent('body'), /témoin \(cookie\) de connexion/, 'the "login cookie" page, with its new-window button')
  const seen = await page.evaluate(() => (window as unknown as { platformStorage: { forwarded: string[] } }).platformStorage.forwarded)
  t.same(seen, ['lti.get_data.response'], 'the other origin did post its answer to the tool\'s frame')
})
