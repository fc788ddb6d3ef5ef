/**
 * Container lifecycle events from Docker's event stream, for the kubelet's
 * PLEG to react at once instead of at its next relist; served over CRI as
 * GetContainerEvents (`toContainerEvent`).
 *
 * Contract: the iterable yields events of containers carrying `io.mk8s.type`
 * and all the runtime's scope labels, in Docker's order. It ends when the
 * signal aborts, when the consumer stops iterating, or when the Docker
 * daemon closes the stream (a consumer then relists and subscribes again).
 */
import type Dockerode from 'dockerode';
import type { ContainerEventResponse, ContainerEventType, Labels } from '@mk8s/cri';
import { LABEL_CONTAINER_NAME, LABEL_POD_UID, LABEL_SANDBOX_ID, LABEL_TYPE, TYPE_SANDBOX, labelFilters } from './labels.js';
import type { ObjectType } from './labels.js';

export type RuntimeEventType = 'create' | 'start' | 'die' | 'oom' | 'destroy';
const EVENT_TYPES: readonly RuntimeEventType[] = ['create', 'start', 'die', 'oom', 'destroy'];

export interface RuntimeEvent {
  type: RuntimeEventType;
  containerId: string;
  /** `podsandbox` for a pod's pause container, `container` for an app container. */
  kind: ObjectType;
  /** The pod sandbox: the container's own id for a sandbox. */
  podSandboxId: string;
  podUid: string;
  /** Empty for sandboxes. */
  containerName: string;
  /** On `die`: the exit code; otherwise null. */
  exitCode: number | null;
  /** When Docker recorded the event, ns since the epoch. */
  timestamp: number;
}

export interface EventsOptions {
  signal?: AbortSignal;
  /** Replay events since this time (ns since the epoch), e.g. to close the gap of a relist. */
  sinceNs?: number;
}

interface DockerEventMessage {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  timeNano?: number;
  time?: number;
}

export function toRuntimeEvent(msg: DockerEventMessage): RuntimeEvent | undefined {
  if (msg.Type !== 'container' || !msg.Actor?.ID) return undefined;
  const action = msg.Action as RuntimeEventType | undefined;
  if (!action || !EVENT_TYPES.includes(action)) return undefined;
  const attrs = msg.Actor.Attributes ?? {};
  const kind: ObjectType = attrs[LABEL_TYPE] === TYPE_SANDBOX ? 'podsandbox' : 'container';
  const exit = Number(attrs['exitCode']);
  return {
    type: action,
    containerId: msg.Actor.ID,
    kind,
    podSandboxId: kind === 'podsandbox' ? msg.Actor.ID : (attrs[LABEL_SANDBOX_ID] ?? ''),
    podUid: attrs[LABEL_POD_UID] ?? '',
    containerName: attrs[LABEL_CONTAINER_NAME] ?? '',
    exitCode: action === 'die' && Number.isFinite(exit) ? exit : null,
    timestamp: msg.timeNano ?? (msg.time ?? 0) * 1e9,
  };
}

export async function* dockerEvents(docker: Dockerode, scopeLabels: Labels, options: EventsOptions = {}): AsyncGenerator<RuntimeEvent> {
  const { signal } = options;
  if (signal?.aborted) return;
  const stream = (await docker.getEvents({
    // Kept: dockerode writes every key into the query string (an undefined one as `since=`); 0 is "no time" here, as in rfc3339ToNs.
    ...(options.sinceNs ? { since: Math.floor(options.sinceNs / 1e9) } : {}),
    filters: {
      type: ['container'],
      event: [...EVENT_TYPES],
      label: [LABEL_TYPE, ...labelFilters(scopeLabels)],
    },
  } as Dockerode.GetEventsOptions)) as NodeJS.ReadableStream & { destroy?: () => void };
  const onAbort = () => stream.destroy?.();
  signal?.addEventListener('abort', onAbort, { once: true });
  let pending = '';
  try {
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      pending += chunk.toString();
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (!line) continue;
        let msg: DockerEventMessage;
        try {
          msg = JSON.parse(line) as DockerEventMessage;
        } catch {
          continue;
        }
        const event = toRuntimeEvent(msg);
        if (event) yield event;
      }
    }
  } catch (err) {
    if (!signal?.aborted) throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    stream.destroy?.();
  }
}

const CRI_EVENT_TYPES: Partial<Record<RuntimeEventType, ContainerEventType>> = {
  create: 'CONTAINER_CREATED_EVENT',
  start: 'CONTAINER_STARTED_EVENT',
  die: 'CONTAINER_STOPPED_EVENT',
  destroy: 'CONTAINER_DELETED_EVENT',
};

/**
 * The CRI form of a Docker event; undefined for `oom`, which CRI has no type
 * for (the `die` that follows it reports the stop). The sandbox status
 * carries its id and the pod uid, which is all the kubelet's PLEG needs.
 */
export function toContainerEvent(ev: RuntimeEvent): ContainerEventResponse | undefined {
  const type = CRI_EVENT_TYPES[ev.type];
  if (!type) return undefined;
  return {
    containerId: ev.containerId,
    containerEventType: type,
    createdAt: ev.timestamp,
    podSandboxStatus: {
      id: ev.podSandboxId,
      metadata: { name: '', uid: ev.podUid, namespace: '', attempt: 0 },
      state: ev.kind === 'podsandbox' && ev.type === 'die' ? 'SANDBOX_NOTREADY' : 'SANDBOX_READY',
      createdAt: 0,
    } as ContainerEventResponse['podSandboxStatus'],
    containersStatuses: [],
  };
}
