import t from 'tap'
import { createHash, randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { InsertQueryNode, sql, type KyselyPlugin, type PluginTransformQueryArgs, type PluginTransformResultArgs, type QueryResult, type RootOperationNode, type UnknownRow } from 'kysely'
import { FixedClock } from '../../src/clock.js'
import type { Db } from '../../src/db/database.js'
import { AppError } from '../../src/errors.js'
import { CHUNK_BYTES, FileIntegrityError, FileStore, isFileKind, type FileKind } from '../../src/files/store.js'
import { projectRoot } from '../../src/paths.js'
import { freshDatabase } from '../helpers/database.js'
import { zip } from '../helpers/zip.js'

const fixture = async (name: string): Promise<Buffer> => await readFile(join(projectRoot, 'test', 'fixtures', 'files', name))
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex')
const ALL: FileKind[] = ['pdf', 'docx', 'odt']
const MB = 1024 * 1024

/** The bytes in pieces of `size`, the way a request body arrives (never aligned with our chunks). */
function source (data: Buffer, size = 10_000): Readable {
  return Readable.from((function * () {
    for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size)
  })(), { objectMode: false })
}

/** A lazy source of `total` bytes that starts with `head` and records how much was pulled from it. */
function counted (head: string, total: number, piece = 64 * 1024): { stream: Readable, pulled: () => number } {
  let pulled = 0
  const stream = Readable.from((function * () {
    for (let at = 0; at < total; at += piece) {
      const data = Buffer.alloc(Math.min(piece, total - at), 0x20)
      if (at === 0) data.write(head)
      pulled += data.length
      yield data
    }
  })(), { objectMode: false })
  return { stream, pulled: () => pulled }
}

async function rowCounts (db: Db): Promise<{ files: number, chunks: number }> {
  const files = await db.selectFrom('files').select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  const chunks = await db.selectFrom('file_chunks').select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  return { files: Number(files.n), chunks: Number(chunks.n) }
}

async function failure (promise: Promise<unknown>): Promise<unknown> {
  try { await promise } catch (err) { return err }
  throw new Error('expected a failure')
}

async function drain (stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const part of stream) parts.push(part as Buffer)
  return Buffer.concat(parts)
}

const pdfOf = (size: number): Buffer => {
  const data = randomBytes(size)
  data.write('%PDF-1.7\n')
  return data
}

/**
 * Tells when a row was written: a Kysely plugin sees each statement the store runs, and its
 * result once the database answered. Tests wait on that instead of polling the table.
 */
class Writes implements KyselyPlugin {
  readonly #tables = new WeakMap<object, string>()
  #waiting: Array<{ table: string, resolve: () => void }> = []

  /** Resolves once the next INSERT into `table` has been stored (ask before starting the work). */
  next (table: string): Promise<void> {
    return new Promise(resolve => { this.#waiting.push({ table, resolve }) })
  }

  transformQuery (args: PluginTransformQueryArgs): RootOperationNode {
    if (InsertQueryNode.is(args.node) && args.node.into !== undefined) this.#tables.set(args.queryId, args.node.into.table.identifier.name)
    return args.node
  }

  async transformResult (args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const table = this.#tables.get(args.queryId)
    const ready = this.#waiting.filter(w => w.table === table)
    this.#waiting = this.#waiting.filter(w => w.table !== table)
    for (const w of ready) w.resolve()
    return args.result
  }
}

t.test('file store', async t => {
  const { db } = await freshDatabase(t)
  const clock = new FixedClock('2025-10-24T15:00:00Z')
  const writes = new Writes()
  const store = new FileStore(db.withPlugin(writes), clock)
  t.beforeEach(async () => { await sql`delete from files`.execute(db) })

  t.test('PDF, DOCX and ODT written by LibreOffice come back byte for byte, with the SHA-256 of what was sent', async t => {
    for (const [name, kind, mediaType] of [
      ['synthese.pdf', 'pdf', 'application/pdf'],
      ['synthese.docx', 'docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
      ['synthese.odt', 'odt', 'application/vnd.oasis.opendocument.text']
    ] as const) {
      const data = await fixture(name)
      const received = await store.receive(source(data, 1000), { maxBytes: 20 * MB, allowed: ALL })
      t.same({ ...received, id: undefined }, { id: undefined, kind, mediaType, size: data.length, sha256: sha256(data) }, name)
      const back = await store.readAll(received.id)
      t.ok(back.data.equals(data), `${name}: same bytes`)
      t.match(back, { state: 'pending', kind, createdAt: clock.now() })
    }
  })

  t.test('a file Compagnon makes as a stream (write) arrives pending in chunks, becomes stored with its citing row; a failing source leaves nothing', async t => {
    const data = randomBytes(3 * CHUNK_BYTES + 17)
    const written = await store.write(source(data, 70_000), 'zip')
    t.same({ ...written, id: undefined }, { id: undefined, kind: 'zip', mediaType: 'application/zip', size: data.length, sha256: sha256(data) })
    t.same((await db.selectFrom('file_chunks').select('seq').where('file_id', '=', written.id).orderBy('seq').execute()).map(c => c.seq), [0, 1, 2, 3])
    t.equal((await store.info(written.id))?.state, 'pending', 'pending until the row citing it is written')
    await db.transaction().execute(async trx => { await store.markStored(trx, [written.id]) })
    const back = await store.readAll(written.id)
    t.ok(back.data.equals(data), 'same bytes')
    t.equal(back.state, 'stored')

    async function * broken (): AsyncGenerator<Buffer> {
      yield randomBytes(CHUNK_BYTES + 1)
      throw new Error('the ZIP could not read an attestation')
    }
    await t.rejects(store.write(broken(), 'zip'), /could not read an attestation/)
    t.same((await db.selectFrom('files').select('id').execute()).map(f => f.id), [written.id], 'the failed file and its chunks are gone')
  })

  t.test('files Compagnon makes (put) are stored in the caller\'s transaction, in chunks, and read back verified', async t => {
    const data = randomBytes(9 * CHUNK_BYTES + 5)
    const put = await db.transaction().execute(async trx => await store.put(trx, data, 'zip'))
    t.same({ ...put, id: undefined }, { id: undefined, kind: 'zip', mediaType: 'application/zip', size: data.length, sha256: sha256(data) })
    const chunks = await db.selectFrom('file_chunks').select('seq').where('file_id', '=', put.id).orderBy('seq').execute()
    t.same(chunks.map(c => c.seq), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    const back = await store.readAll(put.id)
    t.ok(back.data.equals(data), 'same bytes')
    t.equal(back.state, 'stored')
    const empty = await db.transaction().execute(async trx => await store.put(trx, Buffer.alloc(0), 'pdf'))
    t.equal((await store.readAll(empty.id)).data.length, 0, 'an empty file too')
    await t.rejects(db.transaction().execute(async trx => {
      await store.put(trx, data, 'pdf')
      throw new Error('the citing row failed')
    }), /citing row failed/)
    t.equal(Number((await db.selectFrom('files').select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n), 2, 'rolled back with the transaction')
  })

  t.test('a multi-chunk upload is stored in full chunks but the last, and streams back in order', async t => {
    const data = pdfOf(3 * CHUNK_BYTES + 12_345)
    const received = await store.receive(source(data, 7_777), { maxBytes: 20 * MB, allowed: ['pdf'] })
    const chunks = await db.selectFrom('file_chunks').select(['seq', sql<number>`length(data)`.as('length')])
      .where('file_id', '=', received.id).orderBy('seq').execute()
    t.same(chunks.map(c => [c.seq, Number(c.length)]), [[0, CHUNK_BYTES], [1, CHUNK_BYTES], [2, CHUNK_BYTES], [3, 12_345]])
    const opened = await store.open(received.id)
    t.equal(opened.sha256, sha256(data))
    t.ok((await drain(opened.stream)).equals(data))
  })

  t.test('a source of strings is stored as their UTF-8 bytes', async t => {
    const text = '%PDF-1.4\n% Synthèse\n'
    const received = await store.receive(Readable.from([text]), { maxBytes: MB, allowed: ['pdf'] })
    t.equal(received.sha256, sha256(Buffer.from(text)))
  })

  t.test('a LibreOffice-style DOCX with a large picture and [Content_Types].xml last is a DOCX', async t => {
    // file-type alone calls this a plain zip: the picture's size comes after its data and exceeds what it scans.
    const data = zip([
      { name: '_rels/.rels', data: '<Relationships/>' },
      { name: 'word/document.xml', data: '<w:document/>' },
      { name: 'word/media/image1.png', data: randomBytes(1.5 * MB) },
      { name: '[Content_Types].xml', data: '<Types><Default Extension="png" ContentType="image/png"/><Override ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml" PartName="/word/document.xml"/></Types>' }
    ])
    const received = await store.receive(source(data, 64 * 1024), { maxBytes: 20 * MB, allowed: ALL })
    t.equal(received.kind, 'docx')
    t.ok((await store.readAll(received.id)).data.equals(data))
  })

  t.test('an ODT whose mimetype is not the first entry is still read from the zip directory', async t => {
    const data = zip([
      { name: 'content.xml', data: randomBytes(1.2 * MB) },
      { name: 'mimetype', data: 'application/vnd.oasis.opendocument.text', store: true }
    ])
    t.equal((await store.receive(source(data), { maxBytes: 20 * MB, allowed: ['odt'] })).kind, 'odt')
  })

  t.test('content that is not an allowed kind is refused (415) whatever the name says, and leaves no rows', async t => {
    const pdf = await fixture('synthese.pdf')
    const docx = await fixture('synthese.docx')
    const bigPicture = { name: 'word/media/image1.png', data: randomBytes(1.2 * MB) }
    const cases: Array<[string, Buffer, FileKind[]]> = [
      ['a PDF named .docx, where only DOCX is allowed', pdf, ['docx']],
      ['a DOCX where only PDF is allowed', docx, ['pdf']],
      ['a text file', Buffer.from('Ceci est ma synthèse, en texte brut.\n'.repeat(100)), ALL],
      ['an executable', Buffer.concat([Buffer.from('MZ\x90\x00'), randomBytes(100_000)]), ALL],
      ['an empty file', Buffer.alloc(0), ALL],
      ['a plain zip', zip([{ name: 'synthese.txt', data: 'texte' }]), ALL],
      ['a macro-enabled Word document (DOCM)', zip([
        { name: 'word/document.xml', data: '<w:document/>' }, bigPicture,
        { name: '[Content_Types].xml', data: '<Types><Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>' }
      ]), ALL],
      ['OOXML content types naming a main part the archive lacks', zip([
        bigPicture,
        { name: '[Content_Types].xml', data: '<Types><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>' }
      ]), ALL],
      ['a zip cut short (no directory at its end)', zip([bigPicture, { name: 'mimetype', data: 'application/vnd.oasis.opendocument.text', store: true }]).subarray(0, MB), ALL]
    ]
    for (const [what, data, allowed] of cases) {
      const err = await failure(store.receive(source(data), { maxBytes: 20 * MB, allowed }))
      t.match(err, { code: 'unsupported_media_type', statusCode: 415 }, what)
      t.same(await rowCounts(db), { files: 0, chunks: 0 }, `${what}: no rows left`)
    }
    const err = await failure(store.receive(source(pdf), { maxBytes: MB, allowed: ['docx', 'odt'] })) as AppError
    t.equal(err.text.en, 'File type not accepted: only DOCX and ODT files are accepted.')
    t.equal(err.text.fr, 'Type de fichier non accepté : seuls les fichiers DOCX et ODT sont acceptés.')
  })

  t.test('content recognised as not allowed stops the upload at once instead of reading it to the end', async t => {
    const upload = counted('MZ', 10 * MB)
    t.match(await failure(store.receive(upload.stream, { maxBytes: 20 * MB, allowed: ALL })), { statusCode: 415 })
    t.ok(upload.pulled() < MB, `read ${upload.pulled()} bytes of 10 MB`)
    t.ok(upload.stream.destroyed, 'the source is destroyed')
  })

  t.test('an upload over the limit is refused (413) naming the limit, read no further, and leaves no rows', async t => {
    const upload = counted('%PDF-1.7\n', 10 * MB)
    const err = await failure(store.receive(upload.stream, { maxBytes: 2 * MB, allowed: ALL })) as AppError
    t.match(err, { code: 'payload_too_large', statusCode: 413, details: { maxBytes: 2 * MB } })
    t.equal(err.text.en, 'The file exceeds the maximum size of 2 MB.')
    t.equal(err.text.fr, 'Le fichier dépasse la taille maximale de 2 Mo.')
    // A few pieces past the limit are in the stream's read-ahead buffer; the rest of the 10 MB is never pulled.
    t.ok(upload.pulled() < 2.5 * MB, `read ${upload.pulled()} bytes of 10 MB`)
    t.ok(upload.stream.destroyed)
    t.same(await rowCounts(db), { files: 0, chunks: 0 })
    const exact = await store.receive(source(pdfOf(2 * MB)), { maxBytes: 2 * MB, allowed: ALL })
    t.equal(exact.size, 2 * MB, 'exactly the limit is accepted')
    const half = await failure(store.receive(source(pdfOf(MB)), { maxBytes: MB / 2, allowed: ALL })) as AppError
    t.equal(half.text.fr, 'Le fichier dépasse la taille maximale de 0,5 Mo.')
  })

  t.test('a source that errors midway (a dropped connection) leaves no rows and is reported as an interrupted upload', async t => {
    const stream = new Readable({ read () {} })
    const firstChunk = writes.next('file_chunks')
    const receiving = store.receive(stream, { maxBytes: 20 * MB, allowed: ALL })
    stream.push(pdfOf(CHUNK_BYTES + 1000))
    // Once the first chunk is in the database, the failure must remove it too.
    await firstChunk
    t.equal((await rowCounts(db)).chunks, 1, 'a chunk was written before the failure')
    stream.destroy(new Error('aborted'))
    const err = await failure(receiving) as AppError
    t.match(err, { code: 'bad_request', statusCode: 400 })
    t.match(err.cause, { message: 'aborted' })
    t.same(await rowCounts(db), { files: 0, chunks: 0 })
  })

  t.test('a slow upload holds no transaction: other uploads and queries go on meanwhile', async t => {
    const slow = new Readable({ read () {} })
    const slowReceive = store.receive(slow, { maxBytes: 20 * MB, allowed: ALL })
    slow.push(pdfOf(CHUNK_BYTES * 2))
    const other = await store.receive(source(await fixture('synthese.odt')), { maxBytes: MB, allowed: ALL })
    t.equal(other.kind, 'odt')
    t.equal((await store.info(other.id))?.state, 'pending')
    slow.push(null)
    t.equal((await slowReceive).size, CHUNK_BYTES * 2)
  })

  t.test('markStored makes received files permanent in the caller\'s transaction', async t => {
    const a = await store.receive(source(pdfOf(1000)), { maxBytes: MB, allowed: ALL })
    const b = await store.receive(source(pdfOf(2000)), { maxBytes: MB, allowed: ALL })
    await db.transaction().execute(async trx => { await store.markStored(trx, [a.id, b.id, a.id]) })
    t.equal((await store.info(a.id))?.state, 'stored')
    t.equal((await store.info(b.id))?.state, 'stored')
    await store.markStored(db, [])

    const c = await store.receive(source(pdfOf(1000)), { maxBytes: MB, allowed: ALL })
    const d = await store.receive(source(pdfOf(1000)), { maxBytes: MB, allowed: ALL })
    t.equal(await store.discard([d.id]), 1)
    // The transaction fails as a whole: c is not stored without d.
    const err = await failure(db.transaction().execute(async trx => { await store.markStored(trx, [c.id, d.id]) }))
    t.match(err, { code: 'conflict', statusCode: 409, details: { missing: [d.id] } })
    t.equal((await store.info(c.id))?.state, 'pending')
    t.match(await failure(db.transaction().execute(async trx => { await store.markStored(trx, [a.id]) })), { statusCode: 409 }, 'a file is stored once')
  })

  t.test('discard deletes pending files and never stored ones', async t => {
    const kept = await store.receive(source(pdfOf(1000)), { maxBytes: MB, allowed: ALL })
    await store.markStored(db, [kept.id])
    const dropped = await store.receive(source(pdfOf(CHUNK_BYTES + 1)), { maxBytes: MB, allowed: ALL })
    t.equal(await store.discard([kept.id, dropped.id]), 1)
    t.equal(await store.discard([]), 0)
    t.same(await rowCounts(db), { files: 1, chunks: 1 })
    t.equal((await store.info(kept.id))?.state, 'stored')
  })

  t.test('a corrupted or missing chunk makes the stream error instead of ending, and the last chunk is withheld', async t => {
    const small = pdfOf(1000)
    const one = await store.receive(source(small), { maxBytes: MB, allowed: ALL })
    const flipped = Buffer.from(small)
    flipped[500] = (flipped[500] ?? 0) ^ 1
    await db.updateTable('file_chunks').set({ data: flipped }).where('file_id', '=', one.id).execute()
    const opened = await store.open(one.id)
    let delivered = 0
    opened.stream.on('data', (part: Buffer) => { delivered += part.length })
    const err = await failure(drain(opened.stream))
    t.type(err, FileIntegrityError)
    t.match(err, { fileId: one.id, message: /SHA-256/ })
    t.equal(delivered, 0, 'nothing of a one-chunk file is delivered')
    t.match(await failure(store.readAll(one.id)), FileIntegrityError)

    const big = await store.receive(source(pdfOf(3 * CHUNK_BYTES)), { maxBytes: 4 * MB, allowed: ALL })
    await db.deleteFrom('file_chunks').where('file_id', '=', big.id).where('seq', '=', 1).execute()
    t.match(await failure(drain((await store.open(big.id)).stream)), { message: /chunk 1 is missing/ })
    await db.deleteFrom('file_chunks').where('file_id', '=', big.id).where('seq', '=', 2).execute()
    t.match(await failure(drain((await store.open(big.id)).stream)), { message: /bytes instead of/ }, 'truncated')

    const longer = await store.receive(source(pdfOf(100)), { maxBytes: MB, allowed: ALL })
    await db.insertInto('file_chunks').values({ file_id: longer.id, seq: 1, data: Buffer.from('extra') }).execute()
    t.match(await failure(drain((await store.open(longer.id)).stream)), { message: /more than the 100 bytes/ })
  })

  t.test('only completely received files can be opened', async t => {
    const notFound = { code: 'not_found', statusCode: 404 }
    t.match(await failure(store.open('00000000-0000-0000-0000-000000000000')), notFound)
    t.match(await failure(store.open('not-a-uuid')), notFound)
    const arriving = await db.insertInto('files').values({ state: 'pending' }).returning('id').executeTakeFirstOrThrow()
    t.match(await failure(store.open(arriving.id)), notFound)
    t.equal(await store.info(arriving.id), undefined)
    await t.rejects(store.receive(source(pdfOf(10)), { maxBytes: MB, allowed: [] }), TypeError)
  })

  t.test('purgePending removes pending files older than the given instant, their chunks with them', async t => {
    clock.set('2025-10-24T10:00:00Z')
    const old = await store.receive(source(pdfOf(CHUNK_BYTES + 10)), { maxBytes: MB, allowed: ALL })
    const oldStored = await store.receive(source(pdfOf(10)), { maxBytes: MB, allowed: ALL })
    await store.markStored(db, [oldStored.id])
    clock.set('2025-10-24T14:00:00Z')
    const recent = await store.receive(source(pdfOf(10)), { maxBytes: MB, allowed: ALL })
    t.equal(await store.purgePending(new Date('2025-10-24T12:00:00Z')), 1)
    t.equal(await store.info(old.id), undefined)
    t.equal((await store.info(oldStored.id))?.state, 'stored')
    t.equal((await store.info(recent.id))?.state, 'pending')
    t.same(await rowCounts(db), { files: 2, chunks: 2 })
  })

  t.test('an upload purged while still arriving fails instead of reviving', async t => {
    clock.set('2025-10-24T10:00:00Z')
    const slow = new Readable({ read () {} })
    const pending = writes.next('files')
    const receiving = store.receive(slow, { maxBytes: MB, allowed: ALL })
    slow.push(pdfOf(100))
    await pending
    t.equal(await store.purgePending(new Date('2025-10-25T00:00:00Z')), 1)
    slow.push(null)
    t.match(await failure(receiving), { statusCode: 400 })
    t.same(await rowCounts(db), { files: 0, chunks: 0 })
  })

  t.test('kinds are checked by name', async t => {
    t.ok(isFileKind('odt'))
    t.notOk(isFileKind('exe'))
    t.notOk(isFileKind('toString'))
  })
})
