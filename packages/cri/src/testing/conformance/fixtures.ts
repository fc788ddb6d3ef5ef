import { randomUUID } from 'node:crypto';
import type { CriRuntime } from '../../runtime.js';
import type { ContainerConfig, ContainerState, ContainerStatus, Labels, PodSandboxConfig } from '../../types.js';

/** Namespace of every sandbox the suite creates, so leftovers are easy to spot. */
export const CONFORMANCE_NAMESPACE = 'mk8s-conformance';
export const RUN_LABEL = 'mk8s.io/conformance-run';

export function sandboxConfig(run: string, logDirectory: string, extra: { labels?: Labels; annotations?: Labels } = {}): PodSandboxConfig {
  const uid = randomUUID();
  const name = `conf-${uid.slice(0, 8)}`;
  return {
    metadata: { name, uid, namespace: CONFORMANCE_NAMESPACE, attempt: 0 },
    hostname: name,
    logDirectory,
    labels: { [RUN_LABEL]: run, ...extra.labels },
    annotations: { ...extra.annotations },
  };
}

export interface ContainerSpec {
  name: string;
  attempt?: number;
  /** argv of the process: command only (entrypoint), no args. */
  argv: string[];
  labels?: Labels;
  annotations?: Labels;
}

export function containerConfig(run: string, image: string, spec: ContainerSpec): ContainerConfig {
  const attempt = spec.attempt ?? 0;
  return {
    metadata: { name: spec.name, attempt },
    image: { image },
    command: spec.argv,
    logPath: `${spec.name}/${attempt}.log`,
    labels: { [RUN_LABEL]: run, ...spec.labels },
    annotations: { ...spec.annotations },
  };
}

export const SLEEP_FOREVER = ['sleep', '3600'];

/** Polls `read` until `done` holds; the last value is in the error when it never does. */
export async function waitFor<T>(read: () => Promise<T>, done: (v: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: T;
  for (;;) {
    last = await read();
    if (done(last)) return last;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function waitForContainerState(runtime: CriRuntime, containerId: string, state: ContainerState): Promise<ContainerStatus> {
  return waitFor(
    async () => (await runtime.containerStatus({ containerId })).status,
    (s) => s.state === state,
    `container ${containerId} to be ${state}`,
  );
}
