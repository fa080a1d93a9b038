// Tests the LTI platform simulator itself, against a tiny hand-written tool (plain node:http).
import { randomBytes, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { SignJWT, createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose'
import {
  CLAIMS, CookieJar, LaunchError, MEDIA_TYPES, ROLES, SCOPES, jwksOf, makeKey, parseAutoPostForm, startPlatform,
  type SimulatedKey, type SimulatedPlatform
} from '../helpers/lti-platform.js'

const alice = { sub: 'user-42', name: 'Alice Tremblay', given_name: 'Alice', family_name: 'Tremblay', email: 'alice@example.org' }

interface FakeTool {
  base: string
  jwksUrl: string
  key: SimulatedKey
  logins: Array<{ method: string, params: Record<string, string> }>
  launches: Array<{ claims: JWTPayload, nonceSent: string }>
  refusals: string[]
}

async function readBody (req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function cookiesOf (req: IncomingMessage): Map<string, string> {
  const map = new Map<string, string>()
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0) map.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim())
  }
  return map
}

/** A minimal LTI 1.3 tool: OIDC login initiation, launch (id_token verified with jose), JWKS. */
async function startFakeTool (t: Test, platform: SimulatedPlatform, options: { dropMessageHint?: boolean } = {}): Promise<FakeTool> {
  const key = await makeKey()
  const states = new Map<string, string>() // state → nonce
  const usedNonces = new Set<string>()
  const tool: Omit<FakeTool, 'base' | 'jwksUrl'> = { key, logins: [], launches: [], refusals: [] }
  const refuse = (res: ServerResponse, reason: string): void => {
    tool.refusals.push(reason)
    res.writeHead(401, { 'content-type': 'text/plain' }).end(reason)
  }

  async function handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    if (url.pathname === '/jwks') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwksOf(key)))
    } else if (url.pathname === '/lti/login') {
      const params = req.method === 'POST' ? new URLSearchParams(await readBody(req)) : url.searchParams
      tool.logins.push({ method: req.method ?? '', params: Object.fromEntries(params) })
      if (params.get('iss') !== platform.issuer || params.get('client_id') !== platform.clientId) { refuse(res, 'unknown platform'); return }
      const state = randomBytes(16).toString('hex')
      const nonce = randomBytes(16).toString('hex')
      states.set(state, nonce)
      const query = new URLSearchParams({
        response_type: 'id_token',
        response_mode: 'form_post',
        scope: 'openid',
        prompt: 'none',
        client_id: platform.clientId,
        redirect_uri: params.get('target_link_uri') ?? '',
        login_hint: params.get('login_hint') ?? '',
        nonce,
        state
      })
      const hint = params.get('lti_message_hint')
      if (hint !== null && options.dropMessageHint !== true) query.set('lti_message_hint', hint)
      res.writeHead(302, {
        location: `${platform.authUrl}?${query.toString()}`,
        'set-cookie': `lti_state_${state}=1; Path=/; HttpOnly; SameSite=None; Max-Age=60`
      }).end()
    } else if (url.pathname === '/lti/launch' && req.method === 'POST') {
      const form = new URLSearchParams(await readBody(req))
      const state = form.get('state') ?? ''
      const nonceSent = states.get(state)
      if (nonceSent === undefined) { refuse(res, 'unknown state'); return }
      if (cookiesOf(req).get(`lti_state_${state}`) !== '1') { refuse(res, 'missing state cookie'); return }
      let claims: JWTPayload
      try {
        const jwks = createLocalJWKSet(await (await fetch(platform.jwksUrl)).json() as JSONWebKeySet)
        claims = (await jwtVerify(form.get('id_token') ?? '', jwks, { issuer: platform.issuer, audience: platform.clientId, algorithms: ['RS256'] })).payload
      } catch (error) {
        refuse(res, `invalid id_token: ${(error as Error).message}`)
        return
      }
      if (claims.nonce !== nonceSent) { refuse(res, 'nonce mismatch'); return }
      if (usedNonces.has(nonceSent)) { refuse(res, 'nonce already used'); return }
      usedNonces.add(nonceSent)
      if (claims[CLAIMS.deploymentId] !== platform.deploymentId) { refuse(res, 'unknown deployment'); return }
      tool.launches.push({ claims, nonceSent })
      res.writeHead(302, {
        location: '/app',
        'set-cookie': [`lti_state_${state}=; Path=/; Max-Age=0`, `session=${String(claims.sub)}; Path=/; HttpOnly`]
      }).end()
    } else {
      res.writeHead(404).end()
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => { res.writeHead(500).end(String(error)) })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => {
    await new Promise(resolve => { server.close(resolve); server.closeAllConnections() })
  })
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  platform.setTool({ jwksUrl: `${base}/jwks` })
  return { ...tool, base, jwksUrl: `${base}/jwks` }
}

async function clientAssertion (platform: SimulatedPlatform, key: SimulatedKey, audience: string = platform.tokenUrl): Promise<string> {
  return await new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', kid: key.kid })
    .setIssuer(platform.clientId)
    .setSubject(platform.clientId)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime('5m')
    .setJti(randomUUID())
    .sign(key.privateKey)
}

async function requestToken (platform: SimulatedPlatform, key: SimulatedKey, scopes: string[], opts: { audience?: string, json?: boolean } = {}): Promise<Response> {
  const body = {
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: await clientAssertion(platform, key, opts.audience),
    scope: scopes.join(' ')
  }
  return opts.json === true
    ? await fetch(platform.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    : await fetch(platform.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body).toString() })
}

async function accessToken (platform: SimulatedPlatform, key: SimulatedKey, scopes: string[]): Promise<string> {
  const res = await requestToken(platform, key, scopes)
  if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}: ${await res.text()}`)
  return ((await res.json()) as { access_token: string }).access_token
}

const bearer = (token: string, extra: Record<string, string> = {}): Record<string, string> => ({ authorization: `Bearer ${token}`, ...extra })

t.test('a full launch: login initiation, auth endpoint, id_token verified by the tool', async t => {
  const platform = await startPlatform(t)
  const tool = await startFakeTool(t, platform)
  const result = await platform.launch(tool.base, { user: alice, roles: [ROLES.Learner] })

  t.equal(result.loginResponse.status, 302)
  t.equal(tool.logins[0]?.method, 'GET')
  t.match(tool.logins[0]?.params, {
    iss: platform.issuer,
    login_hint: 'user-42',
    target_link_uri: `${tool.base}/lti/launch`,
    lti_message_hint: /^hint-/,
    client_id: 'compagnon-client',
    lti_deployment_id: '1'
  })
  t.equal(result.authRequest.get('client_id'), 'compagnon-client')
  t.equal(result.authRequest.get('redirect_uri'), `${tool.base}/lti/launch`)
  t.equal(result.launchResponse.status, 302, `tool refusals: ${tool.refusals.join(', ')}`)
  t.equal(result.launchResponse.headers.get('location'), '/app')
  t.same([...result.form.keys()], ['id_token', 'state'])
  t.equal(result.form.get('state'), result.authRequest.get('state'))

  const launch = tool.launches[0]
  t.ok(launch, 'the tool accepted the launch')
  t.equal(launch?.claims.nonce, launch?.nonceSent)
  t.equal(launch?.claims.nonce, result.authRequest.get('nonce'))
  t.match(decodeProtectedHeader(result.idToken), { alg: 'RS256', kid: platform.kid })
  t.match(launch?.claims, {
    iss: platform.url,
    aud: 'compagnon-client',
    azp: 'compagnon-client',
    sub: 'user-42',
    name: 'Alice Tremblay',
    email: 'alice@example.org',
    [CLAIMS.messageType]: 'LtiResourceLinkRequest',
    [CLAIMS.version]: '1.3.0',
    [CLAIMS.deploymentId]: '1',
    [CLAIMS.targetLinkUri]: `${tool.base}/lti/launch`,
    [CLAIMS.resourceLink]: { id: 'rl-1', title: 'Compagnon' },
    [CLAIMS.roles]: [ROLES.Learner],
    [CLAIMS.context]: { id: 'ENP7009-A2025', label: 'ENP7009', title: 'Mobilisation des acteurs locaux', type: ['http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering'] },
    [CLAIMS.toolPlatform]: { name: 'Simulated Moodle', product_family_code: 'moodle' },
    [CLAIMS.launchPresentation]: { document_target: 'iframe' },
    [CLAIMS.ags]: { lineitems: platform.lineItemsUrl, scope: [SCOPES.lineItem, SCOPES.lineItemReadonly, SCOPES.resultReadonly, SCOPES.score] },
    [CLAIMS.nrps]: { context_memberships_url: platform.membershipsUrl, service_versions: ['2.0'] }
  })
  t.equal((launch?.claims.exp ?? 0) - (launch?.claims.iat ?? 0), 300)

  // The jar followed the tool's cookies: the state cookie was deleted, the session set.
  t.same(result.cookies.names(), ['session'])
  t.equal(result.cookies.get('session'), 'user-42')

  // Replay with the cookies the browser had: the tool must refuse the reused nonce.
  const replayed = await result.replay()
  t.equal(replayed.status, 401)
  t.equal(await replayed.text(), 'nonce already used')
  // Replay with the cookies after the launch (state cookie gone).
  t.equal((await result.replay(result.cookies)).status, 401)
  t.equal(tool.refusals.at(-1), 'missing state cookie')

  // The auth endpoint does not hand out a second id_token for the same login.
  const again = await fetch(`${platform.authUrl}?${result.authRequest.toString()}`)
  t.equal(again.status, 400)
  t.match(await again.text(), /lti_message_hint/)
})

t.test('forged, expired and foreign id_tokens are refused by the tool', async t => {
  const platform = await startPlatform(t)
  const tool = await startFakeTool(t, platform)
  const forger = await makeKey()

  const forged = await platform.launch(tool.base, { user: alice, roles: [ROLES.Learner], signWith: { privateKey: forger.privateKey, kid: platform.kid } })
  t.equal(forged.launchResponse.status, 401)
  t.match(await forged.launchResponse.text(), /signature verification failed/)

  const unknownKid = await platform.launch(tool.base, { user: alice, roles: [ROLES.Learner], signWith: forger })
  t.equal(unknownKid.launchResponse.status, 401)
  t.match(await unknownKid.launchResponse.text(), /no applicable key/i)

  const expired = await platform.launch(tool.base, {
    user: alice,
    roles: [ROLES.Learner],
    claims: c => { c.iat = Math.floor(Date.now() / 1000) - 900; c.exp = Math.floor(Date.now() / 1000) - 600 }
  })
  t.equal(expired.launchResponse.status, 401)
  t.match(await expired.launchResponse.text(), /"exp" claim timestamp check failed/)

  const foreign = await platform.launch(tool.base, { user: alice, roles: [ROLES.Learner], claims: c => { c.aud = 'another-tool' } })
  t.equal(foreign.launchResponse.status, 401)
  t.match(await foreign.launchResponse.text(), /unexpected "aud" claim value/)

  const unknownDeployment = await platform.launch(tool.base, { user: alice, roles: [ROLES.Learner], deploymentId: '999' })
  t.equal(unknownDeployment.launchResponse.status, 401)
  t.equal(platform.received.launches.at(-1)?.[CLAIMS.deploymentId], '999')

  const mangled = await platform.launch(tool.base, { user: alice, roles: [ROLES.Learner], transformIdToken: jwt => jwt.slice(0, -4) + 'AAAA' })
  t.equal(mangled.launchResponse.status, 401)
  t.equal(tool.launches.length, 0)
})

t.test('Moodle quirk: login initiation by form POST, lti_message_hint required back', async t => {
  const platform = await startPlatform(t, { quirks: { postLoginInitiation: true } })
  const tool = await startFakeTool(t, platform)
  const result = await platform.launch(tool.base, {
    user: { sub: '7' },
    roles: [ROLES.Instructor],
    context: { id: 'C2', label: 'C2', title: 'Cours 2' },
    resourceLink: { id: 'rl-9' },
    custom: { section: 'A' }
  })
  t.equal(tool.logins[0]?.method, 'POST')
  t.equal(tool.logins[0]?.params.login_hint, '7')
  t.equal(result.launchResponse.status, 302)
  t.match(tool.launches[0]?.claims, {
    [CLAIMS.context]: { id: 'C2', title: 'Cours 2' },
    [CLAIMS.resourceLink]: { id: 'rl-9' },
    [CLAIMS.custom]: { section: 'A' },
    [CLAIMS.roles]: [ROLES.Instructor]
  })
  t.notOk('name' in (tool.launches[0]?.claims ?? {}), 'no name claim for a user without one')

  const careless = await startFakeTool(t, platform, { dropMessageHint: true })
  const error = await platform.launch(careless.base, { user: alice, roles: [ROLES.Learner] }).catch((e: unknown) => e)
  t.ok(error instanceof LaunchError)
  t.equal((error as LaunchError).stage, 'auth')
  t.equal((error as LaunchError).response.status, 400)
  t.match((error as LaunchError).body, /lti_message_hint is required/)
})

t.test('the auth endpoint validates the OIDC authentication request', async t => {
  const platform = await startPlatform(t)
  const tool = await startFakeTool(t, platform)
  // A login the tool refuses never reaches the platform.
  const refused = await platform.launch(tool.base, { user: alice, roles: [], loginUrl: `${tool.base}/nowhere` }).catch((e: unknown) => e)
  t.ok(refused instanceof LaunchError)
  t.equal((refused as LaunchError).stage, 'login')
  t.equal((refused as LaunchError).response.status, 404)

  const good = {
    response_type: 'id_token',
    response_mode: 'form_post',
    scope: 'openid',
    prompt: 'none',
    client_id: platform.clientId,
    redirect_uri: `${tool.base}/lti/launch`,
    login_hint: 'nobody',
    nonce: 'n',
    state: 's'
  }
  const cases: Array<[Partial<typeof good>, RegExp]> = [
    [{ response_type: 'code' }, /response_type/],
    [{ scope: 'openid profile' }, /scope/],
    [{ client_id: 'other' }, /client_id/],
    [{ nonce: '' }, /nonce/],
    [{ state: '' }, /state/],
    [{ redirect_uri: '' }, /redirect_uri/],
    [{ response_mode: 'query' }, /response_mode/],
    [{}, /login_hint/]
  ]
  for (const [change, reason] of cases) {
    const res = await fetch(`${platform.authUrl}?${new URLSearchParams({ ...good, ...change }).toString()}`)
    t.equal(res.status, 400, JSON.stringify(change))
    t.match(await res.text(), reason)
  }
})

t.test('token endpoint: client credentials with a JWT client assertion', async t => {
  const platform = await startPlatform(t)
  const tool = await startFakeTool(t, platform)

  const ok = await requestToken(platform, tool.key, [SCOPES.score, SCOPES.lineItem, 'https://example.org/unknown-scope'])
  t.equal(ok.status, 200)
  const grant = await ok.json() as Record<string, unknown>
  t.match(grant, { access_token: /\S{20,}/, token_type: 'Bearer', expires_in: 3600, scope: `${SCOPES.score} ${SCOPES.lineItem}` })
  t.match(platform.received.tokenRequests[0], {
    contentType: 'application/x-www-form-urlencoded',
    form: { grant_type: 'client_credentials', scope: /lineitem/ },
    assertionHeader: { alg: 'RS256', kid: tool.key.kid },
    assertionClaims: { iss: platform.clientId, sub: platform.clientId, aud: platform.tokenUrl },
    ok: true
  })

  const wrongAud = await requestToken(platform, tool.key, [SCOPES.score], { audience: `${platform.url}/elsewhere` })
  t.equal(wrongAud.status, 401)
  t.same(await wrongAud.json(), { error: 'invalid_client', error_description: 'unexpected "aud" claim value' })
  t.match(platform.received.tokenRequests[1], { ok: false, error: /invalid_client/ })

  const json = await requestToken(platform, tool.key, [SCOPES.score], { json: true })
  t.equal(json.status, 400)
  t.match(await json.json(), { error: 'invalid_request' })
  t.match(platform.received.tokenRequests[2], { contentType: 'application/json', ok: false, form: { grant_type: 'client_credentials' } })

  const stranger = await makeKey()
  t.equal((await requestToken(platform, stranger, [SCOPES.score])).status, 401, 'a key the tool does not publish')
  t.equal((await requestToken(platform, tool.key, ['openid'])).status, 400, 'no grantable scope')

  // Replaying the very same assertion is refused (jti already used).
  const replayed = await fetch(platform.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(platform.received.tokenRequests[0]?.form).toString()
  })
  t.equal(replayed.status, 401)
  t.match(await replayed.json(), { error_description: /jti/ })

  // Without the quirk, JSON bodies are accepted.
  const lenient = await startPlatform(t, { quirks: { formUrlEncodedTokenOnly: false }, toolJwksUrl: tool.jwksUrl })
  t.equal((await requestToken(lenient, tool.key, [SCOPES.score], { json: true })).status, 200)
})

async function exerciseAgs (t: Test, platform: SimulatedPlatform, tool: FakeTool): Promise<{ itemId: string, scoresUrl: string, resultsUrl: string }> {
  const token = await accessToken(platform, tool.key, [SCOPES.lineItem, SCOPES.lineItemReadonly, SCOPES.score, SCOPES.resultReadonly])
  const readOnly = await accessToken(platform, tool.key, [SCOPES.lineItemReadonly])

  const created = await fetch(platform.lineItemsUrl, {
    method: 'POST',
    headers: bearer(token, { 'content-type': MEDIA_TYPES.lineItem }),
    body: JSON.stringify({ label: 'Présence', scoreMaximum: 100, resourceLinkId: 'rl-1', tag: 'attendance' })
  })
  t.equal(created.status, 201)
  const item = await created.json() as { id: string, label: string }
  t.equal(item.label, 'Présence')
  t.same(platform.received.lineItemsCreated, [item])

  t.equal((await fetch(platform.lineItemsUrl, {
    method: 'POST', headers: bearer(readOnly, { 'content-type': MEDIA_TYPES.lineItem }), body: JSON.stringify({ label: 'x', scoreMaximum: 1 })
  })).status, 401, 'creating needs the lineitem scope')
  t.equal((await fetch(platform.lineItemsUrl, {
    method: 'POST', headers: bearer(token, { 'content-type': MEDIA_TYPES.lineItem }), body: JSON.stringify({ label: 'x' })
  })).status, 400, 'scoreMaximum is required')
  t.equal((await fetch(platform.lineItemsUrl)).status, 401, 'no token')

  const listUrl = new URL(platform.lineItemsUrl)
  listUrl.searchParams.set('resource_link_id', 'rl-1')
  const list = await fetch(listUrl, { headers: bearer(readOnly, { accept: MEDIA_TYPES.lineItemContainer }) })
  t.equal(list.status, 200)
  t.match(list.headers.get('content-type'), MEDIA_TYPES.lineItemContainer)
  t.same(await list.json(), [item])
  listUrl.searchParams.set('tag', 'other')
  t.same(await (await fetch(listUrl, { headers: bearer(readOnly) })).json(), [])

  const [path, query = ''] = item.id.split('?')
  const scoresUrl = `${path ?? ''}/scores${query === '' ? '' : `?${query}`}`
  const resultsUrl = `${path ?? ''}/results${query === '' ? '' : `?${query}`}`
  const score = (userId: string, scoreGiven: number, timestamp: string): RequestInit => ({
    method: 'POST',
    headers: bearer(token, { 'content-type': MEDIA_TYPES.score }),
    body: JSON.stringify({ userId, scoreGiven, scoreMaximum: 100, comment: 'Bravo', timestamp, activityProgress: 'Completed', gradingProgress: 'FullyGraded' })
  })
  t.equal((await fetch(scoresUrl, score('user-42', 50, '2025-10-01T10:00:00.000Z'))).status, 204)
  t.equal((await fetch(scoresUrl, score('user-42', 80, '2025-10-01T11:00:00.000Z'))).status, 204)
  t.equal((await fetch(scoresUrl, score('user-43', 60, '2025-10-01T10:30:00.000Z'))).status, 204)
  t.equal((await fetch(scoresUrl, { ...score('user-43', 60, 'yesterday') })).status, 400, 'timestamp must be a date')
  t.equal((await fetch(scoresUrl, { ...score('user-43', 60, '2025-10-01T10:30:00.000Z'), headers: bearer(readOnly, { 'content-type': MEDIA_TYPES.score }) })).status, 401)
  t.equal(platform.received.scores.length, 3)
  t.match(platform.received.scores[0], { lineItemUrl: item.id, authorization: `Bearer ${token}`, body: { userId: 'user-42', scoreGiven: 50, activityProgress: 'Completed' } })
  t.ok(platform.received.scores[0]?.receivedAt instanceof Date)

  const results = await fetch(resultsUrl, { headers: bearer(token, { accept: MEDIA_TYPES.resultContainer }) })
  t.equal(results.status, 200)
  t.match(await results.json(), [
    { userId: 'user-42', resultScore: 80, resultMaximum: 100, scoreOf: item.id, comment: 'Bravo' },
    { userId: 'user-43', resultScore: 60 }
  ])
  t.equal((await fetch(resultsUrl, { headers: bearer(readOnly) })).status, 401, 'results need result.readonly')
  const single = await fetch(item.id, { headers: bearer(readOnly) })
  t.same(await single.json(), item)
  return { itemId: item.id, scoresUrl, resultsUrl }
}

t.test('AGS: line items, scores, results', async t => {
  const platform = await startPlatform(t)
  const tool = await startFakeTool(t, platform)
  t.equal(platform.lineItemsUrl, `${platform.url}/lineitems`)
  const { itemId, scoresUrl } = await exerciseAgs(t, platform, tool)
  t.equal(itemId, `${platform.url}/lineitems/1`)
  t.equal(scoresUrl, `${platform.url}/lineitems/1/scores`)
  const added = platform.addLineItem({ label: 'Synthèse', scoreMaximum: 10, resourceLinkId: 'rl-2' })
  t.equal(added, `${platform.url}/lineitems/2`)
  t.equal(platform.lineItems().length, 2)
})

t.test('AGS with the Moodle query-string line item URLs', async t => {
  const platform = await startPlatform(t, { quirks: { queryStringLineItems: true } })
  const tool = await startFakeTool(t, platform)
  t.equal(platform.lineItemsUrl, `${platform.url}/lineitems?type_id=1`)
  const { itemId, scoresUrl, resultsUrl } = await exerciseAgs(t, platform, tool)
  t.equal(itemId, `${platform.url}/lineitems/1/lineitem?type_id=1`)
  t.equal(scoresUrl, `${platform.url}/lineitems/1/lineitem/scores?type_id=1`)
  t.equal(resultsUrl, `${platform.url}/lineitems/1/lineitem/results?type_id=1`)

  // A tool that appends `/scores` to the whole id (query string included) gets a 400.
  const token = platform.issueToken([SCOPES.score])
  const naive = await fetch(`${itemId}/scores`, {
    method: 'POST',
    headers: bearer(token, { 'content-type': MEDIA_TYPES.score }),
    body: JSON.stringify({ userId: 'u', timestamp: new Date().toISOString(), activityProgress: 'Completed', gradingProgress: 'FullyGraded' })
  })
  t.equal(naive.status, 400)
  t.match(await naive.json(), { reason: /type_id/ })
})

t.test('NRPS: context membership paged with Link rel="next"', async t => {
  const platform = await startPlatform(t)
  const tool = await startFakeTool(t, platform)
  const members = Array.from({ length: 7 }, (_, i) => ({
    user_id: `u${i + 1}`,
    roles: [i === 0 ? ROLES.Instructor : ROLES.Learner],
    name: `Personne ${i + 1}`,
    email: `p${i + 1}@example.org`,
    status: 'Active' as const
  }))
  platform.setMembers(members, 3)

  t.equal((await fetch(platform.membershipsUrl)).status, 401)
  const wrongScope = await accessToken(platform, tool.key, [SCOPES.score])
  t.equal((await fetch(platform.membershipsUrl, { headers: bearer(wrongScope) })).status, 401)

  const token = await accessToken(platform, tool.key, [SCOPES.contextMembershipReadonly])
  const pages: Array<{ members: Array<{ user_id: string }>, context: unknown }> = []
  let next: string | undefined = platform.membershipsUrl
  while (next !== undefined && pages.length < 10) {
    const res: Response = await fetch(next, { headers: bearer(token, { accept: MEDIA_TYPES.membershipContainer }) })
    t.equal(res.status, 200)
    t.match(res.headers.get('content-type'), MEDIA_TYPES.membershipContainer)
    pages.push(await res.json() as { members: Array<{ user_id: string }>, context: unknown })
    next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1]
  }
  t.equal(pages.length, 3)
  t.same(pages.map(p => p.members.length), [3, 3, 1])
  t.same(pages.flatMap(p => p.members.map(m => m.user_id)), members.map(m => m.user_id))
  t.same(pages[0]?.context, { id: 'ENP7009-A2025', label: 'ENP7009', title: 'Mobilisation des acteurs locaux' })
  t.match(pages[0]?.members[0], { user_id: 'u1', roles: [ROLES.Instructor], name: 'Personne 1', status: 'Active' })

  const instructors = await fetch(`${platform.membershipsUrl}?role=Instructor`, { headers: bearer(token) })
  t.same(((await instructors.json()) as { members: unknown[] }).members.length, 1)
  t.equal(instructors.headers.get('link'), null)
})

t.test('services down answer 503, then recover', async t => {
  const platform = await startPlatform(t)
  const tool = await startFakeTool(t, platform)
  const token = await accessToken(platform, tool.key, [SCOPES.lineItem, SCOPES.contextMembershipReadonly])
  platform.setServicesDown(true)
  t.equal((await requestToken(platform, tool.key, [SCOPES.score])).status, 503)
  t.equal((await fetch(platform.lineItemsUrl, { headers: bearer(token) })).status, 503)
  t.equal((await fetch(platform.membershipsUrl, { headers: bearer(token) })).status, 503)
  t.equal((await fetch(platform.jwksUrl)).status, 200, 'the JWKS stays up')
  const launched = await platform.launch(tool.base, { user: alice, roles: [ROLES.Learner] })
  t.equal(launched.launchResponse.status, 302, 'launches still work')
  platform.setServicesDown(false)
  t.equal((await fetch(platform.lineItemsUrl, { headers: bearer(token) })).status, 200)
  t.equal((await fetch(platform.membershipsUrl, { headers: bearer(token) })).status, 200)
  t.match(platform.received.requests.filter(r => r.status === 503).map(r => r.url), [/\/token$/, /\/lineitems$/, /memberships$/])
})

t.test('deep linking: request claims and a verified response', async t => {
  const platform = await startPlatform(t, { issuer: 'https://canvas.instructure.com' })
  const tool = await startFakeTool(t, platform)
  const result = await platform.launch(tool.base, { user: alice, roles: [ROLES.Instructor], messageType: 'LtiDeepLinkingRequest' })
  t.equal(result.launchResponse.status, 302)
  const claims = tool.launches[0]?.claims ?? {}
  t.equal(claims.iss, 'https://canvas.instructure.com')
  t.equal(claims[CLAIMS.messageType], 'LtiDeepLinkingRequest')
  t.notOk(CLAIMS.resourceLink in claims, 'no resource_link claim in a deep-linking request')
  t.match(claims[CLAIMS.deepLinkingSettings], {
    deep_link_return_url: platform.deepLinkReturnUrl,
    accept_types: ['ltiResourceLink'],
    accept_presentation_document_targets: ['iframe', 'window'],
    accept_multiple: true,
    data: 'opaque-data'
  })
  const settings = claims[CLAIMS.deepLinkingSettings] as { deep_link_return_url: string, data: string }

  const respond = async (mutate: (payload: Record<string, unknown>) => void = () => {}): Promise<Response> => {
    const payload: Record<string, unknown> = {
      nonce: randomUUID(),
      [CLAIMS.messageType]: 'LtiDeepLinkingResponse',
      [CLAIMS.version]: '1.3.0',
      [CLAIMS.deploymentId]: String(claims[CLAIMS.deploymentId]),
      [CLAIMS.deepLinkingData]: settings.data,
      [CLAIMS.deepLinkingContentItems]: [{ type: 'ltiResourceLink', title: 'Compagnon', url: `${tool.base}/lti/launch` }]
    }
    mutate(payload)
    const jwt = await new SignJWT(payload as JWTPayload)
      .setProtectedHeader({ alg: 'RS256', kid: tool.key.kid })
      .setIssuer(platform.clientId).setAudience(platform.issuer).setIssuedAt().setExpirationTime('5m')
      .sign(tool.key.privateKey)
    // As a browser would submit the tool's auto-post form.
    const html = `<form method="post" action="${settings.deep_link_return_url}"><input type="hidden" name="JWT" value="${jwt}"></form>`
    const form = parseAutoPostForm(html)
    t.equal(form.method, 'post')
    return await fetch(form.action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form.fields).toString() })
  }

  const ok = await respond()
  t.equal(ok.status, 200)
  t.match(await ok.text(), /ok/)
  t.equal(platform.received.deepLinkResponses.length, 1)
  t.match(platform.received.deepLinkResponses[0]?.claims, { iss: platform.clientId, aud: 'https://canvas.instructure.com', [CLAIMS.deepLinkingContentItems]: [{ type: 'ltiResourceLink' }] })

  const wrongType = await respond(p => { p[CLAIMS.messageType] = 'LtiResourceLinkRequest' })
  t.equal(wrongType.status, 400)
  t.match(await wrongType.text(), /message_type/)
  const noNonce = await respond(p => { delete p.nonce })
  t.equal(noNonce.status, 400)
  const otherDeployment = await respond(p => { p[CLAIMS.deploymentId] = '42' })
  t.equal(otherDeployment.status, 400)
  t.match(await otherDeployment.text(), /deployment_id/)
  t.equal(platform.received.deepLinkResponses.length, 1)
  t.equal(platform.received.deepLinkRejections.length, 3)
})

t.test('registration data and the JWKS document', async t => {
  const platform = await startPlatform(t, { clientId: 'abc', deploymentId: 'd-7' })
  t.same(platform.registration(), {
    issuer: platform.url,
    clientId: 'abc',
    deploymentId: 'd-7',
    authUrl: `${platform.url}/auth`,
    tokenUrl: `${platform.url}/token`,
    jwksUrl: `${platform.url}/jwks`,
    name: 'Simulated Moodle'
  })
  const jwks = await (await fetch(platform.jwksUrl)).json() as { keys: Array<Record<string, unknown>> }
  t.equal(jwks.keys.length, 1)
  t.match(jwks.keys[0], { kty: 'RSA', kid: platform.kid, alg: 'RS256', use: 'sig', n: String, e: 'AQAB' })
  t.notOk('d' in (jwks.keys[0] ?? {}), 'no private part')
  t.equal((await fetch(`${platform.url}/nope`)).status, 404)
})

t.test('CookieJar behaves like a minimal browser jar', async t => {
  const jar = new CookieJar()
  jar.setCookie('a=1; Path=/; HttpOnly')
  jar.setCookie('b=x=y; SameSite=None; Secure')
  t.equal(jar.header(), 'a=1; b=x=y')
  jar.setCookie('a=; Max-Age=0')
  jar.setCookie(`b=gone; Expires=${new Date(Date.now() - 1000).toUTCString()}`)
  jar.setCookie(`c=3; Expires=${new Date(Date.now() + 60_000).toUTCString()}`)
  t.equal(jar.header(), 'c=3')
  t.equal(jar.get('c'), '3')
  t.equal(jar.get('a'), undefined)
  const copy = jar.clone()
  copy.set('d', '4')
  t.same(jar.names(), ['c'])
  t.same(copy.names(), ['c', 'd'])
})
