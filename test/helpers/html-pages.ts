import diagnostics from 'node:diagnostics_channel'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { MATRIX_NOW, ROLE_NAMES, accessWorld, type AccessWorld, type Identity, type RoleName } from './identities.js'
import { fill, prepare, rules, type RowContext } from '../security/access-rules.js'

/** Routes that are not pages people read (scripts, styles, the API, LTI's machine endpoints, docs, the guide's static site). */
const notAPage = (template: string): boolean =>
  /^\/(api|assets|docs|aide|health|ready|metrics|lti\/(keys|launch|login|deeplink)|\.well-known)(\/|$)/.test(template) || template === '/lti'

export interface HtmlPage {
  template: string
  role: RoleName
  identity: Identity
  url: string
  /** The page as the app answers it (200, HTML). */
  response: LightMyRequestResponse
}

/**
 * The access matrix's world (test/security) with every GET route the app registered, found from
 * Fastify's route table through its diagnostics channel: then `pages()` gives each HTML page with
 * the first role the specification lets read it (anonymous first: public pages as the public sees
 * them), reached with that row's own request, at that row's time.
 */
export async function htmlPageWorld (t: Parameters<typeof accessWorld>[0]): Promise<{ w: AccessWorld, pages: () => AsyncGenerator<HtmlPage> }> {
  const registered = new Set<string>()
  const onInit = (message: unknown): void => {
    (message as { fastify: FastifyInstance }).fastify.addHook('onRoute', route => {
      for (const method of [route.method].flat()) if (method === 'GET') registered.add(route.url)
    })
  }
  diagnostics.subscribe('fastify.initialization', onInit)
  const w = await accessWorld(t)
  diagnostics.unsubscribe('fastify.initialization', onInit)
  const { params, fresh } = await prepare(w)

  async function * pages (): AsyncGenerator<HtmlPage> {
    for (const template of [...registered].sort()) {
      const rule = rules[`GET ${template}`]
      if (rule === undefined || notAPage(template)) continue
      const role = ROLE_NAMES.find(r => rule.expect[r] === 200)
      if (role === undefined) continue
      if (rule.at !== undefined) w.clock.set(rule.at)
      try {
        const identity = w.identities[role]
        const ctx: RowContext = { w, role, personId: identity.personId, params, fresh, url: template.includes(':') ? fill(template, params) : template }
        const call = rule.request === undefined ? { url: ctx.url } : await rule.request(ctx)
        if ((call.method ?? 'GET') !== 'GET' || call.as !== undefined || call.headers !== undefined) continue
        // A page is what answers HTML (files, feeds and downloads are not).
        const response = await w.app.inject({
          url: call.url,
          headers: { accept: 'text/html', ...(identity.cookie !== null ? { cookie: identity.cookie } : {}) }
        })
        if (response.statusCode !== 200 || !String(response.headers['content-type'] ?? '').startsWith('text/html')) continue
        yield { template, role, identity, url: call.url, response }
      } finally {
        if (rule.at !== undefined) w.clock.set(MATRIX_NOW)
      }
    }
  }
  return { w, pages }
}
