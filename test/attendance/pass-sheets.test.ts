// Pass sheets print codes that open doors: a pass opens every event its holder is registered to,
// so an organizer prints only the passes of people no other organizer answers for.
import t from 'tap'
import { extractText, getDocumentProxy } from 'unpdf'
import { twoEvents } from '../helpers/two-events.js'
import { given } from '../helpers/given.js'

const words = (text: string): string => text.replace(/[\s\u00a0\u202f]+/g, ' ').trim()

async function sheets (world: Awaited<ReturnType<typeof twoEvents>>, cookie: string, lang = 'fr'): Promise<string> {
  const res = await world.app.inject({ url: `/organisateurs/evenements/${world.a}/laissez-passer.pdf?lang=${lang}`, headers: { cookie } })
  t.equal(res.statusCode, 200)
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(res.rawPayload)), { mergePages: true })
  return words(text)
}

t.test('the pass sheets leave out people also registered at an event the organizer does not run, and say how many', async t => {
  const world = await twoEvents(t)
  const { a, b, orgA, orgB } = world
  const db = world.database.db
  const only = await world.services.people.participants.add(orgA.personId, a, { name: 'Alice Seulement-A', email: 'alice@a.example', employer: 'MAMH' })
  const g = given(world)
  await g.participant({ name: 'Bastien Deux-Événements', email: 'bastien@b.example', event: a }).registered('credited_student', b)
  const passesBefore = await db.selectFrom('attendance_passes').select('person_id').execute()

  const text = await sheets(world, orgA.cookie)
  t.ok(text.includes('Alice Seulement-A'), 'a person of this event only is printed')
  t.notOk(text.includes('Bastien'), 'a person also registered at B is not')
  t.ok(text.includes('Non imprimé : le laissez-passer d’une personne inscrite aussi à un événement que vous n’organisez pas (il en ouvre aussi les portes). Elle l’affiche sur son téléphone, dans Mes présences.'), 'the sheet says one was left out, why, and what that person does instead: the whole sentence')
  const issued = await db.selectFrom('attendance_passes').select('person_id').execute()
  t.same(issued.map(r => r.person_id).filter(id => !passesBefore.some(p => p.person_id === id)), [only.participant.personId], 'only the printed pass was issued')

  const english = await sheets(world, orgA.cookie, 'en')
  t.ok(english.includes('Not printed: the pass of one person also registered at an event you do not organize (it opens that event’s doors too). They show it on their phone, in My attendance.'), 'in English too, whole')

  // Two people left out: the plural, with the number.
  await g.participant({ name: 'Chloé Deux-Événements', email: 'chloe@b.example', event: a }).registered('participant', b)
  const two = await sheets(world, orgA.cookie)
  t.notOk(two.includes('Chloé'), 'the second person also registered at B is not printed either')
  t.ok(two.includes('Non imprimés : les laissez-passer de 2 personnes inscrites aussi à un événement que vous n’organisez pas (ils en ouvrent aussi les portes). Elles les affichent sur leur téléphone, dans Mes présences.'), 'two left out: the plural sentence, whole')
  const twoEnglish = await sheets(world, orgA.cookie, 'en')
  t.ok(twoEnglish.includes('Not printed: the passes of 2 people also registered at an event you do not organize (they open that event’s doors too). They show them on their phone, in My attendance.'), 'the plural in English, whole')

  // An organizer of both events answers for both: everyone is printed, nothing is left out.
  await g.registered(orgA.personId, 'organizer', b)
  const all = await sheets(world, orgA.cookie)
  t.ok(all.includes('Bastien Deux-Événements') && all.includes('Chloé Deux-Événements') && all.includes('Alice Seulement-A'), 'all printed, names whole')
  t.notOk(all.includes('Non imprimé'), 'no note')

  // B's organizer may not print A's sheets at all.
  const refused = await world.app.inject({ url: `/organisateurs/evenements/${a}/laissez-passer.pdf?lang=fr`, headers: { cookie: orgB.cookie } })
  t.equal(refused.statusCode, 403)
})
