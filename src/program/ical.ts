import ical, { ICalEventStatus } from 'ical-generator'
import { t, type Locale } from '../views/i18n.js'
import type { Program } from './service.js'

/**
 * The program as an iCalendar feed. Each session is one VEVENT whose UID is its stable key,
 * so calendar apps update (rather than duplicate) a session when the program changes.
 * Times are written in UTC, which every calendar app converts to the reader's zone.
 */
export function programCalendar (program: Program, locale: Locale, publicUrl: string): string {
  const calendar = ical({
    name: program.event.title[locale],
    description: program.event.description?.[locale],
    prodId: { company: 'ENAP', product: 'Compagnon', language: locale.toUpperCase() },
    url: `${publicUrl}/events/${program.event.key}?lang=${locale}`,
    ttl: 60 * 60
  })
  for (const day of program.days) {
    for (const slot of day.slots) {
      for (const session of slot.sessions) {
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
          location: session.mode === 'online' ? t(locale, 'common.online') : [session.room ?? t(locale, 'common.roomTbd'), program.event.location].filter(Boolean).join(', '),
          status: session.status === 'cancelled' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
          url: `${publicUrl}/events/${program.event.key}?lang=${locale}#${session.key}`
        })
      }
    }
  }
  return calendar.toString()
}
