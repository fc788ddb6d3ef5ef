import type { FastifyBaseLogger } from 'fastify';
import type { Store } from '@mk8s/storage';
import type { WatchCache } from '../cache/watch-cache.js';
import type { Registry } from '../registry/registry.js';
import type { ApiMetrics } from '../metrics.js';
import type { KubeletClientTLS } from './kubelet-client.js';
import type { WatchBudget } from './watch.js';

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
  /** The client certificate kubelets are called with over HTTPS; plain HTTP when absent. */
  kubeletTLS?: KubeletClientTLS;
}
