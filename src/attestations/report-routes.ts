import type { FastifyReply, FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod'
import { z } from 'zod'
import { allow, eventParam } from '../access/declare.js'
import { errorResponses, langQuery } from '../http/schemas.js'
import { reportsPage } from './report-pages.js'
import {
  attestationsCsv, attestationsPdf, participantAttendanceCsv, participantAttendancePdf,
  reportFilename, sessionAttendanceCsv, sessionAttendancePdf, type ReportEvent, type ReportService
} from './reports.js'

type Locale = 'fr' | 'en'
type Format = 'csv' | 'pdf'

const eventParams = z.object({ eventId: z.uuid({ error: 'eventId must be a UUID' }) })

/**
 * Organizer reports of an event: a page linking to each report as CSV (Excel) and PDF
 * (printing), and the CSV through the API.
 */
export const reportRoutes: FastifyPluginAsyncZod<{ reports: ReportService }> = async (app, { reports }) => {
  const personOf = (request: FastifyRequest): string => request.auth?.personId ?? ''

  /** One report: how it is read, then written in each format. */
  interface Definition {
    name: 'sessions' | 'participants' | 'attestations'
    file: string
    api: string
    summary: string
    operationIds: { csv: string, pdf: string, api: string }
    write: (actorId: string, eventId: string, locale: Locale, format: Format) => Promise<{ event: ReportEvent, body: string | Buffer }>
  }

  const definitions: Definition[] = [
    {
      name: 'sessions',
      file: 'presences-seances',
      api: 'session-attendance',
      summary: 'attendance per session (session, slot start in the event\'s time zone, room, present, late, excused absences of the slot, capacity)',
      operationIds: { csv: 'sessionAttendanceReportCsv', pdf: 'sessionAttendanceReportPdf', api: 'sessionAttendanceReport' },
      write: async (actorId, eventId, locale, format) => {
        const report = await reports.sessionAttendance(actorId, eventId, locale)
        return {
          event: report.event,
          body: format === 'csv' ? sessionAttendanceCsv(report, locale) : await sessionAttendancePdf(report, locale, await reports.fonts())
        }
      }
    },
    {
      name: 'participants',
      file: 'presences-participants',
      api: 'participant-attendance',
      summary: 'attendance per participant (name, email, credited, hours attended, share of the total, eligible for the attestation, then one column per slot)',
      operationIds: { csv: 'participantAttendanceReportCsv', pdf: 'participantAttendanceReportPdf', api: 'participantAttendanceReport' },
      write: async (actorId, eventId, locale, format) => {
        const report = await reports.participantAttendance(actorId, eventId, locale)
        return {
          event: report.event,
          body: format === 'csv' ? participantAttendanceCsv(report, locale) : await participantAttendancePdf(report, locale, await reports.fonts())
        }
      }
    },
    {
      name: 'attestations',
      file: 'attestations',
      api: 'attestations',
      summary: 'attestations issued and revoked (code, name, language, hours, CEU, status, issued at and by, revoked at, reason, superseded by)',
      operationIds: { csv: 'attestationsReportCsv', pdf: 'attestationsReportPdf', api: 'attestationsReport' },
      write: async (actorId, eventId, locale, format) => {
        const report = await reports.attestations(actorId, eventId, locale)
        return { event: report.event, body: format === 'csv' ? attestationsCsv(report, locale) : await attestationsPdf(report, locale, await reports.fonts()) }
      }
    }
  ]

  const send = async (
    reply: FastifyReply,
    definition: Definition,
    written: { event: ReportEvent, body: string | Buffer },
    locale: Locale,
    format: Format
  ): Promise<FastifyReply> =>
    await reply.type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/pdf')
      .header('content-disposition', `attachment; filename="${reportFilename(definition.name, written.event.key, locale, format)}"`)
      .header('cache-control', 'private, no-store')
      .send(written.body)

  const access = allow('reports.read', eventParam())

  app.get('/organisateurs/rapports/:eventId', {
    config: { personalData: 'reports', access },
    schema: {
      operationId: 'eventReportsPage',
      tags: ['pages'],
      summary: 'The reports of an event (organizers): attendance per session and per participant, attestations; each as CSV and PDF',
      params: eventParams,
      querystring: langQuery,
      produces: ['text/html'],
      response: { 200: z.string(), ...errorResponses }
    }
  }, async (request, reply) => {
    // The smallest report checks the organizer and gives the event's title and time zone.
    const { event } = await reports.attestations(personOf(request), request.params.eventId, request.locale)
    reply.header('cache-control', 'no-store')
    return await reply.type('text/html; charset=utf-8').send(reportsPage(request.locale, {
      eventId: event.id,
      title: event.title,
      timezone: event.timezone
    }, request.url))
  })

  for (const definition of definitions) {
    for (const format of ['csv', 'pdf'] as const) {
      app.get(`/organisateurs/rapports/:eventId/${definition.file}.${format}`, {
        config: { personalData: 'reports', access },
        schema: {
          operationId: definition.operationIds[format],
          tags: ['pages'],
          summary: `Report: ${definition.summary}, as ${format === 'csv' ? 'CSV for Excel (UTF-8 with BOM, semicolons)' : 'a printable PDF'}`,
          params: eventParams,
          querystring: langQuery,
          produces: [format === 'csv' ? 'text/csv' : 'application/pdf'],
          response: { 200: format === 'csv' ? z.string() : z.any().describe('application/pdf'), ...errorResponses }
        }
      }, async (request, reply) => {
        const written = await definition.write(personOf(request), request.params.eventId, request.locale, format)
        return await send(reply, definition, written, request.locale, format)
      })
    }

    app.get(`/api/v1/events/:eventId/reports/${definition.api}`, {
      config: { personalData: 'reports', access },
      schema: {
        operationId: definition.operationIds.api,
        tags: ['reports'],
        summary: `Report (organizers): ${definition.summary}, as CSV (UTF-8 with BOM, semicolons); headers in the language of ?lang`,
        security: [{ bearer: [] }],
        params: eventParams,
        querystring: langQuery,
        produces: ['text/csv'],
        response: { 200: z.string(), ...errorResponses }
      }
    }, async (request, reply) => {
      const written = await definition.write(personOf(request), request.params.eventId, request.locale, 'csv')
      return await send(reply, definition, written, request.locale, 'csv')
    })
  }
}
