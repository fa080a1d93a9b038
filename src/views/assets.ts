import fp from 'fastify-plugin'
import { open } from '../access/declare.js'
import { favicon, siteCss } from './layout.js'

/** The site's stylesheet, icon and one small script, served from memory. */
export default fp(async (app) => {
  app.get('/assets/site.css', { schema: { hide: true }, config: { access: open('a stylesheet') } }, async (_request, reply) => {
    return await reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(siteCss)
  })
  app.get('/assets/favicon.svg', { schema: { hide: true }, config: { access: open('the site icon') } }, async (_request, reply) => {
    return await reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(favicon)
  })
  // Submits forms marked data-autosubmit (answers posted back to an LMS); CSP allows no inline script.
  app.get('/assets/autosubmit.js', { schema: { hide: true }, config: { access: open('a script') } }, async (_request, reply) => {
    return await reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600')
      .send("document.querySelectorAll('form[data-autosubmit]').forEach(function (f) { f.submit() })\n")
  })
}, { name: 'compagnon-assets' })
