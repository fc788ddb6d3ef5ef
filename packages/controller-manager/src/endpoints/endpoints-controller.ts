/**
 * The endpoints controller (Kubernetes' `pkg/controller/endpoint`): for every
 * Service with a selector, keeps an Endpoints object of the same name listing
 * the selected pods' addresses, ready and not ready, with the ports each pod
 * actually serves (see `computeSubsets`). Services without a selector are
 * left alone (their Endpoints are the user's); when a Service goes, so do its
 * Endpoints. Endpoints carry the Service's labels (plus
 * `service.kubernetes.io/headless` for headless Services), as Kubernetes does.
 *
 * Level-triggered, keyed by the Service's `namespace/name`: pod and Service
 * changes enqueue the Services concerned; Endpoints changes enqueue their
 * Service, so a hand-edited or deleted Endpoints object is put back. It
 * writes only when the desired object differs from the cached one.
 *
 * EndpointSlices are not maintained: the API server does not serve
 * discovery.k8s.io/v1.
 */
import { errorMessage, cloneJson, selectorFromSet, type Endpoints, type Pod, type Service } from '@mk8s/api';
import { ControllerBase, deletedObject, isForbidden, isNotFound, objectKey, splitKey, type ControllerDeps, type SharedInformer } from '@mk8s/client';
import { computeSubsets, subsetsEqual } from './endpoint-subsets.js';

export type EndpointsControllerOptions = ControllerDeps;

export const LABEL_HEADLESS = 'service.kubernetes.io/headless';

/** The selector of a Service that has one; undefined for selector-less Services (an empty map counts as none). */
function serviceSelector(svc: Service): Record<string, string> | undefined {
  const sel = svc.spec?.selector;
  return sel && Object.keys(sel).length > 0 ? sel : undefined;
}

/** Labels the Endpoints of `svc` should carry. */
export function endpointsLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
  if (svc.spec?.clusterIP === 'None') labels[LABEL_HEADLESS] = '';
  else delete labels[LABEL_HEADLESS];
  return labels;
}

function labelsEqual(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ak = Object.keys(a ?? {});
  return ak.length === Object.keys(b ?? {}).length && ak.every((k) => (b ?? {})[k] === (a ?? {})[k]);
}

export class EndpointsController extends ControllerBase {
  protected readonly informers;
  private readonly services: SharedInformer<Service>;
  private readonly pods: SharedInformer<Pod>;
  private readonly endpoints: SharedInformer<Endpoints>;

  constructor(opts: EndpointsControllerOptions) {
    super({ name: 'endpoints' }, opts);
    this.services = opts.factory.informerFor<Service>('services');
    this.pods = opts.factory.informerFor<Pod>('pods');
    this.endpoints = opts.factory.informerFor<Endpoints>('endpoints');
    this.informers = [this.services, this.pods, this.endpoints];
    const enqueue = (o: Service | Endpoints): void => this.queue.add(objectKey(o));
    this.services.addEventHandler({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n), onDelete: (s) => enqueue(deletedObject(s)) });
    this.endpoints.addEventHandler({ onUpdate: (_o, n) => enqueue(n), onDelete: (e) => enqueue(deletedObject(e)) });
    this.pods.addEventHandler({
      onAdd: (p) => this.enqueueServicesOf(p),
      onUpdate: (o, n) => {
        this.enqueueServicesOf(n);
        // A label change can move the pod out of a Service's selection: that Service must look again too.
        if (!labelsEqual(o.metadata?.labels, n.metadata?.labels)) this.enqueueServicesOf(o);
      },
      onDelete: (p) => this.enqueueServicesOf(deletedObject(p)),
    });
  }

  /** Services in the pod's namespace whose selector matches its labels. */
  private enqueueServicesOf(pod: Pod): void {
    const ns = pod.metadata?.namespace;
    if (!ns) return;
    for (const svc of this.services.lister.namespace(ns).list()) {
      const sel = serviceSelector(svc);
      if (sel && selectorFromSet(sel).matches(pod.metadata?.labels)) this.queue.add(objectKey(svc));
    }
  }

  protected async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const ns = namespace ?? '';
    const epClient = this.client.endpoints.inNamespace(ns);
    const svc = this.services.lister.namespace(ns).get(name);
    const current = this.endpoints.lister.namespace(ns).get(name);
    if (!svc) {
      if (!current) return;
      try {
        await epClient.delete(name, { preconditions: { uid: current.metadata!.uid! } });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return;
    }
    const selector = serviceSelector(svc);
    if (!selector || svc.metadata?.deletionTimestamp) return;

    const pods = this.pods.lister.namespace(ns).list(selectorFromSet(selector));
    const subsets = computeSubsets(svc, pods);
    const labels = endpointsLabels(svc);
    if (current && subsetsEqual(current.subsets, subsets) && labelsEqual(current.metadata?.labels, labels)) return;

    if (!current) {
      const ep: Endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace: ns, labels }, subsets };
      try {
        await epClient.create(ep);
      } catch (err) {
        // Kubernetes does the same: a terminating namespace takes no new objects, and needs none.
        if (isForbidden(err) && /being terminated/.test(errorMessage(err))) return;
        throw err;
      }
      return;
    }
    const next = cloneJson(current);
    next.metadata = { ...next.metadata, labels };
    next.subsets = subsets;
    await epClient.update(next);
  }
}
