import { DateTime } from 'luxon'
import { z } from 'zod'
import type { AccessPolicy } from '../access/policy.js'
import type { Db } from '../db/database.js'
import type { Clock } from '../clock.js'
import type { ResolvedConfig } from '../config.js'
import { AppError, conflict, forbidden, notFound, type Bilingual } from '../errors.js'
import { bilingual, type TextKey, type TextValues } from '../views/i18n.js'
import { parseLanguage, parseParticipantsCsv, type CsvDelimiter, type CsvEncoding, type CsvField, type CsvRow } from './csv.js'
import * as repo from './participants-repository.js'
import { listRegistrations, markStaffProvisioned, organizedEventIds, protectedAmong, type PersonRow } from './repository.js'
import { sealProvisionedAccounts } from './provisioned-accounts.js'
import { hashToken, newToken } from './tokens.js'
import { byName } from '../util/by-name.js'
import { personalLinkText } from '../messages/texts.js'
import type { MessageOutbox } from '../messages/outbox.js'
import type { ProgramService } from '../program/service.js'

/**
 * Non-credit participants (public-sector employees): imported by organizers from a CSV or
 * added one by one, each registered as 'participant' of the event, and given a personal link
 * that opens their own page (/moi) on any device they confirm it on.
 */

/** Personal links end this many days after the event's last day (Loi 25: no longer than needed). */
export const PERSONAL_LINK_DAYS_AFTER_EVENT = 60

export interface ParticipantInput {
  name: string
  email: string
  /** Undefined: not stated, what is known stays. */
  employer?: string | undefined
  language?: 'fr' | 'en' | undefined
  givenName?: string | undefined
  familyName?: string | undefined
}

export type LinkStatus = 'none' | 'active' | 'revoked' | 'expired'

export interface Participant {
  personId: string
  name: string
  email: string | null
  employer: string | null
  preferredLocale: 'fr' | 'en'
  link: { status: LinkStatus, issuedAt: Date | null, expiresAt: Date | null, revokedAt: Date | null, lastUsedAt: Date | null }
}

/**
 * 'kept': an existing account the caller may not speak for (a registration in another event,
 * a staff role, an LMS identity): registered as participant if it was not, its details untouched.
 */
export type Outcome = 'added' | 'updated' | 'unchanged' | 'kept'

export interface ImportLineError { line: number, field: 'name' | 'email' | 'employer' | 'language' | null, message: Bilingual }

export interface ParticipantImportReport {
  eventId: string
  /** Data lines read (blank lines aside). */
  rows: number
  /** Newly registered as participants of the event (created, or already known to Compagnon). */
  added: number
  /** Already participants; name, employer or language changed. */
  updated: number
  unchanged: number
  /** Existing accounts that belong to more than the caller's events: registered, details untouched. */
  kept: number
  errors: ImportLineError[]
  ignoredColumns: string[]
  delimiter: CsvDelimiter
  encoding: CsvEncoding
}

/** Whom "send links to everyone" writes to: those without a working link, or every participant. */
export type BulkLinkAudience = 'without-active-link' | 'all'

/** What "send links to everyone" did: links sent, and the people it could not write to (and why). */
export interface BulkLinkResult {
  /** Messages queued (sent by email, or stored to pass on when SMTP is off). */
  sent: number
  /** Participants in the audience without an email address. */
  withoutEmail: number
  /** Accounts that also belong elsewhere (another event, a team role, an LMS): no personal link for them. */
  notOwned: number
}

/** Who "send links to everyone" writes to, before anything is sent (the confirmation step shows the count). */
export function bulkLinkAudience (participants: Participant[], audience: BulkLinkAudience): Participant[] {
  return audience === 'all' ? participants : participants.filter(p => p.link.status !== 'active')
}

export interface PersonalLink { personId: string, eventId: string, url: string, issuedAt: Date, expiresAt: Date }

/** A file none of whose lines could be imported: nothing changed. Carries the report for pages. */
export class ParticipantImportRejected extends AppError {
  constructor (readonly report: ParticipantImportReport) {
    super('bad_request', bilingual('people.csvNothingImported', { count: report.errors.length }), report.errors.map(e => ({
      field: `line ${e.line}${e.field !== null ? `.${e.field}` : ''}`,
      message: e.message.en
    })))
  }
}

const linkUnusable = new AppError('bad_request', bilingual('people.personalLinkUnusable'))

const emailSchema = z.email().max(254)
const MAX_TEXT = 200
const clean = (value: string | undefined): string => (value ?? '').replace(/\s+/g, ' ').trim()

/**
 * What the participant service asks of PeopleService (which builds it): said here rather than
 * imported, so that neither module imports the other.
 */
export interface PeopleAccounts {
  /** Of these people, those whose account the actor may not speak for. */
  protectedFrom: (actorId: string, personIds: string[]) => Promise<Set<string>>
  /** Opens a session on this device (a personal link's), inside the caller's transaction when `db` is given. */
  openDeviceSession: (personId: string, userAgent: string | undefined, options: { notAfter?: Date, db?: Db }) => Promise<{
    personId: string
    deviceSessionId: string
    deviceToken: string
  }>
  /** The one access policy (src/access/policy.ts). */
  readonly access: AccessPolicy
  /** Where personal links sent by email wait for the sender. */
  readonly outbox: MessageOutbox
}

export class ParticipantService {
  constructor (
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly config: Pick<ResolvedConfig, 'publicUrl'>,
    private readonly people: PeopleAccounts,
    private readonly program: ProgramService
  ) {}

  async list (eventId: string): Promise<Participant[]> {
    // Sorted here, not in SQL: the database's collation may be "C", which puts "Émilie" after "Zoé".
    return (await repo.listParticipants(this.db, eventId)).map(row => this.#toParticipant(row))
      .sort(byName)
  }

  /** Adds or updates one participant (idempotent by email, case-insensitive). */
  async add (actorId: string, eventId: string, input: ParticipantInput): Promise<{ participant: Participant, outcome: Outcome }> {
    await this.#assertOrganizer(actorId, eventId)
    const outcome = await this.db.transaction().execute(async trx => {
      const outcomes = await this.#upsert(trx, actorId, eventId, [input])
      return outcomes[0] ?? 'unchanged'
    })
    const person = (await repo.findPeopleByEmails(this.db, [input.email]))[0]
    const row = person === undefined ? undefined : await repo.findParticipant(this.db, eventId, person.id)
    if (row === undefined) throw new Error('participant vanished after its upsert')
    return { participant: this.#toParticipant(row), outcome }
  }

  /**
   * Imports a CSV list. Lines with errors are reported (line, field, message) and skipped; the
   * others are imported in one transaction. A file that cannot be read at all, or whose every
   * line is wrong, is refused and changes nothing.
   */
  async importCsv (actorId: string, eventId: string, input: Uint8Array | string, charset?: string): Promise<ParticipantImportReport> {
    await this.#assertOrganizer(actorId, eventId)
    const parsed = parseParticipantsCsv(input, charset)
    const errors: ImportLineError[] = []
    const valid: ParticipantInput[] = []
    const firstLineOf = new Map<string, number>()
    for (const row of parsed.rows) {
      const checked = validateRow(row)
      if ('errors' in checked) { errors.push(...checked.errors); continue }
      const key = checked.input.email.toLowerCase()
      const first = firstLineOf.get(key)
      if (first !== undefined) {
        errors.push({ line: row.line, field: 'email', message: bilingual('people.csvDuplicateEmail', { line: first }) })
        continue
      }
      firstLineOf.set(key, row.line)
      valid.push(checked.input)
    }
    const report: ParticipantImportReport = {
      eventId,
      rows: parsed.rows.length,
      added: 0,
      updated: 0,
      unchanged: 0,
      kept: 0,
      errors,
      ignoredColumns: parsed.ignoredColumns,
      delimiter: parsed.delimiter,
      encoding: parsed.encoding
    }
    if (parsed.rows.length === 0) {
      throw new AppError('bad_request', bilingual('people.csvNoRows'))
    }
    if (valid.length === 0) throw new ParticipantImportRejected(report)
    const outcomes = await this.db.transaction().execute(async trx => await this.#upsert(trx, actorId, eventId, valid))
    for (const outcome of outcomes) report[outcome]++
    return report
  }

  /** Issues the person's personal link for this event, or re-issues it (the old URL stops working). */
  async issueLink (actorId: string, eventId: string, personId: string): Promise<PersonalLink> {
    await this.#assertOrganizer(actorId, eventId)
    await this.#findParticipant(eventId, personId)
    await this.#assertOwnedBy(actorId, personId, bilingual('people.personalLinkNotOwned'))
    const event = await this.program.getEvent(eventId)
    const now = this.clock.now()
    const expiresAt = personalLinkExpiry(event.endsOn, event.timezone)
    if (expiresAt <= now) {
      throw conflict(bilingual('people.personalLinkEventOver', { days: PERSONAL_LINK_DAYS_AFTER_EVENT }))
    }
    const token = newToken()
    await repo.upsertPersonalLink(this.db, {
      event_id: eventId,
      person_id: personId,
      token_hash: hashToken(token),
      issued_by: actorId,
      issued_at: now,
      expires_at: expiresAt
    })
    return { personId, eventId, url: `${this.config.publicUrl}/p/${token}`, issuedAt: now, expiresAt }
  }

  /**
   * "Send links to everyone": for each participant in the audience with an email address whose
   * account only the caller's events hold, a NEW personal link (the previous one stops working)
   * and its message in their language, queued like the one-by-one "send by email" action. One
   * transaction: either every link and message is written, or none.
   */
  async sendLinks (actorId: string, eventId: string, audience: BulkLinkAudience): Promise<BulkLinkResult> {
    await this.#assertOrganizer(actorId, eventId)
    const event = await this.program.getEvent(eventId)
    const now = this.clock.now()
    const expiresAt = personalLinkExpiry(event.endsOn, event.timezone)
    if (expiresAt <= now) throw conflict(bilingual('people.personalLinkEventOver', { days: PERSONAL_LINK_DAYS_AFTER_EVENT }))
    const chosen = bulkLinkAudience(await this.list(eventId), audience)
    const withEmail = chosen.filter(p => p.email !== null && p.email.trim() !== '')
    const foreign = await this.people.protectedFrom(actorId, withEmail.map(p => p.personId))
    const targets = withEmail.filter(p => !foreign.has(p.personId))
    await this.db.transaction().execute(async trx => {
      for (const p of targets) {
        const token = newToken()
        await repo.upsertPersonalLink(trx, {
          event_id: eventId,
          person_id: p.personId,
          token_hash: hashToken(token),
          issued_by: actorId,
          issued_at: now,
          expires_at: expiresAt
        })
        const text = personalLinkText(p.preferredLocale, {
          name: p.name,
          event: event.title[p.preferredLocale],
          url: `${this.config.publicUrl}/p/${token}`,
          expiresAt,
          timezone: event.timezone
        })
        await this.people.outbox.enqueue(trx, { eventId, personId: p.personId, kind: 'personal_link', to: p.email ?? '', ...text })
      }
    })
    return { sent: targets.length, withoutEmail: chosen.length - withEmail.length, notOwned: withEmail.length - targets.length }
  }

  /** Revokes the link; with signOutEverywhere, also ends every device session of the person. */
  async revokeLink (
    actorId: string,
    eventId: string,
    personId: string,
    options: { signOutEverywhere: boolean }
  ): Promise<{ revoked: boolean, devicesSignedOut: number }> {
    await this.#assertOrganizer(actorId, eventId)
    await this.#findParticipant(eventId, personId)
    if (options.signOutEverywhere) {
      await this.#assertOwnedBy(actorId, personId, bilingual('people.signOutNotOwned'))
    }
    const now = this.clock.now()
    return await this.db.transaction().execute(async trx => ({
      revoked: await repo.revokePersonalLink(trx, eventId, personId, now),
      devicesSignedOut: options.signOutEverywhere ? await repo.revokeDeviceSessionsOf(trx, personId, now) : 0
    }))
  }

  /** For the confirmation page: whether the link works, without using it; the person's language. */
  async checkLink (token: string): Promise<{ preferredLocale: 'fr' | 'en' }> {
    const link = await repo.findLivePersonalLink(this.db, hashToken(token), this.clock.now())
    if (link === undefined) throw linkUnusable
    return { preferredLocale: link.preferred_locale === 'en' ? 'en' : 'fr' }
  }

  /**
   * Opens a device session with the personal link. The link stays usable (other devices) until
   * revoked, re-issued or expired; the session ends no later than the link would.
   */
  async exchangeLink (token: string, userAgent: string | undefined): Promise<{
    personId: string
    deviceSessionId: string
    deviceToken: string
    preferredLocale: 'fr' | 'en'
  }> {
    const now = this.clock.now()
    const tokenHash = hashToken(token)
    return await this.db.transaction().execute(async trx => {
      // The update locks the row: a revocation running at the same time waits, then wins.
      if (!await repo.touchPersonalLink(trx, tokenHash, now)) throw linkUnusable
      const link = await repo.findLivePersonalLink(trx, tokenHash, now)
      if (link === undefined) throw linkUnusable
      // Checked again at use: someone invited to the team since the link was issued must not
      // be reachable through a forwardable URL.
      // ... and so must anyone who since joined an event its issuer does not organize, or an LMS.
      const issuerEvents = link.issued_by === null ? [link.event_id] : await organizedEventIds(trx, link.issued_by)
      if (!await this.#participantOnly(link.person_id, trx) || (await protectedAmong(trx, [link.person_id], issuerEvents)).size > 0) {
        throw forbidden(bilingual('people.personalLinkCannotOpen'))
      }
      const session = await this.people.openDeviceSession(link.person_id, userAgent, { notAfter: link.expires_at, db: trx })
      return { ...session, preferredLocale: link.preferred_locale === 'en' ? 'en' : 'fr' }
    })
  }

  async #upsert (trx: Db, actorId: string, eventId: string, inputs: ParticipantInput[]): Promise<Outcome[]> {
    const now = this.clock.now()
    const existing = new Map<string, PersonRow>((await repo.findPeopleByEmails(trx, inputs.map(i => i.email))).map(p => [(p.email ?? '').toLowerCase(), p]))
    const already = await repo.participantsAmong(trx, eventId, [...existing.values()].map(p => p.id))
    // Identity fields belong to the person; staff may change them only where the person exists
    // in nothing but the events those staff organize.
    const kept = await protectedAmong(trx, [...existing.values()].map(p => p.id), await organizedEventIds(trx, actorId))
    const outcomes: Outcome[] = []
    const toCreate: repo.NewPerson[] = []
    const toRegister: string[] = []
    for (const input of inputs) {
      const person = existing.get(input.email.toLowerCase())
      if (person === undefined) {
        toCreate.push({
          email: input.email,
          display_name: input.name,
          given_name: input.givenName ?? null,
          family_name: input.familyName ?? null,
          employer: input.employer ?? null,
          preferred_locale: input.language ?? 'fr'
        })
        outcomes.push('added')
        continue
      }
      if (kept.has(person.id)) {
        if (!already.has(person.id)) toRegister.push(person.id)
        outcomes.push('kept')
        continue
      }
      const next = {
        display_name: input.name,
        given_name: input.givenName ?? person.given_name,
        family_name: input.familyName ?? person.family_name,
        employer: input.employer ?? person.employer,
        preferred_locale: input.language ?? person.preferred_locale
      }
      const changed = next.display_name !== person.display_name || next.given_name !== person.given_name ||
        next.family_name !== person.family_name || next.employer !== person.employer || next.preferred_locale !== person.preferred_locale
      if (changed) await repo.updatePersonProfile(trx, person.id, { ...next, updated_at: now })
      const registered = already.has(person.id)
      if (!registered) toRegister.push(person.id)
      outcomes.push(!registered ? 'added' : changed ? 'updated' : 'unchanged')
    }
    const created = await repo.insertPeople(trx, toCreate)
    await repo.addParticipantRegistrations(trx, eventId, [...toRegister, ...created.map(p => p.id)], actorId)
    // New accounts: their personal links will be shown to staff. Existing ones that staff of
    // another event created lose what those staff could hold.
    await markStaffProvisioned(trx, created.map(p => p.id), actorId, now)
    await sealProvisionedAccounts(trx, toRegister, eventId, now)
    return outcomes
  }

  async #assertOrganizer (actorId: string, eventId: string): Promise<void> {
    await this.people.access.assert({ personId: actorId }, 'participants.manage', { kind: 'event', eventId })
  }

  async #findParticipant (eventId: string, personId: string): Promise<repo.ParticipantRow> {
    const row = await repo.findParticipant(this.db, eventId, personId)
    if (row === undefined) throw notFound(bilingual('people.notAParticipant'))
    return row
  }

  /**
   * A personal link is a weaker credential than a one-time link (a URL kept in an inbox, good
   * on several devices), so it only ever opens accounts that hold nothing but participant
   * registrations.
   */
  async #participantOnly (personId: string, db: Db = this.db): Promise<boolean> {
    return (await listRegistrations(db, personId)).every(r => r.role === 'participant')
  }

  /** Refuses unless the account exists only in events the actor organizes, with no staff role and no LMS identity. */
  async #assertOwnedBy (actorId: string, personId: string, text: Bilingual): Promise<void> {
    if ((await this.people.protectedFrom(actorId, [personId])).size > 0) throw conflict(text)
  }

  #toParticipant (row: repo.ParticipantRow): Participant {
    const now = this.clock.now()
    const status: LinkStatus = row.link_issued_at === null
      ? 'none'
      : row.link_revoked_at !== null ? 'revoked' : (row.link_expires_at ?? now) <= now ? 'expired' : 'active'
    return {
      personId: row.person_id,
      name: row.display_name,
      email: row.email,
      employer: row.employer,
      preferredLocale: row.preferred_locale === 'en' ? 'en' : 'fr',
      link: { status, issuedAt: row.link_issued_at, expiresAt: row.link_expires_at, revokedAt: row.link_revoked_at, lastUsedAt: row.link_last_used_at }
    }
  }
}

/** Midnight (event time zone) after the 60th day following the event's last day. */
export function personalLinkExpiry (endsOn: string, timezone: string): Date {
  return DateTime.fromISO(endsOn, { zone: timezone }).plus({ days: PERSONAL_LINK_DAYS_AFTER_EVENT + 1 }).startOf('day').toJSDate()
}

/** One CSV line to a participant, or what is wrong with it (every problem, not just the first). */
export function validateRow (row: CsvRow): { input: ParticipantInput } | { errors: ImportLineError[] } {
  const v = row.values
  const errors: ImportLineError[] = []
  const err = (field: ImportLineError['field'], key: TextKey, values?: TextValues): void => {
    errors.push({
      line: row.line,
      field,
      message: bilingual(key, values)
    })
  }
  const givenName = clean(v.givenName)
  const familyName = clean(v.familyName)
  const name = clean(v.name) !== '' ? clean(v.name) : clean(`${givenName} ${familyName}`)
  if (name === '') err('name', 'people.csvNameMissing')
  else if (name.length > MAX_TEXT) err('name', 'people.csvNameTooLong', { max: MAX_TEXT })
  const email = clean(v.email)
  if (email === '') err('email', 'people.csvEmailMissing')
  else if (!emailSchema.safeParse(email).success) err('email', 'people.csvEmailInvalid', { email })
  const employer = clean(v.employer)
  if (employer.length > MAX_TEXT) err('employer', 'people.csvEmployerTooLong', { max: MAX_TEXT })
  const language = parseLanguage(v.language)
  if (language === undefined) err('language', 'people.csvLanguageUnknown', { value: clean(v.language) })
  if (errors.length > 0) return { errors }
  const present = (field: CsvField): boolean => v[field] !== undefined && clean(v[field]) !== ''
  return {
    input: {
      name,
      email,
      employer: present('employer') ? employer : undefined,
      language: present('language') ? language : undefined,
      givenName: present('givenName') ? givenName : undefined,
      familyName: present('familyName') ? familyName : undefined
    }
  }
}
