import { describe, expect, it } from 'vitest';
import { CycleState } from '../framework/types.js';
import { testNode, testPodInfo } from '../testing/test-fixtures.js';
import { NodeAffinity } from './node-affinity.js';

const plugin = new NodeAffinity();

function filter(pod: ReturnType<typeof testPodInfo>, labels: Record<string, string>, name = 'n') {
  const state = new CycleState();
  const pre = plugin.preFilter(state, pod);
  if (pre.isSkip()) return 'skip';
  return plugin.filter(state, pod, testNode(name, { labels })).isSuccess();
}

describe('NodeAffinity filter', () => {
  it('skips pods without a node selector or required affinity', () => {
    expect(filter(testPodInfo('p'), {})).toBe('skip');
  });
  it('requires every nodeSelector label', () => {
    const pod = testPodInfo('p', { nodeSelector: { disk: 'ssd', zone: 'a' } });
    expect(filter(pod, { disk: 'ssd', zone: 'a', extra: 'x' })).toBe(true);
    expect(filter(pod, { disk: 'ssd' })).toBe(false);
    const s = plugin.filter(new CycleState(), pod, testNode('n'));
    expect(s.code).toBe('UnschedulableAndUnresolvable');
    expect(s.reasons).toEqual(["node(s) didn't match Pod's node affinity/selector"]);
  });
  it('ORs required terms and ANDs the expressions of a term, with every operator', () => {
    const pod = testPodInfo('p', {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              {
                matchExpressions: [
                  { key: 'zone', operator: 'In', values: ['a', 'b'] },
                  { key: 'gpu', operator: 'DoesNotExist' },
                ],
              },
              {
                matchExpressions: [
                  { key: 'cores', operator: 'Gt', values: ['8'] },
                  { key: 'tier', operator: 'NotIn', values: ['spot'] },
                ],
              },
              { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['special'] }] },
            ],
          },
        },
      },
    });
    expect(filter(pod, { zone: 'a' })).toBe(true);
    expect(filter(pod, { zone: 'a', gpu: 'yes' })).toBe(false);
    expect(filter(pod, { cores: '16' })).toBe(true);
    expect(filter(pod, { cores: '16', tier: 'spot' })).toBe(false);
    expect(filter(pod, { cores: '4' })).toBe(false);
    expect(filter(pod, {}, 'special')).toBe(true);
    expect(filter(pod, { zone: 'c' })).toBe(false);
  });
  it('an empty term matches nothing; Lt and Exists work', () => {
    const pod = (terms: any[]) =>
      testPodInfo('p', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } });
    expect(filter(pod([{}]), { a: 'b' })).toBe(false);
    expect(filter(pod([{ matchExpressions: [{ key: 'n', operator: 'Lt', values: ['3'] }] }]), { n: '2' })).toBe(true);
    expect(filter(pod([{ matchExpressions: [{ key: 'n', operator: 'Lt', values: ['3'] }] }]), { n: 'x' })).toBe(false);
    expect(filter(pod([{ matchExpressions: [{ key: 'n', operator: 'Exists' }] }]), { n: '' })).toBe(true);
  });
  it('needs both the nodeSelector and the affinity when a pod has both', () => {
    const pod = testPodInfo('p', {
      nodeSelector: { disk: 'ssd' },
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] },
        },
      },
    });
    expect(filter(pod, { disk: 'ssd', zone: 'a' })).toBe(true);
    expect(filter(pod, { disk: 'ssd' })).toBe(false);
    expect(filter(pod, { zone: 'a' })).toBe(false);
  });
});

describe('NodeAffinity score', () => {
  it('sums the weights of matching preferred terms, normalized to 100 for the best node', () => {
    const pod = testPodInfo('p', {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 80, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } },
            { weight: 20, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } },
          ],
        },
      },
    });
    const nodes = [testNode('both', { labels: { zone: 'a', disk: 'ssd' } }), testNode('zone', { labels: { zone: 'a' } }), testNode('none')];
    const state = new CycleState();
    expect(plugin.preScore(state, pod).isSuccess()).toBe(true);
    const scores = Float64Array.from(nodes.map((n) => plugin.score(state, pod, n)));
    expect([...scores]).toEqual([100, 80, 0]);
    plugin.normalizeScores(state, pod, scores, 3);
    expect([...scores]).toEqual([100, 80, 0]);
    const half = Float64Array.from([50, 25, 0]);
    plugin.normalizeScores(state, pod, half, 3);
    expect([...half]).toEqual([100, 50, 0]);
  });
  it('skips scoring for pods without preferences', () => {
    expect(plugin.preScore(new CycleState(), testPodInfo('p')).isSkip()).toBe(true);
  });
});
