// The Pod Security Standards check by check (a passing and a failing pod for
// each, with Kubernetes' exact wording), versions, namespace label parsing,
// and the PodSecurity plugin over a fake watch cache: modes, exemptions,
// updates, pod templates, namespace label changes.
import { describe, expect, it } from 'vitest';
import { resourceFor } from '@mk8s/api';
import { StatusError } from '../../errors.js';
import { VERSION_INFO } from '../../app.js';
import type { AdmissionAttributes, AdmissionContext } from '../types.js';
import { DEFAULT_POD_SECURITY, PodSecurity, isSignificantPodUpdate, type PodSecuritySettings } from './pod-security.js';
import {
  NEWEST_POLICY_MINOR,
  SERVER_MINOR,
  evaluatePod,
  forbiddenDetail,
  podSecurityViolations,
  policyToEvaluate,
  type LevelVersion,
  type PolicyVersion,
} from './pod-security-policy.js';

type Any = any;

const c = (name: string, extra: Record<string, unknown> = {}) => ({ name, image: 'busybox', ...extra });
const pod = (spec: Record<string, unknown>, annotations?: Record<string, string>) => ({
  metadata: { name: 'p', annotations },
  spec,
});
/** A pod meeting restricted, to vary one field at a time. */
const restrictedSC = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
const good = (extra: Record<string, unknown> = {}, container: Record<string, unknown> = {}) => ({
  securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
  containers: [c('a', { securityContext: { ...restrictedSC }, ...container })],
  ...extra,
});

/** Evaluated as a server of the newest version the checks know, so every revision is reachable. */
function failures(p: Any, level: 'baseline' | 'restricted', version: PolicyVersion = 'latest') {
  return evaluatePod({ level, version }, p.metadata ?? {}, p.spec ?? {}, NEWEST_POLICY_MINOR);
}

/** The one failure of a pod at a level, as `reason (detail)`. */
function only(p: Any, level: 'baseline' | 'restricted' = 'baseline', version: PolicyVersion = 'latest'): string {
  const f = failures(p, level, version);
  expect(f).toHaveLength(1);
  return forbiddenDetail(f);
}

describe('baseline checks', () => {
  it('passes a plain pod, at every level but restricted', () => {
    const plain = pod({ containers: [c('a')], volumes: [{ name: 'e', emptyDir: {} }] });
    expect(podSecurityViolations(plain, 'privileged')).toEqual([]);
    expect(podSecurityViolations(plain, 'baseline')).toEqual([]);
    expect(podSecurityViolations(pod(good()), 'restricted')).toEqual([]);
  });

  it('hostProcess', () => {
    const wo = { windowsOptions: { hostProcess: true } };
    expect(failures(pod({ securityContext: { windowsOptions: { hostProcess: false } }, containers: [c('a')] }), 'baseline')).toEqual([]);
    expect(only(pod({ securityContext: wo, containers: [c('a'), c('e', { securityContext: wo }), c('f', { securityContext: wo })] }))).toBe(
      'hostProcess (pod and containers "e", "f" must not set securityContext.windowsOptions.hostProcess=true)',
    );
  });

  it('host namespaces', () => {
    expect(failures(pod({ hostNetwork: false, containers: [c('a')] }), 'baseline')).toEqual([]);
    expect(only(pod({ hostNetwork: true, hostPID: true, hostIPC: true, containers: [c('a')] }))).toBe(
      'host namespaces (hostNetwork=true, hostPID=true, hostIPC=true)',
    );
  });

  it('privileged', () => {
    expect(failures(pod({ containers: [c('a', { securityContext: { privileged: false } })] }), 'baseline')).toEqual([]);
    const p = pod({
      initContainers: [c('d', { securityContext: { privileged: true } })],
      containers: [c('a'), c('e', { securityContext: { privileged: true } })],
    });
    expect(only(p)).toBe('privileged (containers "d", "e" must not set securityContext.privileged=true)');
  });

  it('capabilities beyond the baseline set', () => {
    expect(
      failures(pod({ containers: [c('a', { securityContext: { capabilities: { add: ['NET_BIND_SERVICE', 'CHOWN', 'SYS_CHROOT'] } } })] }), 'baseline'),
    ).toEqual([]);
    const p = pod({
      containers: [
        c('a', { securityContext: { capabilities: { add: ['FOO', 'CHOWN', 'BAR'] } } }),
        c('b', { securityContext: { capabilities: { add: ['BAZ', 'FOO'] } } }),
      ],
    });
    expect(only(p)).toBe('non-default capabilities (containers "a", "b" must not include "BAR", "BAZ", "FOO" in securityContext.capabilities.add)');
  });

  it('hostPath volumes', () => {
    expect(
      only(
        pod({
          containers: [c('x')],
          volumes: [
            { name: 'a', hostPath: { path: '/' } },
            { name: 'e', emptyDir: {} },
            { name: 'b', hostPath: { path: '/etc' } },
          ],
        }),
      ),
    ).toBe('hostPath volumes (volumes "a", "b")');
  });

  it('host ports (sorted as strings, without duplicates)', () => {
    expect(failures(pod({ containers: [c('a', { ports: [{ containerPort: 80, hostPort: 0 }] })] }), 'baseline')).toEqual([]);
    expect(only(pod({ containers: [c('a'), c('b', { ports: [{ containerPort: 1, hostPort: 20 }] })] }))).toBe('hostPort (container "b" uses hostPort 20)');
    const p = pod({
      containers: [
        c('b', {
          ports: [
            { containerPort: 1, hostPort: 30 },
            { containerPort: 2, hostPort: 10 },
          ],
        }),
        c('c', {
          ports: [
            { containerPort: 1, hostPort: 20 },
            { containerPort: 2, hostPort: 10 },
          ],
        }),
      ],
    });
    expect(only(p)).toBe('hostPort (containers "b", "c" use hostPorts 10, 20, 30)');
  });

  it('AppArmor: fields and annotations', () => {
    const ok = pod(
      {
        securityContext: { appArmorProfile: { type: 'RuntimeDefault' } },
        containers: [c('a', { securityContext: { appArmorProfile: { type: 'Localhost', localhostProfile: 'x' } } })],
      },
      { 'container.apparmor.security.beta.kubernetes.io/a': 'localhost/foo', 'container.apparmor.security.beta.kubernetes.io/b': 'runtime/default' },
    );
    expect(failures(ok, 'baseline')).toEqual([]);
    expect(only(pod({ securityContext: { appArmorProfile: { type: 'Unconfined' } }, containers: [c('a')] }))).toBe(
      'forbidden AppArmor profile (pod must not set AppArmor profile type to "Unconfined")',
    );
    expect(only(pod({ containers: [c('foo', { securityContext: { appArmorProfile: { type: 'Unconfined' } } })] }))).toBe(
      'forbidden AppArmor profile (container "foo" must not set AppArmor profile type to "Unconfined")',
    );
    const both = pod(
      { securityContext: { appArmorProfile: { type: 'Unconfined' } }, containers: [c('a')] },
      { 'container.apparmor.security.beta.kubernetes.io/b': 'unconfined', 'container.apparmor.security.beta.kubernetes.io/a': 'unconfined' },
    );
    expect(only(both)).toBe(
      'forbidden AppArmor profiles (pod and annotations must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/a="unconfined"", "container.apparmor.security.beta.kubernetes.io/b="unconfined"")',
    );
  });

  it('SELinux: allowed types, no user or role', () => {
    const okType = (type: string) => pod({ securityContext: { seLinuxOptions: { type, level: 's0:c1' } }, containers: [c('a')] });
    for (const t of ['container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t', '']) expect(failures(okType(t), 'baseline')).toEqual([]);
    expect(only(okType('container_engine_t'), 'baseline', 'v1.30')).toBe(
      'seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: type "container_engine_t")',
    );
    const p = pod({
      securityContext: { seLinuxOptions: { type: 'foo', user: 'u', role: 'r' } },
      containers: [
        c('e', { securityContext: { seLinuxOptions: { type: 'bar' } } }),
        c('f', { securityContext: { seLinuxOptions: { user: 'x' } } }),
        c('ok', { securityContext: { seLinuxOptions: {} } }),
      ],
    });
    expect(only(p)).toBe(
      'seLinuxOptions (pod and containers "e", "f" set forbidden securityContext.seLinuxOptions: types "bar", "foo"; user may not be set; role may not be set)',
    );
  });

  it('/proc mount type', () => {
    expect(failures(pod({ containers: [c('a', { securityContext: { procMount: 'Default' } })] }), 'baseline')).toEqual([]);
    const p = pod({ containers: [c('a'), c('d', { securityContext: { procMount: 'Unmasked' } }), c('e', { securityContext: { procMount: 'other' } })] });
    expect(only(p)).toBe('procMount (containers "d", "e" must not set securityContext.procMount to "Unmasked", "other")');
    // From v1.35 baseline lets pods in a user namespace unmask /proc; restricted never does.
    const userns = { ...p, spec: { ...p.spec, hostUsers: false } };
    expect(failures(userns, 'baseline')).toEqual([]);
    expect(failures(userns, 'baseline', 'v1.34')).toHaveLength(1);
    expect(failures(userns, 'restricted').map((f) => f.reason)).toContain('procMount');
  });

  it('seccomp: fields from v1.19, annotations before', () => {
    expect(failures(pod({ securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' } }, containers: [c('a')] }), 'baseline')).toEqual(
      [],
    );
    const unconfined = { seccompProfile: { type: 'Unconfined' } };
    expect(
      only(pod({ securityContext: unconfined, containers: [c('a'), c('c', { securityContext: unconfined }), c('d', { securityContext: unconfined })] })),
    ).toBe('seccompProfile (pod and containers "c", "d" must not set securityContext.seccompProfile.type to "Unconfined")');
    const annotated = pod(
      { containers: [c('a'), c('b')] },
      {
        'seccomp.security.alpha.kubernetes.io/pod': 'unconfined',
        'container.seccomp.security.alpha.kubernetes.io/a': 'unconfined',
        'container.seccomp.security.alpha.kubernetes.io/b': 'unknown',
      },
    );
    expect(failures(annotated, 'baseline')).toEqual([]);
    expect(only(annotated, 'baseline', 'v1.18')).toBe(
      'seccompProfile (forbidden annotations container.seccomp.security.alpha.kubernetes.io/a="unconfined", container.seccomp.security.alpha.kubernetes.io/b="unknown", seccomp.security.alpha.kubernetes.io/pod="unconfined")',
    );
    expect(failures(pod({ containers: [c('a')] }, { 'seccomp.security.alpha.kubernetes.io/pod': 'docker/default' }), 'baseline', 'v1.18')).toEqual([]);
  });

  it('sysctls: only the safe set of the version', () => {
    const p = (...names: string[]) => pod({ securityContext: { sysctls: names.map((name) => ({ name, value: '1' })) }, containers: [c('a')] });
    expect(failures(p('kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_notsent_lowat'), 'baseline')).toEqual([]);
    expect(only(p('a', 'kernel.shm_rmid_forced', 'b'))).toBe('forbidden sysctls (a, b)');
    expect(only(p('net.ipv4.ip_local_reserved_ports'), 'baseline', 'v1.26')).toBe('forbidden sysctls (net.ipv4.ip_local_reserved_ports)');
    expect(failures(p('net.ipv4.ip_local_reserved_ports'), 'baseline', 'v1.27')).toEqual([]);
    expect(only(p('net.ipv4.tcp_keepalive_time'), 'baseline', 'v1.28')).toBe('forbidden sysctls (net.ipv4.tcp_keepalive_time)');
    expect(only(p('net.ipv4.tcp_wmem'), 'baseline', 'v1.31')).toBe('forbidden sysctls (net.ipv4.tcp_wmem)');
    expect(failures(p('net.ipv4.tcp_wmem'), 'baseline', 'v1.32')).toEqual([]);
    expect(only(p('kernel.msgmax'))).toBe('forbidden sysctls (kernel.msgmax)');
  });

  it('probe and lifecycle hosts from v1.34', () => {
    const p = pod({
      containers: [
        c('a', {
          livenessProbe: { httpGet: { port: 80, host: 'localhost' } },
          readinessProbe: { tcpSocket: { port: 80, host: '127.0.0.1' } },
          lifecycle: { preStop: { httpGet: { port: 80, host: '::1' } }, postStart: { tcpSocket: { port: 1, host: 'localhost' } } },
        }),
        c('b', { startupProbe: { httpGet: { port: 80, host: '' } } }),
      ],
    });
    expect(only(p)).toBe('probe or lifecycle host (container "a" uses probe or lifecycle hosts "127.0.0.1", "::1", "localhost")');
    expect(failures(p, 'baseline', 'v1.33')).toEqual([]);
  });
});

describe('restricted checks', () => {
  it('volume types (replacing the hostPath check)', () => {
    const allowed = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret'];
    expect(failures(pod(good({ volumes: allowed.map((t, i) => ({ name: `v${i}`, [t]: {} })) })), 'restricted')).toEqual([]);
    const p = pod(
      good({
        volumes: [
          { name: 'a', hostPath: { path: '/' } },
          { name: 'b', nfs: { server: 's', path: '/' } },
          { name: 'c', gitRepo: { repository: 'r' } },
          { name: 'd', hostPath: { path: '/x' } },
        ],
      }),
    );
    expect(only(p, 'restricted')).toBe('restricted volume types (volumes "a", "b", "c", "d" use restricted volume types "gitRepo", "hostPath", "nfs")');
    expect(only(pod(good({ volumes: [{ name: 'one', rbd: {} }] })), 'restricted')).toBe(
      'restricted volume types (volume "one" uses restricted volume type "rbd")',
    );
  });

  it('privilege escalation', () => {
    const p = pod(
      good(
        { initContainers: [c('i', { securityContext: { ...restrictedSC, allowPrivilegeEscalation: true } })] },
        { securityContext: { capabilities: { drop: ['ALL'] } } },
      ),
    );
    expect(only(p, 'restricted')).toBe('allowPrivilegeEscalation != false (containers "i", "a" must set securityContext.allowPrivilegeEscalation=false)');
    // Windows pods are exempt from v1.25.
    const win = pod({ ...good({}, { securityContext: { capabilities: { drop: ['ALL'] } } }), os: { name: 'windows' } });
    expect(failures(win, 'restricted')).toEqual([]);
    expect(only(win, 'restricted', 'v1.24')).toBe('allowPrivilegeEscalation != false (container "a" must set securityContext.allowPrivilegeEscalation=false)');
  });

  it('running as non-root', () => {
    expect(
      failures(
        pod(good({ securityContext: { seccompProfile: { type: 'RuntimeDefault' } } }, { securityContext: { ...restrictedSC, runAsNonRoot: true } })),
        'restricted',
      ),
    ).toEqual([]);
    expect(only(pod(good({ securityContext: { seccompProfile: { type: 'RuntimeDefault' } } })), 'restricted')).toBe(
      'runAsNonRoot != true (pod or container "a" must set securityContext.runAsNonRoot=true)',
    );
    expect(only(pod(good({ securityContext: { runAsNonRoot: false, seccompProfile: { type: 'RuntimeDefault' } } })), 'restricted')).toBe(
      'runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false)',
    );
    const explicit = pod(
      good({ containers: [c('a', { securityContext: restrictedSC }), c('c', { securityContext: { ...restrictedSC, runAsNonRoot: false } })] }),
    );
    expect(only(explicit, 'restricted')).toBe('runAsNonRoot != true (container "c" must not set securityContext.runAsNonRoot=false)');
    // A user namespace relaxes it from v1.35.
    const userns = pod(good({ hostUsers: false, securityContext: { seccompProfile: { type: 'RuntimeDefault' } } }));
    expect(failures(userns, 'restricted')).toEqual([]);
    expect(failures(userns, 'restricted', 'v1.34')).toHaveLength(1);
  });

  it('running as a non-root user (from v1.23)', () => {
    expect(failures(pod(good({ securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } } })), 'restricted')).toEqual(
      [],
    );
    const p = pod(
      good(
        { securityContext: { runAsNonRoot: true, runAsUser: 0, seccompProfile: { type: 'RuntimeDefault' } } },
        { securityContext: { ...restrictedSC, runAsUser: 0 } },
      ),
    );
    expect(only(p, 'restricted')).toBe('runAsUser=0 (pod and container "a" must not set runAsUser=0)');
    expect(failures(p, 'restricted', 'v1.22')).toEqual([]);
  });

  it('seccomp: RuntimeDefault or Localhost required (replacing the baseline check)', () => {
    expect(
      failures(
        pod(
          good(
            { securityContext: { runAsNonRoot: true } },
            { securityContext: { ...restrictedSC, seccompProfile: { type: 'Localhost', localhostProfile: 'x' } } },
          ),
        ),
        'restricted',
      ),
    ).toEqual([]);
    expect(only(pod(good({ securityContext: { runAsNonRoot: true } })), 'restricted')).toBe(
      'seccompProfile (pod or container "a" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    );
    expect(only(pod(good({ securityContext: { runAsNonRoot: true, seccompProfile: { type: 'Unconfined' } } })), 'restricted')).toBe(
      'seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")',
    );
  });

  it('capabilities: drop ALL, add only NET_BIND_SERVICE (replacing the baseline check)', () => {
    expect(
      failures(
        pod(good({}, { securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } } })),
        'restricted',
      ),
    ).toEqual([]);
    const p = pod(
      good({
        containers: [
          c('a', { securityContext: { allowPrivilegeEscalation: false, capabilities: { add: ['FOO', 'CHOWN'] } } }),
          c('b', { securityContext: { allowPrivilegeEscalation: false } }),
          c('c', { securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['BAR', 'NET_BIND_SERVICE'] } } }),
        ],
      }),
    );
    expect(only(p, 'restricted')).toBe(
      'unrestricted capabilities (containers "a", "b" must set securityContext.capabilities.drop=["ALL"]; containers "a", "c" must not include "BAR", "CHOWN", "FOO" in securityContext.capabilities.add)',
    );
    expect(failures(p, 'restricted', 'v1.21').map((f) => f.reason)).toEqual(['non-default capabilities']);
  });

  it('words a bare pod as Kubernetes does, baseline checks first', () => {
    const bare = pod({ containers: [c('c', { securityContext: { privileged: true } })] });
    expect(forbiddenDetail(failures(bare, 'restricted'))).toBe(
      'privileged (container "c" must not set securityContext.privileged=true), ' +
        'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ' +
        'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), ' +
        'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), ' +
        'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    );
  });

  it('evaluates old versions with the checks they had and future versions as the newest', () => {
    const bare = pod({ containers: [c('c')] });
    expect(failures(bare, 'restricted', 'v1.0').map((f) => f.reason)).toEqual(['runAsNonRoot != true']);
    expect(failures(bare, 'restricted', 'v1.8').map((f) => f.reason)).toEqual(['allowPrivilegeEscalation != false', 'runAsNonRoot != true']);
    expect(failures(bare, 'restricted', 'v1.99')).toEqual(failures(bare, 'restricted', 'latest'));
    expect(NEWEST_POLICY_MINOR).toBe(37);
  });

  it('caps latest (and later versions) at the version the server reports, as Kubernetes does', () => {
    expect(SERVER_MINOR).toBe(Number(VERSION_INFO.minor));
    // The probe and lifecycle host check arrived in v1.34: a 1.32 server does not apply it, even for latest.
    const probeHost = pod({ containers: [c('c', { livenessProbe: { httpGet: { host: '10.0.0.1', port: 80 } } })] });
    expect(evaluatePod({ level: 'baseline', version: 'latest' }, {}, probeHost.spec)).toEqual([]);
    expect(evaluatePod({ level: 'baseline', version: 'v1.40' }, {}, probeHost.spec)).toEqual([]);
    expect(failures(probeHost, 'baseline', 'latest')).toHaveLength(1);
  });
});

describe('namespace labels', () => {
  const defaults = {
    enforce: { level: 'baseline', version: 'latest' },
    audit: { level: 'privileged', version: 'latest' },
    warn: { level: 'privileged', version: 'latest' },
  } as const;
  const lv = (level: string, version = 'latest') => ({ level, version }) as LevelVersion;

  it('reads level and version per mode; warn follows a stricter enforce label', () => {
    const { policy, errors } = policyToEvaluate(
      { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.29' },
      defaults,
    );
    expect(errors).toEqual([]);
    expect(policy).toEqual({ enforce: lv('restricted', 'v1.29'), audit: lv('privileged'), warn: lv('restricted', 'v1.29') });
    expect(policyToEvaluate({}, defaults).policy).toEqual(defaults);
    expect(
      policyToEvaluate({ 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'baseline' }, defaults).policy.warn,
    ).toEqual(lv('baseline'));
  });

  it('fails closed on a bad enforce level and open on bad audit and warn levels; bad versions mean latest', () => {
    const { policy, errors } = policyToEvaluate(
      { 'pod-security.kubernetes.io/enforce': 'strict', 'pod-security.kubernetes.io/audit': 'x', 'pod-security.kubernetes.io/warn-version': 'v1.05' },
      defaults,
    );
    expect(policy).toEqual({ enforce: lv('restricted'), audit: lv('privileged'), warn: lv('privileged') });
    expect(errors.map((e) => `${e.field}: ${e.message}`)).toEqual([
      'metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted',
      'metadata.labels[pod-security.kubernetes.io/audit]: Invalid value: "x": must be one of privileged, baseline, restricted',
      'metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: "v1.05": must be "latest" or "v1.x"',
    ]);
  });
});

// ---- the plugin over a fake cache ----

interface Fake {
  ctx: AdmissionContext;
  namespaces: Map<string, Record<string, string>>;
  pods: Any[];
}

function fake(): Fake {
  const namespaces = new Map<string, Record<string, string>>();
  const pods: Any[] = [];
  const cache = {
    get: (resource: string, key: string) => {
      const name = key.split('/').pop()!;
      return resource === 'namespaces' && namespaces.has(name) ? { metadata: { name, labels: namespaces.get(name) } } : undefined;
    },
    list: (resource: string, prefix: string) => (resource === 'pods' ? pods.filter((p) => prefix.includes(`/${p.metadata.namespace}/`)) : []),
    fresh: async () => {},
  };
  return { ctx: { cache, store: {}, now: () => 0 } as unknown as AdmissionContext, namespaces, pods };
}

function attrs(kind: 'pods' | 'deployments' | 'namespaces', object: Any, extra: Partial<AdmissionAttributes> = {}): AdmissionAttributes {
  const rt = kind === 'deployments' ? resourceFor('apps', 'v1', 'deployments')! : resourceFor('', 'v1', kind)!;
  return {
    operation: 'CREATE',
    resource: rt,
    storage: kind,
    subresource: '',
    namespace: kind === 'namespaces' ? undefined : 'ns',
    name: object.metadata.name,
    object,
    dryRun: false,
    warnings: [],
    auditAnnotations: {},
    ...extra,
  };
}

async function refusal(p: Promise<unknown>): Promise<StatusError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StatusError);
  return err as StatusError;
}

describe('PodSecurity plugin', () => {
  const plugin = (f: Fake, s: Partial<PodSecuritySettings> = {}) => new PodSecurity(f.ctx, { ...DEFAULT_POD_SECURITY, ...s });
  const bare = (name = 'web') => ({ metadata: { name, namespace: 'ns' }, spec: { containers: [c('c')] } });
  const restrictedDetail =
    'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")';

  it('enforce refuses with 403 and records the policy; audit annotates; warn warns', async () => {
    const f = fake();
    f.namespaces.set('ns', { 'pod-security.kubernetes.io/enforce': 'restricted' });
    const a = attrs('pods', bare());
    const err = await refusal(plugin(f).validate(a));
    expect(err.code).toBe(403);
    expect(err.message).toBe(`pods "web" is forbidden: violates PodSecurity "restricted:latest": ${restrictedDetail}`);
    expect(a.auditAnnotations).toEqual({ 'pod-security.kubernetes.io/enforce-policy': 'restricted:latest' });
    expect(a.warnings).toEqual([]);

    f.namespaces.set('ns', {
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/audit-version': 'v1.30',
    });
    const b = attrs('pods', bare());
    await plugin(f).validate(b);
    expect(b.warnings).toEqual([`would violate PodSecurity "restricted:latest": ${restrictedDetail}`]);
    expect(b.auditAnnotations).toEqual({
      'pod-security.kubernetes.io/enforce-policy': 'baseline:latest',
      'pod-security.kubernetes.io/audit-violations': `would violate PodSecurity "restricted:v1.30": ${restrictedDetail}`,
    });
  });

  it('refuses pods in a namespace with an invalid enforce label as restricted, noting the error', async () => {
    const f = fake();
    f.namespaces.set('ns', { 'pod-security.kubernetes.io/enforce': 'bogus' });
    const a = attrs('pods', bare());
    expect((await refusal(plugin(f).validate(a))).message).toContain('violates PodSecurity "restricted:latest"');
    expect(a.auditAnnotations!['pod-security.kubernetes.io/error']).toBe(
      'Failed to parse policy: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "bogus": must be one of privileged, baseline, restricted',
    );
  });

  it('exempts namespaces, users and runtime classes', async () => {
    const f = fake();
    f.namespaces.set('ns', { 'pod-security.kubernetes.io/enforce': 'restricted' });
    const p = plugin(f, { exemptNamespaces: ['ns2'], exemptUsernames: ['admin'], exemptRuntimeClasses: ['kata'] });
    const byUser = attrs('pods', bare(), { user: { name: 'admin', groups: [] } });
    await p.validate(byUser);
    expect(byUser.auditAnnotations).toEqual({ 'pod-security.kubernetes.io/exempt': 'user' });
    await refusal(p.validate(attrs('pods', bare(), { user: { name: 'bob', groups: [] } })));
    const kata = attrs('pods', { metadata: { name: 'k' }, spec: { runtimeClassName: 'kata', containers: [c('c')] } });
    await p.validate(kata);
    expect(kata.auditAnnotations).toEqual({ 'pod-security.kubernetes.io/exempt': 'runtimeClass' });
    const other = attrs('pods', bare(), { namespace: 'ns2' });
    await p.validate(other);
    expect(other.auditAnnotations).toEqual({ 'pod-security.kubernetes.io/exempt': 'namespace' });
  });

  it('checks pod updates only when images or containers change', async () => {
    const f = fake();
    f.namespaces.set('ns', { 'pod-security.kubernetes.io/enforce': 'restricted' });
    const old = bare();
    const relabelled = { ...bare(), metadata: { name: 'web', namespace: 'ns', labels: { a: 'b' } } };
    await plugin(f).validate(attrs('pods', relabelled, { operation: 'UPDATE', oldObject: old }));
    const newImage = { ...bare(), spec: { containers: [c('c', { image: 'nginx' })] } };
    expect(isSignificantPodUpdate(newImage, old)).toBe(true);
    await refusal(plugin(f).validate(attrs('pods', newImage, { operation: 'UPDATE', oldObject: old })));
    expect(isSignificantPodUpdate({ spec: { containers: [c('c')], ephemeralContainers: [c('debug')] } }, old)).toBe(true);
    expect(isSignificantPodUpdate({ spec: { containers: [c('c', { securityContext: { privileged: true } })] } }, old)).toBe(false);
  });

  it('warns about pod templates but never refuses them', async () => {
    const f = fake();
    f.namespaces.set('ns', { 'pod-security.kubernetes.io/enforce': 'restricted' });
    const deploy = { metadata: { name: 'd' }, spec: { template: { metadata: {}, spec: { containers: [c('c')] } } } };
    const a = attrs('deployments', deploy);
    await plugin(f).validate(a);
    expect(a.warnings).toEqual([`would violate PodSecurity "restricted:latest": ${restrictedDetail}`]);
    expect(a.auditAnnotations).toEqual({});
    // Nothing to say when warn and audit are privileged.
    f.namespaces.set('ns', { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'privileged' });
    const b = attrs('deployments', deploy);
    await plugin(f).validate(b);
    expect(b.warnings).toEqual([]);
  });

  it('refuses invalid namespace labels (unless unchanged) with 422', async () => {
    const f = fake();
    const ns = (labels: Record<string, string>) => ({ metadata: { name: 'ns', labels } });
    const bad = ns({ 'pod-security.kubernetes.io/enforce': 'strict', 'pod-security.kubernetes.io/enforce-version': '1.30' });
    const err = await refusal(plugin(f).validate(attrs('namespaces', bad)));
    expect(err.code).toBe(422);
    expect(err.message).toBe(
      'Namespace "ns" is invalid: [metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted, metadata.labels[pod-security.kubernetes.io/enforce-version]: Invalid value: "1.30": must be "latest" or "v1.x"]',
    );
    const relabelled = ns({ ...bad.metadata.labels, team: 'x' });
    await plugin(f).validate(attrs('namespaces', relabelled, { operation: 'UPDATE', oldObject: bad }));
  });

  it('warns about existing pods when the enforce level gets stricter, grouping pods with the same reasons', async () => {
    const f = fake();
    const owned = (name: string, uid: string) => ({
      ...bare(name),
      metadata: { name, namespace: 'ns', ownerReferences: [{ controller: true, uid, kind: 'ReplicaSet', name: 'rs' }] },
    });
    f.pods.push(bare('web'), owned('rs-b', 'u1'), owned('rs-a', 'u1'), owned('rs-c', 'u1'), {
      metadata: { name: 'priv', namespace: 'ns' },
      spec: {
        hostNetwork: true,
        containers: [c('c', { securityContext: restrictedSC })],
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      },
    });
    const old = { metadata: { name: 'ns', labels: {} } };
    const raised = { metadata: { name: 'ns', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } };
    const a = attrs('namespaces', raised, { operation: 'UPDATE', oldObject: old });
    await plugin(f).validate(a);
    expect(a.warnings).toEqual([
      'existing pods in namespace "ns" violate the new PodSecurity enforce level "restricted:latest"',
      'priv: host namespaces',
      'rs-a (and 3 other pods): allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile',
    ]);
    // Relaxing, keeping or moving to privileged says nothing.
    for (const [from, to] of [
      [raised, old],
      [raised, raised],
      [raised, { metadata: { name: 'ns', labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } }],
    ]) {
      const b = attrs('namespaces', to, { operation: 'UPDATE', oldObject: from });
      await plugin(f).validate(b);
      expect(b.warnings).toEqual([]);
    }
  });

  it('warns that labels on an exempt namespace are ignored', async () => {
    const f = fake();
    const a = attrs('namespaces', {
      metadata: { name: 'kube-system', labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/audit': 'privileged' } },
    });
    await plugin(f).validate(a);
    expect(a.warnings).toEqual(['namespace "kube-system" is exempt from Pod Security, and the policy (enforce=restricted:latest) will be ignored']);
  });
});
