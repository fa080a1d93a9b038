import { execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { DateTime } from 'luxon'
import { stringify } from 'yaml'
import { projectRoot } from '../../src/paths.js'
import { buildForChildProcesses } from '../helpers/build.js'
import { childEnv, freePort, postgresEnv, runTs, startServer, stopServer, type Started } from '../helpers/process.js'

/**
 * The Moodle archive and its README: LMS_DIR, else ../shared/lms next to this repository, else next
 * to the repository it was cloned from (a CI clone made elsewhere from a local checkout).
 */
export const lmsDir = ((): string => {
  const candidates = [process.env.LMS_DIR, resolve(projectRoot, '..', 'shared', 'lms')]
  try {
    const origin = execFileSync('git', ['-C', projectRoot, 'config', '--get', 'remote.origin.url'], { encoding: 'utf8' }).trim()
    if (origin.startsWith('/')) candidates.push(resolve(origin, '..', 'shared', 'lms'))
  } catch { /* not a clone: the other places */ }
  const found = candidates.find(dir => dir !== undefined && dir !== '' && existsSync(join(dir, 'moodle-4.5.tgz')))
  return found ?? candidates[1]!
})()
const script = join(projectRoot, 'test', 'lms', 'moodle.sh')

export const TEACHER = { username: 'teacher1', password: 'Test-pw-1', name: 'Thérèse Tremblay' }
export const STUDENTS = [
  { username: 'student1', password: 'Test-pw-1', name: 'Sam Safari' },
  { username: 'student2', password: 'Test-pw-1', name: 'Léa Lemieux' }
]
export const ADMIN = { username: 'admin', password: 'Admin-pw-1' }
export const COURSE = 'ENP7009'

/** Why the real-LMS test cannot run here, or undefined when it can. */
export function lmsUnavailable (): string | undefined {
  if (!existsSync(join(lmsDir, 'moodle-4.5.tgz'))) return `${lmsDir}/moodle-4.5.tgz not found (the real-LMS test needs the Moodle archive of ../shared/lms)`
  if (!existsSync('/usr/bin/chromium')) return '/usr/bin/chromium not found'
  if (process.getuid?.() !== 0) return 'not root: PHP and PostgreSQL are installed with apt and PostgreSQL runs as its own user'
  return undefined
}

async function run (command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return await new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'inherit'] })
    let stdout = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.on('error', reject)
    child.on('close', code => { code === 0 ? resolve(stdout) : reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${stdout}`)) })
  })
}

export interface Moodle {
  /** As the browser reaches it: `localhost`, another site than Compagnon's 127.0.0.1. */
  base: string
  codeDir: string
  pgPort: number
  /** Runs a PHP CLI script of test/lms against this Moodle; returns its stdout. */
  php: (file: string, ...args: string[]) => Promise<string>
}

/** Installs and serves a fresh Moodle (test/lms/moodle.sh); stopped and wiped at teardown, also on failure. */
export async function startMoodle (t: { teardown: (fn: () => unknown) => void }): Promise<Moodle> {
  const port = Number(process.env.LMS_MOODLE_PORT ?? await freePort())
  const pgPort = Number(process.env.LMS_PG_PORT ?? 55433)
  t.teardown(async () => { await run('bash', [script, 'down', String(port), String(pgPort)]) })
  const codeDir = (await run('bash', [script, 'up', lmsDir, String(port), String(pgPort)])).trim()
  return {
    base: `http://localhost:${port}`,
    codeDir,
    pgPort,
    php: async (file, ...args) => await run('php', ['-d', 'max_input_vars=5000', join(projectRoot, 'test', 'lms', file), codeDir, ...args])
  }
}

export interface Compagnon extends Started {
  /** What one check-in in the open slot makes of Sam's "Présence" grade. */
  presence: { grade: number, held: number }
  /** The organizer's one-time sign-in link printed by `npm run organizer:create`. */
  organizerLink: string
}

/** Compagnon as deployed: the compiled server in its own process, on PostgreSQL, at http://127.0.0.1:PORT. */
export async function startCompagnon (t: { teardown: (fn: () => unknown) => void }, moodle: Moodle, extra: Record<string, string> = {}): Promise<Compagnon> {
  await buildForChildProcesses()
  const port = await freePort()
  const dataDir = await mkdtemp(join(tmpdir(), 'compagnon-lms-'))
  t.teardown(async () => { await rm(dataDir, { recursive: true, force: true }) })
  const programFile = join(dataDir, 'program.yaml')
  const program = programToday()
  await writeFile(programFile, program.yaml)
  const env = childEnv({
    ...postgresEnv(`postgres://postgres@127.0.0.1:${moodle.pgPort}/compagnon`),
    DATA_DIR: dataDir,
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LTI_ALLOW_PRIVATE_URLS: 'true',
    PROGRAM_FILE: programFile,
    ...extra
  })
  const created = await runTs('src/cli/organizer-create.ts', ['organisation@enap.ca', '--name', 'Odile Organisatrice'], env)
  const organizerLink = /^http\S+\/auth\/link\/\S+$/m.exec(created.stdout)?.[0]
  if (created.code !== 0 || organizerLink === undefined) throw new Error(`organizer:create failed: ${created.stdout}${created.stderr}`)
  const server = await startServer(env, port)
  t.teardown(async () => { await stopServer(server.child) })
  return { ...server, organizerLink, presence: program.presence }
}

/**
 * A one-day event today (Montréal time). Its "open" slot ended 5 minutes ago but its check-in is
 * still open (until 45 minutes after its start, the default policy), so a check-in now is late
 * (weight 0.75) and the slot counts as held; the other slot is earlier today, held, when the day
 * leaves room (from 00:55), else later today, not held. Compagnon runs on the real clock, as
 * Moodle does, so the program has to be dated today. An online synthesis follows the open slot.
 */
export function programToday (now = DateTime.now().setZone('America/Montreal')): { yaml: string, presence: { grade: number, held: number } } {
  const hhmm = (d: DateTime): string => d.toFormat('HH:mm')
  const dayStart = now.startOf('day')
  const open = { start: DateTime.max(dayStart, now.minus({ minutes: 40 })), end: DateTime.max(dayStart.plus({ minutes: 1 }), now.minus({ minutes: 5 })) }
  const otherBefore = open.start.diff(dayStart, 'minutes').minutes >= 15
  const other = otherBefore
    ? { start: dayStart, end: dayStart.plus({ minutes: 15 }) }
    : { start: now.plus({ minutes: 30 }), end: now.plus({ minutes: 60 }) }
  const slot = (key: string, span: { start: DateTime, end: DateTime }, title: string) => ({
    key: `${now.toISODate() ?? ''}-${key}`,
    start: hhmm(span.start),
    end: hhmm(span.end),
    countsTowardAttendance: true,
    sessions: [{ key: `${now.toISODate() ?? ''}-${key}-session`, kind: 'keynote', title, language: 'fr', mode: 'in_person', audience: 'everyone', room: null, description: null, descriptionProvisional: false, speakersToBeConfirmed: false, speakers: [] }]
  })
  // The online synthesis the course's hand-in is made from (its dates are set by the teacher in the test).
  const synthesis = {
    key: `${now.toISODate() ?? ''}-synthese`,
    start: hhmm(open.end.plus({ minutes: 1 })),
    end: hhmm(open.end.plus({ minutes: 3 })),
    countsTowardAttendance: false,
    sessions: [{ key: `${now.toISODate() ?? ''}-activite-synthese`, kind: 'synthesis', title: 'Activité de synthèse', language: 'fr', mode: 'online', audience: 'credited', room: null, description: 'Pour les étudiant(e)s inscrit(e)s au cours ENP7009.', descriptionProvisional: false, speakersToBeConfirmed: false, speakers: [] }]
  }
  const slots = [slot('ouverte', open, 'Conférence ouverte maintenant'), slot('autre', other, 'Autre conférence'), synthesis]
    .sort((a, b) => a.start.localeCompare(b.start))
  const yaml = stringify({
    version: 1,
    event: {
      key: `essai-lms-${now.toISODate() ?? ''}`,
      title: { fr: 'École d\'automne (essai LMS)', en: 'Fall school (LMS test)' },
      timezone: 'America/Montreal',
      location: 'ÉNAP, Montréal',
      contact: { phone: '(514) 849-3989', email: 'etudes@enap.ca' },
      course: { code: 'ENP7009', title: 'Mobilisation des acteurs locaux', credits: 3 },
      description: { fr: 'Essai de bout en bout dans Moodle.', en: 'End-to-end test in Moodle.' },
      objectives: { fr: ['Essayer.'], en: ['Try.'] }
    },
    rooms: [],
    speakers: [],
    days: [{ date: now.toISODate(), slots }]
  })
  // One late check-in (0.75) over the held slots.
  return { yaml, presence: otherBefore ? { grade: 37.5, held: 2 } : { grade: 75, held: 1 } }
}
