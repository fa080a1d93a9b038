// The identity rules behind invitations and imports (src/people/service.ts, participants.ts):
// who an organizer may speak for, how brand-new accounts are made and when staff lose them.
import t from 'tap'
import { upsertLtiPerson } from '../../src/lti/service.js'
import { roleGrantedText } from '../../src/people/service.js'
import { sealProvisionedAccounts } from '../../src/people/provisioned-accounts.js'
import { testApp } from '../helpers/app.js'
import { given } from '../helpers/given.js'
import { countRows, rowDeltas } from '../helpers/rows.js'

const TABLES = ['people', 'registrations', 'sign_in_links', 'outgoing_messages'] as const

const setup = async (t: { teardown: (fn: () => unknown) => void }) => {
  const ctx = await testApp(t)
  const db = ctx.database.db
  const g = given(ctx)
  const eventId = await g.event()
  const other = await g.newEvent({ key: 'autre', titleFr: 'Autre', titleEn: 'Other', startsOn: '2026-01-10', endsOn: '2026-01-11' })
  const organizer = await ctx.services.people.bootstrapOrganizer('org@enap.ca', [eventId], 'Odile Organisatrice')
  return { ...ctx, db, g, eventId, other, organizerId: organizer.personId }
}

t.test('door staff without email are created by name only, with the door-staff role and nothing else; other invitations need an email', async t => {
  const ctx = await setup(t)
  const invited = await ctx.services.people.invite(ctx.organizerId, ctx.eventId, { name: 'Paul Porte', role: 'door_staff' })
  if (!invited.created) throw new Error('a new account comes with its link')
  const person = await ctx.db.selectFrom('people').selectAll().where('id', '=', invited.personId).executeTakeFirstOrThrow()
  t.match(person, { email: null, display_name: 'Paul Porte', staff_provisioned_by: ctx.organizerId })
  t.same(await ctx.services.people.roles(invited.personId), [{ eventId: ctx.eventId, role: 'door_staff' }])
  t.match(invited.url, /\/auth\/link\//, 'its link is for the inviter to hand over')

  const before = await countRows(ctx.db, TABLES)
  const refusal = async (invitee: Parameters<typeof ctx.services.people.invite>[2]): Promise<unknown> => await ctx.services.people.invite(ctx.organizerId, ctx.eventId, invitee).then(() => undefined, (err: unknown) => err)
  t.match(await refusal({ name: 'Olga', role: 'organizer' }), { statusCode: 400, text: { fr: /Indiquez le courriel/, en: /Only door staff can be created without an email/ } })
  t.match(await refusal({ email: '', role: 'door_staff' }), { statusCode: 400 }, 'door staff without email need a name')
  t.same(rowDeltas(before, await countRows(ctx.db, TABLES)), {}, 'refusals change nothing')

  const api = await ctx.app.inject({ method: 'POST', url: `/api/v1/events/${ctx.eventId}/invitations`, headers: { authorization: `Bearer ${ctx.app.jwt.sign({ sub: ctx.organizerId, sid: (await ctx.services.people.openDeviceSession(ctx.organizerId, 'test')).deviceSessionId })}` }, payload: { name: 'Pia Porte', role: 'door_staff' } })
  t.equal(api.statusCode, 201)
  t.match(api.json(), { created: true, url: /\/auth\/link\// })
})

t.test('an organizer speaks for an account only while it exists in nothing but their events, with no staff role and no LMS identity', async t => {
  const ctx = await setup(t)
  const { participants } = ctx.services.people
  const only = (await participants.add(ctx.organizerId, ctx.eventId, { name: 'Ana', email: 'ana@quebec.ca' })).participant.personId
  const elsewhere = (await participants.add(ctx.organizerId, ctx.eventId, { name: 'Bea', email: 'bea@quebec.ca' })).participant.personId
  await ctx.g.registered(elsewhere, 'participant', ctx.other)
  const staff = (await participants.add(ctx.organizerId, ctx.eventId, { name: 'Cleo', email: 'cleo@quebec.ca' })).participant.personId
  await ctx.g.registered(staff, 'door_staff')
  const lms = await upsertLtiPerson(ctx.db, { issuer: 'https://lms.example', clientId: 'c', subject: 's' }, { name: 'Dan' }, ctx.clock.now())
  const found = await ctx.services.people.protectedFrom(ctx.organizerId, [only, elsewhere, staff, lms])
  t.same([...found].sort(), [elsewhere, staff, lms].sort())
  await ctx.g.registered(ctx.organizerId, 'organizer', ctx.other)
  t.notOk((await ctx.services.people.protectedFrom(ctx.organizerId, [elsewhere])).has(elsewhere), 'once the organizer organizes the other event too, that registration is theirs')
})

t.test('re-importing a person who exists only in the organizer\'s events still updates their details', async t => {
  const ctx = await setup(t)
  const { participants } = ctx.services.people
  await participants.add(ctx.organizerId, ctx.eventId, { name: 'Eve', email: 'eve@quebec.ca', employer: 'MAMH' })
  const report = await participants.importCsv(ctx.organizerId, ctx.eventId, 'nom;courriel;employeur\nÈve Tremblay;eve@quebec.ca;MCN\n')
  t.match(report, { updated: 1, kept: 0 })
  t.match((await participants.list(ctx.eventId))[0], { name: 'Ève Tremblay', employer: 'MCN' })
})

t.test('a staff-provisioned account is sealed only by a registration its creator does not organize, or by an LMS identity', async t => {
  const ctx = await setup(t)
  const invited = await ctx.services.people.invite(ctx.organizerId, ctx.eventId, { email: 'door@enap.ca', role: 'door_staff' })
  const session = await ctx.services.people.openDeviceSession(invited.personId, 'test')
  const now = ctx.clock.now()
  t.equal(await sealProvisionedAccounts(ctx.db, [invited.personId], ctx.eventId, now), 0, 'a registration in the creator\'s own event ends nothing')
  t.ok(await ctx.services.people.resumeDevice(session.deviceToken))
  await ctx.g.registered(ctx.organizerId, 'organizer', ctx.other)
  t.equal(await sealProvisionedAccounts(ctx.db, [invited.personId], ctx.other, now), 0, 'nor one in another event the creator also organizes')
  t.equal(await sealProvisionedAccounts(ctx.db, [invited.personId], null, now), 2, 'an LMS identity (a merge) ends the session and the unused invitation link')
  t.equal(await ctx.services.people.resumeDevice(session.deviceToken), undefined)
  t.equal(await sealProvisionedAccounts(ctx.db, [invited.personId], null, now), 0, 'once: the mark is cleared')
})

t.test('the message telling an existing account of its role names the role and the event, in its language, and carries no link', async t => {
  const fr = roleGrantedText('fr', { name: 'Bruno', inviter: 'Odile', event: 'École d\'automne', role: 'door_staff', publicUrl: 'https://compagnon.example' })
  t.match(fr.subject, 'Nouveau rôle — École d\'automne')
  t.match(fr.bodyText, /Odile vous a donné le rôle de personnel d’accueil pour « École d'automne »/)
  t.match(fr.bodyText, /aucun lien de connexion.*https:\/\/compagnon\.example\/connexion/s)
  const en = roleGrantedText('en', { name: 'Bruno', inviter: '', event: 'Fall school', role: 'organizer', publicUrl: 'https://compagnon.example' })
  t.match(en.bodyText, /The organizers gave you the organizer role for “Fall school”/)
  t.notMatch(fr.bodyText + en.bodyText, /\/(auth\/link|p)\/[A-Za-z0-9_-]{20,}/)
})

t.test('an organizer gives a role by id to someone on a class list of their event, without a link; not to someone they cannot see', async t => {
  const ctx = await setup(t)
  const now = ctx.clock.now()
  const course = await ctx.g.course({ issuer: 'https://lms.example', clientId: 'c', deploymentId: 'd', contextId: 'ENP7009' })
  // An LMS account whose address is another account's: known here without one.
  const listed = await upsertLtiPerson(ctx.db, { issuer: 'https://lms.example', clientId: 'c', subject: 'ta-1' }, { name: 'Tia Assistante', email: 'org@enap.ca' }, now)
  await ctx.g.onRoster(course, listed, { sub: 'ta-1', roles: [] })
  const stranger = await upsertLtiPerson(ctx.db, { issuer: 'https://lms.example', clientId: 'c', subject: 'other' }, { name: 'Otto' }, now)
  const auth = { authorization: `Bearer ${ctx.app.jwt.sign({ sub: ctx.organizerId, sid: (await ctx.services.people.openDeviceSession(ctx.organizerId, 'test')).deviceSessionId })}` }

  const before = await countRows(ctx.db, TABLES)
  const granted = await ctx.app.inject({ method: 'POST', url: `/api/v1/events/${ctx.eventId}/invitations`, headers: auth, payload: { personId: listed, role: 'door_staff' } })
  t.equal(granted.statusCode, 200)
  t.match(granted.json(), { created: false, personId: listed, alreadyHeld: false, notified: true })
  t.notMatch(granted.body, /\/auth\/link\//)
  t.same(rowDeltas(before, await countRows(ctx.db, TABLES)), { registrations: 1 }, 'the role; no link, and no message (no address)')
  t.same(await ctx.services.people.roles(listed), [{ eventId: ctx.eventId, role: 'door_staff' }])

  const unseen = await countRows(ctx.db, TABLES)
  const refused = await ctx.app.inject({ method: 'POST', url: `/api/v1/events/${ctx.eventId}/invitations`, headers: auth, payload: { personId: stranger, role: 'organizer' } })
  t.equal(refused.statusCode, 404)
  t.match(refused.json(), { message: /neither registered in this event nor on the class list/, messageFr: /ni inscrite à cet événement ni sur la liste de classe/ })
  t.same(rowDeltas(unseen, await countRows(ctx.db, TABLES)), {}, 'nothing written')
})
