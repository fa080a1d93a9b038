import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'

type Q = Kysely<DB>

/** The login initiation's parameters, as the platform sent them (kept for a relaunch). */
export type LoginParams = Record<string, string>

/** Where a login keeps its secret in the platform's storage (LTI Client Side postMessages). */
export interface LoginStorage { target: string, origin: string, secretHash: string }

export async function insertLoginState (db: Q, values: { state_hash: string, nonce: string, issuer: string, client_id: string | null, expires_at: Date, login_params: LoginParams, relaunched: boolean }, storage?: LoginStorage): Promise<void> {
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
export async function consumeLoginState (db: Q, stateHash: string, now: Date): Promise<{ nonce: string, issuer: string, client_id: string | null } | undefined> {
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
  return await db.selectFrom('lti_deployments').select(['issuer', 'client_id', 'deployment_id']).orderBy('issuer').orderBy('client_id').orderBy('deployment_id').execute()
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
  return await db.insertInto('lti_contexts').values({ ...values, roster_sync_due_at: due })
    .onConflict(oc => oc.columns(['issuer', 'client_id', 'deployment_id', 'context_id']).doUpdateSet(eb => ({
      ...changes,
      // Keep the event an organizer tied the course to; fill it in only when missing.
      event_id: eb.fn.coalesce('lti_contexts.event_id', eb.val(eventId)),
      roster_sync_due_at: eb.fn.coalesce('lti_contexts.roster_sync_due_at', eb.val(due))
    })))
    .returning(['id', 'event_id']).executeTakeFirstOrThrow()
}

/** The points of a course's synthesis activity, when it is set up already (deep-linked line item maximum). */
export async function synthesisMaxPoints (db: Q, course: { issuer: string, client_id: string, deployment_id: string, context_id: string }): Promise<number | undefined> {
  const row = await db.selectFrom('synthesis_assignments as a').innerJoin('lti_contexts as c', 'c.id', 'a.context_id').select('a.max_points')
    .where('c.issuer', '=', course.issuer).where('c.client_id', '=', course.client_id)
    .where('c.deployment_id', '=', course.deployment_id).where('c.context_id', '=', course.context_id)
    .executeTakeFirst()
  return row === undefined ? undefined : Number(row.max_points)
}

/** Platforms as ltijs stored them (plain documents of the `platform` collection). */
export async function listPlatforms (db: Q): Promise<Array<{ platformUrl: string, clientId: string, platformName: string | null, authEndpoint: string | null, kid: string }>> {
  const rows = await db.selectFrom('lti_store').select('fields').where('collection', '=', 'platform').orderBy('id').execute()
  return rows.map(r => {
    const f = r.fields as Record<string, unknown>
    return { platformUrl: String(f.platformUrl), clientId: String(f.clientId), platformName: typeof f.platformName === 'string' ? f.platformName : null, authEndpoint: typeof f.authEndpoint === 'string' ? f.authEndpoint : null, kid: String(f.kid) }
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

export async function insertDeepLinkRequest (db: Q, values: { person_id: string, launch_sealed: string, accept_multiple: boolean, expires_at: Date }): Promise<string> {
  return (await db.insertInto('lti_deep_link_requests').values(values).returning('id').executeTakeFirstOrThrow()).id
}

export async function findDeepLinkRequest (db: Q, id: string, personId: string, now: Date): Promise<{ launch_sealed: string, accept_multiple: boolean } | undefined> {
  return await db.selectFrom('lti_deep_link_requests').select(['launch_sealed', 'accept_multiple'])
    .where('id', '=', id).where('person_id', '=', personId).where('used_at', 'is', null).where('expires_at', '>', now)
    .executeTakeFirst()
}

export async function useDeepLinkRequest (db: Q, id: string, now: Date): Promise<boolean> {
  const row = await db.updateTable('lti_deep_link_requests').set({ used_at: now }).where('id', '=', id).where('used_at', 'is', null).returning('id').executeTakeFirst()
  return row !== undefined
}

export async function purgeDeepLinkRequests (db: Q, now: Date): Promise<void> {
  await db.deleteFrom('lti_deep_link_requests').where('expires_at', '<=', now).execute()
}

export async function upsertMember (db: Q, m: { context_id: string, user_sub: string, person_id: string, roles: string[], now: Date }): Promise<void> {
  await db.insertInto('lti_roster_members')
    .values({ context_id: m.context_id, user_sub: m.user_sub, person_id: m.person_id, roles: JSON.stringify(m.roles), status: 'Active', synced_at: m.now })
    .onConflict(oc => oc.columns(['context_id', 'user_sub']).doUpdateSet({ person_id: m.person_id, roles: JSON.stringify(m.roles), status: 'Active', synced_at: m.now }))
    .execute()
}

/** The courses a person belongs to, with their own roles there and the roster size. */
export interface CourseRow { id: string, title: string | null, label: string | null, context_id: string, roles: unknown, roster_synced_at: Date | null, memberships_url: string | null, active_members: number, roster_sync_error: string | null, roster_sync_due_at: Date | null }

export async function coursesOf (db: Q, personId: string): Promise<CourseRow[]> {
  return await db.selectFrom('lti_roster_members as me')
    .innerJoin('lti_contexts as c', 'c.id', 'me.context_id')
    .select(['c.id', 'c.title', 'c.label', 'c.context_id', 'me.roles', 'c.roster_synced_at', 'c.memberships_url', 'c.roster_sync_error', 'c.roster_sync_due_at'])
    .select(eb => eb.selectFrom('lti_roster_members as m').select(eb2 => eb2.fn.countAll<number>().as('n'))
      .whereRef('m.context_id', '=', 'c.id').where('m.status', '=', 'Active').as('active_members'))
    .where('me.person_id', '=', personId).where('me.status', '=', 'Active')
    .orderBy('c.title')
    .execute() as CourseRow[]
}
