import type { AccessPolicy } from '../access/policy.js'
import type { Clock } from '../clock.js'
import type { ResolvedConfig } from '../config.js'
import type { Db } from '../db/database.js'
import { notFound } from '../errors.js'
import { bilingual } from '../views/i18n.js'
import type { ProgramService } from '../program/service.js'
import { mapLtiRoles } from '../lti/roles.js'
import { eventsOfPerson, organizedEvents, unlinkedCoursesOf } from './erasure-repository.js'
import { exportPersonalData, type ExportScope, type PersonalDataExport } from './export.js'
import type { NoticeView } from './pages.js'
import * as repo from './repository.js'

/** The privacy notice's facts, a person's data export, and the organizers' access log. */
export class PrivacyService {
  constructor (
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly config: Pick<ResolvedConfig, 'privacyOfficer' | 'retention' | 'attestationDetailsDays' | 'smtp'>,
    private readonly program: ProgramService,
    private readonly access: AccessPolicy
  ) {}

  /** Read from the configuration every time, so the notice never says something no longer true. */
  async notice (): Promise<NoticeView> {
    const officer = this.config.privacyOfficer
    // Without an address of their own, the event's contact answers for them.
    const email = officer.email ?? (await this.program.listEvents()).map(e => e.contact.email).find((e): e is string => e !== null) ?? null
    return {
      officer: { name: officer.name, email, phone: officer.phone ?? null },
      retention: this.config.retention,
      attestationDetailsDays: this.config.attestationDetailsDays,
      sending: this.config.smtp !== undefined
    }
  }

  async exportMine (personId: string): Promise<PersonalDataExport> {
    return await exportPersonalData(this.db, this.clock, personId)
  }

  /**
   * An organizer answering an access request: only for people registered in their event, and
   * only what belongs to the events they organize (see ExportScope).
   */
  async exportFor (actorId: string, eventId: string, personId: string): Promise<PersonalDataExport> {
    await this.access.assert({ personId: actorId }, 'privacy.manage', { kind: 'event', eventId })
    if (!await repo.isRegistered(this.db, personId, eventId)) throw notFound(bilingual('privacy.personNotRegistered'))
    return await exportPersonalData(this.db, this.clock, personId, await this.#scope(actorId, personId))
  }

  async #scope (actorId: string, personId: string): Promise<ExportScope> {
    const events = await organizedEvents(this.db, actorId)
    const elsewhere = (await eventsOfPerson(this.db, personId)).some(e => !events.includes(e.id)) || (await unlinkedCoursesOf(this.db, personId)).length > 0
    const coursesTaught = (await repo.activeMemberships(this.db, actorId))
      .filter(m => mapLtiRoles(Array.isArray(m.roles) ? m.roles.map(String) : []).includes('instructor')).map(m => m.context_id)
    return { events, account: !elsewhere, coursesTaught }
  }

  async people (actorId: string, eventId: string): Promise<Array<{ id: string, name: string, email: string | null }>> {
    await this.access.assert({ personId: actorId }, 'privacy.manage', { kind: 'event', eventId })
    return await repo.eventPeople(this.db, eventId)
  }

  async accessLog (actorId: string, eventId: string, filter: {
    personId?: string | undefined
    before?: number | undefined
    limit: number
  }): Promise<{ entries: repo.AccessLogEntry[], next: number | null }> {
    await this.access.assert({ personId: actorId }, 'privacy.manage', { kind: 'event', eventId })
    const entries = await repo.listAccessLog(this.db, eventId, { ...filter, limit: filter.limit + 1 })
    const more = entries.length > filter.limit
    const page = entries.slice(0, filter.limit)
    return { entries: page, next: more ? page[page.length - 1]?.id ?? null : null }
  }
}
