/**
 * The CRI conformance suite against DockerRuntime on the real local Docker
 * (served over a unix socket by the suite). Objects carry a per-run scope
 * label and are all removed at the end, even after failures.
 */
import { randomUUID } from 'node:crypto';
import { defineConformanceSuite } from '@mk8s/cri/conformance';
import { cleanupByLabel } from './cleanup.js';
import { connectDocker } from './docker-errors.js';
import { DockerRuntime } from './docker-runtime.js';

defineConformanceSuite('runtime-docker', async () => {
  const docker = await connectDocker();
  const scope = { 'io.mk8s.test': `conformance-${randomUUID()}` };
  const runtime = new DockerRuntime({ docker, scopeLabels: scope, pullTimeoutMs: 3000 });
  return {
    runtime,
    image: 'busybox:latest',
    async cleanup() {
      await runtime.close();
      await cleanupByLabel(
        docker,
        Object.entries(scope).map(([k, v]) => `${k}=${v}`),
      );
    },
  };
});
