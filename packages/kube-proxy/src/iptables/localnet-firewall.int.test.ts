// CVE-2020-8558 on a real kernel, as root: route_localnet=1 makes services
// bound to 127.0.0.1 reachable from a neighbour on the network, unless
// MK8S-<TAG>-FIREWALL drops those packets. Then two clusters on one node:
// each one's cleanup removes its own chains and bridge only, and
// route_localnet stays on (guarded) until the last one's cleanup. Everything happens in two network
// namespaces created for the test ("node" and "neighbour", joined by a veth
// pair), so the host's iptables, sysctls and links are never touched; the
// real IptablesProxier, ExecIptables and LinuxHostNetwork run in a child
// process inside the node's namespace. Needs root, `ip netns` (iproute2) and
// iptables: without them the test fails, naming what is missing.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceBridgeName } from '../cluster-name.js';
import type { ServicePortState } from '../proxy-state.js';
import { chainNames } from './rules.js';

const run = promisify(execFile);
const NODE_NS = `mk8s-fw-node-${process.pid}`;
const NEIGHBOUR_NS = `mk8s-fw-peer-${process.pid}`;
const NODE_IP = '192.0.2.1';
const PORT = 18080;
const NODE_PORT = 30080;
/** The default cluster's chains (`kubernetes`: MK8S-SSV4-*) and those of a second cluster on the same node. */
const MAIN = chainNames();
const OTHER = chainNames('mk8s-localnet-test');
const SRC = path.resolve(import.meta.dirname, '..');
const REPO = path.resolve(SRC, '../../..');

/** Root, iptables and network namespaces (probed by creating one). */
function canRun(): boolean {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return false;
  const probe = `mk8s-fw-probe-${process.pid}`;
  try {
    execFileSync('iptables', ['--version'], { stdio: 'ignore' });
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'ignore' });
    execFileSync('ip', ['netns', 'exec', probe, 'iptables-save'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    try {
      execFileSync('ip', ['netns', 'del', probe], { stdio: 'ignore' });
    } catch {
      // never created
    }
  }
}
const CAN_RUN = canRun();

it('can run (root, iptables and ip netns, which scripts/test.sh installs)', () => {
  expect(CAN_RUN, 'not root, or iptables / ip netns missing: the route_localnet firewall test cannot run').toBe(true);
});

const inNs = (ns: string, cmd: string, args: string[]) => run('ip', ['netns', 'exec', ns, cmd, ...args], { timeout: 30_000 });
const routeLocalnet = async () => (await inNs(NODE_NS, 'cat', ['/proc/sys/net/ipv4/conf/all/route_localnet'])).stdout.trim();
const setRouteLocalnet = (ns: string, v: 0 | 1) => inNs(ns, 'sysctl', ['-qw', `net.ipv4.conf.all.route_localnet=${v}`]);

/** The neighbour connects to ip:port and reads: the greeting, or TIMEOUT when the packets are dropped. */
async function probe(ip: string, port: number): Promise<string> {
  const script = `const s=require('net').connect(${port},'${ip}');s.setTimeout(1500,()=>{console.log('TIMEOUT');process.exit(0)});s.on('data',d=>{console.log(String(d).trim());process.exit(0)});s.on('error',e=>{console.log(e.code);process.exit(0)})`;
  return (await inNs(NEIGHBOUR_NS, process.execPath, ['-e', script])).stdout.trim();
}

describe('route_localnet behind MK8S-<TAG>-FIREWALL (CVE-2020-8558), real iptables in network namespaces', () => {
  let dir: string;
  let child: string;
  let saved: string;
  let listener: ChildProcess | undefined;

  /** Runs the proxier's code in the node's namespace, for a cluster: `sync` with `state`, or `cleanup`. */
  const proxier = async (mode: 'sync' | 'cleanup', state: ServicePortState[] = [], cluster = MAIN.clusterName, serviceCIDR = '10.96.0.0/16'): Promise<string> =>
    (
      await run('ip', ['netns', 'exec', NODE_NS, process.execPath, '--import', 'tsx', child, mode, saved, cluster, serviceCIDR, JSON.stringify(state)], {
        cwd: REPO,
        timeout: 60_000,
      })
    ).stdout.trim();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mk8s-localnet-'));
    saved = path.join(dir, 'run', 'route_localnet.before');
    child = path.join(dir, 'proxier-child.mts');
    await writeFile(
      child,
      [
        `import { ExecIptables } from ${JSON.stringify(path.join(SRC, 'iptables/iptables.ts'))};`,
        `import { IptablesProxier, cleanupIptables } from ${JSON.stringify(path.join(SRC, 'iptables/proxier.ts'))};`,
        `import { LinuxHostNetwork } from ${JSON.stringify(path.join(SRC, 'host-network.ts'))};`,
        `import { serviceBridgeName } from ${JSON.stringify(path.join(SRC, 'cluster-name.ts'))};`,
        'const [mode, saved, clusterName, serviceCIDR, state] = process.argv.slice(2);',
        'const host = new LinuxHostNetwork({ routeLocalnetSavedPath: saved, bridge: serviceBridgeName(clusterName) });',
        "if (mode === 'sync') {",
        '  await new IptablesProxier({ iptables: new ExecIptables(), host, serviceCIDR, clusterName }).syncRules(JSON.parse(state));',
        "  console.log('synced');",
        '} else {',
        '  const r = await cleanupIptables(new ExecIptables(), host, clusterName);',
        '  console.log(JSON.stringify({ restored: r.routeLocalnet ?? null, keptFor: r.routeLocalnetKeptFor }));',
        '}',
        '',
      ].join('\n'),
    );
    await run('ip', ['netns', 'add', NODE_NS]);
    await run('ip', ['netns', 'add', NEIGHBOUR_NS]);
    await run('ip', ['link', 'add', 'mk8s-fw0', 'netns', NODE_NS, 'type', 'veth', 'peer', 'name', 'mk8s-fw1', 'netns', NEIGHBOUR_NS]);
    await run('ip', ['-n', NODE_NS, 'addr', 'add', `${NODE_IP}/30`, 'dev', 'mk8s-fw0']);
    await run('ip', ['-n', NODE_NS, 'link', 'set', 'mk8s-fw0', 'up']);
    await run('ip', ['-n', NODE_NS, 'link', 'set', 'lo', 'up']);
    await run('ip', ['-n', NEIGHBOUR_NS, 'addr', 'add', '192.0.2.2/30', 'dev', 'mk8s-fw1']);
    await run('ip', ['-n', NEIGHBOUR_NS, 'link', 'set', 'mk8s-fw1', 'up']);
    // The attacker's side: send packets for 127.0.0.1 to the node (its own loopback is down).
    await setRouteLocalnet(NEIGHBOUR_NS, 1);
    await run('ip', ['-n', NEIGHBOUR_NS, 'route', 'add', '127.0.0.1/32', 'via', NODE_IP, 'dev', 'mk8s-fw1']);
    // A service on the node that only expects local callers.
    listener = spawn(
      'ip',
      [
        'netns',
        'exec',
        NODE_NS,
        process.execPath,
        '-e',
        `require('net').createServer(s=>s.end('loopback-only secret\\n')).listen(${PORT},'127.0.0.1',()=>console.log('listening'))`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      listener!.stdout!.once('data', () => resolve());
      listener!.once('exit', (code) => reject(new Error(`listener exited (${code})`)));
    });
  }, 60_000);

  afterAll(async () => {
    listener?.kill('SIGKILL');
    // Deleting the namespaces takes their iptables, sysctls, links and routes with them.
    for (const ns of [NODE_NS, NEIGHBOUR_NS]) await run('ip', ['netns', 'del', ns]).catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('route_localnet=1 alone exposes 127.0.0.1 to the neighbour (the vulnerability this test would catch)', async () => {
    expect(await routeLocalnet()).toBe('0');
    expect(await probe('127.0.0.1', PORT)).toBe('TIMEOUT');
    await setRouteLocalnet(NODE_NS, 1);
    try {
      expect(await probe('127.0.0.1', PORT)).toBe('loopback-only secret');
    } finally {
      await setRouteLocalnet(NODE_NS, 0);
    }
  });

  const local: ServicePortState = {
    id: 'default/local:http',
    namespace: 'default',
    name: 'local',
    portName: 'http',
    protocol: 'TCP',
    clusterIP: '10.96.0.50',
    port: 80,
    nodePort: NODE_PORT,
    endpoints: [{ ip: '127.0.0.1', port: PORT }],
    notReady: 0,
  };
  /** The same Service in the second cluster: its own ClusterIP range and NodePort. */
  const otherLocal: ServicePortState = { ...local, clusterIP: '10.97.0.50', nodePort: NODE_PORT + 1 };
  const save = async (table: 'nat' | 'filter') => (await inNs(NODE_NS, 'iptables-save', ['-t', table])).stdout;
  const links = async () => (await inNs(NODE_NS, 'ip', ['-o', 'link', 'show', 'type', 'bridge'])).stdout;
  const routes = async () => (await inNs(NODE_NS, 'ip', ['route', 'show'])).stdout;

  it('the iptables proxier turns route_localnet on behind the drop: 127.0.0.1 stays private, a NodePort DNATed there still works', async () => {
    expect(await proxier('sync', [local])).toBe('synced');
    expect(await routeLocalnet()).toBe('1');
    expect((await readFile(saved, 'utf8')).trim()).toBe('0');
    const filter = await save('filter');
    expect(filter).toContain('-A INPUT -m comment --comment "mk8s localnet firewall" -j MK8S-SSV4-FIREWALL');
    expect(filter).toContain(
      '-A MK8S-SSV4-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "mk8s: block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
    );
    expect(await probe('127.0.0.1', PORT)).toBe('TIMEOUT');
    // What route_localnet is for: a connection a DNAT rule sent to 127.0.0.1.
    expect(await probe(NODE_IP, NODE_PORT)).toBe('loopback-only secret');
    // The node itself still reaches its loopback.
    const self = await inNs(NODE_NS, process.execPath, [
      '-e',
      `require('net').connect(${PORT},'127.0.0.1').on('data',d=>{console.log(String(d).trim());process.exit(0)})`,
    ]);
    expect(self.stdout.trim()).toBe('loopback-only secret');
    // A second sync (a restarted kube-proxy) keeps the value from before the first.
    expect(await proxier('sync', [local])).toBe('synced');
    expect((await readFile(saved, 'utf8')).trim()).toBe('0');
  });

  it('--cleanup puts route_localnet back and removes every rule it added, and the bridge', async () => {
    expect(await links()).toContain(serviceBridgeName());
    expect(JSON.parse(await proxier('cleanup'))).toEqual({ restored: '0', keptFor: [] });
    expect(await routeLocalnet()).toBe('0');
    await expect(readFile(saved)).rejects.toMatchObject({ code: 'ENOENT' });
    for (const table of ['filter', 'nat'] as const) expect(await save(table)).not.toContain('MK8S-');
    expect(await links()).not.toContain('mk8s-svc-');
    expect(await probe('127.0.0.1', PORT)).toBe('TIMEOUT');
  });

  it("two clusters on the node: one's cleanup leaves the other's chains, jumps, bridge and route_localnet; the last one's puts route_localnet back", async () => {
    expect(await proxier('sync', [local])).toBe('synced');
    expect(await proxier('sync', [otherLocal], OTHER.clusterName, '10.97.0.0/16')).toBe('synced');
    // A sync of the first cluster after the second's chains exist leaves them.
    expect(await proxier('sync', [local])).toBe('synced');
    const nat = await save('nat');
    for (const names of [MAIN, OTHER]) {
      expect(nat).toContain(`-A PREROUTING -m comment --comment "mk8s service portals" -j ${names.services}`);
      expect(nat).toContain(`:${names.svc(local)} `);
    }
    expect(await links()).toContain(serviceBridgeName());
    expect(await links()).toContain(serviceBridgeName(OTHER.clusterName));
    expect(await routes()).toContain(`10.97.0.0/16 dev ${serviceBridgeName(OTHER.clusterName)}`);
    expect(await routeLocalnet()).toBe('1');
    expect(await probe(NODE_IP, NODE_PORT)).toBe('loopback-only secret');
    expect(await probe(NODE_IP, NODE_PORT + 1)).toBe('loopback-only secret');
    const mainRules = async () =>
      (await save('nat'))
        .concat(await save('filter'))
        .split('\n')
        .filter((l) => l.includes(MAIN.prefix))
        .map((l) => l.replace(/\[\d+:\d+\]/, ''))
        .sort();
    const before = await mainRules();

    // The second cluster goes down: the first keeps everything, route_localnet on and guarded.
    expect(JSON.parse(await proxier('cleanup', [], OTHER.clusterName, '10.97.0.0/16'))).toEqual({ restored: null, keptFor: [MAIN.firewall] });
    for (const table of ['filter', 'nat'] as const) expect(await save(table)).not.toContain(OTHER.prefix);
    expect(await mainRules()).toEqual(before);
    expect(await links()).not.toContain(serviceBridgeName(OTHER.clusterName));
    expect(await links()).toContain(serviceBridgeName());
    expect(await routes()).toContain(`10.96.0.0/16 dev ${serviceBridgeName()}`);
    expect(await routeLocalnet()).toBe('1');
    expect((await readFile(saved, 'utf8')).trim()).toBe('0');
    expect(await probe('127.0.0.1', PORT)).toBe('TIMEOUT');
    expect(await probe(NODE_IP, NODE_PORT)).toBe('loopback-only secret');
    expect(await probe(NODE_IP, NODE_PORT + 1)).not.toBe('loopback-only secret');

    // The last one out.
    expect(JSON.parse(await proxier('cleanup'))).toEqual({ restored: '0', keptFor: [] });
    expect(await routeLocalnet()).toBe('0');
    for (const table of ['filter', 'nat'] as const) expect(await save(table)).not.toContain('MK8S-');
    expect(await links()).not.toContain('mk8s-svc-');
    await expect(readFile(saved)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
