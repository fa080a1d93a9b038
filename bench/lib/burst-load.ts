/**
 * The burst benchmark's clients, in a child process (the measured server process carries no
 * client work). Driven by the parent over IPC (BurstCommand → BurstReply).
 *
 * Unlike ./load.ts (autocannon, one person per request), these clients behave like phones:
 * each person's check-in is retried — same person, same body, a new connection — after a
 * client timeout, a failed connection, a lost answer or a 5xx, with a growing, jittered pause,
 * until it is acknowledged (2xx; MAX_ATTEMPTS is only a safety net, reported). The check-in
 * API is idempotent per person and slot (a repeat answers 200 "already"), so a retry never
 * makes a second row. A share of attempts (`dropShare`) lose their answer on purpose: the
 * phone drops its connection a few milliseconds after sending, as on a Wi-Fi hand-over, so
 * the server may well have stored what the phone never heard about.
 */
import { Agent, request as httpRequest } from 'node:http'
import { performance } from 'node:perf_hooks'
import { personId } from './protocol.js'
import { signer, type JwtSettings } from './tokens.js'

export type BurstTarget = 'baseline' | 'checkin'

export interface Endpoint { target: BurstTarget, url: string, path: string, code: string }

export type BurstCommand =
  | { type: 'init', jwt: JwtSettings }
  /** Scenario 1: `clients` concurrent clients (one keep-alive connection each) go through people first…last. */
  | { type: 'retries', endpoint: Endpoint, first: number, last: number, clients: number, timeoutMs: number, dropShare: number }
  /**
   * Scenario 2: people first…last arrive at random over `seconds` (denser in the middle, like
   * a queue at the door), each on a new connection; a share scans again a little later.
   */
  | { type: 'burst', endpoint: Endpoint, first: number, last: number, seconds: number, repeatShare: number, timeoutMs: number, dropShare: number }

export interface ScenarioResult {
  /** Person numbers whose check-in was acknowledged (first 2xx), in no order. */
  acked: number[]
  /** Person numbers given up after MAX_ATTEMPTS without an acknowledgement. */
  gaveUp: number[]
  /** Requests sent, all attempts and repeats. */
  requests: number
  /** Attempts after a timeout, a connection failure, a lost answer or a 5xx. */
  retries: number
  timeouts: number
  /** Answers lost on purpose (connection dropped right after sending). */
  dropped: number
  connectionErrors: number
  statuses: Record<string, number>
  /** Latency of answered requests (ms): p50, p99, max. */
  p50: number
  p99: number
  max: number
  /** From a person's first attempt to the acknowledgement (retries included), ms. */
  ackP99: number
  /** Acknowledgements per second over the scenario. */
  ackRate: number
  elapsedSeconds: number
  /** Repeat scans (scenario 2) and how they were answered. */
  repeats: number
  repeatStatuses: Record<string, number>
}

export type BurstReply = { type: 'ready' } | { type: 'result', result: ScenarioResult } | { type: 'error', message: string }

export const MAX_ATTEMPTS = 50

const send = (reply: BurstReply): void => { process.send?.(reply) }
let sign: (sub: string) => string = () => ''

interface Answer { status: number | 'timeout' | 'error' | 'dropped', ms: number }

function post (endpoint: Endpoint, person: number, agent: Agent | false, timeoutMs: number, drop: boolean): Promise<Answer> {
  const id = personId(person)
  const checkIn = endpoint.target === 'checkin'
  const body = checkIn ? `{"code":"${endpoint.code}"}` : `{"personId":"${id}"}`
  const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }
  if (checkIn) headers.authorization = `Bearer ${sign(id)}`
  const started = performance.now()
  return new Promise(resolve => {
    let settled = false
    const done = (status: Answer['status']): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve({ status, ms: performance.now() - started })
    }
    const req = httpRequest(`${endpoint.url}${endpoint.path}`, { method: 'POST', headers, agent }, res => {
      res.resume()
      res.on('end', () => { done(res.statusCode ?? 0) })
      res.on('error', () => { done('error') })
    })
    // The phone stops waiting: its connection is dropped, whatever the server does with the request.
    const timer = setTimeout(() => { done('timeout'); req.destroy() }, timeoutMs)
    req.on('error', () => { done('error') })
    req.end(body, () => {
      if (drop) setTimeout(() => { done('dropped'); req.destroy() }, Math.random() * 5)
    })
  })
}

const pause = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))
const backoff = (attempt: number): number => Math.min(1000, 25 * 2 ** (attempt - 1)) * (0.5 + Math.random())

class Recorder {
  readonly acked: number[] = []
  readonly gaveUp: number[] = []
  readonly latencies: number[] = []
  readonly toAck: number[] = []
  readonly statuses: Record<string, number> = {}
  readonly repeatStatuses: Record<string, number> = {}
  requests = 0
  retries = 0
  timeouts = 0
  dropped = 0
  connectionErrors = 0
  repeats = 0
  readonly started = performance.now()

  count (answer: Answer): void {
    this.requests++
    this.statuses[String(answer.status)] = (this.statuses[String(answer.status)] ?? 0) + 1
    if (answer.status === 'timeout') this.timeouts++
    else if (answer.status === 'dropped') this.dropped++
    else if (answer.status === 'error') this.connectionErrors++
    else this.latencies.push(answer.ms)
  }

  /** One person until acknowledged (or given up). */
  async checkIn (endpoint: Endpoint, person: number, agent: () => Agent | false, timeoutMs: number, dropShare: number): Promise<void> {
    const first = performance.now()
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (attempt > 0) { this.retries++; await pause(backoff(attempt)) }
      const answer = await post(endpoint, person, agent(), timeoutMs, Math.random() < dropShare)
      this.count(answer)
      if (typeof answer.status === 'number' && answer.status >= 200 && answer.status < 300) {
        this.acked.push(person)
        this.toAck.push(performance.now() - first)
        return
      }
      // A 4xx is the server's final word on this request: retrying would not change it.
      if (typeof answer.status === 'number' && answer.status < 500) break
    }
    this.gaveUp.push(person)
  }

  async repeat (endpoint: Endpoint, person: number, timeoutMs: number): Promise<void> {
    const answer = await post(endpoint, person, false, timeoutMs, false)
    this.count(answer)
    this.repeats++
    this.repeatStatuses[String(answer.status)] = (this.repeatStatuses[String(answer.status)] ?? 0) + 1
  }

  result (): ScenarioResult {
    const elapsedSeconds = (performance.now() - this.started) / 1000
    const sorted = [...this.latencies].sort((a, b) => a - b)
    const toAck = [...this.toAck].sort((a, b) => a - b)
    const at = (list: number[], q: number): number => list.length === 0 ? NaN : list[Math.min(list.length - 1, Math.ceil(q * list.length) - 1)] ?? NaN
    return {
      acked: this.acked,
      gaveUp: this.gaveUp,
      requests: this.requests,
      retries: this.retries,
      timeouts: this.timeouts,
      dropped: this.dropped,
      connectionErrors: this.connectionErrors,
      statuses: this.statuses,
      p50: at(sorted, 0.5),
      p99: at(sorted, 0.99),
      max: sorted.at(-1) ?? NaN,
      ackP99: at(toAck, 0.99),
      ackRate: this.acked.length / elapsedSeconds,
      elapsedSeconds,
      repeats: this.repeats,
      repeatStatuses: this.repeatStatuses
    }
  }
}

async function retries (command: Extract<BurstCommand, { type: 'retries' }>): Promise<ScenarioResult> {
  const recorder = new Recorder()
  let next = command.first
  const client = async (): Promise<void> => {
    // One kept-alive connection per client; a timed-out request's connection is dropped and the agent opens another.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    while (next <= command.last) await recorder.checkIn(command.endpoint, next++, () => agent, command.timeoutMs, command.dropShare)
    agent.destroy()
  }
  await Promise.all(Array.from({ length: command.clients }, client))
  return recorder.result()
}

async function burst (command: Extract<BurstCommand, { type: 'burst' }>): Promise<ScenarioResult> {
  const recorder = new Recorder()
  const windowMs = command.seconds * 1000
  // Arrivals: the mean of three uniform draws, so most come around the middle of the window.
  const arrivals = Array.from({ length: command.last - command.first + 1 }, (_, k) => ({
    person: command.first + k,
    at: windowMs * (Math.random() + Math.random() + Math.random()) / 3,
    repeatAfter: Math.random() < command.repeatShare ? 1000 + Math.random() * 4000 : undefined
  }))
  const people = arrivals.map(async ({ person, at, repeatAfter }) => {
    await pause(at)
    await recorder.checkIn(command.endpoint, person, () => false, command.timeoutMs, command.dropShare)
    if (repeatAfter !== undefined) {
      // Not sure it worked (or a friend's phone): the same person scans again.
      await pause(repeatAfter)
      await recorder.repeat(command.endpoint, person, command.timeoutMs)
    }
  })
  await Promise.all(people)
  return recorder.result()
}

process.on('message', (message: BurstCommand) => {
  (async () => {
    try {
      if (message.type === 'init') {
        sign = signer(message.jwt)
        send({ type: 'ready' })
      } else if (message.type === 'retries') {
        send({ type: 'result', result: await retries(message) })
      } else {
        send({ type: 'result', result: await burst(message) })
      }
    } catch (err) {
      send({ type: 'error', message: (err as Error).stack ?? String(err) })
    }
  })().catch(() => {})
})
process.on('SIGINT', () => { process.exit(130) })
process.on('disconnect', () => { process.exit(0) })
