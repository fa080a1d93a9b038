import t from 'tap'
import { createHash } from 'node:crypto'
import { attestationSetup } from '../helpers/attestations.js'
import { ORIGIN, cookieHeader, sentToSignIn } from '../helpers/session.js'
import { given } from '../helpers/given.js'

const html = { accept: 'text/html' }

t.test('without SMTP, messages are stored and organizers read them in full, with the attachment, in French and English', async t => {
  const ctx = await attestationSetup(t)
  const paule = await ctx.person('Paule Émond')
  await ctx.attendHours(paule.id, 17)
  const attestation = (await ctx.services.attestations.request(paule.id, ctx.eventId, { name: 'Paule Émond', locale: 'fr', employer: null, hrEmail: 'rh@montreal.ca' })).attestation!
  const rows = await ctx.database.db.selectFrom('outgoing_messages').selectAll().orderBy('kind').execute()
  t.same(rows.map(r => r.status), ['stored', 'stored'])
  const auth = { ...html, authorization: ctx.organizer.bearer }

  const page = await ctx.app.inject({ url: `/organisateurs/messages/${ctx.eventId}`, headers: auth })
  t.equal(page.statusCode, 200)
  t.match(page.headers['cache-control'], 'no-store')
  t.match(page.body, 'Compagnon n’envoie pas de courriels pour le moment : chaque message est conservé ici, dans « Messages envoyés », pour que vous le transmettiez vous-même')
  t.match(page.body, paule.email)
  t.match(page.body, 'rh@montreal.ca')
  t.match(page.body, 'Copie aux ressources humaines')
  t.match(page.body, 'Conservé — à transmettre')
  const english = await ctx.app.inject({ url: `/organisateurs/messages/${ctx.eventId}?lang=en`, headers: auth })
  t.match(english.body, 'Compagnon does not send email at the moment: each message is kept here, in “Messages sent”, for you to pass on to the person yourself')
  t.match(english.body, 'Copy to human resources')

  const toPerson = rows.find(r => r.kind === 'attestation_issued')!
  t.match(page.body, `href="/organisateurs/messages/${ctx.eventId}/${toPerson.id}?lang=fr"`, 'each message opens')
  const one = await ctx.app.inject({ url: `/organisateurs/messages/${ctx.eventId}/${toPerson.id}`, headers: auth })
  t.equal(one.statusCode, 200)
  t.match(one.body, attestation.verifyUrl, 'the full text')
  t.match(one.body, 'Ce message n’a pas été envoyé')
  const link = `/organisateurs/messages/${ctx.eventId}/${toPerson.id}/piece-jointe`
  t.match(one.body, `href="${link}"`)
  const pdf = await ctx.app.inject({ url: link, headers: auth })
  t.equal(pdf.statusCode, 200)
  t.equal(pdf.headers['content-type'], 'application/pdf')
  t.match(pdf.headers['content-disposition'], /^attachment; filename="attestation-formation-[0-9A-Z]{8}\.pdf"$/)
  t.equal(createHash('sha256').update(pdf.rawPayload).digest('hex'), attestation.sha256, 'the stored PDF')

  const api = await ctx.app.inject({ url: `/api/v1/events/${ctx.eventId}/messages`, headers: { authorization: ctx.organizer.bearer } })
  t.equal(api.statusCode, 200)
  const body = api.json()
  t.equal(body.sending, false)
  t.same(body.messages.map((m: { kind: string, status: string, to: string }) => [m.kind, m.status, m.to]).sort(), [['attestation_hr_copy', 'stored', 'rh@montreal.ca'], ['attestation_issued', 'stored', paule.email]])
  t.match(body.messages[0], { attachmentName: /\.pdf$/, attempts: 0, lastError: null, nextAttemptAt: null, sentAt: null })
})

t.test('only organizers of the event see its messages; unknown ids are 404, bad ids 400', async t => {
  const ctx = await attestationSetup(t)
  const paule = await ctx.person('Paule Émond')
  await ctx.attendHours(paule.id, 17)
  await ctx.services.attestations.request(paule.id, ctx.eventId, { name: 'Paule Émond', locale: 'fr', employer: null, hrEmail: null })
  const [message] = await ctx.database.db.selectFrom('outgoing_messages').select('id').execute()
  const door = await ctx.person('Denis Porte', 'door_staff')
  const urls = [
    `/organisateurs/messages/${ctx.eventId}`,
    `/organisateurs/messages/${ctx.eventId}/${message!.id}`,
    `/organisateurs/messages/${ctx.eventId}/${message!.id}/piece-jointe`,
    `/api/v1/events/${ctx.eventId}/messages`
  ]
  for (const who of [paule, door]) {
    for (const url of urls) t.equal((await ctx.app.inject({ url, headers: { ...html, authorization: who.bearer } })).statusCode, 403, `${who.name}: ${url}`)
    const post = await ctx.app.inject({ method: 'POST', url: `/organisateurs/evenements/${ctx.eventId}/participants/${paule.id}/lien-courriel`, headers: { ...html, authorization: who.bearer, origin: ORIGIN } })
    t.equal(post.statusCode, 403)
  }
  // Without a session: the API answers 401, a page sends the browser to the sign-in form.
  for (const url of urls) {
    const res = await ctx.app.inject({ url, headers: html })
    t.ok(url.startsWith('/api/') ? res.statusCode === 401 : sentToSignIn(res, url), `anonymous: ${url}`)
  }
  const auth = { ...html, authorization: ctx.organizer.bearer }
  const unknown = await ctx.app.inject({ url: `/organisateurs/messages/${ctx.eventId}/00000000-0000-4000-8000-000000000000`, headers: auth })
  t.equal(unknown.statusCode, 404)
  t.match(unknown.body, 'Message introuvable pour cet événement.')
  t.equal((await ctx.app.inject({ url: `/organisateurs/messages/${ctx.eventId}/pas-un-id`, headers: auth })).statusCode, 400)
  t.equal((await ctx.app.inject({ url: '/organisateurs/messages/pas-un-id', headers: auth })).statusCode, 400)
})

t.test('a personal link by email without SMTP: a new link, the message stored for the organizer to pass on, and it works', async t => {
  const ctx = await attestationSetup(t)
  const marie = await ctx.person('Marie Tremblay')
  const auth = { ...html, authorization: ctx.organizer.bearer, origin: ORIGIN }
  const res = await ctx.app.inject({ method: 'POST', url: `/organisateurs/evenements/${ctx.eventId}/participants/${marie.id}/lien-courriel`, headers: auth })
  t.equal(res.statusCode, 303)
  const page = await ctx.app.inject({ url: res.headers.location as string, headers: auth })
  t.match(page.body, 'Un nouveau lien personnel a été créé pour Marie Tremblay ; l’ancien ne fonctionne plus.')
  t.match(page.body, 'Le message est conservé')
  const [message] = await ctx.database.db.selectFrom('outgoing_messages').selectAll().execute()
  t.match(message, { kind: 'personal_link', status: 'stored', to_address: marie.email, subject: /^Votre lien personnel — / })
  t.match(message!.body_text, 'Ce lien vous est réservé : ne le transmettez à personne.')
  t.match(message!.body_text, 'Il reste valide jusqu’au 23 décembre 2025 inclusivement.')
  const detail = await ctx.app.inject({ url: `/organisateurs/messages/${ctx.eventId}/${message!.id}`, headers: auth })
  const token = /http:\/\/127\.0\.0\.1:3000\/p\/([A-Za-z0-9_-]+)/.exec(detail.body)?.[1]
  t.ok(token, 'the organizer reads the link to pass on')
  const signIn = await ctx.app.inject({ method: 'POST', url: '/p', headers: { origin: ORIGIN, accept: 'text/html' }, payload: { token } })
  t.equal(signIn.statusCode, 303)
  const me = await ctx.app.inject({ url: '/moi', headers: { cookie: cookieHeader(signIn), accept: 'text/html' } })
  t.match(me.body, 'Marie Tremblay')
})

t.test('a personal link by email: refused clearly, and nothing changes, without an email address, from another site or for a non-participant', async t => {
  const ctx = await attestationSetup(t)
  const db = ctx.database.db
  const noEmail = await given(ctx).participant({ name: 'Jean Sans-Courriel', email: null, locale: 'fr' })
  const auth = { ...html, authorization: ctx.organizer.bearer, origin: ORIGIN }
  const url = (personId: string): string => `/organisateurs/evenements/${ctx.eventId}/participants/${personId}/lien-courriel`

  const res = await ctx.app.inject({ method: 'POST', url: url(noEmail.id), headers: auth })
  t.equal(res.statusCode, 400)
  t.match(res.body, 'Jean Sans-Courriel n’a pas d’adresse courriel')
  const api = await ctx.app.inject({ method: 'POST', url: url(noEmail.id), headers: { ...auth, accept: 'application/json' } })
  t.match(api.json(), { statusCode: 400, message: /has no email address/ })

  const marie = await ctx.person('Marie Tremblay')
  const crossSite = await ctx.app.inject({ method: 'POST', url: url(marie.id), headers: { ...auth, origin: 'https://evil.example' } })
  t.equal(crossSite.statusCode, 403)
  const student = await ctx.person('Éloi Étudiant', 'credited_student')
  t.equal((await ctx.app.inject({ method: 'POST', url: url(student.id), headers: auth })).statusCode, 404, 'a credited student signs in through the LMS')

  t.equal((await db.selectFrom('outgoing_messages').select('id').execute()).length, 0, 'no message')
  t.equal((await db.selectFrom('personal_links').select('person_id').execute()).length, 0, 'no link issued')
})
