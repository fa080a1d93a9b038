import type { Readable } from 'node:stream'
import { ZipFile } from 'yazl'
import type { FileStore, ReceivedFile } from '../files/store.js'

/** An attestation as it goes into the ZIP: who it names and its code give the file name. */
export interface ZipEntry { id: string, name: string, code: string, issuedAt: Date }

/**
 * The ZIP of an event's attestations, written into the file store while the bulk job is still
 * making them: each PDF goes in as soon as it is stored (its bytes are still in memory), the
 * ones made earlier are read back at the end. The ZIP is never whole in memory (it was: 63 MiB
 * for 1,000, plus copies) and most of it is written while the rendering threads work.
 *
 * The file stays pending until `markStored()` in the transaction that finishes the job; a job
 * given up (`abort()`) deletes it.
 */
export class EventZip {
  readonly #zip = new ZipFile()
  readonly #names = new Set<string>()
  readonly #added = new Set<string>()
  readonly #written: Promise<ReceivedFile>
  #failed: unknown

  constructor (files: FileStore) {
    const output = this.#zip.outputStream as Readable
    this.#written = files.write(output, 'zip')
    // Kept for end(): a database failure stops the ZIP; the job ends it with that error.
    this.#written.catch((err: unknown) => { this.#fail(err) })
    // Errors after a destroy are the one already kept.
    output.on('error', () => {})
    // A file that cannot be read (or fails its SHA-256) fails the ZIP, never ends up cut short in it.
    this.#zip.on('error', (err: unknown) => { this.#fail(err) })
  }

  /** The attestations already in, by id. */
  has (id: string): boolean {
    return this.#added.has(id)
  }

  get ids (): ReadonlySet<string> {
    return this.#added
  }

  /** A PDF just made (its bytes in hand). PDFs are already compressed: stored as they are. */
  addBytes (entry: ZipEntry, pdf: Buffer): void {
    if (this.#failed !== undefined || this.#added.has(entry.id)) return
    this.#zip.addBuffer(pdf, this.#nameOf(entry), { mtime: entry.issuedAt, compress: false })
  }

  /** A PDF made earlier, opened when its turn comes (one file read at a time). */
  addLater (entry: ZipEntry, size: number | undefined, open: () => Promise<Readable>): void {
    if (this.#failed !== undefined || this.#added.has(entry.id)) return
    this.#zip.addReadStreamLazy(this.#nameOf(entry), { mtime: entry.issuedAt, compress: false, ...(size === undefined ? {} : { size }) }, (callback) => {
      open().then(stream => { callback(null, stream) }, (err: unknown) => { callback(err, undefined as unknown as NodeJS.ReadableStream) })
    })
  }

  /** Ends the ZIP and waits until its last byte is stored: the pending file. */
  async end (): Promise<ReceivedFile> {
    if (this.#failed === undefined) this.#zip.end({ forceZip64Format: false, comment: '' })
    const file = await this.#written.catch(() => undefined)
    if (this.#failed !== undefined || file === undefined) throw this.#failed ?? new Error('the ZIP was not written')
    return file
  }

  /** Gives the ZIP up: the pending file is deleted (by the file store, as its source errors). */
  async abort (): Promise<void> {
    this.#fail(new Error('attestation ZIP given up'))
    await this.#written.catch(() => {})
  }

  #fail (err: unknown): void {
    this.#failed ??= err
    const output = this.#zip.outputStream as Readable
    if (!output.destroyed) output.destroy(err instanceof Error ? err : new Error(String(err)))
  }

  /** `Name_CODE8.pdf` (ASCII, unique in the ZIP whatever the case). */
  #nameOf (entry: ZipEntry): string {
    this.#added.add(entry.id)
    const base = `${asciiName(entry.name) || 'attestation'}_${entry.code.slice(0, 8)}`
    let name = `${base}.pdf`
    for (let n = 2; this.#names.has(name.toLowerCase()); n++) name = `${base}-${n}.pdf`
    this.#names.add(name.toLowerCase())
    return name
  }
}

/** "Éloïse Côté-Bélanger" → "Eloise-Cote-Belanger": letters and digits of ASCII, words joined by '-'. */
export function asciiName (name: string): string {
  return name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '')
    .replace(/[Œœ]/g, c => c === 'Œ' ? 'OE' : 'oe').replace(/[Ææ]/g, c => c === 'Æ' ? 'AE' : 'ae').replace(/ß/g, 'ss')
    .replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80)
}
