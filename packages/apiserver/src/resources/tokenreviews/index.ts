/** authentication.k8s.io/v1 TokenReview: create-only, never stored; who a bearer token belongs to (auth/token-review.ts). */
import { builtinType, defineResource } from '../definition.js';
import { reviewVerbs } from '../selfsubjectaccessreviews/index.js';

export const tokenReviews = defineResource({
  type: builtinType('authentication.k8s.io', 'v1', 'tokenreviews'),
  verbs: reviewVerbs,
});
