// The local images (docs/images.md) do what the cluster and its examples need,
// with no registry: busybox with its applets, and a pause image that holds a
// sandbox until SIGTERM ends it at once.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const LABEL = `io.mk8s.e2e=images-${process.pid}`;

async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { timeout: 60_000 });
  return stdout.trim();
}

describe('local images', () => {
  afterAll(async () => {
    const ids = await docker('ps', '-aq', '--filter', `label=${LABEL}`);
    if (ids) await docker('rm', '-f', ...ids.split('\n'));
  });

  it('runs busybox:latest without pulling', async () => {
    expect(await docker('run', '--rm', '--pull=never', '--label', LABEL, 'busybox:latest', 'sh', '-c', 'echo ok')).toBe('ok');
  });

  it('has the applets the examples use', async () => {
    const applets = ['sh', 'httpd', 'mkdir', 'hostname', 'sleep', 'wget', 'nc', 'cat', 'ls', 'ps'];
    const out = await docker(
      'run',
      '--rm',
      '--pull=never',
      '--label',
      LABEL,
      'busybox:latest',
      'sh',
      '-c',
      `for a in ${applets.join(' ')}; do [ -x /bin/$a ] && echo /bin/$a; done`,
    );
    expect(out.split('\n')).toEqual(applets.map((a) => `/bin/${a}`));
  });

  it('serves HTTP from busybox httpd on the bridge address', async () => {
    const id = await docker('run', '-d', '--pull=never', '--label', LABEL, 'busybox:latest', 'httpd', '-f', '-p', '8080', '-h', '/var/www');
    const ip = await docker('inspect', '-f', '{{ .NetworkSettings.IPAddress }}', id);
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    // A second container on the same bridge fetches the page, so traffic stays on the Docker bridge.
    const page = await docker(
      'run',
      '--rm',
      '--pull=never',
      '--label',
      LABEL,
      'busybox:latest',
      'sh',
      '-c',
      `for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O - http://${ip}:8080/ && exit 0; sleep 0.2; done; exit 1`,
    );
    expect(page).toContain('mk8s busybox httpd');
  });

  it('pause holds a sandbox and exits 0 on SIGTERM well within the grace period', async () => {
    const id = await docker('run', '-d', '--pull=never', '--label', LABEL, 'mk8s/pause:latest');
    expect(await docker('inspect', '-f', '{{ .State.Running }}', id)).toBe('true');
    // docker stop -t 30 would SIGKILL after 30 s and leave exit code 137.
    await docker('stop', '-t', '30', id);
    expect(await docker('inspect', '-f', '{{ .State.ExitCode }}', id)).toBe('0');
  });

  it('lets an app container join the sandbox network namespace', async () => {
    const sandbox = await docker('run', '-d', '--pull=never', '--label', LABEL, '--hostname', 'pod-a', 'mk8s/pause:latest');
    const out = await docker('run', '--rm', '--pull=never', '--label', LABEL, '--network', `container:${sandbox}`, 'busybox:latest', 'hostname');
    expect(out).toBe('pod-a');
  });
});
