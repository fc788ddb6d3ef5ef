/**
 * `Clientset`: one typed client per built-in resource over one shared
 * transport (keep-alive Agent and rate limiter), plus the subresources
 * components use: pods' binding, eviction and log; deployments' and
 * replicasets' scale.
 */
import type { IncomingMessage } from 'node:http';
import {
  resourceFor,
  type ConfigMap,
  type Deployment,
  type Endpoints,
  type Event,
  type HorizontalPodAutoscaler,
  type Lease,
  type Namespace,
  type Node,
  type Pod,
  type ReplicaSet,
  type Scale,
  type Secret,
  type Service,
} from '@mk8s/api';
import type { Clock } from '../clock.js';
import type { Status } from '../errors.js';
import type { KubeObject } from '../types.js';
import { loadKubeconfig, type ClientConfig, type KubeconfigOptions } from './config.js';
import { HttpTransport } from './http.js';
import { rateLimiterFor, type RateLimiter } from './rate-limiter.js';
import { ResourceClient, type DeleteOptions, type ResourceRef } from './resource-client.js';

export interface PodLogOptions {
  /** Required when the pod has more than one container. */
  container?: string;
  /** Keep the stream open and send new lines as they come. */
  follow?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  limitBytes?: number;
  /** Logs of the previous (terminated) instance of the container. */
  previous?: boolean;
  timestamps?: boolean;
  /** Ends the stream (and a follow) when it aborts. */
  signal?: AbortSignal;
}

/** Pods, with the binding, eviction and log subresources. */
export class PodClient extends ResourceClient<Pod> {
  /**
   * Assigns a pod to a node (what the scheduler does): 409 Conflict when it is
   * already assigned or being deleted, or when `uid` no longer matches.
   */
  async bind(namespace: string, name: string, nodeName: string, opts: { uid?: string; signal?: AbortSignal } = {}): Promise<Status> {
    const binding = {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name, namespace, uid: opts.uid || undefined },
      target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
    };
    const path = this.path({ name, scope: namespace, subresource: 'binding' });
    return this.transport.request<Status>({ method: 'POST', path, body: binding, signal: opts.signal });
  }

  /** Deletes a pod through the eviction subresource (honouring the delete options it carries). */
  async evict(namespace: string, name: string, deleteOptions: Omit<DeleteOptions, 'signal'> = {}, opts: { signal?: AbortSignal } = {}): Promise<Status> {
    const { dryRun, ...rest } = deleteOptions;
    const eviction = {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name, namespace },
      deleteOptions: Object.keys(rest).length > 0 || dryRun ? { ...rest, dryRun: dryRun ? ['All'] : undefined } : undefined,
    };
    const path = this.path({ name, scope: namespace, subresource: 'eviction' });
    return this.transport.request<Status>({ method: 'POST', path, body: eviction, signal: opts.signal });
  }

  /**
   * The container's log as a byte stream (the caller reads it, and destroys
   * it or aborts the signal to stop a follow). Fails with ApiError before
   * any data when the server cannot serve it (e.g. 400 without a container
   * name for a multi-container pod, 503 without a kubelet).
   */
  async log(namespace: string, name: string, opts: PodLogOptions = {}): Promise<IncomingMessage> {
    const path = this.path({ name, scope: namespace, subresource: 'log' });
    return this.transport.stream({
      method: 'GET',
      path,
      accept: '*/*',
      query: {
        container: opts.container,
        follow: opts.follow ? 'true' : undefined,
        tailLines: opts.tailLines,
        sinceSeconds: opts.sinceSeconds,
        limitBytes: opts.limitBytes,
        previous: opts.previous ? 'true' : undefined,
        timestamps: opts.timestamps ? 'true' : undefined,
      },
      signal: opts.signal,
    });
  }

  /** The whole log as text (no follow). */
  async logText(namespace: string, name: string, opts: Omit<PodLogOptions, 'follow'> = {}): Promise<string> {
    const res = await this.log(namespace, name, opts);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
}

/** Deployments and ReplicaSets: the `scale` subresource (autoscaling/v1 Scale). */
export class ScalableClient<T extends KubeObject> extends ResourceClient<T> {
  async getScale(namespace: string, name: string, opts: { signal?: AbortSignal } = {}): Promise<Scale> {
    return this.transport.request<Scale>({
      method: 'GET',
      path: this.path({ name, scope: namespace, subresource: 'scale' }),
      signal: opts.signal,
    });
  }

  /** Sets `spec.replicas`; with `resourceVersion`, only if the object is still at it (else 409 Conflict). */
  async updateScale(
    namespace: string,
    name: string,
    replicas: number,
    opts: { resourceVersion?: string; dryRun?: boolean; signal?: AbortSignal } = {},
  ): Promise<Scale> {
    const scale: Scale = {
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: { name, namespace, resourceVersion: opts.resourceVersion || undefined },
      spec: { replicas },
    };
    return this.transport.request<Scale>({
      method: 'PUT',
      path: this.path({ name, scope: namespace, subresource: 'scale' }),
      query: { dryRun: opts.dryRun ? 'All' : undefined },
      body: scale,
      signal: opts.signal,
    });
  }
}

export interface ClientsetOptions {
  /** Shared throttle; default a token bucket from the config's qps/burst. */
  rateLimiter?: RateLimiter;
  /** Clock of the default rate limiter. */
  clock?: Clock;
}

function ref(group: string, version: string, resource: string): ResourceRef {
  const rt = resourceFor(group, version, resource);
  if (!rt) throw new Error(`@mk8s/api has no resource ${group || 'core'}/${version}/${resource}`);
  return rt;
}

/**
 * Clients of every built-in resource, sharing one transport. Resource clients
 * start unscoped (all namespaces for list/watch); scope with `inNamespace`.
 * Call `close()` once when done: it destroys the transport's sockets.
 */
export class Clientset {
  readonly transport: HttpTransport;
  readonly pods: PodClient;
  readonly nodes: ResourceClient<Node>;
  readonly namespaces: ResourceClient<Namespace>;
  readonly services: ResourceClient<Service>;
  readonly endpoints: ResourceClient<Endpoints>;
  readonly events: ResourceClient<Event>;
  readonly configMaps: ResourceClient<ConfigMap>;
  readonly secrets: ResourceClient<Secret>;
  readonly leases: ResourceClient<Lease>;
  readonly replicaSets: ScalableClient<ReplicaSet>;
  readonly deployments: ScalableClient<Deployment>;
  readonly horizontalPodAutoscalers: ResourceClient<HorizontalPodAutoscaler>;

  /** Reads a kubeconfig (see loadKubeconfig) and builds a Clientset for its context. */
  static async fromKubeconfig(path?: string, opts: KubeconfigOptions & ClientsetOptions = {}): Promise<Clientset> {
    return new Clientset(await loadKubeconfig(path, opts), opts);
  }

  constructor(
    readonly config: ClientConfig,
    opts: ClientsetOptions = {},
  ) {
    const t = (this.transport = new HttpTransport(config, { rateLimiter: opts.rateLimiter ?? rateLimiterFor(config, opts.clock) }));
    this.pods = new PodClient(t, ref('', 'v1', 'pods'));
    this.nodes = new ResourceClient(t, ref('', 'v1', 'nodes'));
    this.namespaces = new ResourceClient(t, ref('', 'v1', 'namespaces'));
    this.services = new ResourceClient(t, ref('', 'v1', 'services'));
    this.endpoints = new ResourceClient(t, ref('', 'v1', 'endpoints'));
    this.events = new ResourceClient(t, ref('', 'v1', 'events'));
    this.configMaps = new ResourceClient(t, ref('', 'v1', 'configmaps'));
    this.secrets = new ResourceClient(t, ref('', 'v1', 'secrets'));
    this.leases = new ResourceClient(t, ref('coordination.k8s.io', 'v1', 'leases'));
    this.replicaSets = new ScalableClient(t, ref('apps', 'v1', 'replicasets'));
    this.deployments = new ScalableClient(t, ref('apps', 'v1', 'deployments'));
    this.horizontalPodAutoscalers = new ResourceClient(t, ref('autoscaling', 'v2', 'horizontalpodautoscalers'));
  }

  /**
   * A client for any resource by URL coordinates. Scope comes from @mk8s/api's
   * table when it knows the resource, else from `opts.namespaced` (default true).
   */
  resource<T extends KubeObject = KubeObject>(group: string, version: string, resource: string, opts: { namespaced?: boolean } = {}): ResourceClient<T> {
    const known = resourceFor(group, version, resource);
    return new ResourceClient<T>(this.transport, known ?? { group, version, resource, namespaced: opts.namespaced ?? true });
  }

  /** Destroys the shared Agent's sockets (ending open watches and log streams). Idempotent. */
  close(): void {
    this.transport.close();
  }
}
