// A minimal LTI 1.3 / LTI Advantage platform (think Moodle or Canvas) served over real HTTP on
// 127.0.0.1, for end-to-end tests of the tool: OIDC third-party login + id_token launch, JWKS,
// the OAuth 2 client-credentials token endpoint (JWT client assertion), Assignment and Grade
// Services, Names and Role Provisioning Services and the Deep Linking return endpoint.
// Everything the tool sends is recorded in `platform.received` for assertions.
import { randomBytes, randomUUID, type KeyObject } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  SignJWT, createLocalJWKSet, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify,
  type JSONWebKeySet, type JWK, type JWTPayload
} from 'jose'

// ---------------------------------------------------------------------------------------------
// Vocabulary

const LTI = 'https://purl.imsglobal.org/spec/lti/claim/'

/** Claim names used in LTI 1.3 messages. */
export const CLAIMS = {
  messageType: `${LTI}message_type`,
  version: `${LTI}version`,
  deploymentId: `${LTI}deployment_id`,
  targetLinkUri: `${LTI}target_link_uri`,
  resourceLink: `${LTI}resource_link`,
  roles: `${LTI}roles`,
  context: `${LTI}context`,
  toolPlatform: `${LTI}tool_platform`,
  launchPresentation: `${LTI}launch_presentation`,
  custom: `${LTI}custom`,
  ags: 'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint',
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice',
  deepLinkingSettings: 'https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings',
  deepLinkingContentItems: 'https://purl.imsglobal.org/spec/lti-dl/claim/content_items',
  deepLinkingData: 'https://purl.imsglobal.org/spec/lti-dl/claim/data'
} as const

/** OAuth 2 scopes of the LTI Advantage services. */
export const SCOPES = {
  lineItem: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  lineItemReadonly: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
  resultReadonly: 'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
  score: 'https://purl.imsglobal.org/spec/lti-ags/scope/score',
  contextMembershipReadonly: 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly'
} as const

/** Common LTI role URIs. */
export const ROLES = {
  Learner: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner',
  Instructor: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor',
  ContentDeveloper: 'http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper',
  Mentor: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor',
  TeachingAssistant: 'http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant',
  Administrator: 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator',
  InstitutionStudent: 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student',
  InstitutionInstructor: 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor'
} as const

export const MEDIA_TYPES = {
  lineItem: 'application/vnd.ims.lis.v2.lineitem+json',
  lineItemContainer: 'application/vnd.ims.lis.v2.lineitemcontainer+json',
  score: 'application/vnd.ims.lis.v1.score+json',
  resultContainer: 'application/vnd.ims.lis.v2.resultcontainer+json',
  membershipContainer: 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json'
} as const

const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
const FORM = 'application/x-www-form-urlencoded'
const ACTIVITY_PROGRESS = ['Initialized', 'Started', 'InProgress', 'Submitted', 'Completed']
const GRADING_PROGRESS = ['FullyGraded', 'Pending', 'PendingManual', 'Failed', 'NotReady']
const DEFAULT_CONTEXT = { id: 'ENP7009-A2025', label: 'ENP7009', title: 'Mobilisation des acteurs locaux' }
const DEFAULT_RESOURCE_LINK = { id: 'rl-1', title: 'Compagnon' }
const DEEP_LINKING_DATA = 'opaque-data'
const FETCH_TIMEOUT_MS = 5000

// ---------------------------------------------------------------------------------------------
// Public types

export interface SimulatedUser { sub: string, name?: string, given_name?: string, family_name?: string, email?: string }

export interface PlatformOptions {
  /** Default 'compagnon-client'. */
  clientId?: string
  /** Default '1'. */
  deploymentId?: string
  /** Default: the simulator's own base URL. Canvas-like tests pass 'https://canvas.instructure.com'. */
  issuer?: string
  /**
   * The issuer is `http://<issuerHost>:<port>` (this simulator, named otherwise): 'localhost' makes
   * the LMS a different site from a tool on 127.0.0.1 (cross-site frames) while its service
   * endpoints stay on 127.0.0.1.
   */
  issuerHost?: string
  /** Where the token and deep-linking endpoints fetch the tool's keys (can be set later with setTool). */
  toolJwksUrl?: string
  /** The `tool_platform` claim; default { name: 'Simulated Moodle', product_family_code: 'moodle' }. */
  toolPlatform?: { name: string, product_family_code: string }
  /** Brightspace: client assertions must name this audience, not the token URL. */
  tokenAudience?: string
  quirks?: {
    /** Moodle: login initiation sent as a form POST (default: GET with query); lti_message_hint must come back. */
    postLoginInitiation?: boolean
    /**
     * Moodle: the line items URL is `${url}/lineitems?type_id=1`, a line item is
     * `${url}/lineitems/N/lineitem?type_id=1`, its scores `${url}/lineitems/N/lineitem/scores?type_id=1`.
     * Requests that lose the `type_id=1` query answer 400.
     */
    queryStringLineItems?: boolean
    /** Moodle: the token endpoint answers 400 unless the body is form-urlencoded (default true). */
    formUrlEncodedTokenOnly?: boolean
    /**
     * What a deep-linked resource link gets in the gradebook (Moodle's tool setting "Accept grades
     * from the tool", mod/lti/locallib.php content_item_to_form): 'delegate' (the default, and the
     * LTI Deep Linking rule) a line item only for a content item with `lineItem`; 'always' one for
     * every item (100 points unless its `lineItem` says otherwise); 'never' none.
     */
    acceptGrades?: 'always' | 'delegate' | 'never'
    /** Moodle: a deep-linked line item is labelled with the activity's name (the content item title), not `lineItem.label`. */
    columnNamedAfterActivity?: boolean
    /**
     * Canvas-like: the login hints are checked without being used up, so the same login initiation
     * is answered again while it lasts (a tool restarting the launch in a new window). Default:
     * each login is answered once, as Moodle does.
     */
    reusableLoginHint?: boolean
    /**
     * Moodle: lti_message_hint is JSON `{"cmid": N, "launchid": "…"}`, its launch id answered once,
     * and `/mod/lti/launch.php?id=N` (the activity's launch page) starts a new login for that
     * activity with an auto-posted form, as Moodle's own page does.
     */
    moodleLaunchIds?: boolean
    /**
     * Canvas, Brightspace, Blackboard: the login initiation carries `lti_storage_target=_parent`, and
     * the course page (coursePageUrl) is the platform's storage of the 1EdTech "LTI Client Side
     * postMessages": it answers lti.put_data / lti.get_data (and lti.capabilities) from the tool's
     * origin only. The auth endpoint is on the course page's host (issuerHost), the origin the
     * tool's messages are addressed to. `launch()` plays the tool's storage pages as a browser would.
     */
    platformStorage?: boolean
  }
}

export interface LaunchOptions {
  user: SimulatedUser
  /** Full LTI role URIs (see ROLES). */
  roles: string[]
  /** Default { id: 'ENP7009-A2025', label: 'ENP7009', title: 'Mobilisation des acteurs locaux' }. */
  context?: { id: string, label?: string, title?: string }
  /** Default { id: 'rl-1', title: 'Compagnon' } (not sent in deep-linking requests). */
  resourceLink?: { id: string, title?: string }
  messageType?: 'LtiResourceLinkRequest' | 'LtiDeepLinkingRequest'
  /** Default `${toolBase}/lti/launch`. */
  targetLinkUri?: string
  /** Default `${toolBase}/lti/login`. */
  loginUrl?: string
  /** Override per launch (to test unknown deployments). */
  deploymentId?: string
  /** `https://purl.imsglobal.org/spec/lti/claim/custom`. */
  custom?: Record<string, string>
  /** Adds `lineitem` to the AGS endpoint claim (e.g. the URL `addLineItem` returned). */
  lineItemUrl?: string
  /**
   * Launch a resource link the tool placed by Deep Linking (see `links()`): its id and title, its
   * custom parameters, and its line item in the AGS claim when it has one (as Moodle sends it).
   */
  link?: DeepLinkedLink
  /** Mutate the id_token claims right before signing (tests of forged/expired/wrong-audience tokens). */
  claims?: (claims: Record<string, unknown>) => void
  /** Sign with another key (forged signature with a valid kid, or an unknown kid). */
  signWith?: { privateKey: CryptoKey | KeyObject, kid: string }
  /** Replace the signed id_token before it is put in the form (e.g. an unsigned or truncated token). */
  transformIdToken?: (idToken: string) => string
  /** The browser keeps none of the cookies the tool sets at login initiation (third-party cookies blocked in the LMS frame). */
  blockToolCookies?: boolean
  /** quirks.platformStorage: change the course page's storage between login and launch (lose or forge the tool's entry). */
  tamperStorage?: (entries: Map<string, string>) => void
  /**
   * quirks.platformStorage, course pages: lti.get_data is answered (with the right value) not by
   * the course page but by a frame beside the tool's on another origin (http://127.0.0.1:<port>,
   * not the auth endpoint's): a tool must ignore that answer.
   */
  answerFromOtherOrigin?: boolean
}

export interface LaunchResult {
  /** The tool's answer to login initiation (a 302/303 to the auth URL). */
  loginResponse: Response
  /** The query the tool sent to the platform's auth endpoint. */
  authRequest: URLSearchParams
  /** The id_token that was posted. */
  idToken: string
  /** The exact form body POSTed to the tool's redirect_uri (id_token, state). */
  form: URLSearchParams
  /** The tool's answer to that POST (redirects not followed). */
  launchResponse: Response
  /** The "browser" cookies after the launch. */
  cookies: CookieJar
  /** quirks.platformStorage: what the course page's storage held at launch (key → value). */
  storage: Map<string, string>
  /** quirks.platformStorage: the tool's page that read the storage back and posted the launch again, if it answered one. */
  storageGet?: { action: string, fields: Array<[string, string]> }
  /**
   * Re-POST the same form (replay tests). Without argument, with the cookies the browser had when it
   * first posted the form (so state cookies are still there and only nonce/state reuse is tested).
   */
  replay: (cookies?: CookieJar) => Promise<Response>
}

export interface SimulatedMember {
  user_id: string
  roles: string[]
  name?: string
  email?: string
  given_name?: string
  family_name?: string
  /** What the LMS sends, as it sends it ('Active', 'Inactive', or another spelling a platform uses). */
  status?: string
}

export interface TokenRequestRecord {
  contentType: string
  form: Record<string, string>
  assertionClaims?: Record<string, unknown>
  assertionHeader?: Record<string, unknown>
  ok: boolean
  error?: string
}

/** A resource link the platform made from a deep-linking response's content item. */
export interface DeepLinkedLink {
  id: string
  title: string
  url: string
  custom: Record<string, string>
  /** The line item made for it (Moodle's "coupled" grade item), if any. */
  lineItemUrl?: string
}

export interface ReceivedScore { lineItemUrl: string, body: any, authorization: string, receivedAt: Date }

export interface PlatformRequestRecord { method: string, url: string, status: number, contentType: string, authorization: string }

export interface SimulatedPlatform {
  url: string
  issuer: string
  clientId: string
  deploymentId: string
  authUrl: string
  tokenUrl: string
  jwksUrl: string
  lineItemsUrl: string
  membershipsUrl: string
  deepLinkReturnUrl: string
  kid: string
  privateKey: CryptoKey
  publicJwk: JsonWebKey
  setTool: (opts: { jwksUrl: string }) => void
  /** Full launch like a browser: login initiation → platform auth endpoint → auto-post form → tool redirect_uri. */
  launch: (toolBase: string, options: LaunchOptions) => Promise<LaunchResult>
  /** A launch for a real browser: the login initiation URL to open (GET); the browser does the rest. */
  loginUrl: (toolBase: string, options: LaunchOptions) => string
  /**
   * A course page of this LMS that launches the tool in an iframe (Moodle's default "embed"
   * container), at http://<host>:<port>/course/<n>: host 'localhost' puts the page on another
   * site than a tool on 127.0.0.1.
   */
  coursePageUrl: (toolBase: string, options: LaunchOptions, host?: string) => string
  registration: () => {
    issuer: string
    clientId: string
    deploymentId: string
    authUrl: string
    tokenUrl: string
    jwksUrl: string
    name: string
    tokenAudience?: string
  }
  received: {
    tokenRequests: TokenRequestRecord[]
    scores: ReceivedScore[]
    lineItemsCreated: any[]
    deepLinkResponses: Array<{ jwt: string, claims: Record<string, unknown> }>
    /** Deep-linking responses refused with 400, and why. */
    deepLinkRejections: Array<{ jwt: string, error: string }>
    /** Claims of every id_token the auth endpoint issued (before `transformIdToken`). */
    launches: Array<Record<string, unknown>>
    /** Every HTTP request the platform answered. */
    requests: PlatformRequestRecord[]
  }
  setMembers: (members: SimulatedMember[], pageSize?: number) => void
  /** Simulate the platform's AGS/NRPS/token endpoints being down (503) or up. */
  setServicesDown: (down: boolean) => void
  /** Simulate a slow platform: its AGS/NRPS/token endpoints wait this long before handling each request (0: at once, the default). */
  setServicesDelay: (ms: number) => void
  /** Creates a line item directly on the platform side (as a teacher would); returns its id URL. */
  addLineItem: (item: { label: string, scoreMaximum: number, resourceLinkId?: string, resourceId?: string, tag?: string }) => string
  /** The current line items (with their `id`). */
  lineItems: () => Array<Record<string, unknown>>
  /** The resource links made by deep linking, oldest first. */
  links: () => DeepLinkedLink[]
  /** Issue an access token directly (bypassing /token), for service tests that don't exercise OAuth. */
  issueToken: (scopes: string[]) => string
  close: () => Promise<void>
}

/** Thrown by `launch` when the flow cannot reach the final POST (tool refused login, auth endpoint refused). */
export class LaunchError extends Error {
  constructor (message: string, readonly stage: 'login' | 'auth', readonly response: Response, readonly body: string) {
    super(message)
    this.name = 'LaunchError'
  }
}

// ---------------------------------------------------------------------------------------------
// Keys

export interface SimulatedKey { privateKey: CryptoKey, publicKey: CryptoKey, publicJwk: JsonWebKey, kid: string }

/** A fresh RS256 key pair (2048 bits) with a random kid. */
export async function makeKey (kid: string = randomUUID()): Promise<SimulatedKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
  const publicJwk = await exportJWK(publicKey) as JsonWebKey
  return { privateKey, publicKey, publicJwk, kid }
}

/** The JWKS document publishing these keys. */
export function jwksOf (...keys: Array<{ publicJwk: JsonWebKey, kid: string }>): JSONWebKeySet {
  return { keys: keys.map(k => ({ ...(k.publicJwk as JWK), kid: k.kid, alg: 'RS256', use: 'sig' })) }
}

// ---------------------------------------------------------------------------------------------
// Browser helpers

/** A minimal browser cookie jar (one host; attributes ignored except deletion by Max-Age/Expires). */
export class CookieJar {
  readonly #cookies = new Map<string, string>()

  constructor (initial?: Record<string, string>) {
    for (const [name, value] of Object.entries(initial ?? {})) this.#cookies.set(name, value)
  }

  /** Applies one Set-Cookie header value. */
  setCookie (header: string): void {
    const [pair = '', ...attributes] = header.split(';')
    const eq = pair.indexOf('=')
    if (eq <= 0) return
    const name = pair.slice(0, eq).trim()
    const value = pair.slice(eq + 1).trim()
    let expired = false
    for (const attribute of attributes) {
      const [key = '', ...rest] = attribute.split('=')
      const attributeValue = rest.join('=').trim()
      const lower = key.trim().toLowerCase()
      if (lower === 'max-age' && Number(attributeValue) <= 0) expired = true
      if (lower === 'expires') {
        const when = Date.parse(attributeValue)
        if (!Number.isNaN(when) && when <= Date.now()) expired = true
      }
    }
    if (expired) this.#cookies.delete(name)
    else this.#cookies.set(name, value)
  }

  /** Applies every Set-Cookie header of a response. */
  store (response: Response): void {
    for (const header of response.headers.getSetCookie()) this.setCookie(header)
  }

  /** The Cookie request header value ('' when empty). */
  header (): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }

  get (name: string): string | undefined { return this.#cookies.get(name) }
  set (name: string, value: string): void { this.#cookies.set(name, value) }
  delete (name: string): void { this.#cookies.delete(name) }
  names (): string[] { return [...this.#cookies.keys()] }
  clone (): CookieJar { return new CookieJar(Object.fromEntries(this.#cookies)) }
}

function escapeHtml (value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/'/g, '&#39;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

function unescapeHtml (value: string): string {
  return value
    .replace(/&quot;/g, '"').replace(/&#39;|&#x27;|&apos;/gi, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>')
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&amp;/g, '&')
}

function attribute (tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>"']+))`, 'i').exec(tag)
  if (match === null) return undefined
  return unescapeHtml(match[1] ?? match[2] ?? match[3] ?? '')
}

/**
 * Reads an auto-submitting HTML form (the platform's id_token form, or a tool's deep-linking
 * response form): its action, method and named inputs, in document order.
 */
export function parseAutoPostForm (html: string): { action: string, method: string, fields: Array<[string, string]> } {
  // The form a browser submits by itself (data-autosubmit), as the page's script does; a page may
  // hold others (the header's « Se déconnecter »). Else the only or first form (the platform's).
  const forms = [...html.matchAll(/(<form\b[^>]*>)([\s\S]*?)<\/form>/gi)]
  const form = forms.find(f => /\sdata-autosubmit\b/i.test(f[1] ?? '')) ?? forms[0]
  if (form === undefined) throw new Error(`no <form> in HTML: ${html.slice(0, 200)}`)
  const formTag = form[1] ?? ''
  const fields: Array<[string, string]> = []
  for (const [input] of (form[2] ?? '').matchAll(/<(?:input|textarea)\b[^>]*>/gi)) {
    const name = attribute(input, 'name')
    if (name !== undefined) fields.push([name, attribute(input, 'value') ?? ''])
  }
  return { action: attribute(formTag, 'action') ?? '', method: (attribute(formTag, 'method') ?? 'get').toLowerCase(), fields }
}

/** The tool's platform-storage element (data-lti-storage="put" at login, "get" at launch), if the page has one. */
export function storageElement (html: string, mode: 'put' | 'get'): { target: string, origin: string, key: string, value?: string, next?: string } | undefined {
  const tag = new RegExp(`<[a-z]+\\b[^>]*\\sdata-lti-storage="${mode}"[^>]*>`, 'i').exec(html)?.[0]
  if (tag === undefined) return undefined
  const value = attribute(tag, 'data-value')
  const next = attribute(tag, 'data-next')
  return {
    target: attribute(tag, 'data-target') ?? '',
    origin: attribute(tag, 'data-origin') ?? '',
    key: attribute(tag, 'data-key') ?? '',
    ...(value === undefined ? {} : { value }),
    ...(next === undefined ? {} : { next })
  }
}

/**
 * The course page's side of "LTI Client Side postMessages" (quirks.platformStorage), as a script:
 * a storage per page, for the tool's origin only (others are logged and ignored). What it saw is
 * in `window.platformStorage` for the tests: `messages` ({ subject, key, origin, answered }) and `keys()`.
 */
function platformStorageScript (toolOrigin: string, answerFromOtherOrigin: boolean): string {
  return `(function () {
  var toolOrigin = ${JSON.stringify(toolOrigin)};
  var answerFromOtherOrigin = ${String(answerFromOtherOrigin)};
  var entries = new Map();
  var log = window.platformStorage = { messages: [], forwarded: [], keys: function () { return Array.from(entries.keys()); } };
  window.addEventListener('message', function (event) {
    var data = event.data;
    if (data && typeof data.forwarded === 'string') { log.forwarded.push(data.forwarded); return; }
    if (!data || typeof data !== 'object' || typeof data.subject !== 'string' || data.subject.indexOf('lti.') !== 0) return;
    var answered = event.origin === toolOrigin;
    log.messages.push({ subject: data.subject, key: data.key, origin: event.origin, answered: answered });
    if (!answered) return;
    function reply (body) {
      body.subject = data.subject + '.response';
      body.message_id = data.message_id;
      event.source.postMessage(body, event.origin);
    }
    if (data.subject === 'lti.capabilities') reply({ supported_messages: [{ subject: 'lti.put_data' }, { subject: 'lti.get_data' }] });
    else if (data.subject === 'lti.put_data') { entries.set(data.key, data.value); reply({ key: data.key, value: data.value }); }
    else if (data.subject === 'lti.get_data') {
      if (answerFromOtherOrigin) {
        document.getElementById('other-origin').contentWindow.postMessage({ forward: { subject: 'lti.get_data.response', message_id: data.message_id, ` +
          `key: data.key, value: entries.get(data.key) } }, '*');
      } else if (entries.has(data.key)) reply({ key: data.key, value: entries.get(data.key) });
      else reply({ key: data.key, error: { code: 'bad_request', message: 'could not find key' } });
    }
  });
})();`
}

/** The simulator's base URL named with another host (issuerHost), or as it is. */
function issuerHostBase (base: string, host: string | undefined): string {
  return host === undefined ? base : base.replace('127.0.0.1', host)
}

// ---------------------------------------------------------------------------------------------
// HTTP plumbing

class HttpError extends Error {
  constructor (readonly status: number, readonly body: string | Record<string, unknown>, readonly headers: Record<string, string> = {}) {
    super(typeof body === 'string' ? body : JSON.stringify(body))
  }
}

const BODY_LIMIT = 1_000_000

async function readBody (req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    const buffer = chunk as Buffer
    size += buffer.length
    if (size > BODY_LIMIT) throw new HttpError(413, 'request body too large')
    chunks.push(buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function mediaType (header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
}

function send (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers })
  res.end(body)
}

function sendJson (res: ServerResponse, status: number, value: unknown, contentType = 'application/json', headers: Record<string, string> = {}): void {
  send(res, status, JSON.stringify(value), { ...headers, 'content-type': `${contentType}; charset=utf-8` })
}

function parseJsonObject (text: string): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new HttpError(400, { error: 'invalid_request', reason: 'malformed JSON body' })
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, { error: 'invalid_request', reason: 'the body must be a JSON object' })
  }
  return value as Record<string, unknown>
}

function paginate<T> (items: T[], request: URL, defaultSize: number): { items: T[], next?: URL } {
  const limit = Number(request.searchParams.get('limit'))
  const size = Number.isInteger(limit) && limit > 0 ? limit : defaultSize
  if (!Number.isFinite(size)) return { items }
  const pageNumber = Math.max(1, Math.trunc(Number(request.searchParams.get('page') ?? '1')) || 1)
  const slice = items.slice((pageNumber - 1) * size, pageNumber * size)
  if (pageNumber * size >= items.length) return { items: slice }
  const next = new URL(request.href)
  next.searchParams.set('page', String(pageNumber + 1))
  return { items: slice, next }
}

async function fetchJwks (url: string): Promise<ReturnType<typeof createLocalJWKSet>> {
  const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) })
  if (!response.ok) throw new Error(`tool JWKS ${url} answered ${response.status}`)
  return createLocalJWKSet(await response.json() as JSONWebKeySet)
}

// ---------------------------------------------------------------------------------------------
// The platform

interface PendingLogin {
  messageHint: string
  loginHint: string
  toolBase: string
  targetLinkUri: string
  deploymentId: string
  options: LaunchOptions
}

interface LineItemRecord { n: number, data: Record<string, unknown> }

function optionalString (body: Record<string, unknown>, key: string): void {
  if (body[key] !== undefined && typeof body[key] !== 'string') {
    throw new HttpError(400, { error: 'invalid_request', reason: `${key} must be a string` })
  }
}

function validateLineItem (body: Record<string, unknown>): void {
  if (typeof body.label !== 'string' || body.label.trim() === '') {
    throw new HttpError(400, { error: 'invalid_request', reason: 'label is required' })
  }
  if (typeof body.scoreMaximum !== 'number' || !(body.scoreMaximum > 0)) {
    throw new HttpError(400, { error: 'invalid_request', reason: 'scoreMaximum must be a number > 0' })
  }
  for (const key of ['resourceLinkId', 'resourceId', 'tag', 'startDateTime', 'endDateTime']) optionalString(body, key)
}

function validateScore (body: Record<string, unknown>): void {
  const fail = (reason: string): never => { throw new HttpError(400, { error: 'invalid_request', reason }) }
  if (typeof body.userId !== 'string' || body.userId === '') fail('userId is required')
  if (typeof body.timestamp !== 'string' || Number.isNaN(Date.parse(body.timestamp))) fail('timestamp must be an ISO 8601 date-time')
  if (typeof body.activityProgress !== 'string' || !ACTIVITY_PROGRESS.includes(body.activityProgress)) fail('invalid activityProgress')
  if (typeof body.gradingProgress !== 'string' || !GRADING_PROGRESS.includes(body.gradingProgress)) fail('invalid gradingProgress')
  if (body.scoreGiven !== undefined) {
    if (typeof body.scoreGiven !== 'number' || body.scoreGiven < 0) fail('scoreGiven must be a number >= 0')
    if (typeof body.scoreMaximum !== 'number' || !(body.scoreMaximum > 0)) fail('scoreMaximum is required with scoreGiven')
  }
  if (body.comment !== undefined && typeof body.comment !== 'string') fail('comment must be a string')
}

/** Starts a simulated platform on 127.0.0.1 (random port), closed at the test's teardown. */
export async function startPlatform (t: { teardown: (fn: () => unknown) => void }, options: PlatformOptions = {}): Promise<SimulatedPlatform> {
  const quirks = {
    postLoginInitiation: options.quirks?.postLoginInitiation ?? false,
    queryStringLineItems: options.quirks?.queryStringLineItems ?? false,
    acceptGrades: options.quirks?.acceptGrades ?? 'delegate',
    columnNamedAfterActivity: options.quirks?.columnNamedAfterActivity ?? false,
    formUrlEncodedTokenOnly: options.quirks?.formUrlEncodedTokenOnly ?? true,
    reusableLoginHint: options.quirks?.reusableLoginHint ?? false,
    moodleLaunchIds: options.quirks?.moodleLaunchIds ?? false,
    platformStorage: options.quirks?.platformStorage ?? false
  }
  const clientId = options.clientId ?? 'compagnon-client'
  const deploymentId = options.deploymentId ?? '1'
  const toolPlatform = { guid: randomUUID(), ...(options.toolPlatform ?? { name: 'Simulated Moodle', product_family_code: 'moodle' }) }
  const key = await makeKey()
  const jwks = jwksOf(key)

  let toolJwksUrl = options.toolJwksUrl
  let servicesDown = false
  let servicesDelayMs = 0
  let members: SimulatedMember[] = []
  let membersPageSize = Number.POSITIVE_INFINITY
  let currentContext: { id: string, label?: string, title?: string } = DEFAULT_CONTEXT
  let lineItemSeq = 0
  const links: DeepLinkedLink[] = []
  const lineItemRecords = new Map<number, LineItemRecord>()
  const pendingLogins = new Map<string, PendingLogin>()
  /** The iframe src of each course page (coursePageUrl), and the tool's origin. */
  const coursePages = new Map<string, { src: string, toolOrigin: string, answerFromOtherOrigin: boolean }>()
  /** Moodle activities (course module ids) by the launches that created them. */
  const activities = new Map<number, { toolBase: string, options: LaunchOptions }>()
  const tokens = new Map<string, { scopes: Set<string>, expiresAt: number }>()
  const usedJtis = new Set<string>()
  const deepLinkDeployments = new Set<string>([deploymentId])
  const received: SimulatedPlatform['received'] = {
    tokenRequests: [],
    scores: [],
    lineItemsCreated: [],
    deepLinkResponses: [],
    deepLinkRejections: [],
    launches: [],
    requests: []
  }

  const server = createServer((req, res) => {
    const started = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      contentType: req.headers['content-type'] ?? '',
      authorization: req.headers.authorization ?? ''
    }
    res.on('finish', () => { received.requests.push({ ...started, url: `${base}${started.url}`, status: res.statusCode }) })
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) { res.destroy(); return }
      if (error instanceof HttpError) {
        if (typeof error.body === 'string') send(res, error.status, error.body, error.headers)
        else sendJson(res, error.status, error.body, 'application/json', error.headers)
      } else {
        send(res, 500, `simulated platform failure: ${error instanceof Error ? error.message : String(error)}`)
      }
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => { server.off('error', reject); resolve() })
  })
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const issuer = options.issuer ?? (options.issuerHost !== undefined ? base.replace('127.0.0.1', options.issuerHost) : base)
  // With platform storage, the course page answers the tool's messages addressed to the auth endpoint's origin.
  const authUrl = quirks.platformStorage ? `${issuerHostBase(base, options.issuerHost)}/auth` : `${base}/auth`
  const tokenUrl = `${base}/token`
  const jwksUrl = `${base}/jwks`
  const membershipsPath = '/CourseSection/1/bindings/1/memberships'
  const membershipsUrl = `${base}${membershipsPath}`
  const deepLinkReturnUrl = `${base}/deep-link-return`
  const returnUrl = `${base}/return`
  const typeQuery = quirks.queryStringLineItems ? '?type_id=1' : ''
  const lineItemsUrl = `${base}/lineitems${typeQuery}`
  const lineItemPath = (n: number): string => quirks.queryStringLineItems ? `/lineitems/${n}/lineitem` : `/lineitems/${n}`
  const lineItemUrl = (n: number): string => `${base}${lineItemPath(n)}${typeQuery}`

  let closed: Promise<void> | undefined
  const close = async (): Promise<void> => {
    closed ??= new Promise<void>(resolve => {
      server.close(() => { resolve() })
      server.closeAllConnections()
    })
    await closed
  }
  t.teardown(close)

  // --- tokens -------------------------------------------------------------------------------

  function issueToken (scopes: string[]): string {
    const token = randomBytes(24).toString('base64url')
    tokens.set(token, { scopes: new Set(scopes), expiresAt: Date.now() + 3600_000 })
    return token
  }

  /** Checks the Bearer token carries one of `anyOf` scopes; returns the Authorization header. */
  function requireToken (req: IncomingMessage, anyOf: string[]): string {
    const authorization = req.headers.authorization ?? ''
    const unauthorized = (error: string, reason: string): never => {
      throw new HttpError(401, { error, reason }, { 'www-authenticate': `Bearer error="${error}"` })
    }
    const match = /^Bearer\s+(\S+)$/i.exec(authorization)
    if (match === null) unauthorized('invalid_token', 'missing Bearer token')
    const grant = tokens.get(match?.[1] ?? '')
    if (grant === undefined || grant.expiresAt <= Date.now()) unauthorized('invalid_token', 'unknown or expired access token')
    if (!anyOf.some(scope => grant?.scopes.has(scope))) unauthorized('insufficient_scope', `requires one of: ${anyOf.join(' ')}`)
    return authorization
  }

  function ensureUp (): void {
    if (servicesDown) throw new HttpError(503, { error: 'temporarily_unavailable', reason: 'simulated outage' }, { 'retry-after': '30' })
  }

  // --- routes -------------------------------------------------------------------------------

  async function handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', base)
    const method = req.method ?? 'GET'
    const path = url.pathname
    const allow = (...methods: string[]): void => {
      if (!methods.includes(method)) throw new HttpError(405, `method ${method} not allowed`, { allow: methods.join(', ') })
    }
    if (servicesDelayMs > 0 && (path === '/token' || path === membershipsPath || path === '/lineitems' || path.startsWith('/lineitems/'))) {
      await new Promise(resolve => setTimeout(resolve, servicesDelayMs))
    }
    if (path === '/jwks') { allow('GET'); sendJson(res, 200, jwks); return }
    if (path === '/auth') { allow('GET', 'POST'); await authorizationEndpoint(req, res, url); return }
    if (path === '/token') { allow('POST'); await tokenEndpoint(req, res); return }
    if (path === '/deep-link-return') { allow('POST'); await deepLinkReturn(req, res); return }
    if (path === '/return') { allow('GET'); send(res, 200, 'returned to the platform'); return }
    if (path === '/mod/lti/launch.php' && quirks.moodleLaunchIds) { allow('GET'); activityLaunchPage(res, url); return }
    const course = coursePages.get(path)
    if (path.startsWith('/course/') && course !== undefined) {
      allow('GET')
      const storage = quirks.platformStorage ? `<script>${platformStorageScript(course.toolOrigin, course.answerFromOtherOrigin)}</script>` : ''
      const other = course.answerFromOtherOrigin
        ? `<iframe id="other-origin" title="Autre origine" src="${base}/other-origin" width="10" height="10"></iframe>`
        : ''
      send(res, 200, `<!doctype html><html lang="fr"><head><title>Cours</title>${storage}</head><body><h1>Cours ENP7009</h1><iframe title="Compagnon" ` +
        `src="${escapeHtml(course.src)}" width="900" height="700"></iframe>${other}</body></html>`,
      { 'content-type': 'text/html; charset=utf-8' })
      return
    }
    if (path === '/other-origin') {
      allow('GET')
      // Posts what the course page hands it to the tool's frame (the course page's first frame), from this origin.
      send(res, 200, '<!doctype html><html><head><title>Autre origine</title><script>window.addEventListener("message", function (event) ' +
        '{ if (event.data && event.data.forward) { window.parent.frames[0].postMessage(event.data.forward, "*"); ' +
        'window.parent.postMessage({ forwarded: event.data.forward.subject }, "*"); } });</script></head><body></body></html>',
      { 'content-type': 'text/html; charset=utf-8' })
      return
    }
    if (path === membershipsPath) { allow('GET'); memberships(req, res, url); return }
    if (path === '/lineitems' || path.startsWith('/lineitems/')) { await lineItemsRoutes(req, res, url, method); return }
    send(res, 404, `no route ${method} ${path}`)
  }

  async function authorizationEndpoint (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    let params = url.searchParams
    if (req.method === 'POST') {
      if (mediaType(req.headers['content-type']) !== FORM) throw new HttpError(400, 'invalid_request: the auth request must be form-urlencoded')
      params = new URLSearchParams(await readBody(req))
    }
    const get = (name: string): string => params.get(name) ?? ''
    const fail = (reason: string): never => { throw new HttpError(400, reason) }
    if (get('response_type') !== 'id_token') fail('unsupported_response_type: response_type must be id_token')
    if (get('scope') !== 'openid') fail('invalid_scope: scope must be openid')
    if (get('client_id') !== clientId) fail(`unauthorized_client: unknown client_id ${JSON.stringify(get('client_id'))}`)
    if (get('redirect_uri') === '') fail('invalid_request: redirect_uri is required')
    if (get('response_mode') !== 'form_post') fail('invalid_request: response_mode must be form_post')
    if (get('prompt') !== 'none') fail('invalid_request: prompt must be none')
    if (get('nonce') === '') fail('invalid_request: nonce is required')
    if (get('state') === '') fail('invalid_request: state is required')
    const loginHint = get('login_hint')
    const messageHint = get('lti_message_hint')
    let pending: PendingLogin | undefined
    if (messageHint !== '') {
      pending = pendingLogins.get(messageHint)
      if (pending === undefined) fail('invalid_request: unknown lti_message_hint')
    } else if (quirks.postLoginInitiation) {
      fail('invalid_request: lti_message_hint is required')
    } else {
      pending = [...pendingLogins.values()].reverse().find(p => p.loginHint === loginHint)
    }
    if (pending === undefined || pending.loginHint !== loginHint) fail('login_required: login_hint does not match a login initiated by the platform')
    const login = pending as PendingLogin
    let redirectOrigin: string
    try {
      redirectOrigin = new URL(get('redirect_uri')).origin
    } catch {
      return fail('invalid_request: redirect_uri is not an absolute URL')
    }
    if (redirectOrigin !== new URL(login.toolBase).origin) fail('invalid_request: unregistered redirect_uri')
    if (!quirks.reusableLoginHint) pendingLogins.delete(login.messageHint)
    const idToken = await buildIdToken(login, get('nonce'))
    const fields: Array<[string, string]> = [['id_token', idToken], ['state', get('state')]]
    const inputs = fields.map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`).join('')
    send(res, 200, '<!doctype html><html><head><title>Redirection</title></head>' +
      '<body onload="document.forms[0].submit()">' +
      `<form method="post" action="${escapeHtml(get('redirect_uri'))}">${inputs}<noscript><button type="submit">Continue</button></noscript></form>` +
      '</body></html>', { 'content-type': 'text/html; charset=utf-8' })
  }

  async function buildIdToken (login: PendingLogin, nonce: string): Promise<string> {
    const o = login.options
    const now = Math.floor(Date.now() / 1000)
    const messageType = o.messageType ?? 'LtiResourceLinkRequest'
    const context = o.context ?? DEFAULT_CONTEXT
    currentContext = context
    const claims: Record<string, unknown> = {
      iss: issuer,
      aud: clientId,
      sub: o.user.sub,
      iat: now,
      exp: now + 300,
      nonce,
      azp: clientId
    }
    for (const field of ['name', 'given_name', 'family_name', 'email'] as const) {
      if (o.user[field] !== undefined) claims[field] = o.user[field]
    }
    Object.assign(claims, {
      [CLAIMS.messageType]: messageType,
      [CLAIMS.version]: '1.3.0',
      [CLAIMS.deploymentId]: login.deploymentId,
      [CLAIMS.targetLinkUri]: login.targetLinkUri,
      [CLAIMS.roles]: o.roles,
      [CLAIMS.context]: { ...context, type: ['http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering'] },
      [CLAIMS.toolPlatform]: toolPlatform,
      [CLAIMS.launchPresentation]: { document_target: 'iframe', return_url: returnUrl },
      [CLAIMS.ags]: {
        scope: [SCOPES.lineItem, SCOPES.lineItemReadonly, SCOPES.resultReadonly, SCOPES.score],
        lineitems: lineItemsUrl,
        ...((o.lineItemUrl ?? o.link?.lineItemUrl) === undefined ? {} : { lineitem: o.lineItemUrl ?? o.link?.lineItemUrl })
      },
      [CLAIMS.nrps]: { context_memberships_url: membershipsUrl, service_versions: ['2.0'] }
    })
    if (messageType === 'LtiResourceLinkRequest') {
      claims[CLAIMS.resourceLink] = o.resourceLink ?? (o.link === undefined
        ? DEFAULT_RESOURCE_LINK
        : { id: o.link.id, title: o.link.title })
    } else {
      deepLinkDeployments.add(login.deploymentId)
      claims[CLAIMS.deepLinkingSettings] = {
        deep_link_return_url: deepLinkReturnUrl,
        accept_types: ['ltiResourceLink'],
        accept_presentation_document_targets: ['iframe', 'window'],
        accept_multiple: true,
        data: DEEP_LINKING_DATA
      }
    }
    if (o.custom !== undefined || o.link !== undefined) claims[CLAIMS.custom] = { ...o.link?.custom, ...o.custom }
    o.claims?.(claims)
    received.launches.push(claims)
    const signer = o.signWith ?? key
    const jwt = await new SignJWT(claims as JWTPayload).setProtectedHeader({ alg: 'RS256', kid: signer.kid, typ: 'JWT' }).sign(signer.privateKey)
    return o.transformIdToken?.(jwt) ?? jwt
  }

  async function tokenEndpoint (req: IncomingMessage, res: ServerResponse): Promise<void> {
    ensureUp()
    const contentType = req.headers['content-type'] ?? ''
    const raw = await readBody(req)
    const record: TokenRequestRecord = { contentType, form: {}, ok: false }
    received.tokenRequests.push(record)
    const refuse = (status: number, error: string, reason: string): never => {
      record.error = `${error}: ${reason}`
      throw new HttpError(status, { error, error_description: reason })
    }
    const isForm = mediaType(contentType) === FORM
    if (isForm) {
      record.form = Object.fromEntries(new URLSearchParams(raw))
    } else {
      try {
        const parsed: unknown = JSON.parse(raw)
        if (typeof parsed === 'object' && parsed !== null) record.form = Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]))
      } catch { /* recorded as empty */ }
    }
    if (!isForm && quirks.formUrlEncodedTokenOnly) refuse(400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded')
    const form = record.form
    if (form.grant_type !== 'client_credentials') refuse(400, 'unsupported_grant_type', 'grant_type must be client_credentials')
    if (form.client_assertion_type !== CLIENT_ASSERTION_TYPE) refuse(400, 'invalid_request', `client_assertion_type must be ${CLIENT_ASSERTION_TYPE}`)
    const assertion = form.client_assertion ?? ''
    if (assertion === '') refuse(400, 'invalid_request', 'client_assertion is required')
    try {
      record.assertionHeader = decodeProtectedHeader(assertion) as Record<string, unknown>
      record.assertionClaims = decodeJwt(assertion) as Record<string, unknown>
    } catch {
      refuse(401, 'invalid_client', 'client_assertion is not a JWT')
    }
    if (toolJwksUrl === undefined) refuse(401, 'invalid_client', 'no tool JWKS URL configured (setTool)')
    let verified: JWTPayload | undefined
    try {
      const { payload } = await jwtVerify(assertion, await fetchJwks(toolJwksUrl as string), {
        issuer: clientId,
        subject: clientId,
        audience: options.tokenAudience ?? tokenUrl,
        algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'ES256'],
        requiredClaims: ['exp', 'jti']
      })
      verified = payload
    } catch (error) {
      refuse(401, 'invalid_client', error instanceof Error ? error.message : String(error))
    }
    const jti = String(verified?.jti)
    if (usedJtis.has(jti)) refuse(401, 'invalid_client', 'client_assertion jti already used')
    usedJtis.add(jti)
    const allowed = new Set<string>(Object.values(SCOPES))
    const granted = (form.scope ?? '').split(/\s+/).filter(scope => allowed.has(scope))
    if (granted.length === 0) refuse(400, 'invalid_scope', 'no grantable scope requested')
    record.ok = true
    const scope = granted.join(' ')
    sendJson(res, 200, { access_token: issueToken(granted), token_type: 'Bearer', expires_in: 3600, scope })
  }

  async function deepLinkReturn (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req)
    const jwt = mediaType(req.headers['content-type']) === FORM ? (new URLSearchParams(raw).get('JWT') ?? '') : ''
    const reject = (error: string): never => {
      received.deepLinkRejections.push({ jwt, error })
      throw new HttpError(400, `invalid deep-linking response: ${error}`)
    }
    if (jwt === '') reject('missing JWT form field (form-urlencoded)')
    if (toolJwksUrl === undefined) reject('no tool JWKS URL configured (setTool)')
    let claims: Record<string, unknown> = {}
    try {
      const { payload } = await jwtVerify(jwt, await fetchJwks(toolJwksUrl as string), {
        issuer: clientId,
        audience: issuer,
        algorithms: ['RS256'],
        requiredClaims: ['nonce', 'exp', 'iat']
      })
      claims = payload as Record<string, unknown>
    } catch (error) {
      reject(error instanceof Error ? error.message : String(error))
    }
    if (claims[CLAIMS.messageType] !== 'LtiDeepLinkingResponse') reject('message_type must be LtiDeepLinkingResponse')
    if (claims[CLAIMS.version] !== '1.3.0') reject('version must be 1.3.0')
    if (!deepLinkDeployments.has(String(claims[CLAIMS.deploymentId]))) reject('unknown deployment_id')
    if (claims[CLAIMS.deepLinkingData] !== undefined && claims[CLAIMS.deepLinkingData] !== DEEP_LINKING_DATA) reject('data does not match the request')
    const items = claims[CLAIMS.deepLinkingContentItems]
    if (items !== undefined && !Array.isArray(items)) reject('content_items must be an array')
    const resourceLinks = ((items ?? []) as Array<Record<string, unknown>>).filter(item => item.type === 'ltiResourceLink')
    for (const item of resourceLinks) {
      if (item.lineItem === undefined) continue
      const lineItem = item.lineItem as Record<string, unknown>
      if (typeof lineItem !== 'object' || lineItem === null) reject('lineItem must be an object')
      if (typeof lineItem.scoreMaximum !== 'number' || !(lineItem.scoreMaximum > 0)) reject('lineItem.scoreMaximum must be a number > 0')
      for (const key of ['label', 'resourceId', 'tag']) {
        if (lineItem[key] !== undefined && typeof lineItem[key] !== 'string') reject(`lineItem.${key} must be a string`)
      }
    }
    received.deepLinkResponses.push({ jwt, claims })
    for (const item of resourceLinks) placeLink(item)
    send(res, 200, '<!doctype html><html><body><p>ok</p></body></html>', { 'content-type': 'text/html; charset=utf-8' })
  }

  function memberships (req: IncomingMessage, res: ServerResponse, url: URL): void {
    ensureUp()
    requireToken(req, [SCOPES.contextMembershipReadonly])
    const role = url.searchParams.get('role')
    const selected = role === null
      ? members
      : members.filter(m => m.roles.some(r => r === role || r.split('#').pop() === role))
    const page = paginate(selected, url, membersPageSize)
    const headers: Record<string, string> = page.next === undefined ? {} : { link: `<${page.next.href}>; rel="next"` }
    sendJson(res, 200, { id: url.href, context: currentContext, members: page.items }, MEDIA_TYPES.membershipContainer, headers)
  }

  async function lineItemsRoutes (req: IncomingMessage, res: ServerResponse, url: URL, method: string): Promise<void> {
    ensureUp()
    const match = /^\/lineitems(?:\/(\d+)(\/lineitem)?(\/scores|\/results)?)?$/.exec(url.pathname)
    if (match === null) throw new HttpError(404, `no route ${method} ${url.pathname}`)
    if (quirks.queryStringLineItems && url.searchParams.get('type_id') !== '1') {
      throw new HttpError(400, { error: 'invalid_request', reason: 'missing type_id=1 query parameter' })
    }
    const [, n, lineitemSegment, sub] = match
    if (n === undefined) { await lineItemsContainer(req, res, url, method); return }
    if ((lineitemSegment !== undefined) !== quirks.queryStringLineItems) throw new HttpError(404, `no route ${method} ${url.pathname}`)
    const record = lineItemRecords.get(Number(n))
    if (record === undefined) throw new HttpError(404, { error: 'not_found', reason: `no line item ${n}` })
    if (sub === '/scores') { if (method !== 'POST') throw new HttpError(405, 'POST only'); await postScore(req, res, record); return }
    if (sub === '/results') { if (method !== 'GET') throw new HttpError(405, 'GET only'); results(req, res, url, record); return }
    if (method === 'GET') {
      requireToken(req, [SCOPES.lineItem, SCOPES.lineItemReadonly])
      sendJson(res, 200, record.data, MEDIA_TYPES.lineItem)
    } else if (method === 'PUT') {
      requireToken(req, [SCOPES.lineItem])
      const body = parseJsonObject(await readBody(req))
      validateLineItem(body)
      record.data = { ...body, id: lineItemUrl(record.n) }
      sendJson(res, 200, record.data, MEDIA_TYPES.lineItem)
    } else if (method === 'DELETE') {
      requireToken(req, [SCOPES.lineItem])
      lineItemRecords.delete(record.n)
      res.writeHead(204).end()
    } else {
      throw new HttpError(405, `method ${method} not allowed`)
    }
  }

  /** A deep-linked resource link, with its gradebook column when the platform makes one (see quirks.acceptGrades). */
  function placeLink (item: Record<string, unknown>): void {
    const id = `dl-${links.length + 1}`
    const title = typeof item.title === 'string' ? item.title : 'Compagnon'
    const custom = Object.fromEntries(Object.entries((item.custom ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]))
    const link: DeepLinkedLink = { id, title, url: String(item.url ?? ''), custom }
    const lineItem = item.lineItem as { label?: string, scoreMaximum: number, resourceId?: string, tag?: string } | undefined
    if (quirks.acceptGrades === 'always' || (quirks.acceptGrades === 'delegate' && lineItem !== undefined)) {
      const label = quirks.columnNamedAfterActivity ? title : lineItem?.label ?? title
      link.lineItemUrl = String(createLineItem({
        label,
        scoreMaximum: lineItem?.scoreMaximum ?? 100,
        resourceLinkId: id,
        ...(lineItem?.resourceId === undefined ? {} : { resourceId: lineItem.resourceId }),
        ...(lineItem?.tag === undefined ? {} : { tag: lineItem.tag })
      }).id)
    }
    links.push(link)
  }

  function createLineItem (body: Record<string, unknown>): Record<string, unknown> {
    const n = ++lineItemSeq
    const data = { ...body, id: lineItemUrl(n) }
    lineItemRecords.set(n, { n, data })
    return data
  }

  async function lineItemsContainer (req: IncomingMessage, res: ServerResponse, url: URL, method: string): Promise<void> {
    if (method === 'GET') {
      requireToken(req, [SCOPES.lineItem, SCOPES.lineItemReadonly])
      const filters: Array<[string, string]> = [['resource_link_id', 'resourceLinkId'], ['resource_id', 'resourceId'], ['tag', 'tag']]
      let items = [...lineItemRecords.values()].map(r => r.data)
      for (const [param, field] of filters) {
        const wanted = url.searchParams.get(param)
        if (wanted !== null) items = items.filter(item => item[field] === wanted)
      }
      const page = paginate(items, url, Number.POSITIVE_INFINITY)
      const headers: Record<string, string> = page.next === undefined ? {} : { link: `<${page.next.href}>; rel="next"` }
      sendJson(res, 200, page.items, MEDIA_TYPES.lineItemContainer, headers)
    } else if (method === 'POST') {
      requireToken(req, [SCOPES.lineItem])
      if (mediaType(req.headers['content-type']) !== MEDIA_TYPES.lineItem) {
        throw new HttpError(415, { error: 'invalid_request', reason: `Content-Type must be ${MEDIA_TYPES.lineItem}` })
      }
      const body = parseJsonObject(await readBody(req))
      validateLineItem(body)
      const data = createLineItem(body)
      received.lineItemsCreated.push(data)
      sendJson(res, 201, data, MEDIA_TYPES.lineItem, { location: String(data.id) })
    } else {
      throw new HttpError(405, `method ${method} not allowed`)
    }
  }

  async function postScore (req: IncomingMessage, res: ServerResponse, record: LineItemRecord): Promise<void> {
    const authorization = requireToken(req, [SCOPES.score])
    if (mediaType(req.headers['content-type']) !== MEDIA_TYPES.score) {
      throw new HttpError(415, { error: 'invalid_request', reason: `Content-Type must be ${MEDIA_TYPES.score}` })
    }
    const body = parseJsonObject(await readBody(req))
    validateScore(body)
    received.scores.push({ lineItemUrl: lineItemUrl(record.n), body, authorization, receivedAt: new Date() })
    res.writeHead(204).end()
  }

  function results (req: IncomingMessage, res: ServerResponse, url: URL, record: LineItemRecord): void {
    requireToken(req, [SCOPES.resultReadonly])
    const id = lineItemUrl(record.n)
    const latest = new Map<string, Record<string, unknown>>()
    for (const score of received.scores) {
      if (score.lineItemUrl !== id) continue
      const body = score.body as Record<string, unknown>
      const userId = String(body.userId)
      const previous = latest.get(userId)
      if (previous === undefined || Date.parse(String(body.timestamp)) >= Date.parse(String(previous.timestamp))) latest.set(userId, body)
    }
    const userFilter = url.searchParams.get('user_id')
    const resultsPath = `${base}${lineItemPath(record.n)}/results`
    const list = [...latest.values()]
      .filter(body => userFilter === null || body.userId === userFilter)
      .map(body => ({
        id: `${resultsPath}/${encodeURIComponent(String(body.userId))}${typeQuery}`,
        scoreOf: id,
        userId: body.userId,
        ...(typeof body.scoreGiven === 'number' ? { resultScore: body.scoreGiven, resultMaximum: body.scoreMaximum } : {}),
        ...(body.comment === undefined ? {} : { comment: body.comment }),
        timestamp: body.timestamp
      }))
    const page = paginate(list, url, Number.POSITIVE_INFINITY)
    const headers: Record<string, string> = page.next === undefined ? {} : { link: `<${page.next.href}>; rel="next"` }
    sendJson(res, 200, page.items, MEDIA_TYPES.resultContainer, headers)
  }

  // --- the browser --------------------------------------------------------------------------

  /** Moodle's launch page of an activity: a new login for it, posted to the tool by the page itself. */
  function activityLaunchPage (res: ServerResponse, url: URL): void {
    const cmid = Number(url.searchParams.get('id'))
    const activity = activities.get(cmid)
    if (activity === undefined) throw new HttpError(404, 'no such activity')
    const { loginParams, loginUrl } = startLogin(activity.toolBase, activity.options, cmid)
    const inputs = [...loginParams].map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`).join('')
    send(res, 200, '<!doctype html><html><head><title>Lancement</title></head><body onload="document.forms[0].submit()">' +
      `<form method="post" action="${escapeHtml(loginUrl)}">${inputs}<noscript><button type="submit">Continue</button></noscript></form></body></html>`,
    { 'content-type': 'text/html; charset=utf-8' })
  }

  /** A login this platform starts for a launch: remembered by its message hint, with the tool's login URL and parameters. */
  function startLogin (toolBase: string, launchOptions: LaunchOptions, cmid?: number): { login: PendingLogin, loginParams: URLSearchParams, loginUrl: string } {
    const toolRoot = toolBase.replace(/\/+$/, '')
    let messageHint = `hint-${randomBytes(12).toString('hex')}`
    if (quirks.moodleLaunchIds) {
      const activity = cmid ?? activities.size + 1
      activities.set(activity, { toolBase: toolRoot, options: launchOptions })
      messageHint = JSON.stringify({ cmid: activity, launchid: `ltilaunch${activity}_${randomBytes(4).readUInt32BE()}` })
    }
    const login: PendingLogin = {
      messageHint,
      loginHint: launchOptions.user.sub,
      toolBase: toolRoot,
      targetLinkUri: launchOptions.targetLinkUri ?? `${toolRoot}/lti/launch`,
      deploymentId: launchOptions.deploymentId ?? deploymentId,
      options: launchOptions
    }
    pendingLogins.set(messageHint, login)
    const loginParams = new URLSearchParams({
      iss: issuer,
      login_hint: login.loginHint,
      target_link_uri: login.targetLinkUri,
      lti_message_hint: messageHint,
      client_id: clientId,
      lti_deployment_id: login.deploymentId
    })
    if (quirks.platformStorage) loginParams.set('lti_storage_target', '_parent')
    return { login, loginParams, loginUrl: launchOptions.loginUrl ?? `${toolRoot}/lti/login` }
  }

  /**
   * The login initiation URL of a launch, for a real browser to open: it goes on to the tool's
   * login, this platform's auth endpoint (whose page posts the id_token itself) and the tool.
   */
  function loginUrlFor (toolBase: string, launchOptions: LaunchOptions): string {
    const { loginParams, loginUrl } = startLogin(toolBase, launchOptions)
    return `${loginUrl}${loginUrl.includes('?') ? '&' : '?'}${loginParams.toString()}`
  }

  async function launch (toolBase: string, launchOptions: LaunchOptions): Promise<LaunchResult> {
    const { login, loginParams, loginUrl } = startLogin(toolBase, launchOptions)
    const cookies = new CookieJar()
    const loginResponse = quirks.postLoginInitiation
      ? await fetch(loginUrl, { method: 'POST', headers: { 'content-type': FORM }, body: loginParams.toString(), redirect: 'manual' })
      : await fetch(`${loginUrl}${loginUrl.includes('?') ? '&' : '?'}${loginParams.toString()}`, { redirect: 'manual' })
    if (launchOptions.blockToolCookies !== true) cookies.store(loginResponse)
    // This course page's platform storage (quirks.platformStorage), as the tool's pages use it.
    const storage = new Map<string, string>()
    const toolOrigin = new URL(loginUrl).origin
    let location = loginResponse.headers.get('location')
    if (quirks.platformStorage && loginResponse.status === 200) {
      const put = storageElement(await loginResponse.clone().text(), 'put')
      if (put !== undefined) {
        // The browser delivers the message only if the tool addressed it to this page's origin.
        if (put.target === '_parent' && put.origin === new URL(authUrl).origin) storage.set(put.key, put.value ?? '')
        location = put.next ?? null
      }
    }
    if ((quirks.platformStorage ? ![200, 302, 303].includes(loginResponse.status) : ![302, 303].includes(loginResponse.status)) || location === null) {
      pendingLogins.delete(login.messageHint)
      const body = await loginResponse.text()
      throw new LaunchError(
        `login initiation answered ${loginResponse.status} (expected a redirect to ${authUrl}): ${body.slice(0, 500)}`,
        'login',
        loginResponse,
        body
      )
    }
    const authLocation = new URL(location, loginUrl)
    if (`${authLocation.origin}${authLocation.pathname}` !== authUrl) {
      pendingLogins.delete(login.messageHint)
      throw new LaunchError(`login initiation redirected to ${authLocation.href}, not to ${authUrl}`, 'login', loginResponse, '')
    }
    const authResponse = await fetch(authLocation, { redirect: 'manual' })
    const html = await authResponse.text()
    if (authResponse.status !== 200) {
      pendingLogins.delete(login.messageHint)
      throw new LaunchError(`auth endpoint answered ${authResponse.status}: ${html}`, 'auth', authResponse, html)
    }
    const page = parseAutoPostForm(html)
    const form = new URLSearchParams(page.fields)
    const sentCookies = cookies.clone()
    const post = async (jar: CookieJar): Promise<Response> => {
      const cookie = jar.header()
      return await fetch(page.action, {
        method: 'POST',
        headers: { 'content-type': FORM, ...(cookie === '' ? {} : { cookie }) },
        body: form.toString(),
        redirect: 'manual'
      })
    }
    let launchResponse = await post(sentCookies)
    let storageGet: LaunchResult['storageGet']
    if (quirks.platformStorage && launchResponse.status === 200) {
      const html = await launchResponse.clone().text()
      const get = storageElement(html, 'get')
      if (get !== undefined) {
        // The tool's page asks this page's storage (lti.get_data), then posts the launch again from its own origin.
        launchOptions.tamperStorage?.(storage)
        const again = parseAutoPostForm(html)
        const found = get.target === '_parent' && get.origin === new URL(authUrl).origin ? storage.get(get.key) : undefined
        const fields = again.fields.map(([name, value]): [string, string] => [name, name === 'compagnon_storage' ? found ?? '' : value])
        storageGet = { action: new URL(again.action, page.action).href, fields }
        const cookie = sentCookies.header()
        launchResponse = await fetch(storageGet.action, {
          method: 'POST',
          headers: {
            'content-type': FORM,
            origin: toolOrigin,
            'sec-fetch-site': 'same-origin',
            'sec-fetch-dest': 'iframe',
            ...(cookie === '' ? {} : { cookie })
          },
          body: new URLSearchParams(fields).toString(),
          redirect: 'manual'
        })
      }
    }
    cookies.store(launchResponse)
    return {
      loginResponse,
      authRequest: authLocation.searchParams,
      idToken: form.get('id_token') ?? '',
      form,
      launchResponse,
      cookies,
      storage,
      ...(storageGet === undefined ? {} : { storageGet }),
      replay: async (jar?: CookieJar) => await post(jar ?? sentCookies)
    }
  }

  return {
    url: base,
    issuer,
    clientId,
    deploymentId,
    authUrl,
    tokenUrl,
    jwksUrl,
    lineItemsUrl,
    membershipsUrl,
    deepLinkReturnUrl,
    kid: key.kid,
    privateKey: key.privateKey,
    publicJwk: key.publicJwk,
    setTool: (opts) => { toolJwksUrl = opts.jwksUrl },
    launch,
    loginUrl: loginUrlFor,
    coursePageUrl: (toolBase, launchOptions, host = '127.0.0.1') => {
      const path = `/course/${coursePages.size + 1}`
      coursePages.set(path, {
        src: loginUrlFor(toolBase, launchOptions),
        toolOrigin: new URL(toolBase).origin,
        answerFromOtherOrigin: launchOptions.answerFromOtherOrigin === true
      })
      return `${base.replace('127.0.0.1', host)}${path}`
    },
    registration: () => ({
      issuer,
      clientId,
      deploymentId,
      authUrl,
      tokenUrl,
      jwksUrl,
      name: toolPlatform.name,
      ...(options.tokenAudience !== undefined ? { tokenAudience: options.tokenAudience } : {})
    }),
    received,
    setMembers: (list, pageSize) => {
      members = list
      membersPageSize = pageSize !== undefined && pageSize > 0 ? pageSize : Number.POSITIVE_INFINITY
    },
    setServicesDown: (down) => { servicesDown = down },
    setServicesDelay: (ms) => { servicesDelayMs = ms },
    addLineItem: (item) => {
      const body: Record<string, unknown> = { ...item }
      validateLineItem(body)
      return String(createLineItem(body).id)
    },
    lineItems: () => [...lineItemRecords.values()].map(r => ({ ...r.data })),
    links: () => links.map(link => ({ ...link, custom: { ...link.custom } })),
    issueToken,
    close
  }
}
