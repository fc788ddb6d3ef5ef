/**
 * A fuzz campaign: a seeded, bounded run against a real kube-apiserver
 * process.
 *
 * Reproducibility: requests come from `fc.sample(requestArbitrary, { seed:
 * batchSeed(seed, b), numRuns: BATCH })` for batch b = 0, 1, 2, ...; nothing
 * depends on server answers, so (seed, index) names one request forever
 * (given the same discovery), and `npm run fuzz -- --seed S --replay I`
 * re-sends it. The seed is logged first, every finding is logged with a
 * one-line reproduction.
 *
 * Bounds: requests stop at `budgetMs` or `maxRequests`, whichever comes
 * first; the end-of-epoch checks then run (bounded themselves). Requests are
 * sequential and paced (`minRequestMs`), all to 127.0.0.1.
 *
 * Epochs: when the server dies, stops answering /healthz, or a guarded
 * object is lost, the epoch ends (after its end checks when the server still
 * answers) and a fresh server continues the same request sequence.
 */
import fc from 'fast-check';
import { checkListGet, checkWatchVsList, watchedPaths } from './consistency-checks.js';
import { collectionPath, discover, KUBELET_BACKED_GROUPS, type ServedResource } from './discovery.js';
import type { FuzzRequest } from './fuzz-request.js';
import { isWatchRequest } from './fuzz-request.js';
import {
  DEFAULT_WEIGHTS,
  FUZZ_NS,
  mainResources,
  NAMES,
  requestArbitrary,
  SENTINEL_CONFIGMAP,
  SENTINEL_NS,
  type ClassWeights,
  type FuzzTargets,
} from './generators.js';
import { checkGuards, checkMemory, checkResponse, findingClass, formatFinding, HANG_MS, isRisky, type Finding } from './invariants.js';
import { send, sendJson, type Outcome, type Target } from './raw-http.js';
import { hasSeed, seedFor } from './seeds.js';
import { startServer, type ServerEntry, type ServerProcess } from './server-process.js';
import { WatchRecorder } from './watch-recorder.js';

export const BATCH = 40;

export interface CampaignOptions {
  seed: number;
  /** Time for sending requests; end-of-epoch checks come on top (a few seconds). */
  budgetMs: number;
  maxRequests?: number;
  /** RSS cap of the server process. */
  rssCapBytes?: number;
  /** Minimum time per request: keeps the rate modest on a shared machine. */
  minRequestMs?: number;
  entry?: ServerEntry;
  /** Checkout whose server to fuzz (default: this repository). */
  serverRoot?: string;
  weights?: ClassWeights;
  log?: (line: string) => void;
}

export interface DistinctFinding {
  cls: string;
  first: Finding;
  count: number;
}

export interface CampaignResult {
  seed: number;
  requests: number;
  elapsedMs: number;
  epochs: number;
  findings: DistinctFinding[];
  /** Request class -> status (or hang/closed/truncated) -> count. */
  histogram: Map<string, Map<string, number>>;
  /** One line per epoch check: memory verdicts, how much the list-get and watch checks covered. */
  summaries: string[];
  /** Setup problems and other remarks that are not findings. */
  notes: string[];
}

/** The per-batch seed: distinct, deterministic, 32-bit. */
export function batchSeed(seed: number, batch: number): number {
  return (Math.imul(batch + 1, 0x9e3779b1) ^ seed) | 0;
}

export function sampleBatch(arb: fc.Arbitrary<FuzzRequest>, seed: number, batch: number): FuzzRequest[] {
  return fc.sample(arb, { seed: batchSeed(seed, batch), numRuns: BATCH });
}

/** The request at `index` of the sequence of `seed`. */
export function requestAt(targets: FuzzTargets, seed: number, index: number, weights: ClassWeights = DEFAULT_WEIGHTS): FuzzRequest {
  return sampleBatch(requestArbitrary(targets, weights), seed, Math.floor(index / BATCH))[index % BATCH]!;
}

export function sendFuzz(target: Target, req: FuzzRequest): Promise<Outcome> {
  return send(target, req, { hangMs: HANG_MS, streamPeekMs: isWatchRequest(req) ? 300 : undefined });
}

/** Resources whose every item the list-get check reads back. */
function readableResources(resources: ServedResource[]): ServedResource[] {
  return resources.filter((r) => r.sub === undefined && r.verbs.includes('list') && r.verbs.includes('get') && !KUBELET_BACKED_GROUPS.has(r.group));
}

export interface Epoch {
  server: ServerProcess;
  resources: ServedResource[];
  recorders: WatchRecorder[];
  rss: number[];
  /** Why the epoch must end early, if it must. */
  broken?: string;
}

/** Creates the fuzz and sentinel namespaces, the sentinel ConfigMap and one valid seed of each kind. */
export async function setUp(target: Target, resources: ServedResource[], notes: string[]): Promise<void> {
  const must = async (path: string, body: unknown): Promise<void> => {
    const { outcome } = await sendJson(target, 'POST', path, body);
    if (outcome.kind !== 'response' || outcome.res.status >= 300)
      throw new Error(`setup POST ${path} failed: ${outcome.kind === 'response' ? `${outcome.res.status} ${outcome.res.body}` : outcome.detail}`);
  };
  await must('/api/v1/namespaces', { metadata: { name: FUZZ_NS, labels: { fuzz: 'ns' } } });
  await must('/api/v1/namespaces', { metadata: { name: SENTINEL_NS, labels: { sentinel: 'yes' } } });
  // No `fuzz` label: no generated label selector can select it.
  await must(`/api/v1/namespaces/${SENTINEL_NS}/configmaps`, { metadata: { name: SENTINEL_CONFIGMAP, labels: { sentinel: 'yes' } }, data: { keep: 'me' } });
  for (const r of mainResources({ resources })) {
    if (!r.verbs.includes('create') || !hasSeed(r) || r.resource === 'namespaces') continue;
    for (const name of NAMES.slice(0, 2)) {
      const { outcome } = await sendJson(target, 'POST', collectionPath(r, FUZZ_NS), seedFor(r, FUZZ_NS, name));
      // 409: another version of the same resource (autoscaling/v1 and v2) created it already.
      if (outcome.kind === 'response' && (outcome.res.status < 300 || outcome.res.status === 409)) continue;
      notes.push(
        `valid seed of ${r.group || 'core'}/${r.version}/${r.resource} refused at setup: ${outcome.kind === 'response' ? `${outcome.res.status} ${outcome.res.body.slice(0, 200)}` : outcome.detail}`,
      );
    }
  }
}

export async function startEpoch(opts: Pick<CampaignOptions, 'entry' | 'serverRoot'>, notes: string[], known?: ServedResource[]): Promise<Epoch> {
  // An empty serverRoot counts as none: this repository.
  const server = await startServer({ entry: opts.entry, root: opts.serverRoot || undefined });
  try {
    const resources = known ?? (await discover(server.target));
    await setUp(server.target, resources, notes);
    const recorders = watchedPaths(resources).map((p) => new WatchRecorder(server.target, p));
    await Promise.all(recorders.map((r) => r.start()));
    return { server, resources, recorders, rss: [] };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

/** End-of-epoch checks (when the server still answers), then stop the server; `summaries` gets one line per check. */
export async function endEpoch(epoch: Epoch, capBytes: number, summaries: string[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  const { server } = epoch;
  try {
    if (server.exitStatus() === undefined && (await server.healthy())) {
      const lg = await checkListGet(server.target, readableResources(epoch.resources));
      findings.push(...lg.findings);
      for (const rec of epoch.recorders) findings.push(...(await checkWatchVsList(server.target, rec)));
      summaries.push(`checks: list-get read back ${lg.checked} objects; watches saw ${epoch.recorders.map((r) => `${r.path} ${r.events} events`).join(', ')}`);
      const problems = epoch.broken ? [] : await checkGuards(server.target, FUZZ_NS);
      if (problems.length) findings.push({ invariant: 'guarded-state', message: `at the end of the run: ${problems.join('; ')}` });
      const rss = server.rssBytes();
      if (rss !== undefined) epoch.rss.push(rss);
    }
    const mem = checkMemory(epoch.rss, capBytes);
    summaries.push(mem.summary);
    findings.push(...mem.findings);
  } finally {
    for (const rec of epoch.recorders) rec.stop();
    await server.stop();
  }
  return findings;
}

export async function runCampaign(opts: CampaignOptions): Promise<CampaignResult> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const started = Date.now();
  const deadline = started + opts.budgetMs;
  const maxRequests = opts.maxRequests ?? Number.MAX_SAFE_INTEGER;
  const capBytes = opts.rssCapBytes ?? 1024 * 1024 * 1024;
  const minRequestMs = opts.minRequestMs ?? 5;
  const histogram = new Map<string, Map<string, number>>();
  const distinct = new Map<string, DistinctFinding>();
  const summaries: string[] = [];
  const notes: string[] = [];
  log(
    `fuzz: seed=${opts.seed} budget=${Math.round(opts.budgetMs / 1000)}s (reproduce: npm run fuzz -- --seed ${opts.seed} --minutes ${(opts.budgetMs / 60_000).toFixed(2)})`,
  );

  const record = (f: Finding): void => {
    const cls = findingClass(f);
    const d = distinct.get(cls);
    if (d) {
      d.count++;
      return;
    }
    distinct.set(cls, { cls, first: f, count: 1 });
    log(`fuzz finding (seed ${opts.seed}): ${formatFinding(f)}`);
  };
  const count = (klass: string, key: string): void => {
    let m = histogram.get(klass);
    if (!m) histogram.set(klass, (m = new Map()));
    m.set(key, (m.get(key) ?? 0) + 1);
  };

  let index = 0;
  let epochs = 0;
  let resources: ServedResource[] | undefined;
  let arb: fc.Arbitrary<FuzzRequest> | undefined;
  let batchNo = -1;
  let batch: FuzzRequest[] = [];

  while (Date.now() < deadline && index < maxRequests) {
    const epoch = await startEpoch(opts, epochs === 0 ? notes : [], resources);
    epochs++;
    resources ??= epoch.resources;
    arb ??= requestArbitrary({ resources }, opts.weights ?? DEFAULT_WEIGHTS);
    const { server } = epoch;
    try {
      while (Date.now() < deadline && index < maxRequests && !epoch.broken) {
        if (Math.floor(index / BATCH) !== batchNo) {
          batchNo = Math.floor(index / BATCH);
          batch = sampleBatch(arb, opts.seed, batchNo);
        }
        const req = batch[index % BATCH]!;
        const t0 = Date.now();
        const outcome = await sendFuzz(server.target, req);
        count(req.klass, outcome.kind === 'response' ? String(outcome.res.status) : outcome.kind);
        for (const f of checkResponse(req, outcome, index)) record(f);

        if (server.exitStatus() !== undefined || outcome.kind !== 'response') {
          // A dead or unresponsive server: attribute it to this request.
          await new Promise((r) => setTimeout(r, 100));
          const exit = server.exitStatus();
          if (exit !== undefined || !(await server.healthy())) {
            const why = exit !== undefined ? `server process exited (${exit})` : 'server stopped answering /healthz';
            record({ invariant: 'alive', message: `${why}; last output: ${server.output().slice(-600).replace(/\s+/g, ' ')}`, request: req, index });
            epoch.broken = why;
          }
        }
        if (!epoch.broken && isRisky(req)) {
          const problems = await checkGuards(server.target, FUZZ_NS);
          if (problems.length) {
            record({
              invariant: 'guarded-state',
              message: problems.join('; '),
              status: outcome.kind === 'response' ? outcome.res.status : outcome.kind,
              request: req,
              index,
            });
            epoch.broken = 'guarded state lost';
          }
        }
        if (!epoch.broken && index % BATCH === BATCH - 1) {
          if (!(await server.healthy())) {
            record({ invariant: 'alive', message: `server stopped answering /healthz during batch ${batchNo}` });
            epoch.broken = 'unhealthy';
          }
          const rss = server.rssBytes();
          if (rss !== undefined) {
            epoch.rss.push(rss);
            if (rss > capBytes) record({ invariant: 'memory', message: `RSS ${Math.round(rss / 1048576)} MiB over the cap after batch ${batchNo}` });
          }
          if (!epoch.broken) {
            const problems = await checkGuards(server.target, FUZZ_NS);
            if (problems.length) {
              record({ invariant: 'guarded-state', message: `${problems.join('; ')} (after batch ${batchNo}, requests #${batchNo * BATCH}..#${index})` });
              epoch.broken = 'guarded state lost';
            }
          }
        }
        index++;
        const wait = minRequestMs - (Date.now() - t0);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    } finally {
      for (const f of await endEpoch(epoch, capBytes, summaries)) record(f);
    }
    if (epoch.broken) log(`fuzz: epoch ${epochs} ended early (${epoch.broken}) at request #${index}; restarting the server`);
  }

  const elapsedMs = Date.now() - started;
  log(`fuzz: seed=${opts.seed} ${index} requests in ${(elapsedMs / 1000).toFixed(1)} s over ${epochs} server(s); ${distinct.size} distinct finding(s)`);
  return { seed: opts.seed, requests: index, elapsedMs, epochs, findings: [...distinct.values()], histogram, summaries, notes };
}
