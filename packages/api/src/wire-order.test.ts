import { describe, expect, it } from 'vitest';
import { ConfigMapSchema, DeploymentSchema } from './index.js';
import { inWireOrder } from './wire-order.js';

describe('inWireOrder', () => {
  it('writes a built-in kind as Go does: kind, apiVersion, then struct order; maps with sorted keys', () => {
    const cm = {
      data: { b: '2', a: '1' },
      metadata: { uid: 'u', labels: { z: '1', a: '2' }, name: 'x', resourceVersion: '7' },
      apiVersion: 'v1',
      kind: 'ConfigMap',
    };
    expect(JSON.stringify(inWireOrder(cm, ConfigMapSchema, false))).toBe(
      '{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"x","uid":"u","resourceVersion":"7","labels":{"a":"2","z":"1"}},"data":{"a":"1","b":"2"}}',
    );
  });

  it('orders nested structs and list items by the schema, keeps unknown keys after the known ones', () => {
    const d = {
      status: { replicas: 1 },
      spec: { template: { spec: { containers: [{ image: 'i', name: 'c' }] } }, replicas: 2 },
      metadata: { name: 'd' },
      kind: 'Deployment',
      apiVersion: 'apps/v1',
    };
    const out = inWireOrder(d, DeploymentSchema, false) as any;
    expect(Object.keys(out)).toEqual(['kind', 'apiVersion', 'metadata', 'spec', 'status']);
    expect(Object.keys(out.spec)).toEqual(['replicas', 'template']);
    expect(Object.keys(out.spec.template.spec.containers[0])).toEqual(['name', 'image']);
  });

  it('sorts every key of a custom resource, as Kubernetes writes unstructured objects', () => {
    const cr = { spec: { z: 1, a: { y: 1, b: 2 } }, metadata: { name: 'w', creationTimestamp: 't' }, kind: 'Widget', apiVersion: 'example.com/v1' };
    expect(JSON.stringify(inWireOrder(cr, undefined, true))).toBe(
      '{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"creationTimestamp":"t","name":"w"},"spec":{"a":{"b":2,"y":1},"z":1}}',
    );
  });

  it('keeps a __proto__ key as data, never as a prototype', () => {
    const data = JSON.parse('{"__proto__":"x","a":"1"}');
    const out = inWireOrder({ kind: 'ConfigMap', data }, ConfigMapSchema, false) as any;
    expect(Object.getPrototypeOf(out.data)).toBe(Object.prototype);
    expect(JSON.stringify(out.data)).toBe('{"__proto__":"x","a":"1"}');
  });
});
