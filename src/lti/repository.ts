import { sql, type Kysely, type Selectable } from 'kysely'
import type { DB, LtiGradeOutbox, LtiLineItems, LtiRosterMembers, LtiStore } from '../db/schema.js'
import { claimLeased } from '../db/lease.js'
import { wakeWorkers } from '../db/wakeups.js'

type Q = Kysely<DB>

/** The login initiation's parameters, as the platform sent them (kept for a relaunch). */
export type LoginParams = Record<string, string>

/** Where a login keeps its secret in the platform's storage (LTI Client Side postMessages). */
export interface LoginStorage { target: string, origin: string, secretHash: string }

export async function insertLoginState (db: Q, values: {
  state_hash: string
  nonce: string
  issuer: string
  client_id: string | null
  expires_at: Date
  login_params: LoginParams
  relaunched: boolean
}, storage?: LoginStorage): Promise<void> {
  await db.insertInto('lti_login_states').values({
    ...values,
    login_params: JSON.stringify(values.login_params),
    ...(storage === undefined ? {} : { storage_target: storage.target, storage_origin: storage.origin, storage_secret_hash: storage.secretHash })
  }).execute()
}

/** The platform storage of an unused, unexpired login whose secret was not checked yet. */
export async function pendingLoginStorage (db: Q, stateHash: string, now: Date): Promise<{ target: string, origin: string } | undefined> {
  const row = await db.selectFrom('lti_login_states').select(['storage_target', 'storage_origin'])
    .where('state_hash', '=', stateHash).where('used_at', 'is', null).where('expires_at', '>', now)
    .where('storage_secret_hash', 'is not', null).where('storage_checked_at', 'is', null)
    .executeTakeFirst()
  return row?.storage_target == null || row.storage_origin === null ? undefined : { target: row.storage_target, origin: row.storage_origin }
}

/**
 * Takes a login's one secret check: its stored hash and issuer, once, while the login is unused
 * and unexpired (undefined otherwise). A second check of the same login finds nothing.
 */
export async function takeStorageCheck (db: Q, stateHash: string, now: Date): Promise<{ secretHash: string, issuer: string } | undefined> {
  const row = await db.updateTable('lti_login_states').set({ storage_checked_at: now })
    .where('state_hash', '=', stateHash).where('used_at', 'is', null).where('expires_at', '>', now)
    .where('storage_secret_hash', 'is not', null).where('storage_checked_at', 'is', null)
    .returning(['storage_secret_hash', 'issuer']).executeTakeFirst()
  return row?.storage_secret_hash == null ? undefined : { secretHash: row.storage_secret_hash, issuer: row.issuer }
}

/** Uses up a login whose platform-storage secret was wrong: nothing more comes of it. */
export async function burnLoginState (db: Q, stateHash: string, now: Date): Promise<void> {
  await db.updateTable('lti_login_states').set({ used_at: now }).where('state_hash', '=', stateHash).where('used_at', 'is', null).execute()
}

/**
 * Offers a relaunch for a used login state, once: only a login that was not itself a relaunch.
 * The row lives at least as long as the token.
 */
export async function offerRelaunch (db: Q, stateHash: string, relaunchHash: string, expiresAt: Date, now: Date): Promise<boolean> {
  const row = await db.updateTable('lti_login_states')
    .set(eb => ({ relaunch_hash: relaunchHash, relaunch_expires_at: expiresAt, expires_at: eb.fn('greatest', [eb.ref('expires_at'), eb.val(expiresAt)]) }))
    .where('state_hash', '=', stateHash).where('used_at', 'is not', null).where('used_at', '<=', now)
    .where('relaunched', '=', false).where('relaunch_hash', 'is', null).where('login_params', 'is not', null)
    .returning('state_hash').executeTakeFirst()
  return row !== undefined
}

/** Uses a relaunch token once, before its expiry: the login parameters to send again. */
export async function useRelaunch (db: Q, relaunchHash: string, now: Date): Promise<LoginParams | undefined> {
  const row = await db.updateTable('lti_login_states').set({ relaunch_used_at: now })
    .where('relaunch_hash', '=', relaunchHash).where('relaunch_used_at', 'is', null).where('relaunch_expires_at', '>', now)
    .returning('login_params').executeTakeFirst()
  return row?.login_params === null || row === undefined ? undefined : row.login_params as LoginParams
}

/** Uses a login state once: returns its nonce and issuer if it was unused and unexpired. */
export async function consumeLoginState (db: Q, stateHash: string, now: Date): Promise<{
  nonce: string
  issuer: string
  client_id: string | null
} | undefined> {
  return await db.updateTable('lti_login_states').set({ used_at: now })
    .where('state_hash', '=', stateHash).where('used_at', 'is', null).where('expires_at', '>', now)
    .returning(['nonce', 'issuer', 'client_id']).executeTakeFirst()
}

export async function purgeLoginStates (db: Q, now: Date): Promise<void> {
  await db.deleteFrom('lti_login_states').where('expires_at', '<=', now).execute()
}

export async function addDeployment (db: Q, values: { issuer: string, client_id: string, deployment_id: string }): Promise<void> {
  await db.insertInto('lti_deployments').values(values).onConflict(oc => oc.columns(['issuer', 'client_id', 'deployment_id']).doNothing()).execute()
}

export async function deploymentExists (db: Q, issuer: string, clientId: string, deploymentId: string): Promise<boolean> {
  const row = await db.selectFrom('lti_deployments').select('id')
    .where('issuer', '=', issuer).where('client_id', '=', clientId).where('deployment_id', '=', deploymentId).executeTakeFirst()
  return row !== undefined
}

export async function listDeployments (db: Q): Promise<Array<{ issuer: string, client_id: string, deployment_id: string }>> {
  return await db.selectFrom('lti_deployments').select(['issuer', 'client_id', 'deployment_id']).orderBy('issuer')
    .orderBy('client_id').orderBy('deployment_id').execute()
}

export interface PlatformUser { issuer: string, clientId: string, subject: string }

export async function findIdentity (db: Q, user: PlatformUser): Promise<{ person_id: string } | undefined> {
  return await db.selectFrom('lti_identities').select('person_id')
    .where('issuer', '=', user.issuer).where('client_id', '=', user.clientId).where('subject', '=', user.subject).executeTakeFirst()
}

export async function insertIdentity (db: Q, user: PlatformUser, personId: string): Promise<void> {
  await db.insertInto('lti_identities').values({ issuer: user.issuer, client_id: user.clientId, subject: user.subject, person_id: personId }).execute()
}

export async function touchIdentity (db: Q, user: PlatformUser, now: Date): Promise<void> {
  await db.updateTable('lti_identities').set({ last_launch_at: now })
    .where('issuer', '=', user.issuer).where('client_id', '=', user.clientId).where('subject', '=', user.subject).execute()
}

export async function upsertContext (db: Q, values: {
  issuer: string,
  client_id: string,
  deployment_id: string,
  context_id: string,
  label: string | null,
  title: string | null,
  event_id: string | null,
  lineitems_url: string | null,
  memberships_url: string | null,
  updated_at: Date
}): Promise<{ id: string, event_id: string | null }> {
  const { issuer: _i, client_id: _c, deployment_id: _d, context_id: _x, event_id: eventId, ...changes } = values
  // A course with a roster service is due for a sync unless one is already scheduled.
  const due = values.memberships_url === null ? null : values.updated_at
  const row = await db.insertInto('lti_contexts').values({ ...values, roster_sync_due_at: due })
    .onConflict(oc => oc.columns(['issuer', 'client_id', 'deployment_id', 'context_id']).doUpdateSet(eb => ({
      ...changes,
      // Keep the event an organizer tied the course to; fill it in only when missing.
      event_id: eb.fn.coalesce('lti_contexts.event_id', eb.val(eventId)),
      roster_sync_due_at: eb.fn.coalesce('lti_contexts.roster_sync_due_at', eb.val(due))
    })))
    .returning(['id', 'event_id', 'roster_sync_due_at']).executeTakeFirstOrThrow()
  // Due now (a new course, or one already waiting): wake the roster workers; a sync scheduled later is the tick's.
  if (due !== null && row.roster_sync_due_at !== null && row.roster_sync_due_at <= due) await wakeWorkers(db, 'rosters')
  return { id: row.id, event_id: row.event_id }
}

/** The points of a course's synthesis activity, when it is set up already (deep-linked line item maximum). */
export async function synthesisMaxPoints (db: Q, course: {
  issuer: string
  client_id: string
  deployment_id: string
  context_id: string
}): Promise<number | undefined> {
  const row = await db.selectFrom('synthesis_assignments as a').innerJoin('lti_contexts as c', 'c.id', 'a.context_id').select('a.max_points')
    .where('c.issuer', '=', course.issuer).where('c.client_id', '=', course.client_id)
    .where('c.deployment_id', '=', course.deployment_id).where('c.context_id', '=', course.context_id)
    .executeTakeFirst()
  return row === undefined ? undefined : Number(row.max_points)
}

/** Platforms as ltijs stored them (plain documents of the `platform` collection). */
export async function listPlatforms (db: Q): Promise<Array<{
  platformUrl: string
  clientId: string
  platformName: string | null
  authEndpoint: string | null
  kid: string
}>> {
  const rows = await db.selectFrom('lti_store').select('fields').where('collection', '=', 'platform').orderBy('id').execute()
  return rows.map(r => {
    const f = r.fields as Record<string, unknown>
    return {
      platformUrl: String(f.platformUrl),
      clientId: String(f.clientId),
      platformName: typeof f.platformName === 'string' ? f.platformName : null,
      authEndpoint: typeof f.authEndpoint === 'string' ? f.authEndpoint : null,
      kid: String(f.kid)
    }
  })
}

export async function insertRegistrationToken (db: Q, values: { token_hash: string, created_by: string, expires_at: Date }): Promise<void> {
  await db.insertInto('lti_registration_tokens').values(values).execute()
}

/** An unused, unexpired registration link (looked at, not used). */
export async function findUsableRegistrationToken (db: Q, tokenHash: string, now: Date): Promise<{ id: string } | undefined> {
  return await db.selectFrom('lti_registration_tokens').select('id')
    .where('token_hash', '=', tokenHash).where('used_at', 'is', null).where('expires_at', '>', now).executeTakeFirst()
}

/** Takes a registration link for one registration attempt; undefined if already taken or expired. */
export async function claimRegistrationToken (db: Q, tokenHash: string, now: Date): Promise<{ id: string } | undefined> {
  return await db.updateTable('lti_registration_tokens').set({ used_at: now })
    .where('token_hash', '=', tokenHash).where('used_at', 'is', null).where('expires_at', '>', now)
    .returning('id').executeTakeFirst()
}

/** A failed attempt gives the link back, so the administrator can try again. */
export async function releaseRegistrationToken (db: Q, id: string): Promise<void> {
  await db.updateTable('lti_registration_tokens').set({ used_at: null }).where('id', '=', id).execute()
}

export async function recordRegisteredPlatform (db: Q, id: string, values: { issuer: string, client_id: string, platform_name: string }): Promise<void> {
  await db.updateTable('lti_registration_tokens').set(values).where('id', '=', id).execute()
}

export async function recordApproval (db: Q, issuer: string, clientId: string, approvedBy: string, now: Date): Promise<void> {
  await db.updateTable('lti_registration_tokens').set({ approved_by: approvedBy, approved_at: now })
    .where('issuer', '=', issuer).where('client_id', '=', clientId).where('approved_at', 'is', null).execute()
}

export async function listDynamicRegistrations (db: Q): Promise<Array<{ issuer: string, client_id: string, used_at: Date, approved_at: Date | null }>> {
  const rows = await db.selectFrom('lti_registration_tokens').select(['issuer', 'client_id', 'used_at', 'approved_at'])
    .where('issuer', 'is not', null).where('used_at', 'is not', null).orderBy('used_at').execute()
  return rows.map(r => ({ issuer: r.issuer ?? '', client_id: r.client_id ?? '', used_at: r.used_at ?? new Date(0), approved_at: r.approved_at }))
}

export async function insertDeepLinkRequest (db: Q, values: {
  person_id: string
  launch_sealed: string
  accept_multiple: boolean
  expires_at: Date
}): Promise<string> {
  return (await db.insertInto('lti_deep_link_requests').values(values).returning('id').executeTakeFirstOrThrow()).id
}

export async function findDeepLinkRequest (db: Q, id: string, personId: string, now: Date): Promise<{
  launch_sealed: string
  accept_multiple: boolean
} | undefined> {
  return await db.selectFrom('lti_deep_link_requests').select(['launch_sealed', 'accept_multiple'])
    .where('id', '=', id).where('person_id', '=', personId).where('used_at', 'is', null).where('expires_at', '>', now)
    .executeTakeFirst()
}

export async function useDeepLinkRequest (db: Q, id: string, now: Date): Promise<boolean> {
  const row = await db.updateTable('lti_deep_link_requests').set({ used_at: now }).where('id', '=', id)
    .where('used_at', 'is', null).returning('id').executeTakeFirst()
  return row !== undefined
}

export async function purgeDeepLinkRequests (db: Q, now: Date): Promise<void> {
  await db.deleteFrom('lti_deep_link_requests').where('expires_at', '<=', now).execute()
}

/** A member's status in the LMS's roster (LTI NRPS). */
export type RosterStatus = LtiRosterMembers['status']

/** A course member as the LMS lists them (a launch makes its launcher an active member). */
export async function upsertMember (db: Q, m: {
  context_id: string
  user_sub: string
  person_id: string
  roles: string[]
  status?: RosterStatus
  now: Date
}): Promise<void> {
  const status = m.status ?? 'Active'
  await db.insertInto('lti_roster_members')
    .values({ context_id: m.context_id, user_sub: m.user_sub, person_id: m.person_id, roles: JSON.stringify(m.roles), status, synced_at: m.now })
    .onConflict(oc => oc.columns(['context_id', 'user_sub']).doUpdateSet({ person_id: m.person_id, roles: JSON.stringify(m.roles), status, synced_at: m.now }))
    .execute()
}

/** The courses a person belongs to, with their own roles there and the roster size. */
export interface CourseRow {
  id: string
  title: string | null
  label: string | null
  context_id: string
  roles: unknown
  roster_synced_at: Date | null
  memberships_url: string | null
  active_members: number
  roster_sync_error: string | null
  roster_sync_due_at: Date | null
}

export async function coursesOf (db: Q, personId: string): Promise<CourseRow[]> {
  return await db.selectFrom('lti_roster_members as me')
    .innerJoin('lti_contexts as c', 'c.id', 'me.context_id')
    .select([
      'c.id', 'c.title', 'c.label', 'c.context_id', 'me.roles', 'c.roster_synced_at', 'c.memberships_url', 'c.roster_sync_error', 'c.roster_sync_due_at'
    ])
    .select(eb => eb.selectFrom('lti_roster_members as m').select(eb2 => eb2.fn.countAll<number>().as('n'))
      .whereRef('m.context_id', '=', 'c.id').where('m.status', '=', 'Active').as('active_members'))
    .where('me.person_id', '=', personId).where('me.status', '=', 'Active')
    .orderBy('c.title')
    .execute() as CourseRow[]
}

/** The event a course follows (null when none was tied to it, or no such course). */
export async function contextEvent (db: Q, contextId: string): Promise<string | null> {
  return (await db.selectFrom('lti_contexts').select('event_id').where('id', '=', contextId).executeTakeFirst())?.event_id ?? null
}

/** The course's platform, its grade (AGS) and roster (NRPS) endpoints and its event; throws when there is no such course. */
export async function courseServices (db: Q, contextId: string): Promise<{
  issuer: string
  client_id: string
  lineitems_url: string | null
  memberships_url: string | null
  event_id: string | null
}> {
  return await db.selectFrom('lti_contexts')
    .select(['issuer', 'client_id', 'lineitems_url', 'memberships_url', 'event_id']).where('id', '=', contextId)
    .executeTakeFirstOrThrow()
}

/** Courses tied to an event with a grade service (line items URL), or that one course if it is such. */
export async function gradedCourses (db: Q, contextId?: string): Promise<Array<{ id: string, event_id: string }>> {
  let query = db.selectFrom('lti_contexts').select(['id', 'event_id']).where('event_id', 'is not', null).where('lineitems_url', 'is not', null)
  if (contextId !== undefined) query = query.where('id', '=', contextId)
  return (await query.orderBy('id').execute()).flatMap(c => c.event_id === null ? [] : [{ id: c.id, event_id: c.event_id }])
}

// ---- Grade outbox (outbox.ts holds the rules: which score stands, leases, retries) -------------

export type LineItemKey = LtiLineItems['line_item']

/** One grade target: a person's score in one line item of a course. */
export interface ScoreTarget { contextId: string, lineItem: LineItemKey, userSub: string }

/** Records a course's line item unless one is recorded already (the first one known stays). */
export async function rememberLineItem (db: Q, contextId: string, lineItem: LineItemKey, url: string): Promise<void> {
  await db.insertInto('lti_line_items').values({ context_id: contextId, line_item: lineItem, url })
    .onConflict(oc => oc.columns(['context_id', 'line_item']).doNothing()).execute()
}

export async function lineItemUrl (db: Q, contextId: string, lineItem: LineItemKey): Promise<string | undefined> {
  return (await db.selectFrom('lti_line_items').select('url').where('context_id', '=', contextId).where('line_item', '=', lineItem).executeTakeFirst())?.url
}

export async function lineItemsOf (db: Q, contextId: string): Promise<Array<{ line_item: LineItemKey, url: string }>> {
  return await db.selectFrom('lti_line_items').select(['line_item', 'url']).where('context_id', '=', contextId).orderBy('line_item').execute()
}

/** Pending scores of the target given at or before `givenAt` are replaced by a newer one. */
export async function supersedePendingScores (db: Q, target: ScoreTarget, givenAt: Date): Promise<void> {
  await db.updateTable('lti_grade_outbox').set({ status: 'superseded' })
    .where('context_id', '=', target.contextId).where('line_item', '=', target.lineItem).where('user_sub', '=', target.userSub)
    .where('status', '=', 'pending').where('given_at', '<=', givenAt)
    .execute()
}

/** Whether a score given after `givenAt` is queued or delivered for the target. */
export async function hasNewerScore (db: Q, target: ScoreTarget, givenAt: Date): Promise<boolean> {
  const newer = await db.selectFrom('lti_grade_outbox').select('id')
    .where('context_id', '=', target.contextId).where('line_item', '=', target.lineItem).where('user_sub', '=', target.userSub)
    .where('status', 'in', ['pending', 'delivered']).where('given_at', '>', givenAt)
    .executeTakeFirst()
  return newer !== undefined
}

export async function insertScore (db: Q, target: ScoreTarget, values: {
  personId: string | null
  score: unknown
  givenAt: Date
  status: 'pending' | 'superseded'
  nextAttemptAt: Date
}): Promise<string> {
  const row = await db.insertInto('lti_grade_outbox').values({
    context_id: target.contextId,
    line_item: target.lineItem,
    user_sub: target.userSub,
    person_id: values.personId,
    score: JSON.stringify(values.score),
    given_at: values.givenAt,
    status: values.status,
    next_attempt_at: values.nextAttemptAt
  }).returning('id').executeTakeFirstOrThrow()
  if (values.status === 'pending') await wakeWorkers(db, 'grades')
  return row.id
}

export interface ClaimedScore { id: string, context_id: string, line_item: LineItemKey, user_sub: string, score: unknown, given_at: Date, attempts: number }

/** Due pending scores, oldest given first, for this worker until `leaseUntil` (src/db/lease.ts says how several workers share them). */
export async function claimDueScores (db: Q, now: Date, leaseUntil: Date, limit: number): Promise<ClaimedScore[]> {
  return await claimLeased<'lti_grade_outbox', ClaimedScore>(db, 'lti_grade_outbox', {
    now,
    leaseUntil,
    limit,
    orderBy: ['given_at'],
    columns: ['id', 'context_id', 'line_item', 'user_sub', 'score', 'given_at', 'attempts']
  })
}

/** Only a still-pending row changes: a score superseded meanwhile stays so. */
export async function markScoreDelivered (db: Q, id: string, at: Date, attempts: number): Promise<void> {
  await db.updateTable('lti_grade_outbox').set({ status: 'delivered', delivered_at: at, attempts, last_error: null })
    .where('id', '=', id).where('status', '=', 'pending').execute()
}

export async function markScoreAttemptFailed (db: Q, id: string, values: { attempts: number, error: string, nextAttemptAt: Date }): Promise<void> {
  await db.updateTable('lti_grade_outbox')
    .set({ attempts: values.attempts, last_error: values.error, next_attempt_at: values.nextAttemptAt })
    .where('id', '=', id).where('status', '=', 'pending').execute()
}

/** Queued and delivered scores of a line item in a course, newest given first. */
export async function givenScores (db: Q, contextId: string, lineItem: LineItemKey): Promise<Array<{
  user_sub: string
  score: unknown
  given_at: Date
  status: Selectable<LtiGradeOutbox>['status']
}>> {
  return await db.selectFrom('lti_grade_outbox').select(['user_sub', 'score', 'given_at', 'status'])
    .where('context_id', '=', contextId).where('line_item', '=', lineItem).where('status', 'in', ['pending', 'delivered'])
    .orderBy('given_at', 'desc').execute()
}

export async function scoreCountsByStatus (db: Q, contextId: string): Promise<Array<{ status: Selectable<LtiGradeOutbox>['status'], n: number }>> {
  return await db.selectFrom('lti_grade_outbox').select(['status', eb => eb.fn.countAll<number>().as('n')])
    .where('context_id', '=', contextId).groupBy('status').execute()
}

/** The names of a course's roster members, by LMS user id (null when no person is known). */
export async function rosterNames (db: Q, contextId: string): Promise<Array<{ user_sub: string, display_name: string | null }>> {
  return await db.selectFrom('lti_roster_members as m').leftJoin('people as p', 'p.id', 'm.person_id')
    .select(['m.user_sub', 'p.display_name']).where('m.context_id', '=', contextId).execute()
}

// ---- Roster sync (roster.ts holds the rules: leases, refresh, retries) ---------------------------

/** A course with a roster service becomes due for a sync at `now`. */
export async function rosterSyncDueNow (db: Q, contextId: string, now: Date): Promise<void> {
  await db.updateTable('lti_contexts').set({ roster_sync_due_at: now })
    .where('id', '=', contextId).where('memberships_url', 'is not', null).execute()
  await wakeWorkers(db, 'rosters')
}

/**
 * Leases up to `limit` courses due for a roster sync (only `contextId`, when given) until
 * `leaseUntil`: their due time moves past the lease, so a crashed worker's claim comes back.
 */
export async function claimDueRosters (
  db: Q,
  now: Date,
  leaseUntil: Date,
  limit: number,
  contextId?: string
): Promise<Array<{ id: string, roster_sync_attempts: number }>> {
  const only = contextId === undefined ? sql`` : sql`AND id = ${contextId}`
  const claimed = await sql<{ id: string, roster_sync_attempts: number }>`
      UPDATE lti_contexts SET roster_sync_due_at = ${leaseUntil}
      WHERE id IN (
        SELECT id FROM lti_contexts
        WHERE roster_sync_due_at <= ${now} AND memberships_url IS NOT NULL ${only}
        ORDER BY roster_sync_due_at
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      )
      RETURNING id, roster_sync_attempts`.execute(db)
  return claimed.rows
}

/** The outcome of a sync attempt: when the next one is due, the attempts in a row that failed and the last error. */
export async function recordRosterSyncOutcome (db: Q, contextId: string, values: { dueAt: Date, attempts: number, error: string | null }): Promise<void> {
  await db.updateTable('lti_contexts')
    .set({ roster_sync_due_at: values.dueAt, roster_sync_attempts: values.attempts, roster_sync_error: values.error })
    .where('id', '=', contextId).execute()
}

/** Roster members not among `present` have left the course (all of them when `present` is empty). */
export async function markMembersGone (db: Q, contextId: string, present: string[], now: Date): Promise<void> {
  let gone = db.updateTable('lti_roster_members').set({ status: 'Deleted', synced_at: now }).where('context_id', '=', contextId)
  if (present.length > 0) gone = gone.where('user_sub', 'not in', present)
  await gone.execute()
}

export async function recordRosterSynced (db: Q, contextId: string, now: Date): Promise<void> {
  await db.updateTable('lti_contexts').set({ roster_synced_at: now }).where('id', '=', contextId).execute()
}

// ---- ltijs' document store (storage.ts holds the rules: sealing, expiry, mongo semantics) -------

export type StoreDocument = Record<string, unknown>
/** ltijs' collections the table accepts. */
export type StoreCollection = LtiStore['collection']
export interface StoreRow { collection: StoreCollection, fields: string, sealed: string | null, created_at: Date, expires_at: Date | null }

/** Rows of a collection whose fields contain `query` (mongo-style equality); unexpired at `now` unless `now` is null. */
function storeRows (db: Q, collection: StoreCollection, query: StoreDocument | undefined, now: Date | null) {
  let q = db.selectFrom('lti_store').where('collection', '=', collection)
  if (now !== null) q = q.where(eb => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
  if (query !== undefined && Object.keys(query).length > 0) q = q.where(sql<boolean>`fields @> ${JSON.stringify(query)}::jsonb`)
  return q
}

export async function findStoreDocuments (db: Q, collection: StoreCollection, query: StoreDocument | undefined, now: Date): Promise<Array<{
  fields: unknown
  sealed: string | null
  created_at: Date
}>> {
  return await storeRows(db, collection, query, now).select(['fields', 'sealed', 'created_at']).orderBy('id').execute()
}

/** Locks the first matching row, expired ones included (they hold their unique index until purged). */
export async function lockFirstStoreRowId (db: Q, collection: StoreCollection, query: StoreDocument): Promise<number | undefined> {
  return (await storeRows(db, collection, query, null).select('id').orderBy('id').limit(1).forUpdate().executeTakeFirst())?.id
}

/** Locks the first matching unexpired row. */
export async function lockFirstStoreRow (db: Q, collection: StoreCollection, query: StoreDocument, now: Date): Promise<{
  id: number
  fields: unknown
  sealed: string | null
} | undefined> {
  return await storeRows(db, collection, query, now).select(['id', 'fields', 'sealed']).orderBy('id').limit(1).forUpdate().executeTakeFirst()
}

export async function insertStoreRow (db: Q, row: StoreRow): Promise<void> {
  await db.insertInto('lti_store').values(row).execute()
}

export async function updateStoreRow (db: Q, id: number, changes: Partial<Omit<StoreRow, 'collection'>>): Promise<void> {
  await db.updateTable('lti_store').set(changes).where('id', '=', id).execute()
}

export async function deleteStoreDocuments (db: Q, collection: StoreCollection, query: StoreDocument): Promise<void> {
  let del = db.deleteFrom('lti_store').where('collection', '=', collection)
  if (Object.keys(query).length > 0) del = del.where(sql<boolean>`fields @> ${JSON.stringify(query)}::jsonb`)
  await del.execute()
}

/** Deletes rows expired at `now`; returns how many. */
export async function deleteExpiredStoreRows (db: Q, now: Date): Promise<number> {
  const result = await db.deleteFrom('lti_store').where('expires_at', '<=', now).executeTakeFirst()
  return Number(result.numDeletedRows)
}
