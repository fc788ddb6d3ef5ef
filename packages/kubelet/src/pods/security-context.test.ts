import type { Container, Pod } from '@mk8s/api';
import { describe, expect, it } from 'vitest';
import { ContainerConfigError } from './env.js';
import {
  DEFAULT_MASKED_PATHS,
  DEFAULT_READONLY_PATHS,
  containerSecurityContext,
  effectiveSecurityContext,
  namespaceOptions,
  needsImageUser,
  sandboxLinuxConfig,
  verifyRunAsNonRoot,
} from './security-context.js';

const opts = { seccompProfileRoot: '/var/lib/kubelet/seccomp' };

function pod(spec: Partial<NonNullable<Pod['spec']>> = {}, c: Partial<Container> = {}): { pod: Pod; c: Container } {
  const container: Container = { name: 'app', image: 'busybox:latest', ...c };
  return {
    pod: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { containers: [container], ...spec } },
    c: container,
  };
}

describe('effectiveSecurityContext', () => {
  it('lets the container win and falls back to the pod for user, group, non-root, seccomp and AppArmor', () => {
    const { pod: p, c } = pod(
      {
        securityContext: {
          runAsUser: 1000,
          runAsGroup: 2000,
          runAsNonRoot: true,
          seccompProfile: { type: 'Unconfined' },
          appArmorProfile: { type: 'RuntimeDefault' },
          supplementalGroups: [5],
          fsGroup: 6,
        },
      },
      { securityContext: { runAsUser: 1001, readOnlyRootFilesystem: true, seccompProfile: { type: 'RuntimeDefault' } } },
    );
    expect(effectiveSecurityContext(p, c)).toEqual({
      runAsUser: 1001,
      runAsGroup: 2000,
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      seccompProfile: { type: 'RuntimeDefault' },
      appArmorProfile: { type: 'RuntimeDefault' },
    });
  });
});

describe('containerSecurityContext', () => {
  it('sends nothing dropped: user, group, groups (fsGroup first), capabilities, read-only root, default paths and seccomp', () => {
    const { pod: p, c } = pod(
      { securityContext: { runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4000], fsGroup: 2000 } },
      { securityContext: { capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] }, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false } },
    );
    expect(containerSecurityContext(p, c, opts)).toEqual({
      namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' },
      privileged: false,
      readonlyRootfs: true,
      noNewPrivs: true,
      supplementalGroups: [2000, 4000],
      maskedPaths: [...DEFAULT_MASKED_PATHS],
      readonlyPaths: [...DEFAULT_READONLY_PATHS],
      seccomp: { profileType: 'RuntimeDefault' },
      capabilities: { addCapabilities: ['NET_BIND_SERVICE'], dropCapabilities: ['ALL'] },
      runAsUser: { value: 1000 },
      runAsGroup: { value: 3000 },
    });
  });

  it('leaves the user to the image and sets no_new_privs only on an explicit allowPrivilegeEscalation: false', () => {
    const { pod: p, c } = pod();
    const sc = containerSecurityContext(p, c, opts);
    expect(sc.runAsUser).toBeUndefined();
    expect(sc.runAsUsername).toBeUndefined();
    expect(sc.noNewPrivs).toBe(false);
    expect(sc.privileged).toBe(false);
    expect(sc.seccomp).toEqual({ profileType: 'RuntimeDefault' });
    expect(sc.apparmor).toBeUndefined();
    const allowed = pod({}, { securityContext: { allowPrivilegeEscalation: true } });
    expect(containerSecurityContext(allowed.pod, allowed.c, opts).noNewPrivs).toBe(false);
  });

  it('refuses allowPrivilegeEscalation: false with privileged or CAP_SYS_ADMIN', () => {
    const priv = pod({}, { securityContext: { allowPrivilegeEscalation: false, privileged: true } });
    expect(() => containerSecurityContext(priv.pod, priv.c, opts)).toThrow(/allowPrivilegeEscalation to false and privileged to true/);
    const admin = pod({}, { securityContext: { allowPrivilegeEscalation: false, capabilities: { add: ['CAP_SYS_ADMIN'] } } });
    expect(() => containerSecurityContext(admin.pod, admin.c, opts)).toThrow(ContainerConfigError);
  });

  it('gives runAsGroup a user: the image uid, its name, or root', () => {
    const { pod: p, c } = pod({ securityContext: { runAsGroup: 50 } });
    expect(needsImageUser(p, c)).toBe(true);
    expect(containerSecurityContext(p, c, opts, { uid: 1234 })).toMatchObject({ runAsUser: { value: 1234 }, runAsGroup: { value: 50 } });
    expect(containerSecurityContext(p, c, opts, { username: 'app' })).toMatchObject({ runAsUsername: 'app', runAsGroup: { value: 50 } });
    expect(containerSecurityContext(p, c, opts, {})).toMatchObject({ runAsUser: { value: 0 }, runAsGroup: { value: 50 } });
    expect(needsImageUser(pod().pod, pod().c)).toBe(false);
  });

  it('maps seccomp and AppArmor profiles, Localhost under the profile root', () => {
    const local = pod(
      { securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/audit.json' } } },
      { securityContext: { appArmorProfile: { type: 'Localhost', localhostProfile: 'k8s-nginx' } } },
    );
    const sc = containerSecurityContext(local.pod, local.c, opts);
    expect(sc.seccomp).toEqual({ profileType: 'Localhost', localhostRef: '/var/lib/kubelet/seccomp/profiles/audit.json' });
    expect(sc.apparmor).toEqual({ profileType: 'Localhost', localhostRef: 'k8s-nginx' });
    const unconfined = pod({}, { securityContext: { seccompProfile: { type: 'Unconfined' }, appArmorProfile: { type: 'Unconfined' } } });
    expect(containerSecurityContext(unconfined.pod, unconfined.c, opts)).toMatchObject({
      seccomp: { profileType: 'Unconfined' },
      apparmor: { profileType: 'Unconfined' },
    });
    for (const bad of [
      { type: 'Localhost' },
      { type: 'Localhost', localhostProfile: '../etc/x.json' },
      { type: 'Localhost', localhostProfile: '/etc/x.json' },
      { type: 'Nope' },
    ]) {
      const b = pod({}, { securityContext: { seccompProfile: bad } });
      expect(() => containerSecurityContext(b.pod, b.c, opts)).toThrow(ContainerConfigError);
    }
  });

  it('procMount Unmasked sends empty path lists; anything else is refused', () => {
    const u = pod({}, { securityContext: { procMount: 'Unmasked' } });
    expect(containerSecurityContext(u.pod, u.c, opts)).toMatchObject({ maskedPaths: [], readonlyPaths: [] });
    const bad = pod({}, { securityContext: { procMount: 'Weird' } });
    expect(() => containerSecurityContext(bad.pod, bad.c, opts)).toThrow(/procMount "Weird"/);
  });

  it('refuses what it cannot honour: Strict supplemental groups, negative ids', () => {
    const strict = pod({ securityContext: { supplementalGroupsPolicy: 'Strict' } });
    expect(() => containerSecurityContext(strict.pod, strict.c, opts)).toThrow(/Strict is not supported/);
    const neg = pod({}, { securityContext: { runAsUser: -1 } });
    expect(() => containerSecurityContext(neg.pod, neg.c, opts)).toThrow(/not a valid id/);
  });

  it('selects the node namespaces for hostNetwork, hostPID and hostIPC; the pod PID namespace when shared', () => {
    expect(namespaceOptions(pod({ hostNetwork: true, hostPID: true, hostIPC: true }).pod)).toEqual({ network: 'NODE', pid: 'NODE', ipc: 'NODE' });
    expect(namespaceOptions(pod({ shareProcessNamespace: true }).pod)).toEqual({ network: 'POD', pid: 'POD', ipc: 'POD' });
  });
});

describe('verifyRunAsNonRoot', () => {
  const where = '(pod: "p_ns(u1)", container: app)';

  it('refuses root: runAsUser 0, an image without a user or with uid 0, a non-numeric image user', () => {
    const zero = pod({ securityContext: { runAsNonRoot: true } }, { securityContext: { runAsUser: 0 } });
    expect(() => verifyRunAsNonRoot(zero.pod, zero.c, undefined)).toThrow(`container's runAsUser breaks non-root policy ${where}`);
    const { pod: p, c } = pod({ securityContext: { runAsNonRoot: true } });
    expect(needsImageUser(p, c)).toBe(true);
    expect(() => verifyRunAsNonRoot(p, c, {})).toThrow(`container has runAsNonRoot and image will run as root ${where}`);
    expect(() => verifyRunAsNonRoot(p, c, { uid: 0 })).toThrow(/image will run as root/);
    expect(() => verifyRunAsNonRoot(p, c, { username: 'app' })).toThrow(
      `container has runAsNonRoot and image has non-numeric user (app), cannot verify user is non-root ${where}`,
    );
  });

  it('accepts a non-root user from the spec or the image, and anything without runAsNonRoot', () => {
    const spec = pod({ securityContext: { runAsNonRoot: true, runAsUser: 1000 } });
    expect(() => verifyRunAsNonRoot(spec.pod, spec.c, undefined)).not.toThrow();
    const img = pod({}, { securityContext: { runAsNonRoot: true } });
    expect(() => verifyRunAsNonRoot(img.pod, img.c, { uid: 65534 })).not.toThrow();
    const off = pod({ securityContext: { runAsNonRoot: true } }, { securityContext: { runAsNonRoot: false } });
    expect(() => verifyRunAsNonRoot(off.pod, off.c, {})).not.toThrow();
  });
});

describe('sandboxLinuxConfig', () => {
  it("carries the pod's namespaces, user, groups, privileged hint, sysctls and RuntimeDefault seccomp", () => {
    const { pod: p } = pod({
      hostNetwork: true,
      securityContext: {
        runAsUser: 1000,
        runAsGroup: 3000,
        fsGroup: 2000,
        supplementalGroups: [4000],
        sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }],
      },
      initContainers: [{ name: 'init', image: 'busybox', securityContext: { privileged: true } }],
    });
    expect(sandboxLinuxConfig(p)).toEqual({
      securityContext: {
        namespaceOptions: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' },
        privileged: true,
        seccomp: { profileType: 'RuntimeDefault' },
        supplementalGroups: [2000, 4000],
        runAsUser: { value: 1000 },
        runAsGroup: { value: 3000 },
      },
      sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0' },
    });
  });

  it('never fails: a group without a user, or invalid ids, are left to the containers to refuse', () => {
    const { pod: p } = pod({ securityContext: { runAsGroup: 3000, runAsUser: -5, supplementalGroupsPolicy: 'Strict' } });
    const sc = sandboxLinuxConfig(p).securityContext!;
    expect(sc.runAsUser).toBeUndefined();
    expect(sc.runAsGroup).toBeUndefined();
    expect(sc.supplementalGroups).toBeUndefined();
  });
});
