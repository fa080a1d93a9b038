import type { FastifyInstance } from 'fastify'
import { every } from '../util/periodic.js'
import type { AttendanceGrades } from './grades.js'
import type { AttendanceService } from './service.js'

/**
 * Background work of the attendance domain: attendance grades recomputed every minute (a slot
 * that ends changes everyone's grade) and sent to the LMS when they change; expired pending
 * scans and old typed-code attempts purged. Several instances may run it: the outbox keeps
 * only the newest grade per person.
 */
export function startAttendanceJobs (app: FastifyInstance, grades: AttendanceGrades, attendance: AttendanceService): void {
  every(app, 60_000, 'attendance background run', async () => await Promise.all([grades.syncAll(), attendance.purgeExpired()]))
}
