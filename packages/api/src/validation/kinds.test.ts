import { describe, expect, it } from 'vitest';
import type { FieldError } from '../field-errors.js';
import { validateBinding } from './binding.js';
import { validateConfigMap, validateConfigMapUpdate } from './config-map.js';
import { validateEndpoints } from './endpoints.js';
import { validateEvent } from './event.js';
import type { JsonObject } from './json.js';
import { validateLease } from './lease.js';
import { validateNamespace, validateNamespaceStatusUpdate } from './namespace.js';
import { validateNode, validateNodeUpdate } from './node.js';
import { validateScale } from './scale.js';
import { validateSecret, validateSecretUpdate } from './secret.js';

function fields(errs: FieldError[]): [string, string][] {
  return errs.map((e) => [e.type, e.field]);
}

const meta = { name: 'x', namespace: 'default' };
const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('ConfigMap', () => {
  it('accepts valid data', () => {
    expect(validateConfigMap({ metadata: meta, data: { 'app.conf': 'x', KEY_1: '' }, binaryData: { 'b.bin': b64('\u0001') } })).toEqual([]);
  });

  it.each<[string, JsonObject, [string, string][], string?]>([
    ['bad key', { data: { 'a/b': 'x' } }, [['FieldValueInvalid', 'data[a/b]']], "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"],
    ['key in both maps', { data: { a: 'x' }, binaryData: { a: b64('y') } }, [['FieldValueInvalid', 'data[a]']], 'duplicate of key present in binaryData'],
    ['too big', { data: { a: 'x'.repeat(1024 * 1024 + 1) } }, [['FieldValueTooLong', '']]],
    ['bad base64', { binaryData: { a: '!!!' } }, [['FieldValueInvalid', 'binaryData[a]']], 'illegal base64 data at input byte 0'],
  ])('%s', (_name, body, expected, fragment) => {
    const errs = validateConfigMap({ metadata: meta, ...body });
    expect(fields(errs)).toEqual(expected);
    if (fragment) expect(errs[0]?.message).toContain(fragment);
  });

  it('immutable ConfigMaps keep their data', () => {
    const old = { metadata: meta, immutable: true, data: { a: 'x' } };
    expect(validateConfigMapUpdate({ ...old, metadata: { ...meta, labels: { a: 'b' } } }, old)).toEqual([]);
    const errs = validateConfigMapUpdate({ metadata: meta, data: { a: 'y' } }, old);
    expect(fields(errs)).toEqual([
      ['FieldValueForbidden', 'immutable'],
      ['FieldValueForbidden', 'data'],
    ]);
    expect(errs[0]?.message).toBe('Forbidden: field is immutable when `immutable` is set');
    expect(validateConfigMapUpdate({ metadata: meta, data: { a: 'y' } }, { metadata: meta, data: { a: 'x' } })).toEqual([]);
  });
});

describe('Secret', () => {
  it('accepts data and stringData', () => {
    expect(validateSecret({ metadata: meta, type: 'Opaque', data: { a: b64('x') }, stringData: { b: 'y' } })).toEqual([]);
    expect(validateSecret({ metadata: meta, type: 'kubernetes.io/tls', data: { 'tls.crt': b64('c'), 'tls.key': b64('k') } })).toEqual([]);
  });

  it.each<[string, JsonObject, [string, string][], string?]>([
    ['bad base64', { data: { a: 'not base64!' } }, [['FieldValueInvalid', 'data[a]']], 'illegal base64 data'],
    ['bad key', { stringData: { 'a b': 'x' } }, [['FieldValueInvalid', 'data[a b]']]],
    ['too big', { stringData: { a: 'x'.repeat(1024 * 1024 + 1) } }, [['FieldValueTooLong', 'data']]],
    [
      'tls keys',
      { type: 'kubernetes.io/tls', data: {} },
      [
        ['FieldValueRequired', 'data[tls.crt]'],
        ['FieldValueRequired', 'data[tls.key]'],
      ],
    ],
    [
      'basic-auth keys',
      { type: 'kubernetes.io/basic-auth' },
      [
        ['FieldValueRequired', 'data[username]'],
        ['FieldValueRequired', 'data[password]'],
      ],
    ],
    [
      'dockerconfigjson must be JSON',
      { type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': 'nope' } },
      [['FieldValueInvalid', 'data[.dockerconfigjson]']],
    ],
    [
      'service account token annotation',
      { type: 'kubernetes.io/service-account-token' },
      [['FieldValueRequired', 'metadata.annotations[kubernetes.io/service-account.name]']],
    ],
  ])('%s', (_name, body, expected, fragment) => {
    const errs = validateSecret({ metadata: meta, ...body });
    expect(fields(errs)).toEqual(expected);
    if (fragment) expect(errs[0]?.message).toContain(fragment);
  });

  it('type is immutable, immutable Secrets keep their data', () => {
    const old = { metadata: meta, type: 'Opaque', immutable: true, data: { a: b64('x') } };
    expect(validateSecretUpdate({ metadata: meta, immutable: true, stringData: { a: 'x' } }, old)).toEqual([]);
    expect(fields(validateSecretUpdate({ ...old, type: 'kubernetes.io/tls' }, old))).toEqual([['FieldValueInvalid', 'type']]);
    expect(fields(validateSecretUpdate({ ...old, data: { a: b64('y') } }, old))).toEqual([['FieldValueForbidden', 'data']]);
    expect(fields(validateSecretUpdate({ ...old, immutable: false }, old))).toEqual([['FieldValueForbidden', 'immutable']]);
  });
});

describe('Namespace', () => {
  it('names are DNS labels and cluster-scoped', () => {
    expect(validateNamespace({ metadata: { name: 'team-a' } })).toEqual([]);
    expect(fields(validateNamespace({ metadata: { name: 'team.a' } }))).toEqual([['FieldValueInvalid', 'metadata.name']]);
    expect(fields(validateNamespace({ metadata: { name: 'a', namespace: 'b' } }))).toEqual([['FieldValueForbidden', 'metadata.namespace']]);
    expect(fields(validateNamespace({ metadata: { name: 'a' }, spec: { finalizers: ['custom'] } }))).toEqual([['FieldValueInvalid', 'spec.finalizers']]);
  });

  it('status phase agrees with deletion', () => {
    const old = { metadata: { name: 'a' }, status: { phase: 'Active' } };
    expect(validateNamespaceStatusUpdate(old, old)).toEqual([]);
    const errs = validateNamespaceStatusUpdate({ ...old, status: { phase: 'Terminating' } }, old);
    expect(fields(errs)).toEqual([['FieldValueInvalid', 'status.Phase']]);
    expect(errs[0]?.message).toContain("may only be 'Active' if `deletionTimestamp` is empty");
  });
});

describe('Node', () => {
  it('accepts a node with taints and capacity', () => {
    const node = {
      metadata: { name: 'node-1' },
      spec: { podCIDR: '10.244.1.0/24', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] },
      status: { capacity: { cpu: '4', memory: '8Gi', pods: '110' } },
    };
    expect(validateNode(node)).toEqual([]);
  });

  it.each<[string, JsonObject, [string, string][], string?]>([
    ['taint effect required', { taints: [{ key: 'a' }] }, [['FieldValueRequired', 'metadata.taints[0].effect']]],
    ['taint effect enum', { taints: [{ key: 'a', effect: 'Never' }] }, [['FieldValueNotSupported', 'metadata.taints[0].effect']]],
    [
      'taint key',
      { taints: [{ key: '', effect: 'NoSchedule' }] },
      [
        ['FieldValueInvalid', 'metadata.taints[0].key'],
        ['FieldValueInvalid', 'metadata.taints[0].key'],
      ],
    ],
    [
      'duplicate taints',
      {
        taints: [
          { key: 'a', effect: 'NoSchedule' },
          { key: 'a', value: 'x', effect: 'NoSchedule' },
        ],
      },
      [['FieldValueDuplicate', 'metadata.taints[1]']],
      'taints must be unique by key and effect pair',
    ],
    ['bad pod CIDR', { podCIDRs: ['10.0.0.0/40'] }, [['FieldValueInvalid', 'spec.podCIDRs[0]']]],
  ])('%s', (_name, spec, expected, fragment) => {
    const errs = validateNode({ metadata: { name: 'n' }, spec });
    expect(fields(errs)).toEqual(expected);
    if (fragment) expect(errs[0]?.message).toContain(fragment);
  });

  it('rejects negative capacity and namespaced nodes', () => {
    expect(fields(validateNode({ metadata: { name: 'n', namespace: 'd' }, status: { capacity: { cpu: '-1' } } }))).toEqual([
      ['FieldValueForbidden', 'metadata.namespace'],
      ['FieldValueInvalid', 'status.capacity.cpu'],
    ]);
  });

  it('update: podCIDRs and providerID may only be set once', () => {
    const old = { metadata: { name: 'n' }, spec: { podCIDRs: ['10.244.1.0/24'], providerID: 'local://n' } };
    expect(validateNodeUpdate({ ...old, spec: { ...old.spec, unschedulable: true } }, old)).toEqual([]);
    expect(validateNodeUpdate(old, { metadata: { name: 'n' } })).toEqual([]);
    expect(fields(validateNodeUpdate({ ...old, spec: { podCIDRs: ['10.244.2.0/24'], providerID: 'x' } }, old))).toEqual([
      ['FieldValueForbidden', 'spec.podCIDRs'],
      ['FieldValueForbidden', 'spec.providerID'],
    ]);
    const dup = {
      ...old,
      status: {
        addresses: [
          { type: 'InternalIP', address: '1.2.3.4' },
          { type: 'InternalIP', address: '1.2.3.4' },
        ],
      },
    };
    expect(fields(validateNodeUpdate(dup, old))).toEqual([['FieldValueDuplicate', 'status.addresses[1]']]);
  });
});

describe('Endpoints', () => {
  it('accepts valid subsets', () => {
    const ep = {
      metadata: meta,
      subsets: [{ addresses: [{ ip: '172.17.0.2', nodeName: 'node-1' }], notReadyAddresses: [{ ip: '172.17.0.3' }], ports: [{ port: 80, protocol: 'TCP' }] }],
    };
    expect(validateEndpoints(ep)).toEqual([]);
  });

  it.each<[string, JsonObject, [string, string][], string?]>([
    ['addresses required', { ports: [{ port: 80 }] }, [['FieldValueRequired', 'subsets[0]']], 'must specify `addresses` or `notReadyAddresses`'],
    ['bad ip', { addresses: [{ ip: 'x' }] }, [['FieldValueInvalid', 'subsets[0].addresses[0].ip']]],
    ['loopback ip', { addresses: [{ ip: '127.0.0.1' }] }, [['FieldValueInvalid', 'subsets[0].addresses[0].ip']], 'may not be in the loopback range'],
    ['link-local ip', { addresses: [{ ip: '169.254.1.1' }] }, [['FieldValueInvalid', 'subsets[0].addresses[0].ip']], 'link-local'],
    [
      'port names with several ports',
      { addresses: [{ ip: '10.1.1.1' }], ports: [{ port: 80 }, { port: 81, name: 'b' }] },
      [['FieldValueRequired', 'subsets[0].ports[0].name']],
    ],
    ['port range', { addresses: [{ ip: '10.1.1.1' }], ports: [{ port: 0 }] }, [['FieldValueInvalid', 'subsets[0].ports[0].port']]],
  ])('%s', (_name, subset, expected, fragment) => {
    const errs = validateEndpoints({ metadata: meta, subsets: [subset] });
    expect(fields(errs)).toEqual(expected);
    if (fragment) expect(errs[0]?.message).toContain(fragment);
  });
});

describe('Event', () => {
  it('involved object namespace must match', () => {
    expect(validateEvent({ metadata: meta, involvedObject: { kind: 'Pod', namespace: 'default', name: 'p' }, reason: 'Started' })).toEqual([]);
    expect(validateEvent({ metadata: meta, involvedObject: { kind: 'Node', name: 'n' } })).toEqual([]);
    const errs = validateEvent({ metadata: meta, involvedObject: { kind: 'Pod', namespace: 'other', name: 'p' } });
    expect(fields(errs)).toEqual([['FieldValueInvalid', 'involvedObject.namespace']]);
    expect(errs[0]?.message).toBe('Invalid value: "other": does not match event.namespace');
  });

  it('new-style events need reporting fields', () => {
    const errs = validateEvent({ metadata: meta, eventTime: '2024-01-01T00:00:00.000000Z', involvedObject: { namespace: 'default' } });
    expect(fields(errs)).toEqual([
      ['FieldValueRequired', 'reportingComponent'],
      ['FieldValueInvalid', 'reportingComponent'],
      ['FieldValueInvalid', 'reportingComponent'],
      ['FieldValueRequired', 'reportingInstance'],
      ['FieldValueRequired', 'action'],
      ['FieldValueRequired', 'reason'],
    ]);
  });
});

describe('Lease, Binding, Scale', () => {
  it('lease durations', () => {
    expect(validateLease({ metadata: meta, spec: { holderIdentity: 'a', leaseDurationSeconds: 40, leaseTransitions: 0 } })).toEqual([]);
    expect(fields(validateLease({ metadata: meta, spec: { leaseDurationSeconds: 0, leaseTransitions: -1 } }))).toEqual([
      ['FieldValueInvalid', 'spec.leaseDurationSeconds'],
      ['FieldValueInvalid', 'spec.leaseTransitions'],
    ]);
    expect(fields(validateLease({ metadata: meta, spec: { preferredHolder: 'x' } }))).toEqual([['FieldValueForbidden', 'spec.preferredHolder']]);
  });

  it('binding target', () => {
    expect(validateBinding({ metadata: meta, target: { kind: 'Node', name: 'n1' } })).toEqual([]);
    expect(validateBinding({ target: { name: 'n1' } })).toEqual([]);
    expect(fields(validateBinding({ target: { kind: 'Pod' } }))).toEqual([
      ['FieldValueNotSupported', 'target.kind'],
      ['FieldValueRequired', 'target.name'],
    ]);
  });

  it('scale replicas', () => {
    expect(validateScale({ metadata: meta, spec: { replicas: 0 } })).toEqual([]);
    const errs = validateScale({ metadata: meta, spec: { replicas: -1 } });
    expect(errs).toEqual([{ type: 'FieldValueInvalid', field: 'spec.replicas', message: 'Invalid value: -1: must be greater than or equal to 0' }]);
  });
});
