import t from 'tap'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { OutboundError, addressAllowed, guardedLookup, outboundRequest, urlAllowed, type OutboundPolicy } from '../../src/http/outbound.js'

const local: OutboundPolicy = { allowPrivate: true, timeoutMs: 5000, maxRedirects: 3, maxBytes: 1024 }
const strict: OutboundPolicy = { ...local, allowPrivate: false }

interface Seen { method: string, url: string, authorization: string | undefined, body: string }

/** A server on 127.0.0.1 recording what it receives and answering with `answer`. */
async function server (t: { teardown: (fn: () => unknown) => void }, answer: (req: IncomingMessage) => { status: number, headers?: Record<string, string>, body?: string }): Promise<{ url: string, seen: Seen[] }> {
  const seen: Seen[] = []
  const s = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => { body += c.toString() })
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body })
      const a = answer(req)
      res.writeHead(a.status, a.headers ?? {}).end(a.body ?? '')
    })
  })
  await new Promise<void>(resolve => s.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { s.close() })
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, seen }
}

const failure = async (promise: Promise<unknown>): Promise<unknown> => await promise.then(() => undefined, (err: unknown) => err instanceof OutboundError ? err.failure : err)

t.test('public unicast addresses pass; loopback, private, link-local, multicast and wrapped forms do not', async t => {
  for (const a of ['132.203.1.1', '8.8.8.8', '2607:f8b0:4020::1']) t.ok(addressAllowed(a, false), a)
  for (const a of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '100.64.0.1', '169.254.169.254', '0.0.0.0', '255.255.255.255', '224.0.0.1', '::1', '::', 'fe80::1', 'fd12::1', 'ff02::1', '::ffff:10.0.0.1', '::ffff:127.0.0.1', '2002:7f00:1::1', 'not-an-ip']) t.notOk(addressAllowed(a, false), a)
  for (const a of ['127.0.0.1', '10.0.0.1', '::1', 'fd12::1']) t.ok(addressAllowed(a, true), `${a} in development`)
  for (const a of ['169.254.169.254', 'fe80::1', '224.0.0.1', '0.0.0.0']) t.notOk(addressAllowed(a, true), `${a}, even in development`)
})

t.test('only https URLs without credentials, to names that can be public', async t => {
  t.ok(urlAllowed('https://moodle.example.org/openid', false))
  for (const u of ['http://moodle.example.org/openid', 'ftp://moodle.example.org/', 'https://localhost/x', 'https://intranet/x', 'https://db.internal/x', 'https://a:b@moodle.example.org/', 'https://[::1]/x', 'https://127.1/x', 'nonsense']) t.notOk(urlAllowed(u, false), u)
  t.ok(urlAllowed('http://127.0.0.1:8080/x', true), 'development: http on this machine')
})

t.test('without the development setting, a plain http address is refused before anything is sent', async t => {
  const target = await server(t, () => ({ status: 200, body: 'hello' }))
  t.same(await failure(outboundRequest(`${target.url}/x`, {}, strict)), { kind: 'refused_address', url: `${target.url}/x` })
  t.equal(target.seen.length, 0)
})

t.test('redirects are followed by hand, a few at most, each hop checked', async t => {
  const end = await server(t, () => ({ status: 200, body: '{"ok":true}' }))
  const hops = await server(t, req => {
    const n = Number(/\/hop\/(\d+)/.exec(req.url ?? '')?.[1] ?? 0)
    return n === 0 ? { status: 302, headers: { location: `${end.url}/end` } } : { status: 302, headers: { location: `/hop/${n - 1}` } }
  })
  t.same(await outboundRequest(`${hops.url}/hop/2`, {}, local), { status: 200, body: '{"ok":true}' }, 'three redirects: followed')
  t.same(await failure(outboundRequest(`${hops.url}/hop/3`, {}, local)), { kind: 'unreachable' }, 'four: refused')
  const toMetadata = await server(t, () => ({ status: 301, headers: { location: 'http://169.254.169.254/latest/meta-data' } }))
  t.match(await failure(outboundRequest(toMetadata.url, {}, local)), { kind: 'refused_address' }, 'a hop to a link-local address')
})

t.test('credentials stay with their origin, and a 303 after a POST continues as a GET without body', async t => {
  const other = await server(t, () => ({ status: 200, body: 'done' }))
  const first = await server(t, req => req.url === '/same'
    ? { status: 307, headers: { location: '/same-2' } }
    : req.url === '/same-2' ? { status: 303, headers: { location: `${other.url}/elsewhere` } } : { status: 404 })
  const answer = await outboundRequest(`${first.url}/same`, { method: 'POST', headers: { authorization: 'Bearer secret', 'content-type': 'application/json' }, body: '{"a":1}' }, local)
  t.same(answer, { status: 200, body: 'done' })
  t.match(first.seen, [{ method: 'POST', url: '/same', authorization: 'Bearer secret', body: '{"a":1}' }, { method: 'POST', url: '/same-2', authorization: 'Bearer secret', body: '{"a":1}' }], 'a 307 keeps method, body and credentials on the same origin')
  t.match(other.seen, [{ method: 'GET', url: '/elsewhere', authorization: undefined, body: '' }], 'another origin gets neither the credentials nor the body')
})

t.test('an answer bigger than allowed, or no answer at all, is "unreachable"', async t => {
  const big = await server(t, () => ({ status: 200, body: 'x'.repeat(4096) }))
  t.same(await failure(outboundRequest(big.url, {}, local)), { kind: 'unreachable' })
  // Port 1 is privileged: nothing listens there in a test run.
  t.same(await failure(outboundRequest('http://127.0.0.1:1/', {}, local)), { kind: 'unreachable' }, 'a closed port')
})

t.test('the connection\'s own name resolution refuses a name with any private address (what a DNS rebinding would return)', async t => {
  const resolve = async (allowPrivate: boolean, all: boolean): Promise<{ code?: string, addresses?: unknown }> => await new Promise(resolve => {
    guardedLookup(allowPrivate)('localhost', { all }, (err: (Error & { code?: string }) | null, address: unknown) => { resolve(err !== null ? { code: err.code ?? '' } : { addresses: address }) })
  })
  t.same(await resolve(false, false), { code: 'COMPAGNON_ADDRESS_REFUSED' })
  t.same(await resolve(false, true), { code: 'COMPAGNON_ADDRESS_REFUSED' })
  t.match(await resolve(true, true), { addresses: [{ address: /^(127\.0\.0\.1|::1)$/ }] }, 'development: every address, for the connection to choose')
})
