import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { projectRoot } from '../../src/paths.js'
import { readPlatformsFile } from '../../src/lti/platforms-file.js'
import { ConfigError } from '../../src/config.js'
import { childEnv, freePort, postgresEnv, runTs, startServer, stopServer } from '../helpers/process.js'
import { freshDatabaseUrl } from '../helpers/database.js'
import { seededDataDir } from '../helpers/data-dir.js'
import { ROLES, startPlatform } from '../helpers/lti-platform.js'
import { LAUNCH_CONTINUATION } from '../helpers/lti-landing.js'

const args = (reg: { issuer: string, clientId: string, authUrl: string, tokenUrl: string, jwksUrl: string }, deployments: string[]): string[] => [
  '--issuer', reg.issuer, '--client-id', reg.clientId, ...deployments.flatMap(d => ['--deployment-id', d]),
  '--auth-url', reg.authUrl, '--token-url', reg.tokenUrl, '--jwks-url', reg.jwksUrl, '--name', 'Moodle ÉNAP'
]

t.test('npm run lti:register works on an empty DATA_DIR, is idempotent, and adds deployments', async t => {
  const url = await freshDatabaseUrl(t)
  const env = childEnv(url === undefined ? { DATA_DIR: t.testdir() } : postgresEnv(url))
  const reg = { issuer: 'https://moodle.enap.ca', clientId: 'Xy12', authUrl: 'https://moodle.enap.ca/mod/lti/auth.php', tokenUrl: 'https://moodle.enap.ca/mod/lti/token.php', jwksUrl: 'https://moodle.enap.ca/mod/lti/certs.php' }
  const first = await runTs('src/cli/lti-register.ts', args(reg, ['1']), env)
  t.equal(first.code, 0, first.stderr)
  t.match(first.stdout, /Platform https:\/\/moodle\.enap\.ca \(client Xy12\) registered; deployments accepted: 1/)
  t.match(first.stdout, /Login initiation \(OIDC\) URL: +http:\/\/127\.0\.0\.1:3000\/lti\/login/)
  const again = await runTs('src/cli/lti-register.ts', args(reg, ['1', '2']), env)
  t.equal(again.code, 0, again.stderr)
  t.match(again.stdout, /deployments accepted: 1, 2/)
})

t.test('lti:register names the missing or malformed flags', async t => {
  const res = await runTs('src/cli/lti-register.ts', ['--issuer', 'not a url', '--client-id', 'x'], childEnv({ DATA_DIR: t.testdir() }))
  t.equal(res.code, 2)
  t.match(res.stderr, /--issuer: must be an http\(s\) URL/)
  t.match(res.stderr, /--deployment-id: /)
  t.match(res.stderr, /--jwks-url: /)
  t.match(res.stderr, /Usage: npm run lti:register/)
})

t.test('a platforms file is validated with the place of each mistake', async t => {
  const dir = t.testdir({ 'bad.json': JSON.stringify([{ issuer: 'https://x', clientId: '', deploymentIds: [] }]), 'broken.json': '[{' })
  await t.rejects(readPlatformsFile(join(dir, 'bad.json')), ConfigError)
  await t.rejects(readPlatformsFile(join(dir, 'bad.json')), /\[0\.clientId\]/)
  await t.rejects(readPlatformsFile(join(dir, 'bad.json')), /\[0\.deploymentIds\] at least one deployment id/)
  await t.rejects(readPlatformsFile(join(dir, 'broken.json')), /LTI_PLATFORMS_FILE .*broken\.json/)
})

t.test('platforms listed in LTI_PLATFORMS_FILE are registered at start: a launch works against the running server', async t => {
  const platform = await startPlatform(t, { deploymentId: 'from-file' })
  const dir = t.testdir()
  const file = join(dir, 'platforms.json')
  const { deploymentId: _one, ...registration } = platform.registration()
  writeFileSync(file, JSON.stringify([{ ...registration, deploymentIds: ['from-file'] }]))
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  platform.setTool({ jwksUrl: `${base}/lti/keys` })
  const url = await freshDatabaseUrl(t)
  // Embedded: a data directory seeded from the test template (an empty one's first start is server.test.ts's).
  const env = childEnv({ ...(url === undefined ? { DATA_DIR: await seededDataDir(join(dir, 'data')) } : postgresEnv(url)), LTI_PLATFORMS_FILE: file, PUBLIC_URL: base })
  const server = await startServer(env, port)
  // Waits for the exit, so the data directory is removed only once the server stopped writing to it.
  t.teardown(async () => { await stopServer(server.child) })
  const result = await platform.launch(base, { user: { sub: 'file-user', name: 'Fichier' }, roles: [ROLES.Learner] })
  t.equal(result.launchResponse.status, 303)
  t.match(result.launchResponse.headers.get('location'), LAUNCH_CONTINUATION)
})

t.test('the example platforms file in lti/ is valid', async t => {
  const platforms = await readPlatformsFile(join(projectRoot, 'lti', 'platforms.example.json'))
  t.same(platforms.map(p => p.issuer), ['https://moodle.example.org', 'https://canvas.instructure.com'])
})
