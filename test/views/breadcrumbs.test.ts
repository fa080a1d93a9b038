import t from 'tap'
import { htmlPageWorld } from '../helpers/html-pages.js'
import { breadcrumbs } from '../../src/views/breadcrumbs.js'
import { organizerCrumbs } from '../../src/views/organizer-nav.js'

/**
 * Pages at the top of their area: where people arrive (the program, their page, the organizer
 * area, the door, their courses), the ways in (sign-in and personal links, the forms), what a
 * QR code opens, and the pages shown in a frame or on a projector, whose frame is their own.
 */
const TOP_LEVEL = new Set([
  '/', '/events/:eventKey', '/moi', '/organisateurs', '/accueil', '/cours', '/connexion', '/confidentialite', '/verify',
  '/auth/link/:token', '/p/:token', '/cours/suite/:token', '/pass/:code', '/presence/:sessionId/:code',
  '/cours/contenu/:requestId', '/presence/seance/:sessionId/projection'
])

const crumbsOf = (body: string): Array<{ href: string, label: string }> | undefined => {
  const nav = /<nav class="breadcrumbs" aria-label="Fil d’Ariane"><ol>([\s\S]*?)<\/ol><\/nav>/.exec(body)?.[1]
  return nav === undefined ? undefined : [...nav.matchAll(/<li><a href="([^"]+)">([^<]+)<\/a><\/li>/g)].map(m => ({ href: m[1]!.replace(/&amp;/g, '&'), label: m[2]! }))
}

t.test('the trail: links up, in the page\'s language, in a labelled navigation', async t => {
  t.equal(breadcrumbs('fr', []), '', 'nothing above: no trail')
  const trail = breadcrumbs('en', [{ label: 'My page', href: '/moi' }, { label: 'My attendance', href: '/presence?x=1' }])
  t.equal(trail, '<nav class="breadcrumbs" aria-label="Breadcrumb"><ol>\n<li><a href="/moi?lang=en">My page</a></li><li><a href="/presence?x=1&amp;lang=en">My attendance</a></li>\n</ol></nav>')
  t.same(organizerCrumbs('fr', 'e1', 'privacy'), [
    { label: 'Espace organisation', href: '/organisateurs#ev-e1' },
    { label: 'Confidentialité', href: '/organisateurs/confidentialite/e1' }
  ], 'the hub at this event, then the part')
  t.equal(breadcrumbs('fr', organizerCrumbs('fr', 'e1')).includes('href="/organisateurs?lang=fr#ev-e1"'), true, 'the fragment stays last')
})

t.test('every HTML page below the top level has the trail back, and each of its steps opens', async t => {
  const { w, pages } = await htmlPageWorld(t)
  const missing: string[] = []
  const broken: string[] = []
  let checked = 0
  for await (const { template, role, identity, response } of pages()) {
    const crumbs = crumbsOf(response.body)
    if (TOP_LEVEL.has(template)) continue
    checked++
    if (crumbs === undefined || crumbs.length === 0) { missing.push(`${template} (${role})`); continue }
    for (const crumb of crumbs) {
      const res = await w.app.inject({ url: crumb.href.split('#')[0]!, headers: { accept: 'text/html', ...(identity.cookie !== null ? { cookie: identity.cookie } : {}) } })
      if (res.statusCode !== 200) broken.push(`${template} (${role}): « ${crumb.label} » ${crumb.href} answered ${res.statusCode}`)
    }
  }
  t.ok(checked >= 25, `${checked} pages below the top level`)
  t.same(missing, [], 'pages without a trail back')
  t.same(broken, [], 'steps of a trail that do not open for the person on the page')
})
