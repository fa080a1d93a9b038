import { existsSync } from 'node:fs'
import { readdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { build } from 'esbuild'
import { projectRoot } from '../../src/paths.js'

/** src/ compiled to JavaScript, for the servers and tools tests start as child processes. */
export const childBuildDir = join(projectRoot, '.tap', 'dist')

/**
 * Compiles src/ (transpile only, as tsx does) into .tap/dist once per test run: a child process
 * then starts on plain JavaScript instead of registering tsx's module hooks, about 2 s of CPU
 * less for each of the few dozen servers and tools the suite starts.
 */
export async function buildForChildProcesses (): Promise<void> {
  const srcDir = join(projectRoot, 'src')
  const entryPoints = (await readdir(srcDir, { recursive: true, encoding: 'utf8' }))
    .filter(f => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map(f => join(srcDir, f))
  // Built aside and renamed: a run starting at the same moment never sees half a build.
  const tmp = `${childBuildDir}.${process.pid}`
  await build({ entryPoints, outdir: tmp, outbase: srcDir, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning' })
  await rm(childBuildDir, { recursive: true, force: true })
  await rename(tmp, childBuildDir)
}

/** How a child runs one of our entry points ('src/…'): compiled when the build is there, else through tsx. */
export function childEntry (script: string): { nodeArgs: string[], file: string } {
  const compiled = join(childBuildDir, script.replace(/^src\//, '').replace(/\.ts$/, '.js'))
  return existsSync(compiled)
    ? { nodeArgs: [], file: compiled }
    : { nodeArgs: ['--import', 'tsx'], file: join(projectRoot, script) }
}
