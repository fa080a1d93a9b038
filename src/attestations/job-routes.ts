import type { FastifyReply, FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod'
import { html } from 'ghtml'
import { z } from 'zod'
import { allow, eventParam, param } from '../access/declare.js'
import type { Resource } from '../access/policy.js'
import { errorResponses, langQuery } from '../http/schemas.js'
import { assertSameOrigin } from '../http/same-origin.js'
import { colon, intlLocale, t, type Locale, type TextKey } from '../views/i18n.js'
import { layout } from '../views/layout.js'
import { organizerBreadcrumbs } from '../views/organizer-nav.js'
import type { AttestationJobs, JobView } from './jobs.js'
import type { EventSummary } from '../program/service.js'

const bearer = [{ bearer: [] }]
const tags = ['attestations']
const uuid = (what: string) => z.uuid({ error: `${what} must be a UUID` })
const eventParams = z.object({ eventId: uuid('eventId') })
const jobParams = z.object({ jobId: uuid('jobId') })

const jobSchema = z.object({
  id: z.uuid(),
  eventId: z.uuid(),
  status: z.enum(['queued', 'running', 'done', 'failed']),
  total: z.number().int().describe('People to issue (known once the job has started)'),
  done: z.number().int().describe('People processed so far'),
  issued: z.number().int().describe('Attestations issued by this job'),
  failed: z.number().int().describe('Attestations that could not be made'),
  error: z.string().nullable().describe('Why the job failed, or which attestations could not be made (English)'),
  errorFr: z.string().nullable().describe('Le même message en français'),
  zipUrl: z.string().nullable().describe('Download of every valid attestation of the event, once done'),
  createdAt: z.date(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable()
}).meta({ id: 'AttestationJob' })

const apiView = (job: JobView): z.infer<typeof jobSchema> => ({
  id: job.id,
  eventId: job.eventId,
  status: job.status,
  total: job.total,
  done: job.done,
  issued: job.issued,
  failed: job.failed,
  error: job.error?.en ?? null,
  errorFr: job.error?.fr ?? null,
  zipUrl: job.status === 'done' && job.zipFileId !== null ? `/api/v1/attestation-jobs/${job.id}/zip` : null,
  createdAt: job.createdAt,
  startedAt: job.startedAt,
  finishedAt: job.finishedAt
})

const job = (request: FastifyRequest): Resource => ({ kind: 'attestation-job', jobId: param(request, 'jobId') })

const progressPath = (jobId: string): string => `/organisateurs/attestations/generation/${jobId}`

/**
 * Bulk generation of attestations (a background job): start it, follow it, download the ZIP.
 * API under /api/v1 (bearer) and the organizers' progress page (cookie session). The worker
 * runs as a background job (src/jobs.ts).
 */
export const attestationJobRoutes: FastifyPluginAsyncZod<{ jobs: AttestationJobs }> = async (app, { jobs }) => {
  const personOf = (request: FastifyRequest): string => request.auth?.personId ?? ''
  const sameOrigin = async (request: FastifyRequest): Promise<void> => { assertSameOrigin(request) }

  app.post('/api/v1/events/:eventId/attestation-jobs', {
    config: { access: allow('attestations.manage', eventParam()) },
    schema: {
      operationId: 'startAttestationJob',
      tags,
      security: bearer,
      summary: 'Organizers: issues an attestation to everyone eligible without one, in the background, ' +
        'then makes a ZIP of all the event\'s valid attestations. Answers the job already queued or running for the event, if any',
      params: eventParams,
      response: { 202: jobSchema, ...errorResponses }
    }
  }, async (request, reply) => await reply.code(202).send(apiView(await jobs.start(personOf(request), request.params.eventId))))

  app.get('/api/v1/attestation-jobs/:jobId', {
    config: { access: allow('attestations.manage', job) },
    schema: {
      operationId: 'getAttestationJob',
      tags,
      security: bearer,
      summary: 'Progress of a bulk generation (organizers of its event)',
      params: jobParams,
      response: { 200: jobSchema, ...errorResponses }
    }
  }, async (request, reply) => {
    reply.header('cache-control', 'no-store')
    return apiView(await jobs.get(personOf(request), request.params.jobId))
  })

  app.get('/api/v1/attestation-jobs/:jobId/zip', {
    config: { personalData: 'attestation_file', access: allow('attestations.manage', job) },
    schema: {
      operationId: 'getAttestationJobZip',
      tags,
      security: bearer,
      summary: 'The ZIP of every valid attestation of the event (404 until the job is done)',
      params: jobParams,
      produces: ['application/zip'],
      response: { 200: z.any(), ...errorResponses }
    }
  }, async (request, reply) => await sendZip(reply, await jobs.zip(personOf(request), request.params.jobId)))

  // ---------- pages ----------

  app.post('/organisateurs/attestations/:eventId/generation', {
    config: { access: allow('attestations.manage', eventParam()) },
    onRequest: [sameOrigin],
    schema: {
      operationId: 'startAttestationJobFromPage',
      tags: ['pages'],
      summary: 'Starts the bulk generation from the organizers\' page, then shows its progress',
      params: eventParams,
      querystring: langQuery,
      response: { 303: z.null(), ...errorResponses }
    }
  }, async (request, reply) => {
    const job = await jobs.start(personOf(request), request.params.eventId)
    return await reply.redirect(`${progressPath(job.id)}?lang=${request.locale}`, 303)
  })

  app.get('/organisateurs/attestations/generation/:jobId', {
    config: { access: allow('attestations.manage', job) },
    schema: {
      operationId: 'attestationJobPage',
      tags: ['pages'],
      summary: 'Progress of a bulk generation, refreshed every 2 s while it runs (`?auto=0` stops that), with the ZIP once done',
      params: jobParams,
      querystring: langQuery.extend({ auto: z.enum(['0', '1']).optional() }),
      produces: ['text/html'],
      response: { 200: z.string(), ...errorResponses }
    }
  }, async (request, reply) => {
    const { job, event } = await jobs.withEvent(personOf(request), request.params.jobId)
    const auto = request.query.auto !== '0'
    const live = job.status === 'queued' || job.status === 'running'
    // An HTTP Refresh rather than <meta http-equiv="refresh">: axe counts the meta as a critical
    // violation (timing, WCAG 2.2.1), and the page offers to stop it (?auto=0). No script (CSP).
    if (live && auto) reply.header('refresh', '2')
    reply.header('cache-control', 'no-store')
    return await reply.type('text/html; charset=utf-8').send(progressPage(request.locale, job, event, auto, request.url))
  })

  app.get('/organisateurs/attestations/generation/:jobId/zip', {
    config: { personalData: 'attestation_file', access: allow('attestations.manage', job) },
    schema: {
      operationId: 'attestationJobZipFromPage',
      tags: ['pages'],
      summary: 'The ZIP of a finished bulk generation, from the progress page',
      params: jobParams,
      querystring: langQuery,
      produces: ['application/zip'],
      response: { 200: z.any(), ...errorResponses }
    }
  }, async (request, reply) => await sendZip(reply, await jobs.zip(personOf(request), request.params.jobId)))
}

async function sendZip (reply: FastifyReply, file: { filename: string, size: number, sha256: string, stream: NodeJS.ReadableStream }): Promise<FastifyReply> {
  return await reply.type('application/zip')
    .header('content-length', file.size)
    .header('content-disposition', `attachment; filename="${file.filename}"`)
    .header('x-content-sha256', file.sha256)
    // People's attestations: never kept by shared caches.
    .header('cache-control', 'private, no-store')
    .send(file.stream)
}

const STATUS_TEXT = {
  queued: 'attestations.jobQueued',
  running: 'attestations.jobRunning',
  done: 'attestations.jobDone',
  failed: 'attestations.jobFailedStatus'
} as const satisfies Record<JobView['status'], TextKey>

function progressPage (locale: Locale, job: JobView, event: EventSummary, auto: boolean, url: string): string {
  const title = t(locale, 'attestations.jobTitle')
  const live = job.status === 'queued' || job.status === 'running'
  const n = (value: number): string => value.toLocaleString(intlLocale[locale])
  const self = progressPath(job.id)
  const body = html`
!${organizerBreadcrumbs(locale, event.id, 'attestations')}
<h1>${title}</h1>
<p class="lead">${event.title[locale]}</p>
<p><strong>${t(locale, 'attestations.colStatus')}${colon(locale)}</strong> ${t(locale, STATUS_TEXT[job.status])}</p>
!${job.total > 0 || job.status === 'done'
  ? html`<p><label for="progress">${t(locale, 'attestations.jobProgress')}</label>
<progress id="progress" max="${job.total}" value="${job.done}">${n(job.done)} / ${n(job.total)}</progress>
${t(locale, 'attestations.jobProgressCount', { done: job.done, total: job.total })}</p>`
  : html`<p>${t(locale, 'attestations.jobFinding')}</p>`}
<ul class="facts">
  <li>${t(locale, 'attestations.jobIssued')}${colon(locale)} ${n(job.issued)}</li>
  !${job.failed > 0 ? html`<li>${t(locale, 'attestations.jobNotMade')}${colon(locale)} ${n(job.failed)}</li>` : ''}
</ul>
!${job.error !== null ? html`<div class="${job.status === 'failed' ? 'error-box' : 'notice'}" role="status"><p>${job.error[locale]}</p></div>` : ''}
!${job.status === 'done'
  ? html`<p><a href="${self}/zip?lang=${locale}" download>${t(locale, 'attestations.jobDownloadZip')}</a></p>`
  : ''}
!${live
  ? html`<p class="muted">${t(locale, auto ? 'attestations.jobAutoOn' : 'attestations.jobAutoOff')}
  <a href="${self}?lang=${locale}&amp;auto=${auto ? '0' : '1'}">${t(locale, auto ? 'attestations.jobAutoStop' : 'attestations.jobAutoResume')}</a>
  · <a href="${self}?lang=${locale}&amp;auto=0">${t(locale, 'attestations.jobRefresh')}</a></p>`
  : ''}
!${job.status === 'done' || job.status === 'failed'
  ? html`<form method="post" action="/organisateurs/attestations/${event.id}/generation?lang=${locale}">` +
    html`<button type="submit">${t(locale, 'attestations.jobRestart')}</button></form>
<p class="muted">${t(locale, 'attestations.jobRestartHelp')}</p>`
  : ''}`
  return layout({ locale, title, body, path: url })
}
