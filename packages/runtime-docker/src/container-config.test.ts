import { describe, expect, it } from 'vitest';
import { containerCreateOptions, localhostSeccompRef, resourcesHostConfig, sandboxCreateOptions, securityFeatures } from './container-config.js';
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
    expect(o.HostConfig?.Mounts).toEqual([{ Type: 'bind', Source: '/tmp/x', Target: '/data', ReadOnly: true, BindOptions: { Propagation: 'rprivate' } }]);
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

describe('security context -> Docker', () => {
  const base = {
    sandboxId: 'sb1',
    pod: { name: 'web', namespace: 'default', uid: 'u1' },
    logPath: '',
    createdAtNs: 5,
    scopeLabels: {},
    sandboxHostNetwork: false,
  };
  const withSc = (securityContext: Record<string, unknown> | undefined, security?: Parameters<typeof containerCreateOptions>[0]['security']) =>
    containerCreateOptions({
      ...base,
      security,
      config: { metadata: { name: 'c' }, image: { image: 'busybox' }, linux: { securityContext } },
    });
  const all = { features: { seccomp: true, apparmor: true, selinux: true } };

  it('maps user, group, supplementary groups, capabilities, no_new_privs, read-only root and paths', () => {
    const o = withSc({
      runAsUser: { value: 1000 },
      runAsGroup: { value: 3000 },
      supplementalGroups: [2000, 4000],
      capabilities: { addCapabilities: ['NET_BIND_SERVICE'], dropCapabilities: ['ALL'] },
      noNewPrivs: true,
      readonlyRootfs: true,
      maskedPaths: ['/proc/kcore'],
      readonlyPaths: ['/proc/sys'],
      seccomp: { profileType: 'RuntimeDefault' },
    });
    expect(o.User).toBe('1000:3000');
    const hc = o.HostConfig!;
    expect(hc.GroupAdd).toEqual(['2000', '4000']);
    expect(hc.CapAdd).toEqual(['NET_BIND_SERVICE']);
    expect(hc.CapDrop).toEqual(['ALL']);
    expect(hc.ReadonlyRootfs).toBe(true);
    expect(hc.Privileged).toBeUndefined();
    expect(hc.SecurityOpt).toEqual(['no-new-privileges']);
    expect(hc.MaskedPaths).toEqual(['/proc/kcore']);
    expect(hc.ReadonlyPaths).toEqual(['/proc/sys']);
  });

  it('keeps the image user and Docker defaults when there is no security context', () => {
    const o = withSc(undefined);
    expect(o.User).toBeUndefined();
    expect(o.HostConfig).not.toHaveProperty('MaskedPaths');
    expect(o.HostConfig).not.toHaveProperty('SecurityOpt');
    expect(o.HostConfig).not.toHaveProperty('GroupAdd');
  });

  it('runs as root when told (uid 0), and by name with a group', () => {
    expect(withSc({ runAsUser: { value: 0 } }).User).toBe('0');
    expect(withSc({ runAsUsername: 'nobody', runAsGroup: { value: 7 } }).User).toBe('nobody:7');
  });

  it('refuses a group without a user', () => {
    expect(() => withSc({ runAsGroup: { value: 7 } })).toThrow(/run_as_group 7 is specified without run_as_user/);
  });

  it('procMount Unmasked: empty masked and read-only paths; privileged: Docker decides', () => {
    const o = withSc({ maskedPaths: [], readonlyPaths: [] });
    expect(o.HostConfig?.MaskedPaths).toEqual([]);
    expect(o.HostConfig?.ReadonlyPaths).toEqual([]);
    const p = withSc({ privileged: true, maskedPaths: ['/proc/kcore'], seccomp: { profileType: 'RuntimeDefault' } });
    expect(p.HostConfig?.Privileged).toBe(true);
    expect(p.HostConfig).not.toHaveProperty('MaskedPaths');
  });

  it('maps seccomp: RuntimeDefault is Docker default, Unconfined, Localhost with the loaded JSON', () => {
    expect(withSc({ seccomp: { profileType: 'RuntimeDefault' } }).HostConfig?.SecurityOpt).toBeUndefined();
    expect(withSc({ seccomp: { profileType: 'Unconfined' } }).HostConfig?.SecurityOpt).toEqual(['seccomp=unconfined']);
    const json = '{"defaultAction":"SCMP_ACT_ALLOW"}';
    const local = withSc({ seccomp: { profileType: 'Localhost', localhostRef: '/p.json' } }, { ...all, seccompProfile: json });
    expect(local.HostConfig?.SecurityOpt).toEqual([`seccomp=${json}`]);
    expect(() => withSc({ seccomp: { profileType: 'Localhost', localhostRef: '/p.json' } })).toThrow(/was not loaded/);
    expect(() => withSc({ seccomp: { profileType: 'Bogus' } })).toThrow(/unknown seccomp profile type/);
    expect(() => withSc({ seccomp: { profileType: 'RuntimeDefault' } }, { features: { seccomp: false, apparmor: false, selinux: false } })).toThrow(
      /seccomp is not enabled/,
    );
    expect(localhostSeccompRef({ seccomp: { profileType: 'Localhost', localhostRef: '/x.json' } })).toBe('/x.json');
    expect(localhostSeccompRef({ seccomp: { profileType: 'RuntimeDefault' } })).toBeUndefined();
  });

  it('applies AppArmor and SELinux only where the engine has them, and refuses otherwise', () => {
    expect(() => withSc({ apparmor: { profileType: 'Localhost', localhostRef: 'my-profile' } })).toThrow(/AppArmor is not enabled/);
    expect(() => withSc({ selinuxOptions: { type: 'spc_t' } })).toThrow(/SELinux is not enabled/);
    expect(withSc({ apparmor: { profileType: 'Unconfined' } }).HostConfig?.SecurityOpt).toEqual(['apparmor=unconfined']);
    expect(withSc({ apparmor: { profileType: 'RuntimeDefault' } }).HostConfig?.SecurityOpt).toBeUndefined();
    const o = withSc(
      {
        apparmor: { profileType: 'Localhost', localhostRef: 'my-profile' },
        selinuxOptions: { user: 'system_u', type: 'spc_t', role: '', level: '' },
        noNewPrivs: true,
      },
      all,
    );
    expect(o.HostConfig?.SecurityOpt).toEqual(['no-new-privileges', 'label=user:system_u', 'label=type:spc_t', 'apparmor=my-profile']);
  });

  it('reads the engine features from docker info', () => {
    expect(securityFeatures(['name=seccomp,profile=default', 'name=apparmor', 'name=cgroupns'])).toEqual({ seccomp: true, apparmor: true, selinux: false });
    expect(securityFeatures(undefined)).toEqual({ seccomp: false, apparmor: false, selinux: false });
  });

  it('maps host namespaces of containers', () => {
    const o = withSc({ namespaceOptions: { network: 'NODE', pid: 'NODE', ipc: 'NODE' } });
    expect(o.HostConfig?.IpcMode).toBe('host');
    expect(o.HostConfig?.PidMode).toBe('host');
    expect(withSc({ namespaceOptions: { pid: 'CONTAINER' } }).HostConfig?.PidMode).toBeUndefined();
  });

  it("runs the pause container as the pod's user with its groups, sysctls and no published ports on the host network", () => {
    const o = sandboxCreateOptions({
      config: {
        metadata: { name: 'p', namespace: 'ns', uid: 'u3' },
        portMappings: [{ containerPort: 80, hostPort: 80 }],
        linux: {
          sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0' },
          securityContext: {
            runAsUser: { value: 1000 },
            runAsGroup: { value: 3000 },
            supplementalGroups: [2000],
            namespaceOptions: { network: 'NODE', pid: 'NODE', ipc: 'NODE' },
            privileged: true,
            seccomp: { profileType: 'RuntimeDefault' },
          },
        },
      },
      image: 'p',
      runtimeHandler: '',
      createdAtNs: 1,
      scopeLabels: {},
    });
    expect(o.User).toBe('1000:3000');
    const hc = o.HostConfig!;
    expect(hc.GroupAdd).toEqual(['2000']);
    expect(hc.Sysctls).toEqual({ 'net.ipv4.ip_unprivileged_port_start': '0' });
    expect(hc.NetworkMode).toBe('host');
    expect(hc.PidMode).toBe('host');
    expect(hc.IpcMode).toBe('host');
    expect(hc.PortBindings).toBeUndefined();
    expect(o.ExposedPorts).toBeUndefined();
    // `privileged` only says a privileged container will join: the pause container itself is not.
    expect(hc.Privileged).toBeUndefined();
  });
});
