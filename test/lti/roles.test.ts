import t from 'tap'
import { mapLtiRoles } from '../../src/lti/roles.js'

const M = 'http://purl.imsglobal.org/vocab/lis/v2/membership'

t.test('LTI roles map to credited student, instructor and organizer', async t => {
  t.same(mapLtiRoles([`${M}#Learner`]), ['credited_student'])
  t.same(mapLtiRoles(['Learner']), ['credited_student'], 'short context role')
  t.same(mapLtiRoles([`${M}#Instructor`]), ['instructor'])
  t.same(mapLtiRoles([`${M}/Instructor#TeachingAssistant`]), ['instructor'])
  t.same(mapLtiRoles([`${M}#ContentDeveloper`]), ['instructor'])
  t.same(mapLtiRoles(['http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator']).sort(), ['organizer'])
  t.same(mapLtiRoles(['http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator', `${M}#Instructor`]).sort(), ['instructor', 'organizer'])
})

t.test('institution roles alone say nothing about the course', async t => {
  t.same(mapLtiRoles(['http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student']), [])
  t.same(mapLtiRoles(['http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor']), [])
  t.same(mapLtiRoles([]), [])
})

t.test('staff are never also students of the course', async t => {
  t.same(mapLtiRoles([`${M}#Learner`, `${M}#Instructor`]), ['instructor'])
})
