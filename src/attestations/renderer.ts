// How an attestation's snapshot becomes PDF bytes: in this thread (one attestation at a time,
// for a request or an organizer's decision) or, for bulk jobs, in worker threads (render-pool.ts).
import type { AttestationAssets } from './pdf.js'
import type { AttestationSnapshot } from './snapshot.js'

/** Turns a snapshot into PDF bytes. In process by default; the bulk job hands it worker threads. */
export interface AttestationRenderer {
  render: (snapshot: AttestationSnapshot) => Promise<Buffer>
}

/** Renders in this thread with the assets of reports/attestation, loaded (fonts subset) on first use. */
export class InProcessRenderer implements AttestationRenderer {
  #assets: Promise<AttestationAssets> | undefined
  constructor (private readonly assetsDir: string) {}
  assets (): Promise<AttestationAssets> {
    // The renderer (pdf-lib, fontkit) is loaded on first use: most processes never draw a PDF.
    this.#assets ??= import('./pdf.js').then(async pdf => await pdf.loadAttestationAssets(this.assetsDir))
    // A broken asset folder is reported each time (and fixed without a restart), not cached as a failure.
    this.#assets.catch(() => { this.#assets = undefined })
    return this.#assets
  }

  async render (snapshot: AttestationSnapshot): Promise<Buffer> {
    const assets = await this.assets()
    const { renderAttestation } = await import('./pdf.js')
    return await renderAttestation(snapshot, assets)
  }
}
