// Our own declarations for the part of ltijs 5.9 we use (@types/ltijs describes the 4.x API).
declare module 'ltijs' {
  import type { IncomingMessage, ServerResponse } from 'node:http'

  /** The Express request/response surface our LTI module touches. */
  export interface Request extends IncomingMessage {
    path: string
    body: Record<string, unknown> | undefined
    query: Record<string, unknown>
    signedCookies: Record<string, string>
  }
  export interface Response extends ServerResponse {
    locals: Record<string, unknown>
    status: (code: number) => Response
    type: (type: string) => Response
    send: (body: unknown) => Response
    redirect: ((url: string) => void) & ((status: number, url: string) => void)
    append: (field: string, value: string | string[]) => Response
    cookie: (name: string, value: string, options?: Record<string, unknown>) => Response
  }
  export type NextFunction = (err?: unknown) => void
  export type Express = ((request: IncomingMessage, response: ServerResponse, next: NextFunction) => void) & {
    use: (...handlers: unknown[]) => void
  }

  export interface LtijsDatabasePlugin {
    setup: () => Promise<unknown>
    Close: () => Promise<unknown>
    Get: (key: string | false, collection: string, query?: Record<string, unknown>) => Promise<Array<Record<string, unknown>> | false>
    Insert: (key: string | false, collection: string, item: Record<string, unknown>, index?: Record<string, unknown>) => Promise<unknown>
    Replace: (
      key: string | false,
      collection: string,
      query: Record<string, unknown>,
      item: Record<string, unknown>,
      index?: Record<string, unknown>
    ) => Promise<unknown>
    Modify: (key: string | false, collection: string, query: Record<string, unknown>, modification: Record<string, unknown>) => Promise<unknown>
    Delete: (collection: string, query: Record<string, unknown>) => Promise<unknown>
  }

  export interface LtijsSetupOptions {
    appRoute?: string
    loginRoute?: string
    keysetRoute?: string
    dynRegRoute?: string
    cors?: boolean
    cookies?: { secure?: boolean, sameSite?: 'None' | 'Lax' | 'Strict', domain?: string }
    devMode?: boolean
    ltiaas?: boolean
    tokenMaxAge?: number | false
    /** Called with ltijs' Express app after its body and cookie parsers, before its routes. */
    serverAddon?: (app: Express) => void
    dynReg?: {
      url: string
      name: string
      logo?: string
      description?: string
      redirectUris?: string[]
      customParameters?: Record<string, string>
      autoActivate?: boolean
      useDeepLinking?: boolean
    }
  }

  /** The validated launch, as ltijs hands it to onConnect (res.locals.token). */
  export interface LtijsIdToken {
    iss: string
    user: string
    userInfo: { given_name?: string, family_name?: string, name?: string, email?: string }
    platformInfo?: Record<string, unknown>
    clientId: string
    platformId: string
    deploymentId: string
    platformContext: {
      contextId: string
      user: string
      roles: string[]
      path: string
      targetLinkUri: string
      context?: { id: string, label?: string, title?: string, type?: string[] }
      resource?: { id: string, title?: string }
      custom?: Record<string, unknown>
      launchPresentation?: { document_target?: string, return_url?: string, locale?: string }
      messageType: 'LtiResourceLinkRequest' | 'LtiDeepLinkingRequest'
      version: string
      deepLinkingSettings?: Record<string, unknown>
      endpoint?: { scope?: string[], lineitems?: string, lineitem?: string }
      namesRoles?: { context_memberships_url?: string, service_versions?: string[] }
    }
  }

  export interface LtijsPlatformRegistration {
    url: string
    name: string
    clientId: string
    authenticationEndpoint: string
    accesstokenEndpoint: string
    authorizationServer?: string
    authConfig: { method: 'JWK_SET' | 'JWK_KEY' | 'RSA_KEY', key: string }
  }

  export interface LtijsPlatform {
    platformKid: () => Promise<string>
    platformActive: (active?: boolean) => Promise<boolean>
    platformJSON: () => Promise<Record<string, unknown>>
  }

  type Handler = (request: Request, response: Response, next: NextFunction) => unknown

  export interface LtijsProvider {
    app: Express
    setup: (encryptionKey: string, database: { plugin: LtijsDatabasePlugin }, options: LtijsSetupOptions) => LtijsProvider
    onConnect: (callback: (token: LtijsIdToken, request: Request, response: Response, next: NextFunction) => unknown) => true
    onDeepLinking: (callback: (token: LtijsIdToken, request: Request, response: Response, next: NextFunction) => unknown) => true
    onInvalidToken: (callback: Handler) => true
    onSessionTimeout: (callback: Handler) => true
    onUnregisteredPlatform: (callback: Handler) => true
    onInactivePlatform: (callback: Handler) => true
    registerPlatform: (platform: LtijsPlatformRegistration) => Promise<LtijsPlatform>
    getPlatform: (url: string, clientId: string) => Promise<LtijsPlatform | false>
    DeepLinking: {
      createDeepLinkingMessage: (token: LtijsIdToken, items: unknown[], options?: {
        message?: string
        log?: string
        errMessage?: string
        errLog?: string
      }) => Promise<string>
    }
  }

  export const Provider: LtijsProvider
}
