/**
 * Pod Security Admission (Kubernetes' PodSecurity plugin, enforce mode): a
 * namespace's `pod-security.kubernetes.io/enforce` label picks the Pod
 * Security Standard its pods must meet (`privileged`, `baseline`,
 * `restricted`); namespaces without the label get the server default
 * (mk8s: `baseline`, `--pod-security-default`). Exempt namespaces
 * (kube-system by default) are not checked. A violating pod is refused with
 * 403 and Kubernetes' message:
 *
 *   pods "x" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true), hostPath volumes (volume "v"), privileged (container "c" must not set securityContext.privileged=true)
 *
 * Checked: pod creates. Pod updates cannot change these fields (the pod spec
 * is immutable but for images), so they are not re-checked.
 */
import { errors } from '../../errors.js';
import type { Obj } from '../../registry/strategy.js';
import { isPodCreate, namespaceObject, objs, rec } from '../lookup.js';
import type { AdmissionAttributes, AdmissionContext, AdmissionPlugin } from '../types.js';

export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';
export const POD_SECURITY_LEVELS: readonly PodSecurityLevel[] = ['privileged', 'baseline', 'restricted'];
export const ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';
export const ENFORCE_VERSION_LABEL = 'pod-security.kubernetes.io/enforce-version';

export interface PodSecuritySettings {
  /** Level of namespaces without an enforce label (Kubernetes' built-in default is `privileged`; mk8s' is `baseline`). */
  defaultLevel: PodSecurityLevel;
  /** Namespaces never checked (Kubernetes' exemptions.namespaces). */
  exemptNamespaces: readonly string[];
}

export const DEFAULT_POD_SECURITY: PodSecuritySettings = { defaultLevel: 'baseline', exemptNamespaces: ['kube-system'] };

/** Capabilities a baseline container may add (Kubernetes' Pod Security Standards). */
const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);

/** Volume types the restricted level allows. */
const RESTRICTED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

interface Named {
  name: string;
  sc: Obj;
  c: Obj;
}

function quoteList(items: string[]): string {
  return items.map((n) => `"${n}"`).join(', ');
}

/** `container "a"` / `containers "a", "b"`. */
function containersPhrase(names: string[]): string {
  return `${names.length === 1 ? 'container' : 'containers'} ${quoteList(names)}`;
}

function containersOf(pod: Obj): Named[] {
  const spec = rec(pod['spec']);
  return [...objs(spec['initContainers']), ...objs(spec['containers']), ...objs(spec['ephemeralContainers'])].map((c) => ({
    name: String(c['name'] ?? ''),
    sc: rec(c['securityContext']),
    c,
  }));
}

type Check = (pod: Obj) => string | undefined;

const baselineChecks: Array<[string, Check]> = [
  [
    'hostNamespaces',
    (pod) => {
      const spec = rec(pod['spec']);
      const set = ['hostNetwork', 'hostPID', 'hostIPC'].filter((f) => spec[f] === true).map((f) => `${f}=true`);
      return set.length ? `host namespaces (${set.join(', ')})` : undefined;
    },
  ],
  [
    'privileged',
    (pod) => {
      const bad = containersOf(pod).filter((c) => c.sc['privileged'] === true).map((c) => c.name);
      return bad.length ? `privileged (${containersPhrase(bad)} must not set securityContext.privileged=true)` : undefined;
    },
  ],
  [
    'capabilities_baseline',
    (pod) => {
      const bad: string[] = [];
      const caps = new Set<string>();
      for (const c of containersOf(pod)) {
        const added = (rec(c.sc['capabilities'])['add'] as unknown[] | undefined) ?? [];
        const extra = added.map(String).filter((cap) => !BASELINE_CAPABILITIES.has(cap));
        if (extra.length) {
          bad.push(c.name);
          for (const cap of extra) caps.add(cap);
        }
      }
      return bad.length ? `non-default capabilities (${containersPhrase(bad)} must not include ${quoteList([...caps].sort())} in securityContext.capabilities.add)` : undefined;
    },
  ],
  [
    'hostPathVolumes',
    (pod) => {
      const bad = objs(rec(pod['spec'])['volumes']).filter((v) => v['hostPath'] !== undefined).map((v) => String(v['name'] ?? ''));
      return bad.length ? `hostPath volumes (${bad.length === 1 ? 'volume' : 'volumes'} ${quoteList(bad)})` : undefined;
    },
  ],
  [
    'hostPorts',
    (pod) => {
      const bad: string[] = [];
      const ports: number[] = [];
      for (const c of containersOf(pod)) {
        const hp = objs(c.c['ports']).map((p) => Number(p['hostPort'] ?? 0)).filter((p) => p !== 0);
        if (hp.length) {
          bad.push(c.name);
          ports.push(...hp);
        }
      }
      if (!bad.length) return undefined;
      return `hostPort (${containersPhrase(bad)} ${bad.length === 1 ? 'uses' : 'use'} ${ports.length === 1 ? 'hostPort' : 'hostPorts'} ${ports.join(', ')})`;
    },
  ],
];

const restrictedChecks: Array<[string, Check]> = [
  [
    'restrictedVolumes',
    (pod) => {
      const bad: string[] = [];
      const types = new Set<string>();
      for (const v of objs(rec(pod['spec'])['volumes'])) {
        const type = Object.keys(v).find((k) => k !== 'name');
        if (type && !RESTRICTED_VOLUMES.has(type) && type !== 'hostPath') {
          bad.push(String(v['name'] ?? ''));
          types.add(type);
        }
      }
      return bad.length ? `restricted volume types (${bad.length === 1 ? 'volume' : 'volumes'} ${quoteList(bad)} ${bad.length === 1 ? 'uses' : 'use'} restricted volume ${types.size === 1 ? 'type' : 'types'} ${quoteList([...types].sort())})` : undefined;
    },
  ],
  [
    'allowPrivilegeEscalation',
    (pod) => {
      const bad = containersOf(pod).filter((c) => c.sc['allowPrivilegeEscalation'] !== false).map((c) => c.name);
      return bad.length ? `allowPrivilegeEscalation != false (${containersPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false)` : undefined;
    },
  ],
  [
    'capabilities_restricted',
    (pod) => {
      const bad = containersOf(pod)
        .filter((c) => !((rec(c.sc['capabilities'])['drop'] as unknown[] | undefined) ?? []).map(String).includes('ALL'))
        .map((c) => c.name);
      return bad.length ? `unrestricted capabilities (${containersPhrase(bad)} must set securityContext.capabilities.drop=["ALL"])` : undefined;
    },
  ],
  [
    'runAsNonRoot',
    (pod) => {
      const podLevel = rec(rec(pod['spec'])['securityContext'])['runAsNonRoot'];
      const bad = containersOf(pod)
        .filter((c) => (c.sc['runAsNonRoot'] ?? podLevel) !== true)
        .map((c) => c.name);
      return bad.length ? `runAsNonRoot != true (pod or ${containersPhrase(bad)} must set securityContext.runAsNonRoot=true)` : undefined;
    },
  ],
  [
    'seccompProfile_restricted',
    (pod) => {
      const podType = rec(rec(rec(pod['spec'])['securityContext'])['seccompProfile'])['type'];
      const bad = containersOf(pod)
        .filter((c) => {
          const t = rec(c.sc['seccompProfile'])['type'] ?? podType;
          return t !== 'RuntimeDefault' && t !== 'Localhost';
        })
        .map((c) => c.name);
      return bad.length ? `seccompProfile (pod or ${containersPhrase(bad)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")` : undefined;
    },
  ],
];

/** The failed checks of `pod` at `level`, each as Kubernetes words it (`privileged (container "c" must not ...)`), in check-ID order. */
export function podSecurityViolations(pod: Obj, level: PodSecurityLevel): string[] {
  if (level === 'privileged') return [];
  const checks = level === 'restricted' ? [...baselineChecks, ...restrictedChecks] : baselineChecks;
  return [...checks]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([, check]) => check(pod))
    .filter((m): m is string => m !== undefined);
}

function isLevel(v: unknown): v is PodSecurityLevel {
  return typeof v === 'string' && (POD_SECURITY_LEVELS as readonly string[]).includes(v);
}

export class PodSecurity implements AdmissionPlugin {
  readonly name = 'PodSecurity';

  constructor(
    private readonly ctx: AdmissionContext,
    private readonly settings: PodSecuritySettings = DEFAULT_POD_SECURITY,
  ) {}

  handles(attrs: AdmissionAttributes): boolean {
    return isPodCreate(attrs) && attrs.namespace !== undefined && !this.settings.exemptNamespaces.includes(attrs.namespace);
  }

  /** The namespace's enforce level and version (an invalid label value falls back to the default, as Kubernetes evaluates it). */
  async levelOf(namespace: string): Promise<{ level: PodSecurityLevel; version: string }> {
    const labels = rec(rec((await namespaceObject(this.ctx, namespace))?.['metadata'])['labels']);
    const level = isLevel(labels[ENFORCE_LABEL]) ? labels[ENFORCE_LABEL] : this.settings.defaultLevel;
    const version = typeof labels[ENFORCE_VERSION_LABEL] === 'string' ? String(labels[ENFORCE_VERSION_LABEL]) : 'latest';
    return { level, version };
  }

  async validate(attrs: AdmissionAttributes): Promise<void> {
    const { level, version } = await this.levelOf(attrs.namespace!);
    const failures = podSecurityViolations(attrs.object, level);
    if (failures.length === 0) return;
    throw errors.forbidden({ qualifiedResource: 'pods', group: '', kind: 'Pod', name: attrs.name }, `violates PodSecurity "${level}:${version}": ${failures.join(', ')}`);
  }
}
