import type { AttendanceBook } from '../attendance/book.js'
import type { ResolvedConfig } from '../config.js'
import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import type { FileStore } from '../files/store.js'
import type { MessageOutbox } from '../messages/outbox.js'
import type { PeopleService } from '../people/service.js'
import type { AccessPolicy } from '../access/policy.js'
import type { ProgramService } from '../program/service.js'
import type { AttestationService } from './service.js'

/**
 * What every route plugin of the attestations domain (API, pages, verification, bulk jobs,
 * messages, reports) receives from app.ts: one shape, so a plugin can use what it needs.
 */
export interface AttestationModuleDeps {
  db: Db
  clock: Clock
  config: ResolvedConfig
  attestations: AttestationService
  /** The one access policy (src/access/policy.ts): services ask it before acting for a caller. */
  access: AccessPolicy
  people: PeopleService
  program: ProgramService
  book: AttendanceBook
  files: FileStore
  messages: MessageOutbox
  backgroundJobs: boolean
}
