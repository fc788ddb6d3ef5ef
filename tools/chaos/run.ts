/**
 * One chaos run: a fresh `mk8s up --nodes 2`, the workload of workload.ts,
 * N minutes of kill -9 of one random component at a time (seeded), each
 * restarted by `mk8s up` after a short random delay, then convergence and
 * the invariants of invariants.ts, a JSON report under `out`, and the
 * cluster torn down whatever happened (also on SIGINT: `signal`).
 *
 * dockerd is never killed: the Docker engine on this machine is shared with
 * other clusters and tests (docs/reliability.md, "Chaos suite").
 */
import { execFile } from 'node:child_process';
import { appendFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { LevelStore } from '@mk8s/storage';
import { eventually, getOnce, sleep, type Api } from './api.js';
import { ChaosCluster } from './cluster.js';
import {
  deploymentProblems,
  errorsInKnownBugWindows,
  errorsOutsideWindows,
  jobPodFindings,
  missingWrites,
  orphanContainers,
  outageWindows,
  summaryLine,
  KNOWN_BUGS,
  type Probe,
  type ProxyMode,
  type TimelineEntry,
  type Verdict,
} from './invariants.js';
import { DEFAULT_PLAN, Prng, nextStep } from './plan.js';
import { checkStore, type StoreCheck } from './store-check.js';
import {
  APP,
  ConfigMapWriter,
  JobStream,
  NS,
  PodDeletions,
  REPLICAS,
  ServiceLoad,
  containersWithLabel,
  deploymentManifest,
  jobPods,
  listPods,
  podView,
  serviceManifest,
  webPods,
} from './workload.js';

const exec = promisify(execFile);

export interface ChaosOptions {
  minutes: number;
  seed: number;
  /** Folder of the report (and, on failure, the components' logs). */
  out: string;
  repoRoot: string;
  /** Grace after a disturbing component is back, during which Service errors are still allowed. */
  graceMs: number;
  /** Bound on waiting for the cluster to converge after the chaos. */
  convergeMs: number;
  nodes: number;
  /** Grant no known-bug windows (invariants.ts, KNOWN_BUGS). */
  strict?: boolean;
}

export interface ChaosResult {
  pass: boolean;
  summary: string;
  reportPath: string;
}

/** The run's log: console and `out/chaos.log`, each line with seconds since the start. */
class RunLog {
  constructor(
    private readonly file: string,
    private readonly t0: number,
  ) {}
  line(msg: string): void {
    const text = `[chaos ${((Date.now() - this.t0) / 1000).toFixed(1).padStart(6)}s] ${msg}`;
    console.log(text);
    void appendFile(this.file, `${text}\n`).catch(() => undefined);
  }
}

/** The processes `mk8s up` said it started: `starting what is missing: a, b`. */
export function restartedBy(stdout: string): string[] {
  const m = /starting what is missing: (.*)$/m.exec(stdout);
  return m
    ? m[1]!
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
}

/** The proxy mode kube-proxy logged at start (`"mode":"iptables"`); as root it defaults to iptables, else userspace. */
async function proxyModeOf(cluster: ChaosCluster): Promise<ProxyMode> {
  const log = await readFile(path.join(cluster.home, 'logs', 'kube-proxy.log'), 'utf8').catch(() => '');
  const m = /"mode":"(iptables|userspace)"/.exec(log);
  if (m) return m[1] as ProxyMode;
  return process.getuid?.() === 0 ? 'iptables' : 'userspace';
}

/**
 * A NodePort from 30100-30999 (below the e2e suites' 31000-32700) that no
 * cluster on this machine forwards yet (its kube-proxy's NAT rules name it).
 */
async function freeNodePort(): Promise<number> {
  const nat = await exec('iptables-save', ['-t', 'nat']).then(
    (r) => r.stdout,
    () => '',
  );
  for (;;) {
    const port = 30_100 + Math.floor(Math.random() * 900);
    if (!nat.includes(`--dport ${port} `)) return port;
  }
}

/** Other mk8s kube-proxy processes on this machine (another cluster's): in iptables mode they share the host's nat table. */
async function foreignKubeProxies(cluster: ChaosCluster): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(d)) continue;
    const cmd = await readFile(`/proc/${d}/cmdline`, 'utf8').catch(() => '');
    const args = cmd.split('\0');
    if (args.some((a) => a.endsWith('kube-proxy.mjs')) && !args.some((a) => a.includes(cluster.home)) && !args.includes('--cleanup'))
      out.push(`pid ${d}: ${args.join(' ').slice(0, 200)}`);
  }
  return out;
}

export async function runChaos(opts: ChaosOptions, signal: AbortSignal): Promise<ChaosResult> {
  const t0 = Date.now();
  await mkdir(opts.out, { recursive: true });
  const log = new RunLog(path.join(opts.out, 'chaos.log'), t0);
  const rel = (t: number | undefined): number | undefined => (t === undefined ? undefined : Math.round((t - t0) / 100) / 10);
  const rng = new Prng(opts.seed);
  const cluster = await ChaosCluster.create(opts.repoRoot);
  const nodePort = await freeNodePort();
  log.line(
    `seed ${opts.seed}, ${opts.minutes} minute${opts.minutes === 1 ? '' : 's'}; MK8S_HOME=${cluster.home}, API ${cluster.url}, NodePort ${nodePort}, report in ${opts.out}`,
  );

  const timeline: TimelineEntry[] = [];
  const verdicts: Verdict[] = [];
  const notes: string[] = [];
  const work = new AbortController();
  const onAbort = (): void => work.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  const load = new ServiceLoad(`http://127.0.0.1:${nodePort}/`);
  const writer = new ConfigMapWriter(cluster.api);
  const jobs = new JobStream(cluster.api);
  const deletions = new PodDeletions(cluster.api);
  let loops: Promise<unknown> = Promise.resolve();
  let proxyMode: ProxyMode = 'iptables';
  let store: StoreCheck | undefined;
  /** `ok`, the offline check's problems, or why it did not run. */
  let storeVerify: 'ok' | string[] | string = 'not run: the run ended before its checks';
  let chaosStart = 0;
  let chaosEnd = 0;
  let fatal: string | undefined;
  /** Set when the run stopped before its invariants were checked. */
  let notChecked: string | undefined;
  let lastAllAlive = Date.now();
  let knownBugErrors = new Map<string, number>();
  const foreign = new Set<string>();

  /** `mk8s up` until it succeeds (3 tries): when it did, and what it started. */
  const restart = async (): Promise<{ upStartAt: number; upAt?: number; restarted: string[]; error?: string }> => {
    const upStartAt = Date.now();
    let error = '';
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        const { stdout } = await cluster.mk8s(['up'], 180_000);
        return { upStartAt, upAt: Date.now(), restarted: restartedBy(stdout) };
      } catch (err) {
        error = `${(err as Error).message}`.slice(0, 2000);
        log.line(`mk8s up failed (attempt ${attempt}): ${error.split('\n').slice(0, 6).join(' | ')}`);
        if (signal.aborted) break;
        await sleep(5_000, signal);
      }
    }
    return { upStartAt, restarted: [], error };
  };

  /** Components found dead that chaos did not kill: recorded as collateral, restarted by `mk8s up`. */
  const supervise = async (): Promise<void> => {
    const dead = await cluster.deadProcesses();
    if (dead.length === 0) {
      lastAllAlive = Date.now();
      return;
    }
    log.line(`found dead without a kill: ${dead.join(', ')}; mk8s up`);
    const r = await restart();
    for (const name of dead) {
      timeline.push({
        component: name,
        cause: 'collateral',
        downAt: lastAllAlive,
        upStartAt: r.upStartAt,
        ...(r.upAt ? { upAt: r.upAt } : {}),
        restarted: r.restarted,
        ...(r.error ? { error: r.error } : {}),
      });
    }
    if (r.upAt) lastAllAlive = Date.now();
  };

  /** Waits `ms`, checking every second that everything runs. */
  const supervisedWait = async (ms: number): Promise<void> => {
    const until = Date.now() + ms;
    for (const f of await foreignKubeProxies(cluster)) foreign.add(f);
    while (!signal.aborted && Date.now() < until) {
      await sleep(Math.min(1_000, until - Date.now()), signal);
      await supervise();
    }
  };

  try {
    // 1. The cluster and the workload.
    const up = await cluster.mk8s(['up', '--nodes', String(opts.nodes)], 300_000);
    log.line(`cluster up: ${up.stdout.split('\n').filter((l) => l.startsWith('  ok')).length} components`);
    proxyMode = await proxyModeOf(cluster);
    const shape = JSON.parse(await readFile(path.join(cluster.home, 'cluster.json'), 'utf8')) as { nodeNames?: string[]; nodes: number };
    const nodes = shape.nodeNames ?? Array.from({ length: shape.nodes }, (_, i) => `node-${i + 1}`);
    await cluster.api.create(`/apis/apps/v1/namespaces/${NS}/deployments`, deploymentManifest());
    await cluster.api.create(`/api/v1/namespaces/${NS}/services`, serviceManifest(nodePort));
    await eventually(async () => ((await webPods(cluster.api)).map(podView).filter((p) => p.ready).length === REPLICAS ? true : undefined), {
      what: `${REPLICAS} ready ${APP} pods`,
      timeoutMs: 180_000,
      signal,
    });
    await eventually(
      async () => {
        const ep = await cluster.api.get<{ subsets?: Array<{ addresses?: unknown[] }> }>(`/api/v1/namespaces/${NS}/endpoints/${APP}`);
        return (ep.subsets ?? []).flatMap((s) => s.addresses ?? []).length === REPLICAS ? true : undefined;
      },
      { what: `${REPLICAS} ready endpoints`, timeoutMs: 60_000, signal },
    );
    let streak = 0;
    await eventually(
      async () => {
        const r = await getOnce(`http://127.0.0.1:${nodePort}/`, 2_000).catch(() => undefined);
        streak = r?.status === 200 ? streak + 1 : 0;
        return streak >= 10 ? true : undefined;
      },
      { what: `10 answers in a row through NodePort ${nodePort}`, timeoutMs: 90_000, intervalMs: 100, signal },
    );
    // The cluster label the orphan check filters by must be the one on the containers, or that check sees nothing.
    const [somePod] = await webPods(cluster.api);
    const [container] = await containersWithLabel(`io.kubernetes.pod.uid=${somePod!.metadata.uid}`);
    const label = `io.mk8s.cluster=${container?.labels['io.mk8s.cluster']}`;
    if (label !== cluster.label) throw new Error(`the containers carry ${label}, expected ${cluster.label}: the orphan check would look at nothing`);
    log.line(`workload ready (proxy mode ${proxyMode}, nodes ${nodes.join(', ')}); load, writer, job stream and pod watch start`);
    await deletions.start();
    loops = Promise.all([load.run(work.signal), writer.run(work.signal), jobs.run(work.signal), deletions.run(work.signal)]);

    // 2. The chaos: one kill at a time, each restarted before the next.
    chaosStart = Date.now();
    const deadline = chaosStart + opts.minutes * 60_000;
    while (!signal.aborted) {
      const step = nextStep(rng, { nodes, ...DEFAULT_PLAN });
      if (Date.now() + step.pauseMs >= deadline) break;
      await supervisedWait(step.pauseMs);
      if (signal.aborted) break;
      await supervise();
      let kill: { pid: number; at: number };
      try {
        kill = await cluster.kill9(step.victim);
      } catch (err) {
        log.line(`skip ${step.victim}: ${(err as Error).message}`);
        continue;
      }
      log.line(`kill -9 ${step.victim} (pid ${kill.pid}); mk8s up in ${(step.restartDelayMs / 1000).toFixed(1)}s`);
      const entry: TimelineEntry = { component: step.victim, cause: 'kill', pid: kill.pid, downAt: kill.at, restartDelayMs: step.restartDelayMs };
      timeline.push(entry);
      await sleep(step.restartDelayMs, signal);
      // What else died meanwhile (not killed by us) is collateral, from the last moment all was seen alive.
      const alsoDead = (await cluster.deadProcesses()).filter((n) => n !== step.victim);
      const r = await restart();
      entry.upStartAt = r.upStartAt;
      if (r.upAt) entry.upAt = r.upAt;
      entry.restarted = r.restarted;
      if (r.error) entry.error = r.error;
      for (const other of new Set([...alsoDead, ...r.restarted.filter((n) => n !== step.victim)])) {
        timeline.push({
          component: other,
          cause: 'collateral',
          downAt: lastAllAlive,
          upStartAt: r.upStartAt,
          ...(r.upAt ? { upAt: r.upAt } : {}),
          restarted: r.restarted,
        });
      }
      if (!r.upAt) {
        if (signal.aborted) break;
        fatal = `${step.victim} did not come back: mk8s up failed 3 times`;
        break;
      }
      lastAllAlive = Date.now();
      log.line(`  back after ${((r.upAt - kill.at) / 1000).toFixed(1)}s (mk8s up started: ${r.restarted.join(', ') || 'nothing'})`);
    }
    chaosEnd = Date.now();
    if (signal.aborted) throw new Error('interrupted');

    // 3. Let the load see the last restart settle, then stop the workload and converge.
    await supervisedWait(Math.max(0, Math.min(opts.graceMs, (timeline.at(-1)?.upAt ?? 0) + 15_000 - Date.now())));
    work.abort();
    await loops;
    log.line(
      `workload stopped: ${load.probes.length} GETs (${load.probes.filter((p) => !p.ok).length} failed), ` +
        `${writer.acked.size}/${writer.attempts} ConfigMap creates acknowledged, ${jobs.acked.size}/${jobs.attempts} job pods acknowledged`,
    );
    await supervise();

    const converged = await converge(cluster, opts.convergeMs, signal, log);
    verdicts.push(...converged);

    // 4. The invariants on the converged cluster.
    const present = new Map(
      (
        await cluster.api.get<{ items: Array<{ metadata: { name: string; uid: string } }> }>(
          `/api/v1/namespaces/${NS}/configmaps?labelSelector=chaos-writer%3Dtrue`,
        )
      ).items.map((i) => [i.metadata.name, i.metadata.uid]),
    );
    const w = missingWrites(writer.acked, present);
    verdicts.push({
      name: 'acknowledged-writes',
      ok: w.missing.length === 0 && w.replaced.length === 0,
      detail:
        `${writer.acked.size} ConfigMap creates acknowledged, ${writer.acked.size - w.missing.length - w.replaced.length} present` +
        (w.missing.length ? `; MISSING: ${w.missing.join(', ')}` : '') +
        (w.replaced.length ? `; other uid: ${w.replaced.join(', ')}` : ''),
      evidence: w,
    });

    const jp = jobPodFindings(jobs.acked, (await jobPods(cluster.api)).map(podView), jobs.deletedByUs, deletions.deleted);
    verdicts.push({
      name: 'job-pods',
      ok: jp.lost.length === 0 && jp.replaced.length === 0 && jp.notSucceeded.length === 0,
      detail:
        `${jobs.acked.size} acknowledged, ${jobs.deletedByUs.size} deleted by us, ${jp.deletedByCluster.length} deleted by the cluster` +
        (jp.lost.length ? `; LOST: ${jp.lost.join(', ')}` : '') +
        (jp.replaced.length ? `; other uid: ${jp.replaced.join(', ')}` : '') +
        (jp.notSucceeded.length ? `; not Succeeded: ${jp.notSucceeded.join(', ')}` : ''),
      evidence: { ...jp, watchGaps: deletions.gaps, watchResumes: deletions.resumes },
    });

    const failures = load.probes.filter((p) => !p.ok);
    const windows = outageWindows(timeline, { graceMs: opts.graceMs, proxyMode, endOfRun: Date.now(), strict: opts.strict === true });
    const outside = errorsOutsideWindows(failures, windows);
    knownBugErrors = errorsInKnownBugWindows(failures, windows);
    verdicts.push({
      name: 'service-errors',
      ok: outside.length === 0,
      detail:
        `${failures.length} of ${load.probes.length} GETs failed, ${outside.length} outside the outage windows` +
        [...knownBugErrors].map(([id, n]) => `, ${n} inside windows of the known bug ${id}`).join(''),
      evidence: {
        windows: windows.map((x) => ({ ...x, from: rel(x.from), to: rel(x.to) })),
        knownBugErrors: Object.fromEntries(knownBugErrors),
        outside: outside.slice(0, 200).map((p) => describeProbe(p, t0)),
        foreignKubeProxies: [...foreign],
      },
    });

    const answers: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await getOnce(`http://127.0.0.1:${nodePort}/`, 2_000).catch((err: Error) => ({ status: 0, body: err.message }));
      answers.push(r.status === 200 && r.body.startsWith(`${APP}-`) ? 'ok' : `${r.status} ${r.body.slice(0, 80)}`);
    }
    const bad = answers.filter((a) => a !== 'ok');
    verdicts.push({ name: 'service-serves', ok: bad.length === 0, detail: `${20 - bad.length}/20 GETs answered after convergence`, evidence: bad });

    const came = timeline.filter((e) => e.upAt === undefined);
    verdicts.push({
      name: 'components-back',
      ok: came.length === 0 && fatal === undefined && (await cluster.deadProcesses()).length === 0,
      detail: fatal ?? (came.length ? `never came back: ${came.map((e) => e.component).join(', ')}` : 'every killed component came back'),
    });

    store = await checkStore(cluster.api);
    const storeBad = store.resources.filter((r) => r.problems.length > 0);
    verdicts.push({
      name: 'store-consistency',
      ok: store.ok,
      detail:
        `${store.resources.length} resources listed at resourceVersion ${store.rv} and watched from it` +
        (storeBad.length ? `; problems in ${storeBad.map((r) => r.resource).join(', ')}` : ''),
      evidence: storeBad,
    });

    // The store's own check, offline: stop the cluster (mk8s down keeps the data), open the API server's
    // folder and verify every row (history, log, revisions); teardown purges it afterwards.
    await cluster.mk8s(['down'], 120_000);
    const problems = await verifyStoreOffline(path.join(cluster.home, 'data', 'apiserver'));
    storeVerify = problems.length === 0 ? 'ok' : problems;
    verdicts.push({
      name: 'store-verify',
      ok: problems.length === 0,
      detail:
        problems.length === 0
          ? 'LevelStore.verify() found no problem in the stopped store'
          : `${problems.length} problem(s): ${problems.slice(0, 5).join('; ')}`,
      evidence: problems,
    });
  } catch (err) {
    fatal ??= (err as Error).message;
    notChecked = fatal;
    log.line(`ERROR: ${fatal}`);
    verdicts.push({ name: 'run', ok: false, detail: fatal });
  } finally {
    work.abort();
    await loops.catch(() => undefined);
    signal.removeEventListener('abort', onAbort);
  }

  const pass = verdicts.length > 0 && verdicts.every((v) => v.ok) && fatal === undefined;
  const v = (name: string): Verdict | undefined => verdicts.find((x) => x.name === name);
  const deployEvidence = v('deployment')?.evidence as { ready?: number } | undefined;
  const writesEvidence = v('acknowledged-writes')?.evidence as { missing: string[]; replaced: string[] } | undefined;
  const failures = load.probes.filter((p) => !p.ok);
  const summary = summaryLine({
    seed: opts.seed,
    minutes: opts.minutes,
    timeline,
    writesAcked: writer.acked.size,
    writesPresent: writer.acked.size - (writesEvidence ? writesEvidence.missing.length + writesEvidence.replaced.length : writer.acked.size),
    deployment: { ready: deployEvidence?.ready ?? 0, want: REPLICAS },
    orphans: ((v('orphans')?.evidence as unknown[] | undefined) ?? []).length,
    serviceErrors: failures.length,
    serviceErrorsOutside: ((v('service-errors')?.evidence as { outside?: unknown[] } | undefined)?.outside ?? []).length,
    serviceErrorsKnownBugs: knownBugErrors,
    storeOk: store?.ok === true && storeVerify === 'ok',
    pass,
    failed: verdicts.filter((x) => !x.ok).map((x) => x.name),
    ...(notChecked !== undefined ? { notChecked } : {}),
  });

  // 5. Teardown (always), the report, and the logs of a failed run.
  const logsDir = path.join(opts.out, 'logs');
  const teardownNotes = await cluster.destroy(async () => {
    if (!pass) await cluster.copyLogs(logsDir);
  });
  notes.push(...teardownNotes);
  const report = {
    seed: opts.seed,
    minutes: opts.minutes,
    pass,
    summary,
    startedAt: new Date(t0).toISOString(),
    durationS: rel(Date.now()),
    chaosWindowS: { from: rel(chaosStart), to: rel(chaosEnd) },
    cluster: { home: cluster.home, api: cluster.url, nodePort, proxyMode, label: cluster.label },
    policy: {
      graceMs: opts.graceMs,
      convergeMs: opts.convergeMs,
      strict: opts.strict === true,
      knownBugs: opts.strict ? [] : KNOWN_BUGS,
      ...DEFAULT_PLAN,
      dockerd: 'never killed: the Docker engine is shared on this machine',
    },
    timeline: timeline.map((e) => ({ ...e, downAt: rel(e.downAt), upStartAt: rel(e.upStartAt), upAt: rel(e.upAt) })),
    counts: {
      gets: load.probes.length,
      getsFailed: failures.length,
      configMaps: { attempts: writer.attempts, acknowledged: writer.acked.size, unknownOutcome: writer.unknown, refused: Object.fromEntries(writer.refused) },
      jobPods: { attempts: jobs.attempts, acknowledged: jobs.acked.size, unknownOutcome: jobs.unknown, deletedByUs: jobs.deletedByUs.size },
      podWatch: { deletedSeen: deletions.deleted.size, resumes: deletions.resumes, gaps: deletions.gaps.length },
    },
    failedGets: failures.slice(0, 500).map((p) => describeProbe(p, t0)),
    verdicts,
    store: { ...(store ?? {}), verify: storeVerify },
    notes,
    ...(pass ? {} : { logs: logsDir }),
  };
  const reportPath = path.join(opts.out, 'report.json');
  await writeFile(reportPath, `${JSON.stringify(report, null, 2)}\n`);
  for (const x of verdicts) log.line(`${x.ok ? 'ok  ' : 'FAIL'} ${x.name}: ${x.detail}`);
  for (const n of notes) log.line(`note: ${n}`);
  log.line(`report: ${reportPath}${pass ? '' : `; component logs: ${logsDir}`}`);
  return { pass, summary, reportPath };
}

const describeProbe = (p: Probe, t0: number): { at: number; ms: number; detail: string } => ({
  at: Math.round((p.start - t0) / 100) / 10,
  ms: p.end - p.start,
  detail: p.detail,
});

/**
 * Waits (bounded) until the Deployment has its replicas Ready, every job pod
 * has finished, both nodes are Ready and no orphan container is left; returns
 * the verdicts of the last look.
 */
async function converge(cluster: ChaosCluster, timeoutMs: number, signal: AbortSignal, log: RunLog): Promise<Verdict[]> {
  const api: Api = cluster.api;
  const deadline = Date.now() + timeoutMs;
  const t = Date.now();
  for (;;) {
    const verdicts: Verdict[] = [];
    try {
      const pods = await listPods(api);
      const web = pods.filter((p) => p.metadata.namespace === NS && p.metadata.labels?.['app'] === APP).map(podView);
      const dep = await api.get<{ status?: { readyReplicas?: number; replicas?: number } }>(`/apis/apps/v1/namespaces/${NS}/deployments/${APP}`);
      const problems = deploymentProblems(web, REPLICAS, dep.status);
      const ready = web.filter((p) => p.ready && !p.terminating).length;
      verdicts.push({
        name: 'deployment',
        ok: problems.length === 0,
        detail: `${ready}/${REPLICAS} Ready` + (problems.length ? `: ${problems.join('; ')}` : ''),
        evidence: { ready, pods: web },
      });
      const nodes = await api.get<{ items: Array<{ metadata: { name: string }; status?: { conditions?: Array<{ type: string; status: string }> } }> }>(
        '/api/v1/nodes',
      );
      const notReady = nodes.items
        .filter((n) => !(n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'))
        .map((n) => n.metadata.name);
      verdicts.push({
        name: 'nodes-ready',
        ok: notReady.length === 0 && nodes.items.length > 0,
        detail: notReady.length ? `not Ready: ${notReady.join(', ')}` : `${nodes.items.length} nodes Ready`,
      });
      const running = (await jobPods(api)).map(podView).filter((p) => p.phase !== 'Succeeded' && p.phase !== 'Failed' && !p.terminating);
      verdicts.push({
        name: 'job-pods-finished',
        ok: running.length === 0,
        detail: running.length ? `still ${running.map((p) => `${p.name} ${p.phase}`).join(', ')}` : 'every job pod finished',
      });
      const containers = await containersWithLabel(cluster.label);
      const orphans = orphanContainers(
        containers,
        pods.map((p) => ({ uid: p.metadata.uid, ...(p.spec.nodeName ? { nodeName: p.spec.nodeName } : {}) })),
      );
      verdicts.push({
        name: 'orphans',
        ok: orphans.length === 0,
        detail:
          `${containers.length} containers of this cluster, ${orphans.length} without their pod` +
          (orphans.length ? `: ${orphans.map((c) => `${c.name} (pod uid ${c.labels['io.kubernetes.pod.uid']})`).join(', ')}` : ''),
        evidence: orphans,
      });
    } catch (err) {
      verdicts.push({ name: 'converge', ok: false, detail: `could not read the cluster: ${(err as Error).message}` });
    }
    if (verdicts.every((v) => v.ok)) {
      log.line(`converged in ${((Date.now() - t) / 1000).toFixed(1)}s`);
      return verdicts;
    }
    if (Date.now() > deadline || signal.aborted) {
      log.line(`not converged within ${timeoutMs / 1000}s`);
      return verdicts;
    }
    await sleep(2_000, signal);
  }
}

/** Opens the stopped API server's store and runs its full consistency check; the list of problems (empty: consistent). */
async function verifyStoreOffline(dir: string): Promise<string[]> {
  const store = await LevelStore.open({ path: dir });
  try {
    return await store.verify();
  } finally {
    await store.close();
  }
}
