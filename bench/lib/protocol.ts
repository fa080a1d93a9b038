import { createHash } from 'node:crypto'

/**
 * Benchmark people are numbered 1…N; their ids are derived from the number the same way in
 * SQL (bulk insert) and in the load generator (request bodies, token subjects), so no list of
 * ids has to travel between the two processes.
 */
export const personIdSql = (i: string): string => `md5('compagnon-bench-' || ${i})::uuid`

export function personId (i: number): string {
  const h = createHash('md5').update(`compagnon-bench-${i}`).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

/**
 * Each person's device session (the `sid` of their bearer token: the app refuses tokens whose
 * device session is not live), derived from the person's id the same way on both sides.
 */
export const deviceSessionIdSql = (personIdExpr: string): string => `md5('compagnon-bench-session-' || ${personIdExpr}::text)::uuid`

export function deviceSessionId (personId: string): string {
  const h = createHash('md5').update(`compagnon-bench-session-${personId}`).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

/** Inserts the device sessions of people `first`…`last` (SQL text for `sql.raw`), live until `until`. */
export const deviceSessionsSql = (first: number, last: number, until: Date): string =>
  `INSERT INTO device_sessions (id, person_id, token_hash, user_agent, expires_at)
   SELECT ${deviceSessionIdSql('p.id')}, p.id, 'bench-' || p.id::text, 'bench', '${until.toISOString()}'::timestamptz
   FROM (SELECT ${personIdSql('i')} AS id FROM generate_series(${first}, ${last}) AS i) AS p`

export type Target = 'baseline' | 'checkin'

/** Parent → load generator. */
export type Command =
  | { type: 'init', people: number, jwt: { secret: string, issuer: string, audience: string, expiresInSeconds: number } }
  | { type: 'token', person: number }
  | { type: 'run', target: Target, label: string, url: string, path: string, code: string, seconds: number, connections: number }

/** Load generator → parent. */
export type Reply =
  | { type: 'ready' }
  | { type: 'token', token: string }
  | { type: 'result', result: RunResult }
  | { type: 'error', message: string }

export interface RunResult {
  label: string
  /** Responses received, all statuses. */
  responses: number
  /** Responses per second, from the first request to the last response. */
  rps: number
  p50: number
  p99: number
  /** Response counts by HTTP status. */
  statuses: Record<string, number>
  /** Socket errors and timeouts reported by autocannon (a request without an answer). */
  errors: number
  timeouts: number
  /** Distinct people used by this run (one per request). */
  peopleUsed: number
  /** True when the run stopped early because every prepared person had been used. */
  exhausted: boolean
  elapsedSeconds: number
}
