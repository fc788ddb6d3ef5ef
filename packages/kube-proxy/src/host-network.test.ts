// LinuxHostNetwork's route_localnet bookkeeping, over files standing in for
// the sysctl and /run: the value found first is remembered (a restart keeps
// it), and restoring puts it back and forgets it.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LinuxHostNetwork } from './host-network.js';

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
