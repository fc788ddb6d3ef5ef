import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CriClient } from '../../client.js';
import { CriError, NotFoundError, UnimplementedError } from '../../errors.js';
import { parseCriLogLine } from '../../log-format.js';
import type { ContainerConfig, ContainerEventResponse, PodSandboxConfig } from '../../types.js';
import { RUN_LABEL, SLEEP_FOREVER, containerConfig, sandboxConfig, waitFor, waitForContainerState, type ContainerSpec } from './fixtures.js';
import { connectTarget, type ConformanceSetup, type ConnectedTarget } from './target.js';
import { Tracker } from './tracker.js';

export interface ConformanceOptions {
  /** Per-test timeout (default 60 s: real runtimes start containers in ~0.3 s each). */
  timeoutMs?: number;
}

/** A registry on a closed loopback port: a pull fails at once, and no lookup leaves the machine. */
const UNPULLABLE_IMAGE = '127.0.0.1:1/mk8s-conformance/missing:1';

/**
 * Registers the CRI runtime conformance tests for one runtime. Every test
 * talks to the runtime through CriClient over a real unix socket (the runtime
 * is served with serveCri unless setup returns the socket of a runtime that
 * serves itself), and removes what it created in afterEach, pass or fail.
 */
export function defineConformanceSuite(name: string, setup: ConformanceSetup, options: ConformanceOptions = {}): void {
  const timeout = options.timeoutMs ?? 60_000;

  describe(`CRI conformance: ${name}`, () => {
    let target: ConnectedTarget | undefined;
    let tracker = new Tracker();
    let run = '';
    let logDir = '';

    const cri = (): CriClient => {
      if (!target) throw new Error('conformance setup did not complete');
      return target.client;
    };
    const image = (): string => target?.image ?? '';

    beforeAll(async () => {
      target = await connectTarget(await setup());
    }, timeout);

    afterAll(async () => {
      await target?.close();
    }, timeout);

    beforeEach(async () => {
      tracker = new Tracker();
      run = randomUUID();
      logDir = tracker.dir(await mkdtemp(join(tmpdir(), 'mk8s-conformance-logs-')));
    });

    afterEach(async () => {
      if (target) await tracker.cleanup(target.client);
    }, timeout);

    const runSandbox = async (extra?: Parameters<typeof sandboxConfig>[2]): Promise<{ id: string; config: PodSandboxConfig }> => {
      const config = sandboxConfig(run, logDir, extra);
      const { podSandboxId } = await cri().runPodSandbox({ config });
      return { id: tracker.sandbox(podSandboxId), config };
    };

    const createContainer = async (
      sandbox: { id: string; config: PodSandboxConfig },
      spec: ContainerSpec,
    ): Promise<{ id: string; config: ContainerConfig }> => {
      const config = containerConfig(run, image(), spec);
      const { containerId } = await cri().createContainer({ podSandboxId: sandbox.id, config, sandboxConfig: sandbox.config });
      return { id: tracker.container(containerId), config };
    };

    const startedContainer = async (sandbox: { id: string; config: PodSandboxConfig }, spec: ContainerSpec): Promise<string> => {
      const { id } = await createContainer(sandbox, spec);
      await cri().startContainer({ containerId: id });
      return id;
    };

    it(
      'reports its version and a ready runtime',
      async () => {
        const v = await cri().version({ version: '0.1.0' });
        expect(v.runtimeName).not.toBe('');
        expect(v.runtimeVersion).not.toBe('');
        expect(v.runtimeApiVersion).toBe('v1');

        const st = await cri().status({});
        const ready = st.status.conditions.find((c) => c.type === 'RuntimeReady');
        expect(ready?.status).toBe(true);
      },
      timeout,
    );

    it(
      'runs, stops and removes a pod sandbox',
      async () => {
        const sandbox = await runSandbox({ labels: { app: 'web' }, annotations: { 'example.com/note': 'kept as is' } });

        const { status } = await cri().podSandboxStatus({ podSandboxId: sandbox.id });
        expect(status.id).toBe(sandbox.id);
        expect(status.state).toBe('SANDBOX_READY');
        expect(status.metadata).toMatchObject({
          name: sandbox.config.metadata.name,
          uid: sandbox.config.metadata.uid,
          namespace: sandbox.config.metadata.namespace,
        });
        expect(status.createdAt).toBeGreaterThan(0);
        expect(status.labels).toMatchObject({ app: 'web', [RUN_LABEL]: run });
        expect(status.annotations).toEqual({ 'example.com/note': 'kept as is' });
        // The IP is optional (host-network runtimes have none), but when given it
        // must be a real address: the API server rejects loopback endpoints.
        const ip = status.network?.ip ?? '';
        if (ip !== '') {
          expect(isIP(ip)).not.toBe(0);
          expect(ip.startsWith('127.') || ip === '::1').toBe(false);
        }

        const listed = await cri().listPodSandbox({ filter: { labelSelector: { [RUN_LABEL]: run } } });
        expect(listed.items.map((s) => s.id)).toEqual([sandbox.id]);
        expect(listed.items[0]?.state).toBe('SANDBOX_READY');

        await cri().stopPodSandbox({ podSandboxId: sandbox.id });
        await cri().stopPodSandbox({ podSandboxId: sandbox.id }); // idempotent
        const stopped = await cri().podSandboxStatus({ podSandboxId: sandbox.id });
        expect(stopped.status.state).toBe('SANDBOX_NOTREADY');

        await cri().removePodSandbox({ podSandboxId: sandbox.id });
        await expect(cri().podSandboxStatus({ podSandboxId: sandbox.id })).rejects.toBeInstanceOf(NotFoundError);
        await cri().removePodSandbox({ podSandboxId: sandbox.id }); // idempotent
        const after = await cri().listPodSandbox({ filter: { labelSelector: { [RUN_LABEL]: run } } });
        expect(after.items).toEqual([]);
      },
      timeout,
    );

    it(
      'stopping a sandbox stops its containers',
      async () => {
        const sandbox = await runSandbox();
        const id = await startedContainer(sandbox, { name: 'sleeper', argv: SLEEP_FOREVER });
        await waitForContainerState(cri(), id, 'CONTAINER_RUNNING');

        await cri().stopPodSandbox({ podSandboxId: sandbox.id });
        const { status } = await cri().containerStatus({ containerId: id });
        expect(status.state).toBe('CONTAINER_EXITED');
      },
      timeout,
    );

    it(
      'takes a container from created to running to exited to removed',
      async () => {
        const sandbox = await runSandbox();
        const { id } = await createContainer(sandbox, { name: 'app', argv: SLEEP_FOREVER });

        const created = (await cri().containerStatus({ containerId: id })).status;
        expect(created.state).toBe('CONTAINER_CREATED');
        expect(created.metadata).toMatchObject({ name: 'app', attempt: 0 });
        expect(created.createdAt).toBeGreaterThan(0);
        expect(created.startedAt).toBe(0);

        await cri().startContainer({ containerId: id });
        const running = await waitForContainerState(cri(), id, 'CONTAINER_RUNNING');
        expect(running.startedAt).toBeGreaterThan(0);

        await cri().stopContainer({ containerId: id, timeout: 0 });
        const exited = (await cri().containerStatus({ containerId: id })).status;
        expect(exited.state).toBe('CONTAINER_EXITED');
        expect(exited.finishedAt).toBeGreaterThanOrEqual(exited.startedAt);
        await cri().stopContainer({ containerId: id, timeout: 0 }); // idempotent

        await cri().removeContainer({ containerId: id });
        await expect(cri().containerStatus({ containerId: id })).rejects.toBeInstanceOf(NotFoundError);
        await cri().removeContainer({ containerId: id }); // idempotent
        const listed = await cri().listContainers({ filter: { podSandboxId: sandbox.id } });
        expect(listed.containers).toEqual([]);
      },
      timeout,
    );

    it(
      'reports the exit code of a container that exits on its own',
      async () => {
        const sandbox = await runSandbox();
        const id = await startedContainer(sandbox, { name: 'fails', argv: ['sh', '-c', 'exit 3'] });

        const status = await waitForContainerState(cri(), id, 'CONTAINER_EXITED');
        expect(status.exitCode).toBe(3);
        expect(status.startedAt).toBeGreaterThan(0);
        // Start and finish are stamped by different parts of a real runtime: for a
        // container that exits at once, containerd may report finishedAt a few
        // microseconds before startedAt. Both come after creation, always.
        expect(status.finishedAt).toBeGreaterThan(0);
        expect(status.finishedAt).toBeGreaterThanOrEqual(status.createdAt);
      },
      timeout,
    );

    it(
      'restarts a container by creating the next attempt in the same sandbox',
      async () => {
        const sandbox = await runSandbox();
        const first = await startedContainer(sandbox, { name: 'worker', argv: ['sh', '-c', 'exit 1'] });
        await waitForContainerState(cri(), first, 'CONTAINER_EXITED');

        const second = await startedContainer(sandbox, { name: 'worker', attempt: 1, argv: SLEEP_FOREVER });
        expect(second).not.toBe(first);
        await waitForContainerState(cri(), second, 'CONTAINER_RUNNING');

        const listed = await cri().listContainers({ filter: { podSandboxId: sandbox.id } });
        const attempts = listed.containers.map((c) => [c.metadata.name, c.metadata.attempt ?? 0, c.state] as const).sort((a, b) => a[1] - b[1]);
        expect(attempts).toEqual([
          ['worker', 0, 'CONTAINER_EXITED'],
          ['worker', 1, 'CONTAINER_RUNNING'],
        ]);
        // The exited attempt keeps its status for the kubelet to report.
        expect((await cri().containerStatus({ containerId: first })).status.exitCode).toBe(1);
      },
      timeout,
    );

    it(
      'keeps labels and annotations and filters lists by id, state, labels and sandbox',
      async () => {
        const a = await runSandbox({ labels: { app: 'a' } });
        const b = await runSandbox({ labels: { app: 'b' } });
        const annotations = { 'example.com/config-hash': 'abc123', 'example.com/empty': '' };
        const front = await startedContainer(a, { name: 'front', argv: SLEEP_FOREVER, labels: { tier: 'front' }, annotations });
        const back = (await createContainer(a, { name: 'back', argv: SLEEP_FOREVER, labels: { tier: 'back' } })).id;
        const other = (await createContainer(b, { name: 'other', argv: SLEEP_FOREVER, labels: { tier: 'front' } })).id;
        await waitForContainerState(cri(), front, 'CONTAINER_RUNNING');

        const st = (await cri().containerStatus({ containerId: front })).status;
        expect(st.labels).toMatchObject({ tier: 'front', [RUN_LABEL]: run });
        expect(st.annotations).toEqual(annotations);

        const ids = async (filter: Parameters<CriClient['listContainers']>[0]['filter']): Promise<string[]> =>
          (await cri().listContainers({ filter })).containers.map((c) => c.id).sort();
        const mine = { [RUN_LABEL]: run };
        expect(await ids({ labelSelector: mine })).toEqual([front, back, other].sort());
        expect(await ids({ podSandboxId: a.id })).toEqual([front, back].sort());
        expect(await ids({ id: back })).toEqual([back]);
        expect(await ids({ labelSelector: mine, state: { state: 'CONTAINER_RUNNING' } })).toEqual([front]);
        expect(await ids({ labelSelector: mine, state: { state: 'CONTAINER_CREATED' } })).toEqual([back, other].sort());
        expect(await ids({ labelSelector: { ...mine, tier: 'front' } })).toEqual([front, other].sort());
        expect(await ids({ podSandboxId: b.id, labelSelector: { tier: 'back' } })).toEqual([]);

        const listed = (await cri().listContainers({ filter: { id: front } })).containers[0];
        expect(listed).toMatchObject({ id: front, podSandboxId: a.id, state: 'CONTAINER_RUNNING', annotations });
        expect(listed?.labels).toMatchObject({ tier: 'front' });

        const sandboxes = async (filter: Parameters<CriClient['listPodSandbox']>[0]['filter']): Promise<string[]> =>
          (await cri().listPodSandbox({ filter })).items.map((s) => s.id).sort();
        expect(await sandboxes({ labelSelector: { ...mine, app: 'a' } })).toEqual([a.id]);
        expect(await sandboxes({ id: b.id })).toEqual([b.id]);
        await cri().stopPodSandbox({ podSandboxId: b.id });
        expect(await sandboxes({ labelSelector: mine, state: { state: 'SANDBOX_NOTREADY' } })).toEqual([b.id]);
        expect(await sandboxes({ labelSelector: mine, state: { state: 'SANDBOX_READY' } })).toEqual([a.id]);
      },
      timeout,
    );

    it(
      'writes container output to its log path in CRI log format',
      async () => {
        const sandbox = await runSandbox();
        const { id, config } = await createContainer(sandbox, { name: 'talker', argv: ['sh', '-c', 'echo hello'] });
        await cri().startContainer({ containerId: id });
        const status = await waitForContainerState(cri(), id, 'CONTAINER_EXITED');
        expect(status.exitCode).toBe(0);

        const path = join(logDir, config.logPath ?? '');
        expect(status.logPath).toBe(path);
        const lines = await waitFor(
          async () => (await readFile(path, 'utf8').catch(() => '')).split('\n').filter((l) => l !== ''),
          (ls) => ls.length > 0,
          `log lines in ${path}`,
        );
        const parsed = lines.map(parseCriLogLine);
        expect(parsed.every((p) => p !== undefined)).toBe(true);
        expect(parsed.map((p) => [p?.stream, p?.tag, p?.content])).toEqual([['stdout', 'F', 'hello']]);
        expect(parsed[0]?.time).toBeGreaterThan(0);
      },
      timeout,
    );

    it(
      'runs commands in a running container with ExecSync',
      async () => {
        const sandbox = await runSandbox();
        const id = await startedContainer(sandbox, { name: 'exec', argv: SLEEP_FOREVER });
        await waitForContainerState(cri(), id, 'CONTAINER_RUNNING');

        const ok = await cri().execSync({ containerId: id, cmd: ['echo', 'hi'], timeout: 10 });
        expect(ok.exitCode).toBe(0);
        expect(Buffer.from(ok.stdout).toString()).toBe('hi\n');

        const mixed = await cri().execSync({ containerId: id, cmd: ['sh', '-c', 'echo out; echo err >&2; exit 7'], timeout: 10 });
        expect(mixed.exitCode).toBe(7);
        expect(Buffer.from(mixed.stdout).toString()).toBe('out\n');
        expect(Buffer.from(mixed.stderr).toString()).toBe('err\n');

        await cri().stopContainer({ containerId: id, timeout: 0 });
        await expect(cri().execSync({ containerId: id, cmd: ['echo', 'late'], timeout: 10 })).rejects.toBeInstanceOf(CriError);
      },
      timeout,
    );

    it(
      'reports stats of a running container',
      async () => {
        const sandbox = await runSandbox();
        const id = await startedContainer(sandbox, { name: 'busy', argv: SLEEP_FOREVER });
        await waitForContainerState(cri(), id, 'CONTAINER_RUNNING');

        const { stats } = await cri().containerStats({ containerId: id });
        expect(stats.attributes.id).toBe(id);
        expect(stats.attributes.metadata).toMatchObject({ name: 'busy' });
        expect(stats.cpu?.timestamp).toBeGreaterThan(0);
        expect(stats.cpu?.usageCoreNanoSeconds).toBeTruthy();
        expect(stats.memory?.timestamp).toBeGreaterThan(0);
        expect(stats.memory?.workingSetBytes).toBeTruthy();

        const listed = await cri().listContainerStats({ filter: { podSandboxId: sandbox.id } });
        expect(listed.stats.map((s) => s.attributes.id)).toEqual([id]);
      },
      timeout,
    );

    it(
      'reports missing images as absent and fails to pull what it cannot fetch',
      async () => {
        const present = await cri().imageStatus({ image: { image: image() } });
        expect(present.image?.id).toBeTruthy();
        const all = await cri().listImages({});
        expect(all.images.map((i) => i.id)).toContain(present.image?.id);

        const missing = await cri().imageStatus({ image: { image: UNPULLABLE_IMAGE } });
        expect(missing.image ?? null).toBeNull();

        await expect(cri().pullImage({ image: { image: UNPULLABLE_IMAGE } })).rejects.toBeInstanceOf(CriError);
        const still = await cri().imageStatus({ image: { image: UNPULLABLE_IMAGE } });
        expect(still.image ?? null).toBeNull();
      },
      timeout,
    );

    it(
      'streams container lifecycle events (GetContainerEvents), or answers UNIMPLEMENTED',
      async () => {
        const ac = new AbortController();
        const seen: ContainerEventResponse[] = [];
        let failure: unknown;
        const reading = (async () => {
          try {
            for await (const ev of cri().getContainerEvents({}, ac.signal)) seen.push(ev);
          } catch (err) {
            failure = err;
          }
        })();
        try {
          await new Promise((r) => setTimeout(r, 300)); // the subscription is in place before anything happens
          const sandbox = await runSandbox();
          const id = await startedContainer(sandbox, { name: 'evented', argv: SLEEP_FOREVER });
          await cri().stopContainer({ containerId: id, timeout: 0 });
          if (failure) {
            // An optional RPC: a runtime without it must say so precisely.
            expect(failure).toBeInstanceOf(UnimplementedError);
            return;
          }
          await waitFor(
            async () => seen.filter((e) => e.containerId === id).map((e) => e.containerEventType),
            (t) => t.includes('CONTAINER_STOPPED_EVENT'),
            'the stop event',
          );
          const types = seen.filter((e) => e.containerId === id).map((e) => e.containerEventType);
          expect(types.indexOf('CONTAINER_STARTED_EVENT')).toBeGreaterThanOrEqual(0);
          expect(types.indexOf('CONTAINER_STARTED_EVENT')).toBeLessThan(types.indexOf('CONTAINER_STOPPED_EVENT'));
          const ev = seen.find((e) => e.containerId === id)!;
          expect(ev.createdAt).toBeGreaterThan(0);
          expect(ev.podSandboxStatus?.id).toBe(sandbox.id);
          expect(ev.podSandboxStatus?.metadata?.uid).toBe(sandbox.config.metadata?.uid);
        } finally {
          ac.abort();
          await reading;
        }
      },
      timeout,
    );

    const exec = async (containerId: string, cmd: string[]): Promise<{ out: string; code: number }> => {
      const r = await cri().execSync({ containerId, cmd, timeout: 10 });
      return { out: Buffer.from(r.stdout).toString(), code: r.exitCode };
    };

    it(
      'applies a container security context: user, groups, capabilities, no_new_privs, read-only root',
      async () => {
        const sandbox = await runSandbox();
        const config = containerConfig(run, image(), { name: 'confined', argv: SLEEP_FOREVER });
        config.linux = {
          securityContext: {
            runAsUser: { value: 1234 },
            runAsGroup: { value: 2345 },
            supplementalGroups: [3456],
            readonlyRootfs: true,
            noNewPrivs: true,
            capabilities: { dropCapabilities: ['ALL'] },
            namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' },
            maskedPaths: ['/proc/kcore', '/proc/keys'],
            readonlyPaths: ['/proc/sys'],
            seccomp: { profileType: 'RuntimeDefault' },
          },
        };
        const { containerId } = await cri().createContainer({ podSandboxId: sandbox.id, config, sandboxConfig: sandbox.config });
        tracker.container(containerId);
        await cri().startContainer({ containerId });
        await waitForContainerState(cri(), containerId, 'CONTAINER_RUNNING');

        expect((await exec(containerId, ['id', '-u'])).out.trim()).toBe('1234');
        expect((await exec(containerId, ['id', '-g'])).out.trim()).toBe('2345');
        const groups = [...new Set((await exec(containerId, ['id', '-G'])).out.trim().split(/\s+/))].sort();
        expect(groups).toEqual(['2345', '3456']);
        const status = (await exec(containerId, ['cat', '/proc/self/status'])).out;
        expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
        expect(status).toMatch(/^CapEff:\s+0+$/m);
        expect((await exec(containerId, ['sh', '-c', 'touch /mk8s-conformance-probe'])).code).not.toBe(0);
      },
      timeout,
    );

    it(
      'drops a capability for root: chown fails without CAP_CHOWN',
      async () => {
        const sandbox = await runSandbox();
        const config = containerConfig(run, image(), { name: 'nochown', argv: SLEEP_FOREVER });
        config.linux = {
          securityContext: {
            runAsUser: { value: 0 },
            capabilities: { dropCapabilities: ['CHOWN'] },
            maskedPaths: ['/proc/kcore'],
            readonlyPaths: ['/proc/sys'],
          },
        };
        const { containerId } = await cri().createContainer({ podSandboxId: sandbox.id, config, sandboxConfig: sandbox.config });
        tracker.container(containerId);
        await cri().startContainer({ containerId });
        await waitForContainerState(cri(), containerId, 'CONTAINER_RUNNING');
        expect((await exec(containerId, ['id', '-u'])).out.trim()).toBe('0');
        const chown = await cri().execSync({ containerId, cmd: ['chown', '1', '/tmp'], timeout: 10 });
        expect(chown.exitCode).not.toBe(0);
        expect(Buffer.from(chown.stderr).toString()).toMatch(/Operation not permitted/);
      },
      timeout,
    );

    it(
      'refuses a Localhost seccomp profile that does not exist instead of running unconfined',
      async () => {
        const sandbox = await runSandbox();
        const config = containerConfig(run, image(), { name: 'noprofile', argv: SLEEP_FOREVER });
        config.linux = { securityContext: { seccomp: { profileType: 'Localhost', localhostRef: `/nonexistent/mk8s-conformance-${run}.json` } } };
        let refused: unknown;
        try {
          const { containerId } = await cri().createContainer({ podSandboxId: sandbox.id, config, sandboxConfig: sandbox.config });
          tracker.container(containerId);
          await cri().startContainer({ containerId });
        } catch (err) {
          refused = err;
        }
        expect(refused).toBeInstanceOf(CriError);
        expect((refused as Error).message).not.toBe('');
      },
      timeout,
    );

    it(
      'rejects calls on sandboxes and containers that do not exist',
      async () => {
        const ghost = `mk8s-missing-${randomUUID().replace(/-/g, '')}`;
        await expect(cri().containerStatus({ containerId: ghost })).rejects.toBeInstanceOf(NotFoundError);
        await expect(cri().podSandboxStatus({ podSandboxId: ghost })).rejects.toBeInstanceOf(NotFoundError);
        await expect(cri().startContainer({ containerId: ghost })).rejects.toBeInstanceOf(CriError);
        await expect(
          cri().createContainer({
            podSandboxId: ghost,
            config: containerConfig(run, image(), { name: 'orphan', argv: SLEEP_FOREVER }),
          }),
        ).rejects.toBeInstanceOf(CriError);
        // Removal is idempotent even for ids the runtime never saw.
        await cri().removeContainer({ containerId: ghost });
        await cri().removePodSandbox({ podSandboxId: ghost });
      },
      timeout,
    );
  });
}
