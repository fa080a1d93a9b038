// A rendering thread of the bulk job (see render-pool.ts). It only renders: no database, no
// network, nothing written. The assets (texts, layout, fonts subset once, signature) are loaded
// once per thread, on its first task, from the folder the pool gives in workerData.
import { workerData, move } from 'piscina'
import { loadAttestationAssets, renderAttestation, type AttestationAssets } from './pdf.js'
import { attestationSnapshotSchema } from './snapshot.js'

const { assetsDir } = workerData as { assetsDir: string }
let assets: Promise<AttestationAssets> | undefined

function load (): Promise<AttestationAssets> {
  assets ??= loadAttestationAssets(assetsDir)
  // A broken asset folder fails each task with its message (and is read again at the next one).
  assets.catch(() => { assets = undefined })
  return assets
}

/** Loads the assets ahead of the first render (the pool starts its threads while the job reads its data). */
export async function warm (): Promise<void> {
  await load()
}

/** Renders one snapshot (plain JSON) and hands back the PDF's bytes without copying them. */
export default async function render (snapshot: unknown): Promise<ArrayBuffer> {
  const parsed = attestationSnapshotSchema.safeParse(snapshot)
  if (!parsed.success) {
    // Said per field: the message reaches the organizer's progress page.
    throw new Error(parsed.error.issues.map(i => `${i.path.join('.') || 'snapshot'}: ${i.message}`).join('; '))
  }
  const pdf = await renderAttestation(parsed.data, await load())
  // A Buffer may be a view into a larger shared pool: only a buffer of its own can be moved.
  const own = pdf.byteOffset === 0 && pdf.byteLength === pdf.buffer.byteLength
    ? pdf.buffer as ArrayBuffer
    : pdf.buffer.slice(pdf.byteOffset, pdf.byteOffset + pdf.byteLength) as ArrayBuffer
  return move(own) as ArrayBuffer
}
