import { describe, expect, it } from 'vitest';
import { addUsage, countedResource, exceeded, hardOf, missingPodConstraints, objectUsage, usageFor, usageNames } from './quota.js';

const pod = (containers: unknown[], extra: Record<string, unknown> = {}) => ({ spec: { containers, ...extra } });

describe('quota accounting', () => {
  it('charges a pod its requests, limits and count', () => {
    const u = objectUsage(
      'pods',
      '',
      pod([
        { name: 'a', resources: { requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '1' } } },
        { name: 'b', resources: { limits: { cpu: '500m' } } },
      ]),
    );
    expect(usageFor(Object.keys(u), u)).toEqual({
      'count/pods': '1',
      cpu: '750m',
      'limits.cpu': '1500m',
      memory: '64Mi',
      pods: '1',
      'requests.cpu': '750m',
      'requests.memory': '64Mi',
    });
  });

  it('takes the largest init container and skips finished pods', () => {
    const u = objectUsage(
      'pods',
      '',
      pod([{ name: 'a', resources: { requests: { cpu: '100m' } } }], { initContainers: [{ name: 'i', resources: { requests: { cpu: '2' } } }] }),
    );
    expect(u['requests.cpu']!.toString()).toBe('2');
    expect(objectUsage('pods', '', { ...pod([]), status: { phase: 'Succeeded' } })).toEqual({});
  });

  it('counts services with node ports and load balancers, and any object as count/<resource>.<group>', () => {
    const svc = objectUsage('services', '', { spec: { type: 'LoadBalancer', ports: [{ port: 80 }, { port: 443 }] } });
    expect(usageFor(['services', 'services.nodeports', 'services.loadbalancers'], svc)).toEqual({
      services: '1',
      'services.loadbalancers': '1',
      'services.nodeports': '2',
    });
    expect(Object.keys(objectUsage('deployments', 'apps', {}))).toEqual(['count/deployments.apps']);
    expect(usageNames('configmaps', '')).toEqual(new Set(['count/configmaps', 'configmaps']));
    expect(countedResource('count/deployments.apps')).toEqual({ resource: 'deployments', group: 'apps' });
    expect(countedResource('requests.memory')).toEqual({ resource: 'pods', group: '' });
  });

  it('finds what exceeds the hard limits', () => {
    const hard = hardOf({ spec: { hard: { pods: '2', 'requests.cpu': '1' } } });
    const used = addUsage(
      objectUsage('pods', '', pod([{ resources: { requests: { cpu: '600m' } } }])),
      objectUsage('pods', '', pod([{ resources: { requests: { cpu: '600m' } } }])),
    );
    expect(exceeded(used, hard)).toEqual(['requests.cpu']);
  });

  it('lists containers missing constrained resources', () => {
    const p = pod([{ name: 'a', resources: { limits: { cpu: '1' } } }, { name: 'b' }]);
    expect(missingPodConstraints(p, ['requests.cpu', 'limits.cpu', 'pods'])).toEqual(
      new Map([
        ['requests.cpu', ['b']],
        ['limits.cpu', ['b']],
      ]),
    );
  });

  it('treats constructor and __proto__ as plain resource names, never as inherited members', () => {
    // Before: exceeded() read usage.constructor (the Object function) and crashed on .cmp().
    const hard = hardOf(JSON.parse('{"spec":{"hard":{"constructor":"1","__proto__":"2","pods":"1"}}}') as Record<string, unknown>);
    expect(Object.keys(hard)).toEqual(['constructor', '__proto__', 'pods']);
    expect(Object.getPrototypeOf(hard)).toBe(Object.prototype);
    const used = objectUsage('pods', '', pod([{ name: 'a' }]));
    expect(exceeded(used, hard)).toEqual([]);
    expect(usageFor(['constructor', 'toString', 'pods'], used)).toEqual({ constructor: '0', pods: '1', toString: '0' });
    const odd = objectUsage(
      'pods',
      '',
      JSON.parse('{"spec":{"containers":[{"resources":{"requests":{"__proto__":"1","constructor":"2"}}}]}}') as Record<string, unknown>,
    );
    expect(Object.getPrototypeOf(odd)).toBe(Object.prototype);
    expect(missingPodConstraints(pod([{ name: 'a' }]), ['requests.constructor', 'limits.cpu'])).toEqual(new Map([['limits.cpu', ['a']]]));
    const sum = addUsage(hard, hard);
    expect(Object.keys(sum)).toEqual(['constructor', '__proto__', 'pods']);
    expect(usageFor(['__proto__'], sum)).toEqual(JSON.parse('{"__proto__":"4"}'));
  });
});
