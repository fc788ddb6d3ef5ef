import { connect } from 'node:net';
import { chmod, lstat, mkdir, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  Server,
  ServerCredentials,
  status,
  type ServerErrorResponse,
  type ServiceDefinition,
  type UntypedServiceImplementation,
  type handleServerStreamingCall,
  type handleUnaryCall,
} from '@grpc/grpc-js';
import type { ContainerEventResponse, GetEventsRequest } from './types.js';
import { CriError, grpcCodeOf } from './errors.js';
import { loadCriServices } from './proto.js';
import { IMAGE_SERVICE_RPCS, RUNTIME_SERVICE_RPCS, methodName, type CriRpc, type CriRuntime } from './runtime.js';

export interface CriServer {
  /** The absolute socket path the server listens on. */
  readonly socketPath: string;
  /** Stops accepting calls, ends open ones, and removes the socket file. Idempotent. */
  close(): Promise<void>;
}

export interface ServeCriOptions {
  /** How long close() lets in-flight calls finish before cutting them (default 2 s). */
  shutdownGraceMs?: number;
}

/** ExecSync output may be up to 16 MiB per stream (CRI caps it there). */
export const CRI_MAX_MESSAGE_BYTES = 40 * 1024 * 1024;

/**
 * Serves `runtime` as runtime.v1.RuntimeService and runtime.v1.ImageService on
 * a unix socket.
 *
 * - A stale socket file (nobody listening) is removed first; a socket with a
 *   live server behind it is refused (another runtime owns it).
 * - A CriError thrown by the runtime travels with its own code; any other
 *   error as INTERNAL with its message. A method the runtime lacks answers
 *   UNIMPLEMENTED.
 */
export async function serveCri(runtime: CriRuntime, socketPath: string, options: ServeCriOptions = {}): Promise<CriServer> {
  const path = resolve(socketPath);
  const { RuntimeService, ImageService } = loadCriServices();

  // Whoever can connect to the socket runs containers as root: the owner only.
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await removeStaleSocket(path);

  const server = new Server({
    'grpc.max_receive_message_length': CRI_MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': CRI_MAX_MESSAGE_BYTES,
  });
  const streams = new Set<AbortController>();
  server.addService(RuntimeService.service, {
    ...implementation(runtime, RuntimeService.service, RUNTIME_SERVICE_RPCS),
    GetContainerEvents: containerEvents(runtime, streams),
  });
  server.addService(ImageService.service, implementation(runtime, ImageService.service, IMAGE_SERVICE_RPCS));

  await new Promise<void>((ok, fail) => {
    server.bindAsync(`unix:${path}`, ServerCredentials.createInsecure(), (err) => (err ? fail(err) : ok()));
  })
    .then(() => chmod(path, 0o600))
    .catch((err: unknown) => {
      server.forceShutdown();
      throw err;
    });

  const grace = options.shutdownGraceMs ?? 2_000;
  let closing: Promise<void> | undefined;
  return {
    socketPath: path,
    close() {
      closing ??= (async () => {
        // Event streams never end by themselves: end them so shutdown need not wait out the grace period.
        for (const s of streams) s.abort();
        await new Promise<void>((done) => {
          const timer = setTimeout(() => server.forceShutdown(), grace);
          server.tryShutdown(() => {
            clearTimeout(timer);
            done();
          });
        });
        await unlink(path).catch(ignoreMissing);
      })();
      return closing;
    },
  };
}

function implementation(runtime: CriRuntime, service: ServiceDefinition, rpcs: readonly CriRpc[]): UntypedServiceImplementation {
  const impl: UntypedServiceImplementation = {};
  for (const rpc of rpcs) {
    if (!(rpc in service)) throw new Error(`proto/api.proto lacks rpc ${rpc}`);
    const name = methodName(rpc);
    const handler: handleUnaryCall<unknown, unknown> = (call, callback) => {
      const fn = runtime[name] as ((req: unknown) => Promise<unknown>) | undefined;
      if (typeof fn !== 'function') {
        callback(serviceError(status.UNIMPLEMENTED, `${rpc} is not implemented by this runtime`));
        return;
      }
      let result: Promise<unknown>;
      try {
        result = Promise.resolve(fn.call(runtime, call.request));
      } catch (err) {
        result = Promise.reject(err);
      }
      result.then(
        (res) => callback(null, res ?? {}),
        (err: unknown) => callback(serviceError(grpcCodeOf(err), messageOf(err))),
      );
    };
    impl[rpc] = handler;
  }
  return impl;
}

/**
 * GetContainerEvents: relays the runtime's event iterable to one client until
 * the client cancels or the server closes. UNIMPLEMENTED when the runtime
 * has no event stream.
 */
function containerEvents(runtime: CriRuntime, streams: Set<AbortController>): handleServerStreamingCall<GetEventsRequest, ContainerEventResponse> {
  return (call) => {
    if (typeof runtime.getContainerEvents !== 'function') {
      call.emit('error', serviceError(status.UNIMPLEMENTED, 'GetContainerEvents is not implemented by this runtime'));
      return;
    }
    const ac = new AbortController();
    streams.add(ac);
    call.on('cancelled', () => ac.abort());
    void (async () => {
      try {
        for await (const ev of runtime.getContainerEvents!(call.request ?? {}, ac.signal)) {
          if (ac.signal.aborted) break;
          call.write(ev);
        }
        call.end();
      } catch (err) {
        if (!ac.signal.aborted) call.emit('error', serviceError(grpcCodeOf(err), messageOf(err)));
        else call.end();
      } finally {
        streams.delete(ac);
      }
    })();
  };
}

function serviceError(code: number, message: string): ServerErrorResponse {
  return Object.assign(new Error(message), { code, details: message });
}

function messageOf(err: unknown): string {
  if (err instanceof CriError) return err.message;
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

/**
 * A socket file outlives a crashed server and then makes bind fail with
 * EADDRINUSE. Remove it only when nothing answers on it.
 */
async function removeStaleSocket(path: string): Promise<void> {
  const st = await lstat(path).catch((err: unknown) => {
    ignoreMissing(err);
    return undefined;
  });
  if (!st) return;
  if (!st.isSocket()) throw new Error(`${path} exists and is not a socket; refusing to replace it`);
  const live = await new Promise<boolean>((done) => {
    const sock = connect(path);
    sock.once('connect', () => {
      sock.destroy();
      done(true);
    });
    sock.once('error', () => done(false));
  });
  if (live) throw new Error(`CRI socket ${path} is in use by a running server`);
  await unlink(path).catch(ignoreMissing);
}

function ignoreMissing(err: unknown): void {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
}
