import { describe, expect, it } from 'vitest';
import {
  defaultDeployment,
  defaultEndpoints,
  defaultHorizontalPodAutoscaler,
  defaultNamespace,
  defaultNamespaceOnCreate,
  defaultNode,
  defaultPod,
  defaultPodTemplate,
  defaultReplicaSet,
  defaultSecret,
  defaultService,
  imageTag,
} from './defaults.js';
import type { Deployment, ReplicaSet } from './schemas/apps.js';
import type { HorizontalPodAutoscaler } from './schemas/autoscaling.js';
import type { Pod, PodTemplateSpec } from './schemas/core-pod.js';
import type { Endpoints, Namespace, Node, Secret, Service } from './schemas/core.js';

const clone = <T>(o: T): T => JSON.parse(JSON.stringify(o)) as T;

describe('imageTag', () => {
  it.each([
    ['busybox', 'latest'],
    ['busybox:latest', 'latest'],
    ['busybox:1.36', '1.36'],
    ['localhost:5000/app', 'latest'],
    ['localhost:5000/app:v2', 'v2'],
    ['busybox@sha256:abcd', ''],
    ['busybox:latest@sha256:abcd', 'latest'],
    ['', ''],
  ])('%s -> %s', (image, tag) => expect(imageTag(image)).toBe(tag));
});

describe('Pod defaults', () => {
  const pod = (): Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: {
      containers: [
        {
          name: 'web',
          image: 'busybox',
          ports: [{ containerPort: 80 }],
          resources: { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '100m' } },
          livenessProbe: { httpGet: { port: 80 } },
          readinessProbe: { exec: { command: ['true'] }, periodSeconds: 5 },
          lifecycle: { preStop: { httpGet: { port: 'http' } } },
          env: [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
        },
        { name: 'side', image: 'busybox:1.36' },
      ],
      initContainers: [{ name: 'init', image: 'busybox@sha256:abcd', resources: { limits: { cpu: '1' } } }],
      volumes: [
        { name: 'scratch' },
        { name: 'cfg', configMap: { name: 'c' } },
        { name: 'sec', secret: { secretName: 's', defaultMode: 256 } },
        { name: 'host', hostPath: { path: '/tmp' } },
      ],
    },
  });

  it('fills the defaults Kubernetes fills', () => {
    const p = pod();
    defaultPod(p);
    const spec = p.spec!;
    expect(spec).toMatchObject({
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      terminationGracePeriodSeconds: 30,
      schedulerName: 'default-scheduler',
      securityContext: {},
      enableServiceLinks: true,
      serviceAccountName: 'default',
      serviceAccount: 'default',
      priority: 0,
      preemptionPolicy: 'PreemptLowerPriority',
    });
    const [web, side] = spec.containers;
    expect(web).toMatchObject({
      imagePullPolicy: 'Always',
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      ports: [{ containerPort: 80, protocol: 'TCP' }],
      resources: { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '100m', memory: '64Mi' } },
      livenessProbe: { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
      readinessProbe: { periodSeconds: 5, timeoutSeconds: 1 },
      lifecycle: { preStop: { httpGet: { port: 'http', path: '/', scheme: 'HTTP' } } },
      env: [{ name: 'NODE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } }],
    });
    expect(side!.imagePullPolicy).toBe('IfNotPresent');
    expect(spec.initContainers![0]).toMatchObject({ imagePullPolicy: 'IfNotPresent', resources: { requests: { cpu: '1' } } });
    expect(spec.volumes).toEqual([
      { name: 'scratch', emptyDir: {} },
      { name: 'cfg', configMap: { name: 'c', defaultMode: 420 } },
      { name: 'sec', secret: { secretName: 's', defaultMode: 256 } },
      { name: 'host', hostPath: { path: '/tmp', type: '' } },
    ]);
  });

  it('is idempotent and keeps values that are set', () => {
    const p = pod();
    p.spec!.restartPolicy = 'Never';
    p.spec!.serviceAccount = 'legacy';
    p.spec!.priorityClassName = 'high';
    p.spec!.containers[0]!.imagePullPolicy = 'Never';
    defaultPod(p);
    const once = clone(p);
    defaultPod(p);
    expect(p).toEqual(once);
    expect(p.spec).toMatchObject({ restartPolicy: 'Never', serviceAccountName: 'legacy', serviceAccount: 'legacy' });
    expect(p.spec!.priority).toBeUndefined();
    expect(p.spec!.containers[0]!.imagePullPolicy).toBe('Never');
  });

  it('uses container ports as host ports on the host network', () => {
    const p: Pod = { spec: { hostNetwork: true, containers: [{ name: 'c', ports: [{ containerPort: 8080 }, { containerPort: 53, hostPort: 5353 }] }] } };
    defaultPod(p);
    expect(p.spec!.containers[0]!.ports).toEqual([
      { containerPort: 8080, hostPort: 8080, protocol: 'TCP' },
      { containerPort: 53, hostPort: 5353, protocol: 'TCP' },
    ]);
  });

  it('gives pod templates PodSpec defaults but not the Pod-only ones', () => {
    const template: PodTemplateSpec = {
      spec: { containers: [{ name: 'c', image: 'nginx:1.25', resources: { limits: { cpu: '1' } } }] },
    };
    defaultPodTemplate(template);
    expect(template.spec).toMatchObject({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler' });
    expect(template.spec!.enableServiceLinks).toBeUndefined();
    expect(template.spec!.serviceAccountName).toBeUndefined();
    expect(template.spec!.priority).toBeUndefined();
    expect(template.spec!.containers[0]!.resources).toEqual({ limits: { cpu: '1' } });
    expect(template.spec!.containers[0]!.imagePullPolicy).toBe('IfNotPresent');
    defaultPodTemplate(undefined);
  });
});

describe('defaults with user keys named like Object.prototype members', () => {
  it('copies limits named constructor or __proto__ into missing requests as own keys', () => {
    const pod = JSON.parse('{"spec":{"containers":[{"name":"c","resources":{"limits":{"constructor":"1","__proto__":"2"},"requests":{}}}]}}') as Pod;
    defaultPod(pod as Pod);
    const requests = pod.spec!.containers[0]!.resources!.requests!;
    expect(Object.getPrototypeOf(requests)).toBe(Object.prototype);
    expect(JSON.stringify(requests)).toBe('{"constructor":"1","__proto__":"2"}');
  });
});

describe('Service defaults', () => {
  it('defaults a ClusterIP service', () => {
    const svc: Service = { spec: { selector: { app: 'web' }, ports: [{ port: 80 }, { port: 443, targetPort: 'https', protocol: 'TCP' }] } };
    defaultService(svc);
    expect(svc.spec).toEqual({
      selector: { app: 'web' },
      ports: [
        { port: 80, protocol: 'TCP', targetPort: 80 },
        { port: 443, targetPort: 'https', protocol: 'TCP' },
      ],
      type: 'ClusterIP',
      sessionAffinity: 'None',
      internalTrafficPolicy: 'Cluster',
    });
  });

  it('defaults externally reachable services and ClientIP affinity', () => {
    const lb: Service = {
      spec: { type: 'LoadBalancer', sessionAffinity: 'ClientIP', ports: [{ port: 80, targetPort: 0 }] },
      status: { loadBalancer: { ingress: [{ ip: '10.0.0.1' }, { hostname: 'lb.local' }] } },
    };
    defaultService(lb);
    expect(lb.spec).toMatchObject({
      externalTrafficPolicy: 'Cluster',
      allocateLoadBalancerNodePorts: true,
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
      ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }],
    });
    expect(lb.status!.loadBalancer!.ingress).toEqual([{ ip: '10.0.0.1', ipMode: 'VIP' }, { hostname: 'lb.local' }]);

    const ext: Service = { spec: { type: 'ExternalName', externalName: 'example.com', sessionAffinityConfig: { clientIP: {} } } };
    defaultService(ext);
    expect(ext.spec).toEqual({ type: 'ExternalName', externalName: 'example.com', sessionAffinity: 'None' });
  });

  it('gives every Service status.loadBalancer, as Kubernetes always shows it, keeping what is there', () => {
    for (const svc of [{ spec: {} }, { spec: { type: 'ExternalName', externalName: 'a.example' } }, { status: {} }] as Service[]) {
      defaultService(svc);
      expect(svc.status).toEqual({ loadBalancer: {} });
    }
    const shown: Service = {
      spec: { type: 'LoadBalancer', ports: [{ port: 80 }] },
      status: { loadBalancer: { ingress: [{ hostname: 'lb.local' }] }, conditions: [] },
    };
    defaultService(shown);
    expect(shown.status).toEqual({ loadBalancer: { ingress: [{ hostname: 'lb.local' }] }, conditions: [] });
  });

  it('defaults endpoint port protocols', () => {
    const ep: Endpoints = { subsets: [{ addresses: [{ ip: '10.1.0.5' }], ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }] }] };
    defaultEndpoints(ep);
    expect(ep.subsets![0]!.ports).toEqual([
      { port: 80, protocol: 'TCP' },
      { port: 53, protocol: 'UDP' },
    ]);
  });
});

describe('workload defaults', () => {
  const template = (): PodTemplateSpec => ({ metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });

  it('defaults a ReplicaSet and its template', () => {
    const rs: ReplicaSet = { spec: { selector: { matchLabels: { app: 'a' } }, template: template() } };
    defaultReplicaSet(rs);
    expect(rs.spec!.replicas).toBe(1);
    expect(rs.spec!.template!.spec).toMatchObject({ restartPolicy: 'Always', containers: [{ imagePullPolicy: 'Always' }] });
  });

  it('defaults a Deployment with a rolling update strategy', () => {
    const d: Deployment = { spec: { selector: { matchLabels: { app: 'a' } }, template: template(), replicas: 0 } };
    defaultDeployment(d);
    expect(d.spec).toMatchObject({
      replicas: 0,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    });
    expect(d.spec!.template.spec!.dnsPolicy).toBe('ClusterFirst');
  });

  it('keeps partial rolling update settings and gives Recreate no rollingUpdate', () => {
    const partial: Deployment = { spec: { selector: {}, template: template(), strategy: { rollingUpdate: { maxSurge: 1 } } } };
    defaultDeployment(partial);
    expect(partial.spec!.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } });

    const recreate: Deployment = { spec: { selector: {}, template: template(), strategy: { type: 'Recreate' } } };
    defaultDeployment(recreate);
    expect(recreate.spec!.strategy).toEqual({ type: 'Recreate' });
  });

  it('defaults an HPA: minReplicas, a CPU metric, and only a behavior that is present', () => {
    const bare: HorizontalPodAutoscaler = { spec: { scaleTargetRef: { kind: 'Deployment', name: 'd' }, maxReplicas: 5 } };
    defaultHorizontalPodAutoscaler(bare);
    expect(bare.spec).toEqual({
      scaleTargetRef: { kind: 'Deployment', name: 'd' },
      maxReplicas: 5,
      minReplicas: 1,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
    });

    const withBehavior: HorizontalPodAutoscaler = {
      spec: {
        scaleTargetRef: { kind: 'Deployment', name: 'd' },
        minReplicas: 2,
        maxReplicas: 5,
        metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } }],
        behavior: { scaleDown: { stabilizationWindowSeconds: 60 } },
      },
    };
    defaultHorizontalPodAutoscaler(withBehavior);
    expect(withBehavior.spec!.minReplicas).toBe(2);
    expect(withBehavior.spec!.metrics).toHaveLength(1);
    expect(withBehavior.spec!.behavior).toEqual({
      scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: 'Max',
        policies: [
          { type: 'Pods', value: 4, periodSeconds: 15 },
          { type: 'Percent', value: 100, periodSeconds: 15 },
        ],
      },
      scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
    });
  });
});

describe('other kinds', () => {
  it('defaults Secret type', () => {
    const s: Secret = {};
    defaultSecret(s);
    expect(s.type).toBe('Opaque');
    const tls: Secret = { type: 'kubernetes.io/tls' };
    defaultSecret(tls);
    expect(tls.type).toBe('kubernetes.io/tls');
  });

  it('defaults Namespace phase and name label; the finalizer only on create', () => {
    const ns: Namespace = { metadata: { name: 'team-a' } };
    defaultNamespace(ns);
    expect(ns).toEqual({ metadata: { name: 'team-a', labels: { 'kubernetes.io/metadata.name': 'team-a' } }, status: { phase: 'Active' } });
    defaultNamespaceOnCreate(ns);
    defaultNamespaceOnCreate(ns);
    expect(ns.spec).toEqual({ finalizers: ['kubernetes'] });

    const terminating: Namespace = { metadata: { name: 'x' }, spec: { finalizers: [] }, status: { phase: 'Terminating' } };
    defaultNamespace(terminating);
    expect(terminating.spec!.finalizers).toEqual([]);
    expect(terminating.status!.phase).toBe('Terminating');
  });

  it('defaults Node allocatable to capacity', () => {
    const node: Node = { status: { capacity: { cpu: '2', memory: '4Gi' } } };
    defaultNode(node);
    expect(node.status!.allocatable).toEqual({ cpu: '2', memory: '4Gi' });
    node.status!.capacity!['cpu'] = '4';
    expect(node.status!.allocatable!['cpu']).toBe('2');
  });
});
