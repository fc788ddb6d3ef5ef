/**
 * `startTestCluster()`: a real API server in this process, on a free
 * loopback port, over a fresh memory store (or a level store in `dataDir`).
 * Integration tests of every component run against it.
 */
import { buildApiServer, openStore, type ApiServer, type ApiServerOptions, type Store } from '@mk8s/apiserver';
import { Clientset } from '@mk8s/client';

export interface TestCluster {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  server: ApiServer;
  store: Store;
  /** A client of this cluster (closed by `stop`). */
  client: Clientset;
  /** Stops the server (ending its watches) and closes the store. */
  stop(): Promise<void>;
  /** Stops the server only; `restart()` serves the same store again on the same port. */
  restart(): Promise<void>;
}

export interface TestClusterOptions {
  /** Keep the store on disk here (survives `restart`); default memory. */
  dataDir?: string;
  bookmarkIntervalMs?: number;
  watchCacheWindow?: number;
  /** Authentication and authorization of the server (e.g. static tokens and RBAC); default the insecure AlwaysAllow. */
  auth?: ApiServerOptions['auth'];
  /** Bearer token of `client`. */
  token?: string;
}

export async function startTestCluster(opts: TestClusterOptions = {}): Promise<TestCluster> {
  const store = await openStore(opts.dataDir ? { backend: 'level', dataDir: opts.dataDir } : { backend: 'memory' });
  const build = () =>
    buildApiServer({
      store,
      bookmarkIntervalMs: opts.bookmarkIntervalMs,
      watchCacheWindow: opts.watchCacheWindow,
      auth: opts.auth,
    });
  let server = await build();
  const url = await server.app.listen({ port: 0, host: '127.0.0.1' });
  const port = Number(new URL(url).port);
  const client = new Clientset({ server: url, token: opts.token });
  const cluster: TestCluster = {
    url,
    get server() {
      return server;
    },
    store,
    client,
    async stop() {
      client.close();
      await server.app.close();
      await store.close();
    },
    async restart() {
      await server.app.close();
      server = await build();
      await server.app.listen({ port, host: '127.0.0.1' });
    },
  };
  return cluster;
}
