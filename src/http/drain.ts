import type { FastifyRequest } from 'fastify'

/**
 * After a refused upload (too big, wrong type, closed window), reads and drops the rest of the
 * request before answering: a server that answers mid-upload and closes the socket leaves
 * browsers and HTTP clients with a connection reset instead of our message. Bounded, so a
 * client streaming forever is cut off.
 */
export async function drainRequest (raw: FastifyRequest['raw'], maxBytes = 256 * 1024 * 1024, maxMs = 60_000): Promise<void> {
  // readableEnded: requests injected in tests never set `complete`.
  if (raw.complete || raw.readableEnded || raw.destroyed) return
  raw.unpipe()
  await new Promise<void>(resolve => {
    let seen = 0
    const stop = (): void => { clearTimeout(timer); raw.off('data', count); resolve() }
    const count = (chunk: Buffer): void => {
      seen += chunk.length
      if (seen > maxBytes) { raw.destroy(); stop() }
    }
    const timer = setTimeout(() => { raw.destroy(); stop() }, maxMs)
    raw.on('data', count)
    raw.once('end', stop)
    raw.once('close', stop)
    raw.once('error', stop)
    raw.resume()
  })
}
