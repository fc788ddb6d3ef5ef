// Table tests of the pure pod sync planner, after Kubernetes'
// kuberuntime_manager_test.go TestComputePodActions: each case is a pod, what
// the runtime holds for it, and the plan expected, summarised as strings.
import type { Container, Pod } from '@mk8s/api';
import type { ContainerState, PodSandboxState, PodSandboxStatus } from '@mk8s/cri';
import { describe, expect, it } from 'vitest';
import { LABEL_CONTAINER_NAME } from './labels.js';
import { computePodActions, type PodActions, type PodActionsOptions } from './pod-actions.js';
import { newestFirst, type RuntimeContainer, type RuntimePodStatus } from './runtime-pod.js';

const UID = 'uid-1';
/** The planner's clock (ms); small enough that ns timestamps stay exact in a double. */
const NOW = 1_000_000_000;

type PodSpec = NonNullable<Pod['spec']>;

const main: Container = { name: 'main', image: 'busybox:1.36' };
const side: Container = { name: 'side', image: 'busybox:1.36' };
const initA: Container = { name: 'init-a', image: 'busybox:1.36' };
const initB: Container = { name: 'init-b', image: 'busybox:1.36' };

function pod(spec: Partial<PodSpec> = {}, extra: { phase?: string; deletionGracePeriodSeconds?: number; deleting?: boolean } = {}): Pod {
  return {
    metadata: {
      name: 'web',
      namespace: 'default',
      uid: UID,
      deletionTimestamp: extra.deleting ? '2026-01-01T00:00:00Z' : undefined,
      deletionGracePeriodSeconds: extra.deletionGracePeriodSeconds,
    },
    spec: { containers: [main], ...spec },
    status: extra.phase === undefined ? undefined : { phase: extra.phase },
  };
}

function sandbox(id: string, state: PodSandboxState = 'SANDBOX_READY', attempt = 0): PodSandboxStatus {
  return { id, metadata: { name: 'web', namespace: 'default', uid: UID, attempt }, state, createdAt: attempt, labels: {}, annotations: {} };
}

interface CtrOpts {
  attempt?: number;
  exitCode?: number;
  image?: string;
  sandbox?: string;
  /** When it exited, ms. */
  finishedAt?: number;
}

function ctr(id: string, name: string, state: ContainerState, o: CtrOpts = {}): RuntimeContainer {
  const exited = state === 'CONTAINER_EXITED';
  return {
    id,
    podSandboxId: o.sandbox ?? 'sb0',
    metadata: { name, attempt: o.attempt ?? 0 },
    state,
    createdAt: (o.attempt ?? 0) + 1,
    startedAt: state === 'CONTAINER_CREATED' ? 0 : 1,
    finishedAt: exited ? (o.finishedAt ?? NOW - 60_000) * 1_000_000 : 0,
    exitCode: exited ? (o.exitCode ?? 0) : 0,
    image: { image: o.image ?? 'busybox:1.36' },
    imageRef: 'sha256:1',
    reason: '',
    message: '',
    labels: { [LABEL_CONTAINER_NAME]: name },
    annotations: {},
    logPath: '',
  };
}

function runtime(sandboxes: PodSandboxStatus[], containers: RuntimeContainer[] = []): RuntimePodStatus {
  return {
    uid: UID,
    sandboxes: [...sandboxes].sort((a, b) => (b.metadata.attempt ?? 0) - (a.metadata.attempt ?? 0)),
    containers: [...containers].sort(newestFirst),
  };
}

/** A restart of `main` (or anything) waits this long: CrashLoopBackOff as the Backoff would answer. */
const inBackoff =
  (ms: number): PodActionsOptions['restartBackoff'] =>
  (_key, since) =>
    Math.max(0, since + ms - NOW);

/**
 * The plan, as strings: `name:reason:attempt` starts, `name:reason:grace` kills
 * (`+preStop` when the kill runs the container's preStop hook first),
 * `name:remainingMs` backoffs.
 */
function summary(a: PodActions) {
  return {
    killPod: a.killPod,
    finished: a.finished,
    createSandbox: a.createSandbox,
    sandboxId: a.sandboxId,
    attempt: a.attempt,
    sandboxesToStop: a.sandboxesToStop,
    kill: a.containersToKill.map((k) => `${k.name}:${k.reason}:${k.gracePeriodSeconds}${k.runPreStop ? '+preStop' : ''}`),
    init: a.nextInitContainerToStart
      ? `${a.nextInitContainerToStart.container.name}:${a.nextInitContainerToStart.reason}:${a.nextInitContainerToStart.attempt}`
      : undefined,
    start: a.containersToStart.map((s) => `${s.container.name}:${s.reason}:${s.attempt}`),
    backoff: a.containersInBackoff.map((b) => `${b.container.name}:${b.remainingMs}`),
    done: a.containersDone,
  };
}

/** A plan that does nothing to the sandbox and kills nothing: the fields a case does not name. */
const idle = {
  killPod: false,
  finished: false,
  createSandbox: false,
  sandboxId: 'sb0',
  attempt: 0,
  sandboxesToStop: [],
  kill: [],
  init: undefined,
  start: [],
  backoff: [],
  done: [],
};

interface Case {
  name: string;
  pod: Pod;
  rs: RuntimePodStatus;
  opts?: PodActionsOptions;
  want: Partial<ReturnType<typeof summary>>;
}

const cases: Case[] = [
  // A fresh pod.
  {
    name: 'fresh pod: create the sandbox and start every app container',
    pod: pod({ containers: [main, side] }),
    rs: runtime([]),
    want: { createSandbox: true, sandboxId: '', start: ['main:create:0', 'side:create:0'] },
  },
  {
    name: 'fresh pod with init containers: create the sandbox and start the first init container only',
    pod: pod({ initContainers: [initA, initB], containers: [main] }),
    rs: runtime([]),
    want: { createSandbox: true, sandboxId: '', init: 'init-a:create:0', start: [] },
  },
  {
    name: 'everything runs: nothing to do (what runs is adopted)',
    pod: pod({ containers: [main, side] }),
    rs: runtime([sandbox('sb0')], [ctr('c1', 'main', 'CONTAINER_RUNNING', { attempt: 3 }), ctr('c2', 'side', 'CONTAINER_RUNNING')]),
    want: {},
  },
  {
    name: 'a created, never started container is started as it is',
    pod: pod(),
    rs: runtime([sandbox('sb0')], [ctr('c1', 'main', 'CONTAINER_CREATED', { attempt: 2 })]),
    want: { start: ['main:startCreated:3'] },
  },

  // A dead sandbox.
  {
    name: 'dead sandbox: kill what still runs in it, create the next sandbox attempt, start all afresh',
    pod: pod({ containers: [main, side], terminationGracePeriodSeconds: 20 }),
    rs: runtime([sandbox('sb0', 'SANDBOX_NOTREADY')], [ctr('c1', 'main', 'CONTAINER_EXITED', { exitCode: 137 }), ctr('c2', 'side', 'CONTAINER_RUNNING')]),
    want: { createSandbox: true, sandboxId: '', attempt: 1, kill: ['side:SandboxChanged:20+preStop'], start: ['main:create:1', 'side:create:1'] },
  },

  // Restart policies with exited containers.
  {
    name: 'Always, exit 0: restarted',
    pod: pod({ restartPolicy: 'Always' }),
    rs: runtime([sandbox('sb0')], [ctr('c1', 'main', 'CONTAINER_EXITED', { exitCode: 0 })]),
    want: { start: ['main:restart:1'] },
  },
  {
    name: 'Always, exit 1: restarted',
    pod: pod(),
    rs: runtime([sandbox('sb0')], [ctr('c1', 'main', 'CONTAINER_EXITED', { exitCode: 1 })]),
    want: { start: ['main:restart:1'] },
  },
  {
    name: 'OnFailure, exit 1: restarted',
    pod: pod({ restartPolicy: 'OnFailure' }),
    rs: runtime([sandbox('sb0')], [ctr('c1', 'main', 'CONTAINER_EXITED', { exitCode: 1 })]),
    want: { start: ['main:restart:1'] },
  },
  {
    name: 'OnFailure, exit 0 while a sibling runs: done, not restarted',
    pod: pod({ restartPolicy: 'OnFailure', containers: [main, side] }),
    rs: runtime([sandbox('sb0')], [ctr('c1', 'main', 'CONTAINER_EXITED', { exitCode: 0 }), ctr('c2', 'side', 'CONTAINER_RUNNING')]),
    want: { done: ['main'] },
  },
  {
    name: 'OnFailure, every container exited 0: finished, the sandbox is stopped',
    pod: pod({ restartPolicy: 'OnFailure' }),
    rs: runtime([sandbox('sb0')], [ctr('c1', 'main', 'CONTAINER_EXITED', { exitCode: 0 })]),
    want: { finished: true, sandboxId: '', sandboxesToStop: ['sb0'] },
  },
  {
    name: 'Never, exit 0 while a sibling runs: done, not restarted',
    pod: pod({ restartPolicy: 'Never', containers: [main, side] }),
    rs: runtime([sandbox('sb0')], [ctr('c1', 'main', 'CONTAINER_EXITED', { exitCode: 0 }), ctr('c2', 'side', 'CONTAINER_RUNNING')]),
    want: { done: ['main'] },
  },
  {
    name: 'Never, exit 1: finished, the sandbox is stopped',
    pod: pod({ restartPolicy: 'Never' }),
    rs: runtime([sandbox('sb0')], [ctr('c1', 'main', 'CONTAINER_EXITED', { exitCode: 1 })]),
    want: { finished: true, sandboxId: '', sandboxesToStop: ['sb0'] },
  },
  {
    name: 'terminal phase in the API: finished, nothing starts even if absent',
    pod: pod({}, { phase: 'Succeeded' }),
    rs: runtime([sandbox('sb0', 'SANDBOX_NOTREADY')]),
    want: { finished: true, sandboxId: '', attempt: 1, sandboxesToStop: [] },
  },
  {
    name: 'attempts continue from the runtime; older dead instances are removed before the new one is created',
    pod: pod(),
    rs: runtime(
      [sandbox('sb0')],
      [ctr('c3', 'main', 'CONTAINER_EXITED', { attempt: 3, exitCode: 1 }), ctr('c2', 'main', 'CONTAINER_EXITED', { attempt: 2, exitCode: 1 })],
    ),
    want: { start: ['main:restart:4'] },
  },

  // Backoff.
  {
    name: 'backoff pending: not started, planned again when it ends',
    pod: pod(),
    rs: runtime([sandbox('sb0')], [ctr('c1', 'main', 'CONTAINER_EXITED', { exitCode: 1, finishedAt: NOW - 2_000 })]),
    opts: { restartBackoff: inBackoff(10_000) },
    want: { backoff: ['main:8000'], start: [] },
  },
  {
    name: 'backoff over: restarted',
    pod: pod(),
    rs: runtime([sandbox('sb0')], [ctr('c1', 'main', 'CONTAINER_EXITED', { exitCode: 1, finishedAt: NOW - 10_000 })]),
    opts: { restartBackoff: inBackoff(10_000) },
    want: { start: ['main:restart:1'] },
  },

  // Init containers.
  {
    name: 'init containers in order: the first done, the second starts',
    pod: pod({ initContainers: [initA, initB] }),
    rs: runtime([sandbox('sb0')], [ctr('i1', 'init-a', 'CONTAINER_EXITED', { exitCode: 0 })]),
    want: { init: 'init-b:create:0' },
  },
  {
    name: 'init container running: wait, nothing else starts',
    pod: pod({ initContainers: [initA, initB] }),
    rs: runtime([sandbox('sb0')], [ctr('i1', 'init-a', 'CONTAINER_RUNNING')]),
    want: {},
  },
  {
    name: 'init containers all done: the app containers start',
    pod: pod({ initContainers: [initA, initB], containers: [main, side] }),
    rs: runtime([sandbox('sb0')], [ctr('i1', 'init-a', 'CONTAINER_EXITED'), ctr('i2', 'init-b', 'CONTAINER_EXITED')]),
    want: { start: ['main:create:0', 'side:create:0'] },
  },
  {
    name: 'init container failed under Always: restarted, the next one waits',
    pod: pod({ initContainers: [initA, initB] }),
    rs: runtime([sandbox('sb0')], [ctr('i1', 'init-a', 'CONTAINER_EXITED', { exitCode: 1 })]),
    want: { init: 'init-a:restart:1' },
  },
  {
    name: 'init container failed under Always, in backoff: waits',
    pod: pod({ initContainers: [initA, initB] }),
    rs: runtime([sandbox('sb0')], [ctr('i1', 'init-a', 'CONTAINER_EXITED', { exitCode: 1, finishedAt: NOW - 1_000 })]),
    opts: { restartBackoff: inBackoff(10_000) },
    want: { backoff: ['init-a:9000'] },
  },
  {
    name: 'init container failed under Never: the pod is finished',
    pod: pod({ restartPolicy: 'Never', initContainers: [initA, initB] }),
    rs: runtime([sandbox('sb0')], [ctr('i1', 'init-a', 'CONTAINER_EXITED', { exitCode: 1 })]),
    want: { finished: true, sandboxId: '', sandboxesToStop: ['sb0'] },
  },

  // Image changes.
  {
    name: 'running container whose image changed: killed and replaced, outside backoff',
    pod: pod({ containers: [{ ...main, image: 'busybox:1.37' }], terminationGracePeriodSeconds: 45 }),
    rs: runtime([sandbox('sb0')], [ctr('c1', 'main', 'CONTAINER_RUNNING', { image: 'busybox:1.36' })]),
    opts: { restartBackoff: inBackoff(10_000) },
    want: { kill: ['main:ImageChanged:45+preStop'], start: ['main:imageChanged:1'] },
  },
  {
    name: 'created, never started container whose image changed: killed without preStop (nothing runs to exec into) and replaced',
    pod: pod({ containers: [{ ...main, image: 'busybox:1.37' }], terminationGracePeriodSeconds: 45 }),
    rs: runtime([sandbox('sb0')], [ctr('c1', 'main', 'CONTAINER_CREATED', { image: 'busybox:1.36' })]),
    want: { kill: ['main:ImageChanged:45'], start: ['main:imageChanged:1'] },
  },
  {
    name: 'exited container whose image changed: replaced at once, outside backoff',
    pod: pod({ containers: [{ ...main, image: 'busybox:1.37' }] }),
    rs: runtime([sandbox('sb0')], [ctr('c1', 'main', 'CONTAINER_EXITED', { exitCode: 1, image: 'busybox:1.36', finishedAt: NOW })]),
    opts: { restartBackoff: inBackoff(10_000) },
    want: { start: ['main:imageChanged:1'] },
  },
  {
    name: 'the same image spelled differently is no change',
    pod: pod({ containers: [{ ...main, image: 'docker.io/library/busybox' }] }),
    rs: runtime([sandbox('sb0')], [ctr('c1', 'main', 'CONTAINER_RUNNING', { image: 'busybox:latest' })]),
    want: {},
  },

  // Probes.
  {
    name: 'liveness failed: killed with the pod grace period and restarted',
    pod: pod({ terminationGracePeriodSeconds: 45 }),
    rs: runtime([sandbox('sb0')], [ctr('c1', 'main', 'CONTAINER_RUNNING', { attempt: 2 })]),
    opts: { probeFailure: (name, id) => (name === 'main' && id === 'c1' ? 'liveness' : undefined) },
    want: { kill: ['main:LivenessProbe:45+preStop'], start: ['main:restart:3'] },
  },
  {
    name: "liveness failed: the probe's own terminationGracePeriodSeconds wins",
    pod: pod({
      terminationGracePeriodSeconds: 45,
      containers: [{ ...main, livenessProbe: { exec: { command: ['true'] }, terminationGracePeriodSeconds: 5 } }],
    }),
    rs: runtime([sandbox('sb0')], [ctr('c1', 'main', 'CONTAINER_RUNNING')]),
    opts: { probeFailure: () => 'liveness' },
    want: { kill: ['main:LivenessProbe:5+preStop'], start: ['main:restart:1'] },
  },
  {
    name: 'liveness failed without a grace period anywhere: 30 s',
    pod: pod(),
    rs: runtime([sandbox('sb0')], [ctr('c1', 'main', 'CONTAINER_RUNNING')]),
    opts: { probeFailure: () => 'liveness' },
    want: { kill: ['main:LivenessProbe:30+preStop'], start: ['main:restart:1'] },
  },
  {
    name: 'liveness failed under Never: killed, not restarted',
    pod: pod({ restartPolicy: 'Never' }),
    rs: runtime([sandbox('sb0')], [ctr('c1', 'main', 'CONTAINER_RUNNING')]),
    opts: { probeFailure: () => 'liveness' },
    want: { kill: ['main:LivenessProbe:30+preStop'], start: [] },
  },
  {
    name: 'liveness failed while in backoff: killed, the restart waits',
    pod: pod(),
    rs: runtime([sandbox('sb0')], [ctr('c1', 'main', 'CONTAINER_RUNNING', { attempt: 1 })]),
    opts: { probeFailure: () => 'liveness', restartBackoff: inBackoff(20_000) },
    want: { kill: ['main:LivenessProbe:30+preStop'], backoff: ['main:20000'] },
  },
  {
    name: 'startup probe failed: killed and restarted',
    pod: pod({ containers: [{ ...main, startupProbe: { exec: { command: ['true'] }, terminationGracePeriodSeconds: 3 } }] }),
    rs: runtime([sandbox('sb0')], [ctr('c1', 'main', 'CONTAINER_RUNNING')]),
    opts: { probeFailure: () => 'startup' },
    want: { kill: ['main:StartupProbe:3+preStop'], start: ['main:restart:1'] },
  },

  // Termination.
  {
    name: 'pod being deleted: every running or created container killed with the deletion grace, sandbox stopped, nothing starts',
    pod: pod(
      { containers: [main, side, { name: 'new', image: 'busybox:1.36' }], terminationGracePeriodSeconds: 20 },
      { deleting: true, deletionGracePeriodSeconds: 7 },
    ),
    rs: runtime(
      [sandbox('sb0')],
      [ctr('c1', 'main', 'CONTAINER_RUNNING'), ctr('c2', 'side', 'CONTAINER_CREATED'), ctr('c0', 'main', 'CONTAINER_EXITED', { attempt: -1 })],
    ),
    want: { killPod: true, sandboxId: '', sandboxesToStop: ['sb0'], kill: ['main:PodTerminating:7+preStop', 'side:PodTerminating:7'] },
  },
  {
    name: 'pod gone from the API (terminating without a deletionTimestamp): killed with the spec grace',
    pod: pod({ containers: [main], terminationGracePeriodSeconds: 20 }),
    rs: runtime([sandbox('sb0')], [ctr('c1', 'main', 'CONTAINER_RUNNING')]),
    opts: { terminating: true, probeFailure: () => 'liveness' },
    want: { killPod: true, sandboxId: '', sandboxesToStop: ['sb0'], kill: ['main:PodTerminating:20+preStop'] },
  },
  {
    name: 'pod being deleted with nothing left running: nothing to kill, no restart',
    pod: pod({}, { deleting: true }),
    rs: runtime([sandbox('sb0', 'SANDBOX_NOTREADY')], [ctr('c1', 'main', 'CONTAINER_EXITED', { exitCode: 1 })]),
    want: { killPod: true, sandboxId: '', attempt: 1, sandboxesToStop: [], kill: [] },
  },
];

describe('computePodActions', () => {
  it.each(cases)('$name', ({ pod: p, rs, opts, want }) => {
    expect(summary(computePodActions(p, rs, NOW, opts))).toEqual({ ...idle, ...want });
  });

  it('is pure: frozen inputs, the same plan twice', () => {
    const p = deepFreeze(pod({ initContainers: [initA], containers: [main, side] }));
    const rs = deepFreeze(runtime([sandbox('sb0')], [ctr('i1', 'init-a', 'CONTAINER_EXITED'), ctr('c1', 'main', 'CONTAINER_EXITED', { exitCode: 1 })]));
    const a = computePodActions(p, rs, NOW, { restartBackoff: inBackoff(10_000) });
    expect(computePodActions(p, rs, NOW, { restartBackoff: inBackoff(10_000) })).toEqual(a);
  });

  it('asks the backoff about the container key and when its last instance ended; a restart carries that key', () => {
    const asked: Array<[string, number]> = [];
    const actions = computePodActions(
      pod(),
      runtime([sandbox('sb0')], [ctr('c1', 'main', 'CONTAINER_EXITED', { exitCode: 1, finishedAt: NOW - 4_000 })]),
      NOW,
      { restartBackoff: (key, since) => (asked.push([key, since]), 0) },
    );
    expect(asked).toEqual([[`${UID}/main/busybox:1.36`, NOW - 4_000]]);
    expect(actions.containersToStart[0]).toMatchObject({ reason: 'restart', backoffKey: `${UID}/main/busybox:1.36` });
  });

  it('keeps the newest dead instance and removes the older ones when restarting', () => {
    const actions = computePodActions(
      pod(),
      runtime(
        [sandbox('sb0')],
        [
          ctr('c3', 'main', 'CONTAINER_EXITED', { attempt: 3, exitCode: 1 }),
          ctr('c2', 'main', 'CONTAINER_EXITED', { attempt: 2, exitCode: 1 }),
          ctr('c1', 'main', 'CONTAINER_EXITED', { attempt: 1, exitCode: 1 }),
        ],
      ),
      NOW,
    );
    expect(actions.containersToStart[0]?.removeBeforeCreate).toEqual(['c2', 'c1']);
  });

  it("names the kill as Kubernetes' Killing events do", () => {
    const liveness = computePodActions(pod(), runtime([sandbox('sb0')], [ctr('c1', 'main', 'CONTAINER_RUNNING')]), NOW, { probeFailure: () => 'liveness' });
    expect(liveness.containersToKill).toEqual([
      {
        containerId: 'c1',
        name: 'main',
        reason: 'LivenessProbe',
        message: 'Container main failed liveness probe, will be restarted',
        gracePeriodSeconds: 30,
        runPreStop: true,
      },
    ]);
    const never = computePodActions(pod({ restartPolicy: 'Never' }), runtime([sandbox('sb0')], [ctr('c1', 'main', 'CONTAINER_RUNNING')]), NOW, {
      probeFailure: () => 'liveness',
    });
    expect(never.containersToKill[0]?.message).toBe('Container main failed liveness probe');
    const image = computePodActions(
      pod({ containers: [{ ...main, image: 'nginx:1' }] }),
      runtime([sandbox('sb0')], [ctr('c1', 'main', 'CONTAINER_RUNNING')]),
      NOW,
    );
    expect(image.containersToKill[0]?.message).toBe('Container main definition changed, will be restarted');
    const sandboxGone = computePodActions(pod(), runtime([sandbox('sb0', 'SANDBOX_NOTREADY')], [ctr('c1', 'main', 'CONTAINER_RUNNING')]), NOW);
    expect(sandboxGone.containersToKill[0]?.message).toBe('Stopping container main');
    const deleting = computePodActions(
      pod({}, { deleting: true }),
      runtime([sandbox('sb0')], [ctr('c1', 'main', 'CONTAINER_RUNNING'), ctr('c2', 'side', 'CONTAINER_CREATED')]),
      NOW,
    );
    expect(deleting.containersToKill.map((k) => [k.message, k.runPreStop])).toEqual([
      ['Stopping container main', true],
      [undefined, false],
    ]);
  });
});

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
