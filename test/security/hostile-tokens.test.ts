// Forged and tampered credentials: session JWTs (bearer and cookie), malformed Authorization
// headers and oversized cookies, one-time sign-in links, personal links, launch hand-off links,
// room QR codes, typed room codes and pass codes. Each is refused with a 4xx and writes nothing
// (except what a refusal records on purpose, named where it is allowed).
// Reproduce a failure: HOSTILE_SEED=<seed printed> npx tap test/security/hostile-tokens.test.ts
import { createHmac, randomUUID } from 'node:crypto'
import t, { type Test } from 'tap'
import fc from 'fast-check'
import { hostileText, hostileWorld, installWriteLog, pct, send, settle, type Caller, type Shot } from '../helpers/hostile.js'
import { given } from '../helpers/given.js'
import { testSecrets } from '../helpers/app.js'
import { sentToSignIn } from '../helpers/session.js'

const SEED = Number(process.env.HOSTILE_SEED ?? 20251021)
const RUNS = Number(process.env.HOSTILE_RUNS ?? 8) + 4

const world = await hostileWorld(t)
await world.app.inject({ url: '/.well-known/jwks.json' })
const writes = await installWriteLog(world.database.db, world.tables)
const { organizer, learner, door } = world.callers

/** What a batch wrote, as `table OPERATION ×n`, less the tables a refusal may write on purpose. */
async function batch (t: Test, name: string, arb: fc.Arbitrary<unknown>, run: (v: any) => Promise<void>, allowed: string[] = []): Promise<void> {
  await settle(world.services)
  const mark = await writes.mark()
  const result = await fc.check(fc.asyncProperty(arb, run), { numRuns: RUNS, seed: SEED, endOnFailure: true })
  await settle(world.services)
  if (result.failed) {
    t.fail(`${name}: ${result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance)}`, { seed: SEED, reproduce: `HOSTILE_SEED=${SEED} npx tap test/security/hostile-tokens.test.ts` })
  } else {
    t.pass(`${name} (${result.numRuns} cases)`)
  }
  const written = (await writes.since(mark)).filter(line => !allowed.some(table => line.startsWith(`${table} `)))
  t.same(written, [], `${name}: nothing written`)
}

const expect4xx = (res: { statusCode: number, body: string }, what: string, exactly?: number): void => {
  const ok = exactly === undefined ? res.statusCode >= 400 && res.statusCode < 500 : res.statusCode === exactly
  if (!ok) throw new Error(`${what} → ${res.statusCode}, expected ${exactly ?? 'a 4xx'}: ${res.body.slice(0, 300)}`)
}
/** A page refused for want of a live session: the browser is sent to the sign-in form (the page form of a 401). */
const expectSignIn = (res: { statusCode: number, headers: Record<string, unknown>, body: string }, what: string): void => {
  if (!sentToSignIn(res)) throw new Error(`${what} → ${res.statusCode} ${String(res.headers.location)}, expected the sign-in form: ${res.body.slice(0, 300)}`)
}

/** The same string with one change a forger would try: a character replaced, dropped, added, or its case changed. */
const tampered = (genuine: string, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'): fc.Arbitrary<string> => fc.oneof(
  fc.tuple(fc.nat(genuine.length - 1), fc.constantFrom(...alphabet)).map(([i, c]) => genuine.slice(0, i) + c + genuine.slice(i + 1)),
  fc.nat(genuine.length - 1).map(i => genuine.slice(0, i) + genuine.slice(i + 1)),
  fc.constantFrom(...alphabet).map(c => genuine + c),
  fc.nat(genuine.length - 1).map(i => genuine.slice(0, i) + (genuine[i] === genuine[i]!.toUpperCase() ? genuine[i]!.toLowerCase() : genuine[i]!.toUpperCase()) + genuine.slice(i + 1))
).filter(v => v !== genuine)

// ---------------------------------------------------------------------------------------------
// Session JWTs

const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')
const hmac = (secret: string, data: string): string => createHmac('sha256', secret).update(data).digest('base64url')
const now = (): number => Math.floor(Date.now() / 1000)
const claims = (personId: string, deviceSessionId: string, extra: Record<string, unknown> = {}): Record<string, unknown> =>
  ({ sub: personId, sid: deviceSessionId, iss: world.config.publicUrl, aud: 'compagnon', iat: now(), exp: now() + 900, ...extra })
const signed = (payload: Record<string, unknown>, header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' }, secret = testSecrets.sessionSecret): string => {
  const data = `${b64(header)}.${b64(payload)}`
  return `${data}.${hmac(secret, data)}`
}

/** JWTs that must not open a session, each with how it was made. */
const forgedJwt = (victim: Caller, attacker: Caller): fc.Arbitrary<[string, string]> => {
  const genuine = victim.bearer.slice('Bearer '.length)
  const [h, p, s] = genuine.split('.') as [string, string, string]
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>
  return fc.oneof(
    fc.constant<[string, string]>(['payload changed, signature kept', `${h}.${b64({ ...payload, sub: attacker.personId })}.${s}`]),
    fc.constant<[string, string]>(['expiry pushed, signature kept', `${h}.${b64({ ...payload, exp: now() + 86400 * 365 })}.${s}`]),
    tampered(s).map(sig => ['signature tampered', `${h}.${p}.${sig}`] as [string, string]),
    fc.constant<[string, string]>(['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${p}.`]),
    fc.constant<[string, string]>(['alg none, no dot', `${b64({ alg: 'none' })}.${p}`]),
    fc.constant<[string, string]>(['HS512 header over an HS256 signature', `${b64({ alg: 'HS512', typ: 'JWT' })}.${p}.${s}`]),
    fc.constant<[string, string]>(['RS256 header, HMAC with a public value', signed(claims(victim.personId, victim.deviceSessionId), { alg: 'RS256', typ: 'JWT' }, 'public-key')]),
    fc.string({ minLength: 8, maxLength: 40 }).map(secret => ['another secret', signed(claims(victim.personId, victim.deviceSessionId), undefined, secret)] as [string, string]),
    fc.constant<[string, string]>(['wrong audience', signed(claims(victim.personId, victim.deviceSessionId, { aud: 'another-app' }))]),
    fc.constant<[string, string]>(['no audience', signed(claims(victim.personId, victim.deviceSessionId, { aud: undefined }))]),
    fc.constant<[string, string]>(['wrong issuer', signed(claims(victim.personId, victim.deviceSessionId, { iss: 'https://evil.example' }))]),
    fc.constant<[string, string]>(['no issuer', signed(claims(victim.personId, victim.deviceSessionId, { iss: undefined }))]),
    fc.constant<[string, string]>(['expired', signed(claims(victim.personId, victim.deviceSessionId, { iat: now() - 3600, exp: now() - 1800 }))]),
    fc.constant<[string, string]>(['not yet valid', signed(claims(victim.personId, victim.deviceSessionId, { nbf: now() + 3600 }))]),
    fc.constant<[string, string]>(['no expiry', signed(claims(victim.personId, victim.deviceSessionId, { exp: undefined }))]),
    hostileText.map(text => ['garbage', `${b64(text)}.${b64(text)}.${b64(text)}`] as [string, string]),
    fc.nat(genuine.length - 2).map(n => ['truncated', genuine.slice(0, n + 1)] as [string, string])
  )
}

/** Routes a bearer opens, one per kind of authorization, with a body their schema takes. */
const apiTargets = (): Shot[] => [
  { method: 'GET', path: '/api/v1/me' },
  { method: 'PUT', path: `/api/v1/events/${world.eventId}/attendance-policy`, contentType: 'application/json', payload: JSON.stringify({ open_before_minutes: 0, close_after_minutes: 0, late_after_minutes: 0, weight_present: 1, weight_late: 0, excused: 'omit', over: 'all' }) },
  { method: 'POST', path: '/api/v1/attendance/corrections', contentType: 'application/json', payload: JSON.stringify({ personId: learner.personId, slotId: world.slotId, status: 'present', reason: 'forged' }) }
]

t.test('forged, tampered and expired JWTs are refused: 401 on the API, the sign-in form on pages', async t => {
  // The untampered token works: the refusals below are about the token alone.
  t.equal((await send(world, organizer, 'api', { method: 'GET', path: '/api/v1/me' })).statusCode, 200, 'control: the genuine bearer')
  await batch(t, 'forged bearer tokens', fc.tuple(forgedJwt(organizer, learner), fc.constantFrom(...apiTargets())), async ([[how, jwt], shot]: [[string, string], Shot]) => {
    const res = await send(world, null, 'api', { ...shot, headers: { authorization: `Bearer ${jwt}` } })
    expect4xx(res, `${how}: ${shot.method} ${shot.path}`, 401)
  })
  await batch(t, 'forged session cookies (no device cookie)', forgedJwt(organizer, learner), async ([how, jwt]: [string, string]) => {
    const res = await send(world, null, 'page', { method: 'GET', path: '/organisateurs', headers: { cookie: `compagnon_session=${jwt}` } })
    expectSignIn(res, `${how}: GET /organisateurs`)
  })
  const deviceCookie = /compagnon_device=([^;]+)/.exec(organizer.cookie)![1]!
  await batch(t, 'tampered device cookies', tampered(decodeURIComponent(deviceCookie)), async (value: string) => {
    const res = await send(world, null, 'page', { method: 'GET', path: '/organisateurs', headers: { cookie: `compagnon_device=${pct(value)}` } })
    expectSignIn(res, 'tampered device cookie: GET /organisateurs')
  })
})

t.test('malformed Authorization headers and oversized cookies are refused', async t => {
  const genuine = organizer.bearer.slice('Bearer '.length)
  const headers = fc.oneof(
    fc.constantFrom('Bearer', 'Bearer ', 'bearer', 'Basic b3JnYW5pemVyOnB3', 'Digest username="x"', `Bearer ${genuine} extra`, `Bearer ${genuine},${genuine}`, `Token ${genuine}`, `${genuine}`, `Bearer ${'A'.repeat(100_000)}`, `Bearer ${genuine.replace(/\./g, '..')}`),
    hostileText.filter(v => /^[\t\x20-\x7e\x80-\xff]*$/.test(v)).map(v => `Bearer ${v}`)
  )
  await batch(t, 'malformed Authorization', fc.tuple(headers, fc.constantFrom(...apiTargets())), async ([authorization, shot]: [string, Shot]) => {
    const res = await send(world, null, 'api', { ...shot, headers: { authorization } })
    expect4xx(res, `Authorization ${authorization.slice(0, 60)}: ${shot.method} ${shot.path}`, 401)
  })
  const cookies = fc.oneof(
    fc.constant(`compagnon_session=${'x'.repeat(200_000)}`),
    fc.constant(Array.from({ length: 3000 }, (_, i) => `c${i}=${i}`).join('; ')),
    fc.constant(`compagnon_device=${'%'.repeat(10_000)}; compagnon_session=%ZZ`),
    hostileText.filter(v => /^[\x20-\x7e\x80-\xff]*$/.test(v)).map(v => `compagnon_session=${v}; compagnon_device=${v}`)
  )
  await batch(t, 'oversized and malformed cookies', cookies, async (cookie: string) => {
    const res = await send(world, null, 'page', { method: 'GET', path: '/moi', headers: { cookie } })
    expectSignIn(res, `Cookie ${cookie.slice(0, 60)}: GET /moi`)
  })
})

// ---------------------------------------------------------------------------------------------
// Links

t.test('tampered sign-in, personal and hand-off links open nothing', async t => {
  const participant = (await given(world).participant({ name: 'Paule', email: 'paule@hostile.example', event: world.eventId })).id
  const personal = await world.services.people.participants.issueLink(organizer.personId, world.eventId, participant)
  const invitation = await world.services.people.invite(organizer.personId, world.eventId, { email: 'door2@hostile.example', role: 'door_staff' })
  if (!invitation.created) throw new Error('a new account comes with its link')
  const handoff = await world.services.people.handoffLink(learner.personId, 'launch')
  const tokenOf = (url: string): string => new URL(url).pathname.split('/').pop()!
  const links = [
    { name: 'personal link', token: tokenOf(personal.url), page: (v: string) => `/p/${v}`, post: '/p' },
    { name: 'one-time sign-in link', token: tokenOf(invitation.url), page: (v: string) => `/auth/link/${v}`, post: '/auth/link' },
    { name: 'launch hand-off link', token: handoff.token, page: (v: string) => `/cours/suite/${v}`, post: undefined }
  ]
  for (const link of links) {
    const genuine = await send(world, null, 'page', { method: 'GET', path: link.page(link.token) })
    t.ok(genuine.statusCode < 400, `control: the genuine ${link.name} opens its page (${genuine.statusCode})`)
    await batch(t, `tampered ${link.name}`, tampered(link.token), async (value: string) => {
      const page = await send(world, null, 'page', { method: 'GET', path: link.page(pct(value)) })
      expect4xx(page, `GET ${link.page(value)}`)
      if (link.post !== undefined) {
        const used = await send(world, null, 'page', { method: 'POST', path: link.post, contentType: 'application/x-www-form-urlencoded', payload: `token=${pct(value)}` })
        expect4xx(used, `POST ${link.post} token=${value}`)
        if (used.cookies.some(c => c.value !== '')) throw new Error(`POST ${link.post} with a tampered token set cookies`)
      }
    })
  }
})

// ---------------------------------------------------------------------------------------------
// Attendance codes

t.test('tampered room QR codes, typed codes and pass codes check no one in', async t => {
  const code = world.services.attendance.roomCode(world.sessionId)
  const [window, token] = new URL(code.url).pathname.split('/').pop()!.split('.') as [string, string]
  const roomCodes = fc.oneof(
    tampered(token).map(v => `${window}.${v}`),
    fc.constantFrom(`${Number(window) + 2}.${token}`, `${Number(window) - 2}.${token}`, `${window}.${token.slice(0, 15)}A`, `0.${token}`, `999999999999.${token}`)
  ).filter(v => v !== `${window}.${token}`)
  await batch(t, 'tampered room QR codes (page, signed in and not, and API)', roomCodes, async (room: string) => {
    for (const who of [learner, null]) {
      const res = await send(world, who, 'page', { method: 'GET', path: `/presence/${world.sessionId}/${pct(room)}`, headers: { 'sec-fetch-dest': 'document' } })
      expect4xx(res, `GET /presence/…/${room} ${who === null ? 'signed out' : 'signed in'}`)
    }
    const api = await send(world, learner, 'api', { method: 'POST', path: `/api/v1/sessions/${world.sessionId}/check-ins`, contentType: 'application/json', payload: JSON.stringify({ code: room }) })
    expect4xx(api, `POST check-ins ${room}`)
  })

  // Wrong typed codes are counted, durably, to cap guessing (5 per 10 minutes per person): that row is the refusal's purpose.
  const typed = fc.tuple(fc.nat(5), fc.integer({ min: 1, max: 9 })).map(([i, d]) => code.typedCode.slice(0, i) + String((Number(code.typedCode[i]) + d) % 10) + code.typedCode.slice(i + 1))
  await batch(t, 'tampered typed room codes', typed, async (value: string) => {
    const res = await send(world, learner, 'api', { method: 'POST', path: '/api/v1/check-ins/typed-code', contentType: 'application/json', payload: JSON.stringify({ code: value }) })
    expect4xx(res, `POST typed-code ${value}`)
  }, ['attendance_code_attempts'])

  // A door scan of a tampered pass is answered per scan ("refused"), and the scan is kept under
  // its id so a retried upload gets the same answer: that log is the only row a refusal writes.
  const pass = await world.services.attendance.pass(learner.personId)
  await batch(t, 'tampered pass codes scanned at the door', tampered(pass.code, '0123456789ABCDEFGHJKMNPQRSTVWXYZ').filter(v => v.toUpperCase() !== pass.code), async (value: string) => {
    const res = await send(world, door, 'api', {
      method: 'POST',
      path: `/api/v1/sessions/${world.sessionId}/scans`,
      contentType: 'application/json',
      payload: JSON.stringify({ scans: [{ scanId: randomUUID(), code: value, deviceTime: world.clock.now().toISOString() }] })
    })
    const outcome = res.statusCode === 200 ? (res.json() as { outcomes: Array<{ result: string }> }).outcomes[0] : undefined
    if (!(res.statusCode >= 400 && res.statusCode < 500) && outcome?.result !== 'refused') throw new Error(`scan of ${value} → ${res.statusCode} ${res.body.slice(0, 300)}`)
  }, ['attendance_scans'])
  t.equal(Number((await world.database.db.selectFrom('attendance_records').select(eb => eb.fn.countAll().as('n')).where('person_id', '=', learner.personId).executeTakeFirstOrThrow()).n), 0, 'the learner was never checked in')
})
