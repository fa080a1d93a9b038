import type { FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod'
import { DateTime } from 'luxon'
import { z } from 'zod'
import { forbidden, notFound } from '../errors.js'
import { errorResponses, langQuery } from '../http/schemas.js'
import { excelCsv } from '../http/csv.js'
import { assertSameOrigin } from '../http/same-origin.js'
import { allow, body, courseParam, eventParam, param, query, signedIn } from '../access/declare.js'
import type { LtiService } from '../lti/service.js'
import type { ProgramService } from '../program/service.js'
import type { AttendanceBook, Grid, Who } from './book.js'
import { organizerCrumbs } from '../views/organizer-nav.js'
import { coursesCrumb } from '../views/breadcrumbs.js'
import { correctionPage, gridPage, hoursSummaryBlock, myAttendancePage, STATUS_TEXT, type GridBack } from './book-pages.js'
import { attendanceCharts } from './book-charts.js'
import type { AttendanceGrades } from './grades.js'
import { bilingual, formatDay, formatTime, intlLocale, t, type Locale } from '../views/i18n.js'

const html = 'text/html; charset=utf-8'
const whoSchema = z.enum(['all', 'credited', 'non_credit'], { error: 'qui must be all, credited or non_credit' }).default('all')
const statusSchema = z.enum(['present', 'late', 'excused', 'absent'], { error: 'status must be present, late, excused or absent' })
const uuid = (what: string) => z.uuid({ error: `${what} must be a UUID` })

const gridSchema = z.object({
  eventId: z.uuid(),
  slots: z.array(z.object({
    id: z.uuid(),
    key: z.string(),
    startsAt: z.date(),
    endsAt: z.date(),
    hours: z.number(),
    held: z.boolean(),
    sessions: z.array(z.object({ id: z.uuid(), title: z.string() }))
  })),
  people: z.array(z.object({
    personId: z.uuid(),
    name: z.string(),
    email: z.string().nullable(),
    credited: z.boolean(),
    hoursAttended: z.number(),
    grade: z.number().nullable(),
    cells: z.array(z.object({
      slotId: z.uuid(),
      status: statusSchema.nullable(),
      sessionId: z.uuid().nullable(),
      excuse: z.enum(['pending', 'accepted', 'refused']).nullable(),
      completedLateAt: z.date().nullable()
        .describe('When a room-code scan made before signing in was completed after the code\'s validity (within its 2-min grace); null otherwise')
    }))
  }))
}).meta({ id: 'AttendanceGrid' })

const toJson = (grid: Grid): z.infer<typeof gridSchema> => ({
  eventId: grid.eventId,
  slots: grid.slots,
  people: grid.rows.map(r => ({
    personId: r.personId,
    name: r.name,
    email: r.email,
    credited: r.credited,
    hoursAttended: r.hoursAttended,
    grade: r.grade,
    cells: r.cells.map((c, i) => ({
      slotId: grid.slots[i]?.id ?? '',
      status: c.status,
      sessionId: c.sessionId,
      excuse: c.excuse,
      completedLateAt: c.completedLateAt
    }))
  }))
})

/** The grid for Excel (src/http/csv.ts). */
function gridCsv (grid: Grid, locale: Locale): string {
  const slotHeader = (d: Date): string => DateTime.fromJSDate(d, { zone: grid.timezone }).toFormat('yyyy-LL-dd HH:mm')
  // Numbers as Excel reads them in the reader's language (decimal comma in French), without grouping.
  const decimal = new Intl.NumberFormat(intlLocale[locale], { maximumFractionDigits: 2, useGrouping: false })
  const rows = grid.rows.map(r => [r.name, r.email ?? '', t(locale, r.credited ? 'attendance.csvYes' : 'attendance.csvNo'),
    ...r.cells.map(c => c.status === null ? '' : t(locale, STATUS_TEXT[c.status])), decimal.format(r.hoursAttended),
    r.grade === null ? '' : decimal.format(r.grade * 100)])
  const header = [
    t(locale, 'common.name'),
    t(locale, 'common.email'),
    t(locale, 'attendance.csvCredited'),
    ...grid.slots.map(s => slotHeader(s.startsAt)),
    t(locale, 'attendance.csvHours'),
    t(locale, 'attendance.csvGrade')
  ]
  return excelCsv(header, rows)
}

/** "mardi 21 octobre à 13 h 30" / "Tuesday, October 21 at 1:30 p.m." in the event's time zone. */
const dayAtTime = (at: Date, zone: string, locale: Locale): string =>
  t(locale, 'attendance.dayAtTime', { day: formatDay(at.toISOString(), locale, zone), time: formatTime(at.toISOString(), locale, zone) })

/**
 * The hours block of /moi (a PeopleService.myPageSections entry, added right after the
 * attendance section so it reads as its part): hours done against the attestation threshold,
 * with the progress bar, for people who attend an event's counted slots; nothing otherwise.
 */
export const myHoursSection = (book: Pick<AttendanceBook, 'mySummary'>) =>
  async ({ personId, locale }: { personId: string, locale: Locale }): Promise<string | null> => {
    const summary = await book.mySummary(personId)
    return summary === null ? null : hoursSummaryBlock(locale, summary, { level: 3, id: 'my-hours' })
  }

export interface BookRoutesOptions { book: AttendanceBook, grades: AttendanceGrades, lti: LtiService, program: ProgramService }

/** The attendance register for instructors and organizers, and each participant's own view. */
export const bookRoutes: FastifyPluginAsyncZod<BookRoutesOptions> = async (app, { book, grades, lti, program }) => {
  const personOf = (request: FastifyRequest): string => request.auth?.personId ?? ''

  /** A course the person teaches in the LMS, tied to its event. */
  const taughtCourse = async (personId: string, contextId: string): Promise<{ id: string, title: string, eventId: string }> => {
    const course = (await lti.taughtCourses(personId)).find(c => c.id === contextId)
    if (course === undefined) throw forbidden(bilingual('attendance.courseInstructorsOnly'))
    const eventId = await lti.courseEvent(contextId)
    if (eventId === null) throw notFound(bilingual('attendance.courseWithoutEvent'))
    return { id: course.id, title: course.title, eventId }
  }

  const gridView = async (request: FastifyRequest, eventId: string, who: Who, contextId: string | undefined, title: string, base: string): Promise<string> => {
    const grid = await book.grid(eventId, { ...(contextId !== undefined ? { contextId } : {}), who })
    const charts = attendanceCharts(request.locale, await book.perSession(eventId), await book.hoursAgainstThreshold(grid), grid.timezone)
    // Correction links and excuse decisions only where this person may act (book.correctable).
    const may = await book.correctable(personOf(request), eventId)
    const canCorrect = (personId: string): boolean => may.all || may.people.has(personId)
    const excuses = (await book.excuses(eventId, 'pending')).filter(e => canCorrect(e.personId))
    // Back to where this person came from: a course's grid to the courses, the event's to the organizer area (instructors: their page).
    const back: GridBack = contextId !== undefined ? 'courses' : may.all ? 'organizer' : 'me'
    return gridPage(request.locale, { title, grid, who, base, back, charts, excuses, canCorrect }, request.url)
  }

  app.get('/cours/presences/:contextId', {
    config: { personalData: 'attendance', access: allow('course.teach', courseParam()) },
    schema: {
      operationId: 'courseAttendancePage',
      tags: ['pages'],
      summary: 'An instructor\'s attendance grid for a course (roster × slots), with chart and excuses',
      params: z.object({ contextId: uuid('contextId') }),
      querystring: langQuery.extend({ qui: whoSchema }),
      produces: ['text/html'],
      response: { 200: z.string(), ...errorResponses }
    }
  }, async (request, reply) => {
    const course = await taughtCourse(personOf(request), request.params.contextId)
    reply.header('cache-control', 'no-store')
    return await reply.type(html).send(await gridView(request, course.eventId, request.query.qui, course.id, course.title, `/cours/presences/${course.id}`))
  })

  app.get('/cours/presences/:contextId/export.csv', {
    config: { personalData: 'attendance', access: allow('course.teach', courseParam()) },
    schema: {
      operationId: 'courseAttendanceCsv',
      tags: ['pages'],
      summary: 'The course attendance grid as CSV for Excel',
      params: z.object({ contextId: uuid('contextId') }),
      querystring: langQuery.extend({ qui: whoSchema }),
      produces: ['text/csv'],
      response: { 200: z.string(), ...errorResponses }
    }
  }, async (request, reply) => {
    const course = await taughtCourse(personOf(request), request.params.contextId)
    const grid = await book.grid(course.eventId, { contextId: course.id, who: request.query.qui })
    return await reply.type('text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="presences.csv"').header('cache-control', 'no-store')
      .send(gridCsv(grid, request.locale))
  })

  app.post('/cours/presences/:contextId/notes', {
    config: { access: allow('course.teach', courseParam()) },
    onRequest: async (request) => { assertSameOrigin(request) },
    schema: {
      operationId: 'sendAttendanceGrades',
      tags: ['pages'],
      summary: 'Queues the attendance grades of a course for the LMS now (changed ones only)',
      params: z.object({ contextId: uuid('contextId') }),
      querystring: langQuery,
      response: { 303: z.null(), ...errorResponses }
    }
  }, async (request, reply) => {
    const course = await taughtCourse(personOf(request), request.params.contextId)
    await grades.syncCourse(course.id)
    return await reply.redirect(`/cours?lang=${request.locale}`, 303)
  })

  const eventParams = z.object({ eventId: uuid('eventId') })

  app.get('/organisateurs/presences/:eventId', {
    config: { personalData: 'attendance', access: allow('attendance.register', eventParam()) },
    schema: {
      operationId: 'eventAttendancePage',
      tags: ['pages'],
      summary: 'Attendance grid of a whole event (everyone registered), with chart and excuses',
      params: eventParams,
      querystring: langQuery.extend({ qui: whoSchema }),
      produces: ['text/html'],
      response: { 200: z.string(), ...errorResponses }
    }
  }, async (request, reply) => {
    await book.assertTeacher(personOf(request), request.params.eventId)
    reply.header('cache-control', 'no-store')
    const title = (await program.getEvent(request.params.eventId)).title[request.locale]
    return await reply.type(html).send(
      await gridView(request, request.params.eventId, request.query.qui, undefined, title, `/organisateurs/presences/${request.params.eventId}`)
    )
  })

  app.get('/organisateurs/presences/:eventId/export.csv', {
    config: { personalData: 'attendance', access: allow('attendance.register', eventParam()) },
    schema: {
      operationId: 'eventAttendanceCsv',
      tags: ['pages'],
      summary: 'The event attendance grid as CSV for Excel',
      params: eventParams,
      querystring: langQuery.extend({ qui: whoSchema }),
      produces: ['text/csv'],
      response: { 200: z.string(), ...errorResponses }
    }
  }, async (request, reply) => {
    await book.assertTeacher(personOf(request), request.params.eventId)
    const grid = await book.grid(request.params.eventId, { who: request.query.qui })
    return await reply.type('text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="presences.csv"').header('cache-control', 'no-store')
      .send(gridCsv(grid, request.locale))
  })

  /** One person in one slot (form or JSON body), and one excuse (URL): organizers and that person's course instructors. */
  const correctionAccess = allow('attendance.correct', request => ({
    kind: 'attendance',
    personId: body(request, 'personId'),
    slotId: body(request, 'slotId')
  }))
  const excuseAccess = allow('attendance.correct', request => ({ kind: 'excuse', excuseId: param(request, 'excuseId') }))

  const correctionQuery = langQuery.extend({ personne: uuid('personne'), creneau: uuid('creneau') })

  app.get('/presences/correction', {
    config: {
      personalData: 'person_attendance',
      access: allow('attendance.correct', request => ({ kind: 'attendance', personId: query(request, 'personne'), slotId: query(request, 'creneau') }))
    },
    schema: {
      operationId: 'correctionPage',
      tags: ['pages'],
      summary: 'One person in one slot: status, correction form and history',
      querystring: correctionQuery,
      produces: ['text/html'],
      response: { 200: z.string(), ...errorResponses }
    }
  }, async (request, reply) => {
    const detail = await book.cell(personOf(request), request.query.personne, request.query.creneau)
    reply.header('cache-control', 'no-store')
    return await reply.type(html).send(correctionPage(request.locale, {
      ...detail,
      slotLabel: dayAtTime(detail.startsAt, detail.timezone, request.locale),
      history: detail.history.map(h => ({ ...h, changedAt: dayAtTime(h.changedAt, detail.timezone, request.locale) })),
      back: detail.organizer ? organizerCrumbs(request.locale, detail.eventId, 'attendance') : [coursesCrumb(request.locale)]
    }, request.url))
  })

  const correctionBody = z.object({
    personId: uuid('personId'),
    slotId: uuid('slotId'),
    status: statusSchema,
    sessionId: uuid('sessionId').optional(),
    reason: z.string().trim().min(3, 'give the reason (3 characters or more)').max(500)
  })

  app.post('/presences/correction', {
    config: { access: correctionAccess },
    onRequest: async (request) => { assertSameOrigin(request) },
    schema: {
      operationId: 'correctFromPage',
      tags: ['pages'],
      summary: 'Saves a correction (form); the reason is kept in the history',
      querystring: langQuery,
      body: correctionBody,
      response: { 303: z.null(), ...errorResponses }
    }
  }, async (request, reply) => {
    await book.correct(personOf(request), request.body)
    return await reply.redirect(`/presences/correction?personne=${request.body.personId}&creneau=${request.body.slotId}&lang=${request.locale}`, 303)
  })

  app.post('/presences/justifications/:excuseId', {
    config: { access: excuseAccess },
    onRequest: async (request) => { assertSameOrigin(request) },
    schema: {
      operationId: 'decideExcuseFromPage',
      tags: ['pages'],
      summary: 'Accepts or refuses an excuse (form)',
      params: z.object({ excuseId: uuid('excuseId') }),
      querystring: langQuery,
      body: z.object({ decision: z.enum(['accept', 'refuse'], { error: 'decision must be accept or refuse' }) }),
      response: { 303: z.null(), ...errorResponses }
    }
  }, async (request, reply) => {
    const eventId = await book.decideExcuse(personOf(request), request.params.excuseId, request.body.decision === 'accept')
    return await reply.redirect(`/organisateurs/presences/${eventId}?lang=${request.locale}`, 303)
  })

  // --- the participant's own view -----------------------------------------------------------------

  const myPage = async (request: FastifyRequest, notice?: string): Promise<string> => {
    const mine = await book.mine(personOf(request))
    return myAttendancePage(request.locale, { ...mine, notice }, '/presence')
  }

  app.get('/presence', {
    config: { access: signedIn('one\'s own attendance') },
    schema: {
      operationId: 'myAttendancePage',
      tags: ['pages'],
      summary: 'A participant\'s attendance: status per slot, advance choice of parallel sessions, excuses',
      querystring: langQuery,
      produces: ['text/html'],
      response: { 200: z.string(), ...errorResponses }
    }
  }, async (request, reply) => {
    reply.header('cache-control', 'no-store')
    return await reply.type(html).send(await myPage(request))
  })

  app.post('/presence/choix', {
    config: { access: signedIn('one\'s own advance choice') },
    onRequest: async (request) => { assertSameOrigin(request) },
    schema: {
      operationId: 'chooseSessionFromPage',
      tags: ['pages'],
      summary: 'Chooses a parallel session in advance (form)',
      querystring: langQuery,
      body: z.object({ sessionId: uuid('sessionId') }),
      response: { 200: z.string(), ...errorResponses }
    }
  }, async (request, reply) => {
    await book.choose(personOf(request), request.body.sessionId)
    return await reply.type(html).send(await myPage(request, t(request.locale, 'attendance.choiceSaved')))
  })

  app.post('/presence/justification', {
    config: { access: signedIn('one\'s own excuse') },
    onRequest: async (request) => { assertSameOrigin(request) },
    schema: {
      operationId: 'submitExcuseFromPage',
      tags: ['pages'],
      summary: 'Excuses an absence (form)',
      querystring: langQuery,
      body: z.object({ slotId: uuid('slotId'), reason: z.string().trim().min(3, 'give a short reason').max(500) }),
      response: { 200: z.string(), ...errorResponses }
    }
  }, async (request, reply) => {
    await book.submitExcuse(personOf(request), request.body.slotId, request.body.reason)
    return await reply.type(html).send(await myPage(request, t(request.locale, 'attendance.excuseSent')))
  })

  // --- API ------------------------------------------------------------------------------------------

  const bearer = { security: [{ bearer: [] }] }

  app.get('/api/v1/events/:eventId/attendance', {
    config: { personalData: 'attendance', access: allow('attendance.register', eventParam()) },
    schema: {
      operationId: 'eventAttendance',
      tags: ['attendance'],
      summary: 'Attendance grid of an event: people × counted slots, hours and grade (instructors, organizers)',
      ...bearer,
      params: eventParams,
      querystring: z.object({ qui: whoSchema }),
      response: { 200: gridSchema, ...errorResponses }
    }
  }, async (request) => {
    await book.assertTeacher(personOf(request), request.params.eventId)
    return toJson(await book.grid(request.params.eventId, { who: request.query.qui }))
  })

  app.get('/api/v1/courses/:contextId/attendance', {
    config: { personalData: 'attendance', access: allow('course.teach', courseParam()) },
    schema: {
      operationId: 'courseAttendance',
      tags: ['attendance'],
      summary: 'Attendance grid of an LMS course, built on its roster (instructors of the course)',
      ...bearer,
      params: z.object({ contextId: uuid('contextId') }),
      querystring: z.object({ qui: whoSchema }),
      response: { 200: gridSchema, ...errorResponses }
    }
  }, async (request) => {
    const course = await taughtCourse(personOf(request), request.params.contextId)
    return toJson(await book.grid(course.eventId, { contextId: course.id, who: request.query.qui }))
  })

  app.post('/api/v1/attendance/corrections', {
    config: { access: correctionAccess },
    schema: {
      operationId: 'correctAttendance',
      tags: ['attendance'],
      summary: 'Sets a person\'s status in a slot, with a mandatory reason kept in the audit ' +
        'trail (organizers of the event, instructors of a course the person is enrolled in)',
      ...bearer,
      body: correctionBody.strict(),
      response: { 204: z.null(), ...errorResponses }
    }
  }, async (request, reply) => {
    await book.correct(personOf(request), request.body)
    return await reply.code(204).send(null)
  })

  app.get('/api/v1/people/:personId/attendance-history', {
    config: { personalData: 'person_attendance', access: allow('attendance.history', request => ({ kind: 'person', personId: param(request, 'personId') })) },
    schema: {
      operationId: 'attendanceHistory',
      tags: ['attendance'],
      summary: 'Every change to a person\'s attendance (who, when, before, after, why); the person themself or their instructors',
      ...bearer,
      params: z.object({ personId: uuid('personId') }),
      response: {
        200: z.array(z.object({
          action: z.string(),
          slotId: z.uuid(),
          before: z.unknown(),
          after: z.unknown(),
          reason: z.string().nullable(),
          changedBy: z.string().nullable(),
          changedAt: z.date()
        })),
        ...errorResponses
      }
    }
  }, async (request) => {
    await book.assertCanSee(personOf(request), request.params.personId)
    return await book.history(request.params.personId)
  })

  app.post('/api/v1/me/excuses', {
    config: { access: signedIn('one\'s own excuse') },
    schema: {
      operationId: 'submitExcuse',
      tags: ['attendance'],
      summary: 'Excuses the caller\'s absence from a slot (before or after)',
      ...bearer,
      body: z.object({ slotId: uuid('slotId'), reason: z.string().trim().min(3).max(500) }).strict(),
      response: { 201: z.object({ id: z.uuid(), status: z.string() }), ...errorResponses }
    }
  }, async (request, reply) => await reply.code(201).send(await book.submitExcuse(personOf(request), request.body.slotId, request.body.reason)))

  app.get('/api/v1/events/:eventId/excuses', {
    config: { personalData: 'excuses', access: allow('attendance.register', eventParam()) },
    schema: {
      operationId: 'listExcuses',
      tags: ['attendance'],
      summary: 'Excuses of an event: all of them for organizers, those of their courses\' learners for instructors (the ones they may decide)',
      ...bearer,
      params: eventParams,
      querystring: z.object({ status: z.enum(['pending', 'accepted', 'refused']).optional() }),
      response: {
        200: z.array(z.object({
          id: z.uuid(),
          personId: z.uuid(),
          name: z.string(),
          slotId: z.uuid(),
          slotStartsAt: z.date(),
          reason: z.string(),
          status: z.string(),
          submittedAt: z.date()
        })),
        ...errorResponses
      }
    }
  }, async (request) => {
    await book.assertTeacher(personOf(request), request.params.eventId)
    // Reasons are personal (often medical): each sees the excuses they may decide, as on the grid page.
    const may = await book.correctable(personOf(request), request.params.eventId)
    return (await book.excuses(request.params.eventId, request.query.status)).filter(e => may.all || may.people.has(e.personId))
  })

  app.post('/api/v1/excuses/:excuseId/decision', {
    config: { access: excuseAccess },
    schema: {
      operationId: 'decideExcuse',
      tags: ['attendance'],
      summary: 'Accepts or refuses an excuse (organizers of the event, instructors of a course the person is enrolled in)',
      ...bearer,
      params: z.object({ excuseId: uuid('excuseId') }),
      body: z.object({ accept: z.boolean() }).strict(),
      response: { 204: z.null(), ...errorResponses }
    }
  }, async (request, reply) => {
    await book.decideExcuse(personOf(request), request.params.excuseId, request.body.accept)
    return await reply.code(204).send(null)
  })

  app.put('/api/v1/me/choices/:sessionId', {
    config: { access: signedIn('one\'s own advance choice') },
    schema: {
      operationId: 'chooseSession',
      tags: ['attendance'],
      summary: 'Chooses a parallel session in advance (409 when its room is full)',
      ...bearer,
      params: z.object({ sessionId: uuid('sessionId') }),
      response: { 200: z.object({ sessionId: z.uuid(), remaining: z.number().int().nullable() }), ...errorResponses }
    }
  }, async (request) => await book.choose(personOf(request), request.params.sessionId))

  const policySchema = z.object({
    open_before_minutes: z.number().int().min(0).max(240),
    close_after_minutes: z.number().int().min(0).max(480),
    late_after_minutes: z.number().int().min(0).max(480),
    weight_present: z.number().min(0).max(1),
    weight_late: z.number().min(0).max(1),
    excused: z.enum(['present', 'omit']),
    over: z.enum(['held', 'all'])
  }).strict()

  app.get('/api/v1/events/:eventId/attendance-policy', {
    config: { access: allow('attendance.register', eventParam()) },
    schema: {
      operationId: 'getAttendancePolicy',
      tags: ['attendance'],
      summary: 'Check-in window, late threshold and grade weights of an event',
      ...bearer,
      params: eventParams,
      response: { 200: policySchema, ...errorResponses }
    }
  }, async (request) => {
    await book.assertTeacher(personOf(request), request.params.eventId)
    return await book.policy(request.params.eventId)
  })

  app.put('/api/v1/events/:eventId/attendance-policy', {
    config: { access: allow('attendance.set-policy', eventParam()) },
    schema: {
      operationId: 'setAttendancePolicy',
      tags: ['attendance'],
      summary: 'Sets the attendance rules of an event (organizers)',
      ...bearer,
      params: eventParams,
      body: policySchema,
      response: { 200: policySchema, ...errorResponses }
    }
  }, async (request) => await book.setPolicy(personOf(request), request.params.eventId, request.body))
}
