import type { kiosk as fr } from '../fr/kiosk.js'
import type { Strings } from '../strings.js'

export const kiosk = {
  presentOfCapacity: '{count, plural, one {{number} person present} other {{number} people present}} out of {capacity, plural, one {# seat} other {# seats}}',
  countdown: '{count, plural, one {New code in {number} second} other {New code in {number} seconds}}',
  toolsLabel: 'Projection controls',
  fullScreen: 'Full screen',
  exitFullScreen: 'Exit full screen',
  leave: 'Leave the projection',
  posterLink: 'Door poster (PDF)',
  roomPosterLink: 'Room poster for the day (PDF)',
  passSheetsLink: 'Printable passes for the event (PDF)',

  posterDocTitle: 'Poster — {title}',
  roomPosterDocTitle: 'Room {room} poster — {day}',
  posterHeading: 'Record your attendance',
  posterScan: 'Scan this code with your phone’s camera, or open:',
  posterTypeCode: 'then enter the 6-digit code shown on the room’s screen.',
  posterPass: 'No phone? Show your pass at the door.',
  posterWhen: '{day}, {start} to {end}',
  roomPosterSessions: 'Sessions in this room today',
  roomUnknown: 'This session has no room yet: print the session’s poster.',

  passSheetsDocTitle: 'Passes — {event}',
  passSheetsHelp: 'Show it at the door of each session.',
  passSheetsNone: 'Nobody is registered for this event yet.',
  passSheetsLeftOut: '{count, plural, one {Not printed: the pass of one person also registered at an event you do not organize (it opens that event’s doors too). They show it on their phone, in My attendance.} other {Not printed: the passes of # people also registered at an event you do not organize (they open that event’s doors too). They show them on their phone, in My attendance.}}',
  passSheetsPage: 'Page {page} of {pages}'
} satisfies Strings<typeof fr>
