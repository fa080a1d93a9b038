import ical, { ICalEventStatus, type ICalCalendar } from 'ical-generator'
import { t, type Locale } from '../views/i18n.js'
import type { Program, ProgramSession, ProgramSlot } from './service.js'

/**
 * RFC 5545 §3.1: a content line longer than 75 octets continues on lines that start with a
 * space. Folded here rather than by ical-generator (10.2), whose toString() folds the whole
 * calendar with a new TextEncoder per character: ~70 % of the 26–35 ms a 50 KB feed cost. The
 * same places (first line 74 octets, each continuation 74 after its space, never inside a
 * character): test/program/ical.test.ts compares both.
 */
export function foldLines (text: string): string {
  return text.split('\r\n').map(foldLine).join('\r\n')
}

function foldLine (line: string): string {
  // eslint-disable-next-line no-control-regex
  if (line.length <= 74 && /^[\u0000-\u007f]*$/.test(line)) return line
  let folded = ''
  let start = 0
  let octets = 0
  for (let i = 0; i < line.length; i++) {
    const code = line.charCodeAt(i)
    const pair = code >= 0xd800 && code <= 0xdbff && i + 1 < line.length && (line.charCodeAt(i + 1) & 0xfc00) === 0xdc00
    // UTF-8 size: a surrogate pair is 4 octets, a lone surrogate becomes U+FFFD (3).
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : pair ? 4 : 3
    octets += size
    if (octets > 74) {
      folded += line.slice(start, i) + '\r\n '
      start = i
      octets = size
    }
    if (pair) i++
  }
  return folded + line.slice(start)
}

const END = 'END:VCALENDAR'

/**
 * The calendar's text: its own lines from ical-generator (a calendar without events: a few
 * lines to fold), then each event's lines (ical-generator's, unfolded), folded here.
 */
function calendarText (shell: ICalCalendar, withEvents: ICalCalendar): string {
  const head = shell.toString()
  if (!head.endsWith(END)) throw new Error('ical-generator\'s calendar no longer ends with END:VCALENDAR')
  return head.slice(0, -END.length) + foldLines(withEvents.events().map(e => e.toString()).join('')) + END
}

function newCalendar (program: Program, locale: Locale, publicUrl: string, name: string): ICalCalendar {
  return ical({
    name,
    description: program.event.description?.[locale],
    prodId: { company: 'ENAP', product: 'Compagnon', language: locale.toUpperCase() },
    url: `${publicUrl}/events/${program.event.key}?lang=${locale}`,
    ttl: 60 * 60
  })
}

/** One session as a VEVENT (UID = the session's stable key, so both feeds update the same entry). */
function addSession (
  calendar: ICalCalendar,
  program: Program,
  day: string,
  slot: ProgramSlot,
  session: ProgramSession,
  locale: Locale,
  publicUrl: string,
  revisedAt: Date
): void {
  const lines: string[] = []
  if (session.speakers.length > 0) {
    lines.push(session.speakers.map(s => `${s.name}${s.affiliation !== null ? `, ${s.affiliation}` : ''}` +
      `${s.role === 'opening_remarks' ? ` (${t(locale, 'common.openingRemarks')})` : ''}`).join('\n'))
  }
  if (session.speakersToBeConfirmed) lines.push(t(locale, 'common.speakersTbc'))
  if (session.parallel) lines.push(t(locale, 'common.parallelChoice'))
  if (session.audience === 'credited') lines.push(t(locale, 'common.creditedOnly'))
  if (session.description !== null) lines.push(session.description)
  calendar.createEvent({
    id: session.key,
    // When the program was last imported (RFC 5545's DTSTAMP of a published calendar), not the
    // rendering's time: every instance renders the same bytes, hence the same ETag.
    stamp: revisedAt,
    start: new Date(slot.start),
    end: new Date(slot.end),
    summary: session.title,
    description: lines.join('\n\n'),
    // The room only when known; the event's place otherwise.
    location: session.mode === 'online' ? t(locale, 'common.online') : [session.room, program.event.location].filter(Boolean).join(', '),
    status: session.status === 'cancelled' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    url: `${publicUrl}/events/${program.event.key}?jour=${day}&lang=${locale}#${session.key}`
  })
}

/**
 * The program as an iCalendar feed. Each session is one VEVENT whose UID is its stable key,
 * so calendar apps update (rather than duplicate) a session when the program changes.
 * Times are written in UTC, which every calendar app converts to the reader's zone.
 * `revisedAt`: when this version of the program was imported.
 */
export function programCalendar (program: Program, locale: Locale, publicUrl: string, revisedAt: Date): string {
  const name = program.event.title[locale]
  const calendar = newCalendar(program, locale, publicUrl, name)
  for (const day of program.days) {
    for (const slot of day.slots) {
      for (const session of slot.sessions) addSession(calendar, program, day.date, slot, session, locale, publicUrl, revisedAt)
    }
  }
  return calendarText(newCalendar(program, locale, publicUrl, name), calendar)
}

/** One session alone ("add to my calendar" on the program page), or undefined when the program has no such session. */
export function sessionCalendar (program: Program, sessionKey: string, locale: Locale, publicUrl: string, revisedAt: Date): string | undefined {
  for (const day of program.days) {
    for (const slot of day.slots) {
      const session = slot.sessions.find(s => s.key === sessionKey)
      if (session === undefined) continue
      const name = `${session.title} — ${program.event.title[locale]}`
      const calendar = newCalendar(program, locale, publicUrl, name)
      addSession(calendar, program, day.date, slot, session, locale, publicUrl, revisedAt)
      return calendarText(newCalendar(program, locale, publicUrl, name), calendar)
    }
  }
  return undefined
}
