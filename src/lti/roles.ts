import type { CourseRoles } from '../access/policy.js'
import type { TextKey } from '../views/i18n.js'

/**
 * LTI roles → the roles Compagnon gives in the course's event. Strict on purpose: a role grants
 * something only if it is in this table, named by its full LIS v2 URI (or, for the context roles
 * Learner and Instructor, by the short name LTI 1.3 allows in their place). Everything else —
 * Mentor (Canvas observers), ContentDeveloper, guests, non-credit learners, institution and system
 * roles (Administrator included, whatever vocabulary it comes from), unknown or custom URIs —
 * grants nothing. Organizers and door staff are never granted by an LMS: organizers grant them in
 * Compagnon. docs/admin/lms/index.md ("LTI roles") shows this table.
 */
export type LtiCourseRole = 'credited_student' | 'instructor'

const MEMBERSHIP = 'http://purl.imsglobal.org/vocab/lis/v2/membership'

/** Every role URI (or short name) that grants something, with what it grants (and what the role is, in words). */
interface LtiRoleEntry { role: string, grants: LtiCourseRole, what: TextKey }
export const LTI_ROLE_TABLE: readonly LtiRoleEntry[] = [
  { role: `${MEMBERSHIP}#Learner`, grants: 'credited_student', what: 'lti.roleLearner' },
  { role: `${MEMBERSHIP}/Learner#Learner`, grants: 'credited_student', what: 'lti.roleLearnerSub' },
  { role: 'Learner', grants: 'credited_student', what: 'lti.roleShortForm' },
  { role: `${MEMBERSHIP}#Instructor`, grants: 'instructor', what: 'lti.roleInstructor' },
  { role: 'Instructor', grants: 'instructor', what: 'lti.roleShortForm' },
  { role: `${MEMBERSHIP}/Instructor#PrimaryInstructor`, grants: 'instructor', what: 'lti.rolePrimaryInstructor' },
  { role: `${MEMBERSHIP}/Instructor#SecondaryInstructor`, grants: 'instructor', what: 'lti.roleSecondaryInstructor' },
  { role: `${MEMBERSHIP}/Instructor#Lecturer`, grants: 'instructor', what: 'lti.roleLecturer' },
  { role: `${MEMBERSHIP}/Instructor#TeachingAssistant`, grants: 'instructor', what: 'lti.roleTeachingAssistant' },
  ...['Section', 'Group', 'Offering', 'SectionAssociation', 'Template'].map((scope): LtiRoleEntry => ({
    role: `${MEMBERSHIP}/Instructor#TeachingAssistant${scope}`,
    grants: 'instructor',
    what: 'lti.roleTeachingAssistantPart'
  })),
  // Some platforms send the assistant as a context role of its own.
  { role: `${MEMBERSHIP}#TeachingAssistant`, grants: 'instructor', what: 'lti.roleTeachingAssistant' },
  { role: 'TeachingAssistant', grants: 'instructor', what: 'lti.roleTeachingAssistantShort' }
]

const GRANTS = new Map(LTI_ROLE_TABLE.map(entry => [entry.role, entry.grants]))

/** The course roles a launch (or a roster entry) grants; [] when it names none we recognise. */
export function mapLtiRoles (roles: readonly string[]): LtiCourseRole[] {
  const mapped = new Set<LtiCourseRole>()
  for (const uri of roles) {
    const grants = GRANTS.get(uri)
    if (grants !== undefined) mapped.add(grants)
  }
  // Staff launching into a course are not students of it.
  if (mapped.has('instructor')) mapped.delete('credited_student')
  return [...mapped]
}

/** Whether these LTI roles make the person a credited student of the course (hands in, is graded). */
export const isCreditedLearner = (roles: readonly string[]): boolean => mapLtiRoles(roles).includes('credited_student')
/** Whether these LTI roles make the person an instructor of the course. */
export const isCourseInstructor = (roles: readonly string[]): boolean => mapLtiRoles(roles).includes('instructor')

/** This table as the access policy reads course roles (src/access/policy.ts). */
export const ltiCourseRoles: CourseRoles = { teaches: isCourseInstructor, learns: isCreditedLearner }
