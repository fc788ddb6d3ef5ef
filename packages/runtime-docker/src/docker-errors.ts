/**
 * Recognising Docker Engine API errors as dockerode surfaces them (an Error
 * with the HTTP `statusCode`), and connecting with a clear failure message.
 */
import Dockerode from 'dockerode';

function statusCode(err: unknown): number | undefined {
  if (err && typeof err === 'object' && 'statusCode' in err) {
    const code = (err as { statusCode: unknown }).statusCode;
    return typeof code === 'number' ? code : undefined;
  }
  return undefined;
}

/** 404: no such container, image or exec. */
export const isNotFound = (err: unknown): boolean => statusCode(err) === 404;
/** 304: the container was already started/stopped. */
export const isNotModified = (err: unknown): boolean => statusCode(err) === 304;
/** 409: name in use, removal already in progress, image in use. */
export const isConflict = (err: unknown): boolean => statusCode(err) === 409;

export function errorMessage(err: unknown): string {
  if (err && typeof err === 'object') {
    const json = (err as { json?: unknown }).json;
    if (json && typeof json === 'object' && 'message' in json && typeof json.message === 'string') return json.message;
    if (err instanceof Error) return err.message;
  }
  return String(err);
}

export interface DockerConnectOptions {
  /** Unix socket of the Docker daemon; default /var/run/docker.sock (or DOCKER_HOST if set). */
  socketPath?: string;
}

/**
 * A dockerode client that has answered a ping. Fails with a message naming
 * the socket when Docker is not reachable, instead of a bare ECONNREFUSED later.
 */
export async function connectDocker(options: DockerConnectOptions = {}): Promise<Dockerode> {
  const docker = options.socketPath ? new Dockerode({ socketPath: options.socketPath }) : new Dockerode();
  const where = options.socketPath ?? process.env['DOCKER_HOST'] ?? '/var/run/docker.sock';
  try {
    await docker.ping();
  } catch (err) {
    throw new Error(`Docker is not reachable at ${where}: ${errorMessage(err)} (is dockerd running?)`);
  }
  return docker;
}
