/**
 * @mk8s/cloud-controller-manager: the cloud controllers and the `local` cloud
 * provider (Kubernetes' k8s.io/cloud-provider, cut down).
 *
 * @example
 * ```ts
 * import { CloudControllerManager, getCloudProvider } from '@mk8s/cloud-controller-manager';
 * const cloud = await getCloudProvider('local', { configFile: '.mk8s/cloud/instances.json' });
 * await new CloudControllerManager({ client, cloud }).run(signal);
 * ```
 *
 * - `CloudProvider` (cloud.ts): Instances, Zones, LoadBalancer; providers
 *   register by name (`registerCloudProvider`), so adding one touches no
 *   controller.
 * - controllers: `cloud-node-controller` (initializes nodes registered with
 *   the uninitialized taint), `cloud-node-lifecycle-controller` (deletes
 *   nodes whose machine is gone, taints shut-down ones), `service-lb-controller`
 *   (LoadBalancer Services get `status.loadBalancer.ingress`).
 * - `local` provider: instances from the launcher's inventory file, load
 *   balancer addresses from a pool on this machine (default 127.240.0.0/24).
 */
import { registerCloudProvider } from './cloud.js';
import { LOCAL_PROVIDER_NAME, LocalCloudProvider } from './providers/local/index.js';

export * from './cloud.js';
export * from './providers/local/index.js';
export {
  CLOUD_CONTROLLER_DESCRIPTORS,
  CLOUD_CONTROLLERS,
  CloudControllerManager,
  type CloudControllerContext,
  type CloudControllerManagerOptions,
  type CloudControllerSettings,
} from './manager.js';
export { CLOUD_NODE_CONTROLLER, CloudNodeController } from './node/cloud-node-controller.js';
export { CLOUD_NODE_LIFECYCLE_CONTROLLER, CloudNodeLifecycleController, type CloudNodeLifecycleOptions } from './node/cloud-node-lifecycle-controller.js';
export { SERVICE_LB_CONTROLLER, ServiceController, wantsLoadBalancer, type ServiceControllerOptions } from './service/service-controller.js';
export type { CloudControllerDeps } from './util.js';

registerCloudProvider(
  LOCAL_PROVIDER_NAME,
  (config) =>
    new LocalCloudProvider({
      inventoryFile: config.configFile,
      // '' is no pool given: the default one.
      loadBalancerPool: config.loadBalancerPool || undefined,
    }),
);
