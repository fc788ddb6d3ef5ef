import { FakeLeaseStore, type Clientset } from '@mk8s/client';
import { describe, expect, it, vi } from 'vitest';
import { LeadershipLostError, runElected, serveElected } from './run-elected.js';

const noClient = {} as Clientset;

describe('runElected', () => {
  it('without election runs the work on the caller signal', async () => {
    const ac = new AbortController();
    let seen: AbortSignal | undefined;
    await runElected({ leaderElect: false, client: noClient, lockName: 'x', signal: ac.signal, run: async (s) => void (seen = s) });
    expect(seen).toBe(ac.signal);
  });

  it('runs only as leader, holds the Lease while working, and releases it on shutdown', async () => {
    const store = new FakeLeaseStore();
    const ac = new AbortController();
    let worked = false;
    const done = runElected({
      leaderElect: true,
      client: noClient,
      leaseClient: store.client(),
      lockName: 'kube-scheduler',
      identity: 'me',
      retryPeriodMs: 20,
      signal: ac.signal,
      run: async (s) => {
        worked = true;
        await new Promise((r) => s.addEventListener('abort', r, { once: true }));
      },
    });
    for (let i = 0; i < 100 && !worked; i++) await new Promise((r) => setTimeout(r, 10));
    expect(worked).toBe(true);
    expect(store.read('kube-system', 'kube-scheduler')?.spec?.holderIdentity).toBe('me');
    ac.abort();
    await done;
    expect(store.read('kube-system', 'kube-scheduler')?.spec?.holderIdentity ?? '').toBe('');
  });

  it('rejects with LeadershipLostError when another holder takes the Lease', async () => {
    const store = new FakeLeaseStore();
    const ac = new AbortController();
    const done = runElected({
      leaderElect: true,
      client: noClient,
      leaseClient: store.client(),
      lockName: 'kcm',
      identity: 'me',
      leaseDurationMs: 1000,
      renewDeadlineMs: 500,
      retryPeriodMs: 20,
      signal: ac.signal,
      run: (s) => new Promise((r) => s.addEventListener('abort', () => r(), { once: true })),
    });
    for (let i = 0; i < 100 && store.read('kube-system', 'kcm')?.spec?.holderIdentity !== 'me'; i++) await new Promise((r) => setTimeout(r, 10));
    const lease = store.read('kube-system', 'kcm')!;
    await store.client().update({ ...lease, spec: { ...lease.spec, holderIdentity: 'other' } });
    await expect(done).rejects.toBeInstanceOf(LeadershipLostError);
    ac.abort();
  });

  it('passes an explicit 0 duration on to the elector, which rejects it, instead of silently using the default', async () => {
    const store = new FakeLeaseStore();
    const ac = new AbortController();
    let worked = false;
    const done = runElected({
      leaderElect: true,
      client: noClient,
      leaseClient: store.client(),
      lockName: 'zero',
      identity: 'me',
      retryPeriodMs: 0,
      signal: ac.signal,
      run: async () => void (worked = true),
    });
    await expect(done).rejects.toThrow('retryPeriodMs must be greater than zero, got 0');
    expect(worked).toBe(false);
    ac.abort();
  });
});

describe('serveElected', () => {
  it('serves health first, prints the serving line, is ready only while leading, and closes the server at the end', async () => {
    const store = new FakeLeaseStore();
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((l: string) => void lines.push(l));
    const ac = new AbortController();
    let url = '';
    let readyWhileLeading = 0;
    try {
      const done = serveElected({
        name: 'demo',
        health: { port: 0, host: '127.0.0.1' },
        leaderElect: true,
        client: noClient,
        leaseClient: store.client(),
        lockName: 'demo',
        identity: 'me',
        retryPeriodMs: 20,
        signal: ac.signal,
        run: async (s) => {
          url = /serving on (\S+)/.exec(lines.join('\n'))?.[1] ?? '';
          readyWhileLeading = (await fetch(`${url}/readyz`)).status;
          await new Promise((r) => s.addEventListener('abort', r, { once: true }));
        },
      });
      for (let i = 0; i < 200 && !readyWhileLeading; i++) await new Promise((r) => setTimeout(r, 10));
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(readyWhileLeading).toBe(200);
      ac.abort();
      await done;
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    } finally {
      spy.mockRestore();
    }
  });
});
