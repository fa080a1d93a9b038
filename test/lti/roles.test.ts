import t from 'tap'
import { LTI_ROLE_TABLE, isCourseInstructor, isCreditedLearner, mapLtiRoles } from '../../src/lti/roles.js'

const M = 'http://purl.imsglobal.org/vocab/lis/v2/membership'
const I = 'http://purl.imsglobal.org/vocab/lis/v2/institution/person'
const S = 'http://purl.imsglobal.org/vocab/lis/v2/system/person'

t.test('learners are credited students, by full URI, sub-role or the short context form', async t => {
  t.same(mapLtiRoles([`${M}#Learner`]), ['credited_student'])
  t.same(mapLtiRoles([`${M}/Learner#Learner`]), ['credited_student'])
  t.same(mapLtiRoles(['Learner']), ['credited_student'], 'short context role')
})

t.test('instructors and teaching assistants (every form) are instructors', async t => {
  for (const role of [`${M}#Instructor`, 'Instructor', `${M}/Instructor#TeachingAssistant`, `${M}/Instructor#TeachingAssistantSection`, `${M}#TeachingAssistant`, 'TeachingAssistant', `${M}/Instructor#PrimaryInstructor`]) {
    t.same(mapLtiRoles([role]), ['instructor'], role)
  }
})

t.test('observers, mentors, content developers, guests and non-credit learners get no role', async t => {
  for (const role of [`${M}#Mentor`, 'Mentor', `${M}/Mentor#Advisor`, `${M}#ContentDeveloper`, `${M}/Learner#GuestLearner`, `${M}/Learner#NonCreditLearner`, `${M}/Instructor#GuestInstructor`, `${I}#Observer`, `${I}#Guest`, `${I}#Mentor`, `${M}#Member`, `${M}#Manager`]) {
    t.same(mapLtiRoles([role]), [], role)
  }
})

t.test('no administrator, of any vocabulary, is made organizer (or anything else)', async t => {
  for (const role of [`${I}#Administrator`, `${S}#Administrator`, `${S}#SysAdmin`, `${M}#Administrator`, 'Administrator', 'urn:x:roles#Administrator', 'urn:x:roles#SysAdmin', 'http://evil.example/lis/v2/membership#Instructor']) {
    t.same(mapLtiRoles([role]), [], role)
  }
  t.same(mapLtiRoles([`${S}#Administrator`, `${M}#Instructor`]), ['instructor'], 'an administrator who teaches the course is its instructor, nothing more')
})

t.test('institution roles and look-alikes say nothing about the course', async t => {
  t.same(mapLtiRoles([`${I}#Student`]), [])
  t.same(mapLtiRoles([`${I}#Instructor`]), [])
  t.same(mapLtiRoles([`${I}#Learner`]), [], 'an institution learner is not a student of this course')
  t.same(mapLtiRoles([`${M}#Learner `, `${M.toUpperCase()}#LEARNER`, 'https://purl.imsglobal.org/vocab/lis/v2/membership#Learner', `${M}#Learner#Instructor`]), [], 'only exact URIs count')
  t.same(mapLtiRoles([]), [])
})

t.test('staff are never also students of the course', async t => {
  t.same(mapLtiRoles([`${M}#Learner`, `${M}#Instructor`]), ['instructor'])
  t.notOk(isCreditedLearner([`${M}#Learner`, `${M}/Instructor#TeachingAssistant`]))
  t.ok(isCreditedLearner([`${M}#Learner`, `${M}#Mentor`]))
  t.ok(isCourseInstructor(['Instructor']))
  t.notOk(isCourseInstructor([`${M}#Mentor`]))
})

t.test('the documented table grants only student and instructor roles, each URI once', async t => {
  t.same([...new Set(LTI_ROLE_TABLE.map(r => r.grants))].sort(), ['credited_student', 'instructor'])
  t.equal(new Set(LTI_ROLE_TABLE.map(r => r.role)).size, LTI_ROLE_TABLE.length)
})
