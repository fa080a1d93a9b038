import t from 'tap'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { projectRoot } from '../../src/paths.js'

// The guide names files of the repository (`src/http/guide.ts`, `lti/platforms.example.json`…):
// a file renamed or removed must take the guide along, or readers are sent nowhere. (Links
// between pages are checked by the guide's build, which fails on a dead one.)
const docs = join(projectRoot, 'docs')
const pages = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap(entry =>
  entry.name.startsWith('.') ? [] : entry.isDirectory() ? pages(join(dir, entry.name)) : entry.name.endsWith('.md') ? [join(dir, entry.name)] : [])

// A path of ours: it starts at a top folder of the repository, not inside another path (`mod/lti/auth.php` is Moodle's).
const PATH = /(?<![\w/.-])((?:src|test|scripts|bench|lti|reports|migrations|public|docs)\/[\w./-]*\w\.[a-z]{2,4})\b/g

t.test('every file of the repository the guide names exists', async t => {
  for (const page of pages(docs)) {
    const named = new Set([...readFileSync(page, 'utf8').matchAll(PATH)].map(m => m[1]!))
    for (const path of named) t.ok(existsSync(join(projectRoot, path)), `${relative(projectRoot, page)} names ${path}, which does not exist`)
  }
})
