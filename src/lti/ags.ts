import { createPrivateKey, randomUUID } from 'node:crypto'
import { SignJWT } from 'jose'
import type { RosterStatus } from './repository.js'
import type { LtiStorage } from './storage.js'

/** Platform calls fail fast rather than hang a worker. */
const TIMEOUT_MS = 10_000

export const AGS_SCOPES = {
  lineItem: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  score: 'https://purl.imsglobal.org/spec/lti-ags/scope/score',
  resultReadonly: 'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly'
} as const

/** A grade as the LMS gradebook holds it (AGS result). */
export interface AgsResult {
  userId: string
  resultScore?: number
  resultMaximum?: number
  comment?: string
}
const ROSTER_STATUSES = ['Active', 'Inactive', 'Deleted'] as const satisfies readonly RosterStatus[]

/**
 * A member's status as NRPS sends it, as we store it: absent means Active (the spec's default);
 * platforms also send it lowercased or as the LIS vocabulary URI (`…/status#Inactive`). Anything
 * else is not a status we know: Inactive, so a roster never registers someone on a guess, and the
 * sync goes on instead of failing on the database's check.
 */
export function rosterStatus (value: unknown): RosterStatus {
  if (value === undefined || value === null) return 'Active'
  const word = String(value).split('#').pop()!.trim().toLowerCase()
  return ROSTER_STATUSES.find(s => s.toLowerCase() === word) ?? 'Inactive'
}

export const NRPS_SCOPE = 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly'

export interface RosterMember {
  user_id: string
  roles: string[]
  status?: RosterStatus
  name?: string
  given_name?: string
  family_name?: string
  email?: string
}

/** What Compagnon asks of a line item it looks for (and creates when the course has none). */
export interface LineItemSpec { tag: string, resourceId: string, label: string, scoreMaximum: number }

/** A line item as the platform lists it (AGS line item container). */
interface PlatformLineItem { id: string, label?: string, tag?: string, resourceId?: string, resourceLinkId?: string }

/** Safety bound on paging: a platform that keeps sending `next` cannot hold a worker forever. */
const MAX_PAGES = 200

export class PlatformCallError extends Error {
  constructor (message: string, readonly status?: number) {
    super(message)
    this.name = 'PlatformCallError'
  }
}

export interface AgsScore {
  userId: string
  scoreGiven?: number
  scoreMaximum?: number
  comment?: string
  activityProgress: 'Initialized' | 'Started' | 'InProgress' | 'Submitted' | 'Completed'
  gradingProgress: 'FullyGraded' | 'Pending' | 'PendingManual' | 'Failed' | 'NotReady'
  /** When the grade was given, not when it is sent: platforms keep the newest by this. */
  timestamp: string
}

/** `…/lineitem?type_id=1` + `/scores` → `…/lineitem/scores?type_id=1` (Moodle puts a query in line item URLs). */
export function serviceUrl (lineItemUrl: string, suffix: string): string {
  const url = new URL(lineItemUrl)
  url.pathname = url.pathname.replace(/\/+$/, '') + suffix
  return url.toString()
}

/**
 * Our own LTI Advantage client for grades: ltijs' submitScore rewrites the score timestamp to
 * the sending time, which would let a retried old grade pass for a newer one. The client
 * assertion is standard (iss = sub = client id, aud = token URL, 60 s, our kid), signed with
 * the key ltijs generated for the platform; tokens are cached until shortly before expiry.
 */
export class AgsClient {
  constructor (private readonly storage: LtiStorage, private readonly sealingKey: string) {}

  async #platform (issuer: string, clientId: string): Promise<{ tokenUrl: string, audience: string, kid: string }> {
    const found = await this.storage.Get(false, 'platform', { platformUrl: issuer, clientId })
    const p = found === false ? undefined : found[0]
    if (p === undefined) throw new PlatformCallError(`platform ${issuer} (${clientId}) is not registered`)
    const tokenUrl = String(p.accesstokenEndpoint)
    return {
      tokenUrl,
      audience: typeof p.authorizationServer === 'string' && p.authorizationServer !== '' ? p.authorizationServer : tokenUrl,
      kid: String(p.kid)
    }
  }

  async accessToken (issuer: string, clientId: string, scopes: string[]): Promise<string> {
    const scope = [...scopes].sort().join(' ')
    const cached = await this.storage.Get(this.sealingKey, 'accesstoken', { platformUrl: issuer, clientId, scopes: scope })
    const token = cached === false ? undefined : cached[0]?.token as { access_token?: string } | undefined
    if (token?.access_token !== undefined) return token.access_token

    const platform = await this.#platform(issuer, clientId)
    const keys = await this.storage.Get(this.sealingKey, 'privatekey', { kid: platform.kid })
    const pem = keys === false ? undefined : keys[0]?.key
    if (typeof pem !== 'string') throw new PlatformCallError(`no private key for platform ${issuer}`)
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: platform.kid, typ: 'JWT' })
      .setIssuer(clientId).setSubject(clientId).setAudience(platform.audience)
      .setIssuedAt().setExpirationTime('60s').setJti(randomUUID())
      .sign(createPrivateKey(pem))
    // Moodle accepts nothing but a form here.
    const res = await fetch(platform.tokenUrl, {
      method: 'POST',
      signal: AbortSignal.timeout(TIMEOUT_MS),
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
        scope
      }).toString()
    })
    if (!res.ok) throw new PlatformCallError(`token endpoint answered ${res.status}`, res.status)
    const body = await res.json() as { access_token?: string, expires_in?: number }
    if (typeof body.access_token !== 'string') throw new PlatformCallError('token endpoint gave no access_token')
    const index = { platformUrl: issuer, clientId, scopes: scope }
    await this.storage.Replace(this.sealingKey, 'accesstoken', index, { token: body }, index)
    return body.access_token
  }

  /**
   * Our line item in a course: the platform's own one when there is one — made from a
   * deep-linked activity's `lineItem` (found by its tag, else by its resourceId), or one we
   * created earlier — and a new one only when the course has none.
   * Several candidates (a course from before deep-linked line items, re-linked since): the one
   * already holding grades, else the one tied to an activity (a resource link), else the first.
   */
  async findOrCreateLineItem (call: { issuer: string, clientId: string, lineItemsUrl: string }, item: LineItemSpec): Promise<string> {
    const token = await this.accessToken(call.issuer, call.clientId, [AGS_SCOPES.lineItem, AGS_SCOPES.score])
    // Filters are asked of the platform and checked again here: a platform may ignore them.
    let candidates = (await this.#lineItems(call.lineItemsUrl, token, 'tag', item.tag)).filter(li => li.tag === item.tag)
    if (candidates.length === 0) {
      candidates = (await this.#lineItems(
        call.lineItemsUrl,
        token,
        'resource_id',
        item.resourceId
      )).filter(li => li.resourceId === item.resourceId)
    }
    if (candidates.length === 1) return candidates[0]!.id
    if (candidates.length > 1) return await this.#preferred(call, candidates)
    const created = await this.#fetch(call.lineItemsUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/vnd.ims.lis.v2.lineitem+json',
        accept: 'application/vnd.ims.lis.v2.lineitem+json'
      },
      body: JSON.stringify({ label: item.label, tag: item.tag, resourceId: item.resourceId, scoreMaximum: item.scoreMaximum })
    })
    const body = await created.json() as { id?: string }
    if (typeof body.id !== 'string') throw new PlatformCallError('the platform created a line item without an id')
    return body.id
  }

  async #lineItems (lineItemsUrl: string, token: string, filter: string, value: string): Promise<PlatformLineItem[]> {
    const url = new URL(lineItemsUrl)
    url.searchParams.set(filter, value)
    const items = await this.#pages<PlatformLineItem>(
      url.toString(),
      token,
      'application/vnd.ims.lis.v2.lineitemcontainer+json',
      body => Array.isArray(body) ? body as PlatformLineItem[] : []
    )
    return items.filter(li => typeof li.id === 'string')
  }

  async #preferred (call: { issuer: string, clientId: string }, candidates: PlatformLineItem[]): Promise<string> {
    for (const candidate of candidates) {
      // Results refused (scope not granted): judged by the other rules. Anything else (an outage)
      // fails the delivery, to be retried, rather than choose a column on partial knowledge.
      const results = await this.results(call, candidate.id).catch((err: unknown) => {
        if (err instanceof PlatformCallError && [400, 401, 403].includes(err.status ?? 0)) return []
        throw err
      })
      if (results.some(r => r.resultScore !== undefined || (r.comment ?? '') !== '')) return candidate.id
    }
    return (candidates.find(li => typeof li.resourceLinkId === 'string' && li.resourceLinkId !== '') ?? candidates[0]!).id
  }

  async postScore (call: { issuer: string, clientId: string }, lineItemUrl: string, score: AgsScore): Promise<void> {
    const token = await this.accessToken(call.issuer, call.clientId, [AGS_SCOPES.lineItem, AGS_SCOPES.score])
    await this.#fetch(serviceUrl(lineItemUrl, '/scores'), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/vnd.ims.lis.v1.score+json' },
      body: JSON.stringify(score)
    })
  }

  /** What the LMS gradebook holds for a line item (AGS results), across pages. */
  async results (call: { issuer: string, clientId: string }, lineItemUrl: string): Promise<AgsResult[]> {
    const token = await this.accessToken(call.issuer, call.clientId, [AGS_SCOPES.resultReadonly])
    return await this.#pages<AgsResult>(
      serviceUrl(lineItemUrl, '/results'),
      token,
      'application/vnd.ims.lis.v2.resultcontainer+json',
      body => Array.isArray(body) ? body as AgsResult[] : []
    )
  }

  /** Every member of a course (NRPS), following `Link: <…>; rel="next"` across pages. */
  async roster (call: { issuer: string, clientId: string, membershipsUrl: string }): Promise<RosterMember[]> {
    const token = await this.accessToken(call.issuer, call.clientId, [NRPS_SCOPE])
    const members = await this.#pages<RosterMember>(
      call.membershipsUrl,
      token,
      'application/vnd.ims.lti-nrps.v2.membershipcontainer+json',
      body => (body as { members?: RosterMember[] }).members ?? []
    )
    return members.map(member => ({ ...member, status: rosterStatus(member.status) }))
  }

  /** GETs a paged collection, following `Link: <…>; rel="next"`, within a page bound. */
  async #pages<T> (first: string, token: string, accept: string, itemsOf: (body: unknown) => T[]): Promise<T[]> {
    const items: T[] = []
    let next: string | undefined = first
    for (let page = 0; next !== undefined; page++) {
      if (page >= MAX_PAGES) throw new PlatformCallError(`more than ${MAX_PAGES} pages at ${new URL(first).pathname}`)
      const res = await this.#fetch(next, { headers: { authorization: `Bearer ${token}`, accept } })
      items.push(...itemsOf(await res.json()))
      const link = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(res.headers.get('link') ?? '')?.[1]
      next = link === undefined ? undefined : new URL(link, next).toString()
    }
    return items
  }

  async #fetch (url: string, init: RequestInit): Promise<Response> {
    let res: Response
    try {
      res = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) })
    } catch (err) {
      throw new PlatformCallError(`${new URL(url).host} unreachable: ${(err as Error).message}`)
    }
    if (!res.ok) throw new PlatformCallError(`${init.method ?? 'GET'} ${new URL(url).pathname} answered ${res.status}`, res.status)
    return res
  }
}
