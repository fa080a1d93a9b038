import t from 'tap'
import { ZipFile } from 'yazl'
import { defaultArchiveLimits, inspectArchive, inspectDirectory } from '../../src/files/archive-limits.js'
import { PreviewPool } from '../../src/synthesis/preview-pool.js'
import { handIn, synthesisSetup, type SynthesisCtx } from '../helpers/synthesis.js'

const W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main'
const contentTypes = '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
const rels = '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'
const paragraph = (text: string): string => `<w:p><w:r><w:t>${text}</w:t></w:r></w:p>`
const documentXml = (body: string): string => `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="${W}"><w:body>${body}</w:body></w:document>`

/** A DOCX written with yazl (as Word would, deflated), with extra entries when asked. */
async function docx (body: string, extra: Array<{ name: string, data: string }> = []): Promise<Buffer> {
  const zip = new ZipFile()
  zip.addBuffer(Buffer.from(contentTypes), '[Content_Types].xml')
  zip.addBuffer(Buffer.from(rels), '_rels/.rels')
  zip.addBuffer(Buffer.from(documentXml(body)), 'word/document.xml')
  for (const e of extra) zip.addBuffer(Buffer.from(e.data), e.name)
  zip.end()
  const chunks: Buffer[] = []
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** The finding's file: about 20 MB of repeated paragraphs in one document.xml, some tens of KB zipped. */
const zipBomb = async (): Promise<Buffer> => await docx(paragraph('Coproduction des services publics.').repeat(20 * 1024 * 1024 / 60))

const preview = async (ctx: SynthesisCtx, submissionId: string, lang = 'fr'): Promise<{ statusCode: number, body: string }> =>
  await ctx.app.inject({ url: `/cours/synthese/${ctx.contextId}/apercu/${submissionId}/0?lang=${lang}`, headers: { authorization: ctx.prof.bearer, accept: 'text/html' } })

t.test('a zip-bomb DOCX (20 MB of XML in tens of KB) gets a "cannot be previewed" page, the download still works and /health keeps answering', async t => {
  const ctx = await synthesisSetup(t)
  const bomb = await zipBomb()
  t.ok(bomb.length < 200 * 1024, `the bomb is small on disk (${bomb.length} bytes)`)
  t.equal(await inspectDirectory(bomb), 'ratio', 'the compression ratio alone refuses it, from the central directory')
  t.equal(await inspectArchive(bomb), 'ratio')
  const res = await handIn(ctx, ctx.ana, { files: [{ name: 'synthese.docx', bytes: bomb }] })
  t.equal(res.status, 201, JSON.stringify(res.body))

  const pending = preview(ctx, res.body.submissionId)
  const health = await ctx.app.inject({ url: '/health' })
  t.equal(health.statusCode, 200, '/health answers while the preview is prepared')
  const page = await pending
  t.equal(page.statusCode, 200)
  t.match(page.body, /trop volumineux ou trop complexe pour un aperçu/)
  t.match(page.body, new RegExp(`href="/api/v1/courses/${ctx.contextId}/synthesis/submissions/${res.body.submissionId as string}/files/0\\?telecharger(=|&#61;)1"`))
  t.notMatch(page.body, /Coproduction des services publics/, 'none of its text is shown')
  t.equal(ctx.services.previews.tasks, 0, 'refused before taking a thread or a place in the queue')
  t.match((await preview(ctx, res.body.submissionId, 'en')).body, /too large or too complex to preview/)

  const download = await fetch(`${ctx.base}/api/v1/courses/${ctx.contextId}/synthesis/submissions/${res.body.submissionId as string}/files/0?telecharger=1`, { headers: { authorization: ctx.prof.bearer } })
  t.equal(download.status, 200)
  t.same(Buffer.from(await download.arrayBuffer()), bomb, 'the original file downloads whole')
})

t.test('a DOCX with more entries than a document has is refused from its central directory', async t => {
  const ctx = await synthesisSetup(t)
  const many = await docx(paragraph('Peu de texte.'), Array.from({ length: defaultArchiveLimits.maxEntries }, (_, i) => ({ name: `word/media/part${i}.xml`, data: '<x/>' })))
  t.equal(await inspectArchive(many), 'entries')
  const res = await handIn(ctx, ctx.ana, { files: [{ name: 'synthese.docx', bytes: many }] })
  t.equal(res.status, 201, JSON.stringify(res.body))
  const page = await preview(ctx, res.body.submissionId)
  t.equal(page.statusCode, 200)
  t.match(page.body, /trop volumineux ou trop complexe/)
  t.notMatch(page.body, /Peu de texte/)
})

t.test('an entry that inflates to more than its directory declares is refused by counting the bytes', async t => {
  const real = await docx(paragraph('Texte.'.repeat(2000)))
  // Rewrites document.xml's declared size in the central directory to a tenth of the truth.
  const name = Buffer.from('word/document.xml')
  let at = real.indexOf(Buffer.concat([Buffer.from([0x50, 0x4b, 0x01, 0x02])]))
  while (at >= 0 && !real.subarray(at + 46, at + 46 + name.length).equals(name)) at = real.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), at + 4)
  t.ok(at >= 0, 'the directory entry is found')
  const lying = Buffer.from(real)
  lying.writeUInt32LE(Math.floor(real.readUInt32LE(at + 24) / 10), at + 24)
  t.equal(await inspectArchive(real), undefined, 'the honest file is within the limits')
  t.equal(await inspectDirectory(lying), undefined, 'the directory alone cannot tell')
  t.equal(await inspectArchive(lying), 'size')
  t.equal(await inspectArchive(Buffer.from('not a zip at all')), 'unreadable')
})

t.test('a normal DOCX still previews, and the second request is answered from the cache without a new task', async t => {
  const ctx = await synthesisSetup(t)
  const bytes = await docx(paragraph('La coproduction des services publics à Montréal.') + paragraph('Deuxième paragraphe.'))
  const res = await handIn(ctx, ctx.ana, { files: [{ name: 'synthese.docx', bytes }] })
  t.equal(res.status, 201, JSON.stringify(res.body))
  const before = ctx.services.previews.tasks
  const first = await preview(ctx, res.body.submissionId)
  t.equal(first.statusCode, 200)
  t.match(first.body, /<article class="document-preview"><p>La coproduction des services publics à Montréal\.<\/p><p>Deuxième paragraphe\.<\/p><\/article>/)
  t.equal(ctx.services.previews.tasks, before + 1, 'one task on the pool')
  const again = await preview(ctx, res.body.submissionId, 'en')
  t.match(again.body, /La coproduction des services publics à Montréal\./)
  t.match(again.body, /Preview of the document’s text/)
  t.equal(ctx.services.previews.tasks, before + 1, 'the second preview ran no task')

  // Asked twice at once by someone else (the author): one task is shared.
  const other = await docx(paragraph('Une autre version.'))
  const second = await handIn(ctx, ctx.ana, { files: [{ name: 'v2.docx', bytes: other }] })
  const both = await Promise.all([0, 1].map(async () => await ctx.app.inject({ url: `/cours/synthese/${ctx.contextId}/apercu/${second.body.submissionId as string}/0`, headers: { authorization: ctx.ana.bearer, accept: 'text/html' } })))
  for (const page of both) t.match(page.body, /Une autre version\./)
  t.equal(ctx.services.previews.tasks, before + 2)
})

t.test('a preview past the wall-time limit is ended: the pool answers "time", and caches it', async t => {
  // A limit no conversion can meet: the thread is ended mid-task, whatever the machine's speed.
  const pool = new PreviewPool({ threads: 1, timeLimitMs: 1 })
  t.teardown(async () => { await pool.close() })
  const varied = Array.from({ length: 4000 }, (_, i) => paragraph(`Paragraphe ${i} : ${(i * 7919).toString(36)} ${(i * 104729).toString(16)}.`)).join('')
  const bytes = await docx(varied)
  t.equal(await inspectArchive(bytes), undefined, 'the file is within the archive limits')
  const outcome = await pool.preview('slow', async () => bytes)
  t.same(outcome, { ok: false, reason: 'time' })
  t.equal(pool.tasks, 1)
  t.same(await pool.preview('slow', async () => { throw new Error('not read again') }), { ok: false, reason: 'time' }, 'the refusal is cached too')
})

t.test('a preview past the heap limit ends its thread: the pool answers "memory" instead of the process running out', async t => {
  // 40,000 paragraphs (2 MB of XML) pass the archive checks; mammoth's document tree does not fit in 16 MB.
  const pool = new PreviewPool({ threads: 1, maxHeapMb: 16, timeLimitMs: 120_000 })
  t.teardown(async () => { await pool.close() })
  const bytes = await docx(Array.from({ length: 40_000 }, (_, i) => paragraph(`Paragraphe ${i} ${(i * 7919).toString(36)}`)).join(''))
  t.equal(await inspectArchive(bytes), undefined, 'the file is within the archive limits')
  t.same(await pool.preview('big', async () => bytes), { ok: false, reason: 'memory' })
})
