import { describe, expect, it } from 'vitest';
import { ProtobufDecodeError, decodeKubernetesProtobuf } from './index.js';

/**
 * Request bodies recorded from a real kubectl v1.32 (`kubectl --server
 * http://127.0.0.1:PORT <command>` against a stub server that saved each POST
 * body). The expected objects are what `<command> --dry-run=client -o json`
 * prints for the same command, minus `creationTimestamp: null`, which
 * Kubernetes' JSON writes for an unset time and we omit.
 */
const FIXTURES: { command: string; base64: string; expected: Record<string, unknown> }[] = [
  {
    command: 'kubectl create configmap x --from-literal=a=b --from-literal=c=',
    base64: 'azhzAAoPCgJ2MRIJQ29uZmlnTWFwEiIKEQoBeBIAGgAiACoAMgA4AEIAEgYKAWESAWISBQoBYxIAGgAiAA==',
    expected: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 'b', c: '' } },
  },
  {
    command: 'kubectl create configmap cmbin --from-file=bin=<bytes 00 01 ff> --from-literal=t=hello',
    base64: 'azhzAAoPCgJ2MRIJQ29uZmlnTWFwEi8KFQoFY21iaW4SABoAIgAqADIAOABCABIKCgF0EgVoZWxsbxoKCgNiaW4SAwAB/xoAIgA=',
    expected: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cmbin' }, data: { t: 'hello' }, binaryData: { bin: 'AAH/' } },
  },
  {
    command: 'kubectl create secret generic s1 --from-literal=user=admin --type=Opaque',
    base64: 'azhzAAoMCgJ2MRIGU2VjcmV0EisKEgoCczESABoAIgAqADIAOABCABINCgR1c2VyEgVhZG1pbhoGT3BhcXVlGgAiAA==',
    expected: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's1' }, data: { user: 'YWRtaW4=' }, type: 'Opaque' },
  },
  {
    command: 'kubectl create secret docker-registry reg --docker-server=r.local --docker-username=u --docker-password=p',
    base64:
      'azhzAAoMCgJ2MRIGU2VjcmV0Eo8BChMKA3JlZxIAGgAiACoAMgA4AEIAElgKES5kb2NrZXJjb25maWdqc29uEkN7ImF1dGhzIjp7InIubG9jYWwiOnsidXNlcm5hbWUiOiJ1IiwicGFzc3dvcmQiOiJwIiwiYXV0aCI6ImRUcHcifX19Gh5rdWJlcm5ldGVzLmlvL2RvY2tlcmNvbmZpZ2pzb24aACIA',
    expected: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'reg' },
      data: {
        '.dockerconfigjson': 'eyJhdXRocyI6eyJyLmxvY2FsIjp7InVzZXJuYW1lIjoidSIsInBhc3N3b3JkIjoicCIsImF1dGgiOiJkVHB3In19fQ==',
      },
      type: 'kubernetes.io/dockerconfigjson',
    },
  },
  {
    command: 'kubectl create namespace ns1',
    base64: 'azhzAAoPCgJ2MRIJTmFtZXNwYWNlEhsKEwoDbnMxEgAaACIAKgAyADgAQgASABoCCgAaACIA',
    expected: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns1' }, spec: {}, status: {} },
  },
  {
    command: 'kubectl create deployment web --image=busybox --replicas=3 --port=8080',
    base64:
      'azhzAAoVCgdhcHBzL3YxEgpEZXBsb3ltZW50Er0BCh8KA3dlYhIAGgAiACoAMgA4AEIAWgoKA2FwcBIDd2ViEosBCAMSDAoKCgNhcHASA3dlYhpxChwKABIAGgAiACoAMgA4AEIAWgoKA2FwcBIDd2ViElESMwoHYnVzeWJveBIHYnVzeWJveCoAMgsKABAAGJA/IgAqAEIAagByAIABAIgBAJABAKIBABoAMgBCAEoAUgBYAGAAaACCAQCKAQCaAQDCAQAiAgoAKAA4ABoMCAAQABgAIAAoADgAGgAiAA==',
    expected: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'busybox', image: 'busybox', ports: [{ containerPort: 8080 }], resources: {} }] },
        },
        strategy: {},
      },
      status: {},
    },
  },
  {
    command: 'kubectl create deployment zero --image=busybox --replicas=0',
    base64:
      'azhzAAoVCgdhcHBzL3YxEgpEZXBsb3ltZW50ErQBCiEKBHplcm8SABoAIgAqADIAOABCAFoLCgNhcHASBHplcm8SgAEIABINCgsKA2FwcBIEemVybxplCh0KABIAGgAiACoAMgA4AEIAWgsKA2FwcBIEemVybxJEEiYKB2J1c3lib3gSB2J1c3lib3gqAEIAagByAIABAIgBAJABAKIBABoAMgBCAEoAUgBYAGAAaACCAQCKAQCaAQDCAQAiAgoAKAA4ABoMCAAQABgAIAAoADgAGgAiAA==',
    expected: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'zero', labels: { app: 'zero' } },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'zero' } },
        template: {
          metadata: { labels: { app: 'zero' } },
          spec: { containers: [{ name: 'busybox', image: 'busybox', resources: {} }] },
        },
        strategy: {},
      },
      status: {},
    },
  },
  {
    command: 'kubectl create service clusterip svc1 --tcp=80:8080',
    base64:
      'azhzAAoNCgJ2MRIHU2VydmljZRJsCiEKBHN2YzESABoAIgAqADIAOABCAFoLCgNhcHASBHN2YzESQwobCgc4MC04MDgwEgNUQ1AYUCIHCAAQkD8aACgAEgsKA2FwcBIEc3ZjMRoAIglDbHVzdGVySVA6AEIAUgBaAGAAaAAaAgoAGgAiAA==',
    expected: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'svc1', labels: { app: 'svc1' } },
      spec: {
        ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }],
        selector: { app: 'svc1' },
        type: 'ClusterIP',
      },
      status: { loadBalancer: {} },
    },
  },
  {
    command: 'kubectl create service nodeport svc2 --tcp=80:http',
    base64:
      'azhzAAoNCgJ2MRIHU2VydmljZRJuCiEKBHN2YzISABoAIgAqADIAOABCAFoLCgNhcHASBHN2YzISRQoeCgc4MC1odHRwEgNUQ1AYUCIKCAEQABoEaHR0cCgAEgsKA2FwcBIEc3ZjMhoAIghOb2RlUG9ydDoAQgBSAFoAYABoABoCCgAaACIA',
    expected: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'svc2', labels: { app: 'svc2' } },
      spec: {
        ports: [{ name: '80-http', protocol: 'TCP', port: 80, targetPort: 'http' }],
        selector: { app: 'svc2' },
        type: 'NodePort',
      },
      status: { loadBalancer: {} },
    },
  },
  {
    command: 'kubectl autoscale deployment web --min=2 --max=5 --cpu-percent=80',
    base64:
      'azhzAAopCg5hdXRvc2NhbGluZy92MRIXSG9yaXpvbnRhbFBvZEF1dG9zY2FsZXISPwoTCgN3ZWISABoAIgAqADIAOABCABIiChoKCkRlcGxveW1lbnQSA3dlYhoHYXBwcy92MRACGAUgUBoEGAAgABoAIgA=',
    expected: {
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: {
        scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' },
        minReplicas: 2,
        maxReplicas: 5,
        targetCPUUtilizationPercentage: 80,
      },
      status: { currentReplicas: 0, desiredReplicas: 0 },
    },
  },
  {
    command: 'kubectl create quota q1 --hard=cpu=1,memory=1Gi,pods=2',
    base64: 'azhzAAoTCgJ2MRINUmVzb3VyY2VRdW90YRJCChIKAnExEgAaACIAKgAyADgAQgASKgoKCgNjcHUSAwoBMQoPCgZtZW1vcnkSBQoDMUdpCgsKBHBvZHMSAwoBMhoAGgAiAA==',
    expected: {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'q1' },
      spec: { hard: { cpu: '1', memory: '1Gi', pods: '2' } },
      status: {},
    },
  },
  {
    command: 'kubectl create serviceaccount sa1',
    base64: 'azhzAAoUCgJ2MRIOU2VydmljZUFjY291bnQSFQoTCgNzYTESABoAIgAqADIAOABCABoAIgA=',
    expected: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sa1' } },
  },
  {
    command: 'kubectl auth can-i --list -n team',
    base64: 'azhzAAoxChdhdXRob3JpemF0aW9uLms4cy5pby92MRIWU2VsZlN1YmplY3RSdWxlc1JldmlldxIgChAKABIAGgAiACoAMgA4AEIAEgYKBHRlYW0aBBgAIgAaACIA',
    expected: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', metadata: {}, spec: { namespace: 'team' }, status: {} },
  },
];

describe('decodeKubernetesProtobuf on real kubectl v1.32 request bodies', () => {
  for (const { command, base64, expected } of FIXTURES) {
    it(command, () => {
      const decoded = decodeKubernetesProtobuf(Buffer.from(base64, 'base64'));
      expect(decoded).toEqual(expected);
      expect(Object.keys(decoded).slice(0, 2)).toEqual(['apiVersion', 'kind']);
    });
  }

  it('rejects `kubectl create job j1 --image=busybox -- sleep 1` (batch/v1 is not served)', () => {
    const job =
      'azhzAAoPCghiYXRjaC92MRIDSm9iEoQBChIKAmoxEgAaACIAKgAyADgAQgASZDJiChAKABIAGgAiACoAMgA4AEIAEk4SKwoCajESB2J1c3lib3gaBXNsZWVwGgExKgBCAGoAcgCAAQCIAQCQAQCiAQAaBU5ldmVyMgBCAEoAUgBYAGAAaACCAQCKAQCaAQDCAQAaCCAAKAAwADoAGgAiAA==';
    expect(() => decodeKubernetesProtobuf(Buffer.from(job, 'base64'))).toThrow(ProtobufDecodeError);
    expect(() => decodeKubernetesProtobuf(Buffer.from(job, 'base64'))).toThrow(/Job \(batch\/v1\)/);
  });
});
