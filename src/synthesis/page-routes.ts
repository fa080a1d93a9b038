import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod'
import multipart from '@fastify/multipart'
import { DateTime } from 'luxon'
import { z } from 'zod'
import { allow, courseParam, open, self } from '../access/declare.js'
import { AppError, badRequest, forbidden, type Bilingual } from '../errors.js'
import { errorResponses, errorSchema, langQuery } from '../http/schemas.js'
import { assertSameOrigin } from '../http/same-origin.js'
import { projectRoot } from '../paths.js'
import { bilingual, t, type Locale, type TextKey } from '../views/i18n.js'
import { drainRequest } from '../http/drain.js'
import { handInParts } from './routes.js'
import { NOT_A_STUDENT } from './assignment.js'
import type { GradingService } from './grading.js'
import type { HandInService } from './hand-in.js'
import { base, courseChoicePage, gradingPage, receiptText, rosterPage, settingsPage, settingsValues, studentPage, type SettingsValues } from './pages.js'
import { formatRubricText, parseRubricText, RubricTextError } from './rubric-text.js'
import { assignmentSettingsSchema, FILE_KINDS, type AssignmentSettings, type GradeInput } from './schemas.js'

const html = 'text/html; charset=utf-8'
const script = readFileSync(join(projectRoot, 'public', 'synthesis.js'), 'utf8')
const uuid = (what: string) => z.uuid({ error: `${what} must be a UUID` })
const courseParams = z.object({ contextId: uuid('contextId') })
const studentParams = courseParams.extend({ personId: uuid('personId') })
const tags = ['pages']
const page = { 200: z.string(), ...errorResponses }
const redirect = { 303: z.null(), ...errorResponses }
/** Form fields that may repeat (checkboxes): one value or several. */
const many = z.union([z.string(), z.array(z.string())]).optional().transform(v => v === undefined ? [] : Array.isArray(v) ? v : [v])

/** A `datetime-local` value read in the event's time zone; '' is null. The field names the value in the refusal. */
function localDate (value: string, zone: string, field: 'opensAt' | 'dueAt' | 'lateUntil' | 'extension'): Date | null {
  if (value.trim() === '') return null
  const dt = DateTime.fromISO(value.trim(), { zone })
  if (!dt.isValid || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value.trim())) {
    throw badRequest(bilingual('synthesis.invalidDateTime', { field, value }))
  }
  return dt.toJSDate()
}

/** A number typed in a form ("82,5" as well as "82.5"); '' is undefined. The field names the value in the refusal. */
function formNumber (value: string | undefined, field: 'graceMinutes' | 'maxPoints' | 'maxFileMegabytes' | 'maxFiles' | 'score'): number | undefined {
  if (value === undefined || value.trim() === '') return undefined
  const n = Number(value.trim().replace(',', '.'))
  if (!Number.isFinite(n)) throw badRequest(bilingual('synthesis.notANumber', { field, value }))
  return n
}

/** What the instructor reads when the settings schema refuses a value, by setting. */
const SETTING_REFUSED = {
  title: 'synthesis.titleRefused',
  graceMinutes: 'synthesis.graceMinutesRefused',
  maxPoints: 'synthesis.maxPointsRefused',
  maxFileMegabytes: 'synthesis.maxFileSizeRefused',
  maxFiles: 'synthesis.maxFilesRefused',
  instructions: 'synthesis.instructionsRefused'
} as const satisfies Partial<Record<keyof AssignmentSettings, TextKey>>

const settingsBody = z.object({
  title: z.string().max(1000).default(''),
  instructionsFr: z.string().max(40_000).default(''),
  instructionsEn: z.string().max(40_000).default(''),
  opensAt: z.string().max(100).default(''),
  dueAt: z.string().max(100).default(''),
  graceMinutes: z.string().max(100).default(''),
  acceptLate: z.string().max(10).optional(),
  lateUntil: z.string().max(100).default(''),
  maxPoints: z.string().max(100).default(''),
  allowedTypes: many,
  maxFileMegabytes: z.string().max(100).default(''),
  maxFiles: z.string().max(100).default(''),
  rubric: z.string().max(40_000).default('')
})
type SettingsBody = z.infer<typeof settingsBody>

/** The settings form as the service's settings; every problem found, in both languages. */
function settingsOf (body: SettingsBody, zone: string, currentMaxPoints: number): { settings: AssignmentSettings, problems: Bilingual[] } {
  const problems: Bilingual[] = []
  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn()
    } catch (err) {
      if (err instanceof AppError) problems.push(err.text)
      else if (err instanceof RubricTextError) problems.push(...err.problems)
      else throw err
      return undefined
    }
  }
  const opensAt = attempt(() => localDate(body.opensAt, zone, 'opensAt'))
  const dueAt = attempt(() => localDate(body.dueAt, zone, 'dueAt'))
  if (body.opensAt.trim() === '') problems.push(bilingual('synthesis.openingMissing'))
  if (body.dueAt.trim() === '') problems.push(bilingual('synthesis.dueMissing'))
  const lateUntil = attempt(() => localDate(body.lateUntil, zone, 'lateUntil'))
  const graceMinutes = attempt(() => formNumber(body.graceMinutes, 'graceMinutes'))
  const maxPoints = attempt(() => formNumber(body.maxPoints, 'maxPoints'))
  const maxFileMegabytes = attempt(() => formNumber(body.maxFileMegabytes, 'maxFileMegabytes'))
  const maxFiles = attempt(() => formNumber(body.maxFiles, 'maxFiles'))
  const rubric = attempt(() => parseRubricText(body.rubric))
  const unknownTypes = body.allowedTypes.filter(k => !(FILE_KINDS as readonly string[]).includes(k))
  if (unknownTypes.length > 0) problems.push(bilingual('synthesis.unknownFileTypes', { count: unknownTypes.length, types: unknownTypes.join(', ') }))
  if (body.allowedTypes.length === 0) problems.push(bilingual('synthesis.noFileType'))
  const candidate = {
    title: body.title,
    instructions: { fr: body.instructionsFr, en: body.instructionsEn },
    ...(opensAt !== undefined && opensAt !== null ? { opensAt } : {}),
    ...(dueAt !== undefined && dueAt !== null ? { dueAt } : {}),
    ...(graceMinutes !== undefined ? { graceMinutes } : {}),
    acceptLate: body.acceptLate !== undefined,
    ...(lateUntil !== undefined ? { lateUntil } : {}),
    // With a rubric and the maximum left as it was, the rubric decides the maximum.
    ...(maxPoints !== undefined && !(rubric !== undefined && rubric !== null && maxPoints === currentMaxPoints) ? { maxPoints } : {}),
    allowedTypes: body.allowedTypes,
    ...(maxFileMegabytes !== undefined ? { maxFileMegabytes } : {}),
    ...(maxFiles !== undefined ? { maxFiles } : {}),
    ...(rubric !== undefined ? { rubric } : {})
  }
  const parsed = assignmentSettingsSchema.safeParse(candidate)
  if (!parsed.success && problems.length === 0) {
    // Each refused setting once, with its rule in words (the schema's own messages are for API clients).
    const refusals: Partial<Record<string, TextKey>> = SETTING_REFUSED
    const keys = new Set(parsed.error.issues.map(issue => refusals[String(issue.path[0])] ?? 'synthesis.settingRefused'))
    for (const key of keys) problems.push(bilingual(key))
  }
  return { settings: parsed.success ? parsed.data : {}, problems }
}

export interface SynthesisPageRoutesOptions { handIn: HandInService, grading: GradingService }

/**
 * The synthesis pages (cookie sessions): a student's hand-in page with autosave and receipts,
 * the instructors' list, grading page and settings. The JSON API is in routes.ts.
 */
export const synthesisPageRoutes: FastifyPluginAsyncZod<SynthesisPageRoutesOptions> = async (app, { handIn, grading }) => {
  await app.register(multipart)
  const personOf = (request: FastifyRequest): string => request.auth?.personId ?? ''
  const sameOrigin = async (request: FastifyRequest): Promise<void> => { assertSameOrigin(request) }
  const course = courseParam()

  app.get('/assets/synthesis.js', { config: { access: open('the page\'s script') }, schema: { hide: true } }, async (_request, reply) =>
    await reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(script))

  // From the program (or a bookmark): the student's course, or the instructor's, without knowing its id.
  app.get('/synthese', {
    config: { access: allow('synthesis.enter', self) },
    schema: {
      operationId: 'synthesisEntryPage',
      tags,
      summary: 'Leads to the synthesis of the caller\'s course (a choice when there are several)',
      querystring: langQuery,
      produces: ['text/html'],
      response: { ...page, 303: z.null() }
    }
  }, async (request, reply) => {
    const courses = await handIn.coursesOf(personOf(request))
    if (courses.length === 1) return await reply.redirect(`${base(courses[0]!.id)}?lang=${request.locale}`, 303)
    if (courses.length === 0) throw forbidden(NOT_A_STUDENT)
    reply.header('cache-control', 'no-store')
    return await reply.type(html).send(courseChoicePage(request.locale, courses, request.url))
  })

  app.get('/cours/synthese/:contextId', {
    config: { access: allow('synthesis.view', course) },
    schema: {
      operationId: 'synthesisStudentPage',
      tags,
      summary: 'A student\'s synthesis: instructions, window, hand-in form with autosave, ' +
        'versions with receipts, published grade (instructors are sent to the list)',
      params: courseParams,
      querystring: langQuery.extend({ recu: uuid('recu').optional() }),
      produces: ['text/html'],
      response: { ...page, 303: z.null() }
    }
  }, async (request, reply) => {
    const personId = personOf(request)
    const { contextId } = request.params
    reply.header('cache-control', 'no-store')
    const overview = await handIn.overview(personId, contextId)
    if (overview.role === 'instructor') return await reply.redirect(`${base(contextId)}/remises?lang=${request.locale}`, 303)
    const mine = await handIn.mine(personId, contextId)
    return await reply.type(html).send(studentPage(request.locale, {
      contextId,
      course: await handIn.courseTitle(contextId),
      zone: await handIn.timezone(contextId),
      assignment: mine.assignment,
      window: mine.window,
      versions: mine.versions,
      grade: mine.grade,
      draft: mine.draft,
      highlight: request.query.recu,
      draftKey: `compagnon-synthese:${contextId}:${personId}`
    }, request.url))
  })

  app.post('/cours/synthese/:contextId/remise', {
    config: { access: allow('synthesis.hand-in', course) },
    onRequest: sameOrigin,
    schema: {
      operationId: 'handInSynthesisFromPage',
      tags,
      summary: 'Hands in a new version from the page (multipart: `text`, `files`, `keep`); answers with the page showing the receipt',
      params: courseParams,
      querystring: langQuery,
      consumes: ['multipart/form-data'],
      response: { ...redirect, 413: errorSchema, 415: errorSchema }
    }
  }, async (request, reply) => {
    try {
      const receipt = await handIn.handIn(personOf(request), request.params.contextId, handInParts(request))
      return await reply.redirect(`${base(request.params.contextId)}?recu=${receipt.submissionId}&lang=${request.locale}`, 303)
    } catch (err) {
      await drainRequest(request.raw)
      throw err
    }
  })

  app.put('/cours/synthese/:contextId/brouillon', {
    config: { access: allow('synthesis.hand-in', course) },
    onRequest: sameOrigin,
    bodyLimit: 512 * 1024,
    schema: {
      operationId: 'saveSynthesisDraftFromPage',
      tags,
      summary: 'Autosave from the page: the student\'s draft text',
      params: courseParams,
      body: z.object({ text: z.string({ error: 'text must be a string' }).max(100_000, 'the text is longer than 100000 characters') }).strict(),
      response: { 200: z.object({ savedAt: z.date() }), ...errorResponses, 413: errorSchema }
    }
  }, async request => await handIn.saveDraft(personOf(request), request.params.contextId, request.body.text))

  app.get('/cours/synthese/:contextId/recu/:submissionId', {
    config: { personalData: 'submission', access: allow('synthesis.view', course) },
    schema: {
      operationId: 'synthesisReceiptFile',
      tags,
      summary: 'A version\'s receipt as a text file (its author or the course\'s instructors)',
      params: courseParams.extend({ submissionId: uuid('submissionId') }),
      querystring: langQuery,
      produces: ['text/plain'],
      response: page
    }
  }, async (request, reply) => {
    const r = await handIn.receipt(personOf(request), request.params.contextId, request.params.submissionId)
    const name = t(request.locale, 'synthesis.receiptFilename', { version: String(r.version.version) })
    return await reply.type('text/plain; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`)
      .header('cache-control', 'private, no-store')
      .send(receiptText(request.locale, { course: r.course, title: r.assignment.title, student: r.student, version: r.version, zone: r.zone }))
  })

  // --- instructors ----------------------------------------------------------------------------

  app.get('/cours/synthese/:contextId/remises', {
    config: { personalData: 'submissions', access: allow('course.teach', course) },
    schema: {
      operationId: 'synthesisRosterPage',
      tags,
      summary: 'Instructors: every student of the roster with hand-in and grade status; bulk publication',
      params: courseParams,
      querystring: langQuery.extend({ publiees: z.coerce.number().int().min(0).optional(), ignorees: z.coerce.number().int().min(0).optional() }),
      produces: ['text/html'],
      response: page
    }
  }, async (request, reply) => {
    const { contextId } = request.params
    const roster = await grading.roster(personOf(request), contextId)
    reply.header('cache-control', 'no-store')
    return await reply.type(html).send(rosterPage(request.locale, {
      contextId,
      course: await grading.courseTitle(contextId),
      zone: await grading.timezone(contextId),
      assignment: roster.assignment,
      students: roster.students,
      summary: request.query.publiees === undefined ? null : { published: request.query.publiees, skipped: request.query.ignorees ?? 0 }
    }, request.url))
  })

  app.post('/cours/synthese/:contextId/publier', {
    config: { access: allow('course.teach', course) },
    onRequest: sameOrigin,
    schema: {
      operationId: 'publishSynthesisGradesFromPage',
      tags,
      summary: 'Instructors publish the selected draft grades (form)',
      params: courseParams,
      querystring: langQuery,
      body: z.object({ personIds: many }),
      response: redirect
    }
  }, async (request, reply) => {
    const ids = request.body.personIds
    if (ids.length === 0) throw badRequest(bilingual('synthesis.nobodySelected'))
    if (ids.length > 1000 || ids.some(id => !z.uuid().safeParse(id).success)) throw badRequest(bilingual('synthesis.selectionInvalid'))
    const result = await grading.publishMany(personOf(request), request.params.contextId, ids)
    return await reply.redirect(
      `${base(request.params.contextId)}/remises?publiees=${result.published}&ignorees=${result.skipped.length}&lang=${request.locale}`,
      303
    )
  })

  const notices = {
    brouillon: 'synthesis.noticeDraftSaved',
    publiee: 'synthesis.noticePublished',
    prolongation: 'synthesis.noticeExtensionSaved',
    'sans-prolongation': 'synthesis.noticeExtensionRemoved'
  } as const satisfies Record<string, TextKey>

  app.get('/cours/synthese/:contextId/remises/:personId', {
    config: { personalData: 'submission', access: allow('course.teach', course) },
    schema: {
      operationId: 'synthesisGradingPage',
      tags,
      summary: 'Instructors: a student\'s versions (text, files), grading form (rubric or number), history and extension',
      params: studentParams,
      querystring: langQuery.extend({ fait: z.enum(['brouillon', 'publiee', 'prolongation', 'sans-prolongation']).optional() }),
      produces: ['text/html'],
      response: page
    }
  }, async (request, reply) => {
    const { contextId, personId } = request.params
    const work = await grading.studentWork(personOf(request), contextId, personId)
    reply.header('cache-control', 'no-store')
    return await reply.type(html).send(gradingPage(request.locale, {
      contextId,
      course: await grading.courseTitle(contextId),
      zone: await grading.timezone(contextId),
      assignment: work.assignment,
      student: work.student,
      window: work.window,
      versions: work.versions,
      grade: work.grade,
      history: work.history,
      extension: await grading.extension(personOf(request), contextId, personId),
      notice: request.query.fait === undefined ? null : t(request.locale, notices[request.query.fait])
    }, request.url))
  })

  app.post('/cours/synthese/:contextId/remises/:personId/note', {
    config: { access: allow('course.teach', course) },
    onRequest: sameOrigin,
    schema: {
      operationId: 'gradeSynthesisFromPage',
      tags,
      summary: 'Instructors save a grade as draft or publish it (form: `rubric.<criterion>` = level, or `score`; `feedback`; `publish` = 1)',
      params: studentParams,
      querystring: langQuery,
      body: z.object({
        score: z.string().max(50).optional(),
        feedback: z.string().max(20_000, 'feedback is longer than 20000 characters').default(''),
        publish: z.enum(['0', '1']).optional()
      }).catchall(z.string().max(100)),
      response: redirect
    }
  }, async (request, reply) => {
    const { contextId, personId } = request.params
    const { score, feedback, publish, ...rest } = request.body
    const rubricLevels = Object.fromEntries(Object.entries(rest).filter(([k]) => k.startsWith('rubric.'))
      .map(([k, v]) => [k.slice('rubric.'.length), String(v)]))
    const number = formNumber(score, 'score')
    const input: GradeInput = {
      ...(number !== undefined ? { score: number } : {}),
      ...(Object.keys(rubricLevels).length > 0 ? { rubricLevels } : {}),
      feedback,
      publish: publish === '1'
    }
    if (number !== undefined && number < 0) throw badRequest(bilingual('synthesis.scoreNegative'))
    const grade = await grading.grade(personOf(request), contextId, personId, input)
    return await reply.redirect(
      `${base(contextId)}/remises/${personId}?fait=${grade.state === 'published' ? 'publiee' : 'brouillon'}&lang=${request.locale}`,
      303
    )
  })

  app.post('/cours/synthese/:contextId/remises/:personId/prolongation', {
    config: { access: allow('course.teach', course) },
    onRequest: sameOrigin,
    schema: {
      operationId: 'grantSynthesisExtensionFromPage',
      tags,
      summary: 'Instructors give a student a later due time (local date-time in the event\'s zone); empty removes it',
      params: studentParams,
      querystring: langQuery,
      body: z.object({ dueAt: z.string().max(100).default(''), reason: z.string().trim().max(500, 'the reason is longer than 500 characters').default('') }),
      response: redirect
    }
  }, async (request, reply) => {
    const { contextId, personId } = request.params
    const dueAt = localDate(request.body.dueAt, await grading.timezone(contextId), 'extension')
    await grading.grantExtension(personOf(request), contextId, personId, dueAt, request.body.reason === '' ? null : request.body.reason)
    return await reply.redirect(
      `${base(contextId)}/remises/${personId}?fait=${dueAt === null ? 'sans-prolongation' : 'prolongation'}&lang=${request.locale}`,
      303
    )
  })

  const settingsView = async (request: FastifyRequest, contextId: string, values: SettingsValues | null, errors: string[], saved: boolean): Promise<string> => {
    const zone = await grading.timezone(contextId)
    const assignment = await grading.assignment(contextId)
    return settingsPage(request.locale, {
      contextId,
      course: await grading.courseTitle(contextId),
      zone,
      values: values ?? settingsValues(assignment, zone, formatRubricText(assignment.rubric)),
      errors,
      saved
    }, request.url)
  }

  app.get('/cours/synthese/:contextId/parametres', {
    config: { access: allow('course.teach', course) },
    schema: {
      operationId: 'synthesisSettingsPage',
      tags,
      summary: 'Instructors: the synthesis settings form (times in the event\'s zone, rubric as text)',
      params: courseParams,
      querystring: langQuery.extend({ enregistre: z.enum(['1']).optional() }),
      produces: ['text/html'],
      response: page
    }
  }, async (request, reply) => {
    await grading.assertInstructor(personOf(request), request.params.contextId)
    reply.header('cache-control', 'no-store')
    return await reply.type(html).send(await settingsView(request, request.params.contextId, null, [], request.query.enregistre === '1'))
  })

  app.post('/cours/synthese/:contextId/parametres', {
    config: { access: allow('course.teach', course) },
    onRequest: sameOrigin,
    schema: {
      operationId: 'updateSynthesisSettingsFromPage',
      tags,
      summary: 'Instructors save the settings (form); refused values come back in the form with the reasons, nothing saved',
      params: courseParams,
      querystring: langQuery,
      body: settingsBody,
      produces: ['text/html'],
      response: { ...page, 303: z.null() }
    }
  }, async (request, reply) => {
    const { contextId } = request.params
    const personId = personOf(request)
    await grading.assertInstructor(personId, contextId)
    const locale: Locale = request.locale
    const zone = await grading.timezone(contextId)
    const typed: SettingsValues = { ...request.body, acceptLate: request.body.acceptLate !== undefined }
    const refuse = async (problems: Bilingual[]): Promise<never> => {
      reply.header('cache-control', 'no-store')
      return await reply.code(400).type(html).send(await settingsView(request, contextId, typed, problems.map(p => p[locale]), false)) as never
    }
    const { settings, problems } = settingsOf(request.body, zone, (await grading.assignment(contextId)).maxPoints)
    if (problems.length > 0) return await refuse(problems)
    try {
      await grading.updateSettings(personId, contextId, settings)
    } catch (err) {
      if (err instanceof AppError && err.statusCode === 400) return await refuse([err.text])
      throw err
    }
    return await reply.redirect(`${base(contextId)}/parametres?enregistre=1&lang=${locale}`, 303)
  })
}
