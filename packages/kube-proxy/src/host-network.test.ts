// LinuxHostNetwork's route_localnet bookkeeping, over files standing in for
// the sysctl and /run: the value found first is remembered (a restart keeps
// it), and restoring puts it back and forgets it. And the per-cluster bridge
// names (the bridges themselves: localnet-firewall.int.test.ts, in a network
// namespace).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serviceBridgeName } from './cluster-name.js';
import { FakeHostNetwork, LinuxHostNetwork } from './host-network.js';

let dir: string;
let sysctl: string;
let saved: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kube-proxy-host-'));
  sysctl = join(dir, 'route_localnet');
  saved = join(dir, 'run', 'kube-proxy', 'route_localnet.before');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const value = async (file: string) => (await readFile(file, 'utf8')).trim();
const exists = (file: string) =>
  readFile(file).then(
    () => true,
    () => false,
  );

describe('LinuxHostNetwork: route_localnet', () => {
  it('remembers the value it replaces and puts it back on restore', async () => {
    await writeFile(sysctl, '0\n');
    const host = new LinuxHostNetwork({ routeLocalnetPath: sysctl, routeLocalnetSavedPath: saved });
    await host.enableRouteLocalnet();
    expect(await value(sysctl)).toBe('1');
    expect(await value(saved)).toBe('0');
    // A restarted kube-proxy finds 1 and keeps the first value.
    await new LinuxHostNetwork({ routeLocalnetPath: sysctl, routeLocalnetSavedPath: saved }).enableRouteLocalnet();
    expect(await value(saved)).toBe('0');
    // `kube-proxy --cleanup` is another process.
    const cleanup = new LinuxHostNetwork({ routeLocalnetPath: sysctl, routeLocalnetSavedPath: saved });
    expect(await cleanup.restoreRouteLocalnet()).toBe('0');
    expect(await value(sysctl)).toBe('0');
    expect(await exists(saved)).toBe(false);
    expect(await cleanup.restoreRouteLocalnet()).toBeUndefined();
    expect(await value(sysctl)).toBe('0');
  });

  it('leaves route_localnet on when it was on before, and alone when nothing was remembered', async () => {
    await writeFile(sysctl, '1\n');
    const host = new LinuxHostNetwork({ routeLocalnetPath: sysctl, routeLocalnetSavedPath: saved });
    expect(await host.restoreRouteLocalnet()).toBeUndefined();
    expect(await value(sysctl)).toBe('1');
    await host.enableRouteLocalnet();
    expect(await host.restoreRouteLocalnet()).toBe('1');
    expect(await value(sysctl)).toBe('1');
  });
});

describe('service bridge per cluster', () => {
  it("is mk8s-svc-<tag>: the default cluster's unless given, and a valid link name", () => {
    expect(new LinuxHostNetwork().bridge).toBe('mk8s-svc-ssv4');
    expect(new LinuxHostNetwork().bridge).toBe(serviceBridgeName('kubernetes'));
    expect(new LinuxHostNetwork({ bridge: serviceBridgeName('mk8s-e2e') }).bridge).toBe(serviceBridgeName('mk8s-e2e'));
    expect(serviceBridgeName('mk8s-e2e')).not.toBe(serviceBridgeName('kubernetes'));
    for (const name of ['kubernetes', 'mk8s-e2e', 'x'.repeat(500)]) expect(serviceBridgeName(name)).toMatch(/^mk8s-svc-[a-z2-7]{4}$/);
    expect(() => new LinuxHostNetwork({ bridge: 'a-bridge-name-too-long' })).toThrow(/not a valid link name/);
    expect(() => new LinuxHostNetwork({ bridge: '' })).toThrow(/not a valid link name/);
    expect(() => new FakeHostNetwork({ bridge: 'bad/name' })).toThrow(/not a valid link name/);
  });

  it("the fake: each cluster's bridge is its own; a route to the same range moves to the last bridge, as `ip route replace` does", async () => {
    const a = new FakeHostNetwork({ bridge: serviceBridgeName('a') });
    const b = new FakeHostNetwork({ bridge: serviceBridgeName('b'), machine: a.machine });
    await a.ensureServiceRoute('10.96.0.0/16');
    await b.ensureServiceRoute('10.97.0.0/16');
    await b.addLocalAddress('10.97.0.10');
    await b.removeServiceRoute();
    expect(a.routes).toEqual(new Set(['10.96.0.0/16']));
    expect(b.routes).toEqual(new Set());
    expect(b.addresses).toEqual(new Set());
    await b.ensureServiceRoute('10.96.0.0/16');
    expect(a.routes).toEqual(new Set());
    expect(b.routes).toEqual(new Set(['10.96.0.0/16']));
  });
});
