/**
 * `mk8s`: the launcher. `mk8s up` starts the cluster's components as separate
 * processes with their state under MK8S_HOME (default .mk8s/), `mk8s down`
 * stops them, `mk8s status` shows them. Issue 10 grows it into the full
 * launcher (nodes, readiness, logs); this is its skeleton.
 */
import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cleanupByLabel, connectDocker } from '@mk8s/runtime-docker';
import { COMPONENTS, NODE_COMPONENTS, criSocket, type LaunchContext, type NodeContext } from './components.js';
import { kubeconfig, LaunchError, startComponent, type Launch } from './launch.js';
import { statePaths } from './state.js';
import { listRunning, stopAll } from './processes.js';

const USAGE = `usage: mk8s <command> [flags]

commands:
  up       start the cluster: the components built so far and N nodes
           (--nodes N, default 2: a dockershim and a kubelet each)
  down     stop everything mk8s up started (--purge also removes data)
  status   show which components run

environment: MK8S_HOME (state folder, default ./.mk8s), MK8S_API_PORT (default 6443)`;

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The label on every container of the cluster kept in `home`. */
function clusterLabel(home: string): string {
  return `io.mk8s.cluster=${createHash('sha256').update(home).digest('hex').slice(0, 12)}`;
}

/** Stops every process, then removes the cluster's containers (pods keep running otherwise). */
async function down(paths: ReturnType<typeof statePaths>, purge = false): Promise<string[]> {
  const stopped = await stopAll(paths);
  try {
    const removed = await cleanupByLabel(await connectDocker(), clusterLabel(paths.home));
    if (removed.length) console.log(`mk8s: removed ${removed.length} container(s) of this cluster`);
  } catch (err) {
    console.log(`mk8s: could not remove the cluster's containers: ${(err as Error).message}`);
  }
  if (purge) await rm(paths.home, { recursive: true, force: true });
  return stopped;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const paths = statePaths();
  switch (command) {
    case 'up': {
      const { values } = parseArgs({ args: rest, options: { nodes: { type: 'string' }, foreground: { type: 'boolean' } } });
      const running = await listRunning(paths);
      if (running.length > 0) {
        console.log(`mk8s is already running (${running.map((r) => r.name).join(', ')}); state in ${paths.home}`);
        return 0;
      }
      const apiPort = Number(process.env['MK8S_API_PORT'] ?? 6443);
      if (!Number.isInteger(apiPort) || apiPort <= 0 || apiPort > 65535) throw new LaunchError(`MK8S_API_PORT must be a port number, got "${process.env['MK8S_API_PORT']}"`);
      const nodes = Number(values.nodes ?? 2);
      if (!Number.isInteger(nodes) || nodes < 0 || nodes > 50) throw new LaunchError(`--nodes must be a number from 0 to 50, got "${values.nodes}"`);
      const ctx: LaunchContext = { home: paths.home, data: paths.data, apiPort, apiUrl: `http://127.0.0.1:${apiPort}`, clusterLabel: clusterLabel(paths.home) };
      await mkdir(paths.data, { recursive: true });
      const kubeconfigPath = path.join(paths.home, 'kubeconfig');
      await writeFile(kubeconfigPath, kubeconfig(ctx.apiUrl));
      const launches: Launch[] = [];
      for (const c of COMPONENTS) {
        if (!c.built) {
          console.log(`  -  ${c.name.padEnd(26)} not built yet (issue ${c.issue}); not started`);
          continue;
        }
        launches.push({ name: c.name, app: c.app, args: c.args?.(ctx) ?? [], ...(c.ready ? { ready: () => c.ready!(ctx) } : {}) });
      }
      for (let i = 1; i <= nodes; i++) {
        const nctx: NodeContext = { ...ctx, node: `node-${i}` };
        // A socket left by an earlier run would look like a listening shim.
        await rm(criSocket(nctx), { force: true });
        for (const c of NODE_COMPONENTS) {
          launches.push({ name: `${c.name}-${nctx.node}`, app: c.app, args: c.args(nctx), ...(c.ready ? { ready: () => c.ready!(nctx) } : {}) });
        }
      }
      for (const l of launches) {
        const t0 = Date.now();
        try {
          const pid = await startComponent(REPO_ROOT, paths, l);
          console.log(`  ok ${l.name.padEnd(26)} pid ${pid}, ready in ${((Date.now() - t0) / 1000).toFixed(1)}s (log: ${path.join(paths.logs, `${l.name}.log`)})`);
        } catch (err) {
          console.error(`  FAIL ${l.name}: ${(err as Error).message}`);
          await stopAll(paths);
          return 1;
        }
      }
      console.log(`\nmk8s is up: API at ${ctx.apiUrl}, ${nodes} node(s) Ready\n\n  export KUBECONFIG=${kubeconfigPath}\n`);
      console.log('  kubectl get nodes');
      console.log(`  curl -X POST -H 'Content-Type: application/json' --data @examples/pod.json ${ctx.apiUrl}/api/v1/namespaces/default/pods`);
      console.log('  kubectl get pods -o wide -w\n');
      if (values.foreground) {
        console.log('running in the foreground: Ctrl-C stops the cluster');
        await new Promise<void>((resolve) => {
          process.once('SIGINT', () => resolve());
          process.once('SIGTERM', () => resolve());
        });
        console.log(`mk8s: stopped ${(await down(paths)).join(', ')}`);
      }
      return 0;
    }
    case 'down': {
      const { values } = parseArgs({ args: rest, options: { purge: { type: 'boolean' } } });
      const stopped = await down(paths, values.purge === true);
      console.log(stopped.length ? `mk8s: stopped ${stopped.join(', ')}` : 'mk8s: nothing was running');
      return 0;
    }
    case 'status': {
      const running = await listRunning(paths);
      for (const c of COMPONENTS) {
        const r = running.find((x) => x.name === c.name);
        console.log(`${c.name.padEnd(26)} ${r ? `running (pid ${r.pid})` : c.built ? 'stopped' : `not built (issue ${c.issue})`}`);
      }
      for (const r of running.filter((x) => !COMPONENTS.some((c) => c.name === x.name))) console.log(`${r.name.padEnd(26)} running (pid ${r.pid})`);
      return 0;
    }
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`mk8s: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`mk8s: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
