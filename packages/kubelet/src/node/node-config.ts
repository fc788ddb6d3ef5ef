/**
 * What a kubelet says about its node: resources, addresses, labels, taints
 * and system info. `detectNodeConfig` reads host defaults (CPUs, memory,
 * kernel, OS image) that callers override, e.g. to run several small nodes
 * on one host.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { parseQuantity, type NodeAddress, type Taint } from '@mk8s/api';
import type { VersionResponse } from '@mk8s/cri';

/** The version this kubelet reports in `status.nodeInfo.kubeletVersion`. */
export const KUBELET_VERSION = 'v1.32.0-mk8s';

/** Kubernetes' default `--max-pods`. */
export const DEFAULT_MAX_PODS = '110';

/** Quantities as the API writes them ("4", "500m", "8Gi", "110"). */
export interface NodeResources {
  cpu: string;
  memory: string;
  pods: string;
}

export interface NodeInfoConfig {
  kubeletVersion: string;
  /** `<runtimeName>://<runtimeVersion>` from CRI Version, e.g. 'docker://20.10.24'; see `containerRuntimeVersion`. */
  containerRuntimeVersion: string;
  osImage: string;
  kernelVersion: string;
  /** GOOS spelling: 'linux'. */
  operatingSystem: string;
  /** GOARCH spelling: 'amd64', 'arm64'. */
  architecture: string;
  machineID?: string;
  systemUUID?: string;
  bootID?: string;
}

export interface NodeConfig {
  nodeName: string;
  capacity: NodeResources;
  /** What pods may use; default: all of `capacity`. */
  allocatable?: NodeResources;
  /** Extra labels; merged over the default ones (hostname, os, arch). */
  labels?: Record<string, string>;
  /** Applied when the Node is created only (`--register-with-taints`); a restart never touches spec. */
  taints?: Taint[];
  /** InternalIP and Hostname, in that order of preference. */
  addresses: NodeAddress[];
  /** Reported as `status.daemonEndpoints.kubeletEndpoint.Port`: where the API server reaches this kubelet. */
  kubeletPort: number;
  nodeInfo: NodeInfoConfig;
}

/** Everything but the name may be overridden; nested objects merge field by field. */
export type NodeConfigOverrides = Partial<Omit<NodeConfig, 'nodeName' | 'capacity' | 'allocatable' | 'nodeInfo'>> & {
  capacity?: Partial<NodeResources>;
  allocatable?: Partial<NodeResources>;
  nodeInfo?: Partial<NodeInfoConfig>;
};

/** The kubelet's port in Kubernetes. */
export const DEFAULT_KUBELET_PORT = 10250;

/**
 * A NodeConfig from this host: CPUs, total memory (in Ki, as Kubernetes
 * reports it), kernel release, OS image from /etc/os-release, machine and
 * boot ids when readable. The default InternalIP is 127.0.0.1, since an mk8s
 * kubelet serves on loopback and several nodes may share one host; callers
 * pass real addresses through `overrides`. Throws when a resource is not a
 * valid quantity.
 */
export function detectNodeConfig(nodeName: string, overrides: NodeConfigOverrides = {}): NodeConfig {
  const capacity: NodeResources = {
    cpu: String(os.availableParallelism?.() ?? os.cpus().length),
    memory: `${Math.floor(os.totalmem() / 1024)}Ki`,
    pods: DEFAULT_MAX_PODS,
    ...overrides.capacity,
  };
  const nodeInfo: NodeInfoConfig = {
    kubeletVersion: KUBELET_VERSION,
    containerRuntimeVersion: '',
    osImage: detectOsImage(),
    kernelVersion: os.release(),
    operatingSystem: goos(process.platform),
    architecture: goarch(process.arch),
    machineID: readTrimmed('/etc/machine-id'),
    systemUUID: '',
    bootID: readTrimmed('/proc/sys/kernel/random/boot_id'),
    ...overrides.nodeInfo,
  };
  const config: NodeConfig = {
    nodeName,
    capacity,
    addresses: overrides.addresses ?? [
      { type: 'InternalIP', address: '127.0.0.1' },
      { type: 'Hostname', address: nodeName },
    ],
    kubeletPort: overrides.kubeletPort ?? DEFAULT_KUBELET_PORT,
    nodeInfo,
  };
  if (overrides.allocatable) config.allocatable = { ...capacity, ...overrides.allocatable };
  if (overrides.labels) config.labels = { ...overrides.labels };
  if (overrides.taints) config.taints = overrides.taints.map((t) => ({ ...t }));
  validateResources(config);
  return config;
}

/** `allocatable`, defaulting to `capacity`. */
export function allocatableOf(config: NodeConfig): NodeResources {
  return config.allocatable ?? config.capacity;
}

/** Kubernetes' nodeInfo spelling of a CRI Version answer: 'docker://20.10.24'. */
export function containerRuntimeVersion(v: Pick<VersionResponse, 'runtimeName' | 'runtimeVersion'>): string {
  return `${v.runtimeName}://${v.runtimeVersion}`;
}

/** Throws a TypeError naming the field when capacity or allocatable holds something that is not a quantity. */
export function validateResources(config: NodeConfig): void {
  for (const [field, res] of [
    ['capacity', config.capacity],
    ['allocatable', config.allocatable],
  ] as const) {
    if (!res) continue;
    for (const [name, value] of Object.entries(res)) {
      try {
        parseQuantity(value);
      } catch {
        throw new TypeError(`${field}.${name}: ${JSON.stringify(value)} is not a quantity`);
      }
    }
  }
}

function goarch(arch: string): string {
  switch (arch) {
    case 'x64':
      return 'amd64';
    case 'ia32':
      return '386';
    default:
      return arch;
  }
}

function goos(platform: string): string {
  return platform === 'win32' ? 'windows' : platform;
}

function detectOsImage(): string {
  const text = readTrimmed('/etc/os-release');
  const m = text ? /^PRETTY_NAME=(.*)$/m.exec(text) : null;
  const pretty = m?.[1]?.replace(/^"(.*)"$/, '$1');
  return pretty || `${os.type()} ${os.release()}`;
}

function readTrimmed(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** The taint a kubelet registers with under `--cloud-provider external` (Kubernetes does the same): the CCM removes it once it has initialized the node. */
export const EXTERNAL_CLOUD_PROVIDER_TAINT: Taint = { key: 'node.cloudprovider.kubernetes.io/uninitialized', value: 'true', effect: 'NoSchedule' };

/**
 * `--register-with-taints`: `key=value:Effect` or `key:Effect`, comma
 * separated. Throws a TypeError naming the bad entry.
 */
export function parseTaints(value: string | undefined): Taint[] {
  const out: Taint[] = [];
  for (const entry of (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const colon = entry.lastIndexOf(':');
    const effect = colon > 0 ? entry.slice(colon + 1) : '';
    const kv = colon > 0 ? entry.slice(0, colon) : '';
    const eq = kv.indexOf('=');
    const key = eq >= 0 ? kv.slice(0, eq) : kv;
    if (!key || !TAINT_EFFECTS.includes(effect))
      throw new TypeError(`taint "${entry}": want key[=value]:Effect with Effect one of ${TAINT_EFFECTS.join(', ')}`);
    out.push({ key, value: eq >= 0 ? kv.slice(eq + 1) : undefined, effect });
  }
  return out;
}
