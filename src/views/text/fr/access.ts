/** Why the access policy refuses an action (French: the reference; English mirrors its keys). */
export const access = {
  organizersOnly: 'Réservé à l’équipe d’organisation de cet événement.',
  anyOrganizerOnly: 'Réservé aux équipes d’organisation.',
  teachersOnly: 'Réservé aux personnes enseignantes et à l’équipe d’organisation de cet événement.',
  courseInstructorsOnly: 'Seules les personnes enseignantes de ce cours y ont accès.',
  correctorsOnly: 'Seules l’équipe d’organisation de l’événement et les personnes enseignantes d’un cours où cette personne est inscrite peuvent corriger ses présences ou décider de ses justifications.',
  sessionTeamOnly: 'Cette page est réservée à l’équipe de la séance (accueil, enseignement, organisation).',
  notFound: 'Introuvable : cet élément n’existe pas, ou plus.',
  attendeesOnly: 'Les attestations de formation sont offertes aux personnes inscrites à l’événement.',
  synthesisStudentsOnly: 'La synthèse est remise par les personnes étudiantes inscrites au cours ENP7009 (avec crédits). Votre compte n’est pas inscrit comme étudiant·e de ce cours.',
  programImportRefused: 'Seule l’équipe d’organisation de cet événement peut modifier son programme.',
  teamInviteRefused: 'Seule l’équipe d’organisation de cet événement peut y inviter des personnes.',
  participantsRefused: 'Seule l’équipe d’organisation de cet événement gère ses participant·e·s.',
  scanPassesRefused: 'Seuls le personnel d’accueil et l’équipe d’organisation peuvent scanner les laissez-passer.',
  submissionFileRefused: 'Ce fichier est réservé à la personne qui l’a remis et aux personnes enseignantes du cours.',
  deepLinkGone: 'Ce choix de contenu n’existe plus ou ne vous appartient pas.',
  attestationNotFound: 'Attestation introuvable.',
  reportsRefused: 'Les rapports sont réservés à l’équipe d’organisation de cet événement.'
} as const
