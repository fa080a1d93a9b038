import type { ResolvedConfig } from '../config.js'
import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import type { FileStore } from '../files/store.js'
import type { MessageOutbox } from '../messages/outbox.js'
import type { PeopleService } from '../people/service.js'
import type { ProgramService } from '../program/service.js'

/** What the privacy (Loi 25) route plugins receive from app.ts. */
export interface PrivacyModuleDeps {
  db: Db
  clock: Clock
  config: ResolvedConfig
  people: PeopleService
  program: ProgramService
  files: FileStore
  messages: MessageOutbox
  backgroundJobs: boolean
}
