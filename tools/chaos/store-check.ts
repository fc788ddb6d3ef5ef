/**
 * The store consistency check through the API, after the cluster has
 * converged. One resourceVersion R (the namespaces list's) is fixed; for
 * every listable resource the API serves (discovery, preferred versions;
 * metrics.k8s.io is computed, not stored, and is left out):
 *
 * 1. the list at exactly R (`resourceVersionMatch=Exact`, read from the store
 *    at that revision) is well-formed (invariants.ts, listProblems);
 * 2. the same list paged (limit 25, continue tokens) is the same snapshot;
 * 3. a watch from R works and, replayed onto the list at R, rebuilds the
 *    list the watch cache serves now (key -> resourceVersion), with events in
 *    strictly increasing order: the store's history, its snapshot at R and
 *    the cache agree.
 *
 * This does not read the store's files. The offline check is the store's own
 * verify(), which does not exist yet: see STORE VERIFY HOOK in run.ts.
 */
import type { Api } from './api.js';
import { listProblems, replayWatch, stateDiff, stateOf, type ListJson, type WatchEvent } from './invariants.js';

export interface ServedResource {
  /** Collection path across namespaces: `/api/v1/pods`, `/apis/apps/v1/deployments`. */
  path: string;
  name: string;
  kind: string;
  namespaced: boolean;
  watchable: boolean;
}

interface ApiResourceList {
  resources: Array<{ name: string; kind: string; namespaced: boolean; verbs: string[] }>;
}

/** The listable resources of /api/v1 and of each group's preferred version (no subresources). */
export async function discover(api: Api): Promise<ServedResource[]> {
  const versions: string[] = ['/api/v1'];
  const groups = await api.get<{ groups: Array<{ name: string; preferredVersion: { groupVersion: string } }> }>('/apis');
  for (const g of groups.groups) if (g.name !== 'metrics.k8s.io') versions.push(`/apis/${g.preferredVersion.groupVersion}`);
  const out: ServedResource[] = [];
  for (const v of versions) {
    const list = await api.get<ApiResourceList>(v);
    for (const r of list.resources) {
      if (r.name.includes('/') || !r.verbs.includes('list')) continue;
      out.push({
        path: `${v}/${r.name}`,
        name: `${r.name}${v === '/api/v1' ? '' : `.${v.split('/')[2]}`}`,
        kind: r.kind,
        namespaced: r.namespaced,
        watchable: r.verbs.includes('watch'),
      });
    }
  }
  return out;
}

export interface ResourceCheck {
  resource: string;
  items: number;
  watchEvents: number;
  problems: string[];
}

export interface StoreCheck {
  rv: string;
  ok: boolean;
  resources: ResourceCheck[];
}

type Items = Array<{ metadata?: { name?: unknown; namespace?: unknown; uid?: unknown; resourceVersion?: unknown } }>;

/** The list at exactly `rv`, paged by `limit` (continue tokens keep the snapshot). */
async function pagedList(api: Api, r: ServedResource, rv: string, limit: number): Promise<{ items: Items; problems: string[] }> {
  const items: Items = [];
  const problems: string[] = [];
  let query = `resourceVersion=${rv}&resourceVersionMatch=Exact&limit=${limit}`;
  for (let page = 0; page < 10_000; page++) {
    const l = await api.get<ListJson & { items: Items }>(`${r.path}?${query}`);
    if (l.metadata?.resourceVersion !== rv) problems.push(`page ${page}: resourceVersion ${String(l.metadata?.resourceVersion)}, want ${rv}`);
    if (l.items.length > limit) problems.push(`page ${page}: ${l.items.length} items over the limit ${limit}`);
    items.push(...l.items);
    const cont = l.metadata?.continue;
    if (typeof cont !== 'string' || cont === '') break;
    query = `limit=${limit}&continue=${encodeURIComponent(cont)}`;
  }
  return { items, problems };
}

/**
 * Opens a watch from `rv`, lists the cache now (revision N), and reads events
 * until the replay onto `atRv` equals that list, or the replay is complete
 * (past N) and differs, or `timeoutMs` passes.
 */
async function watchAgrees(
  api: Api,
  r: ServedResource,
  rv: string,
  atRv: Map<string, string>,
  timeoutMs: number,
): Promise<{ events: number; problems: string[] }> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeoutMs);
  const events: WatchEvent[] = [];
  try {
    const res = await fetch(`${api.base}${r.path}?watch=1&allowWatchBookmarks=true&resourceVersion=${rv}`, { signal: ctl.signal });
    if (res.status !== 200 || !res.body) return { events: 0, problems: [`watch from ${rv}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`] };
    const now = await api.get<ListJson & { items: Items }>(r.path);
    const nowRv = String(now.metadata?.resourceVersion);
    const want = stateOf(now.items);
    const judge = (): { done: boolean; problems: string[] } => {
      const replay = replayWatch(atRv, events, rv, nowRv);
      const diff = stateDiff(replay.state, want);
      if (replay.problems.length > 0) return { done: true, problems: replay.problems };
      if (diff.length === 0) return { done: true, problems: [] };
      return { done: replay.complete, problems: diff.slice(0, 20).map((d) => `watch from ${rv} replayed to ${nowRv} vs the list now: ${d}`) };
    };
    let verdict = judge();
    if (verdict.done) return { events: events.length, problems: verdict.problems };
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body) {
        buf += decoder.decode(chunk as Uint8Array, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) events.push(JSON.parse(line) as WatchEvent);
        }
        verdict = judge();
        if (verdict.done) return { events: events.length, problems: verdict.problems };
      }
    } catch (err) {
      if (!ctl.signal.aborted) throw err;
    }
    verdict = judge();
    return { events: events.length, problems: verdict.problems.length ? verdict.problems : [] };
  } finally {
    clearTimeout(timer);
    ctl.abort();
  }
}

export async function checkStore(api: Api, opts: { watchTimeoutMs?: number; pageLimit?: number } = {}): Promise<StoreCheck> {
  const resources = await discover(api);
  const rv = (await api.get<ListJson>('/api/v1/namespaces')).metadata?.resourceVersion;
  if (typeof rv !== 'string') throw new Error('the namespaces list has no resourceVersion');
  const checks: ResourceCheck[] = [];
  for (const r of resources) {
    const check: ResourceCheck = { resource: r.name, items: 0, watchEvents: 0, problems: [] };
    checks.push(check);
    try {
      const exact = await api.get<ListJson & { items: Items }>(`${r.path}?resourceVersion=${rv}&resourceVersionMatch=Exact`);
      check.items = Array.isArray(exact.items) ? exact.items.length : 0;
      check.problems.push(...listProblems(exact, { kind: r.kind, rv, namespaced: r.namespaced }));
      if (!Array.isArray(exact.items)) continue;
      const atRv = stateOf(exact.items);
      const paged = await pagedList(api, r, rv, opts.pageLimit ?? 25);
      check.problems.push(...paged.problems, ...stateDiff(stateOf(paged.items), atRv).map((d) => `paged list at ${rv}: ${d}`));
      if (r.watchable) {
        const w = await watchAgrees(api, r, rv, atRv, opts.watchTimeoutMs ?? 15_000);
        check.watchEvents = w.events;
        check.problems.push(...w.problems);
      }
    } catch (err) {
      check.problems.push(`error: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { rv, ok: checks.every((c) => c.problems.length === 0), resources: checks };
}
