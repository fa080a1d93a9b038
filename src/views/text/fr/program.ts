/** Text of the program pages and of the program service (French: the reference; English mirrors its keys). */
export const program = {
  kindOpeningActivity: 'Activité d’ouverture',
  kindKeynote: 'Conférence',
  kindRoundTable: 'Table ronde',
  kindCaseStudy: 'Étude de cas',
  kindWorkshop: 'Atelier pratique',
  kindSynthesis: 'Activité de synthèse',
  kindWelcome: 'Accueil',
  kindBreak: 'Pause',
  kindMeal: 'Repas',
  kindNetworking: 'Réseautage',
  handInSynthesis: 'Remettre ma synthèse (étudiant·e·s inscrit·e·s)',
  eventNotFound: 'Événement introuvable.',
  sessionNotFound: 'Activité introuvable dans ce programme.',
  daysLabel: 'Jours du programme',
  wholeProgram: 'Tout le programme',
  nowMarker: 'En cours',
  nextMarker: 'À suivre',
  goToNow: 'Aller à maintenant',
  addSessionToCalendar: 'Ajouter à mon agenda',
  importCounts: '{event} — séances : {created, plural, one {# ajoutée} other {# ajoutées}}, {updated, plural, one {# modifiée} other {# modifiées}}, {unchanged, plural, one {# inchangée} other {# inchangées}}, {cancelled, plural, one {# annulée} other {# annulées}}, {deleted, plural, one {# retirée} other {# retirées}}.'
} as const
