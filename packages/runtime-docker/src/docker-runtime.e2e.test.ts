/**
 * DockerRuntime on the real local Docker. Only local images (busybox:latest,
 * mk8s/pause:latest from images/build.sh); every container carries this
 * run's `io.mk8s.test` label and is removed after each test, failed or not.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeadlineExceededError, FailedPreconditionError, NotFoundError, parseCriLogLine } from '@mk8s/cri';
import type { ContainerConfig, ContainerState, PodSandboxConfig } from '@mk8s/cri';
import { cleanupByLabel } from './cleanup.js';
import { connectDocker } from './docker-errors.js';
import { DockerRuntime } from './docker-runtime.js';
import type { RuntimeEvent } from './events.js';

const BUSYBOX = 'busybox:latest';
const PAUSE = 'mk8s/pause:latest';
const TEST_LABEL = 'io.mk8s.test';
const run = randomUUID();
const scope = { [TEST_LABEL]: run };

let docker: Dockerode;
let runtime: DockerRuntime;
let logDir: string;
const extraRuntimes: DockerRuntime[] = [];

beforeAll(async () => {
  docker = await connectDocker(); // fails with "Docker is not reachable at ..." when dockerd is down
  for (const image of [BUSYBOX, PAUSE]) {
    await docker
      .getImage(image)
      .inspect()
      .catch(() => {
        throw new Error(`local image ${image} is missing: build it with images/build.sh`);
      });
  }
});

beforeEach(async () => {
  runtime = new DockerRuntime({ docker, scopeLabels: scope, pullTimeoutMs: 3000 });
  logDir = await mkdtemp(join(tmpdir(), 'mk8s-rtd-'));
});

afterEach(async () => {
  for (const r of [runtime, ...extraRuntimes.splice(0)]) await r.close();
  await cleanupByLabel(docker, `${TEST_LABEL}=${run}`);
  await rm(logDir, { recursive: true, force: true });
});

afterAll(async () => {
  if (docker) await cleanupByLabel(docker, `${TEST_LABEL}=${run}`);
});

function podConfig(name = `p-${randomUUID().slice(0, 8)}`, extra: Partial<PodSandboxConfig> = {}): PodSandboxConfig {
  return {
    metadata: { name, namespace: 'default', uid: randomUUID(), attempt: 0 },
    hostname: name,
    logDirectory: join(logDir, name),
    labels: { app: name, 'io.kubernetes.pod.name': name },
    annotations: { 'example.com/note': 'kept as is' },
    ...extra,
  };
}

function appConfig(name: string, command: string[], extra: Partial<ContainerConfig> = {}): ContainerConfig {
  return {
    metadata: { name, attempt: 0 },
    image: { image: BUSYBOX },
    command,
    logPath: `${name}/0.log`,
    labels: { container: name },
    annotations: { 'example.com/c': name },
    ...extra,
  };
}

async function startPod(config = podConfig()) {
  const { podSandboxId } = await runtime.runPodSandbox({ config });
  return { podSandboxId, config };
}

async function startApp(podSandboxId: string, sandboxConfig: PodSandboxConfig, config: ContainerConfig, r = runtime) {
  const { containerId } = await r.createContainer({ podSandboxId, config, sandboxConfig });
  await r.startContainer({ containerId });
  return containerId;
}

async function waitFor<T>(read: () => Promise<T>, done: (v: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const waitState = (id: string, state: ContainerState, r = runtime) =>
  waitFor(
    async () => (await r.containerStatus({ containerId: id })).status,
    (s) => s.state === state,
    `${id} ${state}`,
  );

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

describe('DockerRuntime: runtime info', () => {
  it('reports its version and ready conditions', async () => {
    const v = await runtime.version({});
    expect(v).toMatchObject({ runtimeName: 'docker', runtimeApiVersion: 'v1' });
    expect(v.runtimeVersion).not.toBe('');
    const s = await runtime.status({});
    expect(s.status.conditions.map((c) => [c.type, c.status])).toEqual([
      ['RuntimeReady', true],
      ['NetworkReady', true],
    ]);
  });
});

describe('DockerRuntime: pod sandboxes', () => {
  it('runs a pause container that owns the pod IP and round-trips metadata, labels and annotations', async () => {
    const { podSandboxId, config } = await startPod();
    const { status } = await runtime.podSandboxStatus({ podSandboxId });
    expect(status.id).toBe(podSandboxId);
    expect(status.state).toBe('SANDBOX_READY');
    expect(status.metadata).toEqual(config.metadata);
    expect(status.labels).toEqual(config.labels);
    expect(status.annotations).toEqual(config.annotations);
    expect(status.createdAt).toBeGreaterThan(0);
    expect(status.network?.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);

    const inspect = await docker.getContainer(podSandboxId).inspect();
    expect(inspect.Config.Image).toBe(PAUSE);
    expect(inspect.Config.Hostname).toBe(config.hostname);
    expect(inspect.Config.Labels).toMatchObject({
      'io.kubernetes.pod.name': config.metadata.name,
      'io.kubernetes.pod.namespace': 'default',
      'io.kubernetes.pod.uid': config.metadata.uid,
      'io.mk8s.type': 'podsandbox',
      [TEST_LABEL]: run,
    });
  });

  it('lists sandboxes with id, state and label filters', async () => {
    const a = await startPod();
    const b = await startPod();
    await runtime.stopPodSandbox({ podSandboxId: b.podSandboxId });
    const all = await runtime.listPodSandbox({});
    expect(all.items.map((s) => s.id).sort()).toEqual([a.podSandboxId, b.podSandboxId].sort());
    const ready = await runtime.listPodSandbox({ filter: { state: { state: 'SANDBOX_READY' } } });
    expect(ready.items.map((s) => s.id)).toEqual([a.podSandboxId]);
    const byLabel = await runtime.listPodSandbox({ filter: { labelSelector: { app: b.config.metadata.name } } });
    expect(byLabel.items.map((s) => s.id)).toEqual([b.podSandboxId]);
    const byId = await runtime.listPodSandbox({ filter: { id: a.podSandboxId } });
    expect(byId.items).toHaveLength(1);
    expect(byId.items[0]?.metadata).toEqual(a.config.metadata);
  });

  it('stops the containers with the sandbox, removes all with it, idempotently', async () => {
    const { podSandboxId, config } = await startPod();
    const app = await startApp(podSandboxId, config, appConfig('sleeper', ['sleep', '3600']));
    await runtime.stopPodSandbox({ podSandboxId });
    expect((await runtime.podSandboxStatus({ podSandboxId })).status.state).toBe('SANDBOX_NOTREADY');
    expect((await runtime.podSandboxStatus({ podSandboxId })).status.network?.ip).toBe('');
    expect((await runtime.containerStatus({ containerId: app })).status.state).toBe('CONTAINER_EXITED');
    await runtime.stopPodSandbox({ podSandboxId });
    await runtime.removePodSandbox({ podSandboxId });
    await expect(runtime.podSandboxStatus({ podSandboxId })).rejects.toBeInstanceOf(NotFoundError);
    await expect(runtime.containerStatus({ containerId: app })).rejects.toBeInstanceOf(NotFoundError);
    await runtime.removePodSandbox({ podSandboxId });
    await runtime.stopPodSandbox({ podSandboxId });
  });
});

describe('DockerRuntime: containers', () => {
  it('serves HTTP from an app container on the sandbox IP, with the pod hostname', async () => {
    const { podSandboxId, config } = await startPod();
    const id = await startApp(podSandboxId, config, appConfig('web', ['httpd', '-f', '-p', '8080', '-h', '/var/www']));
    const inspect = await docker.getContainer(id).inspect();
    expect(inspect.HostConfig.NetworkMode).toBe(`container:${podSandboxId}`);
    const ip = (await runtime.podSandboxStatus({ podSandboxId })).status.network?.ip ?? '';
    const body = await waitFor(
      () => httpGet(`http://${ip}:8080/`).catch((e: Error) => `error: ${e.message}`),
      (b) => b.includes('mk8s busybox httpd'),
      'httpd answering on the sandbox IP',
    );
    expect(body).toContain('mk8s busybox httpd');
    const hostname = await runtime.execSync({ containerId: id, cmd: ['hostname'] });
    expect(hostname.stdout.toString().trim()).toBe(config.hostname);
  });

  it('reports exit codes, reasons and times, and writes CRI logs to log_path', async () => {
    const { podSandboxId, config } = await startPod();
    const failing = appConfig('fail', ['sh', '-c', 'echo out; echo err >&2; exit 3']);
    const { containerId: failId } = await runtime.createContainer({ podSandboxId, config: failing, sandboxConfig: config });
    const created = (await runtime.containerStatus({ containerId: failId })).status;
    expect(created.state).toBe('CONTAINER_CREATED');
    expect(created.logPath).toBe(join(logDir, config.metadata.name, 'fail/0.log'));
    expect(existsSync(created.logPath)).toBe(true);
    await runtime.startContainer({ containerId: failId });
    const okId = await startApp(podSandboxId, config, appConfig('ok', ['sh', '-c', 'exit 0']));

    const failed = await waitState(failId, 'CONTAINER_EXITED');
    expect(failed.exitCode).toBe(3);
    expect(failed.reason).toBe('Error');
    expect(failed.startedAt).toBeGreaterThan(0);
    expect(failed.finishedAt).toBeGreaterThanOrEqual(failed.startedAt);
    expect(failed.metadata).toEqual(failing.metadata);
    expect(failed.labels).toEqual(failing.labels);
    expect(failed.annotations).toEqual(failing.annotations);
    expect(failed.image.image).toBe(BUSYBOX);
    expect(failed.imageRef).toMatch(/^sha256:/);
    const ok = await waitState(okId, 'CONTAINER_EXITED');
    expect(ok.exitCode).toBe(0);
    expect(ok.reason).toBe('Completed');

    await runtime.logsFlushed(failId);
    const lines = (await readFile(failed.logPath, 'utf8')).split('\n').filter(Boolean).map(parseCriLogLine);
    expect(lines.map((l) => l && [l.stream, l.tag, l.content]).sort()).toEqual([
      ['stderr', 'F', 'err'],
      ['stdout', 'F', 'out'],
    ]);
  });

  it('grows the log file while the container runs', async () => {
    const { podSandboxId, config } = await startPod();
    const id = await startApp(podSandboxId, config, appConfig('ticker', ['sh', '-c', 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.1; done']));
    const { logPath } = (await runtime.containerStatus({ containerId: id })).status;
    const first = await waitFor(
      () => stat(logPath).then((s) => s.size),
      (n) => n > 0,
      'first log line',
    );
    await waitFor(
      () => stat(logPath).then((s) => s.size),
      (n) => n > first,
      'the log to grow',
    );
    expect((await runtime.containerStatus({ containerId: id })).status.state).toBe('CONTAINER_RUNNING');
    const line = parseCriLogLine((await readFile(logPath, 'utf8')).split('\n')[0] ?? '');
    expect(line).toMatchObject({ stream: 'stdout', tag: 'F', content: 'tick 0' });
  });

  it('lists containers by sandbox, state, id and labels', async () => {
    const a = await startPod();
    const b = await startPod();
    const running = await startApp(a.podSandboxId, a.config, appConfig('run', ['sleep', '3600']));
    const { containerId: created } = await runtime.createContainer({
      podSandboxId: a.podSandboxId,
      config: appConfig('later', ['sleep', '1']),
      sandboxConfig: a.config,
    });
    const other = await startApp(b.podSandboxId, b.config, appConfig('run', ['sleep', '3600']));
    const ids = async (filter: Parameters<DockerRuntime['listContainers']>[0]['filter']) =>
      (await runtime.listContainers({ filter })).containers.map((c) => c.id).sort();
    expect(await ids(undefined)).toEqual([running, created, other].sort());
    expect(await ids({ podSandboxId: a.podSandboxId })).toEqual([running, created].sort());
    expect(await ids({ state: { state: 'CONTAINER_CREATED' } })).toEqual([created]);
    expect(await ids({ labelSelector: { container: 'run' } })).toEqual([running, other].sort());
    expect(await ids({ id: other })).toEqual([other]);
    const listed = (await runtime.listContainers({ filter: { id: running } })).containers[0];
    expect(listed).toMatchObject({ podSandboxId: a.podSandboxId, metadata: { name: 'run', attempt: 0 }, state: 'CONTAINER_RUNNING' });
  });

  it('stops with a timeout and removes idempotently', async () => {
    const { podSandboxId, config } = await startPod();
    const id = await startApp(podSandboxId, config, appConfig('sleeper', ['sleep', '3600']));
    await runtime.stopContainer({ containerId: id, timeout: 1 });
    const s = (await runtime.containerStatus({ containerId: id })).status;
    expect(s.state).toBe('CONTAINER_EXITED');
    expect(s.exitCode).toBe(137);
    await runtime.stopContainer({ containerId: id, timeout: 1 });
    await runtime.removeContainer({ containerId: id });
    await runtime.removeContainer({ containerId: id });
    await expect(runtime.containerStatus({ containerId: id })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('applies resources and mounts', async () => {
    const { podSandboxId, config } = await startPod();
    const hostDir = await mkdtemp(join(logDir, 'vol-'));
    const id = await startApp(
      podSandboxId,
      config,
      appConfig('res', ['sh', '-c', 'echo written > /data/file; sleep 3600'], {
        mounts: [{ hostPath: hostDir, containerPath: '/data' }],
        envs: [{ key: 'GREETING', value: 'hello' }],
        workingDir: '/tmp',
        linux: { resources: { memoryLimitInBytes: 64 * 1024 * 1024, cpuQuota: 50_000, cpuPeriod: 100_000, cpuShares: 256 } },
      }),
    );
    const hc = (await docker.getContainer(id).inspect()).HostConfig;
    expect(hc).toMatchObject({ Memory: 64 * 1024 * 1024, CpuQuota: 50_000, CpuPeriod: 100_000, CpuShares: 256 });
    const status = (await runtime.containerStatus({ containerId: id })).status;
    expect(status.resources?.linux?.memoryLimitInBytes).toBe(64 * 1024 * 1024);
    expect(status.mounts).toEqual([expect.objectContaining({ hostPath: hostDir, containerPath: '/data', readonly: false })]);
    await waitFor(
      () => readFile(join(hostDir, 'file'), 'utf8').catch(() => ''),
      (t) => t === 'written\n',
      'file via mount',
    );
    const env = await runtime.execSync({ containerId: id, cmd: ['sh', '-c', 'echo $GREETING $(pwd)'] });
    expect(env.stdout.toString()).toBe('hello /tmp\n');
  });
});

describe('DockerRuntime: exec and stats', () => {
  it('captures stdout, stderr and the exit code; enforces the timeout', async () => {
    const { podSandboxId, config } = await startPod();
    const id = await startApp(podSandboxId, config, appConfig('box', ['sleep', '3600']));
    const r = await runtime.execSync({ containerId: id, cmd: ['sh', '-c', 'echo hi; echo there >&2; exit 7'] });
    expect(r.stdout.toString()).toBe('hi\n');
    expect(r.stderr.toString()).toBe('there\n');
    expect(r.exitCode).toBe(7);
    await expect(runtime.execSync({ containerId: id, cmd: ['sleep', '30'], timeout: 1 })).rejects.toBeInstanceOf(DeadlineExceededError);
    await runtime.stopContainer({ containerId: id, timeout: 0 });
    await expect(runtime.execSync({ containerId: id, cmd: ['true'] })).rejects.toBeInstanceOf(FailedPreconditionError);
    await expect(runtime.execSync({ containerId: 'no-such-container', cmd: ['true'] })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('reports CPU time, nano cores from two samples, and the memory working set', async () => {
    const { podSandboxId, config } = await startPod();
    const id = await startApp(podSandboxId, config, appConfig('busy', ['sh', '-c', 'while true; do i=0; done']));
    const first = (await runtime.containerStats({ containerId: id })).stats;
    expect(first.attributes).toMatchObject({ id, metadata: { name: 'busy', attempt: 0 }, labels: { container: 'busy' } });
    expect(first.cpu?.usageCoreNanoSeconds?.value).toBeGreaterThanOrEqual(0);
    expect(first.memory?.workingSetBytes?.value).toBeGreaterThan(0);
    const second = await waitFor(
      async () => (await runtime.containerStats({ containerId: id })).stats,
      (s) => (s.cpu?.usageNanoCores?.value ?? 0) > 0,
      'a CPU rate',
    );
    expect(second.cpu?.usageCoreNanoSeconds?.value).toBeGreaterThan(first.cpu?.usageCoreNanoSeconds?.value ?? 0);
    const listed = await runtime.listContainerStats({ filter: { podSandboxId } });
    expect(listed.stats.map((s) => s.attributes.id)).toEqual([id]);
    await expect(runtime.containerStats({ containerId: 'no-such-container' })).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('DockerRuntime: images', () => {
  it('lists and inspects local images; PullImage of a present image is a no-op', async () => {
    const status = await runtime.imageStatus({ image: { image: BUSYBOX } });
    expect(status.image?.id).toMatch(/^sha256:/);
    expect(status.image?.repoTags).toContain(BUSYBOX);
    const pulled = await runtime.pullImage({ image: { image: BUSYBOX } });
    expect(pulled.imageRef).toBe(status.image?.id);
    const list = await runtime.listImages({});
    expect(list.images.some((i) => i.repoTags.includes(BUSYBOX))).toBe(true);
    const filtered = await runtime.listImages({ filter: { image: { image: BUSYBOX } } });
    expect(filtered.images.map((i) => i.id)).toEqual([status.image?.id]);
    await runtime.removeImage({ image: { image: 'mk8s/absent:never' } });
  });

  it('fails clearly for a missing image without hanging', async () => {
    // A registry on a closed loopback port: the pull is refused at once and nothing leaves the machine.
    const missing = '127.0.0.1:1/mk8s/absent:never';
    expect((await runtime.imageStatus({ image: { image: missing } })).image ?? null).toBeNull();
    await expect(runtime.pullImage({ image: { image: missing } })).rejects.toThrow(`image ${missing} not present and cannot be pulled`);
    const { podSandboxId, config } = await startPod();
    await expect(
      runtime.createContainer({ podSandboxId, config: appConfig('x', ['true'], { image: { image: missing } }), sandboxConfig: config }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('DockerRuntime: events, adoption, cleanup', () => {
  it('emits start and die with the exit code for a container that exits', async () => {
    const controller = new AbortController();
    const seen: RuntimeEvent[] = [];
    const since = Date.now() * 1e6;
    const { podSandboxId, config } = await startPod();
    const id = await startApp(podSandboxId, config, appConfig('quitter', ['sh', '-c', 'exit 5']));
    const collect = (async () => {
      for await (const e of runtime.events({ signal: controller.signal, sinceNs: since })) {
        seen.push(e);
        if (e.type === 'die' && e.containerId === id) break;
      }
    })();
    await collect;
    controller.abort();
    const die = seen.find((e) => e.type === 'die' && e.containerId === id);
    expect(die).toMatchObject({ kind: 'container', podSandboxId, exitCode: 5, containerName: 'quitter', podUid: config.metadata.uid });
    expect(seen.some((e) => e.type === 'start' && e.containerId === podSandboxId && e.kind === 'podsandbox')).toBe(true);
  });

  it('adopts sandboxes and containers after a restart and resumes their logs without duplicates', async () => {
    const { podSandboxId, config } = await startPod();
    const id = await startApp(podSandboxId, config, appConfig('ticker', ['sh', '-c', 'i=0; while true; do echo $i; i=$((i+1)); sleep 0.05; done']));
    const { logPath } = (await runtime.containerStatus({ containerId: id })).status;
    await waitFor(
      () => readFile(logPath, 'utf8'),
      (t) => t.split('\n').length > 3,
      'some log lines',
    );
    await runtime.close();

    const fresh = new DockerRuntime({ docker, scopeLabels: scope });
    extraRuntimes.push(fresh);
    const sandboxes = await fresh.listPodSandbox({});
    expect(sandboxes.items.map((s) => [s.id, s.metadata, s.state])).toEqual([[podSandboxId, config.metadata, 'SANDBOX_READY']]);
    const containers = await fresh.listContainers({ filter: { podSandboxId } });
    expect(containers.containers.map((c) => [c.id, c.metadata.name, c.state])).toEqual([[id, 'ticker', 'CONTAINER_RUNNING']]);
    const before = (await readFile(logPath, 'utf8')).split('\n').filter(Boolean).length;
    await waitFor(
      () => readFile(logPath, 'utf8'),
      (t) => t.split('\n').filter(Boolean).length > before + 3,
      'resumed log lines',
    );
    await fresh.stopContainer({ containerId: id, timeout: 0 });
    await fresh.logsFlushed(id);
    const numbers = (await readFile(logPath, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => Number(parseCriLogLine(l)?.content));
    // Each number once, in order (a gap is allowed: lines printed while nobody followed are fetched on resume).
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  it('sees only its scope, and cleanupByLabel removes exactly the labelled containers', async () => {
    const otherRun = randomUUID();
    const other = new DockerRuntime({ docker, scopeLabels: { [TEST_LABEL]: run, 'io.mk8s.test-scope': otherRun } });
    extraRuntimes.push(other);
    try {
      const mine = await startPod();
      const { podSandboxId: theirs } = await other.runPodSandbox({ config: podConfig() });
      // `runtime` (scope: run) sees both, since `other` also carries run; `other` sees only its own.
      expect((await other.listPodSandbox({})).items.map((s) => s.id)).toEqual([theirs]);
      await expect(other.podSandboxStatus({ podSandboxId: mine.podSandboxId })).rejects.toBeInstanceOf(NotFoundError);
      await other.removePodSandbox({ podSandboxId: mine.podSandboxId }); // not its own: untouched
      expect((await runtime.podSandboxStatus({ podSandboxId: mine.podSandboxId })).status.state).toBe('SANDBOX_READY');

      const removed = await cleanupByLabel(docker, `io.mk8s.test-scope=${otherRun}`);
      expect(removed).toEqual([theirs]);
      expect((await runtime.listPodSandbox({})).items.map((s) => s.id)).toEqual([mine.podSandboxId]);
    } finally {
      await cleanupByLabel(docker, `io.mk8s.test-scope=${otherRun}`);
    }
  });
});
