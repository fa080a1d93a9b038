// Issue 15, acceptance: independent black-box probes. Written from the README of the time (now the guide, docs/) and the OpenAPI
// document only (no reading of src/), against the real server started as `npm start` starts it,
// with a second event imported by the `program:import` command and one organizer per event made
// by `organizer:create`. Everything goes through HTTP and the command-line tools: no database
// access, no import of the application. Organizer A tries every documented way to get a working
// sign-in link to, or to rename, organizer B and a participant of B's event; each probe asserts the
// refusal, tries every link-like URL found in any answer, and reads B's side back through B's own
// session. Last, a copied session JWT (bearer and cookie) is refused once its device signs out.
import t, { type Test } from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse, stringify } from 'yaml'
import { childEnv, freePort, postgresEnv, runTs, startServer, stopServer } from '../helpers/process.js'
import { freshDatabaseUrl } from '../helpers/database.js'
import { seededDataDir } from '../helpers/data-dir.js'

// The program file the guide names (src/program/data/…): read as data, like `npm run program:import` does.
const programFile = fileURLToPath(new URL('../../src/program/data/ecole-automne-coproduction-2025.yaml', import.meta.url))
const KEY_A = 'ecole-automne-coproduction-2025'
const KEY_B = 'ecole-hiver-gouvernance-2026'

/** One browser or API client: its cookies, kept as a browser keeps them. */
class Device {
  readonly cookies = new Map<string, string>()
  constructor (readonly base: string) {}

  cookieHeader (): string { return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') }
  get jwt (): string | undefined { return this.cookies.get('compagnon_session') }

  async request (path: string, init: RequestInit = {}): Promise<Answer> {
    const headers = new Headers(init.headers)
    if (this.cookies.size > 0 && !headers.has('cookie')) headers.set('cookie', this.cookieHeader())
    if (init.method !== undefined && init.method !== 'GET' && !headers.has('origin')) headers.set('origin', this.base)
    const res = await fetch(new URL(path, this.base), { ...init, headers, redirect: 'manual' })
    const setCookies = res.headers.getSetCookie()
    for (const line of setCookies) {
      const [pair] = line.split(';')
      const eq = (pair ?? '').indexOf('=')
      if (eq <= 0 || pair === undefined) continue
      const name = pair.slice(0, eq).trim()
      const value = pair.slice(eq + 1).trim()
      if (value === '' || /max-age=0/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    const text = await res.text()
    // Everything the answer carries, for the link harvest: headers (a flash cookie, a Location) and body.
    const everything = `${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${setCookies.join('\n')}\n${text}`
    return { status: res.status, text, location: res.headers.get('location'), everything, json: () => JSON.parse(text) as unknown }
  }

  /** Follows a page form's 303 to the page it leads to, as a browser would. */
  async follow (answer: Answer): Promise<Answer> {
    if (answer.status !== 303 || answer.location === null) return answer
    const next = await this.request(answer.location, { headers: { accept: 'text/html' } })
    return { ...next, everything: `${answer.everything}\n${next.everything}` }
  }

  async csrf (): Promise<string> {
    const page = await this.request('/moi', { headers: { accept: 'text/html' } })
    const token = /<meta name="csrf-token" content="([^"]+)"/.exec(page.text)?.[1]
    if (token === undefined) throw new Error(`no CSRF token on /moi (${page.status})`)
    return token
  }

  /** A page form, posted the way the page posts it (cookie session, CSRF token, same origin). */
  async form (path: string, fields: Record<string, string>): Promise<Answer> {
    const token = await this.csrf()
    return await this.follow(await this.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': token, accept: 'text/html' },
      body: new URLSearchParams({ ...fields, _csrf: token }).toString()
    }))
  }

  async api (method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Answer> {
    const jwt = this.jwt
    if (jwt === undefined) throw new Error('not signed in')
    const headers: Record<string, string> = { authorization: `Bearer ${jwt}`, cookie: '' }
    if (body !== undefined) headers['content-type'] = contentType
    return await this.request(path, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) })
  }
}

interface Answer { status: number, text: string, location: string | null, everything: string, json: () => unknown }
interface Me { person: { id: string, displayName: string, email: string | null, preferredLocale: string }, roles: Array<{ eventId: string, role: string }> }
interface Participant { personId: string, name: string, email: string, employer: string | null, preferredLocale: string, link: { status: string, issuedAt: string | null } }

/** Opens a one-time sign-in link (`/auth/link/…`) as the guide describes: the page, then its button. */
async function signInWithLink (base: string, url: string): Promise<Device> {
  const device = new Device(base)
  const token = new URL(url).pathname.split('/').pop() ?? ''
  const page = await device.request(new URL(url).pathname, { headers: { accept: 'text/html' } })
  if (page.status !== 200) throw new Error(`sign-in page answered ${page.status}`)
  const done = await device.request('/auth/link', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }).toString() })
  if (done.status !== 303 || device.jwt === undefined) throw new Error(`sign-in answered ${done.status}: ${done.text}`)
  return device
}

async function signInWithPersonalLink (base: string, url: string): Promise<Device> {
  const device = new Device(base)
  const token = new URL(url).pathname.split('/').pop() ?? ''
  const page = await device.request(`/p/${token}`, { headers: { accept: 'text/html' } })
  if (page.status !== 200) throw new Error(`personal link page answered ${page.status}`)
  const done = await device.request('/p', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }).toString() })
  if (done.status !== 303 || device.jwt === undefined) throw new Error(`personal link answered ${done.status}: ${done.text}`)
  return device
}

t.test('an organizer of one event gets no working link to, and cannot rename, an account of another event; a signed-out session JWT is refused', async t => {
  // ---------------------------------------------------------------- the server, as an operator sets it up

  const root = t.testdir()
  const url = await freshDatabaseUrl(t)
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  // Embedded: a DATA_DIR already migrated with the 2025 program (the tests' template), so the first
  // import below is the idempotent re-import and the file stays within its time; PostgreSQL: empty.
  const dataDir = url === undefined ? await seededDataDir(join(root, 'data')) : join(root, 'data')
  const env = childEnv({ ...(url === undefined ? { DATA_DIR: dataDir } : postgresEnv(url)), PUBLIC_URL: base })

  // The 2025 event is over (README and docs/organisation/mise-en-place.md, `npm run demo`), and personal links end 60 days after an event's
  // last day: with the server on the wall clock, a refusal for that reason would hide whether a
  // refusal is about whose account it is. Both program files are therefore moved to the weeks
  // ahead, same weekdays and times, as `npm run demo` does: the 2025 file keeps its key, and its copy
  // gets another key and title.
  interface Day { date: string }
  const program = parse(readFileSync(programFile, 'utf8')) as { event: Record<string, unknown>, days: Day[] }
  const firstDay = new Date(`${program.days[0]?.date ?? ''}T12:00:00Z`)
  const nextMonday = new Date(Date.now() + 7 * 86_400_000)
  nextMonday.setUTCDate(nextMonday.getUTCDate() + ((8 - nextMonday.getUTCDay()) % 7))
  const shiftDays = Math.round((nextMonday.getTime() - firstDay.getTime()) / (7 * 86_400_000)) * 7
  const moved = (date: string): string => new Date(new Date(`${date}T12:00:00Z`).getTime() + shiftDays * 86_400_000).toISOString().slice(0, 10)
  const days = program.days.map(day => ({ ...day, date: moved(day.date) }))
  const firstFile = join(root, 'automne.yaml')
  const secondFile = join(root, 'hiver.yaml')
  writeFileSync(firstFile, stringify({ ...program, days }))
  writeFileSync(secondFile, stringify({ ...program, days, event: { ...program.event, key: KEY_B, title: { fr: 'École d\'hiver sur la gouvernance', en: 'Winter School on Governance' } } }))

  async function cli (t: Test, script: string, args: string[]): Promise<string> {
    const run = await runTs(script, args, env)
    t.equal(run.code, 0, `${script} ${args.join(' ')}: ${run.stderr}`)
    return run.stdout
  }

  const setup = await (async () => {
    const out: Record<string, string> = {}
    await t.test('the operator imports two events and makes one organizer for each with the documented commands', async t => {
      t.match(await cli(t, 'src/cli/program-import.ts', [firstFile]), new RegExp(`Event ${KEY_A} (created|updated)`))
      t.match(await cli(t, 'src/cli/program-import.ts', [secondFile]), new RegExp(`Event ${KEY_B} created`))
      for (const [who, email, name, key] of [['a', 'alice.a@enap.ca', 'Alice A', KEY_A], ['b', 'bob.b@enap.ca', 'Bob B', KEY_B]] as const) {
        const stdout = await cli(t, 'src/cli/organizer-create.ts', [email, '--event', key, '--name', name])
        const link = new RegExp(`${base.replace(/[.]/g, '\\.')}/auth/link/[A-Za-z0-9_-]{20,}`).exec(stdout)?.[0]
        t.ok(link, `organizer:create prints a one-time sign-in link on PUBLIC_URL for ${who}`)
        out[who] = link ?? ''
      }
    })
    return out
  })()

  const server = await startServer(env, port)
  t.teardown(async () => { await stopServer(server.child) })

  const events = (await (await fetch(`${base}/api/v1/events`)).json() as { events: Array<{ id: string, key: string }> }).events
  const eventA = events.find(e => e.key === KEY_A)?.id ?? ''
  const eventB = events.find(e => e.key === KEY_B)?.id ?? ''

  const alice = await signInWithLink(base, setup.a ?? '')
  const bob = await signInWithLink(base, setup.b ?? '')
  const me = async (device: Device): Promise<Me> => (await device.api('GET', '/api/v1/me')).json() as Me
  const aliceMe = await me(alice)
  const bobMe = await me(bob)

  // B's participant, added and given a personal link by B, signed in with it on her phone.
  const PAULA = { name: 'Paula Bérubé', email: 'paula.berube@example.org', employer: 'Ville de Laval', language: 'fr' }
  const added = await bob.api('POST', `/api/v1/events/${eventB}/participants`, PAULA)
  const paulaId = (added.json() as { participant: Participant }).participant.personId
  const paulaLinkAnswer = await bob.api('POST', `/api/v1/events/${eventB}/participants/${paulaId}/personal-link`)
  if (paulaLinkAnswer.status !== 201) throw new Error(paulaLinkAnswer.text)
  const paulaLink = paulaLinkAnswer.json() as { url: string }
  const paula = await signInWithPersonalLink(base, paulaLink.url)
  const paulaMe = await me(paula)

  const victims = new Map([[bobMe.person.id, 'organizer B'], [paulaId, 'B\'s participant']])

  /** B's account and B's participant as B reads them (B's own session). */
  async function bSide (): Promise<{ me: Me, page: string, export: { person: Record<string, unknown>, signInLinks: unknown[], personalLinks: unknown[] }, paula: Participant | undefined }> {
    const page = await bob.request('/moi', { headers: { accept: 'text/html' } })
    const list = (await bob.api('GET', `/api/v1/events/${eventB}/participants`)).json() as { participants: Participant[] }
    return {
      me: await me(bob),
      page: page.text,
      export: (await bob.api('GET', '/api/v1/me/export')).json() as { person: Record<string, unknown>, signInLinks: unknown[], personalLinks: unknown[] },
      paula: list.participants.find(p => p.personId === paulaId)
    }
  }
  const before = await bSide()

  const LINK = /\/(auth\/link|p|cours\/suite)\/([A-Za-z0-9_-]{16,})/g
  let linksTried = 0

  /** Every account that a link-like URL in an answer opens for a stranger's browser (the page, then its button). */
  async function accountsOpened (answer: Answer): Promise<Array<{ link: string, personId: string }>> {
    const opened: Array<{ link: string, personId: string }> = []
    for (const [, kind, token] of answer.everything.matchAll(LINK)) {
      if (kind === undefined || token === undefined) continue
      linksTried++
      const stranger = new Device(base)
      await stranger.request(`/${kind}/${token}`, { headers: { accept: 'text/html' } })
      if (kind !== 'cours/suite') {
        await stranger.request(kind === 'p' ? '/p' : '/auth/link', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }).toString() })
      }
      if (stranger.jwt === undefined) continue
      const who = await stranger.api('GET', '/api/v1/me')
      if (who.status === 200) opened.push({ link: `/${kind}/…`, personId: (who.json() as Me).person.id })
    }
    return opened
  }

  /** Fails, naming the probe, if any link in one of A's answers opens organizer B's or B's participant's account. */
  async function assertNoWorkingLink (t: Test, answer: Answer, probe: string): Promise<void> {
    for (const { link, personId } of await accountsOpened(answer)) {
      t.notOk(victims.has(personId), `HOLE — ${probe}: the link ${link} found in A's answer opens ${victims.get(personId) ?? 'an'} account`)
    }
  }

  /** A refusal: a 4xx answer that names what went wrong in French and English, with no link in it. */
  async function assertRefused (t: Test, answer: Answer, probe: string, statuses = [403, 404, 409]): Promise<void> {
    t.ok(statuses.includes(answer.status), `${probe}: refused (${answer.status} in ${statuses.join('/')})`)
    if (answer.text.startsWith('{')) {
      const body = answer.json() as { message?: string, messageFr?: string }
      t.ok((body.message ?? '') !== '' && (body.messageFr ?? '') !== '', `${probe}: the refusal says why in French and English`)
    }
    t.notMatch(answer.everything, LINK, `${probe}: no link in the refusal`)
    await assertNoWorkingLink(t, answer, probe)
  }

  await t.test('the setup: two events, A organizes only the first, B the second, B\'s participant is signed in', async t => {
    t.ok(eventA !== '' && eventB !== '' && eventA !== eventB, 'both events are listed')
    t.same(aliceMe.roles, [{ eventId: eventA, role: 'organizer' }])
    t.same(bobMe.roles, [{ eventId: eventB, role: 'organizer' }])
    t.equal(paulaMe.person.id, paulaId)
    t.equal(before.paula?.name, PAULA.name)
    // Control: the harvest finds and follows a real link, so an answer with none is a real absence.
    t.same((await accountsOpened(paulaLinkAnswer)).map(o => o.personId), [paulaId], 'the link harvest opens the personal link B was shown (control)')
  })

  await t.test('A cannot act in B\'s event: every people, link, message and export route of event B refuses A', async t => {
    const probes: Array<[string, () => Promise<Answer>]> = [
      ['list B\'s participants', async () => await alice.api('GET', `/api/v1/events/${eventB}/participants`)],
      ['add a participant to B\'s event', async () => await alice.api('POST', `/api/v1/events/${eventB}/participants`, { name: 'Renommée par A', email: PAULA.email })],
      ['import into B\'s event', async () => await alice.api('POST', `/api/v1/events/${eventB}/participants/import`, `nom,courriel\nRenommé par A,${bobMe.person.email ?? ''}\n`, 'text/csv')],
      ['issue a personal link in B\'s event', async () => await alice.api('POST', `/api/v1/events/${eventB}/participants/${paulaId}/personal-link`)],
      ['revoke a personal link in B\'s event', async () => await alice.api('DELETE', `/api/v1/events/${eventB}/participants/${paulaId}/personal-link?signOutEverywhere=true`)],
      ['invite into B\'s event', async () => await alice.api('POST', `/api/v1/events/${eventB}/invitations`, { email: bobMe.person.email, role: 'organizer' })],
      ['read B\'s stored messages', async () => await alice.api('GET', `/api/v1/events/${eventB}/messages`)],
      ['export B\'s participant through B\'s event', async () => await alice.api('GET', `/api/v1/events/${eventB}/people/${paulaId}/export`)],
      ['export organizer B through B\'s event', async () => await alice.api('GET', `/api/v1/events/${eventB}/people/${bobMe.person.id}/export`)],
      ['messages page of B\'s event', async () => await alice.request(`/organisateurs/messages/${eventB}`, { headers: { accept: 'text/html' } })],
      ['privacy export page of B\'s event', async () => await alice.request(`/organisateurs/confidentialite/${eventB}/exportation?personne=${paulaId}`, { headers: { accept: 'text/html' } })],
      ['erasure search in B\'s event', async () => await alice.api('GET', `/api/v1/events/${eventB}/privacy/erasures/people?q=paula`)],
      ['personal-link form of B\'s event', async () => await alice.form(`/organisateurs/evenements/${eventB}/participants/${paulaId}/lien`, {})],
      ['e-mail-the-link form of B\'s event', async () => await alice.form(`/organisateurs/evenements/${eventB}/participants/${paulaId}/lien-courriel`, {})],
      ['add-participant form of B\'s event', async () => await alice.form(`/organisateurs/evenements/${eventB}/participants`, { name: 'Renommée par A', email: PAULA.email })],
      ['invitation form for B\'s event', async () => await alice.form('/organisateurs/invitations', { eventId: eventB, email: bobMe.person.email ?? '', role: 'organizer' })]
    ]
    for (const [probe, run] of probes) await assertRefused(t, await run(), probe, [403])
  })

  await t.test('before A registers them, A gets no personal link and no export of B or B\'s participant through A\'s event', async t => {
    for (const [id, who] of victims) {
      await assertRefused(t, await alice.api('POST', `/api/v1/events/${eventA}/participants/${id}/personal-link`), `personal link for ${who} in A's event`, [404, 409])
      await assertRefused(t, await alice.api('GET', `/api/v1/events/${eventA}/people/${id}/export`), `export of ${who} in A's event`, [403, 404])
      await assertRefused(t, await alice.form(`/organisateurs/evenements/${eventA}/participants/${id}/lien`, {}), `personal-link form for ${who} in A's event`, [404, 409])
    }
  })

  await t.test('A registering B and B\'s participant in A\'s event with other details renames nobody', async t => {
    const renames = [
      { who: 'organizer B', email: bobMe.person.email ?? '' },
      { who: 'B\'s participant', email: PAULA.email.toUpperCase() }
    ]
    for (const { who, email } of renames) {
      const addedByA = await alice.api('POST', `/api/v1/events/${eventA}/participants`, { name: `Renommé·e par A (${who})`, email, employer: 'Entreprise de A', language: 'en' })
      t.equal(addedByA.status, 200, `adding ${who} answers 200, not "added"`)
      const body = addedByA.json() as { outcome: string, participant: Participant }
      t.equal(body.outcome, 'kept', `adding ${who}: existing account kept`)
      t.notMatch(body.participant.name, /Renommé/, `adding ${who}: the answer shows the account's own name`)
      await assertNoWorkingLink(t, addedByA, `add ${who} to A's event`)
    }
    const csv = `nom;courriel;employeur;langue\nRenommé par fichier;${bobMe.person.email ?? ''};Entreprise de A;english\nRenommée par fichier;${PAULA.email};Entreprise de A;english\n`
    const imported = await alice.api('POST', `/api/v1/events/${eventA}/participants/import`, csv, 'text/csv')
    t.equal(imported.status, 200, imported.text)
    t.match(imported.json(), { added: 0, updated: 0, kept: 2 }, 'the CSV import keeps both accounts as they are')
    await assertNoWorkingLink(t, imported, 'CSV import into A\'s event')

    const formAdd = await alice.form(`/organisateurs/evenements/${eventA}/participants`, { name: 'Renommée par formulaire', email: PAULA.email, employer: 'Entreprise de A', language: 'en' })
    t.ok(formAdd.status < 400, `the add form answers (${formAdd.status})`)
    await assertNoWorkingLink(t, formAdd, 'add form in A\'s event')

    const token = await alice.csrf()
    const multipart = new FormData()
    multipart.set('file', new Blob([csv], { type: 'text/csv' }), 'participants.csv')
    const pageImport = await alice.follow(await alice.request(`/organisateurs/evenements/${eventA}/participants/import?_csrf=${encodeURIComponent(token)}`, { method: 'POST', headers: { 'x-csrf-token': token, accept: 'text/html' }, body: multipart }))
    t.ok(pageImport.status < 400, `the import form answers (${pageImport.status})`)
    await assertNoWorkingLink(t, pageImport, 'import form in A\'s event')

    const invite = await alice.api('POST', `/api/v1/events/${eventA}/invitations`, { email: bobMe.person.email, role: 'door_staff', name: 'Renommé par invitation' })
    t.equal(invite.status, 200, 'inviting B\'s existing address: 200, no new account')
    t.match(invite.json(), { created: false }, 'no account created')
    t.notOk((invite.json() as { url?: string }).url, 'no link returned for an existing account')
    await assertNoWorkingLink(t, invite, 'invitation of organizer B')

    const after = await bSide()
    t.equal(after.me.person.displayName, before.me.person.displayName, 'HOLE if different — organizer B\'s name, read by B, is unchanged')
    t.equal(after.me.person.preferredLocale, before.me.person.preferredLocale, 'organizer B\'s language is unchanged')
    t.equal(after.export.person.employer, before.export.person.employer, 'organizer B\'s employer is unchanged')
    t.match(after.page, before.me.person.displayName, 'B\'s /moi shows B\'s own name')
    t.notMatch(after.page, /Renomm/, 'B\'s /moi shows no name A typed')
    t.equal(after.paula?.name, PAULA.name, 'HOLE if different — B\'s participant\'s name, read by B, is unchanged')
    t.equal(after.paula?.employer, PAULA.employer, 'B\'s participant\'s employer is unchanged')
    t.equal(after.paula?.preferredLocale, PAULA.language, 'B\'s participant\'s language is unchanged')
  })

  await t.test('once they are in A\'s event too, A still gets no working link to B or B\'s participant by any documented path', async t => {
    for (const [id, who] of victims) {
      await assertRefused(t, await alice.api('POST', `/api/v1/events/${eventA}/participants/${id}/personal-link`), `personal link for ${who} in A's event`, [409])
      await assertRefused(t, await alice.form(`/organisateurs/evenements/${eventA}/participants/${id}/lien`, {}), `personal-link form for ${who}`, [409])
      await assertRefused(t, await alice.form(`/organisateurs/evenements/${eventA}/participants/${id}/lien-courriel`, {}), `e-mail-the-link form for ${who}`, [409])
      const invited = await alice.api('POST', `/api/v1/events/${eventA}/invitations`, { personId: id, role: 'organizer' })
      t.notOk((invited.json() as { url?: string }).url, `inviting ${who} by person id returns no link`)
      await assertNoWorkingLink(t, invited, `invitation of ${who} by person id`)
      const exported = await alice.api('GET', `/api/v1/events/${eventA}/people/${id}/export`)
      t.equal(exported.status, 200, `A may export what A's event holds about ${who}`)
      await assertNoWorkingLink(t, exported, `export of ${who} through A's event`)
      await assertNoWorkingLink(t, await alice.request(`/organisateurs/confidentialite/${eventA}/exportation?personne=${id}`, { headers: { accept: 'text/html' } }), `export page of ${who}`)
    }
    const inviteForm = await alice.form('/organisateurs/invitations', { eventId: eventA, email: PAULA.email, role: 'door_staff', name: 'Renommée' })
    await assertNoWorkingLink(t, inviteForm, 'invitation form for B\'s participant')

    // Everything A can read that names them: participants, messages (list and each one), pages.
    const reads: Array<[string, string, boolean]> = [
      ['participants list', `/api/v1/events/${eventA}/participants`, true],
      ['stored messages', `/api/v1/events/${eventA}/messages`, true],
      ['erasure search', `/api/v1/events/${eventA}/privacy/erasures/people?q=${encodeURIComponent('Bérubé')}`, true],
      ['organizer area', '/organisateurs', false],
      ['messages page', `/organisateurs/messages/${eventA}`, false],
      ['privacy page', `/organisateurs/confidentialite/${eventA}`, false]
    ]
    for (const [what, path, api] of reads) {
      const answer = api ? await alice.api('GET', path) : await alice.request(path, { headers: { accept: 'text/html' } })
      t.equal(answer.status, 200, `A reads A's ${what}`)
      await assertNoWorkingLink(t, answer, `A's ${what}`)
    }
    const messages = ((await alice.api('GET', `/api/v1/events/${eventA}/messages`)).json() as { messages: Array<{ id: string, personId: string | null }> }).messages
    // The roles A offered them (they belong to another event) wait for their consent; the
    // messages saying so belong to no event, so A's lists hold none.
    t.notOk(messages.some(m => m.personId !== null && victims.has(m.personId)), 'A\'s event holds no message to them: role invitations are told outside any event')
    for (const message of messages) {
      await assertNoWorkingLink(t, await alice.request(`/organisateurs/messages/${eventA}/${message.id}`, { headers: { accept: 'text/html' } }), `message page ${message.id}`)
    }

    // « M'envoyer mon lien » for their addresses: the same answer as for anyone, never a link.
    for (const email of [bobMe.person.email ?? '', PAULA.email]) {
      const asked = await alice.request('/api/v1/sign-in-links', { method: 'POST', headers: { 'content-type': 'application/json', cookie: '' }, body: JSON.stringify({ email }) })
      t.ok([200, 202].includes(asked.status), `sign-in link request answers like any other (${asked.status})`)
      await assertNoWorkingLink(t, asked, 'self-service sign-in link request')
    }

    // What B's own export says exists: no sign-in or personal link was made for B by any of this.
    const after = await bSide()
    t.equal(after.export.signInLinks.length, before.export.signInLinks.length, 'HOLE if different — no sign-in link was made for organizer B')
    t.equal(after.export.personalLinks.length, before.export.personalLinks.length, 'HOLE if different — no personal link was made for organizer B')
    t.not(after.paula?.link.status, 'active', 'B\'s participant holds no live link issued since (her own was ended when another event registered her, as docs/organisation/equipe.md says)')
    t.equal(after.me.person.displayName, before.me.person.displayName, 'organizer B\'s name is still B\'s')
    t.equal(after.paula?.name, PAULA.name, 'B\'s participant\'s name is still hers')

    // Consent: A invited B (by email, by id) to A's team; B holds no role in A until B accepts,
    // from B's own page, with B's own session.
    const staffInA = (roles: Me['roles']): string[] => roles.filter(r => r.eventId === eventA && r.role !== 'participant').map(r => r.role)
    t.same(staffInA(after.me.roles), [], 'HOLE if different — B holds no staff role in A without accepting it (only the participant registration A made)')
    const offers = [...(await bob.request('/moi?lang=en', { headers: { accept: 'text/html' } })).text
      .matchAll(/<li>\s*<p>([^<]*)<\/p>\s*<form method="post" action="(\/moi\/invitations\/[0-9a-f-]{36})\/accepter/g)].map(m => ({ text: m[1] ?? '', path: m[2] ?? '' }))
    t.equal(offers.length, 2, 'B\'s /moi lists two role invitations (door staff and organizer of A)')
    const organizerOffer = offers.find(o => / — organizer — /.test(o.text))
    const doorOffer = offers.find(o => / — door staff — /.test(o.text))
    t.ok(organizerOffer !== undefined && doorOffer !== undefined, 'each names its role')
    t.equal((await alice.form(`${doorOffer?.path ?? ''}/accepter`, {})).status, 404, 'A cannot accept B\'s invitation for B')
    t.same(staffInA((await me(bob)).roles), [], 'still no staff role in A')
    const declined = await bob.form(`${organizerOffer?.path ?? ''}/refuser`, {})
    t.equal(declined.status, 200, 'B declines the organizer role (back on /moi)')
    const accepted = await bob.form(`${doorOffer?.path ?? ''}/accepter`, {})
    t.equal(accepted.status, 200, 'B accepts the door-staff role (back on /moi)')
    t.same(staffInA((await me(bob)).roles), ['door_staff'], 'B holds exactly the staff role B accepted in A')
    await assertNoWorkingLink(t, accepted, 'B\'s /moi after accepting')
    // docs/organisation/equipe.md: an account B's staff created is signed out once another event registers it.
    t.comment(`B's participant's own session after A registered her: ${(await paula.api('GET', '/api/v1/me')).status}`)
    t.comment(`link-like URLs found in A's answers and tried: ${linksTried}`)
  })

  await t.test('A can neither erase (anonymise) nor sign out B or B\'s participant through A\'s event', async t => {
    for (const [id, who] of victims) {
      const revoked = await alice.api('DELETE', `/api/v1/events/${eventA}/participants/${id}/personal-link?signOutEverywhere=true`)
      await assertRefused(t, revoked, `revoking ${who}'s personal link and devices from A's event`, [409])
      const preview = await alice.api('GET', `/api/v1/events/${eventA}/privacy/erasures/preview?personId=${id}`)
      t.equal(preview.status, 200, `A may preview an erasure of ${who} (it names the other event)`)
      t.match(preview.text, 'hiver', `the preview of ${who} names B's event`)
      await assertNoWorkingLink(t, preview, `erasure preview of ${who}`)
      const recorded = await alice.api('POST', `/api/v1/events/${eventA}/privacy/erasures`, { personId: id, requestedAt: new Date().toISOString(), channel: 'email', reason: 'Demande reçue par courriel' })
      t.equal(recorded.status, 201, `A may record ${who}'s request (nothing is erased yet)`)
      const { id: requestId } = recorded.json() as { id: string }
      await assertRefused(t, await alice.api('POST', `/api/v1/events/${eventA}/privacy/erasures/${requestId}/confirm`), `confirming the erasure of ${who} from A's event`, [403])
    }
    t.equal((await bob.api('GET', '/api/v1/me')).status, 200, 'organizer B\'s own session still works')
    const after = await bSide()
    t.equal(after.me.person.displayName, before.me.person.displayName, 'HOLE if different — organizer B keeps B\'s name')
    t.equal(after.me.person.email, before.me.person.email, 'organizer B keeps B\'s email')
    t.equal(after.paula?.name, PAULA.name, 'HOLE if different — B\'s participant keeps her name')
    t.equal(after.paula?.email, PAULA.email, 'B\'s participant keeps her email')
  })

  await t.test('a copied session JWT is refused, as bearer and as cookie, once its device signs out', async t => {
    const copied = alice.jwt ?? ''
    const copiedCookies = alice.cookieHeader()
    t.equal((await alice.api('GET', '/api/v1/me')).status, 200, 'the bearer works before sign-out')
    t.equal((await new Device(base).request('/moi', { headers: { accept: 'text/html', cookie: `compagnon_session=${copied}` } })).status, 200, 'the cookie works before sign-out')

    const token = await alice.csrf()
    const out = await alice.request('/auth/sign-out', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': token }, body: new URLSearchParams({ _csrf: token }).toString() })
    t.ok([200, 303].includes(out.status), `sign-out answers (${out.status})`)

    const stranger = new Device(base)
    t.equal((await stranger.request('/api/v1/me', { headers: { authorization: `Bearer ${copied}` } })).status, 401, 'the copied JWT as bearer: 401')
    // A refused page sends the browser to the sign-in form.
    for (const [cookie, what] of [[`compagnon_session=${copied}`, 'the copied JWT as cookie'], [copiedCookies, 'the whole copied cookie set (JWT and device)']] as const) {
      const page = await stranger.request('/moi', { headers: { accept: 'text/html', cookie } })
      t.equal(page.status, 303, `${what}: refused`)
      t.match(page.location, /^\/connexion\?retour=%2Fmoi&/, `${what}: on to the sign-in form`)
    }
    t.equal((await stranger.request(`/api/v1/events/${eventA}/participants`, { headers: { authorization: `Bearer ${copied}` } })).status, 401, 'an organizer action with the copied bearer: 401')
    t.equal((await me(bob)).person.id, bobMe.person.id, 'another person\'s session is untouched')
  })
})
