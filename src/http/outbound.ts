import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import ipaddr from 'ipaddr.js'

/**
 * Requests to addresses someone else gave us (an LMS's configuration URL during dynamic
 * registration): https to public Internet addresses only, checked on every address the name
 * resolves to, at connection time (the checked address is the one connected to: no DNS
 * rebinding between check and use) and again on every redirect hop.
 */
export interface OutboundPolicy {
  /**
   * Development and tests: http, loopback and private networks are allowed (LTI_ALLOW_PRIVATE_URLS).
   * Link-local (cloud metadata), multicast, broadcast and unspecified addresses stay refused.
   */
  allowPrivate: boolean
  timeoutMs: number
  maxRedirects: number
  maxBytes: number
}

/** Why an outbound request did not give an answer, without any of the remote's own words. */
export type OutboundFailure =
  /** The URL or one of its addresses is not allowed (not https, private, loopback...). */
  | { kind: 'refused_address', url: string }
  /** Anything on the way: DNS, closed port, timeout, TLS, not HTTP, too big, too many redirects. */
  | { kind: 'unreachable' }

export class OutboundError extends Error {
  constructor (readonly failure: OutboundFailure) {
    super(failure.kind)
    this.name = 'OutboundError'
  }
}

/** Ranges never reachable through an outbound request, whatever the policy. */
const ALWAYS_REFUSED = new Set(['unspecified', 'broadcast', 'multicast', 'linkLocal', 'reserved'])
/** Ranges allowed only in development and tests; any other special range (6to4, Teredo... which can wrap a private address) never. */
const PRIVATE = new Set(['loopback', 'private', 'uniqueLocal', 'carrierGradeNat'])

/** Whether an IP address may be connected to under this policy. */
export function addressAllowed (address: string, allowPrivate: boolean): boolean {
  if (!ipaddr.isValid(address)) return false
  // An IPv4 address written as IPv6 (::ffff:127.0.0.1) is that IPv4 address.
  const parsed = ipaddr.process(address)
  const range = parsed.range()
  if (ALWAYS_REFUSED.has(range)) return false
  if (range === 'unicast') return true
  return allowPrivate && PRIVATE.has(range)
}

/** Whether a URL may be requested at all, before any name is resolved. */
export function urlAllowed (value: string, allowPrivate: boolean): boolean {
  let url: URL
  try { url = new URL(value) } catch { return false }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) return false
  if (url.username !== '' || url.password !== '') return false
  const host = url.hostname.replace(/^\[|\]$/g, '')
  if (isIP(host) !== 0) return addressAllowed(host, allowPrivate)
  // A bare name (intranet host) or "localhost" is never a public platform.
  if (!allowPrivate && (
    !host.includes('.') || host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal')
  )) return false
  return true
}

/** Resolves every address of a name and refuses the connection if any one is not allowed. */
export function guardedLookup (allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses: LookupAddress[]) => {
      if (err !== null) { callback(err, '', 4); return }
      if (addresses.length === 0 || addresses.some(a => !addressAllowed(a.address, allowPrivate))) {
        callback(Object.assign(new Error('address refused'), { code: 'COMPAGNON_ADDRESS_REFUSED' }), '', 4)
        return
      }
      if (options.all === true) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses)
      else callback(null, addresses[0]?.address ?? '', addresses[0]?.family ?? 4)
    })
  }
}

export interface OutboundResponse { status: number, body: string }

async function once (url: URL, init: {
  method: string
  headers: Record<string, string>
  body?: string
}, policy: OutboundPolicy): Promise<{ status: number, location: string | undefined, body: string }> {
  return await new Promise((resolve, reject) => {
    // Whatever breaks (request or response side), the caller learns only "refused" or "unreachable".
    const fail = (err: Error & { code?: string }): void => {
      reject(err.code === 'COMPAGNON_ADDRESS_REFUSED'
        ? new OutboundError({ kind: 'refused_address', url: url.href })
        : new OutboundError({ kind: 'unreachable' }))
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest
    const req = send(url, {
      method: init.method,
      headers: init.headers,
      lookup: guardedLookup(policy.allowPrivate),
      timeout: policy.timeoutMs
    }, (res: IncomingMessage) => {
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > policy.maxBytes) { fail(new Error('too big')); req.destroy(); return }
        chunks.push(chunk)
      })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, location: res.headers.location, body: Buffer.concat(chunks).toString('utf8') }) })
      res.on('error', fail)
      res.on('aborted', () => { fail(new Error('aborted')) })
    })
    // The whole exchange, not only idle time, is bounded.
    const timer = setTimeout(() => { fail(new Error('timeout')); req.destroy() }, policy.timeoutMs)
    req.on('close', () => { clearTimeout(timer) })
    req.on('timeout', () => { fail(new Error('timeout')); req.destroy() })
    req.on('error', fail)
    req.end(init.body)
  })
}

/**
 * One request under the policy, following up to `maxRedirects` redirects by hand (each hop
 * checked like the first; a 303, or a 301/302 after a POST, continues as a GET without body).
 * Throws OutboundError; any HTTP status is an answer (the caller says what it means).
 */
export async function outboundRequest (target: string, init: {
  method?: string
  headers?: Record<string, string>
  body?: string
}, policy: OutboundPolicy): Promise<OutboundResponse> {
  let url = target
  let method = init.method ?? 'GET'
  let body = init.body
  let headers = init.headers ?? {}
  for (let hop = 0; hop <= policy.maxRedirects; hop++) {
    if (!urlAllowed(url, policy.allowPrivate)) throw new OutboundError({ kind: 'refused_address', url })
    const answer = await once(new URL(url), { method, headers, ...(body !== undefined ? { body } : {}) }, policy)
    if (![301, 302, 303, 307, 308].includes(answer.status)) return { status: answer.status, body: answer.body }
    if (answer.location === undefined) throw new OutboundError({ kind: 'unreachable' })
    const from = new URL(url).origin
    try { url = new URL(answer.location, url).href } catch { throw new OutboundError({ kind: 'unreachable' }) }
    // Credentials meant for one origin are not handed to another.
    if (new URL(url).origin !== from) headers = Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'))
    if (answer.status === 303 || ((answer.status === 301 || answer.status === 302) && method === 'POST')) { method = 'GET'; body = undefined }
  }
  throw new OutboundError({ kind: 'unreachable' })
}
