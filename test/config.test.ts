import t from 'tap'
import { loadConfig, ConfigError } from '../src/config.js'

const secrets = {
  SESSION_SECRET: 's'.repeat(40),
  COOKIE_SECRET: 'c'.repeat(40),
  CODE_SECRET: 'k'.repeat(40)
}

t.test('defaults give an embedded database in ./data on 127.0.0.1:3000, in French', async t => {
  const config = loadConfig({})
  t.equal(config.port, 3000)
  t.equal(config.host, '127.0.0.1')
  t.equal(config.publicUrl, 'http://127.0.0.1:3000')
  t.equal(config.defaultLocale, 'fr')
  t.match(config.database, { kind: 'embedded', dataDir: /\/data$/ })
  t.same(config.secrets, {})
  t.equal(config.ltiKeyBits, 4096, 'each LMS platform gets a 4096-bit tool key')
})

t.test('LTI_KEY_BITS chooses the size of the platforms\' tool keys among 2048, 3072 and 4096', async t => {
  t.equal(loadConfig({ LTI_KEY_BITS: '2048' }).ltiKeyBits, 2048)
  t.equal(loadConfig({ LTI_KEY_BITS: '3072' }).ltiKeyBits, 3072)
  const err = t.throws(() => loadConfig({ LTI_KEY_BITS: '1024' })) as Error
  t.match(err.message, /- LTI_KEY_BITS: must be 2048, 3072 or 4096 \(got "1024"\)/)
})

t.test('LTI_ALLOW_PRIVATE_URLS is off unless set to true: production registers LMSs over https to public addresses only', async t => {
  t.equal(loadConfig({}).ltiAllowPrivateUrls, false)
  t.equal(loadConfig({ LTI_ALLOW_PRIVATE_URLS: 'true' }).ltiAllowPrivateUrls, true)
  t.equal(loadConfig({ LTI_ALLOW_PRIVATE_URLS: 'false' }).ltiAllowPrivateUrls, false)
  const err = t.throws(() => loadConfig({ LTI_ALLOW_PRIVATE_URLS: 'yes' })) as Error
  t.match(err.message, /- LTI_ALLOW_PRIVATE_URLS: must be true or false \(got "yes"\)/)
})

t.test('PRIVACY_OFFICER_EMAILS lists the privacy officers\' accounts, lower-cased; none by default; a bad address fails fast', async t => {
  t.same(loadConfig({}).privacyOfficerEmails, [])
  t.same(loadConfig({ PRIVACY_OFFICER_EMAILS: ' Vie.Privee@enap.ca, dpo@enap.ca ,' }).privacyOfficerEmails, ['vie.privee@enap.ca', 'dpo@enap.ca'])
  const err = t.throws(() => loadConfig({ PRIVACY_OFFICER_EMAILS: 'dpo@enap.ca, pas-une-adresse' })) as Error
  t.match(err.message, /- PRIVACY_OFFICER_EMAILS: must be email addresses separated by commas \(not pas-une-adresse\)/)
})

t.test('empty variables count as unset, and PUBLIC_URL loses its trailing slash', async t => {
  const config = loadConfig({ PORT: '', PUBLIC_URL: 'https://compagnon.example.org/', HOST: '0.0.0.0' })
  t.equal(config.port, 3000)
  t.equal(config.publicUrl, 'https://compagnon.example.org')
  t.equal(loadConfig({ HOST: '0.0.0.0', PORT: '8080' }).publicUrl, 'http://127.0.0.1:8080', 'a wildcard host is shown as loopback')
})

t.test('DATABASE_URL switches to PostgreSQL and then requires every secret', async t => {
  const config = loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/compagnon', ...secrets })
  t.same(config.database, { kind: 'postgres', url: 'postgres://u:p@db:5432/compagnon', poolMax: 10 })
  const err = t.throws(() => loadConfig({ DATABASE_URL: 'postgres://db/compagnon', SESSION_SECRET: secrets.SESSION_SECRET })) as Error
  t.type(err, ConfigError)
  t.match(err.message, /COOKIE_SECRET: required when DATABASE_URL is set/)
  t.match(err.message, /CODE_SECRET: required when DATABASE_URL is set/)
  t.notMatch(err.message, /SESSION_SECRET/)
})

t.test('a bad variable fails fast with a message naming it and its value', async t => {
  const err = t.throws(() => loadConfig({ PORT: 'eighty', DEFAULT_LOCALE: 'de', DATABASE_URL: 'mysql://x', PUBLIC_URL: 'compagnon.local' })) as Error
  t.type(err, ConfigError)
  t.match(err.message, /^Invalid configuration:/)
  t.match(err.message, /- PORT: .*\(got "eighty"\)/)
  t.match(err.message, /- DEFAULT_LOCALE: .*\(got "de"\)/)
  t.match(err.message, /- DATABASE_URL: must be a postgres:\/\/ URL/)
  t.match(err.message, /- PUBLIC_URL: must be an absolute http\(s\) URL/)
})

t.test('secret values never appear in error messages', async t => {
  const err = t.throws(() => loadConfig({ SESSION_SECRET: 'too-short-but-secret' })) as Error
  t.match(err.message, /SESSION_SECRET: must be at least 32 characters/)
  t.notMatch(err.message, /too-short-but-secret/)
})
