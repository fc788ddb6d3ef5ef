import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CriClient } from './client.js';
import { InternalError, NotFoundError, UnimplementedError } from './errors.js';
import { IMAGE_SERVICE_RPCS, RUNTIME_SERVICE_RPCS, methodName, type CriRuntime } from './runtime.js';
import { serveCri, type CriServer } from './server.js';

/** A runtime whose every method fails loudly unless the test provides it. */
function stubRuntime(overrides: Partial<CriRuntime>): CriRuntime {
  const base = Object.fromEntries(
    [...RUNTIME_SERVICE_RPCS, ...IMAGE_SERVICE_RPCS].map((rpc) => [methodName(rpc), () => Promise.reject(new Error(`unexpected call ${rpc}`))]),
  );
  return { ...base, ...overrides } as CriRuntime;
}

describe('serveCri', () => {
  let dir: string;
  let socket: string;
  const closers: Array<() => unknown> = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mk8s-cri-srv-'));
    socket = join(dir, 'cri.sock');
  });

  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await rm(dir, { recursive: true, force: true });
  });

  const serve = async (runtime: CriRuntime, path = socket): Promise<CriServer> => {
    const server = await serveCri(runtime, path, { shutdownGraceMs: 100 });
    closers.push(() => server.close());
    return server;
  };
  const connect = (path = socket): CriClient => {
    const client = new CriClient(path, { timeoutMs: 5_000 });
    closers.push(() => client.close());
    return client;
  };

  it('serves on a socket only its owner may connect to', async () => {
    await serve(stubRuntime({}));
    expect((await stat(socket)).mode & 0o777).toBe(0o600);
  });

  it('answers calls with what the runtime returns', async () => {
    await serve(
      stubRuntime({
        version: async (req) => ({ version: req.version ?? '', runtimeName: 'stub', runtimeVersion: '1.2.3', runtimeApiVersion: 'v1' }),
      }),
    );
    expect(await connect().version({ version: '0.1.0' })).toEqual({
      version: '0.1.0',
      runtimeName: 'stub',
      runtimeVersion: '1.2.3',
      runtimeApiVersion: 'v1',
    });
  });

  it('sends typed errors with their code and anything else as INTERNAL with its message', async () => {
    await serve(
      stubRuntime({
        containerStatus: async ({ containerId }) => {
          throw new NotFoundError(`container ${containerId} not found`);
        },
        startContainer: async () => {
          throw new TypeError('cannot read properties of undefined');
        },
        stopContainer: () => {
          throw new Error('thrown synchronously');
        },
      }),
    );
    const client = connect();
    const notFound = await client.containerStatus({ containerId: 'abc' }).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(NotFoundError);
    expect((notFound as Error).message).toBe('container abc not found');

    const internal = await client.startContainer({ containerId: 'abc' }).catch((e: unknown) => e);
    expect(internal).toBeInstanceOf(InternalError);
    expect((internal as Error).message).toBe('cannot read properties of undefined');

    await expect(client.stopContainer({ containerId: 'abc' })).rejects.toThrow(InternalError);
  });

  it('answers UNIMPLEMENTED for an optional method the runtime lacks', async () => {
    const runtime = stubRuntime({});
    delete runtime.imageFsInfo;
    await serve(runtime);
    await expect(connect().imageFsInfo({})).rejects.toBeInstanceOf(UnimplementedError);
  });

  it('replaces a stale socket file left by a crashed server', async () => {
    // A process that listens and is then SIGKILLed leaves its socket file behind.
    const child = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(socket)})`], {
      stdio: 'ignore',
    });
    const exited = new Promise((ok) => child.once('exit', ok));
    closers.push(async () => {
      child.kill('SIGKILL');
      await exited;
    });
    for (let i = 0; !(await stat(socket).catch(() => undefined)); i++) {
      if (i > 400) throw new Error('child never listened');
      await new Promise((r) => setTimeout(r, 25));
    }
    child.kill('SIGKILL');
    await exited;
    expect((await stat(socket)).isSocket()).toBe(true);

    await serve(stubRuntime({ status: async () => ({ status: { conditions: [] } }) }));
    expect(await connect().status({})).toMatchObject({ status: { conditions: [] } });
  });

  it('refuses a socket a live server still answers on', async () => {
    const live: NetServer = createServer();
    await new Promise<void>((ok) => live.listen(socket, ok));
    closers.push(() => new Promise<void>((ok) => live.close(() => ok())));
    await expect(serveCri(stubRuntime({}), socket)).rejects.toThrow(/in use/);
  });

  it('refuses to replace a file that is not a socket', async () => {
    await writeFile(socket, 'precious');
    await expect(serveCri(stubRuntime({}), socket)).rejects.toThrow(/not a socket/);
  });

  it('creates the socket directory and removes the socket on close, once', async () => {
    const nested = join(dir, 'run', 'mk8s', 'cri.sock');
    const server = await serve(stubRuntime({}), nested);
    expect((await stat(nested)).isSocket()).toBe(true);
    await server.close();
    await server.close();
    await expect(stat(nested)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
