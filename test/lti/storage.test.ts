import t from 'tap'
import { FixedClock } from '../../src/clock.js'
import { LtiStorage } from '../../src/lti/storage.js'
import { freshDatabase } from '../helpers/database.js'

const KEY = 'ltijs-encryption-key-0123456789abcdef'

const setup = async (t: { teardown: (fn: () => unknown) => void }) => {
  const database = await freshDatabase(t)
  const clock = new FixedClock('2025-10-20T13:00:00Z')
  const storage = new LtiStorage(database.db, { clock, tokenMaxAgeSeconds: 60, clockSkewSeconds: 5 })
  return { database, clock, storage }
}

t.test('Get answers false when nothing matches, and an array of documents otherwise', async t => {
  const { storage } = await setup(t)
  t.equal(await storage.Get(false, 'platform', { platformUrl: 'https://moodle.example' }), false)
  await storage.Insert(false, 'platform', { platformUrl: 'https://moodle.example', clientId: 'abc', platformName: 'Moodle', authConfig: { method: 'JWK_SET', key: 'https://moodle.example/certs' } })
  await storage.Insert(false, 'platform', { platformUrl: 'https://canvas.instructure.com', clientId: '1000', platformName: 'Canvas' })
  const found = await storage.Get(false, 'platform', { platformUrl: 'https://moodle.example', clientId: 'abc' })
  t.match(found, [{ platformUrl: 'https://moodle.example', clientId: 'abc', platformName: 'Moodle', authConfig: { method: 'JWK_SET' }, createdAt: Date }])
  t.equal((await storage.Get(false, 'platform') as unknown[]).length, 2, 'no query: the whole collection')
  t.equal(await storage.Get(false, 'platform', { platformUrl: 'https://moodle.example', clientId: 'other' }), false, 'every query field must match')
})

t.test('encrypted documents are sealed at rest and come back decrypted with createdAt in ms', async t => {
  const { storage, database, clock } = await setup(t)
  const privateKey = '-----BEGIN RSA PRIVATE KEY-----\nsecret\n-----END RSA PRIVATE KEY-----'
  await storage.Replace(KEY, 'privatekey', { platformUrl: 'https://moodle.example', clientId: 'abc' }, { key: privateKey, kid: 'k1' }, { kid: 'k1', platformUrl: 'https://moodle.example', clientId: 'abc' })
  const rows = await database.db.selectFrom('lti_store').selectAll().where('collection', '=', 'privatekey').execute()
  t.equal(rows.length, 1)
  t.notMatch(JSON.stringify(rows[0]), /secret|BEGIN RSA/, 'the key is not readable in the database')
  t.same(rows[0]?.fields, { kid: 'k1', platformUrl: 'https://moodle.example', clientId: 'abc' }, 'only the index is queryable')
  t.same(await storage.Get(KEY, 'privatekey', { kid: 'k1' }), [{ key: privateKey, kid: 'k1', createdAt: clock.now().getTime() }])
  await t.rejects(storage.Get('another-key-entirely-0123456789abcd', 'privatekey', { kid: 'k1' }), 'a wrong key cannot read it')
  await t.rejects(storage.Insert(KEY, 'privatekey', { key: 'x' }), /MISSING_PARAMS/, 'encrypted documents need an index')
})

t.test('Replace upserts the first match; Modify sets fields, encrypted or not; Delete removes every match', async t => {
  const { storage } = await setup(t)
  const query = { platformUrl: 'https://moodle.example', clientId: 'abc' }
  await storage.Replace(false, 'platform', query, { ...query, platformName: 'Moodle' })
  await storage.Replace(false, 'platform', query, { ...query, platformName: 'Moodle ÉNAP' })
  t.match(await storage.Get(false, 'platform', query), [{ platformName: 'Moodle ÉNAP' }])
  t.equal((await storage.Get(false, 'platform') as unknown[]).length, 1)
  await storage.Modify(false, 'platform', query, { authEndpoint: 'https://moodle.example/auth' })
  t.match(await storage.Get(false, 'platform', query), [{ platformName: 'Moodle ÉNAP', authEndpoint: 'https://moodle.example/auth' }])

  await storage.Replace(KEY, 'accesstoken', { ...query, scopes: 's' }, { token: { access_token: 'a', expires_in: 3600 } }, { ...query, scopes: 's' })
  await storage.Modify(KEY, 'accesstoken', { ...query, scopes: 's' }, { token: { access_token: 'b', expires_in: 3600 } })
  t.match(await storage.Get(KEY, 'accesstoken', { ...query, scopes: 's' }), [{ token: { access_token: 'b' } }])

  await storage.Insert(false, 'platformStatus', { id: 'p1', active: false })
  await storage.Modify(false, 'platformStatus', { id: 'p1' }, { active: true })
  t.match(await storage.Get(false, 'platformStatus', { id: 'p1' }), [{ id: 'p1', active: true }])
  await storage.Modify(false, 'platformStatus', { id: 'nobody' }, { active: true })
  t.equal(await storage.Get(false, 'platformStatus', { id: 'nobody' }), false, 'Modify does not insert')

  await storage.Delete('platform', query)
  t.equal(await storage.Get(false, 'platform', query), false)
})

t.test('uniqueness where ltijs relies on it: nonce, state, key id, platform url + client id', async t => {
  const { storage } = await setup(t)
  await storage.Insert(false, 'nonce', { nonce: 'n-1' })
  await t.rejects(storage.Insert(false, 'nonce', { nonce: 'n-1' }), { code: '23505' }, 'a nonce is stored once: a concurrent replay loses')
  await storage.Insert(false, 'state', { state: 's-1', query: {} })
  await t.rejects(storage.Insert(false, 'state', { state: 's-1', query: {} }), { code: '23505' })
  await storage.Insert(KEY, 'publickey', { key: 'pub', kid: 'k' }, { kid: 'k', platformUrl: 'a', clientId: 'b' })
  await t.rejects(storage.Insert(KEY, 'publickey', { key: 'pub2', kid: 'k' }, { kid: 'k', platformUrl: 'c', clientId: 'd' }), { code: '23505' })
  await storage.Insert(false, 'platform', { platformUrl: 'https://p', clientId: 'c' })
  await t.rejects(storage.Insert(false, 'platform', { platformUrl: 'https://p', clientId: 'c' }), { code: '23505' })
  await storage.Insert(false, 'platform', { platformUrl: 'https://p', clientId: 'other' })
  t.pass('the same platform with another client id is another registration')
})

t.test('expiry: states after 10 min, tokens after 24 h, access tokens per expires_in, nonces never before their token can expire', async t => {
  const { storage, clock } = await setup(t)
  const t0 = clock.now().getTime()
  const at = (seconds: number): void => { clock.set(new Date(t0 + seconds * 1000)) }
  await storage.Insert(false, 'state', { state: 's', query: {} })
  await storage.Replace(false, 'idtoken', { user: 'u' }, { user: 'u', iss: 'i' })
  await storage.Replace(KEY, 'accesstoken', { scopes: 'x' }, { token: { access_token: 't', expires_in: 300 } }, { scopes: 'x' })
  const iat = t0 / 1000
  // max(iat + 60 s token age, exp) + 5 s skew
  storage.expireNonceAt('long-lived', { iat, exp: iat + 3600 })
  await storage.Insert(false, 'nonce', { nonce: 'long-lived' })
  storage.expireNonceAt('short-lived', { iat, exp: iat + 20 })
  await storage.Insert(false, 'nonce', { nonce: 'short-lived' })

  at(64)
  t.ok(await storage.Get(false, 'nonce', { nonce: 'short-lived' }), 'a nonce outlives iat + tokenMaxAge + skew (64 s)')
  at(66)
  t.equal(await storage.Get(false, 'nonce', { nonce: 'short-lived' }), false, 'and then expires (66 s)')
  t.ok(await storage.Get(false, 'nonce', { nonce: 'long-lived' }), 'a nonce outlives its token exp')
  at(269)
  t.ok(await storage.Get(KEY, 'accesstoken', { scopes: 'x' }), 'access token usable until shortly before expires_in')
  at(271)
  t.equal(await storage.Get(KEY, 'accesstoken', { scopes: 'x' }), false)
  // The expired token still holds its unique slot until the purge: a new one replaces it.
  await storage.Replace(KEY, 'accesstoken', { scopes: 'x' }, { token: { access_token: 't2', expires_in: 300 } }, { scopes: 'x' })
  t.match(await storage.Get(KEY, 'accesstoken', { scopes: 'x' }), [{ token: { access_token: 't2' } }], 'a new token after expiry, before any purge')
  at(599)
  t.ok(await storage.Get(false, 'state', { state: 's' }), 'state alive before 10 min')
  at(601)
  t.equal(await storage.Get(false, 'state', { state: 's' }), false, 'state gone after 10 min')
  at(3604)
  t.ok(await storage.Get(false, 'nonce', { nonce: 'long-lived' }))
  at(3606)
  t.equal(await storage.Get(false, 'nonce', { nonce: 'long-lived' }), false)
  t.ok(await storage.Get(false, 'idtoken', { user: 'u' }), 'id token alive within 24 h')
  at(24 * 3600 + 1)
  t.equal(await storage.Get(false, 'idtoken', { user: 'u' }), false)
  t.equal(await storage.purgeExpired(), 5, 'expired rows are purged from the table')
  t.equal(await storage.purgeExpired(), 0)
})

t.test('a nonce stored without its token times is kept a day', async t => {
  const { storage, clock } = await setup(t)
  await storage.Insert(false, 'nonce', { nonce: 'plain' })
  clock.advance(23 * 3600_000)
  t.ok(await storage.Get(false, 'nonce', { nonce: 'plain' }))
  clock.advance(3600_000 + 1000)
  t.equal(await storage.Get(false, 'nonce', { nonce: 'plain' }), false)
})

t.test('unknown collections are refused', async t => {
  const { storage } = await setup(t)
  await t.rejects(storage.Insert(false, 'users' as never, { a: 1 }), /Unknown LTI collection/)
})
