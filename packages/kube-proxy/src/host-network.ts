/**
 * What the proxiers change on the host outside iptables, behind a seam:
 * the `mk8s-svc0` bridge that the service range is routed to (this kernel
 * has no `dummy` links; a route to an empty bridge keeps a ClusterIP on this
 * machine even when no rule matches), `route_localnet` for NodePorts on
 * 127.0.0.1, and local addresses for userspace listeners on ClusterIPs.
 * All operations are idempotent.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';

export const SERVICE_BRIDGE = 'mk8s-svc0';
const ROUTE_LOCALNET = '/proc/sys/net/ipv4/conf/all/route_localnet';

export interface HostNetwork {
  /** Creates the bridge (up) and routes `cidr` to it. */
  ensureServiceRoute(cidr: string): Promise<void>;
  /** Deletes the bridge, and with it its route and addresses. */
  removeServiceRoute(): Promise<void>;
  /** `net.ipv4.conf.all.route_localnet=1`: lets DNAT'ed packets from 127.0.0.1 leave loopback. */
  enableRouteLocalnet(): Promise<void>;
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

/** The real host (needs root: CAP_NET_ADMIN). */
export class LinuxHostNetwork implements HostNetwork {
  async ensureServiceRoute(cidr: string): Promise<void> {
    await must(['link', 'add', SERVICE_BRIDGE, 'type', 'bridge'], /File exists/);
    await must(['link', 'set', SERVICE_BRIDGE, 'up']);
    await must(['route', 'replace', cidr, 'dev', SERVICE_BRIDGE]);
  }

  async removeServiceRoute(): Promise<void> {
    await must(['link', 'del', SERVICE_BRIDGE], /Cannot find device|does not exist/);
  }

  async enableRouteLocalnet(): Promise<void> {
    const now = (await readFile(ROUTE_LOCALNET, 'utf8')).trim();
    if (now !== '1') await writeFile(ROUTE_LOCALNET, '1\n');
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

/** Records calls; for tests. */
export class FakeHostNetwork implements HostNetwork {
  readonly calls: string[] = [];
  routes = new Set<string>();
  addresses = new Set<string>();
  routeLocalnet = false;

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
    this.routeLocalnet = true;
  }

  async addLocalAddress(addr: string): Promise<void> {
    this.addresses.add(addr);
  }

  async removeLocalAddress(addr: string): Promise<void> {
    this.addresses.delete(addr);
  }
}
