/**
 * The `metrics.k8s.io/v1beta1` group (this folder), served outside the
 * resource catalog: appended by the app to the `/apis` list http/discovery.ts
 * builds from the catalog, so kubectl finds it (`kubectl top` checks for
 * metrics.k8s.io in `/apis` first).
 */
import { metricsApiGroup } from './metrics-handler.js';

type Doc = Record<string, unknown>;

/** `/apis`: the metrics group appended. */
export function extendGroupList(list: Doc): Doc {
  const groups = (list['groups'] as Doc[] | undefined) ?? [];
  if (groups.some((g) => g['name'] === 'metrics.k8s.io')) return list;
  return { ...list, groups: [...groups, metricsApiGroup()] };
}
