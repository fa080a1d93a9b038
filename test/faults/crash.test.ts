import t from 'tap'
import { sql } from 'kysely'
import { stopServer } from '../helpers/process.js'
import { FAULT_FILE_TIMEOUT_MS, bearer, count, faultTestsSkipped, participants, startApp, startCluster, testDatabase, until } from '../helpers/cluster.js'
import { given } from '../helpers/given.js'

const skip = faultTestsSkipped()
// Child processes and a cluster: more than tap's 120 s per file when the machine is busy.
t.setTimeout(FAULT_FILE_TIMEOUT_MS)
const PORT = 55442
const PEOPLE = 40

interface Job { status: string, done: number, total: number, issued: number, failed: number, error: string | null, zipUrl: string | null }

t.test('the app killed (SIGKILL) in the middle of a bulk attestation job: after a restart the job resumes and ends, one attestation per person, none twice', { skip }, async t => {
  const cluster = await startCluster(t, PORT)
  const first = await startApp(t, cluster)
  const database = await testDatabase(t, cluster)
  const event = await database.db.selectFrom('events').select('id').executeTakeFirstOrThrow()
  // Everyone attended every counted slot of the (past) 2025 event: all eligible.
  const people = await participants(database, event.id, PEOPLE)
  await sql`INSERT INTO attendance_records (event_id, slot_id, session_id, person_id, status, method, recorded_at)
    SELECT ${event.id}::uuid, s.slot_id, s.session_id, p.id, 'present', 'manual', s.starts_at
    FROM unnest(${people}::uuid[]) AS p(id)
    CROSS JOIN (SELECT DISTINCT ON (t.id) t.id AS slot_id, s.id AS session_id, t.starts_at FROM time_slots t JOIN sessions s ON s.slot_id = t.id
      WHERE t.event_id = ${event.id} AND t.counts_toward_attendance AND s.status = 'scheduled' AND s.mode = 'in_person' ORDER BY t.id, s.position) AS s`.execute(database.db)
  const [organizer] = await participants(database, event.id, 1, 'Organisatrice')
  await given({ database }).registered(organizer!, 'organizer', event.id)
  const auth = { authorization: `Bearer ${await bearer(database, first.base, organizer!)}` }

  const started = await fetch(`${first.base}/api/v1/events/${event.id}/attestation-jobs`, { method: 'POST', headers: auth })
  t.equal(started.status, 202)
  const { id: jobId } = await started.json() as { id: string }
  const job = async (base: string): Promise<Job> => await (await fetch(`${base}/api/v1/attestation-jobs/${jobId}`, { headers: auth })).json() as Job
  const progress = await until('the job under way', async () => { const j = await job(first.base); return j.done > 0 && j }, 60_000, 50)
  t.equal(progress.status, 'running')
  t.equal(await stopServer(first.child, 'SIGKILL'), null, 'killed')
  const issuedAtKill = await count(database, sql<{ n: number }>`SELECT count(*) AS n FROM attestations WHERE event_id = ${event.id}`)
  t.ok(issuedAtKill > 0 && issuedAtKill < PEOPLE, `killed with ${issuedAtKill} of ${PEOPLE} attestations issued`)

  // Same port: the organizer's token names this address as its issuer.
  const second = await startApp(t, cluster, {}, Number(new URL(first.base).port))
  t.equal((await job(second.base)).status, 'running', 'the killed instance\'s job is still leased')
  // Its lease (60 s) runs out: compressed here, as if a minute had passed.
  await sql`UPDATE attestation_jobs SET lease_until = now() - interval '1 second' WHERE id = ${jobId}`.execute(database.db)
  const finished = await until('the job resumed and done', async () => { const j = await job(second.base); return j.status === 'done' && j }, 90_000, 250)
  t.match(finished, { status: 'done', failed: 0, error: null, zipUrl: String }, 'done, nothing failed')

  const valid = await database.db.selectFrom('attestations').select('person_id').where('event_id', '=', event.id).where('status', '=', 'valid').execute()
  t.equal(valid.length, PEOPLE, 'one valid attestation per person')
  t.same([...new Set(valid.map(v => v.person_id))].sort(), [...people].sort(), 'everyone, none twice')
  t.equal(await count(database, sql<{ n: number }>`SELECT count(*) AS n FROM attestations WHERE event_id = ${event.id}`), PEOPLE, 'no attestation made twice and superseded')
  t.equal(await count(database, sql<{ n: number }>`SELECT count(*) AS n FROM (SELECT person_id, kind FROM outgoing_messages WHERE event_id = ${event.id} GROUP BY person_id, kind HAVING count(*) > 1) AS twice`), 0, 'no message queued twice')

  const zip = Buffer.from(await (await fetch(`${second.base}${finished.zipUrl ?? ''}`, { headers: auth })).arrayBuffer())
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]))
  t.equal(zip.readUInt16LE(end + 10), PEOPLE, 'the ZIP holds every attestation')
})
