// Stock kubectl (v1.32) against a real kube-apiserver process: the commands
// a user runs, with their real output.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { requireTool, startApiServerProcess, type ComponentProcess } from '@mk8s/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlAt, type KubectlResult } from './support/cluster.js';

const KUBECTL = process.env['KUBECTL'] ?? 'kubectl';
requireTool('kubectl', KUBECTL, ['version', '--client']);

describe('kubectl against kube-apiserver', () => {
  let api: { proc: ComponentProcess; url: string };
  let dir: string;

  const kubectl = (...args: string[]): Promise<KubectlResult> => kubectlAt(KUBECTL, api.url, path.join(dir, 'cache'), ...args);

  function podManifest(image: string): string {
    return JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image, command: ['httpd', '-f', '-p', '8080'] }] },
    });
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mk8s-kubectl-'));
    api = await startApiServerProcess();
  });
  afterAll(async () => {
    await api?.proc.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('reports the server version', async () => {
    const r = await kubectl('version');
    expect(r.stdout).toContain('Server Version: v1.32.0-mk8s');
  });

  it('lists API resources from discovery', async () => {
    const r = await kubectl('api-resources');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/pods\s+po\s+v1\s+true\s+Pod/);
    expect(r.stdout).toMatch(/deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/);
  });

  it('applies a new pod, then reconfigures it', async () => {
    const file = path.join(dir, 'pod.json');
    await writeFile(file, podManifest('busybox:latest'));
    const created = await kubectl('apply', '-f', file);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout.trim()).toBe('pod/web created');
    await writeFile(file, podManifest('busybox:1.36'));
    const configured = await kubectl('apply', '-f', file);
    expect(configured.code, configured.stderr).toBe(0);
    expect(configured.stdout.trim()).toBe('pod/web configured');
    const image = await kubectl('get', 'pod', 'web', '-o', 'jsonpath={.spec.containers[0].image}');
    expect(image.stdout).toBe('busybox:1.36');
    const unchanged = await kubectl('apply', '-f', file);
    expect(unchanged.stdout.trim()).toBe('pod/web unchanged');
  });

  it('prints server-side tables', async () => {
    const r = await kubectl('get', 'pods');
    expect(r.code, r.stderr).toBe(0);
    const [header, row] = r.stdout.trim().split('\n');
    expect(header!.split(/\s+/)).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    expect(row!.split(/\s+/).slice(0, 4)).toEqual(['web', '0/1', 'Pending', '0']);
    const ns = await kubectl('get', 'namespaces');
    expect(ns.stdout).toMatch(/default\s+Active/);
    expect(ns.stdout).toMatch(/kube-system\s+Active/);
  });

  it('prints YAML and honours label and field selectors', async () => {
    const yaml = await kubectl('get', 'pod', 'web', '-o', 'yaml');
    expect(yaml.stdout).toContain('kind: Pod');
    expect(yaml.stdout).toMatch(/resourceVersion: "\d+"/);
    expect((await kubectl('get', 'pods', '-l', 'app=web', '-o', 'name')).stdout.trim()).toBe('pod/web');
    expect((await kubectl('get', 'pods', '-l', 'app=other', '-o', 'name')).stdout.trim()).toBe('');
    expect((await kubectl('get', 'pods', '--field-selector', 'metadata.name=web', '-o', 'name')).stdout.trim()).toBe('pod/web');
    expect((await kubectl('get', 'pods', '--field-selector', 'status.phase=Running', '-o', 'name')).stdout.trim()).toBe('');
  });

  it('labels and scales', async () => {
    expect((await kubectl('label', 'pod', 'web', 'tier=front')).stdout.trim()).toBe('pod/web labeled');
    expect((await kubectl('get', 'pods', '-l', 'tier=front', '-o', 'name')).stdout.trim()).toBe('pod/web');
    const rs = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'front' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'front' } },
        template: { metadata: { labels: { app: 'front' } }, spec: { containers: [{ name: 'c', image: 'busybox:latest' }] } },
      },
    };
    const file = path.join(dir, 'rs.json');
    await writeFile(file, JSON.stringify(rs));
    expect((await kubectl('create', '-f', file)).stdout.trim()).toBe('replicaset.apps/front created');
    expect((await kubectl('scale', 'rs', 'front', '--replicas=4')).stdout.trim()).toBe('replicaset.apps/front scaled');
    expect((await kubectl('get', 'rs', 'front', '-o', 'jsonpath={.spec.replicas}')).stdout).toBe('4');
  });

  it('applies server-side: creates, converges, conflicts with another manager, takes the field with --force-conflicts', async () => {
    const file = path.join(dir, 'ssa.yaml');
    const manifest = (replicas: number, image: string) =>
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata:',
        '  name: ssa',
        '  labels: {app: ssa}',
        'spec:',
        `  replicas: ${replicas}`,
        '  selector: {matchLabels: {app: ssa}}',
        '  template:',
        '    metadata: {labels: {app: ssa}}',
        '    spec:',
        '      containers:',
        `      - {name: app, image: "${image}", ports: [{containerPort: 80}]}`,
        '',
      ].join('\n');
    await writeFile(file, manifest(2, 'busybox:latest'));
    const created = await kubectl('apply', '--server-side', '-f', file);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout.trim()).toBe('deployment.apps/ssa serverside-applied');
    const again = await kubectl('apply', '--server-side', '-f', file);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe('deployment.apps/ssa serverside-applied');

    const owners = await kubectl(
      'get',
      'deployment',
      'ssa',
      '--show-managed-fields',
      '-o',
      'jsonpath={range .metadata.managedFields[*]}{.manager}/{.operation} {end}',
    );
    expect(owners.stdout.trim()).toBe('kubectl/Apply');

    // Another manager takes spec.replicas; the next apply of a different value conflicts, naming the field and the manager.
    const scaled = await kubectl('patch', 'deployment', 'ssa', '--type=merge', '-p', '{"spec":{"replicas":4}}', '--field-manager=autoscaler');
    expect(scaled.code, scaled.stderr).toBe(0);
    await writeFile(file, manifest(3, 'busybox:1.36'));
    const conflict = await kubectl('apply', '--server-side', '-f', file);
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toContain('Apply failed with 1 conflict: conflict with "autoscaler" using apps/v1: .spec.replicas');
    expect((await kubectl('get', 'deployment', 'ssa', '-o', 'jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image}')).stdout).toBe(
      '4 busybox:latest',
    );

    const forced = await kubectl('apply', '--server-side', '--force-conflicts', '-f', file);
    expect(forced.code, forced.stderr).toBe(0);
    expect((await kubectl('get', 'deployment', 'ssa', '-o', 'jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image}')).stdout).toBe(
      '3 busybox:1.36',
    );
    const after = await kubectl('get', 'deployment', 'ssa', '--show-managed-fields', '-o', 'json');
    const entries = (JSON.parse(after.stdout) as { metadata: { managedFields: Array<{ manager: string; fieldsV1: Record<string, unknown> }> } }).metadata
      .managedFields;
    const autoscaler = entries.find((e) => e.manager === 'autoscaler');
    expect(JSON.stringify(autoscaler?.fieldsV1 ?? {})).not.toContain('f:replicas');

    // kubectl hides managedFields unless asked.
    expect((await kubectl('get', 'deployment', 'ssa', '-o', 'yaml')).stdout).not.toContain('managedFields');
  });

  it('watches with get -w', async () => {
    const child = spawn(KUBECTL, ['--server', api.url, '--cache-dir', path.join(dir, 'cache'), 'get', 'configmaps', '-w', '--no-headers'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await new Promise((r) => setTimeout(r, 1500));
      const file = path.join(dir, 'watched.json');
      await writeFile(file, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'watched' }, data: { a: 'b' } }));
      const created = await kubectl('create', '-f', file);
      expect(created.code, created.stderr).toBe(0);
      const deadline = Date.now() + 10_000;
      // kubectl may flush a row in more than one chunk: wait for the whole row, not its first bytes.
      while (!/watched\s+1\s+/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(out).toMatch(/watched\s+1\s+/);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('runs the generators that send protobuf (create configmap, secret, namespace, deployment)', async () => {
    expect((await kubectl('create', 'configmap', 'gen', '--from-literal=k=v')).stdout.trim()).toBe('configmap/gen created');
    expect((await kubectl('get', 'configmap', 'gen', '-o', 'jsonpath={.data.k}')).stdout).toBe('v');
    expect((await kubectl('create', 'secret', 'generic', 'gen', '--from-literal=password=s3cret')).stdout.trim()).toBe('secret/gen created');
    const b64 = (await kubectl('get', 'secret', 'gen', '-o', 'jsonpath={.data.password}')).stdout;
    expect(Buffer.from(b64, 'base64').toString()).toBe('s3cret');
    expect((await kubectl('create', 'namespace', 'team-a')).stdout.trim()).toBe('namespace/team-a created');
    const dep = await kubectl('create', 'deployment', 'gen', '--image=busybox:latest', '--replicas=3', '-n', 'team-a');
    expect(dep.code, dep.stderr).toBe(0);
    expect(dep.stdout.trim()).toBe('deployment.apps/gen created');
    const spec = JSON.parse((await kubectl('get', 'deployment', 'gen', '-n', 'team-a', '-o', 'json')).stdout);
    expect(spec.spec.replicas).toBe(3);
    expect(spec.spec.template.spec.containers[0].image).toBe('busybox:latest');
    expect(spec.spec.template.spec.restartPolicy).toBe('Always');
  });

  it('deletes, and reports missing objects as kubectl does', async () => {
    const del = await kubectl('delete', 'pod', 'web');
    expect(del.code, del.stderr).toBe(0);
    expect(del.stdout.trim()).toBe('pod "web" deleted');
    const missing = await kubectl('get', 'pod', 'web');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('Error from server (NotFound): pods "web" not found');
  });

  it('shows validation errors with field paths', async () => {
    const file = path.join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bad' }, spec: { containers: [{ name: 'c' }] } }));
    const r = await kubectl('create', '-f', file);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('spec.containers[0].image: Required value');
  });
});
