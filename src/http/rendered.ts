import { createHash } from 'node:crypto'
import { promisify } from 'node:util'
import { brotliCompress, constants, gzip } from 'node:zlib'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { LRUCache } from 'lru-cache'

const gzipAsync = promisify(gzip)
const brotliAsync = promisify(brotliCompress)

export type Encoding = 'br' | 'gzip' | 'identity'

/**
 * A response body rendered once and kept: its bytes, compressed once each way (on libuv's
 * threads, not the event loop), and a strong ETag per encoding — the same hash of the content
 * with the encoding added, since a gzip body is another sequence of bytes (RFC 9110 §8.8.1).
 */
export interface Rendered {
  type: string
  bodies: Record<Encoding, Buffer>
  etags: Record<Encoding, string>
}

/** Compression levels for bodies compressed once and sent many times: the best that stays in tens of ms for ~60 KB. */
const GZIP_LEVEL = 9
const BROTLI_QUALITY = 9

export async function renderedBody (text: string, type: string): Promise<Rendered> {
  const identity = Buffer.from(text, 'utf8')
  const [gz, br] = await Promise.all([
    gzipAsync(identity, { level: GZIP_LEVEL }),
    brotliAsync(identity, { params: { [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: identity.length } })
  ])
  const hash = createHash('sha256').update(identity).digest('base64url').slice(0, 32)
  return {
    type,
    bodies: { identity, gzip: gz, br },
    etags: { identity: `"${hash}"`, gzip: `"${hash}-gzip"`, br: `"${hash}-br"` }
  }
}

const sizeOf = (r: Rendered): number => r.bodies.identity.length + r.bodies.gzip.length + r.bodies.br.length + 256

/**
 * Rendered bodies by key, bounded in entries and bytes (least recently used go first). A key
 * asked for again while it is being rendered waits for that one rendering: a cold cache under
 * twenty connections renders once, not twenty times.
 */
export class RenderedCache {
  readonly #entries: LRUCache<string, Rendered, () => Promise<Rendered>>

  constructor ({ maxEntries, maxBytes }: { maxEntries: number, maxBytes: number }) {
    this.#entries = new LRUCache({
      max: maxEntries,
      maxSize: maxBytes,
      sizeCalculation: sizeOf,
      fetchMethod: async (_key, _stale, { context }) => await context()
    })
  }

  /** The body kept under `key`, else `render`'s text, compressed and kept. */
  async get (key: string, type: string, render: () => string | Promise<string>): Promise<Rendered> {
    const found = await this.#entries.fetch(key, { context: async () => await renderedBody(await render(), type) })
    if (found === undefined) throw new Error(`rendering ${key} gave nothing`)
    return found
  }

  /** Entries and bytes held now (what the bound is about). */
  get usage (): { entries: number, bytes: number } {
    return { entries: this.#entries.size, bytes: this.#entries.calculatedSize }
  }
}

/** How much a client wants each content coding, from Accept-Encoding (`*` stands for the ones not named). */
function acceptedEncodings (header: string | string[] | undefined): (name: string) => number {
  const value = Array.isArray(header) ? header.join(',') : header ?? ''
  const weights = new Map<string, number>()
  for (const part of value.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';')
    if (name.trim() === '') continue
    const q = params.map(p => /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p)?.[1]).find(v => v !== undefined)
    weights.set(name.trim(), q === undefined ? 1 : Number(q))
  }
  return name => weights.get(name) ?? weights.get('*') ?? 0
}

/** The encoding to answer with: brotli, then gzip, when accepted (weight above zero); else the body as is. */
export function preferredEncoding (header: string | string[] | undefined): Encoding {
  const weight = acceptedEncodings(header)
  if (weight('br') > 0) return 'br'
  if (weight('gzip') > 0) return 'gzip'
  return 'identity'
}

/** Whether If-None-Match names this content (in any of its encodings: the client holds the same content). */
function notModified (request: FastifyRequest, rendered: Rendered): boolean {
  const header = request.headers['if-none-match']
  if (header === undefined) return false
  const tags = header.split(',').map(tag => tag.trim().replace(/^W\//, ''))
  return tags.includes('*') || Object.values(rendered.etags).some(etag => tags.includes(etag))
}

/** Adds to the Vary header rather than replacing what another part of the app put there. */
export function addVary (reply: FastifyReply, ...names: string[]): void {
  const current = reply.getHeader('vary')
  const list = typeof current === 'string' ? current.split(',').map(v => v.trim()).filter(v => v !== '') : []
  for (const name of names) if (!list.some(v => v.toLowerCase() === name.toLowerCase())) list.push(name)
  reply.header('vary', list.join(', '))
}

export interface SendOptions {
  cacheControl: string
  /** Request headers the content depends on, besides Accept-Encoding (always named). */
  vary?: string[]
}

/**
 * Answers with a rendered body: `304` without a body when If-None-Match names it, else the body
 * in the best encoding the client accepts, with its ETag and the cache rules given.
 */
export async function sendRendered (
  request: FastifyRequest,
  reply: FastifyReply,
  rendered: Rendered,
  { cacheControl, vary = [] }: SendOptions
): Promise<FastifyReply> {
  const encoding = preferredEncoding(request.headers['accept-encoding'])
  addVary(reply, 'Accept-Encoding', ...vary)
  reply.header('cache-control', cacheControl)
  reply.header('etag', rendered.etags[encoding])
  if (notModified(request, rendered)) return await reply.code(304).send()
  if (encoding !== 'identity') reply.header('content-encoding', encoding)
  return await reply.type(rendered.type).send(rendered.bodies[encoding])
}

/** Below this a page is sent as is: compressing saves less than it costs. */
const COMPRESS_FROM_BYTES = 1024

/**
 * An `onSend` hook for pages rendered per request (a signed-in person's, with their header and
 * form tokens): gzip at the default level when the client accepts it. Put on the route, so it
 * runs after the app's own onSend hooks (the CSRF token goes in first).
 */
export async function compressPage (request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  if (typeof payload !== 'string' || Buffer.byteLength(payload) < COMPRESS_FROM_BYTES || reply.hasHeader('content-encoding')) return payload
  if (!String(reply.getHeader('content-type') ?? '').startsWith('text/html')) return payload
  addVary(reply, 'Accept-Encoding')
  if (acceptedEncodings(request.headers['accept-encoding'])('gzip') <= 0) return payload
  reply.header('content-encoding', 'gzip')
  return await gzipAsync(payload)
}
