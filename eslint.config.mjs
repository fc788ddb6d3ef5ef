// Lint enforces the layering of docs/architecture.md ("Layering, enforced by
// lint") through Nx tags:
//   apps -> component packages -> client/cri/component-base -> api -> nothing;
//   only the apiserver (and the testing harness) may import storage;
//   component packages never import each other.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

export default [
  {
    ignores: ['**/dist/**', '**/out-tsc/**', '**/node_modules/**', '**/.nx/**', '.mk8s/**', 'coverage/**', 'tmp/**'],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mts', '**/*.mjs', '**/*.js'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'layer:api', onlyDependOnLibsWithTags: ['layer:api'] },
            { sourceTag: 'layer:storage', onlyDependOnLibsWithTags: ['layer:api'] },
            { sourceTag: 'layer:base', onlyDependOnLibsWithTags: ['layer:api', 'layer:base'] },
            { sourceTag: 'layer:server', onlyDependOnLibsWithTags: ['layer:api', 'layer:storage', 'layer:base'] },
            { sourceTag: 'layer:runtime', onlyDependOnLibsWithTags: ['layer:api', 'layer:base'] },
            // Components reach each other only through the API server. `fake` is the
            // in-memory runtime their tests may use.
            { sourceTag: 'layer:component', onlyDependOnLibsWithTags: ['layer:api', 'layer:base', 'layer:testing', 'fake'] },
            {
              sourceTag: 'layer:testing',
              onlyDependOnLibsWithTags: ['layer:api', 'layer:base', 'layer:server', 'layer:storage', 'layer:runtime', 'layer:testing'],
            },
            {
              sourceTag: 'layer:app',
              onlyDependOnLibsWithTags: ['layer:api', 'layer:base', 'layer:server', 'layer:runtime', 'layer:component', 'layer:testing'],
            },
            {
              sourceTag: 'layer:e2e',
              onlyDependOnLibsWithTags: ['layer:api', 'layer:base', 'layer:testing'],
            },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Type-aware rules (they read the TypeScript program): a promise nobody
    // awaits or catches loses its error and its ordering (a store closed while
    // its compaction still runs), an async callback where a plain one is
    // expected (event handlers, forEach) does the same, and `await` of a
    // non-promise hides a mistake.
    files: ['**/*.ts', '**/*.mts'],
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['vitest.config.ts'] }, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    // Tests poke at wire-format JSON; typing every response would hide what they check.
    files: ['**/*.test.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Production code never loads test code: not @mk8s/testing (the test
    // harness, which pulls in the API server), not a `testing/` folder (test
    // helpers, left out of dist/ by the tsconfig.build.json files), not vitest.
    // Tests (`*.test.ts`) and the helpers themselves (`testing/`) may.
    files: ['packages/*/src/**/*.ts', 'apps/*/src/**/*.ts', 'apps/*/bin/**/*.mjs'],
    ignores: ['**/*.test.ts', '**/testing/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vitest', message: 'Production code must not load vitest; test helpers live in src/testing/.' }],
          patterns: [
            { regex: '^@mk8s/testing(/|$)', message: '@mk8s/testing is for tests only (it is a devDependency and not built).' },
            {
              regex: '^@mk8s/[^/]+/conformance$',
              message: 'The conformance suites are test code (src/testing/ of their package): import them from tests only.',
            },
            {
              regex: '^\\.{1,2}/(.*/)?testing(/|$)',
              message: 'Files under a testing/ folder are test helpers, left out of the build: import them from tests only.',
            },
          ],
        },
      ],
    },
  },
];
