import type { Node, Taint } from '@mk8s/api';
import type { ControllerDeps } from '@mk8s/client';
import type { CloudProvider } from './cloud.js';

/** What every cloud controller is built from: kube-controller-manager's dependencies plus the cloud provider. */
export interface CloudControllerDeps extends ControllerDeps {
  cloud: CloudProvider;
}

export function hasTaint(node: Node | undefined, key: string): boolean {
  return (node?.spec?.taints ?? []).some((t) => t.key === key);
}

export function withoutTaint(taints: readonly Taint[] | undefined, key: string): Taint[] {
  return (taints ?? []).filter((t) => t.key !== key);
}

/** Ready condition status: 'True', 'False' or 'Unknown' (also when there is none). */
export function readyStatus(node: Node): string {
  return node.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? 'Unknown';
}

export function nodeRef(node: Node): { apiVersion: string; kind: string; metadata: { name?: string; uid?: string } } {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name: node.metadata?.name ?? '', uid: node.metadata?.uid ?? node.metadata?.name ?? '' } };
}
