import t from 'tap'
import { api, friday, handIn, outboxOf, pdfBytes, synthesisSetup, type SynthesisCtx } from '../helpers/synthesis.js'

const rubric = {
  criteria: [
    {
      id: 'analyse',
      title: { fr: 'Analyse', en: 'Analysis' },
      levels: [{ id: 'faible', label: { fr: 'Faible', en: 'Weak' }, points: 10 }, { id: 'solide', label: { fr: 'Solide', en: 'Strong' }, points: 60 }]
    },
    {
      id: 'ecriture',
      title: { fr: 'Écriture', en: 'Writing' },
      levels: [{ id: 'faible', label: { fr: 'Faible', en: 'Weak' }, points: 5 }, { id: 'claire', label: { fr: 'Claire', en: 'Clear' }, points: 40 }]
    }
  ]
}

const gradeUrl = (ctx: SynthesisCtx, personId: string): string => `/api/v1/courses/${ctx.contextId}/synthesis/students/${personId}/grade`

t.test('instructors see every student of the roster with their status, including those who handed in nothing', async t => {
  const ctx = await synthesisSetup(t)
  await handIn(ctx, ctx.ana, { text: 'À temps', files: [{ name: 'a.pdf', bytes: pdfBytes() }] })
  const list = await api(ctx, ctx.prof, 'GET', `/api/v1/courses/${ctx.contextId}/synthesis/students`)
  t.equal(list.statusCode, 200)
  t.match(list.json().students, [
    { name: 'Anaïs', status: 'submitted', latest: { version: 1, late: false }, grade: null },
    { name: 'Benoît', status: 'not_submitted', latest: null }
  ])
  t.equal(list.json().students.length, 2, 'instructors and non-credit participants are not in the list')
  const work = await api(ctx, ctx.prof, 'GET', `/api/v1/courses/${ctx.contextId}/synthesis/students/${ctx.ana.id}`)
  t.match(work.json(), { student: { name: 'Anaïs' }, versions: [{ version: 1, textBody: 'À temps', files: [{ filename: 'a.pdf' }] }], grade: null, history: [] })
  t.equal((await api(ctx, ctx.prof, 'GET', `/api/v1/courses/${ctx.contextId}/synthesis/students/${ctx.participant.id}`)).statusCode, 404)
})

t.test('grading with a rubric: a draft stays private, publishing sends score, maximum and feedback to the LMS, a regrade updates it', async t => {
  const ctx = await synthesisSetup(t)
  t.equal((await api(ctx, ctx.prof, 'PATCH', `/api/v1/courses/${ctx.contextId}/synthesis`, { rubric })).statusCode, 200)
  await handIn(ctx, ctx.ana, { text: 'Ma synthèse' })
  await ctx.services.gradeOutbox.deliverDue()
  ctx.clock.set(friday('15:00'))

  const draft = await api(ctx, ctx.prof, 'PUT', gradeUrl(ctx, ctx.ana.id), { rubricLevels: { analyse: 'solide', ecriture: 'faible' }, feedback: 'Bonne analyse ; soignez l\'écriture.' })
  t.equal(draft.statusCode, 200)
  t.match(draft.json(), { score: 65, maxPoints: 100, state: 'draft', rubricLevels: { analyse: 'solide', ecriture: 'faible' }, publishedAt: null })
  t.equal((await api(ctx, ctx.ana, 'GET', `/api/v1/courses/${ctx.contextId}/synthesis/submissions/mine`)).json().grade, null, 'the student does not see a draft')
  t.equal((await outboxOf(ctx, ctx.ana)).filter(r => r.status === 'pending').length, 0, 'a draft is not sent')

  const missing = await api(ctx, ctx.prof, 'PUT', gradeUrl(ctx, ctx.ana.id), { rubricLevels: { analyse: 'solide' }, publish: true })
  t.equal(missing.statusCode, 400)
  t.match(missing.json().messageFr, /Choisissez un niveau pour « Écriture »/)
  t.equal((await api(ctx, ctx.prof, 'PUT', gradeUrl(ctx, ctx.ana.id), { rubricLevels: { analyse: 'solide', ecriture: 'parfaite' } })).statusCode, 400)
  t.equal((await api(ctx, ctx.prof, 'PUT', gradeUrl(ctx, ctx.ana.id), { score: -1 })).statusCode, 400)
  t.equal((await api(ctx, ctx.ana, 'PUT', gradeUrl(ctx, ctx.ana.id), { score: 100, publish: true })).statusCode, 403, 'students cannot grade')
  t.equal((await api(ctx, ctx.otherProf, 'PUT', gradeUrl(ctx, ctx.ana.id), { score: 100, publish: true })).statusCode, 403, 'nor instructors of another course')

  ctx.clock.set(friday('15:10'))
  const published = await api(ctx, ctx.prof, 'PUT', gradeUrl(ctx, ctx.ana.id), { rubricLevels: { analyse: 'solide', ecriture: 'faible' }, feedback: 'Bonne analyse ; soignez l\'écriture.', publish: true })
  t.equal(published.statusCode, 200)
  t.match(published.json(), { state: 'published', score: 65, publishedAt: '2025-10-24T19:10:00.000Z' })
  t.same(await ctx.services.gradeOutbox.deliverDue(), { delivered: 1, retrying: 0 })
  t.match(ctx.platform.received.scores.at(-1)?.body, { userId: ctx.ana.sub, scoreGiven: 65, scoreMaximum: 100, comment: 'Bonne analyse ; soignez l\'écriture.', activityProgress: 'Completed', gradingProgress: 'FullyGraded', timestamp: '2025-10-24T19:10:00.000Z' })
  const mine = await api(ctx, ctx.ana, 'GET', `/api/v1/courses/${ctx.contextId}/synthesis/submissions/mine`)
  t.match(mine.json().grade, { score: 65, maxPoints: 100, feedback: 'Bonne analyse ; soignez l\'écriture.', state: 'published' }, 'the student sees the published grade')

  ctx.clock.set(friday('16:00'))
  const regrade = await api(ctx, ctx.prof, 'PUT', gradeUrl(ctx, ctx.ana.id), { rubricLevels: { analyse: 'solide', ecriture: 'claire' }, feedback: 'Après révision : très bien.', publish: true })
  t.equal(regrade.json().score, 100)
  await ctx.services.gradeOutbox.deliverDue()
  t.match(ctx.platform.received.scores.at(-1)?.body, { scoreGiven: 100, comment: 'Après révision : très bien.', gradingProgress: 'FullyGraded' }, 'the regrade reaches the LMS')
  t.match((await api(ctx, ctx.ana, 'GET', `/api/v1/courses/${ctx.contextId}/synthesis/students`)).statusCode, 403)

  const list = await api(ctx, ctx.prof, 'GET', `/api/v1/courses/${ctx.contextId}/synthesis/students`)
  t.match(list.json().students[0], { name: 'Anaïs', status: 'graded', grade: { score: 100, state: 'published' } })

  ctx.clock.set(friday('16:30'))
  t.equal((await api(ctx, ctx.prof, 'PATCH', `/api/v1/courses/${ctx.contextId}/synthesis`, { acceptLate: true })).statusCode, 200)
  t.equal((await handIn(ctx, ctx.ana, { text: 'Version corrigée' })).status, 201, 'a new version after the grade (late work accepted)')
  await ctx.services.gradeOutbox.deliverDue()
  t.match(ctx.platform.received.scores.at(-1)?.body, { scoreGiven: 100, comment: 'Après révision : très bien.', gradingProgress: 'PendingManual', activityProgress: 'Submitted' }, 'the LMS keeps the grade, marked as waiting for grading again')
  t.match((await api(ctx, ctx.prof, 'GET', `/api/v1/courses/${ctx.contextId}/synthesis/students`)).json().students[0], { status: 'late', latest: { version: 2, late: true }, grade: { score: 100, state: 'published' } }, 'the new version waits for a regrade')
  const work = await api(ctx, ctx.prof, 'GET', `/api/v1/courses/${ctx.contextId}/synthesis/students/${ctx.ana.id}`)
  t.same(work.json().history.map((h: { action: string, before: { score?: number } | null, after: { score: number }, changedBy: string }) => [h.action, h.before?.score ?? null, h.after.score, h.changedBy]),
    [['publish', 65, 100, 'Élise'], ['publish', 65, 65, 'Élise'], ['draft', null, 65, 'Élise']], 'every change is audited: who, before, after')
})

t.test('a published grade whose feedback alone changes is sent again: the LMS comment never goes stale', async t => {
  const ctx = await synthesisSetup(t)
  await handIn(ctx, ctx.ana, { text: 'A' })
  ctx.clock.set(friday('15:00'))
  t.equal((await api(ctx, ctx.prof, 'PUT', gradeUrl(ctx, ctx.ana.id), { score: 80, feedback: 'Bien.', publish: true })).statusCode, 200)
  await ctx.services.gradeOutbox.deliverDue()
  ctx.clock.set(friday('15:30'))
  t.equal((await api(ctx, ctx.prof, 'PUT', gradeUrl(ctx, ctx.ana.id), { score: 80, feedback: 'Bien ; voir mes notes sur la conclusion.', publish: true })).statusCode, 200)
  t.same(await ctx.services.gradeOutbox.deliverDue(), { delivered: 1, retrying: 0 })
  t.match(ctx.platform.received.scores.at(-1)?.body, { userId: ctx.ana.sub, scoreGiven: 80, comment: 'Bien ; voir mes notes sur la conclusion.', gradingProgress: 'FullyGraded' })
})

t.test('a number without a rubric, publishing several at once, and a grade above the maximum refused', async t => {
  const ctx = await synthesisSetup(t)
  await handIn(ctx, ctx.ana, { text: 'A' })
  await handIn(ctx, ctx.ben, { text: 'B' })
  t.equal((await api(ctx, ctx.prof, 'PUT', gradeUrl(ctx, ctx.ana.id), { score: 101 })).statusCode, 400)
  t.equal((await api(ctx, ctx.prof, 'PUT', gradeUrl(ctx, ctx.ana.id), { rubricLevels: { analyse: 'solide' } })).statusCode, 400, 'no rubric in this assignment')
  t.equal((await api(ctx, ctx.prof, 'PUT', gradeUrl(ctx, ctx.ana.id), { score: 82.5, feedback: 'Très bien' })).statusCode, 200)
  t.equal((await api(ctx, ctx.prof, 'PUT', gradeUrl(ctx, ctx.ben.id), { score: 74 })).statusCode, 200)
  const bulk = await api(ctx, ctx.prof, 'POST', `/api/v1/courses/${ctx.contextId}/synthesis/publications`, { personIds: [ctx.ana.id, ctx.ben.id, ctx.participant.id] })
  t.equal(bulk.statusCode, 200)
  t.same(bulk.json(), { published: 2, skipped: [{ personId: ctx.participant.id, reason: 'not a student in this course' }] })
  await ctx.services.gradeOutbox.deliverDue()
  const finals = ctx.platform.received.scores.filter(s => s.body.gradingProgress === 'FullyGraded').map(s => [s.body.userId, s.body.scoreGiven, s.body.comment ?? null])
  t.same(finals.sort(), [[ctx.ana.sub, 82.5, 'Très bien'], [ctx.ben.sub, 74, null]].sort())
  const again = await api(ctx, ctx.prof, 'POST', `/api/v1/courses/${ctx.contextId}/synthesis/publications`, { personIds: [ctx.ana.id] })
  t.same(again.json(), { published: 0, skipped: [{ personId: ctx.ana.id, reason: 'already published' }] })
  t.equal((await api(ctx, ctx.prof, 'POST', `/api/v1/courses/${ctx.contextId}/synthesis/publications`, { personIds: [] })).statusCode, 400)
})

t.test('with the LMS down, hand-in status and grades wait in the outbox and arrive once it is back: nothing lost', async t => {
  const ctx = await synthesisSetup(t)
  ctx.platform.setServicesDown(true)
  t.equal((await handIn(ctx, ctx.ana, { text: 'pendant la panne' })).status, 201, 'handing in does not depend on the LMS')
  t.same(await ctx.services.gradeOutbox.deliverDue(), { delivered: 0, retrying: 1 })
  ctx.clock.advance(60 * 60_000)
  t.equal((await api(ctx, ctx.prof, 'PUT', gradeUrl(ctx, ctx.ana.id), { score: 90, feedback: 'Excellent', publish: true })).statusCode, 200)
  t.same(await ctx.services.gradeOutbox.deliverDue(), { delivered: 0, retrying: 1 }, 'the pending status was superseded by the grade; still down')
  ctx.platform.setServicesDown(false)
  ctx.clock.advance(2 * 60 * 60_000)
  t.same(await ctx.services.gradeOutbox.deliverDue(), { delivered: 1, retrying: 0 })
  t.match(ctx.platform.received.scores.map(s => s.body), [{ userId: ctx.ana.sub, scoreGiven: 90, comment: 'Excellent', gradingProgress: 'FullyGraded' }], 'the grade arrives exactly once')
  t.same(await ctx.services.gradeOutbox.deliverDue(), { delivered: 0, retrying: 0 })
})
