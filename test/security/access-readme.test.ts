import t from 'tap'
import { readFileSync } from 'node:fs'
import { README, regenerated } from './access-readme.js'

t.test('the README\'s "Who can do what" tables are the ones the specification generates', async t => {
  const readme = readFileSync(README, 'utf8')
  t.ok(readme === regenerated(readme), 'README.md is behind test/security/access-rules.ts: run `npm run docs:access` and commit README.md')
})
