import t from 'tap'
import ICAL from 'ical.js'
import { testApp } from '../helpers/app.js'
import { eventsSchema, programSchema } from '../../src/program/schemas.js'

t.test('GET /api/v1/events lists the 2025 event', async t => {
  const { app } = await testApp(t)
  const res = await app.inject('/api/v1/events')
  t.equal(res.statusCode, 200)
  const body = eventsSchema.parse(res.json())
  t.equal(body.events.length, 1)
  t.match(body.events[0], {
    key: 'ecole-automne-coproduction-2025',
    title: { fr: "École d'automne sur la coproduction des services publics" },
    startsOn: '2025-10-20',
    endsOn: '2025-10-24',
    timezone: 'America/Montreal',
    course: { code: 'ENP7009', title: 'Mobilisation des acteurs locaux', credits: 3 },
    contact: { email: 'etudes@enap.ca' }
  })
})

t.test('the program API reports what the published document says', async t => {
  const { app } = await testApp(t)
  const [event] = (await app.inject('/api/v1/events')).json().events
  const res = await app.inject(`/api/v1/events/${event.id as string}/program`)
  t.equal(res.statusCode, 200)
  const program = programSchema.parse(res.json())
  const { days } = program

  t.same(days.map(d => d.date), ['2025-10-20', '2025-10-21', '2025-10-22', '2025-10-23', '2025-10-24'])
  t.same(days.map(d => d.slots.length), [9, 6, 6, 6, 1], 'time slots per day')

  const slot = (day: number, start: string) => days[day]!.slots.find(s => s.start.slice(11, 16) === start)!
  t.equal(slot(0, '09:00').start, '2025-10-20T09:00:00-04:00', 'ISO 8601 with the Montréal offset')
  t.equal(slot(0, '09:00').durationMinutes, 90)
  t.equal(slot(0, '11:00').durationMinutes, 75)

  const parallel = (day: number, start: string) => slot(day, start).sessions.filter(s => s.parallel).map(s => s.kind)
  t.same(parallel(1, '13:30'), ['case_study', 'case_study', 'case_study'], 'Tuesday: three case studies at once')
  t.same(parallel(1, '15:00'), ['workshop', 'workshop', 'workshop'], 'Tuesday: three workshops at once')
  t.same(parallel(2, '13:30'), ['case_study', 'case_study', 'case_study'])
  t.same(parallel(2, '15:00'), ['workshop', 'workshop'])
  t.same(parallel(3, '13:30'), ['case_study', 'case_study', 'case_study', 'case_study'])
  t.same(parallel(3, '15:00'), ['workshop', 'workshop', 'workshop'])
  t.same(parallel(0, '13:30'), [], 'Monday has one case study, not a choice')

  const monday1500 = slot(0, '15:00')
  t.equal(monday1500.sessions.length, 1, 'the opening word is part of the round table, not an alternative')
  t.match(monday1500.sessions[0], { kind: 'round_table', speakersToBeConfirmed: true, speakers: [{ name: 'Hugo Cyr', role: 'opening_remarks' }], description: null })

  const tuesday1100 = slot(1, '11:00')
  t.equal(tuesday1100.end, '2025-10-21T12:15:00-04:00', '"11h00 12h15" (no dash) is read as 11:00–12:15')

  const keynote = slot(0, '11:00').sessions[0]!
  t.match(keynote, { kind: 'keynote', language: 'en', title: 'Rethinking Public Management Through Co-Production', room: null, capacity: null, mode: 'in_person', audience: 'everyone' })

  const friday = days[4]!.slots
  t.equal(friday.length, 1)
  t.match(friday[0], { start: '2025-10-24T09:00:00-04:00', end: '2025-10-24T12:15:00-04:00', countsTowardAttendance: false })
  t.match(friday[0]!.sessions, [{ kind: 'synthesis', mode: 'online', audience: 'credited' }])

  const breaks = days.flatMap(d => d.slots).filter(s => s.sessions.every(x => ['welcome', 'break', 'meal', 'networking'].includes(x.kind)))
  t.ok(breaks.length > 0 && breaks.every(s => !s.countsTowardAttendance), 'welcome, breaks, meals and networking do not count')

  // Four 90+75+75+75-minute slots a day, Monday to Thursday: 4 × 5.25 h.
  t.same(program.totals, { attendanceSlots: 16, inPersonAttendanceMinutes: 1260, inPersonAttendanceHours: 21 })
  t.ok(days.flatMap(d => d.slots.flatMap(s => s.sessions)).every(s => s.room === null), 'every room is still "à venir"')
})

t.test('GET /api/v1/events/:eventId answers 404 for an unknown event and 400 for a malformed id', async t => {
  const { app } = await testApp(t, { program: false })
  const unknown = await app.inject('/api/v1/events/00000000-0000-4000-8000-000000000000/program')
  t.equal(unknown.statusCode, 404)
  t.match(unknown.json(), { statusCode: 404, code: 'not_found', message: 'Event not found.', messageFr: 'Événement introuvable.' })
  for (const bad of ['not-a-uuid', '1', '%27%3B%20drop%20table', '00000000-0000-0000-0000-00000000000g']) {
    const res = await app.inject(`/api/v1/events/${bad}/program`)
    t.equal(res.statusCode, 400, `${bad} → 400`)
    t.match(res.json(), { code: 'validation_failed', details: [{ field: 'params.eventId', message: 'eventId must be a UUID' }] })
  }
})

t.test('the iCalendar feed parses back with one event per session, UID = session key', async t => {
  const { app } = await testApp(t)
  const [event] = (await app.inject('/api/v1/events')).json().events
  const res = await app.inject(`/api/v1/events/${event.id as string}/calendar.ics?lang=en`)
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/calendar/)
  const calendar = new ICAL.Component(ICAL.parse(res.body))
  const events = calendar.getAllSubcomponents('vevent').map(c => new ICAL.Event(c))
  t.equal(events.length, 40)
  const keynote = events.find(e => e.uid === '2025-10-20-conference-ouverture')
  t.ok(keynote, 'found by its key')
  t.equal(keynote?.summary, 'Rethinking Public Management Through Co-Production')
  t.equal(keynote?.startDate.toJSDate().toISOString(), '2025-10-20T15:00:00.000Z')
  t.equal(keynote?.endDate.toJSDate().toISOString(), '2025-10-20T16:15:00.000Z')
  t.equal(keynote?.location, 'ÉNAP, 4750 av. Henri-Julien, Montréal (Québec) H2T 3E5, Canada', 'no room yet: the event\'s place, without "to be announced"')
  const synthesis = events.find(e => e.summary === 'Activité de synthèse')
  t.equal(synthesis?.location, 'Online')
  const bad = await app.inject(`/api/v1/events/${event.id as string}/calendar.ics?lang=de`)
  t.equal(bad.statusCode, 400)
})

t.test('one session as its own iCalendar file ("add to my calendar"), same UID as in the feed', async t => {
  const { app } = await testApp(t)
  const [event] = (await app.inject('/api/v1/events')).json().events
  const res = await app.inject(`/api/v1/events/${event.id as string}/sessions/2025-10-20-conference-ouverture/calendar.ics?lang=fr`)
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/calendar/)
  t.equal(res.headers['content-disposition'], 'attachment; filename="2025-10-20-conference-ouverture.ics"')
  const calendar = new ICAL.Component(ICAL.parse(res.body))
  const events = calendar.getAllSubcomponents('vevent').map(c => new ICAL.Event(c))
  t.equal(events.length, 1, 'one event only')
  const [session] = events
  t.equal(session?.uid, '2025-10-20-conference-ouverture', 'the UID the event-wide feed uses, so calendars do not duplicate it')
  t.equal(session?.summary, 'Rethinking Public Management Through Co-Production')
  t.equal(session?.startDate.toJSDate().toISOString(), '2025-10-20T15:00:00.000Z')
  t.equal(session?.endDate.toJSDate().toISOString(), '2025-10-20T16:15:00.000Z')
  t.match(session?.description, /Elke Loeffler/)
  t.match(calendar.getFirstPropertyValue('x-wr-calname'), /^Rethinking Public Management Through Co-Production — École d'automne/)
  t.match(session?.component.getFirstPropertyValue('url'), /\/events\/ecole-automne-coproduction-2025\?jour=2025-10-20&lang=fr#2025-10-20-conference-ouverture$/)
  const online = await app.inject(`/api/v1/events/${event.id as string}/sessions/2025-10-24-activite-synthese/calendar.ics?lang=en`)
  t.equal(new ICAL.Event(new ICAL.Component(ICAL.parse(online.body)).getFirstSubcomponent('vevent') ?? undefined).location, 'Online')
  const unknown = await app.inject({ url: `/api/v1/events/${event.id as string}/sessions/no-such-session/calendar.ics`, headers: { 'accept-language': 'en' } })
  t.equal(unknown.statusCode, 404)
  t.match(unknown.json(), { code: 'not_found' })
  const malformed = await app.inject(`/api/v1/events/${event.id as string}/sessions/NOT_A_KEY/calendar.ics`)
  t.equal(malformed.statusCode, 400)
})

t.test('the OpenAPI document describes every route with an operationId and response schemas', async t => {
  const { app } = await testApp(t, { program: false })
  const res = await app.inject('/docs/json')
  t.equal(res.statusCode, 200)
  const doc = res.json()
  t.equal(doc.openapi, '3.1.0')
  const operations = Object.entries(doc.paths as Record<string, Record<string, any>>)
    .flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })))
  t.ok(operations.length >= 10)
  for (const { path, method, op } of operations) {
    t.ok(typeof op.operationId === 'string' && op.operationId.length > 0, `${method} ${path} has an operationId`)
    // Success is a 2xx answer, or the 303 of a form handled with Post/Redirect/Get.
    t.ok(Object.keys(op.responses ?? {}).some(code => /^[23]\d\d$/.test(code)), `${method} ${path} documents its success response`)
  }
  const ids = operations.map(o => o.op.operationId)
  t.equal(new Set(ids).size, ids.length, 'operationIds are unique')
  t.ok(doc.components.schemas.Program, 'named schemas are published')
  const ui = await app.inject('/docs')
  t.ok([200, 302].includes(ui.statusCode), 'the docs UI is served')
})

t.test('/health answers and /ready checks the database and migrations', async t => {
  const { app } = await testApp(t, { program: false })
  t.same((await app.inject('/health')).json(), { status: 'ok' })
  const ready = await app.inject('/ready')
  t.equal(ready.statusCode, 200)
  t.same(ready.json(), { status: 'ready', database: 'up', pendingMigrations: [] })
})
