/**
 * core/v1 Pod and everything a kubelet reads from it: containers, probes, volumes,
 * scheduling constraints and the status the kubelet writes back.
 */
import type { Static } from '@sinclair/typebox';
import { LabelSelectorSchema, ObjectMetaSchema } from './meta.js';
import {
  CORE,
  MAP_TYPE,
  PRESERVE_UNKNOWN,
  atomicList,
  bool,
  def,
  int32,
  int64,
  intOrString,
  mapList,
  mapOf,
  opt,
  preserved,
  quantity,
  str,
  stringMap,
  time,
  typeMeta,
} from './schema-kit.js';

const atomicStruct = { [MAP_TYPE]: 'atomic' };

export const ResourceListSchema = mapOf(quantity());
export type ResourceList = Static<typeof ResourceListSchema>;

export const ResourceRequirementsSchema = def(`${CORE}ResourceRequirements`, {
  limits: opt(mapOf(quantity())),
  requests: opt(mapOf(quantity())),
  claims: opt(mapList(def(`${CORE}ResourceClaim`, { name: str(), request: opt(str()) }), { mapKeys: ['name'] })),
});
export type ResourceRequirements = Static<typeof ResourceRequirementsSchema>;

export const ContainerPortSchema = def(`${CORE}ContainerPort`, {
  name: opt(str()),
  hostPort: opt(int32()),
  containerPort: int32(),
  // The default is published (as in Kubernetes' OpenAPI): server-side apply keys ports by it when a port leaves it out.
  protocol: opt(str({ default: 'TCP' })),
  hostIP: opt(str()),
});
export type ContainerPort = Static<typeof ContainerPortSchema>;

export const ObjectFieldSelectorSchema = def(`${CORE}ObjectFieldSelector`, { apiVersion: opt(str()), fieldPath: str() }, atomicStruct);
export const ResourceFieldSelectorSchema = def(
  `${CORE}ResourceFieldSelector`,
  { containerName: opt(str()), resource: str(), divisor: opt(quantity()) },
  atomicStruct,
);
export const ConfigMapKeySelectorSchema = def(`${CORE}ConfigMapKeySelector`, { name: opt(str()), key: str(), optional: opt(bool()) }, atomicStruct);
export const SecretKeySelectorSchema = def(`${CORE}SecretKeySelector`, { name: opt(str()), key: str(), optional: opt(bool()) }, atomicStruct);

export const EnvVarSourceSchema = def(`${CORE}EnvVarSource`, {
  fieldRef: opt(ObjectFieldSelectorSchema),
  resourceFieldRef: opt(ResourceFieldSelectorSchema),
  configMapKeyRef: opt(ConfigMapKeySelectorSchema),
  secretKeyRef: opt(SecretKeySelectorSchema),
});
export type EnvVarSource = Static<typeof EnvVarSourceSchema>;

export const EnvVarSchema = def(`${CORE}EnvVar`, {
  name: str(),
  value: opt(str()),
  valueFrom: opt(EnvVarSourceSchema),
});
export type EnvVar = Static<typeof EnvVarSchema>;

export const EnvFromSourceSchema = def(`${CORE}EnvFromSource`, {
  prefix: opt(str()),
  configMapRef: opt(def(`${CORE}ConfigMapEnvSource`, { name: opt(str()), optional: opt(bool()) })),
  secretRef: opt(def(`${CORE}SecretEnvSource`, { name: opt(str()), optional: opt(bool()) })),
});
export type EnvFromSource = Static<typeof EnvFromSourceSchema>;

export const VolumeMountSchema = def(`${CORE}VolumeMount`, {
  name: str(),
  readOnly: opt(bool()),
  recursiveReadOnly: opt(str()),
  mountPath: str(),
  subPath: opt(str()),
  mountPropagation: opt(str()),
  subPathExpr: opt(str()),
});
export type VolumeMount = Static<typeof VolumeMountSchema>;

export const ExecActionSchema = def(`${CORE}ExecAction`, { command: opt(atomicList(str())) });
export const HTTPHeaderSchema = def(`${CORE}HTTPHeader`, { name: str(), value: str() });
export const HTTPGetActionSchema = def(`${CORE}HTTPGetAction`, {
  path: opt(str()),
  port: intOrString(),
  host: opt(str()),
  scheme: opt(str()),
  httpHeaders: opt(atomicList(HTTPHeaderSchema)),
});
export type HTTPGetAction = Static<typeof HTTPGetActionSchema>;
export const TCPSocketActionSchema = def(`${CORE}TCPSocketAction`, { port: intOrString(), host: opt(str()) });
export const GRPCActionSchema = def(`${CORE}GRPCAction`, { port: int32(), service: opt(str()) });

export const ProbeSchema = def(`${CORE}Probe`, {
  exec: opt(ExecActionSchema),
  httpGet: opt(HTTPGetActionSchema),
  tcpSocket: opt(TCPSocketActionSchema),
  grpc: opt(GRPCActionSchema),
  initialDelaySeconds: opt(int32()),
  timeoutSeconds: opt(int32()),
  periodSeconds: opt(int32()),
  successThreshold: opt(int32()),
  failureThreshold: opt(int32()),
  terminationGracePeriodSeconds: opt(int64()),
});
export type Probe = Static<typeof ProbeSchema>;

export const LifecycleHandlerSchema = def(`${CORE}LifecycleHandler`, {
  exec: opt(ExecActionSchema),
  httpGet: opt(HTTPGetActionSchema),
  tcpSocket: opt(TCPSocketActionSchema),
  sleep: opt(def(`${CORE}SleepAction`, { seconds: int64() })),
});
export type LifecycleHandler = Static<typeof LifecycleHandlerSchema>;

export const LifecycleSchema = def(`${CORE}Lifecycle`, {
  postStart: opt(LifecycleHandlerSchema),
  preStop: opt(LifecycleHandlerSchema),
});
export type Lifecycle = Static<typeof LifecycleSchema>;

const SELinuxOptionsSchema = def(`${CORE}SELinuxOptions`, { user: opt(str()), role: opt(str()), type: opt(str()), level: opt(str()) });
const WindowsOptionsSchema = def(`${CORE}WindowsSecurityContextOptions`, {
  gmsaCredentialSpecName: opt(str()),
  gmsaCredentialSpec: opt(str()),
  runAsUserName: opt(str()),
  hostProcess: opt(bool()),
});
const SeccompProfileSchema = def(`${CORE}SeccompProfile`, { type: str(), localhostProfile: opt(str()) });
const AppArmorProfileSchema = def(`${CORE}AppArmorProfile`, { type: str(), localhostProfile: opt(str()) });

/** Known fields are typed; fields this version does not know are kept (preserve-unknown). */
export const SecurityContextSchema = def(
  `${CORE}SecurityContext`,
  {
    capabilities: opt(def(`${CORE}Capabilities`, { add: opt(atomicList(str())), drop: opt(atomicList(str())) })),
    privileged: opt(bool()),
    seLinuxOptions: opt(SELinuxOptionsSchema),
    windowsOptions: opt(WindowsOptionsSchema),
    runAsUser: opt(int64()),
    runAsGroup: opt(int64()),
    runAsNonRoot: opt(bool()),
    readOnlyRootFilesystem: opt(bool()),
    allowPrivilegeEscalation: opt(bool()),
    procMount: opt(str()),
    seccompProfile: opt(SeccompProfileSchema),
    appArmorProfile: opt(AppArmorProfileSchema),
  },
  { [PRESERVE_UNKNOWN]: true },
);
export type SecurityContext = Static<typeof SecurityContextSchema>;

export const PodSecurityContextSchema = def(
  `${CORE}PodSecurityContext`,
  {
    seLinuxOptions: opt(SELinuxOptionsSchema),
    windowsOptions: opt(WindowsOptionsSchema),
    runAsUser: opt(int64()),
    runAsGroup: opt(int64()),
    runAsNonRoot: opt(bool()),
    supplementalGroups: opt(atomicList(int64())),
    supplementalGroupsPolicy: opt(str()),
    fsGroup: opt(int64()),
    sysctls: opt(atomicList(def(`${CORE}Sysctl`, { name: str(), value: str() }))),
    fsGroupChangePolicy: opt(str()),
    seccompProfile: opt(SeccompProfileSchema),
    appArmorProfile: opt(AppArmorProfileSchema),
    seLinuxChangePolicy: opt(str()),
  },
  { [PRESERVE_UNKNOWN]: true },
);
export type PodSecurityContext = Static<typeof PodSecurityContextSchema>;

export const ContainerSchema = def(`${CORE}Container`, {
  name: str(),
  image: opt(str()),
  command: opt(atomicList(str())),
  args: opt(atomicList(str())),
  workingDir: opt(str()),
  ports: opt(mapList(ContainerPortSchema, { mergeKey: 'containerPort', mapKeys: ['containerPort', 'protocol'] })),
  envFrom: opt(atomicList(EnvFromSourceSchema)),
  env: opt(mapList(EnvVarSchema, { mergeKey: 'name', mapKeys: ['name'] })),
  resources: opt(ResourceRequirementsSchema),
  resizePolicy: opt(atomicList(def(`${CORE}ContainerResizePolicy`, { resourceName: str(), restartPolicy: str() }))),
  restartPolicy: opt(str()),
  volumeMounts: opt(mapList(VolumeMountSchema, { mergeKey: 'mountPath', mapKeys: ['mountPath'] })),
  volumeDevices: opt(mapList(def(`${CORE}VolumeDevice`, { name: str(), devicePath: str() }), { mergeKey: 'devicePath', mapKeys: ['devicePath'] })),
  livenessProbe: opt(ProbeSchema),
  readinessProbe: opt(ProbeSchema),
  startupProbe: opt(ProbeSchema),
  lifecycle: opt(LifecycleSchema),
  terminationMessagePath: opt(str()),
  terminationMessagePolicy: opt(str()),
  imagePullPolicy: opt(str()),
  securityContext: opt(SecurityContextSchema),
  stdin: opt(bool()),
  stdinOnce: opt(bool()),
  tty: opt(bool()),
});
export type Container = Static<typeof ContainerSchema>;

export const KeyToPathSchema = def(`${CORE}KeyToPath`, { key: str(), path: str(), mode: opt(int32()) });
export type KeyToPath = Static<typeof KeyToPathSchema>;

export const EmptyDirVolumeSourceSchema = def(`${CORE}EmptyDirVolumeSource`, { medium: opt(str()), sizeLimit: opt(quantity()) });
export const ConfigMapVolumeSourceSchema = def(`${CORE}ConfigMapVolumeSource`, {
  name: opt(str()),
  items: opt(atomicList(KeyToPathSchema)),
  defaultMode: opt(int32()),
  optional: opt(bool()),
});
export const SecretVolumeSourceSchema = def(`${CORE}SecretVolumeSource`, {
  secretName: opt(str()),
  items: opt(atomicList(KeyToPathSchema)),
  defaultMode: opt(int32()),
  optional: opt(bool()),
});
export const HostPathVolumeSourceSchema = def(`${CORE}HostPathVolumeSource`, { path: str(), type: opt(str()) });
export const PersistentVolumeClaimVolumeSourceSchema = def(`${CORE}PersistentVolumeClaimVolumeSource`, {
  claimName: str(),
  readOnly: opt(bool()),
});

/**
 * A pod volume. emptyDir, configMap, secret, hostPath and persistentVolumeClaim are typed;
 * the other Kubernetes volume sources are accepted and kept as sent (the kubelet here does
 * not mount them, validation decides whether to reject them).
 */
export const VolumeSchema = def(`${CORE}Volume`, {
  name: str(),
  emptyDir: opt(EmptyDirVolumeSourceSchema),
  configMap: opt(ConfigMapVolumeSourceSchema),
  secret: opt(SecretVolumeSourceSchema),
  hostPath: opt(HostPathVolumeSourceSchema),
  persistentVolumeClaim: opt(PersistentVolumeClaimVolumeSourceSchema),
  projected: opt(preserved(`${CORE}ProjectedVolumeSource`)),
  downwardAPI: opt(preserved(`${CORE}DownwardAPIVolumeSource`)),
  ephemeral: opt(preserved(`${CORE}EphemeralVolumeSource`)),
  csi: opt(preserved(`${CORE}CSIVolumeSource`)),
  image: opt(preserved(`${CORE}ImageVolumeSource`)),
  nfs: opt(preserved(`${CORE}NFSVolumeSource`)),
  iscsi: opt(preserved(`${CORE}ISCSIVolumeSource`)),
  fc: opt(preserved(`${CORE}FCVolumeSource`)),
  rbd: opt(preserved(`${CORE}RBDVolumeSource`)),
  cephfs: opt(preserved(`${CORE}CephFSVolumeSource`)),
  glusterfs: opt(preserved(`${CORE}GlusterfsVolumeSource`)),
  gitRepo: opt(preserved(`${CORE}GitRepoVolumeSource`)),
  flexVolume: opt(preserved(`${CORE}FlexVolumeSource`)),
  cinder: opt(preserved(`${CORE}CinderVolumeSource`)),
  flocker: opt(preserved(`${CORE}FlockerVolumeSource`)),
  gcePersistentDisk: opt(preserved(`${CORE}GCEPersistentDiskVolumeSource`)),
  awsElasticBlockStore: opt(preserved(`${CORE}AWSElasticBlockStoreVolumeSource`)),
  azureFile: opt(preserved(`${CORE}AzureFileVolumeSource`)),
  azureDisk: opt(preserved(`${CORE}AzureDiskVolumeSource`)),
  vsphereVolume: opt(preserved(`${CORE}VsphereVirtualDiskVolumeSource`)),
  quobyte: opt(preserved(`${CORE}QuobyteVolumeSource`)),
  photonPersistentDisk: opt(preserved(`${CORE}PhotonPersistentDiskVolumeSource`)),
  portworxVolume: opt(preserved(`${CORE}PortworxVolumeSource`)),
  scaleIO: opt(preserved(`${CORE}ScaleIOVolumeSource`)),
  storageos: opt(preserved(`${CORE}StorageOSVolumeSource`)),
});
export type Volume = Static<typeof VolumeSchema>;

export const NodeSelectorRequirementSchema = def(`${CORE}NodeSelectorRequirement`, {
  key: str(),
  operator: str(),
  values: opt(atomicList(str())),
});
export type NodeSelectorRequirement = Static<typeof NodeSelectorRequirementSchema>;

export const NodeSelectorTermSchema = def(
  `${CORE}NodeSelectorTerm`,
  {
    matchExpressions: opt(atomicList(NodeSelectorRequirementSchema)),
    matchFields: opt(atomicList(NodeSelectorRequirementSchema)),
  },
  atomicStruct,
);
export type NodeSelectorTerm = Static<typeof NodeSelectorTermSchema>;

export const NodeSelectorSchema = def(`${CORE}NodeSelector`, { nodeSelectorTerms: atomicList(NodeSelectorTermSchema) }, atomicStruct);

export const NodeAffinitySchema = def(`${CORE}NodeAffinity`, {
  requiredDuringSchedulingIgnoredDuringExecution: opt(NodeSelectorSchema),
  preferredDuringSchedulingIgnoredDuringExecution: opt(
    atomicList(def(`${CORE}PreferredSchedulingTerm`, { weight: int32(), preference: NodeSelectorTermSchema })),
  ),
});
export type NodeAffinity = Static<typeof NodeAffinitySchema>;

export const PodAffinityTermSchema = def(`${CORE}PodAffinityTerm`, {
  labelSelector: opt(LabelSelectorSchema),
  namespaces: opt(atomicList(str())),
  topologyKey: str(),
  namespaceSelector: opt(LabelSelectorSchema),
  matchLabelKeys: opt(atomicList(str())),
  mismatchLabelKeys: opt(atomicList(str())),
});
export type PodAffinityTerm = Static<typeof PodAffinityTermSchema>;

const WeightedPodAffinityTermSchema = def(`${CORE}WeightedPodAffinityTerm`, { weight: int32(), podAffinityTerm: PodAffinityTermSchema });

export const PodAffinitySchema = def(`${CORE}PodAffinity`, {
  requiredDuringSchedulingIgnoredDuringExecution: opt(atomicList(PodAffinityTermSchema)),
  preferredDuringSchedulingIgnoredDuringExecution: opt(atomicList(WeightedPodAffinityTermSchema)),
});
export const PodAntiAffinitySchema = def(`${CORE}PodAntiAffinity`, {
  requiredDuringSchedulingIgnoredDuringExecution: opt(atomicList(PodAffinityTermSchema)),
  preferredDuringSchedulingIgnoredDuringExecution: opt(atomicList(WeightedPodAffinityTermSchema)),
});

export const AffinitySchema = def(`${CORE}Affinity`, {
  nodeAffinity: opt(NodeAffinitySchema),
  podAffinity: opt(PodAffinitySchema),
  podAntiAffinity: opt(PodAntiAffinitySchema),
});
export type Affinity = Static<typeof AffinitySchema>;

export const TolerationSchema = def(`${CORE}Toleration`, {
  key: opt(str()),
  operator: opt(str()),
  value: opt(str()),
  effect: opt(str()),
  tolerationSeconds: opt(int64()),
});
export type Toleration = Static<typeof TolerationSchema>;

export const TopologySpreadConstraintSchema = def(`${CORE}TopologySpreadConstraint`, {
  maxSkew: int32(),
  topologyKey: str(),
  whenUnsatisfiable: str(),
  labelSelector: opt(LabelSelectorSchema),
  minDomains: opt(int32()),
  nodeAffinityPolicy: opt(str()),
  nodeTaintsPolicy: opt(str()),
  matchLabelKeys: opt(atomicList(str())),
});
export type TopologySpreadConstraint = Static<typeof TopologySpreadConstraintSchema>;

export const LocalObjectReferenceSchema = def(`${CORE}LocalObjectReference`, { name: opt(str()) }, atomicStruct);

export const PodSpecSchema = def(`${CORE}PodSpec`, {
  volumes: opt(mapList(VolumeSchema, { mergeKey: 'name', strategy: 'merge,retainKeys', mapKeys: ['name'] })),
  initContainers: opt(mapList(ContainerSchema, { mergeKey: 'name', mapKeys: ['name'] })),
  containers: mapList(ContainerSchema, { mergeKey: 'name', mapKeys: ['name'] }),
  ephemeralContainers: opt(mapList(preserved(`${CORE}EphemeralContainer`), { mergeKey: 'name', mapKeys: ['name'] })),
  restartPolicy: opt(str()),
  terminationGracePeriodSeconds: opt(int64()),
  activeDeadlineSeconds: opt(int64()),
  dnsPolicy: opt(str()),
  nodeSelector: opt(stringMap({ [MAP_TYPE]: 'atomic' })),
  serviceAccountName: opt(str()),
  serviceAccount: opt(str()),
  automountServiceAccountToken: opt(bool()),
  nodeName: opt(str()),
  hostNetwork: opt(bool()),
  hostPID: opt(bool()),
  hostIPC: opt(bool()),
  shareProcessNamespace: opt(bool()),
  securityContext: opt(PodSecurityContextSchema),
  imagePullSecrets: opt(mapList(LocalObjectReferenceSchema, { mergeKey: 'name', mapKeys: ['name'] })),
  hostname: opt(str()),
  subdomain: opt(str()),
  affinity: opt(AffinitySchema),
  schedulerName: opt(str()),
  tolerations: opt(atomicList(TolerationSchema)),
  hostAliases: opt(mapList(def(`${CORE}HostAlias`, { ip: str(), hostnames: opt(atomicList(str())) }), { mergeKey: 'ip', mapKeys: ['ip'] })),
  priorityClassName: opt(str()),
  priority: opt(int32()),
  dnsConfig: opt(
    def(`${CORE}PodDNSConfig`, {
      nameservers: opt(atomicList(str())),
      searches: opt(atomicList(str())),
      options: opt(atomicList(def(`${CORE}PodDNSConfigOption`, { name: opt(str()), value: opt(str()) }))),
    }),
  ),
  readinessGates: opt(atomicList(def(`${CORE}PodReadinessGate`, { conditionType: str() }))),
  runtimeClassName: opt(str()),
  enableServiceLinks: opt(bool()),
  preemptionPolicy: opt(str()),
  overhead: opt(mapOf(quantity())),
  topologySpreadConstraints: opt(mapList(TopologySpreadConstraintSchema, { mergeKey: 'topologyKey', mapKeys: ['topologyKey', 'whenUnsatisfiable'] })),
  setHostnameAsFQDN: opt(bool()),
  os: opt(def(`${CORE}PodOS`, { name: str() })),
  hostUsers: opt(bool()),
  schedulingGates: opt(mapList(def(`${CORE}PodSchedulingGate`, { name: str() }), { mergeKey: 'name', mapKeys: ['name'] })),
  resourceClaims: opt(mapList(preserved(`${CORE}PodResourceClaim`), { mergeKey: 'name', strategy: 'merge,retainKeys', mapKeys: ['name'] })),
  resources: opt(ResourceRequirementsSchema),
});
export type PodSpec = Static<typeof PodSpecSchema>;

export const PodTemplateSpecSchema = def(`${CORE}PodTemplateSpec`, {
  metadata: opt(ObjectMetaSchema),
  spec: opt(PodSpecSchema),
});
export type PodTemplateSpec = Static<typeof PodTemplateSpecSchema>;

export const ContainerStateSchema = def(`${CORE}ContainerState`, {
  waiting: opt(def(`${CORE}ContainerStateWaiting`, { reason: opt(str()), message: opt(str()) })),
  running: opt(def(`${CORE}ContainerStateRunning`, { startedAt: opt(time()) })),
  terminated: opt(
    def(`${CORE}ContainerStateTerminated`, {
      exitCode: int32(),
      signal: opt(int32()),
      reason: opt(str()),
      message: opt(str()),
      startedAt: opt(time()),
      finishedAt: opt(time()),
      containerID: opt(str()),
    }),
  ),
});
export type ContainerState = Static<typeof ContainerStateSchema>;

export const ContainerStatusSchema = def(`${CORE}ContainerStatus`, {
  name: str(),
  state: opt(ContainerStateSchema),
  lastState: opt(ContainerStateSchema),
  ready: bool(),
  restartCount: int32(),
  image: str(),
  imageID: str(),
  containerID: opt(str()),
  started: opt(bool()),
  allocatedResources: opt(mapOf(quantity())),
  resources: opt(ResourceRequirementsSchema),
});
export type ContainerStatus = Static<typeof ContainerStatusSchema>;

export const PodConditionSchema = def(`${CORE}PodCondition`, {
  type: str(),
  status: str(),
  lastProbeTime: opt(time()),
  lastTransitionTime: opt(time()),
  reason: opt(str()),
  message: opt(str()),
});
export type PodCondition = Static<typeof PodConditionSchema>;

export const PodStatusSchema = def(`${CORE}PodStatus`, {
  phase: opt(str()),
  conditions: opt(mapList(PodConditionSchema, { mergeKey: 'type', mapKeys: ['type'] })),
  message: opt(str()),
  reason: opt(str()),
  nominatedNodeName: opt(str()),
  hostIP: opt(str()),
  hostIPs: opt(mapList(def(`${CORE}HostIP`, { ip: str() }), { mergeKey: 'ip', listType: 'atomic' })),
  podIP: opt(str()),
  podIPs: opt(mapList(def(`${CORE}PodIP`, { ip: str() }), { mergeKey: 'ip', mapKeys: ['ip'] })),
  startTime: opt(time()),
  initContainerStatuses: opt(atomicList(ContainerStatusSchema)),
  containerStatuses: opt(atomicList(ContainerStatusSchema)),
  ephemeralContainerStatuses: opt(atomicList(ContainerStatusSchema)),
  qosClass: opt(str()),
  resize: opt(str()),
});
export type PodStatus = Static<typeof PodStatusSchema>;

export const PodSchema = def(`${CORE}Pod`, {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  spec: opt(PodSpecSchema),
  status: opt(PodStatusSchema),
});
export type Pod = Static<typeof PodSchema>;
