import t from 'tap'
import { realTime, testApp } from '../helpers/app.js'
import { given } from '../helpers/given.js'
import { signInWithLink } from '../helpers/session.js'
import { LAUNCH_CONTINUATION, landAfterLaunch } from '../helpers/lti-landing.js'
import { CookieJar, LaunchError, ROLES, makeKey, parseAutoPostForm, startPlatform, type LaunchOptions, type SimulatedPlatform } from '../helpers/lti-platform.js'

// One app (and one tool key, made once) for the file; each test counts what it adds.
const ctx = await (async () => {
  const built = await testApp(t, { clock: realTime() })
  const base = await built.app.listen({ host: '127.0.0.1', port: 0 })
  const platform = await startPlatform(t, { deploymentId: 'dep-1' })
  platform.setTool({ jwksUrl: `${base}/lti/keys` })
  const reg = platform.registration()
  await built.services.lti.registerPlatform({ ...reg, deploymentIds: ['dep-1'] })
  return { ...built, base, platform }
})()
const { base, platform, database } = ctx

const student = { sub: 'moodle-user-7', name: 'Camille Gagnon', given_name: 'Camille', family_name: 'Gagnon', email: 'camille.gagnon@etu.enap.ca' }
const teacher = { sub: 'moodle-user-2', name: 'Prof. Élise Roy', email: 'elise.roy@enap.ca' }

const counts = async (): Promise<{ people: number, identities: number, sessions: number }> => ({
  people: Number((await database.db.selectFrom('people').select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
  identities: Number((await database.db.selectFrom('lti_identities').select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
  sessions: Number((await database.db.selectFrom('device_sessions').select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
})

const launch = async (options: LaunchOptions, on: SimulatedPlatform = platform) => await on.launch(base, options)

const page = async (path: string, jar: CookieJar): Promise<{ status: number, body: string }> => {
  const res = await fetch(`${base}${path}`, { headers: { cookie: jar.header(), accept: 'text/html', 'accept-language': 'fr-CA' }, redirect: 'manual' })
  return { status: res.status, body: await res.text() }
}

t.test('a student launch lands on their course page, in our own session, with the right role', async t => {
  const before = await counts()
  const result = await launch({ user: student, roles: [ROLES.Learner] })
  t.equal(result.loginResponse.status, 302, 'login initiation redirects to the platform')
  t.equal(result.launchResponse.status, 303)
  t.match(result.launchResponse.headers.get('location'), LAUNCH_CONTINUATION)
  t.notMatch(result.launchResponse.headers.get('location') ?? '', /ltik/, 'no ltijs token in the URL')
  const landed = await landAfterLaunch(base, result)
  t.same(landed.hops.slice(1), ['/cours?lang=fr'], 'the browser kept our cookies: straight on to the course page')
  t.ok(result.cookies.get('compagnon_session'), 'our session cookie')
  t.ok(result.cookies.get('compagnon_device'), 'our device cookie')
  const course = await page('/cours', result.cookies)
  t.equal(course.status, 200)
  t.match(course.body, /Bonjour, Camille Gagnon/)
  t.match(course.body, /Étudiant·e inscrit·e/)
  t.match(course.body, /ENP7009 – Mobilisation des acteurs locaux/)
  t.same(await counts(), { people: before.people + 1, identities: before.identities + 1, sessions: before.sessions + 1 })
  const context = await database.db.selectFrom('lti_contexts').selectAll().executeTakeFirstOrThrow()
  t.match(context, { context_id: 'ENP7009-A2025', label: 'ENP7009', lineitems_url: platform.lineItemsUrl, memberships_url: platform.membershipsUrl })
  t.ok(context.roster_sync_due_at, 'a new course with a roster service is due for a sync')
  t.ok(context.event_id, 'the course is tied to the event')
})

t.test('an instructor launch gets the instructor role; a second launch reuses the person', async t => {
  const first = await launch({ user: teacher, roles: [ROLES.Instructor] })
  t.equal(first.launchResponse.status, 303)
  const before = await counts()
  const second = await launch({ user: teacher, roles: [ROLES.Instructor] })
  t.equal(second.launchResponse.status, 303)
  const after = await counts()
  t.equal(after.people, before.people, 'same person')
  t.equal(after.identities, before.identities)
  t.equal(after.sessions, before.sessions + 1, 'a new device session for the new launch')
  t.match((await page('/cours', second.cookies)).body, /Personne enseignante/)
})

const refusedLaunch = async (t: { equal: (...a: any[]) => void, match: (...a: any[]) => void, notOk: (...a: any[]) => void, same: (...a: any[]) => void }, name: string, options: Partial<LaunchOptions>, expected: { status: number, text: RegExp }, on?: SimulatedPlatform): Promise<void> => {
  const before = await counts()
  const result = await launch({ user: { sub: `attacker-${name}` }, roles: [ROLES.Learner], ...options }, on)
  t.equal(result.launchResponse.status, expected.status, `${name}: ${expected.status}`)
  t.match(result.launchResponse.headers.get('content-type'), /text\/html/, `${name}: an error page`)
  t.match(await result.launchResponse.text(), expected.text, `${name}: says why`)
  t.notOk(result.cookies.get('compagnon_session'), `${name}: no session`)
  t.same(await counts(), before, `${name}: creates nothing`)
}

t.test('an LMS email never links to an existing account: neither an organizer nor someone known only outside the LMS', async t => {
  const event = (await ctx.services.program.listEvents())[0]
  const organizer = await ctx.services.people.bootstrapOrganizer('odile.org@enap.ca', [event?.id ?? ''], 'Odile Organisatrice')
  const claimsOrganizer = await launch({ user: { sub: 'claims-odile', name: 'Pas Odile', email: 'ODILE.ORG@enap.ca' }, roles: [ROLES.Learner] })
  t.equal(claimsOrganizer.launchResponse.status, 303, 'the launch itself is valid')
  const launched = await database.db.selectFrom('lti_identities').select('person_id').where('subject', '=', 'claims-odile').executeTakeFirstOrThrow()
  t.not(launched.person_id, organizer.personId, 'a separate person, not the organizer')
  t.equal((await ctx.services.people.getPerson(launched.person_id)).email, null, 'without the organizer\'s address')
  t.notOk(await ctx.services.people.hasRole(launched.person_id, ['organizer']))

  const imported = await given(ctx).person({ name: 'Jo Participant', email: 'jo.participant@quebec.ca' })
  await launch({ user: { sub: 'jo-in-lms', name: 'Jo P.', email: 'jo.participant@quebec.ca' }, roles: [ROLES.Learner] })
  const jo = await database.db.selectFrom('lti_identities').select('person_id').where('subject', '=', 'jo-in-lms').executeTakeFirstOrThrow()
  t.not(jo.person_id, imported.id, 'an imported participant with the same address is another account (issuer + subject only)')
  t.equal((await ctx.services.people.getPerson(jo.person_id)).email, null, 'and the address stays with its account')
  t.equal((await ctx.services.people.getPerson(imported.id)).displayName, 'Jo Participant', 'whose name the launch did not touch')
})

t.test('forged, replayed and mismatched launches get a clear 4xx page and create nothing', async t => {
  await refusedLaunch(t, 'unknown deployment', { deploymentId: 'dep-unknown' }, { status: 403, text: /déploiement de la plateforme n’est pas enregistré/ })
  await refusedLaunch(t, 'wrong nonce', { claims: c => { c.nonce = 'not-the-nonce' } }, { status: 401, text: /le jeton ne correspond pas à la demande de connexion/ })
  await refusedLaunch(t, 'wrong audience', { claims: c => { c.aud = 'someone-else' } }, { status: 401, text: /n’est pas destiné à Compagnon/ })
  await refusedLaunch(t, 'expired', { claims: c => { c.iat = Math.floor(Date.now() / 1000) - 600; c.exp = Math.floor(Date.now() / 1000) - 300 } }, { status: 401, text: /expiré/ })
  await refusedLaunch(t, 'iat in the future', { claims: c => { c.iat = Math.floor(Date.now() / 1000) + 120; c.exp = Math.floor(Date.now() / 1000) + 600 } }, { status: 401, text: /daté du futur/ })
  const stranger = await makeKey()
  await refusedLaunch(t, 'unknown key', { signWith: { privateKey: stranger.privateKey, kid: stranger.kid } }, { status: 401, text: /clé inconnue/ })
  await refusedLaunch(t, 'forged signature with a valid kid', { signWith: { privateKey: stranger.privateKey, kid: platform.kid } }, { status: 401, text: /signature du jeton est invalide/ })
})

t.test('a captured launch cannot be replayed, at once or 11 s later: its login request is used up', async t => {
  // The refusal is our login-state check (src/lti/service.ts checkLaunch: a state is used once);
  // how long the nonce store keeps nonces is test/lti/storage.test.ts.
  const usedUp = /Lancement refusé\u00a0: cette demande de connexion est inconnue, déjà utilisée ou expirée\./
  const result = await launch({ user: { sub: 'replayed-user' }, roles: [ROLES.Learner] })
  t.equal(result.launchResponse.status, 303)
  const before = await counts()
  const again = await result.replay()
  t.equal(again.status, 401, 'replayed at once')
  t.match(await again.text(), usedUp, 'replayed at once: the login request is already used')
  // 11 s later by the app's clock, which every check of ours and the nonce store read: no wait.
  ctx.clock.advance(11_000)
  try {
    const later = await result.replay()
    t.equal(later.status, 401, 'replayed 11 s later')
    t.match(await later.text(), usedUp, 'replayed 11 s later: still the used login request')
  } finally {
    ctx.clock.advance(-11_000)
  }
  t.same(await counts(), before)
})

t.test('a platform that is not registered is refused at login', async t => {
  const unknown = await startPlatform(t, { issuer: 'https://lms.unknown.example', clientId: 'x' })
  const err = await launch({ user: { sub: 'u' }, roles: [ROLES.Learner] }, unknown).then(() => undefined, (e: unknown) => e)
  t.type(err, LaunchError)
  t.equal((err as LaunchError).response.status, 400)
  t.match((err as LaunchError).body, /plateforme n’est pas enregistrée/)
})

t.test('our JWKS publishes the tool key the platform uses to verify us', async t => {
  const res = await fetch(`${base}/lti/keys`)
  t.equal(res.status, 200)
  const body = await res.json() as { keys: Array<{ kid: string, kty: string, alg?: string, n: string }> }
  t.equal(body.keys.length, 1)
  t.match(body.keys[0], { kty: 'RSA' })
  t.equal(Buffer.from(body.keys[0]!.n, 'base64url').length * 8, ctx.config.ltiKeyBits, 'a modulus of the configured size (LTI_KEY_BITS)')
  t.notOk(JSON.stringify(body).includes('"d"'), 'no private part')
})

t.test('organizers see the registered platforms, their deployments and the tool URLs', async t => {
  const [event] = await ctx.services.program.listEvents()
  const link = await ctx.services.people.bootstrapOrganizer('coordination@enap.ca', [event!.id])
  const { cookie } = await signInWithLink(ctx.app, link.url)
  const res = await ctx.app.inject({ url: `/organisateurs/evenements/${event!.id}/lms`, headers: { cookie, accept: 'text/html' } })
  t.equal(res.statusCode, 200)
  t.match(res.body, /Plateformes d’apprentissage \(LTI 1\.3\)/)
  t.match(res.body, new RegExp(`<td data-label="Émetteur \\(issuer\\)">${platform.issuer.replace(/[.]/g, '\\.')}</td><td data-label="Identifiant client">${platform.clientId}</td><td data-label="Déploiements">dep-1</td>`))
  t.match(res.body, /\/lti\/login<\/code>/)
})

t.test('Deep Linking: an instructor chooses items, and the platform verifies our signed answer with our JWKS', async t => {
  const result = await launch({ user: teacher, roles: [ROLES.Instructor], messageType: 'LtiDeepLinkingRequest' })
  t.equal(result.launchResponse.status, 303)
  t.match(result.launchResponse.headers.get('location'), LAUNCH_CONTINUATION)
  const location = (await landAfterLaunch(base, result)).path
  t.match(location, /^\/cours\/contenu\/[0-9a-f-]{36}\?lang=fr$/)
  const choice = await page(location, result.cookies)
  t.equal(choice.status, 200)
  t.match(choice.body, /Activité de synthèse \(remise du vendredi\)/)

  const post = async (items: string[]): Promise<Response> => await fetch(`${base}${location}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: result.cookies.header(), 'content-type': 'application/x-www-form-urlencoded', origin: base, 'sec-fetch-site': 'same-origin', accept: 'text/html' },
    body: new URLSearchParams([...items.map(i => ['items', i]), ['_csrf', /name="_csrf" value="([^"]+)"/.exec(choice.body)?.[1] ?? '']]).toString()
  })
  const invalid = await post(['everything'])
  t.equal(invalid.status, 400, 'an unknown item is refused')
  const answered = await post(['synthesis', 'program'])
  t.equal(answered.status, 200)
  t.match(answered.headers.get('content-security-policy'), new RegExp(`form-action 'self' ${new URL(platform.deepLinkReturnUrl).origin}`))
  const form = parseAutoPostForm(await answered.text())
  t.equal(form.action, platform.deepLinkReturnUrl)
  const back = await fetch(form.action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form.fields).toString() })
  t.equal(back.status, 200, 'the platform accepted it')
  const received = platform.received.deepLinkResponses.at(-1)
  t.match(received?.claims, {
    iss: platform.clientId,
    aud: platform.issuer,
    'https://purl.imsglobal.org/spec/lti/claim/message_type': 'LtiDeepLinkingResponse',
    'https://purl.imsglobal.org/spec/lti-dl/claim/data': 'opaque-data'
  })
  const items = received?.claims['https://purl.imsglobal.org/spec/lti-dl/claim/content_items'] as Array<{ type: string, title: string, url: string, custom: Record<string, string> }>
  t.same(items.map(i => [i.type, i.custom.compagnon_target]), [['ltiResourceLink', 'synthesis'], ['ltiResourceLink', 'program']])
  t.ok(items.every(i => i.url === `${ctx.config.publicUrl}/lti/launch`))

  const twice = await post(['attendance'])
  t.equal(twice.status, 404, 'a choice is sent once')
})

t.test('Deep Linking is for instructors: a student gets a clear refusal', async t => {
  const result = await launch({ user: { sub: 'dl-student', name: 'Élève' }, roles: [ROLES.Learner], messageType: 'LtiDeepLinkingRequest' })
  t.equal(result.launchResponse.status, 403)
  t.match(await result.launchResponse.text(), /Seules les personnes enseignantes peuvent ajouter du contenu/)
  t.notOk(result.cookies.get('compagnon_session'))
})

t.test('instructors see the class list and grade sync state, and refresh the list from the LMS', async t => {
  const result = await launch({ user: teacher, roles: [ROLES.Instructor] })
  const course = await page('/cours', result.cookies)
  t.match(course.body, /Liste de la classe\u00a0: (aucune personne active|1 personne active|\d+ personnes actives), jamais synchronisée\./)
  t.match(course.body, /Notes envoyées au carnet de notes du LMS\u00a0: aucune livrée, aucune en attente\./)
  const action = /action="(\/cours\/liste\/[0-9a-f-]{36})\?lang=fr"/.exec(course.body)?.[1]
  t.ok(action, 'a sync button')
  // The token a page script would read from the course page's <meta name="csrf-token">.
  const csrfOf = async (jar: CookieJar): Promise<string> => /<meta name="csrf-token" content="([^"]+)">/.exec((await page('/cours', jar)).body)?.[1] ?? ''
  const sync = async (jar: CookieJar): Promise<Response> => await fetch(`${base}${action ?? ''}?lang=fr`, {
    method: 'POST', redirect: 'manual', headers: { cookie: jar.header(), origin: base, 'sec-fetch-site': 'same-origin', accept: 'text/html', 'x-csrf-token': await csrfOf(jar) }
  })

  const L = ROLES.Learner
  platform.setMembers([{ user_id: 'moodle-user-2', roles: [ROLES.Instructor], name: 'Prof. Élise Roy' }, ...Array.from({ length: 5 }, (_, i) => ({ user_id: `roster-${i}`, roles: [L], name: `Membre ${i}` }))], 2)
  const synced = await sync(result.cookies)
  t.equal(synced.status, 303)
  t.match((await page('/cours', result.cookies)).body, /Liste de la classe\u00a0: (aucune personne active|1 personne active|\d+ personnes actives), synchronisée le /)

  platform.setServicesDown(true)
  const down = await sync(result.cookies)
  t.equal(down.status, 303, 'no error page: the sync stays queued')
  const waiting = (await page('/cours', result.cookies)).body
  t.match(waiting, /Le LMS n’a pas fourni la liste de la classe au dernier essai \(.*503.*\)\. Nouvel essai automatique vers \d/)
  platform.setServicesDown(false)
  t.equal((await sync(result.cookies)).status, 303)
  t.notMatch((await page('/cours', result.cookies)).body, /dernier essai/, 'cleared once the LMS answers')

  // Statuses as platforms spell them: the sync stores ours, and one it does not know never registers anyone.
  platform.setMembers([
    { user_id: 'moodle-user-2', roles: [ROLES.Instructor], name: 'Prof. Élise Roy' },
    { user_id: 'status-lower', roles: [L], name: 'Statut Minuscule', status: 'active' },
    { user_id: 'status-uri', roles: [L], name: 'Statut Uri', status: 'http://purl.imsglobal.org/vocab/lis/v2/status#Inactive' },
    { user_id: 'status-odd', roles: [L], name: 'Statut Inconnu', status: 'Suspendu' }
  ])
  t.equal((await sync(result.cookies)).status, 303)
  t.notMatch((await page('/cours', result.cookies)).body, /dernier essai/, 'the sync succeeded')
  const stored = await ctx.database.db.selectFrom('lti_roster_members').select(['user_sub', 'status'])
    .where('user_sub', 'in', ['status-lower', 'status-uri', 'status-odd']).orderBy('user_sub').execute()
  t.same(stored, [{ user_sub: 'status-lower', status: 'Active' }, { user_sub: 'status-odd', status: 'Inactive' }, { user_sub: 'status-uri', status: 'Inactive' }])

  const notes = await page(`${(action ?? '').replace('/cours/liste/', '/cours/notes/')}?lang=fr`, result.cookies)
  t.equal(notes.status, 200)
  t.match(notes.body, /Carnet de notes du LMS — Mobilisation des acteurs locaux/)
  t.match(notes.body, /Compagnon n’a encore envoyé aucune note dans ce cours/)
  t.match((await page('/cours', result.cookies)).body, /Comparer avec le carnet de notes du LMS/)

  const learner = await launch({ user: { sub: 'roster-0', name: 'Membre 0' }, roles: [L] })
  t.equal((await sync(learner.cookies)).status, 403, 'students cannot')
  t.equal((await page(`${(action ?? '').replace('/cours/liste/', '/cours/notes/')}?lang=fr`, learner.cookies)).status, 403, 'nor see the gradebook')
  t.notMatch((await page('/cours', learner.cookies)).body, /Liste de la classe/)
})
