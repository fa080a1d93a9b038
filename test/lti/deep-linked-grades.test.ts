import t from 'tap'
import { realTime, testApp } from '../helpers/app.js'
import { landAfterLaunch } from '../helpers/lti-landing.js'
import { CLAIMS, ROLES, parseAutoPostForm, startPlatform, type PlatformOptions, type SimulatedPlatform } from '../helpers/lti-platform.js'

// Clean gradebooks: the synthesis and attendance activities placed by Deep Linking carry their
// line item, Compagnon grades that one, and nothing else appears in the LMS gradebook.

const teacher = { sub: 'moodle-user-2', name: 'Prof. Élise Roy', email: 'elise.roy@enap.ca' }
const student = { sub: 'moodle-user-7', name: 'Camille Gagnon' }
const graded = (scoreGiven: number, comment = '') => ({ scoreGiven, scoreMaximum: 100, ...(comment === '' ? {} : { comment }), activityProgress: 'Completed' as const, gradingProgress: 'FullyGraded' as const })
type ContentItem = { type: string, title: string, text?: string, custom: Record<string, string>, lineItem?: Record<string, unknown> }

// ltijs checks launch times against the real clock: this file runs on real time.
const setup = async (t: Parameters<typeof testApp>[0], options: PlatformOptions = {}) => {
  const ctx = await testApp(t, { clock: realTime() })
  const base = await ctx.app.listen({ host: '127.0.0.1', port: 0 })
  const platform = await startPlatform(t, options)
  platform.setTool({ jwksUrl: `${base}/lti/keys` })
  const { deploymentId, ...reg } = platform.registration()
  await ctx.services.lti.registerPlatform({ ...reg, deploymentIds: [deploymentId] })
  const courseId = async (): Promise<string> => (await ctx.database.db.selectFrom('lti_contexts').select('id').executeTakeFirstOrThrow()).id
  /** An instructor places these items in the course through Deep Linking; returns what the platform received. */
  const deepLink = async (targets: string[], options: { before?: () => Promise<void>, claims?: (claims: Record<string, unknown>) => void } = {}): Promise<ContentItem[]> => {
    const { before, claims } = options
    const launched = await platform.launch(base, { user: teacher, roles: [ROLES.Instructor], messageType: 'LtiDeepLinkingRequest', ...(claims === undefined ? {} : { claims }) })
    const location = (await landAfterLaunch(base, launched)).path
    await before?.()
    const choice = await (await fetch(`${base}${location}`, { headers: { cookie: launched.cookies.header(), accept: 'text/html' } })).text()
    const answered = await fetch(`${base}${location}`, {
      method: 'POST',
      headers: { cookie: launched.cookies.header(), 'content-type': 'application/x-www-form-urlencoded', origin: base, 'sec-fetch-site': 'same-origin', accept: 'text/html' },
      body: new URLSearchParams([...targets.map(i => ['items', i]), ['_csrf', /name="_csrf" value="([^"]+)"/.exec(choice)?.[1] ?? '']]).toString()
    })
    if (answered.status !== 200) throw new Error(`deep linking answered ${answered.status}: ${await answered.text()}`)
    const form = parseAutoPostForm(await answered.text())
    const back = await fetch(form.action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form.fields).toString() })
    if (back.status !== 200) throw new Error(`the platform refused the deep-linking response: ${JSON.stringify(platform.received.deepLinkRejections.at(-1))}`)
    return platform.received.deepLinkResponses.at(-1)?.claims['https://purl.imsglobal.org/spec/lti-dl/claim/content_items'] as ContentItem[]
  }
  return { ...ctx, base, platform, courseId, deepLink }
}

const linkTo = (platform: SimulatedPlatform, target: string) => {
  const link = platform.links().filter(l => l.custom.compagnon_target === target).at(-1)
  if (link === undefined) throw new Error(`no deep-linked ${target} activity`)
  return link
}

t.test('deep-linked synthesis and attendance carry their line item (label, points, resource id, tag); the program carries none', async t => {
  const { deepLink, database, courseId, services } = await setup(t)
  const items = await deepLink(['synthesis', 'attendance', 'program'], {
    before: async () => {
      // The course's synthesis is set up at 20 points: its column says so.
      const [event] = await services.program.listEvents()
      await database.db.insertInto('synthesis_assignments').values({
        context_id: await courseId(), event_id: event!.id, title: 'Synthèse', opens_at: new Date('2025-10-24T13:00:00Z'), due_at: new Date('2025-10-24T16:15:00Z'), max_points: '20'
      }).execute()
    }
  })
  t.same(items.map(i => [i.title, i.text ?? null]), [
    ['Synthèse', 'Activité de synthèse (remise du vendredi)'],
    ['Présence', 'Présences'],
    ['Programme de l’École d’automne', null]
  ], 'graded activities are named like their column (Moodle names the column after the activity)')
  t.same(items.map(i => [i.custom.compagnon_target, i.lineItem ?? null]), [
    ['synthesis', { label: 'Synthèse', tag: 'compagnon-synthese', resourceId: 'synthesis', scoreMaximum: 20 }],
    ['attendance', { label: 'Présence', tag: 'compagnon-presence', resourceId: 'attendance', scoreMaximum: 100 }],
    ['program', null]
  ])
})

t.test('a platform that offers no grade service gets no line item with the activities (no column nobody fills)', async t => {
  const { deepLink, platform } = await setup(t)
  const items = await deepLink(['synthesis', 'attendance'], { claims: claims => { delete claims[CLAIMS.ags] } })
  t.same(items.map(i => i.lineItem ?? null), [null, null])
  t.same(platform.lineItems(), [])
})

for (const [name, options, labels] of [
  ['an LTI platform', {}, ['Synthèse', 'Présence']],
  ['Moodle (accept grades delegated to the teacher, columns named after the activity, line item URLs with a query)', { quirks: { acceptGrades: 'delegate', columnNamedAfterActivity: true, queryStringLineItems: true, postLoginInitiation: true } }, ['Synthèse', 'Présence']]
] as Array<[string, PlatformOptions, string[]]>) {
  t.test(`${name}: after deep linking and grading, exactly one synthesis and one attendance line item, none for the program`, async t => {
    const { services, platform, courseId, deepLink } = await setup(t, options)
    await deepLink(['synthesis', 'attendance', 'program'])
    t.equal(platform.links().length, 3, 'three activities in the course')
    t.notOk(linkTo(platform, 'program').lineItemUrl, 'no column for the program')

    const contextId = await courseId()
    await services.gradeOutbox.enqueue({ contextId, lineItem: 'synthese', userSub: student.sub, score: graded(65, 'Bonne synthèse'), givenAt: new Date() })
    await services.gradeOutbox.enqueue({ contextId, lineItem: 'presence', userSub: student.sub, score: graded(50, 'Présence à 1 des 2 créneaux (3 h).'), givenAt: new Date() })
    t.same(await services.gradeOutbox.deliverDue(), { delivered: 2, retrying: 0 })

    t.same(platform.received.lineItemsCreated, [], 'Compagnon created no line item of its own')
    const lineItems = platform.lineItems()
    t.same(lineItems.map(li => [li.label, li.tag, li.resourceId, li.resourceLinkId]).sort(), [
      [labels[0], 'compagnon-synthese', 'synthesis', linkTo(platform, 'synthesis').id],
      [labels[1], 'compagnon-presence', 'attendance', linkTo(platform, 'attendance').id]
    ].sort())
    t.same(platform.received.scores.map(s => [s.lineItemUrl, s.body.scoreGiven, s.body.comment]).sort(), [
      [linkTo(platform, 'synthesis').lineItemUrl, 65, 'Bonne synthèse'],
      [linkTo(platform, 'attendance').lineItemUrl, 50, 'Présence à 1 des 2 créneaux (3 h).']
    ].sort(), 'each grade in its activity\'s column')
  })
}

t.test('a launch from a deep-linked activity names its column: grades go there, even when the platform kept no tag', async t => {
  const { services, platform, base, courseId } = await setup(t, { quirks: { acceptGrades: 'always' } })
  // Placed by an earlier Compagnon (no lineItem) in a course that accepts grades "always": an untagged column each.
  const synthesisColumn = platform.addLineItem({ label: 'Activité de synthèse (remise du vendredi)', scoreMaximum: 100, resourceLinkId: 'rl-syn' })
  const programColumn = platform.addLineItem({ label: 'Programme de l\'École d\'automne', scoreMaximum: 100, resourceLinkId: 'rl-prog' })
  await platform.launch(base, { user: student, roles: [ROLES.Learner], resourceLink: { id: 'rl-prog' }, custom: { compagnon_target: 'program' }, lineItemUrl: programColumn })
  await platform.launch(base, { user: student, roles: [ROLES.Learner], resourceLink: { id: 'rl-syn' }, custom: { compagnon_target: 'synthesis' }, lineItemUrl: synthesisColumn })
  const contextId = await courseId()
  await services.gradeOutbox.enqueue({ contextId, lineItem: 'synthese', userSub: student.sub, score: graded(65), givenAt: new Date() })
  t.same(await services.gradeOutbox.deliverDue(), { delivered: 1, retrying: 0 })
  t.same(platform.received.scores.map(s => s.lineItemUrl), [synthesisColumn], 'the activity\'s own column')
  t.same(platform.received.lineItemsCreated, [])
  t.same(platform.received.requests.filter(r => r.method === 'GET' && r.url.includes('/lineitems?')), [], 'no search needed')
  const recorded = await services.gradeOutbox.gradebook(contextId)
  t.same(recorded.map(r => r.lineItem), ['synthese'], 'the program\'s column is never taken for a grade')
})

t.test('a course from before keeps grading into its tagged line item holding grades, even after its activities are linked again', async t => {
  const { services, platform, base, courseId, deepLink } = await setup(t)
  // Before: an activity placed without lineItem (its own empty column) and grades in our tagged item.
  platform.addLineItem({ label: 'Activité de synthèse (remise du vendredi)', scoreMaximum: 100, resourceLinkId: 'rl-old' })
  await platform.launch(base, { user: student, roles: [ROLES.Learner], resourceLink: { id: 'rl-old' }, custom: { compagnon_target: 'synthesis' } })
  const contextId = await courseId()
  await services.gradeOutbox.enqueue({ contextId, lineItem: 'synthese', userSub: student.sub, score: graded(60), givenAt: new Date(Date.now() - 60_000) })
  t.same(await services.gradeOutbox.deliverDue(), { delivered: 1, retrying: 0 })
  const ours = String(platform.received.lineItemsCreated[0]?.id)
  t.match(platform.received.lineItemsCreated, [{ label: 'Synthèse', tag: 'compagnon-synthese' }])

  // The teacher places the synthesis again: a new, tagged column; a student launches it.
  await deepLink(['synthesis'])
  const relinked = linkTo(platform, 'synthesis')
  t.ok(relinked.lineItemUrl)
  await platform.launch(base, { user: student, roles: [ROLES.Learner], link: relinked })
  await services.gradeOutbox.enqueue({ contextId, lineItem: 'synthese', userSub: student.sub, score: graded(70, 'Révisée'), givenAt: new Date() })
  t.same(await services.gradeOutbox.deliverDue(), { delivered: 1, retrying: 0 })
  t.same(platform.received.scores.map(s => [s.lineItemUrl, s.body.scoreGiven]), [[ours, 60], [ours, 70]], 'grades stay in the column that holds them')
  t.equal(platform.received.lineItemsCreated.length, 1)
})

t.test('with nothing recorded, a course with two tagged line items grades the one holding grades, else the deep-linked one', async t => {
  const { services, platform, base, courseId } = await setup(t)
  await platform.launch(base, { user: student, roles: [ROLES.Learner] })
  const contextId = await courseId()
  const deliver = async (lineItem: 'synthese' | 'presence'): Promise<string | undefined> => {
    await services.gradeOutbox.enqueue({ contextId, lineItem, userSub: student.sub, score: graded(40), givenAt: new Date() })
    await services.gradeOutbox.deliverDue()
    return platform.received.scores.at(-1)?.lineItemUrl
  }

  // Synthesis: our standalone item and the activity's column, both empty.
  platform.addLineItem({ label: 'Synthèse', scoreMaximum: 100, tag: 'compagnon-synthese', resourceId: 'synthesis' })
  const linkedSynthesis = platform.addLineItem({ label: 'Synthèse', scoreMaximum: 100, tag: 'compagnon-synthese', resourceId: 'synthesis', resourceLinkId: 'dl-1' })
  t.equal(await deliver('synthese'), linkedSynthesis, 'none holds grades: the column of the activity')

  // Attendance: the activity's column is empty, our standalone item holds grades (a course from before).
  platform.addLineItem({ label: 'Présence', scoreMaximum: 100, tag: 'compagnon-presence', resourceId: 'attendance', resourceLinkId: 'dl-2' })
  const standalonePresence = platform.addLineItem({ label: 'Présence', scoreMaximum: 100, tag: 'compagnon-presence', resourceId: 'attendance' })
  const posted = await fetch(`${standalonePresence}/scores`, {
    method: 'POST',
    headers: { authorization: `Bearer ${platform.issueToken(['https://purl.imsglobal.org/spec/lti-ags/scope/score'])}`, 'content-type': 'application/vnd.ims.lis.v1.score+json' },
    body: JSON.stringify({ userId: 'moodle-user-9', scoreGiven: 80, scoreMaximum: 100, activityProgress: 'Completed', gradingProgress: 'FullyGraded', timestamp: new Date().toISOString() })
  })
  t.equal(posted.status, 204)
  t.equal(await deliver('presence'), standalonePresence, 'the one holding grades')
  t.same(platform.received.lineItemsCreated, [])
})

t.test('a line item found by its resource id when the platform kept no tag', async t => {
  const { services, platform, base, courseId } = await setup(t)
  await platform.launch(base, { user: student, roles: [ROLES.Learner] })
  const contextId = await courseId()
  const column = platform.addLineItem({ label: 'Présence', scoreMaximum: 100, resourceId: 'attendance', resourceLinkId: 'dl-1' })
  await services.gradeOutbox.enqueue({ contextId, lineItem: 'presence', userSub: student.sub, score: graded(100), givenAt: new Date() })
  t.same(await services.gradeOutbox.deliverDue(), { delivered: 1, retrying: 0 })
  t.same(platform.received.scores.map(s => s.lineItemUrl), [column])
  t.same(platform.received.lineItemsCreated, [])
})
