/**
 * core/v1 kinds other than Pod: Namespace, Node, Service, Endpoints, Event, ConfigMap,
 * Secret and the Binding a scheduler posts to `pods/<name>/binding`.
 */
import type { Static } from '@sinclair/typebox';
import { LocalObjectReferenceSchema } from './core-pod.js';
import { ConditionSchema, ObjectMetaSchema } from './meta.js';
import {
  CORE,
  MAP_TYPE,
  atomicList,
  bool,
  bytes,
  def,
  int32,
  int64,
  intOrString,
  mapList,
  mapOf,
  microTime,
  opt,
  preserved,
  quantity,
  setList,
  str,
  stringMap,
  time,
  typeMeta,
} from './schema-kit.js';

export const ObjectReferenceSchema = def(
  `${CORE}ObjectReference`,
  {
    kind: opt(str()),
    namespace: opt(str()),
    name: opt(str()),
    uid: opt(str()),
    apiVersion: opt(str()),
    resourceVersion: opt(str()),
    fieldPath: opt(str()),
  },
  { [MAP_TYPE]: 'atomic' },
);
export type ObjectReference = Static<typeof ObjectReferenceSchema>;

// Namespace

export const NamespaceSpecSchema = def(`${CORE}NamespaceSpec`, { finalizers: opt(atomicList(str())) });
export const NamespaceConditionSchema = def(`${CORE}NamespaceCondition`, {
  type: str(),
  status: str(),
  lastTransitionTime: opt(time()),
  reason: opt(str()),
  message: opt(str()),
});
export const NamespaceStatusSchema = def(`${CORE}NamespaceStatus`, {
  phase: opt(str()),
  conditions: opt(mapList(NamespaceConditionSchema, { mergeKey: 'type', mapKeys: ['type'] })),
});
export const NamespaceSchema = def(`${CORE}Namespace`, {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  spec: opt(NamespaceSpecSchema),
  status: opt(NamespaceStatusSchema),
});
export type Namespace = Static<typeof NamespaceSchema>;

// Node

export const TaintSchema = def(`${CORE}Taint`, {
  key: str(),
  value: opt(str()),
  effect: str(),
  timeAdded: opt(time()),
});
export type Taint = Static<typeof TaintSchema>;

export const NodeSpecSchema = def(`${CORE}NodeSpec`, {
  podCIDR: opt(str()),
  podCIDRs: opt(setList(str(), true)),
  providerID: opt(str()),
  unschedulable: opt(bool()),
  taints: opt(atomicList(TaintSchema)),
  configSource: opt(preserved(`${CORE}NodeConfigSource`)),
  externalID: opt(str()),
});
export type NodeSpec = Static<typeof NodeSpecSchema>;

export const NodeConditionSchema = def(`${CORE}NodeCondition`, {
  type: str(),
  status: str(),
  lastHeartbeatTime: opt(time()),
  lastTransitionTime: opt(time()),
  reason: opt(str()),
  message: opt(str()),
});
export type NodeCondition = Static<typeof NodeConditionSchema>;

export const NodeAddressSchema = def(`${CORE}NodeAddress`, { type: str(), address: str() });
export type NodeAddress = Static<typeof NodeAddressSchema>;

export const NodeSystemInfoSchema = def(`${CORE}NodeSystemInfo`, {
  machineID: str(),
  systemUUID: str(),
  bootID: str(),
  kernelVersion: str(),
  osImage: str(),
  containerRuntimeVersion: str(),
  kubeletVersion: str(),
  kubeProxyVersion: str(),
  operatingSystem: str(),
  architecture: str(),
  swap: opt(preserved(`${CORE}NodeSwapStatus`)),
});
export type NodeSystemInfo = Static<typeof NodeSystemInfoSchema>;

export const NodeStatusSchema = def(`${CORE}NodeStatus`, {
  capacity: opt(mapOf(quantity())),
  allocatable: opt(mapOf(quantity())),
  phase: opt(str()),
  conditions: opt(mapList(NodeConditionSchema, { mergeKey: 'type', mapKeys: ['type'] })),
  addresses: opt(mapList(NodeAddressSchema, { mergeKey: 'type', mapKeys: ['type'] })),
  daemonEndpoints: opt(
    def(`${CORE}NodeDaemonEndpoints`, {
      // The capital `Port` is Kubernetes' own wire name.
      kubeletEndpoint: opt(def(`${CORE}DaemonEndpoint`, { Port: int32() })),
    }),
  ),
  nodeInfo: opt(NodeSystemInfoSchema),
  images: opt(atomicList(def(`${CORE}ContainerImage`, { names: opt(atomicList(str())), sizeBytes: opt(int64()) }))),
  volumesInUse: opt(atomicList(str())),
  volumesAttached: opt(atomicList(preserved(`${CORE}AttachedVolume`))),
  config: opt(preserved(`${CORE}NodeConfigStatus`)),
  runtimeHandlers: opt(atomicList(preserved(`${CORE}NodeRuntimeHandler`))),
  features: opt(preserved(`${CORE}NodeFeatures`)),
});
export type NodeStatus = Static<typeof NodeStatusSchema>;

export const NodeSchema = def(`${CORE}Node`, {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  spec: opt(NodeSpecSchema),
  status: opt(NodeStatusSchema),
});
export type Node = Static<typeof NodeSchema>;

// Service

export const ServicePortSchema = def(`${CORE}ServicePort`, {
  name: opt(str()),
  // The default is published (as in Kubernetes' OpenAPI): server-side apply keys ports by it when a port leaves it out.
  protocol: opt(str({ default: 'TCP' })),
  appProtocol: opt(str()),
  port: int32(),
  targetPort: opt(intOrString()),
  nodePort: opt(int32()),
});
export type ServicePort = Static<typeof ServicePortSchema>;

export const ServiceSpecSchema = def(`${CORE}ServiceSpec`, {
  ports: opt(mapList(ServicePortSchema, { mergeKey: 'port', mapKeys: ['port', 'protocol'] })),
  selector: opt(stringMap({ [MAP_TYPE]: 'atomic' })),
  clusterIP: opt(str()),
  clusterIPs: opt(atomicList(str())),
  type: opt(str()),
  externalIPs: opt(atomicList(str())),
  sessionAffinity: opt(str()),
  loadBalancerIP: opt(str()),
  loadBalancerSourceRanges: opt(atomicList(str())),
  externalName: opt(str()),
  externalTrafficPolicy: opt(str()),
  healthCheckNodePort: opt(int32()),
  publishNotReadyAddresses: opt(bool()),
  sessionAffinityConfig: opt(
    def(`${CORE}SessionAffinityConfig`, {
      clientIP: opt(def(`${CORE}ClientIPConfig`, { timeoutSeconds: opt(int32()) })),
    }),
  ),
  ipFamilies: opt(atomicList(str())),
  ipFamilyPolicy: opt(str()),
  allocateLoadBalancerNodePorts: opt(bool()),
  loadBalancerClass: opt(str()),
  internalTrafficPolicy: opt(str()),
  trafficDistribution: opt(str()),
});
export type ServiceSpec = Static<typeof ServiceSpecSchema>;

export const LoadBalancerIngressSchema = def(`${CORE}LoadBalancerIngress`, {
  ip: opt(str()),
  hostname: opt(str()),
  ipMode: opt(str()),
  ports: opt(atomicList(def(`${CORE}PortStatus`, { port: int32(), protocol: str(), error: opt(str()) }))),
});
export type LoadBalancerIngress = Static<typeof LoadBalancerIngressSchema>;

export const ServiceStatusSchema = def(`${CORE}ServiceStatus`, {
  loadBalancer: opt(def(`${CORE}LoadBalancerStatus`, { ingress: opt(atomicList(LoadBalancerIngressSchema)) })),
  conditions: opt(mapList(ConditionSchema, { mergeKey: 'type', mapKeys: ['type'] })),
});
export type ServiceStatus = Static<typeof ServiceStatusSchema>;

export const ServiceSchema = def(`${CORE}Service`, {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  spec: opt(ServiceSpecSchema),
  status: opt(ServiceStatusSchema),
});
export type Service = Static<typeof ServiceSchema>;

// Endpoints

export const EndpointAddressSchema = def(
  `${CORE}EndpointAddress`,
  { ip: str(), hostname: opt(str()), nodeName: opt(str()), targetRef: opt(ObjectReferenceSchema) },
  { [MAP_TYPE]: 'atomic' },
);
export type EndpointAddress = Static<typeof EndpointAddressSchema>;

export const EndpointPortSchema = def(
  `${CORE}EndpointPort`,
  { name: opt(str()), port: int32(), protocol: opt(str()), appProtocol: opt(str()) },
  { [MAP_TYPE]: 'atomic' },
);
export type EndpointPort = Static<typeof EndpointPortSchema>;

export const EndpointSubsetSchema = def(`${CORE}EndpointSubset`, {
  addresses: opt(atomicList(EndpointAddressSchema)),
  notReadyAddresses: opt(atomicList(EndpointAddressSchema)),
  ports: opt(atomicList(EndpointPortSchema)),
});
export type EndpointSubset = Static<typeof EndpointSubsetSchema>;

export const EndpointsSchema = def(`${CORE}Endpoints`, {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  subsets: opt(atomicList(EndpointSubsetSchema)),
});
export type Endpoints = Static<typeof EndpointsSchema>;

// Event

export const EventSourceSchema = def(`${CORE}EventSource`, { component: opt(str()), host: opt(str()) });
export type EventSource = Static<typeof EventSourceSchema>;

export const EventSchema = def(`${CORE}Event`, {
  ...typeMeta(),
  metadata: ObjectMetaSchema,
  involvedObject: ObjectReferenceSchema,
  reason: opt(str()),
  message: opt(str()),
  source: opt(EventSourceSchema),
  firstTimestamp: opt(time()),
  lastTimestamp: opt(time()),
  count: opt(int32()),
  type: opt(str()),
  eventTime: opt(microTime()),
  series: opt(def(`${CORE}EventSeries`, { count: opt(int32()), lastObservedTime: opt(microTime()) })),
  action: opt(str()),
  related: opt(ObjectReferenceSchema),
  reportingComponent: opt(str()),
  reportingInstance: opt(str()),
});
export type Event = Static<typeof EventSchema>;

// ConfigMap and Secret

export const ConfigMapSchema = def(`${CORE}ConfigMap`, {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  immutable: opt(bool()),
  data: opt(stringMap()),
  binaryData: opt(mapOf(bytes())),
});
export type ConfigMap = Static<typeof ConfigMapSchema>;

export const SecretSchema = def(`${CORE}Secret`, {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  immutable: opt(bool()),
  /** Values are base64; the decoder rejects values that are not. */
  data: opt(mapOf(bytes())),
  /** Write-only convenience: merged into `data` (encoded) on write, never returned. */
  stringData: opt(stringMap()),
  type: opt(str()),
});
export type Secret = Static<typeof SecretSchema>;

// ServiceAccount

export const ServiceAccountSchema = def(`${CORE}ServiceAccount`, {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  secrets: opt(atomicList(ObjectReferenceSchema)),
  imagePullSecrets: opt(atomicList(LocalObjectReferenceSchema)),
  automountServiceAccountToken: opt(bool()),
});
export type ServiceAccount = Static<typeof ServiceAccountSchema>;

// Binding

export const BindingSchema = def(`${CORE}Binding`, {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  target: ObjectReferenceSchema,
});
export type Binding = Static<typeof BindingSchema>;
