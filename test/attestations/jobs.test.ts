import { createHash } from 'node:crypto'
import { inflateRawSync } from 'node:zlib'
import t from 'tap'
import { AttestationJobs } from '../../src/attestations/jobs.js'
import { RenderPool } from '../../src/attestations/render-pool.js'
import { buildApp } from '../../src/app.js'
import { FixedClock } from '../../src/clock.js'
import { defaultProgramFile } from '../../src/paths.js'
import { testConfig } from '../helpers/app.js'
import { AFTER_EVENT, DURING_EVENT_MTL, attestationSetup, type AttestationCtx, type Someone } from '../helpers/attestations.js'
import { freshDatabase } from '../helpers/database.js'
import { given } from '../helpers/given.js'
import { ORIGIN, bearerFor, signInWithLink } from '../helpers/session.js'

// One pool of real rendering threads for the whole file: starting threads (and loading the
// fonts in each) is the slow part, and the pool holds no state of any test's database.
const renderer = new RenderPool(testConfig().attestationAssetsDir, 2)
t.teardown(async () => { await renderer.close() })

const jobsOf = (ctx: AttestationCtx): AttestationJobs => new AttestationJobs(ctx.database.db, ctx.clock, {
  attestations: ctx.services.attestations, program: ctx.services.program, files: ctx.services.files, access: ctx.app.access, renderer
})

/** The entries of a ZIP, read through its central directory (stored or deflated). */
function unzip (zip: Buffer): Map<string, Buffer> {
  let end = zip.length - 22
  while (end >= 0 && zip.readUInt32LE(end) !== 0x06054b50) end--
  if (end < 0) throw new Error('no end of central directory')
  const count = zip.readUInt16LE(end + 10)
  let p = zip.readUInt32LE(end + 16)
  const out = new Map<string, Buffer>()
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error('bad central directory entry')
    const method = zip.readUInt16LE(p + 10)
    const compressed = zip.readUInt32LE(p + 20)
    const nameLength = zip.readUInt16LE(p + 28)
    const local = zip.readUInt32LE(p + 42)
    const name = zip.toString('utf8', p + 46, p + 46 + nameLength)
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28)
    const data = zip.subarray(dataStart, dataStart + compressed)
    out.set(name, method === 0 ? data : inflateRawSync(data))
    p += 46 + nameLength + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32)
  }
  return out
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex')

async function validOf (ctx: AttestationCtx, personId: string): Promise<Array<{ code: string, sha256: string }>> {
  return await ctx.database.db.selectFrom('attestations').select(['code', 'sha256'])
    .where('event_id', '=', ctx.eventId).where('person_id', '=', personId).where('status', '=', 'valid').execute()
}

async function pendingFiles (ctx: AttestationCtx): Promise<string[]> {
  return (await ctx.database.db.selectFrom('files').select('id').where('state', '=', 'pending').execute()).map(f => f.id)
}

/** People eligible for an attestation (17 of the 21 counted hours), without any request. */
async function eligiblePeople (ctx: AttestationCtx, names: string[]): Promise<Someone[]> {
  const out: Someone[] = []
  for (const [i, name] of names.entries()) {
    const p = await ctx.person(name, 'participant', i % 3 === 2 ? 'en' : 'fr')
    await ctx.attendHours(p.id, 17)
    out.push(p)
  }
  return out
}

t.test('bulk issue: every eligible person without an attestation gets exactly one; the ZIP holds every valid one of the event', async t => {
  const ctx = await attestationSetup(t)
  const { attestations, attestationDecisions } = ctx.services
  const eligible = await eligiblePeople(ctx, ['Éloïse Côté-Bélanger', 'Jean Tremblay', 'Zoë Lefèvre', 'Marc-André Roy', 'Ana Núñez', 'Œdipe Gagnon',
    'Li Wei', 'Sophie Bouchard', 'Émile Nelligan', 'Karine Dubé', 'Olivier Pelletier', 'Jean Tremblay'])
  const absent = await ctx.person('Absente Souvent')
  await ctx.attend(absent.id, [0, 1])
  const registeredOnly = await ctx.person('Jamais Venu')
  const already = await ctx.person('Déjà Servie')
  await ctx.attendHours(already.id, 21)
  const first = (await attestations.request(already.id, ctx.eventId, { name: 'Déjà Servie', locale: 'fr', employer: null, hrEmail: null })).attestation!
  // Refused by an organizer, then made eligible by corrected attendance: bulk issue leaves the refusal alone.
  const refused = await ctx.person('Refus Décidé')
  await ctx.attend(refused.id, [0])
  const request = (await attestations.request(refused.id, ctx.eventId, { name: 'Refus Décidé', locale: 'fr', employer: null, hrEmail: null })).request!
  await attestationDecisions.refuse(ctx.organizer.id, request.id, 'Présence insuffisante')
  await ctx.attend(refused.id, ctx.slots.map((_, i) => i).slice(1))

  const started = await ctx.app.inject({ method: 'POST', url: `/api/v1/events/${ctx.eventId}/attestation-jobs`, headers: { authorization: ctx.organizer.bearer } })
  t.equal(started.statusCode, 202)
  const job = started.json<{ id: string, status: string, total: number, zipUrl: string | null }>()
  t.match(job, { status: 'queued', total: 0, zipUrl: null })
  const again = await ctx.app.inject({ method: 'POST', url: `/api/v1/events/${ctx.eventId}/attestation-jobs`, headers: { authorization: ctx.organizer.bearer } })
  t.equal(again.json<{ id: string }>().id, job.id, 'a second start while one is queued answers the same job')
  const early = await ctx.app.inject({ url: `/api/v1/attestation-jobs/${job.id}/zip`, headers: { authorization: ctx.organizer.bearer } })
  t.equal(early.statusCode, 404, 'no ZIP before the job is done')

  t.equal(await jobsOf(ctx).runDue(), 1)

  const progress = (await ctx.app.inject({ url: `/api/v1/attestation-jobs/${job.id}`, headers: { authorization: ctx.organizer.bearer } })).json()
  t.match(progress, { id: job.id, status: 'done', total: 12, done: 12, issued: 12, failed: 0, error: null, zipUrl: `/api/v1/attestation-jobs/${job.id}/zip` })
  for (const p of eligible) t.equal((await validOf(ctx, p.id)).length, 1, `${p.name}: exactly one valid attestation`)
  t.same((await validOf(ctx, already.id)).map(a => a.code), [first.code], 'the attestation issued before is kept, not doubled')
  for (const p of [absent, registeredOnly, refused]) t.same(await validOf(ctx, p.id), [], `${p.name}: none`)
  const issuedByJob = await ctx.database.db.selectFrom('attestation_audit').select('actor_id').where('action', '=', 'issued').execute()
  t.same(issuedByJob.map(a => a.actor_id), Array(12).fill(ctx.organizer.id), 'audited as issued by the organizer who started the job')

  const res = await ctx.app.inject({ url: `/api/v1/attestation-jobs/${job.id}/zip`, headers: { authorization: ctx.organizer.bearer } })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/zip')
  t.match(res.headers['content-disposition'], /^attachment; filename="attestations-[A-Za-z0-9-]+\.zip"$/)
  const entries = unzip(res.rawPayload)
  const valid = await ctx.database.db.selectFrom('attestations').select(['code', 'sha256', 'snapshot']).where('event_id', '=', ctx.eventId).where('status', '=', 'valid').execute()
  t.equal(entries.size, 13, 'the 12 issued now and the one issued before')
  const byCode = new Map([...entries].map(([name, data]) => [name.slice(-12, -4), { name, data }]))
  for (const a of valid) {
    const entry = byCode.get(a.code.slice(0, 8))
    t.ok(entry, `an entry for ${a.code}`)
    t.equal(sha256(entry!.data), a.sha256, `${entry!.name}: the stored bytes (SHA-256 as recorded)`)
  }
  for (const name of entries.keys()) t.match(name, /^[A-Za-z0-9-]+_[0-9A-Z]{8}\.pdf$/, `${name}: ASCII-safe`)
  t.ok([...entries.keys()].some(n => /^Eloise-Cote-Belanger_[0-9A-Z]{8}\.pdf$/.test(n)), 'accents dropped from names')
  t.ok([...entries.keys()].some(n => /^OEdipe-Gagnon_/.test(n)))
  t.equal([...entries.keys()].filter(n => n.startsWith('Jean-Tremblay_')).length, 2, 'two people of the same name: two entries')
  t.same(await pendingFiles(ctx), [], 'the ZIP, written while the job ran, is stored; no file left pending')
})

t.test('an attestation revoked while the job runs is not in its ZIP, which holds every other valid one', async t => {
  const ctx = await attestationSetup(t)
  const people = await eligiblePeople(ctx, ['Amélie Arsenault', 'Benoît Bergeron', 'Céline Cloutier'])
  const { attestations, attestationDecisions } = ctx.services
  // The real rendering threads; the last PDF asked for waits until an organizer revokes the first one stored.
  let revoked: string | undefined
  const revoking = {
    render: async (snapshot: Parameters<RenderPool['render']>[0]): Promise<Buffer> => {
      if (snapshot.name === people[2]!.name) {
        const first = (await validOf(ctx, people[0]!.id))[0]!
        const row = await ctx.database.db.selectFrom('attestations').select('id').where('code', '=', first.code).executeTakeFirstOrThrow()
        await attestationDecisions.revoke(ctx.organizer.id, row.id, 'Présence corrigée')
        revoked = first.code
      }
      return await renderer.render(snapshot)
    }
  }
  const jobs = new AttestationJobs(ctx.database.db, ctx.clock, { attestations, program: ctx.services.program, files: ctx.services.files, access: ctx.app.access, renderer: revoking }, { window: 1 })
  const job = await jobs.start(ctx.organizer.id, ctx.eventId)
  t.equal(await jobs.runDue(), 1)
  t.match(await jobs.get(ctx.organizer.id, job.id), { status: 'done', issued: 3 })
  t.ok(revoked, 'one was revoked during the job')
  const zip = await jobs.zip(ctx.organizer.id, job.id)
  const parts: Buffer[] = []
  for await (const part of zip.stream) parts.push(part as Buffer)
  const codes = [...unzip(Buffer.concat(parts)).keys()].map(name => name.slice(-12, -4)).sort()
  const valid = await ctx.database.db.selectFrom('attestations').select('code').where('event_id', '=', ctx.eventId).where('status', '=', 'valid').execute()
  t.same(codes, valid.map(v => v.code.slice(0, 8)).sort(), 'exactly the valid attestations')
  t.notOk(codes.includes(revoked!.slice(0, 8)), 'not the revoked one')
  t.same(await pendingFiles(ctx), [], 'the ZIP given up is not left pending')
})

t.test('a job whose lease expired (its instance crashed) is taken up again and finishes without duplicates', async t => {
  const ctx = await attestationSetup(t)
  const people = await eligiblePeople(ctx, ['Alice Aubé', 'Bruno Bélair', 'Chloé Caron', 'Denis Drouin', 'Estelle Émond'])
  const crashed = jobsOf(ctx)
  const job = await crashed.start(ctx.organizer.id, ctx.eventId)
  const claimed = await crashed.claim()
  t.equal(claimed?.row.id, job.id)
  t.equal(claimed?.resumed, false)
  // What the crashed instance did before dying: two attestations stored and counted.
  const { attestations } = ctx.services
  const candidates = await attestations.candidates(ctx.organizer.id, ctx.eventId)
  for (const c of candidates.slice(0, 2)) {
    const snapshot = await attestations.snapshotFor(ctx.eventId, c)
    await attestations.store(ctx.eventId, c, snapshot, await renderer.render(snapshot), ctx.organizer.id)
  }
  await ctx.database.db.updateTable('attestation_jobs').set({ total: 5, done: 2, issued: 2 }).where('id', '=', job.id).execute()

  const again = await ctx.app.inject({ method: 'POST', url: `/api/v1/events/${ctx.eventId}/attestation-jobs`, headers: { authorization: ctx.organizer.bearer } })
  t.match(again.json(), { id: job.id, status: 'running' }, 'a start while one runs answers the running job')
  const survivor = jobsOf(ctx)
  t.equal(await survivor.runDue(), 0, 'a job under a live lease is left to its instance')

  await ctx.database.db.updateTable('attestation_jobs').set({ status: 'running', lease_until: new Date(ctx.clock.now().getTime() - 1000) }).where('id', '=', job.id).execute()
  t.equal(await survivor.runDue(), 1)
  const done = await survivor.get(ctx.organizer.id, job.id)
  t.match(done, { status: 'done', total: 5, done: 5, issued: 5, failed: 0, error: null })
  for (const p of people) t.equal((await validOf(ctx, p.id)).length, 1, `${p.name}: exactly one valid attestation`)
  t.equal((await ctx.database.db.selectFrom('attestations').select('id').where('event_id', '=', ctx.eventId).execute()).length, 5, 'no attestation made twice')
  const zip = await survivor.zip(ctx.organizer.id, job.id)
  const parts: Buffer[] = []
  for await (const part of zip.stream) parts.push(part as Buffer)
  t.equal(unzip(Buffer.concat(parts)).size, 5)
  t.equal(await survivor.runDue(), 0, 'nothing left to do')
})

t.test('an attestation that cannot be made is counted and reported; the others are issued', async t => {
  const ctx = await attestationSetup(t)
  const people = await eligiblePeople(ctx, ['Gaëlle Gravel', 'Hugo Hébert'])
  // A name the LMS left empty: the PDF needs one.
  const nameless = await ctx.person('')
  await ctx.attendHours(nameless.id, 17)
  const jobs = jobsOf(ctx)
  const job = await jobs.start(ctx.organizer.id, ctx.eventId)
  await jobs.runDue()
  const done = await jobs.get(ctx.organizer.id, job.id)
  t.match(done, { status: 'done', total: 3, done: 3, issued: 2, failed: 1 })
  t.match(done.error?.en, new RegExp(`^1 attestation could not be made: ${nameless.id} \\(name: .+\\)`))
  t.match(done.error?.fr, /^1 attestation n’a pas pu être produite/)
  for (const p of people) t.equal((await validOf(ctx, p.id)).length, 1)
  t.same(await validOf(ctx, nameless.id), [])
  t.equal(unzip((await ctx.app.inject({ url: `/api/v1/attestation-jobs/${job.id}/zip`, headers: { authorization: ctx.organizer.bearer } })).rawPayload).size, 2)
})

t.test('only organizers of the event start or follow a job; bad ids are 4xx', async t => {
  const ctx = await attestationSetup(t)
  const participant = await ctx.person('Paul Participant')
  const doorStaff = await ctx.person('Dora Accueil', 'door_staff')
  for (const who of [participant, doorStaff]) {
    const res = await ctx.app.inject({ method: 'POST', url: `/api/v1/events/${ctx.eventId}/attestation-jobs`, headers: { authorization: who.bearer } })
    t.equal(res.statusCode, 403, `${who.name}: 403`)
  }
  t.equal((await ctx.database.db.selectFrom('attestation_jobs').select('id').execute()).length, 0, 'nothing started')
  const job = await jobsOf(ctx).start(ctx.organizer.id, ctx.eventId)
  t.equal((await ctx.app.inject({ url: `/api/v1/attestation-jobs/${job.id}`, headers: { authorization: participant.bearer } })).statusCode, 403)
  t.equal((await ctx.app.inject({ url: `/api/v1/attestation-jobs/${job.id}/zip`, headers: { authorization: participant.bearer } })).statusCode, 403)
  t.equal((await ctx.app.inject({ url: `/api/v1/attestation-jobs/${job.id}` })).statusCode, 401)
  t.equal((await ctx.app.inject({ url: '/api/v1/attestation-jobs/00000000-0000-4000-8000-000000000000', headers: { authorization: ctx.organizer.bearer } })).statusCode, 404)
  t.equal((await ctx.app.inject({ url: '/api/v1/attestation-jobs/not-a-uuid', headers: { authorization: ctx.organizer.bearer } })).statusCode, 400)
  t.equal((await ctx.app.inject({ method: 'POST', url: '/api/v1/events/00000000-0000-4000-8000-000000000000/attestation-jobs', headers: { authorization: ctx.organizer.bearer } })).statusCode, 404)
})

t.test('pages: an organizer starts the generation from a form, follows it, downloads the ZIP (FR and EN)', async t => {
  const ctx = await attestationSetup(t)
  await eligiblePeople(ctx, ['Irène Isabelle', 'Jacques Joly', 'Karim Khalil'])
  const { cookie, csrf } = await signInWithLink(ctx.app, (await ctx.services.people.handoffLink(ctx.organizer.id, 'phone')).url)
  const headers = { cookie, accept: 'text/html', 'x-csrf-token': csrf }

  const crossSite = await ctx.app.inject({ method: 'POST', url: `/organisateurs/attestations/${ctx.eventId}/generation`, headers: { ...headers, 'sec-fetch-site': 'cross-site' } })
  t.equal(crossSite.statusCode, 403, 'a form from another site is refused')
  const posted = await ctx.app.inject({ method: 'POST', url: `/organisateurs/attestations/${ctx.eventId}/generation?lang=fr`, headers: { ...headers, origin: ORIGIN } })
  t.equal(posted.statusCode, 303)
  t.match(posted.headers.location, /^\/organisateurs\/attestations\/generation\/[0-9a-f-]{36}\?lang=fr$/)
  const page = posted.headers.location as string

  const queued = await ctx.app.inject({ url: page, headers })
  t.equal(queued.statusCode, 200)
  t.equal(queued.headers.refresh, '2', 'refreshed every 2 s while it runs')
  t.match(queued.body, 'Génération des attestations')
  t.match(queued.body, 'En attente de démarrage')
  t.notMatch(queued.body, '<script', 'no script (CSP)')
  const stopped = await ctx.app.inject({ url: page.replace('?lang=fr', '?lang=fr&auto=0'), headers })
  t.equal(stopped.headers.refresh, undefined, '?auto=0 stops the refresh')
  t.match(stopped.body, 'Reprendre la mise à jour automatique')

  await jobsOf(ctx).runDue()
  const done = await ctx.app.inject({ url: page, headers })
  t.equal(done.headers.refresh, undefined, 'no refresh once done')
  t.match(done.body, /<progress id="progress" max="3" value="3">/)
  t.match(done.body, '3 sur 3')
  t.match(done.body, 'Terminée')
  const zipLink = /href="([^"]+\/zip\?lang=fr)"/.exec(done.body)?.[1]
  t.ok(zipLink, 'a link to the ZIP')
  const zip = await ctx.app.inject({ url: zipLink!, headers })
  t.equal(zip.statusCode, 200)
  t.equal(unzip(zip.rawPayload).size, 3)
  const en = await ctx.app.inject({ url: page.replace('lang=fr', 'lang=en'), headers })
  t.match(en.body, 'Generating the training attestations')
  t.match(en.body, '3 of 3')
  t.match(en.body, 'Download every valid training attestation (ZIP)')

  const participant = await ctx.person('Léa Participante')
  const theirCookie = (await signInWithLink(ctx.app, (await ctx.services.people.handoffLink(participant.id, 'phone')).url)).cookie
  const refused = await ctx.app.inject({ url: page, headers: { cookie: theirCookie, accept: 'text/html' } })
  t.equal(refused.statusCode, 403)
  t.match(refused.headers['content-type'], /^text\/html/, 'an error page, in HTML')
})

t.test('in a server running background jobs, a started job runs by itself; closing the server stops its threads', async t => {
  const database = await freshDatabase(t)
  const clock = new FixedClock(AFTER_EVENT)
  const { app, services } = await buildApp(testConfig(), { database, clock, backgroundJobs: true })
  let closed = false
  t.teardown(async () => { if (!closed) await app.close() })
  await services.program.importFromFile(defaultProgramFile)
  const g = given({ database, clock, app, services })
  const eventId = await g.event()
  const organizer = await g.organizer({ name: 'Odile Organisatrice' }).withBearer()
  const slots = await g.countedSlots(eventId)
  for (const name of ['Rosalie Roy', 'Samuel Séguin']) {
    const p = await g.participant({ name })
    for (const slot of slots) await g.checkedIn(p.id, slot.sessions[0]!)
  }
  const bearer = organizer.bearer
  const started = (await app.inject({ method: 'POST', url: `/api/v1/events/${eventId}/attestation-jobs`, headers: { authorization: bearer } })).json<{ id: string }>()
  // The start woke the loop: its run is under way. Nothing else runs it here, so a job done once
  // that run has ended ran by itself (without the loop, it would still be queued).
  await services.attestationJobs.settled()
  const job = (await app.inject({ url: `/api/v1/attestation-jobs/${started.id}`, headers: { authorization: bearer } })).json()
  t.match(job, { status: 'done', issued: 2 })
  await app.close()
  closed = true
  t.pass('the app closed with its rendering threads (the test process would otherwise not end)')
})

t.test('bulk generation waits for the last counted slot to end: refused mid-event with the time it opens, the page shows the button disabled and why', async t => {
  const ctx = await attestationSetup(t, DURING_EVENT_MTL)
  const { cookie, csrf } = await signInWithLink(ctx.app, (await ctx.services.people.handoffLink(ctx.organizer.id, 'phone')).url)
  const headers = { cookie, accept: 'text/html', 'x-csrf-token': csrf }
  const jobsBefore = await ctx.database.db.selectFrom('attestation_jobs').select('id').execute()

  const page = await ctx.app.inject({ url: `/organisateurs/attestations/${ctx.eventId}?lang=fr`, headers })
  t.equal(page.statusCode, 200)
  t.match(page.body, /La délivrance en lot ouvrira à la fin du dernier créneau compté pour la présence, le jeudi 23 octobre 2025 à 16\sh\s15\s: avant, les heures de chaque personne peuvent encore changer\./, 'with the day and time it opens, and why')
  t.match(page.body, /<button type="button" disabled aria-describedby="bulk-not-yet">Générer toutes les attestations admissibles<\/button>/, 'the button is there, disabled, and points to the reason')
  t.notMatch(page.body, `action="/organisateurs/attestations/${ctx.eventId}/generation`, 'no form to post')

  const posted = await ctx.app.inject({ method: 'POST', url: `/organisateurs/attestations/${ctx.eventId}/generation?lang=en`, headers: { ...headers, origin: ORIGIN } })
  t.equal(posted.statusCode, 409, 'a post anyway (an old page) is refused')
  t.match(posted.body, /Bulk generation opens when the last slot counted for attendance ends, on Thursday, October 23, 2025 at 4:15/)
  const api = await ctx.app.inject({ method: 'POST', url: `/api/v1/events/${ctx.eventId}/attestation-jobs`, headers: { authorization: await bearerFor(ctx, ctx.organizer.id) } })
  t.equal(api.statusCode, 409, 'and through the API')
  t.same(await ctx.database.db.selectFrom('attestation_jobs').select('id').execute(), jobsBefore, 'no job was queued')
})
