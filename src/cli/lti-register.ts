import { parseArgs } from 'node:util'
import { buildApp } from '../app.js'
import { prepare, runCli } from '../bootstrap.js'
import { systemClock } from '../clock.js'
import { ConfigError } from '../config.js'
import { platformRegistrationSchema } from '../lti/platforms-file.js'

const usage = 'Usage: npm run lti:register -- --issuer URL --client-id ID --deployment-id ID [--deployment-id ID ...] ' +
  '--auth-url URL --token-url URL --jwks-url URL [--token-audience URL] [--name NAME]'

runCli(async () => {
  const { values } = parseArgs({
    options: {
      issuer: { type: 'string' },
      'client-id': { type: 'string' },
      'deployment-id': { type: 'string', multiple: true },
      'auth-url': { type: 'string' },
      'token-url': { type: 'string' },
      'jwks-url': { type: 'string' },
      'token-audience': { type: 'string' },
      name: { type: 'string' }
    }
  })
  const parsed = platformRegistrationSchema.safeParse({
    issuer: values.issuer,
    clientId: values['client-id'],
    deploymentIds: values['deployment-id'],
    authUrl: values['auth-url'],
    tokenUrl: values['token-url'],
    jwksUrl: values['jwks-url'],
    tokenAudience: values['token-audience'],
    name: values.name
  })
  if (!parsed.success) {
    const flag = (field: string): string => ({
      clientId: '--client-id',
      deploymentIds: '--deployment-id',
      authUrl: '--auth-url',
      tokenUrl: '--token-url',
      jwksUrl: '--jwks-url',
      tokenAudience: '--token-audience'
    } as Record<string, string>)[field] ?? `--${field}`
    throw new ConfigError(`${parsed.error.issues.map(i => `${flag(String(i.path[0]))}: ${i.message}`).join('\n')}\n${usage}`)
  }
  const { config, database } = await prepare('npm run lti:register')
  const { app, services } = await buildApp(config, { database, clock: systemClock })
  try {
    await app.ready()
    await services.lti.registerPlatform(parsed.data)
    const reg = parsed.data
    console.log(`Platform ${reg.issuer} (client ${reg.clientId}) registered; deployments accepted: ` +
      `${(await services.lti.deployments()).filter(d => d.issuer === reg.issuer && d.clientId === reg.clientId).map(d => d.deploymentId).join(', ')}`)
    console.log('Give the platform these tool URLs:')
    console.log(`  Login initiation (OIDC) URL:  ${config.publicUrl}/lti/login`)
    console.log(`  Redirect / target link URI:   ${config.publicUrl}/lti/launch`)
    console.log(`  Public keyset (JWKS) URL:     ${config.publicUrl}/lti/keys`)
  } finally {
    await app.close()
    await database.close()
  }
})
