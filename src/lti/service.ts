import { createHash, generateKeyPair, randomBytes, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'
import type { LtijsIdToken, LtijsProvider } from 'ltijs'
import type { Db } from '../db/database.js'
import type { Clock } from '../clock.js'
import { AppError } from '../errors.js'
import { bilingual, t, type Locale, type TextKey } from '../views/i18n.js'
import { frameOrigins, type FramingPlatform } from '../http/frame-ancestors.js'
import * as people from '../people/repository.js'
import { isTombstoned } from '../privacy/tombstone-repository.js'
import { tombstoneHash } from '../privacy/tombstones.js'
import type { Role } from '../people/repository.js'
import type { ProgramService } from '../program/service.js'
import { isCourseInstructor, mapLtiRoles } from './roles.js'
import { LINE_ITEMS, type LineItemKey } from './outbox.js'
import { seal, unseal, type LtiStorage } from './storage.js'
import * as repo from './repository.js'

export interface PlatformRegistration {
  issuer: string
  clientId: string
  deploymentIds: string[]
  authUrl: string
  tokenUrl: string
  jwksUrl: string
  /** The audience of client assertions when it is not the token URL (Brightspace). */
  tokenAudience?: string | undefined
  name?: string | undefined
}

export interface Launch {
  personId: string
  displayName: string
  roles: Role[]
  eventId: string | null
  /** Our id of the course launched from (null when the launch had no context). */
  contextId: string | null
  contextTitle: string | null
  messageType: 'LtiResourceLinkRequest' | 'LtiDeepLinkingRequest'
}

/** A launch whose LTI roles grant neither student nor instructor (see roles.ts). */
export const noCourseRole = new AppError('forbidden', bilingual('lti.noCourseRole'))

/** What an instructor can place in the course through Deep Linking. */
export const deepLinkTargets = ['synthesis', 'attendance', 'program'] as const
export type DeepLinkTarget = typeof deepLinkTargets[number]
export const deepLinkTitles = {
  synthesis: 'lti.deepLinkSynthesis',
  attendance: 'lti.deepLinkAttendance',
  program: 'lti.deepLinkProgram'
} as const satisfies Record<DeepLinkTarget, TextKey>
const DEEP_LINK_LIFETIME_MS = 30 * 60_000
/**
 * The targets graded in the LMS, and their line item: their content item carries a `lineItem`
 * so that the platform's column for the activity is the one Compagnon grades (no second,
 * empty column). The program is not graded: it carries none, and Moodle then makes no column
 * when the tool's "Accept grades" is "Delegate to teacher" (docs/admin/lms/moodle.md, "Grade columns").
 */
export const gradedTargets: Partial<Record<DeepLinkTarget, LineItemKey>> = { synthesis: 'synthese', attendance: 'presence' }
const DEFAULT_SCORE_MAXIMUM = 100

/**
 * A launch by an LMS account whose data was erased at the person's request (a sealed tombstone):
 * refused, so that no new account quietly collects their data again. docs/confidentialite.md says how
 * they can come back.
 */
export const erasedAccount = new AppError('forbidden', bilingual('lti.erasedAccount'))

const generateRsaKeyPair = promisify(generateKeyPair)

export interface PlatformSummary {
  name: string
  issuer: string
  clientId: string
  deploymentIds: string[]
  /** Launches are refused while false (dynamically registered platforms start so). */
  active: boolean
  /** Set for platforms that registered themselves through a dynamic-registration link. */
  dynamic: { registeredAt: Date, approvedAt: Date | null } | null
}

const stateHash = (state: string): string => createHash('sha256').update(state).digest('hex')
const relaunchHash = (token: string): string => createHash('sha256').update(`relaunch:${token}`).digest('hex')
const storageSecretHash = (secret: string): string => createHash('sha256').update(`storage:${secret}`).digest('hex')
/** The key under which a login's secret is kept in the platform's storage. */
export const storageKey = (state: string): string => `compagnon_state_${state}`
const STATE_LIFETIME_MS = 10 * 60_000
/** How long the "open in a new window" button of a failed launch works (once). */
export const RELAUNCH_LIFETIME_MS = 5 * 60_000

/**
 * Moodle uses the launch id of its lti_message_hint once (mod/lti/auth.php unsets it): the same
 * login initiation is not answered twice. Its hint names the activity (cmid) too, and the
 * activity's launch page on the platform starts a new login there, top-level. Undefined for
 * other platforms' hints (sent again as they are) and for a Moodle hint without an activity.
 */
export function moodleLaunchPage (params: Record<string, string>): string | undefined {
  let hint: unknown
  try { hint = JSON.parse(params.lti_message_hint ?? '') } catch { return undefined }
  if (typeof hint !== 'object' || hint === null) return undefined
  const { cmid, launchid } = hint as { cmid?: unknown, launchid?: unknown }
  if (typeof launchid !== 'string' || !/^\d{1,12}$/.test(String(cmid))) return undefined
  const issuer = params.iss ?? ''
  if (!/^https?:\/\//.test(issuer)) return undefined
  return `${issuer.replace(/\/+$/, '')}/mod/lti/launch.php?id=${String(cmid)}&triggerview=0`
}

const relaunchGone = new AppError('not_found', bilingual('lti.relaunchGone'))

const deepLinkGone = new AppError('not_found', bilingual('lti.deepLinkGone'))

/** A secret posted back from platform storage that is not the login's (or a second try). */
const storageSecretRefused = new AppError('unauthorized', bilingual('lti.launchRefusedStorageSecret'))

const refused = (key: TextKey): AppError => new AppError('unauthorized', bilingual(key))

const displayNameOf = (info: {
  name?: string | undefined
  given_name?: string | undefined
  family_name?: string | undefined
  email?: string | undefined
}): string =>
  info.name ?? ([info.given_name, info.family_name].filter(Boolean).join(' ') || info.email || 'Participant·e')

/**
 * The person behind a platform user (issuer + client id + sub): found by identity, else created.
 * Used by launches and roster syncs. Never by email alone: a platform only vouches for its own
 * users, and an address it sends could be anyone's (an imported participant, another event's
 * organizer). Someone with two accounts links them with a one-time code (src/people).
 */
export async function upsertLtiPerson (db: Db, user: repo.PlatformUser, info: {
  name?: string | undefined
  given_name?: string | undefined
  family_name?: string | undefined
  email?: string | undefined
}, now: Date): Promise<string> {
  const known = (await repo.findIdentity(db, user))?.person_id
  if (known !== undefined) {
    await repo.touchIdentity(db, user, now)
    return known
  }
  const byEmail = info.email !== undefined ? await people.findPersonByEmail(db, info.email) : undefined
  const personId = (await people.insertPerson(db, {
    // An address already in use stays with its account: this person is kept apart, without it.
    email: byEmail === undefined ? info.email ?? null : null,
    display_name: displayNameOf(info),
    given_name: info.given_name ?? null,
    family_name: info.family_name ?? null
  })).id
  await repo.insertIdentity(db, user, personId)
  return personId
}

/** A course an instructor teaches, and where its class list stands. */
export interface CourseRosterState {
  id: string
  title: string
  rosterSyncedAt: Date | null
  activeMembers: number
  hasRosterService: boolean
  rosterSyncError: string | null
  nextRosterSyncAt: Date | null
}

export class LtiService {
  constructor (
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly program: ProgramService,
    /** ltijs, started on first use. */
    private readonly provider: () => Promise<LtijsProvider>,
    private readonly storage: LtiStorage,
    private readonly sealingKey: string,
    /** Key of the erasure tombstones (privacy/tombstones.ts). */
    private readonly tombstoneKey: Buffer,
    private readonly publicUrl: string,
    /** RSA modulus of the key made for each new platform. */
    private readonly keyBits = 4096
  ) {}

  /** Login states and pending deep-linking choices past their expiry. */
  async purgeExpired (): Promise<void> {
    const now = this.clock.now()
    await repo.purgeLoginStates(this.db, now)
    await repo.purgeDeepLinkRequests(this.db, now)
  }

  /** Courses where the person teaches (an instructor role of the course in the LMS), with their sync state. */
  async taughtCourses (personId: string): Promise<CourseRosterState[]> {
    const rows = await repo.coursesOf(this.db, personId)
    return rows.filter(r => isCourseInstructor(r.roles as string[]))
      .map(r => ({
        id: r.id,
        title: r.title ?? r.label ?? r.context_id,
        rosterSyncedAt: r.roster_synced_at,
        activeMembers: Number(r.active_members),
        hasRosterService: r.memberships_url !== null,
        rosterSyncError: r.roster_sync_error,
        nextRosterSyncAt: r.roster_sync_due_at
      }))
  }

  /** The event a course follows (null when no event was tied to it). */
  async courseEvent (contextId: string): Promise<string | null> {
    return await repo.contextEvent(this.db, contextId)
  }

  async teaches (personId: string, contextId: string): Promise<boolean> {
    return (await this.taughtCourses(personId)).some(c => c.id === contextId)
  }

  /** Keeps a deep-linking launch (sealed, 30 min) until the instructor has chosen. */
  async startDeepLinking (personId: string, token: LtijsIdToken): Promise<string> {
    const settings = token.platformContext.deepLinkingSettings ?? {}
    return await repo.insertDeepLinkRequest(this.db, {
      person_id: personId,
      launch_sealed: seal(token as unknown as Record<string, unknown>, this.sealingKey),
      accept_multiple: !(settings.accept_multiple === false || settings.accept_multiple === 'false'),
      expires_at: new Date(this.clock.now().getTime() + DEEP_LINK_LIFETIME_MS)
    })
  }

  async deepLinkRequest (id: string, personId: string): Promise<{ acceptMultiple: boolean }> {
    const row = await repo.findDeepLinkRequest(this.db, id, personId, this.clock.now())
    if (row === undefined) throw deepLinkGone
    return { acceptMultiple: row.accept_multiple }
  }

  /** Answers the platform: a JWT signed with our key for the chosen items, and where to post it. Once. */
  /** The signed answer, where to post it, and the origins of the platform that asked (the only ones that may frame the page). */
  async answerDeepLinking (id: string, personId: string, targets: DeepLinkTarget[], locale: Locale): Promise<{
    returnUrl: string
    jwt: string
    frameAncestors: string[]
  }> {
    const now = this.clock.now()
    const row = await repo.findDeepLinkRequest(this.db, id, personId, now)
    if (row === undefined) throw deepLinkGone
    const token = unseal(row.launch_sealed, this.sealingKey) as unknown as LtijsIdToken
    // A platform that offers no grade service would make a column nobody fills: no lineItem then.
    const graded = token.platformContext.endpoint?.lineitems !== undefined
    const synthesisMaximum = graded && targets.includes('synthesis') ? await this.#synthesisMaximum(token) : DEFAULT_SCORE_MAXIMUM
    const items = targets.map(target => {
      const key = gradedTargets[target]
      return {
        type: 'ltiResourceLink',
        // Moodle names a graded activity's column after the activity (mod/lti/lib.php:552), not
        // lineItem.label: graded activities take the column's name, and describe themselves in text.
        ...(key === undefined ? { title: t(locale, deepLinkTitles[target]) } : { title: LINE_ITEMS[key].label, text: t(locale, deepLinkTitles[target]) }),
        url: `${this.publicUrl}/lti/launch`,
        custom: { compagnon_target: target },
        ...(graded && key !== undefined
          ? { lineItem: { ...LINE_ITEMS[key], scoreMaximum: key === 'synthese' ? synthesisMaximum : DEFAULT_SCORE_MAXIMUM } }
          : {})
      }
    })
    const jwt = await (await this.provider()).DeepLinking.createDeepLinkingMessage(token, items, {
      message: t(locale, 'lti.deepLinkAdded', { count: items.length })
    })
    if (!await repo.useDeepLinkRequest(this.db, id, now)) throw deepLinkGone
    const platform = (await repo.listPlatforms(this.db)).filter(p => p.platformUrl === token.iss && p.clientId === token.clientId)
    return { returnUrl: String(token.platformContext.deepLinkingSettings?.deep_link_return_url ?? ''), jwt, frameAncestors: frameOrigins(platform) }
  }

  /** The points of the course's synthesis when it is set up already (100 otherwise, its default). */
  async #synthesisMaximum (token: LtijsIdToken): Promise<number> {
    const courseId = token.platformContext.context?.id
    if (courseId === undefined) return DEFAULT_SCORE_MAXIMUM
    const points = await repo.synthesisMaxPoints(this.db, {
      issuer: token.iss,
      client_id: token.clientId,
      deployment_id: token.deploymentId,
      context_id: courseId
    })
    return points !== undefined && points > 0 ? points : DEFAULT_SCORE_MAXIMUM
  }

  /**
   * Registers (or updates) a platform and the deployments we accept from it. Idempotent.
   * A new platform gets its own RSA key pair, generated off the event loop (ltijs would make it
   * synchronously, blocking every request for seconds); `active: false` keeps it waiting for approval.
   */
  async registerPlatform (reg: PlatformRegistration, options: { active?: boolean } = {}): Promise<void> {
    const known = await this.storage.Get(false, 'platform', { platformUrl: reg.issuer, clientId: reg.clientId })
    if (known === false) {
      await this.#createPlatform(reg, options.active ?? true)
    } else {
      await (await this.provider()).registerPlatform({
        url: reg.issuer,
        name: reg.name ?? reg.issuer,
        clientId: reg.clientId,
        authenticationEndpoint: reg.authUrl,
        accesstokenEndpoint: reg.tokenUrl,
        ...(reg.tokenAudience !== undefined ? { authorizationServer: reg.tokenAudience } : {}),
        authConfig: { method: 'JWK_SET', key: reg.jwksUrl }
      })
      if (options.active !== undefined) await this.setPlatformActive(reg.issuer, reg.clientId, options.active)
    }
    for (const deploymentId of reg.deploymentIds) {
      await repo.addDeployment(this.db, { issuer: reg.issuer, client_id: reg.clientId, deployment_id: deploymentId })
    }
  }

  /** The documents ltijs' registerPlatform would write (same collections and shapes), with the key made asynchronously. */
  async #createPlatform (reg: PlatformRegistration, active: boolean): Promise<void> {
    const { publicKey, privateKey } = await generateRsaKeyPair('rsa', {
      modulusLength: this.keyBits,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' }
    })
    const kid = randomBytes(16).toString('hex')
    const owner = { platformUrl: reg.issuer, clientId: reg.clientId }
    try {
      await this.storage.Replace(this.sealingKey, 'publickey', owner, { key: publicKey, kid }, { kid, ...owner })
      await this.storage.Replace(this.sealingKey, 'privatekey', owner, { key: privateKey, kid }, { kid, ...owner })
      if (!active) await this.storage.Replace(false, 'platformStatus', { id: kid }, { id: kid, active: false })
      // Written last: a platform without its keys never exists.
      await this.storage.Replace(false, 'platform', owner, {
        platformName: reg.name ?? reg.issuer,
        ...owner,
        authEndpoint: reg.authUrl,
        accesstokenEndpoint: reg.tokenUrl,
        ...(reg.tokenAudience !== undefined ? { authorizationServer: reg.tokenAudience } : {}),
        kid,
        authConfig: { method: 'JWK_SET', key: reg.jwksUrl }
      })
    } catch (err) {
      await this.storage.Delete('publickey', { kid })
      await this.storage.Delete('privatekey', { kid })
      await this.storage.Delete('platformStatus', { id: kid })
      throw err
    }
  }

  /** Approves (or suspends) a platform: ltijs refuses logins from inactive ones. */
  async setPlatformActive (issuer: string, clientId: string, active: boolean): Promise<void> {
    const platform = await this.storage.Get(false, 'platform', { platformUrl: issuer, clientId })
    const kid = platform === false ? undefined : platform[0]?.kid
    if (typeof kid !== 'string') throw new AppError('not_found', bilingual('lti.platformUnknown'))
    await this.storage.Replace(false, 'platformStatus', { id: kid }, { id: kid, active })
  }

  /** Registered platforms with the deployments accepted from each and their status (organizer page). */
  async platforms (): Promise<PlatformSummary[]> {
    const deployments = await this.deployments()
    const statuses = await this.storage.Get(false, 'platformStatus', {})
    const inactive = new Set((statuses === false ? [] : statuses).filter(s => s.active === false).map(s => String(s.id)))
    const dynamic = await repo.listDynamicRegistrations(this.db)
    return (await repo.listPlatforms(this.db)).map(p => {
      const registration = dynamic.find(d => d.issuer === p.platformUrl && d.client_id === p.clientId)
      return {
        name: p.platformName ?? p.platformUrl,
        issuer: p.platformUrl,
        clientId: p.clientId,
        deploymentIds: deployments.filter(d => d.issuer === p.platformUrl && d.clientId === p.clientId).map(d => d.deploymentId),
        active: !inactive.has(p.kid),
        dynamic: registration === undefined ? null : { registeredAt: registration.used_at, approvedAt: registration.approved_at }
      }
    })
  }

  /** Every registered platform's issuer and login URL: the origins that may frame our pages (http/security.ts reads them through app.ts). */
  async framingPlatforms (): Promise<FramingPlatform[]> {
    return (await repo.listPlatforms(this.db)).map(p => ({ platformUrl: p.platformUrl, authEndpoint: p.authEndpoint }))
  }

  /**
   * Why an inactive platform is refused, as the organizer page says it: a dynamic registration no
   * organizer has approved yet is waiting; any other inactive platform was suspended.
   */
  async inactiveReason (issuer: string, clientId: string | undefined): Promise<'waiting' | 'suspended'> {
    const platform = (await this.platforms()).find(p => p.issuer === issuer && (clientId === undefined || p.clientId === clientId))
    return platform?.dynamic?.approvedAt === null ? 'waiting' : 'suspended'
  }

  async deployments (): Promise<Array<{ issuer: string, clientId: string, deploymentId: string }>> {
    return (await repo.listDeployments(this.db)).map(d => ({ issuer: d.issuer, clientId: d.client_id, deploymentId: d.deployment_id }))
  }

  /**
   * At login initiation: remember which nonce went out with which state, and the parameters the
   * platform sent (a relaunch sends them again). `relaunched`: this login is itself a relaunch.
   */
  async recordLoginState (state: string, nonce: string, issuer: string, clientId: string | null, params: repo.LoginParams, relaunched: boolean): Promise<void> {
    await repo.insertLoginState(this.db, this.loginStateRow(state, nonce, issuer, clientId, params, relaunched))
  }

  /**
   * The same, for a platform that offers its storage (`lti_storage_target`): a random secret for
   * this login, to be put in that storage by the browser (only its hash is kept). `origin` is the
   * platform's OIDC auth endpoint's, the only window the messages go to and come from.
   */
  async recordLoginStateWithStorage (
    state: string,
    nonce: string,
    issuer: string,
    clientId: string | null,
    params: repo.LoginParams,
    storage: { target: string, origin: string }
  ): Promise<{ key: string, secret: string }> {
    const secret = randomBytes(32).toString('base64url')
    await repo.insertLoginState(
      this.db,
      this.loginStateRow(state, nonce, issuer, clientId, params, false),
      { ...storage, secretHash: storageSecretHash(secret) }
    )
    return { key: storageKey(state), secret }
  }

  private loginStateRow (
    state: string,
    nonce: string,
    issuer: string,
    clientId: string | null,
    params: repo.LoginParams,
    relaunched: boolean
  ): Parameters<typeof repo.insertLoginState>[1] {
    return {
      state_hash: stateHash(state),
      nonce,
      issuer,
      client_id: clientId,
      expires_at: new Date(this.clock.now().getTime() + STATE_LIFETIME_MS),
      login_params: params,
      relaunched
    }
  }

  /** Where to ask for a login's secret: its platform storage, if it has one that was not checked yet and the login is unused. */
  async pendingStorage (state: string): Promise<{ key: string, target: string, origin: string } | undefined> {
    const storage = await repo.pendingLoginStorage(this.db, stateHash(state), this.clock.now())
    return storage === undefined ? undefined : { key: storageKey(state), ...storage }
  }

  /**
   * Checks the secret a launch brought back from platform storage, once per login (constant time).
   * Right: the issuer the login was for (it stands for ltijs' login cookie). Wrong, or a second
   * try: refused, and the login is used up (someone holds its state who should not).
   */
  async checkStorageSecret (state: string, secret: string): Promise<string> {
    const now = this.clock.now()
    const hash = stateHash(state)
    const check = await repo.takeStorageCheck(this.db, hash, now)
    if (check === undefined) throw storageSecretRefused
    if (!timingSafeEqual(Buffer.from(storageSecretHash(secret), 'hex'), Buffer.from(check.secretHash, 'hex'))) {
      await repo.burnLoginState(this.db, hash, now)
      throw storageSecretRefused
    }
    return check.issuer
  }

  /**
   * After a launch whose state passed our checks but whose login cookie did not come back (blocked
   * in the LMS frame): a one-time token, valid RELAUNCH_LIFETIME_MS, that restarts that login once
   * in a new top-level window. Undefined when none is offered (unknown state, already offered, or
   * the failed login was itself a relaunch: a new window would not help). Only its hash is kept.
   */
  async offerRelaunch (state: string): Promise<string | undefined> {
    const token = randomBytes(32).toString('base64url')
    const now = this.clock.now()
    const offered = await repo.offerRelaunch(this.db, stateHash(state), relaunchHash(token), new Date(now.getTime() + RELAUNCH_LIFETIME_MS), now)
    return offered ? token : undefined
  }

  /**
   * Uses a relaunch token: the login initiation parameters to send again, top-level. The platform
   * answers them with a new id_token, for the person signed in to it (their login_hint), so the
   * token carries no sign-in of its own and is worth nothing to anyone else.
   */
  async useRelaunch (token: string): Promise<repo.LoginParams> {
    const params = await repo.useRelaunch(this.db, relaunchHash(token), this.clock.now())
    if (params === undefined) throw relaunchGone
    return params
  }

  /**
   * Checks ltijs leaves out, on the (not yet verified) id_token, before ltijs verifies it:
   * the state is one we issued, unused, and its nonce is the token's; the deployment is one
   * we accept; iat is not in the future. The state is used up either way.
   */
  async checkLaunch (state: string, claims: Record<string, unknown>, skewSeconds: number): Promise<{ issuer: string, clientId: string }> {
    const now = this.clock.now()
    const login = await repo.consumeLoginState(this.db, stateHash(state), now)
    if (login === undefined) throw refused('lti.launchRefusedUnknownLogin')
    if (claims.nonce !== login.nonce) throw refused('lti.launchRefusedNonce')
    if (claims.iss !== login.issuer) throw refused('lti.launchRefusedIssuer')
    const iat = Number(claims.iat)
    if (!Number.isFinite(iat) || iat > now.getTime() / 1000 + skewSeconds) throw refused('lti.launchRefusedFuture')
    const audiences = Array.isArray(claims.aud) ? claims.aud.map(String) : [String(claims.aud)]
    const clientId = typeof claims.azp === 'string' ? claims.azp : audiences[0] ?? ''
    if (!audiences.includes(clientId) || (login.client_id !== null && clientId !== login.client_id)) {
      throw refused('lti.launchRefusedAudience')
    }
    const deploymentId = String(claims['https://purl.imsglobal.org/spec/lti/claim/deployment_id'] ?? '')
    if (!await repo.deploymentExists(this.db, login.issuer, clientId, deploymentId)) {
      throw new AppError('forbidden', bilingual('lti.launchRefusedDeployment'))
    }
    return { issuer: login.issuer, clientId }
  }

  /** After ltijs validated the launch: the person, their course and their roles, in one transaction. */
  async completeLaunch (token: LtijsIdToken): Promise<Launch> {
    const now = this.clock.now()
    const ctx = token.platformContext
    const roles = mapLtiRoles(ctx.roles ?? [])
    // Nothing is stored for a launch that grants nothing (observers, administrators, guests...).
    if (roles.length === 0) throw noCourseRole
    const info = token.userInfo ?? {}
    const displayName = displayNameOf(info)
    const currentEvent = await this.program.currentEvent()
    if (await isTombstoned(this.db, tombstoneHash(this.tombstoneKey, token.iss, token.user))) {
      // ltijs stored this launch (name, email in clear) before handing it to us: it goes too.
      await this.storage.Delete('idtoken', { iss: token.iss, clientId: token.clientId, user: token.user })
      await this.storage.Delete('contexttoken', { contextId: ctx.contextId, user: token.user })
      throw erasedAccount
    }
    return await this.db.transaction().execute(async trx => {
      const personId = await upsertLtiPerson(trx, { issuer: token.iss, clientId: token.clientId, subject: token.user }, info, now)
      const context = ctx.context === undefined
        ? undefined
        : await repo.upsertContext(trx, {
          issuer: token.iss,
          client_id: token.clientId,
          deployment_id: token.deploymentId,
          context_id: ctx.context.id,
          label: ctx.context.label ?? null,
          title: ctx.context.title ?? null,
          event_id: currentEvent?.id ?? null,
          lineitems_url: ctx.endpoint?.lineitems ?? null,
          memberships_url: ctx.namesRoles?.context_memberships_url ?? null,
          updated_at: now
        })
      const eventId = context?.event_id ?? null
      if (context !== undefined) {
        // The launcher is a member of this course now, whatever the last roster sync said.
        await repo.upsertMember(trx, { context_id: context.id, user_sub: token.user, person_id: personId, roles: ctx.roles ?? [], now })
        // A launch from a deep-linked graded activity names the platform's column for it (AGS
        // `lineitem`): that one is graded, unless the course already has one holding our grades.
        const key = gradedTargets[String(ctx.custom?.compagnon_target) as DeepLinkTarget]
        if (key !== undefined && typeof ctx.endpoint?.lineitem === 'string' && ctx.endpoint.lineitem !== '') {
          await repo.rememberLineItem(trx, context.id, key, ctx.endpoint.lineitem)
        }
      }
      if (eventId !== null) {
        for (const role of roles) await people.addRegistration(trx, { event_id: eventId, person_id: personId, role, created_by: null })
      }
      return {
        personId,
        displayName,
        roles,
        eventId,
        contextId: context?.id ?? null,
        contextTitle: ctx.context?.title ?? ctx.context?.label ?? null,
        messageType: ctx.messageType
      }
    })
  }
}
