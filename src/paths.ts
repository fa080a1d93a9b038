import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

// The folder holding package.json, above this file wherever the code runs from: src/ (tsx),
// dist/ (compiled) or the test build under .tap/ — files shipped beside the code (migrations,
// program data, public scripts, attestation assets) then resolve the same way.
function findProjectRoot (from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`)
  }
}

export const projectRoot = findProjectRoot(dirname(fileURLToPath(import.meta.url)))
export const migrationsDir = join(projectRoot, 'migrations')
export const programDataDir = join(projectRoot, 'src', 'program', 'data')
export const defaultProgramFile = join(programDataDir, 'ecole-automne-coproduction-2025.yaml')
/** Texts, layout, fonts and signature of the attestation PDF (organizers adapt them there). */
export const attestationAssetsDir = join(projectRoot, 'reports', 'attestation')
