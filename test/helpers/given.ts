// Test data, made one way everywhere: `const g = given(ctx)`, then people with their roles,
// check-ins, LMS courses and identities, hand-ins... on the test's own database. Defaults fill
// in what a test does not care about (unique names and emails, the 2025 fall school, now);
// a test names only what its assertions read. Rows are written as the app would leave them,
// straight into the tables: tests of the database itself (test/db) insert by hand instead.
import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { Kysely } from 'kysely'
import { systemClock, type Clock } from '../../src/clock.js'
import type { Database } from '../../src/db/database.js'
import type { DB, LtiGradeOutbox, OutgoingMessages } from '../../src/db/schema.js'
import { FileStore, type FileKind } from '../../src/files/store.js'
import type { PeopleService } from '../../src/people/service.js'
import { bearerFor, signInWithLink } from './session.js'

/** The event of the 2025 program, loaded in every test database made with the program. */
export const FALL_SCHOOL_2025 = 'ecole-automne-coproduction-2025'

export type Role = 'participant' | 'credited_student' | 'instructor' | 'organizer' | 'door_staff'
export type Locale = 'fr' | 'en'
export type AttendanceStatus = 'present' | 'late' | 'excused' | 'absent'
export type CheckInMethod = 'room_code' | 'typed_code' | 'pass' | 'manual'

/** What `given` writes to: a test's database, its clock (default: real time) and, to sign people in, its app. */
export interface GivenContext {
  database: Database
  clock?: Clock
  app?: FastifyInstance
  services?: { people: PeopleService, files?: FileStore }
}

export interface GivenPerson { id: string, name: string, email: string | null, locale: Locale }

export interface PersonSpec {
  /** Default: « Personne N ». */
  name?: string
  /** Default: unique, made from the name; null for none (as LMS accounts have). */
  email?: string | null
  locale?: Locale
  employer?: string | null
}

/** Registered in an event: the default event unless told. */
export interface RegisteredSpec extends PersonSpec { event?: string }

/** A person's device session as a sign-in opens it: an API bearer token, and page cookies with their CSRF token. */
export interface SignedIn { bearer: string, cookie: string, csrf: string }

/** Where a check-in happened: a session's id, or a slot's id (its first scheduled in-person session). */
export type Place = string | { sessionId: string } | { slotId: string }

export interface CheckInSpec {
  /** Default: present. */
  status?: AttendanceStatus
  /** Default: when the slot starts. */
  at?: Date
  /** Default: manual (the column's default). */
  method?: CheckInMethod
  recordedBy?: string
}

/** A counted slot of an event, with its scheduled in-person sessions in program order (parallel ones share a slot). */
export interface Slot { id: string, startsAt: Date, endsAt: Date, hours: number, sessions: string[] }

export interface CourseSpec {
  /** The LMS's course id. Default: ENP7009. */
  contextId?: string
  title?: string | null
  label?: string | null
  issuer?: string
  clientId?: string
  deploymentId?: string
  /** The event the course is tied to: the default event unless told; null for none. */
  event?: string | null
  lineItemsUrl?: string | null
  membershipsUrl?: string | null
}

export interface RosterSpec {
  /** The LMS user id. */
  sub: string
  /** LTI role URIs (helpers/lti-platform ROLES). */
  roles: string[]
  status?: 'Active' | 'Inactive' | 'Deleted'
}

export interface LmsIdentitySpec { subject: string, issuer?: string, clientId?: string }

export interface EventSpec { key?: string, titleFr?: string, titleEn?: string, timezone?: string, startsOn?: string, endsOn?: string }

export interface HandInSpec {
  text?: string | null
  textSha256?: string | null
  version?: number
  /** Default: the clock's now. */
  at?: Date
  /** Default: the assignment's due time. */
  dueAt?: Date
  late?: boolean
  /** A stored file (its bytes really kept, as the file store keeps them). */
  file?: { name: string, bytes: Buffer, kind?: FileKind, position?: number }
  /** The instructor's grade of this version. */
  grade?: { score: number, feedback?: string, state?: 'draft' | 'published', at?: Date }
}

export interface OutboxSpec {
  person: string | null
  sub: string
  score: Record<string, unknown>
  lineItem?: LtiGradeOutbox['line_item']
  givenAt?: Date
  status?: 'pending' | 'delivered' | 'superseded'
  deliveredAt?: Date
}

const DEFAULT_ISSUER = 'https://lms.example'
const DEFAULT_CLIENT = 'c1'

// Unique within a test process (each test file has its own process and database).
let made = 0
const slug = (name: string): string => name.normalize('NFD').replace(/[^A-Za-z0-9]+/g, '.').replace(/^\.|\.$/g, '').toLowerCase()

/**
 * A person being made, and what comes with them, in the order written:
 * `await g.participant({ name: 'Ana' }).checkedIn(slot).signedIn()`. Nothing is written until
 * awaited; it resolves to the person, with `bearer`, `cookie` and `csrf` once signed in.
 */
export class PersonChain<T extends GivenPerson = GivenPerson> implements PromiseLike<T> {
  #result: Promise<T> | undefined
  constructor (private readonly g: Given, private readonly run: () => Promise<T>) {}

  #and<U> (step: (person: T) => Promise<U>): PersonChain<U & GivenPerson> {
    return new PersonChain(this.g, async () => await step(await this.run()) as U & GivenPerson)
  }

  /** Also registered in an event with a role (the default event unless told). */
  registered (role: Role, event?: string): PersonChain<T> {
    return this.#and(async p => { await this.g.registered(p.id, role, event); return p })
  }

  /** Checked in at a session or slot (see `Given.checkedIn`). */
  checkedIn (place: Place, spec: CheckInSpec = {}): PersonChain<T> {
    return this.#and(async p => { await this.g.checkedIn(p.id, place, spec); return p })
  }

  /** Known to an LMS by this user id (an LTI identity, as a launch leaves it). */
  lmsIdentity (spec: LmsIdentitySpec): PersonChain<T> {
    return this.#and(async p => { await this.g.lmsIdentity(p.id, spec); return p })
  }

  /** On a course's roster, as an NRPS sync leaves it. */
  onRoster (course: string, spec: RosterSpec): PersonChain<T> {
    return this.#and(async p => { await this.g.onRoster(course, p.id, spec); return p })
  }

  /** With a bearer token on a live device session (`Authorization` header value). */
  withBearer (): PersonChain<T & { bearer: string }> {
    return this.#and(async p => ({ ...p, bearer: await this.g.bearer(p.id) }))
  }

  /** Signed in through a one-time link, as on a phone: page cookies and CSRF token, and a bearer. */
  signedIn (): PersonChain<T & SignedIn> {
    return this.#and(async p => ({ ...p, ...await this.g.signedIn(p.id) }))
  }

  then<A = T, B = never> (
    onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null
  ): Promise<A | B> {
    this.#result ??= this.run()
    return this.#result.then(onFulfilled, onRejected)
  }
}

export class Given {
  readonly db: Kysely<DB>
  readonly clock: Clock
  #event: Promise<string> | undefined

  constructor (private readonly ctx: GivenContext) {
    this.db = ctx.database.db
    this.clock = ctx.clock ?? systemClock
  }

  // ---------- events and program ----------

  /** The 2025 fall school's id: the event people are registered in unless told. */
  async event (): Promise<string> {
    this.#event ??= this.db.selectFrom('events').select('id').where('key', '=', FALL_SCHOOL_2025).executeTakeFirstOrThrow().then(e => e.id)
    return await this.#event
  }

  /** Another event (no program): by default a three-day event in March 2026, Montréal time. */
  async newEvent (spec: EventSpec = {}): Promise<string> {
    const n = ++made
    return (await this.db.insertInto('events').values({
      key: spec.key ?? `autre-${n}`,
      title_fr: spec.titleFr ?? 'Autre événement',
      title_en: spec.titleEn ?? 'Other event',
      timezone: spec.timezone ?? 'America/Montreal',
      starts_on: spec.startsOn ?? '2026-03-10',
      ends_on: spec.endsOn ?? '2026-03-12'
    }).returning('id').executeTakeFirstOrThrow()).id
  }

  /** The counted slots of an event (default: the 2025 fall school) that have a scheduled in-person session, in time order. */
  async countedSlots (event?: string): Promise<Slot[]> {
    const eventId = event ?? await this.event()
    const rows = await this.db.selectFrom('time_slots as t').innerJoin('sessions as s', 's.slot_id', 't.id')
      .select(['t.id', 't.starts_at', 't.ends_at', 's.id as session'])
      .where('t.event_id', '=', eventId).where('t.counts_toward_attendance', '=', true)
      .where('s.status', '=', 'scheduled').where('s.mode', '=', 'in_person')
      .orderBy('t.starts_at').orderBy('s.position').execute()
    const slots = new Map<string, Slot>()
    for (const r of rows) {
      const slot = slots.get(r.id) ?? {
        id: r.id,
        startsAt: r.starts_at,
        endsAt: r.ends_at,
        hours: (r.ends_at.getTime() - r.starts_at.getTime()) / 3600_000,
        sessions: []
      }
      slot.sessions.push(r.session)
      slots.set(r.id, slot)
    }
    return [...slots.values()]
  }

  /** A room of an event, with these sessions held in it. */
  async room (spec: { key: string, name: string, capacity?: number | null, event?: string, sessions?: string[] }): Promise<string> {
    const { id } = await this.db.insertInto('rooms').values({
      event_id: spec.event ?? await this.event(),
      key: spec.key,
      name: spec.name,
      capacity: spec.capacity ?? null
    })
      .returning('id').executeTakeFirstOrThrow()
    if (spec.sessions !== undefined && spec.sessions.length > 0) {
      await this.db.updateTable('sessions')
        .set({ room_id: id }).where('id', 'in', spec.sessions).execute()
    }
    return id
  }

  // ---------- people ----------

  /** A person registered nowhere. */
  person (spec: PersonSpec = {}): PersonChain {
    return new PersonChain(this, async () => await this.#insertPerson(spec))
  }

  participant (spec: RegisteredSpec = {}): PersonChain { return this.as('participant', spec) }
  creditedStudent (spec: RegisteredSpec = {}): PersonChain { return this.as('credited_student', spec) }
  instructor (spec: RegisteredSpec = {}): PersonChain { return this.as('instructor', spec) }
  organizer (spec: RegisteredSpec = {}): PersonChain { return this.as('organizer', spec) }
  doorStaff (spec: RegisteredSpec = {}): PersonChain { return this.as('door_staff', spec) }

  /** A person registered with this role (in the default event unless told). */
  as (role: Role, spec: RegisteredSpec = {}): PersonChain {
    return this.person(spec).registered(role, spec.event)
  }

  /** Many people with one role, in two statements (reports, pass sheets, load). */
  async many (role: Role, specs: PersonSpec[], event?: string): Promise<GivenPerson[]> {
    if (specs.length === 0) return []
    const eventId = event ?? await this.event()
    const rows = await this.db.insertInto('people').values(specs.map(spec => this.#personRow(spec)))
      .returning(['id', 'display_name', 'email', 'preferred_locale']).execute()
    await this.db.insertInto('registrations').values(rows.map(r => ({ event_id: eventId, person_id: r.id, role }))).execute()
    return rows.map(personOf)
  }

  /** `createdBy`: the person in Compagnon who gave the role (an invitation); by default nobody, as an LMS launch or an import leaves it. */
  async registered (personId: string, role: Role, event?: string, createdBy: string | null = null): Promise<void> {
    await this.db.insertInto('registrations').values({ event_id: event ?? await this.event(), person_id: personId, role, created_by: createdBy }).execute()
  }

  async bearer (personId: string): Promise<string> {
    return await bearerFor(this.#app(), personId)
  }

  /** Signs the person in through a one-time phone link, as the app hands them out. */
  async signedIn (personId: string): Promise<SignedIn> {
    const app = this.#app()
    const { cookie, csrf } = await signInWithLink(app.app, (await app.services.people.handoffLink(personId, 'phone')).url)
    return { cookie, csrf, bearer: await bearerFor(app, personId) }
  }

  /** A device session as a sign-in leaves it (an unknown token: it opens nothing), until `expiresAt`. */
  async deviceSession (personId: string, spec: { expiresAt?: Date } = {}): Promise<void> {
    await this.db.insertInto('device_sessions').values({
      person_id: personId, token_hash: `given-${randomUUID()}`, expires_at: spec.expiresAt ?? new Date(this.clock.now().getTime() + 30 * 86_400_000)
    }).execute()
  }

  /** A personal link an organizer issued (an unknown token: it opens nothing). */
  async personalLink (personId: string, spec: { event?: string, issuedAt?: Date, expiresAt?: Date } = {}): Promise<void> {
    const issuedAt = spec.issuedAt ?? this.clock.now()
    await this.db.insertInto('personal_links').values({
      event_id: spec.event ?? await this.event(),
      person_id: personId,
      token_hash: `given-${randomUUID()}`,
      issued_at: issuedAt,
      expires_at: spec.expiresAt ?? new Date(issuedAt.getTime() + 60 * 86_400_000)
    }).execute()
  }

  // ---------- attendance ----------

  /** A check-in at a session, or at a slot (its first scheduled in-person session). */
  async checkedIn (personId: string, place: Place, spec: CheckInSpec = {}): Promise<void> {
    const session = await this.#session(place)
    await this.db.insertInto('attendance_records').values({
      event_id: session.event_id,
      slot_id: session.slot_id,
      session_id: session.id,
      person_id: personId,
      status: spec.status ?? 'present',
      method: spec.method ?? 'manual',
      recorded_at: spec.at ?? session.starts_at,
      recorded_by: spec.recordedBy ?? null
    }).execute()
  }

  /** An excuse for a slot: pending unless decided. */
  async excuse (personId: string, slotId: string, spec: { reason?: string, status?: 'pending' | 'accepted' | 'refused', at?: Date } = {}): Promise<void> {
    await this.db.insertInto('attendance_excuses').values({
      person_id: personId,
      slot_id: slotId,
      reason: spec.reason ?? 'Rendez-vous médical',
      submitted_at: spec.at ?? this.clock.now(),
      ...(spec.status !== undefined ? { status: spec.status } : {})
    }).execute()
  }

  // ---------- LMS ----------

  /** A course of an LMS (an LTI context), tied to the default event unless told. */
  async course (spec: CourseSpec = {}): Promise<string> {
    return (await this.db.insertInto('lti_contexts').values({
      issuer: spec.issuer ?? DEFAULT_ISSUER,
      client_id: spec.clientId ?? DEFAULT_CLIENT,
      deployment_id: spec.deploymentId ?? '1',
      context_id: spec.contextId ?? 'ENP7009',
      title: spec.title ?? null,
      label: spec.label ?? null,
      event_id: spec.event === undefined ? await this.event() : spec.event,
      lineitems_url: spec.lineItemsUrl ?? null,
      memberships_url: spec.membershipsUrl ?? null
    }).returning('id').executeTakeFirstOrThrow()).id
  }

  /** A roster row of a course (person null: a member not known to Compagnon, or erased). */
  async onRoster (course: string, personId: string | null, spec: RosterSpec): Promise<void> {
    await this.db.insertInto('lti_roster_members').values({
      context_id: course,
      user_sub: spec.sub,
      person_id: personId,
      roles: JSON.stringify(spec.roles),
      status: spec.status ?? 'Active',
      synced_at: this.clock.now()
    }).execute()
  }

  async lmsIdentity (personId: string, spec: LmsIdentitySpec): Promise<void> {
    await this.db.insertInto('lti_identities').values({
      issuer: spec.issuer ?? DEFAULT_ISSUER,
      client_id: spec.clientId ?? DEFAULT_CLIENT,
      subject: spec.subject,
      person_id: personId
    }).execute()
  }

  /** A grade waiting for (or delivered to) the LMS gradebook. */
  async gradeInOutbox (course: string, spec: OutboxSpec): Promise<void> {
    await this.db.insertInto('lti_grade_outbox').values({
      context_id: course,
      line_item: spec.lineItem ?? 'synthese',
      user_sub: spec.sub,
      person_id: spec.person,
      score: JSON.stringify(spec.score),
      given_at: spec.givenAt ?? this.clock.now(),
      status: spec.status ?? 'pending',
      delivered_at: spec.deliveredAt ?? null
    }).execute()
  }

  // ---------- synthesis ----------

  /** The synthesis assignment of a course (tied to the default event unless told). */
  async assignment (course: string, spec: { event?: string, title?: string, opensAt?: Date, dueAt?: Date } = {}): Promise<string> {
    const now = this.clock.now()
    return (await this.db.insertInto('synthesis_assignments').values({
      context_id: course,
      event_id: spec.event ?? await this.event(),
      title: spec.title ?? 'Synthèse',
      opens_at: spec.opensAt ?? now,
      due_at: spec.dueAt ?? new Date(now.getTime() + 86_400_000)
    }).returning('id').executeTakeFirstOrThrow()).id
  }

  /** A version of a person's hand-in, with its file and grade, in one transaction as the app writes them. */
  async handIn (assignment: string, personId: string, spec: HandInSpec = {}): Promise<{ submission: string, file?: string }> {
    const due = spec.dueAt ?? (await this.db.selectFrom('synthesis_assignments').select('due_at').where('id', '=', assignment).executeTakeFirstOrThrow()).due_at
    const at = spec.at ?? this.clock.now()
    return await this.db.transaction().execute(async trx => {
      const submission = (await trx.insertInto('synthesis_submissions').values({
        assignment_id: assignment,
        person_id: personId,
        version: spec.version ?? 1,
        text: spec.text === undefined ? 'Ma synthèse' : spec.text,
        text_sha256: spec.textSha256 ?? null,
        submitted_at: at,
        late: spec.late ?? at > due,
        due_at: due
      }).returning('id').executeTakeFirstOrThrow()).id
      let file: string | undefined
      if (spec.file !== undefined) {
        const store = this.ctx.services?.files ?? new FileStore(this.db, this.clock)
        file = (await store.put(trx, spec.file.bytes, spec.file.kind ?? 'pdf')).id
        await trx.insertInto('synthesis_submission_files').values({
          submission_id: submission,
          position: spec.file.position ?? 0,
          file_id: file,
          filename: spec.file.name
        }).execute()
      }
      if (spec.grade !== undefined) {
        await trx.insertInto('synthesis_grades').values({
          assignment_id: assignment,
          person_id: personId,
          submission_id: submission,
          score: spec.grade.score,
          feedback: spec.grade.feedback ?? '',
          state: spec.grade.state ?? 'published',
          updated_at: spec.grade.at ?? at
        }).execute()
      }
      return file === undefined ? { submission } : { submission, file }
    })
  }

  /** A draft kept while writing (before any hand-in). */
  async draft (assignment: string, personId: string, spec: { text?: string, at?: Date } = {}): Promise<void> {
    await this.db.insertInto('synthesis_drafts').values({
      assignment_id: assignment,
      person_id: personId,
      text: spec.text ?? 'Brouillon',
      saved_at: spec.at ?? this.clock.now()
    }).execute()
  }

  // ---------- attestations and messages ----------

  /** An attestation request not decided yet (waiting), as a person leaves it before the end of the event. */
  async attestationRequest (personId: string, spec: { event?: string, name?: string, locale?: Locale, status?: 'waiting' | 'review' } = {}): Promise<void> {
    const name = spec.name ?? (await this.db.selectFrom('people').select('display_name').where('id', '=', personId).executeTakeFirstOrThrow()).display_name
    await this.db.insertInto('attestation_requests').values({
      event_id: spec.event ?? await this.event(),
      person_id: personId,
      name_on_attestation: name,
      locale: spec.locale ?? 'fr',
      status: spec.status ?? 'waiting'
    }).execute()
  }

  /** A message in the outbox (stored: kept for the organizers, not to be sent). */
  async message (personId: string, spec: {
    event?: string | null
    kind?: OutgoingMessages['kind']
    to: string
    subject?: string
    body?: string
    status?: 'stored' | 'pending' | 'sent' | 'failed'
  }): Promise<void> {
    await this.db.insertInto('outgoing_messages').values({
      event_id: spec.event === undefined ? await this.event() : spec.event,
      person_id: personId,
      kind: spec.kind ?? 'personal_link',
      to_address: spec.to,
      subject: spec.subject ?? 'Message',
      body_text: spec.body ?? 'Texte du message',
      status: spec.status ?? 'stored'
    }).execute()
  }

  // ---------- inside ----------

  #personRow (spec: PersonSpec): { display_name: string, email: string | null, preferred_locale?: Locale, employer?: string | null } {
    const n = ++made
    const name = spec.name ?? `Personne ${n}`
    return {
      display_name: name,
      email: spec.email === undefined ? `${slug(name) || 'personne'}.${n}@example.org` : spec.email,
      ...(spec.locale !== undefined ? { preferred_locale: spec.locale } : {}),
      ...(spec.employer !== undefined ? { employer: spec.employer } : {})
    }
  }

  async #insertPerson (spec: PersonSpec): Promise<GivenPerson> {
    return personOf(await this.db.insertInto('people').values(this.#personRow(spec))
      .returning(['id', 'display_name', 'email', 'preferred_locale']).executeTakeFirstOrThrow())
  }

  async #session (place: Place): Promise<{ id: string, slot_id: string, event_id: string, starts_at: Date }> {
    const base = this.db.selectFrom('sessions as s').innerJoin('time_slots as t', 't.id', 's.slot_id')
      .select(['s.id', 's.slot_id', 's.event_id', 't.starts_at'])
    const sessionId = typeof place === 'string' ? place : 'sessionId' in place ? place.sessionId : undefined
    if (sessionId !== undefined) {
      const session = await base.where('s.id', '=', sessionId).executeTakeFirst()
      if (session !== undefined) return session
    }
    const slotId = typeof place === 'string' ? place : 'slotId' in place ? place.slotId : undefined
    const first = slotId === undefined
      ? undefined
      : await base.where('s.slot_id', '=', slotId).where('s.status', '=', 'scheduled').where('s.mode', '=', 'in_person')
        .orderBy('s.position').limit(1).executeTakeFirst()
    if (first === undefined) throw new Error(`given: no session or slot ${JSON.stringify(place)} with a scheduled in-person session`)
    return first
  }

  #app (): { app: FastifyInstance, services: { people: PeopleService } } {
    const { app, services } = this.ctx
    if (app === undefined || services === undefined) throw new Error('given: signing in needs the app (given(testApp))')
    return { app, services }
  }
}

const personOf = (row: { id: string, display_name: string, email: string | null, preferred_locale: Locale }): GivenPerson =>
  ({ id: row.id, name: row.display_name, email: row.email, locale: row.preferred_locale })

/** The test data builder of a test's database: `given(ctx)` with a test app (sign-ins), or `given({ database, clock })`. */
export function given (ctx: GivenContext): Given {
  return new Given(ctx)
}
