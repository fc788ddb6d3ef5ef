import { describe, expect, it } from 'vitest';
import { DAY, NOW, ago } from '../../testing/test-clock.js';
import { nodePrinter } from './printer.js';

type Obj = Record<string, unknown>;

function node(opts: { ready?: 'True' | 'False' | 'Unknown'; unschedulable?: boolean; labels?: Record<string, string> } = {}): Obj {
  const conditions: Obj[] = [{ type: 'MemoryPressure', status: 'False' }];
  if (opts.ready !== undefined) {
    conditions.push({ type: 'Ready', status: opts.ready, reason: 'KubeletReady' });
  }
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'mk8s-worker-1', creationTimestamp: ago(3 * DAY), labels: opts.labels ?? { 'kubernetes.io/hostname': 'mk8s-worker-1' } },
    spec: opts.unschedulable === undefined ? {} : { unschedulable: opts.unschedulable },
    status: {
      conditions,
      addresses: [
        { type: 'Hostname', address: 'mk8s-worker-1' },
        { type: 'InternalIP', address: '10.0.0.11' },
      ],
      nodeInfo: { kubeletVersion: 'v1.32.0-mk8s', osImage: 'Ubuntu 24.04 LTS', kernelVersion: '6.8.0-45-generic', containerRuntimeVersion: 'docker://27.1.1' },
    },
  };
}

describe('nodePrinter', () => {
  it('declares Kubernetes node columns', () => {
    expect(nodePrinter.columns.map((c) => `${c.name}:${c.priority}`)).toEqual([
      'Name:0',
      'Status:0',
      'Roles:0',
      'Age:0',
      'Version:0',
      'Internal-IP:1',
      'External-IP:1',
      'OS-Image:1',
      'Kernel-Version:1',
      'Container-Runtime:1',
    ]);
  });

  it('prints a ready worker with no roles, and its wide cells', () => {
    expect(nodePrinter.print(node({ ready: 'True' }), NOW).cells).toEqual([
      'mk8s-worker-1',
      'Ready',
      '<none>',
      '3d',
      'v1.32.0-mk8s',
      '10.0.0.11',
      '<none>',
      'Ubuntu 24.04 LTS',
      '6.8.0-45-generic',
      'docker://27.1.1',
    ]);
  });

  it('prints NotReady for a node whose Ready condition is False or Unknown', () => {
    expect(nodePrinter.print(node({ ready: 'False' }), NOW).cells[1]).toBe('NotReady');
    expect(nodePrinter.print(node({ ready: 'Unknown' }), NOW).cells[1]).toBe('NotReady');
  });

  it('prints Unknown for a node that never reported Ready', () => {
    expect(nodePrinter.print(node(), NOW).cells[1]).toBe('Unknown');
  });

  it('appends SchedulingDisabled for a cordoned node', () => {
    expect(nodePrinter.print(node({ ready: 'True', unschedulable: true }), NOW).cells[1]).toBe('Ready,SchedulingDisabled');
    expect(nodePrinter.print(node({ ready: 'False', unschedulable: true }), NOW).cells[1]).toBe('NotReady,SchedulingDisabled');
  });

  it('reads roles from node-role labels and the legacy role label, sorted and unique', () => {
    const labels = {
      'node-role.kubernetes.io/control-plane': '',
      'node-role.kubernetes.io/': 'ignored',
      'node-role.kubernetes.io/etcd': 'true',
      'kubernetes.io/role': 'control-plane',
      'kubernetes.io/os': 'linux',
    };
    expect(nodePrinter.print(node({ ready: 'True', labels }), NOW).cells[2]).toBe('control-plane,etcd');
  });

  it('prints <unknown> for missing node info and <none> for missing addresses', () => {
    const bare = { metadata: { name: 'n' }, status: {} };
    expect(nodePrinter.print(bare, NOW).cells).toEqual(['n', 'Unknown', '<none>', '<unknown>', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>']);
  });
});
