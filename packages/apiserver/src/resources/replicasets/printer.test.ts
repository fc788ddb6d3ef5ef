import { describe, expect, it } from 'vitest';
import { MINUTE, NOW, ago } from '../../testing/test-clock.js';
import { replicaSetPrinter } from './printer.js';

describe('replicaSetPrinter', () => {
  it('declares NAME DESIRED CURRENT READY AGE and the wide columns', () => {
    expect(replicaSetPrinter.columns.map((c) => `${c.name}:${c.type}:${c.priority}`)).toEqual([
      'Name:string:0',
      'Desired:integer:0',
      'Current:integer:0',
      'Ready:integer:0',
      'Age:string:0',
      'Containers:string:1',
      'Images:string:1',
      'Selector:string:1',
    ]);
  });

  it('prints counts, containers, images and the selector', () => {
    const rs = {
      metadata: { name: 'web-7d9c5b6f4', creationTimestamp: ago(3 * MINUTE + 20_000) },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web', 'pod-template-hash': '7d9c5b6f4' } },
        template: {
          spec: {
            containers: [
              { name: 'web', image: 'busybox:1.2' },
              { name: 'log', image: 'busybox' },
            ],
          },
        },
      },
      status: { replicas: 3, readyReplicas: 2, availableReplicas: 2 },
    };
    expect(replicaSetPrinter.print(rs, NOW).cells).toEqual([
      'web-7d9c5b6f4',
      3,
      3,
      2,
      '3m20s',
      'web,log',
      'busybox:1.2,busybox',
      'app=web,pod-template-hash=7d9c5b6f4',
    ]);
  });

  it('defaults desired to 1, counts to 0 and prints <none> for an empty selector', () => {
    const rs = { metadata: { name: 'r', creationTimestamp: ago(MINUTE) }, spec: { selector: {}, template: { spec: { containers: [] } } } };
    expect(replicaSetPrinter.print(rs, NOW).cells).toEqual(['r', 1, 0, 0, '60s', '', '', '<none>']);
  });

  it('prints <error> for a malformed selector', () => {
    const rs = { metadata: { name: 'r' }, spec: { selector: { matchExpressions: [{ key: 'a', operator: 'Near' }] } } };
    expect(replicaSetPrinter.print(rs, NOW).cells[7]).toBe('<error>');
  });
});
