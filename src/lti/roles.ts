import type { Role } from '../people/repository.js'

/**
 * LTI roles → our registration roles. Platforms send full URIs (LIS vocabulary) or the short
 * context roles ("Learner"). Context (membership) roles decide student/instructor; sub-roles
 * such as membership/Instructor#TeachingAssistant name their principal role in the path.
 * Institution and system roles say nothing about this course, except Administrator.
 */
export function mapLtiRoles (roles: readonly string[]): Role[] {
  const mapped = new Set<Role>()
  for (const uri of roles) {
    const name = uri.split(/[#/]/).pop() ?? ''
    const scope = /\/vocab\/lis\/v2\/(membership|institution|system)\b/.exec(uri)?.[1] ?? (uri.includes('/') ? 'other' : 'membership')
    if (name === 'Administrator' || name === 'SysAdmin') { mapped.add('organizer'); continue }
    if (scope !== 'membership') continue
    const principal = /membership\/([A-Za-z]+)#/.exec(uri)?.[1]
    if (name === 'Learner' || principal === 'Learner') mapped.add('credited_student')
    if (['Instructor', 'TeachingAssistant', 'ContentDeveloper', 'Mentor'].includes(name) || principal === 'Instructor') mapped.add('instructor')
  }
  // Staff launching into a course are not students of it.
  if (mapped.has('instructor') || mapped.has('organizer')) mapped.delete('credited_student')
  return [...mapped]
}
