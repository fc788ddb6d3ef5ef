/**
 * `kubectl get pods`: NAME READY STATUS RESTARTS AGE, wide: IP NODE
 * NOMINATED NODE READINESS GATES. The STATUS cell follows Kubernetes' rules:
 * the pod phase (or `status.reason`, e.g. Evicted), "SchedulingGated",
 * "Init:<reason>" / "Init:<done>/<total>" while init containers run, then the
 * reason of the last non-running container (waiting reason such as
 * CrashLoopBackOff or ContainerCreating, terminated reason such as Completed
 * or Error, else "Signal:N" / "ExitCode:N"), "Running"/"NotReady" when a
 * completed container sits beside running ones, and finally "Terminating"
 * (or "Unknown" for pods on a lost node) once deletion has started.
 */
import { ageColumn, column, nameColumn } from '../../tables/columns.js';
import { humanDuration } from '../../tables/duration.js';
import { at, int, isObject, objects, obj, str } from '../../tables/json-fields.js';
import { age, parseTimestamp } from '../../tables/time-cells.js';
import type { JsonObject } from '../../tables/json-fields.js';
import type { PrintedRow, ResourcePrinter, TableRowCondition } from '../../tables/types.js';

/** `status.reason` the node controller sets on pods of an unreachable node. */
const NODE_LOST_REASON = 'NodeLost';

const SUCCEEDED: TableRowCondition[] = [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
const FAILED: TableRowCondition[] = [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];

export const podPrinter: ResourcePrinter = {
  columns: [
    nameColumn(),
    column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'string', 'The aggregate status of the containers in this pod.'),
    column('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    ageColumn(),
    column('IP', 'string', 'IP address allocated to the pod.', { priority: 1 }),
    column('Node', 'string', 'Name of the node the pod is scheduled onto.', { priority: 1 }),
    column('Nominated Node', 'string', 'Node the scheduler nominated for this pod after preempting others.', { priority: 1 }),
    column('Readiness Gates', 'string', 'Readiness gates that are true out of all declared in spec.readinessGates.', { priority: 1 }),
  ],
  print: printPod,
};

function printPod(pod: JsonObject, now: number): PrintedRow {
  const spec = obj(pod['spec']);
  const status = obj(pod['status']);
  const phase = str(status['phase']);
  const initContainers = objects(spec['initContainers']);
  const sidecars = new Set(initContainers.filter((c) => c['restartPolicy'] === 'Always').map((c) => str(c['name'])));

  let reason = str(status['reason']) || phase;
  if (objects(status['conditions']).some((c) => c['type'] === 'PodScheduled' && c['reason'] === 'SchedulingGated')) {
    reason = 'SchedulingGated';
  }

  const total = objects(spec['containers']).length + sidecars.size;
  let ready = 0;
  let restarts = 0;
  let lastRestart: number | undefined;
  let sidecarRestarts = 0;
  let lastSidecarRestart: number | undefined;

  let initializing = false;
  const initStatuses = objects(status['initContainerStatuses']);
  for (const [index, container] of initStatuses.entries()) {
    const isSidecar = sidecars.has(str(container['name']));
    const finished = lastTerminatedAt(container);
    restarts += int(container['restartCount']);
    lastRestart = later(lastRestart, finished);
    if (isSidecar) {
      sidecarRestarts += int(container['restartCount']);
      lastSidecarRestart = later(lastSidecarRestart, finished);
    }
    const terminated = at(container, 'state', 'terminated');
    const waitingReason = str(at(container, 'state', 'waiting', 'reason'));
    if (isObject(terminated) && int(terminated['exitCode']) === 0) {
      continue;
    }
    if (isSidecar && container['started'] === true) {
      if (container['ready'] === true) {
        ready++;
      }
      continue;
    }
    if (isObject(terminated)) {
      reason = `Init:${terminationReason(terminated)}`;
    } else if (waitingReason !== '' && waitingReason !== 'PodInitializing') {
      reason = `Init:${waitingReason}`;
    } else {
      reason = `Init:${index}/${initContainers.length}`;
    }
    initializing = true;
    break;
  }

  const initialized = objects(status['conditions']).some((c) => c['type'] === 'Initialized' && c['status'] === 'True');
  if (!initializing || initialized) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = objects(status['containerStatuses']);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const container = statuses[i] ?? {};
      restarts += int(container['restartCount']);
      lastRestart = later(lastRestart, lastTerminatedAt(container));
      const waitingReason = str(at(container, 'state', 'waiting', 'reason'));
      const terminated = at(container, 'state', 'terminated');
      if (waitingReason !== '') {
        reason = waitingReason;
      } else if (isObject(terminated)) {
        reason = terminationReason(terminated);
      } else if (container['ready'] === true && isObject(at(container, 'state', 'running'))) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      const podReady = objects(status['conditions']).some((c) => c['type'] === 'Ready' && c['status'] === 'True');
      reason = podReady ? 'Running' : 'NotReady';
    }
  }

  const deleting = parseTimestamp(at(pod, 'metadata', 'deletionTimestamp')) !== undefined;
  if (deleting && str(status['reason']) === NODE_LOST_REASON) {
    reason = 'Unknown';
  } else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') {
    reason = 'Terminating';
  }

  let restartsCell = String(restarts);
  if (restarts !== 0 && lastRestart !== undefined) {
    restartsCell = `${restarts} (${humanDuration(now - lastRestart)} ago)`;
  }

  const cells: unknown[] = [
    str(at(pod, 'metadata', 'name')),
    `${ready}/${total}`,
    reason,
    restartsCell,
    age(at(pod, 'metadata', 'creationTimestamp'), now),
    podIP(status) || '<none>',
    str(spec['nodeName']) || '<none>',
    str(status['nominatedNodeName']) || '<none>',
    readinessGates(spec, status),
  ];
  const row: PrintedRow = { cells };
  if (phase === 'Succeeded') {
    row.conditions = SUCCEEDED;
  } else if (phase === 'Failed') {
    row.conditions = FAILED;
  }
  return row;
}

/** A terminated state's reason, else "Signal:N" or "ExitCode:N". */
function terminationReason(terminated: JsonObject): string {
  const reason = str(terminated['reason']);
  if (reason !== '') {
    return reason;
  }
  const signal = int(terminated['signal']);
  return signal !== 0 ? `Signal:${signal}` : `ExitCode:${int(terminated['exitCode'])}`;
}

/** When the container's previous run ended, if it has one. */
function lastTerminatedAt(container: JsonObject): number | undefined {
  return parseTimestamp(at(container, 'lastState', 'terminated', 'finishedAt'));
}

function later(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}

/** The first of `status.podIPs`, falling back to the singular `status.podIP`. */
function podIP(status: JsonObject): string {
  const first = objects(status['podIPs'])[0];
  return str(first?.['ip']) || str(status['podIP']);
}

function readinessGates(spec: JsonObject, status: JsonObject): string {
  const gates = objects(spec['readinessGates']);
  if (gates.length === 0) {
    return '<none>';
  }
  const conditions = objects(status['conditions']);
  const trueCount = gates.filter((gate) => conditions.find((c) => c['type'] === gate['conditionType'])?.['status'] === 'True').length;
  return `${trueCount}/${gates.length}`;
}
