/**
 * Events about pods, as the kubelet records them (Pulled, Created, Started,
 * Killing, BackOff, Unhealthy, Failed) through the client's `ApiEventRecorder`
 * with source `kubelet` on this node. This file adds only the kubelet's way of
 * naming a container in `involvedObject.fieldPath`.
 */
import type { Pod } from '@mk8s/api';

export { ApiEventRecorder, noopRecorder, type EventRecorder, type EventType } from '@mk8s/client';

/** `spec.containers{name}` or `spec.initContainers{name}`, as Kubernetes writes a container's field path. */
export function containerFieldPath(pod: Pod, containerName: string): string {
  const init = pod.spec?.initContainers?.some((c) => c.name === containerName);
  return `spec.${init ? 'initContainers' : 'containers'}{${containerName}}`;
}
