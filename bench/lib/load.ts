/**
 * The load generator: a child process driving autocannon, so that the measured server process
 * carries no client work (its CPU time and RSS are the server's alone). Driven by the parent
 * over IPC (./protocol.ts).
 *
 * Every request is for a different person: check-ins carry that person's bearer token
 * (HS256, signed here with the app's SESSION_SECRET, issuer and audience; the parent checks
 * one with the app's own verifier first), baseline requests carry the person id.
 *
 * Runs end by draining, not by cutting connections: at the deadline each connection stops
 * after the answer to its request in flight, so every request the server received was
 * answered and counted (autocannon's own stop destroys sockets with requests in flight,
 * whose rows would then be stored without an acknowledgement being counted).
 */
import { createHmac } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import autocannon from 'autocannon'
import { deviceSessionId, personId, type Command, type Reply, type RunResult, type Target } from './protocol.js'

const send = (reply: Reply): void => { process.send?.(reply) }

let people = 0
let tokens: string[] = []
let sign: (sub: string) => string = () => ''
/** Next person for each target: people are never reused within a target. */
const next: Record<Target, number> = { baseline: 1, checkin: 1 }

const b64 = (value: string | Buffer): string => Buffer.from(value).toString('base64url')

function signer (jwt: Extract<Command, { type: 'init' }>['jwt']): (sub: string) => string {
  const header = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))
  return (sub: string): string => {
    const iat = Math.floor(Date.now() / 1000)
    const payload = b64(JSON.stringify({ sub, sid: deviceSessionId(sub), iat, exp: iat + jwt.expiresInSeconds, iss: jwt.issuer, aud: jwt.audience }))
    const signature = createHmac('sha256', jwt.secret).update(`${header}.${payload}`).digest('base64url')
    return `${header}.${payload}.${signature}`
  }
}

/** The parts of autocannon's Client the drain uses (lib/httpClient.js: checked before every request). */
interface DrainableClient { reqsMade: number, responseMax: number }

async function run (command: Extract<Command, { type: 'run' }>): Promise<RunResult> {
  const { target } = command
  const firstPerson = next[target]
  const times: number[] = []
  const statuses: Record<string, number> = {}
  const clients: DrainableClient[] = []
  let draining = false
  let exhausted = false
  let startedAt = 0
  let lastResponseAt = 0
  let deadline: NodeJS.Timeout | undefined
  const drain = (): void => {
    if (draining) return
    draining = true
    clearTimeout(deadline)
    for (const client of clients) client.responseMax = client.reqsMade
  }
  const checkInBody = JSON.stringify({ code: command.code })

  let finished: (result: autocannon.Result) => void = () => {}
  let failed: (err: Error) => void = () => {}
  const done = new Promise<autocannon.Result>((resolve, reject) => { finished = resolve; failed = reject })
  const instance = autocannon({
    url: command.url,
    connections: command.connections,
    pipelining: 1,
    // A safety net only: the run ends by the drain below, long before.
    duration: command.seconds + 60,
    timeout: 10,
    sampleInt: 250,
    setupClient: (client) => {
      const c = client as unknown as DrainableClient
      clients.push(c)
      if (draining) c.responseMax = Math.max(1, c.reqsMade)
    },
    requests: [{
      method: 'POST',
      path: command.path,
      setupRequest: (request) => {
        // The last person is reused only once every one was used (reported: raise BENCH_PEOPLE).
        const i = Math.min(next[target]++, people)
        if (i >= people) { exhausted = true; drain() }
        if (target === 'checkin') {
          return { ...request, headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[i - 1] ?? ''}` }, body: checkInBody }
        }
        return { ...request, headers: { 'content-type': 'application/json' }, body: `{"personId":"${personId(i)}"}` }
      }
    }]
  }, (err: Error | null, result) => { if (err !== null) failed(err); else finished(result) })
  instance.on('start', () => {
    startedAt = performance.now()
    deadline = setTimeout(drain, command.seconds * 1000)
  })
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    times.push(responseTime)
    statuses[statusCode] = (statuses[statusCode] ?? 0) + 1
    lastResponseAt = performance.now()
  })
  const result = await done
  clearTimeout(deadline)
  times.sort((a, b) => a - b)
  const at = (q: number): number => times.length === 0 ? NaN : times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)] ?? NaN
  const elapsed = (lastResponseAt - startedAt) / 1000
  return {
    label: command.label,
    responses: times.length,
    rps: elapsed > 0 ? times.length / elapsed : 0,
    p50: at(0.5),
    p99: at(0.99),
    statuses,
    errors: result.errors,
    timeouts: result.timeouts,
    peopleUsed: Math.min(next[target], people + 1) - firstPerson,
    exhausted,
    elapsedSeconds: elapsed
  }
}

process.on('message', (message: Command) => {
  (async () => {
    try {
      if (message.type === 'init') {
        people = message.people
        sign = signer(message.jwt)
        tokens = Array.from({ length: people }, (_, k) => sign(personId(k + 1)))
        send({ type: 'ready' })
      } else if (message.type === 'token') {
        send({ type: 'token', token: sign(personId(message.person)) })
      } else {
        send({ type: 'result', result: await run(message) })
      }
    } catch (err) {
      send({ type: 'error', message: (err as Error).stack ?? String(err) })
    }
  })().catch(() => {})
})
// The parent owns the run: Ctrl-C reaches this process too, and it just goes.
process.on('SIGINT', () => { process.exit(130) })
process.on('disconnect', () => { process.exit(0) })
