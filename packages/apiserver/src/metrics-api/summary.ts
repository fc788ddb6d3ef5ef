/**
 * The part of the kubelet's Summary API (`/stats/summary`, stats/v1alpha1)
 * the metrics pipeline reads. Declared here rather than imported: the API
 * server reaches kubelets over HTTP only, like metrics-server does.
 */
export interface SummaryCpu {
  time?: string;
  usageNanoCores?: number;
  usageCoreNanoSeconds?: number;
}

export interface SummaryMemory {
  time?: string;
  workingSetBytes?: number;
}

export interface SummaryContainer {
  name: string;
  startTime?: string;
  cpu?: SummaryCpu;
  memory?: SummaryMemory;
}

export interface SummaryPod {
  podRef: { name: string; namespace: string; uid?: string };
  startTime?: string;
  containers?: SummaryContainer[];
}

export interface Summary {
  node?: { nodeName?: string; startTime?: string; cpu?: SummaryCpu; memory?: SummaryMemory };
  pods?: SummaryPod[];
}
