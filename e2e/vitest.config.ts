import path from 'node:path';
import { defineConfig } from 'vitest/config';

const conditions = ['mk8s-source', 'module', 'node', 'import', 'default'];

// e2e suites drive real processes on real Docker: one file at a time, long
// timeouts. Besides e2e/src, packages keep their own Docker-backed suites as
// `*.e2e.test.ts` beside their code (e.g. the Docker runtime's conformance).
export default defineConfig({
  root: path.resolve(import.meta.dirname, '..'),
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['mk8s-source'] } },
  test: {
    name: 'e2e',
    include: ['e2e/src/**/*.e2e.test.ts', 'packages/*/src/**/*.e2e.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
