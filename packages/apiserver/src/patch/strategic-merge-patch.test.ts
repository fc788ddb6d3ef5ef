import { describe, expect, it } from 'vitest';
import { PatchError } from './errors.js';
import type { SchemaNode } from './schema-node.js';
import { applyStrategicMergePatch } from './strategic-merge-patch.js';

// A trimmed apps/v1 Deployment schema carrying the patch annotations that
// Kubernetes declares on these fields.
const stringMap: SchemaNode = { type: 'object', additionalProperties: { type: 'string' } };
const container: SchemaNode = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    image: { type: 'string' },
    args: { type: 'array', items: { type: 'string' } },
    env: {
      type: 'array',
      items: { type: 'object', properties: { name: { type: 'string' }, value: { type: 'string' } } },
      'x-kubernetes-patch-strategy': 'merge',
      'x-kubernetes-patch-merge-key': 'name',
    },
    ports: {
      type: 'array',
      items: { type: 'object', properties: { containerPort: { type: 'integer' }, protocol: { type: 'string' } } },
      'x-kubernetes-patch-strategy': 'merge',
      'x-kubernetes-patch-merge-key': 'containerPort',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['containerPort', 'protocol'],
    },
  },
};
const podSpec: SchemaNode = {
  type: 'object',
  properties: {
    containers: { type: 'array', items: container, 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'name' },
    volumes: { type: 'array', items: { type: 'object' }, 'x-kubernetes-patch-strategy': 'merge,retainKeys', 'x-kubernetes-patch-merge-key': 'name' },
    tolerations: { type: 'array', items: { type: 'object' } },
    nodeSelector: { ...stringMap, 'x-kubernetes-map-type': 'atomic' },
    securityContext: { type: 'object' },
  },
};
const metadata: SchemaNode = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    labels: stringMap,
    annotations: stringMap,
    finalizers: { type: 'array', items: { type: 'string' }, 'x-kubernetes-patch-strategy': 'merge' },
  },
};
const deploymentSchema: SchemaNode = {
  type: 'object',
  properties: {
    metadata,
    spec: {
      type: 'object',
      properties: {
        replicas: { type: 'integer' },
        strategy: {
          type: 'object',
          'x-kubernetes-patch-strategy': 'retainKeys',
          properties: { type: { type: 'string' }, rollingUpdate: { type: 'object' } },
        },
        template: { type: 'object', properties: { metadata, spec: podSpec } },
      },
    },
  },
};

function liveDeployment() {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'default',
      resourceVersion: '42',
      labels: { app: 'web', tier: 'frontend' },
      annotations: {
        'deployment.kubernetes.io/revision': '1',
        'kubectl.kubernetes.io/last-applied-configuration': '{"old":true}',
      },
      finalizers: ['a.example.com/one', 'b.example.com/two'],
    },
    spec: {
      replicas: 2,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'busybox:1.1',
              args: ['httpd', '-f'],
              imagePullPolicy: 'IfNotPresent',
              terminationMessagePath: '/dev/termination-log',
              env: [
                { name: 'A', value: '1' },
                { name: 'B', value: '2' },
              ],
              ports: [{ containerPort: 80, protocol: 'TCP' }],
            },
          ],
          restartPolicy: 'Always',
          securityContext: { runAsUser: 1000 },
        },
      },
    },
    status: { replicas: 2, readyReplicas: 2 },
  };
}

type Live = ReturnType<typeof liveDeployment>;

function patched(patch: Record<string, unknown>, schema: SchemaNode | 'none' = deploymentSchema): Live {
  return applyStrategicMergePatch(liveDeployment(), patch, schema === 'none' ? undefined : schema) as unknown as Live;
}

function thrown(fn: () => unknown): PatchError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PatchError) return err;
    throw err;
  }
  throw new Error('expected a PatchError');
}

describe('applyStrategicMergePatch', () => {
  it('applies the three-way patch kubectl apply sends for an image change', () => {
    const lastApplied = '{"apiVersion":"apps/v1","kind":"Deployment","spec":{"template":{"spec":{"containers":[{"image":"busybox:1.2","name":"web"}]}}}}';
    // The body exactly as kubectl sends it on the wire.
    const wire = `{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":${JSON.stringify(lastApplied)}}},"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"}],"containers":[{"image":"busybox:1.2","name":"web"}]}}}}`;
    const result = patched(JSON.parse(wire) as Record<string, unknown>);
    const web = result.spec.template.spec.containers[0]!;
    expect(result.spec.template.spec.containers).toHaveLength(1);
    expect(web.image).toBe('busybox:1.2');
    // Server-defaulted fields that the user never wrote survive the merge.
    expect(web.imagePullPolicy).toBe('IfNotPresent');
    expect(web.terminationMessagePath).toBe('/dev/termination-log');
    expect(web.env).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '2' },
    ]);
    expect(result.metadata.annotations).toEqual({
      'deployment.kubernetes.io/revision': '1',
      'kubectl.kubernetes.io/last-applied-configuration': lastApplied,
    });
    expect(result.status).toEqual({ replicas: 2, readyReplicas: 2 });
  });

  it('applies kubectl label and annotate patches (set and remove)', () => {
    const result = patched({ metadata: { labels: { track: 'canary', tier: null }, annotations: { note: 'x' } } });
    expect(result.metadata.labels).toEqual({ app: 'web', track: 'canary' });
    expect(result.metadata.annotations).toMatchObject({ note: 'x', 'deployment.kubernetes.io/revision': '1' });
  });

  it('applies a kubectl scale style patch', () => {
    const result = patched({ spec: { replicas: 5 } });
    expect(result.spec.replicas).toBe(5);
    expect(result.spec.template).toEqual(liveDeployment().spec.template);
  });

  it('merges env by name inside the container matched by name', () => {
    const result = patched({
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'web',
                env: [
                  { name: 'B', value: '20' },
                  { name: 'C', value: '3' },
                ],
              },
            ],
          },
        },
      },
    });
    expect(result.spec.template.spec.containers[0]!.env).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '20' },
      { name: 'C', value: '3' },
    ]);
    expect(result.spec.template.spec.containers[0]!.image).toBe('busybox:1.1');
  });

  it('places a new item without $setElementOrder before live items, as Kubernetes orders it', () => {
    const result = patched({ spec: { template: { spec: { containers: [{ name: 'web', env: [{ name: 'Z', value: '9' }] }] } } } });
    expect(result.spec.template.spec.containers[0]!.env!.map((e) => e.name)).toEqual(['Z', 'A', 'B']);
  });

  it('adds a container where $setElementOrder puts it (kubectl apply of a new sidecar)', () => {
    const result = patched({
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }],
            containers: [{ name: 'sidecar', image: 'busybox', args: ['sleep', '3600'] }],
          },
        },
      },
    });
    expect(result.spec.template.spec.containers.map((c) => c.name)).toEqual(['web', 'sidecar']);
    expect(result.spec.template.spec.containers[1]).toEqual({ name: 'sidecar', image: 'busybox', args: ['sleep', '3600'] });
  });

  it('reorders a list from $setElementOrder alone', () => {
    const result = patched({
      spec: { template: { spec: { containers: [{ name: 'web', '$setElementOrder/env': [{ name: 'B' }, { name: 'A' }] }] } } },
    });
    expect(result.spec.template.spec.containers[0]!.env!.map((e) => e.name)).toEqual(['B', 'A']);
  });

  it('deletes a container with $patch: delete', () => {
    const withSidecar = patched({ spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'busybox' }] } } } });
    const result = applyStrategicMergePatch(
      withSidecar as unknown as Record<string, unknown>,
      { spec: { template: { spec: { containers: [{ $patch: 'delete', name: 'sidecar' }] } } } },
      deploymentSchema,
    ) as unknown as Live;
    expect(result.spec.template.spec.containers.map((c) => c.name)).toEqual(['web']);
  });

  it('replaces a merge list with $patch: replace', () => {
    const result = patched({ spec: { template: { spec: { containers: [{ name: 'only', image: 'x' }, { $patch: 'replace' }] } } } });
    expect(result.spec.template.spec.containers).toEqual([{ name: 'only', image: 'x' }]);
  });

  it('replaces a map with $patch: replace and empties it with $patch: delete', () => {
    const result = patched({
      metadata: { labels: { $patch: 'replace', app: 'other' } },
      spec: { template: { spec: { securityContext: { $patch: 'delete' } } } },
    });
    expect(result.metadata.labels).toEqual({ app: 'other' });
    expect(result.spec.template.spec.securityContext).toEqual({});
  });

  it('accepts $patch: merge as the default behaviour', () => {
    const result = patched({ metadata: { labels: { $patch: 'merge', track: 'x' } } });
    expect(result.metadata.labels).toEqual({ app: 'web', tier: 'frontend', track: 'x' });
  });

  it('unions, deletes from and orders a primitive merge list (finalizers)', () => {
    const result = patched({
      metadata: {
        '$setElementOrder/finalizers': ['a.example.com/one', 'c.example.com/three'],
        '$deleteFromPrimitiveList/finalizers': ['b.example.com/two'],
        finalizers: ['c.example.com/three'],
      },
    });
    expect(result.metadata.finalizers).toEqual(['a.example.com/one', 'c.example.com/three']);
    const union = patched({ metadata: { finalizers: ['a.example.com/one', 'd.example.com/four'] } });
    expect(union.metadata.finalizers).toEqual(['a.example.com/one', 'd.example.com/four', 'b.example.com/two']);
  });

  it('replaces lists that have no merge strategy', () => {
    const result = patched({ spec: { template: { spec: { containers: [{ name: 'web', args: ['sleep', '10'] }] } } } });
    expect(result.spec.template.spec.containers[0]!.args).toEqual(['sleep', '10']);
  });

  it('merges ports by a numeric merge key', () => {
    const result = patched({
      spec: { template: { spec: { containers: [{ name: 'web', ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }] }] } } },
    });
    expect(result.spec.template.spec.containers[0]!.ports).toEqual([{ containerPort: 80, protocol: 'TCP', name: 'http' }, { containerPort: 443 }]);
  });

  it('clears keys missing from $retainKeys (switching to the Recreate strategy)', () => {
    const result = patched({ spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } } });
    expect(result.spec.strategy).toEqual({ type: 'Recreate' });
  });

  it('replaces a map whose schema has patch strategy replace', () => {
    const schema: SchemaNode = {
      type: 'object',
      properties: { spec: { type: 'object', properties: { selector: { type: 'object', 'x-kubernetes-patch-strategy': 'replace' } } } },
    };
    const result = applyStrategicMergePatch({ spec: { selector: { a: '1', b: '2' } } }, { spec: { selector: { c: '3' } } }, schema);
    expect(result).toEqual({ spec: { selector: { c: '3' } } });
  });

  it('behaves like a JSON merge patch where there is no schema, still honouring directives', () => {
    const result = patched(
      {
        metadata: { labels: { tier: null } },
        spec: { template: { spec: { containers: [{ name: 'web', image: 'new' }], securityContext: { $patch: 'delete' } } } },
      },
      'none',
    );
    expect(result.metadata.labels).toEqual({ app: 'web' });
    expect(result.spec.template.spec.containers).toEqual([{ name: 'web', image: 'new' }]);
    expect(result.spec.template.spec.securityContext).toEqual({});
  });

  it('strips directives and nulls from values that are new to the object', () => {
    const result = applyStrategicMergePatch(
      { metadata: { name: 'x' } },
      { spec: { template: { spec: { containers: [{ name: 'a', image: 'i', env: [{ name: 'gone', $patch: 'delete' }], ports: null }] } } } },
      deploymentSchema,
    );
    expect(result).toEqual({ metadata: { name: 'x' }, spec: { template: { spec: { containers: [{ name: 'a', image: 'i', env: [] }] } } } });
  });

  it('does not modify its inputs and shares no objects with them', () => {
    const doc = liveDeployment();
    const patch = { spec: { template: { spec: { containers: [{ name: 'web', image: 'x' }] } } }, metadata: { labels: { z: '1' } } };
    const docBefore = structuredClone(doc);
    const patchBefore = structuredClone(patch);
    const result = applyStrategicMergePatch(doc, patch, deploymentSchema) as unknown as Live;
    expect(doc).toEqual(docBefore);
    expect(patch).toEqual(patchBefore);
    result.spec.template.spec.containers[0]!.env!.push({ name: 'X', value: '1' });
    result.status.replicas = 9;
    expect(doc.spec.template.spec.containers[0]!.env).toHaveLength(2);
    expect(doc.status.replicas).toBe(2);
  });

  it('treats "__proto__" as an ordinary key', () => {
    const patch = JSON.parse('{"metadata":{"labels":{"__proto__":{"polluted":"yes"}}}}') as Record<string, unknown>;
    const result = applyStrategicMergePatch(liveDeployment(), patch, deploymentSchema) as unknown as Live;
    expect(Object.getPrototypeOf(result.metadata.labels)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  describe('bad input', () => {
    it.each<[string, Record<string, unknown>, number]>([
      ['an unknown $patch value in a map', { metadata: { labels: { $patch: 'shuffle' } } }, 400],
      ['an unknown $patch value in a list', { spec: { template: { spec: { containers: [{ name: 'web', $patch: 'shuffle' }] } } } }, 400],
      ['an unknown directive key', { metadata: { $frobnicate: true } }, 400],
      ['a $patch: delete list item without the merge key', { spec: { template: { spec: { containers: [{ $patch: 'delete' }] } } } }, 400],
      ['a merge list item without the merge key', { spec: { template: { spec: { containers: [{ image: 'x' }] } } } }, 400],
      ['a merge list item that is not an object', { spec: { template: { spec: { containers: ['web'] } } } }, 400],
      ['mixed element types in a merge list', { metadata: { finalizers: [1] } }, 400],
      ['a list of lists', { metadata: { finalizers: [['x']] } }, 422],
      ['a $setElementOrder that is not a list', { metadata: { '$setElementOrder/finalizers': 'x' } }, 400],
      ['a $setElementOrder without a field name', { metadata: { $setElementOrder: [] } }, 400],
      [
        'a $setElementOrder that contradicts the patch list',
        { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'web' }], containers: [{ name: 'other', image: 'x' }] } } } },
        400,
      ],
      ['a $deleteFromPrimitiveList that is not a list', { metadata: { '$deleteFromPrimitiveList/finalizers': 'x' } }, 400],
      ['a $deleteFromPrimitiveList aimed at a list of objects', { spec: { template: { spec: { '$deleteFromPrimitiveList/containers': ['web'] } } } }, 400],
      ['a $retainKeys that is not a list', { spec: { strategy: { $retainKeys: 'type' } } }, 400],
      ['a patch key missing from $retainKeys', { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: { maxSurge: 1 } } } }, 400],
    ])('rejects %s', (_name, patch, code) => {
      const err = thrown(() => applyStrategicMergePatch(liveDeployment(), patch, deploymentSchema));
      expect(err.code).toBe(code);
      expect(err.reason).toBe(code === 400 ? 'BadRequest' : 'Invalid');
    });

    it('rejects a merge-strategy list of objects whose schema has no merge key', () => {
      const schema: SchemaNode = { properties: { items: { type: 'array', 'x-kubernetes-patch-strategy': 'merge' } } };
      const err = thrown(() => applyStrategicMergePatch({ items: [{ a: 1 }] }, { items: [{ a: 2 }] }, schema));
      expect(err.code).toBe(400);
    });
  });
});
