import { join } from 'node:path';
import type { Container, Pod } from '@mk8s/api';
import type { Clientset, Clock } from '@mk8s/client';
import type { ContainerConfig, ContainerStatus, CriRuntime, PodSandboxConfig, PortMapping, Protocol } from '@mk8s/cri';
import { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { containerFieldPath, noopRecorder, type EventRecorder } from '../events/recorder.js';
import { runHook } from './hooks.js';
import { linuxResources } from './resources.js';
import { containerMounts, prepareVolumes } from './volumes.js';
import { ContainerConfigError, buildEnv, expandVars, type ServiceLister } from './env.js';
import { ImageError, ensureImage, pullPolicyOf, type PullBackoff } from './images.js';
import { ANNOTATION_GRACE_PERIOD, ANNOTATION_RESTART_COUNT, LABEL_CONTAINER_KIND, LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID } from './labels.js';
import { goDuration, silentLogger, type PodLogger } from './logger.js';
import { containersNamed, readySandbox, type RuntimeContainer, type RuntimePodStatus } from './runtime-pod.js';
import type { WaitingReason } from './status.js';
import { nsToMs } from './time.js';
import { containerSecurityContext, needsImageUser, sandboxLinuxConfig, verifyRunAsNonRoot, type ImageUser } from './security-context.js';
import { applyVolumeOwnership } from './volume-ownership.js';

export interface PodSyncerOptions {
  runtime: CriRuntime;
  /** Reads ConfigMaps and Secrets for env; without it such references fail with CreateContainerConfigError. */
  client?: Clientset;
  rootDir: string;
  clock: Clock;
  hostIP?: string;
  /** Services for containers' `<SVC>_SERVICE_HOST`/`_PORT` variables (the kubelet's services informer). */
  services?: ServiceLister;
  /** Container restart (CrashLoopBackOff) and image pull backoff. */
  backoff?: Partial<BackoffOptions>;
  log?: PodLogger;
  /** Pulled/Created/Started/Killing/BackOff/Failed events (default: none recorded). */
  recorder?: EventRecorder;
  /** Folder of seccomp profiles that `seccompProfile.localhostProfile` names (default: <rootDir>/seccomp, as Kubernetes). */
  seccompProfileRoot?: string;
}

export interface SyncResult {
  /** Sync the pod again after this long (a backoff ends); absent: only on the next event or resync. */
  requeueAfterMs?: number;
}

const DEFAULT_GRACE_SECONDS = 30;

/**
 * Drives the runtime towards one pod's spec (Kubernetes' computePodActions +
 * SyncPod), one step per call: callers (the pod worker) call `sync` again on
 * every runtime event, after `requeueAfterMs`, and periodically. Never called
 * twice at once for one pod; never for a pod being deleted (termination.ts).
 *
 * Each call: a ready sandbox (created if none, unless the pod is finished);
 * init containers one at a time in order, each to exit 0 before the next;
 * then every app container that is not running and should run per
 * restartPolicy, honouring CrashLoopBackOff; a running container whose image
 * differs from the spec is killed and recreated. A finished pod (Never/
 * OnFailure with all containers done, or an init failure under Never) gets
 * its sandbox stopped. Attempt numbers (= restartCount) continue from what
 * the runtime holds, so a restarted kubelet carries on where it stopped.
 *
 * Why a container waits (CrashLoopBackOff, ErrImagePull...) exists only
 * here: `waitingReason` feeds status generation.
 */
export class PodSyncer {
  private readonly runtime: CriRuntime;
  private readonly clock: Clock;
  private readonly log: PodLogger;
  private readonly recorder: EventRecorder;
  private readonly restartBackoff: Backoff;
  private readonly pullBackoff: Backoff;
  private readonly pullFailedAt = new Map<string, number>();
  private readonly waiting = new Map<string, Map<string, WaitingReason>>();

  constructor(private readonly opts: PodSyncerOptions) {
    this.runtime = opts.runtime;
    this.clock = opts.clock;
    this.log = opts.log ?? silentLogger;
    this.recorder = opts.recorder ?? noopRecorder;
    const b = { ...DEFAULT_BACKOFF, ...opts.backoff };
    this.restartBackoff = new Backoff(this.clock, b);
    this.pullBackoff = new Backoff(this.clock, b);
  }

  /** The reason a container of the pod waits, as of the last sync (undefined when it does not). */
  waitingReason(podUid: string, containerName: string): WaitingReason | undefined {
    return this.waiting.get(podUid)?.get(containerName);
  }

  /** Drops everything kept for a pod (its backoffs and reasons); call when it is gone. */
  forget(podUid: string): void {
    this.waiting.delete(podUid);
    this.restartBackoff.resetPrefix(`${podUid}/`);
    this.pullBackoff.resetPrefix(`${podUid}/`);
    for (const k of [...this.pullFailedAt.keys()]) if (k.startsWith(`${podUid}/`)) this.pullFailedAt.delete(k);
  }

  async sync(pod: Pod, rs: RuntimePodStatus): Promise<SyncResult> {
    const uid = pod.metadata?.uid ?? '';
    const spec = pod.spec ?? { containers: [] };
    if (isTerminalPhase(pod) || podFinished(pod, rs)) {
      this.waiting.delete(uid);
      await this.stopSandboxes(rs);
      return {};
    }

    let sandbox = readySandbox(rs);
    const sandboxConfig = this.sandboxConfig(pod, sandbox?.metadata.attempt ?? (rs.sandboxes[0]?.metadata.attempt ?? -1) + 1);
    if (!sandbox) {
      await this.killAll(pod, rs);
      let podSandboxId: string;
      try {
        ({ podSandboxId } = await this.runtime.runPodSandbox({ config: sandboxConfig }));
      } catch (err) {
        // E.g. a sysctl or host namespace the runtime refuses: visible on the pod, retried with backoff.
        this.recorder.event(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(err as Error).message}`);
        throw err;
      }
      this.log.info('started pod sandbox', { pod: podRef(pod), sandbox: podSandboxId });
      sandbox = (await this.runtime.podSandboxStatus({ podSandboxId })).status;
    }
    const sb = sandbox;
    // A hostNetwork pod's IP (status.podIP, fieldRef env) is the node's, as in Kubernetes.
    const podIP = (pod.spec?.hostNetwork ? this.opts.hostIP : undefined) || (sb.network?.ip ?? '');
    const inSandbox = (name: string): RuntimeContainer[] => containersNamed(rs, name).filter((c) => c.podSandboxId === sb.id);
    const ctx: StartContext = { pod, sandboxId: sb.id, sandboxConfig, podIP, rs };
    const requeue: number[] = [];

    for (const c of spec.initContainers ?? []) {
      const latest = inSandbox(c.name)[0];
      if (latest?.state === 'CONTAINER_EXITED' && latest.exitCode === 0) continue;
      if (!latest) {
        await this.start(ctx, c, 'init', requeue);
      } else if (latest.state === 'CONTAINER_CREATED') {
        await this.startCreated(pod, c.name, latest.id);
      } else if (latest.state === 'CONTAINER_EXITED') {
        await this.restart(ctx, c, 'init', latest, requeue);
      }
      return result(requeue);
    }

    const policy = spec.restartPolicy ?? 'Always';
    const grace = spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
    for (const c of spec.containers) {
      const latest = inSandbox(c.name)[0];
      if (!latest) {
        await this.start(ctx, c, 'app', requeue);
        continue;
      }
      if (latest.state === 'CONTAINER_RUNNING' || latest.state === 'CONTAINER_CREATED') {
        if (!sameImage(latest.image.image, c.image ?? '')) {
          this.log.info('container image changed, killing it', { pod: podRef(pod), container: c.name, from: latest.image.image, to: c.image });
          this.recorder.event(pod, 'Normal', 'Killing', `Container ${c.name} definition changed, will be restarted`, containerFieldPath(pod, c.name));
          await this.runtime.stopContainer({ containerId: latest.id, timeout: grace });
          await this.start(ctx, c, 'app', requeue);
        } else if (latest.state === 'CONTAINER_CREATED') {
          await this.startCreated(pod, c.name, latest.id);
        }
        continue;
      }
      if (latest.state !== 'CONTAINER_EXITED') continue;
      if (!sameImage(latest.image.image, c.image ?? '')) {
        await this.start(ctx, c, 'app', requeue);
      } else if (policy === 'Always' || (policy === 'OnFailure' && latest.exitCode !== 0)) {
        await this.restart(ctx, c, 'app', latest, requeue);
      } else {
        this.clearWaiting(uid, c.name);
      }
    }
    return result(requeue);
  }

  /** Restarts an exited container unless it is in CrashLoopBackOff. */
  private async restart(ctx: StartContext, c: Container, kind: 'init' | 'app', dead: ContainerStatus, requeue: number[]): Promise<void> {
    const uid = ctx.pod.metadata?.uid ?? '';
    const key = `${uid}/${c.name}/${c.image ?? ''}`;
    const wait = this.restartBackoff.remainingMs(key, nsToMs(dead.finishedAt) || this.clock.now());
    if (wait > 0) {
      const delay = this.restartBackoff.delayMs(key);
      const message = `back-off ${goDuration(delay)} restarting failed container=${c.name} pod=${ctx.pod.metadata?.name ?? ''}_${ctx.pod.metadata?.namespace ?? 'default'}(${uid})`;
      this.setWaiting(uid, c.name, { reason: 'CrashLoopBackOff', message });
      this.recorder.event(ctx.pod, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${ctx.pod.metadata?.name ?? ''}_${ctx.pod.metadata?.namespace ?? 'default'}(${uid})`, containerFieldPath(ctx.pod, c.name));
      requeue.push(wait);
      return;
    }
    this.restartBackoff.next(key);
    await this.start(ctx, c, kind, requeue);
  }

  /**
   * Pulls if needed, creates and starts the next attempt of `c`. Failures
   * become the container's waiting reason (and a requeue when a backoff
   * ends), not exceptions: other containers of the pod still get synced.
   */
  private async start(ctx: StartContext, c: Container, kind: 'init' | 'app', requeue: number[]): Promise<void> {
    const { pod } = ctx;
    const uid = pod.metadata?.uid ?? '';
    const all = containersNamed(ctx.rs, c.name);
    const attempt = all.length > 0 ? Math.max(...all.map((x) => x.metadata.attempt ?? 0)) + 1 : 0;
    const fieldPath = containerFieldPath(pod, c.name);
    try {
      await ensureImage(this.runtime, c, `${uid}/${c.name}/${c.image ?? ''}`, this.pullBackoffFor(), ctx.sandboxConfig);
      this.recorder.event(
        pod,
        'Normal',
        'Pulled',
        pullPolicyOf(c) === 'Always' ? `Successfully pulled image "${c.image ?? ''}"` : `Container image "${c.image ?? ''}" already present on machine`,
        fieldPath,
      );
    } catch (err) {
      if (!(err instanceof ImageError)) throw err;
      this.recorder.event(pod, 'Warning', err.reason === 'ImagePullBackOff' ? 'BackOff' : 'Failed', err.message, fieldPath);
      this.setWaiting(uid, c.name, { reason: err.reason, message: err.message });
      if (err.retryAfterMs !== undefined) requeue.push(err.retryAfterMs);
      this.log.warn('image not ready', { pod: podRef(pod), container: c.name, reason: err.reason, message: err.message });
      return;
    }
    let config: ContainerConfig;
    try {
      config = await this.containerConfig(pod, c, kind, attempt, ctx.podIP);
    } catch (err) {
      if (!(err instanceof ContainerConfigError)) throw err;
      this.recorder.event(pod, 'Warning', 'Failed', `Error: ${err.message}`, fieldPath);
      this.setWaiting(uid, c.name, { reason: 'CreateContainerConfigError', message: err.message });
      return;
    }
    // Keep one dead instance (the one this attempt replaces) for lastState and `logs --previous`.
    for (const old of all.slice(1)) {
      if (old.state === 'CONTAINER_EXITED') await this.runtime.removeContainer({ containerId: old.id });
    }
    let containerId: string;
    try {
      ({ containerId } = await this.runtime.createContainer({ podSandboxId: ctx.sandboxId, config, sandboxConfig: ctx.sandboxConfig }));
    } catch (err) {
      this.setWaiting(uid, c.name, { reason: 'CreateContainerError', message: (err as Error).message });
      this.recorder.event(pod, 'Warning', 'Failed', `Error: ${(err as Error).message}`, fieldPath);
      this.log.warn('create container failed', { pod: podRef(pod), container: c.name, error: (err as Error).message });
      return;
    }
    this.recorder.event(pod, 'Normal', 'Created', `Created container ${c.name}`, fieldPath);
    await this.startCreated(pod, c.name, containerId);
    const postStart = c.lifecycle?.postStart;
    if (postStart) {
      const failure = await runHook(postStart, { runtime: this.runtime, clock: this.clock, containerId, container: c, ...(ctx.podIP ? { podIP: ctx.podIP } : {}) }, 30);
      if (failure !== undefined) {
        this.recorder.event(pod, 'Warning', 'FailedPostStartHook', `PostStartHook failed: ${failure}`, fieldPath);
        this.log.warn('postStart hook failed; killing the container', { pod: podRef(pod), container: c.name, message: failure });
        await this.runtime.stopContainer({ containerId, timeout: pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS });
      }
    }
  }

  private async startCreated(pod: Pod, name: string, containerId: string): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    try {
      await this.runtime.startContainer({ containerId });
      this.clearWaiting(uid, name);
      this.recorder.event(pod, 'Normal', 'Started', `Started container ${name}`, containerFieldPath(pod, name));
      this.log.info('started container', { pod: podRef(pod), container: name, id: containerId });
    } catch (err) {
      this.setWaiting(uid, name, { reason: 'RunContainerError', message: (err as Error).message });
      this.log.warn('start container failed', { pod: podRef(pod), container: name, error: (err as Error).message });
    }
  }

  private pullBackoffFor(): PullBackoff {
    return {
      remaining: (key) => this.pullBackoff.remainingMs(key, this.pullFailedAt.get(key) ?? 0),
      failed: (key) => {
        this.pullFailedAt.set(key, this.clock.now());
        return this.pullBackoff.next(key);
      },
      succeeded: (key) => {
        this.pullBackoff.reset(key);
        this.pullFailedAt.delete(key);
      },
    };
  }

  /** The sandbox config of a pod; the same for RunPodSandbox, CreateContainer and PullImage. */
  sandboxConfig(pod: Pod, attempt: number): PodSandboxConfig {
    const md = pod.metadata ?? {};
    const uid = md.uid ?? '';
    const portMappings: PortMapping[] = [];
    for (const c of pod.spec?.containers ?? []) {
      for (const p of c.ports ?? []) {
        portMappings.push({
          containerPort: p.containerPort,
          protocol: (p.protocol ?? 'TCP') as Protocol,
          ...(p.hostPort ? { hostPort: p.hostPort } : {}),
          ...(p.hostIP ? { hostIp: p.hostIP } : {}),
        });
      }
    }
    return {
      metadata: { name: md.name ?? '', namespace: md.namespace ?? 'default', uid, attempt },
      hostname: (pod.spec?.hostname ?? md.name ?? '').slice(0, 63),
      logDirectory: join(this.opts.rootDir, 'pods', uid),
      portMappings,
      labels: { ...(md.labels ?? {}), [LABEL_POD_NAME]: md.name ?? '', [LABEL_POD_NAMESPACE]: md.namespace ?? 'default', [LABEL_POD_UID]: uid },
      annotations: { ...(md.annotations ?? {}) },
      linux: sandboxLinuxConfig(pod),
    };
  }

  private async containerConfig(pod: Pod, c: Container, kind: 'init' | 'app', attempt: number, podIP: string): Promise<ContainerConfig> {
    const md = pod.metadata ?? {};
    const envs = await buildEnv(this.opts.client, pod, c, { podIP, ...(this.opts.hostIP ? { hostIP: this.opts.hostIP } : {}), ...(this.opts.services ? { services: this.opts.services } : {}) });
    const image = needsImageUser(pod, c) ? await this.imageUser(c) : undefined;
    verifyRunAsNonRoot(pod, c, image);
    const securityContext = containerSecurityContext(pod, c, { seccompProfileRoot: this.opts.seccompProfileRoot ?? join(this.opts.rootDir, 'seccomp') }, image);
    const volumes = await prepareVolumes(this.opts.client, pod, this.opts.rootDir);
    await applyVolumeOwnership(pod, volumes);
    const mounts = await containerMounts(c, volumes, { podDir: join(this.opts.rootDir, 'pods', md.uid ?? '') });
    const resources = linuxResources(c);
    const vars = new Map(envs.map((e) => [e.key, e.value]));
    return {
      metadata: { name: c.name, attempt },
      image: { image: c.image ?? '' },
      ...(c.command ? { command: c.command.map((s) => expandVars(s, vars)) } : {}),
      ...(c.args ? { args: c.args.map((s) => expandVars(s, vars)) } : {}),
      ...(c.workingDir ? { workingDir: c.workingDir } : {}),
      envs,
      ...(mounts.length ? { mounts } : {}),
      linux: { ...(resources ? { resources } : {}), securityContext },
      labels: {
        [LABEL_POD_NAME]: md.name ?? '',
        [LABEL_POD_NAMESPACE]: md.namespace ?? 'default',
        [LABEL_POD_UID]: md.uid ?? '',
        [LABEL_CONTAINER_NAME]: c.name,
        [LABEL_CONTAINER_KIND]: kind,
      },
      annotations: {
        [ANNOTATION_RESTART_COUNT]: String(attempt),
        [ANNOTATION_GRACE_PERIOD]: String(pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS),
      },
      logPath: `${c.name}/${attempt}.log`,
      ...(c.stdin ? { stdin: true } : {}),
      ...(c.stdinOnce ? { stdinOnce: true } : {}),
      ...(c.tty ? { tty: true } : {}),
    };
  }

  /** The user the container's image runs as (CRI ImageStatus); no uid and no name means root. */
  private async imageUser(c: Container): Promise<ImageUser> {
    const img = (await this.runtime.imageStatus({ image: { image: c.image ?? '' } })).image;
    if (img?.uid) return { uid: img.uid.value };
    return img?.username ? { username: img.username } : {};
  }

  /** Before a new sandbox: nothing of the old one may keep running. */
  private async killAll(pod: Pod, rs: RuntimePodStatus): Promise<void> {
    const grace = pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
    await Promise.all(
      rs.containers.filter((c) => c.state === 'CONTAINER_RUNNING').map((c) => this.runtime.stopContainer({ containerId: c.id, timeout: grace })),
    );
    await this.stopSandboxes(rs);
  }

  private async stopSandboxes(rs: RuntimePodStatus): Promise<void> {
    for (const s of rs.sandboxes) {
      if (s.state === 'SANDBOX_READY') await this.runtime.stopPodSandbox({ podSandboxId: s.id });
    }
  }

  private setWaiting(uid: string, name: string, reason: WaitingReason): void {
    let m = this.waiting.get(uid);
    if (!m) this.waiting.set(uid, (m = new Map()));
    m.set(name, reason);
  }

  private clearWaiting(uid: string, name: string): void {
    this.waiting.get(uid)?.delete(name);
  }
}

interface StartContext {
  pod: Pod;
  sandboxId: string;
  sandboxConfig: PodSandboxConfig;
  podIP: string;
  rs: RuntimePodStatus;
}

function result(requeue: number[]): SyncResult {
  return requeue.length > 0 ? { requeueAfterMs: Math.max(1, Math.min(...requeue)) } : {};
}

export function isTerminalPhase(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/**
 * Whether nothing of the pod will ever run again, judged from the runtime:
 * an init container failed under Never, or every app container has exited
 * and restartPolicy will not restart any (Never; OnFailure with all zero).
 */
export function podFinished(pod: Pod, rs: RuntimePodStatus): boolean {
  const spec = pod.spec ?? { containers: [] };
  const policy = spec.restartPolicy ?? 'Always';
  if (policy === 'Always') return false;
  const latest = (name: string): ContainerStatus | undefined => containersNamed(rs, name)[0];
  if (policy === 'Never') {
    for (const c of spec.initContainers ?? []) {
      const l = latest(c.name);
      if (l?.state === 'CONTAINER_EXITED' && l.exitCode !== 0) return true;
    }
  }
  if (spec.containers.length === 0) return false;
  return spec.containers.every((c) => {
    const l = latest(c.name);
    return l?.state === 'CONTAINER_EXITED' && (policy === 'Never' || l.exitCode === 0);
  });
}

/** Image references compare as Docker reads them (no tag = :latest, docker.io/library implied). */
export function sameImage(a: string, b: string): boolean {
  return normalizeImage(a) === normalizeImage(b);
}

function normalizeImage(ref: string): string {
  let r = ref.trim();
  if (r.startsWith('docker.io/library/')) r = r.slice('docker.io/library/'.length);
  else if (r.startsWith('docker.io/')) r = r.slice('docker.io/'.length);
  const last = r.slice(r.lastIndexOf('/') + 1);
  return r.includes('@') || last.includes(':') ? r : `${r}:latest`;
}

function podRef(pod: Pod): string {
  return `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? ''}`;
}
