/**
 * `/stats/summary`: Kubernetes' Summary API (kubelet stats/v1alpha1) in the
 * part this kubelet can know from the CRI alone: per-container CPU and
 * memory from ListContainerStats, grouped into pods through the containers'
 * sandboxes (ListContainers, ListPodSandbox). Times are RFC 3339 strings and
 * numbers are plain JSON numbers, as in the real API.
 *
 * The node figures are the sum over the pods' containers: without cAdvisor
 * there is no machine-wide measurement, so system daemons are not counted.
 */
import type { ContainerStats, CriRuntime, PodSandbox } from '@mk8s/cri';
import type { CpuRateTracker } from './stats-cpu-rate.js';

export interface CpuStats {
  time: string;
  /** Average over the runtime's sample window; 1e9 = one core. */
  usageNanoCores: number;
  /** Cumulative CPU time since the container (or, summed, the pod) started. */
  usageCoreNanoSeconds: number;
}

export interface MemoryStats {
  time: string;
  workingSetBytes: number;
  usageBytes: number;
  /** Only when every summed container reports it (it needs a memory limit). */
  availableBytes?: number;
}

export interface ContainerStatsSummary {
  name: string;
  startTime: string;
  cpu: CpuStats;
  memory: MemoryStats;
}

export interface PodReference {
  name: string;
  namespace: string;
  uid: string;
}

export interface PodStatsSummary {
  podRef: PodReference;
  startTime: string;
  containers: ContainerStatsSummary[];
  cpu: CpuStats;
  memory: MemoryStats;
}

export interface NodeStatsSummary {
  nodeName: string;
  cpu: CpuStats;
  memory: MemoryStats;
}

export interface StatsSummary {
  node: NodeStatsSummary;
  pods: PodStatsSummary[];
}

export interface StatsSummaryOptions {
  nodeName?: string;
  /** Clock for `time` when nothing was sampled (default Date.now). */
  now?: () => number;
  /**
   * Derives usageNanoCores from two cumulative samples for containers whose
   * runtime reports no rate (the kubelet server keeps one across requests).
   * Without it such containers report 0 nanocores.
   */
  rates?: CpuRateTracker;
}

/**
 * Builds the summary. Pods are those with a ready sandbox, plus any whose
 * containers still report stats; several sandboxes of one pod uid merge
 * into one entry. Only running containers appear (CRI reports stats for
 * those). Pods are sorted by namespace/name, containers by name.
 */
export async function buildStatsSummary(runtime: CriRuntime, opts: StatsSummaryOptions = {}): Promise<StatsSummary> {
  const now = opts.now ?? Date.now;
  const [{ items: sandboxes }, { containers }, { stats }] = await Promise.all([
    runtime.listPodSandbox({}),
    runtime.listContainers({}),
    runtime.listContainerStats({}),
  ]);
  const nowIso = new Date(now()).toISOString();
  const sandboxById = new Map(sandboxes.map((s) => [s.id, s]));
  const containerById = new Map(containers.map((c) => [c.id, c]));

  const pods = new Map<string, { ref: PodReference; startNs: number; containers: ContainerStatsSummary[] }>();
  const podOf = (ref: PodReference, startNs: number) => {
    let p = pods.get(ref.uid);
    if (!p) {
      p = { ref, startNs, containers: [] };
      pods.set(ref.uid, p);
    } else if (startNs > 0 && (p.startNs === 0 || startNs < p.startNs)) {
      p.startNs = startNs;
    }
    return p;
  };
  for (const s of sandboxes) {
    if (s.state === 'SANDBOX_READY') podOf(refOf(s), s.createdAt);
  }
  for (const st of stats) {
    const c = containerById.get(st.attributes.id);
    const sandbox = c ? sandboxById.get(c.podSandboxId) : undefined;
    const ref = sandbox ? refOf(sandbox) : refFromLabels(st);
    if (!ref) continue; // not a pod's container (or gone since the lists)
    podOf(ref, sandbox?.createdAt ?? 0).containers.push({
      name: st.attributes.metadata.name,
      startTime: isoFromNs(c?.createdAt ?? 0, nowIso),
      cpu: cpuOf(st, nowIso, opts.rates),
      memory: memoryOf(st, nowIso),
    });
  }

  opts.rates?.retain(new Set(stats.map((st) => st.attributes.id)));

  const podList: PodStatsSummary[] = [...pods.values()]
    .map((p) => {
      const list = p.containers.sort((a, b) => a.name.localeCompare(b.name));
      return {
        podRef: p.ref,
        startTime: isoFromNs(p.startNs, nowIso),
        containers: list,
        cpu: sumCpu(
          list.map((c) => c.cpu),
          nowIso,
        ),
        memory: sumMemory(
          list.map((c) => c.memory),
          nowIso,
        ),
      };
    })
    .sort((a, b) => a.podRef.namespace.localeCompare(b.podRef.namespace) || a.podRef.name.localeCompare(b.podRef.name));

  return {
    node: {
      nodeName: opts.nodeName ?? '',
      cpu: sumCpu(
        podList.map((p) => p.cpu),
        nowIso,
      ),
      memory: sumMemory(
        podList.map((p) => p.memory),
        nowIso,
      ),
    },
    pods: podList,
  };
}

function refOf(s: PodSandbox): PodReference {
  return { name: s.metadata.name, namespace: s.metadata.namespace, uid: s.metadata.uid };
}

/** Kubernetes' container labels, for a container whose sandbox the lists missed. */
function refFromLabels(st: ContainerStats): PodReference | undefined {
  const l = st.attributes.labels ?? {};
  const name = l['io.kubernetes.pod.name'];
  const namespace = l['io.kubernetes.pod.namespace'];
  const uid = l['io.kubernetes.pod.uid'];
  return name && namespace && uid ? { name, namespace, uid } : undefined;
}

function isoFromNs(ns: number, fallback: string): string {
  return ns > 0 ? new Date(Math.floor(ns / 1e6)).toISOString() : fallback;
}

function cpuOf(st: ContainerStats, nowIso: string, rates: CpuRateTracker | undefined): CpuStats {
  const cumulative = st.cpu?.usageCoreNanoSeconds?.value;
  let rate = st.cpu?.usageNanoCores?.value;
  if (rates && cumulative !== undefined) {
    // Always observed, so a later sample without a rate has a reference point.
    const derived = rates.observe(st.attributes.id, st.cpu?.timestamp || Date.parse(nowIso) * 1e6, cumulative);
    rate ??= derived;
  }
  return {
    time: isoFromNs(st.cpu?.timestamp ?? 0, nowIso),
    usageNanoCores: rate ?? 0,
    usageCoreNanoSeconds: cumulative ?? 0,
  };
}

function memoryOf(st: ContainerStats, nowIso: string): MemoryStats {
  const m: MemoryStats = {
    time: isoFromNs(st.memory?.timestamp ?? 0, nowIso),
    workingSetBytes: st.memory?.workingSetBytes?.value ?? 0,
    usageBytes: st.memory?.usageBytes?.value ?? 0,
  };
  const available = st.memory?.availableBytes?.value;
  if (available !== undefined) m.availableBytes = available;
  return m;
}

/** The latest sample time of the parts ('now' when there are none). */
function latestTime(times: string[], nowIso: string): string {
  return times.length === 0 ? nowIso : times.reduce((a, b) => (b > a ? b : a));
}

function sumCpu(parts: CpuStats[], nowIso: string): CpuStats {
  return {
    time: latestTime(
      parts.map((p) => p.time),
      nowIso,
    ),
    usageNanoCores: parts.reduce((n, p) => n + p.usageNanoCores, 0),
    usageCoreNanoSeconds: parts.reduce((n, p) => n + p.usageCoreNanoSeconds, 0),
  };
}

function sumMemory(parts: MemoryStats[], nowIso: string): MemoryStats {
  const m: MemoryStats = {
    time: latestTime(
      parts.map((p) => p.time),
      nowIso,
    ),
    workingSetBytes: parts.reduce((n, p) => n + p.workingSetBytes, 0),
    usageBytes: parts.reduce((n, p) => n + p.usageBytes, 0),
  };
  if (parts.length > 0 && parts.every((p) => p.availableBytes !== undefined)) {
    m.availableBytes = parts.reduce((n, p) => n + (p.availableBytes ?? 0), 0);
  }
  return m;
}
