import t from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { projectRoot } from '../../src/paths.js'
import { guideLinks } from '../../src/views/guide-links.js'

// VitePress's heading ids (its slugify), from a heading's text without its Markdown.
const slug = (heading: string): string => heading
  .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[`*]/g, '')
  .normalize('NFKD').replace(/[\u0300-\u036F]/g, '')
  .replace(/[\s~`!@#$%^&*()\-_+=[\]{}|\\;:"'“”‘’<>,.?/]+/g, '-').replace(/-{2,}/g, '-').replace(/^-+|-+$/g, '')
  .replace(/^(\d)/, '_$1').toLowerCase()

t.test('every link from the app into the guide names a page of docs/, and a heading of it when it has an anchor', async t => {
  for (const link of guideLinks()) {
    const [path = '', anchor] = link.replace(/^\/aide\//, '').split('#')
    const source = join(projectRoot, 'docs', path === '' || path.endsWith('/') ? `${path}index.md` : path.replace(/\.html$/, '.md'))
    t.ok(existsSync(source), `${link}: docs/${source.slice(join(projectRoot, 'docs').length + 1)} exists`)
    if (anchor === undefined || !existsSync(source)) continue
    const headings = readFileSync(source, 'utf8').split('\n').filter(line => /^#{1,6} /.test(line)).map(line => slug(line.replace(/^#+ /, '')))
    t.ok(headings.includes(anchor), `${link}: a heading of that page has the id ${anchor}`)
  }
})
