/**
 * mk8s-dockershim: serves the CRI (runtime.v1 RuntimeService and
 * ImageService) on a unix socket, implemented with Docker. The kubelet talks
 * to it with `--runtime-endpoint unix://PATH`.
 *
 *   mk8s-dockershim --socket /run/mk8s/dockershim.sock
 *
 * Prints `mk8s-dockershim serving CRI on unix://PATH` once it accepts calls.
 * SIGTERM stops serving; containers keep running (a restarted shim, or a
 * restarted kubelet, adopts them from their labels).
 */
import { aborted, createLogger, helpText, keyValueFlag, loggingFlags, parseFlags, reportFatal, runMain } from '@mk8s/component-base';
import { serveCri } from '@mk8s/cri';
import { DEFAULT_SANDBOX_IMAGE, DockerRuntime } from '@mk8s/runtime-docker';

const LOGGING = loggingFlags();

const FLAGS = {
  socket: { type: 'string', description: 'unix socket to serve the CRI on', default: '/run/mk8s/dockershim.sock' },
  'docker-socket': { type: 'string', description: "Docker engine's socket (default: Docker's own default)" },
  'sandbox-image': { type: 'string', description: 'image of pod sandboxes', default: DEFAULT_SANDBOX_IMAGE },
  'scope-labels': {
    type: 'string',
    description:
      'k=v,k2=v2 put on every container this shim creates; it sees and touches only containers carrying them (one scope per node when several share a Docker engine)',
  },
  ...LOGGING.flags,
} as const;

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), FLAGS);
  if (flags.help) {
    process.stdout.write(helpText('mk8s-dockershim', 'the CRI runtime service implemented with Docker', FLAGS));
    return;
  }
  const log = createLogger('mk8s-dockershim', LOGGING.parse(flags).level);
  const socket = flags.socket;
  await runMain({
    name: 'mk8s-dockershim',
    log,
    run: async (signal) => {
      const runtime = new DockerRuntime({
        socketPath: flags['docker-socket'],
        sandboxImage: flags['sandbox-image'],
        scopeLabels: keyValueFlag('scope-labels', flags['scope-labels']),
      });
      // Fail at start, not at the first kubelet call, when Docker is unreachable.
      const version = await runtime.version({});
      const server = await serveCri(runtime, socket);
      log.info({ socket, runtime: version.runtimeName, runtimeVersion: version.runtimeVersion }, 'serving');
      console.log(`mk8s-dockershim serving CRI on unix://${socket}`);
      await aborted(signal);
      await server.close();
      await runtime.close();
    },
  });
}

main().catch((err: unknown) => reportFatal('mk8s-dockershim', err));
