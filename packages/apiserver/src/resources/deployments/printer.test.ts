import { describe, expect, it } from 'vitest';
import { DAY, NOW, ago } from '../../testing/test-clock.js';
import { deploymentPrinter } from './printer.js';

describe('deploymentPrinter', () => {
  it('declares NAME READY UP-TO-DATE AVAILABLE AGE and the wide columns', () => {
    expect(deploymentPrinter.columns.map((c) => `${c.name}:${c.priority}`)).toEqual([
      'Name:0',
      'Ready:0',
      'Up-to-date:0',
      'Available:0',
      'Age:0',
      'Containers:1',
      'Images:1',
      'Selector:1',
    ]);
  });

  it('prints a deployment in the middle of a rollout', () => {
    const deployment = {
      metadata: { name: 'web', creationTimestamp: ago(2 * DAY + 5 * 3_600_000), generation: 4 },
      spec: {
        replicas: 3,
        selector: {
          matchLabels: { app: 'web' },
          matchExpressions: [
            { key: 'tier', operator: 'In', values: ['web', 'frontend'] },
            { key: 'canary', operator: 'DoesNotExist' },
          ],
        },
        template: { spec: { containers: [{ name: 'web', image: 'busybox:1.3' }] } },
      },
      status: { observedGeneration: 4, replicas: 4, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2, unavailableReplicas: 2 },
    };
    expect(deploymentPrinter.print(deployment, NOW).cells).toEqual([
      'web',
      '2/3',
      1,
      2,
      '2d5h',
      'web',
      'busybox:1.3',
      'app=web,!canary,tier in (frontend,web)',
    ]);
  });

  it('prints a new deployment with no status, an empty selector and <invalid> for a malformed one', () => {
    const fresh = { metadata: { name: 'new', creationTimestamp: ago(0) }, spec: { replicas: 2, selector: {} } };
    expect(deploymentPrinter.print(fresh, NOW).cells).toEqual(['new', '0/2', 0, 0, '0s', '', '', '']);
    const bad = { metadata: { name: 'bad' }, spec: { selector: { matchExpressions: [{ key: 'a', operator: 'In', values: [] }] } } };
    expect(deploymentPrinter.print(bad, NOW).cells[7]).toBe('<invalid>');
  });
});
