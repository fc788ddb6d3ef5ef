/**
 * What the proxiers change on the host outside iptables, behind a seam:
 * the cluster's service bridge (`mk8s-svc-<tag>`, see serviceBridgeName)
 * that the service range is routed to (this kernel has no `dummy` links; a
 * route to an empty bridge keeps a ClusterIP on this machine even when no
 * rule matches), `route_localnet` for NodePorts on 127.0.0.1, and local
 * addresses for userspace listeners on ClusterIPs. Each cluster on a machine
 * has its own bridge, so removing one leaves the others' alone. All
 * operations are idempotent.
 *
 * route_localnet: the value found before the first change is remembered in
 * a file under /run (gone at reboot, as the setting itself) so that
 * `kube-proxy --cleanup`, another process, can put it back. The setting is
 * the machine's, so the file is shared by all clusters: the first one to
 * turn it on remembers, and the last one's cleanup puts it back (see
 * cleanupIptables).
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MAX_LINK_NAME, serviceBridgeName } from './cluster-name.js';

export const ROUTE_LOCALNET = '/proc/sys/net/ipv4/conf/all/route_localnet';
/** Where the route_localnet value found before kube-proxy changed it is kept: one file for the machine, shared by every cluster. */
export const ROUTE_LOCALNET_SAVED = '/run/mk8s/kube-proxy/route_localnet.before';

export interface HostNetwork {
  /** The service bridge this host network manages (one per cluster). */
  readonly bridge: string;
  /** Creates the bridge (up) and routes `cidr` to it. */
  ensureServiceRoute(cidr: string): Promise<void>;
  /** Deletes the bridge, and with it its route and addresses. */
  removeServiceRoute(): Promise<void>;
  /**
   * `net.ipv4.conf.all.route_localnet=1`: lets DNAT'ed packets from 127.0.0.1
   * leave loopback. Remembers the value it replaces (once: a restart keeps the first).
   */
  enableRouteLocalnet(): Promise<void>;
  /** Puts back the remembered route_localnet value and forgets it; resolves to it, or undefined when none was remembered. */
  restoreRouteLocalnet(): Promise<string | undefined>;
  /** Adds `ip/32` to the bridge (userspace listeners on ClusterIPs). */
  addLocalAddress(ip: string): Promise<void>;
  removeLocalAddress(ip: string): Promise<void>;
}

function ip(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile('ip', args, (err, _stdout, stderr) => {
      if (err && typeof (err as { code?: unknown }).code !== 'number') return reject(err);
      resolve({ code: err ? Number((err as { code: number }).code) : 0, stderr });
    });
  });
}

/** A valid link name: 1 to 15 characters, no `/`, `:` or whitespace. */
function checkBridgeName(name: string): string {
  if (name.length === 0 || name.length > MAX_LINK_NAME || /[\s/:]/.test(name)) {
    throw new Error(`bridge name "${name}" is not a valid link name (1 to ${MAX_LINK_NAME} characters, no "/", ":" or whitespace)`);
  }
  return name;
}

async function must(args: string[], ok: RegExp = /$^/): Promise<void> {
  const r = await ip(args);
  if (r.code !== 0 && !ok.test(r.stderr)) throw new Error(`ip ${args.join(' ')} failed: ${r.stderr.trim()}`);
}

export interface LinuxHostNetworkOptions {
  /** The cluster's service bridge: `serviceBridgeName(clusterName)` (default: the `kubernetes` cluster's, `mk8s-svc-ssv4`). */
  bridge?: string;
  /** The sysctl file (default /proc/sys/net/ipv4/conf/all/route_localnet). */
  routeLocalnetPath?: string;
  /** Where the value before kube-proxy's change is kept (default ROUTE_LOCALNET_SAVED). */
  routeLocalnetSavedPath?: string;
}

/** The real host (needs root: CAP_NET_ADMIN). */
export class LinuxHostNetwork implements HostNetwork {
  readonly bridge: string;
  private readonly sysctl: string;
  private readonly saved: string;

  constructor(opts: LinuxHostNetworkOptions = {}) {
    this.bridge = checkBridgeName(opts.bridge ?? serviceBridgeName());
    this.sysctl = opts.routeLocalnetPath ?? ROUTE_LOCALNET;
    this.saved = opts.routeLocalnetSavedPath ?? ROUTE_LOCALNET_SAVED;
  }

  async ensureServiceRoute(cidr: string): Promise<void> {
    await must(['link', 'add', this.bridge, 'type', 'bridge'], /File exists/);
    await must(['link', 'set', this.bridge, 'up']);
    await must(['route', 'replace', cidr, 'dev', this.bridge]);
  }

  async removeServiceRoute(): Promise<void> {
    await must(['link', 'del', this.bridge], /Cannot find device|does not exist/);
  }

  async enableRouteLocalnet(): Promise<void> {
    const now = (await readFile(this.sysctl, 'utf8')).trim();
    if ((await readSaved(this.saved)) === undefined) {
      await mkdir(path.dirname(this.saved), { recursive: true, mode: 0o700 });
      await writeFile(this.saved, `${now}\n`, { mode: 0o600 });
    }
    if (now !== '1') await writeFile(this.sysctl, '1\n');
  }

  async restoreRouteLocalnet(): Promise<string | undefined> {
    const before = await readSaved(this.saved);
    if (before === undefined) return undefined;
    const now = (await readFile(this.sysctl, 'utf8')).trim();
    if (now !== before) await writeFile(this.sysctl, `${before}\n`);
    await rm(this.saved, { force: true });
    // Leave no empty folders behind: the state folder and its parent, each only when empty (rmdir refuses otherwise).
    for (const dir of [path.dirname(this.saved), path.dirname(path.dirname(this.saved))]) await rmdir(dir).catch(() => undefined);
    return before;
  }

  async addLocalAddress(addr: string): Promise<void> {
    await must(['link', 'add', this.bridge, 'type', 'bridge'], /File exists/);
    await must(['link', 'set', this.bridge, 'up']);
    await must(['addr', 'add', `${addr}/32`, 'dev', this.bridge], /File exists|already assigned/);
  }

  async removeLocalAddress(addr: string): Promise<void> {
    await must(['addr', 'del', `${addr}/32`, 'dev', this.bridge], /Cannot assign|Cannot find device|does not exist/);
  }
}

/** The remembered value: undefined when there is none (or it is not a 0/1 setting). */
async function readSaved(file: string): Promise<string | undefined> {
  let text: string;
  try {
    text = (await readFile(file, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return /^[01]$/.test(text) ? text : undefined;
}

/**
 * What several FakeHostNetworks (one per cluster) share: the machine's
 * bridges and its route_localnet setting.
 */
export class FakeMachine {
  /** Bridges by name, with the routes to each and their addresses. */
  readonly bridges = new Map<string, { routes: Set<string>; addresses: Set<string> }>();
  routeLocalnet = false;
  /** The value before the first `enableRouteLocalnet`, as LinuxHostNetwork remembers it (in a file shared by all clusters). */
  routeLocalnetBefore: boolean | undefined;

  bridge(name: string): { routes: Set<string>; addresses: Set<string> } {
    let b = this.bridges.get(name);
    if (!b) this.bridges.set(name, (b = { routes: new Set(), addresses: new Set() }));
    return b;
  }
}

export interface FakeHostNetworkOptions {
  /** Default: the `kubernetes` cluster's (serviceBridgeName()). */
  bridge?: string;
  /** Shared with the fakes of other clusters on the same "machine" (default: a machine of its own). */
  machine?: FakeMachine;
}

/** Records calls; for tests. Models the kernel's bridges and route_localnet in a FakeMachine. */
export class FakeHostNetwork implements HostNetwork {
  readonly bridge: string;
  readonly machine: FakeMachine;
  readonly calls: string[] = [];
  /** Called when route_localnet is turned on (e.g. to check what iptables holds at that moment). */
  onEnableRouteLocalnet?: () => void | Promise<void>;

  constructor(opts: FakeHostNetworkOptions = {}) {
    this.bridge = checkBridgeName(opts.bridge ?? serviceBridgeName());
    this.machine = opts.machine ?? new FakeMachine();
  }

  /** The routes to this bridge (empty while it does not exist). */
  get routes(): ReadonlySet<string> {
    return this.machine.bridges.get(this.bridge)?.routes ?? new Set();
  }

  /** The addresses on this bridge (empty while it does not exist). */
  get addresses(): ReadonlySet<string> {
    return this.machine.bridges.get(this.bridge)?.addresses ?? new Set();
  }

  get routeLocalnet(): boolean {
    return this.machine.routeLocalnet;
  }

  set routeLocalnet(on: boolean) {
    this.machine.routeLocalnet = on;
  }

  get routeLocalnetBefore(): boolean | undefined {
    return this.machine.routeLocalnetBefore;
  }

  async ensureServiceRoute(cidr: string): Promise<void> {
    this.calls.push(`route ${cidr}`);
    // `ip route replace`: a route to the same range on another bridge moves here.
    for (const b of this.machine.bridges.values()) b.routes.delete(cidr);
    this.machine.bridge(this.bridge).routes.add(cidr);
  }

  async removeServiceRoute(): Promise<void> {
    this.calls.push(`remove bridge ${this.bridge}`);
    this.machine.bridges.delete(this.bridge);
  }

  async enableRouteLocalnet(): Promise<void> {
    await this.onEnableRouteLocalnet?.();
    this.calls.push('route_localnet=1');
    this.machine.routeLocalnetBefore ??= this.machine.routeLocalnet;
    this.machine.routeLocalnet = true;
  }

  async restoreRouteLocalnet(): Promise<string | undefined> {
    const before = this.machine.routeLocalnetBefore;
    if (before === undefined) return undefined;
    this.calls.push(`route_localnet=${before ? 1 : 0}`);
    this.machine.routeLocalnet = before;
    this.machine.routeLocalnetBefore = undefined;
    return before ? '1' : '0';
  }

  async addLocalAddress(addr: string): Promise<void> {
    this.calls.push(`address ${addr}`);
    this.machine.bridge(this.bridge).addresses.add(addr);
  }

  async removeLocalAddress(addr: string): Promise<void> {
    this.calls.push(`remove address ${addr}`);
    this.machine.bridges.get(this.bridge)?.addresses.delete(addr);
  }
}
