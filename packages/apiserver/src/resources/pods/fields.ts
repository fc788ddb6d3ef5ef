/** The Pod's field labels (Kubernetes' pod GetAttrs and field label conversion). */
import type { Pod } from '@mk8s/api';
import { fieldText, type SelectableFields } from '../definition.js';

export const podFields: SelectableFields<Pod> = {
  labels: [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.podIPs',
    'status.nominatedNodeName',
  ],
  of(pod) {
    const firstIP = fieldText(pod.status?.podIPs?.[0], 'ip');
    return {
      'spec.nodeName': fieldText(pod, 'spec', 'nodeName'),
      'spec.restartPolicy': fieldText(pod, 'spec', 'restartPolicy'),
      'spec.schedulerName': fieldText(pod, 'spec', 'schedulerName'),
      'spec.serviceAccountName': fieldText(pod, 'spec', 'serviceAccountName'),
      'spec.hostNetwork': pod.spec?.hostNetwork === true ? 'true' : 'false',
      'status.phase': fieldText(pod, 'status', 'phase'),
      'status.podIP': firstIP || fieldText(pod, 'status', 'podIP'),
      'status.nominatedNodeName': fieldText(pod, 'status', 'nominatedNodeName'),
    };
  },
};
