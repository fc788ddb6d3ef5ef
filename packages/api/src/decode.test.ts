import { describe, expect, it } from 'vitest';
import { cloneJson, decodeObject } from './decode.js';
import { DeploymentSchema } from './schemas/apps.js';
import { PodSchema } from './schemas/core-pod.js';
import { ConfigMapSchema, SecretSchema, ServiceSchema } from './schemas/core.js';
import { TableSchema } from './schemas/meta.js';

describe('decodeObject', () => {
  it('keeps known fields and drops and reports unknown ones with Kubernetes paths', () => {
    const input = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', labels: { app: 'web' }, colour: 'red' },
      spec: {
        containers: [
          { name: 'c', image: 'busybox' },
          { name: 'd', imagee: 'x', ports: [{ containerPort: 80, hostt: 1 }] },
        ],
      },
      extra: { a: 1 },
    };
    const { object, unknownFields, errors } = decodeObject(PodSchema, input);
    expect(errors).toEqual([]);
    expect(unknownFields).toEqual(['metadata.colour', 'spec.containers[1].imagee', 'spec.containers[1].ports[0].hostt', 'extra']);
    expect(object).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', labels: { app: 'web' } },
      spec: {
        containers: [
          { name: 'c', image: 'busybox' },
          { name: 'd', ports: [{ containerPort: 80 }] },
        ],
      },
    });
  });

  it('never mutates or shares the input', () => {
    const input = { metadata: { name: 'p', bogus: 1 }, spec: { containers: [{ name: 'c', resources: { limits: { cpu: 1 } } }] } };
    const snapshot = JSON.parse(JSON.stringify(input));
    const { object } = decodeObject(PodSchema, input);
    expect(input).toEqual(snapshot);
    (object['metadata'] as Record<string, unknown>)['name'] = 'changed';
    expect(input.metadata.name).toBe('p');
  });

  it('treats null fields as absent', () => {
    const { object, errors } = decodeObject(PodSchema, {
      metadata: { name: 'p', labels: null, annotations: { a: null, b: 'x' } },
      spec: { nodeName: null, containers: [{ name: 'c', command: null }] },
      status: null,
    });
    expect(errors).toEqual([]);
    expect(object).toEqual({ metadata: { name: 'p', annotations: { b: 'x' } }, spec: { containers: [{ name: 'c' }] } });
  });

  it('reports wrong JSON types as FieldValueTypeInvalid and drops the field', () => {
    const { object, errors } = decodeObject(DeploymentSchema, {
      spec: { replicas: 'three', paused: 'yes', selector: { matchLabels: { app: 7 } }, template: { spec: { containers: {} } } },
    });
    expect(errors).toEqual([
      {
        type: 'FieldValueTypeInvalid',
        field: 'spec.replicas',
        message: 'Invalid value: "three": spec.replicas in body must be of type integer',
      },
      { type: 'FieldValueTypeInvalid', field: 'spec.paused', message: 'Invalid value: "yes": spec.paused in body must be of type boolean' },
      {
        type: 'FieldValueTypeInvalid',
        field: 'spec.selector.matchLabels[app]',
        message: 'Invalid value: 7: spec.selector.matchLabels[app] in body must be of type string',
      },
      {
        type: 'FieldValueTypeInvalid',
        field: 'spec.template.spec.containers',
        message: 'Invalid value: {}: spec.template.spec.containers in body must be of type array',
      },
    ]);
    expect(object).toEqual({ spec: { selector: { matchLabels: {} }, template: { spec: {} } } });
  });

  it('rejects non-integral numbers for integer fields and null list items', () => {
    const { errors } = decodeObject(PodSchema, { spec: { terminationGracePeriodSeconds: 1.5, containers: [null] } });
    expect(errors.map((e) => e.field)).toEqual(['spec.terminationGracePeriodSeconds', 'spec.containers[0]']);
    expect(errors[1]!.message).toBe('Invalid value: null: spec.containers[0] in body must be of type object');
  });

  it('turns numeric quantities into strings and rejects other types', () => {
    const { object, errors } = decodeObject(PodSchema, {
      spec: { containers: [{ name: 'c', resources: { limits: { cpu: 1, memory: '64Mi' }, requests: { cpu: 0.5, memory: true } } }] },
    });
    const resources = (object as { spec: { containers: Array<{ resources: unknown }> } }).spec.containers[0]!.resources;
    expect(resources).toEqual({ limits: { cpu: '1', memory: '64Mi' }, requests: { cpu: '0.5' } });
    expect(errors).toEqual([
      {
        type: 'FieldValueTypeInvalid',
        field: 'spec.containers[0].resources.requests[memory]',
        message: 'Invalid value: true: spec.containers[0].resources.requests[memory] in body must be of type string or number',
      },
    ]);
  });

  it('accepts integers and strings for int-or-string fields', () => {
    const { object, errors } = decodeObject(ServiceSchema, {
      spec: {
        ports: [
          { port: 80, targetPort: 8080 },
          { port: 81, targetPort: 'http' },
          { port: 82, targetPort: 1.5 },
          { port: 83, targetPort: [] },
        ],
      },
    });
    expect((object as { spec: { ports: unknown[] } }).spec.ports).toEqual([
      { port: 80, targetPort: 8080 },
      { port: 81, targetPort: 'http' },
      { port: 82 },
      { port: 83 },
    ]);
    expect(errors.map((e) => [e.field, e.message])).toEqual([
      ['spec.ports[2].targetPort', 'Invalid value: 1.5: spec.ports[2].targetPort in body must be of type integer or string'],
      ['spec.ports[3].targetPort', 'Invalid value: []: spec.ports[3].targetPort in body must be of type integer or string'],
    ]);
  });

  it('keeps unknown fields under x-kubernetes-preserve-unknown-fields', () => {
    const { object, unknownFields } = decodeObject(PodSchema, {
      metadata: { managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:spec': {} } }] },
      spec: {
        containers: [{ name: 'c', securityContext: { runAsUser: 1, futureField: { x: 1 }, capabilities: { add: ['NET_ADMIN'], bogus: 1 } } }],
        volumes: [{ name: 'v', projected: { sources: [{ serviceAccountToken: { path: 't' } }] } }],
      },
    });
    const spec = (object as { spec: { containers: Array<Record<string, unknown>>; volumes: unknown[] } }).spec;
    expect(spec.containers[0]!['securityContext']).toEqual({ runAsUser: 1, futureField: { x: 1 }, capabilities: { add: ['NET_ADMIN'] } });
    expect(spec.volumes).toEqual([{ name: 'v', projected: { sources: [{ serviceAccountToken: { path: 't' } }] } }]);
    expect((object as { metadata: unknown }).metadata).toEqual({ managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:spec': {} } }] });
    expect(unknownFields).toEqual(['spec.containers[0].securityContext.capabilities.bogus']);
  });

  it('checks base64 in Secret data without echoing the value', () => {
    const { object, errors } = decodeObject(SecretSchema, { data: { good: 'aGVsbG8=', bad: 'not base64!' }, stringData: { s: 'x' } });
    expect(object).toEqual({ data: { good: 'aGVsbG8=' }, stringData: { s: 'x' } });
    expect(errors).toEqual([{ type: 'FieldValueTypeInvalid', field: 'data[bad]', message: 'Invalid value: "<value omitted>": illegal base64 data' }]);
  });

  it('keeps any value where the schema declares no type (table cells)', () => {
    const { object, errors } = decodeObject(TableSchema, {
      columnDefinitions: [],
      rows: [{ cells: ['a', 1, null, { x: [1] }], object: { kind: 'Pod', anything: true } }],
    });
    expect(errors).toEqual([]);
    expect((object as { rows: unknown[] }).rows).toEqual([{ cells: ['a', 1, null, { x: [1] }], object: { kind: 'Pod', anything: true } }]);
  });

  it('rejects a body that is not a JSON object', () => {
    for (const input of [null, 'pod', 3, [{ kind: 'Pod' }]]) {
      const result = decodeObject(ConfigMapSchema, input);
      expect(result.object).toEqual({});
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]).toMatchObject({ type: 'FieldValueTypeInvalid', field: '' });
      expect(result.errors[0]!.message).toMatch(/body must be of type object$/);
    }
  });

  it('reports a map where an object was expected and an object where a string was', () => {
    const { errors } = decodeObject(ConfigMapSchema, { metadata: 'x', data: { a: { b: 1 } } });
    expect(errors.map((e) => e.field)).toEqual(['metadata', 'data[a]']);
  });

  describe('number ranges of the Go types behind the fields', () => {
    const deployment = (spec: Record<string, unknown>) => ({ apiVersion: 'apps/v1', kind: 'Deployment', spec });

    it("rejects int32 fields outside [-2^31, 2^31-1], 1e308 and Infinity with Go's message", () => {
      const { object, errors } = decodeObject(
        DeploymentSchema,
        JSON.parse('{"spec":{"replicas":2147483648,"revisionHistoryLimit":-2147483649,"progressDeadlineSeconds":1e308,"minReadySeconds":1e999}}'),
      );
      expect(errors).toEqual([
        {
          type: 'FieldValueTypeInvalid',
          field: 'spec.replicas',
          message: 'json: cannot unmarshal number 2147483648 into Go struct field DeploymentSpec.spec.replicas of type int32',
        },
        {
          type: 'FieldValueTypeInvalid',
          field: 'spec.revisionHistoryLimit',
          message: 'json: cannot unmarshal number -2147483649 into Go struct field DeploymentSpec.spec.revisionHistoryLimit of type int32',
        },
        {
          type: 'FieldValueTypeInvalid',
          field: 'spec.progressDeadlineSeconds',
          message: 'json: cannot unmarshal number 1e+308 into Go struct field DeploymentSpec.spec.progressDeadlineSeconds of type int32',
        },
        {
          type: 'FieldValueTypeInvalid',
          field: 'spec.minReadySeconds',
          message: 'json: cannot unmarshal number Infinity into Go struct field DeploymentSpec.spec.minReadySeconds of type int32',
        },
      ]);
      expect(object).toEqual({ spec: {} });
    });

    it('accepts the int32 bounds', () => {
      const { object, errors } = decodeObject(DeploymentSchema, deployment({ replicas: 2147483647, revisionHistoryLimit: -2147483648 }));
      expect(errors).toEqual([]);
      expect(object['spec']).toEqual({ replicas: 2147483647, revisionHistoryLimit: -2147483648 });
    });

    it('names nested fields by Go struct and JSON path (no indexes), probes and ports included', () => {
      const { errors } = decodeObject(PodSchema, {
        spec: {
          containers: [
            { name: 'a' },
            { name: 'c', ports: [{ containerPort: 4294967376 }], livenessProbe: { periodSeconds: 2 ** 40, httpGet: { port: 2 ** 31 } } },
          ],
        },
      });
      expect(errors.map((e) => [e.field, e.message])).toEqual([
        [
          'spec.containers[1].ports[0].containerPort',
          'json: cannot unmarshal number 4294967376 into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32',
        ],
        [
          'spec.containers[1].livenessProbe.periodSeconds',
          'json: cannot unmarshal number 1099511627776 into Go struct field Probe.spec.containers.livenessProbe.periodSeconds of type int32',
        ],
        [
          'spec.containers[1].livenessProbe.httpGet.port',
          'json: cannot unmarshal number 2147483648 into Go struct field HTTPGetAction.spec.containers.livenessProbe.httpGet.port of type int32',
        ],
      ]);
    });

    it('holds the int half of int-or-string to int32', () => {
      const { errors } = decodeObject(DeploymentSchema, deployment({ strategy: { rollingUpdate: { maxSurge: 2147483648, maxUnavailable: -2147483648 } } }));
      expect(errors.map((e) => [e.field, e.message])).toEqual([
        [
          'spec.strategy.rollingUpdate.maxSurge',
          'json: cannot unmarshal number 2147483648 into Go struct field RollingUpdateDeployment.spec.strategy.rollingUpdate.maxSurge of type int32',
        ],
      ]);
      const svc = decodeObject(ServiceSchema, JSON.parse('{"spec":{"ports":[{"port":80,"targetPort":1e308}]}}'));
      expect(svc.errors.map((e) => e.field)).toEqual(['spec.ports[0].targetPort']);
    });

    it('takes int64 fields as safe integers only, rather than storing a rounded value', () => {
      const ok = decodeObject(PodSchema, { spec: { terminationGracePeriodSeconds: Number.MAX_SAFE_INTEGER, activeDeadlineSeconds: -Number.MAX_SAFE_INTEGER } });
      expect(ok.errors).toEqual([]);
      // 9007199254740993 arrives from JSON.parse already rounded to 9007199254740992.
      const { object, errors } = decodeObject(
        PodSchema,
        JSON.parse('{"spec":{"terminationGracePeriodSeconds":9007199254740993,"activeDeadlineSeconds":9223372036854775808}}'),
      );
      expect(errors).toEqual([
        {
          type: 'FieldValueTypeInvalid',
          field: 'spec.terminationGracePeriodSeconds',
          message:
            'Invalid value: 9007199254740992: must be between -9007199254740991 and 9007199254740991, inclusive ' +
            '(integers of larger magnitude cannot be represented exactly by this server)',
        },
        {
          type: 'FieldValueTypeInvalid',
          field: 'spec.activeDeadlineSeconds',
          message: 'json: cannot unmarshal number 9223372036854776000 into Go struct field PodSpec.spec.activeDeadlineSeconds of type int64',
        },
      ]);
      expect(object).toEqual({ spec: {} });
    });

    it('rejects numbers JSON.parse could only read as Infinity anywhere, untyped values and quantities included', () => {
      const table = decodeObject(TableSchema, JSON.parse('{"rows":[{"cells":["a",1e999,1e308]}]}'));
      expect(table.errors.map((e) => [e.field, e.message])).toEqual([
        ['rows[0].cells[1]', 'json: cannot unmarshal number Infinity into Go struct field TableRow.rows.cells of type float64'],
      ]);
      const pod = decodeObject(PodSchema, JSON.parse('{"spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":-1e999}}}]}}'));
      expect(pod.errors.map((e) => e.field)).toEqual(['spec.containers[0].resources.limits[cpu]']);
      expect(pod.errors[0]!.message).toMatch(/^json: cannot unmarshal number -Infinity into .* of type resource.Quantity$/);
    });
  });

  describe('keys that are Object.prototype names', () => {
    it('keeps __proto__, constructor and prototype map keys as own data and never changes a prototype', () => {
      const input = JSON.parse(
        '{"metadata":{"name":"c","labels":{"__proto__":"x"},"annotations":{"constructor":"a"}},' +
          '"data":{"__proto__":"x","constructor":"y","prototype":"z"},"binaryData":{"__proto__":"eA=="}}',
      ) as Record<string, unknown>;
      const { object, errors } = decodeObject(ConfigMapSchema, input);
      expect(errors).toEqual([]);
      const data = object['data'] as Record<string, unknown>;
      expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
      expect(Object.keys(data)).toEqual(['__proto__', 'constructor', 'prototype']);
      expect(JSON.stringify(object)).toBe(
        '{"metadata":{"name":"c","labels":{"__proto__":"x"},"annotations":{"constructor":"a"}},' +
          '"data":{"__proto__":"x","constructor":"y","prototype":"z"},"binaryData":{"__proto__":"eA=="}}',
      );
    });

    it('keeps them in untyped and preserved subtrees and in cloneJson copies', () => {
      const table = decodeObject(TableSchema, JSON.parse('{"rows":[{"cells":[{"__proto__":{"polluted":true}}]}]}'));
      expect(JSON.stringify(table.object)).toBe('{"rows":[{"cells":[{"__proto__":{"polluted":true}}]}]}');
      const copy = cloneJson(JSON.parse('{"a":{"__proto__":{"polluted":true},"b":1}}') as Record<string, Record<string, unknown>>);
      expect(Object.keys(copy['a']!)).toEqual(['__proto__', 'b']);
      expect(Object.getPrototypeOf(copy['a'])).toBe(Object.prototype);
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    });
  });
});
