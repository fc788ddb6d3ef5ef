import { defineConfig } from 'vitest/config';

// Workspace packages export their TypeScript sources under the `mk8s-source`
// condition, so tests run against src/ without a build.
const conditions = ['mk8s-source', 'module', 'node', 'import', 'default'];
const sources = ['packages/*/src/**', 'apps/*/src/**', 'tools/**'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['mk8s-source'] } },
  test: {
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: sources.map((s) => `${s}/*.test.ts`),
          exclude: ['**/node_modules/**', '**/dist/**', '**/*.int.test.ts', '**/*.e2e.test.ts'],
          testTimeout: 10_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: sources.map((s) => `${s}/*.int.test.ts`),
          exclude: ['**/node_modules/**', '**/dist/**'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
