/**
 * Defaulting: Kubernetes' `SetDefaults_*` functions for the kinds served here, applied in
 * place to a decoded object (see decode.ts) before validation, one function per kind (the API server's resource definitions call
 * them). Idempotent: running it twice
 * changes nothing more, so the API server runs it on every create, update and patch.
 *
 * Besides pure defaulting, Pods get the values that Kubernetes' admission plugins add on
 * create (a Pod has no admission chain here): `serviceAccountName: default`
 * (ServiceAccount plugin) and `priority: 0` / `preemptionPolicy: PreemptLowerPriority`
 * (Priority plugin, without PriorityClasses). Values that Kubernetes' registries set only on
 * create are in `defaultNamespaceOnCreate`, because re-applying them on update would undo changes
 * made later in the object's life (a Namespace's `kubernetes` finalizer is removed by the
 * namespace controller and must not come back).
 */
import type { Deployment, ReplicaSet } from './schemas/apps.js';
import type { HPAScalingRules, HorizontalPodAutoscaler } from './schemas/autoscaling.js';
import type { Container, HTTPGetAction, Pod, PodSpec, PodTemplateSpec, Probe, Volume } from './schemas/core-pod.js';
import type { Endpoints, Namespace, Node, Secret, Service } from './schemas/core.js';
import { setOwn } from './own.js';

/** 0644: the mode of files projected from ConfigMaps, Secrets and the downward API. */
export const DEFAULT_VOLUME_MODE = 420;
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
export const NAMESPACE_FINALIZER_KUBERNETES = 'kubernetes';
/** Label Kubernetes puts on every Namespace, holding its name. */
export const LABEL_METADATA_NAME = 'kubernetes.io/metadata.name';

/**
 * Create-only values of a Namespace (Kubernetes sets them in the registry's
 * PrepareForCreate): the `kubernetes` finalizer. Run after `defaultNamespace`.
 */
export function defaultNamespaceOnCreate(ns: Namespace): void {
  const spec = (ns.spec ??= {});
  const finalizers = (spec.finalizers ??= []);
  if (!finalizers.includes(NAMESPACE_FINALIZER_KUBERNETES)) finalizers.push(NAMESPACE_FINALIZER_KUBERNETES);
}

// Pods and pod templates

export function defaultPod(pod: Pod): void {
  const spec = (pod.spec ??= { containers: [] });
  // Only Pods (not templates) copy limits into missing requests.
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    const limits = c.resources?.limits;
    if (!limits) continue;
    const requests = (c.resources!.requests ??= {});
    // Own properties only: resource names are user keys (`constructor` is not "in" every map).
    for (const [name, value] of Object.entries(limits)) if (!Object.hasOwn(requests, name)) setOwn(requests, name, value);
  }
  spec.enableServiceLinks ??= true;
  defaultPodSpec(spec);
  // Admission-time values (ServiceAccount and Priority plugins).
  spec.serviceAccountName ||= spec.serviceAccount || 'default';
  spec.serviceAccount = spec.serviceAccountName;
  if (spec.priority === undefined && !spec.priorityClassName) spec.priority = 0;
  spec.preemptionPolicy ||= 'PreemptLowerPriority';
}

/** `SetDefaults_PodTemplateSpec` and below: what a ReplicaSet's or Deployment's template gets. */
export function defaultPodTemplate(template: PodTemplateSpec | undefined): void {
  if (template?.spec) defaultPodSpec(template.spec);
}

/** PodSpec defaults shared by Pods and pod templates (`SetDefaults_PodSpec` and the types it holds). */
export function defaultPodSpec(spec: PodSpec): void {
  spec.dnsPolicy ||= 'ClusterFirst';
  spec.restartPolicy ||= 'Always';
  spec.securityContext ??= {};
  spec.terminationGracePeriodSeconds ??= DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
  spec.schedulerName ||= DEFAULT_SCHEDULER_NAME;
  // serviceAccount is the deprecated alias of serviceAccountName; Kubernetes keeps them equal.
  if (!spec.serviceAccountName && spec.serviceAccount) spec.serviceAccountName = spec.serviceAccount;
  if (spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;
  for (const c of spec.containers ?? []) defaultContainer(c, spec.hostNetwork === true);
  for (const c of spec.initContainers ?? []) defaultContainer(c, spec.hostNetwork === true);
  for (const v of spec.volumes ?? []) defaultVolume(v);
}

/** `SetDefaults_Container` plus its ports, probes, lifecycle handlers and env. */
export function defaultContainer(c: Container, hostNetwork = false): void {
  c.imagePullPolicy ||= imageTag(c.image ?? '') === 'latest' ? 'Always' : 'IfNotPresent';
  c.terminationMessagePath ||= '/dev/termination-log';
  c.terminationMessagePolicy ||= 'File';
  for (const p of c.ports ?? []) {
    p.protocol ||= 'TCP';
    // With the host's network the container port is the host port.
    if (hostNetwork && !p.hostPort) p.hostPort = p.containerPort;
  }
  for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) if (probe) defaultProbe(probe);
  for (const handler of [c.lifecycle?.postStart, c.lifecycle?.preStop]) if (handler?.httpGet) defaultHTTPGet(handler.httpGet);
  for (const e of c.env ?? []) {
    const fieldRef = e.valueFrom?.fieldRef;
    if (fieldRef) fieldRef.apiVersion ||= 'v1';
  }
}

function defaultProbe(p: Probe): void {
  p.timeoutSeconds ||= 1;
  p.periodSeconds ||= 10;
  p.successThreshold ||= 1;
  p.failureThreshold ||= 3;
  if (p.httpGet) defaultHTTPGet(p.httpGet);
}

function defaultHTTPGet(h: HTTPGetAction): void {
  h.path ||= '/';
  h.scheme ||= 'HTTP';
}

function defaultVolume(v: Volume): void {
  // A volume naming no source is an emptyDir.
  if (Object.keys(v).every((k) => k === 'name')) v.emptyDir = {};
  if (v.configMap) v.configMap.defaultMode ??= DEFAULT_VOLUME_MODE;
  if (v.secret) v.secret.defaultMode ??= DEFAULT_VOLUME_MODE;
  if (v.projected) v.projected['defaultMode'] ??= DEFAULT_VOLUME_MODE;
  if (v.downwardAPI) v.downwardAPI['defaultMode'] ??= DEFAULT_VOLUME_MODE;
  if (v.hostPath) v.hostPath.type ??= '';
}

/**
 * The tag of an image reference, as Kubernetes' image-name parser sees it: `latest` when the
 * reference has neither tag nor digest, `''` when it has only a digest. A registry port
 * (`localhost:5000/app`) is not a tag.
 */
export function imageTag(image: string): string {
  if (image === '') return '';
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) return name.slice(colon + 1);
  return at >= 0 ? '' : 'latest';
}

// Services and endpoints

export function defaultService(svc: Service): void {
  const spec = (svc.spec ??= {});
  spec.sessionAffinity ||= 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP' && spec.sessionAffinityConfig?.clientIP?.timeoutSeconds === undefined) {
    spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
  }
  spec.type ||= 'ClusterIP';
  for (const p of spec.ports ?? []) {
    p.protocol ||= 'TCP';
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  const externallyAccessible = spec.type === 'LoadBalancer' || spec.type === 'NodePort' || (spec.type === 'ClusterIP' && (spec.externalIPs?.length ?? 0) > 0);
  if (externallyAccessible) spec.externalTrafficPolicy ||= 'Cluster';
  if (spec.internalTrafficPolicy === undefined && ['ClusterIP', 'NodePort', 'LoadBalancer'].includes(spec.type)) {
    spec.internalTrafficPolicy = 'Cluster';
  }
  if (spec.type === 'LoadBalancer') {
    spec.allocateLoadBalancerNodePorts ??= true;
    for (const ingress of svc.status?.loadBalancer?.ingress ?? []) if (ingress.ip) ingress.ipMode ??= 'VIP';
  }
  // Kubernetes always shows `status: {loadBalancer: {}}`: ServiceStatus and
  // its LoadBalancerStatus are Go structs, which omitempty never leaves out.
  (svc.status ??= {}).loadBalancer ??= {};
}

export function defaultEndpoints(ep: Endpoints): void {
  for (const subset of ep.subsets ?? []) for (const p of subset.ports ?? []) p.protocol ||= 'TCP';
}

// Workloads

export function defaultReplicaSet(rs: ReplicaSet): void {
  const spec = (rs.spec ??= { selector: {} });
  spec.replicas ??= 1;
  defaultPodTemplate(spec.template);
}

export function defaultDeployment(d: Deployment): void {
  const spec = (d.spec ??= { selector: {}, template: {} });
  spec.replicas ??= 1;
  const strategy = (spec.strategy ??= {});
  strategy.type ||= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const rolling = (strategy.rollingUpdate ??= {});
    rolling.maxUnavailable ??= '25%';
    rolling.maxSurge ??= '25%';
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  defaultPodTemplate(spec.template);
}

/** The CPU target an HPA without metrics gets (`autoscaling.DefaultCPUUtilization`). */
export const DEFAULT_HPA_CPU_UTILIZATION = 80;

export function defaultHorizontalPodAutoscaler(hpa: HorizontalPodAutoscaler): void {
  const spec = hpa.spec;
  if (!spec) return;
  spec.minReplicas ??= 1;
  if (!spec.metrics || spec.metrics.length === 0) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_HPA_CPU_UTILIZATION } } }];
  }
  // Only a behavior that is present is completed; an absent one stays absent.
  if (spec.behavior) {
    spec.behavior.scaleUp = completeScalingRules(spec.behavior.scaleUp, {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [
        { type: 'Pods', value: 4, periodSeconds: 15 },
        { type: 'Percent', value: 100, periodSeconds: 15 },
      ],
    });
    // scaleDown's stabilization window stays unset: the controller's flag decides it (300s).
    spec.behavior.scaleDown = completeScalingRules(spec.behavior.scaleDown, {
      selectPolicy: 'Max',
      policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
    });
  }
}

function completeScalingRules(given: HPAScalingRules | undefined, defaults: HPAScalingRules): HPAScalingRules {
  const out: HPAScalingRules = { ...defaults };
  if (given?.selectPolicy !== undefined) out.selectPolicy = given.selectPolicy;
  if (given?.stabilizationWindowSeconds !== undefined) out.stabilizationWindowSeconds = given.stabilizationWindowSeconds;
  if (given?.policies !== undefined) out.policies = given.policies;
  return out;
}

// Config, namespaces, nodes

export function defaultSecret(secret: Secret): void {
  secret.type ||= 'Opaque';
}

export function defaultNamespace(ns: Namespace): void {
  const name = ns.metadata?.name;
  if (name) {
    const labels = (ns.metadata!.labels ??= {});
    labels[LABEL_METADATA_NAME] = name;
  }
  const status = (ns.status ??= {});
  status.phase ||= 'Active';
}

export function defaultNode(node: Node): void {
  const status = node.status;
  if (status?.capacity && !status.allocatable) status.allocatable = { ...status.capacity };
}
