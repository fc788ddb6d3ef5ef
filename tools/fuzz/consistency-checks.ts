/**
 * End-of-run checks that the server's views of its own state agree:
 *
 *   list-get    every object a list returns is readable by GET at its own
 *               name (200): nothing was stored under a name that cannot be
 *               addressed, and list and get read the same store;
 *   watch-list  the state rebuilt from a watch opened at the start equals a
 *               fresh list (same keys, same resourceVersions) once the
 *               server is quiet.
 */
import { collectionPath, itemPath, type ServedResource } from './discovery.js';
import type { Finding } from './invariants.js';
import { sendJson, type Target } from './raw-http.js';
import { objectKey, type WatchRecorder } from './watch-recorder.js';

interface ListBody {
  metadata?: { resourceVersion?: string };
  items?: Array<{ metadata?: { name?: string; namespace?: string; resourceVersion?: string } }>;
}

/** At most this many GETs per resource, to keep the check bounded. */
const MAX_ITEMS = 200;

export async function checkListGet(target: Target, resources: ServedResource[]): Promise<{ findings: Finding[]; checked: number }> {
  const findings: Finding[] = [];
  let checked = 0;
  for (const r of resources) {
    const path = collectionPath(r, undefined);
    const { outcome, json } = await sendJson(target, 'GET', path);
    if (outcome.kind !== 'response' || outcome.res.status !== 200) {
      findings.push({
        invariant: 'list-get',
        message: `GET ${path} (list) failed: ${outcome.kind === 'response' ? `${outcome.res.status} ${outcome.res.body.slice(0, 160)}` : outcome.detail}`,
      });
      continue;
    }
    const items = (json as ListBody).items ?? [];
    for (const item of items.slice(0, MAX_ITEMS)) {
      const name = item.metadata?.name ?? '';
      const ns = item.metadata?.namespace;
      const get = itemPath(r, ns, name);
      const res = await sendJson(target, 'GET', get);
      checked++;
      if (res.outcome.kind !== 'response' || res.outcome.res.status !== 200) {
        const status = res.outcome.kind === 'response' ? res.outcome.res.status : res.outcome.kind;
        findings.push({
          invariant: 'list-get',
          status,
          message: `${r.resource} ${JSON.stringify(`${ns ?? ''}/${name}`)} is listed by ${path} but GET ${get.length > 160 ? get.slice(0, 160) + '…' : get} answered ${status}`,
        });
      }
    }
  }
  return { findings, checked };
}

/**
 * Compares a recorder's state with a fresh list, re-listing until they agree
 * or `settleMs` passes (events may still be in flight when the run stops).
 */
export async function checkWatchVsList(target: Target, rec: WatchRecorder, settleMs = 5000): Promise<Finding[]> {
  const deadline = Date.now() + settleMs;
  let diff: string[] = [];
  for (;;) {
    const { outcome, json } = await sendJson(target, 'GET', rec.path);
    if (outcome.kind !== 'response' || outcome.res.status !== 200) {
      return [{ invariant: 'watch-list', message: `list ${rec.path} failed: ${outcome.kind === 'response' ? outcome.res.status : outcome.detail}` }];
    }
    const listed = new Map<string, string>();
    for (const item of (json as ListBody).items ?? []) listed.set(objectKey(item.metadata ?? {}), item.metadata?.resourceVersion ?? '');
    diff = [];
    for (const [k, rv] of listed) {
      const seen = rec.state.get(k);
      if (!seen) diff.push(`${k} listed (rv ${rv}) but absent from the watch`);
      else if (seen.resourceVersion !== rv) diff.push(`${k} listed at rv ${rv} but the watch last saw rv ${seen.resourceVersion}`);
    }
    for (const [k, seen] of rec.state) if (!listed.has(k)) diff.push(`${k} in the watch (rv ${seen.resourceVersion}) but not listed`);
    if (diff.length === 0 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const findings: Finding[] = [];
  if (diff.length) {
    findings.push({
      invariant: 'watch-list',
      message: `${rec.path}: watch state differs from list in ${diff.length} object(s) (${rec.events} events, ${rec.reconnects} reconnects, ${rec.relists} relists): ${diff.slice(0, 5).join('; ')}`,
    });
  }
  for (const p of rec.problems.slice(0, 5)) findings.push({ invariant: 'watch-list', message: p });
  return findings;
}

/** The collections watched from start to end: a few that the fuzzer writes a lot. */
export function watchedPaths(resources: ServedResource[]): string[] {
  const want = ['/namespaces', '/configmaps', '/pods', '/secrets', 'apps/deployments', 'rbac.authorization.k8s.io/roles'];
  return resources
    .filter((r) => r.sub === undefined && r.verbs.includes('watch') && want.includes(`${r.group}/${r.resource}`))
    .filter((r, i, all) => all.findIndex((o) => o.group === r.group && o.resource === r.resource) === i)
    .map((r) => collectionPath(r, undefined));
}
