import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { SimulatedPlatform } from './lti-platform.js'

/**
 * The LMS side of LTI Dynamic Registration for a simulated platform: its OpenID configuration
 * and a registration endpoint that checks the tool's request (and the one-time registration
 * token), answers a client id and deployment id, and points the platform at the tool's JWKS.
 */
export interface RegistrationEndpoint {
  /** What the LMS appends to the tool's registration URL. */
  openidConfigurationUrl: string
  registrationToken: string
  /** Tool registrations received (valid or not) and the answer given. */
  received: Array<{ authorization: string, body: any, status: number, error?: string }>
  /** The configuration served; tests may alter it (wrong issuer, missing fields). */
  configuration: Record<string, unknown>
  setDown: (down: boolean) => void
}

const readBody = async (req: IncomingMessage): Promise<string> => {
  let body = ''
  for await (const chunk of req) body += String(chunk)
  return body
}

export async function startRegistrationEndpoint (
  t: { teardown: (fn: () => unknown) => void },
  platform: SimulatedPlatform,
  options: { sendDeploymentId?: boolean, registrationToken?: string } = {}
): Promise<RegistrationEndpoint> {
  const registrationToken = options.registrationToken ?? 'platform-registration-token-1'
  const usedTokens = new Set<string>()
  const received: RegistrationEndpoint['received'] = []
  let down = false
  const server = createServer((req, res) => {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    }
    if (down) { send(503, { error: 'maintenance' }); return }
    const path = new URL(req.url ?? '/', 'http://x').pathname
    if (req.method === 'GET' && path === '/openid-configuration') { send(200, endpoint.configuration); return }
    if (req.method === 'POST' && path === '/register') {
      readBody(req).then(raw => {
        const authorization = req.headers.authorization ?? ''
        let body: any
        const refuse = (status: number, error: string): void => { received.push({ authorization, body, status, error }); send(status, { error }) }
        try { body = JSON.parse(raw) } catch { refuse(400, 'invalid_client_metadata: body is not JSON'); return }
        const token = /^Bearer (.+)$/.exec(authorization)?.[1]
        if (token !== registrationToken || usedTokens.has(token)) { refuse(401, 'invalid_token'); return }
        const tool = body['https://purl.imsglobal.org/spec/lti-tool-configuration']
        const problems = [
          body.application_type === 'web' ? null : 'application_type',
          Array.isArray(body.response_types) && body.response_types.includes('id_token') ? null : 'response_types',
          Array.isArray(body.grant_types) && ['implicit', 'client_credentials'].every(g => body.grant_types.includes(g)) ? null : 'grant_types',
          typeof body.initiate_login_uri === 'string' ? null : 'initiate_login_uri',
          Array.isArray(body.redirect_uris) && body.redirect_uris.length > 0 ? null : 'redirect_uris',
          typeof body.jwks_uri === 'string' ? null : 'jwks_uri',
          body.token_endpoint_auth_method === 'private_key_jwt' ? null : 'token_endpoint_auth_method',
          typeof tool?.domain === 'string' && typeof tool?.target_link_uri === 'string' ? null : 'lti-tool-configuration'
        ].filter(Boolean)
        if (problems.length > 0) { refuse(400, `invalid_client_metadata: ${problems.join(', ')}`); return }
        usedTokens.add(token)
        platform.setTool({ jwksUrl: body.jwks_uri })
        received.push({ authorization, body, status: 200 })
        send(200, {
          ...body,
          client_id: platform.clientId,
          'https://purl.imsglobal.org/spec/lti-tool-configuration': {
            ...tool,
            ...(options.sendDeploymentId === false ? {} : { deployment_id: platform.deploymentId })
          }
        })
      }, () => { send(500, { error: 'server_error' }) })
      return
    }
    send(404, { error: 'not found' })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  t.teardown(async () => { await new Promise(resolve => server.close(resolve)) })
  const endpoint: RegistrationEndpoint = {
    openidConfigurationUrl: `${base}/openid-configuration`,
    registrationToken,
    received,
    configuration: {
      issuer: platform.issuer,
      authorization_endpoint: platform.authUrl,
      token_endpoint: platform.tokenUrl,
      jwks_uri: platform.jwksUrl,
      registration_endpoint: `${base}/register`,
      scopes_supported: ['openid'],
      response_types_supported: ['id_token'],
      id_token_signing_alg_values_supported: ['RS256'],
      claims_supported: ['iss', 'sub', 'name', 'given_name', 'family_name', 'email'],
      'https://purl.imsglobal.org/spec/lti-platform-configuration': {
        product_family_code: 'moodle',
        version: '4.5',
        messages_supported: [{ type: 'LtiResourceLinkRequest' }, { type: 'LtiDeepLinkingRequest' }]
      }
    },
    setDown: (value) => { down = value }
  }
  return endpoint
}
