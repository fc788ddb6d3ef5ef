import type { FastifyBaseLogger } from 'fastify';
import type { Store } from '@mk8s/storage';
import type { WatchCache } from '../cache/watch-cache.js';
import type { ResourceType } from '@mk8s/api';
import type { UserInfo } from '../auth/user.js';
import type { Auth } from '../auth/index.js';
import type { Registry, WriteCheck } from '../registry/registry.js';
import type { ApiMetrics } from '../metrics.js';
import type { KubeletClientTLS } from './kubelet-client.js';
import type { RequestInfo } from './request-info.js';
import type { WatchBudget } from './watch.js';
import type { AuditLogger } from '../audit/index.js';

/** What the request handlers share; built once per server by `buildApiServer`. */
export interface ServerContext {
  registry: Registry;
  cache: WatchCache;
  store: Store;
  metrics: ApiMetrics;
  log: FastifyBaseLogger;
  now: () => number;
  /** How often an idle watch that asked for bookmarks gets one. */
  bookmarkIntervalMs: number;
  /** Unsent bytes of open watches and their limits (slow watchers are closed). */
  watchBudget: WatchBudget;
  /** Ends every open watch (server shutdown). */
  closeWatches: Set<() => void>;
  /** Ends every upgraded stream, e.g. exec sessions (server shutdown, before connections are closed). */
  closeStreams: Set<() => Promise<void>>;
  /** The audit log, for requests whose reply is taken over (exec sessions); none when auditing is off. */
  audit?: AuditLogger;
  /** The client certificate kubelets are called with over HTTPS; plain HTTP when absent. */
  kubeletTLS?: KubeletClientTLS;
  /** A check for a create, update or patch by this user (RBAC escalation prevention, auth/escalation.ts); none when absent. */
  guardWrite?: (rt: ResourceType, info: RequestInfo, user: UserInfo | undefined) => Promise<WriteCheck | undefined>;
  /** The answers only authentication and authorization can give (self reviews, TokenRequests); set once auth is installed. */
  auth?: Pick<Auth, 'review' | 'tokenRequest'>;
}
