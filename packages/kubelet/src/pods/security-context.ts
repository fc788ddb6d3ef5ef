/**
 * A pod's and its containers' securityContext as the runtime receives it
 * (Kubernetes' determineEffectiveSecurityContext, verifyRunAsNonRoot and the
 * sandbox's Linux config). Pure functions: the syncer feeds them the pod, the
 * container and, when needed, the user the image runs as.
 *
 * Rules, as Kubernetes applies them:
 * - the container's fields win; runAsUser, runAsGroup, runAsNonRoot,
 *   seLinuxOptions, seccompProfile and appArmorProfile fall back to the pod's;
 * - supplementalGroups and fsGroup come from the pod only (fsGroup first);
 * - no_new_privs is set only by an explicit allowPrivilegeEscalation: false,
 *   which is refused together with privileged or an added CAP_SYS_ADMIN;
 * - procMount Default masks Kubernetes' default /proc and /sys paths,
 *   Unmasked sends both lists empty;
 * - hostNetwork/hostIPC/hostPID select the node's namespaces; the PID
 *   namespace is the container's own unless shareProcessNamespace.
 * Differences: an absent seccompProfile means RuntimeDefault (Kubernetes'
 * --seccomp-default, always on here), and the image's user is passed as
 * runAsUser only when runAsGroup needs one, so an image's own "uid:gid" is
 * kept otherwise. What this kubelet cannot honour (supplementalGroupsPolicy
 * Strict, an unknown profile type or procMount, an out-of-range id) is
 * refused as a CreateContainerConfigError, never dropped.
 */
import { isAbsolute, join, normalize, sep } from 'node:path';
import type { Container, Pod, PodSecurityContext, SecurityContext } from '@mk8s/api';
import type { LinuxContainerSecurityContext, LinuxPodSandboxConfig, NamespaceOption, SELinuxOption, SecurityProfile } from '@mk8s/cri';
import { ContainerConfigError } from './env.js';

/** Kubernetes' default masked paths (pkg/securitycontext): hidden from containers unless procMount is Unmasked. */
export const DEFAULT_MASKED_PATHS: readonly string[] = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/interrupts',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

/** Kubernetes' default read-only paths. */
export const DEFAULT_READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** The largest user or group id Kubernetes accepts (IsValidUserID / IsValidGroupID). */
const MAX_ID = 2 ** 31 - 1;

/** The user an image runs as, from CRI ImageStatus: a numeric uid, else a name; neither means root. */
export interface ImageUser {
  uid?: number;
  username?: string;
}

export interface SecurityOptions {
  /** Folder that seccompProfile localhostProfile paths are relative to (Kubernetes: <root-dir>/seccomp). */
  seccompProfileRoot: string;
}

type Sc = SecurityContext;
type PodSc = PodSecurityContext;

/** Kubernetes' "name_namespace(uid)" of a pod in messages. */
function podDesc(pod: Pod): string {
  const md = pod.metadata ?? {};
  return `${md.name ?? ''}_${md.namespace ?? 'default'}(${md.uid ?? ''})`;
}

function defined<T>(v: T | null | undefined): v is T {
  return v !== undefined && v !== null;
}

/**
 * The container's securityContext with the pod's runAsUser, runAsGroup,
 * runAsNonRoot, seLinuxOptions, seccompProfile and appArmorProfile filled in
 * where the container leaves them unset.
 */
export function effectiveSecurityContext(pod: Pod, c: Container): Sc {
  const psc: PodSc = pod.spec?.securityContext ?? {};
  const csc: Sc = c.securityContext ?? {};
  const out: Sc = {};
  for (const k of ['seLinuxOptions', 'windowsOptions', 'runAsUser', 'runAsGroup', 'runAsNonRoot', 'seccompProfile', 'appArmorProfile'] as const) {
    if (defined(psc[k])) (out as Record<string, unknown>)[k] = structuredClone(psc[k]);
  }
  for (const [k, v] of Object.entries(csc)) {
    if (defined(v)) (out as Record<string, unknown>)[k] = structuredClone(v);
  }
  return out;
}

/** Network/IPC: the pod's (shared by its containers) or the node's; PID: the container's own, the pod's (shareProcessNamespace) or the node's. */
export function namespaceOptions(pod: Pod): NamespaceOption {
  const spec = pod.spec;
  return {
    network: spec?.hostNetwork ? 'NODE' : 'POD',
    pid: spec?.hostPID ? 'NODE' : spec?.shareProcessNamespace ? 'POD' : 'CONTAINER',
    ipc: spec?.hostIPC ? 'NODE' : 'POD',
  };
}

function checkId(what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_ID) {
    throw new ContainerConfigError(`${what} ${JSON.stringify(v)} is not a valid id (0 to ${MAX_ID})`);
  }
  return v;
}

/** fsGroup, then supplementalGroups: the extra groups of every process of the pod. */
export function podSupplementalGroups(pod: Pod): number[] {
  const psc: PodSc = pod.spec?.securityContext ?? {};
  const groups: number[] = [];
  if (defined(psc.fsGroup)) groups.push(checkId('securityContext.fsGroup', psc.fsGroup));
  for (const g of psc.supplementalGroups ?? []) groups.push(checkId('securityContext.supplementalGroups', g));
  const policy = psc.supplementalGroupsPolicy;
  if (policy === 'Strict') {
    throw new ContainerConfigError(
      "securityContext.supplementalGroupsPolicy Strict is not supported on this node (the runtimes merge the groups of the image's /etc/group): use Merge",
    );
  }
  if (defined(policy) && policy !== 'Merge')
    throw new ContainerConfigError(`securityContext.supplementalGroupsPolicy ${JSON.stringify(policy)} is not Merge or Strict`);
  return groups;
}

function selinux(o: Sc['seLinuxOptions']): SELinuxOption | null {
  if (!o) return null;
  return { user: o.user ?? '', role: o.role ?? '', type: o.type ?? '', level: o.level ?? '' };
}

/** A relative path without `..`: localhost seccomp profiles stay under the profile root. */
function localRef(root: string, p: string | undefined, what: string): string {
  if (!p) throw new ContainerConfigError(`${what}: localhostProfile must be set if the type is Localhost`);
  const n = normalize(p);
  if (isAbsolute(p) || n === '..' || n.startsWith(`..${sep}`))
    throw new ContainerConfigError(`${what}: localhostProfile ${JSON.stringify(p)} must be a relative path without '..'`);
  return join(root, n);
}

/** The seccomp profile to run with: the container's, else the pod's, else RuntimeDefault. */
export function seccompProfile(sc: Sc, root: string): SecurityProfile {
  const p = sc.seccompProfile;
  if (!p) return { profileType: 'RuntimeDefault' };
  switch (p.type) {
    case 'RuntimeDefault':
      return { profileType: 'RuntimeDefault' };
    case 'Unconfined':
      return { profileType: 'Unconfined' };
    case 'Localhost':
      return { profileType: 'Localhost', localhostRef: localRef(root, p.localhostProfile, 'seccompProfile') };
    default:
      throw new ContainerConfigError(`seccompProfile type ${JSON.stringify(p.type)} is not RuntimeDefault, Unconfined or Localhost`);
  }
}

/** The AppArmor profile, only when the pod or container names one (the runtime's default otherwise). */
export function appArmorProfile(sc: Sc): SecurityProfile | null {
  const p = sc.appArmorProfile;
  if (!p) return null;
  switch (p.type) {
    case 'RuntimeDefault':
    case 'Unconfined':
      return { profileType: p.type };
    case 'Localhost':
      if (!p.localhostProfile) throw new ContainerConfigError('appArmorProfile: localhostProfile must be set if the type is Localhost');
      return { profileType: 'Localhost', localhostRef: p.localhostProfile };
    default:
      throw new ContainerConfigError(`appArmorProfile type ${JSON.stringify(p.type)} is not RuntimeDefault, Unconfined or Localhost`);
  }
}

const isSysAdmin = (cap: string): boolean => cap.toUpperCase().replace(/^CAP_/, '') === 'SYS_ADMIN';

/** Kubernetes' AddNoNewPrivileges: only an explicit allowPrivilegeEscalation: false sets no_new_privs. */
export function noNewPrivileges(sc: Sc): boolean {
  if (sc.allowPrivilegeEscalation !== false) return false;
  if (sc.privileged === true) throw new ContainerConfigError('cannot set allowPrivilegeEscalation to false and privileged to true');
  if ((sc.capabilities?.add ?? []).some(isSysAdmin))
    throw new ContainerConfigError('cannot set allowPrivilegeEscalation to false and capabilities.add CAP_SYS_ADMIN');
  return true;
}

function procMountPaths(sc: Sc): { maskedPaths: string[]; readonlyPaths: string[] } {
  const m = sc.procMount;
  if (!defined(m) || m === 'Default') return { maskedPaths: [...DEFAULT_MASKED_PATHS], readonlyPaths: [...DEFAULT_READONLY_PATHS] };
  if (m === 'Unmasked') return { maskedPaths: [], readonlyPaths: [] };
  throw new ContainerConfigError(`procMount ${JSON.stringify(m)} is not Default or Unmasked`);
}

/** Whether containerSecurityContext / verifyRunAsNonRoot need the image's user (an ImageStatus call). */
export function needsImageUser(pod: Pod, c: Container): boolean {
  const sc = effectiveSecurityContext(pod, c);
  return !defined(sc.runAsUser) && (sc.runAsNonRoot === true || defined(sc.runAsGroup));
}

/**
 * Refuses to run a container whose pod or securityContext says runAsNonRoot
 * when it would run as root: runAsUser 0, or no runAsUser and an image whose
 * user is root (uid 0 or none) or a name that cannot be checked. Kubernetes'
 * messages; the syncer turns them into CreateContainerConfigError.
 */
export function verifyRunAsNonRoot(pod: Pod, c: Container, image: ImageUser | undefined): void {
  const sc = effectiveSecurityContext(pod, c);
  if (sc.runAsNonRoot !== true) return;
  const where = `(pod: "${podDesc(pod)}", container: ${c.name})`;
  if (defined(sc.runAsUser)) {
    if (sc.runAsUser === 0) throw new ContainerConfigError(`container's runAsUser breaks non-root policy ${where}`);
    return;
  }
  if (!defined(image?.uid) && image?.username) {
    throw new ContainerConfigError(`container has runAsNonRoot and image has non-numeric user (${image.username}), cannot verify user is non-root ${where}`);
  }
  const uid = image?.uid ?? 0;
  if (uid === 0) throw new ContainerConfigError(`container has runAsNonRoot and image will run as root ${where}`);
  if (!Number.isInteger(uid) || uid < 0 || uid > MAX_ID) {
    throw new ContainerConfigError(`container has runAsNonRoot and image has an invalid user id (${uid}). (Must be 1-(${MAX_ID})) ${where}`);
  }
}

/**
 * The CRI security context of one container. `image` (the image's user) is
 * needed only when needsImageUser says so: runAsGroup without runAsUser runs
 * as the image's user (root when it has none) with that group.
 */
export function containerSecurityContext(pod: Pod, c: Container, opts: SecurityOptions, image?: ImageUser): LinuxContainerSecurityContext {
  const sc = effectiveSecurityContext(pod, c);
  const out: LinuxContainerSecurityContext = {
    namespaceOptions: namespaceOptions(pod),
    privileged: sc.privileged === true,
    readonlyRootfs: sc.readOnlyRootFilesystem === true,
    noNewPrivs: noNewPrivileges(sc),
    supplementalGroups: podSupplementalGroups(pod),
    ...procMountPaths(sc),
    seccomp: seccompProfile(sc, opts.seccompProfileRoot),
  };
  if (sc.capabilities) out.capabilities = { addCapabilities: [...(sc.capabilities.add ?? [])], dropCapabilities: [...(sc.capabilities.drop ?? [])] };
  const se = selinux(sc.seLinuxOptions);
  if (se) out.selinuxOptions = se;
  const aa = appArmorProfile(sc);
  if (aa) out.apparmor = aa;
  if (defined(sc.runAsUser)) out.runAsUser = { value: checkId('securityContext.runAsUser', sc.runAsUser) };
  if (defined(sc.runAsGroup)) {
    out.runAsGroup = { value: checkId('securityContext.runAsGroup', sc.runAsGroup) };
    if (!out.runAsUser) {
      if (defined(image?.uid)) out.runAsUser = { value: image.uid };
      else if (image?.username) out.runAsUsername = image.username;
      else out.runAsUser = { value: 0 };
    }
  }
  return out;
}

/** Whether any container (init included) of the pod asks to be privileged. */
export function hasPrivilegedContainer(pod: Pod): boolean {
  const spec = pod.spec;
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].some((c) => c.securityContext?.privileged === true);
}

/**
 * The sandbox's Linux config: its namespaces, the pod's user and groups
 * (for the pause process), whether a privileged container will join, the
 * RuntimeDefault seccomp profile and the pod's sysctls. Invalid ids or
 * sysctls make the whole pod fail to start (the sandbox is refused).
 */
export function sandboxLinuxConfig(pod: Pod): LinuxPodSandboxConfig {
  const psc: PodSc = pod.spec?.securityContext ?? {};
  const sysctls: Record<string, string> = {};
  for (const s of psc.sysctls ?? []) sysctls[s.name] = s.value;
  const security: NonNullable<LinuxPodSandboxConfig['securityContext']> = {
    namespaceOptions: namespaceOptions(pod),
    privileged: hasPrivilegedContainer(pod),
    seccomp: { profileType: 'RuntimeDefault' },
  };
  const groups = safe(() => podSupplementalGroups(pod), []);
  if (groups.length) security.supplementalGroups = groups;
  // The pause process takes the pod's user; its group only with a user (runtimes refuse a group alone).
  const uid = safe(() => (defined(psc.runAsUser) ? checkId('runAsUser', psc.runAsUser) : undefined), undefined);
  if (uid !== undefined) {
    security.runAsUser = { value: uid };
    const gid = safe(() => (defined(psc.runAsGroup) ? checkId('runAsGroup', psc.runAsGroup) : undefined), undefined);
    if (gid !== undefined) security.runAsGroup = { value: gid };
  }
  const se = selinux(psc.seLinuxOptions);
  if (se) security.selinuxOptions = se;
  return { securityContext: security, sysctls };
}

/** The sandbox never fails on what containers will refuse one by one with a clear reason. */
function safe<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof ContainerConfigError) return fallback;
    throw err;
  }
}
