import t from 'tap'
import { testApp } from '../helpers/app.js'
import { ORIGIN, signInWithLink } from '../helpers/session.js'

interface Ctx { teardown: (fn: () => unknown) => void }

/** An organizer and four participants: Ana (no link), Bruno (active link), Chloé (no email), Denis (revoked link). */
const setup = async (t: Ctx) => {
  const ctx = await testApp(t)
  const [event] = await ctx.services.program.listEvents()
  const eventId = event!.id
  const link = await ctx.services.people.bootstrapOrganizer('org@enap.ca', [eventId], 'Odile Organisatrice')
  const organizerId = link.personId
  const participants = ctx.services.people.participants
  const add = async (name: string, email: string, language: 'fr' | 'en' = 'fr'): Promise<string> =>
    (await participants.add(organizerId, eventId, { name, email, language })).participant.personId
  const ana = await add('Ana Arsenault', 'ana@quebec.ca', 'en')
  const bruno = await add('Bruno Bélanger', 'bruno@quebec.ca')
  const chloe = await add('Chloé Cyr', 'chloe@quebec.ca')
  const denis = await add('Denis Dion', 'denis@quebec.ca')
  await participants.issueLink(organizerId, eventId, bruno)
  await participants.issueLink(organizerId, eventId, denis)
  await participants.revokeLink(organizerId, eventId, denis, { signOutEverywhere: false })
  await ctx.database.db.updateTable('people').set({ email: null }).where('id', '=', chloe).execute()
  const outbox = async (): Promise<Array<{ person_id: string | null, to_address: string, kind: string, subject: string, body_text: string }>> =>
    await ctx.database.db.selectFrom('outgoing_messages').select(['person_id', 'to_address', 'kind', 'subject', 'body_text']).orderBy('to_address').execute()
  return { ...ctx, eventId, organizerId, link, ids: { ana, bruno, chloe, denis }, outbox }
}

t.test('"send links to everyone without an active link": a new link and a message for each person with an email, none for the others', async t => {
  const ctx = await setup(t)
  const { services, eventId, organizerId, ids } = ctx
  const before = (await services.people.participants.list(eventId)).find(p => p.personId === ids.bruno)!.link.issuedAt
  const result = await services.people.participants.sendLinks(organizerId, eventId, 'without-active-link')
  t.same(result, { sent: 2, withoutEmail: 1, notOwned: 0 }, 'Ana and Denis; Chloé has no email; Bruno keeps his active link')
  const rows = await ctx.outbox()
  t.same(rows.map(r => [r.to_address, r.person_id, r.kind]), [['ana@quebec.ca', ids.ana, 'personal_link'], ['denis@quebec.ca', ids.denis, 'personal_link']])
  t.match(rows[0]!.body_text, /\/p\/[A-Za-z0-9_-]{43}/, 'the message carries the link')
  t.match(rows[0]!.subject + rows[0]!.body_text, /[A-Za-z]/)
  t.notMatch(rows[0]!.body_text, /Bonjour/, 'Ana asked for English')
  const after = new Map((await services.people.participants.list(eventId)).map(p => [p.personId, p.link]))
  t.equal(after.get(ids.ana)?.status, 'active')
  t.equal(after.get(ids.denis)?.status, 'active', 'a revoked link is replaced')
  t.equal(after.get(ids.chloe)?.status, 'none')
  t.same(after.get(ids.bruno)?.issuedAt, before, 'an active link is left alone')
})

t.test('"send links to everyone" (all): every participant with an email, active links replaced', async t => {
  const ctx = await setup(t)
  const result = await ctx.services.people.participants.sendLinks(ctx.organizerId, ctx.eventId, 'all')
  t.same(result, { sent: 3, withoutEmail: 1, notOwned: 0 })
  t.same((await ctx.outbox()).map(r => r.to_address), ['ana@quebec.ca', 'bruno@quebec.ca', 'denis@quebec.ca'])
})

t.test('only the event\'s organizers may send the links; nothing is written otherwise', async t => {
  const ctx = await setup(t)
  const refused = await ctx.services.people.participants.sendLinks(ctx.ids.ana, ctx.eventId, 'all').then(() => undefined, (err: unknown) => err)
  t.match(refused, { statusCode: 403 }, 'refused')
  t.same(await ctx.outbox(), [])
})

t.test('the form: a confirmation step with the count, then the Participant·e·s page with what was sent', async t => {
  const ctx = await setup(t)
  const { cookie, csrf } = await signInWithLink(ctx.app, ctx.link.url)
  const headers = { cookie, 'x-csrf-token': csrf, origin: ORIGIN, accept: 'text/html' }
  const base = `/organisateurs/evenements/${ctx.eventId}/participants`
  const confirm = await ctx.app.inject({ method: 'GET', url: `${base}/envoi-des-liens?qui=sans-lien&lang=fr`, headers })
  t.equal(confirm.statusCode, 200)
  t.match(confirm.body, /2 personnes sans lien actif recevront chacune un nouveau lien personnel/)
  t.match(confirm.body, /1 personne n’a pas d’adresse courriel/)
  t.match(confirm.body, /Envoyer 2 liens/)
  t.same(await ctx.outbox(), [], 'the confirmation page sends nothing')
  const sent = await ctx.app.inject({ method: 'POST', url: `${base}/envoi-des-liens?lang=fr`, headers, payload: { qui: 'sans-lien' } })
  t.equal(sent.statusCode, 200)
  t.match(sent.body, /2 liens envoyés, 1 personne sans courriel\./)
  t.match(sent.body, /aria-current="page"[^>]*>Participant·e·s</, 'back on the Participant·e·s page')
  t.equal((await ctx.outbox()).length, 2)
  const english = await ctx.app.inject({ method: 'GET', url: `${base}/envoi-des-liens?qui=tous&lang=en`, headers })
  t.match(english.body, /3 people will each receive a new personal link by email; active links will stop working\./)
})

t.test('the participants list filters on the server: words in name, email or employer, and link status', async t => {
  const ctx = await setup(t)
  const { cookie, csrf } = await signInWithLink(ctx.app, ctx.link.url)
  const headers = { cookie, 'x-csrf-token': csrf, accept: 'text/html' }
  const base = `/organisateurs/evenements/${ctx.eventId}/participants`
  const names = (body: string): string[] => [...body.matchAll(/<th scope="row">([^<]+)<\/th>/g)].map(m => m[1]!)
  const all = await ctx.app.inject({ method: 'GET', url: `${base}?lang=fr`, headers })
  t.same(names(all.body), ['Ana Arsenault', 'Bruno Bélanger', 'Chloé Cyr', 'Denis Dion'])
  const search = await ctx.app.inject({ method: 'GET', url: `${base}?lang=fr&q=chloe`, headers })
  t.same(names(search.body), ['Chloé Cyr'], 'accents aside')
  t.match(search.body, /1 personne affichée sur 4/)
  const active = await ctx.app.inject({ method: 'GET', url: `${base}?lang=fr&q=&lien=actif`, headers })
  t.same(names(active.body), ['Bruno Bélanger'])
  const none = await ctx.app.inject({ method: 'GET', url: `${base}?lang=fr&q=quebec.ca&lien=sans-lien`, headers })
  t.same(names(none.body), ['Ana Arsenault'], 'email words; Chloé has no email any more')
  const revoked = await ctx.app.inject({ method: 'GET', url: `${base}?lang=en&lien=revoque`, headers })
  t.same(names(revoked.body), ['Denis Dion'])
  const bad = await ctx.app.inject({ method: 'GET', url: `${base}?lien=nimporte`, headers })
  t.equal(bad.statusCode, 400)
})
