import { describe, expect, it } from 'vitest';
import { CRI_PROTO_PATH, loadCriServices } from './proto.js';
import { IMAGE_SERVICE_RPCS, RUNTIME_SERVICE_RPCS } from './runtime.js';

interface Descriptor {
  type: { field?: Array<{ name: string; number: number }>; value?: Array<{ name: string; number: number }> };
}

/**
 * Field numbers copied by hand from kubernetes/cri-api
 * pkg/apis/runtime/v1/api.proto. Wire compatibility with containerd rests on
 * these: each listed message must have exactly these fields.
 */
const UPSTREAM: Record<string, Record<string, number>> = {
  VersionResponse: { version: 1, runtime_name: 2, runtime_version: 3, runtime_api_version: 4 },
  ContainerEventResponse: { container_id: 1, container_event_type: 2, created_at: 3, pod_sandbox_status: 4, containers_statuses: 5 },
  PodSandboxMetadata: { name: 1, uid: 2, namespace: 3, attempt: 4 },
  PodSandboxConfig: {
    metadata: 1,
    hostname: 2,
    log_directory: 3,
    dns_config: 4,
    port_mappings: 5,
    labels: 6,
    annotations: 7,
    linux: 8,
  },
  PortMapping: { protocol: 1, container_port: 2, host_port: 3, host_ip: 4 },
  RunPodSandboxRequest: { config: 1, runtime_handler: 2 },
  PodSandboxStatus: {
    id: 1,
    metadata: 2,
    state: 3,
    created_at: 4,
    network: 5,
    labels: 7,
    annotations: 8,
    runtime_handler: 9,
  },
  PodSandboxStatusResponse: { status: 1, info: 2, containers_statuses: 3, timestamp: 4 },
  PodSandboxFilter: { id: 1, state: 2, label_selector: 3 },
  PodSandbox: { id: 1, metadata: 2, state: 3, created_at: 4, labels: 5, annotations: 6, runtime_handler: 7 },
  ImageSpec: { image: 1, annotations: 2, user_specified_image: 18, runtime_handler: 19 },
  Mount: { container_path: 1, host_path: 2, readonly: 3, selinux_relabel: 4, propagation: 5, recursive_read_only: 8 },
  LinuxContainerResources: {
    cpu_period: 1,
    cpu_quota: 2,
    cpu_shares: 3,
    memory_limit_in_bytes: 4,
    oom_score_adj: 5,
    cpuset_cpus: 6,
    cpuset_mems: 7,
    unified: 9,
    memory_swap_limit_in_bytes: 10,
  },
  ContainerConfig: {
    metadata: 1,
    image: 2,
    command: 3,
    args: 4,
    working_dir: 5,
    envs: 6,
    mounts: 7,
    labels: 9,
    annotations: 10,
    log_path: 11,
    stdin: 12,
    stdin_once: 13,
    tty: 14,
    linux: 15,
  },
  CreateContainerRequest: { pod_sandbox_id: 1, config: 2, sandbox_config: 3 },
  StopContainerRequest: { container_id: 1, timeout: 2 },
  ContainerFilter: { id: 1, state: 2, pod_sandbox_id: 3, label_selector: 4 },
  Container: {
    id: 1,
    pod_sandbox_id: 2,
    metadata: 3,
    image: 4,
    image_ref: 5,
    state: 6,
    created_at: 7,
    labels: 8,
    annotations: 9,
    image_id: 10,
  },
  ContainerStatus: {
    id: 1,
    metadata: 2,
    state: 3,
    created_at: 4,
    started_at: 5,
    finished_at: 6,
    exit_code: 7,
    image: 8,
    image_ref: 9,
    reason: 10,
    message: 11,
    labels: 12,
    annotations: 13,
    mounts: 14,
    log_path: 15,
    resources: 16,
    image_id: 17,
  },
  ExecSyncRequest: { container_id: 1, cmd: 2, timeout: 3 },
  ExecSyncResponse: { stdout: 1, stderr: 2, exit_code: 3 },
  ContainerStats: { attributes: 1, cpu: 2, memory: 3, writable_layer: 4 },
  CpuUsage: { timestamp: 1, usage_core_nano_seconds: 2, usage_nano_cores: 3 },
  MemoryUsage: {
    timestamp: 1,
    working_set_bytes: 2,
    available_bytes: 3,
    usage_bytes: 4,
    rss_bytes: 5,
    page_faults: 6,
    major_page_faults: 7,
  },
  ContainerStatsFilter: { id: 1, pod_sandbox_id: 2, label_selector: 3 },
  Image: { id: 1, repo_tags: 2, repo_digests: 3, size: 4, uid: 5, username: 6, spec: 7, pinned: 8 },
  PullImageRequest: { image: 1, auth: 2, sandbox_config: 3 },
  StatusResponse: { status: 1, info: 2 },
  FilesystemUsage: { timestamp: 1, fs_id: 2, used_bytes: 3, inodes_used: 4 },
  NamespaceOption: { network: 1, pid: 2, ipc: 3, target_id: 4 },
  LinuxPodSandboxConfig: { cgroup_parent: 1, security_context: 2, sysctls: 3, overhead: 4, resources: 5 },
  LinuxSandboxSecurityContext: {
    namespace_options: 1,
    selinux_options: 2,
    run_as_user: 3,
    readonly_rootfs: 4,
    supplemental_groups: 5,
    privileged: 6,
    run_as_group: 8,
    seccomp: 9,
    apparmor: 10,
  },
  LinuxContainerConfig: { resources: 1, security_context: 2 },
  LinuxContainerSecurityContext: {
    capabilities: 1,
    privileged: 2,
    namespace_options: 3,
    selinux_options: 4,
    run_as_user: 5,
    run_as_username: 6,
    readonly_rootfs: 7,
    supplemental_groups: 8,
    no_new_privs: 11,
    run_as_group: 12,
    masked_paths: 13,
    readonly_paths: 14,
    seccomp: 15,
    apparmor: 16,
  },
  Capability: { add_capabilities: 1, drop_capabilities: 2 },
  SecurityProfile: { profile_type: 1, localhost_ref: 2 },
  SELinuxOption: { user: 1, role: 2, type: 3, level: 4 },
  Int64Value: { value: 1 },
};

const ENUMS: Record<string, Record<string, number>> = {
  ContainerState: { CONTAINER_CREATED: 0, CONTAINER_RUNNING: 1, CONTAINER_EXITED: 2, CONTAINER_UNKNOWN: 3 },
  PodSandboxState: { SANDBOX_READY: 0, SANDBOX_NOTREADY: 1 },
  Protocol: { TCP: 0, UDP: 1, SCTP: 2 },
  NamespaceMode: { POD: 0, CONTAINER: 1, NODE: 2, TARGET: 3 },
  ContainerEventType: { CONTAINER_CREATED_EVENT: 0, CONTAINER_STARTED_EVENT: 1, CONTAINER_STOPPED_EVENT: 2, CONTAINER_DELETED_EVENT: 3 },
};

describe('proto/api.proto', () => {
  const { definition, RuntimeService, ImageService } = loadCriServices();
  const numbers = (name: string, kind: 'field' | 'value'): Record<string, number> => {
    const d = definition[`runtime.v1.${name}`] as Descriptor | undefined;
    if (!d) throw new Error(`runtime.v1.${name} missing from ${CRI_PROTO_PATH}`);
    return Object.fromEntries((d.type[kind] ?? []).map((f) => [f.name, f.number]));
  };

  // proto-loader reports field names camelCased (keepCase: false).
  const camel = (snake: string): string => snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

  it.each(Object.entries(UPSTREAM))('%s has the upstream field names and numbers', (message, fields) => {
    expect(numbers(message, 'field')).toEqual(Object.fromEntries(Object.entries(fields).map(([k, v]) => [camel(k), v])));
  });

  it.each(Object.entries(ENUMS))('enum %s has the upstream values', (name, values) => {
    expect(numbers(name, 'value')).toEqual(values);
  });

  it('nests SecurityProfile.ProfileType with the upstream values', () => {
    const d = definition['runtime.v1.SecurityProfile'] as { type: { enumType?: Array<{ name: string; value: Array<{ name: string; number: number }> }> } };
    const e = d.type.enumType?.find((x) => x.name === 'ProfileType');
    expect(Object.fromEntries((e?.value ?? []).map((v) => [v.name, v.number]))).toEqual({ RuntimeDefault: 0, Unconfined: 1, Localhost: 2 });
  });

  it('defines every RPC the interface names, under package runtime.v1', () => {
    // Every unary RPC, plus the one server stream.
    expect(Object.keys(RuntimeService.service).sort()).toEqual([...RUNTIME_SERVICE_RPCS, 'GetContainerEvents'].sort());
    expect(RuntimeService.service.GetContainerEvents).toMatchObject({ requestStream: false, responseStream: true });
    expect(Object.keys(ImageService.service).sort()).toEqual([...IMAGE_SERVICE_RPCS].sort());
    expect(RuntimeService.service.Version?.path).toBe('/runtime.v1.RuntimeService/Version');
    expect(ImageService.service.PullImage?.path).toBe('/runtime.v1.ImageService/PullImage');
  });

  it('decodes as types.ts promises: camelCase, numbers, enum names, Buffers, defaults', () => {
    const rpc = RuntimeService.service.ContainerStatus;
    const exec = RuntimeService.service.ExecSync;
    if (!rpc || !exec) throw new Error('rpcs missing');
    const wire = rpc.responseSerialize({
      status: { id: 'c1', state: 'CONTAINER_EXITED', createdAt: 1_767_225_600_000_000_000, exitCode: 3, labels: { a: 'b' } },
    });
    const decoded = rpc.responseDeserialize(wire) as { status: Record<string, unknown> };
    expect(decoded.status).toMatchObject({
      id: 'c1',
      state: 'CONTAINER_EXITED',
      exitCode: 3,
      startedAt: 0,
      logPath: '',
      labels: { a: 'b' },
      annotations: {},
      metadata: null,
    });
    expect(decoded.status.createdAt).toBeCloseTo(1_767_225_600_000_000_000, -6);

    const out = exec.responseDeserialize(exec.responseSerialize({ stdout: Buffer.from('hi\n'), exitCode: 1 })) as {
      stdout: Buffer;
      stderr: Buffer;
    };
    expect(Buffer.isBuffer(out.stdout)).toBe(true);
    expect(out.stdout.toString()).toBe('hi\n');
    expect(out.stderr.length).toBe(0);
  });

  it('carries a container security context across the wire, root (uid 0) included', () => {
    const rpc = RuntimeService.service.CreateContainer;
    if (!rpc) throw new Error('rpc missing');
    const securityContext = {
      capabilities: { addCapabilities: ['NET_BIND_SERVICE'], dropCapabilities: ['ALL'] },
      privileged: false,
      namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'NODE' },
      selinuxOptions: { user: 'u', role: 'r', type: 't', level: 's0' },
      runAsUser: { value: 0 },
      runAsGroup: { value: 2000 },
      readonlyRootfs: true,
      supplementalGroups: [3000, 4000],
      noNewPrivs: true,
      maskedPaths: ['/proc/kcore'],
      readonlyPaths: ['/proc/sys'],
      seccomp: { profileType: 'Localhost', localhostRef: '/var/lib/kubelet/seccomp/p.json' },
      apparmor: { profileType: 'Unconfined' },
    };
    const wire = rpc.requestSerialize({ podSandboxId: 's', config: { metadata: { name: 'c' }, image: { image: 'i' }, linux: { securityContext } } });
    const decoded = rpc.requestDeserialize(wire) as { config: { linux: { securityContext: Record<string, unknown> } } };
    expect(decoded.config.linux.securityContext).toMatchObject({
      ...securityContext,
      namespaceOptions: { ...securityContext.namespaceOptions, targetId: '' },
      runAsUsername: '',
    });
    // An absent profile or user stays absent (null), distinct from RuntimeDefault and from root.
    const bare = rpc.requestDeserialize(
      rpc.requestSerialize({ podSandboxId: 's', config: { metadata: { name: 'c' }, image: { image: 'i' }, linux: { securityContext: {} } } }),
    ) as typeof decoded;
    expect(bare.config.linux.securityContext).toMatchObject({ runAsUser: null, seccomp: null, apparmor: null, maskedPaths: [] });
  });
});
