import { defineConfig } from 'vitest/config';

const conditions = ['mk8s-source', 'module', 'node', 'import', 'default'];

// e2e suites drive real processes on real Docker: one file at a time, long timeouts.
export default defineConfig({
  root: import.meta.dirname,
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['mk8s-source'] } },
  test: {
    name: 'e2e',
    include: ['src/**/*.e2e.test.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
