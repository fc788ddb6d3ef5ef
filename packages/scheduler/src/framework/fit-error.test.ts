import { describe, expect, it } from 'vitest';
import { FitError, fitErrorMessage } from './fit-error.js';
import { Status } from './status.js';

describe('FitError message', () => {
  it('counts reasons across nodes, sorts the "COUNT REASON" strings and ends with the preemption clause', () => {
    const err = FitError.fromStatuses(5, [
      Status.unresolvable('TaintToleration', 'node(s) had untolerated taint {key: value}'),
      Status.unschedulable('NodeResourcesFit', 'Insufficient cpu'),
      Status.unresolvable('TaintToleration', 'node(s) had untolerated taint {key: value}'),
      Status.unschedulable('NodeResourcesFit', 'Insufficient cpu', 'Insufficient memory'),
      Status.unresolvable('NodeUnschedulable', 'node(s) were unschedulable'),
    ]);
    expect(err.message).toBe(
      '0/5 nodes are available: 1 Insufficient memory, 1 node(s) were unschedulable, 2 Insufficient cpu, 2 node(s) had untolerated taint {key: value}. preemption: not supported.',
    );
  });
  it('sorts as strings, like Kubernetes (10 before 2)', () => {
    const reasons = new Map([
      ['Insufficient cpu', 2],
      ['Too many pods', 10],
    ]);
    expect(fitErrorMessage(12, reasons)).toBe('0/12 nodes are available: 10 Too many pods, 2 Insufficient cpu. preemption: not supported.');
  });
  it('uses a PreFilter message instead of the histogram', () => {
    expect(new FitError(3, new Map(), 'pod has unbound immediate PersistentVolumeClaims').message).toBe(
      '0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: not supported.',
    );
  });
});
