import { describe, expect, it } from 'vitest';
import { validateObject, validateObjectUpdate, validateStatusUpdate } from './index.js';

const pod = {
  metadata: { name: 'p', namespace: 'default', uid: 'u', labels: { app: 'x' } },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
};

describe('validateObject', () => {
  it('dispatches by kind', () => {
    expect(validateObject('Pod', pod, { namespaced: true })).toEqual([]);
    expect(validateObject('Pod', { metadata: pod.metadata, spec: {} }, { namespaced: true })).toEqual([
      { type: 'FieldValueRequired', field: 'spec.containers', message: 'Required value' },
    ]);
  });

  it('validates only metadata for unknown kinds', () => {
    expect(validateObject('Widget', { metadata: { name: 'w', namespace: 'd' }, spec: { anything: true } }, { namespaced: true })).toEqual([]);
    expect(validateObject('Widget', { metadata: { name: 'w' } }, { namespaced: true })).toEqual([
      { type: 'FieldValueRequired', field: 'metadata.namespace', message: 'Required value' },
    ]);
    expect(validateObject('constructor', { metadata: { name: 'w' } }, { namespaced: false })).toEqual([]);
  });

  it('uses the kind name rules', () => {
    expect(validateObject('Event', { metadata: { name: 'p.17a0b', namespace: 'default' }, involvedObject: {} }, { namespaced: true })).toEqual([]);
    expect(validateObject('Event', { metadata: { name: 'a/b', namespace: 'default' } }, { namespaced: true })[0]?.field).toBe('metadata.name');
    expect(
      validateObject(
        'HorizontalPodAutoscaler',
        { metadata: { name: 'Web_HPA', namespace: 'd' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 2 } },
        { namespaced: true },
      ),
    ).toEqual([]);
    expect(validateObject('Service', { metadata: { name: 'web.svc', namespace: 'd' }, spec: { clusterIP: 'None' } }, { namespaced: true })[0]?.field).toBe(
      'metadata.name',
    );
    expect(validateObject('Binding', { target: { name: 'n' } }, { namespaced: true })).toEqual([]);
  });

  it('reports identical errors once', () => {
    const errs = validateObjectUpdate('Pod', { ...pod, metadata: { ...pod.metadata, labels: { 'a b': 'c' } } }, pod, { namespaced: true });
    expect(errs.filter((e) => e.field === 'metadata.labels')).toHaveLength(1);
  });
});

describe('validateObjectUpdate', () => {
  it('runs full validation plus update rules', () => {
    const changed = { ...pod, metadata: { ...pod.metadata, name: 'q' }, spec: { containers: [{ name: 'c', image: '' }] } };
    const errs = validateObjectUpdate('Pod', changed, pod, { namespaced: true });
    expect(errs.map((e) => e.field).sort()).toEqual(['metadata.name', 'spec.containers[0].image']);
  });

  it('metadata rules for unknown kinds', () => {
    const old = { metadata: { name: 'w', namespace: 'd', uid: '1' } };
    expect(validateObjectUpdate('Widget', { metadata: { name: 'w', namespace: 'd', uid: '2' } }, old, { namespaced: true }).map((e) => e.field)).toEqual([
      'metadata.uid',
    ]);
  });

  it('deployment selector is immutable', () => {
    const dep = (app: string): Record<string, unknown> => ({
      metadata: { name: 'd', namespace: 'default' },
      spec: {
        selector: { matchLabels: { app } },
        template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      },
    });
    expect(validateObjectUpdate('Deployment', dep('a'), dep('a'), { namespaced: true })).toEqual([]);
    expect(validateObjectUpdate('Deployment', dep('b'), dep('a'), { namespaced: true }).map((e) => e.field)).toEqual(['spec.selector']);
  });
});

describe('validateStatusUpdate', () => {
  it('applies metadata and status rules', () => {
    const rs = { metadata: { name: 'r', namespace: 'd' }, spec: {}, status: { replicas: 1, readyReplicas: 2 } };
    expect(validateStatusUpdate('ReplicaSet', rs, rs, { namespaced: true }).map((e) => e.field)).toEqual(['status.readyReplicas']);
    expect(validateStatusUpdate('Widget', { metadata: { name: 'x' } }, { metadata: { name: 'y' } }, { namespaced: false }).map((e) => e.field)).toEqual([
      'metadata.name',
    ]);
    expect(validateStatusUpdate('Pod', { ...pod, status: { podIP: 'bad' } }, pod, { namespaced: true }).map((e) => e.field)).toEqual(['status.podIP']);
  });
});
