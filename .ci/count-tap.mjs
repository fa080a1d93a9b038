#!/usr/bin/env node
// Counts the tests of one `tap` run from the raw per-file TAP that tap 21
// writes under .tap/test-results/<test file>.tap.
//
//   node .ci/count-tap.mjs [--label NAME] [--results DIR] [--processinfo DIR]
//                          [--expect FILE] [--json FILE]
//
// A "test" is a top-level test point of a test file: one per `t.test(...)`
// (nested subtests and individual assertions are not counted separately), plus
// any bare top-level assertion or error that tap reports at the file's top
// level (an uncaught exception, "child test left in queue", ...), plus any
// top-level subtest that started but never reported (the process died in it).
//   - ok                  -> passed
//   - ok/not ok # SKIP    -> passed (also counted as skipped, reported on stderr)
//   - ok/not ok # TODO    -> passed (also counted as todo, reported on stderr)
//   - not ok              -> failed
// A file that did not finish cleanly counts as at least one failure: it bailed
// out, its TAP has no plan or the wrong number of tests, its process exited
// non-zero or on a signal (from .tap/processinfo), or it is listed in the
// --expect file (one path per line, e.g. `tap list`) but wrote no results.
//
// Prints one line on stdout: `NAME: N passed, M failed` (or `N passed, M failed`
// without --label); details go to stderr. With --json, also writes
// {"passed":N,"failed":M,"skipped":S,"todo":T,"files":F} to that file.
import { readFileSync, readdirSync, existsSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(fileURLToPath(new URL('..', import.meta.url)))

function parseArgs (argv) {
  const opts = {
    label: '',
    results: join(root, '.tap', 'test-results'),
    processinfo: join(root, '.tap', 'processinfo'),
    expect: '',
    json: ''
  }
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '')
    if (!(key in opts) || i + 1 >= argv.length) {
      console.error(`count-tap: bad argument ${argv[i]}`)
      process.exit(2)
    }
    opts[key] = argv[++i]
  }
  return opts
}

// tap-parser is a dependency of tap itself; it is normally hoisted to
// node_modules/tap-parser, but fall back to resolving it through tap's packages.
async function loadParser () {
  try {
    return (await import('tap-parser')).Parser
  } catch (err) {
    for (const from of ['@tapjs/core', '@tapjs/run', 'tap']) {
      try {
        const req = createRequire(join(root, 'node_modules', from, 'package.json'))
        return req('tap-parser').Parser
      } catch {}
    }
    throw err
  }
}

function walk (dir) {
  const out = []
  if (!existsSync(dir)) return out
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...walk(p))
    else if (name.endsWith('.tap')) out.push(p)
  }
  return out
}

// test file (relative, forward slashes) -> { code, signal } of its root process
function readProcessInfo (dir) {
  const info = new Map()
  if (!existsSync(dir)) return info
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.json')) continue
    try {
      const j = JSON.parse(readFileSync(join(dir, name), 'utf8'))
      if (j.parent == null && typeof j.externalID === 'string') {
        info.set(j.externalID.split(sep).join('/'), { code: j.code, signal: j.signal })
      }
    } catch {}
  }
  return info
}

function parseTap (Parser, text) {
  return new Promise((resolve) => {
    const points = []
    const children = []
    let bailout = false
    const parser = new Parser({ strict: false })
    parser.on('assert', (res) => points.push(res))
    parser.on('child', (child) => children.push(child))
    parser.on('bailout', (reason) => { bailout = reason || true })
    parser.on('complete', (final) => {
      // top-level subtests that started ("# Subtest: name") but never got
      // their closing test point: the process died or bailed inside them
      const unfinished = children.filter((c) => !c.closingTestPoint).map((c) => c.name)
      resolve({ points, unfinished, bailout, final })
    })
    parser.end(text)
  })
}

async function main () {
  const opts = parseArgs(process.argv.slice(2))
  const Parser = await loadParser()
  const procs = readProcessInfo(opts.processinfo)
  const totals = { passed: 0, failed: 0, skipped: 0, todo: 0, files: 0 }
  const notes = []

  const files = new Map() // relative test path -> result file (or null)
  for (const f of walk(opts.results)) {
    files.set(relative(opts.results, f).split(sep).join('/').replace(/\.tap$/, ''), f)
  }
  if (opts.expect) {
    for (const line of readFileSync(opts.expect, 'utf8').split('\n')) {
      const name = line.trim().replace(/^\.\//, '')
      if (name && !files.has(name)) files.set(name, null)
    }
  }

  for (const [name, file] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    totals.files++
    if (file === null) {
      totals.failed++
      notes.push(`FAIL ${name}: no results (not run, or the run was aborted)`)
      continue
    }
    const { points, unfinished, bailout, final } = await parseTap(Parser, readFileSync(file, 'utf8'))
    let passed = 0
    let failed = 0
    for (const r of points) {
      if (r.skip) {
        totals.skipped++
        passed++
        notes.push(`skip ${name} > ${r.name}${r.skip === true ? '' : ` (${r.skip})`}`)
      } else if (r.todo) {
        totals.todo++
        passed++
        notes.push(`todo ${name} > ${r.name}${r.todo === true ? '' : ` (${r.todo})`}`)
      } else if (r.ok) {
        passed++
      } else {
        failed++
        notes.push(`FAIL ${name} > ${r.name}`)
      }
    }
    for (const sub of unfinished) {
      failed++
      notes.push(`FAIL ${name} > ${sub}: never finished`)
    }
    const problems = []
    if (bailout) problems.push(`bailed out${bailout === true ? '' : `: ${bailout}`}`)
    if (!final.ok && failed === 0) problems.push('incomplete TAP (no plan or wrong test count)')
    const proc = procs.get(name)
    if (proc) {
      if (proc.signal) problems.push(`killed by ${proc.signal}`)
      else if (proc.code !== 0 && proc.code != null) problems.push(`exited with code ${proc.code}`)
    } else if (points.length === 0) {
      problems.push('no test output and no process info')
    }
    if (points.length === 0 && problems.length === 0) {
      notes.push(`note ${name}: no tests found`)
    }
    if (problems.length) {
      notes.push(`FAIL ${name}: ${problems.join('; ')}`)
      if (failed === 0) failed = 1
    }
    totals.passed += passed
    totals.failed += failed
  }

  for (const n of notes) console.error(`count-tap: ${n}`)
  if (totals.skipped || totals.todo) {
    console.error(`count-tap: ${opts.label ? opts.label + ': ' : ''}${totals.skipped} skipped, ${totals.todo} todo (counted as passed)`)
  }
  if (opts.json) writeFileSync(opts.json, JSON.stringify(totals) + '\n')
  console.log(`${opts.label ? opts.label + ': ' : ''}${totals.passed} passed, ${totals.failed} failed`)
}

main().catch((err) => {
  console.error('count-tap: internal error:', err)
  process.exit(1)
})
