/**
 * `mk8s`: the launcher. `mk8s up` starts the cluster's components as separate
 * processes with their state under MK8S_HOME (default .mk8s/), `mk8s down`
 * stops them, `mk8s status` shows them, `mk8s logs` prints a component's log,
 * `mk8s node add|remove` grows and shrinks a running cluster.
 *
 * The launcher is the local cloud's "machine provider": it keeps the instance
 * inventory (`<home>/cloud/instances.json`) that cloud-controller-manager's
 * `local` provider reads: a node is `running` once its processes start and
 * `removed` once `mk8s node remove` took it away.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { execFile } from 'node:child_process';
import { errorMessage, canMount, mountsUnder, unmountUnder } from '@mk8s/component-base';
import { cleanupByLabel, connectDocker } from '@mk8s/runtime-docker';
import { containerdInstalled, importImages, releaseContainerdDir, sweepContainerd, writeContainerdFiles } from '@mk8s/runtime-containerd';
import { COMPONENTS, RUNTIMES, containerdLayout, criSocket, nodeComponents, type LaunchContext, type NodeContext, type RuntimeName } from './components.js';
import { kubeconfig, LaunchError, startComponent, type Launch } from './launch.js';
import { cloudConfigPath, clusterMode, nodeNamesOf, readShape, statePaths, writeShape, type ClusterShape } from './state.js';
import { readInventory, setInstance, writeInventory } from '@mk8s/cloud-controller-manager';
import { listRunning, stopAll } from './processes.js';
import { restoreFromSnapshot, saveSnapshot } from './snapshot.js';
import { COMPONENT_IDENTITIES, ensureCluster, ensureIdentity, ensureKubeletServing, KUBELET_CLIENT, nodeIdentity, pkiDir, readCredential } from './pki.js';

const USAGE = `usage: mk8s <command> [flags]

commands:
  up       start the cluster: the control plane and N nodes
           (--nodes N, default 2: a CRI runtime and a kubelet each;
           --runtime docker|containerd, default docker; --foreground;
           --secure: HTTPS on the API port, a client certificate per
           component, RBAC and the Node authorizer; see docs/security.md);
           on a running cluster, starts only what has stopped
  down     stop everything mk8s up started (--purge also removes data)
  status   show which components run
  logs     print a component's log: mk8s logs kube-apiserver [--tail N]
  snapshot save FILE     write a consistent snapshot of the running cluster's store to FILE
  snapshot restore FILE  (cluster down) replace the store with FILE's content; the old data
                         is kept aside, resourceVersions keep increasing (docs/operations.md)
  node add           start one more node (node-<N+1>: runtime + kubelet) on a running cluster
  node remove NAME   stop a node's kubelet and runtime and remove its containers; the
                     cloud-controller-manager then deletes its Node, and its pods are replaced

environment: MK8S_HOME (state folder, default ./.mk8s), MK8S_API_PORT (default 6443)`;

const run = promisify(execFile);
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The id of the cluster kept in `home`: two clusters on one machine have different homes. */
function clusterId(home: string): string {
  return createHash('sha256').update(home).digest('hex').slice(0, 12);
}

/** The label on every container of the cluster kept in `home`. */
function clusterLabel(home: string): string {
  return `io.mk8s.cluster=${clusterId(home)}`;
}

/** The cluster's name for the components that scope host state by it (kube-proxy's iptables chains and bridge). */
function clusterName(home: string): string {
  return `mk8s-${clusterId(home)}`;
}

/** The images a containerd node gets from the local Docker engine (nothing is ever pulled). */
const CONTAINERD_IMAGES = ['mk8s/pause:latest', 'busybox:latest'];

/** The per-node containerd folders of the cluster in `home` (present only for --runtime containerd). */
async function containerdNodes(home: string): Promise<string[]> {
  return (await readdir(path.join(home, 'containerd')).catch(() => [] as string[])).filter((n) => /^node-\d+$/.test(n)).sort();
}

/** `kube-proxy --cleanup` for this cluster: removes its iptables chains, service bridge and route, and no other cluster's. Best effort. */
async function cleanupKubeProxy(home: string): Promise<void> {
  const bin = path.join(REPO_ROOT, 'apps', 'kube-proxy', 'bin', 'kube-proxy.mjs');
  try {
    await run(process.execPath, [bin, '--cleanup', '--cluster-name', clusterName(home), '--log-level', 'warn'], { timeout: 30_000 });
  } catch (err) {
    console.log(`mk8s: kube-proxy --cleanup failed: ${errorMessage(err)}`);
  }
}

/**
 * Stops every process, then removes the cluster's containers (pods keep
 * running otherwise) and unmounts what the kubelets mounted for them. containerd keeps its tasks when it stops, so with that
 * runtime the kubelets stop first, then each instance is swept while it still
 * answers, then stopped, then its mounts and bridge are released.
 */
async function down(paths: ReturnType<typeof statePaths>, purge = false): Promise<string[]> {
  const isContainerd = (name: string): boolean => name.startsWith('containerd-');
  const stopped = await stopAll(paths, { only: (name) => !isContainerd(name) });
  const nodes = await containerdNodes(paths.home);
  let swept = 0;
  const layouts = nodes.map((node) => containerdLayout({ home: paths.home, index: Number(node.replace(/^node-/, '')) }));
  for (const l of layouts) swept += await sweepContainerd(l.socket);
  stopped.push(...(await stopAll(paths, { only: isContainerd })));
  for (const l of layouts) await releaseContainerdDir(l.dir, l.bridge);
  if (swept) console.log(`mk8s: removed ${swept} containerd container(s) of this cluster`);
  // kube-proxy leaves its rules in place when it stops (as Kubernetes' does); the cluster is gone, so they go too.
  if (stopped.includes('kube-proxy') && process.getuid?.() === 0) await cleanupKubeProxy(paths.home);
  try {
    const removed = await cleanupByLabel(await connectDocker(), clusterLabel(paths.home));
    if (removed.length) console.log(`mk8s: removed ${removed.length} container(s) of this cluster`);
  } catch (err) {
    console.log(`mk8s: could not remove the cluster's containers: ${errorMessage(err)}`);
  }
  // With the containers gone, what the kubelets mounted for them (subPaths, Secret tmpfs) is released; a purge never deletes through a mount.
  const held = canMount() ? await unmountUnder(paths.home) : await mountsUnder(paths.home);
  if (held.length > 0) {
    console.log(`mk8s: still mounted under ${paths.home}: ${held.join(', ')}`);
    if (purge) throw new Error(`not removing ${paths.home} while something is mounted under it; unmount it (as root), then run mk8s down --purge again`);
  }
  if (purge) await rm(paths.home, { recursive: true, force: true });
  return stopped;
}

type PlanItem = { launch: Launch; prepare?: () => Promise<void> };

function launchContext(paths: ReturnType<typeof statePaths>, apiPort: number, secure = false): LaunchContext {
  return {
    home: paths.home,
    data: paths.data,
    logs: paths.logs,
    apiPort,
    apiUrl: `${secure ? 'https' : 'http'}://127.0.0.1:${apiPort}`,
    clusterLabel: clusterLabel(paths.home),
    clusterName: clusterName(paths.home),
    secure,
  };
}

/**
 * `--secure`: the CA, the API server's certificate, and a client certificate
 * and kubeconfig per component and node (existing ones are kept); the
 * admin's kubeconfig becomes `<home>/kubeconfig` and the launcher's own
 * credential. Idempotent.
 */
async function ensurePki(ctx: LaunchContext, nodes: readonly string[]): Promise<void> {
  if (!ctx.secure) return;
  await ensureCluster(ctx.home);
  for (const id of [...COMPONENT_IDENTITIES, KUBELET_CLIENT]) await ensureIdentity(ctx.home, id, ctx.apiUrl);
  for (const node of nodes) {
    await ensureIdentity(ctx.home, nodeIdentity(node), ctx.apiUrl);
    await ensureKubeletServing(ctx.home, node);
  }
  await writeFile(path.join(ctx.home, 'kubeconfig'), await readFile(path.join(pkiDir(ctx.home), 'admin.kubeconfig'), 'utf8'), { mode: 0o600 });
  ctx.admin = await readCredential(ctx.home, 'admin');
}

/** What one node runs (its CRI runtime, then its kubelet), each with what must happen just before it starts. */
function nodePlan(ctx: LaunchContext, runtime: RuntimeName, node: string): PlanItem[] {
  const nctx: NodeContext = { ...ctx, node, index: Number(node.replace(/^node-/, '')) };
  return nodeComponents(runtime, (socket) => importImages(socket, CONTAINERD_IMAGES)).map((c) => {
    const runtimeProcess = c.name === 'dockershim' || c.name === 'containerd';
    return {
      launch: {
        name: `${c.name}-${nctx.node}`,
        app: c.app,
        command: c.command,
        args: c.args(nctx),
        ready: c.ready ? () => c.ready!(nctx) : undefined,
        afterReady: c.afterReady ? () => c.afterReady!(nctx) : undefined,
      },
      ...(runtimeProcess
        ? {
            prepare: async () => {
              // A socket left by an earlier run would look like a listening runtime.
              await rm(criSocket(nctx), { force: true });
              if (runtime === 'containerd') await writeContainerdFiles({ ...containerdLayout(nctx), pauseImage: 'mk8s/pause:latest' });
            },
          }
        : {}),
    };
  });
}

/** The addresses the local cloud reports for a node: those its kubelet reports too (all nodes share this host). */
const nodeAddresses = (node: string) => [
  { type: 'InternalIP', address: '127.0.0.1' },
  { type: 'Hostname', address: node },
];

/** Marks `nodes` running in the inventory; with `fresh`, every other instance it lists is marked removed. */
async function recordInstances(home: string, nodes: readonly string[], fresh: boolean): Promise<void> {
  const file = cloudConfigPath(home);
  const inv = await readInventory(file).catch(() => ({ instances: {} }) as Awaited<ReturnType<typeof readInventory>>);
  if (fresh) for (const [name, inst] of Object.entries(inv.instances)) if (!nodes.includes(name)) inst.state = 'removed';
  for (const node of nodes) inv.instances[node] = { state: 'running', addresses: nodeAddresses(node) };
  await writeInventory(file, inv);
}

/** The saved shape of the cluster running in `paths`; throws when none runs. */
async function runningShape(paths: ReturnType<typeof statePaths>): Promise<ClusterShape> {
  const running = await listRunning(paths);
  const shape = await readShape(paths.home);
  if (!shape || !running.some((r) => r.name === 'kube-apiserver')) throw new LaunchError(`no running cluster in ${paths.home}; start one with mk8s up`);
  return shape;
}

/** `mk8s node add`: starts node-<N+1> (N the highest index this cluster has used) and records it. */
async function nodeAdd(paths: ReturnType<typeof statePaths>): Promise<number> {
  const shape = await runningShape(paths);
  const names = nodeNamesOf(shape);
  const file = cloudConfigPath(paths.home);
  const known = [...names, ...Object.keys((await readInventory(file).catch(() => ({ instances: {} }))).instances)];
  const next = Math.max(0, ...known.map((n) => Number(/^node-(\d+)$/.exec(n)?.[1] ?? 0))) + 1;
  const node = `node-${next}`;
  // In the inventory first: the cloud controller initializes the Node as soon as the kubelet registers it.
  await setInstance(file, node, { state: 'running', addresses: nodeAddresses(node) });
  const ctx = launchContext(paths, shape.apiPort, shape.secure === true);
  await ensurePki(ctx, [node]);
  const t0 = Date.now();
  for (const { launch: l, prepare } of nodePlan(ctx, shape.runtime, node)) {
    try {
      await prepare?.();
      const pid = await startComponent(REPO_ROOT, paths, l);
      await l.afterReady?.();
      console.log(`  ok ${l.name.padEnd(26)} pid ${pid}, ready in ${((Date.now() - t0) / 1000).toFixed(1)}s (log: ${path.join(paths.logs, `${l.name}.log`)})`);
    } catch (err) {
      console.error(`  FAIL ${l.name}: ${errorMessage(err)}`);
      await removeNodeProcesses(paths, shape.runtime, node);
      await setInstance(file, node, { state: 'removed' });
      return 1;
    }
  }
  await writeShape(paths.home, { ...shape, nodes: names.length + 1, nodeNames: [...names, node] });
  console.log(`mk8s: node ${node} added and Ready`);
  return 0;
}

/** Stops a node's kubelet, then its runtime, and removes its containers. */
async function removeNodeProcesses(paths: ReturnType<typeof statePaths>, runtime: RuntimeName, node: string): Promise<string[]> {
  const stopped = await stopAll(paths, { only: (name) => name === `kubelet-${node}` });
  if (runtime === 'containerd') {
    const layout = containerdLayout({ home: paths.home, index: Number(node.replace(/^node-/, '')) });
    const swept = await sweepContainerd(layout.socket);
    stopped.push(...(await stopAll(paths, { only: (name) => name === `containerd-${node}` })));
    await releaseContainerdDir(layout.dir, layout.bridge);
    if (swept) console.log(`mk8s: removed ${swept} containerd container(s) of ${node}`);
  } else {
    stopped.push(...(await stopAll(paths, { only: (name) => name === `dockershim-${node}` })));
    try {
      const removed = await cleanupByLabel(await connectDocker(), [clusterLabel(paths.home), `io.mk8s.node=${node}`]);
      if (removed.length) console.log(`mk8s: removed ${removed.length} container(s) of ${node}`);
    } catch (err) {
      console.log(`mk8s: could not remove the containers of ${node}: ${errorMessage(err)}`);
    }
  }
  return stopped;
}

/** `mk8s node remove NAME`: the machine goes away; the cloud controller manager then deletes its Node. */
async function nodeRemove(paths: ReturnType<typeof statePaths>, node: string | undefined): Promise<number> {
  const shape = await runningShape(paths);
  const names = nodeNamesOf(shape);
  if (!node || !names.includes(node)) {
    console.error(`mk8s: ${node ? `no node "${node}" in this cluster` : 'which node?'}; nodes: ${names.join(', ') || '(none)'}`);
    return 2;
  }
  const stopped = await removeNodeProcesses(paths, shape.runtime, node);
  await setInstance(cloudConfigPath(paths.home), node, { state: 'removed' });
  const rest = names.filter((n) => n !== node);
  await writeShape(paths.home, { ...shape, nodes: rest.length, nodeNames: rest });
  console.log(`mk8s: node ${node} removed (stopped ${stopped.join(', ') || 'nothing'}); cloud-controller-manager deletes its Node`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const paths = statePaths();
  switch (command) {
    case 'up': {
      const { values } = parseArgs({
        args: rest,
        options: { nodes: { type: 'string' }, foreground: { type: 'boolean' }, runtime: { type: 'string' }, secure: { type: 'boolean' } },
      });
      const running = await listRunning(paths);
      // A cluster that is (partly) running keeps the shape it was started with; one whose data exists keeps its mode.
      const recorded = await readShape(paths.home);
      const saved = running.length > 0 ? recorded : undefined;
      const dataExists = existsSync(paths.data) && (await readdir(paths.data)).length > 0;
      const mode = clusterMode(recorded, dataExists, values.secure);
      if ('refuse' in mode) throw new LaunchError(mode.refuse);
      const apiPort = saved?.apiPort ?? Number(process.env['MK8S_API_PORT'] ?? 6443);
      if (!Number.isInteger(apiPort) || apiPort <= 0 || apiPort > 65535)
        throw new LaunchError(`MK8S_API_PORT must be a port number, got "${process.env['MK8S_API_PORT']}"`);
      const wantNodes = saved?.nodes ?? Number(values.nodes ?? 2);
      if (!Number.isInteger(wantNodes) || wantNodes < 0 || wantNodes > 50)
        throw new LaunchError(`--nodes must be a number from 0 to 50, got "${values.nodes}"`);
      const nodeNames = saved ? nodeNamesOf(saved) : Array.from({ length: wantNodes }, (_, i) => `node-${i + 1}`);
      const nodes = nodeNames.length;
      const runtime = saved?.runtime ?? ((values.runtime ?? 'docker') as RuntimeName);
      if (!RUNTIMES.includes(runtime)) throw new LaunchError(`--runtime must be one of ${RUNTIMES.join(', ')}, got "${values.runtime}"`);
      if (runtime === 'containerd' && !containerdInstalled())
        throw new LaunchError('--runtime containerd needs containerd on the PATH (Debian: apt-get install containerd; docker.io brings it)');
      const secure = mode.secure;
      const ctx = launchContext(paths, apiPort, secure);
      const kubeconfigPath = path.join(paths.home, 'kubeconfig');
      // Before the plan: every node's context copies the launcher's credential.
      await ensurePki(ctx, nodeNames);

      // Everything the cluster runs, each with what must happen just before it starts.
      const plan: PlanItem[] = [];
      for (const c of COMPONENTS) {
        plan.push({ launch: { name: c.name, app: c.app, args: c.args?.(ctx) ?? [], ready: c.ready ? () => c.ready!(ctx) : undefined } });
      }
      for (const node of nodeNames) plan.push(...nodePlan(ctx, runtime, node));
      const missing = plan.filter((p) => !running.some((r) => r.name === p.launch.name));
      if (running.length > 0) {
        if (missing.length === 0) {
          console.log(`mk8s is already running (${running.map((r) => r.name).join(', ')}); state in ${paths.home}`);
          return 0;
        }
        if (values.nodes !== undefined || values.runtime !== undefined)
          console.log('mk8s: --nodes and --runtime apply to a new cluster; this one keeps its shape');
        console.log(`mk8s is running; starting what is missing: ${missing.map((p) => p.launch.name).join(', ')}`);
      } else {
        await mkdir(paths.data, { recursive: true });
        if (!secure) await writeFile(kubeconfigPath, kubeconfig(ctx.apiUrl));
        // Kept: cluster.json records `secure` only when true (a plain property would write "secure": false).
        await writeShape(paths.home, { apiPort, nodes, runtime, nodeNames, ...(secure ? { secure } : {}) });
      }
      // The local cloud's view: these nodes run; any other it knew of from an earlier cluster is gone.
      await recordInstances(paths.home, nodeNames, running.length === 0);
      for (const { launch: l, prepare } of missing) {
        const t0 = Date.now();
        try {
          await prepare?.();
          const pid = await startComponent(REPO_ROOT, paths, l);
          await l.afterReady?.();
          console.log(
            `  ok ${l.name.padEnd(26)} pid ${pid}, ready in ${((Date.now() - t0) / 1000).toFixed(1)}s (log: ${path.join(paths.logs, `${l.name}.log`)})`,
          );
        } catch (err) {
          console.error(`  FAIL ${l.name}: ${errorMessage(err)}`);
          // A failed first start leaves nothing behind; a failed repair leaves the rest running.
          if (running.length === 0) await down(paths);
          return 1;
        }
      }
      if (running.length > 0) {
        console.log(`mk8s is up again: API at ${ctx.apiUrl}`);
        return 0;
      }
      console.log(
        `\nmk8s is up: API at ${ctx.apiUrl}, ${nodes} node(s) Ready (runtime ${runtime}${secure ? ', secure: TLS + RBAC' : ''})\n\n  export KUBECONFIG=${kubeconfigPath}\n`,
      );
      console.log('  kubectl get nodes');
      const pki = pkiDir(paths.home);
      const curlAuth = secure ? ` --cacert ${pki}/ca.crt --cert ${pki}/admin.crt --key ${pki}/admin.key` : '';
      console.log(`  curl${curlAuth} -X POST -H 'Content-Type: application/json' --data @examples/pod.json ${ctx.apiUrl}/api/v1/namespaces/default/pods`);
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
        console.log(`${c.name.padEnd(26)} ${r ? `running (pid ${r.pid})` : 'stopped'}`);
      }
      for (const r of running.filter((x) => !COMPONENTS.some((c) => c.name === x.name))) console.log(`${r.name.padEnd(26)} running (pid ${r.pid})`);
      return 0;
    }
    case 'snapshot': {
      const [sub, file, ...extra] = rest;
      if ((sub !== 'save' && sub !== 'restore') || !file || extra.length > 0) {
        console.error('usage: mk8s snapshot save FILE | mk8s snapshot restore FILE');
        return 2;
      }
      if (sub === 'restore') {
        for (const line of await restoreFromSnapshot(paths, file)) console.log(line);
        return 0;
      }
      const shape = await runningShape(paths);
      const ctx = launchContext(paths, shape.apiPort, shape.secure === true);
      if (ctx.secure) ctx.admin = await readCredential(ctx.home, 'admin');
      const saved = await saveSnapshot(ctx, file);
      console.log(`mk8s: saved a snapshot at revision ${saved.revision} (${saved.rows} rows, ${saved.bytes} bytes) to ${file}`);
      return 0;
    }
    case 'node': {
      const [sub, ...args] = rest;
      if (sub === 'add' && args.length === 0) return nodeAdd(paths);
      if (sub === 'remove' && args.length <= 1) return nodeRemove(paths, args[0]);
      console.error('usage: mk8s node add | mk8s node remove NAME');
      return 2;
    }
    case 'logs': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { tail: { type: 'string' } } });
      const name = positionals[0];
      const known = (await readdir(paths.logs).catch(() => [] as string[]))
        .filter((f) => f.endsWith('.log'))
        .map((f) => f.slice(0, -4))
        .sort();
      if (!name) {
        console.error(`usage: mk8s logs <component> [--tail N]; components with logs: ${known.join(', ') || '(none yet)'}`);
        return 2;
      }
      const file = path.join(paths.logs, `${name}.log`);
      if (!known.includes(name) || !existsSync(file)) {
        console.error(`mk8s: no log for "${name}" in ${paths.logs}; components with logs: ${known.join(', ') || '(none yet)'}`);
        return 1;
      }
      const lines = (await readFile(file, 'utf8')).split('\n');
      const tail = values.tail === undefined ? undefined : Number(values.tail);
      if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) throw new LaunchError(`--tail must be a whole number, got "${values.tail}"`);
      process.stdout.write(tail === undefined ? lines.join('\n') : `${lines.slice(-(tail + 1)).join('\n')}`);
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
