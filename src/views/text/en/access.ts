import type { access as fr } from '../fr/access.js'
import type { Strings } from '../strings.js'

export const access = {
  organizersOnly: 'For the organizers of this event only.',
  anyOrganizerOnly: 'For organizers only.',
  teachersOnly: 'For the instructors and organizers of this event only.',
  courseInstructorsOnly: 'Only instructors of this course have access.',
  correctorsOnly: 'Only the event’s organizers and the instructors of a course this person is enrolled in can correct their attendance or decide on their excuses.',
  sessionTeamOnly: 'This page is for the session team (door staff, instructors, organizers).',
  notFound: 'Not found: this item does not exist, or no longer does.',
  attendeesOnly: 'Certificates of training are for people registered for the event.',
  synthesisStudentsOnly: 'The synthesis is handed in by students registered in ENP7009 (for credit). Your account is not registered as a student in this course.',
  programImportRefused: 'Only the organizers of this event can change its program.',
  teamInviteRefused: 'Only the organizers of this event can invite people to it.',
  participantsRefused: 'Only the organizers of this event manage its participants.',
  scanPassesRefused: 'Only door staff and organizers can scan passes.',
  submissionFileRefused: 'This file is for the person who handed it in and the course’s instructors only.',
  deepLinkGone: 'This content choice no longer exists or is not yours.',
  attestationNotFound: 'Attestation not found.',
  reportsRefused: 'Reports are for the organizers of this event only.'
} satisfies Strings<typeof fr>
