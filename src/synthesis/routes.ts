import type { FastifyReply, FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod'
import multipart from '@fastify/multipart'
import { z } from 'zod'
import { allow, courseParam, param } from '../access/declare.js'
import type { Resource } from '../access/policy.js'
import { AppError } from '../errors.js'
import { bilingual } from '../views/i18n.js'
import { errorResponses, errorSchema, langQuery } from '../http/schemas.js'
import { drainRequest } from '../http/drain.js'
import { previewPage } from './preview.js'
import type { PreviewPool } from './preview-pool.js'
import type { HandInLimits, HandInPart, HandInService } from './hand-in.js'
import type { GradingService } from './grading.js'
import type { Version } from './assignment.js'
import { assignmentSchema, assignmentSettingsSchema, gradeInputSchema, gradeSchema, receiptSchema, studentStatusSchema, windowSchema } from './schemas.js'
import type { GradeRow } from './repository.js'

const uuid = (what: string) => z.uuid({ error: `${what} must be a UUID` })
const courseParams = z.object({ contextId: uuid('contextId') })
const studentParams = courseParams.extend({ personId: uuid('personId') })
const fileParams = courseParams.extend({
  submissionId: uuid('submissionId'),
  position: z.coerce.number({ error: 'position must be a number' }).int().min(0).max(100)
})
const uploadErrors = { ...errorResponses, 413: errorSchema, 415: errorSchema }
const bearer = [{ bearer: [] }]

const versionSchema = receiptSchema.extend({ textBody: z.string().nullable() }).meta({ id: 'SynthesisVersion' })
const gradeJson = (g: GradeRow, maxPoints: number): z.infer<typeof gradeSchema> => ({
  score: g.score, maxPoints, rubricLevels: g.rubric_levels, feedback: g.feedback, state: g.state, updatedAt: g.updated_at, publishedAt: g.published_at
})

/** `request.parts()` as the service's parts: fields as text, files as streams (never buffered). */
export function handInParts (request: FastifyRequest): (limits: HandInLimits) => AsyncIterable<HandInPart> {
  return limits => (async function * () {
    for await (const part of request.parts({ limits })) {
      if (part.type === 'file') {
        // A form's file input with no file chosen still sends a part: no name, no bytes. Not a file.
        if (part.filename === '') { part.file.resume(); continue }
        yield { type: 'file', name: part.fieldname, filename: part.filename, stream: part.file }
      } else yield { type: 'field', name: part.fieldname, value: typeof part.value === 'string' ? part.value : String(part.value) }
    }
  })()
}

/** Sends a stored file: PDFs open in the browser, other kinds download; the bytes are checked as they stream. */
export async function sendFile (reply: FastifyReply, file: {
  filename: string
  mediaType: string
  size: number
  sha256: string
  stream: NodeJS.ReadableStream
}, download: boolean): Promise<FastifyReply> {
  const inline = !download && file.mediaType === 'application/pdf'
  const ascii = file.filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_')
  return await reply
    .type(file.mediaType)
    .header('content-length', file.size)
    .header('content-disposition', `${inline ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`)
    .header('x-content-sha256', file.sha256)
    // Someone's document: never kept by shared caches.
    .header('cache-control', 'private, no-store')
    .send(file.stream)
}

export interface SynthesisRoutesOptions { handIn: HandInService, grading: GradingService, previews: PreviewPool }

/** The synthesis API under /api/v1 (bearer tokens). Pages are in page-routes.ts. */
export const synthesisRoutes: FastifyPluginAsyncZod<SynthesisRoutesOptions> = async (app, { handIn, grading, previews }) => {
  await app.register(multipart)
  const personOf = (request: FastifyRequest): string => request.auth?.personId ?? ''
  const tags = ['synthesis']
  const course = courseParam()
  // Named through its course: through another course a hand-in is not found (the service answers 404), not refused.
  const submission = (request: FastifyRequest): Resource => ({
    kind: 'submission',
    contextId: param(request, 'contextId'),
    submissionId: param(request, 'submissionId')
  })

  app.get('/api/v1/courses/:contextId/synthesis', {
    config: { access: allow('synthesis.view', course) },
    schema: {
      operationId: 'getSynthesis',
      tags,
      security: bearer,
      summary: 'The course\'s synthesis assignment, and the caller\'s window when they are a student',
      params: courseParams,
      response: { 200: z.object({ assignment: assignmentSchema, window: windowSchema.nullable() }), ...errorResponses }
    }
  }, async request => {
    const view = await handIn.overview(personOf(request), request.params.contextId)
    return { assignment: view.assignment, window: view.window }
  })

  app.patch('/api/v1/courses/:contextId/synthesis', {
    config: { access: allow('course.teach', course) },
    schema: {
      operationId: 'updateSynthesisSettings',
      tags,
      security: bearer,
      summary: 'Instructors set instructions, times, grace, late work, points, file rules and the rubric',
      params: courseParams,
      body: assignmentSettingsSchema,
      response: { 200: assignmentSchema, ...errorResponses }
    }
  }, async request => await grading.updateSettings(personOf(request), request.params.contextId, request.body))

  app.put('/api/v1/courses/:contextId/synthesis/extensions/:personId', {
    config: { access: allow('course.teach', course) },
    schema: {
      operationId: 'grantSynthesisExtension',
      tags,
      security: bearer,
      summary: 'An instructor gives one student a later due time (accommodation)',
      params: studentParams,
      body: z.object({ dueAt: z.coerce.date({ error: 'dueAt must be a date and time (ISO 8601)' }), reason: z.string().trim().max(500).optional() }).strict(),
      response: { 204: z.null(), ...errorResponses }
    }
  }, async (request, reply) => {
    await grading.grantExtension(personOf(request), request.params.contextId, request.params.personId, request.body.dueAt, request.body.reason ?? null)
    return await reply.code(204).send(null)
  })

  app.delete('/api/v1/courses/:contextId/synthesis/extensions/:personId', {
    config: { access: allow('course.teach', course) },
    schema: {
      operationId: 'removeSynthesisExtension',
      tags,
      security: bearer,
      summary: 'Removes a student\'s extension',
      params: studentParams,
      response: { 204: z.null(), ...errorResponses }
    }
  }, async (request, reply) => {
    await grading.grantExtension(personOf(request), request.params.contextId, request.params.personId, null, null)
    return await reply.code(204).send(null)
  })

  app.get('/api/v1/courses/:contextId/synthesis/draft', {
    config: { access: allow('synthesis.hand-in', course) },
    schema: {
      operationId: 'getSynthesisDraft',
      tags,
      security: bearer,
      summary: 'The student\'s saved draft text',
      params: courseParams,
      response: { 200: z.object({ text: z.string(), savedAt: z.date() }).nullable(), ...errorResponses }
    }
  }, async request => await handIn.draft(personOf(request), request.params.contextId))

  app.put('/api/v1/courses/:contextId/synthesis/draft', {
    config: { access: allow('synthesis.hand-in', course) },
    bodyLimit: 512 * 1024,
    schema: {
      operationId: 'saveSynthesisDraft',
      tags,
      security: bearer,
      summary: 'Saves the student\'s draft text (autosave)',
      params: courseParams,
      body: z.object({ text: z.string({ error: 'text must be a string' }).max(100_000, 'the text is longer than 100000 characters') }).strict(),
      response: { 200: z.object({ savedAt: z.date() }), ...errorResponses, 413: errorSchema }
    }
  }, async request => await handIn.saveDraft(personOf(request), request.params.contextId, request.body.text))

  app.post('/api/v1/courses/:contextId/synthesis/submissions', {
    config: { access: allow('synthesis.hand-in', course) },
    schema: {
      operationId: 'submitSynthesis',
      tags,
      security: bearer,
      summary: 'Hands in a new version: multipart fields `text`, files `files` (PDF, DOCX, ' +
        'ODT), `keep` = positions of the previous version\'s files to carry over',
      params: courseParams,
      consumes: ['multipart/form-data'],
      response: { 201: receiptSchema, ...uploadErrors }
    }
  }, async (request, reply) => {
    try {
      const receipt = await handIn.handIn(personOf(request), request.params.contextId, handInParts(request))
      return await reply.code(201).send(receipt)
    } catch (err) {
      await drainRequest(request.raw)
      throw err
    }
  })

  app.get('/api/v1/courses/:contextId/synthesis/submissions/mine', {
    config: { access: allow('synthesis.hand-in', course) },
    schema: {
      operationId: 'mySynthesis',
      tags,
      security: bearer,
      summary: 'The student\'s versions (newest first), window, draft and published grade',
      params: courseParams,
      response: {
        200: z.object({
          window: windowSchema,
          versions: z.array(versionSchema),
          grade: gradeSchema.nullable(),
          draft: z.object({ text: z.string(), savedAt: z.date() }).nullable()
        }),
        ...errorResponses
      }
    }
  }, async request => {
    const mine = await handIn.mine(personOf(request), request.params.contextId)
    return {
      window: mine.window,
      versions: mine.versions,
      grade: mine.grade === null ? null : gradeJson(mine.grade, mine.assignment.maxPoints),
      draft: mine.draft
    }
  })

  app.get('/api/v1/courses/:contextId/synthesis/submissions/:submissionId/files/:position', {
    // Linked from pages: the browser's session cookie is enough.
    config: { personalData: 'submission_file', access: allow('synthesis.read-file', submission, 'page') },
    schema: {
      operationId: 'getSynthesisFile',
      tags,
      security: bearer,
      summary: 'A file of a hand-in (its author or the course\'s instructors); `?telecharger=1` forces a download',
      params: fileParams,
      querystring: z.object({ telecharger: z.enum(['1']).optional(), lang: z.enum(['fr', 'en']).optional() }),
      produces: ['application/pdf', 'application/octet-stream'],
      response: { 200: z.any(), ...errorResponses }
    }
  }, async (request, reply) => {
    const file = await handIn.file(personOf(request), request.params.contextId, request.params.submissionId, request.params.position)
    return await sendFile(reply, file, request.query.telecharger === '1')
  })

  app.get('/cours/synthese/:contextId/apercu/:submissionId/:position', {
    config: { personalData: 'submission_file', access: allow('synthesis.read-file', submission) },
    schema: {
      operationId: 'previewSynthesisFile',
      tags: ['pages'],
      summary: 'A Word (DOCX) file of a hand-in shown as a page (its author or the course\'s instructors); PDFs open in the ' +
        'browser\'s viewer. A file too large or too complex to preview gets a page saying so, with the download link',
      params: fileParams,
      querystring: langQuery,
      produces: ['text/html'],
      response: { 200: z.string(), ...uploadErrors, 503: errorSchema }
    }
  }, async (request, reply) => {
    const { contextId, submissionId, position } = request.params
    const file = await handIn.file(personOf(request), contextId, submissionId, position)
    const fileHref = `/api/v1/courses/${contextId}/synthesis/submissions/${submissionId}/files/${position}`
    if (file.mediaType === 'application/pdf') {
      file.stream.destroy()
      return await reply.redirect(fileHref, 303)
    }
    if (file.mediaType !== 'application/vnd.openxmlformats-officedocument.wordprocessingml.document') {
      file.stream.destroy()
      throw new AppError('unsupported_media_type', bilingual('synthesis.previewNotSupported'))
    }
    // Bounded and cached per content (preview-pool.ts): the bytes are read only when not cached.
    const outcome = await previews.preview(file.sha256, async () => {
      const chunks: Buffer[] = []
      for await (const chunk of file.stream) chunks.push(chunk as Buffer)
      return Buffer.concat(chunks)
    }).finally(() => { file.stream.destroy() })
    reply.header('cache-control', 'private, no-store')
    return await reply.type('text/html; charset=utf-8').send(previewPage(request.locale, {
      filename: file.filename,
      outcome,
      downloadHref: `${fileHref}?telecharger=1`,
      backHref: `/cours/synthese/${contextId}?lang=${request.locale}`
    }, request.url))
  })

  app.get('/api/v1/courses/:contextId/synthesis/students', {
    config: { personalData: 'submissions', access: allow('course.teach', course) },
    schema: {
      operationId: 'listSynthesisStudents',
      tags,
      security: bearer,
      summary: 'Every student of the course (LMS roster) with hand-in and grading status',
      params: courseParams,
      response: {
        200: z.object({
          students: z.array(z.object({
            personId: z.uuid(),
            name: z.string(),
            email: z.string().nullable(),
            status: studentStatusSchema,
            latest: z.object({ submissionId: z.uuid(), version: z.number().int(), submittedAt: z.date(), late: z.boolean() }).nullable(),
            grade: z.object({ score: z.number().nullable(), state: z.enum(['draft', 'published']) }).nullable(),
            extensionDueAt: z.date().nullable()
          }))
        }),
        ...errorResponses
      }
    }
  }, async request => ({ students: (await grading.roster(personOf(request), request.params.contextId)).students }))

  app.get('/api/v1/courses/:contextId/synthesis/students/:personId', {
    config: { personalData: 'submission', access: allow('course.teach', course) },
    schema: {
      operationId: 'getSynthesisStudentWork',
      tags,
      security: bearer,
      summary: 'One student\'s versions, grade and grading history',
      params: studentParams,
      response: {
        200: z.object({
          student: z.object({ personId: z.uuid(), name: z.string(), email: z.string().nullable() }),
          window: windowSchema,
          versions: z.array(versionSchema),
          grade: gradeSchema.nullable(),
          history: z.array(z.object({ action: z.string(), before: z.unknown(), after: z.unknown(), changedAt: z.date(), changedBy: z.string().nullable() }))
        }),
        ...errorResponses
      }
    }
  }, async request => {
    const work = await grading.studentWork(personOf(request), request.params.contextId, request.params.personId)
    return {
      student: work.student,
      window: work.window,
      versions: work.versions satisfies Version[],
      grade: work.grade === null ? null : gradeJson(work.grade, work.assignment.maxPoints),
      history: work.history.map(h => ({ action: h.action, before: h.before, after: h.after, changedAt: h.changed_at, changedBy: h.changed_by_name }))
    }
  })

  app.put('/api/v1/courses/:contextId/synthesis/students/:personId/grade', {
    config: { access: allow('course.teach', course) },
    schema: {
      operationId: 'gradeSynthesis',
      tags,
      security: bearer,
      summary: 'Saves a grade as draft, or publishes it (`publish: true` sends it to the LMS); a later publish is a regrade',
      params: studentParams,
      body: gradeInputSchema,
      response: { 200: gradeSchema, ...errorResponses }
    }
  }, async request => {
    const grade = await grading.grade(personOf(request), request.params.contextId, request.params.personId, request.body)
    return gradeJson(grade, (await grading.assignment(request.params.contextId)).maxPoints)
  })

  app.post('/api/v1/courses/:contextId/synthesis/publications', {
    config: { access: allow('course.teach', course) },
    schema: {
      operationId: 'publishSynthesisGrades',
      tags,
      security: bearer,
      summary: 'Publishes the saved draft grades of several students at once',
      params: courseParams,
      body: z.object({ personIds: z.array(uuid('personIds[]')).min(1).max(1000) }).strict(),
      response: { 200: z.object({ published: z.number().int(), skipped: z.array(z.object({ personId: z.string(), reason: z.string() })) }), ...errorResponses }
    }
  }, async request => await grading.publishMany(personOf(request), request.params.contextId, request.body.personIds))
}
