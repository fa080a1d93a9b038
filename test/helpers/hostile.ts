// The hostile-input suite's parts (test/security/hostile-*.test.ts): every route of the app as
// the app itself declares it, callers who pass authentication and authorization, one function
// that sends every request, row counts of every table, and fast-check arbitraries of bad input
// derived from each route's own zod schemas (as JSON Schema).
import { channel } from 'node:diagnostics_channel'
import { randomUUID } from 'node:crypto'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import fc from 'fast-check'
import { sql, type Kysely } from 'kysely'
import { z } from 'zod'
import { FixedClock } from '../../src/clock.js'
import type { AccessRule } from '../../src/access/plugin.js'
import { DURING_EVENT, testApp, type TestApp } from './app.js'
import { ROLES, startPlatform, type SimulatedPlatform } from './lti-platform.js'
import { given, type Role } from './given.js'
import { friday } from './synthesis.js'
import { rowDeltas } from './rows.js'

// ---------------------------------------------------------------------------------------------
// Routes, as the app registers them

/** A JSON Schema (draft 2020-12) as zod writes it; only the keywords the arbitraries read. */
export interface JsonSchema {
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  additionalProperties?: boolean | JsonSchema
  items?: JsonSchema
  minItems?: number
  maxItems?: number
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  exclusiveMaximum?: number
  pattern?: string
  format?: string
  enum?: unknown[]
  const?: unknown
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  allOf?: JsonSchema[]
  default?: unknown
  $ref?: string
  $defs?: Record<string, JsonSchema>
}

export interface RouteInfo {
  method: string
  url: string
  /** Path parameter names, in order. */
  params: string[]
  /** Who the route lets in: a bearer token (API), a page session (cookie), or anyone. */
  auth: 'api' | 'page' | null
  /** The access policy is asked about an action (preHandler, after validation): src/access/plugin.ts. */
  roleChecked: boolean
  consumes: string[]
  schemas: { params?: JsonSchema, query?: JsonSchema, body?: JsonSchema }
  /** The route's own validators (zod): whether a value would pass validation, exactly. */
  validators: { params?: z.ZodType, query?: z.ZodType, body?: z.ZodType }
  hidden: boolean
}

/** Whether the route's validator for this part refuses the value (false when the part is not validated). */
export function refuses (route: RouteInfo, part: keyof RouteInfo['validators'], value: unknown): boolean {
  const validator = route.validators[part]
  return validator !== undefined && !validator.safeParse(value).success
}

/** A route schema as JSON Schema: zod schemas are converted (input side), plain ones kept. */
function jsonSchemaOf (schema: unknown): JsonSchema | undefined {
  if (schema === undefined || schema === null) return undefined
  if (typeof schema === 'object' && '_zod' in schema) {
    return derefAll(z.toJSONSchema(schema as z.ZodType, { io: 'input', unrepresentable: 'any' }) as JsonSchema)
  }
  return schema as JsonSchema
}

const zodOf = (schema: unknown): z.ZodType | undefined =>
  typeof schema === 'object' && schema !== null && '_zod' in schema ? schema as z.ZodType : undefined

/** Inlines `$ref: #/$defs/...` (recursive definitions stop after a few levels). */
function derefAll (root: JsonSchema): JsonSchema {
  const defs = root.$defs ?? {}
  const walk = (node: unknown, depth: number): unknown => {
    if (Array.isArray(node)) return node.map(n => walk(n, depth))
    if (node === null || typeof node !== 'object') return node
    const obj = node as Record<string, unknown>
    if (typeof obj.$ref === 'string') {
      const target = defs[obj.$ref.replace('#/$defs/', '')]
      return depth > 4 || target === undefined ? {} : walk(target, depth + 1)
    }
    return Object.fromEntries(Object.entries(obj).filter(([k]) => k !== '$defs' && k !== '$schema').map(([k, v]) => [k, walk(v, depth)]))
  }
  return walk(root, 0) as JsonSchema
}

/**
 * Records every route the next app built in this process registers: Fastify publishes each new
 * instance on the `fastify.initialization` diagnostics channel, before any plugin is added, so
 * an `onRoute` hook there sees every route, including those added after this suite was written.
 */
export function recordRoutes (): { routes: RouteInfo[], stop: () => void } {
  const routes: RouteInfo[] = []
  const onInit = (message: unknown): void => {
    const { fastify } = message as { fastify: FastifyInstance }
    fastify.addHook('onRoute', (route) => {
      const schema = (route.schema ?? {}) as { params?: unknown, querystring?: unknown, body?: unknown, consumes?: string[], hide?: boolean }
      const access = (route.config as { access?: AccessRule } | undefined)?.access
      const needsSession = access !== undefined && !('public' in access)
      for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
        if (method === 'HEAD' && route.url !== undefined) continue
        routes.push({
          method,
          url: route.url ?? route.path,
          params: [...(route.url ?? '').matchAll(/:([A-Za-z0-9_]+)/g)].map(m => m[1]!),
          auth: needsSession ? (access.auth ?? ((route.url ?? '').startsWith('/api/') ? 'api' : 'page')) : null,
          roleChecked: access !== undefined && 'action' in access,
          consumes: schema.consumes ?? [],
          schemas: { params: jsonSchemaOf(schema.params), query: jsonSchemaOf(schema.querystring), body: jsonSchemaOf(schema.body) },
          validators: { params: zodOf(schema.params), query: zodOf(schema.querystring), body: zodOf(schema.body) },
          hidden: schema.hide === true
        })
      }
    })
  }
  const initialization = channel('fastify.initialization')
  initialization.subscribe(onInit)
  return { routes, stop: () => { initialization.unsubscribe(onInit) } }
}

// ---------------------------------------------------------------------------------------------
// The world: one app, one database, callers of every role the routes need

export interface Caller {
  name: 'organizer' | 'door' | 'instructor' | 'learner'
  personId: string
  /** `Bearer <jwt>` for /api/v1. */
  bearer: string
  /** Cookie header of a signed-in browser (session JWT + signed device cookie, plus the CSRF cookie once read). */
  cookie: string
  deviceSessionId: string
  /** The CSRF token our pages carry for this browser, once read (undefined: not read yet; null: pages carry none). */
  csrf?: string | null
}

export interface HostileWorld extends TestApp {
  routes: RouteInfo[]
  eventId: string
  eventKey: string
  /** The course ENP7009 (an LTI context tied to the event) and its instructor and learners. */
  contextId: string
  prof: { id: string }
  ana: { id: string }
  /** An in-person session open for check-in at DURING_EVENT. */
  sessionId: string
  slotId: string
  callers: Record<Caller['name'], Caller>
  /** A new device session for a person (fresh cookies, bearer and CSRF token). */
  login: (name: Caller['name'], personId: string) => Promise<Caller>
  /** Every base table of the schema, read from the catalog once (new tables are included). */
  tables: string[]
  /** With `platform: true`: the app listening on 127.0.0.1 and the LMS simulator registered with it. */
  base?: string
  platform?: SimulatedPlatform
}

const parseSetCookie = (setCookie: string): [string, string] => {
  const pair = setCookie.split(';')[0] ?? ''
  const i = pair.indexOf('=')
  return [pair.slice(0, i), pair.slice(i + 1)]
}

/**
 * The 2025 program with the course ENP7009 (an instructor and a credited learner on its LMS
 * roster), an organizer and door staff of the event; each caller with a real device session.
 * The clock is DURING_EVENT (Tuesday 10:00), with a session open. With `platform`, the course
 * comes from the LMS simulator, registered with the app (real id_tokens can be launched).
 */
export async function hostileWorld (t: Parameters<typeof testApp>[0], options: { platform?: boolean } = {}): Promise<HostileWorld> {
  const recorder = recordRoutes()
  let ctx: TestApp
  try {
    ctx = await testApp(t, { clock: new FixedClock(DURING_EVENT) })
  } finally {
    recorder.stop()
  }
  const db = ctx.database.db
  let base: string | undefined
  let platform: SimulatedPlatform | undefined
  let lms = { issuer: 'https://moodle.hostile.example', clientId: 'compagnon-client', deploymentId: '1' }
  if (options.platform === true) {
    base = await ctx.app.listen({ host: '127.0.0.1', port: 0 })
    platform = await startPlatform(t)
    platform.setTool({ jwksUrl: `${base}/lti/keys` })
    const { deploymentId, ...reg } = platform.registration()
    await ctx.services.lti.registerPlatform({ ...reg, deploymentIds: [deploymentId] })
    lms = { issuer: platform.issuer, clientId: platform.clientId, deploymentId }
  }
  const [event] = await ctx.services.program.listEvents()
  const eventId = event!.id
  const g = given(ctx)
  const contextId = await g.course({
    issuer: lms.issuer,
    clientId: lms.clientId,
    deploymentId: lms.deploymentId,
    contextId: 'ENP7009-A2025',
    title: 'Mobilisation des acteurs locaux',
    event: eventId,
    lineItemsUrl: platform?.lineItemsUrl ?? null
  })
  const register = async (name: string, role: Role, ltiRole?: string): Promise<string> => {
    const person = g.as(role, { name, email: `${name.toLowerCase()}@hostile.example`, event: eventId })
    return (await (ltiRole === undefined ? person : person.onRoster(contextId, { sub: `moodle-${name.toLowerCase()}`, roles: [ltiRole] }))).id
  }
  const ids = {
    organizer: await register('Olga', 'organizer'),
    door: await register('Denis', 'door_staff'),
    instructor: await register('Elise', 'instructor', ROLES.Instructor),
    learner: await register('Anais', 'credited_student', ROLES.Learner)
  }

  const login = async (name: Caller['name'], personId: string): Promise<Caller> => {
    const device = await ctx.services.people.openDeviceSession(personId, 'hostile-input')
    const cookie = ctx.app.deviceSessionCookies(device).map(parseSetCookie).map(([k, v]) => `${k}=${v}`).join('; ')
    return {
      name,
      personId,
      bearer: `Bearer ${ctx.app.jwt.sign({ sub: personId, sid: device.deviceSessionId })}`,
      cookie,
      deviceSessionId: device.deviceSessionId
    }
  }
  const callers = {
    organizer: await login('organizer', ids.organizer),
    door: await login('door', ids.door),
    instructor: await login('instructor', ids.instructor),
    learner: await login('learner', ids.learner)
  }

  const open = (await ctx.services.attendance.openSessions()).find(s => s.event_id === eventId)
  if (open === undefined) throw new Error('no session open for check-in at DURING_EVENT')
  const slot = await db.selectFrom('sessions').select('slot_id').where('id', '=', open.id).executeTakeFirstOrThrow()
  const tables = (await sql<{ table_name: string }>`select table_name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`.execute(db)).rows.map(r => r.table_name)
    // The shared request counters (PostgreSQL): counting refused requests is what a limit is for.
    .filter(name => name !== 'rate_limit_counters')
  return {
    ...ctx,
    routes: recorder.routes,
    eventId,
    eventKey: event!.key,
    contextId,
    prof: { id: ids.instructor },
    ana: { id: ids.learner },
    sessionId: open.id,
    slotId: slot.slot_id,
    callers,
    login,
    tables,
    ...(base !== undefined ? { base } : {}),
    ...(platform !== undefined ? { platform } : {})
  }
}

/** Friday 10:00 (the synthesis hand-in window) for course synthesis routes; Tuesday 10:00 otherwise. */
export function clockFor (route: Pick<RouteInfo, 'url'>): Date {
  return /synthes/.test(route.url) ? friday('10:00') : new Date(DURING_EVENT)
}

// The caller whose roles let a request through authorization, so bad input reaches validation
// and the handler: first match wins; organizers by default (they hold the event's routes).
const CALLER_RULES: Array<[RegExp, Caller['name']]> = [
  [/^\/api\/v1\/courses\/:contextId\/synthesis\/(draft|submissions(\/mine)?)$/, 'learner'],
  [/^\/cours\/synthese\/:contextId(\/(remise|brouillon|recu\/:submissionId))?$/, 'learner'],
  [/^\/(api\/v1\/courses|cours)\//, 'instructor'],
  [/^\/(synthese|moi|cours|attestation|presence|auth\/telephone|auth\/sign-out)(\/|$)(?!seance)/, 'learner'],
  [/^\/api\/v1\/(me|check-ins)(\/|$)/, 'learner'],
  [/^\/api\/v1\/events\/:eventId\/attestation(\/request)?$/, 'learner'],
  [/^\/api\/v1\/sessions\/:sessionId\/check-ins$/, 'learner'],
  [/^\/accueil|\/scans$/, 'door']
]
export function callerFor (world: HostileWorld, route: Pick<RouteInfo, 'url'>): Caller {
  const name = CALLER_RULES.find(([re]) => re.test(route.url))?.[1] ?? 'organizer'
  return world.callers[name]
}

/** A valid value for each path parameter the fixtures know; a fresh UUID for any other. */
export function validParams (world: HostileWorld): Record<string, string> {
  return {
    eventId: world.eventId,
    eventKey: world.eventKey,
    contextId: world.contextId,
    sessionId: world.sessionId,
    personId: world.ana.id,
    position: '0',
    token: 'A'.repeat(43)
  }
}

export function fillPath (url: string, values: Record<string, string>): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => values[name] ?? randomUUID())
}

// ---------------------------------------------------------------------------------------------
// The request driver: every request of the suite goes through `send`

export interface Shot {
  method: string
  /** Path, already percent-encoded (hostile segments are encoded, or deliberately not). */
  path: string
  /** Raw query string, without '?'. */
  query?: string
  headers?: Record<string, string>
  payload?: string | Buffer
  contentType?: string
}

/** The answer must come within this time (a hang fails the case; no request here waits on anything). */
export const ANSWER_WITHIN_MS = 10_000

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS'])

/** The promise's value, or a failure naming what never finished (a request, or the database left blocked). */
export async function within<T> (ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const hang = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => { reject(new Error(`${what}: no answer within ${ms} ms`)) }, ms) })
  try {
    return await Promise.race([promise, hang])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * The one place that decides how a caller's request is authenticated: API routes get the
 * bearer token; pages get the browser's cookies, `Sec-Fetch-Site: same-origin` (our own forms),
 * and, for unsafe methods, the CSRF token our pages carry (read once per device session from a
 * page, as a browser would; sent as X-CSRF-Token so it survives any body, even a broken one).
 */
export async function send (world: HostileWorld, caller: Caller | null, kind: 'api' | 'page' | null, shot: Shot): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = {}
  if (kind === 'page') {
    headers.accept = 'text/html'
    headers['sec-fetch-site'] = 'same-origin'
  }
  if (caller !== null && kind === 'api') headers.authorization = caller.bearer
  if (caller !== null && kind === 'page') {
    if (!SAFE.has(shot.method)) {
      const token = await csrfToken(world, caller)
      if (token !== null) headers['x-csrf-token'] = token
    }
    headers.cookie = caller.cookie
  }
  if (shot.contentType !== undefined) headers['content-type'] = shot.contentType
  Object.assign(headers, shot.headers)
  const url = shot.query === undefined ? shot.path : `${shot.path}?${shot.query}`
  return await within(ANSWER_WITHIN_MS, `${shot.method} ${url.slice(0, 300)}`,
    world.app.inject({ method: shot.method as 'GET', url, headers, ...(shot.payload !== undefined ? { payload: shot.payload } : {}) }))
}

/** The token a page shows this browser (`<meta name="csrf-token">`), with the cookie it comes with. */
async function csrfToken (world: HostileWorld, caller: Caller): Promise<string | null> {
  if (caller.csrf !== undefined) return caller.csrf
  const res = await world.app.inject({
    method: 'GET',
    url: '/presence/code',
    headers: { accept: 'text/html', 'sec-fetch-site': 'same-origin', cookie: caller.cookie }
  })
  const jar = new Map(caller.cookie.split(/;\s*/).filter(Boolean).map(c => [c.slice(0, c.indexOf('=')), c.slice(c.indexOf('=') + 1)]))
  for (const c of res.cookies) if (c.value !== '') jar.set(c.name, c.value)
  caller.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ')
  caller.csrf = /<meta name="csrf-token" content="([^"]+)"/.exec(res.body)?.[1]?.replace(/&quot;/g, '"').replace(/&amp;/g, '&') ?? null
  return caller.csrf
}

// ---------------------------------------------------------------------------------------------
// Rows

/** Tables whose count changed, as `table: before → after`. */
export function changedTables (before: Record<string, number>, after: Record<string, number>, allowed: string[] = []): string[] {
  return Object.keys(rowDeltas(before, after)).filter(k => !allowed.includes(k)).map(k => `${k}: ${before[k] ?? 0} → ${after[k] ?? 0}`)
}

/**
 * Waits for writes the app makes after answering (the staff access log records successful reads
 * of personal data once the response is sent): they belong to the request before, not the next.
 */
export async function settle (services: { privacyAccessLog: { settled: () => Promise<void> } }): Promise<void> {
  await services.privacyAccessLog.settled()
}

export interface WriteLog {
  /** Where the log is now. */
  mark: () => Promise<number>
  /** Rows inserted, updated or deleted since the mark, as `table OPERATION ×n`. */
  since: (mark: number) => Promise<string[]>
}

/**
 * Every row inserted, updated or deleted in any table of this test database, from now on: a
 * row-level trigger on each table (listed from the catalog, so new tables are included) logs
 * the table and operation. Stricter than counting rows (an update or an insert plus a delete
 * shows), and one small query per check instead of a count of every table.
 */
export async function installWriteLog (db: Kysely<any>, tables: string[]): Promise<WriteLog> {
  await sql`create table hostile_writes (id bigserial primary key, table_name text not null, op text not null)`.execute(db)
  await sql`create function hostile_record() returns trigger language plpgsql as $$
    begin insert into hostile_writes (table_name, op) values (TG_TABLE_NAME, TG_OP); return null; end $$`.execute(db)
  for (const name of tables) {
    await sql.raw(
      `create trigger hostile_record after insert or update or delete on "${name.replace(/"/g, '""')}" for each row execute function hostile_record()`
    ).execute(db)
  }
  return {
    mark: async () => Number((await sql<{ id: string | null }>`select max(id) as id from hostile_writes`.execute(db)).rows[0]?.id ?? 0),
    since: async mark => (await sql<{ table_name: string, op: string, n: number }>`select table_name, op, count(*)::int as n from hostile_writes
      where id > ${mark} group by 1, 2 order by 1, 2`.execute(db)).rows.map(r => `${r.table_name} ${r.op} ×${r.n}`)
  }
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

/** Strings that have broken parsers, templates, SQL and renderers somewhere. */
export const HOSTILE_SAMPLES = [
  "' OR '1'='1", "'; DROP TABLE people; --", '" OR ""="', '1; SELECT pg_sleep(30)--', "') UNION SELECT * FROM people--", '$1', '\\', "\\'",
  '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', 'javascript:alert(1)', '{{7*7}}', '$' + '{7*7}', '<%= 7*7 %>', '#{7*7}',
  '../../../etc/passwd', '..\\..\\windows\\win.ini', '%2e%2e%2f', '%00', '\u0000', 'a\u0000b', '\u0000'.repeat(8),
  '\u202Egnp.exe', '\u200B\u200C\u200D\uFEFF', 'e\u0301\u0302\u0303\u0304\u0305', 'Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇',
  '👩🏽‍🚀🇨🇦🏳️‍🌈', '\uD800', '\uDFFF', '\uD83D', 'ﷺ', '﷽', 'مرحبا بالعالم', 'שָׁלוֹם',
  '\r\nSet-Cookie: pwned=1', '\n', '\t', ' ', '', '%s%s%s%n', '%x', '-1', '0', 'NaN', 'Infinity', '-Infinity', '1e999', '9'.repeat(40),
  'null', 'undefined', 'true', '[]', '{}', '__proto__', 'constructor', 'prototype', 'toString'
]

/** Unicode-heavy and injection-shaped text, short. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_SAMPLES) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 24 }) },
  {
    weight: 2,
    arbitrary: fc.tuple(
      fc.constantFrom(...HOSTILE_SAMPLES),
      fc.string({ unit: 'grapheme-composite', maxLength: 8 }),
      fc.constantFrom(...HOSTILE_SAMPLES)
    ).map(([a, b, c]) => `${a}${b}${c}`)
  }
)

/** At least `length` UTF-16 units (what zod's max counts), made of astral, combining and RTL characters. */
export const longText = (length: number): fc.Arbitrary<string> =>
  fc.constantFrom(
    '😀',
    'é',
    'e\u0301',
    '\u202E',
    'ש',
    'a',
    '\u0000',
    "'",
    '<'
  ).map(unit => unit.repeat(Math.ceil(length / unit.length) + 1).slice(0, length + 1))

/** Percent-encodes every byte that is not unreserved (encodeURIComponent throws on lone surrogates). */
export function pct (value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map(b => /[A-Za-z0-9._~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('')
}

/** Path segments left raw on purpose: traversal, broken escapes, NUL, over-long. */
const RAW_SEGMENTS = [
  '..',
  '.',
  '%00',
  'a%00b',
  '%2e%2e%2f',
  '..%2f..%2f',
  '%ZZ',
  '%',
  '%E0%A4%A',
  '%C0%AE',
  '%FF%FE',
  ';',
  'a;b=c',
  'x'.repeat(101),
  'x'.repeat(5000)
]

/** A path segment that matches no id, key or code the app has issued. */
export const hostileSegment = (rejects: (decoded: string) => boolean): fc.Arbitrary<string> => fc.oneof(
  // Never filtered (a filter that rejects everything never ends): a value the route would take becomes NUL.
  { weight: 3, arbitrary: hostileText.map(v => v !== '' && rejects(v) ? pct(v) : '%00') },
  { weight: 1, arbitrary: fc.constantFrom(...RAW_SEGMENTS) }
)

const WRONG_TYPES: Record<string, unknown[]> = {
  string: [42, -1.5, true, false, [], ['a', 'b'], {}, { $ne: null }, JSON.parse('{"__proto__": {"admin": true}}')],
  number: ['abc', 'NaN', 'Infinity', '', '1,5', true, {}, { $gt: 0 }, [[1]]],
  integer: ['abc', 'NaN', 1.5, -0.000001, true, {}, [[1]]],
  boolean: ['yes', 'true', 0, 1, 'on', {}, []],
  array: ['a', 42, { 0: 'a', length: 1 }, true],
  object: ['a', 42, [], true, [{}]]
}

const typesOf = (s: JsonSchema): string[] => {
  if (s.anyOf !== undefined || s.oneOf !== undefined) return (s.anyOf ?? s.oneOf ?? []).flatMap(typesOf)
  if (s.enum !== undefined) return [...new Set(s.enum.map(v => v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v))]
  if (s.const !== undefined) return [s.const === null ? 'null' : typeof s.const]
  if (s.type === undefined) return ['any']
  return Array.isArray(s.type) ? s.type : [s.type]
}

const acceptsAnything = (s: JsonSchema | undefined): boolean => s === undefined || typesOf(s).includes('any')

/** Nested `depth` levels deep: objects in arrays in objects... */
export const deeplyNested = (depth: number): unknown => {
  let v: unknown = 'bottom'
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? { a: v } : [v]
  return v
}

/**
 * Values this schema refuses (null when it accepts anything). `form`: values a urlencoded
 * form or a query string can carry (strings, and arrays from repeated keys).
 */
export function invalidFor (s: JsonSchema | undefined, form: boolean): fc.Arbitrary<unknown> | null {
  if (s === undefined || acceptsAnything(s)) return null
  const types = typesOf(s)
  const options: Array<fc.Arbitrary<unknown>> = []
  const nullable = types.includes('null')
  if (s.anyOf !== undefined || s.oneOf !== undefined) {
    // A value of a type no branch takes.
    const wrong = Object.entries(WRONG_TYPES)
      .filter(([type]) => !types.includes(type) && !(type === 'number' && types.includes('integer')) && !(type === 'integer' && types.includes('number')))
      .flatMap(([, values]) => values)
      .filter(v => !types.includes(Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v === 'number' && Number.isInteger(v) ? 'integer' : typeof v))
    if (form) return types.includes('array') || types.includes('string') ? null : fc.constantFrom('x')
    return wrong.length === 0 ? null : fc.constantFrom(...wrong)
  }
  const type = types[0]!
  if (s.enum !== undefined) options.push(hostileText.filter(v => !s.enum!.includes(v)))
  if (s.const !== undefined) options.push(hostileText.filter(v => v !== s.const))
  if (!form && !nullable) options.push(fc.constant(null))
  if (!form && WRONG_TYPES[type] !== undefined) options.push(fc.constantFrom(...WRONG_TYPES[type]!))
  if (form && type !== 'array' && type !== 'object') options.push(fc.array(hostileText, { minLength: 2, maxLength: 3 }))
  switch (type) {
    case 'string': {
      if (s.pattern !== undefined) {
        const re = new RegExp(s.pattern, 'u')
        options.push(hostileText.filter(v => !re.test(v)))
      } else if (s.format === 'date-time' || s.format === 'email' || s.format === 'uri') {
        options.push(hostileText.filter(v => !v.includes('@') && !v.includes(':')))
      }
      if (s.maxLength !== undefined) options.push(longText(s.maxLength))
      if ((s.minLength ?? 0) > 0) options.push(fc.constant(''))
      if (!form) options.push(fc.constant(deeplyNested(2000)))
      break
    }
    case 'number':
    case 'integer': {
      if (form) options.push(fc.constantFrom('abc', 'NaN', '1e999', '-1e999', '0x1G', '١٢', '½'))
      if (s.minimum !== undefined) options.push(fc.constant(form ? String(s.minimum - 1) : s.minimum - 1), fc.constant(form ? '-1e308' : -1e308))
      if (s.exclusiveMinimum !== undefined) options.push(fc.constant(form ? String(s.exclusiveMinimum) : s.exclusiveMinimum))
      if (s.maximum !== undefined) {
        options.push(
          fc.constant(form ? String(s.maximum + 1) : s.maximum + 1),
          fc.constant(form ? '1e308' : 1e308),
          fc.constant(form ? '99999999999999999999999' : Number.MAX_SAFE_INTEGER * 1024)
        )
      }
      if (type === 'integer') options.push(fc.constant(form ? '1.5' : 1.5))
      break
    }
    case 'array': {
      if ((s.minItems ?? 0) > 0) options.push(fc.constant([]))
      if (s.maxItems !== undefined && s.maxItems < 2000) options.push(fc.constant(Array.from({ length: s.maxItems + 1 }, () => 'x')))
      const item = invalidFor(s.items, form)
      if (item !== null) options.push(item.map(v => [v]))
      break
    }
    case 'object': {
      const props = Object.entries(s.properties ?? {})
      if ((s.required?.length ?? 0) > 0) options.push(fc.constant({}))
      if (s.additionalProperties === false) {
        options.push(fc.tuple(
          fc.constantFrom('extra', 'isAdmin', 'role', 'personId', '__proto__', 'constructor'),
          hostileText
        ).map(([k, v]) => JSON.parse(`{${JSON.stringify(k)}:${JSON.stringify(v)}}`) as unknown))
      }
      const fields = props.map(([k, p]) => [k, invalidFor(p, form)] as const).filter((e): e is readonly [string, fc.Arbitrary<unknown>] => e[1] !== null)
      for (const [k, arb] of fields) options.push(arb.map(v => ({ [k]: v })))
      break
    }
  }
  return options.length === 0 ? null : fc.oneof(...options)
}

/** Date-ish values at and past the edges of what JavaScript and PostgreSQL can hold. */
const EDGE_DATES = [
  '-271821-04-20T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  '-004714-11-23T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '2025-10-24T10:00:00-04:00',
  '2025-02-30T00:00:00Z',
  'not a date',
  '',
  -8.64e15,
  8.64e15,
  1e20,
  0
]

/**
 * Values shaped as the schema asks (types, enums, ranges, patterns, lengths), with hostile text
 * wherever free text goes: a request built from them may well be valid.
 */
export function plausibleFor (s: JsonSchema | undefined, ids: string[]): fc.Arbitrary<unknown> {
  if (s === undefined || acceptsAnything(s)) return fc.oneof(fc.constantFrom(...EDGE_DATES), hostileText)
  if (s.anyOf !== undefined || s.oneOf !== undefined) return fc.oneof(...(s.anyOf ?? s.oneOf ?? []).map(b => plausibleFor(b, ids)))
  if (s.enum !== undefined) return fc.constantFrom(...s.enum)
  if (s.const !== undefined) return fc.constant(s.const)
  const type = typesOf(s)[0]
  switch (type) {
    case 'string': {
      if (s.format === 'uuid') return fc.oneof(fc.constantFrom(...ids), fc.uuid())
      if (s.format === 'date-time') return fc.date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map(d => d.toISOString())
      if (s.format === 'email') return fc.oneof(fc.emailAddress(), fc.constantFrom("o'brien+tag@example.gouv.qc.ca", 'x@xn--80ak6aa92e.com'))
      if (s.pattern !== undefined) {
        try { return fc.stringMatching(new RegExp(s.pattern)).filter(v => v.length <= (s.maxLength ?? Infinity)) } catch { return fc.constant('x') }
      }
      const min = s.minLength ?? 0
      const max = s.maxLength ?? 300
      return fc.oneof(hostileText, longText(Math.max(min, max - 1))).map(v => {
        const fitted = v.length > max ? v.slice(0, max) : v
        return fitted.length < min ? fitted.padEnd(min, 'x') : fitted
      })
    }
    case 'integer': return fc.integer({ min: Math.ceil(s.minimum ?? (s.exclusiveMinimum ?? -(2 ** 31)) + 1), max: Math.floor(s.maximum ?? 2 ** 31) })
    case 'number': return fc.double({
      min: s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1e-9 : -1e6),
      max: s.maximum ?? 1e6,
      noNaN: true,
      noDefaultInfinity: true
    })
    case 'boolean': return fc.boolean()
    case 'null': return fc.constant(null)
    case 'array': return fc.array(plausibleFor(s.items, ids), {
      minLength: s.minItems ?? 0,
      maxLength: Math.max(s.minItems ?? 0, Math.min(s.maxItems ?? 3, 3))
    })
    case 'object': {
      const props = Object.entries(s.properties ?? {})
      if (props.length === 0) return fc.constant({})
      const required = new Set(s.required ?? [])
      return fc.record(Object.fromEntries(props.map(([k, p]) => [k, plausibleFor(p, ids)])), {
        requiredKeys: props.map(([k]) => k).filter(k => required.has(k))
      })
    }
    default: return hostileText
  }
}

/** A urlencoded form: arrays as repeated keys, everything else as text. */
export function formEncode (body: unknown): string {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return pct(String(body))
  return Object.entries(body as Record<string, unknown>).flatMap(
    ([k, v]) => (Array.isArray(v) ? v : [v]).map(item => `${pct(k)}=${pct(typeof item === 'object' && item !== null ? JSON.stringify(item) : String(item))}`)
  ).join('&')
}

/**
 * Bodies no route should take. `always`: refused by the parsers whatever the route (malformed
 * JSON, unknown content types); `validated`: well-formed for a parser, refused by a route's body
 * schema when it refuses `parsed` (unknown: the parser's result); `multipart`: broken forms, for
 * routes that read multipart.
 */
export const BROKEN_BODIES: Array<{
  label: string
  contentType: string
  payload: string | Buffer
  when: 'always' | 'validated' | 'multipart'
  parsed?: unknown
}> = [
  { label: 'truncated JSON', contentType: 'application/json', payload: '{"a": "b', when: 'always' },
  { label: 'single-quoted JSON', contentType: 'application/json', payload: "{'a': 1}", when: 'always' },
  { label: 'JSON with trailing garbage', contentType: 'application/json', payload: '{"a":1}}', when: 'always' },
  { label: 'JSON NaN', contentType: 'application/json', payload: '{"a": NaN}', when: 'always' },
  { label: 'empty JSON', contentType: 'application/json', payload: '', when: 'always' },
  {
    label: 'JSON prototype pollution',
    contentType: 'application/json',
    payload: '{"__proto__": {"isAdmin": true}, "constructor": {"prototype": {"isAdmin": true}}}',
    when: 'always'
  },
  {
    label: 'XML',
    contentType: 'application/xml',
    payload: '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
    when: 'always'
  },
  { label: 'made-up content type', contentType: 'application/x-evil; charset=evil', payload: 'x', when: 'always' },
  { label: 'malformed content type', contentType: ';;;/', payload: 'x', when: 'always' },
  { label: 'JSON in UTF-16', contentType: 'application/json; charset=utf-16', payload: Buffer.from('{"a":1}', 'utf16le'), when: 'validated' },
  {
    label: 'JSON with invalid UTF-8',
    contentType: 'application/json',
    payload: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc0, 0xaf, 0x22, 0x7d]),
    when: 'validated',
    parsed: { a: '\ufffd\ufffd\ufffd\ufffd' }
  },
  { label: 'deeply nested JSON', contentType: 'application/json', payload: '['.repeat(50_000) + ']'.repeat(50_000), when: 'validated', parsed: [[]] },
  { label: 'text/plain', contentType: 'text/plain', payload: 'hello', when: 'validated', parsed: 'hello' },
  {
    label: 'urlencoded with broken escapes',
    contentType: 'application/x-www-form-urlencoded',
    payload: 'a=%ZZ&b=%&%E0%A4%A=1',
    when: 'validated',
    parsed: { a: '%ZZ', b: '%', '%E0%A4%A': '1' }
  },
  {
    label: 'multipart without boundary',
    contentType: 'multipart/form-data',
    payload: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--\r\n',
    when: 'multipart'
  },
  {
    label: 'truncated multipart',
    contentType: 'multipart/form-data; boundary=x',
    payload: '--x\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 trunc',
    when: 'multipart'
  },
  {
    label: 'multipart with a hostile file name and no PDF',
    contentType: 'multipart/form-data; boundary=x',
    payload: '--x\r\nContent-Disposition: form-data; name="file"; filename="../../\u0000evil.pdf"\r\nContent-Type: application/pdf\r\n\r\nnot a ' +
      'pdf\r\n--x\r\nContent-Disposition: form-data; name="files"; filename="..\\..\\evil.exe"\r\nContent-Type: application/pdf\r\n\r\nMZ\r\n--x--\r\n',
    when: 'multipart'
  }
]
