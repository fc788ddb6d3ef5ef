import { describe, expect, it } from 'vitest';
import { DeploymentSchema, ConfigMapSchema } from '@mk8s/api';
import type { SchemaNode } from '../patch/schema-node.js';
import { applyConfiguration, ApplyConflictError, BEFORE_FIRST_APPLY, conflictStatus, trackUpdate, TypedError, type FieldContext } from './index.js';
import { FieldSet, pathString } from './field-set.js';

const T0 = Date.parse('2026-12-07T10:00:00Z');
let clock = T0;
const deployments: FieldContext = {
  schema: DeploymentSchema as unknown as SchemaNode,
  apiVersion: 'apps/v1',
  statusSubresource: true,
  structsAreValues: true,
  now: () => clock,
};
const configMaps: FieldContext = { ...deployments, schema: ConfigMapSchema as unknown as SchemaNode, apiVersion: 'v1', statusSubresource: false };

type Obj = Record<string, unknown>;

function deployment(replicas: number, image = 'nginx', labels: Record<string, string> = { app: 'web' }): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'app', image, ports: [{ containerPort: 80, protocol: 'TCP' }] }] },
      },
    },
  };
}

function withFields(obj: Obj, managedFields: unknown): Obj {
  return { ...obj, metadata: { ...(obj['metadata'] as Obj), managedFields } };
}

function managers(fields: Record<string, unknown>[] | undefined): string[] {
  return (fields ?? []).map((e) => `${String(e['manager'])}/${String(e['operation'])}`);
}

describe('field sets', () => {
  it('reads and writes fieldsV1, a member with children as its "." entry', () => {
    const fieldsV1 = { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } }, 'f:spec': { 'f:replicas': {} } };
    const set = FieldSet.fromFieldsV1(fieldsV1);
    expect(set.has(['f:metadata', 'f:labels'])).toBe(true);
    expect(set.has(['f:metadata'])).toBe(false);
    expect(set.toFieldsV1()).toEqual(fieldsV1);
    expect(Object.keys(FieldSet.fromFieldsV1({ 'k:{"name":"a"}': {}, 'f:z': {}, 'f:a': {} }).toFieldsV1())).toEqual(['f:a', 'f:z', 'k:{"name":"a"}']);
    expect(() => FieldSet.fromFieldsV1({ 'x:nope': {} })).toThrow(/unknown path element/);
    expect(() => FieldSet.fromFieldsV1({ 'f:a': 1 })).toThrow(/must be a JSON object/);
  });

  it('prints paths as Kubernetes does in conflicts', () => {
    expect(pathString(['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"app"}', 'f:image'])).toBe(
      '.spec.template.spec.containers[name="app"].image',
    );
    expect(pathString(['f:metadata', 'f:finalizers', 'v:"x"'])).toBe('.metadata.finalizers[="x"]');
  });
});

describe('trackUpdate', () => {
  it('credits a create to its manager as Kubernetes records it: maps, lists and list items as members, struct fields only through their contents', () => {
    const fields = trackUpdate(deployments, undefined, deployment(2), 'kubectl-create', '', undefined);
    expect(fields).toHaveLength(1);
    expect(fields![0]).toEqual({
      manager: 'kubectl-create',
      operation: 'Update',
      apiVersion: 'apps/v1',
      time: '2026-12-07T10:00:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
        'f:spec': {
          'f:replicas': {},
          'f:selector': {},
          'f:template': {
            'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
            'f:spec': {
              'f:containers': {
                'k:{"name":"app"}': {
                  '.': {},
                  'f:image': {},
                  'f:name': {},
                  'f:ports': { '.': {}, 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {}, 'f:protocol': {} } },
                },
              },
            },
          },
        },
      },
    });
  });

  it('moves a changed field to the writer and keeps the rest with its owner; a no-op keeps the time', () => {
    const created = withFields(deployment(2), trackUpdate(deployments, undefined, deployment(2), 'creator', '', undefined));
    clock = T0 + 60_000;
    const scaled = deployment(5);
    const fields = trackUpdate(deployments, created, scaled, 'scaler', '', (created['metadata'] as Obj)['managedFields']);
    expect(managers(fields)).toEqual(['creator/Update', 'scaler/Update']);
    const [creator, scaler] = fields!.map((e) => FieldSet.fromFieldsV1(e['fieldsV1']));
    expect(scaler!.paths()).toEqual([['f:spec', 'f:replicas']]);
    expect(creator!.has(['f:spec', 'f:replicas'])).toBe(false);
    expect(creator!.has(['f:spec', 'f:selector'])).toBe(true);
    expect(fields![1]!['time']).toBe('2026-12-07T10:01:00Z');

    const again = trackUpdate(deployments, withFields(scaled, fields), deployment(5), 'scaler', '', fields);
    expect(again).toEqual(fields);
    clock = T0;
  });

  it('clears managedFields on [{}], keeps the live ones when the request sends none or garbage', () => {
    const live = withFields(deployment(2), trackUpdate(deployments, undefined, deployment(2), 'creator', '', undefined));
    expect(trackUpdate(deployments, live, deployment(2), 'other', '', [{}])).toBeUndefined();
    expect(managers(trackUpdate(deployments, live, deployment(2), 'other', '', []))).toEqual(['creator/Update']);
    expect(managers(trackUpdate(deployments, live, deployment(2), 'other', '', [{ operation: 'Bogus' }]))).toEqual(['creator/Update']);
  });

  it('keeps at most ten update managers, folding the oldest into ancient-changes', () => {
    let obj = withFields(deployment(1), trackUpdate(deployments, undefined, deployment(1), 'm0', '', undefined));
    for (let i = 1; i <= 12; i++) {
      clock = T0 + i * 1000;
      const next = deployment(1, 'nginx', { app: 'web', [`k${i}`]: 'v' });
      next['metadata'] = { ...(next['metadata'] as Obj), labels: { ...((obj['metadata'] as Obj)['labels'] as Obj), [`k${i}`]: 'v' } };
      obj = withFields(next, trackUpdate(deployments, obj, next, `m${i}`, '', (obj['metadata'] as Obj)['managedFields']));
    }
    clock = T0;
    const names = managers((obj['metadata'] as Obj)['managedFields'] as Obj[]);
    expect(names).toHaveLength(10);
    expect(names[0]).toBe('ancient-changes/Update');
    expect(names.at(-1)).toBe('m12/Update');
  });
});

describe('applyConfiguration', () => {
  const cm = (data: Record<string, string>, labels?: Record<string, string>): Obj => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c', namespace: 'default', ...(labels ? { labels } : {}) },
    data,
  });

  it("creates with exactly the configuration as the applier's fields", () => {
    const r = applyConfiguration(configMaps, undefined, cm({ a: '1' }, { team: 'x' }), 'kubectl', '', false);
    expect(r.object['data']).toEqual({ a: '1' });
    expect(r.managedFields).toEqual([
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'v1',
        time: '2026-12-07T10:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:data': { 'f:a': {} }, 'f:metadata': { 'f:labels': { 'f:team': {} } } },
      },
    ]);
  });

  it('removes what the applier set before and leaves out now, unless another manager owns it', () => {
    const first = applyConfiguration(configMaps, undefined, cm({ a: '1', b: '2', shared: 's' }), 'alice', '', false);
    let live = withFields(first.object, first.managedFields);
    const bob = applyConfiguration(configMaps, live, cm({ shared: 's' }), 'bob', '', false);
    live = withFields(bob.object, bob.managedFields);
    const second = applyConfiguration(configMaps, live, cm({ a: '1' }), 'alice', '', false);
    expect(second.object['data']).toEqual({ a: '1', shared: 's' });
    expect(managers(second.managedFields)).toEqual(['alice/Apply', 'bob/Apply']);
  });

  it("refuses to change another manager's field, names it, and takes it when forced", () => {
    const created = trackUpdate(deployments, undefined, deployment(2), 'kubectl-client-side-apply', '', undefined);
    const live = withFields(deployment(2), created);
    const config = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 3 } };
    let caught: unknown;
    try {
      applyConfiguration(deployments, live, config, 'kubectl', '', false);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ApplyConflictError);
    const status = conflictStatus(caught as ApplyConflictError).status;
    expect(status.code).toBe(409);
    expect(status.message).toBe('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
    expect(status.details?.causes).toEqual([
      { reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: '.spec.replicas' },
    ]);

    const forced = applyConfiguration(deployments, live, config, 'kubectl', '', true);
    expect((forced.object['spec'] as Obj)['replicas']).toBe(3);
    const [applier, updater] = forced.managedFields!.map((e) => FieldSet.fromFieldsV1(e['fieldsV1']));
    expect(applier!.paths()).toEqual([['f:spec', 'f:replicas']]);
    expect(updater!.has(['f:spec', 'f:replicas'])).toBe(false);
  });

  it('shares a field applied with the value it already has, without a conflict', () => {
    const live = withFields(deployment(2), trackUpdate(deployments, undefined, deployment(2), 'creator', '', undefined));
    const r = applyConfiguration(
      deployments,
      live,
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 2 } },
      'kubectl',
      '',
      false,
    );
    for (const e of r.managedFields!) expect(FieldSet.fromFieldsV1(e['fieldsV1']).has(['f:spec', 'f:replicas'])).toBe(true);
  });

  it('credits an object written before its first apply to before-first-apply', () => {
    const r = () => applyConfiguration(configMaps, cm({ a: '1' }), cm({ a: '2' }), 'kubectl', '', false);
    expect(r).toThrow(ApplyConflictError);
    try {
      r();
    } catch (err) {
      expect(conflictStatus(err as ApplyConflictError).status.message).toBe(
        `Apply failed with 1 conflict: conflict with "${BEFORE_FIRST_APPLY}" using v1: .data.a`,
      );
    }
  });

  it('merges keyed lists item by item and refuses an item without its key', () => {
    const live = withFields(deployment(2), trackUpdate(deployments, undefined, deployment(2), 'creator', '', undefined));
    const sidecar = { name: 'log', image: 'busybox' };
    const config = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { template: { spec: { containers: [sidecar] } } } };
    const r = applyConfiguration(deployments, live, config, 'sidecar-injector', '', false);
    const containers = (((r.object['spec'] as Obj)['template'] as Obj)['spec'] as Obj)['containers'] as Obj[];
    expect(containers.map((c) => c['name'])).toEqual(['app', 'log']);

    const keyless = { ...config, spec: { template: { spec: { containers: [{ image: 'x' }] } } } };
    expect(() => applyConfiguration(deployments, live, keyless, 'x', '', false)).toThrow(TypedError);
  });

  it('keys a port that leaves out its protocol by the schema default, TCP', () => {
    const config = deployment(1);
    (((config['spec'] as Obj)['template'] as Obj)['spec'] as Obj)['containers'] = [{ name: 'app', image: 'nginx', ports: [{ containerPort: 80 }] }];
    const r = applyConfiguration(deployments, undefined, config, 'kubectl', '', false);
    const set = FieldSet.fromFieldsV1(r.managedFields![0]!['fieldsV1']);
    const port = ['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"app"}', 'f:ports', 'k:{"containerPort":80,"protocol":"TCP"}'];
    expect(set.has(port)).toBe(true);
    expect(set.has([...port, 'f:containerPort'])).toBe(true);
  });

  it('owns no status through the main resource and only status through /status', () => {
    const config = { ...deployment(1), status: { replicas: 9 } };
    const main = applyConfiguration(deployments, undefined, config, 'kubectl', '', false);
    expect(main.object['status']).toBeUndefined();
    const status = applyConfiguration(deployments, withFields(deployment(1), main.managedFields), config, 'ctl', 'status', false);
    expect((status.object['status'] as Obj)['replicas']).toBe(9);
    const entry = status.managedFields!.find((e) => e['manager'] === 'ctl')!;
    expect(entry['subresource']).toBe('status');
    expect(entry['fieldsV1']).toEqual({ 'f:status': { 'f:replicas': {} } });
  });
});
