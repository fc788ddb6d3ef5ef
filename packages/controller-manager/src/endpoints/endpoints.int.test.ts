// The endpoints controller against a real API server; the test plays the
// kubelet by writing pod IPs and readiness through pods/status.
import type { Endpoints, Pod } from '@mk8s/api';
import { type Clientset } from '@mk8s/client';
import { buildPod, buildService } from '@mk8s/testing';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { controllerTestBed } from '../testing/controller-test-bed.js';
import { EndpointsController } from './endpoints-controller.js';

const WAIT = { timeout: 15_000, interval: 100 };

describe('EndpointsController (integration)', () => {
  const bed = controllerTestBed();
  let client: Clientset;
  beforeEach(() => {
    client = bed.client;
  });

  function start(): void {
    bed.start(({ client, factory }) => new EndpointsController({ client, factory }));
  }

  const pods = () => client.pods.inNamespace('default');
  const endpoints = () => client.endpoints.inNamespace('default');

  async function podWithStatus(name: string, ip: string, ready: boolean, ports?: { name: string; containerPort: number }[]): Promise<Pod> {
    const pod = buildPod(name, { labels: { app: 'web' }, nodeName: 'n1' });
    if (ports) pod.spec!.containers[0]!.ports = ports;
    const created = await pods().create(pod);
    return setReady(created, ip, ready);
  }

  async function setReady(pod: Pod, ip: string, ready: boolean): Promise<Pod> {
    return pods().updateStatus({
      ...pod,
      status: { ...pod.status, phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
    });
  }

  const ips = (ep: Endpoints, field: 'addresses' | 'notReadyAddresses') => (ep.subsets ?? []).flatMap((s) => (s[field] ?? []).map((a) => a.ip)).sort();

  it('follows readiness and deletion, resolves named target ports, and goes with its Service', async () => {
    start();
    await client.services.inNamespace('default').create(buildService('web', { selector: { app: 'web' }, port: 80, targetPort: 'http' }));
    const a = await podWithStatus('a', '10.1.0.1', true, [{ name: 'http', containerPort: 8080 }]);
    await podWithStatus('b', '10.1.0.2', true, [{ name: 'http', containerPort: 8081 }]);
    await podWithStatus('noport', '10.1.0.3', true); // lacks the named port: not an endpoint
    await pods().create(buildPod('noip', { labels: { app: 'web' } })); // no IP yet: not an endpoint

    await vi.waitFor(async () => {
      const ep = await endpoints().get('web');
      expect(ips(ep, 'addresses')).toEqual(['10.1.0.1', '10.1.0.2']);
      const portsByIp = Object.fromEntries((ep.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((x) => [x.ip, s.ports?.[0]?.port])));
      expect(portsByIp).toEqual({ '10.1.0.1': 8080, '10.1.0.2': 8081 });
      expect(ep.subsets?.[0]?.addresses?.[0]?.targetRef).toMatchObject({ kind: 'Pod', namespace: 'default' });
    }, WAIT);

    await setReady(await pods().get('a'), '10.1.0.1', false);
    await vi.waitFor(async () => {
      const ep = await endpoints().get('web');
      expect(ips(ep, 'addresses')).toEqual(['10.1.0.2']);
      expect(ips(ep, 'notReadyAddresses')).toEqual(['10.1.0.1']);
    }, WAIT);

    await pods().delete('b', { gracePeriodSeconds: 0 });
    await vi.waitFor(async () => {
      const ep = await endpoints().get('web');
      expect(ips(ep, 'addresses')).toEqual([]);
      expect(ips(ep, 'notReadyAddresses')).toEqual([a.status!.podIP]);
    }, WAIT);

    // A converged Endpoints object is left alone by a restarted controller.
    const rv = (await endpoints().get('web')).metadata?.resourceVersion;
    await bed.stopAll();
    start();
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await endpoints().get('web')).metadata?.resourceVersion).toBe(rv);

    await client.services.inNamespace('default').delete('web');
    await vi.waitFor(
      async () =>
        expect(
          await endpoints()
            .get('web')
            .then(
              () => 'there',
              () => 'gone',
            ),
        ).toBe('gone'),
      WAIT,
    );
  });

  it('leaves Services without a selector alone', async () => {
    start();
    const svc = buildService('manual');
    delete svc.spec!.selector;
    await client.services.inNamespace('default').create(svc);
    const mine: Endpoints = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'manual', namespace: 'default' },
      subsets: [{ addresses: [{ ip: '192.0.2.1' }], ports: [{ port: 80 }] }],
    };
    await endpoints().create(mine);
    await podWithStatus('x', '10.1.0.9', true);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(ips(await endpoints().get('manual'), 'addresses')).toEqual(['192.0.2.1']);
  });
});
