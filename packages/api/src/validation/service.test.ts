import { describe, expect, it } from 'vitest';
import type { FieldError } from '../field-errors.js';
import type { JsonObject } from './json.js';
import { validateService, validateServiceStatusUpdate, validateServiceUpdate } from './service.js';

function svc(spec: JsonObject, name = 'web'): JsonObject {
  return { metadata: { name, namespace: 'default' }, spec: { selector: { app: 'web' }, ...spec } };
}

function fields(errs: FieldError[]): [string, string][] {
  return errs.map((e) => [e.type, e.field]);
}

const port = (extra: JsonObject = {}): JsonObject => ({ port: 80, protocol: 'TCP', targetPort: 8080, ...extra });

describe('validateService', () => {
  it.each<[string, JsonObject]>([
    ['ClusterIP', { type: 'ClusterIP', clusterIP: '10.96.0.10', ports: [port()], sessionAffinity: 'None' }],
    ['headless without ports', { clusterIP: 'None' }],
    ['ExternalName', { type: 'ExternalName', externalName: 'example.com.' }],
    ['NodePort', { type: 'NodePort', ports: [port({ nodePort: 30080 })] }],
    ['named target port', { ports: [port({ targetPort: 'http' })] }],
    ['two named ports', { ports: [port({ name: 'http' }), port({ name: 'https', port: 443 })] }],
    ['same port, other protocol', { ports: [port({ name: 'dns' }), port({ name: 'dns-udp', protocol: 'UDP' })] }],
    ['LoadBalancer', { type: 'LoadBalancer', ports: [port({ nodePort: 31000 })] }],
  ])('accepts %s', (_name, spec) => {
    expect(validateService(svc(spec))).toEqual([]);
  });

  it.each<[string, JsonObject, [string, string][], string?]>([
    ['ports required', {}, [['FieldValueRequired', 'spec.ports']]],
    ['port range', { ports: [port({ port: 0 })] }, [['FieldValueInvalid', 'spec.ports[0].port']], 'must be between 1 and 65535, inclusive'],
    [
      'names required with several ports',
      { ports: [port(), port({ port: 81 })] },
      [
        ['FieldValueRequired', 'spec.ports[0].name'],
        ['FieldValueRequired', 'spec.ports[1].name'],
      ],
    ],
    ['duplicate names', { ports: [port({ name: 'a' }), port({ name: 'a', port: 81 })] }, [['FieldValueDuplicate', 'spec.ports[1].name']]],
    ['duplicate port+protocol', { ports: [port({ name: 'a' }), port({ name: 'b' })] }, [['FieldValueDuplicate', 'spec.ports[1]']]],
    ['protocol enum', { ports: [port({ protocol: 'ICMP' })] }, [['FieldValueNotSupported', 'spec.ports[0].protocol']]],
    ['bad targetPort number', { ports: [port({ targetPort: 70000 })] }, [['FieldValueInvalid', 'spec.ports[0].targetPort']]],
    [
      'bad targetPort name',
      { ports: [port({ targetPort: 'HTTP_PORT' })] },
      [
        ['FieldValueInvalid', 'spec.ports[0].targetPort'],
        ['FieldValueInvalid', 'spec.ports[0].targetPort'],
      ],
    ],
    [
      'type enum',
      { type: 'Magic', ports: [port()] },
      [['FieldValueNotSupported', 'spec.type']],
      'supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
    ],
    [
      'nodePort on ClusterIP',
      { ports: [port({ nodePort: 30001 })] },
      [['FieldValueForbidden', 'spec.ports[0].nodePort']],
      "may not be used when `type` is 'ClusterIP'",
    ],
    ['nodePort range', { type: 'NodePort', ports: [port({ nodePort: 70000 })] }, [['FieldValueInvalid', 'spec.ports[0].nodePort']]],
    [
      'duplicate nodePort',
      { type: 'NodePort', ports: [port({ name: 'a', nodePort: 30001 }), port({ name: 'b', port: 81, nodePort: 30001 })] },
      [['FieldValueDuplicate', 'spec.ports[1].nodePort']],
    ],
    ['bad clusterIP', { clusterIP: '10.0.0.300', ports: [port()] }, [['FieldValueInvalid', 'spec.clusterIP']], 'must be a valid IP address'],
    [
      'None for NodePort',
      { type: 'NodePort', clusterIP: 'None', ports: [port()] },
      [['FieldValueInvalid', 'spec.clusterIPs[0]']],
      "may not be set to 'None' for NodePort services",
    ],
    ['ExternalName needs a name', { type: 'ExternalName' }, [['FieldValueRequired', 'spec.externalName']]],
    ['ExternalName with clusterIP', { type: 'ExternalName', externalName: 'a.b', clusterIP: '10.0.0.1' }, [['FieldValueForbidden', 'spec.clusterIPs']]],
    ['selector labels', { selector: { 'a b': 'c' }, ports: [port()] }, [['FieldValueInvalid', 'spec.selector']]],
    [
      'kubelet port on LoadBalancer',
      { type: 'LoadBalancer', ports: [port({ port: 10250 })] },
      [['FieldValueInvalid', 'spec.ports[0]']],
      'may not expose port 10250 externally since it is used by kubelet',
    ],
    ['sessionAffinity enum', { sessionAffinity: 'Sticky', ports: [port()] }, [['FieldValueNotSupported', 'spec.sessionAffinity']]],
    [
      'affinity timeout too small',
      { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: -1 } }, ports: [port()] },
      [['FieldValueInvalid', 'spec.sessionAffinityConfig.clientIP.timeoutSeconds']],
      'must be greater than 0 and less than 86400',
    ],
    [
      'affinity timeout too large',
      { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 86401 } }, ports: [port()] },
      [['FieldValueInvalid', 'spec.sessionAffinityConfig.clientIP.timeoutSeconds']],
    ],
    [
      'clusterIPs must start with clusterIP',
      { clusterIP: '10.0.0.1', clusterIPs: ['10.0.0.2'], ports: [port()] },
      [['FieldValueInvalid', 'spec.clusterIPs[0]']],
      'first value must match `clusterIP`',
    ],
  ])('%s', (_name, spec, expected, fragment) => {
    const errs = validateService(svc(spec));
    expect(fields(errs)).toEqual(expected);
    if (fragment) expect(errs[0]?.message).toContain(fragment);
  });

  it('Service names are DNS-1035 labels', () => {
    expect(fields(validateService(svc({ ports: [port()] }, '1web')))).toEqual([['FieldValueInvalid', 'metadata.name']]);
  });
});

describe('validateServiceUpdate', () => {
  const old = svc({ clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [port()] });

  it('keeps the cluster IP', () => {
    expect(validateServiceUpdate(svc({ clusterIP: '10.96.0.10', ports: [port()] }), old)).toEqual([]);
    expect(validateServiceUpdate(svc({ ports: [port()] }), old)).toEqual([]);
    const errs = validateServiceUpdate(svc({ clusterIP: '10.96.0.11', ports: [port()] }), old);
    expect(fields(errs)).toEqual([['FieldValueInvalid', 'spec.clusterIPs[0]']]);
    expect(errs[0]?.message).toContain('may not change once set');
  });

  it('allows changes to and from ExternalName', () => {
    expect(validateServiceUpdate(svc({ type: 'ExternalName', externalName: 'x.y' }), old)).toEqual([]);
  });
});

describe('validateServiceStatusUpdate', () => {
  it('checks load balancer ingress', () => {
    const old = svc({ type: 'LoadBalancer', ports: [port()] });
    const ok = { ...old, status: { loadBalancer: { ingress: [{ ip: '172.18.0.10' }, { hostname: 'lb.example.com' }] } } };
    expect(validateServiceStatusUpdate(ok, old)).toEqual([]);
    const bad = { ...old, status: { loadBalancer: { ingress: [{ ip: 'x' }, { hostname: '1.2.3.4' }] } } };
    expect(fields(validateServiceStatusUpdate(bad, old))).toEqual([
      ['FieldValueInvalid', 'status.loadBalancer.ingress[0].ip'],
      ['FieldValueInvalid', 'status.loadBalancer.ingress[1].hostname'],
    ]);
  });
});
