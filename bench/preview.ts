/**
 * `npm run bench:preview`: does the server keep answering while students' hostile DOCX files
 * are previewed? /health latency (p50, p99) while ten hostile previews run, as a ratio to an
 * idle /health measured in the same process, same run.
 *
 * The app as `npm start` builds it, listening on 127.0.0.1, one course, one instructor and one
 * credited student who hands in ten different DOCX files over HTTP:
 * - five zip bombs, the finding's file: one document.xml of ~20 MB of repeated paragraphs,
 *   ~80 KB zipped (the archive checks refuse them from the central directory);
 * - five heavy documents that pass every archive check (7.5 MB of varied text, ratio ~3) and
 *   keep mammoth busy until the pool's wall-time limit ends the thread (or its heap limit).
 * The instructor opens the ten previews at once while a client sends /health one after the
 * other until the last preview has answered. Reported, never asserted: the ratios, each
 * preview's outcome, and how much of the machine other processes used meanwhile.
 *
 * Self-contained like every bench: without DATABASE_URL it starts its own PostgreSQL (.ci/pg.sh,
 * port BENCH_PG_PORT, default 55437); BENCH_EMBEDDED=1 uses the embedded PGlite.
 * The last line is `ratio p50 <busy ÷ idle>, p99 <busy ÷ idle>`.
 */
import { benchConfig } from './lib/config.js'
import { randomBytes } from 'node:crypto'
import { Agent, request as httpRequest } from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { ZipFile } from 'yazl'
import { buildApp } from '../src/app.js'
import { FixedClock } from '../src/clock.js'
import { defaultProgramFile } from '../src/paths.js'
import type { Role } from '../src/people/repository.js'
import { openDatabase, type Database } from '../src/db/database.js'
import { migrateToLatest } from '../src/db/migrate.js'
import { cleanup, installExitHandlers, onCleanup } from './lib/cleanup.js'
import { benchDatabase, machineBusyMs } from './lib/postgres.js'

const log = (line: string): void => { process.stderr.write(`bench: ${line}\n`) }
const IDLE_REQUESTS = 400

async function open (): Promise<{ database: Database, where: string, url?: string }> {
  if (process.env.BENCH_EMBEDDED !== '1') {
    const target = await benchDatabase(log, { ...process.env, BENCH_PG_PORT: process.env.BENCH_PG_PORT ?? '55437' })
    const database = await openDatabase({ kind: 'postgres', url: target.url, poolMax: 4 })
    return { database, where: `PostgreSQL (${target.where})`, url: target.url }
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'compagnon-preview-'))
  onCleanup('data directory', async () => { await rm(dataDir, { recursive: true, force: true }) })
  const database = await openDatabase({ kind: 'embedded', dataDir, holder: 'bench:preview' })
  return { database, where: `embedded PGlite (${dataDir})` }
}

const W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main'
const contentTypes = '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default ' +
  'Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ' +
  'ContentType="application/xml"/><Override PartName="/word/document.xml" ' +
  'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
const rels = '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship ' +
  'Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'
const paragraph = (text: string): string => `<w:p><w:r><w:t>${text}</w:t></w:r></w:p>`

async function docx (body: string): Promise<Buffer> {
  const zip = new ZipFile()
  zip.addBuffer(Buffer.from(contentTypes), '[Content_Types].xml')
  zip.addBuffer(Buffer.from(rels), '_rels/.rels')
  zip.addBuffer(Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="${W}"><w:body>${body}</w:body></w:document>`), 'word/document.xml')
  zip.end()
  const chunks: Buffer[] = []
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** Each file differs (a previewed file is cached by its content): the marker makes it unique. */
const zipBomb = async (n: number): Promise<Buffer> =>
  await docx(paragraph(`Bombe ${n}.`) + paragraph('Coproduction des services publics.').repeat(20 * 1024 * 1024 / 60))
const heavy = async (n: number): Promise<Buffer> => {
  const parts: string[] = []
  let size = 0
  while (size < 7.5 * 1024 * 1024) {
    const p = paragraph(`Document ${n}, paragraphe ${parts.length} : ${randomBytes(24).toString('hex')}`)
    parts.push(p)
    size += p.length
  }
  return await docx(parts.join(''))
}

async function startApp (database: Database, url: string | undefined): Promise<{ base: string, contextId: string, student: string, instructor: string }> {
  const config = benchConfig({
    ...(url !== undefined ? { DATABASE_URL: url } : { DATA_DIR: tmpdir() })
  })
  const { app, services } = await buildApp(config, { database, clock: new FixedClock('2025-10-24T14:00:00Z'), backgroundJobs: false })
  onCleanup('close the app', async () => { await app.close() })
  await services.program.importFromFile(defaultProgramFile)
  const db = database.db
  const event = await db.selectFrom('events').select('id').executeTakeFirstOrThrow()
  const context = await db.insertInto('lti_contexts').values({
    issuer: 'https://moodle.example.org',
    client_id: 'bench',
    deployment_id: '1',
    context_id: 'ENP7009',
    event_id: event.id
  }).returning('id').executeTakeFirstOrThrow()
  const person = async (name: string, role: Role, ltiRole: string): Promise<string> => {
    const row = await db.insertInto('people').values({ display_name: name }).returning('id').executeTakeFirstOrThrow()
    await db.insertInto('registrations').values({ event_id: event.id, person_id: row.id, role }).execute()
    await db.insertInto('lti_roster_members').values({
      context_id: context.id,
      user_sub: `bench-${role}`,
      person_id: row.id,
      roles: JSON.stringify([`http://purl.imsglobal.org/vocab/lis/v2/membership#${ltiRole}`]),
      status: 'Active',
      synced_at: new Date()
    }).execute()
    const session = await services.people.openDeviceSession(row.id, 'bench:preview')
    return `Bearer ${app.jwt.sign({ sub: row.id, sid: session.deviceSessionId })}`
  }
  const student = await person('Étudiante Banc', 'credited_student', 'Learner')
  const instructor = await person('Professeure Banc', 'instructor', 'Instructor')
  await services.synthesisGrading.assignment(context.id)
  const base = await app.listen({ host: '127.0.0.1', port: 0 })
  return { base, contextId: context.id, student, instructor }
}

const agent = new Agent({ keepAlive: true, maxSockets: 16 })

/** One GET over a kept-alive socket: status, body and milliseconds from sending to the last byte. */
async function get (url: string, authorization?: string): Promise<{ status: number, body: string, ms: number }> {
  const started = performance.now()
  return await new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent, headers: { accept: 'text/html', ...(authorization !== undefined ? { authorization } : {}) } }, res => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => { body += d })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - started }) })
    })
    req.on('error', reject)
    req.end()
  })
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN
}

installExitHandlers(Number(process.env.BENCH_TIMEOUT_SECONDS ?? 300))
let failed = false
try {
  const { database, where, url } = await open()
  onCleanup('database', async () => { await database.close() })
  await migrateToLatest(database)
  const app = await startApp(database, url)
  log(`database: ${where}; making and handing in ten hostile DOCX files`)
  const files = [...await Promise.all([0, 1, 2, 3, 4].map(zipBomb)), ...await Promise.all([0, 1, 2, 3, 4].map(heavy))]
  const kinds = ['bomb', 'bomb', 'bomb', 'bomb', 'bomb', 'heavy', 'heavy', 'heavy', 'heavy', 'heavy']
  const submissions: string[] = []
  for (const bytes of files) {
    const form = new FormData()
    form.append('files', new Blob([new Uint8Array(bytes)]), 'synthese.docx')
    const res = await fetch(`${app.base}/api/v1/courses/${app.contextId}/synthesis/submissions`, {
      method: 'POST',
      body: form,
      headers: { authorization: app.student }
    })
    const receipt = await res.json() as { submissionId?: string }
    if (res.status !== 201 || receipt.submissionId === undefined) throw new Error(`hand-in answered ${res.status}: ${JSON.stringify(receipt).slice(0, 300)}`)
    submissions.push(receipt.submissionId)
  }
  const health = `${app.base}/health`
  // Warm-up (sockets, compiled routes), then the baseline: /health on an idle server.
  for (let i = 0; i < 50; i++) await get(health)
  const idle: number[] = []
  for (let i = 0; i < IDLE_REQUESTS; i++) idle.push((await get(health)).ms)

  const machineBefore = machineBusyMs()
  const cpuBefore = process.cpuUsage()
  const startedAt = performance.now()
  let done = 0
  const previews = submissions.map(async (id, i) => {
    const res = await get(`${app.base}/cours/synthese/${app.contextId}/apercu/${id}/0?lang=en`, app.instructor)
    done++
    const outcome = res.status !== 200
      ? `HTTP ${res.status}`
      : /too large or too complex/.test(res.body) ? 'cannot be previewed' : /document-preview/.test(res.body) ? 'previewed' : 'other page'
    return { kind: kinds[i]!, outcome, seconds: res.ms / 1000 }
  })
  const busy: number[] = []
  let failures = 0
  while (done < submissions.length) {
    const res = await get(health)
    if (res.status !== 200) failures++
    busy.push(res.ms)
  }
  const outcomes = await Promise.all(previews)
  const elapsed = performance.now() - startedAt
  const own = process.cpuUsage(cpuBefore)
  // Everything the machine did meanwhile but this process (threads included): others' share.
  const others = (machineBusyMs() - machineBefore - (own.user + own.system) / 1000) / (elapsed * availableParallelism())

  const ms = (v: number): string => v.toFixed(2).padStart(9)
  const report = [
    `${where}; ${availableParallelism()} cores`,
    '/health                      requests   p50 ms   p99 ms    max ms',
    `idle                         ${String(idle.length).padStart(8)}${ms(percentile(idle, 0.5))}${ms(percentile(idle, 0.99))}${ms(Math.max(...idle))}`,
    `ten hostile previews         ${String(busy.length).padStart(8)}${ms(percentile(busy, 0.5))}${ms(percentile(busy, 0.99))}${ms(Math.max(...busy))}`,
    `previews (all ten answered within ${(elapsed / 1000).toFixed(1)} s): ${['bomb', 'heavy'].map(kind => {
      const mine = outcomes.filter(o => o.kind === kind)
      const counts = new Map<string, number>()
      for (const o of mine) counts.set(o.outcome, (counts.get(o.outcome) ?? 0) + 1)
      return `${kind} ${[...counts].map(([o, n]) => `${n}× ${o}`).join(', ')} (slowest ${Math.max(...mine.map(o => o.seconds)).toFixed(1)} s)`
    }).join('; ')}`,
    `/health answers other than 200: ${failures}`,
    `other processes on the machine meanwhile: ${Number.isNaN(others) ? '–' : `${(100 * Math.max(0, others)).toFixed(0)}%`} of its CPU`,
    `ratio p50 ${(percentile(busy, 0.5) / percentile(idle, 0.5)).toFixed(2)}, p99 ${(percentile(busy, 0.99) / percentile(idle, 0.99)).toFixed(2)}`
  ]
  process.stdout.write(`${report.join('\n')}\n`)
  failed = failures > 0
} catch (err) {
  log(`failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`)
  failed = true
} finally {
  agent.destroy()
  await cleanup()
}
process.exit(failed ? 1 : 0)
