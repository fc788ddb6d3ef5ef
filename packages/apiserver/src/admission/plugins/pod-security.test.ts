import { describe, expect, it } from 'vitest';
import { podSecurityViolations } from './pod-security.js';

describe('Pod Security Standards', () => {
  const c = (name: string, extra: Record<string, unknown> = {}) => ({ name, image: 'busybox', ...extra });

  it('allows everything at privileged and a plain pod at baseline', () => {
    const risky = { spec: { hostNetwork: true, containers: [c('a', { securityContext: { privileged: true } })] } };
    expect(podSecurityViolations(risky, 'privileged')).toEqual([]);
    expect(podSecurityViolations({ spec: { containers: [c('a')], volumes: [{ name: 'e', emptyDir: {} }] } }, 'baseline')).toEqual([]);
  });

  it('words baseline failures as Kubernetes does, plural forms included', () => {
    const p = {
      spec: {
        hostIPC: true,
        containers: [
          c('a', { securityContext: { privileged: true, capabilities: { add: ['NET_ADMIN', 'CHOWN'] } }, ports: [{ containerPort: 80, hostPort: 8080 }] }),
          c('b', { securityContext: { privileged: true } }),
        ],
        volumes: [
          { name: 'h1', hostPath: { path: '/' } },
          { name: 'h2', hostPath: { path: '/etc' } },
        ],
      },
    };
    expect(podSecurityViolations(p, 'baseline')).toEqual([
      'non-default capabilities (container "a" must not include "NET_ADMIN" in securityContext.capabilities.add)',
      'host namespaces (hostIPC=true)',
      'hostPath volumes (volumes "h1", "h2")',
      'hostPort (container "a" uses hostPort 8080)',
      'privileged (containers "a", "b" must not set securityContext.privileged=true)',
    ]);
  });

  it('accepts a restricted pod that drops everything and runs as non-root', () => {
    const p = {
      spec: {
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [c('a', { securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } })],
      },
    };
    expect(podSecurityViolations(p, 'restricted')).toEqual([]);
    expect(podSecurityViolations({ spec: { containers: [c('a')] } }, 'restricted')).toHaveLength(4);
  });
});
