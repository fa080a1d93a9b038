import { LRUCache } from 'lru-cache'
import type { Db } from '../db/database.js'
import type { Clock } from '../clock.js'
import type { AccessPolicy } from '../access/policy.js'
import type { ResolvedConfig } from '../config.js'
import { AppError, badRequest, notFound } from '../errors.js'
import { bilingual, t, type TextKey } from '../views/i18n.js'
import type { Viewer, ViewerLink } from '../http/viewer.js'
import { MessageOutbox } from '../messages/outbox.js'
import type { EventSummary, ProgramService } from '../program/service.js'
import * as repo from './repository.js'
import type { Role } from './repository.js'
import { LiveSessions } from './live-sessions.js'
import { ParticipantService } from './participants.js'
import { sealProvisionedAccounts } from './provisioned-accounts.js'
import { hashToken, newToken } from './tokens.js'

export type { Role } from './repository.js'

const DAY = 24 * 60 * 60 * 1000
const MINUTE = 60 * 1000
const LINK_LIFETIME: Record<repo.LinkPurpose, number> = { bootstrap: DAY, invitation: 7 * DAY, sign_in: DAY, phone: 10 * MINUTE, launch: 5 * MINUTE }
const DEVICE_SESSION_LIFETIME = 180 * DAY
/**
 * How long an instance keeps what the header shows of a person (their name, their events). Names
 * and registrations change in many places (LTI launches and rosters, imports, invitations, merges,
 * erasure), on any instance: no single place could tell every cache, so this short time is the
 * bound on a stale header. Roles given or accepted through this service show at once on this
 * instance (#forgetViewer).
 */
const VIEWER_TTL_MS = 5000

/** How long a role offered to someone the inviter cannot see waits for their answer. */
export const ROLE_INVITATION_LIFETIME = 14 * DAY

export { hashToken } from './tokens.js'

export interface Person { id: string, displayName: string, email: string | null, preferredLocale: 'fr' | 'en' }
/** What a person's own page (/moi) shows about them. */
export interface Profile extends Person { employer: string | null }
/**
 * Contributes a section to a person's own page (/moi), rendered after the basic ones. Other
 * domains (attendance) register theirs here, since they share this service, not the route.
 * Returns already-escaped HTML, or null for nothing to show.
 */
export type MyPageSection = (context: { personId: string, locale: 'fr' | 'en' }) => Promise<string | null>
export interface SignInLink { personId: string, url: string, expiresAt: Date }

/**
 * What an invitation did. Only an account this invitation created comes with a link for the
 * inviter to pass on; an existing account gets the role and a message, never a link.
 */
export type Invitation =
  | { created: true, personId: string, url: string, expiresAt: Date }
  | { created: false, personId: string, alreadyHeld: boolean, notified: boolean }

/** A role offered to the person, waiting for their answer on /moi. */
export interface PendingRoleInvitation {
  id: string
  eventId: string
  title: { fr: string, en: string }
  role: 'organizer' | 'door_staff'
  inviter: string | null
  expiresAt: Date
}

export interface Invitee {
  /** Someone the organizer can see (registered in the event, or on one of its courses' class lists): given the role, told without a link. */
  personId?: string | undefined
  /** Optional for door staff only: such an account is created by name, holds the door-staff role and nothing else. */
  email?: string | undefined
  name?: string | undefined
  role: 'organizer' | 'door_staff'
}

const linkUnusable = new AppError('bad_request', bilingual('people.signInLinkUnusable'))

/** A person as the header knows them, before choosing the event the page is about. */
interface ViewerFacts { name: string, events: Map<string, { key: string, title: { fr: string, en: string }, roles: Set<string> }> }

export class PeopleService {
  /** Non-credit participants: CSV import, personal links. */
  readonly participants: ParticipantService
  /** Extra sections of /moi, in the order they were added. */
  readonly myPageSections: MyPageSection[] = []
  readonly #liveSessions: LiveSessions
  /** Asked on every signed-in page: kept a few seconds per person (VIEWER_TTL_MS), of the app's clock. */
  readonly #viewers: LRUCache<string, ViewerFacts>

  constructor (
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly config: Pick<ResolvedConfig, 'publicUrl'>,
    /** The one access policy (src/access/policy.ts). */
    readonly access: AccessPolicy,
    /** The events (their titles in messages, their dates for personal links). */
    private readonly program: ProgramService,
    /** Tells existing accounts of a role they were given (stored for organizers when SMTP is off). */
    readonly outbox: MessageOutbox = new MessageOutbox(clock, false)
  ) {
    this.participants = new ParticipantService(db, clock, config, this, program)
    this.#liveSessions = new LiveSessions(db, clock)
    this.#viewers = new LRUCache({ max: 2000, ttl: VIEWER_TTL_MS, ttlResolution: 0, perf: { now: () => clock.now().getTime() } })
  }

  async getPerson (id: string): Promise<Person> {
    const row = await repo.findPersonById(this.db, id)
    if (row === undefined) throw notFound(bilingual('people.personNotFound'))
    return { id: row.id, displayName: row.display_name, email: row.email, preferredLocale: row.preferred_locale === 'en' ? 'en' : 'fr' }
  }

  async getProfile (id: string): Promise<Profile> {
    const row = await repo.findPersonById(this.db, id)
    if (row === undefined) throw notFound(bilingual('people.personNotFound'))
    return { id: row.id, displayName: row.display_name, email: row.email, preferredLocale: row.preferred_locale === 'en' ? 'en' : 'fr', employer: row.employer }
  }

  async roles (personId: string): Promise<Array<{ eventId: string, role: Role }>> {
    return (await repo.listRegistrations(this.db, personId)).map(r => ({ eventId: r.event_id, role: r.role }))
  }

  /**
   * The signed-in person as the site's header shows them: their name and, when useful, one event
   * to go back to (the one the page is about, else their only one), where their role takes them.
   */
  async viewer (personId: string, aboutEventId?: string): Promise<Viewer | undefined> {
    const facts = await this.#viewerFacts(personId)
    if (facts === undefined) return undefined
    const { name, events } = facts
    const chosenId = aboutEventId !== undefined && events.has(aboutEventId) ? aboutEventId : events.size === 1 ? [...events.keys()][0] : undefined
    const chosen = chosenId === undefined ? undefined : events.get(chosenId)
    return { name, events: chosenId === undefined || chosen === undefined ? [] : [eventLink(chosenId, chosen)] }
  }

  async #viewerFacts (personId: string): Promise<ViewerFacts | undefined> {
    const cached = this.#viewers.get(personId)
    if (cached !== undefined) return cached
    const rows = await repo.viewerRows(this.db, personId)
    const first = rows[0]
    if (first === undefined) return undefined
    const events: ViewerFacts['events'] = new Map()
    for (const row of rows) {
      if (row.event_id === null || row.role === null || row.event_key === null) continue
      const known = events.get(row.event_id) ?? { key: row.event_key, title: { fr: row.title_fr ?? '', en: row.title_en ?? '' }, roles: new Set<string>() }
      known.roles.add(row.role)
      events.set(row.event_id, known)
    }
    const facts = { name: first.display_name, events }
    this.#viewers.set(personId, facts)
    return facts
  }

  /** The person's header changes with what they just did here (a role accepted, given): not a few seconds later. */
  #forgetViewer (personId: string): void {
    this.#viewers.delete(personId)
  }

  /** True when the person holds one of the roles, for this event or (without one) for any event. */
  async hasRole (personId: string, roles: Role[], eventId?: string): Promise<boolean> {
    return (await this.roles(personId)).some(r => roles.includes(r.role) && (eventId === undefined || r.eventId === eventId))
  }

  async team (eventId: string): Promise<Array<{ personId: string, displayName: string, email: string | null, role: Role }>> {
    return (await repo.listTeam(this.db, eventId, ['organizer', 'door_staff'])).map(r => ({
      personId: r.person_id,
      displayName: r.display_name,
      email: r.email,
      role: r.role
    }))
  }

  /**
   * First organizer, without any LMS: registers the person as organizer of the given events
   * and returns a one-time sign-in link (valid 24 h).
   */
  async bootstrapOrganizer (email: string, eventIds: string[], displayName?: string): Promise<SignInLink> {
    const link = await this.db.transaction().execute(async trx => {
      const person = await this.#upsertPerson(trx, email, displayName)
      for (const eventId of eventIds) await repo.addRegistration(trx, { event_id: eventId, person_id: person.id, role: 'organizer', created_by: null })
      return await this.#createLink(trx, person.id, 'bootstrap', null)
    })
    this.#forgetViewer(link.personId)
    return link
  }

  /**
   * An organizer of the event invites another organizer or door staff. A new account (created
   * here) comes with a one-time link for the inviter to pass on, and is marked as provisioned
   * by them. An account that already exists belongs to its owner, who gets in by their own means
   * (their LMS, "m'envoyer mon lien", or a link the server's operator prints): if the inviter can
   * see it (grantableAtOnce) it gains the role, else it gets a pending invitation to accept on /moi
   * (14 days); either way it is told by message without a link, and the answer to the inviter has
   * the same shape. Door staff without email: by name only.
   */
  async invite (inviterId: string, eventId: string, invitee: Invitee): Promise<Invitation> {
    await this.access.assert({ personId: inviterId }, 'team.invite', { kind: 'event', eventId })
    const email = invitee.email?.trim() ?? ''
    const name = invitee.name?.trim() ?? ''
    if (invitee.personId !== undefined && !await repo.seenInEvent(this.db, invitee.personId, eventId)) {
      throw notFound(bilingual('people.notSeenInEvent'))
    }
    if (invitee.personId === undefined && email === '' && (invitee.role !== 'door_staff' || name === '')) {
      throw badRequest(bilingual('people.inviteEmailRequired'))
    }
    // Read before the transaction: the message to an existing account names the event.
    const event = await this.program.getEvent(eventId)
    const now = this.clock.now()
    const invitation = await this.db.transaction().execute(async (trx): Promise<Invitation> => {
      const existing = invitee.personId !== undefined
        ? await repo.findPersonById(trx, invitee.personId)
        : email === '' ? undefined : await repo.findPersonByEmail(trx, email)
      if (existing === undefined) {
        const person = await repo.insertPerson(trx, { email: email === '' ? null : email, display_name: name !== '' ? name : email.split('@')[0] ?? email })
        await repo.addRegistration(trx, { event_id: eventId, person_id: person.id, role: invitee.role, created_by: inviterId })
        await repo.markStaffProvisioned(trx, [person.id], inviterId, now)
        const link = await this.#createLink(trx, person.id, 'invitation', inviterId)
        return { created: true, ...link }
      }
      const alreadyHeld = (await repo.listRegistrations(trx, existing.id)).some(r => r.event_id === eventId && r.role === invitee.role)
      if (alreadyHeld) return { created: false, personId: existing.id, alreadyHeld, notified: false }
      if (!await repo.grantableAtOnce(trx, existing.id, eventId, await repo.organizedEventIds(trx, inviterId))) {
        // Someone the inviter cannot see: asked first. The answer has the same shape as a grant.
        await repo.deleteExpiredRoleInvitations(trx, now)
        const isNew = await repo.upsertRoleInvitation(trx, {
          event_id: eventId,
          person_id: existing.id,
          role: invitee.role,
          invited_by: inviterId,
          created_at: now,
          expires_at: new Date(now.getTime() + ROLE_INVITATION_LIFETIME)
        })
        const notified = isNew && await this.#tellOfInvitation(trx, existing, event, inviterId, invitee.role)
        return { created: false, personId: existing.id, alreadyHeld, notified }
      }
      await repo.addRegistration(trx, { event_id: eventId, person_id: existing.id, role: invitee.role, created_by: inviterId })
      await sealProvisionedAccounts(trx, [existing.id], eventId, now)
      await this.#tellOfRole(trx, existing, event, inviterId, invitee.role)
      return { created: false, personId: existing.id, alreadyHeld, notified: true }
    })
    this.#forgetViewer(invitation.personId)
    return invitation
  }

  /**
   * Of these people, those whose account the actor may not speak for (no link, no identity
   * change): a registration in an event the actor does not organize, a staff role, an LMS identity.
   */
  async protectedFrom (actorId: string, personIds: string[], db: Db = this.db): Promise<Set<string>> {
    return await repo.protectedAmong(db, personIds, await repo.organizedEventIds(db, actorId))
  }

  /** What both role messages name, in the person's language: them, the inviter, the event. */
  async #roleMessageNames (trx: Db, person: repo.PersonRow, event: EventSummary, inviterId: string): Promise<{
    locale: 'fr' | 'en'
    name: string
    inviter: string
    event: string
  }> {
    const inviter = await repo.findPersonById(trx, inviterId)
    const locale = person.preferred_locale === 'en' ? 'en' : 'fr'
    return { locale, name: person.display_name, inviter: inviter?.display_name ?? '', event: event.title[locale] }
  }

  /** The message that tells an existing account of its new role: no link, how to get in instead. */
  async #tellOfRole (trx: Db, person: repo.PersonRow, event: EventSummary, inviterId: string, role: 'organizer' | 'door_staff'): Promise<void> {
    if (person.email === null) return
    const { locale, ...names } = await this.#roleMessageNames(trx, person, event, inviterId)
    const text = roleGrantedText(locale, { ...names, role, publicUrl: this.config.publicUrl })
    await this.outbox.enqueue(trx, { eventId: event.id, personId: person.id, kind: 'role_granted', to: person.email, ...text })
  }

  /** The message that tells an account it was invited to a role it may accept or decline on /moi: no link, no event (no organizer's list shows it). */
  async #tellOfInvitation (trx: Db, person: repo.PersonRow, event: EventSummary, inviterId: string, role: 'organizer' | 'door_staff'): Promise<boolean> {
    if (person.email === null) return false
    const { locale, ...names } = await this.#roleMessageNames(trx, person, event, inviterId)
    const text = roleInvitationText(locale, { ...names, role, days: ROLE_INVITATION_LIFETIME / DAY, publicUrl: this.config.publicUrl })
    await this.outbox.enqueue(trx, { eventId: null, personId: person.id, kind: 'role_invitation', to: person.email, ...text })
    return true
  }

  /** The roles offered to the person and not yet answered (expired ones left out). */
  async pendingRoleInvitations (personId: string): Promise<PendingRoleInvitation[]> {
    const rows = await repo.openRoleInvitations(this.db, personId, this.clock.now())
    return rows.map(r => ({
      id: r.id,
      eventId: r.event_id,
      title: { fr: r.title_fr, en: r.title_en },
      role: r.role === 'organizer' ? 'organizer' : 'door_staff',
      inviter: r.inviter_name,
      expiresAt: r.expires_at
    }))
  }

  /**
   * The person answers an invitation of theirs. Accepting adds the registration, recorded as
   * given by the inviter (like a grant); declining removes the invitation. Either way it is gone.
   */
  async answerRoleInvitation (personId: string, invitationId: string, accept: boolean): Promise<void> {
    const now = this.clock.now()
    await this.db.transaction().execute(async trx => {
      const invitation = await repo.findRoleInvitation(trx, invitationId, personId)
      if (invitation === undefined || invitation.expires_at <= now) {
        throw notFound(bilingual('people.roleInvitationGone'))
      }
      await repo.deleteRoleInvitation(trx, invitation.id)
      if (!accept) return
      const role = invitation.role === 'organizer' ? 'organizer' : 'door_staff'
      await repo.addRegistration(trx, { event_id: invitation.event_id, person_id: personId, role, created_by: invitation.invited_by })
      await sealProvisionedAccounts(trx, [personId], invitation.event_id, now)
    })
    this.#forgetViewer(personId)
  }

  /** Whether a link can still be used (for the confirmation page), without consuming it; returns whose it is. */
  async checkLink (token: string): Promise<{ personId: string }> {
    const link = await repo.findSignInLink(this.db, hashToken(token))
    if (link === undefined || link.used_at !== null || link.expires_at <= this.clock.now()) throw linkUnusable
    return { personId: link.person_id }
  }

  /** Consumes a one-time link and opens a device session; returns its secret token and what the link was for. */
  async exchangeLink (token: string, userAgent: string | undefined): Promise<{
    personId: string
    deviceSessionId: string
    deviceToken: string
    purpose: repo.LinkPurpose
  }> {
    const now = this.clock.now()
    return await this.db.transaction().execute(async trx => {
      const link = await repo.consumeSignInLink(trx, hashToken(token), now)
      if (link === undefined) throw linkUnusable
      return { ...await this.#insertDeviceSession(trx, link.person_id, userAgent, now), purpose: link.purpose }
    })
  }

  /**
   * A one-time link for someone signed in on this device to open Compagnon on another one (their
   * phone: 10 minutes), or in a new window when the LMS frame blocks cookies (a launch: 5 minutes).
   */
  async handoffLink (personId: string, purpose: 'phone' | 'launch'): Promise<SignInLink & { token: string }> {
    const token = newToken()
    const expiresAt = new Date(this.clock.now().getTime() + LINK_LIFETIME[purpose])
    await repo.insertSignInLink(this.db, { person_id: personId, token_hash: hashToken(token), purpose, created_by: personId, expires_at: expiresAt })
    return { personId, token, url: `${this.config.publicUrl}/auth/link/${token}`, expiresAt }
  }

  /** Uses up a person's own link that turned out not to be needed (the launch's cookies did work). */
  async discardLink (token: string, personId: string): Promise<boolean> {
    return await repo.consumeSignInLink(this.db, hashToken(token), this.clock.now(), personId) !== undefined
  }

  /**
   * Opens a long-lived, revocable session on one device (after an LTI launch, a one-time link or
   * a personal link). `notAfter` caps its lifetime (a personal link's sessions end with the link);
   * `db` lets a caller open it inside its own transaction.
   */
  async openDeviceSession (personId: string, userAgent: string | undefined, options: { notAfter?: Date, db?: Db } = {}): Promise<{
    personId: string
    deviceSessionId: string
    deviceToken: string
  }> {
    return await this.#insertDeviceSession(options.db ?? this.db, personId, userAgent, this.clock.now(), options.notAfter)
  }

  async #insertDeviceSession (db: Db, personId: string, userAgent: string | undefined, now: Date, notAfter?: Date): Promise<{
    personId: string
    deviceSessionId: string
    deviceToken: string
  }> {
    const deviceToken = newToken()
    const deviceSessionId = await repo.insertDeviceSession(db, {
      person_id: personId,
      token_hash: hashToken(deviceToken),
      user_agent: userAgent?.slice(0, 300) ?? null,
      created_at: now,
      last_used_at: now,
      expires_at: new Date(Math.min(now.getTime() + DEVICE_SESSION_LIFETIME, notAfter?.getTime() ?? Infinity))
    })
    return { personId, deviceSessionId, deviceToken }
  }

  /** A device's long-lived token, exchanged for a fresh short-lived session; undefined if revoked or expired. */
  async resumeDevice (deviceToken: string): Promise<{ personId: string, deviceSessionId: string } | undefined> {
    const row = await repo.touchDeviceSession(this.db, hashToken(deviceToken), this.clock.now())
    return row === undefined ? undefined : { personId: row.person_id, deviceSessionId: row.id }
  }

  /**
   * Whether a session token's device session still holds: not signed out, not revoked by an
   * organizer, not ended by a merge or an erasure (which deletes it), not expired. Asked on every
   * authenticated request, of the database, so an ending counts on every instance at once
   * (src/people/live-sessions.ts).
   */
  async deviceSessionLive (deviceSessionId: string, personId: string): Promise<boolean> {
    return await this.#liveSessions.isLive(deviceSessionId, personId)
  }

  async revokeDevice (deviceSessionId: string): Promise<void> {
    await repo.revokeDeviceSession(this.db, deviceSessionId, this.clock.now())
  }

  async #upsertPerson (db: Db, email: string, displayName?: string): Promise<repo.PersonRow> {
    const existing = await repo.findPersonByEmail(db, email)
    if (existing !== undefined) return existing
    return await repo.insertPerson(db, { email, display_name: displayName ?? email.split('@')[0] ?? email })
  }

  async #createLink (db: Db, personId: string, purpose: repo.LinkPurpose, createdBy: string | null): Promise<SignInLink> {
    const token = newToken()
    const expiresAt = new Date(this.clock.now().getTime() + LINK_LIFETIME[purpose])
    await repo.insertSignInLink(db, { person_id: personId, token_hash: hashToken(token), purpose, created_by: createdBy, expires_at: expiresAt })
    return { personId, url: `${this.config.publicUrl}/auth/link/${token}`, expiresAt }
  }
}

type RoleMessageValues = { name: string, inviter: string, event: string, role: 'organizer' | 'door_staff', publicUrl: string }

/** What a role message says, in the person's language: the inviter by name (or the organizers), where to ask for a link. */
const roleMessageValues = (locale: 'fr' | 'en', v: RoleMessageValues): { name: string, inviter: string, event: string, role: string, signInUrl: string } => ({
  name: v.name,
  inviter: v.inviter !== '' ? v.inviter : t(locale, 'people.theOrganizers'),
  event: v.event,
  role: v.role,
  signInUrl: `${v.publicUrl}/connexion`
})

/** Tells an existing account it was given a role: no link in it, and how to get in instead. */
export function roleGrantedText (locale: 'fr' | 'en', v: RoleMessageValues): { subject: string, bodyText: string } {
  return {
    subject: t(locale, 'people.roleGrantedSubject', { event: v.event }),
    bodyText: t(locale, 'people.roleGrantedBody', roleMessageValues(locale, v))
  }
}

/** Tells an existing account it was invited to a role it may accept or decline on its own page: no link in it. */
export function roleInvitationText (locale: 'fr' | 'en', v: RoleMessageValues & { days: number }): { subject: string, bodyText: string } {
  return {
    subject: t(locale, 'people.roleInvitationSubject', { event: v.event }),
    bodyText: t(locale, 'people.roleInvitationBody', { ...roleMessageValues(locale, v), days: v.days })
  }
}

/**
 * Where a person's role in an event takes them from the header's menu: organizers to the event's
 * organizer area, door staff to the door, others to its program.
 */
function eventLink (eventId: string, event: { key: string, title: { fr: string, en: string }, roles: Set<string> }): ViewerLink {
  const [key, href]: [TextKey, string] = event.roles.has('organizer')
    ? ['people.menuEventOrganize', `/organisateurs#ev-${eventId}`]
    : event.roles.has('door_staff')
      ? ['people.menuEventDoor', '/accueil']
      : ['people.menuEventProgram', `/events/${encodeURIComponent(event.key)}`]
  return { label: { fr: t('fr', key, { title: event.title.fr }), en: t('en', key, { title: event.title.en }) }, href }
}
