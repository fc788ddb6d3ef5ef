/**
 * Discovery entries for the API groups served outside the resource table:
 * `metrics.k8s.io/v1beta1` (this folder) and the `autoscaling/v1` view of
 * HorizontalPodAutoscalers (../autoscaling-v1). Applied by the app on top of
 * the documents http/discovery.ts builds from RESOURCE_TYPES, so `/apis`
 * lists them and kubectl finds them (`kubectl top` checks for metrics.k8s.io
 * in `/apis` first).
 */
import { HPA_V1_RESOURCE_LIST } from '../autoscaling-v1/hpa-v1-handler.js';
import { metricsApiGroup } from './metrics-handler.js';

type Doc = Record<string, unknown>;
interface GroupVersion {
  groupVersion: string;
  version: string;
}

/** Adds autoscaling/v1 (after the preferred v2) to an APIGroup document. */
function withAutoscalingV1(group: Doc): Doc {
  const versions = (group['versions'] as GroupVersion[] | undefined) ?? [];
  if (group['name'] !== 'autoscaling' || versions.some((v) => v.version === 'v1')) return group;
  return { ...group, versions: [...versions, { groupVersion: 'autoscaling/v1', version: 'v1' }] };
}

/** `/apis`: the metrics group appended, autoscaling with v1 too. */
export function extendGroupList(list: Doc): Doc {
  const groups = ((list['groups'] as Doc[] | undefined) ?? []).map(withAutoscalingV1);
  if (!groups.some((g) => g['name'] === 'metrics.k8s.io')) groups.push(metricsApiGroup());
  return { ...list, groups };
}

/** `/apis/{group}` and `/apis/{group}/{version}`: our additions, or `doc` unchanged. */
export function extendGroupDoc(group: string, version: string | undefined, doc: unknown): unknown {
  if (group !== 'autoscaling') return doc;
  if (!version) return doc ? withAutoscalingV1(doc as Doc) : doc;
  if (version === 'v1') return HPA_V1_RESOURCE_LIST;
  return doc;
}
