/**
 * Events about pods, as the kubelet records them (Pulled, Created, Started,
 * Killing, BackOff, Unhealthy, Failed): core/v1 Events in the pod's
 * namespace, `involvedObject` the pod with a `fieldPath` naming the
 * container, source `kubelet` on this node. Recording never blocks or fails
 * the caller: writes are fire-and-forget with errors logged. The same event
 * (pod, reason, message) repeated within `dedupeMs` is recorded once, which
 * keeps a CrashLoopBackOff from writing an Event on every sync.
 */
import { randomBytes } from 'node:crypto';
import type { Event, Pod } from '@mk8s/api';
import { realClock, type Clientset, type Clock } from '@mk8s/client';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  /** `fieldPath` is e.g. `spec.containers{web}`. */
  event(pod: Pod, type: EventType, reason: string, message: string, fieldPath?: string): void;
}

export const noopRecorder: EventRecorder = { event() {} };

export interface ApiEventRecorderOptions {
  client: Clientset;
  nodeName: string;
  clock?: Clock;
  dedupeMs?: number;
  log?: { warn(fields: object, msg?: string): void };
}

/** `spec.containers{name}` or `spec.initContainers{name}`, as Kubernetes writes a container's field path. */
export function containerFieldPath(pod: Pod, containerName: string): string {
  const init = pod.spec?.initContainers?.some((c) => c.name === containerName);
  return `spec.${init ? 'initContainers' : 'containers'}{${containerName}}`;
}

function timestamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export class ApiEventRecorder implements EventRecorder {
  private readonly clock: Clock;
  private readonly recent = new Map<string, number>();

  constructor(private readonly opts: ApiEventRecorderOptions) {
    this.clock = opts.clock ?? realClock;
  }

  event(pod: Pod, type: EventType, reason: string, message: string, fieldPath?: string): void {
    const md = pod.metadata ?? {};
    const now = this.clock.now();
    const key = `${md.uid ?? ''}\u0000${reason}\u0000${message}`;
    const last = this.recent.get(key);
    if (last !== undefined && now - last < (this.opts.dedupeMs ?? 60_000)) return;
    this.recent.set(key, now);
    if (this.recent.size > 10_000) this.recent.clear();
    const namespace = md.namespace ?? 'default';
    const ev: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${md.name ?? 'pod'}.${randomBytes(8).toString('hex')}`, namespace },
      involvedObject: {
        apiVersion: 'v1',
        kind: 'Pod',
        name: md.name ?? '',
        namespace,
        uid: md.uid ?? '',
        ...(md.resourceVersion ? { resourceVersion: md.resourceVersion } : {}),
        ...(fieldPath ? { fieldPath } : {}),
      },
      reason,
      message,
      type,
      source: { component: 'kubelet', host: this.opts.nodeName },
      reportingComponent: 'kubelet',
      reportingInstance: this.opts.nodeName,
      firstTimestamp: timestamp(now),
      lastTimestamp: timestamp(now),
      count: 1,
    } as Event;
    this.opts.client.events
      .inNamespace(namespace)
      .create(ev)
      .catch((err: unknown) => this.opts.log?.warn({ err: (err as Error).message, reason, pod: `${namespace}/${md.name ?? ''}` }, 'recording an event failed'));
  }
}
