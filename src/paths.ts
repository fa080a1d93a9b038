import { fileURLToPath } from 'node:url'
import { join } from 'node:path'

// src/ (under tsx/tap) and dist/ (compiled) both sit one level below the project root,
// so files shipped beside the code (migrations, program data) resolve the same way in both.
export const projectRoot = fileURLToPath(new URL('..', import.meta.url))
export const migrationsDir = join(projectRoot, 'migrations')
export const programDataDir = join(projectRoot, 'src', 'program', 'data')
export const defaultProgramFile = join(programDataDir, 'ecole-automne-coproduction-2025.yaml')
/** Texts, layout, fonts and signature of the attestation PDF (organizers adapt them there). */
export const attestationAssetsDir = join(projectRoot, 'reports', 'attestation')
