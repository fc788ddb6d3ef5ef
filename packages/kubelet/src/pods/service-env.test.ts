import type { Pod, Service } from '@mk8s/api';
import { describe, expect, it } from 'vitest';
import { buildEnv, serviceEnvName, serviceEnvVars } from './env.js';

function svc(namespace: string, name: string, spec: Service['spec']): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace, name }, spec };
}

const services: Service[] = [
  svc('default', 'my-web', {
    clusterIP: '10.96.0.10',
    ports: [
      { name: 'http', port: 80, protocol: 'TCP' },
      { name: 'dns-udp', port: 53, protocol: 'UDP' },
    ],
  }),
  svc('default', 'kubernetes', { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] }),
  svc('default', 'headless', { clusterIP: 'None', ports: [{ port: 80 }] }),
  svc('other', 'elsewhere', { clusterIP: '10.96.0.20', ports: [{ port: 8080 }] }),
];

describe('service environment variables', () => {
  it('names variables upper-case with dashes as underscores', () => {
    expect(serviceEnvName('my-web')).toBe('MY_WEB');
    expect(serviceEnvName('dns-udp')).toBe('DNS_UDP');
  });

  it('writes _SERVICE_HOST/_SERVICE_PORT and docker-link variables for Services of the namespace with a ClusterIP', () => {
    const env = serviceEnvVars(services, 'default');
    expect(Object.fromEntries(env)).toEqual({
      KUBERNETES_SERVICE_HOST: '10.96.0.1',
      KUBERNETES_SERVICE_PORT: '443',
      KUBERNETES_SERVICE_PORT_HTTPS: '443',
      KUBERNETES_PORT: 'tcp://10.96.0.1:443',
      KUBERNETES_PORT_443_TCP: 'tcp://10.96.0.1:443',
      KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
      KUBERNETES_PORT_443_TCP_PORT: '443',
      KUBERNETES_PORT_443_TCP_ADDR: '10.96.0.1',
      MY_WEB_SERVICE_HOST: '10.96.0.10',
      MY_WEB_SERVICE_PORT: '80',
      MY_WEB_SERVICE_PORT_HTTP: '80',
      MY_WEB_SERVICE_PORT_DNS_UDP: '53',
      MY_WEB_PORT: 'tcp://10.96.0.10:80',
      MY_WEB_PORT_80_TCP: 'tcp://10.96.0.10:80',
      MY_WEB_PORT_80_TCP_PROTO: 'tcp',
      MY_WEB_PORT_80_TCP_PORT: '80',
      MY_WEB_PORT_80_TCP_ADDR: '10.96.0.10',
      MY_WEB_PORT_53_UDP: 'udp://10.96.0.10:53',
      MY_WEB_PORT_53_UDP_PROTO: 'udp',
      MY_WEB_PORT_53_UDP_PORT: '53',
      MY_WEB_PORT_53_UDP_ADDR: '10.96.0.10',
    });
    // Another namespace sees its own Services plus the kubernetes one.
    expect([...serviceEnvVars(services, 'other').keys()].filter((k) => k.endsWith('_SERVICE_HOST'))).toEqual([
      'ELSEWHERE_SERVICE_HOST',
      'KUBERNETES_SERVICE_HOST',
    ]);
    // enableServiceLinks: false keeps only the kubernetes Service.
    expect([...serviceEnvVars(services, 'default', false).keys()].filter((k) => k.endsWith('_SERVICE_HOST'))).toEqual(['KUBERNETES_SERVICE_HOST']);
  });

  it('buildEnv adds them after the container env, which wins and may refer to them', async () => {
    const pod: Pod = {
      metadata: { name: 'p', namespace: 'default' },
      spec: {
        containers: [
          {
            name: 'c',
            image: 'busybox',
            env: [
              { name: 'MY_WEB_SERVICE_PORT', value: '8080' },
              { name: 'URL', value: 'http://$(MY_WEB_SERVICE_HOST):$(MY_WEB_SERVICE_PORT_HTTP)/' },
            ],
          },
        ],
      },
    };
    const env = await buildEnv(undefined, pod, pod.spec!.containers[0]!, {
      podIP: '172.17.0.2',
      services: (ns) => services.filter((s) => (s.metadata?.namespace ?? 'default') === ns),
    });
    const map = Object.fromEntries(env.map((e) => [e.key, e.value]));
    expect(env[0]!.key).toBe('MY_WEB_SERVICE_PORT');
    expect(map['MY_WEB_SERVICE_PORT']).toBe('8080');
    expect(map['URL']).toBe('http://10.96.0.10:80/');
    expect(map['MY_WEB_SERVICE_HOST']).toBe('10.96.0.10');
  });
});
