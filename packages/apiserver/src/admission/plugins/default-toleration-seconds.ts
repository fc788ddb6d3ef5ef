/**
 * Kubernetes' DefaultTolerationSeconds admission: a new pod that does not say
 * how long it tolerates a not-ready or unreachable node gets the server's
 * default for each (Kubernetes: 300 s, `--default-not-ready-toleration-seconds`
 * and `--default-unreachable-toleration-seconds`), which is how long
 * taint-based eviction waits before moving it elsewhere.
 */
import type { AdmissionSettings, Obj } from '../../registry/strategy.js';
import type { AdmissionAttributes, AdmissionPlugin } from '../types.js';

function record(o: Obj, key: string): Obj {
  const v = o[key];
  if (v && typeof v === 'object' && !Array.isArray(v)) return v as Obj;
  const fresh: Obj = {};
  o[key] = fresh;
  return fresh;
}

/** Adds the two NoExecute tolerations a pod does not already cover. Idempotent. */
export function addDefaultTolerations(pod: Obj, settings: AdmissionSettings): void {
  const spec = record(pod, 'spec');
  const tolerations = ((spec['tolerations'] as Obj[] | undefined) ?? []).slice();
  const defaults: Array<[string, number]> = [
    ['node.kubernetes.io/not-ready', settings.defaultNotReadyTolerationSeconds],
    ['node.kubernetes.io/unreachable', settings.defaultUnreachableTolerationSeconds],
  ];
  for (const [key, seconds] of defaults) {
    const covered = tolerations.some(
      (t) =>
        (t['key'] === key || (t['key'] === undefined && t['operator'] === 'Exists')) &&
        (t['effect'] === undefined || t['effect'] === '' || t['effect'] === 'NoExecute'),
    );
    if (!covered) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
  }
  spec['tolerations'] = tolerations;
}

export class DefaultTolerationSeconds implements AdmissionPlugin {
  readonly name = 'DefaultTolerationSeconds';

  constructor(private readonly settings: AdmissionSettings) {}

  handles(attrs: AdmissionAttributes): boolean {
    return attrs.operation === 'CREATE' && attrs.resource.resource === 'pods' && attrs.resource.group === '' && attrs.subresource === '';
  }

  admit(attrs: AdmissionAttributes): void {
    addDefaultTolerations(attrs.object, this.settings);
  }
}
