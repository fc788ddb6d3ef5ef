import { describe, expect, it } from 'vitest';
import type { FieldError } from '../field-errors.js';
import type { JsonObject } from './json.js';
import { POD_UPDATABLE_FIELDS, validatePod, validatePodStatusUpdate, validatePodUpdate } from './pod.js';

function pod(spec: JsonObject = {}, extra: JsonObject = {}): JsonObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: 'u1', creationTimestamp: '2024-01-01T00:00:00Z' },
    spec: {
      containers: [{ name: 'app', image: 'busybox', imagePullPolicy: 'IfNotPresent' }],
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      ...spec,
    },
    ...extra,
  };
}

function container(extra: JsonObject): JsonObject {
  return { name: 'app', image: 'busybox', ...extra };
}

function fields(errs: FieldError[]): [string, string][] {
  return errs.map((e) => [e.type, e.field]);
}

describe('validatePod: valid pods', () => {
  it('accepts a realistic pod', () => {
    const errs = validatePod(
      pod({
        volumes: [
          { name: 'data', emptyDir: { sizeLimit: '1Gi' } },
          { name: 'cfg', configMap: { name: 'cfg', items: [{ key: 'a', path: 'a.conf', mode: 0o644 }] } },
          { name: 'sec', secret: { secretName: 's', defaultMode: 0o400 } },
          { name: 'host', hostPath: { path: '/var/log', type: 'Directory' } },
        ],
        initContainers: [{ name: 'init', image: 'busybox', command: ['true'] }],
        containers: [
          {
            name: 'app',
            image: 'busybox',
            ports: [
              { name: 'http', containerPort: 80, protocol: 'TCP' },
              { containerPort: 53, protocol: 'UDP', hostPort: 5353 },
            ],
            env: [
              { name: 'A', value: 'x' },
              { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'LBL', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
              { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
              { name: 'K', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'a' } } },
            ],
            envFrom: [{ configMapRef: { name: 'cfg' } }, { prefix: 'S_', secretRef: { name: 's' } }],
            resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: 1, memory: '128Mi' } },
            volumeMounts: [
              { name: 'data', mountPath: '/data' },
              { name: 'cfg', mountPath: '/etc/cfg', subPath: 'a.conf' },
            ],
            livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10, successThreshold: 1 },
            readinessProbe: { tcpSocket: { port: 80 }, successThreshold: 3 },
            startupProbe: { exec: { command: ['true'] } },
            lifecycle: { preStop: { sleep: { seconds: 5 } } },
          },
        ],
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        tolerations: [
          { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
          { operator: 'Exists' },
          { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
        ],
        terminationGracePeriodSeconds: 30,
        activeDeadlineSeconds: 600,
        serviceAccountName: 'default',
        nodeName: 'node-1',
      }),
    );
    expect(errs).toEqual([]);
  });
});

describe('validatePod: spec rules', () => {
  it.each<[string, JsonObject, [string, string][], string?]>([
    ['containers required', { containers: [] }, [['FieldValueRequired', 'spec.containers']]],
    ['container name required', { containers: [container({ name: '' })] }, [['FieldValueRequired', 'spec.containers[0].name']]],
    ['container name is a DNS label', { containers: [container({ name: 'App_1' })] }, [['FieldValueInvalid', 'spec.containers[0].name']], 'RFC 1123 label'],
    [
      'container names unique across init and app containers',
      { initContainers: [container({})], containers: [container({})] },
      [['FieldValueDuplicate', 'spec.containers[0].name']],
      'Duplicate value: "app"',
    ],
    ['image required', { containers: [container({ image: '' })] }, [['FieldValueRequired', 'spec.containers[0].image']]],
    [
      'image whitespace',
      { containers: [container({ image: ' busybox' })] },
      [['FieldValueInvalid', 'spec.containers[0].image']],
      'must not have leading or trailing whitespace',
    ],
    [
      'imagePullPolicy enum',
      { containers: [container({ imagePullPolicy: 'Sometimes' })] },
      [['FieldValueNotSupported', 'spec.containers[0].imagePullPolicy']],
      'supported values: "Always", "IfNotPresent", "Never"',
    ],
    [
      'restartPolicy enum',
      { restartPolicy: 'Sometimes' },
      [['FieldValueNotSupported', 'spec.restartPolicy']],
      'supported values: "Always", "OnFailure", "Never"',
    ],
    ['restartPolicy empty', { restartPolicy: '' }, [['FieldValueRequired', 'spec.restartPolicy']]],
    ['dnsPolicy enum', { dnsPolicy: 'Magic' }, [['FieldValueNotSupported', 'spec.dnsPolicy']]],
    ['dnsPolicy None needs dnsConfig', { dnsPolicy: 'None' }, [['FieldValueRequired', 'spec.dnsConfig']], 'must provide `dnsConfig` when `dnsPolicy` is None'],
    [
      'port out of range',
      { containers: [container({ ports: [{ containerPort: 70000 }] })] },
      [['FieldValueInvalid', 'spec.containers[0].ports[0].containerPort']],
      'must be between 1 and 65535, inclusive',
    ],
    ['port required', { containers: [container({ ports: [{ name: 'http' }] })] }, [['FieldValueRequired', 'spec.containers[0].ports[0].containerPort']]],
    [
      'protocol enum',
      { containers: [container({ ports: [{ containerPort: 80, protocol: 'HTTP' }] })] },
      [['FieldValueNotSupported', 'spec.containers[0].ports[0].protocol']],
      'supported values: "SCTP", "TCP", "UDP"',
    ],
    [
      'hostPort range',
      { containers: [container({ ports: [{ containerPort: 80, hostPort: 70000 }] })] },
      [['FieldValueInvalid', 'spec.containers[0].ports[0].hostPort']],
    ],
    [
      'duplicate port names',
      {
        containers: [
          container({
            ports: [
              { name: 'http', containerPort: 80 },
              { name: 'http', containerPort: 81 },
            ],
          }),
        ],
      },
      [['FieldValueDuplicate', 'spec.containers[0].ports[1].name']],
    ],
    [
      'bad port name',
      { containers: [container({ ports: [{ name: 'HTTP', containerPort: 80 }] })] },
      [
        ['FieldValueInvalid', 'spec.containers[0].ports[0].name'],
        ['FieldValueInvalid', 'spec.containers[0].ports[0].name'],
      ],
      'must contain only alpha-numeric characters',
    ],
    [
      'hostPort conflict',
      {
        containers: [
          container({ ports: [{ containerPort: 80, hostPort: 8080, protocol: 'TCP' }] }),
          container({ name: 'b', ports: [{ containerPort: 81, hostPort: 8080, protocol: 'TCP' }] }),
        ],
      },
      [['FieldValueDuplicate', 'spec.containers[1].ports[0].hostPort']],
      'Duplicate value: "TCP//8080"',
    ],
    [
      'hostNetwork requires hostPort == containerPort',
      { hostNetwork: true, containers: [container({ ports: [{ containerPort: 80, hostPort: 81 }] })] },
      [['FieldValueInvalid', 'spec.containers[0].ports[0].hostPort']],
      'must match `containerPort` when `hostNetwork` is true',
    ],
    [
      'terminationGracePeriodSeconds >= 0',
      { terminationGracePeriodSeconds: -1 },
      [['FieldValueInvalid', 'spec.terminationGracePeriodSeconds']],
      'must be greater than or equal to 0',
    ],
    [
      'activeDeadlineSeconds > 0',
      { activeDeadlineSeconds: 0 },
      [['FieldValueInvalid', 'spec.activeDeadlineSeconds']],
      'must be between 1 and 2147483647, inclusive',
    ],
    ['nodeSelector labels', { nodeSelector: { 'bad key': 'x' } }, [['FieldValueInvalid', 'spec.nodeSelector']]],
    ['nodeName subdomain', { nodeName: 'Node_1' }, [['FieldValueInvalid', 'spec.nodeName']]],
    [
      'ephemeral containers on create',
      { ephemeralContainers: [{ name: 'debug', image: 'busybox' }] },
      [['FieldValueForbidden', 'spec.ephemeralContainers']],
      'cannot be set on create',
    ],
  ])('%s', (_name, spec, expected, fragment) => {
    const errs = validatePod(pod(spec));
    expect(fields(errs)).toEqual(expected);
    if (fragment) expect(errs[0]?.message).toContain(fragment);
  });
});

describe('validatePod: env, resources, probes', () => {
  it.each<[string, JsonObject, [string, string][], string?]>([
    [
      'env name required',
      { env: [{ name: '' }] },
      [
        ['FieldValueRequired', 'spec.containers[0].env[0].name'],
        ['FieldValueInvalid', 'spec.containers[0].env[0].name'],
      ],
    ],
    ['env name with =', { env: [{ name: 'A=B' }] }, [['FieldValueInvalid', 'spec.containers[0].env[0].name']], "printable ASCII characters other than '='"],
    [
      'valueFrom with no source',
      { env: [{ name: 'A', valueFrom: {} }] },
      [['FieldValueInvalid', 'spec.containers[0].env[0].valueFrom']],
      'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
    ],
    [
      'valueFrom with two sources',
      { env: [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'metadata.name' }, secretKeyRef: { name: 's', key: 'k' } } }] },
      [['FieldValueInvalid', 'spec.containers[0].env[0].valueFrom']],
      'may not have more than one field specified at a time',
    ],
    [
      'valueFrom with value',
      { env: [{ name: 'A', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] },
      [['FieldValueInvalid', 'spec.containers[0].env[0].valueFrom']],
      'may not be specified when `value` is not empty',
    ],
    [
      'unsupported fieldRef path',
      { env: [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'spec.containers' } } }] },
      [['FieldValueNotSupported', 'spec.containers[0].env[0].valueFrom.fieldRef.fieldPath']],
    ],
    [
      'secretKeyRef key required',
      { env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's', key: '' } } }] },
      [['FieldValueRequired', 'spec.containers[0].env[0].valueFrom.secretKeyRef.key']],
    ],
    [
      'envFrom needs a source',
      { envFrom: [{ prefix: 'X' }] },
      [['FieldValueInvalid', 'spec.containers[0].envFrom']],
      'must specify one of: `configMapRef` or `secretRef`',
    ],
    [
      'invalid quantity',
      { resources: { limits: { cpu: 'lots' } } },
      [['FieldValueInvalid', 'spec.containers[0].resources.limits[cpu]']],
      'quantities must match the regular expression',
    ],
    [
      'negative quantity',
      { resources: { requests: { memory: '-1Mi' } } },
      [['FieldValueInvalid', 'spec.containers[0].resources.requests[memory]']],
      'Invalid value: "-1Mi": must be greater than or equal to 0',
    ],
    [
      'requests above limits',
      { resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } },
      [['FieldValueInvalid', 'spec.containers[0].resources.requests']],
      'Invalid value: "2": must be less than or equal to cpu limit of 1',
    ],
    [
      'unknown resource',
      { resources: { limits: { gpus: '1' } } },
      [['FieldValueInvalid', 'spec.containers[0].resources.limits[gpus]']],
      'must be a standard resource type or fully qualified',
    ],
    [
      'non-container resource',
      { resources: { limits: { pods: '1' } } },
      [['FieldValueInvalid', 'spec.containers[0].resources.limits[pods]']],
      'must be a standard resource for containers',
    ],
    [
      'extended resources need equal limits',
      { resources: { requests: { 'example.com/gpu': '1' } } },
      [['FieldValueRequired', 'spec.containers[0].resources.limits']],
      'Limit must be set for non overcommitable resources',
    ],
    [
      'extended resources are integers',
      { resources: { limits: { 'example.com/gpu': '500m' } } },
      [['FieldValueInvalid', 'spec.containers[0].resources.limits[example.com/gpu]']],
      'must be an integer',
    ],
    [
      'probe needs a handler',
      { livenessProbe: { periodSeconds: 1 } },
      [['FieldValueRequired', 'spec.containers[0].livenessProbe']],
      'must specify a handler type',
    ],
    [
      'probe with two handlers',
      { readinessProbe: { exec: { command: ['true'] }, tcpSocket: { port: 80 } } },
      [['FieldValueForbidden', 'spec.containers[0].readinessProbe.tcpSocket']],
      'may not specify more than 1 handler type',
    ],
    [
      'negative probe period',
      { readinessProbe: { exec: { command: ['x'] }, periodSeconds: -1 } },
      [['FieldValueInvalid', 'spec.containers[0].readinessProbe.periodSeconds']],
    ],
    [
      'liveness successThreshold must be 1',
      { livenessProbe: { exec: { command: ['x'] }, successThreshold: 2 } },
      [['FieldValueInvalid', 'spec.containers[0].livenessProbe.successThreshold']],
      'must be 1',
    ],
    ['exec command required', { startupProbe: { exec: { command: [] } } }, [['FieldValueRequired', 'spec.containers[0].startupProbe.exec.command']]],
    ['httpGet port', { livenessProbe: { httpGet: { path: '/', port: 0 } } }, [['FieldValueInvalid', 'spec.containers[0].livenessProbe.httpGet.port']]],
    [
      'httpGet scheme',
      { livenessProbe: { httpGet: { port: 80, scheme: 'FTP' } } },
      [['FieldValueNotSupported', 'spec.containers[0].livenessProbe.httpGet.scheme']],
    ],
    [
      'sleep beyond grace period',
      { lifecycle: { preStop: { sleep: { seconds: 60 } } } },
      [['FieldValueInvalid', 'spec.containers[0].lifecycle.preStop.sleep.seconds']],
      'less than terminationGracePeriodSeconds (30)',
    ],
    [
      'restartPolicy on app container',
      { restartPolicy: 'Always' },
      [['FieldValueForbidden', 'spec.containers[0].restartPolicy']],
      'may not be set for non-init containers',
    ],
  ])('%s', (_name, extra, expected, fragment) => {
    const errs = validatePod(pod({ containers: [container(extra)] }));
    expect(fields(errs)).toEqual(expected);
    if (fragment) expect(errs[0]?.message).toContain(fragment);
  });

  it('forbids probes on init containers unless they are sidecars', () => {
    const probe = { exec: { command: ['true'] } };
    expect(fields(validatePod(pod({ initContainers: [container({ name: 'i', readinessProbe: probe })] })))).toEqual([
      ['FieldValueForbidden', 'spec.initContainers[0].readinessProbe'],
    ]);
    expect(validatePod(pod({ initContainers: [container({ name: 'i', restartPolicy: 'Always', readinessProbe: probe })] }))).toEqual([]);
    expect(fields(validatePod(pod({ initContainers: [container({ name: 'i', restartPolicy: 'Never' })] })))).toEqual([
      ['FieldValueNotSupported', 'spec.initContainers[0].restartPolicy'],
    ]);
  });
});

describe('validatePod: volumes and mounts', () => {
  it.each<[string, JsonObject, [string, string][], string?]>([
    ['volume needs a source', { volumes: [{ name: 'v' }] }, [['FieldValueRequired', 'spec.volumes[0]']], 'must specify a volume type'],
    [
      'volume with two sources',
      { volumes: [{ name: 'v', emptyDir: {}, secret: { secretName: 's' } }] },
      [['FieldValueForbidden', 'spec.volumes[0].secret']],
      'may not specify more than 1 volume type',
    ],
    ['volume name required', { volumes: [{ emptyDir: {} }] }, [['FieldValueRequired', 'spec.volumes[0].name']]],
    ['volume name DNS label', { volumes: [{ name: 'V_1', emptyDir: {} }] }, [['FieldValueInvalid', 'spec.volumes[0].name']]],
    [
      'duplicate volumes',
      {
        volumes: [
          { name: 'v', emptyDir: {} },
          { name: 'v', emptyDir: {} },
        ],
      },
      [['FieldValueDuplicate', 'spec.volumes[1].name']],
    ],
    ['hostPath path required', { volumes: [{ name: 'v', hostPath: { path: '' } }] }, [['FieldValueRequired', 'spec.volumes[0].hostPath.path']]],
    ['hostPath type enum', { volumes: [{ name: 'v', hostPath: { path: '/x', type: 'Pipe' } }] }, [['FieldValueNotSupported', 'spec.volumes[0].hostPath.type']]],
    ['secretName required', { volumes: [{ name: 'v', secret: {} }] }, [['FieldValueRequired', 'spec.volumes[0].secret.secretName']]],
    ['configMap name required', { volumes: [{ name: 'v', configMap: {} }] }, [['FieldValueRequired', 'spec.volumes[0].configMap.name']]],
    [
      'claimName required',
      { volumes: [{ name: 'v', persistentVolumeClaim: {} }] },
      [['FieldValueRequired', 'spec.volumes[0].persistentVolumeClaim.claimName']],
    ],
    [
      'defaultMode range',
      { volumes: [{ name: 'v', secret: { secretName: 's', defaultMode: 0o1000 } }] },
      [['FieldValueInvalid', 'spec.volumes[0].secret.defaultMode']],
      'must be a number between 0 and 0777 (octal), both inclusive',
    ],
    [
      'item path climbs out',
      { volumes: [{ name: 'v', configMap: { name: 'c', items: [{ key: 'k', path: '../x' }] } }] },
      [
        ['FieldValueInvalid', 'spec.volumes[0].configMap.items[0].path'],
        ['FieldValueInvalid', 'spec.volumes[0].configMap.items[0].path'],
      ],
    ],
    [
      'emptyDir negative sizeLimit',
      { volumes: [{ name: 'v', emptyDir: { sizeLimit: '-1' } }] },
      [['FieldValueForbidden', 'spec.volumes[0].emptyDir.sizeLimit']],
    ],
    [
      'projected source needs one type',
      { volumes: [{ name: 'v', projected: { sources: [{}] } }] },
      [['FieldValueRequired', 'spec.volumes[0].projected.sources[0]']],
    ],
  ])('%s', (_name, spec, expected, fragment) => {
    const errs = validatePod(pod(spec));
    expect(fields(errs)).toEqual(expected);
    if (fragment) expect(errs[0]?.message).toContain(fragment);
  });

  it('volumeMounts must reference volumes and have unique paths', () => {
    const errs = validatePod(
      pod({
        volumes: [{ name: 'data', emptyDir: {} }],
        containers: [
          container({
            volumeMounts: [
              { name: 'missing', mountPath: '/a' },
              { name: 'data', mountPath: '/a' },
              { name: 'data', mountPath: '' },
              { name: 'data', mountPath: '/b', subPath: '/abs' },
            ],
          }),
        ],
      }),
    );
    expect(fields(errs)).toEqual([
      ['FieldValueInvalid', 'spec.containers[0].volumeMounts[0].name'],
      ['FieldValueInvalid', 'spec.containers[0].volumeMounts[1].mountPath'],
      ['FieldValueRequired', 'spec.containers[0].volumeMounts[2].mountPath'],
      ['FieldValueInvalid', 'spec.containers[0].volumeMounts[3].subPath'],
    ]);
    expect(errs[0]?.message).toContain('Invalid value: "missing": not found');
    expect(errs[1]?.message).toBe('Invalid value: "/a": must be unique');
  });
});

describe('tolerations', () => {
  it.each<[string, JsonObject, [string, string][], string?]>([
    [
      'empty key needs Exists',
      { operator: 'Equal', value: 'x' },
      [['FieldValueInvalid', 'spec.tolerations[0].operator']],
      'operator must be Exists when `key` is empty',
    ],
    [
      'Exists with value',
      { key: 'k', operator: 'Exists', value: 'x' },
      [['FieldValueInvalid', 'spec.tolerations[0].operator']],
      "value must be empty when `operator` is 'Exists'",
    ],
    ['operator enum', { key: 'k', operator: 'Like' }, [['FieldValueNotSupported', 'spec.tolerations[0].operator']], 'supported values: "Equal", "Exists"'],
    ['effect enum', { key: 'k', effect: 'Maybe' }, [['FieldValueNotSupported', 'spec.tolerations[0].effect']], '"NoSchedule", "PreferNoSchedule", "NoExecute"'],
    [
      'tolerationSeconds needs NoExecute',
      { key: 'k', effect: 'NoSchedule', tolerationSeconds: 5 },
      [['FieldValueInvalid', 'spec.tolerations[0].effect']],
      "effect must be 'NoExecute' when `tolerationSeconds` is set",
    ],
    ['bad key', { key: 'a b', operator: 'Exists' }, [['FieldValueInvalid', 'spec.tolerations[0].key']]],
  ])('%s', (_name, toleration, expected, fragment) => {
    const errs = validatePod(pod({ tolerations: [toleration] }));
    expect(fields(errs)).toEqual(expected);
    if (fragment) expect(errs[0]?.message).toContain(fragment);
  });
});

describe('validatePodUpdate', () => {
  const old = pod({ tolerations: [{ key: 'a', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }], activeDeadlineSeconds: 100 });
  const withSpec = (spec: JsonObject): JsonObject => ({ ...old, spec: { ...(old['spec'] as JsonObject), ...spec } });

  it('allows image, activeDeadlineSeconds (down), tolerations (additions) and tolerationSeconds changes', () => {
    const updated = withSpec({
      containers: [{ name: 'app', image: 'busybox:2', imagePullPolicy: 'IfNotPresent' }],
      activeDeadlineSeconds: 50,
      tolerations: [
        { key: 'a', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 20 },
        { key: 'b', operator: 'Exists' },
      ],
    });
    expect(validatePodUpdate(updated, old)).toEqual([]);
  });

  it('treats absent and empty fields alike', () => {
    expect(validatePodUpdate(withSpec({ volumes: [], nodeSelector: {} }), old)).toEqual([]);
  });

  it('forbids other spec changes with Kubernetes message', () => {
    const errs = validatePodUpdate(withSpec({ restartPolicy: 'Never' }), old);
    expect(fields(errs)).toEqual([['FieldValueForbidden', 'spec']]);
    expect(errs[0]?.message).toContain(`Forbidden: pod updates may not change fields other than ${POD_UPDATABLE_FIELDS}`);
    expect(errs[0]?.message).toContain('spec.restartPolicy');
  });

  it('forbids adding containers', () => {
    const errs = validatePodUpdate(withSpec({ containers: [container({}), container({ name: 'b' })] }), old);
    expect(fields(errs)).toEqual([['FieldValueForbidden', 'spec.containers']]);
    expect(errs[0]?.message).toBe('Forbidden: pod updates may not add or remove containers');
  });

  it('activeDeadlineSeconds may only decrease and not be removed', () => {
    expect(validatePodUpdate(withSpec({ activeDeadlineSeconds: 200 }), old)[0]?.message).toBe(
      'Invalid value: 200: must be less than or equal to previous value',
    );
    const removed = withSpec({});
    delete (removed['spec'] as JsonObject)['activeDeadlineSeconds'];
    expect(validatePodUpdate(removed, old)[0]?.message).toContain('must not update from a positive integer to nil value');
  });

  it('existing tolerations may not change', () => {
    const errs = validatePodUpdate(withSpec({ tolerations: [{ key: 'a', operator: 'Exists', effect: 'NoSchedule' }] }), old);
    expect(errs[0]).toEqual({
      type: 'FieldValueForbidden',
      field: 'spec.tolerations',
      message: 'Forbidden: existing toleration can not be modified except its tolerationSeconds',
    });
  });

  it('terminationGracePeriodSeconds may go from negative to 1', () => {
    const negative = withSpec({ terminationGracePeriodSeconds: -1 });
    const fixed = { ...negative, spec: { ...(negative['spec'] as JsonObject), terminationGracePeriodSeconds: 1 } };
    expect(validatePodUpdate(fixed, negative)).toEqual([]);
    const changed = { ...negative, spec: { ...(negative['spec'] as JsonObject), terminationGracePeriodSeconds: 5 } };
    expect(fields(validatePodUpdate(changed, negative))).toEqual([['FieldValueForbidden', 'spec']]);
  });

  it('metadata identity is immutable', () => {
    const renamed = { ...old, metadata: { ...(old['metadata'] as JsonObject), name: 'other' } };
    expect(fields(validatePodUpdate(renamed, old))).toEqual([['FieldValueInvalid', 'metadata.name']]);
  });
});

describe('validatePodStatusUpdate', () => {
  const old = pod({ restartPolicy: 'Never' }, { status: { containerStatuses: [{ name: 'app', state: { terminated: { exitCode: 0 } } }] } });

  it('accepts valid IPs', () => {
    const updated = { ...old, status: { phase: 'Running', podIP: '10.0.0.2', podIPs: [{ ip: '10.0.0.2' }], hostIP: '192.168.1.1' } };
    expect(validatePodStatusUpdate(updated, old)).toEqual([]);
  });

  it('rejects invalid IPs and node names', () => {
    const updated = { ...old, status: { podIPs: [{ ip: 'nope' }], nominatedNodeName: 'Bad_Node' } };
    expect(fields(validatePodStatusUpdate(updated, old))).toEqual([
      ['FieldValueInvalid', 'status.podIPs[0]'],
      ['FieldValueInvalid', 'status.nominatedNodeName'],
    ]);
  });

  it('a terminated container may not restart under restartPolicy Never', () => {
    const updated = { ...old, status: { containerStatuses: [{ name: 'app', state: { running: {} } }] } };
    const errs = validatePodStatusUpdate(updated, old);
    expect(fields(errs)).toEqual([['FieldValueForbidden', 'status.containerStatuses[0].state']]);
    expect(errs[0]?.message).toBe('Forbidden: may not be transitioned to non-terminated state');
  });
});
