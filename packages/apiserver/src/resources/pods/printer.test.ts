import { describe, expect, it } from 'vitest';
import { MINUTE, NOW, SECOND, ago } from '../../testing/test-clock.js';
import { podPrinter } from './printer.js';

type Obj = Record<string, unknown>;

function pod(spec: Obj, status: Obj, metadata: Obj = {}): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-1', namespace: 'default', creationTimestamp: ago(10 * MINUTE), ...metadata },
    spec: { containers: [{ name: 'web', image: 'busybox' }], ...spec },
    status,
  };
}

const running = { running: { startedAt: ago(9 * MINUTE) } };
const readyCondition = { type: 'Ready', status: 'True' };

function cells(p: Obj): unknown[] {
  return podPrinter.print(p, NOW).cells;
}

describe('podPrinter', () => {
  it('declares Kubernetes pod columns', () => {
    expect(podPrinter.columns.map((c) => [c.name, c.type, c.priority])).toEqual([
      ['Name', 'string', 0],
      ['Ready', 'string', 0],
      ['Status', 'string', 0],
      ['Restarts', 'string', 0],
      ['Age', 'string', 0],
      ['IP', 'string', 1],
      ['Node', 'string', 1],
      ['Nominated Node', 'string', 1],
      ['Readiness Gates', 'string', 1],
    ]);
    expect(podPrinter.columns[0]?.format).toBe('name');
  });

  it('prints a running pod with its wide cells', () => {
    const p = pod(
      { nodeName: 'node-1' },
      {
        phase: 'Running',
        podIP: '172.17.0.5',
        podIPs: [{ ip: '172.17.0.5' }],
        conditions: [readyCondition],
        containerStatuses: [{ name: 'web', ready: true, restartCount: 0, state: running }],
      },
    );
    expect(cells(p)).toEqual(['web-1', '1/1', 'Running', '0', '10m', '172.17.0.5', 'node-1', '<none>', '<none>']);
    expect(podPrinter.print(p, NOW).conditions).toBeUndefined();
  });

  it('prints a pending pod that has not been scheduled', () => {
    expect(cells(pod({}, { phase: 'Pending' }))).toEqual(['web-1', '0/1', 'Pending', '0', '10m', '<none>', '<none>', '<none>', '<none>']);
  });

  it('prints ContainerCreating while the container waits', () => {
    const p = pod(
      { nodeName: 'n' },
      { phase: 'Pending', containerStatuses: [{ name: 'web', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] },
    );
    expect(cells(p).slice(1, 4)).toEqual(['0/1', 'ContainerCreating', '0']);
  });

  it('prints CrashLoopBackOff with the restart count and when the last restart happened', () => {
    const p = pod(
      { containers: [{ name: 'web' }, { name: 'sidecar' }] },
      {
        phase: 'Running',
        containerStatuses: [
          {
            name: 'web',
            ready: false,
            restartCount: 5,
            state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 2m40s' } },
            lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(5 * MINUTE) } },
          },
          { name: 'sidecar', ready: true, restartCount: 1, state: running, lastState: { terminated: { exitCode: 137, finishedAt: ago(8 * MINUTE) } } },
        ],
      },
    );
    expect(cells(p).slice(1, 4)).toEqual(['1/2', 'CrashLoopBackOff', '6 (5m ago)']);
  });

  it('prints a completed pod as Completed and marks the row completed', () => {
    const p = pod(
      { restartPolicy: 'Never' },
      { phase: 'Succeeded', containerStatuses: [{ name: 'web', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] },
    );
    const row = podPrinter.print(p, NOW);
    expect(row.cells.slice(1, 4)).toEqual(['0/1', 'Completed', '0']);
    expect(row.conditions).toEqual([{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
  });

  it('prints a failed container as Error, or ExitCode:N / Signal:N without a reason', () => {
    const failed = (terminated: Obj) => pod({}, { phase: 'Failed', containerStatuses: [{ name: 'web', restartCount: 0, state: { terminated } }] });
    expect(cells(failed({ exitCode: 1, reason: 'Error' }))[2]).toBe('Error');
    expect(cells(failed({ exitCode: 3 }))[2]).toBe('ExitCode:3');
    expect(cells(failed({ exitCode: 137, signal: 9 }))[2]).toBe('Signal:9');
    expect(podPrinter.print(failed({ exitCode: 1, reason: 'Error' }), NOW).conditions?.[0]?.reason).toBe('Failed');
  });

  it('prints Running or NotReady when a completed container sits beside a running one', () => {
    const status = (conditions: Obj[]) => ({
      phase: 'Running',
      conditions,
      containerStatuses: [
        { name: 'job', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
        { name: 'web', ready: true, restartCount: 0, state: running },
      ],
    });
    const spec = { containers: [{ name: 'job' }, { name: 'web' }] };
    expect(cells(pod(spec, status([readyCondition])))[2]).toBe('Running');
    expect(cells(pod(spec, status([{ type: 'Ready', status: 'False' }])))[2]).toBe('NotReady');
  });

  it('prints Terminating once deletion started, but not for a finished pod', () => {
    const deleting = { deletionTimestamp: ago(10 * SECOND), deletionGracePeriodSeconds: 30 };
    const p = pod({}, { phase: 'Running', conditions: [readyCondition], containerStatuses: [{ name: 'web', ready: true, state: running }] }, deleting);
    expect(cells(p).slice(1, 3)).toEqual(['1/1', 'Terminating']);
    const done = pod({}, { phase: 'Succeeded', containerStatuses: [{ name: 'web', state: { terminated: { exitCode: 0, reason: 'Completed' } } }] }, deleting);
    expect(cells(done)[2]).toBe('Completed');
  });

  it('prints Unknown for a pod being deleted from a lost node', () => {
    const p = pod({}, { phase: 'Running', reason: 'NodeLost' }, { deletionTimestamp: ago(SECOND) });
    expect(cells(p)[2]).toBe('Unknown');
  });

  it('prints status.reason such as Evicted and SchedulingGated', () => {
    expect(cells(pod({}, { phase: 'Failed', reason: 'Evicted' }))[2]).toBe('Evicted');
    const gated = pod({}, { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] });
    expect(cells(gated)[2]).toBe('SchedulingGated');
  });

  describe('init containers', () => {
    const spec = { initContainers: [{ name: 'migrate' }, { name: 'seed' }] };

    it('prints Init:<done>/<total> while they run', () => {
      const p = pod(spec, {
        phase: 'Pending',
        initContainerStatuses: [
          { name: 'migrate', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
          { name: 'seed', restartCount: 0, state: running },
        ],
        containerStatuses: [{ name: 'web', restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
      });
      expect(cells(p).slice(1, 4)).toEqual(['0/1', 'Init:1/2', '0']);
    });

    it('prints Init:0/N for an init container still waiting to initialize', () => {
      const p = pod(spec, { phase: 'Pending', initContainerStatuses: [{ name: 'migrate', state: { waiting: { reason: 'PodInitializing' } } }] });
      expect(cells(p)[2]).toBe('Init:0/2');
    });

    it('prints Init:<reason> for a crashing or failed init container and counts its restarts', () => {
      const crashing = pod(spec, {
        phase: 'Pending',
        initContainerStatuses: [
          {
            name: 'migrate',
            restartCount: 3,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { exitCode: 1, finishedAt: ago(30 * SECOND) } },
          },
        ],
      });
      expect(cells(crashing).slice(2, 4)).toEqual(['Init:CrashLoopBackOff', '3 (30s ago)']);
      const failed = pod(spec, { phase: 'Failed', initContainerStatuses: [{ name: 'migrate', state: { terminated: { exitCode: 2, reason: 'Error' } } }] });
      expect(cells(failed)[2]).toBe('Init:Error');
      const noReason = pod(spec, { phase: 'Failed', initContainerStatuses: [{ name: 'migrate', state: { terminated: { exitCode: 2 } } }] });
      expect(cells(noReason)[2]).toBe('Init:ExitCode:2');
    });

    it('counts a started sidecar (restartPolicy Always) in READY and its restarts', () => {
      const p = pod(
        { initContainers: [{ name: 'proxy', restartPolicy: 'Always' }] },
        {
          phase: 'Running',
          conditions: [readyCondition, { type: 'Initialized', status: 'True' }],
          initContainerStatuses: [
            {
              name: 'proxy',
              started: true,
              ready: true,
              restartCount: 2,
              state: running,
              lastState: { terminated: { exitCode: 1, finishedAt: ago(2 * MINUTE) } },
            },
          ],
          containerStatuses: [{ name: 'web', ready: true, restartCount: 0, state: running }],
        },
      );
      expect(cells(p).slice(1, 4)).toEqual(['2/2', 'Running', '2 (2m ago)']);
    });
  });

  it('prints readiness gates as true/declared', () => {
    const p = pod(
      { readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }] },
      {
        phase: 'Running',
        conditions: [
          { type: 'example.com/lb', status: 'True' },
          { type: 'example.com/dns', status: 'False' },
        ],
      },
    );
    expect(cells(p)[8]).toBe('1/2');
  });

  it('prints something sensible for an object with no spec or status', () => {
    expect(cells({ metadata: { name: 'bare' } })).toEqual(['bare', '0/0', '', '0', '<unknown>', '<none>', '<none>', '<none>', '<none>']);
  });
});
