import { describe, expect, it } from 'vitest';
import { decodeKubernetesProtobuf } from './index.js';
import type { Part } from '../testing/test-wire.js';
import { bool, bytes, entry, envelope, int, intOrString, msg, newObjectMeta, quantity, str } from '../testing/test-wire.js';

// Field numbers below are taken from Kubernetes' generated.proto files, not
// from this package's schema, so each test checks the schema against them.

const T_2024 = Date.UTC(2024, 0, 2, 3, 4, 5) / 1000; // 2024-01-02T03:04:05Z
const time = (field: number, seconds: number, nanos?: number) =>
  nanos === undefined ? msg(field, int(1, seconds)) : msg(field, int(1, seconds), int(2, nanos));

describe('decodeKubernetesProtobuf: core/v1 configuration', () => {
  it('decodes a ConfigMap with data and binaryData (bytes -> base64)', () => {
    const body = envelope(
      'v1',
      'ConfigMap',
      newObjectMeta(
        1,
        'cfg',
        str(3, 'default'),
        entry(11, 'app', (f) => str(f, 'web')),
      ),
      entry(2, 'a', (f) => str(f, 'b')),
      entry(2, 'empty', (f) => str(f, '')),
      entry(3, 'bin', (f) => bytes(f, Uint8Array.of(0, 1, 255))),
      bool(4, false),
      str(99, 'a field this server does not know'),
    );
    expect(decodeKubernetesProtobuf(body)).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cfg', namespace: 'default', labels: { app: 'web' } },
      data: { a: 'b', empty: '' },
      binaryData: { bin: 'AAH/' },
      immutable: false,
    });
  });

  it('reads a map entry without a value as the zero value (Quantity "0")', () => {
    const body = envelope(
      'v1',
      'ResourceQuota',
      newObjectMeta(1, 'q'),
      msg(
        2,
        msg(1, str(1, 'pods')),
        entry(1, 'cpu', (f) => quantity(f, '2')),
      ),
    );
    expect(decodeKubernetesProtobuf(body).spec).toEqual({ hard: { pods: '0', cpu: '2' } });
  });

  it('decodes a Secret (data bytes, stringData, type)', () => {
    const body = envelope(
      'v1',
      'Secret',
      newObjectMeta(1, 'creds'),
      entry(2, 'password', (f) => bytes(f, new TextEncoder().encode('s3cr3t'))),
      entry(4, 'user', (f) => str(f, 'admin')),
      str(3, 'Opaque'),
    );
    expect(decodeKubernetesProtobuf(body)).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds' },
      data: { password: Buffer.from('s3cr3t').toString('base64') },
      stringData: { user: 'admin' },
      type: 'Opaque',
    });
  });

  it('decodes a Namespace; Time becomes RFC 3339, owner refs and finalizers survive', () => {
    const body = envelope(
      'v1',
      'Namespace',
      msg(
        1,
        str(1, 'team-a'),
        time(8, T_2024),
        entry(12, 'note', (f) => str(f, 'x')),
        msg(13, str(5, 'v1'), str(1, 'ConfigMap'), str(3, 'owner'), str(4, 'uid-1'), bool(6, true), bool(7, false)),
        str(14, 'example.com/cleanup'),
        int(10, 0),
      ),
      msg(2, str(1, 'kubernetes')),
      msg(3, str(1, 'Active')),
    );
    expect(decodeKubernetesProtobuf(body)).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'team-a',
        creationTimestamp: '2024-01-02T03:04:05Z',
        annotations: { note: 'x' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: 'uid-1', controller: true, blockOwnerDeletion: false }],
        finalizers: ['example.com/cleanup'],
        deletionGracePeriodSeconds: 0,
      },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  });
});

describe('decodeKubernetesProtobuf: workloads', () => {
  const container = (...extra: Part[]) =>
    msg(
      2,
      str(1, 'busybox'),
      str(2, 'busybox'),
      str(5, ''),
      msg(6, str(1, ''), int(2, 0), int(3, 8080), str(4, ''), str(5, '')),
      msg(
        8,
        entry(1, 'memory', (f) => quantity(f, '128Mi')),
        entry(2, 'cpu', (f) => quantity(f, '100m')),
        entry(2, 'memory', (f) => quantity(f, '64Mi')),
      ),
      str(13, ''),
      str(14, 'IfNotPresent'),
      bool(16, false),
      ...extra,
    );

  it('decodes a Deployment like `kubectl create deployment web --image=busybox --replicas=3`', () => {
    const body = envelope(
      'apps/v1',
      'Deployment',
      newObjectMeta(
        1,
        'web',
        entry(11, 'app', (f) => str(f, 'web')),
      ),
      msg(
        2,
        int(1, 3),
        msg(
          2,
          entry(1, 'app', (f) => str(f, 'web')),
        ),
        msg(
          3,
          newObjectMeta(
            1,
            '',
            entry(11, 'app', (f) => str(f, 'web')),
          ),
          msg(2, container(), str(3, '')),
        ),
        msg(4, str(1, 'RollingUpdate'), msg(2, intOrString(1, '25%'), intOrString(2, 1))),
        int(5, 0),
        int(6, 0),
        bool(7, false),
      ),
      msg(3, int(1, 0), int(2, 0)),
    );
    expect(decodeKubernetesProtobuf(body)).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [
              {
                name: 'busybox',
                image: 'busybox',
                ports: [{ containerPort: 8080 }],
                resources: { limits: { memory: '128Mi' }, requests: { cpu: '100m', memory: '64Mi' } },
                imagePullPolicy: 'IfNotPresent',
              },
            ],
          },
        },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 1 } },
        revisionHistoryLimit: 0,
      },
      status: {},
    });
  });

  it('keeps pointer zeros: replicas 0 and an IntOrString 0', () => {
    const body = envelope('apps/v1', 'Deployment', newObjectMeta(1, 'idle'), msg(2, int(1, 0), msg(4, msg(2, intOrString(1, 0), intOrString(2, '50%')))));
    const spec = decodeKubernetesProtobuf(body).spec as Record<string, unknown>;
    expect(spec.replicas).toBe(0);
    expect(spec.strategy).toEqual({ rollingUpdate: { maxUnavailable: 0, maxSurge: '50%' } });
  });

  it('decodes a ReplicaSet and an autoscaling/v1 Scale', () => {
    const rs = envelope(
      'apps/v1',
      'ReplicaSet',
      newObjectMeta(1, 'web-1', msg(13, str(5, 'apps/v1'), str(1, 'Deployment'), str(3, 'web'), str(4, 'u'), bool(6, true))),
      msg(
        2,
        int(1, 2),
        msg(
          2,
          entry(1, 'app', (f) => str(f, 'web')),
        ),
        int(4, 0),
      ),
      msg(3, int(1, 0), int(3, 4)),
    );
    expect(decodeKubernetesProtobuf(rs)).toMatchObject({
      metadata: { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'u', controller: true }] },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } } },
      status: { replicas: 0, observedGeneration: 4 },
    });
    const scale = envelope('autoscaling/v1', 'Scale', newObjectMeta(1, 'web'), msg(2, int(1, 0)), msg(3, int(1, 3), str(2, 'app=web')));
    expect(decodeKubernetesProtobuf(scale)).toEqual({
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: { name: 'web' },
      spec: { replicas: 0 },
      status: { replicas: 3, selector: 'app=web' },
    });
  });

  it('decodes a Pod with probes, env, volumes, scheduling, security context and status', () => {
    const body = envelope(
      'v1',
      'Pod',
      newObjectMeta(1, 'p1', str(3, 'default')),
      msg(
        2,
        msg(1, str(1, 'cache'), msg(2, msg(2, str(1, 'Memory'), quantity(2, '1Gi')))),
        msg(1, str(1, 'cfg'), msg(2, msg(19, msg(1, str(1, 'app-config')), msg(2, str(1, 'k'), str(2, 'k.txt'), int(3, 0o400)), int(3, 420)))),
        msg(1, str(1, 'sec'), msg(2, msg(6, str(1, 'creds'), int(3, 256), bool(4, false)))),
        msg(1, str(1, 'host'), msg(2, msg(1, str(1, '/var/log'), str(2, 'Directory')))),
        msg(1, str(1, 'data'), msg(2, msg(10, str(1, 'claim'), bool(2, true)))),
        msg(
          1,
          str(1, 'proj'),
          msg(
            2,
            msg(
              26,
              msg(1, msg(2, msg(1, str(1, 'labels'), msg(2, str(1, 'v1'), str(2, 'metadata.labels'))))),
              msg(1, msg(4, str(1, ''), int(2, 3600), str(3, 'token'))),
            ),
          ),
        ),
        msg(
          2,
          str(1, 'app'),
          str(2, 'busybox'),
          str(3, 'httpd'),
          str(4, '-f'),
          msg(7, str(1, 'MODE'), str(2, 'prod')),
          msg(7, str(1, 'POD_IP'), str(2, ''), msg(3, msg(1, str(1, 'v1'), str(2, 'status.podIP')))),
          msg(7, str(1, 'LEVEL'), msg(3, msg(3, msg(1, str(1, 'app-config')), str(2, 'level'), bool(3, false)))),
          msg(19, str(1, 'S_'), msg(3, msg(1, str(1, 'creds')))),
          msg(9, str(1, 'cache'), bool(2, false), str(3, '/cache')),
          msg(10, msg(1, msg(2, str(1, '/healthz'), intOrString(2, 8080), str(4, 'HTTP'))), int(2, 5), int(4, 10)),
          msg(11, msg(1, msg(3, intOrString(1, 'http')))),
          msg(22, msg(1, msg(1, str(1, 'cat'), str(1, '/tmp/ready'))), int(6, 30)),
          msg(15, msg(1, str(2, 'ALL')), int(4, 0), bool(7, false)),
        ),
        str(3, 'Always'),
        int(4, 0),
        entry(7, 'disk', (f) => str(f, 'ssd')),
        bool(11, false),
        bool(21, false),
        msg(18, msg(1, msg(1, msg(1, msg(1, str(1, 'zone'), str(2, 'In'), str(3, 'a'), str(3, 'b')))))),
        msg(22, str(1, 'node.kubernetes.io/not-ready'), str(2, 'Exists'), str(4, 'NoExecute'), int(5, 300)),
      ),
      msg(
        3,
        str(1, 'Running'),
        msg(2, str(1, 'Ready'), str(2, 'True'), msg(3), time(4, T_2024)),
        str(6, '10.0.0.5'),
        time(7, T_2024),
        msg(8, str(1, 'app'), msg(2, msg(2, time(1, T_2024))), bool(4, false), int(5, 0), str(6, 'busybox'), bool(9, true)),
      ),
    );
    expect(decodeKubernetesProtobuf(body)).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p1', namespace: 'default' },
      spec: {
        volumes: [
          { name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } },
          { name: 'cfg', configMap: { name: 'app-config', items: [{ key: 'k', path: 'k.txt', mode: 256 }], defaultMode: 420 } },
          { name: 'sec', secret: { secretName: 'creds', defaultMode: 256, optional: false } },
          { name: 'host', hostPath: { path: '/var/log', type: 'Directory' } },
          { name: 'data', persistentVolumeClaim: { claimName: 'claim', readOnly: true } },
          {
            name: 'proj',
            projected: {
              sources: [
                { downwardAPI: { items: [{ path: 'labels', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.labels' } }] } },
                { serviceAccountToken: { expirationSeconds: 3600, path: 'token' } },
              ],
            },
          },
        ],
        containers: [
          {
            name: 'app',
            image: 'busybox',
            command: ['httpd'],
            args: ['-f'],
            env: [
              { name: 'MODE', value: 'prod' },
              { name: 'POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
              { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'level', optional: false } } },
            ],
            envFrom: [{ prefix: 'S_', secretRef: { name: 'creds' } }],
            volumeMounts: [{ name: 'cache', mountPath: '/cache' }],
            livenessProbe: { httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' }, initialDelaySeconds: 5, periodSeconds: 10 },
            readinessProbe: { tcpSocket: { port: 'http' } },
            startupProbe: { exec: { command: ['cat', '/tmp/ready'] }, failureThreshold: 30 },
            securityContext: { capabilities: { drop: ['ALL'] }, runAsUser: 0, allowPrivilegeEscalation: false },
          },
        ],
        restartPolicy: 'Always',
        terminationGracePeriodSeconds: 0,
        nodeSelector: { disk: 'ssd' },
        automountServiceAccountToken: false,
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }],
            },
          },
        },
        tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
      },
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2024-01-02T03:04:05Z' }],
        podIP: '10.0.0.5',
        startTime: '2024-01-02T03:04:05Z',
        containerStatuses: [
          {
            name: 'app',
            state: { running: { startedAt: '2024-01-02T03:04:05Z' } },
            ready: false,
            restartCount: 0,
            image: 'busybox',
            started: true,
          },
        ],
      },
    });
  });

  it('decodes a Binding', () => {
    const body = envelope('v1', 'Binding', newObjectMeta(1, 'p1'), msg(2, str(1, 'Node'), str(3, 'node-1')));
    expect(decodeKubernetesProtobuf(body)).toEqual({
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: 'p1' },
      target: { kind: 'Node', name: 'node-1' },
    });
  });
});

describe('decodeKubernetesProtobuf: networking, nodes, events, leases', () => {
  it('decodes a Service with targetPort as int and as string; nodePort 0 means unset', () => {
    const body = envelope(
      'v1',
      'Service',
      newObjectMeta(1, 'web'),
      msg(
        2,
        msg(1, str(1, 'http'), str(2, 'TCP'), int(3, 80), intOrString(4, 8080), int(5, 0)),
        msg(1, str(1, 'admin'), str(2, 'TCP'), int(3, 9000), intOrString(4, 'admin'), int(5, 30080)),
        entry(2, 'app', (f) => str(f, 'web')),
        str(3, ''),
        str(4, 'NodePort'),
        str(7, 'ClientIP'),
        msg(14, msg(1, int(1, 600))),
      ),
      msg(3, msg(1)),
    );
    expect(decodeKubernetesProtobuf(body)).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: {
        ports: [
          { name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 },
          { name: 'admin', protocol: 'TCP', port: 9000, targetPort: 'admin', nodePort: 30080 },
        ],
        selector: { app: 'web' },
        type: 'NodePort',
        sessionAffinity: 'ClientIP',
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } },
      },
      status: { loadBalancer: {} },
    });
  });

  it('decodes Endpoints', () => {
    const body = envelope(
      'v1',
      'Endpoints',
      newObjectMeta(1, 'web'),
      msg(
        2,
        msg(1, str(1, '10.0.0.5'), str(4, 'node-1'), msg(2, str(1, 'Pod'), str(2, 'default'), str(3, 'p1'))),
        msg(2, str(1, '10.0.0.6')),
        msg(3, str(1, 'http'), int(2, 8080), str(3, 'TCP')),
      ),
    );
    expect(decodeKubernetesProtobuf(body)).toEqual({
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'web' },
      subsets: [
        {
          addresses: [{ ip: '10.0.0.5', nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'default', name: 'p1' } }],
          notReadyAddresses: [{ ip: '10.0.0.6' }],
          ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
        },
      ],
    });
  });

  it('decodes a Node with quantities, conditions and daemon endpoints', () => {
    const body = envelope(
      'v1',
      'Node',
      newObjectMeta(1, 'node-1'),
      msg(2, str(1, '10.244.1.0/24'), bool(4, true), msg(5, str(1, 'dedicated'), str(2, ''), str(3, 'NoSchedule'))),
      msg(
        3,
        entry(1, 'cpu', (f) => quantity(f, '4')),
        entry(1, 'memory', (f) => quantity(f, '8Gi')),
        entry(2, 'pods', (f) => quantity(f, '110')),
        msg(4, str(1, 'Ready'), str(2, 'True'), time(3, T_2024), time(4, T_2024), str(5, 'KubeletReady')),
        msg(5, str(1, 'InternalIP'), str(2, '172.17.0.2')),
        msg(6, msg(1, int(1, 10250))),
        msg(7, str(7, 'v1.32.0'), str(10, 'amd64')),
      ),
    );
    expect(decodeKubernetesProtobuf(body)).toEqual({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'node-1' },
      spec: { podCIDR: '10.244.1.0/24', unschedulable: true, taints: [{ key: 'dedicated', effect: 'NoSchedule' }] },
      status: {
        capacity: { cpu: '4', memory: '8Gi' },
        allocatable: { pods: '110' },
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            lastHeartbeatTime: '2024-01-02T03:04:05Z',
            lastTransitionTime: '2024-01-02T03:04:05Z',
            reason: 'KubeletReady',
          },
        ],
        addresses: [{ type: 'InternalIP', address: '172.17.0.2' }],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: { kubeletVersion: 'v1.32.0', architecture: 'amd64' },
      },
    });
  });

  it('decodes an Event; MicroTime keeps microseconds', () => {
    const body = envelope(
      'v1',
      'Event',
      newObjectMeta(1, 'p1.17a', str(3, 'default')),
      msg(2, str(1, 'Pod'), str(2, 'default'), str(3, 'p1')),
      str(3, 'Scheduled'),
      str(4, 'assigned'),
      msg(5, str(1, 'default-scheduler')),
      time(6, T_2024),
      int(8, 1),
      str(9, 'Normal'),
      time(10, T_2024, 123_456_789),
      str(14, 'default-scheduler'),
    );
    expect(decodeKubernetesProtobuf(body)).toEqual({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'p1.17a', namespace: 'default' },
      involvedObject: { kind: 'Pod', namespace: 'default', name: 'p1' },
      reason: 'Scheduled',
      message: 'assigned',
      source: { component: 'default-scheduler' },
      firstTimestamp: '2024-01-02T03:04:05Z',
      count: 1,
      type: 'Normal',
      eventTime: '2024-01-02T03:04:05.123456Z',
      reportingComponent: 'default-scheduler',
    });
  });

  it('decodes a Lease', () => {
    const body = envelope(
      'coordination.k8s.io/v1',
      'Lease',
      newObjectMeta(1, 'node-1', str(3, 'kube-node-lease')),
      msg(2, str(1, 'node-1'), int(2, 40), time(3, T_2024, 0), time(4, T_2024, 500_000), int(5, 0)),
    );
    expect(decodeKubernetesProtobuf(body)).toEqual({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'node-1', namespace: 'kube-node-lease' },
      spec: {
        holderIdentity: 'node-1',
        leaseDurationSeconds: 40,
        acquireTime: '2024-01-02T03:04:05.000000Z',
        renewTime: '2024-01-02T03:04:05.000500Z',
        leaseTransitions: 0,
      },
    });
  });
});

describe('decodeKubernetesProtobuf: autoscaling and deletion', () => {
  it('decodes an autoscaling/v2 HPA like `kubectl autoscale deployment web --min=2 --max=5 --cpu-percent=80`', () => {
    const body = envelope(
      'autoscaling/v2',
      'HorizontalPodAutoscaler',
      newObjectMeta(1, 'web'),
      msg(
        2,
        msg(1, str(1, 'Deployment'), str(2, 'web'), str(3, 'apps/v1')),
        int(2, 2),
        int(3, 5),
        msg(4, str(1, 'Resource'), msg(4, str(1, 'cpu'), msg(2, str(1, 'Utilization'), int(4, 80)))),
        msg(5, msg(2, int(3, 0), str(1, 'Max'), msg(2, str(1, 'Percent'), int(2, 100), int(3, 15)))),
      ),
      msg(3, int(3, 0), int(4, 0)),
    );
    expect(decodeKubernetesProtobuf(body)).toEqual({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: {
        scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' },
        minReplicas: 2,
        maxReplicas: 5,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
        behavior: {
          scaleDown: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
        },
      },
      status: { desiredReplicas: 0 },
    });
  });

  it('decodes an autoscaling/v1 HPA', () => {
    const body = envelope(
      'autoscaling/v1',
      'HorizontalPodAutoscaler',
      newObjectMeta(1, 'web'),
      msg(2, msg(1, str(1, 'Deployment'), str(2, 'web')), int(2, 1), int(3, 10), int(4, 50)),
    );
    expect(decodeKubernetesProtobuf(body)).toEqual({
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 10, targetCPUUtilizationPercentage: 50 },
    });
  });

  it('decodes DeleteOptions under any group version; gracePeriodSeconds 0 is kept', () => {
    const parts = [int(1, 0), msg(2, str(1, 'uid-1')), str(4, 'Foreground'), str(5, 'All')];
    for (const apiVersion of ['v1', 'meta.k8s.io/v1', 'apps/v1']) {
      expect(decodeKubernetesProtobuf(envelope(apiVersion, 'DeleteOptions', ...parts))).toEqual({
        apiVersion,
        kind: 'DeleteOptions',
        gracePeriodSeconds: 0,
        preconditions: { uid: 'uid-1' },
        propagationPolicy: 'Foreground',
        dryRun: ['All'],
      });
    }
  });

  it('decodes a policy/v1 Eviction', () => {
    const body = envelope('policy/v1', 'Eviction', newObjectMeta(1, 'p1', str(3, 'default')), msg(2, int(1, 30), bool(3, false)));
    expect(decodeKubernetesProtobuf(body)).toEqual({
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'p1', namespace: 'default' },
      deleteOptions: { gracePeriodSeconds: 30, orphanDependents: false },
    });
  });
});
