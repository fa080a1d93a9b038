import { fromBufferPromise, type Entry, type ZipFile } from 'yauzl'

/**
 * Bounds a zip-based document (DOCX, ODT) must stay within before anything parses its XML.
 * A hand-in of a few kilobytes can inflate to gigabytes (a zip bomb) or hold one huge XML part
 * whose conversion takes minutes; these limits refuse both early, from the central directory
 * first and then by counting the bytes actually inflated.
 */
export interface ArchiveLimits {
  /** Entries in the central directory (a long thesis with many images has a few hundred). */
  maxEntries: number
  /** All entries inflated, declared and actual. */
  maxTotalBytes: number
  /** One XML part inflated (a 300-page thesis's document.xml is a few megabytes). */
  maxXmlBytes: number
  /** Inflated ÷ compressed size of one entry, checked for entries over `ratioFloorBytes`. */
  maxRatio: number
  /** Small entries (e.g. settings full of repeated attributes) may compress far better than text. */
  ratioFloorBytes: number
}

const MiB = 1024 * 1024

export const defaultArchiveLimits: ArchiveLimits = {
  maxEntries: 1000,
  maxTotalBytes: 48 * MiB,
  maxXmlBytes: 8 * MiB,
  maxRatio: 100,
  ratioFloorBytes: MiB
}

/** Why an archive was refused: `entries` and `ratio` say "too complex", `size` says "too large". */
export type ArchiveRefusal = 'entries' | 'size' | 'ratio' | 'unreadable'

const isXml = (name: string): boolean => /\.(xml|rels)$/i.test(name)

/**
 * The central directory's part of the checks (entry count, declared sizes, ratios): a read of
 * the directory only, nothing inflated, so cheap enough for the main thread — a zip bomb is
 * refused here before it waits for a preview thread. Undefined when within the limits.
 */
export async function inspectDirectory (bytes: Buffer, limits: ArchiveLimits = defaultArchiveLimits): Promise<ArchiveRefusal | undefined> {
  return await withZip(bytes, async zip => {
    const listed = await directoryOf(zip, limits)
    return Array.isArray(listed) ? undefined : listed
  })
}

/**
 * Checks `bytes` (a whole zip) against `limits`: undefined when within them, else the first limit
 * passed. Encrypted, damaged or lying archives (an entry inflating to more than it declares) are
 * `unreadable` or `size`. Never inflates more than `maxTotalBytes` in all.
 */
export async function inspectArchive (bytes: Buffer, limits: ArchiveLimits = defaultArchiveLimits): Promise<ArchiveRefusal | undefined> {
  return await withZip(bytes, async zip => {
    const entries = await directoryOf(zip, limits)
    if (!Array.isArray(entries)) return entries
    // The declared sizes may lie: inflate each entry, counting, and stop at the first byte too many.
    let actual = 0
    for (const entry of entries) {
      const cap = Math.min(limits.maxTotalBytes - actual, isXml(entry.fileName) ? limits.maxXmlBytes : Number.POSITIVE_INFINITY)
      const counted = await countInflated(await zip.openReadStreamPromise(entry).catch(() => undefined), cap)
      if (counted === 'unreadable' || counted === 'size') return counted
      actual += counted
    }
    return undefined
  })
}

async function withZip (bytes: Buffer, use: (zip: ZipFile) => Promise<ArchiveRefusal | undefined>): Promise<ArchiveRefusal | undefined> {
  let zip: ZipFile
  try {
    // validateEntrySizes: yauzl fails a stream that inflates past the size its entry declares.
    zip = await fromBufferPromise(bytes, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false, autoClose: false })
  } catch {
    return 'unreadable'
  }
  try {
    return await use(zip)
  } finally {
    zip.close()
  }
}

async function directoryOf (zip: ZipFile, limits: ArchiveLimits): Promise<ArchiveRefusal | Entry[]> {
  // The end record's count comes before reading any entry: a million-entry directory stops here.
  if (zip.entryCount > limits.maxEntries) return 'entries'
  const entries: Entry[] = []
  let declared = 0
  try {
    for await (const entry of zip.eachEntry()) {
      if (entries.length >= limits.maxEntries) return 'entries'
      if (entry.isEncrypted() || !entry.canDecodeFileData()) return 'unreadable'
      if (entry.uncompressedSize > limits.ratioFloorBytes && entry.uncompressedSize > limits.maxRatio * Math.max(1, entry.compressedSize)) return 'ratio'
      declared += entry.uncompressedSize
      if (declared > limits.maxTotalBytes) return 'size'
      if (isXml(entry.fileName) && entry.uncompressedSize > limits.maxXmlBytes) return 'size'
      entries.push(entry)
    }
  } catch {
    return 'unreadable'
  }
  return entries
}

async function countInflated (stream: NodeJS.ReadableStream & { destroy: () => void } | undefined, cap: number): Promise<number | 'size' | 'unreadable'> {
  if (stream === undefined) return 'unreadable'
  let seen = 0
  try {
    for await (const chunk of stream) {
      seen += (chunk as Buffer).length
      if (seen > cap) { stream.destroy(); return 'size' }
    }
  } catch (err) {
    // yauzl's own check: more bytes than the entry declares.
    return /too many bytes/i.test((err as Error).message) ? 'size' : 'unreadable'
  }
  return seen
}
