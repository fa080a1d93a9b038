import t from 'tap'
import { readFileSync } from 'node:fs'
import { ACCESS_PAGE, regenerated } from './access-readme.js'

t.test('the guide\'s "Who can do what" tables are the ones the specification generates', async t => {
  const page = readFileSync(ACCESS_PAGE, 'utf8')
  t.ok(page === regenerated(page), 'docs/dev/access.md is behind test/security/access-rules.ts: run `npm run docs:access` and commit docs/dev/access.md')
})
