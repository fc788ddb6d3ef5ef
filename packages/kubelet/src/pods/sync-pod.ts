import { join } from 'node:path';
import { errorMessage, type Container, type Pod } from '@mk8s/api';
import type { Clientset, Clock } from '@mk8s/client';
import type { ContainerConfig, CriRuntime, PodSandboxConfig, PortMapping, Protocol } from '@mk8s/cri';
import { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { containerFieldPath, noopRecorder, type EventRecorder } from '../events/recorder.js';
import { runHook } from './hooks.js';
import { linuxResources } from './resources.js';
import { containerMounts, prepareVolumes } from './volumes.js';
import { ContainerConfigError, buildEnv, expandVars, type ServiceLister } from './env.js';
import { ImageError, ensureImage, pullPolicyOf, type PullBackoff } from './images.js';
import {
  ANNOTATION_GRACE_PERIOD,
  ANNOTATION_RESTART_COUNT,
  LABEL_CONTAINER_KIND,
  LABEL_CONTAINER_NAME,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
} from './labels.js';
import { silentLogger, type Logger } from '@mk8s/client';
import { goDuration } from './logger.js';
import { computePodActions, type ContainerInBackoff, type ContainerToKill, type ContainerToStart, type FailedProbe, type PodActions } from './pod-actions.js';
import type { RuntimePodStatus } from './runtime-pod.js';
import type { WaitingReason } from './status.js';
import { killContainer, type ContainerKiller } from './termination.js';
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
  log?: Logger;
  /** Pulled/Created/Started/Killing/BackOff/Failed events (default: none recorded). */
  recorder?: EventRecorder;
  /** Folder of seccomp profiles that `seccompProfile.localhostProfile` names (default: <rootDir>/seccomp, as Kubernetes). */
  seccompProfileRoot?: string;
  /** The prober's verdict: whether a liveness or startup probe failed for this running container (it is then killed). */
  probeFailure?: (podUid: string, containerName: string, containerId: string) => FailedProbe | undefined;
}

export interface SyncResult {
  /** Sync the pod again after this long (a backoff ends); absent: only on the next event or resync. */
  requeueAfterMs?: number;
}

const DEFAULT_GRACE_SECONDS = 30;

/**
 * Drives the runtime towards one pod's spec (Kubernetes' SyncPod), one step
 * per call: `plan` decides (computePodActions in pod-actions.ts, pure) and
 * `execute` acts through the CRI. Callers (the pod worker) call `sync` again
 * on every runtime event, after `requeueAfterMs`, and periodically; never
 * twice at once for one pod. `terminate` is the same with a plan that kills
 * everything (a pod being deleted).
 *
 * The syncer keeps what outlives one step: CrashLoopBackOff and image pull
 * backoff per container, and why a container waits (CrashLoopBackOff,
 * ErrImagePull...), which exists only here: `waitingReason` feeds status
 * generation.
 */
export class PodSyncer {
  private readonly runtime: CriRuntime;
  private readonly clock: Clock;
  private readonly log: Logger;
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

  /** One step: plan, then carry the plan out. */
  async sync(pod: Pod, rs: RuntimePodStatus): Promise<SyncResult> {
    return this.execute(pod, rs, this.plan(pod, rs));
  }

  /** Kills every container of a pod that is going away (preStop first, its termination grace period) and stops its sandboxes. */
  async terminate(pod: Pod, rs: RuntimePodStatus): Promise<void> {
    await this.execute(pod, rs, this.plan(pod, rs, { terminating: true }));
  }

  /** The plan for the pod as things stand: computePodActions with this syncer's CrashLoopBackOff and the prober's verdicts. */
  plan(pod: Pod, rs: RuntimePodStatus, opts: { terminating?: boolean } = {}): PodActions {
    const uid = pod.metadata?.uid ?? '';
    const probeFailure = this.opts.probeFailure;
    return computePodActions(pod, rs, this.clock.now(), {
      terminating: opts.terminating,
      restartBackoff: (key, since) => this.restartBackoff.remainingMs(key, since),
      probeFailure: (name, id) => probeFailure?.(uid, name, id),
    });
  }

  /**
   * Carries a plan out: kills (Killing events first, all at once), stops
   * sandboxes, creates the sandbox, then starts the next init container or
   * the app containers in spec order. A container that cannot start (image,
   * config, runtime errors) gets a waiting reason, and a requeue when a
   * backoff ends, rather than an exception: the pod's other containers are
   * still started. `rs` must be the runtime status the plan was made from.
   */
  async execute(pod: Pod, rs: RuntimePodStatus, actions: PodActions): Promise<SyncResult> {
    const uid = pod.metadata?.uid ?? '';
    if (actions.finished) this.waiting.delete(uid);
    await this.killContainers(pod, rs, actions.containersToKill);
    for (const podSandboxId of actions.sandboxesToStop) await this.runtime.stopPodSandbox({ podSandboxId });
    if (actions.killPod || actions.finished) return {};

    const sandboxConfig = this.sandboxConfig(pod, actions.attempt);
    let sandbox = rs.sandboxes.find((s) => s.id === actions.sandboxId);
    if (actions.createSandbox) {
      let podSandboxId: string;
      try {
        ({ podSandboxId } = await this.runtime.runPodSandbox({ config: sandboxConfig }));
      } catch (err) {
        // E.g. a sysctl or host namespace the runtime refuses: visible on the pod, retried with backoff.
        this.recorder.event(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${errorMessage(err)}`);
        throw err;
      }
      this.log.info({ pod: podRef(pod), sandbox: podSandboxId }, 'started pod sandbox');
      sandbox = (await this.runtime.podSandboxStatus({ podSandboxId })).status;
    }
    if (!sandbox) throw new Error(`pod ${podRef(pod)}: sandbox ${actions.sandboxId} is not in the runtime status the plan was made from`);
    // A hostNetwork pod's IP (status.podIP, fieldRef env) is the node's, as in Kubernetes.
    const podIP = (pod.spec?.hostNetwork ? this.opts.hostIP : undefined) || (sandbox.network?.ip ?? '');
    const ctx: StartContext = { pod, sandboxId: sandbox.id, sandboxConfig, podIP };
    const requeue: number[] = [];
    for (const name of actions.containersDone) this.clearWaiting(uid, name);
    for (const b of actions.containersInBackoff) requeue.push(this.backOff(pod, b));
    const starts = [...(actions.nextInitContainerToStart ? [actions.nextInitContainerToStart] : []), ...actions.containersToStart];
    for (const s of starts) {
      if (s.reason === 'startCreated' && s.containerId) {
        await this.startCreated(pod, s.container.name, s.containerId);
        continue;
      }
      if (s.backoffKey) this.restartBackoff.next(s.backoffKey);
      await this.start(ctx, s, requeue);
    }
    return result(requeue);
  }

  /**
   * Every kill at once, each through killContainer (termination.ts): its
   * Killing event (all recorded before any hook runs), its preStop hook
   * within its grace period when the plan says so, then the stop with what
   * is left of the grace period.
   */
  private async killContainers(pod: Pod, rs: RuntimePodStatus, kills: ContainerToKill[]): Promise<void> {
    for (const k of kills) {
      if (k.reason !== 'PodTerminating') {
        this.log.info({ pod: podRef(pod), container: k.name, reason: k.reason, gracePeriodSeconds: k.gracePeriodSeconds }, 'killing container');
      }
    }
    await Promise.all(kills.map((k) => killContainer(this.killer(), pod, { ...k, podIP: this.hookIP(pod, rs, k.containerId) })));
  }

  private killer(): ContainerKiller {
    return { runtime: this.runtime, clock: this.clock, recorder: this.recorder, log: this.log };
  }

  /** The IP an httpGet preStop hook of a container targets by default: its sandbox's (the node's for hostNetwork), else status.podIP. */
  private hookIP(pod: Pod, rs: RuntimePodStatus, containerId: string): string | undefined {
    if (pod.spec?.hostNetwork && this.opts.hostIP) return this.opts.hostIP;
    const sandboxId = rs.containers.find((c) => c.id === containerId)?.podSandboxId;
    return rs.sandboxes.find((s) => s.id === sandboxId)?.network?.ip || pod.status?.podIP || undefined;
  }

  /** CrashLoopBackOff: the container waits, with Kubernetes' reason, message and BackOff event; returns how long. */
  private backOff(pod: Pod, b: ContainerInBackoff): number {
    const uid = pod.metadata?.uid ?? '';
    const name = b.container.name;
    const where = `${pod.metadata?.name ?? ''}_${pod.metadata?.namespace ?? 'default'}(${uid})`;
    const delay = this.restartBackoff.delayMs(b.backoffKey);
    this.setWaiting(uid, name, { reason: 'CrashLoopBackOff', message: `back-off ${goDuration(delay)} restarting failed container=${name} pod=${where}` });
    this.recorder.event(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${name} in pod ${where}`, containerFieldPath(pod, name));
    return b.remainingMs;
  }

  /**
   * Pulls if needed, creates and starts the planned attempt of a container.
   * Failures become the container's waiting reason (and a requeue when a
   * backoff ends), not exceptions: other containers of the pod still get synced.
   */
  private async start(ctx: StartContext, s: ContainerToStart, requeue: number[]): Promise<void> {
    const { pod } = ctx;
    const { container: c, kind, attempt } = s;
    const uid = pod.metadata?.uid ?? '';
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
      this.log.warn({ pod: podRef(pod), container: c.name, reason: err.reason, message: err.message }, 'image not ready');
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
    for (const containerId of s.removeBeforeCreate) await this.runtime.removeContainer({ containerId });
    let containerId: string;
    try {
      ({ containerId } = await this.runtime.createContainer({ podSandboxId: ctx.sandboxId, config, sandboxConfig: ctx.sandboxConfig }));
    } catch (err) {
      this.setWaiting(uid, c.name, { reason: 'CreateContainerError', message: errorMessage(err) });
      this.recorder.event(pod, 'Warning', 'Failed', `Error: ${errorMessage(err)}`, fieldPath);
      this.log.warn({ pod: podRef(pod), container: c.name, error: errorMessage(err) }, 'create container failed');
      return;
    }
    this.recorder.event(pod, 'Normal', 'Created', `Created container ${c.name}`, fieldPath);
    await this.startCreated(pod, c.name, containerId);
    const postStart = c.lifecycle?.postStart;
    if (postStart) {
      const failure = await runHook(postStart, { runtime: this.runtime, clock: this.clock, containerId, container: c, podIP: ctx.podIP || undefined }, 30);
      if (failure !== undefined) {
        this.recorder.event(pod, 'Warning', 'FailedPostStartHook', `PostStartHook failed: ${failure}`, fieldPath);
        this.log.warn({ pod: podRef(pod), container: c.name, message: failure }, 'postStart hook failed; killing the container');
        // Kubernetes' killContainer with reason FailedPostStartHook: that Killing message, preStop first.
        await killContainer(this.killer(), pod, {
          containerId,
          name: c.name,
          message: 'FailedPostStartHook',
          gracePeriodSeconds: pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS,
          runPreStop: true,
          podIP: ctx.podIP || undefined,
        });
      }
    }
  }

  private async startCreated(pod: Pod, name: string, containerId: string): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    try {
      await this.runtime.startContainer({ containerId });
      this.clearWaiting(uid, name);
      this.recorder.event(pod, 'Normal', 'Started', `Started container ${name}`, containerFieldPath(pod, name));
      this.log.info({ pod: podRef(pod), container: name, id: containerId }, 'started container');
    } catch (err) {
      this.setWaiting(uid, name, { reason: 'RunContainerError', message: errorMessage(err) });
      this.log.warn({ pod: podRef(pod), container: name, error: errorMessage(err) }, 'start container failed');
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
          hostPort: p.hostPort,
          hostIp: p.hostIP,
        });
      }
    }
    return {
      metadata: { name: md.name ?? '', namespace: md.namespace ?? 'default', uid, attempt },
      hostname: (pod.spec?.hostname ?? md.name ?? '').slice(0, 63),
      logDirectory: join(this.opts.rootDir, 'pods', uid),
      portMappings,
      labels: { ...md.labels, [LABEL_POD_NAME]: md.name ?? '', [LABEL_POD_NAMESPACE]: md.namespace ?? 'default', [LABEL_POD_UID]: uid },
      annotations: { ...md.annotations },
      linux: sandboxLinuxConfig(pod),
    };
  }

  private async containerConfig(pod: Pod, c: Container, kind: 'init' | 'app', attempt: number, podIP: string): Promise<ContainerConfig> {
    const md = pod.metadata ?? {};
    const envs = await buildEnv(this.opts.client, pod, c, {
      podIP,
      hostIP: this.opts.hostIP,
      services: this.opts.services,
    });
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
      command: c.command?.map((s) => expandVars(s, vars)),
      args: c.args?.map((s) => expandVars(s, vars)),
      workingDir: c.workingDir,
      envs,
      mounts,
      linux: { resources, securityContext },
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
      stdin: c.stdin,
      stdinOnce: c.stdinOnce,
      tty: c.tty,
    };
  }

  /** The user the container's image runs as (CRI ImageStatus); no uid and no name means root. */
  private async imageUser(c: Container): Promise<ImageUser> {
    const img = (await this.runtime.imageStatus({ image: { image: c.image ?? '' } })).image;
    if (img?.uid) return { uid: img.uid.value };
    return img?.username ? { username: img.username } : {};
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
}

function result(requeue: number[]): SyncResult {
  return requeue.length > 0 ? { requeueAfterMs: Math.max(1, Math.min(...requeue)) } : {};
}

function podRef(pod: Pod): string {
  return `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? ''}`;
}
