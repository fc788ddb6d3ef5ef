// Lint enforces the layering of ARCHITECTURE.md section 3 through Nx tags:
//   apps -> component packages -> client/cri/component-base -> api -> nothing;
//   only the apiserver (and the testing harness) may import storage;
//   component packages never import each other.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

export default [
  {
    ignores: ['**/dist/**', '**/node_modules/**', '**/.nx/**', '.mk8s/**', 'coverage/**', 'tmp/**'],
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
    // Tests poke at wire-format JSON; typing every response would hide what they check.
    files: ['**/*.test.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
];
