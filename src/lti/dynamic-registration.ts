import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import { AppError, badRequest } from '../errors.js'
import { bilingual, type TextKey, type TextValues } from '../views/i18n.js'
import { hashToken } from '../people/service.js'
import { OutboundError, outboundRequest, urlAllowed, type OutboundPolicy } from '../http/outbound.js'
import { AGS_SCOPES, NRPS_SCOPE } from './ags.js'
import type { LtiService } from './service.js'
import * as repo from './repository.js'

/** How long an organizer's registration link can be used: time enough to pass it to an LMS administrator. */
const LINK_LIFETIME_MS = 7 * 24 * 3600_000
const FETCH_TIMEOUT_MS = 5000
const TOOL_CONFIGURATION = 'https://purl.imsglobal.org/spec/lti-tool-configuration'
const PLATFORM_CONFIGURATION = 'https://purl.imsglobal.org/spec/lti-platform-configuration'
/** Canvas names every tenant with one issuer while each tenant serves its own configuration. */
const SHARED_ISSUERS = new Set(['canvas.instructure.com', 'canvas.beta.instructure.com', 'canvas.test.instructure.com'])

/** At most this many redirects are followed, each checked like the first address. */
const MAX_REDIRECTS = 3
/** A platform configuration or registration answer is a few kilobytes. */
const MAX_ANSWER_BYTES = 256 * 1024

/** Any absolute URL; where it may point is decided by the outbound policy (src/http/outbound.ts). */
const platformUrl = z.url({ error: 'must be a URL' })

const platformConfigurationSchema = z.object({
  issuer: platformUrl,
  authorization_endpoint: platformUrl,
  token_endpoint: platformUrl,
  jwks_uri: platformUrl,
  registration_endpoint: platformUrl,
  /** Brightspace: the audience of token requests, when it is not the token endpoint. */
  authorization_server: z.string().min(1).optional(),
  claims_supported: z.array(z.string()).optional(),
  [PLATFORM_CONFIGURATION]: z.object({
    product_family_code: z.string().optional(),
    version: z.string().optional(),
    messages_supported: z.array(z.object({ type: z.string() }).loose()).optional()
  }).loose().optional()
}).loose()
export type PlatformConfiguration = z.infer<typeof platformConfigurationSchema>

/** The configuration's addresses, each checked against the outbound policy, and how messages name it. */
const ADDRESS_FIELDS = [
  ['issuer', 'issuer'],
  ['authorization_endpoint', 'login'],
  ['token_endpoint', 'token'],
  ['jwks_uri', 'keys'],
  ['registration_endpoint', 'registration']
] as const satisfies ReadonlyArray<readonly [keyof PlatformConfiguration, PlatformAddress]>

const registrationResponseSchema = z.object({
  client_id: z.string().min(1),
  [TOOL_CONFIGURATION]: z.object({ deployment_id: z.string().min(1).optional() }).loose().optional()
}).loose()

export interface RegistrationRequest {
  /** Our one-time link secret. */
  token: string
  /** Added by the platform when it opens our registration URL. */
  openidConfiguration: string
  registrationToken?: string | undefined
}

const linkUnusable = new AppError('forbidden', bilingual('lti.registrationLinkUnusable'))

const platformProblem = (key: TextKey, values?: TextValues, details?: unknown): AppError => new AppError('bad_request', bilingual(key, values), details)

/** The platform addresses Compagnon fetches or sends people to, as the messages name them. */
type PlatformAddress = 'configuration' | 'registration' | 'issuer' | 'login' | 'token' | 'keys'
/** What Compagnon fetches as JSON from the platform. */
type PlatformDocument = 'configuration' | 'registration'

const notPublic = (what: PlatformAddress): AppError => badRequest(bilingual('lti.registrationAddressNotPublic', { what }))

/** An error answer, said for people: refused (401, 403), not there (404, 410), down (5xx). */
const problemOfStatus = (status: number): string =>
  status === 401 || status === 403 ? 'refused' : status === 404 || status === 410 ? 'missing' : status >= 500 ? 'unavailable' : 'other'

/**
 * JSON from a platform, under the outbound policy. What failed is said in words; the remote's
 * own answer is never repeated (it could be anything the address serves), and every way of not
 * getting an answer (closed port, timeout, TLS, not HTTP) reads the same.
 */
async function fetchJson (url: string, init: {
  method?: string
  headers: Record<string, string>
  body?: string
}, what: PlatformDocument, policy: OutboundPolicy): Promise<unknown> {
  let response
  try {
    response = await outboundRequest(url, init, policy)
  } catch (err) {
    if (err instanceof OutboundError && err.failure.kind === 'refused_address') throw notPublic(what)
    throw new AppError('unavailable', bilingual('lti.registrationUnreachable', { what }))
  }
  if (response.status < 200 || response.status > 299) {
    // The status, for whoever reads the error's details; people read what it means.
    throw platformProblem('lti.registrationPlatformError', { what, problem: problemOfStatus(response.status) }, { status: response.status })
  }
  try {
    return JSON.parse(response.body)
  } catch {
    throw platformProblem('lti.registrationUnreadable', { what })
  }
}

/**
 * LTI Dynamic Registration (IMS LTI DR 1.0), guarded by one-time links that organizers create.
 * ltijs' own flow is not used: it fetches without a timeout, generates the platform key
 * synchronously on the request, names the platform randomly and drops the deployment id.
 */
export class DynamicRegistration {
  readonly #policy: OutboundPolicy

  constructor (
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly lti: LtiService,
    private readonly publicUrl: string,
    options: { allowPrivateUrls: boolean }
  ) {
    this.#policy = { allowPrivate: options.allowPrivateUrls, timeoutMs: FETCH_TIMEOUT_MS, maxRedirects: MAX_REDIRECTS, maxBytes: MAX_ANSWER_BYTES }
  }

  /** A registration URL to paste into the LMS (the secret is shown once; only its hash is kept). */
  async createLink (createdBy: string): Promise<{ url: string, expiresAt: Date }> {
    const token = randomBytes(32).toString('base64url')
    const expiresAt = new Date(this.clock.now().getTime() + LINK_LIFETIME_MS)
    await repo.insertRegistrationToken(this.db, { token_hash: hashToken(token), created_by: createdBy, expires_at: expiresAt })
    return { url: `${this.publicUrl}/lti/register?compagnon_token=${token}`, expiresAt }
  }

  /** What the administrator is about to register (the confirmation page); the link stays unused. */
  async preview (request: RegistrationRequest): Promise<PlatformConfiguration> {
    if (await repo.findUsableRegistrationToken(this.db, hashToken(request.token), this.clock.now()) === undefined) throw linkUnusable
    return await this.#configuration(request.openidConfiguration)
  }

  /**
   * Registers Compagnon with the platform and the platform with Compagnon, inactive until an
   * organizer approves it. The link is used up on success and given back on failure.
   */
  async register (request: RegistrationRequest): Promise<{ issuer: string, clientId: string, deploymentId: string | null, name: string }> {
    const claim = await repo.claimRegistrationToken(this.db, hashToken(request.token), this.clock.now())
    if (claim === undefined) throw linkUnusable
    try {
      const configuration = await this.#configuration(request.openidConfiguration)
      const platform = configuration[PLATFORM_CONFIGURATION]
      const answer = registrationResponseSchema.safeParse(await fetchJson(configuration.registration_endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          ...(request.registrationToken !== undefined && request.registrationToken !== '' ? { authorization: `Bearer ${request.registrationToken}` } : {})
        },
        body: JSON.stringify(this.#toolRegistration(configuration))
      }, 'registration', this.#policy))
      if (!answer.success) throw platformProblem('lti.registrationNoClientId')
      const clientId = answer.data.client_id
      const deploymentId = answer.data[TOOL_CONFIGURATION]?.deployment_id ?? null
      const issuerHost = new URL(configuration.issuer).host
      const name = `${platform?.product_family_code ?? 'LMS'}${platform?.version !== undefined ? ` ${platform.version}` : ''} (${issuerHost})`
      const known = (await this.lti.platforms()).some(p => p.issuer === configuration.issuer && p.clientId === clientId)
      if (known) throw new AppError('conflict', bilingual('lti.registrationAlreadyKnown'))
      await this.lti.registerPlatform({
        issuer: configuration.issuer,
        clientId,
        deploymentIds: deploymentId === null ? [] : [deploymentId],
        authUrl: configuration.authorization_endpoint,
        tokenUrl: configuration.token_endpoint,
        jwksUrl: configuration.jwks_uri,
        tokenAudience: configuration.authorization_server,
        name
      }, { active: false })
      await repo.recordRegisteredPlatform(this.db, claim.id, { issuer: configuration.issuer, client_id: clientId, platform_name: name })
      return { issuer: configuration.issuer, clientId, deploymentId, name }
    } catch (err) {
      await repo.releaseRegistrationToken(this.db, claim.id)
      throw err
    }
  }

  /** An organizer approves a platform (and may add a deployment id the platform did not send). */
  async approve (issuer: string, clientId: string, approvedBy: string, deploymentId?: string): Promise<void> {
    const platform = (await this.lti.platforms()).find(p => p.issuer === issuer && p.clientId === clientId)
    if (platform === undefined) throw new AppError('not_found', bilingual('lti.platformUnknown'))
    if (deploymentId !== undefined) await repo.addDeployment(this.db, { issuer, client_id: clientId, deployment_id: deploymentId })
    await this.lti.setPlatformActive(issuer, clientId, true)
    await repo.recordApproval(this.db, issuer, clientId, approvedBy, this.clock.now())
  }

  async #configuration (openidConfiguration: string): Promise<PlatformConfiguration> {
    if (!urlAllowed(openidConfiguration, this.#policy.allowPrivate)) throw notPublic('configuration')
    const raw = await fetchJson(openidConfiguration, { headers: { accept: 'application/json' } }, 'configuration', this.#policy)
    const parsed = platformConfigurationSchema.safeParse(raw)
    if (!parsed.success) {
      // The configuration's own field names, listed under the message for the LMS administrator.
      throw platformProblem('lti.registrationIncomplete', undefined, parsed.error.issues.map(i => ({ message: i.path.join('.') })))
    }
    const configuration = parsed.data
    // Compagnon calls these later (keys, tokens) and sends browsers to the login page: each must
    // be an address the policy allows, like the configuration itself.
    for (const [field, what] of ADDRESS_FIELDS) {
      if (!urlAllowed(configuration[field], this.#policy.allowPrivate)) throw notPublic(what)
    }
    const configHost = new URL(openidConfiguration).hostname
    const issuerHost = new URL(configuration.issuer).hostname
    // The configuration must come from the platform it names (spec): a page elsewhere cannot claim an issuer.
    if (issuerHost !== configHost && !SHARED_ISSUERS.has(issuerHost)) {
      throw platformProblem('lti.registrationForeignIssuer')
    }
    if (new URL(configuration.registration_endpoint).hostname !== configHost) {
      throw platformProblem('lti.registrationForeignService')
    }
    return configuration
  }

  #toolRegistration (configuration: PlatformConfiguration): Record<string, unknown> {
    const launchUrl = `${this.publicUrl}/lti/launch`
    const supported = configuration[PLATFORM_CONFIGURATION]?.messages_supported?.map(m => m.type)
    // Placements say where each message is offered. Canvas gives a message without any its "link
    // selection" placement, and keeps the first message per placement (app/models/lti/ims/
    // registration.rb): without them, the plain launch took link selection and deep linking was
    // never offered. ContentArea is the IMS name for placing content (Canvas: link_selection);
    // assignment_selection lets a Canvas assignment be the graded synthesis; the plain launch is
    // the course menu's "Compagnon". Moodle reads only the message types.
    const messages = [
      {
        type: 'LtiDeepLinkingRequest',
        target_link_uri: launchUrl,
        label: 'Compagnon',
        placements: ['ContentArea', 'https://canvas.instructure.com/lti/assignment_selection']
      },
      { type: 'LtiResourceLinkRequest', target_link_uri: launchUrl, label: 'Compagnon', placements: ['https://canvas.instructure.com/lti/course_navigation'] }
    ].filter(m => supported === undefined || supported.includes(m.type))
    return {
      application_type: 'web',
      response_types: ['id_token'],
      grant_types: ['implicit', 'client_credentials'],
      initiate_login_uri: `${this.publicUrl}/lti/login`,
      redirect_uris: [launchUrl],
      client_name: 'Compagnon',
      'client_name#fr': 'Compagnon',
      jwks_uri: `${this.publicUrl}/lti/keys`,
      token_endpoint_auth_method: 'private_key_jwt',
      scope: [AGS_SCOPES.lineItem, AGS_SCOPES.resultReadonly, AGS_SCOPES.score, NRPS_SCOPE].join(' '),
      [TOOL_CONFIGURATION]: {
        domain: new URL(this.publicUrl).host,
        description: 'ÉNAP — école d\'automne : programme, présences, synthèse, attestations.',
        target_link_uri: launchUrl,
        claims: ['iss', 'sub', 'name', 'given_name', 'family_name', 'email'],
        messages
      }
    }
  }
}
