import diagnostics from 'node:diagnostics_channel'
import t from 'tap'
import { SignJWT, decodeJwt } from 'jose'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { testSecrets } from '../helpers/app.js'
import { pageTextProblems } from '../helpers/page-text.js'
import { MATRIX_NOW, ROLE_NAMES, type RoleName, accessWorld, apiHeaders, mergeCookies, pageHeaders } from '../helpers/identities.js'
import { PUBLIC_SAMPLE, fill, isPublic, matches, policyAllows, prepare, rules, type Expected, type Fresh, type Rule, type RowContext } from './access-rules.js'
import { decisions, type AccessRule, type DecisionMessage } from '../../src/access/plugin.js'

// Every route the app registers (pages, API, LTI, verification, assets, docs, health), as
// Fastify sees it: an onRoute hook on the app being built, reached through Fastify's own
// diagnostics channel, so nothing in src/ has to expose it.
const registered = new Set<string>()
/** Each route's options (its `config.access` is read once every plugin has had its say). */
const routeOptions = new Map<string, { config?: { access?: AccessRule } }>()
/** What decides a route's answer: its handler and hooks (to recognise Fastify's HEAD twins of GET routes). */
const behaviour = new Map<string, unknown[]>()
const onInit = (message: unknown): void => {
  (message as { fastify: FastifyInstance }).fastify.addHook('onRoute', route => {
    for (const method of [route.method].flat()) {
      registered.add(`${method} ${route.url}`)
      routeOptions.set(`${method} ${route.url}`, route as { config?: { access?: AccessRule } })
      behaviour.set(`${method} ${route.url}`, [route.handler, route.onRequest, route.preValidation, route.preHandler].flat())
    }
  })
}
/** ACCESS_PROFILE=1 prints the CPU time of the setup and of each row (to keep the file fast). */
const profile = (what: string, since: NodeJS.CpuUsage): void => {
  if (process.env.ACCESS_PROFILE === undefined) return
  const used = process.cpuUsage(since)
  console.error(`${Math.round((used.user + used.system) / 1000)} ms ${what}`)
}

diagnostics.subscribe('fastify.initialization', onInit)
const setup = process.cpuUsage()
const w = await accessWorld(t)
profile('world', setup)
diagnostics.unsubscribe('fastify.initialization', onInit)

/**
 * Fastify answers HEAD for every GET route with the same handler and hooks: such a twin is
 * covered by its GET row (and not requested again); a HEAD route of its own needs its own row.
 */
const twinOf = (key: string): string | undefined => {
  if (!key.startsWith('HEAD ') || rules[key] !== undefined) return undefined
  const get = `GET ${key.slice(5)}`
  const [a, b] = [behaviour.get(key) ?? [], behaviour.get(get) ?? []]
  return a.length > 0 && a.length === b.length && a.every((x, i) => x === b[i]) ? get : undefined
}
const ruleOf = (key: string): Rule | undefined => rules[key] ?? (twinOf(key) !== undefined ? rules[twinOf(key)!] : undefined)

t.test('every route the app registers has a row in the access matrix', async t => {
  const missing = [...registered].filter(key => ruleOf(key) === undefined).sort()
  t.same(missing, [], `routes without a row in test/security/access-rules.ts (add one per route: the answer for each role):\n  ${missing.join('\n  ')}`)
  const twins = [...registered].filter(key => twinOf(key) !== undefined)
  t.ok(twins.length > 0, `${twins.length} HEAD routes are Fastify's twins of GET routes (same handler and hooks): their GET row covers them`)
  const stale = Object.keys(rules).filter(key => !registered.has(key)).sort()
  t.same(stale, [], `rows for routes the app no longer has:\n  ${stale.join('\n  ')}`)
})

/**
 * A browser opening a page that needs a session without one is sent to the sign-in form, coming
 * back afterwards (src/access/plugin.ts): the page form of a 401.
 */
const toSignIn = (res: LightMyRequestResponse): boolean => res.statusCode === 303 && /^\/connexion\?retour=/.test(String(res.headers.location))

const excerpt = (res: LightMyRequestResponse): string => {
  try {
    const body = JSON.parse(res.body) as { message?: string }
    if (typeof body.message === 'string') return body.message
  } catch { /* a page */ }
  const main = /<main[\s\S]*?<\/main>/i.exec(res.body)?.[0] ?? res.body
  const text = main.replace(/<head>[\s\S]*?<\/head>/i, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()
  return text.slice(0, 160)
}

t.test('each role gets the answer its row says, on every route', async t => {
  const preparing = process.cpuUsage()
  const { params, fresh } = await prepare(w)
  // Refused requests all act on one object per maker (made once, on first use).
  const memo = new Map<string, Promise<unknown>>()
  const shared = Object.fromEntries(Object.entries(fresh).map(([name, make]) => [name, async (...args: unknown[]) => {
    const key = `${name}:${args.join(',')}`
    if (!memo.has(key)) memo.set(key, (make as (...a: unknown[]) => Promise<unknown>)(...args))
    return await memo.get(key)
  }])) as unknown as Fresh
  shared.email = fresh.email
  profile('prepare', preparing)
  for (const key of [...registered].sort()) {
    const rule = rules[key]
    if (rule === undefined) continue
    const method = key.slice(0, key.indexOf(' '))
    const template = key.slice(key.indexOf(' ') + 1)
    const wrong: string[] = []
    if (rule.at !== undefined) w.clock.set(rule.at)
    const started = process.cpuUsage()
    try {
      for (const role of isPublic(rule.expect) ? PUBLIC_SAMPLE : ROLE_NAMES) {
        const identity = w.identities[role]
        const expected = rule.expect[role]
        // Only a request that should succeed uses up what it acts on; a refused one gets a shared object.
        const succeeds = typeof expected !== 'number' || expected < 400
        const ctx: RowContext = { w, role, personId: identity.personId, params, fresh: succeeds ? fresh : shared, url: template.includes(':') || template.endsWith('*') ? safeFill(template, params) : template }
        const call = rule.request === undefined ? { url: ctx.url } : await rule.request(ctx)
        const credentials = call.as ?? identity
        const callMethod = (call.method ?? method) as InjectOptions['method']
        const api = call.url.startsWith('/api/v1/')
        const headers = { ...(api ? apiHeaders(credentials) : await pageHeaders(w, credentials, String(callMethod))), ...call.headers }
        seen.length = 0
        const res = await w.app.inject({ method: callMethod, url: call.url, headers, ...(call.payload !== undefined ? { payload: call.payload as InjectOptions['payload'] } : {}) })
        if (!matches(expected, res.statusCode) && !(expected === 401 && callMethod === 'GET' && !api && toSignIn(res))) wrong.push(`${role}: expected ${expected}, got ${res.statusCode} «${excerpt(res)}»`)
        // Every page the matrix opens, as every role, is also read for escaped markup shown as text.
        if (String(res.headers['content-type'] ?? '').startsWith('text/html')) wrong.push(...pageTextProblems(res.body).map(p => `${role}: ${p}`))
        wrong.push(...policyProblems(key, role, expected, call.url, identity.personId))
      }
    } catch (err) {
      wrong.push(`the row could not be run: ${String(err)}`)
    } finally {
      if (rule.at !== undefined) w.clock.set(MATRIX_NOW)
    }
    profile(key, started)
    t.same(wrong, [], `${key}${rule.why !== undefined ? ` (${rule.why})` : ''}`)
  }
})

// ---- the policy against the specification ------------------------------------------------------

/** The policy's decisions during one request (src/access/plugin.ts publishes each). */
const seen: DecisionMessage[] = []
decisions.subscribe(message => { seen.push(message as DecisionMessage) })

/**
 * The route's declared rule must agree with its row: a public route refuses no one by role; a
 * route for any signed-in person refuses only anonymous callers; otherwise the policy was asked
 * about this request and answered, for this role, what the row expects (`can()` is `decide()`
 * answering 'allow').
 */
function policyProblems (key: string, role: RoleName, expected: Expected, url: string, personId: string | null): string[] {
  const declared = routeOptions.get(key)?.config?.access
  if (declared === undefined) return [`${role}: the route declares no access rule`]
  const row = ruleOf(key)?.expect
  if ('public' in declared) {
    return row !== undefined && !isPublic(row) && !policyAllows(expected) ? [`${role}: declared public (${declared.public}), but the row refuses this role (${expected})`] : []
  }
  if (role === 'anonymous') return expected === 401 ? [] : [`anonymous: the route needs a session, the row says ${expected}`]
  if ('signedIn' in declared) return policyAllows(expected) ? [] : [`${role}: declared for any signed-in person (${declared.signedIn}), but the row refuses this role (${expected})`]
  const asked = seen.filter(d => d.route === key && d.actor?.personId === personId)
  if (asked.length === 0) {
    // Refused before the policy was asked (CSRF, input validation): only acceptable for an expected refusal of another kind.
    return policyAllows(expected) && typeof expected === 'number' && expected >= 400 ? [] : [`${role}: the policy was not asked about ${url} (${declared.action})`]
  }
  const answer = asked[asked.length - 1]!
  const allowed = answer.decision === 'allow'
  if (answer.decision === 'missing') return [`${role}: ${declared.action} found no ${answer.resource.kind} (${JSON.stringify(answer.resource)})`]
  return allowed === policyAllows(expected) ? [] : [`${role}: can(${role}, ${declared.action}, ${JSON.stringify(answer.resource)}) is ${allowed}, the row says ${expected}`]
}

/** Templates whose parameters have no shared value are filled by their row's own request. */
function safeFill (template: string, params: Record<string, string>): string {
  try { return fill(template, params) } catch { return template }
}

// ---- tokens and sessions ---------------------------------------------------------------------

const secret = new TextEncoder().encode(testSecrets.sessionSecret)
const me = async (headers: Record<string, string>): Promise<number> => (await w.app.inject({ method: 'GET', url: '/api/v1/me', headers })).statusCode
/** /moi as a browser opens it, with only these cookies: refused (sent to the sign-in form) reads as 401. */
const moi = async (cookie: string): Promise<Pick<LightMyRequestResponse, 'statusCode' | 'cookies'>> => {
  const res = await w.app.inject({ method: 'GET', url: '/moi', headers: { accept: 'text/html', cookie } })
  return { statusCode: toSignIn(res) ? 401 : res.statusCode, cookies: res.cookies }
}

t.test('session tokens live at most 15 minutes and name our issuer and audience', async t => {
  const link = await w.services.people.participants.issueLink(w.identities.organizer.personId!, w.eventId, w.identities.participant.personId!)
  const res = await w.app.inject({ method: 'POST', url: '/p', headers: { 'sec-fetch-site': 'same-origin' }, payload: { token: link.url.split('/').pop() } })
  t.equal(res.statusCode, 303)
  const jwt = res.cookies.find(c => c.name === 'compagnon_session')?.value ?? ''
  const claims = decodeJwt(jwt)
  t.ok(claims.exp !== undefined && claims.iat !== undefined && claims.exp - claims.iat <= 15 * 60, `exp − iat = ${(claims.exp ?? 0) - (claims.iat ?? 0)} s`)
  t.equal(claims.iss, w.config.publicUrl)
  t.equal(claims.aud, 'compagnon')
  t.equal(await me({ authorization: `Bearer ${jwt}` }), 200, 'the token works as a bearer token')
})

t.test('a token signed with our secret but the wrong audience, issuer or time, or unsigned, is refused', async t => {
  const personId = w.identities.organizer.personId!
  const now = Math.floor(Date.now() / 1000)
  const sign = async (claims: { iss?: string, aud?: string, iat?: number, exp?: number }, key = secret): Promise<string> => {
    let jwt = new SignJWT({ sub: personId, sid: w.identities.organizer.deviceSessionId! }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt(claims.iat ?? now)
    if (claims.iss !== undefined) jwt = jwt.setIssuer(claims.iss)
    if (claims.aud !== undefined) jwt = jwt.setAudience(claims.aud)
    if (claims.exp !== undefined) jwt = jwt.setExpirationTime(claims.exp)
    return await jwt.sign(key)
  }
  const good = { iss: w.config.publicUrl, aud: 'compagnon', exp: now + 600 }
  t.equal(await me({ authorization: `Bearer ${await sign(good)}` }), 200, 'control: right issuer, audience and time')
  const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
  const forged: Record<string, string> = {
    'wrong audience': await sign({ ...good, aud: 'another-app' }),
    'wrong issuer': await sign({ ...good, iss: 'https://evil.example' }),
    expired: await sign({ ...good, iat: now - 3600, exp: now - 60 }),
    'another secret': await sign(good, new TextEncoder().encode('another-secret-0123456789abcdef0123456789abcdef')),
    'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: personId, sid: 'x', iss: good.iss, aud: good.aud, iat: now, exp: now + 600 })}.`
  }
  for (const [what, jwt] of Object.entries(forged)) {
    t.equal(await me({ authorization: `Bearer ${jwt}` }), 401, `${what}: bearer refused`)
    t.equal((await moi(`compagnon_session=${jwt}`)).statusCode, 401, `${what}: page cookie refused`)
  }
  // fast-jwt checks `aud` and `iss` only when the token has them, and `exp` only when present:
  // src/app.ts must also list them as required (verify.requiredClaims).
  const missing: Record<string, string> = {
    'no audience': await sign({ iss: good.iss, exp: good.exp }),
    'no issuer': await sign({ aud: good.aud, exp: good.exp }),
    'no expiry': await sign({ iss: good.iss, aud: good.aud })
  }
  for (const [what, jwt] of Object.entries(missing)) {
    t.equal(await me({ authorization: `Bearer ${jwt}` }), 401, `${what}: bearer refused`)
    t.equal((await moi(`compagnon_session=${jwt}`)).statusCode, 401, `${what}: page cookie refused`)
  }
})

t.test('a revoked device session no longer opens a page session from its device cookie', async t => {
  const personId = w.identities.student.personId!
  const device = await w.login(personId)
  const resumed = await moi(device.deviceCookie)
  t.equal(resumed.statusCode, 200, 'the device cookie alone opens a session')
  t.ok(resumed.cookies.some(c => c.name === 'compagnon_session' && c.value !== ''), 'with a fresh session cookie')
  await w.services.people.revokeDevice(device.deviceSessionId)
  const refused = await moi(device.deviceCookie)
  t.equal(refused.statusCode, 401, 'revoked: refused')
  t.notOk(refused.cookies.some(c => c.name === 'compagnon_session' && c.value !== ''), 'and no session cookie')

  const other = await w.login(personId)
  const out = await w.app.inject({ method: 'POST', url: '/auth/sign-out', headers: await pageHeaders(w, { cookie: other.cookie }, 'POST') })
  t.equal(out.statusCode, 303, 'signing out')
  t.equal((await moi(other.deviceCookie)).statusCode, 401, 'signed out: the device cookie opens nothing')
})

t.test('a personal link that was replaced or revoked no longer works, nor do the sessions it opened when signing out everywhere', async t => {
  const organizerId = w.identities.organizer.personId!
  const { personId } = (await w.services.people.participants.add(organizerId, w.eventId, { name: 'Lien Personnel', email: 'lien.personnel@example.gouv.qc.ca' })).participant
  const tokenOf = (url: string): string => url.split('/').pop() ?? ''
  const use = async (token: string): Promise<LightMyRequestResponse> => await w.app.inject({ method: 'POST', url: '/p', headers: { 'sec-fetch-site': 'same-origin' }, payload: { token } })
  const show = async (token: string): Promise<number> => (await w.app.inject({ method: 'GET', url: `/p/${token}` })).statusCode

  const first = tokenOf((await w.services.people.participants.issueLink(organizerId, w.eventId, personId)).url)
  t.equal(await show(first), 200)
  const opened = await use(first)
  t.equal(opened.statusCode, 303, 'the link opens a session')
  const device = mergeCookies('', opened).split('; ').filter(c => c.startsWith('compagnon_device=')).join('')
  t.equal((await moi(device)).statusCode, 200, 'on this device')

  const second = tokenOf((await w.services.people.participants.issueLink(organizerId, w.eventId, personId)).url)
  t.equal(await show(first), 400, 'replaced: the old link shows nothing')
  const reused = await use(first)
  t.equal(reused.statusCode, 400, 'replaced: the old link opens nothing')
  t.notOk(reused.cookies.some(c => c.name === 'compagnon_session' && c.value !== ''))
  t.equal(await show(second), 200, 'the new link works')

  await w.services.people.participants.revokeLink(organizerId, w.eventId, personId, { signOutEverywhere: true })
  t.equal(await show(second), 400, 'revoked: the link shows nothing')
  t.equal((await use(second)).statusCode, 400, 'revoked: the link opens nothing')
  t.equal((await moi(device)).statusCode, 401, 'signed out everywhere: the device it opened is closed')
})

t.test('a one-time sign-in link opens one session only', async t => {
  const link = await w.services.people.handoffLink(w.identities.door.personId!, 'phone')
  const use = async (): Promise<number> => (await w.app.inject({ method: 'POST', url: '/auth/link', headers: { 'sec-fetch-site': 'same-origin' }, payload: { token: link.token } })).statusCode
  t.equal(await use(), 303)
  t.equal(await use(), 400, 'used: refused')
  t.equal((await w.app.inject({ method: 'GET', url: `/auth/link/${link.token}` })).statusCode, 400, 'used: its page says so')
})
