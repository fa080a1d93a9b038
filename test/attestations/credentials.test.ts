import { gunzipSync } from 'node:zlib'
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose'
import t from 'tap'
import { buildApp } from '../../src/app.js'
import { attestationSetup, type AttestationCtx } from '../helpers/attestations.js'

const VC_CONTEXT = 'https://www.w3.org/ns/credentials/v2'
const OB_CONTEXT = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'

async function issued (ctx: AttestationCtx, name = 'Paule Émond'): Promise<{ id: string, code: string, person: Awaited<ReturnType<AttestationCtx['person']>> }> {
  const person = await ctx.person(name)
  await ctx.attendHours(person.id, 17)
  const a = (await ctx.services.attestations.request(person.id, ctx.eventId, { name, locale: 'fr', employer: 'Ville de Laval', hrEmail: 'rh@laval.ca' })).attestation!
  return { id: a.id, code: a.code, person }
}

/** The published keys, read over HTTP as a verifier would. */
async function jwks (ctx: AttestationCtx): Promise<JSONWebKeySet> {
  const res = await ctx.app.inject({ url: '/.well-known/jwks.json' })
  if (res.statusCode !== 200) throw new Error(`jwks: ${res.statusCode}`)
  return res.json()
}

async function credentialOf (ctx: AttestationCtx, attestationId: string, bearer: string): Promise<{ statusCode: number, body: string, headers: Record<string, unknown> }> {
  const res = await ctx.app.inject({ url: `/api/v1/attestations/${attestationId}/credential`, headers: { authorization: bearer } })
  return { statusCode: res.statusCode, body: res.body, headers: res.headers }
}

/** multibase 'u' → base64url → gunzip → the bit at `index` (left-most bit of the first byte is 0). */
function statusBit (encodedList: string, index: number): { bit: number, bits: number } {
  if (!encodedList.startsWith('u')) throw new Error('not multibase base64url')
  const bytes = gunzipSync(Buffer.from(encodedList.slice(1), 'base64url'))
  return { bit: (bytes[index >> 3]! >> (7 - (index & 7))) & 1, bits: bytes.length * 8 }
}

t.test('the Open Badges 3.0 credential verifies with the published JWKS and carries the attestation, not the person\'s email', async t => {
  const ctx = await attestationSetup(t)
  const a = await issued(ctx)
  const view = (await ctx.services.verification.byCode(a.code))!
  const res = await credentialOf(ctx, a.id, a.person.bearer)
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], 'application/vc+jwt')
  t.equal(res.headers['cache-control'], 'private, no-store')

  const keys = await jwks(ctx)
  t.equal(keys.keys.length, 1)
  t.notOk('d' in keys.keys[0]!, 'public parts only')
  const header = decodeProtectedHeader(res.body)
  t.same(header, { alg: 'ES256', kid: keys.keys[0]!.kid, typ: 'vc+jwt' })
  const { payload } = await jwtVerify(res.body, createLocalJWKSet(keys), { issuer: 'http://127.0.0.1:3000', typ: 'vc+jwt', currentDate: ctx.clock.now() })
  const verifyUrl = `http://127.0.0.1:3000/verify/${a.code}`
  const statusUrl = `http://127.0.0.1:3000/credentials/status/${ctx.eventId}`
  const index = (await ctx.database.db.selectFrom('attestations').select('status_index').where('id', '=', a.id).executeTakeFirstOrThrow()).status_index
  t.match(payload, {
    '@context': [VC_CONTEXT, OB_CONTEXT],
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    id: verifyUrl,
    iss: 'http://127.0.0.1:3000',
    jti: verifyUrl,
    sub: verifyUrl,
    iat: Math.floor(view.issuedAt.getTime() / 1000),
    nbf: Math.floor(view.issuedAt.getTime() / 1000),
    issuer: { id: 'http://127.0.0.1:3000', type: ['Profile'], name: view.snapshot.organizer },
    validFrom: view.issuedAt.toISOString(),
    name: view.snapshot.trainingTitle,
    credentialSubject: {
      type: ['AchievementSubject'],
      name: 'Paule Émond',
      achievement: { type: ['Achievement'], name: view.snapshot.trainingTitle, description: /17,25 h de formation suivies en présentiel \(1,73 UEC ; 1 UEC = 10 h\), du 20 au 24 octobre 2025/, criteria: { narrative: String } },
      result: [{ type: ['Result'], value: String(view.hours) }]
    },
    credentialStatus: {
      id: `${statusUrl}#${index}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: String(index),
      statusListCredential: statusUrl
    }
  })
  t.same((payload.type as string[]), ['VerifiableCredential', 'OpenBadgeCredential'])
  const text = JSON.stringify(payload)
  t.notMatch(text, a.person.email, 'no email')
  t.notMatch(text, /[\w.+-]+@[\w-]+\.\w/, 'no address of any kind')
  t.notMatch(text, a.person.id, 'no internal person id')
  t.notMatch(text, 'Ville de Laval', 'no employer')

  // A key from somewhere else does not verify it.
  const forged = { keys: [{ ...keys.keys[0]!, x: keys.keys[0]!.y, y: keys.keys[0]!.x }] }
  await t.rejects(jwtVerify(res.body, createLocalJWKSet(forged)))
})

t.test('the status list: bit 0 before revocation, 1 after; at least 16 KB; short cache; public', async t => {
  const ctx = await attestationSetup(t)
  const a = await issued(ctx)
  const b = await issued(ctx, 'Bruno Côté')
  const keys = createLocalJWKSet(await jwks(ctx))
  const statusOf = async (attestation: { id: string, person: { bearer: string } }): Promise<number> => {
    const credential = await credentialOf(ctx, attestation.id, attestation.person.bearer)
    const { payload } = await jwtVerify(credential.body, keys)
    const entry = payload.credentialStatus as { statusListCredential: string, statusListIndex: string }
    const res = await ctx.app.inject({ url: new URL(entry.statusListCredential).pathname })
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], 'application/vc+jwt')
    t.equal(res.headers['cache-control'], 'public, max-age=60')
    const list = await jwtVerify(res.body, keys, { typ: 'vc+jwt' })
    t.match(list.payload, {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      id: entry.statusListCredential,
      credentialSubject: { type: 'BitstringStatusList', statusPurpose: 'revocation', encodedList: /^u/ }
    })
    const { bit, bits } = statusBit((list.payload.credentialSubject as { encodedList: string }).encodedList, Number(entry.statusListIndex))
    t.ok(bits >= 131_072, 'at least 131,072 bits')
    return bit
  }
  t.equal(await statusOf(a), 0)
  t.equal(await statusOf(b), 0)
  // The credential is fetched before revocation: its status must change afterwards.
  const before = await credentialOf(ctx, a.id, a.person.bearer)
  await ctx.services.attestationDecisions.revoke(ctx.organizer.id, a.id, 'Délivrée par erreur')
  const { payload } = await jwtVerify(before.body, keys)
  const entry = payload.credentialStatus as { statusListCredential: string, statusListIndex: string }
  const list = await ctx.app.inject({ url: new URL(entry.statusListCredential).pathname })
  const decoded = await jwtVerify(list.body, keys)
  t.equal(statusBit((decoded.payload.credentialSubject as { encodedList: string }).encodedList, Number(entry.statusListIndex)).bit, 1, 'revoked: bit set')
  t.equal(await statusOf(b), 0, 'the other attestation stays valid')

  t.equal((await ctx.app.inject({ url: '/credentials/status/00000000-0000-4000-8000-000000000000' })).statusCode, 404)
  t.equal((await ctx.app.inject({ url: '/credentials/status/not-a-uuid' })).statusCode, 400)
})

t.test('a re-issue marks the old credential in the status list and issues the new one', async t => {
  const ctx = await attestationSetup(t)
  const a = await issued(ctx)
  const keys = createLocalJWKSet(await jwks(ctx))
  const next = await ctx.services.attestationDecisions.reissue(ctx.organizer.id, a.id, 'Correction du nom', { name: 'Paule Émond-Lévesque' })
  const rows = await ctx.database.db.selectFrom('attestations').select(['id', 'status_index']).execute()
  const indexOf = (id: string): number => rows.find(r => r.id === id)!.status_index
  const list = await jwtVerify((await ctx.app.inject({ url: `/credentials/status/${ctx.eventId}` })).body, keys)
  const encoded = (list.payload.credentialSubject as { encodedList: string }).encodedList
  t.equal(statusBit(encoded, indexOf(a.id)).bit, 1, 'the superseded one')
  t.equal(statusBit(encoded, indexOf(next.id)).bit, 0, 'the one in force')
  const old = await credentialOf(ctx, a.id, a.person.bearer)
  t.equal(old.statusCode, 409, 'no credential for an attestation no longer valid')
  t.match(JSON.parse(old.body), { code: 'conflict', messageFr: /plus valide/ })
  const fresh = await credentialOf(ctx, next.id, a.person.bearer)
  t.equal(fresh.statusCode, 200)
  t.match((await jwtVerify(fresh.body, keys)).payload, { credentialSubject: { name: 'Paule Émond-Lévesque' } })
})

t.test('only the owner or an organizer of the event gets a credential', async t => {
  const ctx = await attestationSetup(t)
  const a = await issued(ctx)
  const other = await issued(ctx, 'Bruno Côté')
  const stranger = await credentialOf(ctx, a.id, other.person.bearer)
  t.equal(stranger.statusCode, 404, 'someone else\'s attestation does not exist for them')
  t.match(JSON.parse(stranger.body), { code: 'not_found' })
  t.equal((await credentialOf(ctx, a.id, ctx.organizer.bearer)).statusCode, 200, 'an organizer of the event')
  t.equal((await ctx.app.inject({ url: `/api/v1/attestations/${a.id}/credential` })).statusCode, 401, 'signed in only')
  t.equal((await credentialOf(ctx, '00000000-0000-4000-8000-000000000000', a.person.bearer)).statusCode, 404)
  t.equal((await credentialOf(ctx, 'nope', a.person.bearer)).statusCode, 400)

  // The download from the participant's page (session cookie or bearer), as a file.
  const download = await ctx.app.inject({ url: `/attestations/${a.id}/credential.jwt`, headers: { authorization: a.person.bearer } })
  t.equal(download.statusCode, 200)
  t.match(download.headers['content-disposition'], /^attachment; filename="badge-formation-[0-9A-Z]{8}\.jwt"$/)
  t.equal(decodeProtectedHeader(download.body).typ, 'vc+jwt')
  t.equal((await ctx.app.inject({ url: `/attestations/${a.id}/credential.jwt`, headers: { authorization: other.person.bearer } })).statusCode, 404)
})

t.test('the signing key: created once at start, shared by two instances on one database, private part sealed', async t => {
  const ctx = await attestationSetup(t)
  t.equal((await ctx.database.db.selectFrom('credential_keys').selectAll().execute()).length, 0, 'none before the start')
  const second = await buildApp(ctx.config, { database: ctx.database, clock: ctx.clock, backgroundJobs: false })
  t.teardown(async () => { await second.app.close() })
  // Two instances starting at the same time on one database.
  await Promise.all([ctx.app.ready(), second.app.ready()])
  const rows = await ctx.database.db.selectFrom('credential_keys').selectAll().execute()
  t.equal(rows.length, 1, 'created once, when the apps start, before any request')
  const row = rows[0]!
  t.equal(row.alg, 'ES256')
  t.notOk('d' in (row.public_jwk as object), 'the public column holds no private part')
  t.match(row.private_jwk_sealed, /^v1\.[\w-]+\.[\w-]+\.[\w-]+$/)
  t.notMatch(row.private_jwk_sealed, '"d"', 'sealed, not plain JSON')

  const a = await issued(ctx)
  const fromSecond = await second.app.inject({ url: `/api/v1/attestations/${a.id}/credential`, headers: { authorization: a.person.bearer } })
  t.equal(fromSecond.statusCode, 200)
  t.equal(decodeProtectedHeader(fromSecond.body).kid, row.kid)
  await jwtVerify(fromSecond.body, createLocalJWKSet(await jwks(ctx)))
  t.same((await second.app.inject({ url: '/.well-known/jwks.json' })).json(), await jwks(ctx))

  // An instance with another SESSION_SECRET cannot open the key: it makes its own, and the
  // others keep theirs (nothing retired behind their back).
  const stranger = await buildApp({ ...ctx.config, secrets: { ...ctx.config.secrets, sessionSecret: 'another-session-secret-0123456789abcdef0123' } }, { database: ctx.database, clock: ctx.clock, backgroundJobs: false })
  t.teardown(async () => { await stranger.app.close() })
  await stranger.app.ready()
  t.equal((await jwks(ctx)).keys.length, 2)
  const again = await ctx.app.inject({ url: `/api/v1/attestations/${a.id}/credential`, headers: { authorization: a.person.bearer } })
  t.equal(decodeProtectedHeader(again.body).kid, row.kid, 'the first instance still signs with its key')
  await ctx.database.db.deleteFrom('credential_keys').where('kid', '<>', row.kid).execute()

  // A retired key stays published (credentials it signed still verify); a new one signs.
  await ctx.database.db.updateTable('credential_keys').set({ retired_at: ctx.clock.now() }).execute()
  const third = await buildApp(ctx.config, { database: ctx.database, clock: ctx.clock, backgroundJobs: false })
  t.teardown(async () => { await third.app.close() })
  await third.app.ready()
  const published = (await third.app.inject({ url: '/.well-known/jwks.json' })).json() as JSONWebKeySet
  t.equal(published.keys.length, 2)
  const signed = await third.app.inject({ url: `/api/v1/attestations/${a.id}/credential`, headers: { authorization: a.person.bearer } })
  t.not(decodeProtectedHeader(signed.body).kid, row.kid)
  await jwtVerify(fromSecond.body, createLocalJWKSet(published), {})
  await jwtVerify(signed.body, createLocalJWKSet(published), {})
  t.match((await third.app.inject({ url: '/.well-known/jwks.json' })).headers['content-type'], 'application/jwk-set+json')
})

t.test('the credential routes are documented in the OpenAPI document', async t => {
  const ctx = await attestationSetup(t)
  const doc = (await ctx.app.inject({ url: '/docs/json' })).json()
  const ids = Object.values(doc.paths as Record<string, Record<string, { operationId?: string }>>).flatMap(p => Object.values(p).map(o => o.operationId))
  for (const id of ['credentialJwks', 'credentialStatusList', 'getAttestationCredential', 'downloadAttestationCredential']) t.ok(ids.includes(id), id)
})
