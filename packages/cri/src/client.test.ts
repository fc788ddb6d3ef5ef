import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CriClient, type CriClientOptions } from './client.js';
import { AlreadyExistsError, DeadlineExceededError, UnavailableError } from './errors.js';
import { IMAGE_SERVICE_RPCS, RUNTIME_SERVICE_RPCS, methodName, type CriRuntime } from './runtime.js';
import { serveCri } from './server.js';
import type { ContainerStatus, CreateContainerRequest } from './types.js';

function stubRuntime(overrides: Partial<CriRuntime>): CriRuntime {
  const base = Object.fromEntries(
    [...RUNTIME_SERVICE_RPCS, ...IMAGE_SERVICE_RPCS].map((rpc) => [methodName(rpc), () => Promise.reject(new Error(`unexpected call ${rpc}`))]),
  );
  return { ...base, ...overrides } as CriRuntime;
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('CriClient', () => {
  let dir: string;
  let socket: string;
  const closers: Array<() => unknown> = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mk8s-cri-cli-'));
    socket = join(dir, 'cri.sock');
  });

  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await rm(dir, { recursive: true, force: true });
  });

  const serve = async (runtime: CriRuntime): Promise<void> => {
    const server = await serveCri(runtime, socket, { shutdownGraceMs: 100 });
    closers.push(() => server.close());
  };
  const connect = (options?: CriClientOptions): CriClient => {
    const client = new CriClient(socket, options);
    closers.push(() => client.close());
    return client;
  };

  it('carries nested messages, maps, enums and bytes both ways', async () => {
    let seen: CreateContainerRequest | undefined;
    const status: ContainerStatus = {
      id: 'c1',
      metadata: { name: 'app', attempt: 2 },
      state: 'CONTAINER_EXITED',
      createdAt: 1_000_000,
      startedAt: 2_000_000,
      finishedAt: 3_000_000,
      exitCode: 42,
      image: { image: 'busybox:latest' },
      imageRef: 'sha256:abc',
      reason: 'Error',
      message: 'it broke',
      labels: { tier: 'front' },
      annotations: { 'example.com/x': 'y' },
      mounts: [{ containerPath: '/data', hostPath: '/tmp/data', readonly: true, propagation: 'PROPAGATION_PRIVATE' }],
      logPath: '/var/log/pods/x/app/2.log',
      resources: { linux: { cpuQuota: 50_000, cpuPeriod: 100_000, memoryLimitInBytes: 64 * 1024 * 1024 } },
    };
    await serve(
      stubRuntime({
        createContainer: async (req) => {
          seen = req;
          return { containerId: 'c1' };
        },
        containerStatus: async () => ({ status }),
        execSync: async (req) => ({ stdout: Buffer.from(req.cmd.join(' ')), stderr: Buffer.from([0xff, 0x00]), exitCode: 7 }),
      }),
    );
    const client = connect();
    const req: CreateContainerRequest = {
      podSandboxId: 's1',
      config: {
        metadata: { name: 'app', attempt: 2 },
        image: { image: 'busybox:latest' },
        command: ['sh', '-c'],
        args: ['echo hi'],
        envs: [{ key: 'A', value: '1' }],
        labels: { tier: 'front' },
        linux: { resources: { cpuShares: 512 } },
      },
    };
    expect(await client.createContainer(req)).toEqual({ containerId: 'c1' });
    expect(seen?.config).toMatchObject(req.config);
    expect(seen?.sandboxConfig).toBeNull(); // absent message: null on the server side

    const got = (await client.containerStatus({ containerId: 'c1' })).status;
    expect(got).toMatchObject({ ...status, resources: { linux: { cpuQuota: 50_000, cpuPeriod: 100_000 } } });
    expect(got.mounts?.[0]).toMatchObject({ readonly: true, selinuxRelabel: false });

    const exec = await client.execSync({ containerId: 'c1', cmd: ['echo', 'hi'] });
    expect(exec.stdout.toString()).toBe('echo hi');
    expect([...exec.stderr]).toEqual([0xff, 0x00]);
    expect(exec.exitCode).toBe(7);
  });

  it('turns gRPC codes back into typed errors', async () => {
    await serve(
      stubRuntime({
        runPodSandbox: async () => {
          throw new AlreadyExistsError('sandbox exists');
        },
      }),
    );
    const err = await connect()
      .runPodSandbox({ config: { metadata: { name: 'p', uid: 'u', namespace: 'n' } } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AlreadyExistsError);
    expect((err as Error).message).toBe('sandbox exists');
  });

  it('fails with UnavailableError when nothing listens on the socket', async () => {
    await expect(connect().version({})).rejects.toBeInstanceOf(UnavailableError);
  });

  it('fails with DeadlineExceededError when the runtime does not answer in time', async () => {
    let release: () => void = () => {};
    await serve(
      stubRuntime({
        listImages: () =>
          new Promise((ok) => {
            release = () => ok({ images: [] });
          }),
      }),
    );
    closers.push(() => release());
    await expect(connect({ timeoutMs: 100 }).listImages({})).rejects.toBeInstanceOf(DeadlineExceededError);
  });

  it('gives PullImage its own deadline and StopContainer/ExecSync their timeouts on top', async () => {
    const slow = async <T>(value: T): Promise<T> => {
      await delay(400);
      return value;
    };
    await serve(
      stubRuntime({
        pullImage: () => slow({ imageRef: 'sha256:1' }),
        stopContainer: () => slow({}),
        execSync: () => slow({ stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), exitCode: 0 }),
        listImages: () => slow({ images: [] }),
      }),
    );
    const client = connect({ timeoutMs: 50, pullTimeoutMs: 10_000 });
    expect(await client.pullImage({ image: { image: 'x' } })).toEqual({ imageRef: 'sha256:1' });
    expect(await client.stopContainer({ containerId: 'c', timeout: 10 })).toEqual({});
    expect((await client.execSync({ containerId: 'c', cmd: ['true'], timeout: 10 })).exitCode).toBe(0);
    await expect(client.listImages({}, { timeoutMs: 50 })).rejects.toBeInstanceOf(DeadlineExceededError);
    expect(await client.listImages({}, { timeoutMs: 10_000 })).toEqual({ images: [] });
  });

  it('rejects calls after close()', async () => {
    await serve(stubRuntime({}));
    const client = connect();
    client.close();
    client.close();
    await expect(client.version({})).rejects.toBeInstanceOf(UnavailableError);
  });
});
