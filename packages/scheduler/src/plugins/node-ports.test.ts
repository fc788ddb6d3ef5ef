import { describe, expect, it } from 'vitest';
import { CycleState } from '../framework/types.js';
import { testNode, testPodInfo } from '../testing/test-fixtures.js';
import { NodePorts } from './node-ports.js';

const state = () => new CycleState();

describe('NodePorts', () => {
  const plugin = new NodePorts();
  it('skips pods without host ports', () => {
    expect(plugin.preFilter(state(), testPodInfo('p')).isSkip()).toBe(true);
  });
  it('rejects a node where the protocol and port are taken on an overlapping IP', () => {
    const node = testNode('n', { running: [testPodInfo('old', { hostPorts: [{ port: 8080 }, { port: 53, protocol: 'UDP', ip: '10.0.0.1' }] }).pod] });
    const clash = testPodInfo('p', { hostPorts: [{ port: 8080 }] });
    expect(plugin.preFilter(state(), clash).isSuccess()).toBe(true);
    expect(plugin.filter(state(), clash, node).reasons).toEqual(["node(s) didn't have free ports for the requested pod ports"]);
    // Same port, other protocol: free. UDP 53 on another IP: free; on 0.0.0.0: clashes with 10.0.0.1.
    expect(plugin.filter(state(), testPodInfo('q', { hostPorts: [{ port: 8080, protocol: 'UDP' }] }), node).isSuccess()).toBe(true);
    expect(plugin.filter(state(), testPodInfo('r', { hostPorts: [{ port: 53, protocol: 'UDP', ip: '10.0.0.2' }] }), node).isSuccess()).toBe(true);
    expect(plugin.filter(state(), testPodInfo('s', { hostPorts: [{ port: 53, protocol: 'UDP' }] }), node).isRejected()).toBe(true);
  });
  it('frees the port when the pod leaves the node', () => {
    const old = testPodInfo('old', { hostPorts: [{ port: 80 }] });
    const node = testNode('n', { running: [old.pod] });
    node.removePod(old.pod.metadata!.uid!);
    expect(plugin.filter(state(), testPodInfo('p', { hostPorts: [{ port: 80 }] }), node).isSuccess()).toBe(true);
  });
});
