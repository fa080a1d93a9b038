import type { AccessPolicy } from '../access/policy.js'
import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import { badRequest, notFound, type Bilingual } from '../errors.js'
import { bilingual } from '../views/i18n.js'
import * as repo from './repository.js'
import type { IncidentInput, IncidentPatch } from './schemas.js'

export interface Incident {
  id: string
  eventId: string
  detectedAt: Date
  description: string
  categories: string
  peopleAffected: number | null
  seriousInjuryRisk: 'to_assess' | 'low' | 'serious'
  riskAssessment: string | null
  measures: string | null
  caiNotifiedAt: Date | null
  peopleNotifiedAt: Date | null
  status: 'open' | 'contained' | 'closed'
  createdBy: string | null
  createdAt: Date
  updatedBy: string | null
  updatedAt: Date
  history: Array<{ action: 'created' | 'updated', changedBy: string | null, changedByName: string | null, changedAt: Date, changed: string[] }>
}

type Fields = Omit<Incident, 'id' | 'eventId' | 'createdBy' | 'createdAt' | 'updatedBy' | 'updatedAt' | 'history'>
const FIELD_NAMES = [
  'detectedAt', 'description', 'categories', 'peopleAffected', 'seriousInjuryRisk', 'riskAssessment', 'measures', 'caiNotifiedAt', 'peopleNotifiedAt', 'status'
] as const

const notAnIncident = (): Error => notFound(bilingual('privacy.incidentNotFound'))

function fieldsOf (row: repo.IncidentRow): Fields {
  return {
    detectedAt: row.detected_at,
    description: row.description,
    categories: row.categories,
    peopleAffected: row.people_affected,
    seriousInjuryRisk: row.serious_injury_risk,
    riskAssessment: row.risk_assessment,
    measures: row.measures,
    caiNotifiedAt: row.cai_notified_at,
    peopleNotifiedAt: row.people_notified_at,
    status: row.status
  }
}

const columnsOf = (f: Fields) => ({
  detected_at: f.detectedAt,
  description: f.description,
  categories: f.categories,
  people_affected: f.peopleAffected,
  serious_injury_risk: f.seriousInjuryRisk,
  risk_assessment: f.riskAssessment,
  measures: f.measures,
  cai_notified_at: f.caiNotifiedAt,
  people_notified_at: f.peopleNotifiedAt,
  status: f.status
})

const same = (a: unknown, b: unknown): boolean => a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b

/**
 * The register of confidentiality incidents of an event (Loi 25): organizers of the event
 * record, update and read it (the access policy decides: privacy.manage); every change is kept
 * with who made it and when.
 */
export class IncidentService {
  constructor (private readonly db: Db, private readonly clock: Clock, private readonly access: AccessPolicy) {}

  async list (actorId: string, eventId: string): Promise<Incident[]> {
    await this.access.assert({ personId: actorId }, 'privacy.manage', { kind: 'event', eventId })
    const rows = await repo.listIncidents(this.db, eventId)
    const history = await repo.incidentHistory(this.db, eventId)
    return rows.map(row => this.#view(row, history))
  }

  async create (actorId: string, eventId: string, input: IncidentInput): Promise<Incident> {
    await this.access.assert({ personId: actorId }, 'privacy.manage', { kind: 'event', eventId })
    const now = this.clock.now()
    this.#check(input, now)
    return await this.db.transaction().execute(async trx => {
      const row = await repo.insertIncident(trx, {
        event_id: eventId,
        ...columnsOf(input),
        created_by: actorId,
        created_at: now,
        updated_by: actorId,
        updated_at: now
      })
      await repo.insertIncidentHistory(trx, {
        incident_id: row.id,
        action: 'created',
        changed_by: actorId,
        changed_at: now,
        before: null,
        after: fieldsOf(row)
      })
      return this.#view(row, await repo.incidentHistory(trx, eventId))
    })
  }

  async update (actorId: string, eventId: string, incidentId: string, patch: IncidentPatch): Promise<Incident> {
    await this.access.assert({ personId: actorId }, 'privacy.manage', { kind: 'event', eventId })
    const now = this.clock.now()
    return await this.db.transaction().execute(async trx => {
      const current = await repo.findIncident(trx, eventId, incidentId, true)
      if (current === undefined) throw notAnIncident()
      const before = fieldsOf(current)
      const after: Fields = { ...before }
      for (const name of FIELD_NAMES) {
        if (patch[name] !== undefined) (after as Record<string, unknown>)[name] = patch[name]
      }
      this.#check(after, now)
      let row = current
      if (FIELD_NAMES.some(name => !same(before[name], after[name]))) {
        row = await repo.updateIncident(trx, incidentId, { ...columnsOf(after), updated_by: actorId, updated_at: now })
        await repo.insertIncidentHistory(trx, { incident_id: incidentId, action: 'updated', changed_by: actorId, changed_at: now, before, after })
      }
      return this.#view(row, await repo.incidentHistory(trx, eventId))
    })
  }

  /** Dates in the future or notifications before detection are typing mistakes: refused, field by field. */
  #check (f: Fields, now: Date): void {
    // `message` is for API clients (the field named); `text` is what people read.
    const problems: Array<{ field: string, message: string, text: Bilingual }> = []
    if (f.detectedAt > now) {
      problems.push({ field: 'detectedAt', message: 'detectedAt must not be in the future', text: bilingual('privacy.detectedInFuture') })
    }
    const notices = [
      ['caiNotifiedAt', 'privacy.caiNoticeInFuture', 'privacy.caiNoticeBeforeDetection'],
      ['peopleNotifiedAt', 'privacy.peopleNoticeInFuture', 'privacy.peopleNoticeBeforeDetection']
    ] as const
    for (const [name, inFuture, beforeDetection] of notices) {
      const at = f[name]
      if (at === null) continue
      if (at > now) problems.push({ field: name, message: `${name} must not be in the future`, text: bilingual(inFuture) })
      else if (at < f.detectedAt) problems.push({ field: name, message: `${name} must not be before detectedAt`, text: bilingual(beforeDetection) })
    }
    if (problems.length > 0) {
      const details = problems.map(({ field, message }) => ({ field, message }))
      throw badRequest({ fr: problems.map(p => p.text.fr).join(' '), en: problems.map(p => p.text.en).join(' ') }, details)
    }
  }

  #view (row: repo.IncidentRow, history: repo.IncidentHistoryEntry[]): Incident {
    return {
      id: row.id,
      eventId: row.event_id,
      ...fieldsOf(row),
      createdBy: row.created_by,
      createdAt: row.created_at,
      updatedBy: row.updated_by,
      updatedAt: row.updated_at,
      history: history.filter(h => h.incident_id === row.id).map(h => ({
        action: h.action === 'created' ? 'created' as const : 'updated' as const,
        changedBy: h.changed_by,
        changedByName: h.changed_by_name,
        changedAt: h.changed_at,
        changed: h.action === 'created'
          ? [...FIELD_NAMES]
          : FIELD_NAMES.filter(n => JSON.stringify((h.before as Record<string, unknown> | null)?.[n] ?? null) !==
            JSON.stringify((h.after as Record<string, unknown> | null)?.[n] ?? null))
      }))
    }
  }
}
