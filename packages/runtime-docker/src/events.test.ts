import { describe, expect, it } from 'vitest';
import { toRuntimeEvent } from './events.js';

describe('toRuntimeEvent', () => {
  it('maps a die event of an app container with its exit code', () => {
    const e = toRuntimeEvent({
      Type: 'container',
      Action: 'die',
      Actor: {
        ID: 'c1',
        Attributes: { exitCode: '3', 'io.mk8s.type': 'container', 'io.mk8s.sandbox-id': 's1', 'io.kubernetes.pod.uid': 'u', 'io.kubernetes.container.name': 'app' },
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
