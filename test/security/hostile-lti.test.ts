// LTI id_tokens posted to the launch endpoint after the platform signed them — payload edited,
// signature tampered, unsigned, signed by a stranger, wrong audience or issuer, expired,
// truncated, garbage — through the whole OIDC flow of the LMS simulator: a 4xx, and nothing
// written but the login state the flow's first step records (and the launch uses up).
// Reproduce a failure: HOSTILE_SEED=<seed printed> npx tap test/security/hostile-lti.test.ts
import t from 'tap'
import fc from 'fast-check'
import { hostileText, hostileWorld, installWriteLog } from '../helpers/hostile.js'
import { ROLES, makeKey, type LaunchOptions } from '../helpers/lti-platform.js'

const SEED = Number(process.env.HOSTILE_SEED ?? 20251021)
const RUNS = Number(process.env.HOSTILE_RUNS ?? 8) + 4

const world = await hostileWorld(t, { platform: true })
const platform = world.platform!
const base = world.base!
const stranger = await makeKey(platform.kid)
const student = { sub: 'moodle-hostile-1', name: 'Camille Gagnon', email: 'camille.gagnon@etu.enap.ca' }

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
const decode = (part: string): Record<string, unknown> => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>
/** Rewrites the payload of a signed token, keeping its header and signature. */
const edit = (change: (claims: Record<string, unknown>) => void) => (token: string): string => {
  const [h, p, s] = token.split('.') as [string, string, string]
  const claims = decode(p)
  change(claims)
  return `${h}.${b64(claims)}.${s}`
}
const nowSeconds = (): number => Math.floor(Date.now() / 1000)

const tamperings: fc.Arbitrary<[string, Partial<LaunchOptions>]> = fc.oneof(
  fc.constant<[string, Partial<LaunchOptions>]>(['payload edited: another user', { transformIdToken: edit(c => { c.sub = 'moodle-admin' }) }]),
  fc.constant<[string, Partial<LaunchOptions>]>(['payload edited: roles raised', { transformIdToken: edit(c => { c['https://purl.imsglobal.org/spec/lti/claim/roles'] = [ROLES.Administrator, ROLES.Instructor] }) }]),
  fc.constant<[string, Partial<LaunchOptions>]>(['payload edited: expiry pushed', { transformIdToken: edit(c => { c.exp = nowSeconds() + 86400 }) }]),
  fc.nat(300).map(i => ['signature tampered', {
    transformIdToken: (token: string) => {
      const [h, p, s] = token.split('.') as [string, string, string]
      const at = i % s.length
      return `${h}.${p}.${s.slice(0, at)}${s[at] === 'A' ? 'B' : 'A'}${s.slice(at + 1)}`
    }
  }] as [string, Partial<LaunchOptions>]),
  fc.constant<[string, Partial<LaunchOptions>]>(['unsigned (alg none)', { transformIdToken: token => `${b64({ alg: 'none', typ: 'JWT' })}.${token.split('.')[1]!}.` }]),
  fc.constant<[string, Partial<LaunchOptions>]>(['HS256 header, signed with the public key as secret', { transformIdToken: token => `${b64({ alg: 'HS256', typ: 'JWT', kid: platform.kid })}.${token.split('.')[1]!}.${token.split('.')[2]!}` }]),
  fc.constant<[string, Partial<LaunchOptions>]>(['signed by a stranger under the platform\'s kid', { signWith: { privateKey: stranger.privateKey, kid: platform.kid } }]),
  fc.constant<[string, Partial<LaunchOptions>]>(['wrong audience', { claims: c => { c.aud = 'someone-else' } }]),
  fc.constant<[string, Partial<LaunchOptions>]>(['wrong issuer', { claims: c => { c.iss = 'https://evil.example' } }]),
  fc.constant<[string, Partial<LaunchOptions>]>(['expired', { claims: c => { c.iat = nowSeconds() - 600; c.exp = nowSeconds() - 300 } }]),
  fc.constant<[string, Partial<LaunchOptions>]>(['unknown deployment', { claims: c => { c['https://purl.imsglobal.org/spec/lti/claim/deployment_id'] = 'deployment-9' } }]),
  fc.nat(2000).map(n => ['truncated', { transformIdToken: (token: string) => token.slice(0, n % (token.length - 1)) }] as [string, Partial<LaunchOptions>]),
  hostileText.map(text => ['garbage', { transformIdToken: () => text }] as [string, Partial<LaunchOptions>])
)

t.test('tampered id_tokens are refused at the launch endpoint, and write nothing', async t => {
  // ltijs checks expiry against the real time: the launches run on it.
  world.clock.set(new Date())
  const control = await platform.launch(base, { user: { sub: 'moodle-control', name: 'Contrôle' }, roles: [ROLES.Learner] })
  t.equal(control.launchResponse.status, 303, 'control: an untampered launch goes through')

  const writes = await installWriteLog(world.database.db, world.tables)
  const mark = await writes.mark()
  const result = await fc.check(fc.asyncProperty(tamperings, async ([how, options]) => {
    world.clock.set(new Date())
    const launched = await platform.launch(base, { user: student, roles: [ROLES.Learner], ...options })
    const status = launched.launchResponse.status
    const body = await launched.launchResponse.text()
    if (status < 400 || status >= 500) throw new Error(`${how}: the launch answered ${status}: ${body.slice(0, 300)}`)
    if (launched.cookies.get('compagnon_session') !== undefined) throw new Error(`${how}: a session cookie was set`)
  }), { numRuns: RUNS, seed: SEED, endOnFailure: true })
  if (result.failed) t.fail(String(result.errorInstance instanceof Error ? result.errorInstance.message : result.errorInstance), { seed: SEED })
  else t.pass(`${result.numRuns} tampered launches refused`)
  // The first step of every launch (login initiation) records its state, and the post uses it up.
  const written = (await writes.since(mark)).filter(line => !line.startsWith('lti_login_states '))
  t.same(written, [], 'nothing written but login states')
  t.notOk(await world.database.db.selectFrom('lti_identities').select('person_id').where('subject', '=', student.sub).executeTakeFirst(), 'no identity for the tampered user')
})
