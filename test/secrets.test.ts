import t from 'tap'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { loadConfig, ConfigError } from '../src/config.js'
import { resolveSecrets } from '../src/secrets.js'

t.test('embedded mode generates secrets once, keeps them private, and reuses them', async t => {
  const dir = t.testdir()
  const first = await resolveSecrets(loadConfig({ DATA_DIR: dir }))
  t.ok(first.secrets.sessionSecret.length >= 32)
  t.not(first.secrets.sessionSecret, first.secrets.codeSecret, 'independent secrets')
  const file = join(dir, 'secrets.json')
  t.equal((await stat(file)).mode & 0o777, 0o600, 'readable by the owner only')
  const second = await resolveSecrets(loadConfig({ DATA_DIR: dir }))
  t.same(second.secrets, first.secrets, 'a restart (or a CLI tool) gets the same secrets')
})

t.test('secrets from the environment win over stored ones', async t => {
  const dir = t.testdir()
  await resolveSecrets(loadConfig({ DATA_DIR: dir }))
  const given = 'g'.repeat(48)
  const config = await resolveSecrets(loadConfig({ DATA_DIR: dir, SESSION_SECRET: given }))
  t.equal(config.secrets.sessionSecret, given)
  t.not(config.secrets.cookieSecret, given)
})

t.test('a damaged secrets file is reported, not silently replaced', async t => {
  const dir = t.testdir({ 'secrets.json': '{"sessionSecret": "short"' })
  await t.rejects(resolveSecrets(loadConfig({ DATA_DIR: dir })), ConfigError)
  t.equal(await readFile(join(dir, 'secrets.json'), 'utf8'), '{"sessionSecret": "short"', 'left untouched')
  await writeFile(join(dir, 'secrets.json'), JSON.stringify({ sessionSecret: 'x' }))
  await t.rejects(resolveSecrets(loadConfig({ DATA_DIR: dir })), /unreadable or damaged/)
})
