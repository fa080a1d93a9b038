/** Text of the event-day screens and prints: projection (kiosk) mode, door posters, pass sheets. */
export const kiosk = {
  // The projection (kiosk) page, read from the back of the room. {number} is where a live count
  // goes (the page’s script rewrites it in the form the count asks for).
  presentOfCapacity: '{count, plural, one {{number} personne présente} other {{number} personnes présentes}} sur {capacity, plural, one {# place} other {# places}}',
  countdown: '{count, plural, one {Nouveau code dans {number} seconde} other {Nouveau code dans {number} secondes}}',
  toolsLabel: 'Commandes de la projection',
  fullScreen: 'Plein écran',
  exitFullScreen: 'Quitter le plein écran',
  leave: 'Quitter la projection',
  posterLink: 'Affiche de porte (PDF)',
  roomPosterLink: 'Affiche de la salle pour la journée (PDF)',
  passSheetsLink: 'Laissez-passer de l’événement à imprimer (PDF)',

  // The door poster of a session (A4 PDF), and the room’s poster for the day.
  posterDocTitle: 'Affiche — {title}',
  roomPosterDocTitle: 'Affiche de la salle {room} — {day}',
  posterHeading: 'Enregistrez votre présence',
  posterScan: 'Scannez ce code avec l’appareil photo de votre téléphone, ou ouvrez\u00a0:',
  posterTypeCode: 'puis entrez le code à 6 chiffres affiché à l’écran de la salle.',
  posterPass: 'Pas de téléphone\u00a0? Montrez votre laissez-passer à l’accueil.',
  posterWhen: '{day}, de {start} à {end}',
  roomPosterSessions: 'Séances de la journée dans cette salle',
  roomUnknown: 'Cette séance n’a pas encore de salle\u00a0: imprimez l’affiche de la séance.',

  // Personal passes of an event’s people, to print and cut (A4 PDF).
  passSheetsDocTitle: 'Laissez-passer — {event}',
  passSheetsHelp: 'À montrer à l’accueil de chaque séance.',
  passSheetsNone: 'Personne n’est encore inscrit à cet événement.',
  passSheetsLeftOut: '{count, plural, one {Non imprimé\u00a0: le laissez-passer d’une personne inscrite aussi à un événement que vous n’organisez pas (il en ouvre aussi les portes). Elle l’affiche sur son téléphone, dans Mes présences.} other {Non imprimés\u00a0: les laissez-passer de # personnes inscrites aussi à un événement que vous n’organisez pas (ils en ouvrent aussi les portes). Elles les affichent sur leur téléphone, dans Mes présences.}}',
  passSheetsPage: 'Page {page} sur {pages}'
} as const
