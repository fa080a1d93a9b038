import { inflateRawSync } from 'node:zlib'

/**
 * The media type a zip-based document declares, read through the archive's central directory.
 *
 * Why not only file-type: it reads a zip from the front and gives up on an entry over 1 MB whose
 * size is written after its data. LibreOffice writes every DOCX entry that way and puts
 * `[Content_Types].xml` last, so a DOCX with a photo comes out as a plain zip. The central
 * directory, at the end, lists every entry with its size and place, so three small reads
 * (its locator, the directory, one entry) answer for a file of any size.
 *
 * `read(start, end)` returns those bytes of the file. Returns undefined when the archive is not
 * one we can read (zip64, encrypted or damaged), which the caller treats as unrecognised.
 */
export async function zipMediaType (read: (start: number, end: number) => Promise<Buffer>, size: number): Promise<string | undefined> {
  const entries = await centralDirectory(read, size)
  if (entries === undefined) return undefined
  const byName = new Map(entries.map(entry => [entry.name, entry]))
  // OpenDocument: an uncompressed `mimetype` entry holding the media type (ODF 1.2 part 3, 3.3).
  const mimetype = byName.get('mimetype')
  if (mimetype !== undefined) {
    const text = await entryText(read, size, mimetype)
    return text === undefined ? undefined : text.trim()
  }
  // Office Open XML: `[Content_Types].xml` names the main part and its type; the part must be there.
  const contentTypes = byName.get('[Content_Types].xml')
  if (contentTypes === undefined) return undefined
  const xml = await entryText(read, size, contentTypes)
  if (xml === undefined) return undefined
  for (const [, attributes = ''] of xml.matchAll(/<Override\b([^>]*)>/g)) {
    const partName = /\bPartName="\/?([^"]+)"/.exec(attributes)?.[1]
    const contentType = /\bContentType="([^"]+)\.main\+xml"/.exec(attributes)?.[1]
    if (partName !== undefined && contentType !== undefined && byName.has(partName)) return contentType.toLowerCase()
  }
  return undefined
}

interface Entry { name: string, method: number, flags: number, compressedSize: number, localHeaderOffset: number }

const EOCD_SIGNATURE = 0x06054b50
const CENTRAL_SIGNATURE = 0x02014b50
const LOCAL_SIGNATURE = 0x04034b50
const EOCD_BYTES = 22
// The end record may be followed by a comment of up to 64 KiB.
const EOCD_SEARCH_BYTES = EOCD_BYTES + 0xffff
// Documents have tens of entries; a directory or a text entry this large is not a document.
const MAX_DIRECTORY_BYTES = 1024 * 1024
const MAX_TEXT_BYTES = 1024 * 1024

async function centralDirectory (read: (start: number, end: number) => Promise<Buffer>, size: number): Promise<Entry[] | undefined> {
  if (size < EOCD_BYTES) return undefined
  const tailStart = Math.max(0, size - EOCD_SEARCH_BYTES)
  const tail = await read(tailStart, size)
  let at = -1
  for (let i = tail.length - EOCD_BYTES; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD_SIGNATURE) { at = i; break }
  }
  if (at < 0) return undefined
  const count = tail.readUInt16LE(at + 10)
  const directorySize = tail.readUInt32LE(at + 12)
  const directoryOffset = tail.readUInt32LE(at + 16)
  // 0xffff / 0xffffffff mean zip64, which no word processor writes for a document this size.
  if (count === 0xffff || directoryOffset === 0xffffffff || directorySize > MAX_DIRECTORY_BYTES ||
    directoryOffset + directorySize > tailStart + at) return undefined
  const directory = await read(directoryOffset, directoryOffset + directorySize)
  const entries: Entry[] = []
  let p = 0
  for (let n = 0; n < count; n++) {
    if (p + 46 > directory.length || directory.readUInt32LE(p) !== CENTRAL_SIGNATURE) return undefined
    const nameLength = directory.readUInt16LE(p + 28)
    entries.push({
      flags: directory.readUInt16LE(p + 8),
      method: directory.readUInt16LE(p + 10),
      compressedSize: directory.readUInt32LE(p + 20),
      localHeaderOffset: directory.readUInt32LE(p + 42),
      name: directory.toString('utf8', p + 46, p + 46 + nameLength)
    })
    p += 46 + nameLength + directory.readUInt16LE(p + 30) + directory.readUInt16LE(p + 32)
  }
  return entries
}

async function entryText (read: (start: number, end: number) => Promise<Buffer>, size: number, entry: Entry): Promise<string | undefined> {
  // Bit 0: encrypted.
  if ((entry.flags & 1) !== 0 || entry.compressedSize > MAX_TEXT_BYTES) return undefined
  const header = entry.localHeaderOffset
  if (header + 30 > size) return undefined
  const local = await read(header, header + 30)
  if (local.readUInt32LE(0) !== LOCAL_SIGNATURE) return undefined
  // The local header's own name and extra lengths: they may differ from the directory's.
  const dataStart = header + 30 + local.readUInt16LE(26) + local.readUInt16LE(28)
  if (dataStart + entry.compressedSize > size) return undefined
  const data = await read(dataStart, dataStart + entry.compressedSize)
  try {
    if (entry.method === 0) return data.toString('utf8')
    // Bounded: a small entry that inflates to gigabytes (a zip bomb) fails here instead.
    if (entry.method === 8) return inflateRawSync(data, { maxOutputLength: MAX_TEXT_BYTES }).toString('utf8')
  } catch {}
  return undefined
}
