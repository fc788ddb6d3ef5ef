/**
 * `mk8s`: the launcher. `mk8s up` starts the cluster's components as separate
 * processes with their state under MK8S_HOME (default .mk8s/), `mk8s down`
 * stops them, `mk8s status` shows them. Issue 10 grows it into the full
 * launcher (nodes, readiness, logs); this is its skeleton.
 */
import { parseArgs } from 'node:util';
import { COMPONENTS } from './components.js';
import { statePaths } from './state.js';
import { listRunning, stopAll } from './processes.js';

const USAGE = `usage: mk8s <command> [flags]

commands:
  up       start the cluster (components that are built so far)
  down     stop everything mk8s up started (--purge also removes data)
  status   show which components run

environment: MK8S_HOME (state folder, default ./.mk8s)`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const paths = statePaths();
  switch (command) {
    case 'up': {
      parseArgs({ args: rest, options: { nodes: { type: 'string' }, foreground: { type: 'boolean' } } });
      const missing = COMPONENTS.filter((c) => !c.built);
      const running = await listRunning(paths);
      if (running.length > 0) {
        console.log(`mk8s is already running (${running.map((r) => r.name).join(', ')}); state in ${paths.home}`);
        return 0;
      }
      for (const c of missing) console.log(`mk8s: ${c.name} is not built yet (issue ${c.issue}); not started`);
      console.log(`mk8s: state folder ${paths.home}; nothing else to start yet`);
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
