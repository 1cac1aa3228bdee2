/**
 * The layer rules of docs/architecture.md, checked on every `npm test` (`npm run lint`).
 * core/ is the dialect-neutral registry; adapters/ are the interfaces; server/ composes them.
 * Every folder of adapters/ but shared/ and migration/ is an interface: a new dialect's folder
 * is held to these rules without being listed anywhere.
 */
const AN_INTERFACE = '^adapters/(?!shared/|migration/)([^/]+)/';

module.exports = {
  forbidden: [
    {
      name: 'core-knows-no-interface',
      comment: 'The core imports nothing from adapters/ or server/: it knows no dialect, HTTP or composition.',
      severity: 'error',
      from: { path: '^core/' },
      to: { path: '^(adapters|server)/' },
    },
    {
      name: 'adapters-use-ports-not-stores',
      comment: 'Interfaces reach storage only through the services and ports, never a store implementation.',
      severity: 'error',
      from: { path: '^adapters/' },
      to: { path: '^core/store/' },
    },
    {
      name: 'interfaces-never-import-each-other',
      comment: 'Each interface is one module; what two share lives in adapters/shared.',
      severity: 'error',
      from: { path: AN_INTERFACE },
      to: { path: '^adapters/([^/]+)/', pathNot: ['^adapters/shared/', '^adapters/$1/'] },
    },
    {
      name: 'migration-reads-only-wire-vocabularies',
      comment: "Migration formats reuse a dialect's wire vocabulary and generated wire types, nothing else of it.",
      severity: 'error',
      from: { path: '^adapters/migration/' },
      to: { path: AN_INTERFACE, pathNot: '\\.(vocabulary|wire)\\.ts$' },
    },
    {
      name: 'only-the-composition-root-imports-server',
      comment: 'server/ is the composition root: nothing below it imports it.',
      severity: 'error',
      from: { path: '^(core|adapters)/' },
      to: { path: '^server/' },
    },
    {
      name: 'no-cycles',
      severity: 'error',
      from: { path: '^(core|adapters|server)/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['cjs', 'es6'],
  },
};
