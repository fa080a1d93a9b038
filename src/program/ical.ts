import ical, { ICalEventStatus, type ICalCalendar } from 'ical-generator'
import { t, type Locale } from '../views/i18n.js'
import type { Program, ProgramSession, ProgramSlot } from './service.js'

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
function addSession (calendar: ICalCalendar, program: Program, day: string, slot: ProgramSlot, session: ProgramSession, locale: Locale, publicUrl: string): void {
  const lines: string[] = []
  if (session.speakers.length > 0) {
    lines.push(session.speakers.map(s => `${s.name}${s.affiliation !== null ? `, ${s.affiliation}` : ''}${s.role === 'opening_remarks' ? ` (${t(locale, 'common.openingRemarks')})` : ''}`).join('\n'))
  }
  if (session.speakersToBeConfirmed) lines.push(t(locale, 'common.speakersTbc'))
  if (session.parallel) lines.push(t(locale, 'common.parallelChoice'))
  if (session.audience === 'credited') lines.push(t(locale, 'common.creditedOnly'))
  if (session.description !== null) lines.push(session.description)
  calendar.createEvent({
    id: session.key,
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
 */
export function programCalendar (program: Program, locale: Locale, publicUrl: string): string {
  const calendar = newCalendar(program, locale, publicUrl, program.event.title[locale])
  for (const day of program.days) {
    for (const slot of day.slots) {
      for (const session of slot.sessions) addSession(calendar, program, day.date, slot, session, locale, publicUrl)
    }
  }
  return calendar.toString()
}

/** One session alone ("add to my calendar" on the program page), or undefined when the program has no such session. */
export function sessionCalendar (program: Program, sessionKey: string, locale: Locale, publicUrl: string): string | undefined {
  for (const day of program.days) {
    for (const slot of day.slots) {
      const session = slot.sessions.find(s => s.key === sessionKey)
      if (session === undefined) continue
      const calendar = newCalendar(program, locale, publicUrl, `${session.title} — ${program.event.title[locale]}`)
      addSession(calendar, program, day.date, slot, session, locale, publicUrl)
      return calendar.toString()
    }
  }
  return undefined
}
