// Layers of src/, bottom to top, and the import rules between them (docs/dev/architecture.md,
// "Layers and rules"). `npm run lint` runs this; a new import circle or an import from a lower
// layer up into a higher one fails it.

const either = paths => `^(?:${paths.join('|')})`
/** Helpers everything may use; they know nothing of the application's features. */
const foundation = either(['src/util/', 'src/db/', 'src/(?:clock|config|secrets|paths)\\.ts$'])
/** What every feature shares: HTTP plumbing, page fragments and texts, files, the access policy, errors. */
const shared = either(['src/views/', 'src/http/', 'src/files/', 'src/access/', 'src/plugins/', 'src/errors\\.ts$'])
/** The features. A domain may use another (a service using a service), never in a circle. */
const domains = either(['src/(?:program|people|messages|privacy|lti|attendance|synthesis|attestations|metrics|health)/'])
/** What assembles and starts the application: the services, the jobs, the app, the tools. */
const composition = either(['src/(?:app|services|jobs|bootstrap|server)\\.ts$', 'src/cli/'])

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import circle: the modules cannot be understood, tested or loaded one without the other. ' +
        'Move what both need into a third, lower module, or have the caller hand in what the callee needs.',
      from: {},
      to: { circular: true }
    },
    {
      name: 'foundation-imports-foundation-only',
      severity: 'error',
      comment: 'src/util, src/db, clock, config, secrets and paths are the bottom layer: they import nothing else from src/.',
      from: { path: foundation },
      to: { path: '^src/', pathNot: foundation }
    },
    {
      name: 'shared-imports-no-domain',
      severity: 'error',
      comment: 'views/, http/, files/, access/, plugins/ and errors.ts serve every domain, so they never import one ' +
        '(nor app.ts, cli/). Move the shared piece down into this layer, or let the domain hand it in (a callback, an interface).',
      from: { path: shared },
      to: { path: either([domains.slice(1), composition.slice(1)]) }
    },
    {
      name: 'domain-imports-no-composition',
      severity: 'error',
      comment: 'Domains do not import app.ts, services.ts, jobs.ts, bootstrap.ts, server.ts or cli/: those assemble the domains.',
      from: { path: domains },
      to: { path: composition }
    },
    {
      name: 'every-module-in-a-layer',
      severity: 'error',
      comment: 'A new folder or file at the top of src/ must be placed in a layer first: add it to .dependency-cruiser.cjs ' +
        'and to the layers in docs/dev/architecture.md.',
      from: { path: '^src/', pathNot: either([foundation.slice(1), shared.slice(1), domains.slice(1), composition.slice(1)]) },
      to: {}
    },
    {
      name: 'sql-only-in-repositories',
      severity: 'error',
      comment: 'Only repositories (*repository.ts) and src/db/ import kysely\'s values (`sql`); a service, route or page calls a ' +
        'repository function. Types (`import type { Kysely }`) are fine anywhere.',
      from: { path: '^src/', pathNot: ['repository\\.ts$', '^src/db/'] },
      to: { path: '^node_modules/kysely/', dependencyTypesNot: ['type-only'] }
    },
    {
      name: 'repository-holds-queries-only',
      severity: 'error',
      comment: 'A repository holds queries: besides types, it imports only src/db/ and other repositories. Rules, texts ' +
        'and errors belong to the service calling it (so renaming a service to *repository.ts does not pass).',
      from: { path: 'repository\\.ts$' },
      to: { path: '^src/', pathNot: ['^src/db/', 'repository\\.ts$'], dependencyTypesNot: ['type-only'] }
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'This import names a module that does not exist (a typo, or a package missing from package.json).',
      from: {},
      to: { couldNotResolve: true }
    }
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: they tie modules together as much as any other.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types']
    },
    skipAnalysisNotInRules: true
  }
}
