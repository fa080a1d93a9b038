import fp from 'fastify-plugin'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { extname, join, resolve, sep } from 'node:path'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { open } from '../access/declare.js'
import { notFound } from '../errors.js'
import { projectRoot } from '../paths.js'
import { bilingual } from '../views/i18n.js'

/**
 * The guide (docs/, built by VitePress into dist/aide/ by `npm ci`), served at /aide/ so that pages
 * can link to help on any install, offline too, and describing the version that runs
 * (docs/dev/decisions.md, "The guide is served by Compagnon itself"). With DOCS_URL, /aide/…
 * redirects to a published copy instead.
 */
export const GUIDE_ROOT = join(projectRoot, 'dist', 'aide')

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8'
}

async function isFile (path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}

/** The file a path of the guide names (`x/` is `x/index.html`, `x` may be `x.html`), never outside the root. */
async function fileOf (root: string, path: string): Promise<string | undefined> {
  if (path.includes('\0') || path.split('/').some(part => part === '..' || part.startsWith('.'))) return undefined
  const target = resolve(root, path === '' || path.endsWith('/') ? `${path}index.html` : path)
  if (!target.startsWith(root + sep)) return undefined
  if (await isFile(target)) return target
  if (extname(target) === '' && await isFile(`${target}.html`)) return `${target}.html`
  return undefined
}

export default fp<{ docsUrl: string | undefined, root?: string }>(async (app, { docsUrl, root = GUIDE_ROOT }) => {
  const guideRoot = resolve(root)
  if (docsUrl === undefined && !await isFile(join(guideRoot, 'index.html'))) {
    // Visitors only read that help is unavailable: how to mend it is for whoever runs the server.
    app.log.warn(
      { guideRoot },
      'guide not built: /aide/ answers 404 until `npm run docs:build` builds it (npm ci does too), or DOCS_URL names a published copy'
    )
  }

  async function serve (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const path = (request.params as { '*'?: string })['*'] ?? ''
    if (docsUrl !== undefined) {
      return await reply.redirect(`${docsUrl}/${path.split('/').map(encodeURIComponent).join('/')}`, 302)
    }
    const file = await fileOf(guideRoot, path)
    if (file === undefined) {
      throw notFound(bilingual(await isFile(join(guideRoot, 'index.html')) ? 'system.notFound' : 'system.guideNotBuilt'))
    }
    // VitePress names its assets by content: they never change under one name.
    const cache = path.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache'
    return await reply.type(TYPES[extname(file)] ?? 'application/octet-stream').header('cache-control', cache).send(createReadStream(file))
  }

  // Relative links in the guide's pages need the trailing slash.
  app.get('/aide', { schema: { hide: true }, config: { access: open('the guide: help pages, the same for everyone') } }, async (request, reply) => {
    return request.url.startsWith('/aide/') ? await serve(request, reply) : await reply.redirect('/aide/', 301)
  })
  app.get('/aide/*', { schema: { hide: true }, config: { access: open('the guide: help pages, the same for everyone') } }, serve)
}, { name: 'compagnon-guide' })
