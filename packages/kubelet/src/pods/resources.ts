/**
 * A container's requests and limits as the runtime's Linux resources, the way
 * the kubelet converts them: CPU request -> cpu shares (1 CPU = 1024, at least
 * 2), CPU limit -> CFS quota over a 100 ms period, memory limit -> memory
 * limit in bytes. Nothing set -> no resources (BestEffort).
 */
import type { Container } from '@mk8s/api';
import { parseQuantity } from '@mk8s/api';
import type { LinuxContainerResources } from '@mk8s/cri';

const CFS_PERIOD_US = 100_000;
const MIN_SHARES = 2;
const SHARES_PER_CPU = 1024;

export function linuxResources(c: Container): LinuxContainerResources | undefined {
  const requests = (c.resources?.requests ?? {}) as Record<string, string | undefined>;
  const limits = (c.resources?.limits ?? {}) as Record<string, string | undefined>;
  const out: LinuxContainerResources = {};
  // Kubernetes defaults a missing CPU request to the limit (done by defaulting for pods).
  const cpuRequest = requests['cpu'] ?? limits['cpu'];
  if (cpuRequest !== undefined) out.cpuShares = Math.max(MIN_SHARES, Math.floor((parseQuantity(cpuRequest).milliValue() * SHARES_PER_CPU) / 1000));
  if (limits['cpu'] !== undefined) {
    out.cpuPeriod = CFS_PERIOD_US;
    out.cpuQuota = Math.max(1000, Math.floor((parseQuantity(limits['cpu']).milliValue() * CFS_PERIOD_US) / 1000));
  }
  if (limits['memory'] !== undefined) out.memoryLimitInBytes = parseQuantity(limits['memory']).value();
  return Object.keys(out).length > 0 ? out : undefined;
}
