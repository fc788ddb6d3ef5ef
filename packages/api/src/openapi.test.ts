import { describe, expect, it } from 'vitest';
import { buildOpenAPIV2, buildOpenAPIV3, buildOpenAPIV3Index, groupVersionPath, openAPIHash } from './openapi.js';
import { RESOURCE_TYPES } from './resources.js';

type Json = Record<string, unknown>;

/** Every `$ref` string anywhere in a document, with the JSON path where it sits. */
function collectRefs(node: unknown, path = '$', out: Array<[string, string]> = []): Array<[string, string]> {
  if (Array.isArray(node)) node.forEach((v, i) => collectRefs(v, `${path}[${i}]`, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push([path, v]);
      else collectRefs(v, `${path}.${k}`, out);
    }
  }
  return out;
}

function keysAnywhere(node: unknown, predicate: (k: string) => boolean, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((v) => keysAnywhere(v, predicate, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (predicate(k)) out.add(k);
      keysAnywhere(v, predicate, out);
    }
  }
  return out;
}

/**
 * Follows a property path through a v3 document the way apimachinery's
 * PatchMetaFromOpenAPIV3 does (property, then `allOf[0]` or `$ref`, items for lists) and
 * returns the patch metadata of the last field.
 */
function patchMetaV3(doc: Json, kindSchema: Json, fieldPath: string[]): { strategy?: unknown; mergeKey?: unknown } {
  const schemas = (doc['components'] as Json)['schemas'] as Record<string, Json>;
  const resolve = (s: Json): Json => {
    let node = s;
    if (Array.isArray(node['allOf']) && node['allOf'].length > 0) node = node['allOf'][0] as Json;
    const ref = node['$ref'];
    if (typeof ref === 'string') {
      const target = schemas[ref.replace('#/components/schemas/', '')];
      if (!target) throw new Error(`unresolved ${ref}`);
      return target;
    }
    return node;
  };
  let current = kindSchema;
  let meta: { strategy?: unknown; mergeKey?: unknown } = {};
  for (const field of fieldPath) {
    const prop = (current['properties'] as Record<string, Json> | undefined)?.[field];
    if (!prop) throw new Error(`unable to find api field "${field}"`);
    meta = { strategy: prop['x-kubernetes-patch-strategy'], mergeKey: prop['x-kubernetes-patch-merge-key'] };
    current = resolve(prop['items'] ? (prop['items'] as Json) : prop);
  }
  return meta;
}

function kindSchemaV3(doc: Json, group: string, version: string, kind: string): Json | undefined {
  const schemas = (doc['components'] as Json)['schemas'] as Record<string, Json>;
  return Object.values(schemas).find((s) =>
    ((s['x-kubernetes-group-version-kind'] as Array<Record<string, string>> | undefined) ?? []).some(
      (g) => g['group'] === group && g['version'] === version && g['kind'] === kind,
    ),
  );
}

describe('OpenAPI v2', () => {
  const doc = buildOpenAPIV2(RESOURCE_TYPES);
  const definitions = doc['definitions'] as Record<string, Json>;

  it('is a swagger 2.0 document whose references all resolve', () => {
    expect(doc['swagger']).toBe('2.0');
    const refs = collectRefs(doc);
    expect(refs.length).toBeGreaterThan(100);
    for (const [path, ref] of refs) {
      expect(ref, path).toMatch(/^#\/definitions\//);
      expect(definitions[ref.slice('#/definitions/'.length)], `${path} -> ${ref}`).toBeDefined();
    }
  });

  it('names definitions as Kubernetes does and marks kinds with their GVK', () => {
    for (const name of [
      'io.k8s.api.core.v1.PodSpec',
      'io.k8s.api.core.v1.Container',
      'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
      'io.k8s.apimachinery.pkg.api.resource.Quantity',
      'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
      'io.k8s.api.apps.v1.DeploymentStrategy',
    ]) {
      expect(definitions[name], name).toBeDefined();
    }
    for (const r of RESOURCE_TYPES) {
      expect(definitions[r.definition]!['x-kubernetes-group-version-kind']).toEqual([{ group: r.group, version: r.version, kind: r.kind }]);
      expect(definitions[`${r.definition}List`]!['x-kubernetes-group-version-kind']).toEqual([{ group: r.group, version: r.version, kind: r.listKind }]);
    }
    expect(definitions['io.k8s.api.autoscaling.v1.Scale']!['x-kubernetes-group-version-kind']).toEqual([
      { group: 'autoscaling', version: 'v1', kind: 'Scale' },
    ]);
    expect(definitions['io.k8s.apimachinery.pkg.api.resource.Quantity']).toEqual({ type: 'string' });
    expect(definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString']).toEqual({ type: 'string', format: 'int-or-string' });
  });

  it('keeps patch annotations, with $ref siblings for struct fields', () => {
    const podSpec = definitions['io.k8s.api.core.v1.PodSpec']!['properties'] as Record<string, Json>;
    expect(podSpec['containers']).toMatchObject({
      type: 'array',
      items: { $ref: '#/definitions/io.k8s.api.core.v1.Container' },
      'x-kubernetes-patch-strategy': 'merge',
      'x-kubernetes-patch-merge-key': 'name',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
    });
    expect(podSpec['volumes']).toMatchObject({ 'x-kubernetes-patch-strategy': 'merge,retainKeys', 'x-kubernetes-patch-merge-key': 'name' });
    const deploymentSpec = definitions['io.k8s.api.apps.v1.DeploymentSpec']!['properties'] as Record<string, Json>;
    expect(deploymentSpec['strategy']).toEqual({
      $ref: '#/definitions/io.k8s.api.apps.v1.DeploymentStrategy',
      'x-kubernetes-patch-strategy': 'retainKeys',
    });
    // The definition itself carries no usage annotation.
    expect(definitions['io.k8s.api.apps.v1.DeploymentStrategy']!['x-kubernetes-patch-strategy']).toBeUndefined();
  });

  it('leaks no mk8s-private keys', () => {
    expect([...keysAnywhere(doc, (k) => k.startsWith('x-mk8s'))]).toEqual([]);
    expect(() => JSON.stringify(doc)).not.toThrow();
  });

  it('has PATCH operations that accept strategic merge patch and fieldValidation for every kind', () => {
    const paths = doc['paths'] as Record<string, Record<string, Json>>;
    for (const r of RESOURCE_TYPES) {
      const patches = Object.values(paths)
        .map((p) => p['patch'])
        .filter(
          (op): op is Json =>
            !!op && JSON.stringify(op['x-kubernetes-group-version-kind']) === JSON.stringify({ group: r.group, version: r.version, kind: r.kind }),
        );
      expect(patches.length, r.kind).toBeGreaterThan(0);
      for (const op of patches) {
        expect(op['consumes']).toContain('application/strategic-merge-patch+json');
        expect(op['parameters']).toContainEqual(expect.objectContaining({ name: 'fieldValidation', in: 'query' }));
      }
    }
  });
});

describe('OpenAPI v3', () => {
  const index = buildOpenAPIV3Index(RESOURCE_TYPES);

  it('indexes every served group-version with a hash of its document', () => {
    expect(Object.keys(index.paths).sort()).toEqual([
      'api/v1',
      'apis/apiextensions.k8s.io/v1',
      'apis/apiregistration.k8s.io/v1',
      'apis/apps/v1',
      'apis/authentication.k8s.io/v1',
      'apis/authorization.k8s.io/v1',
      'apis/autoscaling/v1',
      'apis/autoscaling/v2',
      'apis/coordination.k8s.io/v1',
      'apis/events.k8s.io/v1',
      'apis/rbac.authorization.k8s.io/v1',
    ]);
    for (const [key, { serverRelativeURL }] of Object.entries(index.paths)) {
      const doc = buildOpenAPIV3(RESOURCE_TYPES, key)!;
      expect(serverRelativeURL).toBe(`/openapi/v3/${key}?hash=${openAPIHash(doc)}`);
      expect(serverRelativeURL).toMatch(/\?hash=[0-9A-F]{128}$/);
    }
    expect(buildOpenAPIV3Index(RESOURCE_TYPES)).toEqual(index);
  });

  it('answers only for served group-versions, with or without a leading slash', () => {
    expect(buildOpenAPIV3(RESOURCE_TYPES, 'apis/batch/v1')).toBeUndefined();
    expect(buildOpenAPIV3(RESOURCE_TYPES, '')).toBeUndefined();
    expect(buildOpenAPIV3(RESOURCE_TYPES, '/api/v1')).toBe(buildOpenAPIV3(RESOURCE_TYPES, 'api/v1'));
    expect(groupVersionPath('v1')).toBe('api/v1');
    expect(groupVersionPath('coordination.k8s.io/v1')).toBe('apis/coordination.k8s.io/v1');
  });

  for (const key of ['api/v1', 'apis/apps/v1', 'apis/autoscaling/v2', 'apis/coordination.k8s.io/v1']) {
    it(`${key}: references resolve inside the document and no private keys leak`, () => {
      const doc = buildOpenAPIV3(RESOURCE_TYPES, key)!;
      expect(doc['openapi']).toBe('3.0.0');
      const schemas = (doc['components'] as Json)['schemas'] as Record<string, Json>;
      for (const [path, ref] of collectRefs(doc)) {
        expect(ref, path).toMatch(/^#\/components\/schemas\//);
        expect(schemas[ref.slice('#/components/schemas/'.length)], `${path} -> ${ref}`).toBeDefined();
      }
      expect([...keysAnywhere(doc, (k) => k.startsWith('x-mk8s'))]).toEqual([]);
    });
  }

  it('gives each resource the PATCH operation kubectl apply looks for', () => {
    for (const r of RESOURCE_TYPES) {
      const doc = buildOpenAPIV3(RESOURCE_TYPES, groupVersionPath(r.apiVersion))!;
      const paths = doc['paths'] as Record<string, Record<string, Json>>;
      const op = Object.values(paths)
        .map((p) => p['patch'])
        .find((o) => {
          const gvk = o?.['x-kubernetes-group-version-kind'] as Record<string, string> | undefined;
          return gvk?.['group'] === r.group && gvk['version'] === r.version && gvk['kind'] === r.kind;
        });
      expect(op, r.kind).toBeDefined();
      const content = (op!['requestBody'] as Json)['content'] as Json;
      expect(Object.keys(content)).toContain('application/strategic-merge-patch+json');
      expect(op!['parameters']).toContainEqual({ name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } });
      expect(kindSchemaV3(doc, r.group, r.version, r.kind), r.kind).toBeDefined();
    }
  });

  it('lets strategic merge patch find merge keys the way kubectl walks the schema', () => {
    const apps = buildOpenAPIV3(RESOURCE_TYPES, 'apis/apps/v1')!;
    const deployment = kindSchemaV3(apps, 'apps', 'v1', 'Deployment')!;
    expect(patchMetaV3(apps, deployment, ['spec', 'template', 'spec', 'containers'])).toEqual({ strategy: 'merge', mergeKey: 'name' });
    expect(patchMetaV3(apps, deployment, ['spec', 'template', 'spec', 'containers', 'env'])).toEqual({ strategy: 'merge', mergeKey: 'name' });
    expect(patchMetaV3(apps, deployment, ['spec', 'template', 'spec', 'containers', 'ports'])).toEqual({
      strategy: 'merge',
      mergeKey: 'containerPort',
    });
    expect(patchMetaV3(apps, deployment, ['spec', 'strategy'])).toEqual({ strategy: 'retainKeys', mergeKey: undefined });
    expect(patchMetaV3(apps, deployment, ['metadata', 'ownerReferences'])).toEqual({ strategy: 'merge', mergeKey: 'uid' });
    expect(patchMetaV3(apps, deployment, ['spec', 'template', 'spec', 'tolerations'])).toEqual({ strategy: undefined, mergeKey: undefined });

    const core = buildOpenAPIV3(RESOURCE_TYPES, 'api/v1')!;
    const service = kindSchemaV3(core, '', 'v1', 'Service')!;
    expect(patchMetaV3(core, service, ['spec', 'ports'])).toEqual({ strategy: 'merge', mergeKey: 'port' });
    const node = kindSchemaV3(core, '', 'v1', 'Node')!;
    expect(patchMetaV3(core, node, ['spec', 'taints'])).toEqual({ strategy: undefined, mergeKey: undefined });
    expect(patchMetaV3(core, node, ['status', 'addresses'])).toEqual({ strategy: 'merge', mergeKey: 'type' });
    const pod = kindSchemaV3(core, '', 'v1', 'Pod')!;
    expect(patchMetaV3(core, pod, ['spec', 'containers', 'volumeMounts'])).toEqual({ strategy: 'merge', mergeKey: 'mountPath' });
    expect(patchMetaV3(core, pod, ['metadata', 'finalizers'])).toEqual({ strategy: 'merge', mergeKey: undefined });
    expect(() => patchMetaV3(core, pod, ['spec', 'containerz'])).toThrow(/unable to find api field/);
  });

  it('publishes the v3 shapes of scalar definitions and wraps annotated references in allOf', () => {
    const apps = buildOpenAPIV3(RESOURCE_TYPES, 'apis/apps/v1')!;
    const schemas = (apps['components'] as Json)['schemas'] as Record<string, Json>;
    expect(schemas['io.k8s.apimachinery.pkg.api.resource.Quantity']).toEqual({ oneOf: [{ type: 'string' }, { type: 'number' }] });
    expect(schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString']).toEqual({
      format: 'int-or-string',
      oneOf: [{ type: 'integer' }, { type: 'string' }],
    });
    expect((schemas['io.k8s.api.apps.v1.DeploymentSpec']!['properties'] as Json)['strategy']).toEqual({
      allOf: [{ $ref: '#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy' }],
      'x-kubernetes-patch-strategy': 'retainKeys',
    });
    // The scale subresource speaks autoscaling/v1 Scale and is published with apps/v1.
    expect(kindSchemaV3(apps, 'autoscaling', 'v1', 'Scale')).toBeDefined();
    expect(kindSchemaV3(apps, 'apps', 'v1', 'DeleteOptions')).toBeDefined();
    expect(kindSchemaV3(buildOpenAPIV3(RESOURCE_TYPES, 'api/v1')!, 'policy', 'v1', 'Eviction')).toBeDefined();
  });

  it('returns the same cached document each time', () => {
    expect(buildOpenAPIV3(RESOURCE_TYPES, 'api/v1')).toBe(buildOpenAPIV3(RESOURCE_TYPES, 'api/v1'));
    expect(buildOpenAPIV2(RESOURCE_TYPES)).toBe(buildOpenAPIV2(RESOURCE_TYPES));
  });
});
