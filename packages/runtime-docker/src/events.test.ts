import { describe, expect, it } from 'vitest';
import { toContainerEvent, toRuntimeEvent, type RuntimeEvent } from './events.js';

describe('toRuntimeEvent', () => {
  it('maps a die event of an app container with its exit code', () => {
    const e = toRuntimeEvent({
      Type: 'container',
      Action: 'die',
      Actor: {
        ID: 'c1',
        Attributes: {
          exitCode: '3',
          'io.mk8s.type': 'container',
          'io.mk8s.sandbox-id': 's1',
          'io.kubernetes.pod.uid': 'u',
          'io.kubernetes.container.name': 'app',
        },
      },
      timeNano: 1_700_000_000_000_000_000,
    });
    expect(e).toEqual({
      type: 'die',
      containerId: 'c1',
      kind: 'container',
      podSandboxId: 's1',
      podUid: 'u',
      containerName: 'app',
      exitCode: 3,
      timestamp: 1_700_000_000_000_000_000,
    });
  });

  it('maps a sandbox start to its own sandbox id and drops other events', () => {
    const e = toRuntimeEvent({ Type: 'container', Action: 'start', Actor: { ID: 's1', Attributes: { 'io.mk8s.type': 'podsandbox' } }, time: 2 });
    expect(e).toMatchObject({ kind: 'podsandbox', podSandboxId: 's1', exitCode: null, timestamp: 2e9 });
    expect(toRuntimeEvent({ Type: 'container', Action: 'exec_start: sh', Actor: { ID: 'x' } })).toBeUndefined();
    expect(toRuntimeEvent({ Type: 'network', Action: 'connect', Actor: { ID: 'x' } })).toBeUndefined();
  });
});

describe('toContainerEvent (CRI GetContainerEvents)', () => {
  const base: RuntimeEvent = {
    type: 'start',
    containerId: 'c1',
    kind: 'container',
    podSandboxId: 's1',
    podUid: 'u1',
    containerName: 'app',
    exitCode: null,
    timestamp: 42,
  };
  it('maps create/start/die/destroy to the CRI event types, with the sandbox id and pod uid', () => {
    expect(toContainerEvent({ ...base, type: 'create' })?.containerEventType).toBe('CONTAINER_CREATED_EVENT');
    expect(toContainerEvent({ ...base, type: 'die', exitCode: 1 })?.containerEventType).toBe('CONTAINER_STOPPED_EVENT');
    expect(toContainerEvent({ ...base, type: 'destroy' })?.containerEventType).toBe('CONTAINER_DELETED_EVENT');
    expect(toContainerEvent(base)).toMatchObject({
      containerId: 'c1',
      containerEventType: 'CONTAINER_STARTED_EVENT',
      createdAt: 42,
      podSandboxStatus: { id: 's1', metadata: { uid: 'u1' } },
    });
  });
  it('drops oom: CRI has no type for it, and the die that follows reports the stop', () => {
    expect(toContainerEvent({ ...base, type: 'oom' })).toBeUndefined();
  });
});
