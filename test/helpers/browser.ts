import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { DateTime } from 'luxon'
import { chromium, type Browser, type Frame, type Page } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'

/**
 * Why browser tests cannot run here, or undefined when they can. Without Chromium they skip
 * with this reason, except under REQUIRE_BROWSER=1 (CI), where a missing browser is a failure.
 */
export function browserUnavailable (): string | undefined {
  if (existsSync(CHROMIUM)) return undefined
  if (process.env.REQUIRE_BROWSER === '1') throw new Error(`REQUIRE_BROWSER=1 but ${CHROMIUM} is missing (apt-get install chromium)`)
  const reason = `${CHROMIUM} not found: install Debian's chromium to run the browser tests`
  process.stderr.write(`# skipping browser tests: ${reason}\n`)
  return reason
}

/**
 * Debian's Chromium, headless, with no network chatter (the machine has no network).
 * playwright-core gives every launch a fresh temporary profile (--user-data-dir) itself.
 */
export async function launchBrowser (t: { teardown: (fn: () => unknown) => void }): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--disable-quic', '--no-first-run']
  })
  t.teardown(async () => { await browser.close() })
  return browser
}

const axeSource: string = (createRequire(import.meta.url)('axe-core') as { source: string }).source

export interface AxeViolation { id: string, impact: string | null, help: string, nodes: Array<{ target: string[] }> }

/** Runs axe-core (WCAG 2.1 A/AA rules) in the page; returns serious and critical violations. */
export async function seriousAxeViolations (page: Page | Frame): Promise<AxeViolation[]> {
  // evaluate() runs through the DevTools protocol, so the page's CSP does not block axe.
  await page.evaluate(axeSource)
  const result = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: AxeViolation[] }> } }).axe
    return await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
  })
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => ({ target: n.target })) }))
}

/**
 * A teacher's synthesis settings, typed on its settings page (already open): opened an hour ago,
 * due in two hours (in `zone`, the real clock), instructions, and a two-criteria rubric out of 100
 * (Analyse: Faible 10 / Solide 60; Écriture: Faible 5 / Claire 40). Waits for the saved notice.
 */
export async function fillSynthesisSettings (on: Page | Frame, zone: string): Promise<void> {
  const local = (minutes: number): string => DateTime.now().setZone(zone).plus({ minutes }).toFormat("yyyy-LL-dd'T'HH:mm")
  await on.fill('#opensAt', local(-60))
  await on.fill('#dueAt', local(120))
  await on.fill('#instructionsFr', 'Faites la synthèse de la semaine en deux pages.')
  await on.fill('#rubric', 'Analyse | Analysis\nFaible | Weak | 10\nSolide | Strong | 60\n\nÉcriture | Writing\nFaible | Weak | 5\nClaire | Clear | 40')
  await on.click('form[action*="/parametres"] button[type=submit]')
  await on.waitForSelector('text=Paramètres enregistrés.')
}
