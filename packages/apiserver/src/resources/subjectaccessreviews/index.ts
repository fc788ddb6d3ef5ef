/** authorization.k8s.io/v1 SubjectAccessReview: create-only, never stored; the authorizers' decision for the user the review names (auth/access-review.ts). */
import { builtinType, defineResource } from '../definition.js';
import { reviewVerbs } from '../selfsubjectaccessreviews/index.js';

export const subjectAccessReviews = defineResource({
  type: builtinType('authorization.k8s.io', 'v1', 'subjectaccessreviews'),
  verbs: reviewVerbs,
});
