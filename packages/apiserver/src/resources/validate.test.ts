import { describe, expect, it } from 'vitest';
import type { ResourceType } from '@mk8s/api';
import { BUILTIN_RESOURCES } from './builtin.js';
import { ResourceCatalog } from './catalog.js';
import { defineResource, type ResourceDefinition } from './definition.js';
import { validateCreate, validateStatus, validateUpdate } from './validate.js';

const catalog = new ResourceCatalog(BUILTIN_RESOURCES);
const KINDS: Record<string, ResourceDefinition> = Object.fromEntries(catalog.all().map((d) => [d.type.kind, d]));

/** A kind with no rules of its own (as a custom resource will be). */
function widget(namespaced: boolean): ResourceDefinition {
  const type = {
    ...KINDS['ConfigMap']!.type,
    group: 'example.com',
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    resource: 'widgets',
    namespaced,
    subresources: [],
  } as ResourceType;
  return defineResource({ type });
}

const pod = {
  metadata: { name: 'p', namespace: 'default', uid: 'u', labels: { app: 'x' } },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
};

describe('validateCreate', () => {
  it("runs the kind's rules", () => {
    expect(validateCreate(KINDS['Pod']!, pod)).toEqual([]);
    expect(validateCreate(KINDS['Pod']!, { metadata: pod.metadata, spec: {} })).toEqual([
      { type: 'FieldValueRequired', field: 'spec.containers', message: 'Required value' },
    ]);
  });

  it('validates only metadata for a kind without rules', () => {
    expect(validateCreate(widget(true), { metadata: { name: 'w', namespace: 'd' }, spec: { anything: true } })).toEqual([]);
    expect(validateCreate(widget(true), { metadata: { name: 'w' } })).toEqual([
      { type: 'FieldValueRequired', field: 'metadata.namespace', message: 'Required value' },
    ]);
  });

  it('uses the kind name rules', () => {
    expect(validateCreate(KINDS['Event']!, { metadata: { name: 'p.17a0b', namespace: 'default' }, involvedObject: {} })).toEqual([]);
    expect(validateCreate(KINDS['Event']!, { metadata: { name: 'a/b', namespace: 'default' } })[0]?.field).toBe('metadata.name');
    expect(
      validateCreate(KINDS['HorizontalPodAutoscaler']!, {
        metadata: { name: 'Web_HPA', namespace: 'd' },
        spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 2 },
      }),
    ).toEqual([]);
    expect(validateCreate(KINDS['Service']!, { metadata: { name: 'web.svc', namespace: 'd' }, spec: { clusterIP: 'None' } })[0]?.field).toBe('metadata.name');
  });

  it('reports identical errors once', () => {
    const errs = validateUpdate(KINDS['Pod']!, { ...pod, metadata: { ...pod.metadata, labels: { 'a b': 'c' } } }, pod);
    expect(errs.filter((e) => e.field === 'metadata.labels')).toHaveLength(1);
  });
});

describe('validateUpdate', () => {
  it('runs full validation plus update rules', () => {
    const changed = { ...pod, metadata: { ...pod.metadata, name: 'q' }, spec: { containers: [{ name: 'c', image: '' }] } };
    const errs = validateUpdate(KINDS['Pod']!, changed, pod);
    expect(errs.map((e) => e.field).sort()).toEqual(['metadata.name', 'spec.containers[0].image']);
  });

  it('metadata rules for a kind without rules', () => {
    const old = { metadata: { name: 'w', namespace: 'd', uid: '1' } };
    expect(validateUpdate(widget(true), { metadata: { name: 'w', namespace: 'd', uid: '2' } }, old).map((e) => e.field)).toEqual(['metadata.uid']);
  });

  it('deployment selector is immutable', () => {
    const dep = (app: string): Record<string, unknown> => ({
      metadata: { name: 'd', namespace: 'default' },
      spec: {
        selector: { matchLabels: { app } },
        template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      },
    });
    expect(validateUpdate(KINDS['Deployment']!, dep('a'), dep('a'))).toEqual([]);
    expect(validateUpdate(KINDS['Deployment']!, dep('b'), dep('a')).map((e) => e.field)).toEqual(['spec.selector']);
  });
});

describe('validateStatus', () => {
  it('applies metadata and status rules', () => {
    const rs = { metadata: { name: 'r', namespace: 'd' }, spec: {}, status: { replicas: 1, readyReplicas: 2 } };
    expect(validateStatus(KINDS['ReplicaSet']!, rs, rs).map((e) => e.field)).toEqual(['status.readyReplicas']);
    expect(validateStatus(widget(false), { metadata: { name: 'x' } }, { metadata: { name: 'y' } }).map((e) => e.field)).toEqual(['metadata.name']);
    expect(validateStatus(KINDS['Pod']!, { ...pod, status: { podIP: 'bad' } }, pod).map((e) => e.field)).toEqual(['status.podIP']);
  });
});
