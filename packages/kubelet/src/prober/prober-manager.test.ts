import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Container, Pod } from '@mk8s/api';
import { FakeClock } from '@mk8s/client';
import { FakeRuntime } from '@mk8s/runtime-fake';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProberManager, type ProbedContainer } from './prober-manager.js';
import type { ResultUpdate } from './results.js';

const UID = 'pod-uid-1';

let clock: FakeClock;
let runtime: FakeRuntime;
let manager: ProberManager;
let execs: string[][];
let changes: ResultUpdate[];
let liveness: Array<{ containerName: string; containerId: string; message: string; type: string }>;
let sandboxId: string;

beforeEach(async () => {
  clock = new FakeClock();
  runtime = new FakeRuntime({ timer: clock, writeLogs: false, podCidr: '10.99.2.0/24' });
  execs = [];
  const realExec = runtime.execSync.bind(runtime);
  vi.spyOn(runtime, 'execSync').mockImplementation((req) => {
    execs.push(req.cmd);
    return realExec(req);
  });
  manager = new ProberManager({ runtime, clock });
  changes = [];
  manager.onChange((u) => changes.push(u));
  liveness = [];
  attempts.clear();
  manager.onLivenessFailure((_uid, containerName, containerId, message, type) => liveness.push({ containerName, containerId, message, type }));
  const config = { metadata: { name: 'pod', uid: UID, namespace: 'default' } };
  ({ podSandboxId: sandboxId } = await runtime.runPodSandbox({ config }));
});

afterEach(() => {
  manager.stop();
  runtime.close();
});

function pod(...containers: Container[]): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pod', namespace: 'default', uid: UID }, spec: { containers } };
}

const attempts = new Map<string, number>();

/** Starts a container named `name` in the fake runtime, now (a restart when the name was started before). */
async function start(name: string): Promise<ProbedContainer> {
  const attempt = attempts.get(name) ?? 0;
  attempts.set(name, attempt + 1);
  const config = { metadata: { name: 'pod', uid: UID, namespace: 'default' } };
  const { containerId } = await runtime.createContainer({
    podSandboxId: sandboxId,
    sandboxConfig: config,
    config: { metadata: { name, attempt }, image: { image: 'busybox:latest' }, command: ['sleep', '3600'] },
  });
  await runtime.startContainer({ containerId });
  return { name, containerId, startedAt: clock.now() };
}

const cmd = (what: string): string[] => ['check', what];
const script = (what: string, ok: boolean): void => runtime.scriptExec({ argv: cmd(what) }, { exitCode: ok ? 0 : 1 });
const ran = (what: string): number => execs.filter((c) => c[1] === what).length;

describe('ProberManager', () => {
  it('calls a running container without probes started and ready; an unknown one neither', async () => {
    const app = await start('app');
    manager.addPod(pod({ name: 'app' }), [app]);
    expect(manager.isStarted(UID, 'app')).toBe(true);
    expect(manager.readiness(UID, 'app')).toBe(true);
    expect(manager.readiness(UID, 'other')).toBe(false);
    expect(manager.readiness('other-pod', 'app')).toBe(false);
    expect(execs).toEqual([]);
  });

  it('a verdict about the container before a restart does not make its successor ready', async () => {
    const app = await start('app');
    manager.addPod(pod({ name: 'app' }), [app]);
    expect(manager.readiness(UID, 'app', app.containerId)).toBe(true);
    // The runtime restarted it; the prober has not heard of the new container yet.
    expect(manager.readiness(UID, 'app', 'restarted-container-id')).toBe(false);
  });

  it('is not ready until the readiness probe has succeeded successThreshold times', async () => {
    script('ready', false);
    const app = await start('app');
    manager.addPod(pod({ name: 'app', readinessProbe: { exec: { command: cmd('ready') }, periodSeconds: 2, successThreshold: 2 } }), [app]);
    expect(manager.readiness(UID, 'app')).toBe(false);
    await clock.advance(4_000);
    expect(ran('ready')).toBe(3);
    expect(manager.readiness(UID, 'app')).toBe(false);
    script('ready', true);
    await clock.advance(2_000);
    expect(manager.readiness(UID, 'app')).toBe(false);
    await clock.advance(2_000);
    expect(manager.readiness(UID, 'app')).toBe(true);
    expect(changes.filter((c) => c.type === 'readiness')).toEqual([
      { podUid: UID, containerName: 'app', containerId: app.containerId, type: 'readiness', result: 'failure' },
      { podUid: UID, containerName: 'app', containerId: app.containerId, type: 'readiness', result: 'success' },
    ]);
  });

  it('honours initialDelaySeconds from the container start time', async () => {
    script('ready', true);
    const app = await start('app');
    await clock.advance(3_000); // the kubelet learns of the container 3 s after it started
    manager.addPod(pod({ name: 'app', readinessProbe: { exec: { command: cmd('ready') }, initialDelaySeconds: 10 } }), [app]);
    await clock.advance(6_999);
    expect(ran('ready')).toBe(0);
    await clock.advance(1);
    expect(ran('ready')).toBe(1);
    expect(manager.readiness(UID, 'app')).toBe(true);
    await clock.advance(10_000); // default period 10 s
    expect(ran('ready')).toBe(2);
  });

  it('fires a liveness failure once after failureThreshold, and probes again for a new container ID', async () => {
    script('live', true);
    const app = await start('app');
    const spec = pod({ name: 'app', livenessProbe: { exec: { command: cmd('live') }, periodSeconds: 1, failureThreshold: 3 } });
    manager.addPod(spec, [app]);
    await clock.advance(2_000);
    script('live', false);
    await clock.advance(2_000);
    expect(liveness).toEqual([]);
    await clock.advance(1_000);
    expect(liveness).toEqual([
      {
        containerName: 'app',
        containerId: app.containerId,
        message: 'Liveness probe failed: command ["check","live"] exited with 1',
        type: 'liveness',
      },
    ]);
    expect(manager.results.get(UID, 'app', 'liveness')?.result).toBe('failure');
    const before = ran('live');
    await clock.advance(10_000);
    expect(ran('live')).toBe(before);
    expect(liveness).toHaveLength(1);

    // Same ID again: nothing changes (idempotent).
    manager.addPod(spec, [app]);
    await clock.advance(5_000);
    expect(ran('live')).toBe(before);

    // The kubelet restarted the container.
    script('live', true);
    const restarted = await start('app');
    manager.addPod(spec, [restarted]);
    expect(manager.results.get(UID, 'app', 'liveness')).toEqual({ containerId: restarted.containerId, result: 'success' });
    await clock.advance(3_000);
    expect(ran('live')).toBe(before + 4);
    expect(liveness).toHaveLength(1);
  });

  it('counts an exec past timeoutSeconds as a failure', async () => {
    runtime.scriptExec({ argv: cmd('slow') }, { delayMs: 30_000 });
    const app = await start('app');
    manager.addPod(pod({ name: 'app', livenessProbe: { exec: { command: cmd('slow') }, timeoutSeconds: 2, failureThreshold: 1 } }), [app]);
    await clock.advance(1_999);
    expect(liveness).toEqual([]);
    await clock.advance(1);
    expect(liveness).toHaveLength(1);
    expect(liveness[0]?.message).toMatch(/timed out after 2s/);
  });

  it('gates liveness and readiness on the startup probe, then checks readiness at once', async () => {
    script('start', false);
    script('live', true);
    script('ready', true);
    const app = await start('app');
    manager.addPod(
      pod({
        name: 'app',
        startupProbe: { exec: { command: cmd('start') }, periodSeconds: 1, failureThreshold: 30 },
        livenessProbe: { exec: { command: cmd('live') }, periodSeconds: 10 },
        readinessProbe: { exec: { command: cmd('ready') }, periodSeconds: 60 },
      }),
      [app],
    );
    await clock.advance(5_000);
    expect(ran('start')).toBe(6);
    expect([ran('live'), ran('ready')]).toEqual([0, 0]);
    expect(manager.isStarted(UID, 'app')).toBe(false);
    expect(manager.readiness(UID, 'app')).toBe(false);

    script('start', true);
    await clock.advance(1_000);
    expect(manager.isStarted(UID, 'app')).toBe(true);
    // Readiness ran immediately instead of waiting for its 60 s tick.
    expect(ran('ready')).toBe(1);
    expect(manager.readiness(UID, 'app')).toBe(true);
    await clock.advance(4_000); // liveness's next 10 s tick
    expect(ran('live')).toBe(1);
    await clock.advance(20_000);
    expect(ran('start')).toBe(7); // a startup probe retires after success
  });

  it('reports a startup probe that exhausts failureThreshold like a liveness failure', async () => {
    script('start', false);
    const app = await start('app');
    manager.addPod(pod({ name: 'app', startupProbe: { exec: { command: cmd('start') }, periodSeconds: 1, failureThreshold: 3 } }), [app]);
    await clock.advance(10_000);
    expect(liveness).toEqual([
      {
        containerName: 'app',
        containerId: app.containerId,
        message: 'Startup probe failed: command ["check","start"] exited with 1',
        type: 'startup',
      },
    ]);
    expect(ran('start')).toBe(3);
    expect(manager.isStarted(UID, 'app')).toBe(false);
  });

  it('probes HTTP on a named port at the pod IP', async () => {
    let healthy = false;
    const server = http.createServer((_req, res) => res.writeHead(healthy ? 200 : 503).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const app = await start('app');
      manager.addPod(
        pod({
          name: 'app',
          ports: [{ name: 'http', containerPort: port }],
          readinessProbe: { httpGet: { port: 'http', path: '/ready' }, periodSeconds: 1, failureThreshold: 1 },
        }),
        [app],
        '127.0.0.1',
      );
      await clock.advance(0);
      await vi.waitFor(() => expect(changes.filter((c) => c.type === 'readiness')).toHaveLength(1));
      await clock.advance(0);
      expect(manager.readiness(UID, 'app')).toBe(false);
      healthy = true;
      await vi.waitFor(async () => {
        await clock.advance(1_000);
        expect(manager.readiness(UID, 'app')).toBe(true);
      });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('stops probing a container that is no longer listed, and a removed pod', async () => {
    script('ready', true);
    const app = await start('app');
    const side = await start('side');
    const spec = pod(
      { name: 'app', readinessProbe: { exec: { command: cmd('ready') }, periodSeconds: 1 } },
      { name: 'side', readinessProbe: { exec: { command: ['check', 'side'] }, periodSeconds: 1 } },
    );
    manager.addPod(spec, [app, side]);
    await clock.advance(1_000);
    expect(manager.readiness(UID, 'side')).toBe(true);

    manager.addPod(spec, [app]); // side exited
    expect(manager.readiness(UID, 'side')).toBe(false);
    expect(manager.isStarted(UID, 'side')).toBe(false);
    const sideRuns = ran('side');
    await clock.advance(5_000);
    expect(ran('side')).toBe(sideRuns);
    expect(manager.readiness(UID, 'app')).toBe(true);

    manager.removePod(UID);
    const appRuns = ran('ready');
    await clock.advance(5_000);
    expect(ran('ready')).toBe(appRuns);
    expect(manager.readiness(UID, 'app')).toBe(false);
    expect(manager.results.get(UID, 'app', 'readiness')).toBeUndefined();
  });

  it('ignores containers not in the pod spec and everything after stop()', async () => {
    script('ready', true);
    const app = await start('app');
    const stray = await start('stray');
    const spec = pod({ name: 'app', readinessProbe: { exec: { command: cmd('ready') }, periodSeconds: 1 } });
    manager.addPod(spec, [app, stray]);
    expect(manager.isStarted(UID, 'stray')).toBe(false);
    await clock.advance(1_000);
    expect(ran('ready')).toBe(2);
    manager.stop();
    expect(manager.readiness(UID, 'app')).toBe(false);
    manager.addPod(spec, [app]);
    await clock.advance(5_000);
    expect(ran('ready')).toBe(2);
    expect(manager.readiness(UID, 'app')).toBe(false);
  });

  it('rejects a pod without a uid', () => {
    expect(() => manager.addPod({ metadata: { name: 'x' }, spec: { containers: [] } }, [])).toThrow(/uid/);
  });
});
