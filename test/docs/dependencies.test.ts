import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { projectRoot } from '../../src/paths.js'

// The project rule: every package is listed in docs/dev/dependencies.md with one line of why.
const page = readFileSync(join(projectRoot, 'docs', 'dev', 'dependencies.md'), 'utf8')
const manifest = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string>, devDependencies: Record<string, string> }

/** Each table row's packages (first column, comma-separated, a version note in parentheses dropped) and its why. */
const rows = page.split('\n')
  .map(line => /^\| ([^|]+) \| (.+) \|$/.exec(line))
  .filter((m): m is RegExpExecArray => m !== null && m[1] !== 'Package' && !/^-+$/.test(m[1]!.trim()))
  .map(m => ({ packages: m[1]!.split(',').map(p => p.replace(/\(.*\)/, '').trim()), why: m[2]!.trim() }))
const listed = new Map(rows.flatMap(r => r.packages.map(p => [p, r.why] as const)))

t.test('every package in package.json has its line of why in docs/dev/dependencies.md', async t => {
  for (const name of [...Object.keys(manifest.dependencies), ...Object.keys(manifest.devDependencies)]) {
    const why = listed.get(name)
    t.ok(why !== undefined && why.length >= 10, `${name}: add a row to docs/dev/dependencies.md saying why it is needed`)
  }
})

t.test('the page names no package that package.json no longer has', async t => {
  const installed = new Set([...Object.keys(manifest.dependencies), ...Object.keys(manifest.devDependencies)])
  for (const name of listed.keys()) t.ok(installed.has(name), `${name} is listed in docs/dev/dependencies.md but not in package.json`)
})
