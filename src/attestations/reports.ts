import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { DateTime } from 'luxon'
import type { AttendanceBook } from '../attendance/book.js'
import type { Status } from '../attendance/repository.js'
import type { AccessPolicy } from '../access/policy.js'
import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import { excelCsv } from '../http/csv.js'
import { formatStamp, intlLocale, t, zoneName, type TextKey } from '../views/i18n.js'
import { eligibility } from './eligibility.js'
import { formatPercent } from './format.js'
import type { PrintableTable, ReportFonts, TableColumn } from './report-pdf.js'
import * as repo from './repository.js'
import type { AttestationView } from './attestation.js'
import type { AttestationDecisions } from './decisions.js'
import type { AttestationIssuance } from './issuance.js'
import type { ProgramService } from '../program/service.js'
import { byName } from '../util/by-name.js'

// pdf-lib and fontkit are loaded when a first report is printed, not with the app.
const renderTablePdf = async (table: PrintableTable, fonts: ReportFonts): Promise<Buffer> =>
  await (await import('./report-pdf.js')).renderTablePdf(table, fonts)

/**
 * Organizer reports of an event: attendance per session, attendance per participant (with
 * eligibility for the attestation), attestations issued and revoked. Each is read once into
 * plain rows, then written as CSV for Excel or as a printable PDF, in French or English.
 */

type Locale = 'fr' | 'en'

export interface ReportEvent { id: string, key: string, title: string, timezone: string }

export interface SessionAttendanceRow {
  slotId: string
  sessionId: string
  title: string
  startsAt: Date
  room: string | null
  present: number
  late: number
  /** Accepted excuses in the slot: excuses are per slot, not per session, so parallel sessions show the same number. */
  excusedInSlot: number
  capacity: number | null
}

export interface SessionAttendanceReport {
  event: ReportEvent
  generatedAt: Date
  rows: SessionAttendanceRow[]
  totals: { present: number, late: number, excused: number }
}

export interface ParticipantAttendanceRow {
  personId: string
  name: string
  email: string | null
  credited: boolean
  hoursAttended: number
  /** hoursAttended / total in-person hours, in [0, 1]. */
  share: number
  eligible: boolean
  statuses: Array<Status | null>
}

export interface ParticipantAttendanceReport {
  event: ReportEvent
  generatedAt: Date
  slots: Array<{ id: string, startsAt: Date, hours: number }>
  totalHours: number
  /** The event's eligibility rule, as applied. */
  minShare: number
  /** False while counted slots remain: hours and eligibility can still change. */
  finalised: boolean
  rows: ParticipantAttendanceRow[]
}

export interface AttestationReportRow {
  code: string
  name: string
  locale: Locale
  hours: number
  uec: number
  status: AttestationView['status']
  issuedAt: Date
  /** Null: issued automatically. */
  issuedBy: string | null
  revokedAt: Date | null
  revocationReason: string | null
  supersededBy: string | null
}

export interface AttestationReport { event: ReportEvent, generatedAt: Date, rows: AttestationReportRow[] }

export class ReportService {
  #fonts: Promise<ReportFonts> | undefined

  constructor (
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly deps: {
      book: AttendanceBook
      attestations: AttestationIssuance
      decisions: AttestationDecisions
      access: AccessPolicy
      program: ProgramService
    }
  ) {}

  async sessionAttendance (actorId: string, eventId: string, locale: Locale): Promise<SessionAttendanceReport> {
    const event = await this.#event(actorId, eventId, locale)
    const grid = await this.deps.book.grid(eventId)
    const rooms = new Map((await repo.sessionRooms(this.db, eventId)).map(r => [r.id, r]))
    const rows: SessionAttendanceRow[] = []
    let excused = 0
    grid.slots.forEach((slot, i) => {
      const cells = grid.rows.map(r => r.cells[i])
      const excusedInSlot = cells.filter(c => c?.status === 'excused').length
      excused += excusedInSlot
      for (const session of slot.sessions) {
        const here = cells.filter(c => c?.sessionId === session.id)
        const room = rooms.get(session.id)
        rows.push({
          slotId: slot.id,
          sessionId: session.id,
          title: session.title,
          startsAt: slot.startsAt,
          room: room?.name ?? null,
          present: here.filter(c => c?.status === 'present').length,
          late: here.filter(c => c?.status === 'late').length,
          excusedInSlot,
          capacity: room?.capacity ?? null
        })
      }
    })
    const totals = { present: rows.reduce((n, r) => n + r.present, 0), late: rows.reduce((n, r) => n + r.late, 0), excused }
    return { event, generatedAt: this.clock.now(), rows, totals }
  }

  async participantAttendance (actorId: string, eventId: string, locale: Locale): Promise<ParticipantAttendanceReport> {
    const event = await this.#event(actorId, eventId, locale)
    const grid = await this.deps.book.grid(eventId)
    const policy = await repo.findPolicy(this.db, eventId)
    const now = this.clock.now()
    const rule = { minShare: policy.min_share, excusedCounts: policy.excused_counts }
    let totalHours = 0
    let finalised = false
    const rows = grid.rows.map(r => {
      const e = eligibility(rule, grid.slots, r.cells, now)
      totalHours = e.totalHours
      finalised = e.finalised
      return {
        personId: r.personId,
        name: r.name,
        email: r.email,
        credited: r.credited,
        hoursAttended: e.hoursAttended,
        share: e.totalHours === 0 ? 0 : e.hoursAttended / e.totalHours,
        eligible: e.eligible,
        statuses: r.cells.map(c => c.status)
      }
    }).sort(byName)
    if (rows.length === 0) {
      const e = eligibility(rule, grid.slots, [], now)
      totalHours = e.totalHours
      finalised = e.finalised
    }
    return {
      event,
      generatedAt: now,
      slots: grid.slots.map(s => ({ id: s.id, startsAt: s.startsAt, hours: s.hours })),
      totalHours,
      minShare: policy.min_share,
      finalised,
      rows
    }
  }

  async attestations (actorId: string, eventId: string, locale: Locale): Promise<AttestationReport> {
    const event = await this.#event(actorId, eventId, locale)
    const views = await this.deps.decisions.list(actorId, eventId)
    const issuers = await repo.issuerNames(this.db, eventId)
    const rows = views.map(v => ({
      code: v.groupedCode,
      name: v.name,
      locale: v.locale,
      hours: v.hours,
      uec: v.uec,
      status: v.status,
      issuedAt: v.issuedAt,
      issuedBy: v.issuedAutomatically ? null : issuers.get(v.id) ?? '—',
      revokedAt: v.revokedAt,
      revocationReason: v.revocationReason,
      supersededBy: v.supersededByCode === null ? null : groupCode(v.supersededByCode)
    }))
    return { event, generatedAt: this.clock.now(), rows }
  }

  /** The DejaVu fonts of the attestation assets (same folder, so organizers change them in one place). */
  async fonts (): Promise<ReportFonts> {
    this.#fonts ??= (async () => {
      const assets = await this.deps.attestations.renderer.assets()
      const [regular, bold] = await Promise.all([
        readFile(path.resolve(assets.dir, assets.layout.fonts.regular)),
        readFile(path.resolve(assets.dir, assets.layout.fonts.bold))
      ])
      return { regular, bold }
    })()
    this.#fonts.catch(() => { this.#fonts = undefined })
    return await this.#fonts
  }

  async #event (actorId: string, eventId: string, locale: Locale): Promise<ReportEvent> {
    const event = await this.deps.program.getEvent(eventId)
    await this.deps.access.assert({ personId: actorId }, 'reports.read', { kind: 'event', eventId })
    return { id: event.id, key: event.key, title: event.title[locale], timezone: event.timezone }
  }
}

const groupCode = (code: string): string => (code.match(/.{1,4}/g) ?? []).join('-')

// ---------- writing: shared ----------

const stamp = (date: Date, zone: string): string => DateTime.fromJSDate(date, { zone }).toFormat('yyyy-LL-dd HH:mm')
/** Numbers in cells: no grouping (Excel reads "1234,5" as a number, not "1 234,5"). */
const number = (n: number, locale: Locale): string =>
  new Intl.NumberFormat(intlLocale[locale], { maximumFractionDigits: 2, useGrouping: false }).format(n)
const yesNo = (value: boolean, locale: Locale): string => t(locale, value ? 'attestations.cellYes' : 'attestations.cellNo')

const generatedLine = (event: ReportEvent, at: Date, locale: Locale): string =>
  t(locale, 'attestations.reportGenerated', { when: formatStamp(at, locale, event.timezone), zone: zoneName(event.timezone, locale) })
const pageLabel = (locale: Locale) => (page: number, pages: number): string => t(locale, 'attestations.reportPage', { page, pages })

/** An attendance status in words and as the one letter of the PDF's narrow columns. */
export const STATUS_TEXT = {
  present: { long: 'attestations.statusPresent', short: 'attestations.statusPresentShort' },
  late: { long: 'attestations.statusLate', short: 'attestations.statusLateShort' },
  excused: { long: 'attestations.statusExcused', short: 'attestations.statusExcusedShort' },
  absent: { long: 'attestations.statusAbsent', short: 'attestations.statusAbsentShort' }
} as const satisfies Record<Status, { long: TextKey, short: TextKey }>

// ---------- attendance per session ----------

function sessionColumns (locale: Locale, zone: string): TableColumn[] {
  // Widths in points on the PDF's 720-point line.
  return [
    { header: t(locale, 'attestations.colSession'), weight: 292 },
    { header: t(locale, 'attestations.colSlotStart', { zone }), weight: 100 },
    { header: t(locale, 'attestations.colRoom'), weight: 106 },
    { header: t(locale, 'attestations.colPresent'), weight: 62, align: 'right' },
    { header: t(locale, 'attestations.colLate'), weight: 50, align: 'right' },
    { header: t(locale, 'attestations.colExcusedSlot'), weight: 62, align: 'right' },
    { header: t(locale, 'attestations.colCapacity'), weight: 48, align: 'right' }
  ]
}

const sessionCells = (r: SessionAttendanceRow, zone: string): string[] =>
  [r.title, stamp(r.startsAt, zone), r.room ?? '', String(r.present), String(r.late), String(r.excusedInSlot), r.capacity === null ? '' : String(r.capacity)]

export function sessionAttendanceCsv (report: SessionAttendanceReport, locale: Locale): string {
  return excelCsv(sessionColumns(locale, report.event.timezone).map(c => c.header), report.rows.map(r => sessionCells(r, report.event.timezone)))
}

export async function sessionAttendancePdf (report: SessionAttendanceReport, locale: Locale, fonts: ReportFonts): Promise<Buffer> {
  const { totals } = report
  return await renderTablePdf({
    title: report.event.title,
    subtitle: t(locale, 'attestations.reportSessionsTitle'),
    generated: generatedLine(report.event, report.generatedAt, locale),
    columns: sessionColumns(locale, report.event.timezone),
    rows: report.rows.map(r => sessionCells(r, report.event.timezone)),
    totals: [[t(locale, 'attestations.total'), '', '', String(totals.present), String(totals.late), String(totals.excused), '']],
    notes: [t(locale, 'attestations.reportSessionsNote')],
    pageLabel: pageLabel(locale),
    creationDate: report.generatedAt
  }, fonts)
}

// ---------- attendance per participant ----------

function participantHeader (report: ParticipantAttendanceReport, locale: Locale, slotFormat: string): string[] {
  return [
    t(locale, 'common.name'),
    t(locale, 'common.email'),
    t(locale, 'attestations.colCredited'),
    t(locale, 'attestations.hoursAttended'),
    t(locale, 'attestations.colShare'),
    t(locale, 'attestations.colEligible'),
    ...report.slots.map(s => DateTime.fromJSDate(s.startsAt, { zone: report.event.timezone }).toFormat(slotFormat))
  ]
}

const participantCells = (r: ParticipantAttendanceRow, locale: Locale, status: (s: Status) => string): string[] => [
  r.name, r.email ?? '', yesNo(r.credited, locale), number(r.hoursAttended, locale), formatPercent(r.share, locale), yesNo(r.eligible, locale),
  ...r.statuses.map(s => s === null ? '' : status(s))
]

export function participantAttendanceCsv (report: ParticipantAttendanceReport, locale: Locale): string {
  return excelCsv(participantHeader(report, locale, 'yyyy-LL-dd HH:mm'), report.rows.map(r => participantCells(r, locale, s => t(locale, STATUS_TEXT[s].long))))
}

export async function participantAttendancePdf (report: ParticipantAttendanceReport, locale: Locale, fonts: ReportFonts): Promise<Buffer> {
  const short = (s: Status): string => t(locale, STATUS_TEXT[s].short)
  const header = participantHeader(report, locale, 'dd/LL HH:mm')
  // Widths in points on a 720-point line: 16 slots fit at 15.5 points each; more slots, all narrower.
  const columns: TableColumn[] = header.map((h, i) => ({
    header: h,
    weight: [118, 140, 42, 52, 46, 74][i] ?? 15.5,
    align: i === 0 || i === 1 ? 'left' : i >= 6 ? 'center' : 'right',
    vertical: i >= 6
  }))
  const eligible = report.rows.filter(r => r.eligible).length
  const legend = (['present', 'late', 'excused', 'absent'] as const)
    .map(s => t(locale, 'attestations.legendItem', { short: short(s), long: t(locale, STATUS_TEXT[s].long) })).join(', ')
  const rule = t(locale, 'attestations.eligibleRule', { share: formatPercent(report.minShare, locale), hours: report.totalHours })
  return await renderTablePdf({
    title: report.event.title,
    subtitle: t(locale, 'attestations.reportParticipantsTitle'),
    generated: generatedLine(report.event, report.generatedAt, locale),
    columns,
    rows: report.rows.map(r => participantCells(r, locale, short)),
    totals: [[
      t(locale, 'attestations.totalPeople', { count: report.rows.length }),
      '', '',
      t(locale, 'attestations.ofHours', { hours: number(report.totalHours, locale) }),
      '',
      t(locale, 'attestations.eligibleCount', { count: eligible })
    ]],
    notes: [
      t(locale, 'attestations.legend', { items: legend }),
      report.finalised ? rule : `${rule} ${t(locale, 'attestations.provisionalSlots')}`
    ],
    fontSize: 7,
    pageLabel: pageLabel(locale),
    creationDate: report.generatedAt
  }, fonts)
}

// ---------- attestations issued and revoked ----------

const ATTESTATION_STATUS_CELL = {
  valid: 'attestations.cellValid',
  revoked: 'attestations.cellRevoked',
  superseded: 'attestations.cellSuperseded'
} as const satisfies Record<AttestationView['status'], TextKey>

function attestationColumns (locale: Locale, zone: string): TableColumn[] {
  // Widths in points on the PDF's 720-point line: a code on two lines, a date and time on one.
  return [
    { header: t(locale, 'attestations.colCode'), weight: 82 },
    { header: t(locale, 'common.name'), weight: 90 },
    { header: t(locale, 'attestations.language'), weight: 36 },
    { header: t(locale, 'attestations.colHours'), weight: 36, align: 'right' },
    { header: t(locale, 'attestations.colUec'), weight: 30, align: 'right' },
    { header: t(locale, 'attestations.colStatus'), weight: 46 },
    { header: t(locale, 'attestations.colIssuedAt', { zone }), weight: 70 },
    { header: t(locale, 'attestations.colIssuedBy'), weight: 74 },
    { header: t(locale, 'attestations.colRevokedAt'), weight: 70 },
    { header: t(locale, 'attestations.colReason'), weight: 104 },
    { header: t(locale, 'attestations.colSupersededBy'), weight: 82 }
  ]
}

const attestationCells = (r: AttestationReportRow, locale: Locale, zone: string): string[] => [
  r.code, r.name, r.locale.toUpperCase(), number(r.hours, locale), number(r.uec, locale), t(locale, ATTESTATION_STATUS_CELL[r.status]),
  stamp(r.issuedAt, zone), r.issuedBy ?? t(locale, 'attestations.cellAutomatic'),
  r.revokedAt === null ? '' : stamp(r.revokedAt, zone), r.revocationReason ?? '', r.supersededBy ?? ''
]

export function attestationsCsv (report: AttestationReport, locale: Locale): string {
  const zone = report.event.timezone
  return excelCsv(attestationColumns(locale, zone).map(c => c.header), report.rows.map(r => attestationCells(r, locale, zone)))
}

export async function attestationsPdf (report: AttestationReport, locale: Locale, fonts: ReportFonts): Promise<Buffer> {
  const zone = report.event.timezone
  const count = (status: AttestationView['status']): number => report.rows.filter(r => r.status === status).length
  return await renderTablePdf({
    title: report.event.title,
    subtitle: t(locale, 'attestations.reportAttestationsTitle'),
    generated: generatedLine(report.event, report.generatedAt, locale),
    columns: attestationColumns(locale, zone),
    rows: report.rows.map(r => attestationCells(r, locale, zone)),
    totals: [[t(locale, 'attestations.totalCount', { count: report.rows.length })]],
    notes: [t(locale, 'attestations.reportAttestationsNote', { valid: count('valid'), revoked: count('revoked'), superseded: count('superseded') })],
    fontSize: 7,
    pageLabel: pageLabel(locale),
    creationDate: report.generatedAt
  }, fonts)
}

/** File names for Content-Disposition: ASCII, the event's key, the report's name in the language. */
export function reportFilename (report: 'sessions' | 'participants' | 'attestations', eventKey: string, locale: Locale, extension: 'csv' | 'pdf'): string {
  const names = {
    sessions: { fr: 'presences-seances', en: 'session-attendance' },
    participants: { fr: 'presences-participants', en: 'participant-attendance' },
    attestations: { fr: 'attestations', en: 'attestations' }
  }
  const key = eventKey.normalize('NFD').replace(/[^A-Za-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60)
  return `${names[report][locale]}${key === '' ? '' : `-${key}`}.${extension}`
}
