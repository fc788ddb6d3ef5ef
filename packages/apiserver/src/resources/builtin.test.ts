import { RESOURCE_TYPES, type ResourceType } from '@mk8s/api';
import { describe, expect, it } from 'vitest';
import { toTable } from '../tables/index.js';
import { MINUTE, NOW, ago } from '../testing/test-clock.js';
import { BUILTIN_RESOURCES } from './builtin.js';
import { ResourceCatalog } from './catalog.js';
import { defineResource, fieldLabelsOf, selectableFields, type ResourceDefinition } from './definition.js';

const catalog = new ResourceCatalog(BUILTIN_RESOURCES);
const byKind = (kind: string): ResourceDefinition => catalog.all().find((d) => d.type.kind === kind)!;
const fields = (kind: string, obj: Record<string, unknown>) => selectableFields(byKind(kind), obj);

describe('the built-in resources', () => {
  it('serve every type @mk8s/api knows, once each', () => {
    expect(catalog.types().map((t) => `${t.apiVersion}/${t.resource}`)).toEqual(RESOURCE_TYPES.map((t) => `${t.apiVersion}/${t.resource}`));
  });

  it('are found by URL coordinates and by apiVersion and kind', () => {
    expect(catalog.lookup('apps', 'v1', 'deployments')?.type.kind).toBe('Deployment');
    expect(catalog.forKind('v1', 'Pod')?.type.resource).toBe('pods');
    expect(catalog.lookup('', 'v1', 'constructor')).toBeUndefined();
    expect(catalog.lookup('apps', 'v2', 'deployments')).toBeUndefined();
  });

  it('print one cell per column, with one name column, for every resource with a printer', () => {
    const printed = catalog.all().filter((d) => d.printer);
    expect(printed.length).toBeGreaterThanOrEqual(16);
    for (const d of printed) {
      const table = toTable(d.printer, [{ metadata: { name: 'x', creationTimestamp: ago(MINUTE) } }], { now: NOW });
      expect(table.rows[0]?.cells, d.type.resource).toHaveLength(table.columnDefinitions.length);
      expect(
        table.columnDefinitions.filter((c) => c.format === 'name'),
        d.type.resource,
      ).toHaveLength(1);
    }
  });
});

describe('the catalog', () => {
  const type = (over: Partial<ResourceType>): ResourceType => ({ ...byKind('ConfigMap').type, ...over });

  it('refuses a definition whose subresources differ from its type', () => {
    expect(() => new ResourceCatalog([defineResource({ type: type({ subresources: ['scale'] }) })])).toThrow(/declares subresources \[scale\]/);
    expect(() => new ResourceCatalog([defineResource({ type: type({}), strategy: { statusSubresource: true } })])).toThrow(/serves \[status\]/);
  });

  it('refuses a resource defined twice', () => {
    expect(() => new ResourceCatalog([byKind('ConfigMap'), byKind('ConfigMap')])).toThrow(/defined twice/);
  });
});

describe('field labels', () => {
  it('are metadata plus the kind-specific ones', () => {
    expect(fieldLabelsOf(byKind('Pod'))).toContain('spec.nodeName');
    expect(fieldLabelsOf(byKind('Pod'))).toContain('status.podIPs');
    expect(fieldLabelsOf(byKind('Node'))).toEqual(['metadata.name', 'spec.unschedulable']);
    expect(fieldLabelsOf(byKind('Namespace'))).toEqual(['metadata.name', 'status.phase']);
    expect(fieldLabelsOf(byKind('Secret'))).toContain('type');
    expect(fieldLabelsOf(byKind('Event'))).toContain('involvedObject.uid');
    expect(fieldLabelsOf(byKind('ConfigMap'))).toEqual(['metadata.name', 'metadata.namespace']);
  });
});

describe('selectable fields', () => {
  it('render pod fields like Kubernetes', () => {
    const pod = {
      metadata: { name: 'p', namespace: 'ns' },
      spec: { nodeName: 'n1', restartPolicy: 'Always', hostNetwork: true },
      status: { phase: 'Running', podIPs: [{ ip: '10.0.0.1' }, { ip: 'fd00::1' }] },
    };
    expect(fields('Pod', pod)).toEqual({
      'metadata.name': 'p',
      'metadata.namespace': 'ns',
      'spec.nodeName': 'n1',
      'spec.restartPolicy': 'Always',
      'spec.schedulerName': '',
      'spec.serviceAccountName': '',
      'spec.hostNetwork': 'true',
      'status.phase': 'Running',
      'status.podIP': '10.0.0.1',
      'status.nominatedNodeName': '',
    });
    expect(fields('Pod', { metadata: { name: 'x' } })['spec.hostNetwork']).toBe('false');
  });

  it('render other kinds', () => {
    expect(fields('Node', { metadata: { name: 'n' }, spec: { unschedulable: true } })).toEqual({
      'metadata.name': 'n',
      'spec.unschedulable': 'true',
    });
    expect(fields('Namespace', { metadata: { name: 'ns' }, status: { phase: 'Active' } })).toEqual({
      'metadata.name': 'ns',
      'status.phase': 'Active',
    });
    expect(fields('ReplicaSet', { metadata: { name: 'r', namespace: 'd' }, status: { replicas: 3 } })['status.replicas']).toBe('3');
    expect(fields('ReplicaSet', { metadata: { name: 'r' } })['status.replicas']).toBe('0');
    expect(fields('Secret', { type: 'Opaque', metadata: {} })['type']).toBe('Opaque');
    expect(fields('Service', { spec: { clusterIP: 'None', type: 'ClusterIP' } })['spec.clusterIP']).toBe('None');
    const ev = fields('Event', {
      metadata: { name: 'e', namespace: 'd' },
      involvedObject: { kind: 'Pod', name: 'p', uid: 'u1' },
      reason: 'Started',
      type: 'Normal',
      reportingComponent: 'kubelet',
    });
    expect(ev['involvedObject.uid']).toBe('u1');
    expect(ev['involvedObject.fieldPath']).toBe('');
    expect(ev['source']).toBe('kubelet');
    expect(fields('ConfigMap', { metadata: { name: 'c', namespace: 'd' } })).toEqual({ 'metadata.name': 'c', 'metadata.namespace': 'd' });
  });
});
