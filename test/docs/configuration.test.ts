import t from 'tap'
import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { envSchema, loadConfig } from '../../src/config.js'
import { CONFIGURATION_PAGE, configurationPage, variables } from '../../scripts/docs-config.js'

t.test('the configuration reference is the one the schema\'s descriptions generate', async t => {
  t.ok(readFileSync(CONFIGURATION_PAGE, 'utf8') === configurationPage(),
    'docs/admin/configuration.md is behind src/config.ts: run `npm run docs:config` and commit the page')
})

t.test('every variable of the schema has a row, with a meaning and its default', async t => {
  const rows = variables()
  t.same(rows.map(v => v.name), Object.keys(envSchema.shape), 'one row per variable, in the schema\'s order')
  for (const v of rows) {
    t.ok(v.meaning.length >= 10, `${v.name} says what it means`)
    t.not(v.default, '', `${v.name} states its default`)
  }
  t.equal(rows.find(v => v.name === 'PORT')?.default, '`3000`', 'a default the schema states is read from it')
  t.equal(rows.find(v => v.name === 'PUBLIC_URL')?.default, '`http://HOST:PORT`', 'a computed default comes from the description\'s "Default:"')
  t.match(rows.find(v => v.name === 'LOG_LEVEL')?.accepted, /`silent`/, 'the values an enum accepts are listed')
})

t.test('a variable without a description stops the generator, naming it', async t => {
  const undescribed = z.object({ ...envSchema.shape, NEW_SETTING: z.string().optional() })
  t.throws(() => variables(undescribed), /describe NEW_SETTING with \.describe/)
})

t.test('DOCS_URL: where /aide/ sends people, without a trailing slash', async t => {
  t.equal(loadConfig({}).docsUrl, undefined, 'unset: the guide built with this install')
  t.equal(loadConfig({ DOCS_URL: 'https://guide.example.org/aide/' }).docsUrl, 'https://guide.example.org/aide')
  t.throws(() => loadConfig({ DOCS_URL: 'ftp://guide.example.org' }), /DOCS_URL: must be an absolute http\(s\) URL/)
})
