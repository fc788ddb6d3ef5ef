// The chaos run's invariants on hand-made records: what counts as a violation and what does not.
import { describe, expect, it } from 'vitest';
import {
  deploymentProblems,
  disturbsServing,
  errorsInKnownBugWindows,
  errorsOutsideWindows,
  jobPodFindings,
  listProblems,
  missingWrites,
  orphanContainers,
  outageWindows,
  replayWatch,
  stateDiff,
  summaryLine,
  type KnownBug,
  type PodView,
  type Probe,
  type TimelineEntry,
} from './invariants.js';

const fail = (start: number, end = start + 10): Probe => ({ start, end, ok: false, detail: 'ECONNREFUSED' });
const ok = (start: number): Probe => ({ start, end: start + 5, ok: true, detail: 'chaos-web-x' });
const killed = (component: string, downAt: number, upAt?: number): TimelineEntry => ({
  component,
  cause: 'kill',
  downAt,
  upAt,
});

describe('Service errors and outage windows', () => {
  const timeline = [killed('kubelet-node-1', 10_000, 20_000), killed('kube-scheduler', 100_000, 105_000), killed('dockershim-node-2', 200_000, 204_000)];
  const windows = outageWindows(timeline, { graceMs: 45_000, proxyMode: 'iptables', endOfRun: 1_000_000 });

  it('opens a window from the kill to the grace after the restart, only for components on the data path', () => {
    expect(windows.map((w) => [w.component, w.from, w.to])).toEqual([
      ['kubelet-node-1', 10_000, 65_000],
      ['dockershim-node-2', 200_000, 249_000],
    ]);
  });

  it('a failed GET outside every window is a violation', () => {
    expect(errorsOutsideWindows([fail(70_000)], windows)).toEqual([fail(70_000)]);
    // the scheduler's outage grants no window
    expect(errorsOutsideWindows([fail(101_000)], windows)).toHaveLength(1);
    // before any kill
    expect(errorsOutsideWindows([fail(1_000)], windows)).toHaveLength(1);
  });

  it('a failed GET inside a window, or overlapping its edge, is not', () => {
    expect(errorsOutsideWindows([fail(10_000), fail(64_999), fail(9_000, 10_500), fail(248_000, 260_000)], windows)).toEqual([]);
  });

  it('successful GETs are never violations', () => {
    expect(errorsOutsideWindows([ok(1_000), ok(500_000)], windows)).toEqual([]);
  });

  it('kube-proxy gets a window only in userspace mode; the API server and controllers never', () => {
    expect(disturbsServing('kube-proxy', 'iptables')).toBeUndefined();
    expect(disturbsServing('kube-proxy', 'userspace')).toMatch(/userspace/);
    for (const c of ['kube-controller-manager', 'kube-scheduler', 'cloud-controller-manager']) expect(disturbsServing(c, 'userspace')).toBeUndefined();
    expect(disturbsServing('kube-apiserver', 'iptables')).toMatch(/node monitor grace/);
    expect(disturbsServing('kubelet-node-12', 'iptables')).toBeDefined();
  });

  it('a component that never came back keeps its window open to the end of the run', () => {
    expect(outageWindows([killed('kubelet-node-2', 5_000)], { graceMs: 45_000, proxyMode: 'iptables', endOfRun: 99_000 })).toEqual([
      expect.objectContaining({ from: 5_000, to: 99_000 }),
    ]);
  });

  it('collateral deaths get windows too, from the last time they were seen alive', () => {
    const w = outageWindows([{ component: 'kubelet-node-2', cause: 'collateral', downAt: 3_000, upAt: 8_000 }], {
      graceMs: 1_000,
      proxyMode: 'iptables',
      endOfRun: 0,
    });
    expect(w).toEqual([expect.objectContaining({ from: 3_000, to: 9_000 })]);
  });
});

describe('known-bug windows', () => {
  // The shape of the first bug the chaos run found (fixed since): refused connections right after kube-proxy restarts.
  const FIRST_SYNC: KnownBug = {
    id: 'kube-proxy-first-sync',
    component: 'kube-proxy',
    why: 'a restarted kube-proxy synced before its Endpoints cache had listed',
    fromUpStart: true,
    afterUpMs: 10_000,
    errorPattern: 'ECONNREFUSED',
  };
  // kube-proxy killed at 10 s, mk8s up started at 12 s and returned at 15 s: known-bug window 12 s .. 25 s, refused connections only.
  const timeline: TimelineEntry[] = [{ component: 'kube-proxy', cause: 'kill', downAt: 10_000, upStartAt: 12_000, upAt: 15_000 }];
  const refused = (start: number): Probe => ({ start, end: start + 2, ok: false, detail: 'connect ECONNREFUSED 127.0.0.1:30100' });
  const timeout = (start: number): Probe => ({ start, end: start + 2_000, ok: false, detail: 'no answer within 2000 ms' });

  it('a restarted kube-proxy in iptables mode gets only the narrow kube-proxy-first-sync window', () => {
    const w = outageWindows(timeline, { graceMs: 45_000, proxyMode: 'iptables', endOfRun: 1e9, knownBugs: [FIRST_SYNC] });
    expect(w).toEqual([expect.objectContaining({ from: 12_000, to: 25_000, knownBug: 'kube-proxy-first-sync', errorPattern: 'ECONNREFUSED' })]);
  });

  it('explains refused connections right after the restart, nothing else', () => {
    const w = outageWindows(timeline, { graceMs: 45_000, proxyMode: 'iptables', endOfRun: 1e9, knownBugs: [FIRST_SYNC] });
    expect(errorsOutsideWindows([refused(15_500), refused(24_000)], w)).toEqual([]);
    // while kube-proxy was down (its rules stay), long after it came back, or another kind of error
    expect(errorsOutsideWindows([refused(11_000), refused(30_000), timeout(15_500)], w)).toHaveLength(3);
    expect(errorsInKnownBugWindows([refused(15_500), refused(16_000), ok(15_000)], w)).toEqual(new Map([['kube-proxy-first-sync', 2]]));
  });

  it('--strict grants no known-bug window', () => {
    const w = outageWindows(timeline, { graceMs: 45_000, proxyMode: 'iptables', endOfRun: 1e9, strict: true, knownBugs: [FIRST_SYNC] });
    expect(w).toEqual([]);
    expect(errorsOutsideWindows([refused(15_500)], w)).toHaveLength(1);
  });

  it('an error inside an ordinary window too still counts for the known bug', () => {
    const w = outageWindows([...timeline, killed('kubelet-node-1', 14_000, 16_000)], {
      graceMs: 45_000,
      proxyMode: 'iptables',
      endOfRun: 1e9,
      knownBugs: [FIRST_SYNC],
    });
    expect(errorsInKnownBugWindows([refused(15_500), timeout(15_500)], w)).toEqual(new Map([['kube-proxy-first-sync', 1]]));
  });
});

describe('acknowledged writes', () => {
  it('an acknowledged write missing is a violation', () => {
    const acked = new Map([
      ['cm-1', 'u1'],
      ['cm-2', 'u2'],
    ]);
    expect(missingWrites(acked, new Map([['cm-1', 'u1']]))).toEqual({ missing: ['cm-2'], replaced: [] });
  });

  it('one present under another uid was replaced, not kept', () => {
    expect(missingWrites(new Map([['cm-1', 'u1']]), new Map([['cm-1', 'other']]))).toEqual({ missing: [], replaced: ['cm-1'] });
  });

  it('extra objects (creates whose answer was lost) are fine', () => {
    expect(
      missingWrites(
        new Map([['cm-1', 'u1']]),
        new Map([
          ['cm-1', 'u1'],
          ['cm-9', 'u9'],
        ]),
      ),
    ).toEqual({ missing: [], replaced: [] });
  });
});

const pod = (name: string, over: Partial<PodView> = {}): PodView => ({ name, uid: `uid-${name}`, ready: true, terminating: false, phase: 'Running', ...over });

describe('the Deployment', () => {
  it('exactly the replicas Ready and no more live pods is fine; terminating extras are too', () => {
    expect(deploymentProblems([pod('a'), pod('b'), pod('c'), pod('d', { terminating: true, ready: false })], 3, { readyReplicas: 3 })).toEqual([]);
  });

  it('too few ready pods, or more than the replicas not terminating, is a violation', () => {
    expect(deploymentProblems([pod('a'), pod('b'), pod('c', { ready: false })], 3)).toEqual(['2 ready pods, want 3']);
    expect(deploymentProblems([pod('a'), pod('b'), pod('c'), pod('d', { ready: false })], 3)).toEqual([expect.stringMatching(/4 pods not terminating/)]);
    expect(deploymentProblems([pod('a'), pod('b'), pod('c')], 3, { readyReplicas: 2 })).toEqual(['status.readyReplicas 2, want 3']);
  });
});

describe('run-to-completion pods', () => {
  const acked = new Map([
    ['job-0', 'uid-job-0'],
    ['job-1', 'uid-job-1'],
    ['job-2', 'uid-job-2'],
    ['job-3', 'uid-job-3'],
  ]);

  it('each acknowledged pod exists, or was deleted by us, or was seen deleted by the cluster', () => {
    const f = jobPodFindings(acked, [pod('job-0', { phase: 'Succeeded' })], new Set(['uid-job-1']), new Set(['uid-job-2', 'uid-job-3']));
    expect(f).toEqual({ lost: [], replaced: [], deletedByCluster: ['job-2', 'job-3'], notSucceeded: [] });
  });

  it('an acknowledged pod gone without a DELETED event is lost', () => {
    expect(jobPodFindings(acked, [pod('job-0', { phase: 'Succeeded' })], new Set(['uid-job-1']), new Set(['uid-job-2'])).lost).toEqual(['job-3']);
  });

  it('a namesake with another uid replaced the acknowledged pod', () => {
    const f = jobPodFindings(new Map([['job-0', 'uid-job-0']]), [pod('job-0', { uid: 'new', phase: 'Succeeded' })], new Set(), new Set());
    expect(f.replaced).toEqual(['job-0']);
  });

  it('one still there that did not succeed is reported', () => {
    const f = jobPodFindings(new Map([['job-0', 'uid-job-0']]), [pod('job-0', { phase: 'Failed' })], new Set(), new Set());
    expect(f.notSucceeded).toEqual(['job-0 (Failed)']);
  });
});

describe('orphan containers', () => {
  const c = (id: string, labels: Record<string, string>) => ({ id, name: id, labels });

  it('a container whose pod is gone from the API is an orphan', () => {
    const cs = [c('a', { 'io.kubernetes.pod.uid': 'u1', 'io.mk8s.node': 'node-1' }), c('b', { 'io.kubernetes.pod.uid': 'gone', 'io.mk8s.node': 'node-1' })];
    expect(orphanContainers(cs, [{ uid: 'u1', nodeName: 'node-1' }]).map((x) => x.id)).toEqual(['b']);
  });

  it('so is one on another node than its pod, or one without a pod uid', () => {
    const cs = [c('a', { 'io.kubernetes.pod.uid': 'u1', 'io.mk8s.node': 'node-2' }), c('b', {})];
    expect(orphanContainers(cs, [{ uid: 'u1', nodeName: 'node-1' }]).map((x) => x.id)).toEqual(['a', 'b']);
  });
});

describe('store lists and watches', () => {
  const item = (name: string, rv: string, extra: Record<string, unknown> = {}) => ({
    metadata: { name, namespace: 'default', uid: `u-${name}`, resourceVersion: rv, ...extra },
  });

  it('a well-formed list at the resourceVersion has no problems', () => {
    expect(
      listProblems(
        { kind: 'ConfigMapList', metadata: { resourceVersion: '10' }, items: [item('a', '3'), item('b', '10')] },
        { kind: 'ConfigMap', rv: '10', namespaced: true },
      ),
    ).toEqual([]);
  });

  it('finds an item newer than the list, a duplicate, a missing uid, a wrong kind or resourceVersion', () => {
    const problems = listProblems(
      {
        kind: 'Thing',
        metadata: { resourceVersion: '9' },
        items: [item('a', '11'), item('a', '3', { uid: 'x' }), item('c', '2', { uid: '' }), { metadata: {} }],
      },
      { kind: 'ConfigMap', rv: '10', namespaced: true },
    );
    expect(problems).toEqual([
      'kind "Thing", want ConfigMapList',
      'list resourceVersion "9", want 10',
      "default/a: resourceVersion 11 newer than the list's 10",
      'default/a: listed twice',
      'default/c: no uid',
      'item 3 has no name',
    ]);
  });

  it('a namespace on a cluster-scoped resource is a problem', () => {
    expect(
      listProblems({ kind: 'NodeList', metadata: { resourceVersion: '5' }, items: [item('n', '4')] }, { kind: 'Node', rv: '5', namespaced: false }),
    ).toEqual(['default/n: namespace "default" on a non-namespaced resource']);
  });

  it('replays a watch onto the state at R and compares it with the list now', () => {
    const atR = new Map([
      ['default/a', '3'],
      ['default/b', '4'],
    ]);
    const events = [
      { type: 'MODIFIED', object: item('a', '11') },
      { type: 'ADDED', object: item('c', '12') },
      { type: 'DELETED', object: item('b', '13') },
      { type: 'MODIFIED', object: item('c', '20') },
    ];
    const r = replayWatch(atR, events, '10', '13');
    expect(r.problems).toEqual([]);
    expect(r.complete).toBe(true);
    expect(
      stateDiff(
        r.state,
        new Map([
          ['default/a', '11'],
          ['default/c', '12'],
        ]),
      ),
    ).toEqual([]);
  });

  it('an event out of order, or one the state contradicts, is a problem; a short replay is incomplete', () => {
    const r = replayWatch(
      new Map([['default/a', '3']]),
      [
        { type: 'ADDED', object: item('a', '12') },
        { type: 'MODIFIED', object: item('a', '11') },
      ],
      '10',
      '20',
    );
    expect(r.problems).toEqual(['ADDED default/a at 12, present already', 'MODIFIED default/a at 11 after 12: out of order']);
    expect(r.complete).toBe(false);
    expect(stateDiff(new Map([['default/a', '11']]), new Map([['default/b', '1']]))).toEqual(['default/a: extra', 'default/b: missing']);
  });
});

describe('the summary line', () => {
  const base = {
    seed: 7,
    minutes: 1,
    timeline: [],
    writesAcked: 1,
    writesPresent: 1,
    deployment: { ready: 3, want: 3 },
    orphans: 0,
    serviceErrors: 0,
    serviceErrorsOutside: 0,
    storeOk: true,
    pass: true,
  };

  it('names the violated invariants after FAIL, and counts errors only a known bug explains', () => {
    expect(summaryLine({ ...base, serviceErrors: 5, serviceErrorsOutside: 5, pass: false, failed: ['service-errors'] })).toMatch(
      /5 service errors \(5 outside outage windows\), store consistent: FAIL \(service-errors\)$/,
    );
    expect(summaryLine({ ...base, serviceErrors: 4, serviceErrorsKnownBugs: new Map([['kube-proxy-first-sync', 3]]) })).toMatch(
      /4 service errors \(all inside outage windows; 3 in known-bug windows: kube-proxy-first-sync\), store consistent: PASS$/,
    );
    expect(summaryLine({ ...base, storeOk: false, pass: false, failed: ['store-consistency'] })).toMatch(/store INCONSISTENT: FAIL \(store-consistency\)$/);
  });

  it('says so when the run stopped before its invariants were checked', () => {
    expect(summaryLine({ ...base, pass: false, notChecked: 'interrupted' })).toBe(
      'chaos: seed 7, 1 minute, 0 kills (by component: none), invariants not checked: interrupted: FAIL',
    );
  });

  it('counts kills by component and says PASS or FAIL', () => {
    const line = summaryLine({
      seed: 7,
      minutes: 3,
      timeline: [killed('kubelet-node-1', 1, 2), killed('kubelet-node-2', 3, 4), killed('kube-apiserver', 5, 6)],
      writesAcked: 10,
      writesPresent: 10,
      deployment: { ready: 3, want: 3 },
      orphans: 0,
      serviceErrors: 2,
      serviceErrorsOutside: 0,
      storeOk: true,
      pass: true,
    });
    expect(line).toBe(
      'chaos: seed 7, 3 minutes, 3 kills (by component: kube-apiserver 1, kubelet 2), 10 writes acknowledged / 10 present, deployment 3/3 Ready, 0 orphan containers, 2 service errors (all inside outage windows), store consistent: PASS',
    );
  });
});
