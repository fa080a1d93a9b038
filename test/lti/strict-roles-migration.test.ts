import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { sql } from 'kysely'
import { migrationsDir } from '../../src/paths.js'
import { testApp } from '../helpers/app.js'
import { given } from '../helpers/given.js'
import { ROLES } from '../helpers/lti-platform.js'

// The migration that withdraws what the old, generous LTI role mapping granted, run again on
// registrations as the old mapping left them (the migration itself ran on the empty database).
const MIGRATION = readFileSync(join(migrationsDir, '20261207000400_lti_strict_roles.sql'), 'utf8')

t.test('registrations the old LTI mapping granted are withdrawn; those the new table or a person in Compagnon grants are kept', async t => {
  const ctx = await testApp(t)
  const db = ctx.database.db
  const g = given(ctx)
  const event = await g.event()
  const course = await g.course({ issuer: 'https://moodle.example.org', clientId: 'c1', deploymentId: 'd1', contextId: 'ENP7009', label: 'ENP7009', title: 'Cours' })
  const bootstrap = await ctx.services.people.bootstrapOrganizer('odile@enap.ca', [event], 'Odile Organisatrice')

  // Registrations as the old mapping left them (a Mentor as instructor, an LMS administrator as
  // organizer...): no launch makes them today, but as rows they are ordinary ones, so the builders
  // write them, beside the roster membership each came from. Raw SQL only runs the migration.
  const person = async (name: string, ltiRoles: string[] | null, role: 'credited_student' | 'instructor' | 'organizer', createdBy: string | null = null): Promise<string> => {
    const { id } = await g.person({ name })
    if (ltiRoles !== null) await g.onRoster(course, id, { sub: name, roles: ltiRoles })
    await g.registered(id, role, event, createdBy)
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
