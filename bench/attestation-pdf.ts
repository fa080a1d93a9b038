// Quick measure of the attestation renderer alone: ms per document over 200 documents,
// after the assets (fonts subset once) are loaded. `node --import tsx bench/attestation-pdf.ts [count]`
import path from 'node:path'
import { loadAttestationAssets, renderAttestation } from '../src/attestations/pdf.js'
import { newVerificationCode, type AttestationSnapshot } from '../src/attestations/snapshot.js'
import { sampleAttestationSnapshot } from '../test/fixtures/attestation-snapshot.js'

const count = Number(process.argv[2] ?? 200)
const t0 = performance.now()
const assets = await loadAttestationAssets(path.resolve(import.meta.dirname, '../reports/attestation'))
const loadMs = performance.now() - t0

const sessions = Array.from({ length: 9 }, (_, i) => ({
  title: `Séance ${i + 1} : coproduction des services publics et mobilisation des acteurs locaux`,
  startsAt: `2025-10-${20 + (i % 5)}T${String(9 + (i % 3) * 2).padStart(2, '0')}:00:00-04:00`,
  durationMinutes: 150
}))
const snapshot = (i: number): AttestationSnapshot => sampleAttestationSnapshot({
  locale: i % 2 === 0 ? 'fr' : 'en',
  name: `Éloïse Côté-Bélanger ${i}`,
  sessions,
  verificationCode: newVerificationCode()
})

for (let i = 0; i < 20; i++) await renderAttestation(snapshot(i), assets) // warm-up
let bytes = 0
const t1 = performance.now()
for (let i = 0; i < count; i++) bytes += (await renderAttestation(snapshot(i), assets)).length
const ms = (performance.now() - t1) / count
console.log(`assets loaded in ${loadMs.toFixed(0)} ms`)
console.log(`${count} documents: ${ms.toFixed(2)} ms/document (${(1000 / ms).toFixed(0)}/s), ${(bytes / count / 1024).toFixed(0)} KiB each`)
