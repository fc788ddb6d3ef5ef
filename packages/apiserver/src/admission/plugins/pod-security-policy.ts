/**
 * The Pod Security Standards as Kubernetes' pod-security-admission library
 * evaluates them (k8s.io/pod-security-admission/policy): every baseline and
 * restricted check, each in the revisions that apply to policy versions
 * (`v1.0` ... and `latest`), with Kubernetes' exact wording, plus the parsing
 * of the namespace labels that pick a level and version per mode.
 *
 * A check reads a pod's metadata and spec (or a pod template's) and returns
 * its forbidden reason (`allowPrivilegeEscalation != false`) and detail
 * (`container "c" must set securityContext.allowPrivilegeEscalation=false`).
 * A failed evaluation is worded `reason (detail), reason (detail)` (in
 * admission answers) or `reason, reason` (the per-pod namespace warnings).
 *
 * Check order: baseline check IDs sorted, then restricted check IDs sorted.
 * At restricted some restricted checks replace baseline ones
 * (restrictedVolumes replaces hostPathVolumes, capabilities_restricted
 * replaces capabilities_baseline, seccompProfile_restricted replaces
 * seccompProfile_baseline, procMount_restricted replaces procMount from v1.35).
 */
import { fieldErrors, type FieldError } from '@mk8s/api';
import type { Obj } from '../../registry/strategy.js';
import { objs, rec } from '../lookup.js';

export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';
export const POD_SECURITY_LEVELS: readonly PodSecurityLevel[] = ['privileged', 'baseline', 'restricted'];

const LABEL_PREFIX = 'pod-security.kubernetes.io/';
export const ENFORCE_LABEL = `${LABEL_PREFIX}enforce`;
export const ENFORCE_VERSION_LABEL = `${LABEL_PREFIX}enforce-version`;
export const AUDIT_LABEL = `${LABEL_PREFIX}audit`;
export const AUDIT_VERSION_LABEL = `${LABEL_PREFIX}audit-version`;
export const WARN_LABEL = `${LABEL_PREFIX}warn`;
export const WARN_VERSION_LABEL = `${LABEL_PREFIX}warn-version`;
/** Prefix of the audit annotations the plugin records (`pod-security.kubernetes.io/audit-violations`...). */
export const AUDIT_ANNOTATION_PREFIX = LABEL_PREFIX;

/** A policy version: `latest` or `v1.<minor>`. */
export type PolicyVersion = 'latest' | `v1.${number}`;

export interface LevelVersion {
  level: PodSecurityLevel;
  version: PolicyVersion;
}

/** The level and version of each mode. */
export interface PodSecurityPolicy {
  enforce: LevelVersion;
  audit: LevelVersion;
  warn: LevelVersion;
}

export function levelVersionString(lv: LevelVersion): string {
  return `${lv.level}:${lv.version}`;
}

/** `restricted` > `baseline` > `privileged`: positive when `a` is the more restrictive. */
export function compareLevels(a: PodSecurityLevel, b: PodSecurityLevel): number {
  return POD_SECURITY_LEVELS.indexOf(a) - POD_SECURITY_LEVELS.indexOf(b);
}

/** Same evaluation: both privileged, or the same level and version. */
export function equivalentLevelVersions(a: LevelVersion, b: LevelVersion): boolean {
  return (a.level === 'privileged' && b.level === 'privileged') || (a.level === b.level && a.version === b.version);
}

export function isPodSecurityLevel(v: unknown): v is PodSecurityLevel {
  return typeof v === 'string' && (POD_SECURITY_LEVELS as readonly string[]).includes(v);
}

/** `latest` or `v1.N` (no leading zeros); anything else is an error, evaluated as `latest`. */
export function parsePolicyVersion(v: string): PolicyVersion | undefined {
  if (v === 'latest') return 'latest';
  return /^v1\.(0|[1-9][0-9]*)$/.test(v) && Number.isSafeInteger(Number(v.slice(3))) ? (v as PolicyVersion) : undefined;
}

function minorOf(v: PolicyVersion): number {
  return v === 'latest' ? Infinity : Number(v.slice(3));
}

/**
 * The policy a namespace's labels select, over `defaults` (Kubernetes'
 * PolicyToEvaluate), and the label errors (each at
 * `metadata.labels[<label>]`). An invalid enforce level is evaluated as
 * `restricted` (fail closed); invalid audit and warn levels as `privileged`
 * (fail open); an invalid version as `latest`. Without a warn label, a valid
 * enforce label more restrictive than the warn default raises warn to it (with
 * the enforce version unless a warn version is set).
 */
export function policyToEvaluate(
  labels: Record<string, unknown> | undefined,
  defaults: PodSecurityPolicy,
): { policy: PodSecurityPolicy; errors: FieldError[] } {
  const p: PodSecurityPolicy = { enforce: { ...defaults.enforce }, audit: { ...defaults.audit }, warn: { ...defaults.warn } };
  const errs: FieldError[] = [];
  if (!labels || Object.keys(labels).length === 0) return { policy: p, errors: errs };
  const has = (k: string) => Object.prototype.hasOwnProperty.call(labels, k);
  const value = (k: string) => String(labels[k] ?? '');
  const levelErr = (k: string) => errs.push(fieldErrors.invalid(`metadata.labels[${k}]`, value(k), `must be one of ${POD_SECURITY_LEVELS.join(', ')}`));
  const version = (k: string, mode: keyof PodSecurityPolicy) => {
    if (!has(k)) return;
    const v = parsePolicyVersion(value(k));
    p[mode].version = v ?? 'latest';
    if (!v) errs.push(fieldErrors.invalid(`metadata.labels[${k}]`, value(k), 'must be "latest" or "v1.x"'));
  };
  let hasEnforceLevel = false;
  if (has(ENFORCE_LABEL)) {
    const l = value(ENFORCE_LABEL);
    hasEnforceLevel = isPodSecurityLevel(l);
    p.enforce.level = isPodSecurityLevel(l) ? l : 'restricted';
    if (!hasEnforceLevel) levelErr(ENFORCE_LABEL);
  }
  version(ENFORCE_VERSION_LABEL, 'enforce');
  if (has(AUDIT_LABEL)) {
    const l = value(AUDIT_LABEL);
    p.audit.level = isPodSecurityLevel(l) ? l : 'privileged';
    if (!isPodSecurityLevel(l)) levelErr(AUDIT_LABEL);
  }
  version(AUDIT_VERSION_LABEL, 'audit');
  const hasWarnLevel = has(WARN_LABEL);
  if (hasWarnLevel) {
    const l = value(WARN_LABEL);
    p.warn.level = isPodSecurityLevel(l) ? l : 'privileged';
    if (!isPodSecurityLevel(l)) levelErr(WARN_LABEL);
  }
  version(WARN_VERSION_LABEL, 'warn');
  if (!hasWarnLevel && hasEnforceLevel && compareLevels(p.enforce.level, p.warn.level) > 0) {
    p.warn.level = p.enforce.level;
    if (!has(WARN_VERSION_LABEL)) p.warn.version = p.enforce.version;
  }
  return { policy: p, errors: errs };
}

// ---- checks ----

export interface CheckFailure {
  reason: string;
  detail: string;
}

type CheckFn = (meta: Obj, spec: Obj) => CheckFailure | undefined;

interface VersionedCheck {
  /** First policy minor version (v1.<min>) this revision applies to. */
  min: number;
  check: CheckFn;
  /** Baseline checks this restricted check replaces. */
  overrides?: readonly string[];
}

interface CheckDef {
  id: string;
  level: 'baseline' | 'restricted';
  versions: readonly VersionedCheck[];
}

interface Container {
  name: string;
  c: Obj;
  sc: Obj;
}

/** Init containers, containers, ephemeral containers, in that order (Kubernetes' visitContainers). */
function containers(spec: Obj): Container[] {
  return [...objs(spec['initContainers']), ...objs(spec['containers']), ...objs(spec['ephemeralContainers'])].map((c) => ({
    name: String(c['name'] ?? ''),
    c,
    sc: rec(c['securityContext']),
  }));
}

function podSC(spec: Obj): Obj {
  return rec(spec['securityContext']);
}

/** A field set to something (Go's non-nil pointer). */
function isSet(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/** `"a", "b"`: quoted without escaping, as Kubernetes' joinQuote. */
function joinQuote(items: readonly string[]): string {
  return items.length === 0 ? '' : `"${items.join('", "')}"`;
}

function pluralize(singular: string, plural: string, n: number): string {
  return n === 1 ? singular : plural;
}

/** Sorted, without duplicates (Kubernetes' sets.List). */
function sortedSet(items: Iterable<string>): string[] {
  return [...new Set(items)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** `container "a"` / `containers "a", "b"`. */
function containersPhrase(names: readonly string[]): string {
  return `${pluralize('container', 'containers', names.length)} ${joinQuote(names)}`;
}

function isWindows(spec: Obj): boolean {
  return rec(spec['os'])['name'] === 'windows';
}

/** A pod in a user namespace (`hostUsers: false`): some checks relax for it from v1.35. */
function inUserNamespace(spec: Obj): boolean {
  return spec['hostUsers'] === false;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.map((x) => String(x)) : [];
}

// -- baseline --

function hostProcess(_meta: Obj, spec: Obj): CheckFailure | undefined {
  const bad = containers(spec)
    .filter((c) => rec(c.sc['windowsOptions'])['hostProcess'] === true)
    .map((c) => c.name);
  const setters: string[] = [];
  if (rec(podSC(spec)['windowsOptions'])['hostProcess'] === true) setters.push('pod');
  if (bad.length) setters.push(containersPhrase(bad));
  if (!setters.length) return undefined;
  return { reason: 'hostProcess', detail: `${setters.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true` };
}

function hostNamespaces(_meta: Obj, spec: Obj): CheckFailure | undefined {
  const set = ['hostNetwork', 'hostPID', 'hostIPC'].filter((f) => spec[f] === true).map((f) => `${f}=true`);
  return set.length ? { reason: 'host namespaces', detail: set.join(', ') } : undefined;
}

function privileged(_meta: Obj, spec: Obj): CheckFailure | undefined {
  const bad = containers(spec)
    .filter((c) => c.sc['privileged'] === true)
    .map((c) => c.name);
  return bad.length ? { reason: 'privileged', detail: `${containersPhrase(bad)} must not set securityContext.privileged=true` } : undefined;
}

const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);

function capabilitiesBaseline(_meta: Obj, spec: Obj): CheckFailure | undefined {
  const bad: string[] = [];
  const caps: string[] = [];
  for (const c of containers(spec)) {
    const extra = strings(rec(c.sc['capabilities'])['add']).filter((cap) => !BASELINE_CAPABILITIES.has(cap));
    if (extra.length) {
      bad.push(c.name);
      caps.push(...extra);
    }
  }
  if (!bad.length) return undefined;
  return {
    reason: 'non-default capabilities',
    detail: `${containersPhrase(bad)} must not include ${joinQuote(sortedSet(caps))} in securityContext.capabilities.add`,
  };
}

function hostPathVolumes(_meta: Obj, spec: Obj): CheckFailure | undefined {
  const bad = objs(spec['volumes'])
    .filter((v) => isSet(v['hostPath']))
    .map((v) => String(v['name'] ?? ''));
  return bad.length ? { reason: 'hostPath volumes', detail: `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)}` } : undefined;
}

function hostPorts(_meta: Obj, spec: Obj): CheckFailure | undefined {
  const bad: string[] = [];
  const ports: string[] = [];
  for (const c of containers(spec)) {
    const hp = objs(c.c['ports'])
      .map((p) => Number(p['hostPort'] ?? 0))
      .filter((p) => p !== 0);
    if (hp.length) {
      bad.push(c.name);
      ports.push(...hp.map(String));
    }
  }
  if (!bad.length) return undefined;
  const list = sortedSet(ports);
  return {
    reason: 'hostPort',
    detail: `${containersPhrase(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('hostPort', 'hostPorts', list.length)} ${list.join(', ')}`,
  };
}

const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

function appArmorProfile(meta: Obj, spec: Obj): CheckFailure | undefined {
  const allowedType = (p: Obj) => p['type'] === 'RuntimeDefault' || p['type'] === 'Localhost';
  const setters: string[] = [];
  const badValues: string[] = [];
  const podProfile = podSC(spec)['appArmorProfile'];
  if (isSet(podProfile) && !allowedType(rec(podProfile))) {
    setters.push('pod');
    badValues.push(String(rec(podProfile)['type'] ?? ''));
  }
  const bad: string[] = [];
  for (const c of containers(spec)) {
    const p = c.sc['appArmorProfile'];
    if (isSet(p) && !allowedType(rec(p))) {
      bad.push(c.name);
      badValues.push(String(rec(p)['type'] ?? ''));
    }
  }
  if (bad.length) setters.push(containersPhrase(bad));
  const values = sortedSet(badValues);
  const annotations: string[] = [];
  for (const [k, v] of Object.entries(rec(meta['annotations']))) {
    const s = String(v ?? '');
    if (k.startsWith(APPARMOR_ANNOTATION_PREFIX) && !(s === '' || s === 'runtime/default' || s.startsWith('localhost/'))) {
      annotations.push(`${k}=${JSON.stringify(s)}`);
    }
  }
  if (annotations.length) {
    values.push(...sortedSet(annotations));
    setters.push(pluralize('annotation', 'annotations', annotations.length));
  }
  if (!setters.length) return undefined;
  return {
    reason: pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', values.length),
    detail: `${setters.join(' and ')} must not set AppArmor profile type to ${joinQuote(values)}`,
  };
}

function seLinuxOptions(allowedTypes: ReadonlySet<string>): CheckFn {
  return (_meta, spec) => {
    const badTypes: string[] = [];
    let setUser = false;
    let setRole = false;
    const valid = (o: Obj) => {
      let ok = true;
      const type = String(o['type'] ?? '');
      if (!allowedTypes.has(type)) {
        ok = false;
        badTypes.push(type);
      }
      if (String(o['user'] ?? '') !== '') {
        ok = false;
        setUser = true;
      }
      if (String(o['role'] ?? '') !== '') {
        ok = false;
        setRole = true;
      }
      return ok;
    };
    const setters: string[] = [];
    const podOpts = podSC(spec)['seLinuxOptions'];
    if (isSet(podOpts) && !valid(rec(podOpts))) setters.push('pod');
    const bad = containers(spec)
      .filter((c) => isSet(c.sc['seLinuxOptions']) && !valid(rec(c.sc['seLinuxOptions'])))
      .map((c) => c.name);
    if (bad.length) setters.push(containersPhrase(bad));
    if (!setters.length) return undefined;
    const data: string[] = [];
    const types = sortedSet(badTypes);
    if (types.length) data.push(`${pluralize('type', 'types', types.length)} ${joinQuote(types)}`);
    if (setUser) data.push('user may not be set');
    if (setRole) data.push('role may not be set');
    return { reason: 'seLinuxOptions', detail: `${setters.join(' and ')} set forbidden securityContext.seLinuxOptions: ${data.join('; ')}` };
  };
}

const SELINUX_TYPES_1_0 = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
const SELINUX_TYPES_1_31 = new Set([...SELINUX_TYPES_1_0, 'container_engine_t']);

function procMountUnconditional(_meta: Obj, spec: Obj): CheckFailure | undefined {
  const bad: string[] = [];
  const types: string[] = [];
  for (const c of containers(spec)) {
    const pm = c.sc['procMount'];
    if (isSet(pm) && pm !== 'Default') {
      bad.push(c.name);
      types.push(String(pm));
    }
  }
  if (!bad.length) return undefined;
  return { reason: 'procMount', detail: `${containersPhrase(bad)} must not set securityContext.procMount to ${joinQuote(sortedSet(types))}` };
}

function procMountBaseline135(meta: Obj, spec: Obj): CheckFailure | undefined {
  return inUserNamespace(spec) ? undefined : procMountUnconditional(meta, spec);
}

const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';

function validSeccompType(t: unknown): boolean {
  return t === 'Localhost' || t === 'RuntimeDefault';
}

/** v1.0 - v1.18: the alpha annotations. */
function seccompBaselineAnnotations(meta: Obj, spec: Obj): CheckFailure | undefined {
  const annotations = rec(meta['annotations']);
  const validValue = (v: string) => v === 'runtime/default' || v === 'docker/default' || v.startsWith('localhost/');
  const forbidden: string[] = [];
  const look = (key: string) => {
    if (!Object.prototype.hasOwnProperty.call(annotations, key)) return;
    const v = String(annotations[key] ?? '');
    if (!validValue(v)) forbidden.push(`${key}=${JSON.stringify(v)}`);
  };
  look(SECCOMP_POD_ANNOTATION);
  for (const c of containers(spec)) look(SECCOMP_CONTAINER_ANNOTATION_PREFIX + c.name);
  const list = sortedSet(forbidden);
  if (!list.length) return undefined;
  return { reason: 'seccompProfile', detail: `forbidden ${pluralize('annotation', 'annotations', list.length)} ${list.join(', ')}` };
}

/** Pod and containers that set seccompProfile.type to something else than RuntimeDefault/Localhost, and those values. */
function badSeccompSetters(spec: Obj): { setters: string[]; values: string[]; podValid: boolean; implicit: string[] } {
  const setters: string[] = [];
  const values: string[] = [];
  let podValid = false;
  const podProfile = podSC(spec)['seccompProfile'];
  if (isSet(podProfile)) {
    const t = rec(podProfile)['type'];
    if (!validSeccompType(t)) {
      setters.push('pod');
      values.push(String(t ?? ''));
    } else podValid = true;
  }
  const bad: string[] = [];
  const implicit: string[] = [];
  for (const c of containers(spec)) {
    const p = c.sc['seccompProfile'];
    if (isSet(p)) {
      const t = rec(p)['type'];
      if (!validSeccompType(t)) {
        bad.push(c.name);
        values.push(String(t ?? ''));
      }
    } else if (!podValid) implicit.push(c.name);
  }
  if (bad.length) setters.push(containersPhrase(bad));
  return { setters, values: sortedSet(values), podValid, implicit };
}

/** v1.19+: the seccompProfile fields, when set, must be RuntimeDefault or Localhost. */
function seccompBaseline119(_meta: Obj, spec: Obj): CheckFailure | undefined {
  const { setters, values } = badSeccompSetters(spec);
  if (!setters.length) return undefined;
  return { reason: 'seccompProfile', detail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(values)}` };
}

/**
 * The sysctls the baseline level allows, by policy version (namespaced
 * sysctls isolated from other pods).
 */
export const SAFE_SYSCTLS: ReadonlyArray<{ min: number; names: readonly string[] }> = [
  {
    min: 0,
    names: [
      'kernel.shm_rmid_forced',
      'net.ipv4.ip_local_port_range',
      'net.ipv4.tcp_syncookies',
      'net.ipv4.ping_group_range',
      'net.ipv4.ip_unprivileged_port_start',
    ],
  },
  { min: 27, names: ['net.ipv4.ip_local_reserved_ports'] },
  { min: 29, names: ['net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'] },
  { min: 32, names: ['net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'] },
  { min: 37, names: ['net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_notsent_lowat'] },
];

function sysctls(min: number): CheckFn {
  const allowed = new Set(SAFE_SYSCTLS.filter((s) => s.min <= min).flatMap((s) => s.names));
  return (_meta, spec) => {
    const bad = objs(podSC(spec)['sysctls'])
      .map((s) => String(s['name'] ?? ''))
      .filter((n) => !allowed.has(n));
    return bad.length ? { reason: 'forbidden sysctls', detail: bad.join(', ') } : undefined;
  };
}

function hostProbesAndHostLifecycle(_meta: Obj, spec: Obj): CheckFailure | undefined {
  const bad: string[] = [];
  const hosts: string[] = [];
  const hostsOf = (handler: unknown): string[] => {
    if (!isSet(handler)) return [];
    const h = rec(handler);
    return [rec(h['httpGet'])['host'], rec(h['tcpSocket'])['host']].filter((x): x is string => typeof x === 'string' && x !== '');
  };
  for (const c of containers(spec)) {
    const lifecycle = rec(c.c['lifecycle']);
    const found = [c.c['livenessProbe'], c.c['readinessProbe'], c.c['startupProbe'], lifecycle['postStart'], lifecycle['preStop']].flatMap(hostsOf);
    if (found.length) {
      bad.push(c.name);
      hosts.push(...found);
    }
  }
  if (!bad.length) return undefined;
  const names = sortedSet(bad);
  const list = sortedSet(hosts);
  return {
    reason: 'probe or lifecycle host',
    detail: `${containersPhrase(names)} ${pluralize('uses', 'use', names.length)} ${pluralize('probe or lifecycle host', 'probe or lifecycle hosts', list.length)} ${joinQuote(list)}`,
  };
}

// -- restricted --

const ALLOWED_VOLUME_SOURCES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret'];
/** Restricted volume sources, in the order Kubernetes names the first one a volume sets. */
const RESTRICTED_VOLUME_SOURCES = [
  'hostPath',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'nfs',
  'iscsi',
  'glusterfs',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'fc',
  'azureFile',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'portworxVolume',
  'scaleIO',
  'storageos',
];

function restrictedVolumes(_meta: Obj, spec: Obj): CheckFailure | undefined {
  const bad: string[] = [];
  const types: string[] = [];
  for (const v of objs(spec['volumes'])) {
    if (ALLOWED_VOLUME_SOURCES.some((s) => isSet(v[s]))) continue;
    bad.push(String(v['name'] ?? ''));
    types.push(RESTRICTED_VOLUME_SOURCES.find((s) => isSet(v[s])) ?? 'unknown');
  }
  if (!bad.length) return undefined;
  const list = sortedSet(types);
  return {
    reason: 'restricted volume types',
    detail: `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('restricted volume type', 'restricted volume types', list.length)} ${joinQuote(list)}`,
  };
}

function allowPrivilegeEscalation18(_meta: Obj, spec: Obj): CheckFailure | undefined {
  const bad = containers(spec)
    .filter((c) => c.sc['allowPrivilegeEscalation'] !== false)
    .map((c) => c.name);
  return bad.length
    ? { reason: 'allowPrivilegeEscalation != false', detail: `${containersPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false` }
    : undefined;
}

/** From v1.25 Windows pods (`spec.os.name: windows`) pass the Linux-only restricted checks. */
function exceptWindows(check: CheckFn): CheckFn {
  return (meta, spec) => (isWindows(spec) ? undefined : check(meta, spec));
}

/** From v1.35 pods in a user namespace pass the user checks. */
function exceptUserNamespace(check: CheckFn): CheckFn {
  return (meta, spec) => (inUserNamespace(spec) ? undefined : check(meta, spec));
}

function runAsNonRoot(_meta: Obj, spec: Obj): CheckFailure | undefined {
  const setters: string[] = [];
  let podNonRoot = false;
  const podValue = podSC(spec)['runAsNonRoot'];
  if (isSet(podValue)) {
    if (podValue !== true) setters.push('pod');
    else podNonRoot = true;
  }
  const explicit: string[] = [];
  const implicit: string[] = [];
  for (const c of containers(spec)) {
    const v = c.sc['runAsNonRoot'];
    if (isSet(v)) {
      if (v !== true) explicit.push(c.name);
    } else if (!podNonRoot) implicit.push(c.name);
  }
  if (explicit.length) setters.push(containersPhrase(explicit));
  if (setters.length) return { reason: 'runAsNonRoot != true', detail: `${setters.join(' and ')} must not set securityContext.runAsNonRoot=false` };
  if (implicit.length) return { reason: 'runAsNonRoot != true', detail: `pod or ${containersPhrase(implicit)} must set securityContext.runAsNonRoot=true` };
  return undefined;
}

function runAsUser(_meta: Obj, spec: Obj): CheckFailure | undefined {
  const setters: string[] = [];
  if (podSC(spec)['runAsUser'] === 0) setters.push('pod');
  const bad = containers(spec)
    .filter((c) => c.sc['runAsUser'] === 0)
    .map((c) => c.name);
  if (bad.length) setters.push(containersPhrase(bad));
  return setters.length ? { reason: 'runAsUser=0', detail: `${setters.join(' and ')} must not set runAsUser=0` } : undefined;
}

function seccompRestricted(_meta: Obj, spec: Obj): CheckFailure | undefined {
  const { setters, values, implicit } = badSeccompSetters(spec);
  if (setters.length)
    return { reason: 'seccompProfile', detail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(values)}` };
  if (implicit.length) {
    return {
      reason: 'seccompProfile',
      detail: `pod or ${containersPhrase(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
    };
  }
  return undefined;
}

function capabilitiesRestricted(_meta: Obj, spec: Obj): CheckFailure | undefined {
  const missingDropAll: string[] = [];
  const adding: string[] = [];
  const forbidden: string[] = [];
  for (const c of containers(spec)) {
    if (!isSet(c.sc['capabilities'])) {
      missingDropAll.push(c.name);
      continue;
    }
    const caps = rec(c.sc['capabilities']);
    if (!strings(caps['drop']).includes('ALL')) missingDropAll.push(c.name);
    const extra = strings(caps['add']).filter((cap) => cap !== 'NET_BIND_SERVICE');
    if (extra.length) {
      adding.push(c.name);
      forbidden.push(...extra);
    }
  }
  const details: string[] = [];
  if (missingDropAll.length) details.push(`${containersPhrase(missingDropAll)} must set securityContext.capabilities.drop=["ALL"]`);
  if (adding.length) details.push(`${containersPhrase(adding)} must not include ${joinQuote(sortedSet(forbidden))} in securityContext.capabilities.add`);
  return details.length ? { reason: 'unrestricted capabilities', detail: details.join('; ') } : undefined;
}

/** Every check, with the revisions Kubernetes assigns to policy versions. */
export const POD_SECURITY_CHECKS: readonly CheckDef[] = [
  { id: 'windowsHostProcess', level: 'baseline', versions: [{ min: 0, check: hostProcess }] },
  { id: 'hostNamespaces', level: 'baseline', versions: [{ min: 0, check: hostNamespaces }] },
  { id: 'privileged', level: 'baseline', versions: [{ min: 0, check: privileged }] },
  { id: 'capabilities_baseline', level: 'baseline', versions: [{ min: 0, check: capabilitiesBaseline }] },
  { id: 'hostPathVolumes', level: 'baseline', versions: [{ min: 0, check: hostPathVolumes }] },
  { id: 'hostPorts', level: 'baseline', versions: [{ min: 0, check: hostPorts }] },
  { id: 'appArmorProfile', level: 'baseline', versions: [{ min: 0, check: appArmorProfile }] },
  {
    id: 'seLinuxOptions',
    level: 'baseline',
    versions: [
      { min: 0, check: seLinuxOptions(SELINUX_TYPES_1_0) },
      { min: 31, check: seLinuxOptions(SELINUX_TYPES_1_31) },
    ],
  },
  {
    id: 'procMount',
    level: 'baseline',
    versions: [
      { min: 0, check: procMountUnconditional },
      { min: 35, check: procMountBaseline135 },
    ],
  },
  {
    id: 'seccompProfile_baseline',
    level: 'baseline',
    versions: [
      { min: 0, check: seccompBaselineAnnotations },
      { min: 19, check: seccompBaseline119 },
    ],
  },
  { id: 'sysctls', level: 'baseline', versions: [0, 27, 29, 32, 37].map((min) => ({ min, check: sysctls(min) })) },
  { id: 'hostProbesAndHostLifecycle', level: 'baseline', versions: [{ min: 34, check: hostProbesAndHostLifecycle }] },
  { id: 'restrictedVolumes', level: 'restricted', versions: [{ min: 0, check: restrictedVolumes, overrides: ['hostPathVolumes'] }] },
  {
    id: 'allowPrivilegeEscalation',
    level: 'restricted',
    versions: [
      { min: 8, check: allowPrivilegeEscalation18 },
      { min: 25, check: exceptWindows(allowPrivilegeEscalation18) },
    ],
  },
  {
    id: 'runAsNonRoot',
    level: 'restricted',
    versions: [
      { min: 0, check: runAsNonRoot },
      { min: 35, check: exceptUserNamespace(runAsNonRoot) },
    ],
  },
  {
    id: 'runAsUser',
    level: 'restricted',
    versions: [
      { min: 23, check: runAsUser },
      { min: 35, check: exceptUserNamespace(runAsUser) },
    ],
  },
  {
    id: 'seccompProfile_restricted',
    level: 'restricted',
    versions: [
      { min: 19, check: seccompRestricted, overrides: ['seccompProfile_baseline'] },
      { min: 25, check: exceptWindows(seccompRestricted), overrides: ['seccompProfile_baseline'] },
    ],
  },
  {
    id: 'capabilities_restricted',
    level: 'restricted',
    versions: [
      { min: 22, check: capabilitiesRestricted, overrides: ['capabilities_baseline'] },
      { min: 25, check: exceptWindows(capabilitiesRestricted), overrides: ['capabilities_baseline'] },
    ],
  },
  { id: 'procMount_restricted', level: 'restricted', versions: [{ min: 35, check: procMountUnconditional, overrides: ['procMount'] }] },
];

/**
 * The Kubernetes minor version this server reports (VERSION_INFO in app.ts):
 * as in Kubernetes, `latest` and any later `v1.N` evaluate as the server's own
 * version, so a 1.32 server applies the 1.32 checks. Revisions of later
 * versions stay in the table (and in its tests, through `serverMinor`) for
 * when the reported version moves.
 */
export const SERVER_MINOR = 32;

/** The newest version any check revision names. */
export const NEWEST_POLICY_MINOR = Math.max(...POD_SECURITY_CHECKS.flatMap((c) => c.versions.map((v) => v.min)));

function byId(a: CheckDef, b: CheckDef): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
const ORDERED = [
  ...POD_SECURITY_CHECKS.filter((c) => c.level === 'baseline').sort(byId),
  ...POD_SECURITY_CHECKS.filter((c) => c.level === 'restricted').sort(byId),
];

function revisionAt(c: CheckDef, minor: number): VersionedCheck | undefined {
  let found: VersionedCheck | undefined;
  for (const v of c.versions) if (v.min <= minor) found = v;
  return found;
}

const plans = new Map<string, CheckFn[]>();

/** The checks of a level at a version, in Kubernetes' order (cached). */
function checksFor(level: PodSecurityLevel, version: PolicyVersion, serverMinor: number): CheckFn[] {
  if (level === 'privileged') return [];
  const minor = Math.min(minorOf(version), serverMinor);
  const key = `${level}:${minor}`;
  let plan = plans.get(key);
  if (plan) return plan;
  const active = ORDERED.map((c) => ({ c, v: revisionAt(c, minor) })).filter((x): x is { c: CheckDef; v: VersionedCheck } => x.v !== undefined);
  const overridden = new Set(level === 'restricted' ? active.filter((x) => x.c.level === 'restricted').flatMap((x) => x.v.overrides ?? []) : []);
  plan = active.filter((x) => (level === 'restricted' || x.c.level === 'baseline') && !overridden.has(x.c.id)).map((x) => x.v.check);
  plans.set(key, plan);
  return plan;
}

/** The failed checks of a pod (metadata and spec) at a level and version, in Kubernetes' order. */
export function evaluatePod(lv: LevelVersion, meta: Obj, spec: Obj, serverMinor = SERVER_MINOR): CheckFailure[] {
  return checksFor(lv.level, lv.version, serverMinor)
    .map((check) => check(meta, spec))
    .filter((f): f is CheckFailure => f !== undefined);
}

/** `reason (detail), reason (detail)`: how an admission answer words a failed evaluation. */
export function forbiddenDetail(failures: readonly CheckFailure[]): string {
  return failures.map((f) => (f.detail ? `${f.reason} (${f.detail})` : f.reason)).join(', ');
}

/** `reason, reason`: how the namespace label warnings word a pod's failures. */
export function forbiddenReason(failures: readonly CheckFailure[]): string {
  return failures.map((f) => f.reason).join(', ');
}

/** The failed checks of `pod` at `level` (and `version`), each worded `reason (detail)`. */
export function podSecurityViolations(pod: Obj, level: PodSecurityLevel, version: PolicyVersion = 'latest'): string[] {
  return evaluatePod({ level, version }, rec(pod['metadata']), rec(pod['spec'])).map((f) => forbiddenDetail([f]));
}
