import { describe, expect, it } from 'vitest';
import {
  EverythingFields,
  FieldSelectorParseError,
  escapeFieldValue,
  fieldLabelNotSupportedMessage,
  fieldLabels,
  fieldSelectorFromSet,
  objectFields,
  parseFieldSelector,
  unescapeFieldValue,
  unsupportedFieldLabels,
} from './fields.js';

describe('parseFieldSelector', () => {
  it.each([
    ['', ''],
    ['a=b', 'a=b'],
    ['a==b', 'a=b'],
    ['a!=b', 'a!=b'],
    ['b=2,a=1', 'a=1,b=2'],
    ['a=b,,c=d', 'a=b,c=d'],
    ['a=', 'a='],
    ['a=x\\,y', 'a=x\\,y'],
    ['a=x\\=y\\\\z', 'a=x\\=y\\\\z'],
    ['spec.nodeName=node-1,status.phase!=Failed', 'spec.nodeName=node-1,status.phase!=Failed'],
  ])('%j -> %j', (input, canonical) => {
    expect(parseFieldSelector(input).toString()).toBe(canonical);
  });

  it('unescapes values', () => {
    const sel = parseFieldSelector('a=x\\,y\\=z\\\\');
    expect(sel.requirements()).toEqual([{ field: 'a', operator: '=', value: 'x,y=z\\' }]);
  });

  it.each([
    ['abc', "invalid selector: 'abc'; can't understand 'abc'"],
    ['a=b,c', "invalid selector: 'a=b,c'; can't understand 'c'"],
    ['a=b\\c', 'invalid field selector: invalid escape sequence: \\c'],
    ['a=b\\', 'invalid field selector: invalid escape sequence: \\'],
    ['a=b=c', 'invalid field selector: unescaped character in value: 61'],
  ])('%j fails with %j', (input, message) => {
    expect(() => parseFieldSelector(input)).toThrow(FieldSelectorParseError);
    expect(() => parseFieldSelector(input)).toThrow(message);
  });

  it('matches, treating missing fields as empty', () => {
    const sel = parseFieldSelector('spec.nodeName=n1,status.phase!=Failed');
    expect(sel.matches({ 'spec.nodeName': 'n1', 'status.phase': 'Running' })).toBe(true);
    expect(sel.matches({ 'spec.nodeName': 'n1', 'status.phase': 'Failed' })).toBe(false);
    expect(sel.matches({ 'spec.nodeName': 'n2' })).toBe(false);
    expect(parseFieldSelector('spec.nodeName=').matches({})).toBe(true);
    expect(parseFieldSelector('spec.nodeName!=').matches({ 'spec.nodeName': 'x' })).toBe(true);
  });

  it('empty and requiresExactMatch', () => {
    expect(parseFieldSelector('').empty()).toBe(true);
    expect(EverythingFields.matches({ a: 'b' })).toBe(true);
    const sel = parseFieldSelector('metadata.name!=x,spec.nodeName=n1');
    expect(sel.empty()).toBe(false);
    expect(sel.requiresExactMatch('spec.nodeName')).toBe('n1');
    expect(sel.requiresExactMatch('metadata.name')).toBeUndefined();
  });

  it('escape helpers round trip', () => {
    expect(escapeFieldValue('a,b=c\\')).toBe('a\\,b\\=c\\\\');
    expect(unescapeFieldValue(escapeFieldValue('a,b=c\\'))).toBe('a,b=c\\');
    expect(fieldSelectorFromSet({ 'metadata.name': 'a,b' }).toString()).toBe('metadata.name=a\\,b');
  });
});

describe('field labels', () => {
  it('lists kind-specific labels', () => {
    expect(fieldLabels('Pod')).toContain('spec.nodeName');
    expect(fieldLabels('Pod')).toContain('status.podIPs');
    expect(fieldLabels('Node')).toEqual(['metadata.name', 'spec.unschedulable']);
    expect(fieldLabels('Namespace')).toEqual(['metadata.name', 'status.phase']);
    expect(fieldLabels('Secret')).toContain('type');
    expect(fieldLabels('Event')).toContain('involvedObject.uid');
    expect(fieldLabels('ConfigMap')).toEqual(['metadata.name', 'metadata.namespace']);
    expect(fieldLabels('constructor')).toEqual(['metadata.name', 'metadata.namespace']);
  });

  it('reports unsupported labels', () => {
    expect(unsupportedFieldLabels('Pod', parseFieldSelector('spec.nodeName=a,status.phase=Running'))).toEqual([]);
    expect(unsupportedFieldLabels('ConfigMap', parseFieldSelector('data.x=a,data.x!=b,metadata.name=c'))).toEqual(['data.x']);
    expect(unsupportedFieldLabels('Node', parseFieldSelector('metadata.namespace=x'))).toEqual(['metadata.namespace']);
    expect(fieldLabelNotSupportedMessage('data.x')).toBe('field label not supported: data.x');
  });
});

describe('objectFields', () => {
  it('renders pod fields like Kubernetes', () => {
    const pod = {
      metadata: { name: 'p', namespace: 'ns' },
      spec: { nodeName: 'n1', restartPolicy: 'Always', hostNetwork: true },
      status: { phase: 'Running', podIPs: [{ ip: '10.0.0.1' }, { ip: 'fd00::1' }] },
    };
    expect(objectFields('Pod', pod)).toEqual({
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
    expect(objectFields('Pod', { metadata: { name: 'x' } })['spec.hostNetwork']).toBe('false');
  });

  it('renders other kinds', () => {
    expect(objectFields('Node', { metadata: { name: 'n' }, spec: { unschedulable: true } })).toEqual({
      'metadata.name': 'n',
      'spec.unschedulable': 'true',
    });
    expect(objectFields('Namespace', { metadata: { name: 'ns' }, status: { phase: 'Active' } })).toEqual({
      'metadata.name': 'ns',
      'status.phase': 'Active',
    });
    expect(objectFields('ReplicaSet', { metadata: { name: 'r', namespace: 'd' }, status: { replicas: 3 } })['status.replicas']).toBe('3');
    expect(objectFields('ReplicaSet', { metadata: { name: 'r' } })['status.replicas']).toBe('0');
    expect(objectFields('Secret', { type: 'Opaque', metadata: {} })['type']).toBe('Opaque');
    expect(objectFields('Service', { spec: { clusterIP: 'None', type: 'ClusterIP' } })['spec.clusterIP']).toBe('None');
    const ev = objectFields('Event', {
      metadata: { name: 'e', namespace: 'd' },
      involvedObject: { kind: 'Pod', name: 'p', uid: 'u1' },
      reason: 'Started',
      type: 'Normal',
      reportingComponent: 'kubelet',
    });
    expect(ev['involvedObject.uid']).toBe('u1');
    expect(ev['involvedObject.fieldPath']).toBe('');
    expect(ev['source']).toBe('kubelet');
    expect(objectFields('ConfigMap', { metadata: { name: 'c', namespace: 'd' } })).toEqual({
      'metadata.name': 'c',
      'metadata.namespace': 'd',
    });
  });
});
