/**
 * `mk8s`: the launcher. `mk8s up` starts the cluster's components as separate
 * processes with their state under MK8S_HOME (default .mk8s/), `mk8s down`
 * stops them, `mk8s status` shows them. Issue 10 grows it into the full
 * launcher (nodes, readiness, logs); this is its skeleton.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { COMPONENTS, type LaunchContext } from './components.js';
import { kubeconfig, LaunchError, startComponent } from './launch.js';
import { statePaths } from './state.js';
import { listRunning, stopAll } from './processes.js';

const USAGE = `usage: mk8s <command> [flags]

commands:
  up       start the cluster (components that are built so far)
  down     stop everything mk8s up started (--purge also removes data)
  status   show which components run

environment: MK8S_HOME (state folder, default ./.mk8s), MK8S_API_PORT (default 6443)`;

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

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
      const ctx: LaunchContext = { home: paths.home, data: paths.data, apiPort, apiUrl: `http://127.0.0.1:${apiPort}` };
      if (values.nodes !== undefined) console.log(`mk8s: --nodes ${values.nodes} has no effect until the kubelet lands (issue 6)`);
      await mkdir(paths.data, { recursive: true });
      const started: string[] = [];
      for (const c of COMPONENTS) {
        if (!c.built) {
          console.log(`  -  ${c.name.padEnd(26)} not built yet (issue ${c.issue}); not started`);
          continue;
        }
        const t0 = Date.now();
        try {
          const pid = await startComponent(REPO_ROOT, paths, c, ctx);
          started.push(c.name);
          console.log(`  ok ${c.name.padEnd(26)} pid ${pid}, ready in ${((Date.now() - t0) / 1000).toFixed(1)}s (log: ${path.join(paths.logs, `${c.name}.log`)})`);
        } catch (err) {
          console.error(`  FAIL ${c.name}: ${(err as Error).message}`);
          await stopAll(paths);
          return 1;
        }
      }
      const kubeconfigPath = path.join(paths.home, 'kubeconfig');
      await writeFile(kubeconfigPath, kubeconfig(ctx.apiUrl));
      console.log(`\nmk8s is up: API at ${ctx.apiUrl}\n\n  export KUBECONFIG=${kubeconfigPath}\n`);
      console.log('  kubectl get namespaces');
      console.log(`  curl -X POST -H 'Content-Type: application/json' --data @examples/pod.json ${ctx.apiUrl}/api/v1/namespaces/default/pods`);
      console.log('  kubectl get pods -w\n');
      if (values.foreground) {
        console.log('running in the foreground: Ctrl-C stops the cluster');
        await new Promise<void>((resolve) => {
          process.once('SIGINT', () => resolve());
          process.once('SIGTERM', () => resolve());
        });
        console.log(`mk8s: stopped ${(await stopAll(paths)).join(', ')}`);
      }
      return 0;
    }
    case 'down': {
      const { values } = parseArgs({ args: rest, options: { purge: { type: 'boolean' } } });
      const stopped = await stopAll(paths, { purge: values.purge === true });
      console.log(stopped.length ? `mk8s: stopped ${stopped.join(', ')}` : 'mk8s: nothing was running');
      return 0;
    }
    case 'status': {
      const running = await listRunning(paths);
      for (const c of COMPONENTS) {
        const r = running.find((x) => x.name === c.name);
        console.log(`${c.name.padEnd(26)} ${r ? `running (pid ${r.pid})` : c.built ? 'stopped' : `not built (issue ${c.issue})`}`);
      }
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
