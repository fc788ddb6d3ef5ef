/**
 * Events about objects, as components record them (client-go's
 * `tools/record`): core/v1 Events in the object's namespace (`default` for
 * cluster-scoped objects), `involvedObject` the object with an optional
 * `fieldPath`, source `{component, host}`. Recording never blocks or fails the
 * caller: writes are fire-and-forget with errors logged. The same event
 * (object, reason, message) repeated within `dedupeMs` is recorded once, which
 * keeps a loop that fails on every sync from writing an Event each time.
 */
import { randomBytes } from 'node:crypto';
import { errorMessage, metaTime, type Event } from '@mk8s/api';
import { realClock, type Clock } from '../clock.js';
import type { Clientset } from '../rest/clientset.js';

export type EventType = 'Normal' | 'Warning';

/** What an Event can be about: any object with metadata; `kind`/`apiVersion` default to the recorder's. */
export interface InvolvedObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

export interface EventRecorder {
  /** `fieldPath` is e.g. `spec.containers{web}`. */
  event(obj: InvolvedObject, type: EventType, reason: string, message: string, fieldPath?: string): void;
}

export const noopRecorder: EventRecorder = { event() {} };

export interface ApiEventRecorderOptions {
  client: Clientset;
  /** `source.component` and `reportingComponent`, e.g. `kubelet`, `replicaset-controller`. */
  component: string;
  /** `source.host` and `reportingInstance` (the node name for a kubelet). */
  host?: string;
  /** Used when the object carries no `kind`/`apiVersion` (list items often do not). */
  defaultKind?: string;
  defaultApiVersion?: string;
  clock?: Clock;
  dedupeMs?: number;
  log?: { warn(fields: object, msg?: string): void };
}

export class ApiEventRecorder implements EventRecorder {
  private readonly clock: Clock;
  private readonly recent = new Map<string, number>();

  constructor(private readonly opts: ApiEventRecorderOptions) {
    this.clock = opts.clock ?? realClock;
  }

  event(obj: InvolvedObject, type: EventType, reason: string, message: string, fieldPath?: string): void {
    const md = obj.metadata ?? {};
    const now = this.clock.now();
    const key = `${md.uid ?? md.name ?? ''}\u0000${reason}\u0000${message}`;
    const last = this.recent.get(key);
    if (last !== undefined && now - last < (this.opts.dedupeMs ?? 60_000)) return;
    this.recent.set(key, now);
    if (this.recent.size > 10_000) this.recent.clear();
    const namespace = md.namespace ?? 'default';
    const host = this.opts.host;
    const ev: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${md.name ?? 'object'}.${randomBytes(8).toString('hex')}`, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion ?? this.opts.defaultApiVersion ?? 'v1',
        kind: obj.kind ?? this.opts.defaultKind ?? 'Pod',
        name: md.name ?? '',
        // '' is as good as absent on the wire, and left out.
        namespace: md.namespace || undefined,
        uid: md.uid ?? '',
        resourceVersion: md.resourceVersion || undefined,
        fieldPath: fieldPath || undefined,
      },
      reason,
      message,
      type,
      source: { component: this.opts.component, host: host || undefined },
      reportingComponent: this.opts.component,
      reportingInstance: host ?? this.opts.component,
      firstTimestamp: metaTime(now),
      lastTimestamp: metaTime(now),
      count: 1,
    } as Event;
    this.opts.client.events
      .inNamespace(namespace)
      .create(ev)
      .catch((err: unknown) => this.opts.log?.warn({ err: errorMessage(err), reason, object: `${namespace}/${md.name ?? ''}` }, 'recording an event failed'));
  }
}
