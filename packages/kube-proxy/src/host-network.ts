/**
 * What the proxiers change on the host outside iptables, behind a seam:
 * the `mk8s-svc0` bridge that the service range is routed to (this kernel
 * has no `dummy` links; a route to an empty bridge keeps a ClusterIP on this
 * machine even when no rule matches), `route_localnet` for NodePorts on
 * 127.0.0.1, and local addresses for userspace listeners on ClusterIPs.
 * All operations are idempotent.
 *
 * route_localnet: the value found before the first change is remembered in
 * a file under /run (gone at reboot, as the setting itself) so that
 * `kube-proxy --cleanup`, another process, can put it back.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const SERVICE_BRIDGE = 'mk8s-svc0';
export const ROUTE_LOCALNET = '/proc/sys/net/ipv4/conf/all/route_localnet';
/** Where the route_localnet value found before kube-proxy changed it is kept. */
export const ROUTE_LOCALNET_SAVED = '/run/mk8s/kube-proxy/route_localnet.before';

export interface HostNetwork {
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

async function must(args: string[], ok: RegExp = /$^/): Promise<void> {
  const r = await ip(args);
  if (r.code !== 0 && !ok.test(r.stderr)) throw new Error(`ip ${args.join(' ')} failed: ${r.stderr.trim()}`);
}

export interface LinuxHostNetworkOptions {
  /** The sysctl file (default /proc/sys/net/ipv4/conf/all/route_localnet). */
  routeLocalnetPath?: string;
  /** Where the value before kube-proxy's change is kept (default ROUTE_LOCALNET_SAVED). */
  routeLocalnetSavedPath?: string;
}

/** The real host (needs root: CAP_NET_ADMIN). */
export class LinuxHostNetwork implements HostNetwork {
  private readonly sysctl: string;
  private readonly saved: string;

  constructor(opts: LinuxHostNetworkOptions = {}) {
    this.sysctl = opts.routeLocalnetPath ?? ROUTE_LOCALNET;
    this.saved = opts.routeLocalnetSavedPath ?? ROUTE_LOCALNET_SAVED;
  }

  async ensureServiceRoute(cidr: string): Promise<void> {
    await must(['link', 'add', SERVICE_BRIDGE, 'type', 'bridge'], /File exists/);
    await must(['link', 'set', SERVICE_BRIDGE, 'up']);
    await must(['route', 'replace', cidr, 'dev', SERVICE_BRIDGE]);
  }

  async removeServiceRoute(): Promise<void> {
    await must(['link', 'del', SERVICE_BRIDGE], /Cannot find device|does not exist/);
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
    await must(['link', 'add', SERVICE_BRIDGE, 'type', 'bridge'], /File exists/);
    await must(['link', 'set', SERVICE_BRIDGE, 'up']);
    await must(['addr', 'add', `${addr}/32`, 'dev', SERVICE_BRIDGE], /File exists|already assigned/);
  }

  async removeLocalAddress(addr: string): Promise<void> {
    await must(['addr', 'del', `${addr}/32`, 'dev', SERVICE_BRIDGE], /Cannot assign|Cannot find device|does not exist/);
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

/** Records calls; for tests. */
export class FakeHostNetwork implements HostNetwork {
  readonly calls: string[] = [];
  routes = new Set<string>();
  addresses = new Set<string>();
  routeLocalnet = false;
  /** The value before `enableRouteLocalnet`, as LinuxHostNetwork remembers it. */
  routeLocalnetBefore: boolean | undefined;
  /** Called when route_localnet is turned on (e.g. to check what iptables holds at that moment). */
  onEnableRouteLocalnet?: () => void | Promise<void>;

  async ensureServiceRoute(cidr: string): Promise<void> {
    this.calls.push(`route ${cidr}`);
    this.routes.add(cidr);
  }

  async removeServiceRoute(): Promise<void> {
    this.calls.push('remove bridge');
    this.routes.clear();
    this.addresses.clear();
  }

  async enableRouteLocalnet(): Promise<void> {
    await this.onEnableRouteLocalnet?.();
    this.calls.push('route_localnet=1');
    this.routeLocalnetBefore ??= this.routeLocalnet;
    this.routeLocalnet = true;
  }

  async restoreRouteLocalnet(): Promise<string | undefined> {
    if (this.routeLocalnetBefore === undefined) return undefined;
    this.calls.push(`route_localnet=${this.routeLocalnetBefore ? 1 : 0}`);
    this.routeLocalnet = this.routeLocalnetBefore;
    this.routeLocalnetBefore = undefined;
    return this.routeLocalnet ? '1' : '0';
  }

  async addLocalAddress(addr: string): Promise<void> {
    this.addresses.add(addr);
  }

  async removeLocalAddress(addr: string): Promise<void> {
    this.addresses.delete(addr);
  }
}
