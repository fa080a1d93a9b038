import type { FastifyPluginAsync } from 'fastify'
import type { ResolvedConfig } from '../config.js'
import type { LtiService } from '../lti/service.js'
import type { PeopleService } from '../people/service.js'
import type { ProgramService } from '../program/service.js'
import type { AttendanceBook } from './book.js'
import { bookRoutes } from './book-routes.js'
import type { AttendanceGrades } from './grades.js'
import { attendanceRoutes } from './routes.js'
import type { AttendanceService } from './service.js'

export interface AttendancePluginOptions {
  services: { attendance: AttendanceService, book: AttendanceBook, grades: AttendanceGrades, lti: LtiService, people: PeopleService, program: ProgramService }
  config: ResolvedConfig
}

/** Attendance: check-in at the door and by code, passes and posters, and the attendance register. */
const attendance: FastifyPluginAsync<AttendancePluginOptions> = async (app, { services, config }) => {
  await app.register(attendanceRoutes, {
    attendance: services.attendance,
    people: services.people,
    program: services.program,
    fontsDir: config.attestationAssetsDir
  })
  await app.register(bookRoutes, { book: services.book, grades: services.grades, lti: services.lti, program: services.program })
}
export default attendance
