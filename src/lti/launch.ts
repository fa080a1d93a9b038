import fp from 'fastify-plugin'
import fastifyExpress from '@fastify/express'
import { AsyncLocalStorage } from 'node:async_hooks'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import type { LtijsDatabasePlugin, LtijsProvider, NextFunction, Request, Response } from 'ltijs'
import { open } from '../access/declare.js'
import type { Clock } from '../clock.js'
import type { ResolvedConfig } from '../config.js'
import { AppError, type Bilingual } from '../errors.js'
import type { PeopleService } from '../people/service.js'
import { errorPage } from '../views/error-page.js'
import { bilingual, isLocale, t, type Locale, type TextKey } from '../views/i18n.js'
import { JwksCache, type Jwk } from './jwks.js'
import { relaunchPage, storageGetPage, storagePutPage } from './pages.js'
import { CLOCK_SKEW_SECONDS, TOKEN_MAX_AGE_SECONDS, type Ltijs } from './ltijs-provider.js'
import { moodleLaunchPage, type LtiService } from './service.js'
import type { LtiCollection, LtiStorage } from './storage.js'

export interface LtiLaunchOptions {
  services: { lti: LtiService, ltijs: Ltijs, ltiStorage: LtiStorage, people: PeopleService, clock: Clock }
  config: ResolvedConfig
}

/**
 * ltijs exports one provider instance per process. Each app gets its own instance of the same
 * class (its state lives in per-instance private fields), so tests can build several apps.
 * ltijs is imported here, on first use: with Express and Mongoose it is about half of the
 * modules the app would otherwise load at start (0.5 s of CPU in every process that never
 * serves an LTI request: the CLI tools, most test files).
 */
async function newProvider (): Promise<LtijsProvider> {
  const { default: ltijs } = await import('ltijs')
  const ProviderClass = Object.getPrototypeOf(ltijs.Provider).constructor as new () => LtijsProvider
  return new ProviderClass()
}

/** The login initiation parameters a relaunch sends again (strings only, as the platform sent them). */
const LOGIN_PARAMS = ['iss', 'login_hint', 'target_link_uri', 'lti_message_hint', 'client_id', 'lti_deployment_id'] as const
const loginParams = (fields: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(LOGIN_PARAMS.flatMap(name => typeof fields[name] === 'string' ? [[name, fields[name]]] : []))

/**
 * The platform's window for LTI Client Side postMessages, as its login initiation names it:
 * '_parent' or a frame name (Canvas: 'post_message_forwarding'). Anything else is ignored.
 */
const storageTarget = (value: unknown): string | undefined =>
  typeof value === 'string' && /^[A-Za-z0-9_.-]{1,100}$/.test(value) ? value : undefined

const localeOfRequest = (req: Request): Locale => {
  const lang = req.query?.lang
  if (isLocale(lang)) return lang
  return /^\s*en\b/i.test(String(req.headers['accept-language'] ?? '')) ? 'en' : 'fr'
}

/** ltijs' own error codes, said for people. */
const ltijsReasons: Partial<Record<string, TextKey>> = {
  NONCE_ALREADY_RECEIVED: 'lti.launchRefusedUsed',
  TOKEN_TOO_OLD: 'lti.launchRefusedExpired',
  'jwt expired': 'lti.launchRefusedTokenExpired',
  'invalid signature': 'lti.launchRefusedBadSignature',
  MISSING_VALIDATION_COOKIE: 'lti.launchRefusedNoCookie',
  UNREGISTERED_PLATFORM: 'lti.launchRefusedUnregistered'
  // PLATFORM_NOT_ACTIVATED: refuseInactive tells a platform waiting for approval from a suspended one.
}

function sendProblem (req: Request, res: Response, statusCode: number, text: Bilingual): void {
  const locale = localeOfRequest(req)
  res.status(statusCode).type('text/html; charset=utf-8').send(errorPage({
    locale,
    statusCode,
    title: t(locale, 'lti.launchFailedTitle'),
    message: text[locale],
    requestId: String(req.headers['x-request-id'] ?? '-'),
    path: '/'
  }))
}

function sendError (req: Request, res: Response, err: unknown): void {
  if (err instanceof AppError) return sendProblem(req, res, err.statusCode, err.text)
  sendProblem(req, res, 500, bilingual('lti.launchServerError'))
}

/**
 * LTI 1.3 with ltijs, mounted under /lti through @fastify/express. ltijs and Express stay in
 * here: the rest of the app only sees our own session cookies set at the end of a launch.
 */
export default fp<LtiLaunchOptions>(async (app, { services, config }) => {
  const { lti: service, ltijs, ltiStorage: storage, people, clock } = services
  const jwks = new JwksCache({ timeoutMs: 5000, minRefreshMs: 60_000, maxAgeMs: 24 * 3600_000, now: () => clock.now().getTime() })
  // During a launch, the platform's key for this token's kid, fetched through our cache.
  const launchKey = new AsyncLocalStorage<{ issuer: string, clientId: string, jwk: Jwk }>()

  // ltijs sees our storage; while a launch is being verified, the platform record carries the
  // one key we fetched (JWK_KEY) instead of the key-set URL ltijs would fetch without timeout or cache.
  const plugin: LtijsDatabasePlugin = {
    setup: async () => await storage.setup(),
    Close: async () => await storage.Close(),
    Get: async (key, collection, query) => {
      const docs = await storage.Get(key, collection as LtiCollection, query)
      const current = launchKey.getStore()
      if (collection !== 'platform' || docs === false || current === undefined) return docs
      return docs.map(doc => doc.platformUrl === current.issuer && doc.clientId === current.clientId
        ? { ...doc, authConfig: { method: 'JWK_KEY', key: current.jwk } }
        : doc)
    },
    Insert: async (key, collection, item, index) => await storage.Insert(key, collection as LtiCollection, item, index),
    Replace: async (key, collection, query, item, index) => await storage.Replace(key, collection as LtiCollection, query, item, index),
    Modify: async (key, collection, query, modification) => await storage.Modify(key, collection as LtiCollection, query, modification),
    Delete: async (collection, query) => await storage.Delete(collection as LtiCollection, query)
  }

  const encryptionKey = ltijs.key
  await plugin.setup()

  const publicOrigin = new URL(config.publicUrl).origin
  const loopback = (hostname: string): boolean => ['127.0.0.1', 'localhost', '[::1]'].includes(hostname)
  // A PUBLIC_URL on loopback is development or tests, where this machine answers on several ports
  // (the test servers listen on a port chosen at start): any loopback origin is this machine then.
  const loopbackOnly = loopback(new URL(config.publicUrl).hostname)
  const onPublicOrigin = (value: unknown): boolean => {
    if (typeof value !== 'string') return false
    try {
      const target = new URL(value)
      return target.origin === publicOrigin || (loopbackOnly && target.protocol === 'http:' && loopback(target.hostname))
    } catch { return false }
  }

  // Runs inside ltijs' Express app, after its body and cookie parsers, before its routes.
  const checks = (req: Request, res: Response, next: NextFunction): void => {
    // ltijs' login state cookie is set at /login and read back at /launch, both inside the LMS
    // frame: browsers that partition third-party cookies (Chromium, Firefox) only keep it there
    // if it is Partitioned (CHIPS). ltijs copies only secure/sameSite/domain from its options, so
    // the attribute is added here to every cookie it sets or clears (clearCookie goes through cookie).
    const cookie = res.cookie.bind(res)
    res.cookie = (name, value, options) => cookie(name, value, { ...options, partitioned: true })
    if (req.path === '/login') {
      const relaunch = req.method === 'POST' ? req.body?.compagnon_relaunch : undefined
      if (typeof relaunch === 'string') {
        // "Open in a new window" after a launch whose cookie did not come back: the same login
        // initiation again, top-level, with the parameters kept behind the one-time token.
        service.useRelaunch(relaunch).then(params => {
          // Moodle answers a login hint once: its own activity page starts a new one. The issuer is
          // the registered platform's, whose login this token restarts.
          const moodle = moodleLaunchPage(params)
          if (moodle !== undefined) { res.redirect(303, moodle); return }
          req.body = params
          login(req, res, next, true)
        }, (err: unknown) => { sendError(req, res, err) })
        return
      }
      login(req, res, next, false)
      return
    }
    if (req.path === '/launch' && req.method === 'POST' && typeof req.body?.id_token === 'string') {
      const idToken = req.body.id_token
      const state = String(req.body.state ?? '')
      const storageAnswer = req.body.compagnon_storage
      ;(async () => {
        if (storageAnswer !== undefined) {
          // Posted again by our own page with what platform storage held for this login. Only our
          // page may: a secret posted from elsewhere would sign this browser in to someone else's
          // launch (the attacker's own state, secret and token), which the login cookie prevents.
          const site = req.headers['sec-fetch-site']
          if (site !== undefined ? site !== 'same-origin' : req.headers.origin !== publicOrigin) {
            throw new AppError('forbidden', bilingual('lti.launchRefusedNotFromCompagnon'))
          }
          // Empty: the platform kept nothing (or did not answer); ltijs then misses its cookie as before.
          if (typeof storageAnswer === 'string' && storageAnswer !== '') {
            // The secret stands for ltijs' login cookie, whose value is the login's issuer.
            req.signedCookies['state' + state] = await service.checkStorageSecret(state, storageAnswer)
          }
        } else if (req.signedCookies?.['state' + state] === undefined) {
          // No login cookie came back, but the login was also kept in the platform's storage: a page
          // reads it there (lti.get_data) and posts the launch again with it.
          const storage = await service.pendingStorage(state)
          if (storage !== undefined) {
            res.status(200).type('text/html; charset=utf-8').append('Cache-Control', 'no-store')
            res.send(storageGetPage(localeOfRequest(req), { ...storage, idToken, state }))
            return
          }
        }
        let claims: Record<string, unknown>
        let kid: string | undefined
        try {
          claims = decodeJwt(idToken)
          kid = decodeProtectedHeader(idToken).kid
        } catch {
          throw new AppError('bad_request', bilingual('lti.launchRefusedMalformed'))
        }
        const { issuer, clientId } = await service.checkLaunch(state, claims, CLOCK_SKEW_SECONDS)
        // This state is ours and matched the token: if ltijs then misses its cookie, a relaunch may be offered.
        res.locals.checkedState = state
        if (typeof claims.nonce === 'string') storage.expireNonceAt(claims.nonce, { iat: Number(claims.iat), exp: Number(claims.exp) })
        const platform = await storage.Get(false, 'platform', { platformUrl: issuer, clientId })
        const authConfig = platform === false ? undefined : platform[0]?.authConfig as { method?: string, key?: string } | undefined
        if (authConfig?.method === 'JWK_SET' && typeof authConfig.key === 'string') {
          if (kid === undefined) throw new AppError('unauthorized', bilingual('lti.launchRefusedNoKeyId'))
          const jwk = await jwks.key(authConfig.key, kid)
          launchKey.run({ issuer, clientId, jwk }, next)
          return
        }
        next()
      })().catch((err: unknown) => {
        // A platform that did not answer (its keys): why goes to the log, people read that it failed.
        if (err instanceof AppError && err.code === 'unavailable') app.log.warn({ err, details: err.details }, 'LTI launch: the platform did not answer')
        sendError(req, res, err)
      })
      return
    }
    next()
  }

  /** Login initiation, before ltijs answers it (`relaunched`: sent again from a relaunch token). */
  const login = (req: Request, res: Response, next: NextFunction, relaunched: boolean): void => {
    // The launch must come back to this Compagnon: a target elsewhere would have ltijs send the
    // person (and their token) where the platform's request says. Refused before any state is kept.
    const target: unknown = req.body?.target_link_uri ?? req.query.target_link_uri
    if (!onPublicOrigin(target)) {
      sendProblem(req, res, 400, bilingual('lti.launchRefusedTarget', { origin: publicOrigin }))
      return
    }
    // Remember the state/nonce pair ltijs sends to the platform, then let the redirect go.
    const redirect = res.redirect.bind(res) as (url: string) => void
    res.redirect = ((location: string) => {
      const url = new URL(location)
      const state = url.searchParams.get('state')
      const nonce = url.searchParams.get('nonce')
      const issuer = String(req.body?.iss ?? req.query.iss ?? '')
      const clientId = url.searchParams.get('client_id')
      if (state === null || nonce === null) { redirect(location); return }
      const params = loginParams({ ...req.query, ...req.body })
      // Canvas, Brightspace, Blackboard offer their storage (Moodle 4.5 does not): the login is kept
      // there too, for frames that keep no cookie. The cookie ltijs just set still goes out.
      const target = relaunched ? undefined : storageTarget(req.body?.lti_storage_target ?? req.query.lti_storage_target)
      if (target !== undefined) {
        service.recordLoginStateWithStorage(state, nonce, issuer, clientId, params, { target, origin: url.origin }).then(({ key, secret }) => {
          res.status(200).type('text/html; charset=utf-8').append('Cache-Control', 'no-store')
          res.send(storagePutPage(localeOfRequest(req), { target, origin: url.origin, key, secret, next: location }))
        }, next)
        return
      }
      service.recordLoginState(state, nonce, issuer, clientId, params, relaunched).then(() => { redirect(location) }, next)
    }) as Response['redirect']
    next()
  }

  /**
   * Our session cookies for this browser, and where it goes next: /cours/suite/<one-time token>,
   * which continues to the page if the cookies came back, and otherwise (cookies blocked in the
   * LMS frame) offers to continue in a new window with that token.
   */
  const continueAt = async (personId: string, req: Request, res: Response, landing: string | undefined): Promise<string> => {
    const device = await people.openDeviceSession(personId, req.headers['user-agent'])
    const handoff = await people.handoffLink(personId, 'launch')
    res.append('Set-Cookie', app.deviceSessionCookies(device))
    res.append('Cache-Control', 'no-store')
    return `/cours/suite/${handoff.token}?lang=${localeOfRequest(req)}${landing !== undefined ? `&vers=${landing}` : ''}`
  }

  /** An inactive platform's launch: waiting for an organizer's approval, or suspended (the organizer page's own words). */
  const refuseInactive = async (req: Request, res: Response, platform: { issuer: string, clientId: string | undefined }): Promise<void> => {
    const waiting = await service.inactiveReason(platform.issuer, platform.clientId) === 'waiting'
    sendProblem(req, res, 403, bilingual(waiting ? 'lti.launchRefusedPending' : 'lti.launchRefusedSuspended'))
  }
  const issuerOfToken = (idToken: unknown): { issuer: string, clientId: string | undefined } => {
    try {
      const claims = decodeJwt(String(idToken))
      return { issuer: String(claims.iss ?? ''), clientId: typeof claims.aud === 'string' ? claims.aud : claims.aud?.[0] }
    } catch { return { issuer: '', clientId: undefined } }
  }
  const startProvider = async (): Promise<LtijsProvider> => {
    const provider = await newProvider()
    provider.setup(encryptionKey, { plugin }, {
      appRoute: '/launch',
      loginRoute: '/login',
      keysetRoute: '/keys',
      dynRegRoute: '/register',
      cors: false,
      cookies: { secure: true, sameSite: 'None' },
      tokenMaxAge: TOKEN_MAX_AGE_SECONDS,
      devMode: false,
      // ltijs hands the verified launch to onConnect in the same request: no ltik in any URL,
      // no ltijs session cookie. Our own session takes over from there.
      ltiaas: true,
      serverAddon: (express) => { express.use(checks) }
    })
    provider.onConnect(async (token, req, res) => {
      try {
        const launch = await service.completeLaunch(token)
        // Links placed by Deep Linking say where they lead.
        const target = token.platformContext.custom?.compagnon_target
        const landing = target === 'program'
          ? 'programme'
          : target === 'synthesis' && launch.contextId !== null
            ? `synthese:${launch.contextId}`
            : target === 'attendance'
              ? (launch.contextId !== null && launch.roles.includes('instructor') ? `presences:${launch.contextId}` : 'presence')
              : undefined
        res.redirect(303, await continueAt(launch.personId, req, res, landing))
      } catch (err) {
        sendError(req, res, err)
      }
    })
    provider.onDeepLinking(async (token, req, res) => {
      try {
        const launch = await service.completeLaunch(token)
        if (!launch.roles.includes('instructor')) {
          throw new AppError('forbidden', bilingual('lti.deepLinkInstructorsOnly'))
        }
        const requestId = await service.startDeepLinking(launch.personId, token)
        res.redirect(303, await continueAt(launch.personId, req, res, `contenu:${requestId}`))
      } catch (err) {
        sendError(req, res, err)
      }
    })
    const invalid = (req: Request, res: Response): void => {
      const err = res.locals.err as { details?: { message?: string } } | undefined
      const code = err?.details?.message ?? ''
      // Made inactive between login and launch: the token names the platform (only the wording depends on it).
      if (code === 'PLATFORM_NOT_ACTIVATED') {
        refuseInactive(req, res, issuerOfToken(req.body?.id_token)).catch((e: unknown) => { sendError(req, res, e) })
        return
      }
      // Our checks passed (the state is ours, unused, and matched the token) but ltijs found no login
      // cookie: blocked in the LMS frame. The same login can be restarted once, top-level.
      const checkedState = res.locals.checkedState
      if (code === 'MISSING_VALIDATION_COOKIE' && typeof checkedState === 'string') {
        // Already top-level (the browser says so): a new window would fail the same way.
        const topLevel = req.headers['sec-fetch-dest'] === 'document'
        ;(topLevel ? Promise.resolve(undefined) : service.offerRelaunch(checkedState)).then(token => {
          res.status(401).type('text/html; charset=utf-8').send(relaunchPage(localeOfRequest(req), {
            token,
            requestId: String(req.headers['x-request-id'] ?? '-')
          }))
        }, (e: unknown) => { sendError(req, res, e) })
        return
      }
      sendProblem(req, res, 401, bilingual(ltijsReasons[code] ?? 'lti.launchRefusedInvalid'))
    }
    provider.onInvalidToken(invalid)
    provider.onSessionTimeout(invalid)
    provider.onUnregisteredPlatform((req, res) => { sendProblem(req, res, 400, bilingual('lti.launchRefusedUnregistered')) })
    provider.onInactivePlatform((req, res) => {
      const params = { ...req.query, ...req.body } as Record<string, unknown>
      refuseInactive(req, res, {
        issuer: String(params.iss ?? ''),
        clientId: typeof params.client_id === 'string' ? params.client_id : undefined
      }).catch((e: unknown) => { sendError(req, res, e) })
    })
    // Last in ltijs' Express app: nothing thrown inside it reaches Express' default handler (stack traces).
    provider.app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
      app.log.error({ err }, 'LTI request failed')
      sendError(req, res, err)
    })
    return provider
  }

  // Made at the first LTI request (or deep-linking answer, or platform update).
  ltijs.startWith(startProvider)

  // Express runs only in this encapsulated /lti context: @fastify/express hooks every request
  // of its context (and swaps the request prototypes), which must not touch the rest of the app.
  await app.register(async (scope) => {
    await scope.register(fastifyExpress)
    // @fastify/express copies @fastify/cookie's parsed cookies onto the request, and ltijs'
    // cookie-parser then skips its work, leaving signed cookies (the login state) unreadable.
    scope.use((req: { cookies?: unknown }, _res: unknown, next: () => void) => { delete req.cookies; next() })
    // ltijs' Express app is mounted behind this gate at the first request (mounted, not called:
    // a mounted Express 4 app inherits the request prototype of @fastify/express' Express 5).
    let mounted = false
    scope.use('/', (_req: Request, _res: Response, next: NextFunction) => {
      ltijs.provider().then(started => {
        if (!mounted) { scope.use('/', started.app); mounted = true }
        next()
      }, next)
    })
    // ltijs' body parsers have read the body already; Fastify must not wait for it again.
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', (_request, _payload, done) => { done(null) })
    const notFound = async (): Promise<never> => { throw new AppError('not_found', bilingual('lti.unknownAddress')) }
    // ltijs answers these itself (launch tokens, its keyset); our session plays no part.
    const answeredByLtijs = { schema: { hide: true }, config: { access: open('ltijs checks the LTI launch itself') } }
    scope.all('/', answeredByLtijs, notFound)
    scope.all('/*', answeredByLtijs, notFound)
  }, { prefix: '/lti' })
}, { name: 'compagnon-lti', dependencies: ['compagnon-authentication'] })
