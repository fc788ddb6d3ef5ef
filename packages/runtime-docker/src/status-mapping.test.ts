import { describe, expect, it } from 'vitest';
import type Dockerode from 'dockerode';
import { containerState, containerStatus, sandboxState } from './status-mapping.js';

describe('state mapping', () => {
  it("maps Docker's states to CRI container states", () => {
    expect(containerState('created')).toBe('CONTAINER_CREATED');
    expect(containerState('running')).toBe('CONTAINER_RUNNING');
    expect(containerState('paused')).toBe('CONTAINER_RUNNING');
    expect(containerState('exited')).toBe('CONTAINER_EXITED');
    expect(containerState('dead')).toBe('CONTAINER_EXITED');
    expect(containerState('removing')).toBe('CONTAINER_UNKNOWN');
  });

  it('calls a sandbox ready only while its pause container runs', () => {
    expect(sandboxState('running')).toBe('SANDBOX_READY');
    expect(sandboxState('exited')).toBe('SANDBOX_NOTREADY');
    expect(sandboxState('created')).toBe('SANDBOX_NOTREADY');
  });
});

describe('containerStatus', () => {
  const inspect = (state: Record<string, unknown>) =>
    ({
      Id: 'c1',
      Created: '2024-05-01T10:00:00Z',
      Image: 'sha256:abc',
      State: { Status: 'exited', Running: false, OOMKilled: false, Error: '', ExitCode: 0, ...state },
      Config: {
        Image: 'busybox:latest',
        Labels: { 'io.kubernetes.container.name': 'app', 'io.mk8s.attempt': '1', 'io.mk8s.cri-labels': '{"a":"b"}', 'io.mk8s.log-path': '/l/0.log' },
      },
      HostConfig: { Memory: 1024 },
      Mounts: [],
    }) as unknown as Dockerode.ContainerInspectInfo;

  it('maps exit reasons and never reports finishing before starting', () => {
    const s = containerStatus(inspect({ StartedAt: '2024-05-01T10:00:01.5Z', FinishedAt: '2024-05-01T10:00:01.4Z', ExitCode: 2 }));
    expect(s).toMatchObject({ state: 'CONTAINER_EXITED', exitCode: 2, reason: 'Error', metadata: { name: 'app', attempt: 1 } });
    expect(s.finishedAt).toBe(s.startedAt);
    expect(s.labels).toEqual({ a: 'b' });
    expect(s.logPath).toBe('/l/0.log');
    expect(s.resources?.linux?.memoryLimitInBytes).toBe(1024);
    expect(containerStatus(inspect({ OOMKilled: true, ExitCode: 137 })).reason).toBe('OOMKilled');
    expect(containerStatus(inspect({ ExitCode: 0 })).reason).toBe('Completed');
    expect(containerStatus(inspect({ Status: 'created' }))).toMatchObject({ state: 'CONTAINER_CREATED', startedAt: 0, finishedAt: 0, reason: '' });
  });
});
