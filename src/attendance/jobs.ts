import type { FastifyInstance } from 'fastify'
import type { AttendanceGrades } from './grades.js'
import type { AttendanceService } from './service.js'

/**
 * Background work of the attendance domain: attendance grades recomputed every minute (a slot
 * that ends changes everyone's grade) and sent to the LMS when they change; expired pending
 * scans and old typed-code attempts purged. Several instances may run it: the outbox keeps
 * only the newest grade per person.
 */
export function startAttendanceJobs (app: FastifyInstance, grades: AttendanceGrades, attendance: AttendanceService): void {
  let running = false
  const tick = (): void => {
    if (running) return
    running = true
    Promise.all([grades.syncAll(), attendance.purgeExpired()])
      .catch(err => { app.log.warn({ err }, 'attendance background run failed') })
      .finally(() => { running = false })
  }
  const timer = setInterval(tick, 60_000)
  timer.unref()
  app.addHook('onClose', async () => { clearInterval(timer) })
}
