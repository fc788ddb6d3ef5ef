/**
 * Labels the kubelet puts on every sandbox and container it creates (the
 * names Kubernetes' kubelet uses). They are the only record of which pod a
 * runtime object belongs to: a restarted kubelet adopts what runs by them,
 * and orphan cleanup finds what no pod owns by them.
 */
export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
/** 'init' or 'app'; absent on sandboxes. */
export const LABEL_CONTAINER_KIND = 'io.mk8s.container.kind';

/** On containers: the attempt number, for people reading `docker inspect`. */
export const ANNOTATION_RESTART_COUNT = 'io.kubernetes.container.restartCount';
/** On containers: the pod's terminationGracePeriodSeconds, so an orphan (pod gone from the API) is stopped with it. */
export const ANNOTATION_GRACE_PERIOD = 'io.kubernetes.pod.terminationGracePeriod';

/** The pod a runtime object belongs to, from its labels (undefined if not the kubelet's). */
export function podUidOf(labels: Record<string, string> | undefined): string | undefined {
  const uid = labels?.[LABEL_POD_UID];
  return uid ? uid : undefined;
}
