import type { AccessPolicy } from '../access/policy.js'
import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import { badRequest, notFound } from '../errors.js'
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
const FIELD_NAMES = ['detectedAt', 'description', 'categories', 'peopleAffected', 'seriousInjuryRisk', 'riskAssessment', 'measures', 'caiNotifiedAt', 'peopleNotifiedAt', 'status'] as const

const notAnIncident = (): Error => notFound({ fr: 'Incident introuvable pour cet événement.', en: 'Incident not found for this event.' })

function fieldsOf (row: repo.IncidentRow): Fields {
  return {
    detectedAt: row.detected_at,
    description: row.description,
    categories: row.categories,
    peopleAffected: row.people_affected,
    seriousInjuryRisk: row.serious_injury_risk as Fields['seriousInjuryRisk'],
    riskAssessment: row.risk_assessment,
    measures: row.measures,
    caiNotifiedAt: row.cai_notified_at,
    peopleNotifiedAt: row.people_notified_at,
    status: row.status as Fields['status']
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
      const row = await repo.insertIncident(trx, { event_id: eventId, ...columnsOf(input), created_by: actorId, created_at: now, updated_by: actorId, updated_at: now })
      await repo.insertIncidentHistory(trx, { incident_id: row.id, action: 'created', changed_by: actorId, changed_at: now, before: null, after: fieldsOf(row) })
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
    const details: Array<{ field: string, message: string }> = []
    const fr: string[] = []
    if (f.detectedAt > now) {
      details.push({ field: 'detectedAt', message: 'detectedAt must not be in the future' })
      fr.push('La date de détection ne peut pas être dans le futur.')
    }
    for (const [name, label] of [['caiNotifiedAt', 'L\'avis à la Commission'], ['peopleNotifiedAt', 'L\'avis aux personnes']] as const) {
      const at = f[name]
      if (at === null) continue
      if (at > now) {
        details.push({ field: name, message: `${name} must not be in the future` })
        fr.push(`${label} ne peut pas être daté dans le futur.`)
      } else if (at < f.detectedAt) {
        details.push({ field: name, message: `${name} must not be before detectedAt` })
        fr.push(`${label} ne peut pas précéder la détection de l'incident.`)
      }
    }
    if (details.length > 0) {
      throw badRequest({ fr: fr.join(' '), en: details.map(d => d.message[0]?.toUpperCase() + d.message.slice(1) + '.').join(' ') }, details)
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
          : FIELD_NAMES.filter(n => JSON.stringify((h.before as Record<string, unknown> | null)?.[n] ?? null) !== JSON.stringify((h.after as Record<string, unknown> | null)?.[n] ?? null))
      }))
    }
  }
}
