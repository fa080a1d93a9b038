import { DateTime } from 'luxon'

export const locales = ['fr', 'en'] as const
export type Locale = typeof locales[number]

export const isLocale = (value: unknown): value is Locale => value === 'fr' || value === 'en'

/** UI text. French first; every key must exist in both languages (checked by the type). */
const messages = {
  fr: {
    appName: 'Compagnon',
    skipToContent: 'Aller au contenu',
    switchLanguage: 'English',
    switchLanguageLabel: 'Read this page in English',
    program: 'Programme',
    programOf: 'Programme de l\'événement',
    apiDocs: 'Documentation de l\'API',
    calendar: 'Ajouter à mon agenda (iCal)',
    roomTbd: 'Salle à venir',
    description: 'Description',
    descriptionTbd: 'Description à venir',
    provisional: 'Description provisoire',
    speakersTbc: 'Panélistes à confirmer',
    parallelChoice: 'Activités en parallèle : choisissez-en une',
    inEnglish: 'En anglais',
    inFrench: 'En français',
    online: 'En ligne',
    creditedOnly: 'Réservé aux étudiant·e·s inscrit·e·s au cours',
    countsTowardAttendance: 'Compte pour la présence',
    cancelled: 'Annulée',
    openingRemarks: 'Mot d\'ouverture',
    capacity: 'places',
    minutes: 'min',
    hoursInPerson: 'heures de formation en présentiel',
    course: 'Cours crédité',
    credits: 'crédits',
    attestation: 'Attestation de formation',
    objectives: 'Objectifs',
    contact: 'Contact',
    noEvent: 'Aucun événement n\'est encore publié.',
    errorTitle: 'Erreur',
    errorBack: 'Retour au programme',
    errorRequestId: 'Référence de la demande',
    notFoundTitle: 'Page introuvable',
    notFoundText: 'Cette adresse ne correspond à aucune page.',
    invalidRequest: 'Demande invalide',
    serverError: 'Une erreur inattendue est survenue. Réessayez dans un instant ; si le problème persiste, transmettez la référence ci-dessous à l\'équipe.',
    signIn: 'Connexion',
    signInConfirm: 'Se connecter',
    signInIntro: 'Ce lien de connexion à usage unique vous ouvre une session sur cet appareil.',
    signOut: 'Se déconnecter',
    organizerHome: 'Espace organisation',
    invite: 'Inviter',
    inviteTitle: 'Inviter une personne',
    email: 'Courriel',
    name: 'Nom',
    role: 'Rôle',
    role_organizer: 'Organisateur·trice',
    role_door_staff: 'Accueil (numérisation seulement)',
    role_instructor: 'Personne enseignante',
    role_credited_student: 'Étudiant·e inscrit·e',
    role_participant: 'Participant·e (sans crédit)',
    inviteLinkCreated: 'Lien d\'invitation à usage unique (valide 7 jours) — transmettez-le à la personne :',
    importProgram: 'Mettre à jour le programme',
    importProgramHelp: 'Fichier YAML du programme (même format que program:import).',
    importDone: 'Programme importé',
    team: 'Équipe',
    signedInAs: 'Connecté·e en tant que',
    ltiPlatforms: 'Plateformes d\'apprentissage (LTI 1.3)',
    ltiNoPlatform: 'Aucune plateforme enregistrée. Voir « Register Compagnon in your LMS » dans le README (npm run lti:register).',
    ltiPlatformsCaption: 'Plateformes enregistrées et déploiements acceptés',
    ltiIssuer: 'Émetteur (issuer)',
    ltiClientId: 'Identifiant client',
    ltiDeployments: 'Déploiements',
    ltiToolUrls: 'Adresses à donner à la plateforme :',
    ltiStatus: 'État',
    ltiActive: 'Active',
    ltiPending: 'En attente d\'approbation',
    ltiSuspended: 'Suspendue',
    ltiApprove: 'Approuver',
    ltiSuspend: 'Suspendre',
    ltiDeploymentToAdd: 'Identifiant de déploiement (si la plateforme ne l\'a pas transmis)',
    ltiDynamicHelp: 'Enregistrement dynamique (LTI Dynamic Registration) : créez un lien à usage unique pour l\'administrateur·trice du LMS. La plateforme restera en attente jusqu\'à votre approbation.',
    ltiCreateLink: 'Créer un lien d\'enregistrement'
  },
  en: {
    appName: 'Compagnon',
    skipToContent: 'Skip to content',
    switchLanguage: 'Français',
    switchLanguageLabel: 'Lire cette page en français',
    program: 'Program',
    programOf: 'Event program',
    apiDocs: 'API documentation',
    calendar: 'Add to my calendar (iCal)',
    roomTbd: 'Room to be announced',
    description: 'Description',
    descriptionTbd: 'Description to come',
    provisional: 'Provisional description',
    speakersTbc: 'Panelists to be confirmed',
    parallelChoice: 'Parallel activities: choose one',
    inEnglish: 'In English',
    inFrench: 'In French',
    online: 'Online',
    creditedOnly: 'For students registered in the course',
    countsTowardAttendance: 'Counts toward attendance',
    cancelled: 'Cancelled',
    openingRemarks: 'Opening remarks',
    capacity: 'seats',
    minutes: 'min',
    hoursInPerson: 'hours of in-person training',
    course: 'Credited course',
    credits: 'credits',
    attestation: 'Training attestation',
    objectives: 'Objectives',
    contact: 'Contact',
    noEvent: 'No event has been published yet.',
    errorTitle: 'Error',
    errorBack: 'Back to the program',
    errorRequestId: 'Request reference',
    notFoundTitle: 'Page not found',
    notFoundText: 'No page matches this address.',
    invalidRequest: 'Invalid request',
    serverError: 'An unexpected error occurred. Try again in a moment; if it persists, send the reference below to the team.',
    signIn: 'Sign in',
    signInConfirm: 'Sign in',
    signInIntro: 'This one-time sign-in link opens a session on this device.',
    signOut: 'Sign out',
    organizerHome: 'Organizer area',
    invite: 'Invite',
    inviteTitle: 'Invite someone',
    email: 'Email',
    name: 'Name',
    role: 'Role',
    role_organizer: 'Organizer',
    role_door_staff: 'Door staff (scanning only)',
    role_instructor: 'Instructor',
    role_credited_student: 'Credited student',
    role_participant: 'Participant (no credit)',
    inviteLinkCreated: 'One-time invitation link (valid 7 days) — send it to the person:',
    importProgram: 'Update the program',
    importProgramHelp: 'Program YAML file (same format as program:import).',
    importDone: 'Program imported',
    team: 'Team',
    signedInAs: 'Signed in as',
    ltiPlatforms: 'Learning platforms (LTI 1.3)',
    ltiNoPlatform: 'No platform registered yet. See "Register Compagnon in your LMS" in the README (npm run lti:register).',
    ltiPlatformsCaption: 'Registered platforms and accepted deployments',
    ltiIssuer: 'Issuer',
    ltiClientId: 'Client ID',
    ltiDeployments: 'Deployments',
    ltiToolUrls: 'URLs to give the platform:',
    ltiStatus: 'Status',
    ltiActive: 'Active',
    ltiPending: 'Waiting for approval',
    ltiSuspended: 'Suspended',
    ltiApprove: 'Approve',
    ltiSuspend: 'Suspend',
    ltiDeploymentToAdd: 'Deployment id (if the platform did not send it)',
    ltiDynamicHelp: 'Dynamic registration (LTI Dynamic Registration): create a one-time link for the LMS administrator. The platform will wait until you approve it.',
    ltiCreateLink: 'Create a registration link'
  }
} satisfies Record<Locale, Record<string, string>>

export type MessageKey = keyof typeof messages.fr

export function t (locale: Locale, key: MessageKey): string {
  return messages[locale][key]
}

/** "lundi 20 octobre" / "Monday, October 20". */
export function formatDay (date: string, locale: Locale, zone: string): string {
  return DateTime.fromISO(date, { zone }).setLocale(locale === 'fr' ? 'fr-CA' : 'en-CA').toFormat(locale === 'fr' ? 'cccc d LLLL' : 'cccc, LLLL d')
}

/** "9 h 00" / "9:00 a.m." from an ISO instant with offset. */
export function formatTime (iso: string, locale: Locale, zone: string): string {
  const dt = DateTime.fromISO(iso, { zone })
  return locale === 'fr' ? dt.toFormat("H'\u00a0h\u00a0'mm") : dt.setLocale('en-CA').toFormat('h:mm\u00a0a')
}

export function formatDateRange (start: string, end: string, locale: Locale): string {
  const a = DateTime.fromISO(start).setLocale(locale === 'fr' ? 'fr-CA' : 'en-CA')
  const b = DateTime.fromISO(end).setLocale(locale === 'fr' ? 'fr-CA' : 'en-CA')
  return locale === 'fr'
    ? `${a.toFormat('d')} au ${b.toFormat('d LLLL yyyy')}`
    : `${a.toFormat('LLLL d')}–${b.toFormat('d, yyyy')}`
}

/** French puts a (non-breaking) space before a colon; English does not. */
export const colon = (locale: Locale): string => locale === 'fr' ? '\u00a0:' : ':'
