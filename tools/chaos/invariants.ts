/**
 * The invariants a chaos run checks at the end, as pure functions of what the
 * run recorded and what the cluster shows: no I/O here, so each one has unit
 * tests (invariants.test.ts) and a failed run's JSON report can be re-judged.
 *
 * Which kills may cost Service traffic, and why (docs/reliability.md, "Chaos
 * suite"): the data path of a NodePort request is the kernel's NAT rules
 * (iptables mode) to a pod's container on Docker. It is disturbed by
 *
 * - a kubelet kill: the restarted kubelet starts every pod's readiness over
 *   (not ready until its first probe passes, as Kubernetes' kubelet does), and
 *   a kubelet silent past the node grace period (10 s) gets its node
 *   Ready=Unknown and NoExecute-tainted, its pods marked NotReady and evicted:
 *   endpoints churn, and a connection may reach a pod being torn down;
 * - a dockershim kill: the kubelet loses its runtime (PLEG fails, the node may
 *   report NotReady), with the same consequences;
 * - kube-proxy, only in userspace mode: there the kube-proxy process itself
 *   accepts the NodePort connections. In iptables mode its rules stay in the
 *   kernel while it is down and a restart rewrites them atomically
 *   (iptables-restore), so no window is granted.
 *
 * The API server, controller manager, scheduler and cloud controller manager
 * are not on the data path: while one is down nothing changes the rules or
 * the pods, so no window is granted for them either. A window runs from the
 * kill (or, for a component that died without being killed, the last moment
 * it was seen alive) to `graceMs` after `mk8s up` brought it back.
 *
 * Known bugs (KNOWN_BUGS) get windows of their own, as narrow as their
 * evidence, labelled `knownBug` so the summary counts them apart; `--strict`
 * drops them. Remove an entry once its bug is fixed.
 */

export type ProxyMode = 'iptables' | 'userspace';

/** One kill (or a death nobody caused) and the restart that followed. Times are ms since the epoch. */
export interface TimelineEntry {
  component: string;
  /** `kill`: chaos killed it; `collateral`: found dead without being killed (e.g. a leader that lost its Lease exits). */
  cause: 'kill' | 'collateral';
  pid?: number;
  /** When the kill was sent; for a collateral death, the last time it was seen alive. */
  downAt: number;
  restartDelayMs?: number;
  /** When `mk8s up` started to bring it back. */
  upStartAt?: number;
  /** When `mk8s up` returned successfully; absent when it never came back. */
  upAt?: number;
  /** What that `mk8s up` said it started. */
  restarted?: string[];
  error?: string;
}

export interface Window {
  component: string;
  from: number;
  to: number;
  why: string;
  /** Set on a window granted for a known mk8s bug (KNOWN_BUGS): its id. */
  knownBug?: string;
  /** Only failures whose detail matches this (a RegExp source) fall in the window. */
  errorPattern?: string;
}

/** A known mk8s bug that costs Service traffic, with the narrowest window its evidence allows. */
export interface KnownBug {
  id: string;
  component: string;
  why: string;
  /** The window opens when `mk8s up` starts restarting the component (else when it went down). */
  fromUpStart: boolean;
  /** ... and closes this long after `mk8s up` returned. */
  afterUpMs: number;
  /** Only failures whose detail matches this (a RegExp source) fall in the window. */
  errorPattern?: string;
}

/**
 * Known mk8s bugs that cost Service traffic. Empty: add an entry only with
 * the evidence for its window, and remove it once the bug is fixed, so the
 * chaos run guards the fix. (The first one found, a restarted kube-proxy
 * syncing before its Endpoints cache had listed, is fixed, and
 * kube-proxy.int.test.ts guards it.)
 */
export const KNOWN_BUGS: readonly KnownBug[] = [];

export interface WindowOptions {
  graceMs: number;
  proxyMode: ProxyMode;
  endOfRun: number;
  /** Grant no known-bug windows (`--strict`). */
  strict?: boolean;
  /** The known bugs to grant windows for (default KNOWN_BUGS). */
  knownBugs?: readonly KnownBug[];
}

/** Why a component's outage may cost Service traffic, or undefined when it must not (see the header). */
export function disturbsServing(component: string, proxyMode: ProxyMode): string | undefined {
  if (/^kubelet-node-\d+$/.test(component)) return 'a restarted kubelet re-probes readiness; a silent node is marked NotReady and its pods evicted';
  if (/^dockershim-node-\d+$/.test(component)) return 'the kubelet loses its runtime: the node and its pods may go NotReady';
  if (component === 'kube-proxy' && proxyMode === 'userspace') return 'userspace kube-proxy accepts the NodePort connections itself';
  // Not on the data path, but while it is down no kubelet renews its lease: an outage and restart that
  // outlast the node monitor grace (10 s in mk8s, 40 s in Kubernetes) make the nodes Unknown and the node
  // lifecycle controller marks their pods not Ready until each kubelet's next sync puts Ready back.
  if (component === 'kube-apiserver')
    return 'kubelets cannot renew their leases: past the node monitor grace their pods are marked not Ready until the kubelets reassert';
  return undefined;
}

/**
 * The outage windows of a timeline: one per entry that disturbs serving, to
 * `graceMs` after it came back (to `endOfRun` if it never did), plus the
 * known bugs' windows unless `strict`.
 */
export function outageWindows(timeline: readonly TimelineEntry[], opts: WindowOptions): Window[] {
  const out: Window[] = [];
  for (const e of timeline) {
    const why = disturbsServing(e.component, opts.proxyMode);
    if (why) out.push({ component: e.component, from: e.downAt, to: e.upAt !== undefined ? e.upAt + opts.graceMs : opts.endOfRun, why });
    if (opts.strict) continue;
    for (const bug of opts.knownBugs ?? KNOWN_BUGS) {
      if (bug.component !== e.component || e.upAt === undefined) continue;
      out.push({
        component: e.component,
        from: bug.fromUpStart ? (e.upStartAt ?? e.downAt) : e.downAt,
        to: e.upAt + bug.afterUpMs,
        why: bug.why,
        knownBug: bug.id,
        errorPattern: bug.errorPattern,
      });
    }
  }
  return out;
}

const inWindow = (p: Probe, w: Window): boolean =>
  p.start <= w.to && p.end >= w.from && (w.errorPattern === undefined || new RegExp(w.errorPattern).test(p.detail));

/** One GET of the load: sent at `start`, answered (or failed) at `end`. */
export interface Probe {
  start: number;
  end: number;
  ok: boolean;
  /** Status code or error message. */
  detail: string;
}

/** The failed probes that overlap no window: each one a violation. */
export function errorsOutsideWindows(failures: readonly Probe[], windows: readonly Window[]): Probe[] {
  return failures.filter((p) => !p.ok && !windows.some((w) => inWindow(p, w)));
}

/** The failed probes inside a known bug's window (whether or not an ordinary window covers them too), by bug id. */
export function errorsInKnownBugWindows(failures: readonly Probe[], windows: readonly Window[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of failures) {
    const bug = p.ok ? undefined : windows.find((w) => w.knownBug && inWindow(p, w))?.knownBug;
    if (bug) out.set(bug, (out.get(bug) ?? 0) + 1);
  }
  return out;
}

/** Acknowledged creates (name -> uid) against what the store lists now: the missing ones and those whose uid changed. */
export function missingWrites(acked: ReadonlyMap<string, string>, present: ReadonlyMap<string, string>): { missing: string[]; replaced: string[] } {
  const missing: string[] = [];
  const replaced: string[] = [];
  for (const [name, uid] of acked) {
    const now = present.get(name);
    if (now === undefined) missing.push(name);
    else if (now !== uid) replaced.push(name);
  }
  return { missing: missing.sort(), replaced: replaced.sort() };
}

/** What the checks need of a pod. */
export interface PodView {
  name: string;
  uid: string;
  nodeName?: string;
  phase?: string;
  ready: boolean;
  terminating: boolean;
}

/** A Deployment of `want` replicas has exactly `want` ready pods and at most `want` pods that are not terminating. */
export function deploymentProblems(pods: readonly PodView[], want: number, status?: { readyReplicas?: number; replicas?: number }): string[] {
  const live = pods.filter((p) => !p.terminating);
  const ready = live.filter((p) => p.ready);
  const out: string[] = [];
  if (ready.length !== want) out.push(`${ready.length} ready pods, want ${want}`);
  if (live.length > want) out.push(`${live.length} pods not terminating, want at most ${want}: ${live.map((p) => p.name).join(', ')}`);
  if (status && (status.readyReplicas ?? 0) !== want) out.push(`status.readyReplicas ${status.readyReplicas ?? 0}, want ${want}`);
  return out;
}

export interface JobPodFindings {
  /** Acknowledged, gone, not deleted by us and no DELETED event seen: lost. */
  lost: string[];
  /** Same name, another uid: the acknowledged object was replaced. */
  replaced: string[];
  /** Deleted by someone else through the API (a DELETED event was seen), e.g. evicted from a NotReady node. */
  deletedByCluster: string[];
  /** Still there and not Succeeded. */
  notSucceeded: string[];
}

/**
 * The run-to-completion pods: every acknowledged one still exists (same uid),
 * or we deleted it, or the pod watch saw it deleted (a legitimate delete by a
 * controller). A pod that vanished without any of these was lost. Those still
 * there must have run to completion.
 */
export function jobPodFindings(
  acked: ReadonlyMap<string, string>,
  present: readonly PodView[],
  deletedByUs: ReadonlySet<string>,
  deletedSeen: ReadonlySet<string>,
): JobPodFindings {
  const byName = new Map(present.map((p) => [p.name, p]));
  const out: JobPodFindings = { lost: [], replaced: [], deletedByCluster: [], notSucceeded: [] };
  for (const [name, uid] of acked) {
    const pod = byName.get(name);
    if (pod && pod.uid === uid) {
      if (pod.phase !== 'Succeeded' && !pod.terminating) out.notSucceeded.push(`${name} (${pod.phase ?? 'no phase'})`);
      continue;
    }
    if (deletedByUs.has(uid)) continue;
    if (deletedSeen.has(uid)) out.deletedByCluster.push(name);
    else if (pod) out.replaced.push(name);
    else out.lost.push(name);
  }
  for (const k of Object.keys(out) as Array<keyof JobPodFindings>) out[k].sort();
  return out;
}

export interface ContainerView {
  id: string;
  name: string;
  labels: Record<string, string>;
}

/** Containers of the cluster whose pod (label io.kubernetes.pod.uid) is not in the API, or is bound to another node than the container's. */
export function orphanContainers(containers: readonly ContainerView[], pods: ReadonlyArray<{ uid: string; nodeName?: string }>): ContainerView[] {
  const where = new Map(pods.map((p) => [p.uid, p.nodeName]));
  return containers.filter((c) => {
    const uid = c.labels['io.kubernetes.pod.uid'];
    if (!uid || !where.has(uid)) return true;
    const node = c.labels['io.mk8s.node'];
    return node !== undefined && where.get(uid) !== node;
  });
}

/** A list response as JSON. */
export interface ListJson {
  kind?: unknown;
  apiVersion?: unknown;
  metadata?: { resourceVersion?: unknown; continue?: unknown };
  items?: unknown;
}

interface ItemMeta {
  name?: unknown;
  namespace?: unknown;
  uid?: unknown;
  resourceVersion?: unknown;
}

/** The key of a listed object: `namespace/name` or `name`. */
export const objectKey = (m: { namespace?: unknown; name?: unknown }): string =>
  typeof m.namespace === 'string' && m.namespace ? `${m.namespace}/${m.name}` : String(m.name);

/**
 * A list read at resourceVersion `rv` (resourceVersionMatch=Exact) is
 * well-formed: a `<Kind>List` at exactly `rv`, every item named, with a uid
 * and a resourceVersion no newer than `rv`, a namespace exactly when the
 * resource is namespaced, and no key or uid twice. Returns the problems.
 */
export function listProblems(list: ListJson, expect: { kind: string; rv: string; namespaced: boolean }): string[] {
  const out: string[] = [];
  if (list.kind !== `${expect.kind}List`) out.push(`kind ${JSON.stringify(list.kind)}, want ${expect.kind}List`);
  if (list.metadata?.resourceVersion !== expect.rv) out.push(`list resourceVersion ${JSON.stringify(list.metadata?.resourceVersion)}, want ${expect.rv}`);
  if (!Array.isArray(list.items)) return [...out, 'items is not an array'];
  const keys = new Set<string>();
  const uids = new Set<string>();
  const rv = BigInt(expect.rv);
  for (const [i, item] of (list.items as Array<{ metadata?: ItemMeta }>).entries()) {
    const m = item?.metadata;
    if (!m || typeof m.name !== 'string' || m.name === '') {
      out.push(`item ${i} has no name`);
      continue;
    }
    const key = objectKey(m);
    if (expect.namespaced !== (typeof m.namespace === 'string' && m.namespace !== ''))
      out.push(`${key}: namespace ${JSON.stringify(m.namespace)} on a ${expect.namespaced ? '' : 'non-'}namespaced resource`);
    if (typeof m.uid !== 'string' || m.uid === '') out.push(`${key}: no uid`);
    else if (uids.has(m.uid)) out.push(`${key}: uid ${m.uid} twice`);
    else uids.add(m.uid);
    if (keys.has(key)) out.push(`${key}: listed twice`);
    keys.add(key);
    if (typeof m.resourceVersion !== 'string' || !/^[1-9]\d*$/.test(m.resourceVersion))
      out.push(`${key}: resourceVersion ${JSON.stringify(m.resourceVersion)}`);
    else if (BigInt(m.resourceVersion) > rv) out.push(`${key}: resourceVersion ${m.resourceVersion} newer than the list's ${expect.rv}`);
  }
  return out;
}

/** key -> resourceVersion of a list's items. */
export function stateOf(items: ReadonlyArray<{ metadata?: ItemMeta }>): Map<string, string> {
  return new Map(items.map((i) => [objectKey(i.metadata ?? {}), String(i.metadata?.resourceVersion)]));
}

export interface WatchEvent {
  type: string;
  object: { metadata?: ItemMeta };
}

/**
 * Replays watch events onto the state listed at `fromRv`, up to revision
 * `toRv`. Returns the state and the order problems: every event newer than
 * `fromRv`, strictly increasing, an ADDED for a key not there, a MODIFIED or
 * DELETED for one that is. `complete` tells whether an event (or bookmark)
 * past `toRv` was seen, after which no event at or before it can come.
 */
export function replayWatch(
  start: ReadonlyMap<string, string>,
  events: readonly WatchEvent[],
  fromRv: string,
  toRv: string,
): { state: Map<string, string>; problems: string[]; complete: boolean } {
  const state = new Map(start);
  const problems: string[] = [];
  let last = BigInt(fromRv);
  const to = BigInt(toRv);
  let complete = false;
  for (const e of events) {
    const m = e.object?.metadata ?? {};
    const rvText = String(m.resourceVersion);
    if (!/^\d+$/.test(rvText)) {
      problems.push(`${e.type} event without a resourceVersion`);
      continue;
    }
    const rv = BigInt(rvText);
    if (e.type === 'BOOKMARK') {
      if (rv >= to) complete = true;
      continue;
    }
    if (e.type === 'ERROR') {
      problems.push(`ERROR event: ${JSON.stringify(e.object).slice(0, 200)}`);
      continue;
    }
    if (rv <= last) problems.push(`${e.type} ${objectKey(m)} at ${rv} after ${last}: out of order`);
    last = rv > last ? rv : last;
    if (rv > to) {
      complete = true;
      continue;
    }
    const key = objectKey(m);
    if (e.type === 'ADDED') {
      if (state.has(key)) problems.push(`ADDED ${key} at ${rv}, present already`);
      state.set(key, rvText);
    } else if (e.type === 'MODIFIED') {
      if (!state.has(key)) problems.push(`MODIFIED ${key} at ${rv}, absent`);
      state.set(key, rvText);
    } else if (e.type === 'DELETED') {
      if (!state.has(key)) problems.push(`DELETED ${key} at ${rv}, absent`);
      state.delete(key);
    } else problems.push(`unknown event type ${e.type}`);
  }
  if (last >= to) complete = true;
  return { state, problems, complete };
}

/** The differences between two key -> resourceVersion states (`want` is the truth). */
export function stateDiff(got: ReadonlyMap<string, string>, want: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of want) if (got.get(k) !== v) out.push(got.has(k) ? `${k}: ${got.get(k)}, want ${v}` : `${k}: missing`);
  for (const k of got.keys()) if (!want.has(k)) out.push(`${k}: extra`);
  return out.sort();
}

/** The outcome of one invariant. */
export interface Verdict {
  name: string;
  ok: boolean;
  /** One line for the console. */
  detail: string;
  evidence?: unknown;
}

export interface SummaryInput {
  seed: number;
  minutes: number;
  timeline: readonly TimelineEntry[];
  writesAcked: number;
  writesPresent: number;
  deployment: { ready: number; want: number };
  orphans: number;
  serviceErrors: number;
  serviceErrorsOutside: number;
  /** Of the service errors, those inside a known bug's window, by bug id. */
  serviceErrorsKnownBugs?: ReadonlyMap<string, number>;
  storeOk: boolean;
  pass: boolean;
  /** The names of the violated invariants (printed after FAIL). */
  failed?: readonly string[];
  /** Why the invariants were not checked (the run stopped early: interrupted, the cluster did not start...). */
  notChecked?: string;
}

/** `kubelet-node-2` -> `kubelet`: kills are counted by kind. */
const kindName = (c: string): string => c.replace(/-node-\d+$/, '');

/** The run's one summary line. */
export function summaryLine(s: SummaryInput): string {
  const kills = s.timeline.filter((e) => e.cause === 'kill');
  const byKind = new Map<string, number>();
  for (const e of kills) byKind.set(kindName(e.component), (byKind.get(kindName(e.component)) ?? 0) + 1);
  const kinds = [...byKind].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ${n}`);
  const collateral = s.timeline.filter((e) => e.cause === 'collateral').map((e) => e.component);
  const known = [...(s.serviceErrorsKnownBugs ?? [])].filter(([, n]) => n > 0).map(([id, n]) => `${n} in known-bug windows: ${id}`);
  const errors =
    s.serviceErrors === 0
      ? '0 service errors'
      : s.serviceErrorsOutside === 0
        ? `${s.serviceErrors} service errors (all inside outage windows${known.length ? `; ${known.join(', ')}` : ''})`
        : `${s.serviceErrors} service errors (${s.serviceErrorsOutside} outside outage windows${known.length ? `; ${known.join(', ')}` : ''})`;
  const head = [
    `chaos: seed ${s.seed}`,
    `${s.minutes} minute${s.minutes === 1 ? '' : 's'}`,
    `${kills.length} kills (by component: ${kinds.join(', ') || 'none'})`,
    ...(collateral.length ? [`${collateral.length} unprovoked exits (${collateral.join(', ')})`] : []),
  ];
  if (s.notChecked !== undefined) return [...head, `invariants not checked: ${s.notChecked}: FAIL`].join(', ');
  return [
    ...head,
    `${s.writesAcked} writes acknowledged / ${s.writesPresent} present`,
    `deployment ${s.deployment.ready}/${s.deployment.want} Ready`,
    `${s.orphans} orphan containers`,
    errors,
    `${s.storeOk ? 'store consistent' : 'store INCONSISTENT'}: ${s.pass ? 'PASS' : `FAIL${s.failed?.length ? ` (${s.failed.join(', ')})` : ''}`}`,
  ].join(', ');
}
