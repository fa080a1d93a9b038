import type { program as fr } from '../fr/program.js'
import type { Strings } from '../strings.js'

export const program = {
  kindOpeningActivity: 'Opening activity',
  kindKeynote: 'Keynote',
  kindRoundTable: 'Round table',
  kindCaseStudy: 'Case study',
  kindWorkshop: 'Workshop',
  kindSynthesis: 'Synthesis activity',
  kindWelcome: 'Welcome',
  kindBreak: 'Break',
  kindMeal: 'Meal',
  kindNetworking: 'Networking',
  handInSynthesis: 'Hand in my synthesis (registered students)',
  eventNotFound: 'Event not found.',
  sessionNotFound: 'No such activity in this program.',
  daysLabel: 'Program days',
  wholeProgram: 'Whole program',
  nowMarker: 'Now',
  nextMarker: 'Up next',
  goToNow: 'Go to now',
  addSessionToCalendar: 'Add to my calendar',
  importCounts: '{event} — sessions: {created, number} added, {updated, number} changed, {unchanged, number} unchanged, {cancelled, number} cancelled, {deleted, number} removed.'
} satisfies Strings<typeof fr>
