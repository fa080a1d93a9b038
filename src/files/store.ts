import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { PassThrough, Readable } from 'node:stream'
import { fileTypeFromStream, type FileTypeResult } from 'file-type'
import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import { AppError, conflict, notFound } from '../errors.js'
import { bilingual, intlLocale, t, type Locale } from '../views/i18n.js'
import * as repo from './repository.js'
import { zipMediaType } from './zip.js'

/**
 * The one way uploaded files (synthesis hand-ins, later attestation PDFs) enter and leave the
 * database. Bytes are kept in `file_chunks` (see the synthesis migration for why in the
 * database), written and read a chunk at a time so a 20 MB upload never sits whole in memory.
 *
 * Life of a file: `receive()` streams an upload into a 'pending' file; the transaction that
 * cites it (a submission) calls `markStored()`; a refused submission calls `discard()`; pending
 * files left by dropped uploads or crashed requests are removed by `purgePending()`.
 */

/**
 * The kinds of file we accept, recognised from their content (never from the name or the
 * Content-Type a browser sends, which the uploader controls). Adding a kind (e.g.
 * `png: { mediaType: 'image/png', extension: 'png', label: 'PNG' }`) is one entry here, as long
 * as file-type recognises it, or zip.ts for zip-based documents: `mediaType` is what they report.
 */
export const fileKinds = {
  pdf: { mediaType: 'application/pdf', extension: 'pdf', label: 'PDF' },
  docx: { mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', extension: 'docx', label: 'DOCX' },
  odt: { mediaType: 'application/vnd.oasis.opendocument.text', extension: 'odt', label: 'ODT' },
  // Made by Compagnon (all attestations of an event); no upload lists it among its allowed kinds.
  zip: { mediaType: 'application/zip', extension: 'zip', label: 'ZIP' }
} as const satisfies Record<string, { mediaType: string, extension: string, label: string }>

export type FileKind = keyof typeof fileKinds

export const isFileKind = (value: unknown): value is FileKind =>
  typeof value === 'string' && Object.hasOwn(fileKinds, value)

const kindOfMediaType = new Map<string, FileKind>(
  (Object.keys(fileKinds) as FileKind[]).map(kind => [fileKinds[kind].mediaType, kind]))

export interface ReceivedFile {
  id: string
  kind: FileKind
  mediaType: string
  size: number
  /** Hex SHA-256 of the bytes: the receipt a student can check their copy against. */
  sha256: string
}

export interface StoredFileInfo extends ReceivedFile {
  state: 'pending' | 'stored'
  createdAt: Date
}

export interface OpenedFile extends StoredFileInfo {
  /** The bytes in order; errors (FileIntegrityError) instead of ending if they do not match size and SHA-256. */
  stream: Readable
}

export interface ReceiveOptions {
  maxBytes: number
  allowed: readonly FileKind[]
}

/** The bytes read back are not those received (corruption or tampering in the database). */
export class FileIntegrityError extends Error {
  constructor (readonly fileId: string, problem: string) {
    super(`File ${fileId} failed its integrity check: ${problem}`)
    this.name = 'FileIntegrityError'
  }
}

// 256 KiB: few enough rows for a 20 MB file (80) and short INSERTs, small enough that a
// handful of concurrent uploads stay within a few MB of memory.
export const CHUNK_BYTES = 256 * 1024
// Chunks fetched per query when reading back: fewer round trips, still ~1 MB in memory.
const READ_BATCH = 4
const MiB = 1024 * 1024

export class FileStore {
  constructor (private readonly db: Db, private readonly clock: Clock) {}

  /**
   * Streams `source` into a new pending file and returns what it is. No transaction is held
   * while the bytes arrive: each chunk is its own short INSERT, so a slow upload does not block
   * anyone (PGlite has a single connection). On any failure — too large, a kind not allowed,
   * the source erroring (a dropped connection), the database — reading stops and the pending
   * file and its chunks are deleted before the error is rethrown.
   */
  async receive (source: Readable, options: ReceiveOptions): Promise<ReceivedFile> {
    if (options.allowed.length === 0) throw new TypeError('FileStore.receive: no kind allowed')
    // The clock, not the database's now(): purgePending compares with the same clock.
    const id = await repo.insertPendingFile(this.db, this.clock.now())
    const sniffer = new ContentSniffer()
    const pieces = source[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>
    let sourceDone = false
    try {
      const chunks = this.#chunkWriter(id)
      for (;;) {
        let next: IteratorResult<Buffer | string>
        try {
          next = await pieces.next()
        } catch (err) {
          sourceDone = true
          throw interrupted(err)
        }
        if (next.done === true) { sourceDone = true; break }
        const piece = typeof next.value === 'string' ? Buffer.from(next.value) : next.value
        // Checked before storing: an oversized upload is cut off at the limit, not read to its end.
        if (chunks.size + piece.length > options.maxBytes) throw tooLarge(options.maxBytes)
        await sniffer.feed(piece)
        // Refuse as soon as the content says what it is: a 20 MB executable is not read to its end.
        // A plain zip may still be a document (see zip.ts), which only its end can tell.
        if (sniffer.settled) {
          const detected = await sniffer.result
          if (detected?.mime !== ZIP) acceptedKind(detected?.mime, options.allowed)
        }
        await chunks.add(piece)
      }
      const { size, sha256 } = await chunks.end()
      sniffer.end()
      let detected = (await sniffer.result)?.mime
      if (detected === ZIP) detected = await zipMediaType(async (start, end) => await this.#readRange(id, start, end), size)
      const kind = acceptedKind(detected, options.allowed)
      const mediaType = fileKinds[kind].mediaType
      // Recorded now, while still pending: markStored only has to flip the state, and the
      // CHECK on `files` (a stored file has all three) can never fail inside the caller's transaction.
      const described = await repo.describePendingFile(this.db, id, { media_type: mediaType, size, sha256 })
      // Gone: purged as abandoned by purgePending while this upload was still arriving.
      if (!described) throw interrupted(new Error(`pending file ${id} disappeared during upload`))
      return { id, kind, mediaType, size, sha256 }
    } catch (err) {
      sniffer.stop()
      // Destroys the source (stops reading a request body that will never be used).
      if (!sourceDone) await pieces.return?.().catch(() => {})
      // A failed delete leaves a pending file for purgePending; the caller needs the first error.
      await repo.deleteFile(this.db, id).catch(() => {})
      throw err
    }
  }

  /**
   * Streams bytes Compagnon makes itself (the ZIP of a bulk job, too large to hold whole) into a
   * new pending file, like `receive()` but without sniffing or a size limit; the caller makes it
   * permanent with `markStored()` in the transaction that cites it. If `source` errors, the
   * pending file is deleted and the error rethrown.
   */
  async write (source: AsyncIterable<Buffer>, kind: FileKind): Promise<ReceivedFile> {
    const id = await repo.insertPendingFile(this.db, this.clock.now())
    try {
      const chunks = this.#chunkWriter(id)
      for await (const piece of source) await chunks.add(piece)
      const { size, sha256 } = await chunks.end()
      const mediaType = fileKinds[kind].mediaType
      if (!await repo.describePendingFile(this.db, id, { media_type: mediaType, size, sha256 })) {
        throw new Error(`pending file ${id} disappeared while it was written`)
      }
      return { id, kind, mediaType, size, sha256 }
    } catch (err) {
      await repo.deleteFile(this.db, id).catch(() => {})
      throw err
    }
  }

  /**
   * Makes received files permanent, in the transaction that cites them (so a refused or failed
   * submission never leaves stored files nobody cites). Refuses (409) if any id is not a
   * completely received pending file: purged after a long wait, discarded, or already stored.
   */
  async markStored (trx: Db, ids: readonly string[]): Promise<void> {
    const unique = [...new Set(ids)]
    if (unique.length === 0) return
    const stored = await repo.markStored(trx, unique)
    if (stored.length !== unique.length) {
      throw conflict(bilingual('system.fileGone'), { missing: unique.filter(id => !stored.includes(id)) })
    }
  }

  /**
   * Stores bytes Compagnon made itself (an attestation PDF, a ZIP) as a stored file, inside the
   * caller's transaction: the file exists exactly when the row citing it does.
   */
  async put (trx: Db, data: Uint8Array, kind: FileKind): Promise<ReceivedFile> {
    const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    const sha256 = createHash('sha256').update(bytes).digest('hex')
    const mediaType = fileKinds[kind].mediaType
    const id = await repo.insertStoredFile(trx, { media_type: mediaType, size: bytes.length, sha256, created_at: this.clock.now() })
    // A few chunks per INSERT: one statement for a whole 50 MB ZIP would build a query (hex
    // text and protocol buffers) twice its size in memory.
    let chunks = []
    for (let seq = 0, offset = 0; offset < bytes.length || seq === 0; seq++, offset += CHUNK_BYTES) {
      chunks.push({ file_id: id, seq, data: bytes.subarray(offset, offset + CHUNK_BYTES) })
      if (chunks.length === READ_BATCH) {
        await repo.insertChunks(trx, chunks)
        chunks = []
      }
    }
    if (chunks.length > 0) await repo.insertChunks(trx, chunks)
    return { id, kind, mediaType, size: bytes.length, sha256 }
  }

  /** Deletes pending files (a submission refused after its upload); stored files are left alone. */
  async discard (ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0
    return await repo.deletePending(this.db, [...new Set(ids)])
  }

  /** What is known about a completely received file (pending or stored), or undefined. */
  async info (id: string): Promise<StoredFileInfo | undefined> {
    if (!isUuid(id)) return undefined
    const row = await repo.findFile(this.db, id)
    // Still arriving (or a failed upload not yet cleaned): not a file anyone may read.
    if (row === undefined || row.media_type === null || row.size === null || row.sha256 === null) return undefined
    const kind = kindOfMediaType.get(row.media_type)
    if (kind === undefined) throw new Error(`file ${id} has media type ${row.media_type}, which is no kind in fileKinds`)
    return {
      id: row.id,
      kind,
      mediaType: row.media_type,
      size: Number(row.size),
      sha256: row.sha256,
      state: row.state,
      createdAt: row.created_at
    }
  }

  /**
   * The file's metadata and a stream of its bytes, read a few chunks at a time. The stream
   * checks size and SHA-256 as it goes and holds back the last chunk until they match, so a
   * corrupted or tampered file is never delivered whole: the stream errors instead of ending.
   */
  async open (id: string): Promise<OpenedFile> {
    const file = await this.info(id)
    if (file === undefined) throw fileNotFound()
    const stream = Readable.from(this.#verifiedChunks(file), { objectMode: false, highWaterMark: CHUNK_BYTES })
    return { ...file, stream }
  }

  /** The whole file in memory: for small files (an attestation PDF to attach), not for hand-ins. */
  async readAll (id: string): Promise<StoredFileInfo & { data: Buffer }> {
    const { stream, ...file } = await this.open(id)
    const parts: Buffer[] = []
    for await (const part of stream) parts.push(part as Buffer)
    return { ...file, data: Buffer.concat(parts) }
  }

  /**
   * Deletes pending files created before `olderThan` (dropped uploads, submissions that never
   * came). `olderThan` must leave the slowest legitimate upload time to finish.
   */
  async purgePending (olderThan: Date): Promise<number> {
    return await repo.deletePendingCreatedBefore(this.db, olderThan)
  }

  /** Cuts a stream of pieces into CHUNK_BYTES rows of pending file `id`, hashing as it goes. */
  #chunkWriter (id: string): { readonly size: number, add: (piece: Buffer) => Promise<void>, end: () => Promise<{ size: number, sha256: string }> } {
    const hash = createHash('sha256')
    let size = 0
    let seq = 0
    let held: Buffer[] = []
    let heldBytes = 0
    const write = async (data: Buffer): Promise<void> => {
      try {
        await repo.insertChunks(this.db, [{ file_id: id, seq: seq++, data }])
      } catch (err) {
        // foreign_key_violation: the pending file was purged as abandoned while this one was slow.
        throw (err as { code?: unknown }).code === '23503' ? interrupted(err) : err
      }
    }
    return {
      get size () { return size },
      add: async (piece: Buffer): Promise<void> => {
        size += piece.length
        hash.update(piece)
        held.push(piece)
        heldBytes += piece.length
        if (heldBytes < CHUNK_BYTES) return
        const joined = Buffer.concat(held, heldBytes)
        let offset = 0
        for (; joined.length - offset >= CHUNK_BYTES; offset += CHUNK_BYTES) {
          await write(joined.subarray(offset, offset + CHUNK_BYTES))
        }
        held = offset < joined.length ? [joined.subarray(offset)] : []
        heldBytes = joined.length - offset
      },
      end: async (): Promise<{ size: number, sha256: string }> => {
        if (heldBytes > 0) await write(Buffer.concat(held, heldBytes))
        return { size, sha256: hash.digest('hex') }
      }
    }
  }

  /** Bytes [start, end) of a file being received: chunks are all CHUNK_BYTES long but the last. */
  async #readRange (id: string, start: number, end: number): Promise<Buffer> {
    if (end <= start) return Buffer.alloc(0)
    const first = Math.floor(start / CHUNK_BYTES)
    const rows = await repo.chunksBetween(this.db, id, first, Math.floor((end - 1) / CHUNK_BYTES))
    const joined = Buffer.concat(rows.map(row => row.data))
    return joined.subarray(start - first * CHUNK_BYTES, end - first * CHUNK_BYTES)
  }

  async * #verifiedChunks (file: StoredFileInfo): AsyncGenerator<Buffer> {
    const hash = createHash('sha256')
    let size = 0
    let seq = 0
    let held: Buffer | undefined
    for (;;) {
      const rows = await repo.chunksFrom(this.db, file.id, seq, READ_BATCH)
      for (const row of rows) {
        if (row.seq !== seq) throw new FileIntegrityError(file.id, `chunk ${seq} is missing`)
        seq++
        // PGlite returns bytea as a plain Uint8Array: a Buffer view of it, not a copy.
        const bytes: Uint8Array = row.data
        const data = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
        size += data.length
        if (size > file.size) throw new FileIntegrityError(file.id, `more than the ${file.size} bytes recorded`)
        hash.update(data)
        if (held !== undefined) yield held
        held = data
      }
      if (rows.length < READ_BATCH) break
    }
    if (size !== file.size) throw new FileIntegrityError(file.id, `${size} bytes instead of ${file.size}`)
    if (hash.digest('hex') !== file.sha256) throw new FileIntegrityError(file.id, 'SHA-256 differs from the one recorded')
    if (held !== undefined) yield held
  }
}

/**
 * file-type reading the upload alongside its storage: it pulls from its own stream, which we
 * feed piece by piece as the upload arrives, and it stops (destroying that stream) as soon as
 * it has an answer. Zip-based kinds (DOCX, ODT) may need entries deep in the archive, so the
 * sniffer is fed until it settles rather than given a fixed-size sample.
 */
class ContentSniffer {
  readonly result: Promise<FileTypeResult | undefined>
  #settled = false
  readonly #input = new PassThrough({ highWaterMark: CHUNK_BYTES })

  constructor () {
    // Writes racing file-type's own destroy() of the stream are expected; nothing to report.
    this.#input.on('error', () => {})
    // A parser failure means the content is not something we recognise (415), not a server fault.
    this.result = fileTypeFromStream(this.#input).catch(() => undefined).finally(() => { this.#settled = true })
  }

  get settled (): boolean { return this.#settled }

  async feed (piece: Buffer): Promise<void> {
    if (this.#settled || this.#input.destroyed) return
    // Never more than a chunk waiting for file-type: memory stays bounded if it reads slowly.
    if (!this.#input.write(piece)) await Promise.race([once(this.#input, 'drain').catch(() => {}), this.result])
  }

  end (): void {
    if (!this.#input.destroyed) this.#input.end()
  }

  stop (): void {
    this.#input.destroy()
  }
}

const ZIP = 'application/zip'

function acceptedKind (detected: string | undefined, allowed: readonly FileKind[]): FileKind {
  const kind = detected === undefined ? undefined : kindOfMediaType.get(detected)
  if (kind !== undefined && allowed.includes(kind)) return kind
  const labels = allowed.map(k => fileKinds[k].label)
  throw new AppError('unsupported_media_type', {
    fr: t('fr', 'system.fileTypeRefused', { kinds: listOf(labels, 'fr') }),
    en: t('en', 'system.fileTypeRefused', { kinds: listOf(labels, 'en') })
  }, { allowed, detected: detected ?? null })
}

function tooLarge (maxBytes: number): AppError {
  return new AppError('payload_too_large', bilingual('system.fileTooLarge', { megabytes: Math.round(maxBytes / MiB * 10) / 10 }), { maxBytes })
}

function interrupted (cause: unknown): AppError {
  const err = new AppError('bad_request', bilingual('system.uploadInterrupted'))
  // Kept for logs, never sent to the client (details are).
  err.cause = cause
  return err
}

const fileNotFound = (): AppError => notFound(bilingual('system.fileNotFound'))

// Any other string would make PostgreSQL fail the query on the uuid cast: an unknown id is just absent.
const isUuid = (value: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)

/** "PDF, DOCX et ODT" / "PDF, DOCX, and ODT". */
const listOf = (items: string[], locale: Locale): string => new Intl.ListFormat(intlLocale[locale], { type: 'conjunction' }).format(items)
