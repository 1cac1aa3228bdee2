/**
 * The layer rules of docs/architecture.md, checked on every `npm test` (`npm run lint:layers`).
 * core/ is the dialect-neutral registry; adapters/ are the interfaces; server/ composes them.
 */
const INTERFACE_FOLDERS = ['aitronos', 'zudu', 'operations'];

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
      from: { path: `^adapters/(${INTERFACE_FOLDERS.join('|')})/` },
      to: { path: '^adapters/([^/]+)/', pathNot: ['^adapters/shared/', '^adapters/$1/'] },
    },
    {
      name: 'migration-reads-only-wire-vocabularies',
      comment: "Migration formats reuse a dialect's wire vocabulary and generated wire types, nothing else of it.",
      severity: 'error',
      from: { path: '^adapters/migration/' },
      to: { path: `^adapters/(${INTERFACE_FOLDERS.join('|')})/`, pathNot: '\\.(vocabulary|wire)\\.ts$' },
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
