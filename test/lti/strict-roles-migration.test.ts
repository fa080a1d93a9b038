import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { sql } from 'kysely'
import { migrationsDir } from '../../src/paths.js'
import { upsertContext, upsertMember } from '../../src/lti/repository.js'
import { testApp } from '../helpers/app.js'
import { ROLES } from '../helpers/lti-platform.js'

// The migration that withdraws what the old, generous LTI role mapping granted, run again on
// registrations as the old mapping left them (the migration itself ran on the empty database).
const MIGRATION = readFileSync(join(migrationsDir, '20261207000400_lti_strict_roles.sql'), 'utf8')

t.test('registrations the old LTI mapping granted are withdrawn; those the new table or a person in Compagnon grants are kept', async t => {
  const { database, services } = await testApp(t)
  const db = database.db
  const event = (await services.program.listEvents())[0]
  if (event === undefined) throw new Error('no event')
  const now = new Date('2025-10-21T14:00:00Z')
  const context = await upsertContext(db, { issuer: 'https://moodle.example.org', client_id: 'c1', deployment_id: 'd1', context_id: 'ENP7009', label: 'ENP7009', title: 'Cours', event_id: event.id, lineitems_url: null, memberships_url: null, updated_at: now })
  const bootstrap = await services.people.bootstrapOrganizer('odile@enap.ca', [event.id], 'Odile Organisatrice')

  const person = async (name: string, ltiRoles: string[] | null, role: 'credited_student' | 'instructor' | 'organizer', createdBy: string | null = null): Promise<string> => {
    const { id } = await db.insertInto('people').values({ display_name: name }).returning('id').executeTakeFirstOrThrow()
    if (ltiRoles !== null) await upsertMember(db, { context_id: context.id, user_sub: name, person_id: id, roles: ltiRoles, now })
    await db.insertInto('registrations').values({ event_id: event.id, person_id: id, role, created_by: createdBy }).execute()
    return id
  }
  const mentor = await person('mentor', [ROLES.Mentor], 'instructor')
  const developer = await person('developer', [ROLES.ContentDeveloper], 'instructor')
  const teacher = await person('teacher', [ROLES.Instructor], 'instructor')
  const assistant = await person('assistant', [ROLES.TeachingAssistant], 'instructor')
  const urnAdmin = await person('urn-admin', ['urn:x:roles#Administrator', ROLES.Learner], 'organizer')
  const sysAdmin = await person('sys-admin', ['http://purl.imsglobal.org/vocab/lis/v2/system/person#SysAdmin'], 'organizer')
  const guest = await person('guest', ['http://purl.imsglobal.org/vocab/lis/v2/membership/Learner#GuestLearner'], 'credited_student')
  const learner = await person('learner', [ROLES.Learner], 'credited_student')
  const invited = await person('invited', [ROLES.Mentor], 'instructor', bootstrap.personId)
  const noLms = await person('no-lms', null, 'instructor')

  for (const statement of MIGRATION.split(/;\s*$/m).filter(s => s.replace(/--.*$/gm, '').trim() !== '')) await sql.raw(statement).execute(db)
  const left = async (id: string): Promise<string[]> => (await db.selectFrom('registrations').select('role').where('person_id', '=', id).execute()).map(r => r.role)
  t.same(await left(mentor), [], 'a Mentor is no instructor')
  t.same(await left(developer), [], 'nor is a content developer')
  t.same(await left(urnAdmin), [], 'urn:x:roles#Administrator is no organizer')
  t.same(await left(sysAdmin), [], 'a system SysAdmin is no organizer')
  t.same(await left(guest), [], 'a guest learner is no credited student')
  t.same(await left(teacher), ['instructor'])
  t.same(await left(assistant), ['instructor'])
  t.same(await left(learner), ['credited_student'])
  t.same(await left(invited), ['instructor'], 'granted by an organizer in Compagnon: kept')
  t.same(await left(noLms), ['instructor'], 'no LMS membership: not the LMS\'s doing, kept')
  t.same(await left(bootstrap.personId), ['organizer'], 'an organizer made in Compagnon stays')
})
