import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod'
import { LRUCache } from 'lru-cache'
import { z } from 'zod'
import { badRequest, notFound } from '../errors.js'
import { bilingual, formatDay, formatTime, type Locale } from '../views/i18n.js'
import { errorResponses, errorSchema, langQuery } from '../http/schemas.js'
import { allow, anyEvent, eventParam, open, sessionParam, signedIn } from '../access/declare.js'
import { cookieBase, SCAN_COOKIE, SCAN_DEVICE_COOKIE } from '../http/cookies.js'
import { assertSameOrigin } from '../http/same-origin.js'
import { attestationAssetsDir, projectRoot } from '../paths.js'
import { normalisePassCode } from './codes.js'
import {
  attendeesPage, checkInConfirmPage, checkInResultPage, passInfoPage, passPage, projectionPage, scannerChoicePage, scannerPage, typedAddress, typedCodePage
} from './pages.js'
import { passSheetsPdf, posterFonts, roomPosterPdf, sessionPosterPdf } from './posters.js'
import {
  attendanceSchema, checkInSchema, passCodeSchema, roomCodeSchema, scanOutcomeSchema, scansBody, sessionParams, sessionStateSchema, typedCodeSchema
} from './schemas.js'
import { messageOf, type AttendanceService, type CheckIn, type ScanDevice } from './service.js'
import type { PeopleService } from '../people/service.js'
import type { ProgramService } from '../program/service.js'
import { qrSvg } from '../views/qr.js'

const SCAN_COOKIE_MAX_AGE = 10 * 60
const SCAN_DEVICE_MAX_AGE = 24 * 3600
const html = 'text/html; charset=utf-8'

const scripts = {
  projection: readFileSync(join(projectRoot, 'public', 'projection.js'), 'utf8'),
  scanner: readFileSync(join(projectRoot, 'public', 'scanner.js'), 'utf8'),
  attendees: readFileSync(join(projectRoot, 'public', 'attendees.js'), 'utf8'),
  jsqr: readFileSync(createRequire(import.meta.url).resolve('jsqr/dist/jsQR.js'), 'utf8')
}

const pdf = 'application/pdf'
const when = (d: Date, zone: string, locale: Locale): string => formatTime(d.toISOString(), locale, zone)

/**
 * Check-in by room code (phones), typed code, personal pass (door staff); projector and scanner
 * pages, door posters and pass sheets; the API twins. `fontsDir`: the attestation assets, whose
 * fonts the printed PDFs use (default reports/attestation).
 */
export const attendanceRoutes: FastifyPluginAsyncZod<{
  attendance: AttendanceService
  people: PeopleService
  program: ProgramService
  fontsDir?: string
}> = async (app, { attendance, people, program, fontsDir = attestationAssetsDir }) => {
  for (const [name, source] of Object.entries(scripts)) {
    app.get(`/assets/${name}.js`, { schema: { hide: true }, config: { access: open('a script') } }, async (_request, reply) =>
      await reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(source))
  }

  const signed = (request: FastifyRequest, name: string): string | undefined => {
    const cookie = request.cookies[name]
    const unsigned = cookie === undefined ? undefined : request.unsignCookie(cookie)
    return unsigned?.valid === true && unsigned.value !== null ? unsigned.value : undefined
  }

  // Room codes confirmed on this browser before signing in count at its first signed-in page.
  app.onPageAuthenticated(async (request, reply, personId) => {
    const scanKey = signed(request, SCAN_COOKIE)
    if (request.cookies[SCAN_COOKIE] === undefined) return
    reply.clearCookie(SCAN_COOKIE, cookieBase)
    const deviceNonce = signed(request, SCAN_DEVICE_COOKIE)
    if (scanKey === undefined || deviceNonce === undefined) return
    const { done, refused } = await attendance.completePendingScans(personId, { scanKey, deviceNonce })
    if (done.length > 0) request.log.info({ personId, sessions: done.map(d => d.session.id) }, 'scans made before signing in counted')
    // A scan cookie presented by another browser or too late: refused, and kept in the log for review.
    if (refused > 0) request.log.warn({ personId, refused }, 'scans made before signing in not counted: another browser, or past the code validity + 2 min')
  })

  /** This browser's scan cookie and device nonce, created when missing (a scan before signing in). */
  const scanDevice = (request: FastifyRequest, reply: FastifyReply): ScanDevice => {
    let scanKey = signed(request, SCAN_COOKIE)
    if (scanKey === undefined) {
      scanKey = randomBytes(24).toString('base64url')
      reply.setCookie(SCAN_COOKIE, scanKey, { ...cookieBase, signed: true, maxAge: SCAN_COOKIE_MAX_AGE })
    }
    let deviceNonce = signed(request, SCAN_DEVICE_COOKIE)
    if (deviceNonce === undefined) {
      deviceNonce = randomBytes(24).toString('base64url')
      reply.setCookie(SCAN_DEVICE_COOKIE, deviceNonce, { ...cookieBase, signed: true, maxAge: SCAN_DEVICE_MAX_AGE })
    }
    return { scanKey, deviceNonce }
  }
  const withMessage = (done: CheckIn, timezone: string): CheckIn & { message: { fr: string, en: string } } => ({ ...done, message: messageOf(done, timezone) })
  /** A top-level visit only: an image or frame on another site must not reach the check-in. */
  const assertDocument = (request: FastifyRequest): void => {
    const dest = request.headers['sec-fetch-dest']
    if (dest !== undefined && dest !== 'document') throw badRequest(bilingual('attendance.openInBrowser'))
  }
  const roomCodeParams = sessionParams.extend({ code: roomCodeSchema })
  const splitCode = (code: string): { window: number, token: string } => {
    const [window, token] = code.split('.') as [string, string]
    return { window: Number(window), token }
  }

  // Opening the code shows a confirmation and changes nothing: a forwarded link or a page
  // loading the URL checks nobody in, and moves nobody's record in a parallel slot.
  app.get('/presence/:sessionId/:code', {
    config: { access: open('opened from the room QR code; whoever is signed in is read here, optionally') },
    // Whoever is signed in on this browser, if anyone: the page works without a session (the scan then waits).
    onRequest: [app.optionalSignIn, app.rateLimits.checkIn],
    schema: {
      operationId: 'roomCodeScanPage',
      tags: ['pages'],
      summary: 'Opened by a phone camera from the room QR code: the session and one button to confirm attendance (records nothing)',
      params: roomCodeParams,
      querystring: langQuery,
      produces: ['text/html'],
      response: { 200: z.string(), ...errorResponses }
    }
  }, async (request, reply) => {
    assertDocument(request)
    const session = await attendance.roomCodeSession({ sessionId: request.params.sessionId, ...splitCode(request.params.code) })
    const personId = request.auth?.personId ?? null
    reply.header('cache-control', 'no-store')
    return await reply.type(html).send(checkInConfirmPage(request.locale, {
      action: `/presence/${session.id}/${request.params.code}`,
      title: session.title,
      room: session.room_name,
      startsAt: session.starts_at,
      endsAt: session.ends_at,
      timezone: session.timezone,
      name: personId === null ? null : (await people.getPerson(personId)).displayName,
      current: personId === null ? null : await attendance.recordedIn(personId, session.slot_id),
      sessionId: session.id
    }, '/presence/code'))
  })

  app.post('/presence/:sessionId/:code', {
    config: { access: open('the room code is the credential; a scan before signing in waits for this browser\'s sign-in') },
    // Signed in or not, as the page; signed in by cookie, it still needs its CSRF token (csrf.ts
    // checks it because `authVia` is set here, before the body is validated).
    onRequest: [async (request) => { assertSameOrigin(request) }, app.optionalSignIn, app.rateLimits.checkIn],
    schema: {
      operationId: 'roomCodeCheckIn',
      tags: ['pages'],
      summary: 'The confirmation button: records the check-in of the person signed in on this browser, ' +
        'or keeps the scan for a sign-in on it within the code\'s validity + 2 min',
      params: roomCodeParams,
      querystring: langQuery,
      produces: ['text/html'],
      response: { 200: z.string(), ...errorResponses, 429: errorSchema }
    }
  }, async (request, reply) => {
    assertDocument(request)
    const personId = request.auth?.personId ?? null
    const code = { sessionId: request.params.sessionId, ...splitCode(request.params.code) }
    const session = await attendance.roomCodeSession(code)
    // The scan and device cookies only once the code is known good (a refused scan sets nothing).
    const done = await attendance.checkInByRoomCode({ personId, device: personId === null ? scanDevice(request, reply) : undefined, ...code })
    reply.header('cache-control', 'no-store')
    return await reply.type(html).send(checkInResultPage(request.locale, {
      result: done.result,
      message: messageOf(done, session.timezone),
      late: done.record?.status === 'late'
    }, '/presence/code'))
  })

  app.get('/presence/code', {
    config: { access: signedIn('the form to check oneself in') },
    schema: {
      operationId: 'typedCodePage',
      tags: ['pages'],
      summary: 'Form to type the 6-digit room code',
      querystring: langQuery,
      produces: ['text/html'],
      response: { 200: z.string(), ...errorResponses }
    }
  }, async (request, reply) => await reply.type(html).send(typedCodePage(request.locale, request.url)))

  app.post('/presence/code', {
    config: { access: signedIn('checks oneself in') },
    onRequest: app.rateLimits.checkIn,
    schema: {
      operationId: 'typedCodeCheckIn',
      tags: ['pages'],
      summary: 'Checks in with the 6-digit room code (form)',
      querystring: langQuery,
      body: z.object({ code: typedCodeSchema }),
      response: { 200: z.string(), ...errorResponses, 429: errorSchema }
    }
  }, async (request, reply) => {
    const done = await attendance.checkInByTypedCode(request.auth?.personId ?? '', request.body.code)
    return await reply.type(html).send(checkInResultPage(request.locale, {
      result: done.result,
      message: messageOf(done, done.session.timezone),
      late: done.record?.status === 'late'
    }, '/presence/code'))
  })

  app.get('/presence/seance/:sessionId/projection', {
    config: { access: allow('attendance.host', sessionParam()) },
    schema: {
      operationId: 'projectionPage',
      tags: ['pages'],
      summary: 'Projector page: rotating QR code, typed code and live count',
      params: sessionParams,
      querystring: langQuery,
      produces: ['text/html'],
      response: { 200: z.string(), ...errorResponses }
    }
  }, async (request, reply) => {
    const session = await attendance.session(request.params.sessionId)
    await attendance.assertMay(request.auth?.personId ?? '', session, 'attendance.host')
    const code = attendance.roomCode(session.id)
    const counts = await attendance.counts(session.id)
    reply.header('cache-control', 'no-store')
    return await reply.type(html).send(projectionPage(request.locale, {
      sessionId: session.id,
      title: session.title,
      room: session.room_name,
      startsAt: session.starts_at,
      endsAt: session.ends_at,
      timezone: session.timezone,
      qrSvg: await qrSvg(code.url),
      typedCode: code.typedCode,
      typedCodeUrl: `${attendance.publicUrl}/presence/code`,
      changesAt: code.changesAt,
      now: attendance.now(),
      ...counts
    }, request.url))
  })

  // A poster's QR code leads to the typed-code page, not to a room code: see posters.ts for why.
  app.get('/presence/seance/:sessionId/affiche.pdf', {
    config: { access: allow('attendance.host', sessionParam()) },
    schema: {
      operationId: 'sessionPoster',
      tags: ['pages'],
      summary: 'Printable A4 door poster of a session (PDF): title, day and time, room, and a QR code to the typed-code page with ' +
        'its address in large letters; `salle=journee`: the poster of the session\'s room for the day, with its sessions',
      params: sessionParams,
      querystring: langQuery.extend({ salle: z.enum(['journee']).optional() }),
      produces: [pdf],
      response: { 200: z.any(), ...errorResponses }
    }
  }, async (request, reply) => {
    const session = await attendance.session(request.params.sessionId)
    await attendance.assertMay(request.auth?.personId ?? '', session, 'attendance.host')
    const locale = request.locale
    const url = `${attendance.publicUrl}/presence/code`
    const common = {
      locale,
      eventTitle: (await program.getEvent(session.event_id)).title[locale],
      url,
      address: typedAddress(url),
      createdAt: attendance.now()
    }
    const day = formatDay(session.starts_at.toISOString(), locale, session.timezone)
    const fonts = await posterFonts(fontsDir)
    let file: Buffer
    if (request.query.salle === 'journee') {
      if (session.room_name === null) throw notFound(bilingual('kiosk.roomUnknown'))
      const sessions = (await attendance.roomDay(session.id)).map(s => ({
        title: s.title,
        start: when(s.starts_at, session.timezone, locale),
        end: when(s.ends_at, session.timezone, locale)
      }))
      file = await roomPosterPdf({ ...common, room: session.room_name, day, sessions }, fonts)
    } else {
      file = await sessionPosterPdf({
        ...common,
        title: session.title,
        day,
        start: when(session.starts_at, session.timezone, locale),
        end: when(session.ends_at, session.timezone, locale),
        room: session.room_name
      }, fonts)
    }
    const name = request.query.salle === 'journee' ? 'affiche-salle' : 'affiche'
    return await reply.type(pdf).header('content-disposition', `inline; filename="${name}-${session.id.slice(0, 8)}.pdf"`).send(file)
  })

  app.get('/organisateurs/evenements/:eventId/laissez-passer.pdf', {
    config: { personalData: 'participants', access: allow('participants.manage', eventParam()) },
    schema: {
      operationId: 'passSheets',
      tags: ['pages'],
      summary: 'Printable A4 sheets of the personal passes of the people registered to attend an event (PDF, eight to a page, by name); ' +
        'passes never opened are issued (their first version, the code the person would get). People also registered at an event ' +
        'the organizer does not run are left out (their pass opens that event\'s doors), and the first page says how many',
      params: z.object({ eventId: z.uuid({ error: 'this is not an event address' }) }),
      querystring: langQuery,
      produces: [pdf],
      response: { 200: z.any(), ...errorResponses }
    }
  }, async (request, reply) => {
    const locale = request.locale
    const eventTitle = (await program.getEvent(request.params.eventId)).title[locale]
    const { passes, leftOut } = await attendance.eventPasses(request.auth?.personId ?? '', request.params.eventId)
    const file = await passSheetsPdf({ locale, eventTitle, passes, leftOut, createdAt: attendance.now() }, await posterFonts(fontsDir))
    reply.header('cache-control', 'no-store')
    return await reply.type(pdf).header('content-disposition', `inline; filename="laissez-passer-${request.params.eventId.slice(0, 8)}.pdf"`).send(file)
  })

  app.get('/presence/seance/:sessionId/liste', {
    config: { personalData: 'door_list', access: allow('attendance.host', sessionParam()) },
    schema: {
      operationId: 'attendeesPage',
      tags: ['pages'],
      summary: 'Live list of who is checked in to a session (session team)',
      params: sessionParams,
      querystring: langQuery,
      produces: ['text/html'],
      response: { 200: z.string(), ...errorResponses }
    }
  }, async (request, reply) => {
    const session = await attendance.session(request.params.sessionId)
    await attendance.assertMay(request.auth?.personId ?? '', session, 'attendance.host')
    reply.header('cache-control', 'no-store')
    return await reply.type(html).send(attendeesPage(request.locale, {
      sessionId: session.id,
      title: session.title,
      room: session.room_name,
      timezone: session.timezone,
      ...await attendance.counts(session.id),
      attendees: await attendance.attendees(session.id)
    }, request.url))
  })

  const sessionState = async (request: FastifyRequest<{ Params: { sessionId: string } }>): Promise<z.infer<typeof sessionStateSchema>> => {
    const session = await attendance.session(request.params.sessionId)
    await attendance.assertMay(request.auth?.personId ?? '', session, 'attendance.host')
    const code = attendance.roomCode(session.id)
    return { typedCode: code.typedCode, url: code.url, changesAt: code.changesAt, qrSvg: await qrSvg(code.url), ...await attendance.counts(session.id) }
  }

  app.get('/presence/seance/:sessionId/etat', {
    config: { access: allow('attendance.host', sessionParam()) },
    schema: {
      operationId: 'projectionState',
      tags: ['pages'],
      summary: 'Current room code and count, polled by the projector page; `now` is the server\'s time, for its countdown to `changesAt`',
      params: sessionParams,
      response: { 200: sessionStateSchema.extend({ now: z.date() }), ...errorResponses }
    }
  }, async (request, reply) => {
    reply.header('cache-control', 'no-store')
    return { ...await sessionState(request), now: attendance.now() }
  })

  app.get('/presence/seance/:sessionId/presents', {
    config: { personalData: 'door_list', access: allow('attendance.host', sessionParam()) },
    schema: {
      operationId: 'attendeesState',
      tags: ['pages'],
      summary: 'Who is checked in now, polled by the live list page',
      params: sessionParams,
      response: { 200: attendanceSchema, ...errorResponses }
    }
  }, async (request, reply) => {
    const session = await attendance.session(request.params.sessionId)
    await attendance.assertMay(request.auth?.personId ?? '', session, 'attendance.host')
    reply.header('cache-control', 'no-store')
    return { ...await attendance.counts(session.id), attendees: await attendance.attendees(session.id) }
  })

  app.get('/accueil', {
    config: { access: allow('attendance.host-any', anyEvent) },
    schema: {
      operationId: 'scannerChoicePage',
      tags: ['pages'],
      summary: 'Door staff choose the session to scan for',
      querystring: langQuery,
      produces: ['text/html'],
      response: { 200: z.string(), ...errorResponses }
    }
  }, async (request, reply) => {
    const personId = request.auth?.personId ?? ''
    const sessions = []
    for (const s of await attendance.openSessions()) {
      try {
        await attendance.assertMay(personId, s, 'attendance.host')
        sessions.push({ id: s.id, title: s.title, room: s.room_name, startsAt: s.starts_at, timezone: s.timezone })
      } catch { /* not this person's event */ }
    }
    return await reply.type(html).send(scannerChoicePage(request.locale, sessions, request.url))
  })

  app.get('/accueil/:sessionId', {
    config: { access: allow('attendance.scan-passes', sessionParam()) },
    schema: {
      operationId: 'scannerPage',
      tags: ['pages'],
      summary: 'Door scanner for personal passes (camera or typed), working offline',
      params: sessionParams,
      querystring: langQuery,
      produces: ['text/html'],
      response: { 200: z.string(), ...errorResponses }
    }
  }, async (request, reply) => {
    const session = await attendance.session(request.params.sessionId)
    const personId = request.auth?.personId ?? ''
    await attendance.assertMay(personId, session, 'attendance.scan-passes')
    // Organizers of the event also find the event's passes to print here.
    const organizer = await app.access.can({ personId }, 'participants.manage', { kind: 'event', eventId: session.event_id })
    return await reply.type(html).send(scannerPage(request.locale, {
      sessionId: session.id,
      title: session.title,
      room: session.room_name,
      serverTime: attendance.now(),
      eventId: session.event_id,
      organizer
    }, request.url))
  })

  const scansRoute = {
    params: sessionParams,
    body: scansBody,
    response: { 200: z.object({ outcomes: z.array(scanOutcomeSchema) }), ...errorResponses }
  }
  const uploadScans = async (request: FastifyRequest<{
    Params: { sessionId: string }
    Body: z.infer<typeof scansBody>
  }>): Promise<{ outcomes: Awaited<ReturnType<AttendanceService['scanPasses']>> }> => {
    const { sessionId } = request.params
    if (request.body.scans.some(s => s.sessionId !== undefined && s.sessionId !== sessionId)) {
      throw badRequest(bilingual('attendance.scansForOtherSession'))
    }
    const scans = request.body.scans.map(s => ({ scanId: s.scanId, sessionId, code: normalisePassCode(s.code), deviceTime: new Date(s.deviceTime) }))
    return { outcomes: await attendance.scanPasses(request.auth?.personId ?? '', scans) }
  }

  app.post('/accueil/:sessionId/scans', {
    config: { access: allow('attendance.scan-passes', sessionParam()) },
    onRequest: async (request) => { assertSameOrigin(request) },
    bodyLimit: 256 * 1024,
    schema: {
      operationId: 'uploadScansFromPage',
      tags: ['pages'],
      summary: 'The scanner page uploads its queued pass scans (idempotent by scan id)',
      ...scansRoute
    }
  }, async (request) => await uploadScans(request))

  app.get('/presence/laissez-passer', {
    config: { access: signedIn('one\'s own pass') },
    schema: {
      operationId: 'passPage',
      tags: ['pages'],
      summary: 'The signed-in person\'s pass (QR code and short code) for the door',
      querystring: langQuery,
      produces: ['text/html'],
      response: { 200: z.string(), ...errorResponses }
    }
  }, async (request, reply) => {
    const personId = request.auth?.personId ?? ''
    const pass = await attendance.pass(personId)
    reply.header('cache-control', 'no-store')
    return await reply.type(html).send(passPage(request.locale, {
      name: (await people.getPerson(personId)).displayName,
      code: pass.code,
      qrSvg: await qrSvg(pass.url)
    }, request.url))
  })

  app.get('/pass/:code', {
    config: { access: open('what a camera opens from a pass: an explanation, nothing about the person') },
    schema: {
      operationId: 'passInfoPage',
      tags: ['pages'],
      summary: 'What a phone camera opens from a pass: an explanation, nothing about the person',
      params: z.object({ code: z.string().max(100) }),
      querystring: langQuery,
      produces: ['text/html'],
      response: { 200: z.string(), ...errorResponses }
    }
  }, async (request, reply) => await reply.type(html).send(passInfoPage(request.locale, request.url)))

  // --- API ----------------------------------------------------------------------------------------

  /**
   * The answer's JSON text, as zod's serializer would write it for checkInSchema (the handler
   * builds it typed, key for key; test/attendance/check-in.test.ts compares both). All but
   * recordedAt is the same for everyone checked in to a session in the same minute, the minute
   * the message says: that text is written once and reused.
   */
  const answerTexts = new LRUCache<string, [string, string]>({ max: 1000 })
  const answerJson = (done: CheckIn): string => {
    const { session, record } = done
    if (record === null || done.movedFrom !== undefined) return JSON.stringify(withMessage(done, session.timezone))
    const key = `${done.result}\u0000${record.status}\u0000${record.method}\u0000${Math.floor(record.recordedAt.getTime() / 60_000)}\u0000${session.id}\u0000` +
      `${session.title}\u0000${session.room ?? '\u0000'}\u0000${session.timezone}`
    let parts = answerTexts.get(key)
    if (parts === undefined) {
      const text = JSON.stringify(withMessage(done, session.timezone))
      const at = `"recordedAt":${JSON.stringify(record.recordedAt)}`
      const i = text.indexOf(at)
      parts = [text.slice(0, i + 13), text.slice(i + at.length)]
      answerTexts.set(key, parts)
    }
    return `${parts[0]}"${record.recordedAt.toISOString()}"${parts[1]}`
  }
  const created = async (reply: FastifyReply, done: CheckIn): Promise<FastifyReply> =>
    await reply.code(done.result === 'created' || done.result === 'moved' ? 201 : 200).type('application/json; charset=utf-8').send(answerJson(done))

  app.post('/api/v1/sessions/:sessionId/check-ins', {
    config: { access: signedIn('checks oneself in (the room code is checked by the service)') },
    onRequest: app.rateLimits.checkIn,
    schema: {
      operationId: 'checkInWithRoomCode',
      tags: ['attendance'],
      summary: 'Checks the caller in with the code of the room QR (`<window>.<token>` from its URL): 201 with the record, 200 if already checked in',
      security: [{ bearer: [] }],
      params: sessionParams,
      body: z.object({ code: roomCodeSchema }).strict(),
      response: { 200: checkInSchema, 201: checkInSchema, ...errorResponses, 429: errorSchema }
    }
  }, async (request, reply) => {
    const done = await attendance.checkInByRoomCode({
      personId: request.auth?.personId ?? '',
      sessionId: request.params.sessionId,
      ...splitCode(request.body.code)
    })
    return await created(reply, done)
  })

  app.post('/api/v1/check-ins/typed-code', {
    config: { access: signedIn('checks oneself in (the typed code is checked by the service)') },
    onRequest: app.rateLimits.checkIn,
    schema: {
      operationId: 'checkInWithTypedCode',
      tags: ['attendance'],
      summary: 'Checks the caller in with the 6-digit code shown under the room QR (wrong codes are capped per person)',
      security: [{ bearer: [] }],
      body: z.object({ code: typedCodeSchema }).strict(),
      response: { 200: checkInSchema, 201: checkInSchema, ...errorResponses, 429: errorSchema }
    }
  }, async (request, reply) => {
    const done = await attendance.checkInByTypedCode(request.auth?.personId ?? '', request.body.code)
    return await created(reply, done)
  })

  app.post('/api/v1/sessions/:sessionId/scans', {
    config: { access: allow('attendance.scan-passes', sessionParam()) },
    bodyLimit: 256 * 1024,
    schema: {
      operationId: 'uploadScans',
      tags: ['attendance'],
      summary: 'Door staff upload personal-pass scans (idempotent by scan id; device and receive times kept)',
      security: [{ bearer: [] }],
      ...scansRoute
    }
  }, async (request) => await uploadScans(request))

  app.get('/api/v1/sessions/:sessionId/attendance', {
    config: { personalData: 'door_list', access: allow('attendance.host', sessionParam()) },
    schema: {
      operationId: 'sessionAttendance',
      tags: ['attendance'],
      summary: 'Who is checked in to a session, with counts and capacity (session team)',
      security: [{ bearer: [] }],
      params: sessionParams,
      response: { 200: attendanceSchema, ...errorResponses }
    }
  }, async (request) => {
    const session = await attendance.session(request.params.sessionId)
    await attendance.assertMay(request.auth?.personId ?? '', session, 'attendance.host')
    return { ...await attendance.counts(session.id), attendees: await attendance.attendees(session.id) }
  })

  app.get('/api/v1/sessions/:sessionId/room-code', {
    config: { access: allow('attendance.host', sessionParam()) },
    schema: {
      operationId: 'currentRoomCode',
      tags: ['attendance'],
      summary: 'The current room code of a session (session team), as the projector shows it',
      security: [{ bearer: [] }],
      params: sessionParams,
      response: { 200: sessionStateSchema, ...errorResponses }
    }
  }, async (request) => await sessionState(request))

  app.get('/api/v1/me/pass', {
    config: { access: signedIn('one\'s own pass') },
    schema: {
      operationId: 'getMyPass',
      tags: ['attendance'],
      summary: 'The caller\'s personal pass code (scan-only, for door staff)',
      security: [{ bearer: [] }],
      response: { 200: z.object({ code: passCodeSchema, url: z.url() }), 401: errorResponses[401] }
    }
  }, async (request) => await attendance.pass(request.auth?.personId ?? ''))
}
