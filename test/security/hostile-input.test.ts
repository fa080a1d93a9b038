// Hostile input at every route the app registers (discovered, not listed: a new route is covered
// the day it is added). Each route gets a batch of requests its own validators refuse —
// malformed, oversized, wrongly typed, unicode-heavy and injection-shaped params, query strings
// and bodies — and must answer every one with a 4xx, quickly, without a trace, and without a
// row written anywhere (every table counted before and after the batch). Then a batch shaped as
// the schemas ask, with hostile text in every free-text field: never a 5xx.
// Reproduce a failure: HOSTILE_SEED=<seed printed> [HOSTILE_ROUTE='<METHOD /url>'] npx tap test/security/hostile-input.test.ts
import { parse as parseQuery } from 'node:querystring'
import t, { type Test } from 'tap'
import fc from 'fast-check'
import {
  BROKEN_BODIES, callerFor, changedTables, clockFor, fillPath, formEncode, hostileSegment, hostileWorld, installWriteLog, invalidFor, settle, within, pct, plausibleFor, refuses, send, validParams,
  type Caller, type RouteInfo, type Shot
} from '../helpers/hostile.js'
import { countRows } from '../helpers/rows.js'

const SEED = Number(process.env.HOSTILE_SEED ?? 20251021)
const ONLY = process.env.HOSTILE_ROUTE
/** Cases per route: enough to touch every kind of bad input over a few CI runs, small enough for ~1 s per ten routes. */
const INVALID_RUNS = Number(process.env.HOSTILE_RUNS ?? 8)
const PLAUSIBLE_RUNS = Math.max(2, Math.round(INVALID_RUNS / 2))

const world = await hostileWorld(t)
// Work the app does once, on its first requests (the credential signing key), before the log starts.
await world.app.inject({ url: '/.well-known/jwks.json' })
const writes = await installWriteLog(world.database.db, world.tables)
const ids = [world.eventId, world.contextId, world.sessionId, world.slotId, world.ana.id, world.prof.id]

/**
 * Routes whose answer to a well-formed request with any path parameter is a page by design,
 * with the reason. Every other route answers a parameter it does not know with a 4xx.
 */
const ANY_PARAM_IS_AN_ANSWER: Record<string, string> = {
  'GET /pass/:code': 'a pass QR opened by a phone camera explains what a pass is, whatever the code; nothing is looked up'
}

const kindOf = (route: RouteInfo): 'api' | 'page' => route.url.startsWith('/api/') ? 'api' : 'page'
const unsafe = (route: RouteInfo): boolean => !['GET', 'HEAD', 'OPTIONS'].includes(route.method)
const readsMultipart = (route: RouteInfo): boolean => route.consumes.includes('multipart/form-data')
// Stack frames, file paths, PostgreSQL's own messages.
const leaks = (body: string): boolean => /node_modules\/|\n\s+at [\w.<>]+ \(|\.[tj]s:\d+:\d+|syntax error at or near|invalid input syntax for|violates [a-z ]+constraint|relation &quot;|relation "|duplicate key value/i.test(body)

/**
 * What a batch left behind: updates, and inserts not matched by as many deletes in the same
 * table (a streamed upload that fails stores its first chunks, then removes them).
 */
function lasting (written: string[]): string[] {
  const n = new Map<string, number>()
  for (const line of written) {
    const [table, op, times] = line.split(' ') as [string, string, string]
    const count = Number(times.slice(1))
    if (op === 'UPDATE') n.set(`${table} UPDATE`, count)
    else n.set(table, (n.get(table) ?? 0) + (op === 'INSERT' ? count : -count))
  }
  return [...n].filter(([, v]) => v !== 0).map(([k, v]) => `${k} ${v > 0 ? '+' : ''}${v}`)
}

interface Case { label: string, shot: Shot }

/** Always refused, by the JSON parser: what a generated value the route would take becomes (never `.filter`: it may never end). */
const fallback = (shot: Shot): Case => ({ label: 'body: truncated JSON (fallback)', shot: { ...shot, contentType: 'application/json', payload: '{"a": "b' } })

/** Requests to `route` that its parsers or validators refuse (or that name nothing that exists). */
function invalidCases (route: RouteInfo): fc.Arbitrary<Case> {
  const valid = validParams(world)
  const base = (overrides: Partial<Shot> = {}): Shot => ({ method: route.method, path: fillPath(route.url, valid), ...overrides })
  const options: Array<fc.Arbitrary<Case>> = []

  // Path parameters: one hostile, the others valid.
  if (route.params.length > 0 && ANY_PARAM_IS_AN_ANSWER[`${route.method} ${route.url}`] === undefined) {
    options.push(fc.constantFrom(...route.params).chain(name => hostileSegment(decoded => {
      const candidate = { ...valid, [name]: decoded }
      return refuses(route, 'params', candidate) || route.schemas.params?.properties?.[name]?.pattern === undefined
    }).map(segment => ({ label: `param ${name}`, shot: base({ path: fillPath(route.url, { ...valid, [name]: '\u0001' }).replace(pct('\u0001'), segment).replace('\u0001', segment) }) }))))
  }

  // Query strings: a declared key with a value (or repeated values) its schema refuses.
  const query = route.schemas.query
  for (const [key, schema] of Object.entries(query?.properties ?? {})) {
    const bad = invalidFor(schema, true)
    if (bad === null) continue
    options.push(bad.map(value => {
      const raw = (Array.isArray(value) ? value : [value]).map(v => `${pct(key)}=${pct(String(v))}`).join('&')
      // A query the route would take stays refused by its path: a NUL where an id goes, or a path no route has.
      return refuses(route, 'query', { ...parseQuery(raw) }) ? { label: `query ${key}`, shot: base({ query: raw }) } : { label: 'query (fallback)', shot: base({ path: `${fillPath(route.url, valid)}/%00`, query: raw }) }
    }))
  }

  if (unsafe(route)) {
    // Bodies no parser takes, or that this route's schema refuses, or broken multipart forms.
    const broken = BROKEN_BODIES.filter(b => b.when === 'always' ||
      (b.when === 'multipart' && readsMultipart(route)) ||
      (b.when === 'validated' && route.validators.body !== undefined && (b.parsed === undefined || refuses(route, 'body', b.parsed))))
    options.push(fc.constantFrom(...broken).map(b => ({ label: `body: ${b.label}`, shot: base({ contentType: b.contentType, payload: b.payload }) })))
    const body = route.schemas.body
    const onlyOther = route.consumes.length > 0 && !route.consumes.includes('application/json')
    if (route.validators.body !== undefined || onlyOther) {
      // JSON of the wrong type as a whole, or with one field wrong (type, length, pattern, range), or extra fields.
      const wrong = fc.oneof(fc.constantFrom<unknown>([], 'text', 42, true, null, [{}]), invalidFor(body, false) ?? fc.constant<unknown>([]))
      options.push(wrong.map(v => onlyOther || refuses(route, 'body', JSON.parse(JSON.stringify(v)))
        ? { label: 'body: JSON refused by the schema', shot: base({ contentType: 'application/json', payload: JSON.stringify(v) }) }
        : fallback(base())))
    }
    if (kindOf(route) === 'page' && route.validators.body !== undefined) {
      // The same as a form would carry it (text only; repeated keys for arrays).
      const wrongForm = invalidFor(body, true)
      if (wrongForm !== null) {
        options.push(wrongForm.map(v => formEncode(v)).map(encoded => refuses(route, 'body', { ...parseQuery(encoded) })
          ? { label: 'body: form refused by the schema', shot: base({ contentType: 'application/x-www-form-urlencoded', payload: encoded }) }
          : fallback(base())))
      }
    }
  }
  if (options.length === 0) return fc.constant({ label: 'nothing to vary', shot: base({ path: `${fillPath(route.url, valid)}/%00` }) })
  return fc.oneof(...options)
}

/** Requests shaped as the schemas ask, with hostile text wherever text goes. */
function plausibleCases (route: RouteInfo): fc.Arbitrary<Case> | null {
  // Only where text or numbers go: a query of enums (?lang=fr) would just render the page again.
  const hasQuery = Object.values(route.schemas.query?.properties ?? {}).some(p => p.enum === undefined && p.const === undefined)
  const hasBody = unsafe(route) && route.validators.body !== undefined && route.consumes.length === 0
  if (!hasQuery && !hasBody) return null
  const query = hasQuery ? plausibleFor(route.schemas.query, ids) : fc.constant(undefined)
  const body = hasBody ? plausibleFor(route.schemas.body, ids) : fc.constant(undefined)
  return fc.tuple(query, body, fc.boolean()).map(([q, b, asForm]) => {
    const form = asForm && kindOf(route) === 'page'
    return {
      label: 'plausible',
      shot: {
        method: route.method,
        path: fillPath(route.url, validParams(world)),
        ...(q !== undefined ? { query: formEncode(q) } : {}),
        ...(b !== undefined ? { contentType: form ? 'application/x-www-form-urlencoded' : 'application/json', payload: form ? formEncode(b) : JSON.stringify(b) } : {})
      }
    }
  })
}

const describe = (c: Case, status: number, body: string): string => `${c.label}: ${c.shot.method} ${(c.shot.path + (c.shot.query !== undefined ? `?${c.shot.query}` : '')).slice(0, 300)}` +
  `${c.shot.contentType !== undefined ? ` [${c.shot.contentType}] ${String(c.shot.payload).slice(0, 200)}` : ''} → ${status} ${body.slice(0, 300)}`

const targets = world.routes.filter(r => !r.hidden && (ONLY === undefined || `${r.method} ${r.url}` === ONLY))

t.test('every route the app registers is under test', async t => {
  t.ok(world.routes.length > 100, `${world.routes.length} routes discovered from the app`)
  for (const path of ['/api/v1/events/:eventId', '/cours/synthese/:contextId/remise', '/api/v1/sessions/:sessionId/check-ins', '/auth/link']) {
    t.ok(world.routes.some(r => r.url === path), `found ${path}`)
  }
})

t.test('the write log sees every table, and every kind of write', async t => {
  const before = await countRows(world.database.db, world.tables)
  const mark = await writes.mark()
  const caller = await world.login('learner', world.ana.id)
  await world.database.db.updateTable('device_sessions').set({ user_agent: 'changed' }).where('id', '=', caller.deviceSessionId).execute()
  await world.database.db.deleteFrom('device_sessions').where('id', '=', caller.deviceSessionId).execute()
  t.same(await writes.since(mark), ['device_sessions DELETE ×1', 'device_sessions INSERT ×1', 'device_sessions UPDATE ×1'])
  t.same(changedTables(before, await countRows(world.database.db, world.tables)), [], 'and counting rows would have seen nothing')
  t.ok(world.tables.length > 40, `${world.tables.length} tables, from the catalog`)
})

/** Each route's own seed, from the run's seed and its name: HOSTILE_ROUTE alone replays it. */
const seedOf = (name: string): number => [...name].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) | 0, SEED)

for (const route of targets) {
  t.test(`${route.method} ${route.url}`, async t => {
    world.clock.set(clockFor(route))
    const kind = route.auth ?? kindOf(route)
    const named = route.auth === null ? null : callerFor(world, route)
    // Forms get a fresh device session: one that ends sessions (sign-out) cannot lock the next route out.
    const caller: Caller | null = named === null ? null : kind === 'page' && unsafe(route) ? await within(5000, 'a new device session', world.login(named.name, named.personId)) : named
    const seed = seedOf(`${route.method} ${route.url}`)
    const statuses = new Map<number, number>()

    await settle(world.services)
    const mark = await within(5000, 'the database, after the previous route', writes.mark())
    await check(t, seed, 'refused input: a 4xx, no trace, nothing written', invalidCases(route), INVALID_RUNS, async c => {
      if (process.env.HOSTILE_DEBUG !== undefined) console.error(describe(c, 0, ''))
      const res = await send(world, caller, kind, c.shot)
      if (process.env.HOSTILE_DEBUG !== undefined) console.error(`  → ${res.statusCode}`)
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
      if (res.statusCode < 400 || res.statusCode >= 500) throw new Error(`expected a 4xx — ${describe(c, res.statusCode, res.body)}`)
      if (caller !== null && res.statusCode === 401) throw new Error(`the caller's session was refused: the input never reached validation — ${describe(c, res.statusCode, res.body)}`)
      if (leaks(res.body)) throw new Error(`the answer leaks internals — ${describe(c, res.statusCode, res.body)}`)
    })
    await settle(world.services)
    const written = await within(5000, 'the database, after the refused input', writes.since(mark))
    t.same(lasting(written), [], 'no row left inserted, updated or deleted by refused input')
    if (written.length > 0) t.comment(`written and undone within the batch: ${written.join(', ')}`)
    t.comment(`statuses: ${[...statuses].map(([s, n]) => `${s}×${n}`).join(' ')}`)

    const plausible = plausibleCases(route)
    if (plausible !== null) {
      await check(t, seed, 'schema-shaped input with hostile text: never a 5xx', plausible, PLAUSIBLE_RUNS, async c => {
        const res = await send(world, caller, kind, c.shot)
        if (res.statusCode >= 500) throw new Error(`a 5xx — ${describe(c, res.statusCode, res.body)}`)
        if (leaks(res.body)) throw new Error(`the answer leaks internals — ${describe(c, res.statusCode, res.body)}`)
      })
    }
  })
}

// PostgreSQL cannot store U+0000 in text: the error handler turns its refusal (22021, 22P05) into a 400.
t.test('NUL in text that passes the schemas is refused with a 4xx, not a 500', async t => {
  const nul = '\u0000'.repeat(4)
  const requests: Array<[Caller, 'api' | 'page', Shot]> = [
    [world.callers.learner, 'page', { method: 'PUT', path: `/cours/synthese/${world.contextId}/brouillon`, contentType: 'application/json', payload: JSON.stringify({ text: `Ma synthèse${nul}` }) }],
    [world.callers.learner, 'api', { method: 'PUT', path: `/api/v1/courses/${world.contextId}/synthesis/draft`, contentType: 'application/json', payload: JSON.stringify({ text: `Ma synthèse${nul}` }) }],
    [world.callers.organizer, 'page', { method: 'POST', path: '/organisateurs/plateformes/statut', contentType: 'application/json', payload: JSON.stringify({ issuer: nul, clientId: 'x', action: 'approve' }) }],
    [world.callers.organizer, 'api', { method: 'GET', path: `/api/v1/events/${world.eventId}/privacy/erasures/people`, query: `q=${pct(nul)}` }]
  ]
  world.clock.set(clockFor({ url: '/synthese' }))
  // The course's hand-in settings are created on first use: not by the requests below.
  await send(world, world.callers.learner, 'api', { method: 'GET', path: `/api/v1/courses/${world.contextId}/synthesis` })
  for (const [caller, kind, shot] of requests) {
    await settle(world.services)
    const mark = await writes.mark()
    const res = await send(world, caller, kind, shot)
    await settle(world.services)
    // 400 where the text reaches PostgreSQL (22021 → our message); a lookup by it may also find nothing (404).
    t.ok(res.statusCode === 400 || res.statusCode === 404, `${shot.method} ${shot.path}: 4xx (${res.statusCode}) ${res.body.slice(0, 200)}`)
    t.same(lasting(await writes.since(mark)), [], 'nothing written')
  }
})

/** One fast-check property; on failure, the seed and route to reproduce it. */
async function check (t: Test, seed: number, name: string, cases: fc.Arbitrary<Case>, numRuns: number, run: (c: Case) => Promise<void>): Promise<void> {
  const result = await fc.check(fc.asyncProperty(cases, run), { numRuns, seed, endOnFailure: true })
  if (result.failed) {
    const reason = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance)
    t.fail(`${name}: ${reason}`, { seed: SEED, routeSeed: seed, path: result.counterexamplePath, reproduce: `HOSTILE_SEED=${SEED} HOSTILE_ROUTE='${(t.name)}' npx tap test/security/hostile-input.test.ts` })
  } else {
    t.pass(`${name} (${result.numRuns} cases)`)
  }
}
