/**
 * The Deployment controller.
 *
 * @example
 * ```ts
 * const factory = new SharedInformerFactory(listerWatchersFor(client));
 * const rsc = new ReplicaSetController({ client, factory });
 * const dc = new DeploymentController({ client, factory });
 * factory.start(signal);
 * await Promise.all([rsc.run(signal), dc.run(signal)]);
 * ```
 */
export { DEPLOYMENT_CONTROLLER_NAME, DeploymentController, type DeploymentControllerOptions } from './deployment-controller.js';
export { DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION } from './annotations.js';
export { AVAILABLE, PROGRESSING, Reason as DeploymentConditionReason } from './deployment-status.js';
export { maxSurge, maxUnavailable, resolveFenceposts, scaledValue } from './replica-math.js';
export { POD_TEMPLATE_HASH_LABEL, computeTemplateHash, templatesEqualIgnoringHash } from './template-hash.js';
