import t from 'tap'
import { readFileSync } from 'node:fs'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { request } from 'node:http'
import { join } from 'node:path'
import { sql } from 'kysely'
import { projectRoot } from '../../src/paths.js'
import { windowAt } from '../../src/synthesis/assignment.js'
import type { Assignment } from '../../src/synthesis/schemas.js'
import { api, friday, handIn, outboxOf, pdfBytes, sha256, synthesisSetup, type SynthesisCtx } from '../helpers/synthesis.js'

const submissionsUrl = (ctx: SynthesisCtx): string => `/api/v1/courses/${ctx.contextId}/synthesis/submissions`
const rowCounts = async (ctx: SynthesisCtx): Promise<{ submissions: number, files: number, chunks: number }> => ({
  submissions: Number((await ctx.database.db.selectFrom('synthesis_submissions').select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
  files: Number((await ctx.database.db.selectFrom('files').select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
  chunks: Number((await ctx.database.db.selectFrom('file_chunks').select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
})

/**
 * Resolves at the first file chunk the server stores. The file store has no event of its own, so
 * a trigger on this test's own database notifies it (LISTEN/NOTIFY, as the app's workers hear theirs).
 */
async function firstChunkStored (ctx: SynthesisCtx): Promise<{ stored: Promise<void> }> {
  const db = ctx.database.db
  await sql`CREATE FUNCTION test_chunk_stored () RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_notify('test_chunk_stored', NEW.file_id::text); RETURN NULL; END $$`.execute(db)
  await sql`CREATE TRIGGER test_chunk_stored AFTER INSERT ON file_chunks FOR EACH ROW EXECUTE FUNCTION test_chunk_stored ()`.execute(db)
  let heard: () => void = () => {}
  const stored = new Promise<void>(resolve => { heard = resolve })
  const stop = await ctx.database.listen('test_chunk_stored', () => { heard() })
  return { stored: stored.then(stop) }
}

/**
 * Resolves once Fastify is done with the handler of this route (its promise settled), with the
 * error it failed with: Fastify publishes each handler's end on a diagnostics channel.
 */
async function handlerSettled (method: string, routeUrl: string): Promise<{ error?: unknown }> {
  const channel = 'tracing:fastify.request.handler:asyncEnd'
  return await new Promise(resolve => {
    const ended = (message: unknown): void => {
      const store = message as { route: { method: string, url: string }, error?: unknown }
      if (store.route.method !== method || store.route.url !== routeUrl) return
      unsubscribe(channel, ended)
      resolve(store)
    }
    subscribe(channel, ended)
  })
}

t.test('a credited student hands in text and a PDF: the receipt\'s hashes match the stored bytes and the LMS shows it waiting for grading', async t => {
  const ctx = await synthesisSetup(t)
  const pdf = pdfBytes('Ma synthèse')
  const text = 'Ma synthèse sur la coproduction : les acteurs locaux…\r\nDeuxième ligne.'
  const res = await handIn(ctx, ctx.ana, { text, files: [{ name: 'Synthèse Anaïs.pdf', bytes: pdf, type: 'application/pdf' }] })
  t.equal(res.status, 201, JSON.stringify(res.body))
  t.match(res.body, { version: 1, late: false, submittedAt: '2025-10-24T14:00:00.000Z', dueAt: '2025-10-24T16:15:00.000Z' })
  t.same(res.body.text, { characters: [...text].length, sha256: sha256(text) })
  t.same(res.body.files, [{ position: 0, filename: 'Synthèse Anaïs.pdf', mediaType: 'application/pdf', size: pdf.length, sha256: sha256(pdf) }])

  const file = await fetch(`${ctx.base}/api/v1/courses/${ctx.contextId}/synthesis/submissions/${res.body.submissionId}/files/0`, { headers: { authorization: ctx.ana.bearer } })
  t.equal(file.status, 200)
  const bytes = Buffer.from(await file.arrayBuffer())
  t.equal(sha256(bytes), res.body.files[0].sha256, 'the stored bytes are the ones the receipt names')
  t.equal(file.headers.get('content-type'), 'application/pdf')
  t.match(file.headers.get('content-disposition'), /^inline; filename="Synth_se Ana_s\.pdf"; filename\*=UTF-8''Synth%C3%A8se%20Ana%C3%AFs\.pdf$/)
  const download = await fetch(`${ctx.base}/api/v1/courses/${ctx.contextId}/synthesis/submissions/${res.body.submissionId}/files/0?telecharger=1`, { headers: { authorization: ctx.prof.bearer } })
  t.match(download.headers.get('content-disposition'), /^attachment;/, 'instructors of the course read it too')
  await download.arrayBuffer()

  t.match(await outboxOf(ctx, ctx.ana), [{ status: 'pending', score: { activityProgress: 'Submitted', gradingProgress: 'PendingManual', scoreMaximum: 100 } }])
  t.same(await ctx.services.gradeOutbox.deliverDue(), { delivered: 1, retrying: 0 })
  t.match(ctx.platform.received.scores, [{ body: { userId: ctx.ana.sub, activityProgress: 'Submitted', gradingProgress: 'PendingManual', timestamp: '2025-10-24T14:00:00.000Z' } }])
  t.notOk('scoreGiven' in (ctx.platform.received.scores[0]?.body ?? {}), 'no score before grading')
  t.match(ctx.platform.received.lineItemsCreated, [{ label: 'Synthèse', tag: 'compagnon-synthese' }])
})

t.test('handing in again creates a new version; every version is kept, and files can be carried over', async t => {
  const ctx = await synthesisSetup(t)
  const first = await handIn(ctx, ctx.ana, { text: 'Version 1', files: [{ name: 'a.pdf', bytes: pdfBytes('A') }, { name: 'b.pdf', bytes: pdfBytes('B') }] })
  t.equal(first.status, 201)
  ctx.clock.advance(20 * 60_000)
  const second = await handIn(ctx, ctx.ana, { text: 'Version 2', keep: [1], files: [{ name: 'c.pdf', bytes: pdfBytes('C') }] })
  t.equal(second.status, 201, JSON.stringify(second.body))
  t.equal(second.body.version, 2)
  t.same(second.body.files.map((f: { filename: string, position: number }) => [f.position, f.filename]), [[0, 'b.pdf'], [1, 'c.pdf']])
  t.equal(second.body.files[0].sha256, first.body.files[1].sha256, 'the kept file is the same bytes')
  const mine = await api(ctx, ctx.ana, 'GET', `${submissionsUrl(ctx)}/mine`)
  t.equal(mine.statusCode, 200)
  t.same(mine.json().versions.map((v: { version: number, textBody: string }) => [v.version, v.textBody]), [[2, 'Version 2'], [1, 'Version 1']])
  const old = await fetch(`${ctx.base}${submissionsUrl(ctx)}/${first.body.submissionId}/files/0`, { headers: { authorization: ctx.prof.bearer } })
  t.equal(sha256(Buffer.from(await old.arrayBuffer())), first.body.files[0].sha256, 'earlier versions stay readable')
  const badKeep = await handIn(ctx, ctx.ana, { text: 'Version 3', keep: [7] })
  t.equal(badKeep.status, 400)
  t.match(badKeep.body.message, /not in the previous version/)
  t.equal((await rowCounts(ctx)).submissions, 2, 'a refused hand-in records nothing')
  t.equal((await outboxOf(ctx, ctx.ana)).filter(r => r.status === 'pending').length, 1, 'only the newest status waits for the LMS')
})

t.test('the window: not open yet, on time, grace, closed without late work, late work flagged, extensions', async t => {
  const a: Assignment = {
    id: '00000000-0000-4000-8000-000000000000',
    contextId: '00000000-0000-4000-8000-000000000001',
    title: 'S',
    instructions: { fr: '', en: '' },
    opensAt: friday('09:00'),
    dueAt: friday('12:15'),
    graceMinutes: 10,
    acceptLate: false,
    lateUntil: null,
    maxPoints: 100,
    allowedTypes: ['pdf'],
    maxFileBytes: 1e6,
    maxFiles: 5,
    rubric: null
  }
  t.equal(windowAt(a, null, friday('08:59')).state, 'not_open')
  t.equal(windowAt(a, null, friday('09:00')).state, 'open')
  t.equal(windowAt(a, null, friday('12:25')).state, 'open', 'within the grace period')
  t.equal(windowAt(a, null, friday('12:26')).state, 'closed')
  t.same(windowAt(a, null, friday('12:26')).closesAt, friday('12:25'))
  t.equal(windowAt({ ...a, acceptLate: true }, null, friday('18:00')).state, 'late', 'late work without a limit')
  t.same(windowAt({ ...a, acceptLate: true }, null, friday('18:00')).closesAt, null)
  const limited = { ...a, acceptLate: true, lateUntil: friday('14:00') }
  t.equal(windowAt(limited, null, friday('13:59')).state, 'late')
  t.equal(windowAt(limited, null, friday('14:01')).state, 'closed')
  const extended = windowAt(limited, friday('15:15'), friday('15:20'))
  t.match(extended, { state: 'open', extended: true, dueAt: friday('15:15') }, 'an extension moves the due time and the grace after it')
  t.same(extended.closesAt, friday('17:00'), 'and the late limit by as much')

  const ctx = await synthesisSetup(t, friday('08:30'))
  const early = await handIn(ctx, ctx.ana, { text: 'trop tôt' })
  t.equal(early.status, 409)
  t.match(early.body.messageFr, /n’est pas encore ouverte : elle ouvre le vendredi 24 octobre 2025 à 9\u00a0h\u00a000/)
  ctx.clock.set(friday('12:16'))
  t.equal((await handIn(ctx, ctx.ana, { text: 'juste à temps (délai de grâce)' })).status, 409, 'no grace by default')
  t.equal((await api(ctx, ctx.prof, 'PATCH', `/api/v1/courses/${ctx.contextId}/synthesis`, { graceMinutes: 5 })).statusCode, 200)
  const graced = await handIn(ctx, ctx.ana, { text: 'juste à temps (délai de grâce)' })
  t.equal(graced.status, 201)
  t.equal(graced.body.late, false)
  ctx.clock.set(friday('12:30'))
  const closed = await handIn(ctx, ctx.ben, { text: 'trop tard', files: [{ name: 's.pdf', bytes: pdfBytes() }] })
  t.equal(closed.status, 409)
  t.match(closed.body.message, /Hand-in closed on Friday, October 24, 2025.* 12:20.*\(late work is not accepted\)/)
  t.same(await rowCounts(ctx), { submissions: 1, files: 0, chunks: 0 }, 'the refused upload left nothing')

  t.equal((await api(ctx, ctx.prof, 'PUT', `/api/v1/courses/${ctx.contextId}/synthesis/extensions/${ctx.ben.id}`, { dueAt: '2025-10-24T15:00:00-04:00', reason: 'Mesure d\'accommodement' })).statusCode, 204)
  t.equal((await handIn(ctx, ctx.ben, { text: 'avec prolongation' })).status, 201)
  t.equal((await api(ctx, ctx.ana, 'PUT', `/api/v1/courses/${ctx.contextId}/synthesis/extensions/${ctx.ana.id}`, { dueAt: '2025-10-25T15:00:00-04:00' })).statusCode, 403, 'students cannot extend themselves')

  t.equal((await api(ctx, ctx.prof, 'PATCH', `/api/v1/courses/${ctx.contextId}/synthesis`, { acceptLate: true })).statusCode, 200)
  const late = await handIn(ctx, ctx.ana, { text: 'en retard' })
  t.equal(late.status, 201)
  t.equal(late.body.late, true, 'late work is accepted and flagged')
})

t.test('files are checked by content and size; refused uploads leave nothing behind', async t => {
  const ctx = await synthesisSetup(t)
  const renamed = await handIn(ctx, ctx.ana, { files: [{ name: 'synthese.pdf', bytes: Buffer.from('MZ\x90\x00 this is a Windows program, not a PDF'.padEnd(5000, '.')), type: 'application/pdf' }] })
  t.equal(renamed.status, 415)
  t.match(renamed.body.messageFr, /PDF/)
  t.same(await rowCounts(ctx), { submissions: 0, files: 0, chunks: 0 })

  t.equal((await api(ctx, ctx.prof, 'PATCH', `/api/v1/courses/${ctx.contextId}/synthesis`, { maxFileMegabytes: 0.5, maxFiles: 2 })).statusCode, 200)
  const big = Buffer.concat([pdfBytes(), Buffer.alloc(600 * 1024, 0x20)])
  const tooBig = await handIn(ctx, ctx.ana, { text: 'avec un gros fichier', files: [{ name: 'ok.pdf', bytes: pdfBytes() }, { name: 'gros.pdf', bytes: big }] })
  t.equal(tooBig.status, 413)
  t.same(await rowCounts(ctx), { submissions: 0, files: 0, chunks: 0 }, 'the first, valid file is discarded with the refused one')

  const tooMany = await handIn(ctx, ctx.ana, { files: [1, 2, 3].map(i => ({ name: `${i}.pdf`, bytes: pdfBytes(String(i)) })) })
  t.equal(tooMany.status, 413)
  t.match(tooMany.body.message, /At most 2 file/)
  t.same(await rowCounts(ctx), { submissions: 0, files: 0, chunks: 0 })

  const empty = await handIn(ctx, ctx.ana, { text: '   ' })
  t.equal(empty.status, 400)
  t.match(empty.body.messageFr, /La remise est vide/)
})

t.test('who may hand in: 401 before the body is read, credited students of this course only', async t => {
  const ctx = await synthesisSetup(t)
  const anonymous = await handIn(ctx, null, { text: 'x' })
  t.equal(anonymous.status, 401)
  const forged = await ctx.app.inject({ method: 'POST', url: submissionsUrl(ctx), headers: { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.forged', 'content-type': 'multipart/form-data; boundary=nope' }, payload: 'not multipart at all' })
  t.equal(forged.statusCode, 401, 'a forged token is refused before the (malformed) body is parsed')
  const participant = await handIn(ctx, ctx.participant, { text: 'je ne suis pas inscrite' })
  t.equal(participant.status, 403)
  t.match(participant.body.messageFr, /inscrites au cours ENP7009/)
  t.equal((await handIn(ctx, ctx.prof, { text: 'prof' })).status, 403, 'instructors do not hand in')
  t.equal((await handIn(ctx, ctx.ana, { text: 'autre cours' }, ctx.otherContextId)).status, 403, 'not a student of the other course')
  t.same(await rowCounts(ctx), { submissions: 0, files: 0, chunks: 0 })

  const mine = await handIn(ctx, ctx.ana, { files: [{ name: 'a.pdf', bytes: pdfBytes() }] })
  const fileUrl = `${submissionsUrl(ctx)}/${mine.body.submissionId as string}/files/0`
  t.equal((await api(ctx, ctx.ben, 'GET', fileUrl)).statusCode, 403, 'another student cannot read it')
  t.equal((await api(ctx, ctx.otherProf, 'GET', fileUrl)).statusCode, 403, 'nor an instructor of another course')
  t.equal((await api(ctx, ctx.otherProf, 'GET', `/api/v1/courses/${ctx.otherContextId}/synthesis/submissions/${mine.body.submissionId as string}/files/0`)).statusCode, 404, 'nor through their own course')
  t.equal((await api(ctx, ctx.otherProf, 'GET', `/api/v1/courses/${ctx.contextId}/synthesis/students`)).statusCode, 403)
  t.equal((await api(ctx, ctx.ana, 'GET', `/api/v1/courses/${ctx.contextId}/synthesis/students`)).statusCode, 403)
  t.equal((await api(ctx, ctx.ana, 'GET', `${submissionsUrl(ctx)}/not-a-uuid/files/0`)).statusCode, 400)
})

t.test('a broken multipart body (truncated, no boundary) is a 400 that stores nothing', async t => {
  const ctx = await synthesisSetup(t)
  const before = await rowCounts(ctx)
  const truncated = await ctx.app.inject({
    method: 'POST',
    url: submissionsUrl(ctx),
    headers: { authorization: ctx.ana.bearer, 'content-type': 'multipart/form-data; boundary=b0undary' },
    payload: '--b0undary\r\nContent-Disposition: form-data; name="text"\r\n\r\nMa synthèse sans fin'
  })
  t.equal(truncated.statusCode, 400, 'truncated')
  t.match(truncated.json().message, /form arrived incomplete/)
  const noBoundary = await ctx.app.inject({ method: 'POST', url: submissionsUrl(ctx), headers: { authorization: ctx.ana.bearer, 'content-type': 'multipart/form-data' }, payload: 'x' })
  t.equal(noBoundary.statusCode, 400, 'no boundary')
  t.same(await rowCounts(ctx), before)
})

t.test('drafts are saved as the student types and come back after the tab was closed', async t => {
  const ctx = await synthesisSetup(t)
  const url = `/api/v1/courses/${ctx.contextId}/synthesis/draft`
  t.equal((await api(ctx, ctx.ana, 'GET', url)).body, 'null')
  const saved = await api(ctx, ctx.ana, 'PUT', url, { text: 'Premier jet — coproduction' })
  t.equal(saved.statusCode, 200)
  t.same(saved.json(), { savedAt: '2025-10-24T14:00:00.000Z' })
  ctx.clock.advance(30_000)
  await api(ctx, ctx.ana, 'PUT', url, { text: 'Deuxième jet — coproduction' })
  t.same((await api(ctx, ctx.ana, 'GET', url)).json(), { text: 'Deuxième jet — coproduction', savedAt: '2025-10-24T14:00:30.000Z' })
  t.equal((await api(ctx, ctx.ben, 'GET', url)).body, 'null', 'each student has their own')
  t.equal((await api(ctx, ctx.ana, 'PUT', url, { text: 42 })).statusCode, 400)
  t.equal((await api(ctx, ctx.ana, 'PUT', url, { text: 'x'.repeat(100_001) })).statusCode, 400)
  t.equal((await api(ctx, ctx.participant, 'PUT', url, { text: 'x' })).statusCode, 403)
  t.same((await api(ctx, ctx.ana, 'GET', url)).json().text, 'Deuxième jet — coproduction', 'refused saves changed nothing')
})

t.test('a connection dropped in the middle of an upload leaves no hand-in and no stored bytes', async t => {
  const ctx = await synthesisSetup(t)
  const boundary = 'compagnon-test-boundary'
  const url = new URL(`${ctx.base}${submissionsUrl(ctx)}`)
  const { stored } = await firstChunkStored(ctx)
  const handled = handlerSettled('POST', '/api/v1/courses/:contextId/synthesis/submissions')
  const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { authorization: ctx.ana.bearer, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(5 * 1024 * 1024) } })
  req.on('error', () => { /* the connection is cut on purpose */ })
  req.write(`--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="s.pdf"\r\nContent-Type: application/pdf\r\n\r\n`)
  req.write(pdfBytes())
  req.write(Buffer.alloc(1024 * 1024, 0x20))
  // Cut once the server is storing the file, 4 of the 5 MiB announced still to come.
  await stored
  req.destroy()
  // The server notices the reset and discards what it received before the handler ends.
  t.ok((await handled).error, 'the hand-in failed: its upload was cut')
  t.same(await rowCounts(ctx), { submissions: 0, files: 0, chunks: 0 })
  t.equal((await outboxOf(ctx, ctx.ana)).length, 0)
})

t.test('instructors set the assignment; bad settings are refused with the reason and change nothing', async t => {
  const ctx = await synthesisSetup(t)
  const url = `/api/v1/courses/${ctx.contextId}/synthesis`
  const initial = await api(ctx, ctx.ana, 'GET', url)
  t.equal(initial.statusCode, 200)
  t.match(initial.json(), { assignment: { title: 'Activité de synthèse', opensAt: '2025-10-24T13:00:00.000Z', dueAt: '2025-10-24T16:15:00.000Z', maxPoints: 100, allowedTypes: ['pdf', 'docx', 'odt'], maxFileBytes: 20 * 1024 * 1024, maxFiles: 5, rubric: null }, window: { state: 'open' } })
  t.match(initial.json().assignment.instructions.fr, /ENP7009/, 'instructions start from the program')
  const rubric = {
    criteria: [
      { id: 'analyse', title: { fr: 'Analyse', en: 'Analysis' }, levels: [{ id: 'faible', label: { fr: 'Faible', en: 'Weak' }, points: 10 }, { id: 'solide', label: { fr: 'Solide', en: 'Strong' }, points: 60 }] },
      { id: 'ecriture', title: { fr: 'Écriture', en: 'Writing' }, levels: [{ id: 'faible', label: { fr: 'Faible', en: 'Weak' }, points: 5 }, { id: 'claire', label: { fr: 'Claire', en: 'Clear' }, points: 40 }] }
    ]
  }
  const set = await api(ctx, ctx.prof, 'PATCH', url, { instructions: { fr: 'Rédigez une synthèse de 1500 mots.', en: 'Write a 1500-word synthesis.' }, rubric })
  t.equal(set.statusCode, 200)
  t.match(set.json(), { maxPoints: 100, rubric, instructions: { en: 'Write a 1500-word synthesis.' } })
  const mismatch = await api(ctx, ctx.prof, 'PATCH', url, { maxPoints: 20 })
  t.equal(mismatch.statusCode, 400)
  t.match(mismatch.json().message, /rubric gives at most 100 points, but the maximum is 20/)
  t.equal((await api(ctx, ctx.prof, 'PATCH', url, { dueAt: '2025-10-24T08:00:00-04:00' })).statusCode, 400)
  t.equal((await api(ctx, ctx.prof, 'PATCH', url, { allowedTypes: ['exe'] })).statusCode, 400)
  t.equal((await api(ctx, ctx.prof, 'PATCH', url, { color: 'blue' })).statusCode, 400, 'unknown settings are named, not ignored')
  t.equal((await api(ctx, ctx.ana, 'PATCH', url, { maxPoints: 5 })).statusCode, 403)
  t.equal((await api(ctx, ctx.otherProf, 'PATCH', url, { maxPoints: 5 })).statusCode, 403)
  t.match((await api(ctx, ctx.prof, 'GET', url)).json(), { assignment: { maxPoints: 100, dueAt: '2025-10-24T16:15:00.000Z' }, window: null })
  t.equal((await api(ctx, ctx.participant, 'GET', url)).statusCode, 403)

  const docs = await ctx.app.inject({ url: '/docs/json' })
  t.equal(docs.statusCode, 200, docs.body.slice(0, 300))
  const doc = docs.json()
  const submit = doc.paths['/api/v1/courses/{contextId}/synthesis/submissions']?.post
  t.equal(submit?.operationId, 'submitSynthesis', 'the hand-in route is documented')
  t.ok(submit?.responses['201'] && submit?.responses['413'] && submit?.responses['415'], 'with its receipt and refusals')
  t.ok(doc.paths['/api/v1/courses/{contextId}/synthesis/students/{personId}/grade']?.put, 'and grading')
})

t.test('Word and OpenDocument hand-ins are kept as sent; graders read a Word file as a page, a PDF in the browser\'s viewer', async t => {
  const ctx = await synthesisSetup(t)
  const fixture = (name: string): Buffer => readFileSync(join(projectRoot, 'test', 'fixtures', 'files', name))
  const res = await handIn(ctx, ctx.ana, { files: [{ name: 'synthese.docx', bytes: fixture('synthese.docx') }, { name: 'synthese.odt', bytes: fixture('synthese.odt') }, { name: 'synthese', bytes: fixture('synthese.pdf') }] })
  t.equal(res.status, 201, JSON.stringify(res.body))
  t.same(res.body.files.map((f: { filename: string, sha256: string }) => [f.filename, f.sha256]),
    [['synthese.docx', sha256(fixture('synthese.docx'))], ['synthese.odt', sha256(fixture('synthese.odt'))], ['synthese.pdf', sha256(fixture('synthese.pdf'))]], 'a name without extension gets the one its content has')
  const preview = (who: typeof ctx.prof, n: number) => ctx.app.inject({ url: `/cours/synthese/${ctx.contextId}/apercu/${res.body.submissionId as string}/${n}`, headers: { authorization: who.bearer, accept: 'text/html' } })
  const docx = await preview(ctx.prof, 0)
  t.equal(docx.statusCode, 200)
  t.match(docx.body, /<h1>Synthèse — ENP7009<\/h1><p>La coproduction des services publics/)
  t.equal((await preview(ctx.prof, 1)).statusCode, 415, 'an ODT file is downloaded, not previewed')
  const pdf = await preview(ctx.prof, 2)
  t.equal(pdf.statusCode, 303)
  t.match(pdf.headers.location, /\/files\/2$/)
  t.equal((await preview(ctx.ben, 0)).statusCode, 403, 'not for other students')
})
