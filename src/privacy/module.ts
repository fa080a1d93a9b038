import type { ResolvedConfig } from '../config.js'
import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import type { FileStore } from '../files/store.js'
import type { MessageOutbox } from '../messages/outbox.js'
import type { PeopleService } from '../people/service.js'
import type { AccessPolicy } from '../access/policy.js'
import type { ProgramService } from '../program/service.js'

/** What the privacy (Loi 25) route plugins receive from app.ts. */
export interface PrivacyModuleDeps {
  db: Db
  clock: Clock
  config: ResolvedConfig
  people: PeopleService
  /** The one access policy (src/access/policy.ts): services ask it before acting for a caller. */
  access: AccessPolicy
  program: ProgramService
  files: FileStore
  messages: MessageOutbox
  backgroundJobs: boolean
}
