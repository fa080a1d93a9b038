import t from 'tap'
import { testApp, testConfig } from '../helpers/app.js'
import { bearerFor } from '../helpers/session.js'

const html = { accept: 'text/html' }

t.test('the privacy notice names the person in charge and says what the configuration keeps, for how long, in French and English', async t => {
  const base = testConfig()
  const ctx = await testApp(t, {
    config: {
      privacyOfficer: { name: 'Mireille Gardienne', email: 'vie.privee@enap.ca', phone: '514 849-3989' },
      retention: { ...base.retention, attendanceDays: 400, submissionsDays: 365, messagesDays: 90, peopleDays: 1095, accessLogDays: 1000 },
      attestationDetailsDays: 200
    }
  })
  const fr = await ctx.app.inject({ url: '/confidentialite', headers: html })
  t.equal(fr.statusCode, 200)
  t.match(fr.headers['content-type'], 'text/html')
  t.match(fr.body, '<html lang="fr">')
  t.match(fr.body, 'Personne responsable de la protection des renseignements personnels')
  t.match(fr.body, 'Mireille Gardienne')
  t.match(fr.body, 'href="mailto:vie.privee@enap.ca"')
  t.match(fr.body, 'href="tel:5148493989"')
  t.match(fr.body, '400 jours après la fin de l’événement', 'attendance retention from the configuration')
  t.match(fr.body, '90 jours après la fin', 'messages retention')
  t.match(fr.body, '1\u00a0095 jours (3 ans) après la fin', 'people retention')
  t.match(fr.body, '1\u00a0000 jours après la fin', 'access log retention')
  t.match(fr.body, '200 jours après la délivrance', 'attestation details')
  t.match(fr.body, 'Commission d’accès à l’information du Québec')
  t.match(fr.body, 'ne conserve aucune adresse IP')
  t.match(fr.body, 'Rectification')

  const en = await ctx.app.inject({ url: '/confidentialite?lang=en', headers: html })
  t.match(en.body, '<html lang="en">')
  t.match(en.body, 'Person in charge of the protection of personal information')
  t.match(en.body, '400 days after the end of the event')
  t.match(en.body, 'stores no IP address')

  const short = await ctx.app.inject({ url: '/privacy', headers: html })
  t.equal(short.statusCode, 301)
  t.equal(short.headers.location, '/confidentialite?lang=en')

  const json = await ctx.app.inject({ url: '/api/v1/privacy-notice' })
  t.equal(json.statusCode, 200)
  t.match(json.json(), { officer: { name: 'Mireille Gardienne', email: 'vie.privee@enap.ca', phone: '514 849-3989' }, retentionDays: { attendance: 400, messages: 90 }, attestationDetailsDays: 200, ipAddressesStored: false })

  const program = await ctx.app.inject({ url: '/', headers: html })
  t.match(program.body, 'href="/confidentialite?lang=fr"', 'every page links to the notice in its footer')
  t.match((await ctx.app.inject({ url: '/?lang=en', headers: html })).body, 'href="/confidentialite?lang=en">Privacy</a>')

  // What the notice claims: no column of any table holds an IP address.
  const columns = await ctx.database.db.selectFrom('information_schema.columns' as never)
    .select(['table_name', 'column_name', 'data_type'] as never[]).where('table_schema' as never, '=', 'public' as never).execute() as Array<{ table_name: string, column_name: string, data_type: string }>
  t.ok(columns.length > 50)
  t.same(columns.filter(c => c.data_type === 'inet' || c.data_type === 'cidr' || /(^|_)(ip|ip_address|remote_addr|address_ip)$/.test(c.column_name)), [], 'no IP address column')
})

t.test('without an email of their own, the notice gives the event\'s contact address', async t => {
  const ctx = await testApp(t)
  const [event] = await ctx.services.program.listEvents()
  t.ok(event?.contact.email)
  const page = await ctx.app.inject({ url: '/confidentialite', headers: html })
  t.match(page.body, 'Responsable de la protection des renseignements personnels')
  t.match(page.body, `href="mailto:${event!.contact.email!}"`)
  t.equal((await ctx.app.inject({ url: '/api/v1/privacy-notice' })).json().officer.email, event!.contact.email)

  // Pages that collect personal data point to the notice.
  const link = await ctx.services.people.bootstrapOrganizer('odile@enap.ca', [event!.id], 'Odile')
  const signIn = await ctx.app.inject({ url: new URL(link.url).pathname, headers: html })
  t.equal(signIn.statusCode, 200)
  t.match(signIn.body, 'Vos renseignements personnels sont traités selon l’<a href="/confidentialite?lang=fr">avis de confidentialité</a>')
  const bearer = await bearerFor(ctx, link.personId)
  const typed = await ctx.app.inject({ url: '/presence/code?lang=en', headers: { ...html, authorization: bearer } })
  t.equal(typed.statusCode, 200)
  t.match(typed.body, 'Your personal information is handled as described in Compagnon’s <a href="/confidentialite?lang=en">privacy notice</a>')
  const organizers = await ctx.app.inject({ url: '/organisateurs', headers: { ...html, authorization: bearer } })
  t.match(organizers.body, 'les personnes inscrites sont informées par l’<a href="/confidentialite?lang=fr">avis de confidentialité</a>', 'organizers adding participants')
  t.match(organizers.body, `href="/organisateurs/confidentialite/${event!.id}?lang=fr">Confidentialité</a>`, 'each event\'s privacy page')
})
