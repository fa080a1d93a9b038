import { defineConfig } from 'vitepress'

// The guide, built by `npm run docs:build` into dist/aide/ and served by Compagnon at /aide/
// (docs/dev/decisions.md, "The guide is served by Compagnon itself"). A dead internal link fails
// the build, which CI runs as a check.
export default defineConfig({
  lang: 'fr-CA',
  title: 'Compagnon',
  description: 'Guide de Compagnon : organisation, participant·e·s, enseignant·e·s, administration, développement.',
  base: '/aide/',
  outDir: '../dist/aide',
  // The hash map and site data in a file rather than an inline script: Compagnon's
  // Content-Security-Policy (script-src 'self') applies to the guide too.
  metaChunk: true,
  appearance: false,
  transformHtml: (html, _id, { page }) => {
    // The theme's one remaining inline script only marks Apple keyboards; the policy would block it.
    const out = html.replace(/<script id="check-mac-os">[^<]*<\/script>/, '')
    // The administration, development and security pages are in English: say so to screen readers.
    return /^(admin|dev)\/|^securite\.md$/.test(page) ? out.replace('<html lang="fr-CA"', '<html lang="en"') : out
  },
  themeConfig: {
    nav: [
      { text: 'Organisation', link: '/organisation/' },
      { text: 'Participant·e·s', link: '/participants/' },
      { text: 'Enseignant·e·s', link: '/enseignants/' },
      { text: 'Confidentialité', link: '/confidentialite' },
      { text: 'Administration', link: '/admin/' },
      { text: 'Development', link: '/dev/' }
    ],
    sidebar: [
      {
        text: 'Organisation de l’événement',
        items: [
          { text: 'Vue d’ensemble', link: '/organisation/' },
          { text: 'Mise en place', link: '/organisation/mise-en-place' },
          { text: 'Le fichier du programme', link: '/organisation/programme' },
          { text: 'Équipe', link: '/organisation/equipe' },
          { text: 'Participant·e·s', link: '/organisation/participants' },
          { text: 'Jour J : les présences', link: '/organisation/jour-j' },
          { text: 'Attestations', link: '/organisation/attestations' },
          { text: 'Modèle d’attestation', link: '/organisation/modele-attestation' },
          { text: 'Messages', link: '/organisation/messages' },
          { text: 'Rapports', link: '/organisation/rapports' }
        ]
      },
      {
        text: 'Participant·e·s',
        items: [
          { text: 'Se connecter, ma page', link: '/participants/' },
          { text: 'Mes présences', link: '/participants/presences' },
          { text: 'Ma synthèse', link: '/participants/synthese' },
          { text: 'Mon attestation', link: '/participants/attestation' }
        ]
      },
      {
        text: 'Enseignant·e·s',
        items: [
          { text: 'Compagnon dans le cours', link: '/enseignants/' },
          { text: 'Grille des présences', link: '/enseignants/grille' },
          { text: 'Synthèse : correction', link: '/enseignants/synthese' }
        ]
      },
      { text: 'Confidentialité (Loi 25)', link: '/confidentialite' },
      {
        text: 'Administration (English)',
        items: [
          { text: 'Install and run', link: '/admin/' },
          { text: 'Configuration reference', link: '/admin/configuration' },
          { text: 'Command-line tools', link: '/admin/cli' },
          { text: 'PostgreSQL', link: '/admin/postgresql' },
          { text: 'HTTPS behind a proxy', link: '/admin/https' },
          {
            text: 'LMS registration',
            link: '/admin/lms/',
            items: [
              { text: 'Moodle', link: '/admin/lms/moodle' },
              { text: 'Canvas', link: '/admin/lms/canvas' },
              { text: 'Brightspace', link: '/admin/lms/brightspace' }
            ]
          },
          { text: 'Backups and restore', link: '/admin/backups' },
          { text: 'Logs', link: '/admin/logs' },
          { text: 'Metrics', link: '/admin/metrics' },
          { text: 'Scaling out', link: '/admin/scaling' },
          { text: 'When things fail', link: '/admin/when-things-fail' }
        ]
      },
      { text: 'Security (English)', link: '/securite' },
      {
        text: 'Development (English)',
        items: [
          { text: 'Start here', link: '/dev/' },
          { text: 'Architecture', link: '/dev/architecture' },
          { text: 'HTTP interface', link: '/dev/api' },
          { text: 'Open Badges 3.0', link: '/dev/open-badges' },
          { text: 'Who can do what', link: '/dev/access' },
          { text: 'Testing', link: '/dev/testing' },
          { text: 'Benchmarks', link: '/dev/benchmarks' },
          { text: 'Decisions', link: '/dev/decisions' },
          { text: 'Dependencies', link: '/dev/dependencies' }
        ]
      }
    ],
    search: {
      provider: 'local',
      options: {
        translations: {
          button: { buttonText: 'Rechercher', buttonAriaLabel: 'Rechercher' },
          modal: {
            displayDetails: 'Afficher la liste détaillée',
            resetButtonTitle: 'Effacer la recherche',
            backButtonTitle: 'Fermer la recherche',
            noResultsText: 'Aucun résultat pour',
            footer: { selectText: 'choisir', navigateText: 'parcourir', closeText: 'fermer' }
          }
        }
      }
    },
    outline: { level: [2, 3], label: 'Sur cette page' },
    docFooter: { prev: 'Page précédente', next: 'Page suivante' },
    returnToTopLabel: 'Retour en haut',
    sidebarMenuLabel: 'Menu',
    skipToContentLabel: 'Aller au contenu',
    langMenuLabel: 'Langue',
    notFound: {
      title: 'Page introuvable',
      quote: 'Cette page n’existe pas dans le guide.',
      linkLabel: 'Retour à l’accueil du guide',
      linkText: 'Accueil du guide'
    },
    footer: { message: 'Compagnon — ÉNAP, École d’automne sur la coproduction des services publics' }
  }
})
