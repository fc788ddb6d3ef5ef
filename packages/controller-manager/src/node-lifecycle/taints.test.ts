import type { Pod, Taint, Toleration } from '@mk8s/api';
import { describe, expect, it } from 'vitest';
import { TAINT_NOT_READY, TAINT_UNREACHABLE, evictionDeadline, toleratesTaint } from './taints.js';

const unreachable: Taint = { key: TAINT_UNREACHABLE, effect: 'NoExecute' };
const notReady: Taint = { key: TAINT_NOT_READY, effect: 'NoExecute' };

function pod(tolerations: Toleration[]): Pod {
  return { metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x' }], tolerations } } as Pod;
}

describe('toleratesTaint', () => {
  it('matches by key, effect, operator and value as Kubernetes does', () => {
    expect(toleratesTaint({ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute' }, unreachable)).toBe(true);
    expect(toleratesTaint({ key: TAINT_UNREACHABLE, operator: 'Exists' }, unreachable)).toBe(true); // empty effect: any
    expect(toleratesTaint({ operator: 'Exists' }, unreachable)).toBe(true); // empty key + Exists: everything
    expect(toleratesTaint({ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoSchedule' }, unreachable)).toBe(false);
    expect(toleratesTaint({ key: TAINT_NOT_READY, operator: 'Exists' }, unreachable)).toBe(false);
    const valued: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoExecute' };
    expect(toleratesTaint({ key: 'dedicated', value: 'gpu' }, valued)).toBe(true); // default operator Equal
    expect(toleratesTaint({ key: 'dedicated', operator: 'Equal', value: 'cpu' }, valued)).toBe(false);
    expect(toleratesTaint({ key: 'dedicated', operator: 'Gt', value: 'gpu' }, valued)).toBe(false);
  });
});

describe('evictionDeadline', () => {
  const t0 = Date.UTC(2026, 0, 1);
  const start = () => t0;

  it('is immediate when some NoExecute taint is not tolerated', () => {
    expect(evictionDeadline(pod([]), [unreachable], start)).toBe(Number.NEGATIVE_INFINITY);
    const onlyNotReady = pod([{ key: TAINT_NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }]);
    expect(evictionDeadline(onlyNotReady, [unreachable], start)).toBe(Number.NEGATIVE_INFINITY);
  });

  it('waits tolerationSeconds after the taint appeared, the earliest over all taints', () => {
    const p = pod([
      { key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 },
      { key: TAINT_NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 },
    ]);
    expect(evictionDeadline(p, [unreachable], start)).toBe(t0 + 30_000);
    expect(evictionDeadline(p, [unreachable, notReady], start)).toBe(t0 + 5_000);
    expect(evictionDeadline(pod([{ key: TAINT_UNREACHABLE, operator: 'Exists', tolerationSeconds: -4 }]), [unreachable], start)).toBe(t0);
  });

  it('never evicts a pod that tolerates every taint without a time limit, and ignores other effects', () => {
    expect(evictionDeadline(pod([{ operator: 'Exists' }]), [unreachable, notReady], start)).toBe(Infinity);
    expect(evictionDeadline(pod([]), [{ key: TAINT_UNREACHABLE, effect: 'NoSchedule' }], start)).toBe(Infinity);
  });

  it('uses the first matching toleration, as the taint manager does', () => {
    const p = pod([
      { key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute' },
      { operator: 'Exists', tolerationSeconds: 1 },
    ]);
    expect(evictionDeadline(p, [unreachable], start)).toBe(Infinity);
  });
});
