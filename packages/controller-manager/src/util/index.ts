/**
 * Helpers shared by the controllers of this package: expectations, the
 * claim (adopt/release) protocol, deletion ranking of pods, slow-start batches,
 * and discovery of the served resources.
 */
export { ControllerExpectations, EXPECTATIONS_TTL_MS } from './controller-expectations.js';
export { adoptPatch, claimObjects, newControllerRef, recheckOwner, releasePatch, type ClaimOptions } from './owner-refs.js';
export { compareForDeletion, podsToDelete } from './pod-ranking.js';
export { slowStartBatch } from './slow-start.js';
export {
  describeFailures,
  discoverResources,
  groupResource,
  hasVerbs,
  type ApiResource,
  type DiscoveredResources,
  type DiscoveryFailure,
} from './discovery.js';
