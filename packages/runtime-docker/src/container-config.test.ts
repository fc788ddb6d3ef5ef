import { describe, expect, it } from 'vitest';
import { containerCreateOptions, resourcesHostConfig, sandboxCreateOptions } from './container-config.js';
import { decodeMap } from './labels.js';

describe('sandboxCreateOptions', () => {
  it('labels the pause container with pod keys and keeps CRI labels as JSON', () => {
    const o = sandboxCreateOptions({
      config: {
        metadata: { name: 'web', namespace: 'default', uid: 'u1', attempt: 2 },
        hostname: 'web',
        logDirectory: '/var/log/pods/x',
        labels: { 'io.kubernetes.pod.name': 'web', app: 'a' },
        annotations: { note: 'n' },
        portMappings: [{ containerPort: 80, hostPort: 8080 }],
        dnsConfig: { servers: ['10.0.0.10'], searches: ['svc'] },
      },
      image: 'mk8s/pause:latest',
      runtimeHandler: '',
      createdAtNs: 123,
      scopeLabels: { 'io.mk8s.node': 'n1' },
    });
    const l = o.Labels ?? {};
    expect(l['io.kubernetes.pod.name']).toBe('web');
    expect(l['io.kubernetes.pod.uid']).toBe('u1');
    expect(l['io.mk8s.type']).toBe('podsandbox');
    expect(l['io.mk8s.attempt']).toBe('2');
    expect(l['io.mk8s.node']).toBe('n1');
    expect(decodeMap(l['io.mk8s.cri-labels'])).toEqual({ 'io.kubernetes.pod.name': 'web', app: 'a' });
    expect(decodeMap(l['io.mk8s.cri-annotations'])).toEqual({ note: 'n' });
    expect(o.Hostname).toBe('web');
    expect(o.name).toBe('k8s_POD_web_default_u1_2');
    expect(o.HostConfig?.NetworkMode).toBe('bridge');
    expect(o.HostConfig?.IpcMode).toBe('shareable');
    expect(o.HostConfig?.PortBindings).toEqual({ '80/tcp': [{ HostIp: '', HostPort: '8080' }] });
    expect(o.HostConfig?.Dns).toEqual(['10.0.0.10']);
  });

  it('uses the host network without a hostname for NODE network pods', () => {
    const o = sandboxCreateOptions({
      config: {
        metadata: { name: 'h', namespace: 'kube-system', uid: 'u2' },
        hostname: 'h',
        linux: { securityContext: { namespaceOptions: { network: 'NODE' } } },
      },
      image: 'p',
      runtimeHandler: '',
      createdAtNs: 1,
      scopeLabels: {},
    });
    expect(o.HostConfig?.NetworkMode).toBe('host');
    expect(o.Hostname).toBeUndefined();
  });
});

describe('containerCreateOptions', () => {
  const base = {
    sandboxId: 'sb1',
    pod: { name: 'web', namespace: 'default', uid: 'u1' },
    logPath: '/logs/app/0.log',
    createdAtNs: 5,
    scopeLabels: {},
    sandboxHostNetwork: false,
  };

  it('joins the sandbox and maps command, args, env, mounts and resources', () => {
    const o = containerCreateOptions({
      ...base,
      config: {
        metadata: { name: 'app', attempt: 1 },
        image: { image: 'busybox:latest' },
        command: ['httpd'],
        args: ['-f', '-p', '8080'],
        workingDir: '/var/www',
        envs: [{ key: 'A', value: 'b=c' }],
        mounts: [{ hostPath: '/tmp/x', containerPath: '/data', readonly: true }],
        linux: {
          resources: { cpuQuota: 50_000, cpuPeriod: 100_000, cpuShares: 512, memoryLimitInBytes: 64 << 20 },
          securityContext: { namespaceOptions: { pid: 'POD' } },
        },
      },
    });
    expect(o.Entrypoint).toEqual(['httpd']);
    expect(o.Cmd).toEqual(['-f', '-p', '8080']);
    expect(o.WorkingDir).toBe('/var/www');
    expect(o.Env).toEqual(['A=b=c']);
    expect(o.HostConfig?.NetworkMode).toBe('container:sb1');
    expect(o.HostConfig?.IpcMode).toBe('container:sb1');
    expect(o.HostConfig?.PidMode).toBe('container:sb1');
    expect(o.HostConfig?.CpuQuota).toBe(50_000);
    expect(o.HostConfig?.CpuPeriod).toBe(100_000);
    expect(o.HostConfig?.CpuShares).toBe(512);
    expect(o.HostConfig?.Memory).toBe(64 << 20);
    expect(o.HostConfig?.Mounts).toEqual([
      { Type: 'bind', Source: '/tmp/x', Target: '/data', ReadOnly: true, BindOptions: { Propagation: 'rprivate' } },
    ]);
    const l = o.Labels ?? {};
    expect(l['io.kubernetes.container.name']).toBe('app');
    expect(l['io.mk8s.sandbox-id']).toBe('sb1');
    expect(l['io.mk8s.type']).toBe('container');
    expect(l['io.mk8s.log-path']).toBe('/logs/app/0.log');
    expect(l['io.mk8s.image']).toBe('busybox:latest');
  });

  it("keeps the image's entrypoint and cmd when command and args are empty", () => {
    const o = containerCreateOptions({ ...base, config: { metadata: { name: 'c' }, image: { image: 'busybox' } } });
    expect(o.Entrypoint).toBeUndefined();
    expect(o.Cmd).toBeUndefined();
    expect(o.HostConfig?.PidMode).toBeUndefined();
  });

  it('ignores unset resources and lowering the OOM score', () => {
    expect(resourcesHostConfig({ cpuQuota: 0, memoryLimitInBytes: 0, oomScoreAdj: -998 })).toEqual({});
    expect(resourcesHostConfig({ cpuQuota: 20_000 })).toEqual({ CpuQuota: 20_000, CpuPeriod: 100_000 });
  });
});
