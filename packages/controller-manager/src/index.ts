/**
 * @mk8s/controller-manager: the level-triggered controllers of
 * kube-controller-manager, and `ControllerManager`, which runs a chosen set
 * of them over one client and one shared informer factory.
 *
 * @example
 * ```ts
 * import { Clientset } from '@mk8s/client';
 * import { ControllerManager } from '@mk8s/controller-manager';
 * const client = await Clientset.fromKubeconfig('.mk8s/kubeconfig');
 * const manager = new ControllerManager({ client, controllers: ['*'] });
 * await manager.run(signal); // until signal aborts
 * ```
 */
export * from './replicaset/index.js';
export * from './deployment/index.js';
export * from './node-lifecycle/index.js';
export * from './endpoints/index.js';
export * from './garbage-collector/index.js';
export * from './namespace/index.js';
export * from './podgc/index.js';
export * from './serviceaccount/index.js';
export { ControllerManager, DEFAULT_SETTINGS, type ControllerManagerOptions } from './manager/controller-manager.js';
export { CONTROLLER_DESCRIPTORS, type ControllerContext, type ControllerSettings, type KcmControllerDescriptor } from './manager/descriptors.js';
export { DEFAULT_HPA_SYNC_PERIOD_MS, HorizontalPodAutoscalerController, type HpaControllerOptions } from './hpa/index.js';
