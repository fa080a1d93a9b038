// Module hooks that run the suite's TypeScript: registered by typescript.mjs (tap's node-arg).
//
// tsx did this job, but its resolver works on every import, node_modules included: about 0.7 s
// of CPU in each of the suite's test processes, which start the app's ~600 modules. These hooks
// only touch our own .ts files: esbuild (the compiler tsx uses) strips the types, and the result
// is kept in .tap/typescript/ under a hash of the source, so a file is compiled once per change.
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { transformSync, version } from 'esbuild'

const root = fileURLToPath(new URL('../..', import.meta.url))
const cacheDir = join(root, '.tap', 'typescript')
// tsconfig.json's compiler options (target, class fields, module syntax) apply as with tsc.
const options = {
  loader: 'ts',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'inline',
  tsconfigRaw: readFileSync(join(root, 'tsconfig.json'), 'utf8')
}
const optionsKey = JSON.stringify([version, options])

const isOurs = (url) => url.startsWith('file:') && url.endsWith('.ts') && !url.includes('/node_modules/')

const isFile = (url) => {
  try { return statSync(url).isFile() } catch { return false }
}

export async function resolve (specifier, context, nextResolve) {
  // The sources import each other as './x.js' (TypeScript's NodeNext convention) for './x.ts'.
  const parent = context.parentURL
  if (parent !== undefined && isOurs(parent) && specifier.endsWith('.js') && /^\.\.?\//.test(specifier)) {
    const url = new URL(`${specifier.slice(0, -3)}.ts`, parent)
    if (isFile(url)) return { url: url.href, format: 'module', shortCircuit: true }
  }
  return await nextResolve(specifier, context)
}

export async function load (url, context, nextLoad) {
  if (!isOurs(url)) return await nextLoad(url, context)
  // Read through the next hooks, so that they (tap's processinfo) see the file as it is written.
  const source = String((await nextLoad(url, { ...context, format: 'module' })).source)
  const file = fileURLToPath(url)
  const key = createHash('sha256').update(optionsKey).update('\0').update(file).update('\0').update(source).digest('hex').slice(0, 40)
  const cached = join(cacheDir, `${key}.js`)
  try {
    return { format: 'module', source: readFileSync(cached, 'utf8'), shortCircuit: true }
  } catch {}
  // The source map names the file beside the module's URL: stack traces show the .ts lines.
  const { code } = transformSync(source, { ...options, sourcefile: basename(file) })
  mkdirSync(cacheDir, { recursive: true })
  // Written aside and renamed: test processes starting together never read half a file.
  const tmp = `${cached}.${process.pid}.${Math.random().toString(36).slice(2)}`
  writeFileSync(tmp, code)
  renameSync(tmp, cached)
  return { format: 'module', source: code, shortCircuit: true }
}
